"""tests/browser/test_agencies.py — the console's Agencies page in a real
browser (run by tests/integration/test_console_agencies.sh): a province
administrator sees the agency tree, and every row's accounts and subtree
total equal ldapsearch's counts (also after expanding a branch); creates an
agency through the form (ldapsearch finds it under its parent) and
renames it (the change sent with the ETag read); merges an
agency into another: the preview dialog lists exactly the accounts
ldapsearch finds in it, cancelling changes nothing in the directory,
confirming moves them and retires the agency (ldapsearch), and the tree
shows it. The expanded tree fits a 1024-pixel-wide window (no sideways
scrolling). An HR officer has no Agencies link and is refused the page.
Screenshots: agencies-tree, agencies-merge-preview.
"""
import base64
import collections
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def ldapsearch(base, filt, *attrs):
    """Entries as lists of (attribute, value) lines, from ldapsearch."""
    out = subprocess.run(
        ["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H", harness.env("LDAP_URI"),
         "-D", harness.env("LDAP_ADMIN_DN"), "-y", harness.env("LDAP_ADMIN_PWFILE"),
         "-E", "pr=1000/noprompt", "-b", base, filt] + list(attrs),
        check=True, capture_output=True, text=True).stdout
    entries = []
    for block in out.split("\n\n"):
        lines = []
        for l in block.splitlines():
            if ": " not in l or l.startswith("#"):
                continue
            k, v = l.split(": ", 1)
            if k.endswith(":"):          # "attr:: base64" (non-ASCII values)
                k, v = k[:-1], base64.b64decode(v).decode("utf-8")
            lines.append((k, v))
        if lines:
            entries.append(lines)
    return entries


def base(ou):
    return "ou=%s,%s" % (ou, harness.env("LDAP_BASE"))


def expected_counts():
    """{code: (own, total)} as the directory has them."""
    own = collections.Counter()
    for e in ldapsearch(base("accounts"), "(objectClass=govmailAccount)", "govmailAgency"):
        for k, v in e:
            if k == "govmailAgency":
                own[v.lower()] += 1
    parent = {}
    for e in ldapsearch(base("agencies"), "(objectClass=govmailAgency)",
                        "govmailAgencyCode", "govmailParentAgency"):
        d = dict(e)
        parent[d["govmailAgencyCode"]] = d.get("govmailParentAgency")
    total = collections.Counter()
    for c, n in own.items():
        seen = 0
        while c and seen < 40:
            total[c] += n
            c, seen = parent.get(c), seen + 1
    return {c: (own[c], total[c]) for c in parent}


def dump():
    """What a merge changes, as text: accounts' agencies, agencies' parent,
    status and description."""
    lines = []
    for e in ldapsearch(base("accounts"), "(objectClass=govmailAccount)", "uid", "govmailAgency"):
        lines.append(" ".join("%s=%s" % kv for kv in sorted(e)))
    for e in ldapsearch(base("agencies"), "(objectClass=govmailAgency)", "govmailAgencyCode",
                        "govmailParentAgency", "govmailAgencyStatus", "description"):
        lines.append(" ".join("%s=%s" % kv for kv in sorted(e)))
    return sorted(lines)


def mails_of(code):
    return sorted(v for e in ldapsearch(base("accounts"),
                                       "(&(objectClass=govmailAccount)(govmailAgency=%s))" % code,
                                       "mail")
                  for k, v in e if k == "mail")


def row(code):
    return '[data-test="agency-row"][data-code="%s"]' % code


def shown_counts(b):
    """{code: (own, total)} of the rows on screen."""
    got = {}
    for r in b.find_all('[data-test="agency-row"]'):
        code = r.get_attribute("data-code")
        own = r.find_element("css selector", '[data-test="agency-count"]').get_attribute("data-value")
        tot = r.find_element("css selector", '[data-test="agency-total"]').get_attribute("data-value")
        got[code] = (int(own), int(tot))
    return got


def select(b, css, value):
    from selenium.webdriver.support.ui import Select
    Select(b.wait_for(css)).select_by_value(value)


def open_merge_preview(b, src, dst):
    b.click(row(src) + ' [data-test="agency-merge"]')
    b.wait_for('[data-test="merge-dialog"]')
    select(b, '[data-test="merge-into"]', dst)
    b.click('[data-test="merge-preview"]')
    b.wait_for('[data-test="confirm"]')
    return b.wait_until(lambda: b.find_all('[data-test="merge-preview-account"]'),
                        "the preview's accounts")


