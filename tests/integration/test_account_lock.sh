#!/usr/bin/env bash
# test_account_lock.sh — the password policy's lockout and the `locked`
# state, against a sandbox slapd with real binds: 10 failed binds (through
# govmaild's SMTP AUTH and ldapwhoami alike) lock an account, after which
# its right password fails too, with the same answer as a wrong one (no
# oracle); `account show` and `account list --status locked` say so;
# `account unlock` lets it log in again and forgets the failures. `account
# lock --reason` (a compromised account) refuses binds and SMTP AUTH while
# mail TO the account is still accepted, keeps the lock across `account
# passwd`, and is audited; a suspended account behaves as before; a lockout
# ends by itself after pwdLockoutDuration; the service identities are never
# locked out.
. "$(dirname "$0")/../lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
PW='Mat-khau-dung-2026'
A=annv@haugiang.gov.vn
U=uid=annv,ou=accounts,$LDAP_BASE
check "domain add" $G domain add haugiang.gov.vn
check "agency add" $G agency add snv --name "Sở Nội vụ" --level department
check "account annv" $G account add --name "Nguyễn Văn An" --agency snv
check "annv's password" sh -c "printf '%s\n' '$PW' | $G account passwd $A"
check "account binhtt" $G account add --name "Trần Thị Bình" --agency snv
check "binhtt's password" sh -c "printf '%s\n' '$PW' | $G account passwd binhtt@haugiang.gov.vn"

binds() { ldapwhoami -x -H "$LDAP_URI" -D "$1" -w "$2" >/dev/null 2>&1; }
# failures DN: how many failed binds slapd keeps on the entry.
failures() { t_ldapsearch -b "$1" -s base pwdFailureTime | grep -c '^pwdFailureTime:'; }
locked_time() { t_ldapsearch -b "$1" -s base pwdAccountLockedTime | sed -n 's/^pwdAccountLockedTime: //p'; }

# --- the policy -------------------------------------------------------------------
t_ldapsearch -b "cn=password-policy,ou=system,$LDAP_BASE" -s base >"$T/policy.ldif"
expect_re "the default policy locks out after 10 failures within 15 minutes, for 15 minutes" \
	"$(grep -E '^pwd(Lockout|MaxFailure|FailureCountInterval|LockoutDuration):' "$T/policy.ldif" | sort)" \
	'^pwdFailureCountInterval: 900
pwdLockout: TRUE
pwdLockoutDuration: 900
pwdMaxFailure: 10$'
expect_re "... passwords do not expire; a warning period is set for when they do" \
	"$(grep -E '^pwd(MaxAge|ExpireWarning):' "$T/policy.ldif" | sort)" \
	'^pwdExpireWarning: 1209600
pwdMaxAge: 0$'

# The service identities have a policy of their own without lockout: wrong
# binds as cn=govmaild must not stop the mail system.
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do binds "$LDAP_DAEMON_DN" "wrong-$i"; done
check "12 wrong binds as cn=govmaild do not lock it out" \
	ldapwhoami -x -H "$LDAP_URI" -D "$LDAP_DAEMON_DN" -y "$LDAP_DAEMON_PWFILE"
expect_eq "... its policy is the service policy" \
	"$(t_ldapsearch -b "$LDAP_DAEMON_DN" -s base pwdPolicySubentry | sed -n 's/^pwdPolicySubentry: //p')" \
	"cn=service-policy,ou=system,$LDAP_BASE"

# --- govmaild with a submission (AUTH) and a relay listener -----------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj "/CN=gw.test" >/dev/null 2>&1
chmod 600 "$T/key.pem"
PR=$(t_free_port)
PS=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/spool"
start_sink "$T/sink" "$NH"
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
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PS" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# auth USER PASSWORD: STARTTLS and AUTH PLAIN on the submission port;
# prints the AUTH reply ("535 5.7.8 ...").
cat >"$T/auth.py" <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[4])
ctx.check_hostname = False
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=120)
s.starttls(context=ctx)
s.ehlo("client.test")
s.user, s.password = sys.argv[2], sys.argv[3]
try:
    code, msg = s.auth("PLAIN", s.auth_plain)
