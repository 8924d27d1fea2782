#!/usr/bin/env bash
# test_smtp_ops.sh — govmaild under operating conditions: per-command
# timeout, transaction deadline and minimum data rate (slow-drip clients
# are cut off), the session limit (421 4.3.2), 500 concurrent sessions,
# 1,000 idle connections in little memory, SIGTERM letting a session in
# flight finish, running as an unprivileged user, and Postfix's smtp-sink /
# smtp-source and swaks as real peers. Time is only checked against
# generous upper bounds.
. "$(dirname "$0")/../lib.sh"

# start_daemon NAME BINARY: runs BINARY -f -c $T/NAME.conf, waits for its
# port ($PORT_NAME); sets DPID.
start_daemon() {
	local port
	port=$(sed -n 's/.*relay_listen = \["127.0.0.1:\([0-9]*\)"\].*/\1/p' "$T/$1.conf")
	"$2" -f -c "$T/$1.conf" 2>"$T/$1.log" &
	DPID=$!
	T_PIDS+=("$DPID")
	wait_port "$port" || { cat "$T/$1.log" >&2; echo "Bail out! govmaild $1 did not start"; exit 1; }
}

NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }

# --- limits: timeouts, deadline, data rate, sessions --------------------------------
P2=$(t_free_port)
cat >"$T/limits.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P2"];
  hostname = "gw2.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  max_sessions = 3;
  command_timeout = 2;
  transaction_deadline = 5;
  min_data_rate = 1000;
  min_data_rate_grace = 1;
};
next_hop = { port = $NH; };
policy = { use_directory = false; };
CONF
start_daemon limits "$GOVMAILD"
D2=$DPID

start=$SECONDS
out=$(chat "$P2" <<'EOF'
R
D 60 0.3
S NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP NOOP
R
E
EOF
)
elapsed=$((SECONDS - start))
expect_re "a command trickled byte by byte: 421 4.4.2 at command_timeout" "$out" \
	'421 4\.4\.2 gw2\.test Error: timeout exceeded, closing'
check "... well before the client would have finished (${elapsed}s < 15s)" test "$elapsed" -lt 15

start=$SECONDS
out=$(chat "$P2" <<'EOF'
R
S EHLO client.test\r\n
R
S MAIL FROM:<a@example.org>\r\n
R
S RCPT TO:<b@haugiang.gov.vn>\r\n
R
S NOOP\r\n
R
W 1.5
S NOOP\r\n
R
W 1.5
S NOOP\r\n
R
W 1.5
S NOOP\r\n
R
W 1.5
S NOOP\r\n
R
W 1.5
S NOOP\r\n
R
E
EOF
)
elapsed=$((SECONDS - start))
expect_re "a transaction kept alive with NOOPs: 421 4.4.2 at the transaction deadline" "$out" \
	'421 4\.4\.2 gw2\.test Error: transaction deadline exceeded, closing'
check "... (${elapsed}s < 20s)" test "$elapsed" -lt 20

n0=$(count "$T/sink")
start=$SECONDS
out=$(chat "$P2" <<'EOF'
R
S EHLO client.test\r\n
R
S MAIL FROM:<a@example.org>\r\n
R
S RCPT TO:<b@haugiang.gov.vn>\r\n
R
S DATA\r\n
R
D 200 0.2
S Subject: slow\r\n\r\none byte at a time, far below the minimum data rate of a thousand bytes per second, so the session must be cut off long before this text ends; more text follows here to make it long enough for the test\r\n.\r\n
R
E
EOF
)
elapsed=$((SECONDS - start))
expect_re "slow-drip DATA: 421 4.4.2, data rate too low" "$out" \
	'354 End data.*
421 4\.4\.2 gw2\.test Error: data rate too low, closing'
check "... cut off early (${elapsed}s < 20s)" test "$elapsed" -lt 20
expect_eq "slow-drip: nothing at the next hop" "$(count "$T/sink")" "$n0"
expect_re "slow-drip: logged with the queue id" "$(cat "$T/limits.log")" \
	'[0-9A-F]{12}: data aborted session=[0-9A-F]{12} client=\[127\.0\.0\.1\] reason="data rate too low"'

out=$(python3 - "$P2" <<'PY'
import socket, sys
port = int(sys.argv[1])
socks = []
for i in range(4):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    socks.append(s)
    print(s.recv(512).decode().strip())
PY
)
expect_re "max_sessions = 3: the 4th connection gets 421 4.3.2" "$out" '^220 gw2\.test ESMTP govmaild
220 gw2\.test ESMTP govmaild
220 gw2\.test ESMTP govmaild
421 4\.3\.2 gw2\.test Error: too many sessions, try again later$'

kill -TERM "$D2"
wait "$D2"
expect_eq "limits daemon: clean exit" "$?" 0

