#!/usr/bin/env python3
"""test_person_actions.py - a person's page in the hands of an agency
administrator, run by tests/integration/test_console_people.sh after
test_people.py (same server, same people), on tests/browser/harness.py:
lock and unlock (pwdAccountLockedTime in the directory), move to another
agency, a departure (disable), change of address with the old one kept as an alias, edit with
If-Match (a change made meanwhile elsewhere is refused and the page read
again, never overwritten), and an API error shown next to the field it
concerns on the new-account page.

Environment besides the harness's: GOVMAIL_USER, GOVMAIL_PASSWORD (an
agency-admin of sgd), GOVMAILCTL, GOVMAIL_CONF, LDAP_URI, LDAP_BASE,
LDAP_ADMIN_DN, LDAP_ADMIN_PWFILE.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_people import attr, css, ldap_attr, text  # noqa: E402

from selenium.webdriver.support.ui import Select  # noqa: E402


def status_is(d, s):
    return attr(d, "[data-test=person-status]", "data-status") == s


def main(h):
    d = h.driver
    h.open("/")
    h.login(harness.env("GOVMAIL_USER"), harness.env("GOVMAIL_PASSWORD"))

    # --- lock and unlock -------------------------------------------------
    h.open("/#/person/cuonglv@haugiang.gov.vn")
    h.wait_until(lambda: status_is(d, "active"), "cuonglv's page")
    h.click("[data-test=action-lock]")
    lines = h.wait_for("[data-test=confirm-lines]").text
    h.check("the lock confirmation says mail is still delivered",
            "Thư gửi tới cuonglv@haugiang.gov.vn vẫn được nhận" in lines, lines)
    h.type("[data-test=action-reason]", "mật khẩu bị lộ")
    h.click("[data-test=confirm-ok]")
    h.wait_for("[data-test=person-locked]")
    h.check("locked: the page says so, and the directory has the lock",
            ldap_attr("cuonglv@haugiang.gov.vn", "pwdAccountLockedTime") != [])
    h.click("[data-test=action-unlock]")
    h.wait_for("[data-test=confirm-lines]")
    h.click("[data-test=confirm-ok]")
    h.wait_for("[data-test=action-lock]")
    h.check("unlocked: no lock badge", len(css(d, "[data-test=person-locked]")) == 0)
    h.check("... and none in the directory",
            ldap_attr("cuonglv@haugiang.gov.vn", "pwdAccountLockedTime") == [])

    # --- move --------------------------------------------------------------
    h.click("[data-test=action-move]")
    sel = h.wait_for("[data-test=move-agency]")
    h.wait_until(lambda: len(Select(sel).options) > 1, "the agencies to move to")
    Select(sel).select_by_value("sgd")
    dlg = h.wait_text("dialog", "→").text
    h.check("the move confirmation names both agencies",
            "Trường THPT Vị Thanh (sgd-th) → Sở Giáo dục và Đào tạo (sgd)" in dlg, dlg)
    h.click("[data-test=confirm-ok]")
    h.wait_text("[data-test=person-agency]", "(sgd)")
    h.check("moved: the page shows the new agency", True)

    # --- change of address -------------------------------------------------
    h.click("[data-test=action-rename]")
    h.type("[data-test=rename-address]", "cuong.le@haugiang.gov.vn")
    dlg = h.wait_text("dialog", "cuong.le@").text
    h.check("the rename confirmation says the old address stays as an alias",
            "cuonglv@haugiang.gov.vn được giữ lại làm bí danh" in dlg, dlg)
    h.click("[data-test=confirm-ok]")
    h.wait_text("[data-test=person-address]", "cuong.le@haugiang.gov.vn")
    h.check("renamed: the page is the new address's",
            d.current_url.endswith("#/person/cuong.le%40haugiang.gov.vn"), d.current_url)
    h.check("... the old address listed as an alias",
            "cuonglv@haugiang.gov.vn" in h.text("[data-test=person-aliases]"))
    h.check("... and kept as one in the directory",
            ldap_attr("cuong.le@haugiang.gov.vn", "govmailAlias") == ["cuonglv@haugiang.gov.vn"])

    # --- edit with If-Match --------------------------------------------------
    h.click("[data-test=action-edit]")
    h.type("[data-test=edit-title]", "Giáo viên")
    h.click("[data-test=edit-save]")
    lines = h.wait_for("[data-test=confirm-lines]").text
    h.check("the edit confirmation lists the change", "Chức vụ: (trống) → Giáo viên" in lines, lines)
    h.click("[data-test=confirm-ok]")
    h.wait_until(lambda: ldap_attr("cuong.le@haugiang.gov.vn", "title") == ["Giáo viên"],
                 "the title in the directory")
    h.check("edited: the directory has the title", True)
    h.wait_for("[data-test=action-edit]")
    # the page was read again after the edit: its ETag is the new one. Now
    # someone else changes the account, and an edit from the old page must
    # be refused (412), not overwrite theirs.
    h.wait_text("[data-test=person-fullname]", "Lê Văn Cường")
    h.click("[data-test=action-edit]")
    h.wait_for("[data-test=edit-title]")
    r = subprocess.run([harness.env("GOVMAILCTL"), "account", "modify", "cuong.le@haugiang.gov.vn",
                        "--title", "Hiệu trưởng"], capture_output=True, text=True)
    h.check("meanwhile govmailctl changes the title", r.returncode == 0, r.stderr)
    h.type("[data-test=edit-title]", "Tổ trưởng")
    h.click("[data-test=edit-save]")
    h.wait_for("[data-test=confirm-lines]")
    h.click("[data-test=confirm-ok]")
    note = h.wait_text("[data-test=notice]", "Người khác vừa sửa").text
    h.check("the stale edit is refused with a message", True, note)
    h.check("... the directory keeps the other change",
            ldap_attr("cuong.le@haugiang.gov.vn", "title") == ["Hiệu trưởng"],
            repr(ldap_attr("cuong.le@haugiang.gov.vn", "title")))

    # --- a departure ---------------------------------------------------------
    h.open("/#/person/xss@haugiang.gov.vn")
    h.wait_until(lambda: status_is(d, "active"), "xss's page")
    h.click("[data-test=action-disable]")
    lines = h.wait_for("[data-test=confirm-lines]").text
    h.check("the departure confirmation says what changes",
            "Đang hoạt động → Đã vô hiệu hóa" in lines, lines)
    h.type("[data-test=action-reason]", "nghỉ hưu")
    h.click("[data-test=confirm-ok]")
    h.wait_until(lambda: status_is(d, "disabled"), "status disabled")
    h.check("disabled: the directory says so",
            ldap_attr("xss@haugiang.gov.vn", "govmailAccountStatus") == ["disabled"])

    # --- an API error next to its field ---------------------------------
    h.open("/#/new")
    h.wait_until(lambda: attr(d, "[data-test=new-agency]", "value") == "sgd", "the agency list")
    h.type("[data-test=new-name]", "Lý Thị Mai")
    h.type("[data-test=new-employee-id]", "100234")   # Nguyễn Văn An's
    h.click("[data-test=new-submit]")
    err = h.wait_for(".field-error[data-field=employee_id]")
    h.check("a taken employee id: the error is next to that field",
            "100234" in err.text, err.text)
    h.check("... and nothing was created", ldap_attr("mailt@haugiang.gov.vn", "cn") == [])
    h.check("... the field is marked invalid",
            attr(d, "[data-test=new-employee-id]", "aria-invalid") == "true")
    h.check("... the form is still there to correct", text(d, "[data-test=new-name]") is not None)


harness.run(main)
