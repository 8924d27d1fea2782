#!/usr/bin/env bash
# test_schema.sh — the govmail LDAP schema, DIT and sandbox against real slapd.
#
# Starts two servers on 127.0.0.1: one from a generated slapd.conf that
# includes ldap-schema/govmail.schema, and the cn=config sandbox of
# scripts/ldap-sandbox (govmail.ldif + govmail-db.ldif.example). Checks that
# both publish the same schema, then exercises the sandbox: binds of active
# and suspended accounts, address and employeeNumber uniqueness (including
# mail vs govmailAlias), the rights of the service identities, paged
# searches and stopping. Prints TAP lines; leaves nothing running.
#
# Not for: govmailctl or govmaild behaviour (their own tests use the sandbox).

# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SANDBOX=$TOP/scripts/ldap-sandbox
SCHEMA_DIR=/etc/ldap/schema

for p in /usr/sbin/slapd slaptest slappasswd ldapsearch ldapadd ldapmodify ldapwhoami; do
	command -v "$p" >/dev/null || { echo "Bail out! $p missing (scripts/install-deps)"; exit 1; }
done

# --- helpers ------------------------------------------------------------------

# ldif_account UID MAIL [ATTR: VALUE]... : LDIF of one account below ou=accounts.
ldif_account() {
	local uid=$1 mail=$2; shift 2
	printf 'dn: uid=%s,ou=accounts,%s\n' "$uid" "$LDAP_BASE"
	printf 'objectClass: inetOrgPerson\nobjectClass: govmailAccount\n'
	printf 'uid: %s\ncn: Test %s\nsn: %s\nmail: %s\n' "$uid" "$uid" "$uid" "$mail"
	printf 'govmailAccountStatus: active\ngovmailAgency: snv-u1\n'
	local kv
	for kv in "$@"; do printf '%s\n' "$kv"; done
	printf '\n'
}

# as_ctl/as_daemon/as_admin CMD ARGS...: run an ldap tool bound as that identity.
as_ctl() { "$@" -x -H "$LDAP_URI" -D "$LDAP_CTL_DN" -y "$LDAP_CTL_PWFILE"; }
as_daemon() { "$@" -x -H "$LDAP_URI" -D "$LDAP_DAEMON_DN" -y "$LDAP_DAEMON_PWFILE"; }

# add_as_ctl LDIF-TEXT: ldapadd as govmailctl, returns ldapadd's status.
add_as_ctl() { printf '%s\n' "$1" | as_ctl ldapadd; }

# modify_as_ctl DN LINES...: one modify operation as govmailctl.
modify_as_ctl() {
	local dn=$1; shift
	{ printf 'dn: %s\nchangetype: modify\n' "$dn"; printf '%s\n' "$@"; } | as_ctl ldapmodify
}

# bind_as DN PWFILE: simple bind, exit status of ldapwhoami (49 = invalid creds).
bind_as() { ldapwhoami -x -H "$LDAP_URI" -D "$1" -y "$2"; }

# govmail_defs URI: govmail attribute types and object classes published in
# cn=Subschema, one per line, whitespace normalised, sorted.
govmail_defs() {
	ldapsearch -x -H "$1" -b cn=Subschema -s base -LLL -o ldif-wrap=no \
		attributeTypes objectClasses |
		grep -E "^(attributeTypes|objectClasses): .*NAME '(govmail)" |
		tr -s ' \t' ' ' | sort
}

