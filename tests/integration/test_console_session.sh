#!/usr/bin/env bash
# test_console_session.sh — the web console's sign-in in a real browser
# (headless chromium through chromedriver, tests/browser/test_session.py on
# tests/browser/harness.py) against govmail-apid serving the repository's
# console/ over HTTPS on the sandbox slapd: sign-in through the form, the
# session cookie HttpOnly (scripts cannot read it), Secure and
# SameSite=Strict, a change from the page without the CSRF token refused,
# the sign-in shown again once the idle timeout has passed (the server's
# clock moved by libfaketime: no verdict depends on the machine's speed),
# sign-out; no CSP violation in the browser console; no browser process
# left. Screenshots in build/test-output/screenshots/.
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
check "account add Bình" $G account add --name "Trần Thị Bình" --agency sgd
check "role grant annv hr of sgd" $G role grant annv@haugiang.gov.vn --role hr --agency sgd

apid_tls
browser_apid_conf "$T/govmail.conf" 'session_idle_timeout = 900;'
browser_apid_start_faketime
expect_match "govmail-apid serves the repository's console" "$(cat "$T/apid.log")" \
	"web console: [0-9]+ files from $TOP/console"

GOVMAIL_USER=annv@haugiang.gov.vn GOVMAIL_PASSWORD=$AN_PW GOVMAIL_NAME="Nguyễn Văn An" \
	GOVMAIL_TARGET=binhtt@haugiang.gov.vn \
	GOVMAIL_IDLE_TIMEOUT=900 browser_run test_session.py
expect_match "the apid log saw the sign-ins and the refused CSRF" "$(cat "$T/apid.log")" \
	'signed in(.|\n)*no X-CSRF-Token(.|\n)*idle longer than apid\.session_idle_timeout'
t_kill -TERM "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly" "$?" 0
echo "1..$T_N"
