#!/usr/bin/env bash
# test_smtp_auth.sh — govmaild's submission listener against a real
# sandbox slapd with accounts made by govmailctl: STARTTLS (and the
# plaintext-injection guard), AUTH PLAIN/LOGIN checked by an LDAP bind as
# the account (good, wrong, unknown, suspended, empty, cancelled), MAIL
# only after AUTH, authenticated relay, LDAP down -> 454, STARTTLS on the
# relay listener without AUTH, and the config rule that submission needs
# TLS, and STARTTLS to a next hop that offers it. The TLS client is
# Python's ssl/smtplib.
. "$(dirname "$0")/../lib.sh"

# --- directory: a domain, the agencies, an active and a suspended account ---------
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
PW='correct horse battery 9'
check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"
check "account annv" $G account add --name "Nguyễn Văn An" --agency snv
check "annv's password" sh -c "printf '%s\n' '$PW' | $G account passwd annv@haugiang.gov.vn"
check "an alias of annv" $G alias add annv@haugiang.gov.vn vanthu.snv@haugiang.gov.vn
check "account binhtt" $G account add --name "Trần Thị Bình" --agency snv
check "binhtt's password" sh -c "printf '%s\n' '$PW' | $G account passwd binhtt@haugiang.gov.vn"
check "binhtt suspended" $G account suspend binhtt@haugiang.gov.vn --reason "nghỉ phép"

