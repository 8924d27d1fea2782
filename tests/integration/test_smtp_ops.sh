#!/usr/bin/env bash
# test_smtp_ops.sh — govmaild under operating conditions: per-command
# timeout, transaction deadline and minimum data rate (slow-drip clients
# are cut off), the session limit (421 4.3.2), 500 concurrent sessions,
# 1,000 idle connections in little memory, SIGTERM letting a session in
# flight finish, running as an unprivileged user, and Postfix's smtp-sink /
# smtp-source and swaks as real peers. No verdict rests on elapsed time or
# on machine speed: the test waits for events (a reply, a log line, a file)
# and timers other than the one under test are hang guards.
. "$(dirname "$0")/../lib.sh"

# start_daemon NAME BINARY: runs BINARY -f -c $T/NAME.conf and waits until
# it has logged "started" (listening; no probing connection, which would be
# a session of its own); sets DPID and DPORT.
start_daemon() {
	DPORT=$(sed -n 's/.*relay_listen = \["127.0.0.1:\([0-9]*\)"\].*/\1/p' "$T/$1.conf")
	"$2" -f -c "$T/$1.conf" 2>"$T/$1.log" &
	DPID=$!
	T_PIDS+=("$DPID")
	wait_started "$T/$1.log" "$DPID" || { cat "$T/$1.log" >&2; echo "Bail out! govmaild $1 did not start"; exit 1; }
}

NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }

# --- timers: command timeout, transaction deadline, data rate ------------------------
# The daemon's timers are what is under test, so each check gives the client
# more to do than the timer allows, with every other timer set to a hang
# guard: only the timer under test can end the session, and the client is
# seen to be cut off before it finished. The client is silent for seconds
# on either side of the moment the timer is due (bytes still on their way
# when the daemon closes would reset the connection and could take its
# reply with them). Verdicts rest on what the daemon says and logs, never on
# elapsed time. One daemon, reconfigured by SIGHUP for each timer (a session
# keeps the configuration it started with).
P2=$(t_free_port)
timers_conf() { # COMMAND-TIMEOUT TRANSACTION-DEADLINE MIN-DATA-RATE GRACE
	cat >"$T/timers.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P2"];
  hostname = "gw2.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  command_timeout = $1;
  transaction_deadline = $2;
  min_data_rate = $3;
  min_data_rate_grace = $4;
};
next_hop = { port = $NH; };
policy = { use_directory = false; };
CONF
}
timers_conf 6 600 0 0
start_daemon timers "$GOVMAILD"
D2=$DPID

# command_timeout = 6 s; one command line (no CRLF) trickled a byte every
# 4 s (at 0, 4, 8 ... s): each byte comes well within the timeout, the
# line never ends.
out=$(chat "$P2" <<'EOF'
R
D 10 4
S NOOP NOOP
R
E
EOF
)
expect_re "a command trickled byte by byte: 421 4.4.2 at command_timeout" "$out" \
	'421 4\.4\.2 gw2\.test Error: timeout exceeded, closing'
expect_re "... while the client was still trickling (the timer is not reset by each byte)" "$out" \
	'^\[drip: stopped by the server after [0-9]+ of 9 bytes\]
421 4\.4\.2 '
expect_re "... logged as a timeout" "$(cat "$T/timers.log")" \
	'disconnect client=\[127\.0\.0\.1\] reason=timeout '

# transaction_deadline = 20 s, command_timeout = 120 s: three NOOPs, a
# second apart, each answered at once (17 s to spare on a slow machine);
# then up to 30 s of quiet, which the deadline ends (chat's W stops when
# the server speaks), then one more NOOP, which must not be answered. (Had
# a NOOP restarted the deadline, the quiet would end first.)
timers_conf 120 20 0 0
check "SIGHUP: transaction_deadline = 20" hup_reload "$D2" "$T/timers.log"
out=$(chat "$P2" <<'EOF'
R
S EHLO client.test\r\n
R
S MAIL FROM:<a@example.org>\r\n
R
S RCPT TO:<b@haugiang.gov.vn>\r\n
R
W 1
S NOOP\r\n
R
W 1
S NOOP\r\n
R
W 1
S NOOP\r\n
R
W 30
S NOOP\r\n
R
E
EOF
)
expect_re "a transaction kept alive with NOOPs: 421 4.4.2 at the transaction deadline" "$out" \
	'421 4\.4\.2 gw2\.test Error: transaction deadline exceeded, closing'
