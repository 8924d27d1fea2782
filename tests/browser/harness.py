"""tests/browser/harness.py — what the browser tests of the web console
share: a headless Debian chromium driven by chromedriver through
python3-selenium, against a govmail-apid a shell test started.

How a browser test is run (see tests/integration/test_console_session.sh,
the first example):

  * The shell test (tests/integration/test_console_<x>.sh) sources
    ../lib.sh, apid_lib.sh and browser_lib.sh; starts the sandbox slapd,
    makes its people (govmailctl account add ... --generate-password,
    govmailctl role grant ...), writes the apid { } block with
    `browser_apid_conf FILE [SETTING...]` (console_dir = the repository's
    console/, no request rate limits), starts govmail-apid (apid_start,
    the ASan build; or browser_apid_start_faketime, the optimised build
    whose clock b.server_clock(SECONDS) moves, for timeouts), then calls

        GOVMAIL_USER=annv GOVMAIL_PASSWORD="$PW" browser_run test_<x>.py [ARGS...]

    browser_run runs `python3 tests/browser/test_<x>.py ARGS` with these
    in the environment:
        GOVMAIL_URL       the base URL (https://127.0.0.1:PORT)
        GOVMAIL_CA        the server's self-signed certificate (PEM; may
                          be empty for a plain-HTTP loopback URL, e.g.
                          a `make run` demo)
        GOVMAIL_OUT       output directory (build/test-output);
                          screenshots go to $GOVMAIL_OUT/screenshots/
        GOVMAIL_TMP       a directory of this run (the browser profile,
                          chromedriver's log)
    plus whatever the shell exported (GOVMAIL_USER, GOVMAIL_PASSWORD and
    any other variable a test wants; read them with harness.env(NAME)).
  * The Python test prints TAP lines without numbers: "ok - WHAT",
    "not ok - WHAT", comments "# ...". browser_run turns each into a
    check of the shell test (ok / not_ok, numbered there), and adds a
    failed check when the script dies before its last line
    ("# harness: done") or leaves a browser process behind.

A test looks like this:

    import sys, os
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import harness

    def main(b):                      # b: a started harness.Browser
        b.open("/")
        b.login(harness.env("GOVMAIL_USER"), harness.env("GOVMAIL_PASSWORD"))
        b.check("signed in", b.exists('[data-test="who"]'))
        b.shot("people")
        status, body = b.browser_fetch("POST", "/v1/session", json={})
        ...

    harness.run(main)

harness.run(main) starts the browser, calls main(b), and always ends
with: a failed check (and a screenshot fail-<test>-<n>.png) if main
raised (a wait that timed out raises harness.Timeout); a check that the
browser console showed no Content-Security-Policy violation and no
uncaught script error; the browser and chromedriver stopped and every
process they started killed (also on SIGTERM from the shell, or when
this script itself fails); "# harness: done"; exit status 0 when every
check passed, else 1.

Browser API (selectors are CSS; tests use [data-test="..."] hooks):
    b.open(path)                       load URL + path
    b.wait_for(css, timeout=120, visible=True) -> the element
    b.wait_text(css, text, timeout=120) -> element whose text contains text
    b.wait_gone(css, timeout=120)      until no such (visible) element
    b.wait_until(fn, what, timeout=120) -> fn()'s first true value
    b.exists(css) -> bool (visible)    b.find(css), b.find_all(css)
    b.type(css, text, clear=True)      b.click(css)      b.text(css)
    b.login(user, password)            sign in through the console's form
                                       (login-user, login-password,
                                       login-submit) and wait for
                                       [data-test="who"]
    b.shot(name)                       $GOVMAIL_OUT/screenshots/<name>.png
    b.check(what, cond, detail="")     one TAP line; returns cond
    b.js(script, *args)                execute_script
    b.browser_fetch(method, path, json=None, headers=None)
                                       fetch() from inside the page (the
                                       browser's cookies, no CSRF header
                                       unless given) -> (status, body text)
    b.cookies()                        the browser's cookies (selenium
                                       dicts, with "httpOnly", "secure",
                                       "sameSite")
    b.console_errors(consume=False)    browser console entries since the
                                       last call, (level, message) pairs;
                                       consume=True: provoked on purpose,
                                       not failed by the final CSP check
    b.server_clock(seconds)            move the clock of a govmail-apid
                                       started with browser_apid_start_faketime
                                       to now + seconds (absolute offset)
    harness.fetch(method, path, json=None, headers=None)
                                       a raw HTTPS request outside the
                                       browser (Python ssl, the test's
                                       certificate) -> (status, headers
                                       dict with lower-case names, body)
Deadlines are hang guards only (120 s and more): every wait ends as soon
as what it waits for happens.

Firefox: with GOVMAIL_BROWSER=firefox in the environment, run() gives the
same Browser over a headless firefox-esr driven through its Marionette
protocol by tests/browser/marionette.py (Debian has no geckodriver): b.driver
is then marionette.Driver, the part of selenium's WebDriver these tests use
(find_elements, execute_script, get_cookies, switch_to.alert, ...);
screenshots are named firefox-<name>.png. test_console_firefox.sh runs
test_session.py and test_people.py that way.
"""
import ctypes
import json as jsonlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request