# --- 500 concurrent sessions ------------------------------------------------------------
P4=$(t_free_port)
cat >"$T/conc.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P4"];
  hostname = "gw4.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  max_sessions = 600;
};
next_hop = { port = $NH; };
policy = { use_directory = false; };
CONF
start_daemon conc "$GOVMAILD"
D4=$DPID
n0=$(count "$T/sink")
out=$(python3 - "$P4" <<'PY'
import asyncio, sys
port = int(sys.argv[1])
async def one(i):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    async def reply():
        while True:
            line = await r.readline()
            if len(line) < 4 or line[3:4] != b"-":
                return line.decode()
    async def cmd(text, want):
        w.write(text.encode())
        got = await reply()
        if not got.startswith(want):
            raise RuntimeError("%d: %r -> %r" % (i, text, got))
    await reply()
    await cmd("EHLO c%d.test\r\n" % i, "250")
    await cmd("MAIL FROM:<s%d@example.org>\r\n" % i, "250")
    await cmd("RCPT TO:<r%d@haugiang.gov.vn>\r\n" % i, "250")
    await cmd("DATA\r\n", "354")
    await cmd("Subject: %d\r\n\r\nconcurrent message %d\r\n.\r\n" % (i, i), "250")
    await cmd("QUIT\r\n", "221")
    w.close()
    return True
async def main():
    res = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(500)),
                                                return_exceptions=True), 300)
    bad = [x for x in res if x is not True]
    print("ok=%d" % (500 - len(bad)))
    for b in bad[:5]:
        print("error:", b)
asyncio.run(main())
PY
)
expect_eq "500 concurrent sessions: all get 250 for their message" "$out" "ok=500"
expect_eq "... and the next hop has all 500" "$(count "$T/sink")" "$((n0 + 500))"
# SIGHUP: a session open across the reload keeps the rules it started with.
chat "$P4" >"$T/before.out" <<'EOF' &
R
S EHLO before.test\r\n
R
W 3
S MAIL FROM:<a@example.org>\r\n
R
S RCPT TO:<r1@haugiang.gov.vn>\r\n
R
S RCPT TO:<r2@haugiang.gov.vn>\r\n
R
S QUIT\r\n
R
EOF
before_pid=$!
sleep 1
sed -i 's/max_sessions = 600;/max_sessions = 600; max_recipients = 1;/' "$T/conc.conf"
kill -HUP "$D4"
for _ in $(seq 1 50); do grep -q "configuration reloaded" "$T/conc.log" && break; sleep 0.1; done
out=$(chat "$P4" <<'EOF'
R
S EHLO after.test\r\n
R
S MAIL FROM:<a@example.org>\r\n
R
S RCPT TO:<r1@haugiang.gov.vn>\r\n
R
S RCPT TO:<r2@haugiang.gov.vn>\r\n
R
S QUIT\r\n
R
EOF
)
expect_re "SIGHUP: a new session gets the new limit" "$out" '250 2\.1\.5 Ok
452 4\.5\.3 Too many recipients \(at most 1 per message\)'
wait "$before_pid"
expect_re "... a session open during the reload keeps its own (not dropped)" "$(cat "$T/before.out")" \
	'250 2\.1\.5 Ok
250 2\.1\.5 Ok
221 2\.0\.0 Bye'

kill -TERM "$D4"
wait "$D4"
expect_eq "concurrency daemon: clean exit (no leaks under ASan)" "$?" 0

# --- 1,000 idle connections in under 100 MB (the optimised build) -------------------------
if [ -x "$TOP/bin/govmaild" ]; then
	P5=$(t_free_port)
	sed -e "s/127.0.0.1:$P4/127.0.0.1:$P5/" -e 's/max_sessions = 600/max_sessions = 1100/' \
		"$T/conc.conf" >"$T/idle.conf"
	start_daemon idle "$TOP/bin/govmaild"
	D5=$DPID
	rss=$(python3 - "$P5" "$D5" <<'PY'
import socket, sys
port, pid = int(sys.argv[1]), sys.argv[2]
socks = []
for i in range(1000):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    socks.append(s)
for s in socks:
    if not s.recv(512).startswith(b"220"):
        print("no greeting"); sys.exit(1)
for line in open("/proc/%s/status" % pid):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) // 1024)
PY
)
	check "1,000 idle sessions: RSS ${rss} MB < 100 MB" test "${rss:-999}" -lt 100
	kill -TERM "$D5"
	wait "$D5"
fi

# --- as an unprivileged user, with Postfix's smtp-sink as the next hop --------------------
chmod 711 "$T"
PS=$(t_free_port)
P3=$(t_free_port)
mkdir -p "$T/pfsink" "$T/spool3"
chown nobody "$T/pfsink" "$T/spool3"
/usr/sbin/smtp-sink -u nobody -h pf-sink.test -d "$T/pfsink/%H%M%S." "127.0.0.1:$PS" 256 \
	>"$T/smtp-sink.out" 2>&1 &
