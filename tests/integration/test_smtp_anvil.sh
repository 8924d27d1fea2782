#!/usr/bin/env bash
# test_smtp_anvil.sh — limits on what one client address may take (issue
# #17): 1,010 idle connections from 127.0.0.1 no longer stop a normal
# client from 127.0.0.2 (smtpd.client_connection_count_limit, 421 4.7.0
# beyond it), the rate of new connections per address, failed AUTH
# counted across sessions, a trusted address exempt from all of them, the
# junk command limit and the session lifetime (checked between
# transactions only). Loopback is all of 127/8: clients bind their source
# address. Every verdict waits for an event (a reply, a log line); the
# rate unit is an hour so that no verdict depends on speed.
. "$(dirname "$0")/../lib.sh"

# --- directory (AUTH checks passwords there), certificate, sink ------------------------
t_sandbox_start
t_govmail_conf
PW='correct horse battery 9'
check "domain add" "$GOVMAILCTL" domain add haugiang.gov.vn
check "agency load" "$GOVMAILCTL" agency load "$DATA/agencies.csv"
check "account annv" "$GOVMAILCTL" account add --name "Nguyễn Văn An" --agency snv
check "annv's password" sh -c "printf '%s\n' '$PW' | '$GOVMAILCTL' account passwd annv@haugiang.gov.vn"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj "/CN=gw.test" >/dev/null 2>&1
chmod 600 "$T/key.pem"
P=$(t_free_port)
PS=$(t_free_port)
NH=$(t_free_port)
start_sink "$T/sink" "$NH"
write_conf() { # RATE-LIMIT JUNK-LIMIT MAX-SESSION-TIME
	t_relay_conf "$T/d.conf" "$P" "$NH" "submission_listen = [\"127.0.0.1:$PS\"];
  command_timeout = 3600;
  max_errors = 100;
  client_connection_rate_limit = $1;
  client_auth_failure_limit = 3;
  client_rate_time_unit = 3600;
  junk_command_limit = $2;
  max_session_time = $3;"
	sed -i 's|^policy = { relay_domains = \[\]|policy = { use_directory = false; relay_domains = ["haugiang.gov.vn"]; trusted_networks = ["127.0.0.9/32"]|' "$T/d.conf"
	cat >>"$T/d.conf" <<CONF
tls = { cert_file = "$T/cert.pem"; key_file = "$T/key.pem"; };
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
CONF
}
write_conf 0 5 0
check "-t accepts the configuration" "$GOVMAILD" -t -c "$T/d.conf"
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PS" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# cli.py MODE SRC PORT ARGS...: a client bound to source address SRC.
#   hold N OUT STOP  N connections, each greeting read before the next;
#                  the count of each reply code goes to OUT, the refused
#                  are closed, the others held open until STOP exists
#   greet N        N connections one after the other, QUIT on each; prints
#                  each greeting's code and enhanced code
#   send           a message to binh@haugiang.gov.vn; prints the replies
#   auth PW N [drain]  N AUTH PLAIN as annv with PW in one STARTTLS
#                  session; prints each reply (with drain, then the rest
#                  of what the server says until it closes)
#   chat LINE...   each LINE sent (CRLF added; "READ" reads to EOF),
#                  replies printed one per line
cat >"$T/cli.py" <<'PY'
import os, smtplib, socket, ssl, sys, time, base64
mode, src, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = sys.argv[4:]
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=120, source_address=(src, 0))
def line(f):
    out = []
    while True:
        try:
            l = f.readline()
        except ConnectionResetError:
            l = b""
        if not l:
            return " | ".join(out + ["EOF"])
        l = l.decode("latin-1").rstrip("\r\n")
        out.append(l)
        if len(l) < 4 or l[3] != "-":
            return " | ".join(out)
if mode == "hold":
    n, out, held, counts = int(args[0]), args[1], [], {}
    for i in range(n):
        s = conn()
        f = s.makefile("rb")
        r = line(f)
        code = r[:3] if r.startswith("220") else r[:9]
        counts[code] = counts.get(code, 0) + 1
        if r.startswith("220"):
            held.append((s, f))
        else:
            counts.setdefault("first-refusal", r)
            s.close()
    with open(out + ".tmp", "w") as fo:
        for k in sorted(counts):
            fo.write("%s=%s\n" % (k, counts[k]))
    os.rename(out + ".tmp", out)
    while not os.path.exists(args[2]):     # killed at the test's end anyway
        time.sleep(0.1)
