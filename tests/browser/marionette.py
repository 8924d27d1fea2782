"""tests/browser/marionette.py — Firefox for the console's browser tests,
driven through Marionette, the remote protocol built into Firefox
(Debian ships firefox-esr but no geckodriver, so the tests speak the
protocol themselves).

The protocol (Firefox's "Marionette protocol" documentation): one TCP
connection; every message is its JSON length in decimal, ':', then the
JSON. On connecting, the server sends {"applicationType": "gecko",
"marionetteProtocol": 3}. A command is [0, id, "Domain:Name", {params}];
its answer is [1, id, error or null, result or null], error being
{"error": "<WebDriver error code>", "message", "stacktrace"}.

Three layers:
  Marionette      the client: connect (hang-guarded), command(name, params)
                  raising MarionetteError with the remote message.
  Firefox         the launcher: a throw-away profile under a test's temp
                  dir, firefox-esr --headless --marionette under a guard
                  process that kills Firefox and everything it started
                  when the test ends however it ends; a WebDriver session
                  that accepts the test's self-signed certificate
                  (acceptInsecureCerts: the test CA only exists for the
                  test); a log of the browser console (script errors,
                  CSP violations) read from Firefox's console service.
  Driver/Element  the small part of selenium's WebDriver/WebElement
                  surface tests/browser/harness.py and the test scripts
                  use (get, find_elements, execute_script, get_cookies,
                  save_screenshot, get_log("browser"), .text, .click()...),
                  so that harness.Browser drives Firefox unchanged when
                  GOVMAIL_BROWSER=firefox (harness.run picks FirefoxBrowser
                  below).

The browser console: Marionette's chrome context (allowed by
-remote-allow-system-access) registers a listener on the parent process's
console service, which receives every content process's script errors and
Content-Security-Policy reports; get_log("browser") returns what came for
web pages since the last call, as (level, message) entries in the shape
of chromedriver's log ("SEVERE" for errors, "WARNING" for warnings), CSP
reports saying "Content Security Policy" and uncaught errors "Uncaught",
as chromium's do. The listener is registered before the first page is
opened: errors while a page loads are seen too. Deadlines are hang guards
only.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import time

ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
FIREFOX = "/usr/bin/firefox-esr"


class MarionetteError(Exception):
    """An error answer: .error is the WebDriver error code ("no such
    element", "javascript error", ...), the text its remote message."""

    def __init__(self, command, error, message, stacktrace=""):
        super().__init__("%s: %s: %s" % (command, error, message))
        self.command, self.error, self.message = command, error, message
        self.stacktrace = stacktrace


class Marionette:
    """One Marionette connection. Every read has a hang guard (`hang`
    seconds of silence from Firefox end the test with socket.timeout)."""

    def __init__(self, host, port, hang=120.0):
        self.sock = socket.create_connection((host, port), timeout=hang)
        self.sock.settimeout(hang)
        self.buf = b""
        self.next_id = 0
        hello = self._read()
        if not isinstance(hello, dict) or hello.get("marionetteProtocol") != 3:
            raise RuntimeError("not a Marionette protocol 3 server: %r" % (hello,))
        self.hello = hello

    def _read(self):
        while b":" not in self.buf:
            self._more()
        n, rest = self.buf.split(b":", 1)
        if not n.isdigit() or len(n) > 10:
            raise RuntimeError("bad Marionette frame length %r" % n[:20])
        self.buf = rest
        while len(self.buf) < int(n):
            self._more()
        msg, self.buf = self.buf[:int(n)], self.buf[int(n):]
        return json.loads(msg)

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("Marionette connection closed by Firefox")
        self.buf += data

    def command(self, name, params=None):
        """Send a command, wait for its answer (answers to other ids,
        which this client never leaves outstanding, are skipped); return
        the result or raise MarionetteError."""
        self.next_id += 1
        mid = self.next_id
        data = json.dumps([0, mid, name, params or {}]).encode()
        self.sock.sendall(str(len(data)).encode() + b":" + data)
        while True:
            msg = self._read()
            if isinstance(msg, list) and len(msg) == 4 and msg[0] == 1 and msg[1] == mid:
                break
        if msg[2] is not None:
            e = msg[2]
            raise MarionetteError(name, e.get("error", "?"), e.get("message", ""),
                                  e.get("stacktrace", ""))
        return msg[3]

    def value(self, name, params=None):
        """command() for answers of the form {"value": X}: X."""
        r = self.command(name, params)
        return r.get("value") if isinstance(r, dict) else r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# Preferences of the throw-away profile (user.js, with marionette.port):
# no first-run pages, no update, telemetry, safe-browsing or
# remote-settings traffic (the tests run offline, on loopback), no
# default-browser question.
PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage": "about:blank",
    "browser.startup.page": 0,
    "browser.newtabpage.enabled": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "startup.homepage_welcome_url": "about:blank",
    "startup.homepage_welcome_url.additional": "",
    "browser.aboutwelcome.enabled": False,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/none",
    "browser.ping-centre.telemetry": False,
    "signon.rememberSignons": False,
    "browser.tabs.warnOnClose": False,
    "dom.disable_open_during_load": False,
}

