#!/usr/bin/env bash
# test_smtp_limits.sh — govmaild's configurable reply texts and the policy's
# size and recipient limits, against a sandbox slapd and the capturing sink:
# every policy.reply_* template with its %s filled in (inactive sender and
# recipient, sender and header From: not the user's, too large, too many
# recipients, bare LF, data before 354); a bad template refused at start
# with file:line; per-direction limits (internal, outbound: a message with
# one recipient outside) at MAIL, RCPT and end of DATA (552 5.3.4,
# 452 4.5.3); a per-agency override; smtpd's limits still apply.
# The default texts are checked in test_smtp_policy.sh, test_smtp_relay.sh
# and test_smtp_auth.sh.
. "$(dirname "$0")/../lib.sh"

smtp() { smtp_lines "$PORT" "$@"; }

# --- the directory ----------------------------------------------------------
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
check "domains" sh -c "$G domain add haugiang.gov.vn && $G domain add cantho.gov.vn"
check "agencies" $G agency load "$DATA/agencies.csv"
check "annv (snv)" $G account add --name "Nguyễn Văn An" --agency snv
check "an alias of annv" $G alias add annv@haugiang.gov.vn vanthu.snv@haugiang.gov.vn
check "binhtt (suspended)" sh -c "$G account add --name 'Trần Thị Bình' --agency snv && $G account suspend binhtt@haugiang.gov.vn --reason 'nghỉ phép'"
check "chitt (snv)" $G account add --name "Trần Thị Chi" --agency snv
check "empv (stp, larger messages allowed)" $G account add --name "Phạm Văn Em" --agency stp