# wait_ldap URI PID: 0 when the server answers, 1 if PID died or T_HANG
# seconds passed (a hang guard).
wait_ldap() {
	local end=$((SECONDS + T_HANG))
	while [ "$SECONDS" -lt "$end" ]; do
		t_kill -0 "$2" || return 1
		ldapsearch -x -H "$1" -b "" -s base -LLL -o nettimeout=5 namingContexts >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# --- (a) slapd.conf server with govmail.schema -------------------------------

C=$T/conf
mkdir -p "$C/data"
cat >"$C/slapd.conf" <<EOF
include $SCHEMA_DIR/core.schema
include $SCHEMA_DIR/cosine.schema
include $SCHEMA_DIR/inetorgperson.schema
include $SCHEMA_DIR/nis.schema
include $TOP/ldap-schema/govmail.schema
pidfile $C/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "o=conftest"
rootdn "cn=admin,o=conftest"
directory $C/data
maxsize 10485760
EOF
check "slaptest accepts govmail.schema (slapd.conf form)" slaptest -Q -u -f "$C/slapd.conf"

CONF_URI=""
for _ in 1 2 3; do
	port=$(t_free_port)
	/usr/sbin/slapd -f "$C/slapd.conf" -h "ldap://127.0.0.1:$port/" -d 0 \
		</dev/null >>"$C/slapd.log" 2>&1 &
	conf_pid=$!
	T_PIDS+=("$conf_pid")
	if wait_ldap "ldap://127.0.0.1:$port" "$conf_pid"; then
		CONF_URI="ldap://127.0.0.1:$port"
		break
	fi
	t_kill "$conf_pid"
done
if [ -n "$CONF_URI" ]; then ok "slapd.conf server with govmail.schema answers"; else
	not_ok "slapd.conf server with govmail.schema answers"; sed 's/^/#   /' "$C/slapd.log" >&2; fi

# --- (b) the sandbox (cn=config, govmail.ldif) --------------------------------

t_sandbox_start
ok "ldap-sandbox start"

names=$(sed -n 's/^\(LDAP[A-Z_]*\|SLAPD_PID\)=.*/\1/p' "$T/ldap/env" | tr '\n' ' ')
expect_eq "sandbox env file has the documented variables" "$names" \
	"LDAP_URI LDAPI_URI LDAP_BASE LDAP_ADMIN_DN LDAP_ADMIN_PWFILE LDAP_CTL_DN LDAP_CTL_PWFILE LDAP_DAEMON_DN LDAP_DAEMON_PWFILE LDAP_APID_DN LDAP_APID_PWFILE SLAPD_PID "
expect_eq "sandbox output equals its env file" "$(cat "$T/sandbox.out")" "$(cat "$T/ldap/env")"
expect_eq "password files are mode 600" \
	"$(stat -c %a "$LDAP_ADMIN_PWFILE" "$LDAP_CTL_PWFILE" "$LDAP_DAEMON_PWFILE" "$LDAP_APID_PWFILE" | tr '\n' ' ')" "600 600 600 600 "
check "sandbox status reports running" "$SANDBOX" status "$T/ldap"
check_rc "second start on a running sandbox is refused" 1 "$SANDBOX" start "$T/ldap"
expect_match "refusal names the running sandbox" "$(cat "$T/last.err")" "already holds a running sandbox"
check "root can administer cn=config over ldapi (SASL EXTERNAL)" \
	ldapsearch -Y EXTERNAL -H "$LDAPI_URI" -Q -b cn=config -s base -LLL dn
expect_eq "base DIT has the six containers, the two password policies and three service identities" \
	"$(ldapsearch -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -b "$LDAP_BASE" \
		-LLL -o ldif-wrap=no dn | sed -n 's/^dn: //p' | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "$LDAP_BASE" "ou=accounts,$LDAP_BASE" "ou=agencies,$LDAP_BASE" \
		"ou=domains,$LDAP_BASE" "ou=system,$LDAP_BASE" "cn=govmailctl,ou=system,$LDAP_BASE" \
		"ou=tokens,$LDAP_BASE" "ou=idempotency,$LDAP_BASE" "cn=govmail-apid,ou=system,$LDAP_BASE" \
		"cn=govmaild,ou=system,$LDAP_BASE" "cn=password-policy,ou=system,$LDAP_BASE" "cn=service-policy,ou=system,$LDAP_BASE" |
		sort | tr '\n' ' ')"

# --- (c) both servers publish the same schema --------------------------------

conf_defs=$(govmail_defs "$CONF_URI")
sandbox_defs=$(govmail_defs "$LDAP_URI")
expect_eq "35 govmail attribute types published" \
	"$(printf '%s\n' "$sandbox_defs" | grep -c '^attributeTypes')" 35
