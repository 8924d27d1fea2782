#!/usr/bin/env bash
# test_ldap_setup.sh — govmail-ldap-setup against slapd as Debian's package
# leaves it (scripts/ldap-sandbox --bare: cn=config, one bare mdb database).
#
# A dry run changes nothing; the real run loads modules, schema, indexes,
# limits, ACLs, the unique overlay, containers and the five service
# identities exactly as ldap-schema/govmail-db.ldif.example says; a second
# run changes nothing. Then, with the 10,300 sample accounts: the identities
# bind with their password files, Postfix's example maps answer through
# `postmap -q` (over ldaps:// with the examples' TLS settings) and Dovecot's
# example filters as cn=dovecot, which also gets every account in one
# unpaged search while cn=govmaild stops at 1000; neither can read
# passwords or write. A database with ACLs of its own is refused without
# --force. Finally test_account.sh runs against such a directory
# (GOVMAIL_TEST_LDAP=bare-setup).

# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SETUP=$TOP/src/govmail-ldap-setup/govmail-ldap-setup
SANDBOX=$TOP/scripts/ldap-sandbox
DBFILE=$TOP/ldap-schema/govmail-db.ldif.example

for p in /usr/sbin/slapd slappasswd ldapsearch ldapadd ldapmodify ldapwhoami openssl postmap mandoc; do
	command -v "$p" >/dev/null || { echo "Bail out! $p missing (scripts/install-deps)"; exit 1; }
done
PF=$T/postfix
mkdir -p "$PF"
: >"$PF/main.cf"    # postmap and postconf -c need one; the defaults do
postconf -c "$PF" -m 2>/dev/null | grep -qx ldap ||
	{ echo "Bail out! postfix-ldap missing (scripts/install-deps)"; exit 1; }

# --- helpers --------------------------------------------------------------------


# conf_ldif [ARGS]: cn=config as root over ldapi, with operational attributes
# (a modify changes modifyTimestamp), sorted per entry by the server.
conf_ldif() {
	ldapsearch -Y EXTERNAL -Q -H "$LDAPI_URI" -LLL -o ldif-wrap=no -b cn=config "$@" '*' +
}
# snapshot: cn=config and the data (as the rootDN), for "nothing changed".
snapshot() {
	conf_ldif
	ldapsearch -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -LLL -o ldif-wrap=no \
		-b "$LDAP_BASE" '*' + 2>&1
}

# want_values ATTR: the values of ATTR in govmail-db.ldif.example for this
# sandbox, unfolded, blanks collapsed, without {N}.
want_values() {
	sed -e 's/@DATABASE@/olcDatabase={1}mdb,cn=config/g' -e "s/@BASE@/$LDAP_BASE/g" "$DBFILE" |
		python3 -c '
import re, sys
attr = sys.argv[1].lower()
text = re.sub(r"\n ", "", "".join(l for l in sys.stdin if not l.startswith("#")))
for line in text.splitlines():
    k, _, v = line.partition(": ")
    if k.lower() == attr:
        print(re.sub(r"\s+", " ", re.sub(r"^\{\d+\}", "", v)).strip())' "$1"
}
# have_values DN ATTR: the same of a cn=config entry.
have_values() {
	ldapsearch -Y EXTERNAL -Q -H "$LDAPI_URI" -LLL -o ldif-wrap=no -b "$1" -s base "$2" |
		sed -n "s/^$2: //p" | sed -e 's/^{[0-9]*}//' -e 's/[[:space:]][[:space:]]*/ /g' -e 's/ $//'
}

DB='olcDatabase={1}mdb,cn=config'

# --- the tool itself ------------------------------------------------------------

check "govmail-ldap-setup --help exits 0" "$SETUP" --help
expect_match "--help names the options" "$(cat "$T/last.out")" "--base(.|\n)*--reset-password(.|\n)*--dry-run(.|\n)*--force"
check_rc "an unknown option is a usage error (2)" 2 "$SETUP" --frobnicate
check_rc "a non-ldapi URI is refused" 1 "$SETUP" -H ldap://127.0.0.1/ --dry-run
# (mandoc also reports cross references missing from this machine's
# mandoc.db, which says nothing about the page.)
expect_eq "man page is clean under mandoc -Tlint" \
	"$(mandoc -Tlint "$TOP/man/govmail-ldap-setup.8" 2>&1 | grep -v 'outdated mandoc.db'; echo "exit ${PIPESTATUS[0]}")" "exit 0"

