#!/usr/bin/env bash
# test_smtp_nul.sh — NUL bytes in DATA (issue #17): the smuggling payload
# "<CRLF><NUL>.<CRLF>" followed by MAIL/RCPT/DATA text, on the relay
# listener and on submission after AUTH with a forged From: inside. With
# smtpd.nul_in_data = reject (the default) the client gets 550 5.6.0 and
# the next hop no message and no DATA at all; with strip it gets exactly
# one message, without NUL, the smuggled text in it as plain text.
# The next hop is tests/integration/sink.py (it logs every command).
. "$(dirname "$0")/../lib.sh"

P=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/spool"
write_conf() { # NUL-IN-DATA [EXTRA-SMTPD-KEYS]
	cat >"$T/d.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  nul_in_data = "$1";
  ${2:-}
};
next_hop = { port = $NH; };
policy = { use_directory = false; relay_domains = ["haugiang.gov.vn"]; trusted_networks = []; };
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
CONF
}

# --- configuration ------------------------------------------------------------------
write_conf drop
check_rc "-t: nul_in_data = drop exits 78" 78 "$GOVMAILD" -t -c "$T/d.conf"
expect_re "... with file:line and the words" "$(cat "$T/last.err")" \
	'd\.conf:7: smtpd\.nul_in_data: must be reject or strip'
write_conf reject
check "-t accepts nul_in_data = reject" "$GOVMAILD" -t -c "$T/d.conf"

start_sink "$T/sink" "$NH"
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$P" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# The smuggling payload: a line "<NUL>." and then a second transaction.
payload() {
	cat <<'EOF'
R
S EHLO client.test\r\n
R
S MAIL FROM:<annv@haugiang.gov.vn>\r\n
R
S RCPT TO:<binh@haugiang.gov.vn>\r\n
R
S DATA\r\n
R
S From: annv@haugiang.gov.vn\r\nSubject: hello\r\n\r\nfirst part\r\n\x00.\r\nMAIL FROM:<giamdoc@haugiang.gov.vn>\r\nRCPT TO:<binh@haugiang.gov.vn>\r\nDATA\r\nFrom: giamdoc@haugiang.gov.vn\r\nSubject: forged\r\n\r\nforged order\r\n.\r\n
R
S QUIT\r\n
R
E
EOF
}

# --- reject (default) ----------------------------------------------------------------
n0=$(count "$T/sink")
out=$(payload | chat "$P")
expect_re "relay, reject: 550 5.6.0 for the message" "$out" \
	'354 End data .*
550 5\.6\.0 Message refused: NUL character in message text
221 2\.0\.0 Bye'
if printf '%s\n' "$out" | grep -q '^250 2\.0\.0 Ok: queued'; then
	not_ok "relay, reject: no message queued"; else ok "relay, reject: no message queued"; fi
expect_eq "relay, reject: nothing at the next hop" "$(count "$T/sink")" "$n0"
expect_eq "relay, reject: no DATA and no smuggled MAIL at the next hop" \
	"$(grep -cE '^(DATA|MAIL FROM:<giamdoc)' "$T/sink/commands.log")" 0
wait_log "$T/d.log" 'verdict=reject reply="550 5\.6\.0'
expect_re "relay, reject: the message's log line" "$(grep ' message session=' "$T/d.log" | tail -n 1)" \
	'from=<annv@haugiang\.gov\.vn> nrcpt=1 .* verdict=reject reply="550 5\.6\.0 Message refused: NUL character in message text"'

# the reply text is a template like the others
write_conf reject
sed -i 's|^policy = { |policy = { reply_nul_in_data = "Thu co ky tu NUL"; |' "$T/d.conf"
check "SIGHUP: reply_nul_in_data" hup_reload "$D" "$T/d.log"
out=$(payload | chat "$P")
expect_re "relay, reject: the configured reply text" "$out" '550 5\.6\.0 Thu co ky tu NUL'

# --- strip ---------------------------------------------------------------------------
write_conf strip
check "SIGHUP: nul_in_data = strip" hup_reload "$D" "$T/d.log"
n0=$(count "$T/sink")
out=$(payload | chat "$P")
expect_eq "relay, strip: exactly one 250 queued" \
	"$(printf '%s\n' "$out" | grep -c '^250 2\.0\.0 Ok: queued')" 1
expect_re "relay, strip: then QUIT (nothing taken as commands)" "$out" \
	'250 2\.0\.0 Ok: queued as [0-9A-F]+