except smtplib.SMTPAuthenticationError as e:
    code, msg = e.smtp_code, e.smtp_error
print(code, msg.decode())
s.quit()
PY
auth() { python3 "$T/auth.py" "$PS" "$1" "$2" "$T/cert.pem" 2>&1; }
# rcpt ADDRESS: an outside sender's RCPT on the relay listener; prints the reply.
rcpt() {
	smtp_lines "$PR" "EHLO mx.example.org" "MAIL FROM:<friend@example.org>" "RCPT TO:<$1>" "QUIT" |
		sed -n 4p
}

expect_re "annv logs in through govmaild (AUTH PLAIN: 235)" "$(auth "$A" "$PW")" '^235 2\.7\.0'
WRONG_REPLY=$(auth "$A" 'sai mat khau 1')
expect_re "a wrong password: 535 5.7.8" "$WRONG_REPLY" '^535 5\.7\.8'
for i in 2 3 4 5; do auth "$A" "sai mat khau $i" >/dev/null; done
expect_eq "5 failed SMTP AUTHs through govmaild count as 5 failed binds at slapd" \
	"$(failures "$U")" 5
check_rc "a 6th failure, by ldapwhoami: invalid credentials (49)" 49 \
	ldapwhoami -x -H "$LDAP_URI" -D "$U" -w wrong-6
for i in 7 8 9; do binds "$U" "wrong-$i"; done
expect_eq "... still not locked after 9" "$(locked_time "$U")" ""
check_rc "the 10th failure" 49 ldapwhoami -x -H "$LDAP_URI" -D "$U" -w wrong-10
expect_re "... locks the account (slapd sets pwdAccountLockedTime)" "$(locked_time "$U")" '^[0-9]{14}Z$'
check_rc "the right password now fails too (49, like a wrong one)" 49 \
	ldapwhoami -x -H "$LDAP_URI" -D "$U" -w "$PW"
expect_eq "SMTP AUTH with the right password: the very reply of a wrong password (no oracle)" \
	"$(auth "$A" "$PW")" "$WRONG_REPLY"
check_rc "... also to a client that asks for the password policy control" 49 \
	ldapwhoami -x -H "$LDAP_URI" -D "$U" -w "$PW" -e ppolicy
if grep -qi 'locked' "$T/last.err" "$T/last.out"; then
	not_ok "... which is not told that the account is locked"
else ok "... which is not told that the account is locked"; fi
expect_re "mail to a locked-out account is still accepted (RCPT 250)" "$(rcpt "$A")" '^250 2\.1\.5'

check "account show" $G account show "$A"
expect_re "account show: locked after 10 failed logins, since when until when" "$(cat "$T/last.out")" \
	'locked: +after 10 failed logins, since [0-9]{14}Z until [0-9]{14}Z'
expect_re "... the failed logins counted" "$(cat "$T/last.out")" 'failed logins: +10, the last at [0-9]{14}Z'
expect_re "... and the status is still active" "$(cat "$T/last.out")" 'status: +active'
since=$(sed -n 's/^locked: .*since \([0-9]*Z\) until.*/\1/p' "$T/last.out")
until=$(sed -n 's/^locked: .* until \([0-9]*Z\)$/\1/p' "$T/last.out")
expect_eq "... until = since + pwdLockoutDuration (900 s)" \
	"$(( $(date -u -d "${until:0:8} ${until:8:2}:${until:10:2}:${until:12:2}" +%s) - \
	     $(date -u -d "${since:0:8} ${since:8:2}:${since:10:2}:${since:12:2}" +%s) ))" 900
check "account show --json" $G --json account show "$A"
expect_eq "... JSON: locked by failed logins, 10 of them" \
	"$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(a["locked"]["by"], a["failed_logins"])' "$T/last.out")" \
	"failed-logins 10"
check "account list --status locked" $G account list --status locked
expect_eq "... lists annv alone, as active+locked" "$(cut -f1,2 "$T/last.out")" "$A	active+locked"