# The chrome-context script that starts collecting the console service's
# messages (once per session: the sandbox "govmail" keeps its globals).
_LISTEN = """
if (!this.govmailLog) {
  const log = [];
  this.govmailLog = log;
  Services.console.registerListener({observe(m) { log.push(m); }});
}
return true;
"""

# ... and the one that hands over what came, as [flags, category,
# message, source, line, innerWindowID, fromChrome] (plain console
# messages, not script errors: [-1, "", text, "", 0, 0, false]).
_DRAIN = """
const out = [];
for (const m of this.govmailLog.splice(0)) {
  if (m instanceof Ci.nsIScriptError) {
    out.push([m.flags, m.category || "", m.errorMessage || "", m.sourceName || "",
              m.lineNumber || 0, m.innerWindowID || 0, !!m.isFromChromeContext]);
  } else {
    out.push([-1, "", m.message || "", "", 0, 0, false]);
  }
}
return out;
"""


class Firefox:
    """A headless firefox-esr with a profile under `tmp` and a Marionette
    session. start() may be called once; stop() always ends it all."""

    def __init__(self, tmp, hang=120.0, width=1024, height=800, guard=None):
        self.tmp = tmp
        self.hang = hang
        self.width, self.height = width, height
        # guard: argv prefix of a process that runs the browser as its
        # child and kills it and all it started when its stdin closes;
        # None: harness.py --guard, the one chromedriver runs under (a
        # child subreaper: Firefox's crash helper and other processes that
        # outlive their parent come to it, not to init).
        self.guard = guard or [sys.executable, os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "harness.py"), "--guard"]
        self.proc = None
        self.m = None

    def start(self):
        profile = os.path.join(self.tmp, "firefox-profile")
        os.makedirs(profile, exist_ok=True)
        # port 0: Firefox takes a free port and writes it to the file
        # MarionetteActivePort of the profile (no race for a port picked
        # here and bound there later)
        prefs = dict(PREFS)
        prefs["marionette.port"] = 0
        portfile = os.path.join(profile, "MarionetteActivePort")
        if os.path.exists(portfile):
            os.unlink(portfile)
        with open(os.path.join(profile, "user.js"), "w") as f:
            for k, v in sorted(prefs.items()):
                f.write("user_pref(%s, %s);\n" % (json.dumps(k), json.dumps(v)))
        env = dict(os.environ)
        env.update({"MOZ_CRASHREPORTER_DISABLE": "1", "MOZ_HEADLESS": "1",
                    "MOZ_HEADLESS_WIDTH": str(self.width),
                    "MOZ_HEADLESS_HEIGHT": str(self.height),
                    "HOME": self.tmp, "TMPDIR": self.tmp,
                    "XDG_CACHE_HOME": os.path.join(self.tmp, "cache")})
        with open(os.path.join(self.tmp, "firefox.log"), "w") as log:
            self.proc = subprocess.Popen(
                self.guard + [FIREFOX, "--headless", "--marionette",
                              "-remote-allow-system-access", "--no-remote", "--new-instance",
                              "--profile", profile],
                stdin=subprocess.PIPE, stdout=log, stderr=log, env=env,
                preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.hang
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("firefox-esr exited (%s/firefox.log)" % self.tmp)
            try:
                with open(portfile) as f:
                    port = int(f.read().strip())
                # reads wait longer than Firefox's own page-load and
                # script timeouts (2 x and 1 x hang), which answer first
                self.m = Marionette("127.0.0.1", port, self.hang * 3)
                break
            except (OSError, ValueError, ConnectionError):
                if time.monotonic() > deadline:
                    raise TimeoutError("firefox-esr does not listen on its Marionette port "
                                       "(%s/firefox.log)" % self.tmp)
                time.sleep(0.2)
        self.session = self.m.command("WebDriver:NewSession", {
            "acceptInsecureCerts": True, "pageLoadStrategy": "normal",
            "unhandledPromptBehavior": "ignore",
            "timeouts": {"implicit": 0, "pageLoad": int(self.hang * 2000),
                         "script": int(self.hang * 1000)}})
        # the page's viewport is width x height (the window is larger by
        # its toolbars)
        self.m.command("WebDriver:SetWindowRect", {"width": self.width, "height": self.height})
        dw, dh = self.m.value("WebDriver:ExecuteScript", {
            "script": "return [window.outerWidth - window.innerWidth,"
                      " window.outerHeight - window.innerHeight];", "args": []})
        if dw or dh:
            self.m.command("WebDriver:SetWindowRect", {"width": self.width + dw,
                                                       "height": self.height + dh})
        self.chrome(_LISTEN)
        return self

    def chrome(self, script, args=()):
        """Run script in Marionette's chrome context (the browser's own
        privileged JavaScript), in the sandbox that holds the console
        listener; back in the content context afterwards."""
        self.m.command("Marionette:SetContext", {"value": "chrome"})
        try:
            return self.m.value("WebDriver:ExecuteScript",
                                {"script": script, "args": list(args),
                                 "sandbox": "govmail", "newSandbox": False})
        finally:
            self.m.command("Marionette:SetContext", {"value": "content"})

    def console(self):
        """Browser console messages of web pages since the last call,
        as chromedriver-like dicts {"level", "message"}."""
        out = []
        for flags, category, msg, source, line, window, from_chrome in self.chrome(_DRAIN):
            # the browser's own messages are not a page's: plain console
            # service messages, and script errors of chrome code (the
            # parent process has no innerWindowID for forwarded content
            # errors: the source tells); every CSP report is the page's
            csp = category.startswith("CSP") or "Content-Security-Policy" in msg
            if flags == -1 or (not csp and (from_chrome or source.startswith(
                    ("chrome:", "resource:", "moz-extension:", "about:")))):
                continue
            level = "WARNING" if flags & 1 else "SEVERE"
            where = " (%s:%d)" % (source, line) if source else ""
            if csp:
                text = "Content Security Policy violation: %s%s" % (msg, where)
            elif level == "SEVERE" and "javascript" in category:
                text = ("%s%s" if msg.startswith("Uncaught") else "Uncaught %s%s") % (msg, where)
            else:
                text = "%s: %s%s" % (category or "console", msg, where)
            out.append({"level": level, "message": text, "category": category})
        return out

    def stop(self):
        """Quit Firefox through Marionette, then close the guard's stdin:
        the guard kills whatever is left of Firefox's processes."""
        if self.m is not None:
            try:
                self.m.sock.settimeout(min(self.hang, 60))
                self.m.command("Marionette:Quit", {})
            except Exception:
                pass
            self.m.close()
            self.m = None
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=self.hang)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