expect_re "... after the NOOPs were answered, before the last one was sent" "$out" \
	'^250 2\.1\.5 Ok
250 2\.0\.0 Ok
250 2\.0\.0 Ok
250 2\.0\.0 Ok
421 4\.4\.2 '
expect_re "... logged with the reason" "$(cat "$T/timers.log")" \
	'disconnect client=\[127\.0\.0\.1\] reason=transaction deadline '

# min_data_rate = 1000 bytes/s after min_data_rate_grace = 6 s;
# command_timeout 120 s, transaction_deadline 600 s. The message is
# dripped a byte every 4 s (at 0, 4, 8 ... s).
timers_conf 120 600 1000 6
check "SIGHUP: min_data_rate = 1000, min_data_rate_grace = 6" hup_reload "$D2" "$T/timers.log"
n0=$(count "$T/sink")
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
D 40 4
S Subject: slow\r\n\r\nfar too slow\r\n.\r\n
R
E
EOF
)
expect_re "slow-drip DATA: 421 4.4.2, data rate too low" "$out" \
	'354 End data.*
\[drip: stopped by the server after [0-9]+ of 34 bytes\]
421 4\.4\.2 gw2\.test Error: data rate too low, closing'
expect_eq "slow-drip: nothing at the next hop" "$(count "$T/sink")" "$n0"
expect_re "slow-drip: logged with the queue id" "$(cat "$T/timers.log")" \
	'[0-9A-F]{12}: data aborted session=[0-9A-F]{12} client=\[127\.0\.0\.1\] reason="data rate too low"'
t_kill -TERM "$D2"
wait "$D2"
expect_eq "timers daemon: clean exit" "$?" 0

# --- the session limit (a daemon of its own: no other session may count) ---------------
P6=$(t_free_port)
cat >"$T/limits.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P6"];
  hostname = "gw2.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  max_sessions = 3;
};
next_hop = { port = $NH; };
policy = { use_directory = false; };
CONF
start_daemon limits "$GOVMAILD"
D6=$DPID
# each greeting is read before the next connection: 3 sessions are running
out=$(python3 - "$P6" <<'PY'
import socket, sys
port = int(sys.argv[1])
socks = []
for i in range(4):
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    socks.append(s)
    print(s.recv(512).decode().strip())
PY
)
expect_re "max_sessions = 3: the 4th connection gets 421 4.3.2" "$out" '^220 gw2\.test ESMTP govmaild
220 gw2\.test ESMTP govmaild
220 gw2\.test ESMTP govmaild
421 4\.3\.2 gw2\.test Error: too many sessions, try again later$'
expect_re "... and the refusal is logged" "$(cat "$T/limits.log")" \
	'refusing connection: 3 sessions \(smtpd\.max_sessions\)'
t_kill -TERM "$D6"
wait "$D6"
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
                                                return_exceptions=True), 600)
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
# It is opened (EHLO answered) before the reload and goes on (U: until the
# file exists) only once the reload is done and a new session has seen the
# new rule.
chat "$P4" >"$T/before.out" <<EOF &
R
S EHLO before.test\r\n
R
U $T/go-before
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
check "a session is open before the reload (EHLO answered)" wait_for grep -q '250 ENHANCEDSTATUSCODES' "$T/before.out"
sed -i 's/max_sessions = 600;/max_sessions = 600; max_recipients = 1;/' "$T/conc.conf"
check "SIGHUP: max_recipients = 1" hup_reload "$D4" "$T/conc.log"
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
touch "$T/go-before"
wait "$before_pid"
expect_re "... a session open during the reload keeps its own (not dropped)" "$(cat "$T/before.out")" \
	'250 2\.1\.5 Ok
