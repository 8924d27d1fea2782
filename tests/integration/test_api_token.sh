#!/usr/bin/env bash
# API tokens and roles (govmail-apid's authorisation, #14) against a real
# sandbox slapd: govmailctl token add prints the token once and stores only
# its hash; the token is accepted (api_token_verify, through the
# tests/tools/api_authz_probe helper bound as cn=govmail-apid) and refused
# with a wrong secret, after expiry, after revocation and from outside its
# networks; its scope follows the agency tree (sub-agencies in, siblings
# and look-alike codes out, hr may not purge); role grant/revoke/list and
# a person's caller; audit records without secrets; and the ACLs: only
# govmailctl and govmail-apid see tokens and roles — not an ordinary
# account, not govmaild.
. "$(dirname "$0")/../lib.sh"

PROBE=$TOP/build/asan/tests/tools/api_authz_probe
[ -x "$PROBE" ] || { echo "Bail out! $PROBE missing (make asan)"; exit 1; }

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
# The daemon's identity: the same file with govmail-apid's DN and password.
sed -e "s|$LDAP_CTL_DN|$LDAP_APID_DN|" -e "s|$LDAP_CTL_PWFILE|$LDAP_APID_PWFILE|" \
	"$T/govmail.conf" >"$T/apid.conf"
probe() { "$PROBE" -c "$T/apid.conf" "$@"; }
as() { local dn=$1 pw=$2; shift 2; ldapsearch -LLL -o ldif-wrap=no -x -H "$LDAP_URI" -D "$dn" -y "$pw" "$@"; }

check "domain add" $G domain add haugiang.gov.vn
# ubnd -> sgd -> sgd-th -> sgd-th-a; syt beside it; xsgd, whose code ends in "sgd"
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh Hậu Giang" --level province
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department --parent ubnd
check "agency add sgd-th" $G agency add sgd-th --name "Trường THPT" --level unit --parent sgd
check "agency add sgd-th-a" $G agency add sgd-th-a --name "Tổ A" --level unit --parent sgd-th
check "agency add syt" $G agency add syt --name "Sở Y tế" --level department --parent ubnd
check "agency add xsgd" $G agency add xsgd --name "Sở X" --level department --parent ubnd
check "account add An (sgd)" $G account add --name "Nguyễn Văn An" --agency sgd
check "account add Bình (syt)" $G account add --name "Trần Thị Bình" --agency syt --generate-password
BINH_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
printf '%s' "$BINH_PW" >"$T/binh.pw"
BINH_DN="uid=binhtt,ou=accounts,$LDAP_BASE"

# --- token add -------------------------------------------------------------
check_rc "token add refuses a missing --allow-from (64)" 64 $G token add --agency sgd --role hr
check_rc "token add refuses host bits in a network (65)" 65 \
	$G token add --agency sgd --role hr --allow-from 10.1.2.3/24
expect_match "... naming the problem" "$(cat "$T/last.err")" "host bits set"
check_rc "token add refuses province-admin (65)" 65 \
	$G token add --agency sgd --role province-admin --allow-from 127.0.0.1
check_rc "token add refuses an unknown agency (67)" 67 \
	$G token add --agency nope --role hr --allow-from 127.0.0.1
check_rc "token add refuses a past --expires (65)" 65 \
	$G token add --agency sgd --role hr --allow-from 127.0.0.1 --expires 2001-01-01
check_rc "token add refuses a malformed --expires (65)" 65 \
	$G token add --agency sgd --role hr --allow-from 127.0.0.1 --expires 3w
expect_eq "nothing was stored by the refusals" \
	"$(t_ldapsearch -b "ou=tokens,$LDAP_BASE" -s one '(objectClass=*)' dn | grep -c '^dn:')" 0

check "token add --agency SGD --role hr (upper-case code)" $G token add --agency SGD --role hr \
	--allow-from 127.0.0.0/8 --allow-from 10.9.0.0/16,2001:db8::/32 --expires 30d --comment "HR vendor X"
