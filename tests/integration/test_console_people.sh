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
. "$(dirname "$0")/console_people_lib.sh"

browser_require
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

console_people_setup

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