# --- a slapd as Debian's package leaves it, with TLS ----------------------------

t_make_ca "$T/ca" || { echo "Bail out! cannot make the test CA"; exit 1; }
t_make_ca "$T/otherca" || { echo "Bail out! cannot make the second CA"; exit 1; }
"$SANDBOX" start "$T/ldap" --bare --tls "$T/ca/server.crt" "$T/ca/server.key" >"$T/sandbox.out" 2>&1 || {
	cat "$T/sandbox.out" >&2; echo "Bail out! bare sandbox did not start"; exit 1; }
t_on_exit "'$SANDBOX' stop '$T/ldap'"
set -a; . "$T/ldap/env"; set +a
ok "bare sandbox started (Debian's cn=config, empty mdb database)"
expect_eq "bare sandbox has no govmail schema and Debian's ACLs" \
	"$(conf_ldif -s sub '(cn=*govmail)' dn | grep -c '^dn:'):$(have_values "$DB" olcAccess | tail -1)" \
	"0:to * by * read"

# --- dry run, real run, second run -------------------------------------------------

SECRETS=$T/secrets
snapshot >"$T/before.ldif"
check "dry run succeeds" "$SETUP" -H "$LDAPI_URI" -S "$SECRETS" --dry-run
dry=$(cat "$T/last.out")
expect_match "dry run says what it would load" "$dry" \
	"would load module\(s\) unique ppolicy pw-sha2(.|\n)*would load the govmail schema(.|\n)*would add cn=dovecot,ou=system,o=govmail"
snapshot >"$T/after-dry.ldif"
check "dry run changed nothing in cn=config or the data" cmp "$T/before.ldif" "$T/after-dry.ldif"
check_rc "dry run wrote no secrets" 1 test -e "$SECRETS"

# A server that has the govmail schema of a version before account name
# search (no govmailFoldedName, no govmailPersonSearch): the run completes
# it by additions, as an upgrade needs.
python3 - "$TOP/ldap-schema/govmail.ldif" >"$T/old-schema.ldif" <<'PY'
import sys
skip = False
for line in open(sys.argv[1]):
    if line.startswith("  ") and skip:
        continue
    skip = any("'%s'" % n in line for n in (
        "govmailFoldedName", "govmailPersonSearch", "govmailRoleGrant",
        "govmailTokenId", "govmailTokenHash", "govmailApiRole", "govmailAllowFrom",
        "govmailTokenCreated", "govmailTokenExpires", "govmailCreatedBy",
        "govmailApiToken", "govmailRoleHolder", "govmailIdemId", "govmailIdemBodyHash",
        "govmailIdemState", "govmailIdemStatus", "govmailIdemAccount",
        "govmailIdemClaimed", "govmailIdemClaim"))
    if not skip:
        sys.stdout.write(line)
PY
check "an older govmail schema (before name search) is loaded" \
	ldapadd -Y EXTERNAL -Q -H "$LDAPI_URI" -f "$T/old-schema.ldif"
check "govmail-ldap-setup prepares the directory" "$SETUP" -H "$LDAPI_URI" -S "$SECRETS"
run1=$(cat "$T/last.out")
expect_match "it adds the name search definitions to the older schema" "$run1" \
	"add to the govmail schema: govmailallowfrom govmailapirole govmailcreatedby govmailfoldedname govmailidemaccount govmailidembodyhash govmailidemclaimed govmailidemid govmailidemstate govmailidemstatus govmailrolegrant govmailtokencreated govmailtokenexpires govmailtokenhash govmailtokenid govmailapitoken govmailidemclaim govmailpersonsearch govmailroleholder"
expect_match "it says what it changed" "$run1" \
	"load module\(s\) unique ppolicy pw-sha2(.|\n)*set govmail's [0-9]+ ACLs; Debian's default ACLs(.|\n)*add the password policy overlay(.|\n)*set olcPasswordHash: \{CRYPT\}(.|\n)*add the password policy cn=password-policy(.|\n)*done: 24 change\(s\)"
expect_match "it prints where the passwords are" "$run1" "^  $SECRETS/dovecot.pw$"