HANG = float(os.environ.get("GOVMAIL_BROWSER_HANG", "120"))
_results = {"ok": 0, "fail": 0}
_children_done = False


def env(name, default=None):
    """An environment variable the shell test set; a missing one without a
    default ends the test (a failed check says which)."""
    v = os.environ.get(name, default)
    if v is None:
        raise RuntimeError("environment variable %s is not set" % name)
    return v


def _tap(ok, what, detail=""):
    what = " ".join(str(what).split())
    if ok:
        _results["ok"] += 1
        print("ok - %s" % what, flush=True)
    else:
        _results["fail"] += 1
        print("not ok - %s" % what, flush=True)
        for line in str(detail).splitlines()[:30]:
            print("#   %s" % line, flush=True)


def comment(text):
    for line in str(text).splitlines():
        print("# %s" % line, flush=True)


class Timeout(Exception):
    """A wait did not see what it waited for within its hang guard."""


def _ssl_context():
    if not env("GOVMAIL_URL").startswith("https:"):
        return None     # the plain-HTTP loopback of `make run`
    return ssl.create_default_context(cafile=env("GOVMAIL_CA"))


def fetch(method, path, json=None, headers=None, body=None):
    """A raw HTTPS request to the server under test, outside the browser.
    Returns (status, {lower-case header: value}, body bytes)."""
    h = dict(headers or {})
    data = body
    if json is not None:
        data = jsonlib.dumps(json).encode()
        h.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(env("GOVMAIL_URL") + path, data=data, method=method,
                                 headers=h)
    try:
        with urllib.request.urlopen(req, context=_ssl_context(), timeout=HANG * 2) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


# ---- processes --------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper():
    # chromium's helpers that outlive their parent come to this process,
    # which kills them at exit: nothing is left behind
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _die_with_parent():
    # in the child before exec: SIGTERM when this script dies, even by
    # SIGKILL
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _children():
    me = str(os.getpid())
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(")") + 2:].split()
        if len(rest) > 1 and rest[1] == me:
            out.append(int(d))
    return out


def _kill_children():
    """Kill and reap every child (direct, or an orphan given to this
    subreaper) until none is left. Only our own children are signalled:
    their pids cannot have been reused while they are unreaped."""
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        kids = _children()
        if not kids:
            return
        for p in kids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in kids:
            try:
                os.waitpid(p, 0)
            except ChildProcessError:
                pass


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _spki_hash(pem):
    """base64(SHA-256(SubjectPublicKeyInfo)) of the certificate, for
    chromium's --ignore-certificate-errors-spki-list: the test's own
    self-signed certificate is trusted, nothing else."""
    pub = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-pubkey"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         check=True, capture_output=True).stdout
    import base64
    import hashlib
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


# ---- the browser --------------------------------------------------------------