check "account unlock" $G account unlock "$A"
expect_re "... says what it lifted" "$(cat "$T/last.out")" "$A is unlocked \\(it was locked after 10 failed logins\\)"
check "the right password binds again" binds "$U" "$PW"
expect_eq "... the failures are forgotten" "$(failures "$U")" 0
expect_re "... SMTP AUTH works again" "$(auth "$A" "$PW")" '^235 2\.7\.0'
check "account show" $G account show "$A"
if grep -q '^locked:' "$T/last.out"; then not_ok "account show: no lock any more"; else
	ok "account show: no lock any more"; fi
check "account list --status locked" $G account list --status locked
expect_eq "... lists nobody" "$(cat "$T/last.out")" ""

for i in 1 2 3; do binds "$U" "wrong-$i"; done
check "unlock with 3 failures and no lock" $G account unlock "$A"
expect_re "... forgets them" "$(cat "$T/last.out")" '3 failed logins forgotten'
expect_eq "... slapd has none left" "$(failures "$U")" 0
check "unlock of an account that is not locked: nothing to do" $G account unlock "$A"
expect_re "... says so" "$(cat "$T/last.out")" "$A is not locked"

# --- the administrative lock of a compromised account ---------------------------------
check_rc "account lock without --reason: usage (64)" 64 $G account lock "$A"
check_rc "account lock with a control character in the reason: 65" 65 \
	$G account lock "$A" --reason "$(printf 'a\tb')"
REASON="mật khẩu lộ qua email lừa đảo (phiếu 2026-118)"
check "account lock --reason" $G account lock "$A" --reason "$REASON"
expect_re "... says that mail is still delivered" "$(cat "$T/last.out")" \
	"$A is now locked: it cannot log in; mail to it is still delivered"
expect_eq "pwdAccountLockedTime is ppolicy's permanent lock" "$(locked_time "$U")" 000001010000Z
check_rc "the right password no longer binds (49)" 49 ldapwhoami -x -H "$LDAP_URI" -D "$U" -w "$PW"
expect_eq "SMTP AUTH: refused with the reply of a wrong password" "$(auth "$A" "$PW")" "$WRONG_REPLY"
expect_re "mail to the locked account is still accepted (RCPT 250)" "$(rcpt "$A")" '^250 2\.1\.5'
check "account show" $G account show "$A"
expect_re "account show: locked by an administrator, since when, why" "$(cat "$T/last.out")" \
	'locked: +by an administrator since [0-9]{14}Z: mật khẩu lộ qua email lừa đảo \(phiếu 2026-118\)$'
expect_re "... status still active (it receives mail)" "$(cat "$T/last.out")" 'status: +active'
check "account show --json" $G --json account show "$A"
expect_eq "... JSON: by the administrator, with the reason" \
	"$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["locked"]; print(l["by"], l["reason"])' "$T/last.out")" \
	"administrator $REASON"
check "account list --status locked" $G account list --status locked
expect_eq "... lists annv" "$(cut -f1,2 "$T/last.out")" "$A	active+locked"
n=$(grep -c '"op":"account.lock"' "$T/audit.log")
check "locking again" $G account lock "$A" --reason "another reason"
expect_re "... says it already is" "$(cat "$T/last.out")" "$A is already locked"
expect_eq "... and changes nothing (no audit line)" "$(grep -c '"op":"account.lock"' "$T/audit.log")" "$n"
for i in 1 2 3 4 5 6 7 8 9 10 11; do binds "$U" "wrong-$i"; done
check "failed binds while locked do not replace the lock" $G account show "$A"
expect_re "... still the administrator's" "$(cat "$T/last.out")" "locked: +by an administrator"

# A password reset by the administrator would lift ppolicy's lock (slapd
# clears pwdAccountLockedTime on a password change); govmailctl keeps it.
check "account passwd of the locked account" sh -c "printf '%s\n' 'Mat-khau-moi-sau-su-co' | $G account passwd $A"
expect_eq "... the lock stays" "$(locked_time "$U")" 000001010000Z
check_rc "... the new password does not bind while locked" 49 \
	ldapwhoami -x -H "$LDAP_URI" -D "$U" -w 'Mat-khau-moi-sau-su-co'

# --- suspended is not locked ------------------------------------------------------------
check "binhtt suspended" $G account suspend binhtt@haugiang.gov.vn --reason "nghỉ phép"
check_rc "a suspended account cannot bind" 49 \
	ldapwhoami -x -H "$LDAP_URI" -D "uid=binhtt,ou=accounts,$LDAP_BASE" -w "$PW"
