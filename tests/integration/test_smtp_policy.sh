#!/usr/bin/env bash
# test_smtp_policy.sh — govmaild's domain policy with the directory, against
# a sandbox slapd with accounts made by govmailctl: governed domains come
# from LDAP; unknown and suspended senders (550 5.7.1); recipients that
# must exist and be active (550 5.1.1), aliases accepted; no open relay;
# internal-only accounts and agencies (inherited up the parent chain, an
# account's own setting first, cycles bounded); the outside deny list; an
# authenticated client (XCLIENT LOGIN from the front MTA) sending only as
# its own addresses or a delegation (553 5.7.1); LDAP stopped -> 451 4.3.0
# for what is not cached, and back to normal when it returns.
. "$(dirname "$0")/../lib.sh"

# One SMTP dialogue: each argument is a command line sent after the
# previous reply; prints the greeting and every reply, one per line.
smtp() { smtp_lines "$PORT" "$@"; }

# --- the directory ----------------------------------------------------------
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
check "domains" sh -c "$G domain add haugiang.gov.vn && $G domain add cantho.gov.vn"
check "agencies" $G agency load "$DATA/agencies.csv"
check "annv (active)" $G account add --name "Nguyễn Văn An" --agency snv
check "an alias of annv" $G alias add annv@haugiang.gov.vn vanthu.snv@haugiang.gov.vn
check "binhtt (suspended)" sh -c "$G account add --name 'Trần Thị Bình' --agency snv && $G account suspend binhtt@haugiang.gov.vn --reason 'nghỉ phép'"
check "chitt (internal-only account)" $G account add --name "Trần Thị Chi" --agency snv --internal-only
check "empv (in an internal-only agency)" $G account add --name "Phạm Văn Em" --agency stp
check "agency stp marked internal-only" sh -c "printf 'dn: govmailAgencyCode=stp,ou=agencies,%s\nchangetype: modify\nreplace: govmailMaySendExternal\ngovmailMaySendExternal: FALSE\n' '$LDAP_BASE' | ldapmodify -x -H '$LDAP_URI' -D '$LDAP_ADMIN_DN' -y '$LDAP_ADMIN_PWFILE'"
check "a shared mailbox" $G account add --name "Văn Thư Chung" --agency snv --address vanthu.chung@haugiang.gov.vn
# internal-only inherited: an account's own govmailMaySendExternal decides,
# else the nearest agency up the parent chain that sets it, else the
# default. govmailctl writes the attribute only with --internal-only or
# --external; without, the account inherits.
check "empv (stp) has no setting of its own" sh -c \
	"! ldapsearch -LLL -x -H '$LDAP_URI' -D '$LDAP_ADMIN_DN' -y '$LDAP_ADMIN_PWFILE' -b 'uid=empv,ou=accounts,$LDAP_BASE' govmailMaySendExternal | grep -q govmailMaySendExternal"
check "giangvh in stp-u1 (under stp), without a setting of its own" \
	$G account add --name 'Võ Hoàng Giang' --agency stp-u1
check "hoalt in stp-u1 with an explicit TRUE" $G account add --name "Lê Thị Hoa" --agency stp-u1 --external-allowed
check "agencies stp-u2 and stp-u3 made each other's parent (a cycle, by LDIF)" sh -c \
	"printf 'dn: govmailAgencyCode=stp-u2,ou=agencies,%s\nchangetype: modify\nreplace: govmailParentAgency\ngovmailParentAgency: stp-u3\n\ndn: govmailAgencyCode=stp-u3,ou=agencies,%s\nchangetype: modify\nreplace: govmailParentAgency\ngovmailParentAgency: stp-u2\n' '$LDAP_BASE' '$LDAP_BASE' | ldapmodify -x -H '$LDAP_URI' -D '$LDAP_ADMIN_DN' -y '$LDAP_ADMIN_PWFILE'"
check "khainv in stp-u2 (in the cycle), without a setting of its own" \
	$G account add --name 'Ngô Văn Khải' --agency stp-u2