mods=$(conf_ldif -s one '(objectClass=olcModuleList)' olcModuleLoad | sed -n 's/^olcModuleLoad: {[0-9]*}//p' | sort | tr '\n' ' ')
expect_eq "modules back_mdb, ppolicy, pw-sha2, unique are loaded" "$mods" "back_mdb ppolicy pw-sha2 unique "
expect_eq "govmail schema loaded once" "$(conf_ldif -s sub '(cn=*govmail)' dn | grep -c '^dn: cn={[0-9]*}govmail,cn=schema,cn=config$')" 1
expect_eq "35 govmail attribute types published" "$(ldapsearch -x -H "$LDAP_URI" -b cn=Subschema -s base -LLL \
	-o ldif-wrap=no attributeTypes | grep -c "NAME 'govmail")" 35
# Every index of the file is there (Debian's are kept, one value per attribute).
idx_missing=$(python3 - "$(want_values olcDbIndex)" "$(have_values "$DB" olcDbIndex)" <<'PY'
import sys
def parse(text):
    m = {}
    for v in text.splitlines():
        attrs, _, types = v.partition(" ")
        for a in attrs.split(","):
            m.setdefault(a.lower(), set()).update(t for t in types.replace(" ", "").split(",") if t)
    return m
want, have = parse(sys.argv[1]), parse(sys.argv[2])
print(" ".join(f"{a}:{t}" for a in want for t in sorted(want[a]) if t not in have.get(a, set())))
for a in ("uidnumber", "gidnumber", "member", "memberuid"):
    if a not in have: print("lost", a)
PY
)
expect_eq "every index of govmail-db.ldif.example is set, Debian's kept" "$idx_missing" ""
expect_eq "olcSizeLimit as in the file" "$(have_values "$DB" olcSizeLimit)" "$(want_values olcSizeLimit)"
expect_eq "olcAddContentAcl TRUE" "$(have_values "$DB" olcAddContentAcl)" "TRUE"
expect_eq "olcLimits: cn=dovecot unlimited" "$(have_values "$DB" olcLimits)" "$(want_values olcLimits)"
expect_eq "olcAccess is exactly the file's (Debian's default rules gone)" \
	"$(have_values "$DB" olcAccess)" "$(want_values olcAccess)"
expect_eq "unique overlay with the file's URIs" \
	"$(have_values "olcOverlay={0}unique,$DB" olcUniqueURI)" "$(want_values olcUniqueURI)"
expect_eq "password policy overlay: the file's policy, cleartext hashed, a locked account answers as a wrong password" \
	"$(for a in olcPPolicyDefault olcPPolicyHashCleartext olcPPolicyUseLockout; do
		have_values "olcOverlay={1}ppolicy,$DB" $a; done | tr '\n' ' ')" \
	"cn=password-policy,ou=system,$LDAP_BASE TRUE FALSE "
expect_eq "slapd hashes passwords with yescrypt" \
	"$(have_values 'olcDatabase={-1}frontend,cn=config' olcPasswordHash) $(have_values cn=config olcPasswordCryptSaltFormat)" \
	'{CRYPT} $y$j9T$%.24s'
dns=$(ldapsearch -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -b "$LDAP_BASE" -LLL dn |
	sed -n 's/^dn: //p' | sort | tr '\n' ' ')
expect_eq "containers, the password policy and the five identities exist" "$dns" "$(printf '%s\n' "$LDAP_BASE" \
	"cn=password-policy,ou=system,$LDAP_BASE" "cn=service-policy,ou=system,$LDAP_BASE" \
	"ou=accounts,$LDAP_BASE" "ou=agencies,$LDAP_BASE" "ou=domains,$LDAP_BASE" "ou=system,$LDAP_BASE" \
	"ou=tokens,$LDAP_BASE" "ou=idempotency,$LDAP_BASE" "cn=govmail-apid,ou=system,$LDAP_BASE" \
	"cn=govmailctl,ou=system,$LDAP_BASE" "cn=govmaild,ou=system,$LDAP_BASE" \
	"cn=postfix,ou=system,$LDAP_BASE" "cn=dovecot,ou=system,$LDAP_BASE" | sort | tr '\n' ' ')"
expect_eq "secrets: directory 700, five files 600" \
	"$(stat -c %a "$SECRETS" "$SECRETS"/*.pw | tr '\n' ' ')" "700 600 600 600 600 600 "
