#!/usr/bin/env python3
"""test_people.py - the console's people pages in headless Chromium, run by
tests/integration/test_console_people.sh (which starts slapd and
govmail-apid and makes the people named here) through browser_run, on
tests/browser/harness.py.

Environment besides the harness's: GOVMAIL_USER, GOVMAIL_PASSWORD (an hr
officer of agency sgd), LDAP_URI, LDAP_BASE, LDAP_ADMIN_DN,
LDAP_ADMIN_PWFILE (to check the directory after a change).

Every wait is for an element or a state of the page, with a deadline only
as a hang guard.
"""
import base64
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (tests/browser/harness.py)

from selenium.common.exceptions import (NoAlertPresentException,  # noqa: E402
                                        StaleElementReferenceException)
from selenium.webdriver.common.by import By  # noqa: E402

XSS = "<img src=x onerror=alert(1)>"


def ldap_attr(mail, attr):
    """The values of attr of the account whose mail is `mail`."""
    out = subprocess.run(
        ["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H", harness.env("LDAP_URI"),
         "-D", harness.env("LDAP_ADMIN_DN"), "-y", harness.env("LDAP_ADMIN_PWFILE"),
         "-b", harness.env("LDAP_BASE"), "(mail=%s)" % mail, attr],
        capture_output=True, text=True, check=True).stdout
    vals = []
    for line in out.splitlines():
        if line.lower().startswith(attr.lower() + ": "):
            vals.append(line.split(": ", 1)[1])
        elif line.lower().startswith(attr.lower() + ":: "):   # LDIF base64: UTF-8, '<'...
            vals.append(base64.b64decode(line.split(":: ", 1)[1]).decode())
    return vals


def ldap_dn(mail):
    out = subprocess.run(
        ["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-x", "-H", harness.env("LDAP_URI"),
         "-D", harness.env("LDAP_ADMIN_DN"), "-y", harness.env("LDAP_ADMIN_PWFILE"),
         "-b", harness.env("LDAP_BASE"), "(mail=%s)" % mail, "dn"],
        capture_output=True, text=True, check=True).stdout
    return [line[4:] for line in out.splitlines() if line.startswith("dn: ")][0]


def binds(mail, password):
    """True when the account binds with the password (ldapwhoami)."""
    r = subprocess.run(["ldapwhoami", "-x", "-H", harness.env("LDAP_URI"), "-D", ldap_dn(mail),
                        "-w", password], capture_output=True, text=True)
    return r.returncode == 0


def css(d, sel):
    return d.find_elements(By.CSS_SELECTOR, sel)


def attr(d, sel, name):
    """Attribute `name` of the first element matching sel, None when there
    is none (or it went away while being read: the page re-renders)."""
    try:
        e = d.find_elements(By.CSS_SELECTOR, sel)
        return e[0].get_attribute(name) if e else None
    except StaleElementReferenceException:
        return None


def text(d, sel):
    try:
        e = d.find_elements(By.CSS_SELECTOR, sel)
        return e[0].text if e else None
    except StaleElementReferenceException:
        return None


def answered(d, query):
    """The rows shown answer the search `query` (people.js marks them)."""
    return attr(d, "[data-test=people-rows]", "data-query") == query


def addresses(d):
    try:
        return [r.get_attribute("data-address") for r in css(d, "[data-test=person-row]")]
    except StaleElementReferenceException:
        return None


