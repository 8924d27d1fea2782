"""tests/browser/test_audit_certs.py — the console's Signing certificates
and Audit pages in a real browser (run by
tests/integration/test_console_audit_certs.sh), signed in as an
agency-admin of sgd.

Certificates: a person's PEM (GOVMAIL_PERSON_PEM) is previewed before it
is saved: the subject, issuer and SHA-256 fingerprint shown are those the
shell computed with openssl x509 (GOVMAIL_PERSON_*); the preview saves
nothing (the API still lists none); saving lists it. The agency's DER
(GOVMAIL_ORG_DER) likewise, then it is deleted after a confirmation.

Audit: filtered by operation, the records of the admin's subtree only; by
target and actor; the CSV export of what is shown, saved by the browser
(GOVMAIL_DOWNLOADS), parsed with Python's csv, is the API's records; the
exporter prefixes a cell starting with = + - @ with an apostrophe; the
page in English. An auditor (GOVMAIL_AUDITOR) sees the certificates but
no upload or delete. Screenshots: console-certs-preview, console-audit.
"""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import files  # noqa: E402

ADDR = "annv@haugiang.gov.vn"


def api_json(b, path):
    status, body = b.browser_fetch("GET", path)
    return status, (json.loads(body) if status == 200 else body)


def preview_fields(b):
    card = b.wait_for('[data-test="cert-preview"] [data-test="cert-preview-item"]')
    f = {}
    for k in ("subject", "issuer", "fingerprint", "not-after", "status", "emails"):
        f[k] = card.find_element("css selector", '[data-test="cert-%s"]' % k).text.strip()
    f["data-fingerprint"] = card.get_attribute("data-fingerprint")
    return f


def certificates(b):
    ddir = harness.env("GOVMAIL_DOWNLOADS")
    b.click('[data-test="nav-certs"]')
    b.wait_for('[data-test="certs"]')
    # a person: typed, then shown
    b.type('[data-test="cert-person"]', ADDR)
    b.click('[data-test="cert-show"]')
    lst = b.wait_for('[data-test="cert-list"]')
    b.check("the person has no certificate yet", lst.get_attribute("data-count") == "0")
    files.upload(b, '[data-test="cert-file"]', harness.env("GOVMAIL_PERSON_PEM"))
    f = preview_fields(b)
    want_fp = harness.env("GOVMAIL_PERSON_FP")
    b.check("preview (PEM): the subject openssl reads",
            f["subject"] == harness.env("GOVMAIL_PERSON_SUBJECT"), f["subject"])
    b.check("preview: the issuer openssl reads",
            f["issuer"] == harness.env("GOVMAIL_PERSON_ISSUER"), f["issuer"])
    b.check("preview: the SHA-256 fingerprint openssl computes", f["fingerprint"] == want_fp,
            "%s vs %s" % (f["fingerprint"], want_fp))
    b.check("preview: the validity and status (would be added)",
            f["not-after"] not in ("", "—") and f["status"] == "Sẽ được thêm", f)
    b.check("preview: the certificate's e-mail is not the person's address: a warning",
            any("không phải là %s" % ADDR in w.text for w in b.find_all('[data-test="cert-warning"]')))
    status, d = api_json(b, "/v1/accounts/%s/certificates" % ADDR)
    b.check("the preview saved nothing", status == 200 and d["certificates"] == [], d)
    b.shot("console-certs-preview")
    b.click('[data-test="cert-save"]')
    row = b.wait_for('[data-test="cert-row"]')
    b.check("saved: the certificate is listed with its fingerprint",
            row.get_attribute("data-fingerprint") == want_fp.replace(":", "").lower(),
            row.get_attribute("data-fingerprint"))
    status, d = api_json(b, "/v1/accounts/%s/certificates" % ADDR)
    b.check("... and the API lists it",
            status == 200 and [c["fingerprint"] for c in d["certificates"]] ==
            [want_fp.replace(":", "").lower()], d)

    # the agency: a DER file
    b.click('[data-test="cert-kind-agency"]')
    b.wait_until(lambda: b.js("var s = document.querySelector('[data-test=cert-agency]');"
                              "return s && Array.from(s.options).some(function (o) "
                              "{ return o.value === 'sgd'; });"), "the agency list")
    b.js("var s = document.querySelector('[data-test=cert-agency]'); s.value = 'sgd';")
    b.click('[data-test="cert-show"]')
    b.wait_until(lambda: b.js("var h = document.querySelector('[data-test=cert-owner]');"
                              "return h && h.getAttribute('data-owner') === 'sgd';"),
                 "the agency's certificates")
    files.upload(b, '[data-test="cert-file"]', harness.env("GOVMAIL_ORG_DER"))
    f = preview_fields(b)
    b.check("preview (DER) of the agency's certificate: subject and fingerprint as openssl",
            f["subject"] == harness.env("GOVMAIL_ORG_SUBJECT") and
            f["fingerprint"] == harness.env("GOVMAIL_ORG_FP"), f)
    b.click('[data-test="cert-save"]')
    row = b.wait_for('[data-test="cert-row"]')
    org_fp = harness.env("GOVMAIL_ORG_FP").replace(":", "").lower()
    b.check("saved on the agency", row.get_attribute("data-fingerprint") == org_fp)
    b.click('[data-test="cert-delete"]')
    lines = b.wait_for('[data-test="confirm-lines"]').text
    b.check("the deletion asks first, naming the fingerprint",
            harness.env("GOVMAIL_ORG_FP") in lines, lines)
    b.click('[data-test="confirm-ok"]')
    b.wait_until(lambda: b.js("var l = document.querySelector('[data-test=cert-list]');"
                              "return l && l.getAttribute('data-count') === '0';"),
                 "the list without it")
    status, d = api_json(b, "/v1/agencies/sgd/certificates")
    b.check("deleted: the API lists none on the agency", status == 200 and d["certificates"] == [], d)