expect_eq "8 govmail object classes published (govmailLock, govmailPersonSearch, govmailRoleHolder auxiliaries; govmailApiToken, govmailIdemClaim)" \
	"$(printf '%s\n' "$sandbox_defs" | grep -c '^objectClasses')" 8
expect_eq "govmail.schema and govmail.ldif define identical schema" "$conf_defs" "$sandbox_defs"
# Every govmail name of include/dir_schema.h is defined, and nothing else.
header_names=$(grep -oE '"govmail[A-Za-z]*"' "$TOP/include/dir_schema.h" | tr -d '"' | sort -u)
schema_names=$(printf '%s\n' "$sandbox_defs" | grep -oE "NAME 'govmail[A-Za-z]*'" |
	sed "s/NAME '\(.*\)'/\1/" | sort -u)
expect_eq "schema defines exactly the govmail names of dir_schema.h" "$schema_names" "$header_names"
expect_match "govmailAccount is auxiliary" "$sandbox_defs" "NAME 'govmailAccount' .*AUXILIARY"
expect_match "govmailQuota is a single-valued INTEGER" "$sandbox_defs" \
	"NAME 'govmailQuota' .*SYNTAX 1\.3\.6\.1\.4\.1\.1466\.115\.121\.1\.27 SINGLE-VALUE"

# --- (d) account binds follow govmailAccountStatus ----------------------------

USER_DN="uid=an.nguyen,ou=accounts,$LDAP_BASE"
printf '%s' "S3cret-$RANDOM$RANDOM" >"$T/user.pw"
chmod 600 "$T/user.pw"
hash=$(slappasswd -h '{SSHA512}' -o module-load=pw-sha2 -T "$T/user.pw" 2>/dev/null)
expect_match "slappasswd made an {SSHA512} hash" "$hash" '^\{SSHA512\}'
check "govmailctl adds an account (inetOrgPerson + govmailAccount)" add_as_ctl "$(ldif_account an.nguyen \
	an.nguyen@snv.gov.vn "userPassword: $hash" "employeeNumber: E0001" \
	"govmailAlias: nguyenvanan@snv.gov.vn" "govmailQuota: 2147483648" \
	"govmailMaySendExternal: TRUE" "displayName: Nguyễn Văn An" \
	"govmailStatusChanged: 20240101000000Z")"
check_rc "active account can bind ({SSHA512})" 0 bind_as "$USER_DN" "$T/user.pw"
printf 'wrong' >"$T/wrong.pw"
check_rc "wrong password is refused" 49 bind_as "$USER_DN" "$T/wrong.pw"
check "govmailctl suspends the account" modify_as_ctl "$USER_DN" \
	"replace: govmailAccountStatus" "govmailAccountStatus: suspended" "-" \
	"replace: govmailStatusReason" "govmailStatusReason: nghỉ phép dài hạn"
check_rc "suspended account cannot bind" 49 bind_as "$USER_DN" "$T/user.pw"
check "govmailctl can set a suspended account's password" modify_as_ctl "$USER_DN" \
	"replace: userPassword" "userPassword: $hash"
modify_as_ctl "$USER_DN" "replace: govmailAccountStatus" "govmailAccountStatus: disabled" >/dev/null
check_rc "disabled account cannot bind" 49 bind_as "$USER_DN" "$T/user.pw"
check "govmailctl reactivates the account" modify_as_ctl "$USER_DN" \
	"replace: govmailAccountStatus" "govmailAccountStatus: active"
check_rc "reactivated account can bind again" 0 bind_as "$USER_DN" "$T/user.pw"
self_view=$(ldapsearch -x -H "$LDAP_URI" -D "$USER_DN" -y "$T/user.pw" -b "$USER_DN" -s base -LLL \
	mail userPassword 2>&1)
expect_match "an account reads its own entry" "$self_view" "^dn: $USER_DN"
expect_eq "an account cannot read its own userPassword" "$(printf '%s\n' "$self_view" | grep -c '^userPassword')" 0
expect_eq "anonymous sees no account" \
	"$(ldapsearch -x -H "$LDAP_URI" -b "ou=accounts,$LDAP_BASE" -LLL '(uid=*)' dn 2>/dev/null | grep -c '^dn:')" 0