def main(b):
    src, dst = harness.env("GOVMAIL_MERGE_SRC"), harness.env("GOVMAIL_MERGE_DST")
    b.open("/")
    b.login(harness.env("GOVMAIL_ADMIN"), harness.env("GOVMAIL_ADMIN_PASSWORD"))
    b.click('[data-test="nav-agencies"]')
    b.wait_for('[data-test="agency-row"]')
    b.check("the page is titled in Vietnamese", b.text("main h1") == "Cơ quan, đơn vị",
            b.text("main h1"))

    want = expected_counts()
    got = shown_counts(b)
    bad = {c: (got[c], want.get(c)) for c in got if got[c] != want.get(c)}
    b.check("the tree shows the top agencies (%d rows)" % len(got), len(got) >= 20, sorted(got))
    b.check("every row's accounts and subtree total are ldapsearch's", not bad, bad)
    b.check("the root counts every account", got.get("ubndt") == want.get("ubndt"),
            "%s %s" % (got.get("ubndt"), want.get("ubndt")))

    # expand a branch: its sub-agencies appear with their counts
    b.check("a sub-agency is not shown while its branch is closed", not b.exists(row(src)))
    b.click(row("snv") + ' [data-test="agency-toggle"]')
    b.wait_for(row(src))
    got = shown_counts(b)
    b.check("expanded: %s's sub-agencies appear with ldapsearch's counts" % "snv",
            got.get(src) == want.get(src) and got.get(dst) == want.get(dst),
            "%s %s" % (got.get(src), want.get(src)))
    widths = b.js("return [document.documentElement.scrollWidth, "
                  "document.documentElement.clientWidth, "
                  "document.querySelector('table.agencies').getBoundingClientRect().right]")
    b.check("the expanded tree fits the 1024-pixel window: no sideways scrolling",
            widths[0] <= widths[1] and widths[2] <= widths[1], widths)
    b.js("window.scrollTo(0, 0)")
    b.shot("agencies-tree")

    # create an agency through the form
    b.click('[data-test="agency-new"]')
    b.wait_for('[data-test="agency-dialog"]')
    b.type('[data-test="agency-code-input"]', "snv-u9")
    b.type('[data-test="agency-name-input"]', "Phòng Thử nghiệm Số")
    select(b, '[data-test="agency-level"]', "unit")
    select(b, '[data-test="agency-parent"]', "snv")
    b.click('[data-test="agency-save"]')
    b.wait_for(row("snv-u9"))
    made = ldapsearch(base("agencies"), "(govmailAgencyCode=snv-u9)", "govmailAgencyName",
                      "govmailParentAgency", "govmailAgencyLevel")
    b.check("the new agency is in the directory under snv (ldapsearch)",
            len(made) == 1 and ("govmailParentAgency", "snv") in made[0], made)
    b.check("... shown in the tree with no accounts",
            shown_counts(b).get("snv-u9") == (0, 0), shown_counts(b).get("snv-u9"))

    # edit it: the form sends the change with the ETag it read
    b.click(row("snv-u9") + ' [data-test="agency-edit"]')
    b.wait_for('[data-test="agency-dialog"]')
    b.type('[data-test="agency-name-input"]', "Phòng Chuyển đổi số")
    b.click('[data-test="agency-save"]')
    b.wait_gone('[data-test="agency-dialog"]')
    b.wait_text(row("snv-u9") + ' [data-test="agency-name"]', "Phòng Chuyển đổi số")
    cn = [v for e in ldapsearch(base("agencies"), "(govmailAgencyCode=snv-u9)", "govmailAgencyName")
          for k, v in e if k == "govmailAgencyName"]
    b.check("the new name is in the directory (ldapsearch)", cn == ["Phòng Chuyển đổi số"], cn)

    # merge: the preview lists the accounts; cancel changes nothing
    before = dump()
    moving = mails_of(src)
    items = open_merge_preview(b, src, dst)
    listed = sorted(e.get_attribute("data-address") for e in items)
    b.check("the preview lists exactly the %d accounts of %s (ldapsearch)" % (len(moving), src),
            listed == moving and len(moving) > 0, "%s != %s" % (listed, moving))
    lines = b.text('[data-test="confirm-lines"]')
    b.check("... and says it moves them, retires %s and changes no address" % src,
            str(len(moving)) in lines and src in lines, lines)
    b.shot("agencies-merge-preview")
    b.click('[data-test="confirm-cancel"]')
    b.wait_gone('[data-test="confirm"]')
    b.check("cancelling the preview changed nothing (ldapsearch)", dump() == before)

    # merge for real
    n_dst = len(mails_of(dst))
    open_merge_preview(b, src, dst)
    b.click('[data-test="confirm-ok"]')
    b.wait_gone('[data-test="confirm"]')
    b.wait_until(lambda: shown_counts(b).get(src) == (0, 0), "the tree to show %s empty" % src)
    b.check("confirmed: no account is left in %s (ldapsearch)" % src, mails_of(src) == [])
    b.check("... they are all in %s" % dst,
            sorted(mails_of(dst)) == sorted(set(mails_of(dst)) | set(moving)) and
            len(mails_of(dst)) == n_dst + len(moving), len(mails_of(dst)))
    st = ldapsearch(base("agencies"), "(govmailAgencyCode=%s)" % src, "govmailAgencyStatus")
    b.check("... %s is retired (ldapsearch)" % src,
            st and ("govmailAgencyStatus", "retired") in st[0], st)
    got = shown_counts(b)
    want = expected_counts()
    b.check("the tree's counts follow (%s, %s)" % (src, dst),
            got.get(dst) == want.get(dst) and got.get("snv") == want.get("snv"),
            "%s %s" % (got.get(dst), want.get(dst)))

    # an HR officer gets no Agencies page
    b.click('[data-test="logout"]')
    b.wait_for('[data-test="login-user"]')
    b.login(harness.env("GOVMAIL_HR"), harness.env("GOVMAIL_HR_PASSWORD"))
    b.check("an HR officer has no Agencies link", not b.exists('[data-test="nav-agencies"]'))
    b.open("/#/agencies")
    b.wait_for('[data-test="forbidden"]')
    b.check("... and opening it is refused", not b.exists('[data-test="agency-row"]'))


harness.run(main)