221 2\.0\.0 Bye'
expect_eq "relay, strip: exactly one message at the next hop" "$(count "$T/sink")" "$((n0 + 1))"
m=$(last_msg "$T/sink")
check "relay, strip: no NUL in what the next hop got" \
	python3 -c 'import sys; sys.exit(b"\0" in open(sys.argv[1], "rb").read())' "$m.raw"
check "relay, strip: the smuggled text is text of that one message (dot re-stuffed)" \
	python3 -c 'import sys
raw = open(sys.argv[1], "rb").read()
sys.exit(0 if b"first part\r\n..\r\nMAIL FROM:<giamdoc@haugiang.gov.vn>\r\n" in raw
         and b"forged order\r\n" in raw else 1)' "$m.raw"
expect_eq "relay, strip: one DATA at the next hop" "$(grep -c '^DATA' "$T/sink/commands.log")" 1
t_kill "$D"
wait "$D" 2>/dev/null
expect_eq "govmaild exits 0 on SIGTERM (no leak report)" "$?" 0

# --- submission after AUTH, a forged From: inside ------------------------------------
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
PS=$(t_free_port)
PR=$(t_free_port)
sub_conf() { # NUL-IN-DATA
	t_relay_conf "$T/s.conf" "$PR" "$NH" "submission_listen = [\"127.0.0.1:$PS\"]; nul_in_data = \"$1\";"
	cat >>"$T/s.conf" <<CONF
tls = { cert_file = "$T/cert.pem"; key_file = "$T/key.pem"; };
CONF
}
sub_conf reject
"$GOVMAILD" -f -c "$T/s.conf" 2>"$T/s.log" &
S=$!
T_PIDS+=("$S")
wait_port "$PS" || { cat "$T/s.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
cat >"$T/sub.py" <<'PY'
import smtplib, ssl, sys
port, pw = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=sys.argv[3])
ctx.check_hostname = False
s = smtplib.SMTP("127.0.0.1", port, timeout=120)
s.starttls(context=ctx)
s.ehlo("client.test")
print("auth:", *s.login("annv@haugiang.gov.vn", pw))
print("mail:", *s.mail("annv@haugiang.gov.vn"))
print("rcpt:", *s.rcpt("annv@haugiang.gov.vn"))
body = (b"From: annv@haugiang.gov.vn\r\nSubject: hi\r\n\r\nfirst\r\n\0.\r\n"
        b"MAIL FROM:<giamdoc@haugiang.gov.vn>\r\nRCPT TO:<binh@haugiang.gov.vn>\r\n"
        b"DATA\r\nFrom: Giam doc <giamdoc@haugiang.gov.vn>\r\nSubject: forged\r\n\r\n"
        b"forged order\r\n")
try:
    code, msg = s.data(body)
except smtplib.SMTPDataError as e:
    code, msg = e.smtp_code, e.smtp_error
print("data:", code, msg.decode())
s.quit()
PY
n0=$(count "$T/sink")
d0=$(grep -c '^DATA' "$T/sink/commands.log")
out=$(python3 "$T/sub.py" "$PS" "$PW" "$T/cert.pem" 2>&1)
expect_re "submission: AUTH succeeds" "$out" 'auth: 235'
expect_re "submission, reject: 550 5.6.0" "$out" 'data: 550 5\.6\.0 Message refused: NUL character'
expect_eq "submission, reject: nothing at the next hop" "$(count "$T/sink")" "$n0"
expect_eq "submission, reject: no DATA at the next hop" "$(grep -c '^DATA' "$T/sink/commands.log")" "$d0"
sub_conf strip
check "submission: SIGHUP: nul_in_data = strip" hup_reload "$S" "$T/s.log"
out=$(python3 "$T/sub.py" "$PS" "$PW" "$T/cert.pem" 2>&1)
expect_re "submission, strip: one message queued" "$out" 'data: 250 2\.0\.0 Ok: queued'
expect_eq "submission, strip: exactly one message at the next hop" "$(count "$T/sink")" "$((n0 + 1))"
m=$(last_msg "$T/sink")
check "submission, strip: no NUL; the forged From: is body text, not a header" \
	python3 -c 'import sys
raw = open(sys.argv[1], "rb").read()
head = raw.split(b"\r\n\r\n", 1)[0]
sys.exit(0 if b"\0" not in raw and b"giamdoc" not in head and b"giamdoc" in raw else 1)' "$m.raw"
t_kill "$S"
wait "$S" 2>/dev/null
expect_eq "submission govmaild exits 0 on SIGTERM" "$?" 0