expect_eq "each secret is 48 hex digits, no newline" \
	"$(for f in "$SECRETS"/*.pw; do grep -cE '^[0-9a-f]{48}$' "$f"; wc -c <"$f"; done | tr '\n' ' ')" \
	"1 48 1 48 1 48 1 48 1 48 "
stored=$(ldapsearch -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -LLL -o ldif-wrap=no \
	-b "cn=postfix,ou=system,$LDAP_BASE" -s base userPassword | sed -n 's/^userPassword:: //p' | base64 -d)
expect_match "identity passwords are stored as {SSHA512}" "$stored" '^\{SSHA512\}'
for n in govmailctl govmaild govmail-apid postfix dovecot; do
	check "cn=$n binds with its password file" \
		ldapwhoami -x -H "$LDAP_URI" -D "cn=$n,ou=system,$LDAP_BASE" -y "$SECRETS/$n.pw"
done

snapshot >"$T/after1.ldif"
md5sum "$SECRETS"/*.pw >"$T/secrets.md5"
check "second run succeeds" "$SETUP" -H "$LDAPI_URI" -S "$SECRETS"
expect_match "second run says there is nothing to change" "$(cat "$T/last.out")" \
	"nothing to change: o=govmail in olcDatabase=\{1\}mdb,cn=config is set up for govmail"
snapshot >"$T/after2.ldif"
check "second run changed nothing in cn=config or the data" cmp "$T/after1.ldif" "$T/after2.ldif"
check "second run kept the secrets" md5sum -c --quiet "$T/secrets.md5"
check "a dry run now also finds nothing to change" "$SETUP" -H "$LDAPI_URI" -S "$SECRETS" -n
expect_match "... and says so" "$(cat "$T/last.out")" "nothing to change"

# An installation an earlier govmail made: a policy without lockout
# (pwdLockout FALSE, no pwdMaxFailure), no service policy, identities
# without pwdPolicySubentry; and an administrator's own pwdMinLength.
PPDN="cn=password-policy,ou=system,$LDAP_BASE"
admin_modify() { ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE"; }
check "the policy made as an earlier govmail did" admin_modify <<EOF
dn: $PPDN
changetype: modify
replace: pwdLockout
pwdLockout: FALSE
-
delete: pwdMaxFailure
-
delete: pwdFailureCountInterval
-
delete: pwdLockoutDuration
-
delete: pwdMaxAge
-
delete: pwdExpireWarning
-
replace: pwdMinLength
pwdMinLength: 14

dn: cn=postfix,ou=system,$LDAP_BASE
changetype: modify
delete: pwdPolicySubentry

dn: cn=service-policy,ou=system,$LDAP_BASE
changetype: delete
EOF
check "govmail-ldap-setup on it" "$SETUP" -H "$LDAPI_URI" -S "$SECRETS"
expect_match "it completes the policy, turning the earlier default lockout on" "$(cat "$T/last.out")" \
	"complete the password policy $PPDN: pwdExpireWarning: 1209600; pwdFailureCountInterval: 900; pwdLockout: TRUE \(was FALSE, the earlier govmail's default\); pwdLockoutDuration: 900; pwdMaxAge: 0; pwdMaxFailure: 10"
expect_match "... adds the service policy and gives it to cn=postfix" "$(cat "$T/last.out")" \
	"add the password policy cn=service-policy(.|\n)*give cn=postfix,ou=system,$LDAP_BASE the service password policy"
expect_match "... keeps the administrator's pwdMinLength, and says so" "$(cat "$T/last.err")" \
	"warning: $PPDN has pwdMinLength: 14 \(govmail's default: 12\); kept"
expect_eq "the policy now: lockout on, the administrator's length" \
	"$(ldapsearch -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -LLL -b "$PPDN" -s base \
		pwdLockout pwdMaxFailure pwdMinLength | grep '^pwd' | sort | tr '\n' ' ')" \
	"pwdLockout: TRUE pwdMaxFailure: 10 pwdMinLength: 14 "
check "a run after it" "$SETUP" -H "$LDAPI_URI" -S "$SECRETS"
expect_match "... has nothing to change (the administrator's value is kept)" "$(cat "$T/last.out")" "nothing to change"

# Rotating one password.
cp "$SECRETS/postfix.pw" "$T/postfix.old"
check "--reset-password postfix" "$SETUP" -H "$LDAPI_URI" -S "$SECRETS" --reset-password postfix
expect_match "it names the new password file" "$(cat "$T/last.out")" \
	"set a new password for cn=postfix,ou=system,o=govmail \($SECRETS/postfix.pw\)(.|\n)*done: 1 change"
check_rc "the old postfix password no longer binds (49)" 49 \
	ldapwhoami -x -H "$LDAP_URI" -D "cn=postfix,ou=system,$LDAP_BASE" -y "$T/postfix.old"
check "the new postfix password binds" \
	ldapwhoami -x -H "$LDAP_URI" -D "cn=postfix,ou=system,$LDAP_BASE" -y "$SECRETS/postfix.pw"
check "the other secrets are unchanged" md5sum -c --quiet --ignore-missing \
	<(grep -v postfix.pw "$T/secrets.md5")
check_rc "--reset-password of an unknown identity is refused" 1 \
	"$SETUP" -H "$LDAPI_URI" -S "$SECRETS" --reset-password nobody

# --- a province of accounts --------------------------------------------------------

as() { local n=$1; shift; "$@" -x -H "$LDAP_URI" -D "cn=$n,ou=system,$LDAP_BASE" -y "$SECRETS/$n.pw"; }
check "govmailctl adds domains and two accounts" as govmailctl ldapadd <<EOF
dn: govmailDomainName=haugiang.gov.vn,ou=domains,$LDAP_BASE
objectClass: govmailDomain
govmailDomainName: haugiang.gov.vn
govmailDomainStatus: active

dn: govmailDomainName=old.gov.vn,ou=domains,$LDAP_BASE
objectClass: govmailDomain
govmailDomainName: old.gov.vn
govmailDomainStatus: alias
govmailAliasTarget: haugiang.gov.vn

dn: uid=annv,ou=accounts,$LDAP_BASE
objectClass: inetOrgPerson
objectClass: govmailAccount
uid: annv
cn: Nguyễn Văn An
sn: Nguyễn
mail: annv@haugiang.gov.vn
govmailAlias: vanthu.snv@haugiang.gov.vn
govmailAlias: annv@old.gov.vn
govmailForward: an.nguyen@cantho.gov.vn
govmailQuota: 2147483648
govmailAccountStatus: active
govmailAgency: snv
userPassword: {SSHA}placeholder-not-a-real-hash

dn: uid=binhtt,ou=accounts,$LDAP_BASE
objectClass: inetOrgPerson
objectClass: govmailAccount
uid: binhtt
cn: Trần Thị Bình
sn: Trần
mail: binhtt@haugiang.gov.vn
govmailAccountStatus: suspended
govmailAgency: snv
EOF
t_accounts_ldif "$DATA/hr-export.csv" "$LDAP_BASE" >"$T/accounts.ldif"
check "ldapadd of the 10,300 sample accounts" \
	ldapadd -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -f "$T/accounts.ldif"
NACTIVE=$(( $(grep -c '^dn:' "$T/accounts.ldif") + 1 ))

# --- Postfix: the example maps through postmap, over ldaps:// ------------------------

for f in "$TOP"/etc/postfix/ldap-*.cf; do
	sed -e "s|^server_host = .*|server_host = $LDAPS_URI|" \
		-e "s|^bind_pw = .*|bind_pw = $(cat "$SECRETS/postfix.pw")|" \
		-e "s|^tls_ca_cert_file = .*|tls_ca_cert_file = $T/ca/ca.crt|" \
		-e "s|o=govmail$|$LDAP_BASE|" "$f" >"$PF/$(basename "$f")"
done
pq() { postmap -c "$PF" -q "$1" "ldap:$PF/$2"; }
expect_eq "example maps use cn=postfix" "$(grep -h '^bind_dn' "$PF"/*.cf | sort -u)" \
	"bind_dn = cn=postfix,ou=system,$LDAP_BASE"
expect_eq "example maps check the server certificate" \
	"$(grep -h '^tls_require_cert' "$PF"/*.cf | sort -u)" "tls_require_cert = yes"
expect_eq "postmap: mailbox domains" "$(pq haugiang.gov.vn ldap-virtual-mailbox-domains.cf)" "haugiang.gov.vn"
expect_eq "postmap: an alias domain is not a mailbox domain" "$(pq old.gov.vn ldap-virtual-mailbox-domains.cf)" ""
expect_eq "postmap: alias domains" "$(pq old.gov.vn ldap-virtual-alias-domains.cf)" "old.gov.vn"
expect_eq "postmap: mailbox of a primary address" "$(pq annv@haugiang.gov.vn ldap-virtual-mailbox-maps.cf)" "annv/Maildir/"
expect_eq "postmap: mailbox of an alias" "$(pq vanthu.snv@haugiang.gov.vn ldap-virtual-mailbox-maps.cf)" "annv/Maildir/"
expect_eq "postmap: mailbox of a sample account" "$(pq hg100000@haugiang.gov.vn ldap-virtual-mailbox-maps.cf)" "hg100000/Maildir/"
expect_eq "postmap: a suspended account has no mailbox" "$(pq binhtt@haugiang.gov.vn ldap-virtual-mailbox-maps.cf)" ""
expect_eq "postmap: alias map gives primary address and forward" \
	"$(pq vanthu.snv@haugiang.gov.vn ldap-virtual-alias-maps.cf | tr ',' '\n' | sort | tr '\n' ' ')" \
	"an.nguyen@cantho.gov.vn annv@haugiang.gov.vn "
expect_eq "postmap: sender login map gives uid and primary address" \
	"$(pq annv@old.gov.vn ldap-sender-login-maps.cf | tr ',' '\n' | sort | tr '\n' ' ')" "annv annv@haugiang.gov.vn "
sed -i "s|^tls_ca_cert_file = .*|tls_ca_cert_file = $T/otherca/ca.crt|" "$PF/ldap-virtual-mailbox-domains.cf"
check_rc "postmap: a server certificate from another CA is refused" 1 \
	pq haugiang.gov.vn ldap-virtual-mailbox-domains.cf
pfview=$(as postfix ldapsearch -LLL -o ldif-wrap=no -b "ou=accounts,$LDAP_BASE" '(uid=annv)' '*' 2>&1)
expect_eq "cn=postfix reads only what its maps use" \
	"$(printf '%s\n' "$pfview" | sed -n 's/^\([A-Za-z]*\)::\{0,1\} .*/\1/p' | sort -u | tr '\n' ' ')" \
	"dn govmailAccountStatus govmailAlias govmailForward mail objectClass uid "