class Browser:
    def __init__(self):
        self.url = env("GOVMAIL_URL").rstrip("/")
        self.out = env("GOVMAIL_OUT")
        self.tmp = env("GOVMAIL_TMP")
        self.name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
        self.driver = None
        self.chromedriver = None
        self.nfail_shots = 0
        self.all_console = []

    # -- start and stop --
    def start(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options

        os.makedirs(self.tmp, exist_ok=True)
        os.makedirs(os.path.join(self.out, "screenshots"), exist_ok=True)
        port = _free_port()
        # chromedriver runs under a guard (this file with --guard): its
        # parent, a subreaper that kills whatever chromedriver and chromium
        # started as soon as this script ends, however it ends (even
        # SIGKILL: the guard reads EOF on its stdin, and has a parent-death
        # signal). chromedriver's log names this run's directory on its
        # command line: the shell's check for processes left finds it too.
        self.chromedriver = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--guard",
             "/usr/bin/chromedriver", "--port=%d" % port,
             "--log-path=" + os.path.join(self.tmp, "chromedriver.log")],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.tmp, "guard.log"), "w"),
            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + HANG
        while True:
            if self.chromedriver.poll() is not None:
                raise RuntimeError("chromedriver exited (%s/chromedriver.log)" % self.tmp)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise Timeout("chromedriver does not listen")
                time.sleep(0.1)
        o = Options()
        o.binary_location = "/usr/bin/chromium"
        args = ["--headless=new", "--window-size=1024,800",
                "--user-data-dir=" + os.path.join(self.tmp, "profile"),
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--password-store=basic"]
        if os.environ.get("GOVMAIL_CA"):
            args.append("--ignore-certificate-errors-spki-list=" +
                        _spki_hash(env("GOVMAIL_CA")))
        if os.geteuid() == 0:
            args.append("--no-sandbox")   # chromium's sandbox refuses root
        for a in args:
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Remote(command_executor="http://127.0.0.1:%d" % port,
                                       options=o)
        self.driver.set_page_load_timeout(HANG * 2)
        self.driver.set_script_timeout(HANG)

    def stop(self):
        if self.driver is not None:
            try:
                self._collect_console()
            except Exception:
                pass
            try:
                self.driver.quit()
            except Exception as e:
                comment("driver.quit: %s" % e)
            self.driver = None
        if self.chromedriver is not None:
            try:
                self.chromedriver.stdin.close()   # the guard ends all
                self.chromedriver.wait(timeout=HANG)
            except Exception:
                pass
            self.chromedriver = None
        _kill_children()

    # -- pages and elements --
    def open(self, path="/"):
        self.driver.get(self.url + path)

    def _visible(self, css):
        from selenium.webdriver.common.by import By
        for e in self.driver.find_elements(By.CSS_SELECTOR, css):
            try:
                if e.is_displayed():
                    return e
            except Exception:
                continue
        return None

    def find(self, css):
        from selenium.webdriver.common.by import By
        els = self.driver.find_elements(By.CSS_SELECTOR, css)
        return els[0] if els else None

    def find_all(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def exists(self, css):
        return self._visible(css) is not None

    def wait_until(self, fn, what, timeout=None):
        deadline = time.monotonic() + (timeout or HANG)
        while True:
            try:
                v = fn()
            except Exception:
                v = None
            if v:
                return v
            if time.monotonic() > deadline:
                raise Timeout("waited %.0f s for %s" % (timeout or HANG, what))
            time.sleep(0.05)

    def wait_for(self, css, timeout=None, visible=True):
        if visible:
            return self.wait_until(lambda: self._visible(css), css, timeout)
        return self.wait_until(lambda: self.find(css), css, timeout)

    def wait_text(self, css, text, timeout=None):
        def f():
            for e in self.find_all(css):
                if text in e.text:
                    return e
            return None
        return self.wait_until(f, "%s containing %r" % (css, text), timeout)

    def wait_gone(self, css, timeout=None):
        return self.wait_until(lambda: not self.exists(css), "%s to go" % css, timeout)

    def text(self, css):
        return self.wait_for(css).text

    def type(self, css, text, clear=True):
        e = self.wait_for(css)
        if clear:
            e.clear()
        e.send_keys(text)
        return e

    def click(self, css):
        e = self.wait_for(css)
        e.click()
        return e

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def login(self, user, password):
        """Sign in through the console's own form and wait until the
        console shows who is signed in."""
        if not self.driver.current_url.startswith(self.url):
            self.open("/")
        self.type('[data-test="login-user"]', user)
        self.type('[data-test="login-password"]', password)
        self.click('[data-test="login-submit"]')

        def done():
            if self.exists('[data-test="who"]'):
                return "ok"
            e = self._visible('[data-test="login-error"]')
            if e is not None and e.text.strip():
                return "error: " + e.text
            return None
        r = self.wait_until(done, "the console to sign in")
        if r != "ok":
            raise AssertionError("sign-in refused: %s" % r)

    def server_clock(self, seconds):
        """Set the server's clock offset (browser_apid_start_faketime)."""
        path = env("GOVMAIL_FAKETIME")
        with open(path + ".new", "w") as f:
            f.write("+%d\n" % int(seconds))
        os.replace(path + ".new", path)

    def cookies(self):
        return self.driver.get_cookies()

    def browser_fetch(self, method, path, json=None, headers=None):
        """fetch() from the page: same origin, the browser's cookies; only
        the headers given (no X-CSRF-Token unless in headers)."""
        h = dict(headers or {})
        body = None
        if json is not None:
            body = jsonlib.dumps(json)
            h.setdefault("Content-Type", "application/json")
        r = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {method: arguments[1], headers: arguments[2],"
            " body: arguments[3], credentials: 'same-origin', cache: 'no-store'})"
            ".then(r => r.text().then(t => done([r.status, t])))"
            ".catch(e => done([0, String(e)]));",
            path, method, h, body)
        return r[0], r[1]

    def shot(self, name):
        path = os.path.join(self.out, "screenshots", name + ".png")
        self.driver.save_screenshot(path)
        comment("screenshot %s" % path)
        return path

    def check(self, what, cond, detail=""):
        _tap(bool(cond), what, detail)
        return bool(cond)

    # -- the browser console --
    def _collect_console(self, keep=True):
        new = []
        for e in self.driver.get_log("browser"):
            new.append((e.get("level", ""), e.get("message", "")))
        if keep:
            self.all_console.extend(new)
        return new

    def console_errors(self, consume=False):
        """Browser console entries since the last call. consume: a test
        that provoked them on purpose takes them, and they are not held
        against it by the final CSP check."""
        return self._collect_console(keep=not consume)


def _csp_or_script_errors(entries):
    bad = []
    for level, msg in entries:
        if "Content Security Policy" in msg or "Content-Security-Policy" in msg:
            bad.append(msg)
        elif level == "SEVERE" and ("Uncaught" in msg or "TypeError" in msg or
                                    "ReferenceError" in msg or "SyntaxError" in msg):
            bad.append(msg)
    return bad


def new_browser():
    """The Browser of this run: chromium, or with GOVMAIL_BROWSER=firefox
    the same Browser over a headless firefox-esr driven through its
    Marionette protocol (tests/browser/marionette.py; Debian has no
    geckodriver), screenshots named firefox-<name>.png."""
    if os.environ.get("GOVMAIL_BROWSER", "chromium") == "firefox":
        import marionette
        return marionette.harness_browser(sys.modules[__name__])
    return Browser()


def run(main):
    """Start the browser, run main(browser), stop everything; exit 0 when
    every check passed."""
    _become_subreaper()
    b = new_browser()
    stopping = {"sig": None}

    def on_signal(sig, frame):
        stopping["sig"] = sig
        raise KeyboardInterrupt("signal %d" % sig)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    try:
        b.start()
        main(b)
    except BaseException as e:   # noqa: B902 - a failure of any kind is a failed check
        detail = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        if b.driver is not None:
            b.nfail_shots += 1
            try:
                detail += "\n" + "screenshot: " + b.shot("fail-%s-%d" % (b.name, b.nfail_shots))
                detail += "\nURL: " + b.driver.current_url
            except Exception:
                pass
        _tap(False, "%s ran to its end (%s: %s)" % (b.name, type(e).__name__, e), detail)
    finally:
        if b.driver is not None:
            try:
                b._collect_console()
            except Exception:
                pass
        bad = _csp_or_script_errors(b.all_console)
        _tap(not bad, "%s: no CSP violation or script error in the browser console" % b.name,
             "\n".join(bad))
        for level, msg in b.all_console:
            comment("console %s: %s" % (level, msg[:300]))
        b.stop()
    print("# harness: done", flush=True)
    sys.exit(0 if _results["fail"] == 0 and stopping["sig"] is None else 1)


def _guard(cmd):
    """--guard CMD...: run CMD as a child of this subreaper; when stdin
    ends (the test script closed it or died) or SIGTERM comes, kill CMD
    and every process it started, then exit."""
    _become_subreaper()
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(0))
    try:
        child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
    finally:
        _kill_children()


if __name__ == "__main__" and sys.argv[1:2] == ["--guard"]:
    _guard(sys.argv[2:])