# --- govmaild with a certificate, relay + submission listeners -----------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj "/CN=gw.test" -addext "subjectAltName=DNS:gw.test" >/dev/null 2>&1
chmod 600 "$T/key.pem"
PR=$(t_free_port)
PS=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
# the next hop offers STARTTLS too (next_hop.starttls is on by default)
python3 "$SINK" "$NH" "$T/sink" --tls "$T/cert.pem" "$T/key.pem" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
cat >"$T/d.conf" <<CONF
ldap = {
  uri = "$LDAP_URI";
  bind_dn = "$LDAP_DAEMON_DN";
  bind_password_file = "$LDAP_DAEMON_PWFILE";
  base_dn = "$LDAP_BASE";
  network_timeout = 3;
  timeout = 60;
};
smtpd = {
  relay_listen = ["127.0.0.1:$PR"];
  submission_listen = ["127.0.0.1:$PS"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  max_errors = 50;
};
tls = { cert_file = "$T/cert.pem"; key_file = "$T/key.pem"; };
next_hop = { port = $NH; };
policy = { trusted_networks = []; };
CONF

sed -e '/^tls = /d' "$T/d.conf" >"$T/notls.conf"
check_rc "-t: submission without tls { } exits 78" 78 "$GOVMAILD" -t -c "$T/notls.conf"
expect_re "... saying why" "$(cat "$T/last.err")" 'smtpd\.submission_listen needs tls\.cert_file and tls\.key_file'
sed -e "s|key_file = \"$T/key.pem\"|key_file = \"$T/cert.pem\"|" "$T/d.conf" >"$T/badkey.conf"
check_rc "-t: a key that is not a key exits 78" 78 "$GOVMAILD" -t -c "$T/badkey.conf"
expect_re "... saying which" "$(cat "$T/last.err")" 'tls\.key_file: cannot use'
check "-t accepts the configuration" "$GOVMAILD" -t -c "$T/d.conf"

"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PS" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# --- plaintext on the submission port -------------------------------------------------
# plain PORT LINE...: lines sent as written (escapes interpreted), one
# reply printed per line.
plain() { local port=$1; shift; smtp_lines "$port" --escapes "$@"; }
out=$(plain "$PS" 'EHLO client.test\r\n' 'MAIL FROM:<annv@haugiang.gov.vn>\r\n' \
	'AUTH PLAIN AGFubnYAeA==\r\n' 'QUIT\r\n')
expect_re "submission, plaintext: STARTTLS offered, AUTH not" "$out" '250-STARTTLS'
if printf '%s' "$out" | grep -q 'AUTH PLAIN'; then not_ok "no AUTH before TLS"; else ok "no AUTH before TLS"; fi
expect_re "MAIL before TLS: 530 5.7.0" "$out" '530 5\.7\.0 Must issue a STARTTLS command first
530 5\.7\.0 Must issue a STARTTLS command first'
out=$(plain "$PS" 'EHLO client.test\r\n' 'STARTTLS\r\nMAIL FROM:<x@haugiang.gov.vn>\r\n')
expect_re "STARTTLS with plaintext pipelined after it: 554 5.5.0 and close" "$out" \
	'554 5\.5\.0 Error: SMTP protocol synchronization \(commands sent after STARTTLS\)
EOF'
out=$(plain "$PR" 'EHLO client.test\r\n' 'AUTH PLAIN AGFubnYAeA==\r\n' 'QUIT\r\n')
expect_re "relay listener: STARTTLS offered there too" "$out" '250-STARTTLS'
expect_re "relay listener: AUTH is not (503 5.5.1)" "$out" '503 5\.5\.1 Error: authentication not enabled'

# --- over TLS ---------------------------------------------------------------------
# tls PORT USER PASS MODE [TO [MESSAGE-FILE]]: STARTTLS, EHLO, AUTH (MODE:
# plain, plain-noir, login, none, raw:<AUTH arguments>), then MAIL/RCPT/DATA
# to TO if given, with the message from the file if given.
cat >"$T/tls.py" <<'PY'
import smtplib, ssl, sys
port, user, pw, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
to = sys.argv[5] if len(sys.argv) > 5 else None
body = (open(sys.argv[6], "rb").read() if len(sys.argv) > 6 else
        b"Subject: submitted\r\n\r\nsent by an authenticated client\r\n")
ctx = ssl.create_default_context(cafile=sys.argv[0].rsplit("/", 1)[0] + "/cert.pem")
ctx.check_hostname = False          # we connect to 127.0.0.1; the chain is checked
s = smtplib.SMTP("127.0.0.1", port, timeout=120)
s.ehlo("client.test")
code, msg = s.starttls(context=ctx)
print("starttls:", code, msg.decode())
print("cipher:", s.sock.version())
s.ehlo("client.test")
print("ehlo:", " ".join(sorted(s.esmtp_features)))
s.user, s.password = user, pw
try:
    if mode == "plain":
        code, msg = s.auth("PLAIN", s.auth_plain)
    elif mode == "plain-noir":
        code, msg = s.auth("PLAIN", s.auth_plain, initial_response_ok=False)
    elif mode == "login":
        code, msg = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
    elif mode.startswith("raw:"):
        code, msg = s.docmd("AUTH", mode[4:])
        if code == 334:
            code, msg = s.docmd("*")
    else:
        code, msg = 0, b"no auth"
except smtplib.SMTPAuthenticationError as e:
    code, msg = e.smtp_code, e.smtp_error
print("auth:", code, msg.decode())
if to:
    code, msg = s.mail(user if "@" in user else user + "@haugiang.gov.vn")
    print("mail:", code, msg.decode())
    if code == 250:
        code, msg = s.rcpt(to)
        print("rcpt:", code, msg.decode())
        code, msg = s.data(body)
        print("data:", code, msg.decode())
s.quit()
PY
tls() { python3 "$T/tls.py" "$@" 2>&1; }

n0=$(count "$T/sink")
out=$(tls "$PS" annv@haugiang.gov.vn "$PW" plain friend@gmail.com)
expect_re "STARTTLS: 220 2.0.0, TLS 1.2 or later" "$out" 'starttls: 220 2\.0\.0 Ready to start TLS
cipher: TLSv1\.[23]'
expect_re "after TLS: AUTH PLAIN LOGIN offered, STARTTLS no more" "$out" 'ehlo: 8bitmime auth enhancedstatuscodes pipelining size$'
expect_re "AUTH PLAIN (initial response), good password: 235 2.7.0" "$out" 'auth: 235 2\.7\.0 Authentication successful'
expect_re "an authenticated client may send outside the governed domains" "$out" 'rcpt: 250 2\.1\.5 Ok
data: 250 2\.0\.0 Ok: queued as [0-9A-F]{12}'
expect_eq "... and the message is at the next hop" "$(count "$T/sink")" "$((n0 + 1))"
m=$(last_msg "$T/sink").eml
expect_re "... received with ESMTPSA" "$(head -2 "$m")" 'with ESMTPSA id [0-9A-F]{12}'
expect_re "... and relayed to the next hop over STARTTLS" "$(cat "${m%.eml}.env")" '"tls": true'
expect_re "auth success is logged, never the password" "$(cat "$T/d.log")" \
	'auth ok client=\[127\.0\.0\.1\] login=annv@haugiang\.gov\.vn account=annv@haugiang\.gov\.vn'
expect_re "TLS is logged" "$(cat "$T/d.log")" 'starttls client=\[127\.0\.0\.1\] tls=TLSv1\.[23]:'

out=$(tls "$PS" annv "$PW" login)
expect_re "AUTH LOGIN with the uid: 235" "$out" 'auth: 235 2\.7\.0'
out=$(tls "$PS" annv@haugiang.gov.vn "$PW" plain-noir)
expect_re "AUTH PLAIN after a 334 challenge: 235" "$out" 'auth: 235 2\.7\.0'
out=$(tls "$PS" annv@haugiang.gov.vn "$PW" none friend@gmail.com)
expect_re "MAIL over TLS without AUTH: 530 5.7.0" "$out" 'mail: 530 5\.7\.0 Authentication required'
out=$(tls "$PS" annv@haugiang.gov.vn 'wrong password here' plain)
expect_re "wrong password: 535 5.7.8" "$out" 'auth: 535 5\.7\.8 Error: authentication failed'
out=$(tls "$PS" binhtt@haugiang.gov.vn "$PW" plain)
expect_re "suspended account, right password: 535 5.7.8" "$out" 'auth: 535 5\.7\.8'
expect_re "... the log says why" "$(cat "$T/d.log")" 'auth failed client=\[127\.0\.0\.1\] login=binhtt@haugiang\.gov\.vn reason="[^"]*suspended'
out=$(tls "$PS" nobody@haugiang.gov.vn "$PW" plain)
expect_re "unknown account: 535 5.7.8" "$out" 'auth: 535 5\.7\.8'
out=$(tls "$PS" x x "raw:PLAIN $(printf '\0annv@haugiang.gov.vn\0' | base64 -w0)")
expect_re "empty password (would be an anonymous bind): refused" "$out" 'auth: 501 5\.5\.2 Error: empty password'
out=$(tls "$PS" x x "raw:PLAIN $(printf 'boss@haugiang.gov.vn\0annv@haugiang.gov.vn\0x' | base64 -w0)")
expect_re "PLAIN with another authorization identity: refused" "$out" 'auth: 501 5\.5\.2 Error: authorization identity'
out=$(tls "$PS" x x "raw:LOGIN")
expect_re "'*' cancels: 501 5.7.0" "$out" 'auth: 501 5\.7\.0 Authentication aborted'
out=$(tls "$PS" x x "raw:CRAM-MD5")
expect_re "unsupported mechanism: 504 5.5.4" "$out" 'auth: 504 5\.5\.4'
out=$(tls "$PS" x x "raw:PLAIN not-base64!")
expect_re "malformed base64: 501 5.5.2" "$out" 'auth: 501 5\.5\.2 Error: malformed base64'
if grep -q "$PW" "$T/d.log"; then not_ok "no password in the log"; else ok "no password in the log"; fi

# --- header From: anti-spoofing for authenticated senders --------------------------
hdr_test() { # DESCRIPTION EXPECTED-REGEX then the header lines
	local desc=$1 want=$2 f="$T/hdr.eml"
	shift 2
	{ printf '%s\r\n' "$@"; printf 'Subject: header test\r\n\r\nbody\r\n'; } >"$f"
	expect_re "$desc" "$(tls "$PS" annv@haugiang.gov.vn "$PW" plain friend@gmail.com "$f")" "$want"
}
n0=$(count "$T/sink")
hdr_test "header From: own address with an encoded Vietnamese name: accepted" '^data: 250 2\.0\.0' \
	'From: =?UTF-8?B?Tmd1eeG7hW4gVsSDbiBBbg==?= <annv@haugiang.gov.vn>'
hdr_test "header From: own alias (any case): accepted" '^data: 250 2\.0\.0' 'From: Van Thu <VanThu.SNV@haugiang.gov.vn>'
hdr_test "header From: another account (spoofing): 550 5.7.1" \
	'^data: 550 5\.7\.1 <binhtt@haugiang\.gov\.vn>: Message refused: header From: is not an address of user annv@haugiang\.gov\.vn \(khong duoc mao danh nguoi gui\)$' \
	'From: Binh <binhtt@haugiang.gov.vn>'
hdr_test "header From: a made-up director: 550 5.7.1" '^data: 550 5\.7\.1 <giamdoc@haugiang\.gov\.vn>: Message refused: header From:' \
	'From: "Giam doc So" <giamdoc@haugiang.gov.vn>'
hdr_test "header From: own address plus another in one field: 550 5.7.1" '^data: 550 5\.7\.1 .*binhtt' \
	'From: annv@haugiang.gov.vn, binhtt@haugiang.gov.vn'
hdr_test "two From: headers: 550 5.7.1" '^data: 550 5\.7\.1 Message refused: the message has more than one From: header' \
	'From: annv@haugiang.gov.vn' 'From: binhtt@haugiang.gov.vn'
hdr_test "a From: hidden after a line the parser cannot read: 550 5.7.1" \
	'^data: 550 5\.7\.1 Message refused: the header section cannot be parsed' \
	'From: annv@haugiang.gov.vn' 'this line is not a header' 'From: binhtt@haugiang.gov.vn'
hdr_test "an empty From: 550 5.7.1" '^data: 550 5\.7\.1 Message refused: the From: header is malformed' 'From:'
expect_eq "... only the two honest ones were relayed" "$(count "$T/sink")" "$((n0 + 2))"

out=$(python3 - "$PS" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=120)
def reply():   # one whole reply, however the bytes arrive
    line = b""
    while not (len(line) >= 4 and line.endswith(b"\n") and line[3:4] != b"-"):
        line = b""
        while not line.endswith(b"\n"):
            c = s.recv(1)
            if not c:
                return "EOF"
            line += c
    return line.decode().strip()
reply()
s.sendall(b"EHLO client.test\r\n"); reply()
s.sendall(b"STARTTLS\r\n"); print(reply())
s.sendall(b"this is not a TLS ClientHello\r\n")
try:
    print("EOF" if s.recv(512) == b"" else "more")
except ConnectionResetError:
    print("EOF")
PY
)
expect_re "garbage instead of a TLS handshake: connection closed" "$out" '220 2\.0\.0 Ready to start TLS
EOF'
expect_re "... and logged" "$(cat "$T/d.log")" 'starttls failed client=\[127\.0\.0\.1\]'

# --- the directory goes away -----------------------------------------------------------
"$TOP/scripts/ldap-sandbox" stop "$T/ldap" >/dev/null 2>&1
out=$(tls "$PS" annv@haugiang.gov.vn "$PW" plain)
expect_re "LDAP down: 454 4.7.0 (try later), not 535" "$out" 'auth: 454 4\.7\.0 Temporary authentication failure'

t_kill -TERM "$D"
wait "$D"
expect_eq "clean exit (no leaks under ASan)" "$?" 0