TOKEN=$(sed -n 's/^token: //p' "$T/last.out")
ID=$(sed -n 's/^token \([a-z2-7]*\) created:.*/\1/p' "$T/last.out")
expect_match "the token is printed once, gmt_ID_SECRET" "$TOKEN" '^gmt_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$'
expect_eq "... with the id of the summary line" "${TOKEN:4:12}" "$ID"
expect_eq "... on one line of stdout only" "$(grep -c -F -- "$TOKEN" "$T/last.out")" 1
expect_match "a warning says it is shown only now" "$(cat "$T/last.err")" "only time the token is shown"
expect_match "the summary names role, agency and networks" "$(cat "$T/last.out")" \
	"role hr over agency sgd and its sub-agencies, from 127.0.0.0/8,10.9.0.0/16,2001:db8::/32, expires 20"
SECRET=${TOKEN:17}
stored=$(t_ldapsearch -b "ou=tokens,$LDAP_BASE" -s one "(govmailTokenId=$ID)")
expect_match "the entry holds a sha256 hash" "$stored" '^govmailTokenHash: sha256:[0-9a-f]{64}$'
expect_eq "... of the secret, not the secret" "$(printf '%s\n' "$stored" | sed -n 's/^govmailTokenHash: sha256://p')" \
	"$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1)"
if printf '%s' "$stored" | grep -qF -- "$SECRET"; then not_ok "the secret is nowhere in the entry"
else ok "the secret is nowhere in the entry"; fi
expect_match "the entry has role, agency, networks, times, author, comment" "$stored" \
	'govmailApiRole: hr(.|\n)*govmailAgency: sgd(.|\n)*govmailAllowFrom: 10.9.0.0/16(.|\n)*govmailTokenCreated: [0-9]{14}Z(.|\n)*govmailTokenExpires: [0-9]{14}Z(.|\n)*govmailCreatedBy: .+(.|\n)*description: HR vendor X'
if grep -qF -- "$SECRET" "$T/audit.log"; then not_ok "the audit log never has the secret"
else ok "the audit log never has the secret"; fi
expect_match "token.add is audited with its id and settings" "$(grep '"op":"token.add"' "$T/audit.log")" \
	"\"target\":\"$ID\".*\"field\":\"role\",\"old\":null,\"new\":\"hr\".*\"field\":\"agency\",\"old\":null,\"new\":\"sgd\""

# --- verify ----------------------------------------------------------------
check "the token is accepted from 127.0.0.1" probe token "$TOKEN" 127.0.0.1
expect_eq "... as token:ID with its one grant" "$(head -2 "$T/last.out" | tr '\n' ' ')" "caller token:$ID grant hr sgd "
check "... from the IPv6 network" probe token "$TOKEN" 2001:db8:1::5
check "... from an IPv4-mapped client of an allowed network" probe token "$TOKEN" ::ffff:10.9.3.4
check_rc "refused from outside its networks" 1 probe token "$TOKEN" 192.0.2.1
expect_match "... saying so" "$(cat "$T/last.out")" "client 192.0.2.1 is outside its allowed networks"
check_rc "refused with a wrong secret" 1 probe token "${TOKEN%?}$( [ "${TOKEN: -1}" = A ] && echo B || echo A)" 127.0.0.1
expect_match "... saying so" "$(cat "$T/last.out")" "wrong secret"
check_rc "refused when malformed" 1 probe token "gmt_${ID}_short" 127.0.0.1
expect_match "... saying so" "$(cat "$T/last.out")" "^denied: malformed token"
check_rc "refused with an unknown id" 1 probe token "gmt_aaaaaaaaaaaa_${SECRET}" 127.0.0.1
check_rc "refused 31 days from now (expired)" 1 probe token "$TOKEN" 127.0.0.1 +$((31 * 86400))
expect_match "... saying so" "$(cat "$T/last.out")" "expired"
check "still accepted 29 days from now" probe token "$TOKEN" 127.0.0.1 +$((29 * 86400))
if grep -rqF -- "$SECRET" "$T"/last.* ; then not_ok "the probe never prints the secret"
else ok "the probe never prints the secret"; fi

# --- scope through the agency tree -----------------------------------------
check "scope checks" probe token "$TOKEN" 127.0.0.1 \
	account.create sgd account.create sgd-th-a account.move sgd-th account.create syt \
	account.create xsgd account.create ubnd account.purge sgd-th agency.write sgd audit.read -
expect_eq "sub-agencies in; siblings, the parent and a look-alike code out; hr may not purge" \
	"$(sed -n 's/^\(allow\|deny\) //p' "$T/last.out")" \
