#!/usr/bin/env bash
# test_ldap_tls.sh — ldap.tls_ca_file and ldap.tls_require_cert against a
# sandbox slapd serving StartTLS and ldaps:// with a certificate for
# 127.0.0.1 from a throwaway CA. govmailctl connects with the configured CA
# (StartTLS and ldaps://), refuses a server certificate from another CA or
# for another name (exit 69, saying why), connects with
# tls_require_cert = "never", and the configured settings win over what
# libldap would take from LDAPTLS_* variables and ~/.ldaprc. Config errors
# name FILE:LINE. govmaild reconnects after a SIGHUP that changes the CA.

# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SANDBOX=$TOP/scripts/ldap-sandbox
G=$GOVMAILCTL

t_make_ca "$T/ca" && t_make_ca "$T/other" || { echo "Bail out! cannot make the test CAs"; exit 1; }

"$SANDBOX" start "$T/ldap" --tls "$T/ca/server.crt" "$T/ca/server.key" >"$T/sandbox.out" 2>&1 || {
	cat "$T/sandbox.out" >&2; echo "Bail out! sandbox slapd with TLS did not start"; exit 1; }
t_on_exit "'$SANDBOX' stop '$T/ldap'"
set -a; . "$T/ldap/env"; set +a
expect_match "the sandbox serves ldaps:// too" "$LDAPS_URI" '^ldaps://127\.0\.0\.1:[0-9]+$'
t_govmail_conf
check "domain add (plain ldap://)" "$G" domain add haugiang.gov.vn

# libldap's own defaults come from /etc/ldap/ldap.conf, ~/.ldaprc, ./ldaprc
# and LDAPTLS_* variables: none of the caller's, only what the checks below
# set on purpose.
export HOME=$T/home
mkdir -p "$HOME"
cd "$T" || exit 1
unset LDAPTLS_CACERT LDAPTLS_CACERTDIR LDAPTLS_REQCERT LDAPCONF LDAPRC LDAPNOINIT

