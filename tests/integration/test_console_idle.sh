#!/usr/bin/env bash
# test_console_idle.sh — the web console follows the session's idle
# timeout by itself (tests/browser/test_idle.py in headless chromium):
# with apid.session_idle_timeout at 3 s, a page signed in and left alone
# goes back to the sign-in saying the session expired, and the server holds
# no session for it. Nothing is timed: the browser test waits for the
# sign-in form to come back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

browser_require
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục và Đào tạo" --level department
check "account add An (hr of sgd)" $G account add --name "Nguyễn Văn An" --agency sgd --generate-password
AN_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant annv hr of sgd" $G role grant annv@haugiang.gov.vn --role hr --agency sgd

apid_tls
browser_apid_conf "$T/govmail.conf" 'session_idle_timeout = 3;'
apid_start
GOVMAIL_USER=annv@haugiang.gov.vn GOVMAIL_PASSWORD=$AN_PW browser_run test_idle.py
expect_match "the apid log saw the sign-in" "$(cat "$T/apid.log")" \
	'annv@haugiang\.gov\.vn signed in from'
t_kill -TERM "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly" "$?" 0
echo "1..$T_N"
