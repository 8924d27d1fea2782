"""tests/browser/test_import.py [guard] — the console's HR import in a real
browser (run by tests/integration/test_console_import.sh): an HR officer uploads
an export (GOVMAIL_EXPORT); the dry-run plan shows the counts, the
rejected row with its line number and reason (GOVMAIL_REJECTED: "LINE
EMPLOYEE_ID"), the guard's verdict and the planned creations
(GOVMAIL_CREATES); the apply asks first, then the progress bar reaches
the end; the initial-passwords file, announced as downloadable once, is
saved by the browser into GOVMAIL_DOWNLOADS (the shell checks its
passwords bind); afterwards the page and the API say it cannot be
downloaded again. With "guard": a second export (GOVMAIL_EXPORT2) retires one of them:
the mass lock-out guard refuses it and apply waits for the officer to
tick that the file was checked; meanwhile another upload on the subtree
is refused with a link to that job; the confirmation names the override;
a change of the directory between plan and apply (GOVMAILCTL changes a
title) makes the apply refused as stale, the page shows the plan made
again, which then applies.
With "large": a province-admin's dry run of the whole sample export
(10,300 rows, GOVMAIL_REJECTED: "COUNT FIRST_LINE" rejected ones) is
shown 100 actions and 50 rejected rows at a time, then discarded.
Screenshots: console-import-plan, -done, -guard, -large.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import files  # noqa: E402


def main(b):
    user = harness.env("GOVMAIL_USER")
    export = harness.env("GOVMAIL_EXPORT")
    ddir = harness.env("GOVMAIL_DOWNLOADS")
    rej_line, rej_id = harness.env("GOVMAIL_REJECTED").split()
    creates = harness.env("GOVMAIL_CREATES").split()
    files.allow_downloads(b, ddir)

    b.open("/")
    b.login(user, harness.env("GOVMAIL_PASSWORD"))
    b.click('[data-test="nav-import"]')
    b.wait_for('[data-test="import-form"]')
    # the scope is the officer's agency, chosen for them
    b.wait_until(lambda: b.js("var s = document.querySelector('[data-test=import-agency]');"
                              "return s && s.value === 'snv' && "
                              "!document.querySelector('[data-test=import-dryrun]').disabled;"),
                 "the scope select set to the officer's agency")
    b.check("the scope is the officer's agency (snv)",
            b.js("return document.querySelector('[data-test=import-agency]').value") == "snv")
    files.upload(b, '[data-test="import-file"]', export)
    b.click('[data-test="import-dryrun"]')

    # --- the dry-run plan ---
    b.wait_for('[data-test="import-plan"]')
    b.check("the route names the job", "#/import/" in b.driver.current_url, b.driver.current_url)
    b.check("the plan counts the data rows and the rejected one",
            "5" in b.text('[data-test="import-rows"]') and "1" in b.text('[data-test="import-rows"]'),
            b.text('[data-test="import-rows"]'))
    count = b.js("var r = document.querySelector('[data-test=import-count][data-action=create]');"
                 "return r ? r.getAttribute('data-count') : null;")
    b.check("counts: %d accounts to create" % len(creates), count == str(len(creates)), count)
    noacc = b.js("var r = document.querySelector('[data-test=import-count][data-action=\"no-account\"]');"
                 "return r ? r.getAttribute('data-count') : null;")
    b.check("counts: 1 retired person without an account", noacc == "1", noacc)
    row = b.wait_for('[data-test="import-rejected-row"][data-line="%s"]' % rej_line)
    b.check("the rejected row is shown with its line number %s" % rej_line,
            row.find_elements("css selector", "td")[0].text.strip() == rej_line, row.text)
    b.check("... its employee id and the reason (outside the subtree)",
            rej_id in row.text and "outside the subtree" in row.text, row.text)
    b.check("only that row is rejected",
            len(b.find_all('[data-test="import-rejected-row"]')) == 1)
    guard = b.find('[data-test="import-guard"]')
    b.check("the guard's verdict is shown: allowed",
            guard.get_attribute("data-refused") == "false" and "Cho phép" in guard.text, guard.text)
    b.wait_for('[data-test="import-plan-table"]')
    acts = b.js("return Array.from(document.querySelectorAll('[data-test=import-action]'))"
                ".map(function (r) { return [r.getAttribute('data-action'), "
                "r.getAttribute('data-line'), r.cells[2].textContent]; });")
    b.check("the plan lists each creation with its line",
            sorted(a[2] for a in acts if a[0] == "create") == sorted(creates) and
            sorted(a[1] for a in acts if a[0] == "create") == ["2", "3", "4"], acts)
    b.check("the page is in Vietnamese", "Dòng bị loại" in b.text('[data-test="import-rejected"]'))
    b.js("document.querySelector('[data-test=import-plan]').scrollIntoView()")
    b.shot("console-import-plan")

    # --- apply, with a confirmation saying what changes ---
    b.click('[data-test="import-apply"]')
    lines = b.wait_for('[data-test="confirm-lines"]').text
    b.check("the confirmation says what will change (%d creations)" % len(creates),
            ("Tạo tài khoản mới: %d" % len(creates)) in lines, lines)
    b.click('[data-test="confirm-ok"]')
    prog = b.wait_for('[data-test="import-progress"][data-state="done"]', timeout=600)
    b.check("the progress bar reaches the end",
            prog.get_attribute("data-done") == prog.get_attribute("data-total") == str(len(creates)),
            "%s/%s" % (prog.get_attribute("data-done"), prog.get_attribute("data-total")))
    b.check("the result is shown: done, the rejected row counted",
            b.find('[data-test="import-result"]').get_attribute("data-outcome") == "partial",
            b.text('[data-test="import-result"]'))

    # --- the initial passwords, once ---
    box = b.wait_for('[data-test="import-passwords-box"]')
    b.check("the page says the passwords file can be downloaded only once",
            "MỘT LẦN" in box.text and "không thể tải lại" in box.text, box.text)
    b.click('[data-test="import-passwords"]')
    b.wait_for('[data-test="import-passwords-done"]')
    path = files.wait_download(b, ddir, ".csv")
    text = open(path, encoding="utf-8").read()
    ids = sorted(line.split(",")[0] for line in text.splitlines() if line)
    b.check("the downloaded file has the accounts made, one line each", ids == sorted(creates), ids)
    b.check("the button is gone and the page says it cannot be downloaded again",
            not b.exists('[data-test="import-passwords"]') and
            "không thể tải lại" in b.text('[data-test="import-passwords-done"]'))
    b.js("window.scrollTo(0, 0)")
    b.shot("console-import-done")
    job = b.driver.current_url.rsplit("/", 1)[1]
    status, body = b.browser_fetch("GET", "/v1/hr/sync/jobs/%s/passwords" % job)
    b.check("a second download is refused by the API: 410", status == 410, "%s %s" % (status, body))
    b.console_errors(consume=True)   # the 410 just provoked
    b.driver.refresh()
    gone = b.wait_for('[data-test="import-passwords-gone"]')
    b.check("reloaded, the job says the passwords were downloaded already",
            "không thể tải lại" in gone.text and not b.exists('[data-test="import-passwords"]'),
            gone.text)


def guard(b):
    """The second export: one of them retired, over the guard's limit."""
    b.open("/")
    b.login(harness.env("GOVMAIL_USER"), harness.env("GOVMAIL_PASSWORD"))
    b.click('[data-test="nav-import"]')
    b.wait_for('[data-test="import-form"]')
    b.wait_until(lambda: b.js("return !document.querySelector('[data-test=import-dryrun]')"
                              ".disabled;"), "the form ready")
    files.upload(b, '[data-test="import-file"]', harness.env("GOVMAIL_EXPORT2"))
    b.click('[data-test="import-dryrun"]')
    verdict = b.wait_for('[data-test="import-guard"]')
    job2 = b.driver.current_url.rsplit("/", 1)[1]
    b.check("the guard refuses the plan that suspends 1 of 3 active accounts",
            verdict.get_attribute("data-refused") == "true" and "Từ chối" in verdict.text,
            verdict.text)
    b.check("... apply is disabled until the officer says the file was checked",
            b.js("return document.querySelector('[data-test=import-apply]').disabled") is True)
    b.shot("console-import-guard")

    # one job per subtree: another upload now is refused, naming this job
    b.open("/#/import")
    b.wait_until(lambda: b.js("var x = document.querySelector('[data-test=import-dryrun]');"
                              "return x && !x.disabled;"), "the form ready")
    files.upload(b, '[data-test="import-file"]', harness.env("GOVMAIL_EXPORT2"))
    b.click('[data-test="import-dryrun"]')
    link = b.wait_for('[data-test="import-other-job"]')
    b.check("a second upload on the subtree is refused; the page links to the job holding it",
            link.get_attribute("href").endswith("#/import/" + job2) and
            b.exists('[data-test="import-error"]'), link.get_attribute("href"))
    b.console_errors(consume=True)   # the 409 just provoked
    b.click('[data-test="import-other-job"]')
    b.wait_for('[data-test="import-guard"][data-refused="true"]')

    # meanwhile someone changes Bảo's title: the plan read is stale
    subprocess.run([harness.env("GOVMAILCTL"), "account", "modify", "baotv@haugiang.gov.vn",
                    "--title", "Phó trưởng phòng"], check=True, stdout=subprocess.DEVNULL)
    b.click('[data-test="import-force"]')
    b.click('[data-test="import-apply"]')
    lines = b.wait_for('[data-test="confirm-lines"]').text
    b.check("the confirmation names the suspension and that the guard is overridden",
            "Tạm ngừng (nghỉ hưu, chuyển công tác): 1" in lines and
            "Vượt qua cơ chế chặn khóa hàng loạt" in lines, lines)
    b.click('[data-test="confirm-ok"]')
    b.wait_for('[data-test="import-count"][data-action="update"]')
    notice = b.wait_for('[data-test="notice"][data-kind="error"]')
    b.check("the directory changed since the plan: nothing applied, the page says so and "
            "shows the plan made again (Bảo's title to restore)",
            "kế hoạch đã được lập lại" in notice.text and
            b.find('[data-test="import-state"]').get_attribute("data-state") == "planned",
            notice.text)
    b.console_errors(consume=True)   # the 409 just provoked
    b.click('[data-test="import-force"]')
    b.click('[data-test="import-apply"]')
    lines = b.wait_for('[data-test="confirm-lines"]').text
    b.check("the new confirmation names the update too",
            "Cập nhật thông tin: 1" in lines and "Tạm ngừng (nghỉ hưu, chuyển công tác): 1" in lines,
            lines)
    b.click('[data-test="confirm-ok"]')
    b.wait_for('[data-test="import-progress"][data-state="done"]', timeout=600)
    box = b.wait_for('[data-test="import-passwords-box"]')
    b.check("no account made: no passwords file", box.get_attribute("data-passwords") == "none" and
            not b.exists('[data-test="import-passwords"]'), box.text)