250 2\.1\.5 Ok
221 2\.0\.0 Bye'

t_kill -TERM "$D4"
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
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
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
	t_kill -TERM "$D5"
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
if wait_for grep -rqs "Subject: via swaks and smtp-sink" "$T/pfsink"; then ok "smtp-sink has the message (spooled to disk as nobody)"
else not_ok "smtp-sink has the message (spooled to disk as nobody)"; fi
expect_re "smtp-sink's reply is in the log" "$(cat "$T/prod.log")" 'verdict=accept reply="250 2\.0\.0 Ok: queued as [0-9A-F]{12}" nexthop="250 2\.0\.0 Ok'
check "smtp-source: 20 messages over 5 sessions" \
	/usr/sbin/smtp-source -s 5 -m 20 -f annv@haugiang.gov.vn -t binh@haugiang.gov.vn "127.0.0.1:$P3"
expect_eq "... all accepted" "$(grep -c 'verdict=accept' "$T/prod.log")" 21
t_kill -TERM "$D3"
wait "$D3"
expect_eq "unprivileged daemon: clean exit" "$?" 0

# SIGTERM: a session in the middle of DATA finishes; an idle one is told 421.
# A daemon of its own, so that these two are the only sessions; the test
# goes on from one event to the next: both sessions in place, SIGTERM
# logged, only then the rest of the message.
P7=$(t_free_port)
sed -e "s/127.0.0.1:$P3/127.0.0.1:$P7/" -e "s|$T/d3.pid|$T/d7.pid|" \
	-e 's/drain_timeout = 20;/drain_timeout = 120; min_data_rate_grace = 600;/' \
	"$T/prod.conf" >"$T/drain.conf"
start_daemon drain "$GOVMAILD"
D7=$DPID
chat "$P7" >"$T/idle.out" <<'EOF' &
R
S EHLO idle.test\r\n
R
E
EOF
idle_pid=$!
chat "$P7" >"$T/inflight.out" <<EOF &
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
U $T/go-inflight
S second half\r\n.\r\n
R
E
EOF
chat_pid=$!
check "an idle session is open (EHLO answered)" wait_for grep -q '250 ENHANCEDSTATUSCODES' "$T/idle.out"
check "a session is in DATA (354 seen)" wait_for grep -q '^354 ' "$T/inflight.out"
t_kill -TERM "$D7"
check "SIGTERM: the drain is logged with the 2 sessions in flight" \
	wait_log "$T/drain.log" 'shutting down: 2 sessions in flight'
# the listening socket is closed before that line is written
if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=120)' "$P7" 2>/dev/null; then
	not_ok "after SIGTERM no new connections are accepted"
else ok "after SIGTERM no new connections are accepted"; fi
touch "$T/go-inflight"
wait "$chat_pid"
wait "$idle_pid"
# After its message the session is idle, so it is closed with 421 4.3.2
# (the client sends nothing more: a QUIT crossing the 421 could reset the
# connection and lose the reply).
expect_re "the session in flight still gets 250 for its message, then the session ends" \
	"$(cat "$T/inflight.out")" '250 2\.0\.0 Ok: queued as [0-9A-F]{12}
421 4\.3\.2 gw3\.test Service shutting down
EOF'
expect_re "an idle session is told 421 4.3.2" "$(cat "$T/idle.out")" '421 4\.3\.2 gw3\.test Service shutting down
EOF'
wait "$D7"
expect_eq "then govmaild exits 0" "$?" 0
expect_re "... once all sessions finished" "$(cat "$T/drain.log")" 'all sessions finished; exiting'
if wait_for grep -rqs "Subject: in flight during shutdown" "$T/pfsink"; then ok "... and the message reached smtp-sink"
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
