"""tests/browser/test_session.py — the console's sign-in in a real
browser (run by tests/integration/test_console_session.sh): the sign-in
form signs in; the session cookie is set HttpOnly, Secure and
SameSite=Strict and scripts cannot read it; a change sent from the page
without the CSRF token is refused (403 .../csrf) and so is sign-out; once
the server's clock has passed the idle timeout the console shows the
sign-in again, saying the session expired; signing in again works;
signing out clears the cookie. Screenshots: login, people (signed in),
session-expired.
"""
import json
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def main(b):
    user = harness.env("GOVMAIL_USER")
    password = harness.env("GOVMAIL_PASSWORD")
    target = harness.env("GOVMAIL_TARGET")
    idle = int(harness.env("GOVMAIL_IDLE_TIMEOUT", "900"))

    status, headers, _ = harness.fetch("GET", "/")
    b.check("the page is served with the strict CSP",
            status == 200 and headers.get("content-security-policy") == CSP,
            "%s %s" % (status, headers))

    b.open("/")
    b.wait_for('[data-test="login-user"]')
    b.check("the sign-in form is shown", b.exists('[data-test="login-submit"]'))
    b.shot("login")

    b.login(user, password)
    b.check("signed in: the console names the person",
            b.text('[data-test="who"]').strip() == harness.env("GOVMAIL_NAME"),
            b.text('[data-test="who"]'))
    cookie = [c for c in b.cookies() if c["name"] == "__Host-govmail_session"]
    b.check("the browser holds the session cookie", len(cookie) == 1, b.cookies())
    if cookie:
        c = cookie[0]
        b.check("... HttpOnly", c.get("httpOnly") is True, c)
        b.check("... Secure", c.get("secure") is True, c)
        b.check("... SameSite=Strict", c.get("sameSite") == "Strict", c)
        b.check("... for path /", c.get("path") == "/", c)
    b.check("document.cookie does not show it to scripts",
            "__Host-govmail_session" not in (b.js("return document.cookie") or ""),
            b.js("return document.cookie"))
    b.wait_gone('[data-test="login-user"]')
    b.wait_for('[data-test="person-row"]')
    b.shot("people")

    # the CSP holds in this browser, and the harness sees a violation:
    # an inline script put into the page does not run, and is reported
    b.js("var s = document.createElement('script');"
         "s.textContent = 'window.__inlineRan = true;';"
         "document.body.appendChild(s);")
    seen = b.wait_until(lambda: [m for _, m in b.console_errors(consume=True)
                                 if "Content Security Policy" in m], "a CSP report")
    b.check("an inline script is refused by the CSP, and the harness sees it",
            seen and not b.js("return window.__inlineRan === true"), seen)

    # a change from the page without the CSRF token: what a forged
    # request riding on the cookie would be
    status, body = b.browser_fetch("POST", "/v1/accounts/%s/suspend" % target,
                                   json={"reason": "csrf test"})
    ptype = ""
    try:
        ptype = json.loads(body).get("type", "")
    except ValueError:
        pass
    b.check("fetch() of a change without X-CSRF-Token: 403", status == 403, "%s %s" % (status, body))
    b.check("... problem type .../csrf", ptype.endswith("/csrf"), body)
    status, body = b.browser_fetch("POST", "/v1/accounts/%s/suspend" % target,
                                   json={"reason": "csrf test"},
                                   headers={"X-CSRF-Token": "A" * 43})
    b.check("... with a made-up token: 403", status == 403, "%s %s" % (status, body))
    status, body = b.browser_fetch("DELETE", "/v1/session")
    b.check("sign-out without the token: 403", status == 403, "%s %s" % (status, body))
    status, body = b.browser_fetch("GET", "/v1/session")
    b.check("... still signed in (GET /v1/session 200)", status == 200, "%s %s" % (status, body))
    status, _, body = harness.fetch("GET", "/v1/accounts/%s" % target,
                                    headers={"Authorization": "Basic " + __import__("base64")
                                             .b64encode(("%s:%s" % (user, password)).encode())
                                             .decode()})
    b.check("... and the account was not suspended",
            status == 200 and json.loads(body).get("status") == "active", "%s %s" % (status, body))

    # the idle timeout passes on the server's clock
    b.server_clock(idle + 60)
    b.js("Console.api('GET', '/v1/agencies').catch(function () {});")
    b.wait_for('[data-test="login-user"]')
    expired = b.js("return Console.t('core.expired')")
    err = b.wait_for('[data-test="login-error"]')
    b.check("after the idle timeout the console shows the sign-in again, saying why",
            err.text.strip() == expired, "%r vs %r" % (err.text, expired))
    b.check("... the person is no longer shown", not b.exists('[data-test="who"]'))
    b.shot("session-expired")
    b.open("/")
    b.wait_for('[data-test="login-user"]')
    b.check("a reload too shows the sign-in", not b.exists('[data-test="who"]'))

    b.login(user, password)
    b.check("signing in again works", b.exists('[data-test="who"]'))
    b.click('[data-test="logout"]')
    b.wait_for('[data-test="login-user"]')
    b.check("signed out: the sign-in form", not b.exists('[data-test="who"]'))
    b.check("... and the cookie is gone",
            not [c for c in b.cookies() if c["name"] == "__Host-govmail_session"], b.cookies())
    status, body = b.browser_fetch("GET", "/v1/session")
    b.check("... GET /v1/session 401", status == 401, "%s %s" % (status, body))


harness.run(main)