def large(b):
    """The whole province's export (10,300 rows) by a province-admin: the
    plan is drawn a page at a time, never all of it."""
    b.open("/")
    b.login(harness.env("GOVMAIL_USER"), harness.env("GOVMAIL_PASSWORD"))
    b.click('[data-test="nav-import"]')
    b.wait_until(lambda: b.js("var x = document.querySelector('[data-test=import-dryrun]');"
                              "return x && !x.disabled;"), "the form ready")
    b.check("a province-admin's scope is the whole province by default",
            b.js("return document.querySelector('[data-test=import-agency]').value") == "")
    files.upload(b, '[data-test="import-file"]', harness.env("GOVMAIL_EXPORT"))
    b.click('[data-test="import-dryrun"]')
    b.wait_for('[data-test="import-plan-table"]', timeout=900)
    total = int(b.find('[data-test="import-actions"]').get_attribute("data-total"))
    b.check("the plan has over 10,000 actions", total > 10000, total)
    rows = b.js("return document.querySelectorAll('[data-test=import-action]').length")
    b.check("only one page of them (100) is in the page", rows == 100, rows)
    first = b.js("return document.querySelector('[data-test=import-action]')"
                 ".getAttribute('data-line')")
    b.click('[data-test="import-plan-pager-next"]')
    b.wait_until(lambda: b.js("var r = document.querySelector('[data-test=import-action]');"
                              "return r && r.getAttribute('data-line') !== %s;" %
                              ("'%s'" % first)), "the next page")
    pos = b.text('[data-test="import-plan-pager"] .pager-pos')
    b.check("the next page: actions 101 to 200", pos.startswith("101–200"), pos)
    b.check("... still 100 rows in the page",
            b.js("return document.querySelectorAll('[data-test=import-action]').length") == 100)
    nrej, first_line = harness.env("GOVMAIL_REJECTED").split()
    rej = b.find('[data-test="import-rejected"]')
    b.check("%s rejected rows, 50 of them in the page, the first at line %s" % (nrej, first_line),
            rej.get_attribute("data-total") == nrej and
            len(b.find_all('[data-test="import-rejected-row"]')) == 50 and
            b.find('[data-test="import-rejected-row"]').get_attribute("data-line") == first_line)
    b.click('[data-test="import-rejected-pager-next"]')
    b.wait_until(lambda: len(b.find_all('[data-test="import-rejected-row"]')) == int(nrej) - 50,
                 "the second page of rejected rows")
    b.check("the second page has the other %d" % (int(nrej) - 50),
            b.find('[data-test="import-rejected-row"]').get_attribute("data-line") ==
            str(int(first_line) + 50))
    b.js("document.querySelector('[data-test=import-actions]').scrollIntoView()")
    b.shot("console-import-large")
    job = b.driver.current_url.rsplit("/", 1)[1]
    b.click('[data-test="import-discard"]')
    b.wait_for('[data-test="confirm-ok"]')
    b.click('[data-test="confirm-ok"]')
    b.wait_for('[data-test="import-form"]')
    status, _ = b.browser_fetch("GET", "/v1/hr/sync/jobs/%s" % job)
    b.check("discarded: the job is gone (404)", status == 404, status)
    b.console_errors(consume=True)   # the 404 just asked for


harness.run({"guard": guard, "large": large}.get(sys.argv[1] if sys.argv[1:] else "", main))