# --- (e) uniqueness -------------------------------------------------------------

# an.nguyen has mail an.nguyen@ and alias nguyenvanan@ (above).
check_rc "alias equal to another account's mail is refused" 50 add_as_ctl "$(ldif_account binh.tran \
	binh.tran@snv.gov.vn "govmailAlias: an.nguyen@snv.gov.vn")"
check_rc "mail equal to another account's alias is refused" 50 add_as_ctl "$(ldif_account an.nguyen2 \
	nguyenvanan@snv.gov.vn)"
check_rc "mail equal to another account's mail is refused (any case)" 19 add_as_ctl "$(ldif_account an.nguyen3 \
	AN.Nguyen@snv.gov.vn)"
check_rc "alias equal to another account's alias is refused" 19 add_as_ctl "$(ldif_account an.nguyen4 \
	an.nguyen4@snv.gov.vn "govmailAlias: nguyenvanan@snv.gov.vn")"
check_rc "duplicate employeeNumber is refused" 19 add_as_ctl "$(ldif_account an.nguyen5 \
	an.nguyen5@snv.gov.vn "employeeNumber: E0001")"
check "a clean second account is accepted" add_as_ctl "$(ldif_account binh.tran binh.tran@snv.gov.vn \
	"employeeNumber: E0002")"
B_DN="uid=binh.tran,ou=accounts,$LDAP_BASE"
check_rc "modify: adding another account's mail as alias is refused" 50 modify_as_ctl "$B_DN" \
	"add: govmailAlias" "govmailAlias: an.nguyen@snv.gov.vn"
check_rc "modify: replacing mail with another account's alias is refused" 50 modify_as_ctl "$B_DN" \
	"replace: mail" "mail: nguyenvanan@snv.gov.vn"
check_rc "modify: duplicate employeeNumber is refused" 19 modify_as_ctl "$B_DN" \
	"replace: employeeNumber" "employeeNumber: E0001"
check_rc "an address outside [-a-z0-9._+=@] is not writable" 50 modify_as_ctl "$B_DN" \
	"add: govmailAlias" "govmailAlias: b(*)@snv.gov.vn"
check "an account may swap its primary address and an alias in one modify" modify_as_ctl "$USER_DN" \
	"replace: mail" "mail: nguyenvanan@snv.gov.vn" "-" \
	"delete: govmailAlias" "govmailAlias: nguyenvanan@snv.gov.vn" "-" \
	"add: govmailAlias" "govmailAlias: an.nguyen@snv.gov.vn"
check_rc "after the swap the new primary cannot become an alias elsewhere" 50 modify_as_ctl "$B_DN" \
	"add: govmailAlias" "govmailAlias: nguyenvanan@snv.gov.vn"
check_rc "after the swap the old primary (now alias) cannot become a mail elsewhere" 50 \
	modify_as_ctl "$B_DN" "replace: mail" "mail: an.nguyen@snv.gov.vn"
check "a free address can be added as alias" modify_as_ctl "$B_DN" \
	"add: govmailAlias" "govmailAlias: tranbinh@snv.gov.vn"

# --- (f) rights of the service identities ---------------------------------------

daemon_view=$(as_daemon ldapsearch -b "ou=accounts,$LDAP_BASE" -LLL '(uid=an.nguyen)' \
	mail govmailAlias govmailAccountStatus userPassword 2>&1)
