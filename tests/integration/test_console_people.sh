#!/usr/bin/env bash
# test_console_people.sh — the web console's people pages in a real browser
# (headless Chromium driven by tests/browser/test_people.py and
# test_person_actions.py), against
# govmail-apid on a sandbox slapd serving the repository's console/: an hr
# officer of one agency signs in, creates an account (the address the page
# suggests while the name is typed is the one created, in the directory),
# finds a person by a name typed without diacritics, suspends and resumes
# (the directory checked by ldapsearch after each), sees none of another
# agency's people (in the list and by a direct #/person/ URL), resets a
# password that is shown once (gone from the page after the dialog closes,
# and it binds), and a person named like an HTML tag is shown as text (no
# element made, no script run, no console error). Then an agency
# administrator locks and unlocks (the directory checked), moves, changes
# an address (the old one kept as an alias), edits with If-Match (a change
# made meanwhile with govmailctl is refused, not overwritten) and sees an
# API error next to the field it concerns. Screenshots of the
# people list, a person's page and the new-account page go to the test
# output.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

browser_require
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh Hậu Giang" --level province
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục và Đào tạo" --level department --parent ubnd
check "agency add sgd-th" $G agency add sgd-th --name "Trường THPT Vị Thanh" --level unit --parent sgd
check "agency add syt" $G agency add syt --name "Sở Y tế" --level department --parent ubnd
check "account add the hr officer (sgd)" $G account add --name "Đỗ Thị Hoa" --agency sgd --generate-password
HR_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant hoadt hr of sgd" $G role grant hoadt@haugiang.gov.vn --role hr --agency sgd
check "account add the agency administrator (sgd)" $G account add --name "Võ Minh Tâm" \
	--agency sgd --generate-password
ADM_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant tamvm agency-admin of sgd" $G role grant tamvm@haugiang.gov.vn --role agency-admin --agency sgd
check "account add An (sgd)" $G account add --name "Nguyễn Văn An" --agency sgd --employee-id 100234
check "account add Cường (sgd-th)" $G account add --name "Lê Văn Cường" --agency sgd-th
check "account add Bình (syt: another agency)" $G account add --name "Trần Thị Bình" --agency syt
# A name that is an HTML tag. govmailctl refuses '<' in names, but the
# directory is written by others too (an HR system's own LDAP writes, an
# import): what it holds is shown as text whatever it is.
XSS='<img src=x onerror=alert(1)>'
check "account add Xuân (sgd)" $G account add --name "Phan Văn Xuân" --agency sgd \
	--address xss@haugiang.gov.vn
XSS_DN=$(t_ldapsearch -b "$LDAP_BASE" '(mail=xss@haugiang.gov.vn)' dn | sed -n 's/^dn: //p')
printf 'dn: %s\nchangetype: modify\nreplace: cn\ncn: %s\n' "$XSS_DN" "$XSS" |
	ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >"$T/mod.out" 2>&1
expect_eq "the directory renames Xuân to $XSS (ldapmodify)" "$?" 0
expect_eq "... stored as given (LDIF shows it in base64: it starts with '<')" \
	"$(t_ldapsearch -b "$LDAP_BASE" '(mail=xss@haugiang.gov.vn)' cn | sed -n 's/^cn:: //p')" \
	"$(printf '%s' "$XSS" | base64 -w0)"

apid_tls
browser_apid_conf "$T/govmail.conf"
apid_start

export LDAP_URI LDAP_BASE LDAP_ADMIN_DN LDAP_ADMIN_PWFILE
GOVMAIL_USER=hoadt@haugiang.gov.vn GOVMAIL_PASSWORD=$HR_PW browser_run test_people.py
# The administrator's actions come after the hr officer's (cuonglv is then
# locked, moved, renamed; a new account's error is shown at its field).
export GOVMAILCTL
GOVMAIL_USER=tamvm@haugiang.gov.vn GOVMAIL_PASSWORD=$ADM_PW browser_run test_person_actions.py

# The directory after the browser: what it created and changed.
expect_eq "the account the browser created is in the directory with its name" \
	"$(t_ldapsearch -b "$LDAP_BASE" '(mail=annv2@haugiang.gov.vn)' cn | sed -n 's/^cn:: //p' | base64 -d)" \
	"Ngô Văn An"
expect_eq "... in the agency chosen" \
	"$($G account show annv2@haugiang.gov.vn | sed -n 's/^agency: *//p' | cut -d' ' -f1)" sgd
expect_eq "annv is active again after suspend and resume" \
	"$(t_ldapsearch -b "$LDAP_BASE" '(mail=annv@haugiang.gov.vn)' govmailAccountStatus |
		sed -n 's/^govmailAccountStatus: //p')" active
expect_match "the audit log has the console's changes with the hr officer as actor" \
	"$(grep -c '"actor":"hoadt@haugiang.gov.vn"' "$T/audit.log")" '^[1-9][0-9]*$'

t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0
echo "1..$T_N"