def main(h):
    d = h.driver
    # --- sign in ------------------------------------------------------------
    h.open("/")
    h.login(harness.env("GOVMAIL_USER"), harness.env("GOVMAIL_PASSWORD"))
    h.wait_for("[data-test=person-row]")
    h.check("the hr officer signs in and sees the people list", True)

    # --- the list: the hr officer's subtree only --------------------------
    h.wait_until(lambda: addresses(d) is not None and len(addresses(d)) == 5, "5 people listed")
    shown = sorted(r.get_attribute("data-address") for r in css(d, "[data-test=person-row]"))
    h.check("the list shows the 5 people of sgd and its sub-agency",
            shown == ["annv@haugiang.gov.vn", "cuonglv@haugiang.gov.vn",
                      "hoadt@haugiang.gov.vn", "tamvm@haugiang.gov.vn",
                      "xss@haugiang.gov.vn"], repr(shown))
    h.check("... none of another agency (syt)", "binhtt@haugiang.gov.vn" not in shown, repr(shown))
    h.wait_until(lambda: "Sở Giáo dục" in d.find_element(By.CSS_SELECTOR,
                 "[data-test=people-tree]").text, "the agency tree")
    h.check("... the tree shows its agencies only",
            "Sở Y tế" not in d.find_element(By.CSS_SELECTOR, "[data-test=people-tree]").text)
    xss_cell = [r for r in css(d, "[data-test=person-row]")
                if r.get_attribute("data-address") == "xss@haugiang.gov.vn"][0]
    h.check("the person named like a tag is listed as text", XSS in xss_cell.text, xss_cell.text)
    h.check("... and makes no img element", len(css(d, "img")) == 0)
    h.shot("console-people")

    # --- search without diacritics ---------------------------------------
    box = d.find_element(By.CSS_SELECTOR, "[data-test=people-search]")
    box.send_keys("nguyen van an")
    h.wait_until(lambda: answered(d, "nguyen van an") and addresses(d) == ["annv@haugiang.gov.vn"],
                 "the search by name to find annv")
    row = css(d, "[data-test=person-row]")[0]
    h.check("'nguyen van an' finds Nguyễn Văn An", "Nguyễn Văn An" in row.text, row.text)
    box.clear()
    box.send_keys("100234")
    h.wait_until(lambda: answered(d, "100234") and addresses(d) == ["annv@haugiang.gov.vn"],
                 "the search by employee id to find annv")
    h.check("an employee id finds its person", True)
    box.clear()
    box.send_keys("binhtt@haugiang.gov.vn")
    h.wait_until(lambda: answered(d, "binhtt@haugiang.gov.vn") and addresses(d) == [],
                 "the search by address to find nobody")
    h.check("another agency's person is not found by address", True)

    # --- another agency's person by URL ----------------------------------
    h.open("/#/person/binhtt@haugiang.gov.vn")
    h.wait_for("[data-test=person-error]")
    h.check("#/person/ of another agency's person shows no such account",
            len(css(d, "[data-test=person-name]")) == 0)
    h.check("... and nothing of them in the page", "Trần Thị Bình" not in d.page_source)

    # --- the person named like a tag -------------------------------------
    h.open("/#/person/xss@haugiang.gov.vn")
    name = h.wait_for("[data-test=person-name]")
    h.check("the tag-like name is the heading's text", name.text == XSS, name.text)
    h.check("... no img element in the page", len(css(d, "img")) == 0)
    try:
        d.switch_to.alert
        alert = True
    except NoAlertPresentException:
        alert = False
    h.check("... no alert ran", not alert)

    # --- suspend and resume ----------------------------------------------
    h.open("/#/person/annv@haugiang.gov.vn")
    h.wait_until(lambda: attr(d, "[data-test=person-status]", "data-status") == "active", "status active")
    h.shot("console-person")
    h.click("[data-test=action-suspend]")
    lines = h.wait_for("[data-test=confirm-lines]").text
    h.check("the suspend confirmation says what changes",
            "Đang hoạt động → Tạm ngừng" in lines, lines)
    h.wait_for("[data-test=action-reason]").send_keys("nghỉ không lương")
    h.click("[data-test=confirm-ok]")
    h.wait_until(lambda: attr(d, "[data-test=person-status]", "data-status") == "suspended", "status suspended")
    st = ldap_attr("annv@haugiang.gov.vn", "govmailAccountStatus")
    h.check("suspended: the directory says so", st == ["suspended"], repr(st))
    h.check("... with the reason shown",
            "nghỉ không lương" in h.wait_for("[data-test=person-status-reason]").text)
    h.click("[data-test=action-resume]")
    h.wait_for("[data-test=confirm-lines]")
    h.click("[data-test=confirm-ok]")
    h.wait_until(lambda: attr(d, "[data-test=person-status]", "data-status") == "active", "status active")
    st = ldap_attr("annv@haugiang.gov.vn", "govmailAccountStatus")
    h.check("resumed: the directory says active", st == ["active"], repr(st))

    # --- password reset, shown once --------------------------------------
    h.click("[data-test=action-reset]")
    h.wait_for("[data-test=confirm-lines]")
    h.click("[data-test=confirm-ok]")
    pw = h.wait_for("[data-test=reset-password-value]").text
    h.check("the new password is shown", len(pw) >= 8, "%d characters" % len(pw))
    h.check("... and binds", binds("annv@haugiang.gov.vn", pw))
    h.check("... a copy button next to it", len(css(d, "[data-test=reset-password-copy]")) == 1)
    h.click("[data-test=reset-password-close]")
    h.wait_until(lambda: len(css(d, "[data-test=reset-password]")) == 0, "the dialog to go")
    h.check("after closing: no password element", len(css(d, "[data-test=reset-password-value]")) == 0)
    h.check("... and the password is nowhere in the page source", pw not in d.page_source)
    h.check("... nor in the document's text",
            pw not in d.execute_script("return document.documentElement.outerHTML"))

    # --- new account: the suggested address is the one created -----------
    h.open("/#/new")
    h.wait_until(lambda: attr(d, "[data-test=new-agency]", "value") == "sgd",
                 "the agency list, the officer's agency chosen")
    h.wait_for("[data-test=new-name]").send_keys("Ngô Văn An")
    # the suggestion for the whole name, not for a part typed before it
    h.wait_until(lambda: attr(d, "[data-test=new-address-suggestion]", "data-name") ==
                 "Ngô Văn An", "the suggestion for the name typed")
    sug = css(d, "[data-test=new-address-suggestion]")[0].text
    h.check("the suggested address is the next free one", sug == "annv2@haugiang.gov.vn", sug)
    tpl = css(d, "[data-test=new-address-template]")
    h.check("... and the template's (taken) one is named",
            len(tpl) == 1 and tpl[0].get_attribute("data-address") == "annv@haugiang.gov.vn")
    h.shot("console-new-account")
    h.click("[data-test=new-submit]")
    made = h.wait_for("[data-test=new-created-address]").text
    h.check("the account created has the suggested address", made == sug, made)
    h.check("... its initial password is shown once",
            h.wait_for("[data-test=new-password-value]").text != "")
    h.click("[data-test=new-password-close]")
    h.check("... the directory has it", ldap_attr(made, "cn") == ["Ngô Văn An"])


if __name__ == "__main__":
    harness.run(main)
