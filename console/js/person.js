/*
 * person.js - one person's page (#/person/<address>): status, addresses,
 * aliases, forwards, quota, signing certificates and the audit history of
 * the account, and the actions on it (a departure, "disable", as well).  Every action first shows a
 * confirmation that says exactly what will change; the answer's list of
 * changes is shown afterwards and the page is read again.
 *
 * A reset password is shown once (Console.showSecret), in a dialog
 * removed from the document when it closes: it is in the page only while
 * on screen.
 * Editing the details sends If-Match with the ETag the page was read with
 * (the only place the API takes one): a change made meanwhile by someone
 * else is a 412, and the page is read again instead of overwriting it.
 */
"use strict";

(function () {
	const C = window.Console;

	C.messages({
		vi: {
			"person.title": "Thông tin cá nhân",
			"person.back": "← Danh sách nhân sự",
			"person.notFound": "Không tìm thấy tài khoản này, hoặc tài khoản không thuộc đơn vị bạn quản lý.",
			"person.locked": "Bị khóa đăng nhập",
			"person.details": "Thông tin",
			"person.mail": "Thư điện tử",
			"person.name": "Họ và tên",
			"person.uid": "Tên đăng nhập",
			"person.employeeId": "Mã nhân viên",
			"person.agency": "Đơn vị",
			"person.jobTitle": "Chức vụ",
			"person.phone": "Điện thoại cơ quan",
			"person.mobile": "Điện thoại di động",
			"person.language": "Ngôn ngữ",
			"person.status": "Trạng thái",
			"person.statusReason": "Lý do",
			"person.statusChanged": "Thay đổi lúc",
			"person.address": "Địa chỉ chính",
			"person.aliases": "Bí danh",
			"person.forwards": "Chuyển tiếp tới",
			"person.quota": "Dung lượng hộp thư",
			"person.external": "Được gửi thư ra ngoài",
			"person.mustChange": "Phải đổi mật khẩu",
			"person.certs": "Chứng thư ký số",
			"person.certs.none": "Chưa có chứng thư ký số nào.",
			"person.certs.subject": "Chủ thể",
			"person.certs.issuer": "Tổ chức cấp",
			"person.certs.validity": "Hiệu lực",
			"person.certs.fingerprint": "Dấu vân tay (SHA-256)",
			"person.audit": "Lịch sử thay đổi",
			"person.audit.none": "Chưa có thay đổi nào được ghi lại.",
			"person.audit.time": "Thời gian",
			"person.audit.op": "Thao tác",
			"person.audit.actor": "Người thực hiện",
			"person.audit.changes": "Nội dung",
			"person.hiddenForRole": "Vai trò của bạn không xem được mục này.",
			"person.actions": "Thao tác",
			"person.act.edit": "Sửa thông tin",
			"person.act.suspend": "Tạm ngừng",
			"person.act.resume": "Khôi phục",
			"person.act.disable": "Nghỉ việc",
			"person.act.lock": "Khóa đăng nhập",
			"person.act.unlock": "Mở khóa đăng nhập",
			"person.act.move": "Chuyển đơn vị",
			"person.act.rename": "Đổi địa chỉ thư",
			"person.act.reset": "Đặt lại mật khẩu",
			"person.reason": "Lý do",
			"person.reasonRequired": "Vui lòng nhập lý do.",
			"person.reasonOptional": "Lý do (không bắt buộc)",
			"person.suspend.title": "Tạm ngừng tài khoản {address}?",
			"person.suspend.l1": "Trạng thái: {from} → Tạm ngừng.",
			"person.suspend.l2": "Người này sẽ không đăng nhập được và không nhận được thư cho đến khi tài khoản được khôi phục.",
			"person.resume.title": "Khôi phục tài khoản {address}?",
			"person.resume.l1": "Trạng thái: {from} → Đang hoạt động.",
			"person.resume.l2": "Người này đăng nhập và nhận thư được trở lại.",
			"person.disable.title": "Vô hiệu hóa tài khoản {address} vì người này nghỉ việc?",
			"person.disable.l1": "Trạng thái: {from} → Đã vô hiệu hóa.",
			"person.disable.l2": "Người này không đăng nhập được và không nhận được thư nữa. Tài khoản và hộp thư vẫn được giữ lại; quản trị viên chỉ xóa hẳn được sau thời hạn lưu trữ.",
			"person.disable.l3": "Nếu nhầm, bấm Khôi phục để tài khoản hoạt động trở lại.",
			"person.lock.title": "Khóa đăng nhập của {address}?",
			"person.lock.l1": "Không ai đăng nhập được vào tài khoản này nữa (kể cả với mật khẩu đúng) cho đến khi mở khóa.",
			"person.lock.l2": "Thư gửi tới {address} vẫn được nhận vào hộp thư.",
			"person.unlock.title": "Mở khóa đăng nhập của {address}?",
			"person.unlock.l1": "Tài khoản đăng nhập được trở lại bằng mật khẩu hiện tại; số lần nhập sai mật khẩu được xóa.",
			"person.move.title": "Chuyển {address} sang đơn vị khác?",
			"person.move.to": "Đơn vị mới",
			"person.move.l1": "Đơn vị: {from} → {to}.",
			"person.move.l2": "Địa chỉ thư và mật khẩu không thay đổi.",
			"person.move.pick": "Vui lòng chọn đơn vị mới.",
			"person.rename.title": "Đổi địa chỉ thư của {name}?",
			"person.rename.new": "Địa chỉ mới",
			"person.rename.l1": "Địa chỉ chính: {from} → {to}.",
			"person.rename.l2": "{from} được giữ lại làm bí danh: thư gửi tới địa chỉ cũ vẫn đến hộp thư này.",
			"person.rename.need": "Vui lòng nhập địa chỉ mới, dạng ten@tenmien.",
			"person.reset.title": "Đặt lại mật khẩu của {address}?",
			"person.reset.l1": "Mật khẩu hiện tại sẽ không dùng được nữa.",
			"person.reset.l2": "Một mật khẩu mới được tạo ngẫu nhiên và chỉ hiển thị một lần; hãy chuyển cho người dùng theo cách an toàn.",
			"person.reset.mustChange": "Bắt buộc đổi mật khẩu ở lần đăng nhập tiếp theo",
			"person.reset.shown": "Mật khẩu mới của {address}",
			"person.edit.title": "Sửa thông tin của {address}",
			"person.edit.nothing": "Không có gì thay đổi.",
			"person.edit.confirm": "Lưu các thay đổi sau?",
			"person.change": "{field}: {from} → {to}",
			"person.done": "Đã lưu: {changes}",
			"person.doneNoChange": "Không có gì thay đổi.",
			"person.stale": "Người khác vừa sửa tài khoản này; trang đã được tải lại, vui lòng kiểm tra rồi sửa lại.",
			"person.empty": "(trống)",
			"person.field.status": "Trạng thái",
			"person.field.status_reason": "Lý do",
			"person.field.agency": "Đơn vị",
			"person.field.address": "Địa chỉ chính",
			"person.field.alias": "Bí danh",
			"person.field.name": "Họ và tên",
			"person.field.title": "Chức vụ",
			"person.field.phone": "Điện thoại cơ quan",
			"person.field.mobile": "Điện thoại di động",
			"person.field.employee_id": "Mã nhân viên",
			"person.field.password": "Mật khẩu",
			"person.field.locked": "Khóa đăng nhập",
			"person.field.lock_reason": "Lý do khóa"
		},
		en: {
			"person.title": "Person",
			"person.back": "← People",
			"person.notFound": "There is no such account, or it is not in an agency you manage.",
			"person.locked": "Login locked",
			"person.details": "Details",
			"person.mail": "Mail",
			"person.name": "Name",
			"person.uid": "User name",
			"person.employeeId": "Employee id",
			"person.agency": "Agency",
			"person.jobTitle": "Title",
			"person.phone": "Office phone",
			"person.mobile": "Mobile",
			"person.language": "Language",
			"person.status": "Status",
			"person.statusReason": "Reason",
			"person.statusChanged": "Changed",
			"person.address": "Primary address",
			"person.aliases": "Aliases",
			"person.forwards": "Forwards to",
			"person.quota": "Mailbox quota",
			"person.external": "May send outside",
			"person.mustChange": "Must change password",
			"person.certs": "Signing certificates",
			"person.certs.none": "No signing certificates.",
			"person.certs.subject": "Subject",
			"person.certs.issuer": "Issuer",
			"person.certs.validity": "Valid",
			"person.certs.fingerprint": "SHA-256 fingerprint",
			"person.audit": "History",
			"person.audit.none": "No changes recorded.",
			"person.audit.time": "Time",
			"person.audit.op": "Operation",
			"person.audit.actor": "By",
			"person.audit.changes": "What changed",
			"person.hiddenForRole": "Your role may not see this.",
			"person.actions": "Actions",
			"person.act.edit": "Edit details",
			"person.act.suspend": "Suspend",
			"person.act.resume": "Resume",
			"person.act.disable": "Departure",
			"person.act.lock": "Lock login",
			"person.act.unlock": "Unlock login",
			"person.act.move": "Move to another agency",
			"person.act.rename": "Change address",
			"person.act.reset": "Reset password",
			"person.reason": "Reason",
			"person.reasonRequired": "Please give a reason.",
			"person.reasonOptional": "Reason (optional)",
			"person.suspend.title": "Suspend {address}?",
			"person.suspend.l1": "Status: {from} → Suspended.",
			"person.suspend.l2": "This person can neither sign in nor receive mail until the account is resumed.",
			"person.resume.title": "Resume {address}?",
			"person.resume.l1": "Status: {from} → Active.",
			"person.resume.l2": "This person can sign in and receive mail again.",
			"person.disable.title": "Disable {address}: this person has left?",
			"person.disable.l1": "Status: {from} → Disabled.",
			"person.disable.l2": "This person can neither sign in nor receive mail any more. The account and mailbox are kept; an administrator can remove them for good only after the retention period.",
			"person.disable.l3": "If this is a mistake, Resume makes the account active again.",
			"person.lock.title": "Lock the login of {address}?",
			"person.lock.l1": "Nobody can sign in to this account any more (not even with the right password) until it is unlocked.",
			"person.lock.l2": "Mail to {address} is still delivered to the mailbox.",
			"person.unlock.title": "Unlock the login of {address}?",
			"person.unlock.l1": "The account can sign in again with its current password; failed sign-ins are forgotten.",
			"person.move.title": "Move {address} to another agency?",
			"person.move.to": "New agency",
			"person.move.l1": "Agency: {from} → {to}.",
			"person.move.l2": "The mail address and password stay the same.",
			"person.move.pick": "Please choose the new agency.",
			"person.rename.title": "Change the address of {name}?",
			"person.rename.new": "New address",
			"person.rename.l1": "Primary address: {from} → {to}.",
			"person.rename.l2": "{from} is kept as an alias: mail to the old address still reaches this mailbox.",
			"person.rename.need": "Please enter the new address, as name@domain.",
			"person.reset.title": "Reset the password of {address}?",
			"person.reset.l1": "The current password stops working.",
			"person.reset.l2": "A new random password is made and shown only once; hand it to the person safely.",
			"person.reset.mustChange": "Must change the password at the next sign-in",
			"person.reset.shown": "New password of {address}",
			"person.edit.title": "Edit the details of {address}",
			"person.edit.nothing": "Nothing changed.",
			"person.edit.confirm": "Save these changes?",
			"person.change": "{field}: {from} → {to}",
			"person.done": "Saved: {changes}",
			"person.doneNoChange": "Nothing changed.",
			"person.stale": "Someone else just changed this account; the page was read again, please check and edit again.",
			"person.empty": "(empty)",
			"person.field.status": "Status",
			"person.field.status_reason": "Reason",
			"person.field.agency": "Agency",
			"person.field.address": "Primary address",
			"person.field.alias": "Alias",
			"person.field.name": "Name",
			"person.field.title": "Title",
			"person.field.phone": "Office phone",
			"person.field.mobile": "Mobile",
			"person.field.employee_id": "Employee id",
			"person.field.password": "Password",
			"person.field.locked": "Login lock",
			"person.field.lock_reason": "Lock reason"
		}
	});

	const WRITERS = ["province-admin", "agency-admin", "hr"];
	const ADMINS = ["province-admin", "agency-admin"];

	function fieldName(f) {
		const k = "person.field." + f;
		const s = C.t(k);
		return s === k ? f : s;
	}

	function changeText(c) {
		const show = (v) => (v === null || v === undefined || v === "") ? C.t("person.empty") :
		    (c.field === "status" ? C.statusLabel(v) : String(v));
		return C.t("person.change", { field: fieldName(c.field), from: show(c.old), to: show(c.new) });
	}

	function changesText(changes) {
		if (!Array.isArray(changes) || changes.length === 0)
			return C.t("person.doneNoChange");
		return C.t("person.done", { changes: changes.filter((c) => c.field !== "password")
		    .map(changeText).join("; ") || fieldName("password") });
	}

	function dash(v) {
		return v === null || v === undefined || v === "" ? "—" : String(v);
	}

	function facts(pairs) {
		const dl = C.el("dl", { class: "facts" });
		for (const [label, value, test] of pairs) {
			dl.appendChild(C.el("dt", null, label));
			dl.appendChild(C.el("dd", { "data-test": test || null },
			    value instanceof Node ? value : dash(value)));
		}
		return dl;
	}

	function list(items, test) {
		if (!items || items.length === 0)
			return C.el("span", { class: "empty", "data-test": test }, C.t("core.none"));
		return C.el("ul", { class: "plain", "data-test": test },
		    items.map((a) => C.el("li", { class: "addr" }, a)));
	}

	/* A labelled input for a dialog. */
	function input(name, label, attrs) {
		const id = "dlg-" + name;
		const inp = attrs && attrs.tag === "textarea" ?
		    C.el("textarea", Object.assign({ id: id, name: name, rows: 3 }, attrs, { tag: null })) :
		    C.el("input", Object.assign({ id: id, name: name, type: "text" }, attrs || {}));
		return { input: inp, field: C.el("div", { class: "field" },
		    C.el("label", { for: id }, label), inp) };
	}

	function fieldError(inp, text) {
		const wrap = inp.closest(".field");
		for (const e of wrap.querySelectorAll(".field-error"))
			e.remove();
		inp.setAttribute("aria-invalid", "true");
		wrap.appendChild(C.el("div", { class: "field-error", "data-test": "field-error",
		    "data-field": inp.name }, text));
		inp.focus();
	}

	async function render(view, params) {
		const key = params[0];
		if (!key) {
			C.go("people");
			return;
		}
		const seq = C.renderSeq();
		view.appendChild(C.el("p", { class: "empty" }, C.t("core.loading")));
		let r;
		try {
			r = await C.api("GET", "/v1/accounts/" + C.seg(key));
		} catch (e) {
			if (!C.current(seq))
				return;
			C.clear(view);
			view.appendChild(C.el("p", null, C.el("a", { href: "#/people" }, C.t("person.back"))));
			if (e.status === 404 || e.status === 403)
				view.appendChild(C.el("p", { class: "error-box", "data-test": "person-error" },
				    C.t("person.notFound")));
			else
				C.showError(view, e);
			return;
		}
		if (!C.current(seq))
			return;
		const p = r.data;
		const etag = r.headers.get("ETag");
		const addr = p.address || key;
		const [locked, agencies] = await Promise.all([
			isLocked(p),
			C.agencies().catch(() => [])
		]);
		if (!C.current(seq))
			return;
		const agencyName = (code) => {
			const a = agencies.find((x) => x.code === code);
			return a ? C.agencyLabel(a) : dash(code);
		};
		C.clear(view);
		document.title = (p.name || addr) + " – " + C.t("core.app");

		const reload = () => C.render();
		const ctx = { p: p, addr: addr, etag: etag, locked: locked, agencyName: agencyName,
		    reload: reload };

		view.appendChild(C.el("p", null, C.el("a", { href: "#/people", "data-test": "person-back" },
		    C.t("person.back"))));
		view.appendChild(C.el("div", { class: "person-head" },
		    C.el("h1", { "data-test": "person-name" }, p.name || addr),
		    C.el("span", { class: "badge " + (p.status || ""), "data-test": "person-status",
		        "data-status": p.status || "" }, C.statusLabel(p.status)),
		    locked ? C.el("span", { class: "badge locked", "data-test": "person-locked" },
		        C.t("person.locked")) : null));
		view.appendChild(actions(ctx));

		view.appendChild(C.el("div", { class: "person-grid" },
		    C.el("section", { class: "card" }, C.el("h2", null, C.t("person.details")), facts([
			[C.t("person.name"), p.name, "person-fullname"],
			[C.t("person.uid"), p.uid],
			[C.t("person.employeeId"), p.employee_id, "person-employee-id"],
			[C.t("person.agency"), agencyName(p.agency), "person-agency"],
			[C.t("person.jobTitle"), p.title],
			[C.t("person.phone"), p.phone],
			[C.t("person.mobile"), p.mobile],
			[C.t("person.language"), p.language],
			[C.t("person.status"), C.statusLabel(p.status)],
			[C.t("person.statusReason"), p.status_reason, "person-status-reason"],
			[C.t("person.statusChanged"), C.formatTime(p.status_changed)]
		    ])),
		    C.el("section", { class: "card" }, C.el("h2", null, C.t("person.mail")), facts([
			[C.t("person.address"), C.el("span", { class: "addr", "data-test": "person-address" },
			    dash(p.address))],
			[C.t("person.aliases"), list(p.aliases, "person-aliases")],
			[C.t("person.forwards"), list(p.forwards, "person-forwards")],
			[C.t("person.quota"), C.formatBytes(p.quota), "person-quota"],
			[C.t("person.external"), p.may_send_external === null ||
			    p.may_send_external === undefined ? "—" :
			    C.t(p.may_send_external ? "core.yes" : "core.no")],
			[C.t("person.mustChange"), C.t(p.must_change_password ? "core.yes" : "core.no")]
		    ]))));

		const certs = C.el("section", { class: "card", "data-test": "person-certs" },
		    C.el("h2", null, C.t("person.certs")), C.el("p", { class: "empty" }, C.t("core.loading")));
		const audit = C.el("section", { class: "card", "data-test": "person-audit" },
		    C.el("h2", null, C.t("person.audit")), C.el("p", { class: "empty" }, C.t("core.loading")));
		view.appendChild(certs);
		view.appendChild(audit);
		/* hr may read neither (README's role table): say so, ask nothing */
		const readers = ["province-admin", "agency-admin", "auditor"];
		if (C.mayAny(readers)) {
			fillCerts(certs, addr);
			fillAudit(audit, addr);
		} else {
			replaceBody(certs, C.el("p", { class: "empty" }, C.t("person.hiddenForRole")));
			replaceBody(audit, C.el("p", { class: "empty" }, C.t("person.hiddenForRole")));
		}
	}

	/* The login lock, from the account itself (login_lock: null when none). */
	function isLocked(p) {
		return p.login_lock !== undefined && p.login_lock !== null;
	}

	function replaceBody(section, node) {
		while (section.childNodes.length > 1)
			section.removeChild(section.lastChild);
		section.appendChild(node);
	}

	async function fillCerts(section, addr) {
		try {
			const r = await C.api("GET", "/v1/accounts/" + C.seg(addr) + "/certificates");
			const items = (r.data && r.data.certificates) || [];
			if (items.length === 0) {
				replaceBody(section, C.el("p", { class: "empty" }, C.t("person.certs.none")));
				return;
			}
			replaceBody(section, C.el("table", { class: "list" },
			    C.el("thead", null, C.el("tr", null,
				C.el("th", null, C.t("person.certs.subject")),
				C.el("th", null, C.t("person.certs.issuer")),
				C.el("th", null, C.t("person.certs.validity")),
				C.el("th", null, C.t("person.certs.fingerprint")))),
			    C.el("tbody", null, items.map((c) => C.el("tr", { "data-test": "person-cert" },
				C.el("td", null, c.error ? c.error : dash(c.subject)),
				C.el("td", null, dash(c.issuer)),
				C.el("td", null, C.formatTime(c.not_before) + " – " + C.formatTime(c.not_after)),
				C.el("td", { class: "addr", title: c.fingerprint || "" },
				    c.fingerprint ? c.fingerprint.slice(0, 16) + "…" : "—"))))));
		} catch (e) {
			if (e.status === 401)
				return;
			replaceBody(section, C.el("p", { class: "empty" }, e.status === 403 ?
			    C.t("person.hiddenForRole") : C.problemText(e)));
		}
	}

	function auditChanges(rec) {
		const parts = [];
		if (Array.isArray(rec.changes))
			for (const c of rec.changes)
				parts.push(changeText(c));
		if (rec.reason)
			parts.push(C.t("person.reason") + ": " + rec.reason);
		if (rec.result && rec.result !== "ok")
			parts.push(String(rec.result));
		return parts.join("; ") || "—";
	}

	async function fillAudit(section, addr) {
		try {
			const r = await C.api("GET", "/v1/audit", { query: { target: addr, limit: 50 } });
			const items = (r.data && r.data.items) || [];
			if (items.length === 0) {
				replaceBody(section, C.el("p", { class: "empty" }, C.t("person.audit.none")));
				return;
			}
			replaceBody(section, C.el("table", { class: "list" },
			    C.el("thead", null, C.el("tr", null,
				C.el("th", null, C.t("person.audit.time")),
				C.el("th", null, C.t("person.audit.op")),
				C.el("th", null, C.t("person.audit.actor")),
				C.el("th", null, C.t("person.audit.changes")))),
			    C.el("tbody", null, items.map((a) => C.el("tr", { "data-test": "person-audit-row",
				"data-op": a.op || "" },
				C.el("td", null, C.formatTime(a.time)),
				C.el("td", null, dash(a.op)),
				C.el("td", { class: "addr" }, dash(a.actor)),
				C.el("td", null, auditChanges(a)))))));
		} catch (e) {
			if (e.status === 401)
				return;
			replaceBody(section, C.el("p", { class: "empty" }, e.status === 403 ?
			    C.t("person.hiddenForRole") : C.problemText(e)));
		}
	}

	/* ---- actions ---- */

	function actions(ctx) {
		const p = ctx.p;
		const bar = C.el("div", { class: "actions", "data-test": "person-actions" });
		const btn = (name, label, fn, kind) => bar.appendChild(C.el("button", { type: "button",
		    class: kind || "", "data-test": "action-" + name, on: { click: () => fn(ctx) } }, label));
		if (C.mayAny(WRITERS)) {
			btn("edit", C.t("person.act.edit"), editDetails);
			if (p.status === "active")
				btn("suspend", C.t("person.act.suspend"), suspend);
			if (p.status === "suspended" || p.status === "disabled")
				btn("resume", C.t("person.act.resume"), resume);
			if (p.status === "active" || p.status === "suspended")
				btn("disable", C.t("person.act.disable"), disable, "");
			btn("move", C.t("person.act.move"), move);
			btn("reset", C.t("person.act.reset"), resetPassword);
		}
		if (C.mayAny(ADMINS)) {
			if (ctx.locked)
				btn("unlock", C.t("person.act.unlock"), unlock);
			else
				btn("lock", C.t("person.act.lock"), lock);
			btn("rename", C.t("person.act.rename"), rename);
		}
		return bar;
	}

	/* POSTs an action; shows what changed; reads the page again. */
	async function run(ctx, path, json, after) {
		try {
			const r = await C.api("POST", "/v1/accounts/" + C.seg(ctx.addr) + path, { json: json });
			C.notify(changesText(r.data && r.data.changes), "ok");
			if (after)
				after(r.data);
			else
				ctx.reload();
			return r.data;
		} catch (e) {
			if (e.status !== 401)
				C.notify(C.problemText(e), "error");
			return null;
		}
	}

	async function suspend(ctx) {
		const reason = input("reason", C.t("person.reason"), { tag: "textarea",
		    "data-test": "action-reason", maxlength: 200 });
		const ok = await C.confirm({
			title: C.t("person.suspend.title", { address: ctx.addr }),
			lines: [C.t("person.suspend.l1", { from: C.statusLabel(ctx.p.status) }),
			    C.t("person.suspend.l2")],
			body: reason.field,
			focus: reason.input,
			confirmLabel: C.t("person.act.suspend"),
			danger: true,
			check: () => {
				if (reason.input.value.trim() === "") {
					fieldError(reason.input, C.t("person.reasonRequired"));
					return false;
				}
				return true;
			}
		});
		if (ok)
			await run(ctx, "/suspend", { reason: reason.input.value.trim() });
	}

	async function resume(ctx) {
		const ok = await C.confirm({
			title: C.t("person.resume.title", { address: ctx.addr }),
			lines: [C.t("person.resume.l1", { from: C.statusLabel(ctx.p.status) }),
			    C.t("person.resume.l2")],
			confirmLabel: C.t("person.act.resume")
		});
		if (ok)
			await run(ctx, "/resume", {});
	}

	async function disable(ctx) {
		const reason = input("reason", C.t("person.reasonOptional"), { tag: "textarea",
		    "data-test": "action-reason", maxlength: 200 });
		const ok = await C.confirm({
			title: C.t("person.disable.title", { address: ctx.addr }),
			lines: [C.t("person.disable.l1", { from: C.statusLabel(ctx.p.status) }),
			    C.t("person.disable.l2"), C.t("person.disable.l3")],
			body: reason.field,
			focus: reason.input,
			confirmLabel: C.t("person.act.disable"),
			danger: true
		});
		if (ok) {
			const r = reason.input.value.trim();
			await run(ctx, "/disable", r ? { reason: r } : {});
		}
	}

	async function lock(ctx) {
		const reason = input("reason", C.t("person.reasonOptional"), { tag: "textarea",
		    "data-test": "action-reason", maxlength: 200 });
		const ok = await C.confirm({
			title: C.t("person.lock.title", { address: ctx.addr }),
			lines: [C.t("person.lock.l1"), C.t("person.lock.l2", { address: ctx.addr })],
			body: reason.field,
			focus: reason.input,
			confirmLabel: C.t("person.act.lock"),
			danger: true
		});
		if (ok) {
			const r = reason.input.value.trim();
			await run(ctx, "/lock", r ? { reason: r } : {});
		}
	}

	async function unlock(ctx) {
		const ok = await C.confirm({
			title: C.t("person.unlock.title", { address: ctx.addr }),
			lines: [C.t("person.unlock.l1")],
			confirmLabel: C.t("person.act.unlock")
		});
		if (ok)
			await run(ctx, "/unlock", {});
	}

	async function move(ctx) {
		const sel = C.el("select", { id: "dlg-agency", name: "agency", "data-test": "move-agency" });
		const field = C.el("div", { class: "field" },
		    C.el("label", { for: "dlg-agency" }, C.t("person.move.to")), sel);
		try {
			await C.agencyTree(sel, null, { empty: "—", selected: "" });
		} catch (e) {
			C.notify(C.problemText(e), "error");
			return;
		}
		const to = () => sel.value;
		const lines = C.el("ul", { class: "changes" });
		const showLines = () => {
			C.clear(lines);
			if (to())
				lines.appendChild(C.el("li", null, C.t("person.move.l1",
				    { from: ctx.agencyName(ctx.p.agency), to: ctx.agencyName(to()) })));
			lines.appendChild(C.el("li", null, C.t("person.move.l2")));
		};
		sel.addEventListener("change", showLines);
		showLines();
		const ok = await C.confirm({
			title: C.t("person.move.title", { address: ctx.addr }),
			lines: [],
			body: [field, lines],
			focus: sel,
			confirmLabel: C.t("person.act.move"),
			check: () => {
				if (!to() || to() === ctx.p.agency) {
					fieldError(sel, C.t("person.move.pick"));
					return false;
				}
				return true;
			}
		});
		if (ok)
			await run(ctx, "/move", { agency: to() });
	}

	async function rename(ctx) {
		const nw = input("address", C.t("person.rename.new"), { type: "email",
		    "data-test": "rename-address", autocomplete: "off", spellcheck: "false" });
		const lines = C.el("ul", { class: "changes" });
		const showLines = () => {
			C.clear(lines);
			const v = nw.input.value.trim().toLowerCase();
			lines.appendChild(C.el("li", null, C.t("person.rename.l1",
			    { from: ctx.addr, to: v || "…" })));
			lines.appendChild(C.el("li", null, C.t("person.rename.l2", { from: ctx.addr })));
		};
		nw.input.addEventListener("input", showLines);
		showLines();
		const ok = await C.confirm({
			title: C.t("person.rename.title", { name: ctx.p.name || ctx.addr }),
			lines: [],
			body: [nw.field, lines],
			focus: nw.input,
			confirmLabel: C.t("person.act.rename"),
			check: () => {
				if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(nw.input.value.trim())) {
					fieldError(nw.input, C.t("person.rename.need"));
					return false;
				}
				return true;
			}
		});
		if (ok)
			await run(ctx, "/rename", { address: nw.input.value.trim().toLowerCase() }, (d) => {
				const a = d && d.account && d.account.address;
				C.go("person", a || nw.input.value.trim().toLowerCase());
			});
	}

	async function resetPassword(ctx) {
		const must = C.el("input", { type: "checkbox", id: "dlg-must", checked: true,
		    "data-test": "reset-must-change" });
		const ok = await C.confirm({
			title: C.t("person.reset.title", { address: ctx.addr }),
			lines: [C.t("person.reset.l1"), C.t("person.reset.l2")],
			body: C.el("div", { class: "field check" }, must,
			    C.el("label", { for: "dlg-must" }, C.t("person.reset.mustChange"))),
			confirmLabel: C.t("person.act.reset"),
			danger: true
		});
		if (!ok)
			return;
		let data;
		try {
			const r = await C.api("POST", "/v1/accounts/" + C.seg(ctx.addr) + "/password",
			    { json: { must_change: must.checked } });
			data = r.data;
		} catch (e) {
			if (e.status !== 401)
				C.notify(C.problemText(e), "error");
			return;
		}
		await C.showSecret(C.t("person.reset.shown", { address: ctx.addr }), data && data.password,
		    "reset-password");
		data = null;
		ctx.reload();
	}


	async function editDetails(ctx) {
		const p = ctx.p;
		const fields = [
			["name", C.t("person.name"), p.name],
			["employee_id", C.t("person.employeeId"), p.employee_id],
			["title", C.t("person.jobTitle"), p.title],
			["phone", C.t("person.phone"), p.phone],
			["mobile", C.t("person.mobile"), p.mobile]
		];
		const inputs = {};
		const form = C.el("div", null, fields.map(([name, label, v]) => {
			const f = input(name, label, { value: v || "", "data-test": "edit-" + name,
			    autocomplete: "off" });
			inputs[name] = f.input;
			return f.field;
		}));
		const v = await C.dialog({
			title: C.t("person.edit.title", { address: ctx.addr }),
			test: "edit",
			body: form,
			focus: inputs.name,
			buttons: [
				{ label: C.t("core.cancel"), value: "cancel", test: "confirm-cancel" },
				{ label: C.t("person.act.edit"), value: "ok", submit: true, kind: "primary",
				    test: "edit-save" }
			]
		});
		if (v !== "ok")
			return;
		const json = {};
		const lines = [];
		for (const [name, , old] of fields) {
			const nv = inputs[name].value.trim();
			if (nv !== (old || "")) {
				json[name] = nv;
				lines.push(changeText({ field: name, old: old, new: nv }));
			}
		}
		if (lines.length === 0) {
			C.notify(C.t("person.edit.nothing"), "info");
			return;
		}
		const ok = await C.confirm({ title: C.t("person.edit.confirm"), lines: lines,
		    confirmLabel: C.t("person.act.edit") });
		if (!ok)
			return;
		try {
			const r = await C.api("PATCH", "/v1/accounts/" + C.seg(ctx.addr), { json: json,
			    headers: ctx.etag ? { "If-Match": ctx.etag } : {} });
			C.notify(changesText(r.data && r.data.changes), "ok");
		} catch (e) {
			if (e.status === 401)
				return;
			C.notify(e.status === 412 ? C.t("person.stale") : C.problemText(e), "error");
		}
		ctx.reload();
	}

	C.route("person", { title: "person.title", nav: false,
	    roles: ["province-admin", "agency-admin", "hr", "auditor"], render: render });
})();