# --- govmaild: relay listener, directory policy, XCLIENT from 127.0.0.1 ------------
PORT=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
cat >"$T/d.conf" <<CONF
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
  xclient_hosts = ["127.0.0.1"];
};
next_hop = { port = $NH; };
policy = {
  relay_domains = [];
  trusted_networks = ["10.0.0.0/8"];
  delegations = ["vanthu.chung@haugiang.gov.vn annv@haugiang.gov.vn"];
  external_deny = ["blocked.example"];
  cache_ttl = 3600;
};
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
CONF
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PORT" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# --- an untrusted client (127.0.0.1 is not in trusted_networks) ---------------------
n0=$(count "$T/sink")
out=$(smtp "EHLO mx.example.org" "MAIL FROM:<annv@haugiang.gov.vn>" \
	"RCPT TO:<binhtt@haugiang.gov.vn>" "RCPT TO:<nobody@haugiang.gov.vn>" \
	"RCPT TO:<nobody@cantho.gov.vn>" "RCPT TO:<VanThu.SNV@haugiang.gov.vn>" \
	"RCPT TO:<friend@gmail.com>" "RCPT TO:<chitt@haugiang.gov.vn>" "DATA" \
	$'Subject: policy\r\n\r\nhello\r\n.')
expect_re "an active sender is accepted" "$out" '^250 2\.1\.0 Ok$'
expect_re "a suspended recipient: 550 5.1.1, said so" "$out" \
	'^550 5\.1\.1 <binhtt@haugiang\.gov\.vn>: Recipient address rejected: the account is suspended'
expect_re "an unknown recipient: 550 5.1.1" "$out" \
	'^550 5\.1\.1 <nobody@haugiang\.gov\.vn>: Recipient address rejected: User unknown'
expect_re "a governed domain known only to the directory (cantho.gov.vn)" "$out" \
	'^550 5\.1\.1 <nobody@cantho\.gov\.vn>: Recipient address rejected: User unknown'
expect_re "an alias (any case) is accepted" "$out" '^550 5\.1\.1 <nobody@cantho.*
250 2\.1\.5 Ok
550 5\.7\.1 <friend@gmail\.com>: Relay access denied'
expect_re "... as is an active account, and the message goes out" "$out" \
	'Relay access denied
250 2\.1\.5 Ok
354 .*
250 2\.0\.0 Ok: queued as [0-9A-F]{12}$'
expect_re "... to exactly the accepted recipients" "$(cat "$(last_msg "$T/sink").env")" \
	'"rcpts": \["VanThu\.SNV@haugiang\.gov\.vn", "chitt@haugiang\.gov\.vn"\]'
expect_re "the refusals are logged with their rules" "$(cat "$T/d.log")" \
	'reject cmd=RCPT .* to=<binhtt@haugiang\.gov\.vn> rule=recipient-inactive reply="550 5\.1\.1'

out=$(smtp "EHLO mx.example.org" "MAIL FROM:<binhtt@haugiang.gov.vn>" \
	"MAIL FROM:<ghost@haugiang.gov.vn>" "MAIL FROM:<someone@example.org>" \
	"RCPT TO:<annv@haugiang.gov.vn>")
expect_re "a suspended sender: 550 5.7.1 with a reason a person understands" "$out" \
	'^550 5\.7\.1 <binhtt@haugiang\.gov\.vn>: Sender address rejected: the account is suspended \(tai khoan dang bi tam ngung\)$'
expect_re "an unknown sender in a governed domain: 550 5.7.1" "$out" \
	'^550 5\.7\.1 <ghost@haugiang\.gov\.vn>: Sender address rejected: no such account'
expect_re "an outside sender to a governed recipient is fine" "$out" '^250 2\.1\.0 Ok
250 2\.1\.5 Ok$'

# --- from a trusted network (XCLIENT ADDR= from the front MTA) --------------------
xc="XCLIENT ADDR=10.1.2.3 NAME=mx.inside.test"
out=$(smtp "EHLO front.test" "$xc" "EHLO front.test" "MAIL FROM:<chitt@haugiang.gov.vn>" \
	"RCPT TO:<friend@gmail.com>" "RCPT TO:<annv@haugiang.gov.vn>" "RSET" \
	"MAIL FROM:<empv@haugiang.gov.vn>" "RCPT TO:<friend@gmail.com>" "RSET" \
	"MAIL FROM:<annv@haugiang.gov.vn>" "RCPT TO:<x@mx.blocked.example>" \
	"RCPT TO:<friend@gmail.com>")
expect_re "internal-only account to outside: 550 5.7.1" "$out" \
	'^550 5\.7\.1 <chitt@haugiang\.gov\.vn>: this account may send only within the governed domains'
expect_re "... inside is fine" "$out" 'governed domains .*
250 2\.1\.5 Ok'
expect_re "an account of an internal-only agency to outside: 550 5.7.1" "$out" \
	'^550 5\.7\.1 <empv@haugiang\.gov\.vn>: this account may send only within'
expect_re "outside deny list (subdomains too): 550 5.7.1" "$out" \
	'^550 5\.7\.1 <x@mx\.blocked\.example>: Mail to mx\.blocked\.example is not allowed by policy