check_rc "cn=postfix cannot write (50)" 50 as postfix ldapmodify <<EOF
dn: uid=annv,ou=accounts,$LDAP_BASE
changetype: modify
replace: govmailAccountStatus
govmailAccountStatus: suspended
EOF
expect_eq "cn=postfix sees no service identity" \
	"$(as postfix ldapsearch -LLL -b "$LDAP_BASE" '(cn=*)' dn 2>/dev/null | grep -c '^dn:')" 0

# --- Dovecot: the example's filters as cn=dovecot ------------------------------------

DC=$TOP/etc/dovecot/dovecot-ldap.conf.ext
dc_get() { sed -n "s/^$1 = //p" "$DC" | head -1; }
expect_eq "Dovecot example uses cn=dovecot" "$(dc_get dn)" "cn=dovecot,ou=system,o=govmail"
expect_eq "Dovecot example checks the server certificate" "$(dc_get tls_require_cert)" "demand"
# dovecot_search FILTER-KEY LOGIN ATTRS...: the example's search as cn=dovecot.
dovecot_search() {
	local filter
	filter=$(dc_get "$1" | sed "s/%u/$2/g")
	shift 2
	LDAPTLS_CACERT=$T/ca/ca.crt ldapsearch -x -H "$LDAPS_URI" -D "cn=dovecot,ou=system,$LDAP_BASE" \
		-y "$SECRETS/dovecot.pw" -b "ou=accounts,$LDAP_BASE" -s one -LLL -o ldif-wrap=no "$filter" "$@"
}
expect_eq "dovecot pass_filter finds a login by uid" \
	"$(dovecot_search pass_filter annv uid | grep -v '^dn:' | grep . | tr '\n' ' ')" "uid: annv "
