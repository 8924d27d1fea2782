#!/usr/bin/env bash
# test_console_agencies.sh — the console's Agencies page in a real browser
# (headless chromium, tests/browser/test_agencies.py on
# tests/browser/harness.py) against govmail-apid on a sandbox slapd of
# province size (707 agencies, the 10,300 accounts of the HR sample): a
# province administrator sees the tree with each agency's accounts and its
# subtree's, equal to what ldapsearch counts; creates an agency through
# the form (ldapsearch finds it); merges one agency into another — the
# preview dialog lists every account that moves, cancelling it changes
# nothing (ldapsearch before and after identical), confirming it merges
# (ldapsearch: the accounts moved, the agency retired); an HR officer gets
# no Agencies page. Screenshots: agencies-tree, agencies-merge-preview.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

browser_require
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"
t_accounts_ldif "$DATA/hr-export.csv" "$LDAP_BASE" >"$T/accounts.ldif"
check "ldapadd of 10,300 accounts" ldapadd -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" \
	-y "$LDAP_ADMIN_PWFILE" -f "$T/accounts.ldif"
check "account add the administrator (ubndt)" $G account add --name "Vũ Thị Hà" --agency ubndt \
	--generate-password
HA_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant havt province-admin" $G role grant havt@haugiang.gov.vn --role province-admin
check "account add the hr officer (snv)" $G account add --name "Nguyễn Văn An" --agency snv \
	--generate-password
AN_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant annv hr of snv" $G role grant annv@haugiang.gov.vn --role hr --agency snv

apid_tls
browser_apid_conf "$T/govmail.conf"
apid_start

# the Python test asks ldapsearch itself (t_ldapsearch's arguments)
export LDAP_URI LDAP_ADMIN_DN LDAP_ADMIN_PWFILE LDAP_BASE
GOVMAIL_ADMIN=havt@haugiang.gov.vn GOVMAIL_ADMIN_PASSWORD=$HA_PW \
	GOVMAIL_HR=annv@haugiang.gov.vn GOVMAIL_HR_PASSWORD=$AN_PW \
	GOVMAIL_MERGE_SRC=snv-u1 GOVMAIL_MERGE_DST=snv-u2 browser_run test_agencies.py

expect_match "the merge was audited with the person as actor" \
	"$(grep '"op":"agency.merge"' "$T/audit.log")" '"actor":"havt@haugiang.gov.vn".*"target":"snv-u1"'
t_kill -TERM "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly" "$?" 0
echo "1..$T_N"