"account.create sgd
account.create sgd-th-a
account.move sgd-th
account.create syt: agency syt is outside the caller's scope sgd
account.create xsgd: agency xsgd is outside the caller's scope sgd
account.create ubnd: agency ubnd is outside the caller's scope sgd
account.purge sgd-th: role hr may not account.purge
agency.write sgd: role hr may not agency.write
audit.read -: role hr may not audit.read"
# A new sub-agency appears in the scope once the tree is read again (the
# probe is a new process: a fresh snapshot).
check "agency add sgd-new below sgd-th" $G agency add sgd-new --name "Mới" --level unit --parent sgd-th
check "a new sub-agency is in scope" probe token "$TOKEN" 127.0.0.1 account.create sgd-new
expect_match "... allowed" "$(cat "$T/last.out")" "^allow account.create sgd-new$"
check "agency modify: syt moves below sgd" $G agency modify syt --parent sgd
check "a re-parented agency follows its new parent" probe token "$TOKEN" 127.0.0.1 account.create syt
expect_match "... allowed" "$(cat "$T/last.out")" "^allow account.create syt$"
check "agency modify: syt back below ubnd" $G agency modify syt --parent ubnd

# --- list ------------------------------------------------------------------
check "token add auditor for syt" $G token add --agency syt --role auditor --allow-from 10.0.0.1
ID2=$(sed -n 's/^token \([a-z2-7]*\) created:.*/\1/p' "$T/last.out")
check "token list" $G token list
expect_match "list has a header" "$(cat "$T/last.out")" '^ID +AGENCY +ROLE +CREATED +EXPIRES +EXPIRED +ALLOW-FROM$'
expect_match "list shows the hr token" "$(cat "$T/last.out")" \
	"^$ID +sgd +hr +20[0-9-]+T[0-9:]+Z +20[0-9-]+T[0-9:]+Z +no +127.0.0.0/8,10.9.0.0/16,2001:db8::/32  # HR vendor X$"
expect_match "... and the auditor token that never expires" "$(cat "$T/last.out")" \
	"^$ID2 +syt +auditor +20[0-9-]+T[0-9:]+Z +never +no +10.0.0.1$"
if grep -qF -- "$SECRET" "$T/last.out"; then not_ok "list never shows a secret"; else ok "list never shows a secret"; fi
check "token list --agency ubnd (the subtree: both)" $G token list --agency ubnd
expect_eq "... two tokens" "$(grep -c '^[a-z2-7]\{12\} ' "$T/last.out")" 2
check "token list --agency sgd-th (below the token's agency: none)" $G token list --agency sgd-th
expect_eq "... none" "$(cat "$T/last.out")" ""
check "token list --json --agency sgd" $G token list --agency sgd --json
expect_eq "JSON: one token with its fields" "$(python3 -c '
import json, sys
t = json.load(sys.stdin)
print(len(t), t[0]["id"], t[0]["role"], t[0]["agency"], ",".join(t[0]["allow_from"]), t[0]["expired"], "token" in t[0])' <"$T/last.out")" \
	"1 $ID hr sgd 127.0.0.0/8,10.9.0.0/16,2001:db8::/32 False False"
# libfaketime preloaded directly (faketime(1) makes a semaphore named after
# its pid, which a stale one of a killed wrapper can clash with)
FAKELIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
if [ -n "$FAKELIB" ]; then
	check "token list 31 days later" env LD_PRELOAD="$FAKELIB" FAKETIME=+31d \
		"$TOP/bin/govmailctl" token list --agency sgd
	expect_match "... shows it expired" "$(cat "$T/last.out")" "^$ID .* yes  +127"
else
	ok "# SKIP faketime not installed"
fi

# --- revoke ----------------------------------------------------------------
check_rc "revoke of an unknown id (67)" 67 $G token revoke aaaaaaaaaaaa
check_rc "revoke refuses a whole token (65) and does not echo it" 65 $G token revoke "gmt_${ID}_x"
check "token revoke" $G token revoke "$ID"
expect_eq "... says so" "$(cat "$T/last.out")" "token $ID revoked"
check_rc "the revoked token is refused" 1 probe token "$TOKEN" 127.0.0.1
expect_match "... as unknown" "$(cat "$T/last.out")" "unknown"
expect_match "token.revoke is audited" "$(grep '"op":"token.revoke"' "$T/audit.log")" "\"target\":\"$ID\""
check_rc "revoking it again (67)" 67 $G token revoke "$ID"