expect_eq "dovecot pass_filter finds a login by an old address" \
	"$(dovecot_search pass_filter annv@old.gov.vn uid | grep -v '^dn:' | grep . | tr '\n' ' ')" "uid: annv "
expect_eq "dovecot user_filter gives uid and quota for an alias (LMTP)" \
	"$(dovecot_search user_filter vanthu.snv@haugiang.gov.vn uid govmailQuota | grep -v '^dn:' | grep . | sort | tr '\n' ' ')" \
	"govmailQuota: 2147483648 uid: annv "
expect_eq "dovecot pass_filter does not find a suspended account" \
	"$(dovecot_search pass_filter binhtt uid | grep -c '^uid:')" 0
expect_eq "cn=dovecot reads only what Dovecot uses" \
	"$(dovecot_search user_filter annv '*' | sed -n 's/^\([A-Za-z]*\)::\{0,1\} .*/\1/p' | sort -u | tr '\n' ' ')" \
	"dn govmailAccountStatus govmailAlias govmailQuota mail objectClass uid "
check "dovecot iterate_filter: one unpaged search" dovecot_search iterate_filter x uid
expect_eq "... returns every active account ($NACTIVE, beyond the limit of 1000)" \
	"$(grep -c '^uid: ' "$T/last.out")" "$NACTIVE"