elif mode == "greet":
    for i in range(int(args[0])):
        s = conn()
        f = s.makefile("rb")
        r = line(f)
        print(r[:9])
        if r.startswith("220"):
            s.sendall(b"QUIT\r\n")
            line(f)
        s.close()
elif mode == "send":
    c = smtplib.SMTP(timeout=120, source_address=(src, 0))
    print("connect:", *c.connect("127.0.0.1", port))
    print("ehlo:", c.ehlo("client.test")[0])
    print("mail:", *c.mail("annv@haugiang.gov.vn"))
    print("rcpt:", *c.rcpt("binh@haugiang.gov.vn"))
    print("data:", *c.data(b"Subject: normal\r\n\r\nhello\r\n"))
    c.quit()
elif mode == "auth":
    pw, n = args[0], int(args[1])
    c = smtplib.SMTP("127.0.0.1", port, timeout=120, source_address=(src, 0))
    c.ehlo("client.test")
    ctx = ssl.create_default_context(cafile=os.path.dirname(sys.argv[0]) + "/cert.pem")
    ctx.check_hostname = False
    c.starttls(context=ctx)
    c.ehlo("client.test")
    tok = base64.b64encode(b"\0annv@haugiang.gov.vn\0" + pw.encode()).decode()
    for i in range(n):
        try:
            code, msg = c.docmd("AUTH", "PLAIN " + tok)
        except smtplib.SMTPServerDisconnected:
            print("EOF")
            break
        print(code, msg.decode().replace("\n", " | "))
        if code in (235, 421):
            break
    while args[2:] == ["drain"]:
        try:
            code, msg = c.getreply()
        except (smtplib.SMTPServerDisconnected, OSError):
            print("EOF")
            break
        print(code, msg.decode().replace("\n", " | "))
elif mode == "chat":
    s = conn()
    f = s.makefile("rb")
    print(line(f))
    for a in args:
        if a == "READ":
            print(line(f))
        else:
            try:
                s.sendall(a.encode().decode("unicode_escape").encode("latin-1") + b"\r\n")
            except OSError:
                print("EOF")
                break
            r = line(f)
            print(r)
            if r.endswith("EOF"):
                break
PY
cli() { python3 "$T/cli.py" "$@" 2>&1; }

# --- 1,010 idle connections from one address ------------------------------------------
cli hold 127.0.0.1 "$P" 1010 "$T/hold.out" "$T/hold.stop" &
HOLD=$!
T_PIDS+=("$HOLD")
wait_for test -e "$T/hold.out" || { echo "Bail out! the holder did not finish"; exit 1; }
expect_eq "127.0.0.1: 50 sessions (the default per-address limit) ..." \
	"$(grep '^220=' "$T/hold.out")" "220=50"
expect_eq "... the 960 more refused with 421 4.7.0" "$(grep '^421 4.7.0=' "$T/hold.out")" "421 4.7.0=960"
expect_re "... saying why" "$(cat "$T/hold.out")" \
	'first-refusal=421 4\.7\.0 gw\.test Error: too many connections from 127\.0\.0\.1'
expect_re "the log names the limit" "$(grep 'refusing connection from' "$T/d.log" | head -n 1)" \
	'refusing connection from \[127\.0\.0\.1\]: 50 sessions from this address \(smtpd\.client_connection_count_limit\)'
out=$(cli send 127.0.0.2 "$P")
expect_re "meanwhile a normal client from 127.0.0.2 is served" "$out" 'connect: 220 .*
ehlo: 250
mail: 250 .*
rcpt: 250 .*
data: 250 b.2\.0\.0 Ok: queued'
expect_eq "... and its message reached the next hop" "$(count "$T/sink")" 1
out=$(cli greet 127.0.0.9 "$P" 60)
expect_eq "a trusted address (127.0.0.9) is not limited: 60 sessions one after the other" \
	"$(printf '%s\n' "$out" | grep -c '^220 ')" 60
touch "$T/hold.stop"
wait "$HOLD"
# the sessions end once the holder's connections close
wait_log "$T/d.log" 'disconnect client=\[127\.0\.0\.1\] reason=eof' 50
out=$(cli greet 127.0.0.1 "$P" 1)
expect_re "127.0.0.1 is served again once its sessions ended" "$out" '^220 '

