#!/usr/bin/env bash
# test_smtp_ldap_outage.sh — govmaild through LDAP outages over TCP (issue
# #17): AUTH and the directory policy answer 4xx while the sandbox slapd
# is stopped (an open connection gone stale, then failed connects), work
# again once it is back (on its new port, after SIGHUP), and govmaild (the
# ASan build) exits 0 at SIGTERM after it all with no leak report. (The
# 117-byte liblber leak the issue reports came from a Notice of
# Disconnection, which slapd does not send here: tests/unit/test_dir_notice.c.)
. "$(dirname "$0")/../lib.sh"

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
t_relay_conf "$T/d.conf" "$P" "$NH" "submission_listen = [\"127.0.0.1:$PS\"];"
# over TCP (ldap://), as in production, not the sandbox's ldapi socket
sed -i -e 's|^ldap = {|ldap = {\n  network_timeout = 2;\n  timeout = 30;|' \
	-e "s|uri = \"$LDAPI_URI\";|uri = \"$LDAP_URI\";|" "$T/d.conf"
cat >>"$T/d.conf" <<CONF
tls = { cert_file = "$T/cert.pem"; key_file = "$T/key.pem"; };
CONF
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PS" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

cat >"$T/sub.py" <<'PY'
import smtplib, ssl, sys
port, pw = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=sys.argv[3])
ctx.check_hostname = False
s = smtplib.SMTP("127.0.0.1", port, timeout=120)
s.starttls(context=ctx)
s.ehlo("client.test")
try:
    print("auth:", s.login("annv@haugiang.gov.vn", pw)[0])
except smtplib.SMTPException as e:
    print("auth:", getattr(e, "smtp_code", e))
s.quit()
PY
sub() { python3 "$T/sub.py" "$PS" "$PW" "$T/cert.pem" 2>&1; }
relay() {
	smtp_lines "$P" "EHLO client.test" "MAIL FROM:<x@example.org>" \
		"RCPT TO:<annv@haugiang.gov.vn>" "QUIT"
}
expect_re "directory up: AUTH 235" "$(sub)" 'auth: 235'
expect_re "directory up: RCPT 250" "$(relay)" '250 2\.1\.5'
check "slapd stopped" "$TOP/scripts/ldap-sandbox" stop "$T/ldap"
expect_re "directory down: AUTH 454" "$(sub)" 'auth: 454'
expect_re "directory down: RCPT 4xx" "$(relay)" '45[0-9] 4\.[0-9.]+ '
# beyond the back-off period, a new attempt to connect fails again
again() { sub >/dev/null; log_has "$T/d.log" 'directory unavailable' 2; }
check "... a second failed connect after the back-off" wait_for again
expect_re "still down: AUTH 454" "$(sub)" 'auth: 454'
check "slapd started again" "$TOP/scripts/ldap-sandbox" start "$T/ldap"
# it may listen on another port now: tell govmaild
old_uri=$LDAP_URI
set -a; . "$T/ldap/env"; set +a
sed -i "s|uri = \"$old_uri\";|uri = \"$LDAP_URI\";|" "$T/d.conf"
check "SIGHUP: the directory's address" hup_reload "$D" "$T/d.log"
# (govmaild waits a back-off after a failed connect: until it has passed)
auth_ok() { sub | grep -q 'auth: 235'; }
check "directory back: AUTH 235 again" wait_for auth_ok
expect_re "directory back: RCPT 250" "$(relay)" '250 2\.1\.5'
check "slapd stopped for good" "$TOP/scripts/ldap-sandbox" stop "$T/ldap"
expect_re "down at the end: AUTH 454" "$(sub)" 'auth: 454'
t_kill "$D"
wait "$D" 2>/dev/null
rc=$?
expect_eq "govmaild exits 0 on SIGTERM after the outages" "$rc" 0
if grep -q 'LeakSanitizer' "$T/d.log"; then
	not_ok "no leak report"; sed -n '/LeakSanitizer/,$p' "$T/d.log" | head -60 | sed 's/^/# /'
else
	ok "no leak report"
fi