expect_match "govmaild reads accounts" "$daemon_view" "mail: nguyenvanan@snv.gov.vn"
expect_match "govmaild reads aliases" "$daemon_view" "govmailAlias: an.nguyen@snv.gov.vn"
expect_eq "govmaild cannot read userPassword" "$(printf '%s\n' "$daemon_view" | grep -c '^userPassword')" 0
check_rc "govmaild cannot modify an account" 50 as_daemon ldapmodify <<EOF
dn: $USER_DN
changetype: modify
replace: govmailQuota
govmailQuota: 1
EOF
check_rc "govmaild cannot add an account" 50 as_daemon ldapadd <<EOF
$(ldif_account daemon.x daemon.x@snv.gov.vn)
EOF
ctl_view=$(as_ctl ldapsearch -b "ou=accounts,$LDAP_BASE" -LLL '(uid=an.nguyen)' '*' 2>&1)
expect_eq "govmailctl cannot read userPassword" "$(printf '%s\n' "$ctl_view" | grep -c '^userPassword')" 0
expect_match "govmailctl reads accounts" "$ctl_view" "govmailQuota: 2147483648"
check "govmailctl modifies an account" modify_as_ctl "$USER_DN" "replace: govmailQuota" "govmailQuota: 1073741824"
check "govmailctl adds an agency and a domain" add_as_ctl "dn: govmailAgencyCode=snv-u1,ou=agencies,$LDAP_BASE
objectClass: govmailAgency
govmailAgencyCode: snv-u1
govmailAgencyName: Sở Nội vụ
govmailAgencyLevel: department
govmailParentAgency: ubnd
govmailMailDomain: snv.gov.vn

dn: govmailDomainName=snv.gov.vn,ou=domains,$LDAP_BASE
objectClass: govmailDomain
govmailDomainName: snv.gov.vn
govmailDomainStatus: active"
check "govmailctl deletes an account" as_ctl ldapdelete "$B_DN"

# --- example Postfix and Dovecot lookups, run as govmaild -----------------------

# cf_get FILE KEY: value of "KEY = value" in a Postfix/Dovecot config file.
cf_get() { sed -n "s/^$2 = //p" "$1" | head -1; }

# example_lookup FILE FILTER-KEY RESULT-ATTRS KEY: what the example map
# returns for KEY (filter with %s/%u replaced, base moved to the sandbox),
# as "attr: value" lines.
example_lookup() {
	local f=$1 filter base
	filter=$(cf_get "$f" "$2" | sed -e "s/%[su]/$4/g")
	base=$(cf_get "$f" search_base; cf_get "$f" base)
	base=${base%o=govmail}$LDAP_BASE
	# shellcheck disable=SC2086
	as_daemon ldapsearch -b "$base" -s one -LLL -o ldif-wrap=no "$filter" $3 |
		grep -v '^dn: ' | grep -v '^$' | sort | tr '\n' ' '
}

PF=$TOP/etc/postfix
check "govmailctl sets a forward" modify_as_ctl "$USER_DN" \
	"replace: govmailForward" "govmailForward: an.nguyen@cantho.gov.vn"
expect_eq "postfix domains map finds an active domain" \
	"$(example_lookup "$PF/ldap-virtual-mailbox-domains.cf" query_filter govmailDomainName snv.gov.vn)" \
	"govmailDomainName: snv.gov.vn "
expect_eq "postfix mailbox map finds the primary address" \
	"$(example_lookup "$PF/ldap-virtual-mailbox-maps.cf" query_filter uid nguyenvanan@snv.gov.vn)" \
	"uid: an.nguyen "
expect_eq "postfix mailbox map finds an alias" \
	"$(example_lookup "$PF/ldap-virtual-mailbox-maps.cf" query_filter uid an.nguyen@snv.gov.vn)" \
	"uid: an.nguyen "
expect_eq "postfix alias map gives primary address and forward" \
	"$(example_lookup "$PF/ldap-virtual-alias-maps.cf" query_filter "mail govmailForward" an.nguyen@snv.gov.vn)" \
	"govmailForward: an.nguyen@cantho.gov.vn mail: nguyenvanan@snv.gov.vn "
expect_eq "postfix sender login map gives uid and primary address" \
	"$(example_lookup "$PF/ldap-sender-login-maps.cf" query_filter "uid mail" an.nguyen@snv.gov.vn)" \
	"mail: nguyenvanan@snv.gov.vn uid: an.nguyen "
DC=$TOP/etc/dovecot/dovecot-ldap.conf.ext
expect_eq "dovecot pass_filter finds a login by uid" \
	"$(example_lookup "$DC" pass_filter uid an.nguyen)" "uid: an.nguyen "