# --- rate of new connections ----------------------------------------------------------
write_conf 5 5 0
check "SIGHUP: client_connection_rate_limit = 5 per hour" hup_reload "$D" "$T/d.log"
out=$(cli greet 127.0.0.3 "$P" 7)
expect_eq "127.0.0.3: 5 connections in the unit are served ..." "$(printf '%s\n' "$out" | grep -c '^220 ')" 5
expect_eq "... the 6th and 7th get 421 4.7.0" "$(printf '%s\n' "$out" | grep -c '^421 4.7.0')" 2
wait_log "$T/d.log" 'refusing connection from \[127\.0\.0\.3\]: more than 5 in 3600 s \(smtpd\.client_connection_rate_limit\)'
ok "... logged with the limit's name"
out=$(cli greet 127.0.0.9 "$P" 7)
expect_eq "trusted 127.0.0.9: all 7 served" "$(printf '%s\n' "$out" | grep -c '^220 ')" 7

# --- failed AUTH across sessions ----------------------------------------------------
out=$(cli auth 127.0.0.4 "$PS" wrong 2)
expect_re "127.0.0.4: two failed AUTH in a first session" "$out" '^535 5\.7\.8 .*
535 5\.7\.8 '
out=$(cli auth 127.0.0.4 "$PS" wrong 1 drain)
expect_re "a new session: the third failure is answered 535, then 421 4.7.0 and closed" "$out" \
	'^535 5\.7\.8 Error: authentication failed
421 4\.7\.0 gw\.test Error: too many failed authentications, try again later
EOF'
wait_log "$T/d.log" 'client \[127\.0\.0\.4\]: 3 failed AUTH in 3600 s'
ok "... logged"
out=$(cli auth 127.0.0.4 "$PS" "$PW" 1)
expect_re "a third session: even the right password gets 421 4.7.0" "$out" \
	'^421 4\.7\.0 gw\.test Error: too many failed authentications'
out=$(cli auth 127.0.0.5 "$PS" "$PW" 1)
expect_re "another address (127.0.0.5) authenticates" "$out" '^235 '
out=$(cli auth 127.0.0.9 "$PS" wrong 4; cli auth 127.0.0.9 "$PS" "$PW" 1)
expect_eq "trusted 127.0.0.9: 4 failures, no 421 ..." "$(printf '%s\n' "$out" | grep -c '^535 ')" 4
expect_re "... and then it authenticates" "$out" '^235 '

# --- junk commands --------------------------------------------------------------------
# (nothing sent after the 421: the close would reset the connection)
out=$(cli chat 127.0.0.6 "$P" "EHLO client.test" NOOP RSET "VRFY annv" HELP NOOP READ)
expect_re "5 junk commands pass, the 6th gets 421 4.7.0" "$out" \
	'^252 2\.0\.0 .*
214 2\.0\.0 .*
421 4\.7\.0 gw\.test Error: too many commands without a message, closing
EOF'
out=$(cli chat 127.0.0.6 "$P" "EHLO client.test" NOOP NOOP NOOP NOOP \
	"MAIL FROM:<annv@haugiang.gov.vn>" "RCPT TO:<binh@haugiang.gov.vn>" DATA \
	"Subject: x\r\n\r\nbody\r\n." NOOP NOOP NOOP NOOP NOOP QUIT)
expect_re "the count starts again after a message: 5 more junk commands pass" "$out" \
	'250 2\.0\.0 Ok: queued as [0-9A-F]+
250 2\.0\.0 Ok
250 2\.0\.0 Ok
250 2\.0\.0 Ok
250 2\.0\.0 Ok
250 2\.0\.0 Ok
221 2\.0\.0 Bye'

# --- session lifetime -----------------------------------------------------------------
write_conf 0 100 1
check "SIGHUP: max_session_time = 1" hup_reload "$D" "$T/d.log"
out=$(cli chat 127.0.0.7 "$P" READ)
expect_re "an idle session ends at its lifetime with 421 4.4.2" "$out" \
	'421 4\.4\.2 gw\.test Error: session time limit exceeded, closing'
# (that a transaction in progress is never cut: tests/unit/test_smtp_guard.c;
# here it would rest on the client's speed)
expect_re "the disconnect reason is logged" "$(grep 'reason=session time' "$T/d.log" | tail -n 1)" \
	'disconnect client=\[127\.0\.0\.7\] reason=session time'

t_kill "$D"
wait "$D" 2>/dev/null
expect_eq "govmaild exits 0 on SIGTERM (no leak report)" "$?" 0