check_rc "the same unpaged search as cn=govmaild stops at the size limit (4)" 4 \
	as govmaild ldapsearch -LLL -b "ou=accounts,$LDAP_BASE" -s one "$(dc_get iterate_filter)" uid
expect_eq "... after 1000 entries" "$(grep -c '^dn: ' "$T/last.out")" 1000
check_rc "cn=dovecot cannot write (50)" 50 as dovecot ldapmodify <<EOF
dn: uid=annv,ou=accounts,$LDAP_BASE
changetype: modify
replace: govmailQuota
govmailQuota: 1
EOF
expect_eq "cn=dovecot cannot read userPassword" \
	"$(as dovecot ldapsearch -LLL -b "uid=annv,ou=accounts,$LDAP_BASE" -s base userPassword | grep -c userPassword)" 0
# A read-only service cannot change its own password (and lock out the
# other hosts that use it); an account can.
(umask 077 && printf 'not-the-password-1234567890' >"$T/newpw")
for n in postfix dovecot govmaild; do
	as "$n" ldappasswd -T "$T/newpw" "cn=$n,ou=system,$LDAP_BASE" >"$T/pw.out" 2>&1
	expect_match "cn=$n cannot change its own password" "$(cat "$T/pw.out")" \
		'Insufficient access \(50\)'
	check "... and still binds with the one on file" as "$n" ldapwhoami
done

# --- a database with settings of its own ------------------------------------------------

# A database with the base dc=..., an ACL for a replication identity and
# another size limit: refused without --force.
"$SANDBOX" start "$T/own" --bare --base dc=haugiang,dc=gov,dc=vn >"$T/own.out" 2>&1 || {
	cat "$T/own.out" >&2; echo "Bail out! second bare sandbox did not start"; exit 1; }
t_on_exit "'$SANDBOX' stop '$T/own'"
OWN_LDAPI=$(sed -n 's/^LDAPI_URI=//p' "$T/own/env")
ldapmodify -Y EXTERNAL -Q -H "$OWN_LDAPI" >/dev/null <<EOF
dn: $DB
changetype: modify
add: olcAccess
olcAccess: {0}to * by dn.exact="cn=replicator,dc=haugiang,dc=gov,dc=vn" read by * break
-
replace: olcSizeLimit
olcSizeLimit: 200

dn: olcDatabase={-1}frontend,cn=config
changetype: modify
replace: olcPasswordHash
olcPasswordHash: {SSHA}
EOF
own_conf() { ldapsearch -Y EXTERNAL -Q -H "$OWN_LDAPI" -LLL -o ldif-wrap=no -b cn=config '*' +; }
own_conf >"$T/own.before"
check_rc "own ACLs and size limit: refused without --force" 1 \
	"$SETUP" -H "$OWN_LDAPI" -b dc=haugiang,dc=gov,dc=vn -S "$T/own-secrets"
expect_match "the refusal shows the database's own ACL and size limit" "$(cat "$T/last.err")" \
	'olcSizeLimit of olcDatabase=\{1\}mdb,cn=config is "200"(.|\n)*cn=replicator(.|\n)*--force'
expect_match "... and its own password hash" "$(cat "$T/last.err")" \
	'olcPasswordHash of olcDatabase=\{-1\}frontend,cn=config is "\{SSHA\}"; govmail needs "\{CRYPT\}"'