250 2\.1\.5 Ok$'
out=$(smtp "EHLO front.test" "$xc" "EHLO front.test" "MAIL FROM:<giangvh@haugiang.gov.vn>" \
	"RCPT TO:<friend@gmail.com>" "RCPT TO:<annv@haugiang.gov.vn>" "RSET" \
	"MAIL FROM:<hoalt@haugiang.gov.vn>" "RCPT TO:<friend@gmail.com>" "RSET" \
	"MAIL FROM:<khainv@haugiang.gov.vn>" "RCPT TO:<friend@gmail.com>")
expect_re "internal-only inherited from the parent agency (stp-u1 under stp): 550 5.7.1" "$out" \
	'^550 5\.7\.1 <giangvh@haugiang\.gov\.vn>: this account may send only within the governed domains.*
250 2\.1\.5 Ok$'
expect_re "... an explicit TRUE on the account wins; a cycle of parents ends at the default" "$out" \
	'^250 2\.1\.0 Ok
250 2\.1\.5 Ok
250 2\.0\.0 Ok
250 2\.1\.0 Ok
250 2\.1\.5 Ok$'

# --- an authenticated client (XCLIENT LOGIN=) sends only as itself --------------------
xl="XCLIENT ADDR=203.0.113.7 LOGIN=annv@haugiang.gov.vn"
out=$(smtp "EHLO front.test" "$xl" "EHLO front.test" "MAIL FROM:<binhtt@haugiang.gov.vn>" \
	"MAIL FROM:<boss@example.org>" "MAIL FROM:<vanthu.snv@haugiang.gov.vn>" "RSET" \
	"MAIL FROM:<vanthu.chung@haugiang.gov.vn>" "RCPT TO:<friend@gmail.com>" "RSET" \
	"MAIL FROM:<annv@haugiang.gov.vn>" "RCPT TO:<friend@gmail.com>")
expect_re "another account's address: 553 5.7.1" "$out" \
	'^553 5\.7\.1 <binhtt@haugiang\.gov\.vn>: Sender address rejected: not owned by user annv@haugiang\.gov\.vn \(khong duoc dung dia chi nguoi khac\)
553 5\.7\.1 <boss@example\.org>: Sender address rejected: not owned by user'
expect_re "own alias, then a delegated shared mailbox, then own address (to outside)" "$out" \
	'^250 2\.1\.0 Ok
250 2\.0\.0 Ok
250 2\.1\.0 Ok
250 2\.1\.5 Ok
250 2\.0\.0 Ok
250 2\.1\.0 Ok
250 2\.1\.5 Ok$'

# --- LDAP stopped, then back ----------------------------------------------------
"$TOP/scripts/ldap-sandbox" stop "$T/ldap" >/dev/null 2>&1
n0=$(count "$T/sink")
out=$(smtp "EHLO mx.example.org" "MAIL FROM:<someone@example.org>" \
	"RCPT TO:<newcomer@haugiang.gov.vn>" "RCPT TO:<annv@haugiang.gov.vn>" "RSET" \
	"MAIL FROM:<unseen@haugiang.gov.vn>")
expect_re "LDAP down: an answer not in the cache is 451 4.3.0 (try later), never accepted" "$out" \
	'^451 4\.3\.0 Directory temporarily unavailable, try again later$'
expect_re "... a cached one still counts (annv, within policy.cache_ttl)" "$out" \
	'^451 4\.3\.0 Directory temporarily unavailable, try again later
250 2\.1\.5 Ok'
expect_re "... an unseen governed sender: 451 4.3.0" "$out" '250 2\.0\.0 Ok
451 4\.3\.0 Directory temporarily unavailable'
expect_eq "... nothing relayed" "$(count "$T/sink")" "$n0"
"$TOP/scripts/ldap-sandbox" start "$T/ldap" >/dev/null 2>&1
# After a failed connect govmaild waits ldap.network_timeout (2 s here)
# before trying again: ask until the answer comes (T_HANG is a hang guard).
end=$((SECONDS + T_HANG))
while :; do
	out=$(smtp "EHLO mx.example.org" "MAIL FROM:<someone@example.org>" "RCPT TO:<newcomer@haugiang.gov.vn>")
	case "$out" in *"550 5.1.1"*) break ;; esac
	[ "$SECONDS" -lt "$end" ] || break
	sleep 0.5
done
expect_re "LDAP back: govmaild reconnects by itself" "$out" '^550 5\.1\.1 <newcomer@haugiang\.gov\.vn>: Recipient address rejected: User unknown'

t_kill -TERM "$D"
wait "$D"
expect_eq "clean exit (no leaks under ASan)" "$?" 0