T_PIDS+=("$!")
wait_port "$PS" || { echo "Bail out! smtp-sink did not start"; exit 1; }
cat >"$T/prod.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P3"];
  hostname = "gw3.test";
  user = "nobody";
  pid_file = "$T/d3.pid";
  spool_dir = "$T/spool3";
  memory_spool = "1K";
  drain_timeout = 20;
};
next_hop = { port = $PS; };
policy = { use_directory = false; };
CONF
start_daemon prod "$GOVMAILD"
D3=$DPID
expect_eq "pid file" "$(cat "$T/d3.pid")" "$D3"
expect_re "runs as nobody after binding" "$(grep '^Uid:' "/proc/$D3/status")" '^Uid:\s+65534\s+65534\s+65534\s+65534$'
expect_re "... with no_new_privs" "$(grep '^NoNewPrivs:' "/proc/$D3/status")" '1$'

out=$(swaks --server 127.0.0.1 --port "$P3" --helo client.test --pipeline \
	--from annv@haugiang.gov.vn --to binh@haugiang.gov.vn \
	--header "Subject: via swaks and smtp-sink" --body "Kinh gui anh Binh" 2>&1)
expect_re "swaks (PIPELINING) through govmaild to smtp-sink: 250" "$out" '<-  250 2\.0\.0 Ok: queued as [0-9A-F]{12}'
sleep 0.5
if grep -rqs "Subject: via swaks and smtp-sink" "$T/pfsink"; then ok "smtp-sink has the message (spooled to disk as nobody)"
else not_ok "smtp-sink has the message (spooled to disk as nobody)"; fi
expect_re "smtp-sink's reply is in the log" "$(cat "$T/prod.log")" 'verdict=accept reply="250 2\.0\.0 Ok: queued as [0-9A-F]{12}" nexthop="250 2\.0\.0 Ok'
check "smtp-source: 20 messages over 5 sessions" \
	/usr/sbin/smtp-source -s 5 -m 20 -f annv@haugiang.gov.vn -t binh@haugiang.gov.vn "127.0.0.1:$P3"
expect_eq "... all accepted" "$(grep -c 'verdict=accept' "$T/prod.log")" 21

# SIGTERM: a session in the middle of DATA finishes; an idle one is told 421.
chat "$P3" >"$T/idle.out" <<'EOF' &
R
S EHLO idle.test\r\n
R
E
EOF
idle_pid=$!
chat "$P3" >"$T/inflight.out" <<'EOF' &
R
S EHLO client.test\r\n
R
S MAIL FROM:<annv@haugiang.gov.vn>\r\n
R
S RCPT TO:<binh@haugiang.gov.vn>\r\n
R
S DATA\r\n
R
S Subject: in flight during shutdown\r\n\r\nfirst half\r\n
W 3
S second half\r\n.\r\n
R
S QUIT\r\n
R
EOF
chat_pid=$!
sleep 1.5
kill -TERM "$D3"
sleep 0.5
if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)' "$P3" 2>/dev/null; then
	not_ok "after SIGTERM no new connections are accepted"
else ok "after SIGTERM no new connections are accepted"; fi
wait "$chat_pid"
wait "$idle_pid"
# After its message the session is idle, so it is closed with 421 4.3.2
# (whether or not its QUIT got there first).
expect_re "the session in flight still gets 250 for its message, then the session ends" \
	"$(cat "$T/inflight.out")" '250 2\.0\.0 Ok: queued as [0-9A-F]{12}
(221 2\.0\.0 Bye|421 4\.3\.2 gw3\.test Service shutting down)'
expect_re "an idle session is told 421 4.3.2" "$(cat "$T/idle.out")" '421 4\.3\.2 gw3\.test Service shutting down
EOF'
wait "$D3"
expect_eq "then govmaild exits 0" "$?" 0
expect_re "the drain is logged" "$(cat "$T/prod.log")" 'shutting down: 2 sessions in flight'
sleep 0.5
if grep -rqs "Subject: in flight during shutdown" "$T/pfsink"; then ok "... and the message reached smtp-sink"
else not_ok "... and the message reached smtp-sink"; fi

# A directory password file the unprivileged user cannot read would make
# every reconnect fail later: refuse to start instead.
echo "not-the-password" >"$T/ldap.pw"
chmod 600 "$T/ldap.pw"
sed -e 's/use_directory = false/use_directory = true/' "$T/prod.conf" >"$T/prod-ldap.conf"
printf 'ldap = { uri = "ldap://127.0.0.1:9"; bind_password_file = "%s"; };\n' "$T/ldap.pw" >>"$T/prod-ldap.conf"
check_rc "ldap.bind_password_file unreadable by smtpd.user: refuses to start (78)" 78 \
	"$GOVMAILD" -f -c "$T/prod-ldap.conf"
expect_re "... saying so" "$(cat "$T/last.err")" 'ldap\.bind_password_file .*ldap\.pw must be readable by smtpd\.user "nobody"'
