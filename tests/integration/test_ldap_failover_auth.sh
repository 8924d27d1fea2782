#!/usr/bin/env bash
# test_ldap_failover_auth.sh — SMTP AUTH of govmaild on the replicated
# directory, reading from the consumer (ldap.read_uri): the password is
# checked by a bind on a provider, where the password policy records a
# failed attempt (pwdFailureTime, replicated to the other members), never
# on the read-only consumer while a provider answers; with both providers
# down, the lookups and AUTH go on against the consumer.
. "$(dirname "$0")/../lib.sh"
# glibc's dlerror buffer only (see the file)
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP/tests/integration/lsan-dlerror.supp
G=$GOVMAILCTL
PW='correct horse battery 9'

t_sandbox_start_replicated
P1=${LDAP_PROVIDER_URIS%% *}
C=$LDAP_CONSUMER_URI
t_govmail_conf
sed -i "s|uri = \"$LDAP_URI\";|uri = \"$LDAP_PROVIDER_URIS\";|" "$GOVMAIL_CONF"
check "domain add" "$G" domain add haugiang.gov.vn
check "agency load" "$G" agency load "$DATA/agencies.csv"
check "account annv" "$G" account add --name "Nguyễn Văn An" --agency snv --address annv@haugiang.gov.vn
check "annv's password" sh -c "printf '%s\n' '$PW' | '$G' account passwd annv@haugiang.gov.vn"
if wait_for t_csn_equal $LDAP_PROVIDER_URIS "$C"; then ok "directory replicated to all members"
else not_ok "directory replicated to all members"; fi

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj "/CN=gw.test" -addext "subjectAltName=DNS:gw.test" >/dev/null 2>&1
chmod 600 "$T/key.pem"
PR=$(t_free_port)
PS=$(t_free_port)
NH=$(t_free_port)
start_sink "$T/sink" "$NH"
mkdir -p "$T/spool"
cat >"$T/d.conf" <<CONF
ldap = {
  uri = "$LDAP_PROVIDER_URIS";
  read_uri = "$C";
  bind_dn = "$LDAP_DAEMON_DN";
  bind_password_file = "$LDAP_DAEMON_PWFILE";
  base_dn = "$LDAP_BASE";
  timeout = 120;
};
smtpd = {
  relay_listen = ["127.0.0.1:$PR"];
  submission_listen = ["127.0.0.1:$PS"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
};
tls = { cert_file = "$T/cert.pem"; key_file = "$T/key.pem"; };
next_hop = { port = $NH; starttls = false; };
policy = { trusted_networks = []; cache_ttl = 0; };
CONF
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_started "$T/d.log" "$D" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# auth USER PASS: STARTTLS, AUTH PLAIN; prints the AUTH reply code.
auth() {
	python3 - "$PS" "$1" "$2" "$T/cert.pem" <<'PY' 2>&1
import smtplib, ssl, sys
port, user, pw, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
s = smtplib.SMTP("127.0.0.1", port, timeout=300)
s.ehlo("client.test")
s.starttls(context=ctx)
s.ehlo("client.test")
try:
    code, msg = s.login(user, pw)
except smtplib.SMTPAuthenticationError as e:
    code = e.smtp_code
print(code)
s.quit()
PY
}
# binds_as LOG: lines of a member's slapd log binding as annv.
binds_as() { grep -c 'BIND dn="uid=annv,ou=accounts,' "$1" 2>/dev/null; }

c_before=$(binds_as "$REPL_C/slapd.log")
expect_eq "AUTH with the right password: 235" "$(auth annv@haugiang.gov.vn "$PW")" 235
expect_eq "AUTH with a wrong password: 535" "$(auth annv@haugiang.gov.vn 'wrong password 12')" 535
failure_on() {
	ldapsearch -LLL -x -H "$1" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" \
		-b "$LDAP_BASE" '(uid=annv)' pwdFailureTime 2>/dev/null | grep -q '^pwdFailureTime:'
}
if failure_on "$P1"; then ok "the failed attempt is recorded on provider 1 (ppolicy pwdFailureTime)"
else not_ok "the failed attempt is recorded on provider 1 (ppolicy pwdFailureTime)"; fi
if wait_for failure_on "$C"; then ok "... and replicated to the consumer"
else not_ok "... and replicated to the consumer"; fi
expect_eq "no password bind on the consumer while a provider answers" \
	"$(binds_as "$REPL_C/slapd.log")" "$c_before"
expect_match "the lookups went to the consumer" "$(cat "$REPL_C/slapd.log")" \
	'BIND dn="cn=govmaild,ou=system,'

# Both providers down: the consumer alone answers lookups and AUTH.
check "provider 1 killed" "$TOP/scripts/ldap-sandbox" kill "$REPL_P1"
check "provider 2 killed" "$TOP/scripts/ldap-sandbox" kill "$REPL_P2"
expect_eq "AUTH with both providers down: 235 (checked on the consumer)" \
	"$(auth annv@haugiang.gov.vn "$PW")" 235
if [ "$(binds_as "$REPL_C/slapd.log")" -gt "$c_before" ]; then ok "... by a bind on the consumer"
else not_ok "... by a bind on the consumer"; fi

t_kill "$D" && wait "$D"
expect_eq "govmaild exits cleanly (no sanitizer report)" "$?" 0