# ---- selenium-like surface -------------------------------------------------------

def _selenium_errors():
    try:
        from selenium.common import exceptions as e
        return {"stale element reference": e.StaleElementReferenceException,
                "no such alert": e.NoAlertPresentException,
                "no such element": e.NoSuchElementException}
    except ImportError:
        return {}


_ERRORS = _selenium_errors()


def _call(fn, *args):
    """fn(*args), a MarionetteError raised as selenium's exception of
    the same WebDriver error when selenium is there (test scripts catch
    StaleElementReferenceException, NoAlertPresentException)."""
    try:
        return fn(*args)
    except MarionetteError as e:
        cls = _ERRORS.get(e.error)
        if cls is None:
            raise
        raise cls(str(e)) from e


def _wrap(driver, v):
    if isinstance(v, dict) and ELEMENT_KEY in v:
        return Element(driver, v[ELEMENT_KEY])
    if isinstance(v, list):
        return [_wrap(driver, x) for x in v]
    if isinstance(v, dict):
        return {k: _wrap(driver, x) for k, x in v.items()}
    return v


def _unwrap(v):
    if isinstance(v, Element):
        return {ELEMENT_KEY: v.id}
    if isinstance(v, (list, tuple)):
        return [_unwrap(x) for x in v]
    if isinstance(v, dict):
        return {k: _unwrap(x) for k, x in v.items()}
    return v


class Element:
    def __init__(self, driver, eid):
        self.driver, self.id = driver, eid

    def _v(self, command, **params):
        params["id"] = self.id
        return _call(self.driver.m.value, command, params)

    @property
    def text(self):
        return self._v("WebDriver:GetElementText")

    @property
    def tag_name(self):
        return self._v("WebDriver:GetElementTagName")

    def get_attribute(self, name):
        # selenium's get_attribute gives the property when there is one
        # (an input's current value): so does this
        return _call(self.driver.execute_script,
                     "const e = arguments[0], n = arguments[1];"
                     "if (n in e && typeof e[n] !== 'function' && typeof e[n] !== 'object')"
                     " return e[n] === null ? null : String(e[n]);"
                     "return e.getAttribute(n);", self, name)

    def get_dom_attribute(self, name):
        return self._v("WebDriver:GetElementAttribute", name=name)

    def get_property(self, name):
        return self._v("WebDriver:GetElementProperty", name=name)

    def is_displayed(self):
        return bool(self._v("WebDriver:IsElementDisplayed"))

    def is_enabled(self):
        return bool(self._v("WebDriver:IsElementEnabled"))

    def is_selected(self):
        return bool(self._v("WebDriver:IsElementSelected"))

    def click(self):
        self._v("WebDriver:ElementClick")

    def clear(self):
        self._v("WebDriver:ElementClear")

    def send_keys(self, *text):
        self._v("WebDriver:ElementSendKeys", text="".join(text))

    def find_elements(self, by, value):
        return _wrap(self.driver, _call(self.driver.m.command, "WebDriver:FindElements",
                                        {"using": by, "value": value, "element": self.id}))

    def find_element(self, by, value):
        return _wrap(self.driver, _call(self.driver.m.value, "WebDriver:FindElement",
                                        {"using": by, "value": value, "element": self.id}))

    def __getattr__(self, name):
        raise AttributeError("tests/browser/marionette.py's Element has no %r "
                             "(selenium's WebElement has; add it there)" % name)