# --- govmaild with its own texts and limits -------------------------------------
PORT=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
conf() { # EXTRA-POLICY-LINES
	cat <<CONF
ldap = {
  uri = "$LDAPI_URI";
  bind_dn = "$LDAP_DAEMON_DN";
  bind_password_file = "$LDAP_DAEMON_PWFILE";
  base_dn = "$LDAP_BASE";
  network_timeout = 2;
  timeout = 60;
};
smtpd = {
  relay_listen = ["127.0.0.1:$PORT"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  max_errors = 100;
  max_message_size = "128K";
  max_recipients = 5;
  xclient_hosts = ["127.0.0.1"];
};
next_hop = { port = $NH; };
policy = {
  relay_domains = [];
  trusted_networks = ["10.0.0.0/8"];
  cache_ttl = 3600;
$1
};
CONF
}
conf '  reply_sender_inactive = "Nguoi gui khong hoat dong: %s";
  reply_recipient_inactive = "Nguoi nhan bi khoa";
  reply_sender_owner = "Dia chi khong phai cua %s";
  reply_header_from = "From: khong phai cua %s";
  reply_message_too_large = "Thu qua lon, toi da %s byte";
  reply_too_many_recipients = "Qua nhieu nguoi nhan, toi da %s";
  reply_bare_newline = "Dong ket thuc bang <%s> tran";
  reply_pipelining = "Gui truoc khi duoc phep (%s)";
  internal_max_size = "64K";
  internal_max_recipients = 3;
  outbound_max_size = "16K";
  outbound_max_recipients = 2;
  agency_limits = ["stp 32K 0"];' >"$T/d.conf"

# a bad template: refused at start, with the file and line
conf '  reply_sender_owner = "%s is not %s";' >"$T/bad.conf"
check_rc "two %s in a template: govmaild refuses to start (78)" 78 "$GOVMAILD" -t -c "$T/bad.conf"
expect_re "... naming file, line and key" "$(cat "$T/last.err" "$T/last.out")" \
	"bad\\.conf:25: policy\\.reply_sender_owner: only one %s may be used"
conf '  reply_message_too_large = "limit %d";' >"$T/bad.conf"
check_rc "%d in a template: refused (78)" 78 "$GOVMAILD" -t -c "$T/bad.conf"
conf '  agency_limits = ["stp lots 0"];' >"$T/bad.conf"
check_rc "a malformed agency limit: refused (78)" 78 "$GOVMAILD" -t -c "$T/bad.conf"
check "the test configuration is valid" "$GOVMAILD" -t -c "$T/d.conf"

"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PORT" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# --- the configured texts -----------------------------------------------------------
xc="XCLIENT ADDR=10.1.2.3 NAME=mx.inside.test"
out=$(smtp "EHLO mx.example.org" "MAIL FROM:<binhtt@haugiang.gov.vn>" \
	"MAIL FROM:<someone@example.org>" "RCPT TO:<binhtt@haugiang.gov.vn>")
expect_re "inactive sender: 550 5.7.1 with the configured text, the reason in %s" "$out" \
	'^550 5\.7\.1 <binhtt@haugiang\.gov\.vn>: Nguoi gui khong hoat dong: the account is suspended \(tai khoan dang bi tam ngung\)$'
expect_re "inactive recipient: 550 5.1.1 with the configured text (no %s)" "$out" \
	'^550 5\.1\.1 <binhtt@haugiang\.gov\.vn>: Nguoi nhan bi khoa$'

xl="XCLIENT ADDR=203.0.113.7 LOGIN=annv@haugiang.gov.vn"
out=$(smtp "EHLO front.test" "$xl" "EHLO front.test" "MAIL FROM:<chitt@haugiang.gov.vn>" \
	"MAIL FROM:<annv@haugiang.gov.vn>" "RCPT TO:<chitt@haugiang.gov.vn>" "DATA" \
	$'From: Chi <chitt@haugiang.gov.vn>\r\nSubject: spoof\r\n\r\nhello\r\n.')
expect_re "sender not the user's: 553 5.7.1, the login in %s" "$out" \
	'^553 5\.7\.1 <chitt@haugiang\.gov\.vn>: Dia chi khong phai cua annv@haugiang\.gov\.vn$'
expect_re "header From: not the user's: 550 5.7.1, the login in %s" "$out" \
	'^550 5\.7\.1 <chitt@haugiang\.gov\.vn>: From: khong phai cua annv@haugiang\.gov\.vn$'

n0=$(count "$T/sink")
out=$(chat "$PORT" <<'EOF'
R
S EHLO client.test\r\n
R
S MAIL FROM:<someone@example.org>\r\n
R
S RCPT TO:<annv@haugiang.gov.vn>\r\n
R
S DATA\r\n
R
S Subject: bare\r\n\r\nline\nMAIL FROM:<x@haugiang.gov.vn>\r\n.\r\n
R
S MAIL FROM:<someone@example.org>\r\nRCPT TO:<annv@haugiang.gov.vn>\r\nDATA\r\nSubject: early\r\n\r\nx\r\n.\r\n
R
R
R
E
EOF
)
expect_re "bare LF: 550 5.5.2 with the configured text" "$out" '^550 5\.5\.2 Dong ket thuc bang <LF> tran$'
expect_re "data before 354: 554 5.5.0 with the configured text" "$out" \
	'^554 5\.5\.0 Gui truoc khi duoc phep \(data sent before 354 reply\)$'
expect_eq "... nothing relayed" "$(count "$T/sink")" "$n0"

# --- recipient limits -----------------------------------------------------------------
out=$(smtp "EHLO mx.example.org" "$xc" "EHLO mx.example.org" "MAIL FROM:<annv@haugiang.gov.vn>" \
	"RCPT TO:<annv@haugiang.gov.vn>" "RCPT TO:<chitt@haugiang.gov.vn>" \
	"RCPT TO:<empv@haugiang.gov.vn>" "RCPT TO:<vanthu.snv@haugiang.gov.vn>" "RSET" \
	"MAIL FROM:<annv@haugiang.gov.vn>" "RCPT TO:<chitt@haugiang.gov.vn>" \
	"RCPT TO:<friend@gmail.com>" "RCPT TO:<other@gmail.com>" "RCPT TO:<empv@haugiang.gov.vn>")
expect_re "internal: a 4th recipient is 452 4.5.3 (policy.internal_max_recipients = 3)" "$out" \
	'^250 2\.1\.5 Ok
250 2\.1\.5 Ok
250 2\.1\.5 Ok
452 4\.5\.3 Qua nhieu nguoi nhan, toi da 3
250 2\.0\.0 Ok$'
expect_re "outbound: once one recipient is outside, 2 at most, inside or out" "$out" \
	'^250 2\.1\.5 Ok
250 2\.1\.5 Ok
452 4\.5\.3 Qua nhieu nguoi nhan, toi da 2
452 4\.5\.3 Qua nhieu nguoi nhan, toi da 2$'
expect_re "the refusals are logged with their rules" "$(cat "$T/d.log")" \
	'rule=internal-recipients .*
(.*
)*.*rule=outbound-recipients'

# --- size limits ------------------------------------------------------------------------
mk() { python3 -c 'import sys; n=int(sys.argv[1]); sys.stdout.buffer.write(b"Subject: size\r\n\r\n" + (b"x" * 98 + b"\r\n") * (n // 100))' "$1" >"$2"; }
mk 20000 "$T/20k.eml"
mk 40000 "$T/40k.eml"
mk 140000 "$T/140k.eml"
out=$(smtp "EHLO mx.example.org" "$xc" "EHLO mx.example.org" \
	"MAIL FROM:<annv@haugiang.gov.vn> SIZE=70000" "MAIL FROM:<annv@haugiang.gov.vn> SIZE=20000" \
	"RCPT TO:<chitt@haugiang.gov.vn>" "RCPT TO:<friend@gmail.com>")
expect_re "declared SIZE: beyond both directions 552 5.3.4 at MAIL; beyond the outbound limit only, at RCPT of an outside recipient" "$out" \
	'^552 5\.3\.4 Thu qua lon, toi da 65536 byte
250 2\.1\.0 Ok
250 2\.1\.5 Ok
552 5\.3\.4 Thu qua lon, toi da 16384 byte$'

n0=$(count "$T/sink")
out=$(smtp_lines "$PORT" --data "$T/20k.eml" "EHLO mx.example.org" "$xc" "EHLO mx.example.org" \
	"MAIL FROM:<annv@haugiang.gov.vn>" "RCPT TO:<chitt@haugiang.gov.vn>" "DATA")
expect_re "20 KB internal (below 64K): relayed" "$out" '^250 2\.0\.0 Ok: queued as'
out=$(smtp_lines "$PORT" --data "$T/20k.eml" "EHLO mx.example.org" "$xc" "EHLO mx.example.org" \
	"MAIL FROM:<annv@haugiang.gov.vn>" "RCPT TO:<chitt@haugiang.gov.vn>" "RCPT TO:<friend@gmail.com>" "DATA")
expect_re "20 KB outbound, no SIZE declared: 552 5.3.4 at the end of DATA" "$out" \
	'^354 .*
552 5\.3\.4 Thu qua lon, toi da 16384 byte$'
expect_eq "... only the internal one relayed" "$(count "$T/sink")" "$((n0 + 1))"
out=$(smtp_lines "$PORT" --data "$T/20k.eml" "EHLO mx.example.org" "$xc" "EHLO mx.example.org" \
	"MAIL FROM:<empv@haugiang.gov.vn>" "RCPT TO:<friend@gmail.com>" "DATA")
expect_re "agency stp (policy.agency_limits \"stp 32K 0\"): 20 KB outbound relayed" "$out" \
	'^250 2\.0\.0 Ok: queued as'
out=$(smtp_lines "$PORT" --data "$T/40k.eml" "EHLO mx.example.org" "$xc" "EHLO mx.example.org" \
	"MAIL FROM:<empv@haugiang.gov.vn>" "RCPT TO:<annv@haugiang.gov.vn>" "DATA")
expect_re "... 40 KB, even internal: 552 5.3.4 with the agency's limit" "$out" \
	'^552 5\.3\.4 Thu qua lon, toi da 32768 byte$'
out=$(smtp_lines "$PORT" --data "$T/140k.eml" "EHLO mx.example.org" "$xc" "EHLO mx.example.org" \
	"MAIL FROM:<empv@haugiang.gov.vn>" "RCPT TO:<annv@haugiang.gov.vn>" "DATA")
expect_re "smtpd.max_message_size still applies, with the configured text" "$out" \
	'^552 5\.3\.4 Thu qua lon, toi da 131072 byte$'
expect_re "the size refusals are logged with their rules" "$(cat "$T/d.log")" \
	'rule=policy-size .*'
expect_eq "nothing else relayed" "$(count "$T/sink")" "$((n0 + 2))"

t_kill -TERM "$D"
wait "$D"
expect_eq "clean exit (no leaks under ASan)" "$?" 0
