"""tests/browser/files.py — files going into and out of the browser in
browser tests on harness.py: upload(b, CSS, PATH) puts a local file into
an <input type=file> (chromedriver runs here, so the path is given as it
is, not sent through selenium's remote upload, which chromedriver lacks);
allow_downloads(b, DIR) makes chromium save downloads into DIR without
asking (the DevTools command Browser.setDownloadBehavior, sent through
chromedriver); wait_download(b, DIR, SUFFIX, before) waits until a new
complete file is there (chromium writes NAME.crdownload, then renames it).
"""
import os


def _cdp(b, cmd, params):
    # chromedriver's DevTools pass-through; the Remote driver of harness.py
    # does not name that command itself
    b.driver.command_executor._commands["govmailCdp"] = (
        "POST", "/session/$sessionId/goog/cdp/execute")
    return b.driver.execute("govmailCdp", {"cmd": cmd, "params": params}).get("value")


def upload(b, css, path):
    from selenium.webdriver.remote.file_detector import UselessFileDetector
    b.driver.file_detector = UselessFileDetector()
    b.wait_for(css).send_keys(os.path.abspath(path))


def allow_downloads(b, ddir):
    os.makedirs(ddir, exist_ok=True)
    _cdp(b, "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": ddir})


def downloaded(ddir, suffix):
    return set(f for f in os.listdir(ddir) if f.endswith(suffix))


def wait_download(b, ddir, suffix, before=()):
    """The path of a file ending in SUFFIX that was not in BEFORE (names)."""
    def new():
        got = sorted(downloaded(ddir, suffix) - set(before))
        return os.path.join(ddir, got[0]) if got else None
    return b.wait_until(new, "a downloaded *%s in %s" % (suffix, ddir))