expect_eq "dovecot user_filter finds an alias (LMTP)" \
	"$(example_lookup "$DC" user_filter "uid govmailQuota" an.nguyen@snv.gov.vn)" \
	"govmailQuota: 1073741824 uid: an.nguyen "
expect_eq "dovecot pass_filter finds a login by an alias (old address)" \
	"$(example_lookup "$DC" pass_filter uid an.nguyen@snv.gov.vn)" "uid: an.nguyen "
ldapadd -x -H "$LDAP_URI" -D "$LDAP_CTL_DN" -y "$LDAP_CTL_PWFILE" >/dev/null <<LDIF
dn: govmailDomainName=old.gov.vn,ou=domains,$LDAP_BASE
objectClass: govmailDomain
govmailDomainName: old.gov.vn
govmailDomainStatus: alias
govmailAliasTarget: snv.gov.vn
LDIF
expect_eq "postfix alias-domains map finds an alias domain" \
	"$(example_lookup "$PF/ldap-virtual-alias-domains.cf" query_filter govmailDomainName old.gov.vn)" \
	"govmailDomainName: old.gov.vn "
expect_eq "postfix mailbox-domains map does not list an alias domain" \
	"$(example_lookup "$PF/ldap-virtual-mailbox-domains.cf" query_filter govmailDomainName old.gov.vn)" ""
modify_as_ctl "$USER_DN" "replace: govmailAccountStatus" "govmailAccountStatus: suspended" >/dev/null
expect_eq "postfix mailbox map does not find a suspended account" \
	"$(example_lookup "$PF/ldap-virtual-mailbox-maps.cf" query_filter uid nguyenvanan@snv.gov.vn)" ""
expect_eq "dovecot pass_filter does not find a suspended account" \
	"$(example_lookup "$DC" pass_filter uid an.nguyen)" ""
modify_as_ctl "$USER_DN" "replace: govmailAccountStatus" "govmailAccountStatus: active" >/dev/null

# --- (g) paged results beyond the size limit ----------------------------------

N=1500
python3 - "$N" "$LDAP_BASE" >"$T/bulk.ldif" <<'EOF'
import sys
n, base = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    u = "bulk.%05d" % i
    print(f"dn: uid={u},ou=accounts,{base}\nobjectClass: inetOrgPerson\n"
          f"objectClass: govmailAccount\nuid: {u}\ncn: Bulk {i}\nsn: Bulk\n"
          f"mail: {u}@bulk.gov.vn\ngovmailAlias: alias.{u}@bulk.gov.vn\n"
          f"employeeNumber: B{i:05d}\ngovmailAccountStatus: active\n"
          f"govmailAgency: snv-u1\n")
EOF
check "govmailctl adds $N accounts with one ldapadd" as_ctl ldapadd -c -f "$T/bulk.ldif"
paged=$(as_ctl ldapsearch -b "ou=accounts,$LDAP_BASE" -LLL -E pr=500/noprompt '(mail=bulk.*)' dn 2>&1)
expect_eq "paged search (pr=500) returns all $N entries" "$(printf '%s\n' "$paged" | grep -c '^dn: ')" "$N"
check_rc "unpaged search as govmailctl hits the size limit (4)" 4 \
	as_ctl ldapsearch -b "ou=accounts,$LDAP_BASE" -LLL '(mail=bulk.*)' dn
expect_eq "unpaged search returned the soft limit of 1000" "$(grep -c '^dn: ' "$T/last.out")" 1000

# --- (h) stop ---------------------------------------------------------------------

check "ldap-sandbox stop" "$SANDBOX" stop "$T/ldap"
check_rc "sandbox status reports stopped" 1 "$SANDBOX" status "$T/ldap"
left=$(pgrep -f -- "$T/ldap/slapd.d" || true)
expect_eq "no slapd of the sandbox is left" "$left" ""
if [ -n "$CONF_URI" ]; then
	t_kill "$conf_pid"
	wait "$conf_pid" 2>/dev/null
	check_rc "slapd.conf server stopped" 1 t_kill -0 "$conf_pid"
fi

echo "1..$T_N"
