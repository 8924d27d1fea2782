#!/usr/bin/env bash
# test_console_firefox.sh — the web console in Firefox (issue #15: a
# current Chromium and Firefox): Debian's firefox-esr, headless, driven
# through its own Marionette protocol by tests/browser/marionette.py
# (Debian has no geckodriver), runs the same browser tests as chromium
# does (GOVMAIL_BROWSER=firefox makes tests/browser/harness.py use it):
# test_session.py (sign-in, the session cookie HttpOnly/Secure/
# SameSite=Strict and hidden from document.cookie, an inline script
# refused by the CSP and seen in the browser console, a change without
# the CSRF token refused, the idle timeout on a server clock moved by
# libfaketime, sign-out) and test_people.py (the hr officer's subtree
# only, search by a name typed without diacritics, by employee id, a
# person named like an HTML tag shown as text with no img element and no
# alert, suspend and resume checked in the directory, a password reset
# shown once, a new account at the address suggested) and
# test_person_actions.py (an agency administrator locks and unlocks, moves,
# changes an address, edits with If-Match, sees an API error at its
# field), against govmail-apid on the sandbox slapd. No CSP violation or script error in
# Firefox's console; no Firefox process left. Screenshots:
# build/test-output/screenshots/firefox-*.png.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"
. "$(dirname "$0")/browser_lib.sh"
. "$(dirname "$0")/console_people_lib.sh"

browser_require_firefox
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

console_people_setup

apid_tls
browser_apid_conf "$T/govmail.conf" 'session_idle_timeout = 900;'
browser_apid_start_faketime

export GOVMAIL_BROWSER=firefox
GOVMAIL_USER=hoadt@haugiang.gov.vn GOVMAIL_PASSWORD=$HR_PW GOVMAIL_NAME="Đỗ Thị Hoa" \
	GOVMAIL_TARGET=cuonglv@haugiang.gov.vn \
	GOVMAIL_IDLE_TIMEOUT=900 browser_run test_session.py
expect_match "the apid log saw Firefox's sign-ins and the refused CSRF" "$(cat "$T/apid.log")" \
	'signed in(.|\n)*no X-CSRF-Token(.|\n)*idle longer than apid\.session_idle_timeout'

export LDAP_URI LDAP_BASE LDAP_ADMIN_DN LDAP_ADMIN_PWFILE
GOVMAIL_USER=hoadt@haugiang.gov.vn GOVMAIL_PASSWORD=$HR_PW browser_run test_people.py
export GOVMAILCTL
GOVMAIL_USER=tamvm@haugiang.gov.vn GOVMAIL_PASSWORD=$ADM_PW browser_run test_person_actions.py

expect_eq "the account Firefox created is in the directory with its name" \
	"$(t_ldapsearch -b "$LDAP_BASE" '(mail=annv2@haugiang.gov.vn)' cn | sed -n 's/^cn:: //p' | base64 -d)" \
	"Ngô Văn An"
expect_eq "annv is active again after suspend and resume in Firefox" \
	"$(t_ldapsearch -b "$LDAP_BASE" '(mail=annv@haugiang.gov.vn)' govmailAccountStatus |
		sed -n 's/^govmailAccountStatus: //p')" active
t_kill -TERM "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly" "$?" 0
echo "1..$T_N"