own_conf >"$T/own.after"
check "... and changed nothing" cmp "$T/own.before" "$T/own.after"
check_rc "a base no database holds is refused" 1 \
	"$SETUP" -H "$OWN_LDAPI" -b o=govmail -S "$T/own-secrets"
expect_match "... naming the databases there are" "$(cat "$T/last.err")" "no database holds o=govmail(.|\n)*dc=haugiang,dc=gov,dc=vn"
check "--force applies govmail's settings" \
	"$SETUP" -H "$OWN_LDAPI" -b dc=haugiang,dc=gov,dc=vn -S "$T/own-secrets" --force
own_acl=$(ldapsearch -Y EXTERNAL -Q -H "$OWN_LDAPI" -LLL -o ldif-wrap=no -b "$DB" -s base olcAccess |
	sed -n 's/^olcAccess: //p')
expect_match "govmail's rules first" "$own_acl" \
	'^\{0\}to dn.subtree="ou=accounts,dc=haugiang,dc=gov,dc=vn" attrs=userPassword '
expect_match "the database's own rule kept after them" "$own_acl" \
	'^\{17\}to \* by dn.exact="cn=replicator,dc=haugiang,dc=gov,dc=vn" read by \* break$'
expect_eq "... and Debian's default rules too (the base is the suffix: they no longer apply)" \
	"$(printf '%s\n' "$own_acl" | tail -1)" "{20}to * by * read"
expect_eq "... and slapd's password hash becomes yescrypt" \
	"$(ldapsearch -Y EXTERNAL -Q -H "$OWN_LDAPI" -LLL -b 'olcDatabase={-1}frontend,cn=config' -s base olcPasswordHash |
		sed -n 's/^olcPasswordHash: //p')" "{CRYPT}"
check "a run after --force finds nothing to change" \
	"$SETUP" -H "$OWN_LDAPI" -b dc=haugiang,dc=gov,dc=vn -S "$T/own-secrets"
expect_match "... and says so" "$(cat "$T/last.out")" "nothing to change"
check "cn=govmailctl of the dc= base binds" ldapwhoami -x -H "$(sed -n 's/^LDAP_URI=//p' "$T/own/env")" \
	-D "cn=govmailctl,ou=system,dc=haugiang,dc=gov,dc=vn" -y "$T/own-secrets/govmailctl.pw"
"$SANDBOX" stop "$T/own" >/dev/null 2>&1

# An empty database (not even the base entry): it is created.
"$SANDBOX" start "$T/empty" --bare --empty --base o=snv >"$T/empty.out" 2>&1 || {
	cat "$T/empty.out" >&2; echo "Bail out! empty bare sandbox did not start"; exit 1; }
t_on_exit "'$SANDBOX' stop '$T/empty'"
check "an empty database is prepared" "$SETUP" -H "$(sed -n 's/^LDAPI_URI=//p' "$T/empty/env")" \
	-b o=snv -S "$T/empty-secrets"
expect_match "... creating the base entry first" "$(cat "$T/last.out")" \
	"add the base entry o=snv\n.*add ou=domains,o=snv"
check "cn=dovecot of o=snv binds" ldapwhoami -x -H "$(sed -n 's/^LDAP_URI=//p' "$T/empty/env")" \
	-D "cn=dovecot,ou=system,o=snv" -y "$T/empty-secrets/dovecot.pw"
"$SANDBOX" stop "$T/empty" >/dev/null 2>&1

# --- the account tests against a directory prepared this way ------------------------

GOVMAIL_TEST_LDAP=bare-setup bash "$TOP/tests/integration/test_account.sh" >"$T/account.out" 2>&1
rc=$?
npass=$(grep -c '^ok ' "$T/account.out")
nfail=$(grep -c '^not ok ' "$T/account.out")
if [ "$rc" = 0 ] && [ "$nfail" = 0 ] && [ "$npass" -gt 50 ]; then
	ok "test_account.sh against a bare slapd prepared by govmail-ldap-setup: $npass passed"
else
	not_ok "test_account.sh against a bare slapd prepared by govmail-ldap-setup: $npass passed, $nfail failed, exit $rc"
	grep -A3 '^not ok' "$T/account.out" | sed 's/^/#   /' | head -40 >&2
fi

echo "1..$T_N"