# --- roles -----------------------------------------------------------------
check_rc "role grant to an unknown account (67)" 67 $G role grant nobody@haugiang.gov.vn --role hr --agency sgd
check_rc "role grant of an unknown role (65)" 65 $G role grant annv --role boss --agency sgd
check_rc "role grant hr without --agency (65)" 65 $G role grant annv --role hr
check_rc "role grant province-admin with --agency (65)" 65 $G role grant annv --role province-admin --agency sgd
check_rc "role grant over an unknown agency (67)" 67 $G role grant annv --role hr --agency nope
check "role grant annv agency-admin sgd" $G role grant annv@haugiang.gov.vn --role agency-admin --agency SGD
expect_eq "... says so" "$(cat "$T/last.out")" "annv@haugiang.gov.vn: role agency-admin sgd granted"
check "granting it again is fine" $G role grant annv --role agency-admin --agency sgd
check "role grant annv auditor syt" $G role grant annv --role auditor --agency syt
check "role grant binhtt province-admin" $G role grant binhtt --role province-admin
check "role list" $G role list
expect_eq "role list: every grant" "$(tr -s ' ' <"$T/last.out")" \
"annv@haugiang.gov.vn agency-admin sgd
annv@haugiang.gov.vn auditor syt
binhtt@haugiang.gov.vn province-admin (all)"
check "role list ADDRESS --json" $G role list annv --json
expect_eq "JSON: annv's two grants" "$(python3 -c '
import json, sys
print(" ".join(g["role"] + ":" + g["agency"] for g in json.load(sys.stdin)))' <"$T/last.out")" \
	"agency-admin:sgd auditor:syt"
expect_match "role.grant is audited" "$(grep '"op":"role.grant"' "$T/audit.log" | head -1)" \
	'"target":"annv@haugiang.gov.vn".*"field":"role","old":null,"new":"agency-admin sgd"'

ANN_DN="uid=annv,ou=accounts,$LDAP_BASE"
check "annv's caller" probe person "$ANN_DN" account.purge sgd-th account.read syt account.modify syt audit.read - \
	account.create ubnd
expect_eq "agency-admin of sgd, auditor of syt" "$(grep -v '^grant' "$T/last.out")" \
"caller annv@haugiang.gov.vn
allow account.purge sgd-th
allow account.read syt
deny account.modify syt: agency syt is outside the caller's scope sgd
allow audit.read -
deny account.create ubnd: agency ubnd is outside the caller's scope sgd"
check "a move keeps the grants (account move annv to syt)" $G account move annv --agency syt
check "annv's caller after the move" probe person "$ANN_DN"
expect_match "... still has both grants" "$(cat "$T/last.out")" "grant agency-admin sgd\ngrant auditor syt"
check "province-admin's caller" probe person "$BINH_DN" account.purge xsgd agency.write ubnd
expect_eq "province-admin may everything" "$(grep -c '^allow' "$T/last.out")" 2
check "account suspend binhtt" $G account suspend binhtt --reason test
check_rc "a suspended person is refused" 1 probe person "$BINH_DN"
expect_match "... as not active" "$(cat "$T/last.out")" "is not active"
check "account resume binhtt" $G account resume binhtt
check_rc "a person without a role is refused" 1 probe person "uid=nobody,ou=accounts,$LDAP_BASE"

check "role revoke annv auditor syt" $G role revoke annv --role auditor --agency syt
check_rc "revoking it again (67)" 67 $G role revoke annv --role auditor --agency syt
check "role revoke annv agency-admin sgd" $G role revoke annv --role agency-admin --agency sgd
check_rc "annv, without roles, is refused" 1 probe person "$ANN_DN"
expect_match "... saying so" "$(cat "$T/last.out")" "has no API role"
expect_eq "the role holder class went with the last grant" \
	"$(t_ldapsearch -b "$ANN_DN" -s base '(objectClass=govmailRoleHolder)' dn | grep -c '^dn:')" 0