class _SwitchTo:
    def __init__(self, driver):
        self.driver = driver

    @property
    def alert(self):
        text = _call(self.driver.m.value, "WebDriver:GetAlertText")
        return type("Alert", (), {"text": text})()


class Driver:
    """What harness.Browser and the tests call on selenium's WebDriver,
    over a started Firefox."""

    def __init__(self, firefox):
        self.firefox = firefox
        self.m = firefox.m
        self.switch_to = _SwitchTo(self)

    def get(self, url):
        _call(self.m.command, "WebDriver:Navigate", {"url": url})

    def refresh(self):
        self.m.command("WebDriver:Refresh")

    def back(self):
        self.m.command("WebDriver:Back")

    @property
    def title(self):
        return self.m.value("WebDriver:GetTitle")

    @property
    def current_url(self):
        return self.m.value("WebDriver:GetCurrentURL")

    @property
    def page_source(self):
        return self.m.value("WebDriver:GetPageSource")

    def find_elements(self, by, value):
        return _wrap(self, _call(self.m.command, "WebDriver:FindElements",
                                 {"using": by, "value": value}))

    def find_element(self, by, value):
        return _wrap(self, _call(self.m.value, "WebDriver:FindElement",
                                 {"using": by, "value": value}))

    def execute_script(self, script, *args):
        return _wrap(self, _call(self.m.value, "WebDriver:ExecuteScript",
                                 {"script": script, "args": _unwrap(list(args))}))

    def execute_async_script(self, script, *args):
        return _wrap(self, _call(self.m.value, "WebDriver:ExecuteAsyncScript",
                                 {"script": script, "args": _unwrap(list(args))}))

    def get_cookies(self):
        return self.m.command("WebDriver:GetCookies")

    def get_screenshot_as_png(self):
        return base64.b64decode(self.m.value("WebDriver:TakeScreenshot", {"full": False}))

    def save_screenshot(self, path):
        with open(path, "wb") as f:
            f.write(self.get_screenshot_as_png())
        return True

    def get_log(self, kind):
        if kind != "browser":
            return []
        return self.firefox.console()

    def set_page_load_timeout(self, seconds):
        self.m.command("WebDriver:SetTimeouts", {"pageLoad": int(seconds * 1000)})

    def set_script_timeout(self, seconds):
        self.m.command("WebDriver:SetTimeouts", {"script": int(seconds * 1000)})

    def quit(self):
        self.firefox.stop()

    def __getattr__(self, name):
        raise AttributeError("tests/browser/marionette.py's Driver has no %r "
                             "(selenium's WebDriver has; add it there)" % name)


# ---- harness.Browser over Firefox ----------------------------------------------

def harness_browser(harness):
    """A harness.Browser (tests/browser/harness.py) whose driver is this
    module's Driver over a headless firefox-esr: harness.run uses it when
    GOVMAIL_BROWSER=firefox, so the same test scripts run on Firefox.
    Screenshots are named firefox-<name>.png."""

    class FirefoxBrowser(harness.Browser):
        browser_name = "firefox"

        def start(self):
            os.makedirs(self.tmp, exist_ok=True)
            os.makedirs(os.path.join(self.out, "screenshots"), exist_ok=True)
            self.firefox = Firefox(self.tmp, hang=harness.HANG)
            self.firefox.start()
            self.driver = Driver(self.firefox)
            harness.comment("firefox %s (Marionette)" %
                            self.firefox.session["capabilities"].get("browserVersion"))

        def shot(self, name):
            return harness.Browser.shot(self, "firefox-" + name)

    return FirefoxBrowser()


# ---- processes ----------------------------------------------------------------

def _libc():
    import ctypes
    return ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    import signal
    _libc().prctl(1, signal.SIGTERM, 0, 0, 0)     # PR_SET_PDEATHSIG
