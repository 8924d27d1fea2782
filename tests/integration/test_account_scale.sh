#!/usr/bin/env bash
# A directory of province size: 10,300 accounts (the HR sample) loaded with
# ldapadd, then govmailctl must list every one of them through the
# paged-results control, while an unpaged search hits the server's limit.
. "$(dirname "$0")/../lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL

check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"

t_accounts_ldif "$DATA/hr-export.csv" "$LDAP_BASE" >"$T/accounts.ldif"
expect_eq "generated 10,300 entries" "$(grep -c '^dn:' "$T/accounts.ldif")" "10300"
check "ldapadd of 10,300 accounts" ldapadd -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -f "$T/accounts.ldif"

n=$($G --json account list | python3 -c 'import json,sys; a=json.load(sys.stdin); print(len(a), len({x["address"] for x in a}))')
expect_eq "account list --json returns all 10,300 distinct accounts" "$n" "10300 10300"
expect_eq "account list (text) returns 10,300 lines" "$($G account list | wc -l)" "10300"
rc=0; ldapsearch -x -H "$LDAP_URI" -D "$LDAP_CTL_DN" -y "$LDAP_CTL_PWFILE" -b "ou=accounts,$LDAP_BASE" '(objectClass=govmailAccount)' dn >/dev/null 2>&1 || rc=$?
expect_eq "an unpaged search is cut by the size limit (4)" "$rc" "4"
want=$(t_count '(&(objectClass=govmailAccount)(govmailAgency=snv))')
expect_eq "list --agency matches the directory" "$($G account list --agency snv | wc -l)" "$want"