def audit_rows(b):
    return b.js("return Array.from(document.querySelectorAll('[data-test=audit-row]'))"
                ".map(function (r) { return [r.getAttribute('data-op'), r.cells[3].textContent,"
                " r.cells[1].textContent]; });")


def search(b, **f):
    for k in ("actor", "target", "op"):
        b.type('[data-test="audit-%s"]' % k, f.get(k, ""))
    seq = b.js("return document.querySelector('[data-test=audit-count]')"
               ".getAttribute('data-seq');")
    b.click('[data-test="audit-search"]')
    # each answer drawn numbers the count line
    b.wait_until(lambda: b.js("return document.querySelector('[data-test=audit-count]')"
                              ".getAttribute('data-seq');") not in (None, seq), "the audit answer")
    return audit_rows(b)


def audit(b):
    ddir = harness.env("GOVMAIL_DOWNLOADS")
    b.click('[data-test="nav-audit"]')
    b.wait_for('[data-test="audit-count"][data-seq]')
    rows = search(b, op="account.suspend")
    b.check("filter by operation: the suspension in the admin's subtree, not Bình's (syt)",
            rows == [["account.suspend", "cuonglv@haugiang.gov.vn", ADDR]], rows)
    rows = search(b, target="cuonglv@haugiang.gov.vn", actor=ADDR)
    b.check("filter by target and actor: suspend and resume, newest first",
            [r[0] for r in rows] == ["account.resume", "account.suspend"], rows)
    b.open("/#/audit/target/cuonglv%40haugiang.gov.vn/op/account.resume")
    b.wait_for('[data-test="audit-count"][data-seq]')
    rows = audit_rows(b)
    b.check("#/audit/target/ADDRESS/op/OP opens the page filtered",
            rows == [["account.resume", "cuonglv@haugiang.gov.vn", ADDR]] and
            b.js("return document.querySelector('[data-test=audit-target]').value") ==
            "cuonglv@haugiang.gov.vn", rows)
    rows = search(b, op="account.cert.add")
    b.check("the certificate added a moment ago is in the log",
            rows == [["account.cert.add", ADDR, ADDR]], rows)
    # by time: the records are from today; a window in the future or the
    # past shows none (the inputs take the browser's local time)
    b.js("document.querySelector('[data-test=audit-since]').value = '2099-01-01T00:00';")
    rows = search(b, target="cuonglv@haugiang.gov.vn")
    b.check("filter by time: none since 2099", rows == [], rows)
    b.js("document.querySelector('[data-test=audit-since]').value = '';"
         "document.querySelector('[data-test=audit-until]').value = '2000-01-01T00:00';")
    rows = search(b, target="cuonglv@haugiang.gov.vn")
    b.check("filter by time: none before 2000", rows == [], rows)
    b.js("document.querySelector('[data-test=audit-until]').value = '2099-01-01T00:00';")
    rows = search(b, target="cuonglv@haugiang.gov.vn")
    b.check("filter by time: all of them before 2099 (account.add, suspend, resume)",
            [r[0] for r in rows] == ["account.resume", "account.suspend", "account.add"], rows)
    b.js("document.querySelector('[data-test=audit-until]').value = '';")
    rows = search(b, target="cuonglv@haugiang.gov.vn")
    b.js("document.querySelectorAll('[data-test=notice]').forEach(function (n) { n.remove(); });")
    b.shot("console-audit")

    before = files.downloaded(ddir, ".csv")
    b.click('[data-test="audit-export"]')
    path = files.wait_download(b, ddir, ".csv", before)
    raw = open(path, "rb").read()
    b.check("the CSV starts with a UTF-8 byte order mark and ends lines with CRLF",
            raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") >= 1 + len(rows), raw[:80])
    recs = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    status, d = api_json(b, "/v1/audit?target=cuonglv%40haugiang.gov.vn&limit=100")
    want = [[r.get("time"), r.get("actor"), r.get("op"), r.get("target"), r.get("result")]
            for r in d["items"]]
    b.check("the CSV has a header and the records shown",
            recs[0][:5] == ["time", "actor", "op", "target", "result"] and
            len(recs) - 1 == len(rows), recs[:2])
    b.check("... each the API's record (time, actor, op, target, result)",
            [r[:5] for r in recs[1:]] == want, "%s\n%s" % (recs[1:], want))
    sus = [r for r in recs[1:] if r[2] == "account.suspend"]
    b.check("... the suspension's details: the reason given",
            len(sus) == 1 and "=1+2 nghỉ việc" in sus[0][8], sus)

    # the exporter with values a spreadsheet would evaluate
    out = b.js("return Console.auditCsv([{time: '=1+2', actor: '+cmd', op: '-x', target: '@SUM(A1)',"
               " result: 'a \"quoted\", value', source: 'line\\nbreak'}]);")
    got = list(csv.reader(io.StringIO(out.lstrip("\ufeff"), newline="")))[1]
    b.check("CSV: = + - @ at the start of a cell get a leading apostrophe",
            got[:4] == ["'=1+2", "'+cmd", "'-x", "'@SUM(A1)"], got)
    b.check("CSV: quotes, commas and line breaks survive the quoting",
            got[4] == 'a "quoted", value' and got[5] == "line\nbreak", got)


def english(b):
    b.js("var s = document.querySelector('[data-test=lang-select]'); s.value = 'en';"
         "s.dispatchEvent(new Event('change'));")
    b.wait_text('[data-test="audit"] h1', "Audit log")
    b.check("in English: the audit page's title and filter button",
            b.text('[data-test="audit-search"]') == "Filter", b.text('[data-test="audit-search"]'))
    b.js("var s = document.querySelector('[data-test=lang-select]'); s.value = 'vi';"
         "s.dispatchEvent(new Event('change'));")
    b.wait_text('[data-test="audit"] h1', "Nhật ký kiểm tra")


def auditor(b):
    """An auditor reads the certificates, and may not change them."""
    b.click('[data-test="logout"]')
    b.login(harness.env("GOVMAIL_AUDITOR"), harness.env("GOVMAIL_AUDITOR_PASSWORD"))
    b.click('[data-test="nav-certs"]')
    b.type('[data-test="cert-person"]', ADDR)
    b.click('[data-test="cert-show"]')
    b.wait_for('[data-test="cert-row"]')
    b.check("an auditor sees the person's certificate, without delete or upload",
            not b.exists('[data-test="cert-delete"]') and not b.exists('[data-test="cert-file"]'))
    b.check("... and has the Audit page, not the HR import",
            b.exists('[data-test="nav-audit"]') and not b.exists('[data-test="nav-import"]'))


def main(b):
    files.allow_downloads(b, harness.env("GOVMAIL_DOWNLOADS"))
    b.open("/")
    b.login(ADDR, harness.env("GOVMAIL_PASSWORD"))
    certificates(b)
    audit(b)
    english(b)
    auditor(b)


harness.run(main)