expect_re "... nor log in through govmaild" "$(auth binhtt@haugiang.gov.vn "$PW")" '^535 5\.7\.8'
expect_re "... and mail to it is refused as before (550 5.1.1)" "$(rcpt binhtt@haugiang.gov.vn)" \
	'^550 5\.1\.1 <binhtt@haugiang\.gov\.vn>: Recipient address rejected: the account is suspended'
check "account show binhtt" $G account show binhtt@haugiang.gov.vn
if grep -q '^locked:' "$T/last.out"; then not_ok "... is not shown as locked"; else
	ok "... is not shown as locked"; fi
check "account list --status suspended" $G account list --status suspended
expect_eq "... lists binhtt, not annv" "$(cut -f1,2 "$T/last.out")" "binhtt@haugiang.gov.vn	suspended"

# --- unlock ----------------------------------------------------------------------------
check "account unlock" $G account unlock "$A"
expect_re "... says it was the administrator's lock" "$(cat "$T/last.out")" \
	"$A is unlocked \\(it was locked by an administrator\\)"
check "the new password binds" binds "$U" 'Mat-khau-moi-sau-su-co'
expect_re "... and SMTP AUTH accepts it" "$(auth "$A" 'Mat-khau-moi-sau-su-co')" '^235 2\.7\.0'
t_ldapsearch -b "$U" -s base objectClass govmailLockReason govmailLockedTime >"$T/after.ldif"
if grep -qiE 'govmailLock' "$T/after.ldif"; then not_ok "the lock record (govmailLock) is removed"
else ok "the lock record (govmailLock) is removed"; fi

# --- a lockout ends by itself after pwdLockoutDuration ------------------------------------
policy_duration() {
	printf 'dn: cn=password-policy,ou=system,%s\nchangetype: modify\nreplace: pwdLockoutDuration\npwdLockoutDuration: %s\n' \
		"$LDAP_BASE" "$1" | ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE"
}
check "the policy's lockout shortened to 2 s for this test" policy_duration 2
for i in 1 2 3 4 5 6 7 8 9 10; do binds "$U" "wrong-$i"; done
# (not "the right password fails now": on a loaded machine 2 s may be over)
expect_re "locked out again" "$(locked_time "$U")" '^[0-9]{14}Z$'
check "... and binds again once pwdLockoutDuration has passed (no unlock needed)" \
	wait_for binds "$U" 'Mat-khau-moi-sau-su-co'
expect_eq "... the good login cleared the lock and the failures" "$(locked_time "$U") $(failures "$U")" " 0"
check "the policy's lockout back to 900 s" policy_duration 900

# --- the audit log ------------------------------------------------------------------------
expect_re "audit: the lock, with the account and what changed" "$(cat "$T/audit.log")" \
	"\"op\":\"account.lock\",\"target\":\"$A\",\"dn\":\"$U\",\"attrs\":\\[[^]]*\"pwdAccountLockedTime\""
expect_re "audit: ... with the values: locked no -> administrator, and the reason" \
	"$(grep '"op":"account.lock"' "$T/audit.log" | head -n 1)" \
	'"changes":\[\{"field":"locked","old":"no","new":"administrator"\},\{"field":"lock_reason","old":null,"new":"[^"]*lừa đảo'
expect_eq "audit: the three unlocks" "$(grep -c "\"op\":\"account.unlock\",\"target\":\"$A\"" "$T/audit.log")" 3
expect_re "audit: an unlock says what it lifted" \
	"$(grep "\"op\":\"account.unlock\",\"target\":\"$A\"" "$T/audit.log" | head -n 1)" \
	'"changes":\[\{"field":"locked","old":"(administrator|failed-logins)","new":"no"\}'
if grep '"op":"account.lock"' "$T/audit.log" | grep -q '"source":"account passwd"' &&
	! grep '"source":"account passwd"' "$T/audit.log" | grep -q 'lock_reason'; then
	ok "audit: the lock set again after account passwd keeps its first reason"
else not_ok "audit: the lock set again after account passwd keeps its first reason"; fi

echo "1..$T_N"