expect_match "role.revoke is audited" "$(grep '"op":"role.revoke"' "$T/audit.log" | tail -1)" \
	'"field":"role","old":"agency-admin sgd","new":null'

# --- ACLs ------------------------------------------------------------------
check "role grant annv hr sgd (for the ACL checks)" $G role grant annv --role hr --agency sgd
expect_eq "an ordinary account sees no token entry" \
	"$(as "$BINH_DN" "$T/binh.pw" -b "ou=tokens,$LDAP_BASE" '(objectClass=*)' dn 2>/dev/null | grep -c '^dn:')" 0
expect_eq "... nor another person's roles" \
	"$(as "$BINH_DN" "$T/binh.pw" -b "$ANN_DN" -s base govmailRoleGrant 2>/dev/null | grep -c '^govmailRoleGrant')" 0
check "binhtt sees his own role" as "$BINH_DN" "$T/binh.pw" -b "$BINH_DN" -s base govmailRoleGrant
expect_match "... province-admin" "$(cat "$T/last.out")" "^govmailRoleGrant: province-admin$"
check_rc "... but cannot grant himself one (50)" 50 ldapmodify -x -H "$LDAP_URI" -D "$BINH_DN" -y "$T/binh.pw" <<EOF
dn: $BINH_DN
changetype: modify
add: govmailRoleGrant
govmailRoleGrant: hr sgd
EOF
expect_eq "govmaild sees no token entry" \
	"$(as "$LDAP_DAEMON_DN" "$LDAP_DAEMON_PWFILE" -b "ou=tokens,$LDAP_BASE" '(objectClass=*)' dn 2>/dev/null | grep -c '^dn:')" 0
expect_eq "... nor roles" \
	"$(as "$LDAP_DAEMON_DN" "$LDAP_DAEMON_PWFILE" -b "$ANN_DN" -s base govmailRoleGrant 2>/dev/null | grep -c '^govmailRoleGrant')" 0
expect_eq "govmail-apid reads token hashes" \
	"$(as "$LDAP_APID_DN" "$LDAP_APID_PWFILE" -b "ou=tokens,$LDAP_BASE" -s one govmailTokenHash | grep -c '^govmailTokenHash: sha256:')" 1
check_rc "... but cannot write tokens (50)" 50 ldapadd -x -H "$LDAP_URI" -D "$LDAP_APID_DN" -y "$LDAP_APID_PWFILE" <<EOF
dn: govmailTokenId=bbbbbbbbbbbb,ou=tokens,$LDAP_BASE
objectClass: govmailApiToken
govmailTokenId: bbbbbbbbbbbb
govmailTokenHash: sha256:00
govmailApiRole: agency-admin
govmailAgency: ubnd
govmailAllowFrom: 0.0.0.0/0
govmailTokenCreated: 20260101000000Z
EOF
check_rc "... nor grant roles (50)" 50 ldapmodify -x -H "$LDAP_URI" -D "$LDAP_APID_DN" -y "$LDAP_APID_PWFILE" <<EOF
dn: $BINH_DN
changetype: modify
add: govmailRoleGrant
govmailRoleGrant: hr syt
EOF
check "govmail-apid writes accounts like govmailctl" ldapmodify -x -H "$LDAP_URI" -D "$LDAP_APID_DN" -y "$LDAP_APID_PWFILE" <<EOF
dn: $BINH_DN
changetype: modify
replace: title
title: Chuyên viên
EOF
check_rc "... but not the service identities (50)" 50 ldapmodify -x -H "$LDAP_URI" -D "$LDAP_APID_DN" -y "$LDAP_APID_PWFILE" <<EOF
dn: $LDAP_DAEMON_DN
changetype: modify
replace: description
description: changed
EOF
check_rc "... nor their passwords (50)" 50 ldapmodify -x -H "$LDAP_URI" -D "$LDAP_APID_DN" -y "$LDAP_APID_PWFILE" <<EOF
dn: $LDAP_DAEMON_DN
changetype: modify
replace: userPassword
userPassword: x
EOF
expect_eq "govmail-apid cannot read a password" \
	"$(as "$LDAP_APID_DN" "$LDAP_APID_PWFILE" -b "$BINH_DN" -s base userPassword | grep -c '^userPassword')" 0