# conf NAME URI STARTTLS CA [REQCERT]: $T/NAME.conf for govmailctl.
conf() {
	cat >"$T/$1.conf" <<CONF
ldap = {
  uri = "$2";
  starttls = $3;
  tls_ca_file = "$4";
  tls_require_cert = "${5:-demand}";
  bind_dn = "$LDAP_CTL_DN";
  bind_password_file = "$LDAP_CTL_PWFILE";
  base_dn = "$LDAP_BASE";
  network_timeout = 10;
};
audit = { log_file = "$T/audit.log"; };
CONF
}
PORT=${LDAP_URI##*:}

conf starttls "$LDAP_URI" true "$T/ca/ca.crt"
check "StartTLS with the right CA" "$G" -c "$T/starttls.conf" domain list
expect_match "... reads the directory" "$(cat "$T/last.out")" "haugiang.gov.vn"
conf ldaps "$LDAPS_URI" false "$T/ca/ca.crt"
check "ldaps:// with the right CA" "$G" -c "$T/ldaps.conf" domain list
conf wrong "$LDAP_URI" true "$T/other/ca.crt"
check_rc "StartTLS with another CA: refused, exit 69" 69 "$G" -c "$T/wrong.conf" domain list
expect_match "... saying the certificate did not verify" "$(cat "$T/last.err")" \
	"ldap://127\.0\.0\.1:$PORT.*(certificate verify failed|Connect error)"
conf wrongs "$LDAPS_URI" false "$T/other/ca.crt"
check_rc "ldaps:// with another CA: refused, exit 69" 69 "$G" -c "$T/wrongs.conf" domain list
conf name "ldaps://localhost:${LDAPS_URI##*:}" false "$T/ca/ca.crt"
check_rc "ldaps:// to a name the certificate does not carry: refused (demand)" 69 \
	"$G" -c "$T/name.conf" domain list
conf never "$LDAP_URI" true "$T/other/ca.crt" never
check "tls_require_cert = never: the certificate is not checked" "$G" -c "$T/never.conf" domain list
conf relative "$LDAP_URI" true "ca/ca.crt"
check "a relative tls_ca_file is taken relative to the config file" \
	"$G" -c "$T/relative.conf" domain list

# The configured settings win over libldap's process-wide ones.
check "... over LDAPTLS_CACERT naming another CA" \
	env LDAPTLS_CACERT="$T/other/ca.crt" "$G" -c "$T/starttls.conf" domain list
check_rc "... also when LDAPTLS_CACERT names the right CA" 69 \
	env LDAPTLS_CACERT="$T/ca/ca.crt" "$G" -c "$T/wrong.conf" domain list
check_rc "... and over LDAPTLS_REQCERT=never" 69 \
	env LDAPTLS_REQCERT=never "$G" -c "$T/wrong.conf" domain list
printf 'TLS_CACERT %s\nTLS_REQCERT never\n' "$T/other/ca.crt" >"$HOME/.ldaprc"
check "... over ~/.ldaprc (another CA)" "$G" -c "$T/starttls.conf" domain list
check_rc "... and ~/.ldaprc's TLS_REQCERT never" 69 "$G" -c "$T/wrong.conf" domain list
rm -f "$HOME/.ldaprc"
conf default "$LDAP_URI" true ""
check "tls_ca_file = \"\": libldap's default CA (here LDAPTLS_CACERT) is used" \
	env LDAPTLS_CACERT="$T/ca/ca.crt" "$G" -c "$T/default.conf" domain list
check_rc "... and without one the server's CA is unknown" 69 \
	env LDAPTLS_CACERT="$T/other/ca.crt" "$G" -c "$T/default.conf" domain list

# Configuration errors.
conf missing "$LDAP_URI" true "$T/nonexistent.pem"
check_rc "an unreadable tls_ca_file is a configuration error (78)" 78 "$G" -c "$T/missing.conf" domain list
expect_match "... naming the file" "$(cat "$T/last.err")" "cannot read LDAP TLS CA file $T/nonexistent\.pem"
conf badreq "$LDAP_URI" true "$T/ca/ca.crt" sometimes
check_rc "a bad tls_require_cert is a configuration error (78)" 78 "$G" -c "$T/badreq.conf" domain list
expect_match "... naming FILE:LINE" "$(cat "$T/last.err")" \
	"badreq\.conf:5: ldap\.tls_require_cert: must be never, allow, try, demand or hard"
expect_match "config show -d lists both keys with their defaults" "$("$G" config show -d)" \
	'ldap\.tls_ca_file = ""(.|\n)*ldap\.tls_require_cert = "demand"'

# --- govmaild: the directory over TLS, and a SIGHUP that changes the CA ---------

check "an agency and an account for the sender" sh -c "ldapadd -x -H '$LDAP_URI' -D '$LDAP_ADMIN_DN' \
	-y '$LDAP_ADMIN_PWFILE' >/dev/null <<EOF
dn: govmailAgencyCode=snv,ou=agencies,$LDAP_BASE
objectClass: govmailAgency
govmailAgencyCode: snv
govmailAgencyName: So Noi vu
govmailAgencyLevel: department
EOF
'$G' account add --name 'Nguyễn Văn An' --agency snv"
expect_match "... annv@haugiang.gov.vn" "$(cat "$T/last.out")" "created annv@haugiang\.gov\.vn"
SMTP=$(t_free_port)
NH=$(t_free_port)
start_sink "$T/sink" "$NH"
dconf() {
	cat >"$T/d.conf.new" <<CONF
ldap = {
  uri = "$LDAP_URI";
  starttls = true;
  tls_ca_file = "$1";
  bind_dn = "$LDAP_DAEMON_DN";
  bind_password_file = "$LDAP_DAEMON_PWFILE";
  base_dn = "$LDAP_BASE";
  network_timeout = 5;
};
smtpd = {
  relay_listen = ["127.0.0.1:$SMTP"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
};
next_hop = { port = $NH; };
policy = { relay_domains = []; trusted_networks = ["10.0.0.0/8"]; cache_ttl = 1; };
CONF
	mv "$T/d.conf.new" "$T/d.conf"
}
mkdir -p "$T/spool"
dconf "$T/other/ca.crt"
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$SMTP" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
out=$(smtp_lines "$SMTP" "EHLO mx.example.org" "MAIL FROM:<annv@haugiang.gov.vn>")
expect_match "govmaild with the wrong CA: the directory is unavailable (451 4.3.0)" "$out" '^451 4\.3\.0'
expect_match "... and the log says why" "$(cat "$T/d.log")" "directory unavailable: .*ldap://127\.0\.0\.1:$PORT"
dconf "$T/ca/ca.crt"
# The reload is done when the log says so; a lookup after it uses the new CA.
check "govmaild reloads on SIGHUP" hup_reload "$D" "$T/d.log"
# The failed connect is remembered for up to network_timeout seconds; wait
# for an answer that is not 451, as long as it takes (hang guard: T_HANG).
got="" end=$((SECONDS + T_HANG))
while [ "$SECONDS" -lt "$end" ]; do
	got=$(smtp_lines "$SMTP" "EHLO mx.example.org" "MAIL FROM:<annv@haugiang.gov.vn>" | tail -1)
	case "$got" in 451*) sleep 0.5 ;; *) break ;; esac
done
expect_match "after SIGHUP with the right CA, MAIL FROM an active account is accepted" "$got" '^250 2\.1\.0'

echo "1..$T_N"
