"""tests/browser/test_idle.py — the console signs itself out when the
session has been idle for the server's idle_timeout (run by
tests/integration/test_console_idle.sh with a timeout of a few seconds):
signed in and left alone, the page shows the sign-in again, saying the
session expired, without anyone clicking; the session is gone on the
server too. The verdict waits for the sign-in form (hang guard only).
"""
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main(b):
    b.open("/")
    b.wait_for('[data-test="login-user"]')
    # signed in through the form, and nobody touches the page from then on.
    # Not b.login(): that waits to see the signed-in page, which a loaded
    # machine could let expire before it looks (the sign-in itself is
    # checked in the apid log by the shell side).
    b.type('[data-test="login-user"]', harness.env("GOVMAIL_USER"))
    b.type('[data-test="login-password"]', harness.env("GOVMAIL_PASSWORD"))
    b.click('[data-test="login-submit"]')
    expired = b.js("return Console.t('core.expired')")
    err = b.wait_text('[data-test="login-error"]', expired)
    b.check("left idle, the console shows the sign-in by itself, saying why",
            err.text.strip() == expired, "%r vs %r" % (err.text, expired))
    b.check("... the person is no longer shown", not b.exists('[data-test="who"]'))
    status, body = b.browser_fetch("GET", "/v1/session")
    b.check("... and the server has no session for the page (401)", status == 401,
            "%s %s" % (status, body))


harness.run(main)
