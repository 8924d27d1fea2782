/*
 * certs.js - the Signing certificates page (#/certs, #/certs/account/<addr>,
 * #/certs/agency/<code>): the certificates with which a person or an agency
 * signs mail, as govmaild checks them.  A PEM or DER file is first sent
 * with ?preview=true, which parses it and saves nothing, so the subject,
 * issuer, validity and SHA-256 fingerprint are seen BEFORE it is saved;
 * saving sends the same bytes again.  Existing certificates are listed and
 * removed (by fingerprint) after a confirmation naming them.
 *
 * Administrators (agency-admin, province-admin) change; auditors read.
 */
"use strict";

(function () {
	const C = window.Console;
	if (!C)
		return;

	const MAX_FILE = 256 * 1024;   /* a certificate file larger than this is not one */

	C.messages({
		vi: {
			"certs.title": "Chứng thư ký số",
			"certs.intro": "Chứng thư số dùng để ký thư điện tử của một cá nhân hoặc một cơ quan, đơn vị. Tệp được kiểm tra và hiển thị thông tin trước khi lưu.",
			"certs.owner": "Chứng thư của",
			"certs.kind.account": "Cá nhân",
			"certs.kind.agency": "Cơ quan, đơn vị",
			"certs.person": "Địa chỉ thư hoặc họ tên",
			"certs.personHint": "Gõ họ tên (có hoặc không dấu) hoặc địa chỉ thư rồi chọn.",
			"certs.agency": "Cơ quan, đơn vị",
			"certs.show": "Xem chứng thư",
			"certs.choose": "Hãy chọn cá nhân hoặc đơn vị.",
			"certs.of": "Chứng thư của {owner}",
			"certs.none": "Chưa có chứng thư nào.",
			"certs.col.subject": "Chủ thể",
			"certs.col.issuer": "Tổ chức cấp",
			"certs.col.validity": "Hiệu lực",
			"certs.col.fingerprint": "Dấu vân tay SHA-256",
			"certs.col.actions": "",
			"certs.validity": "{from} – {to}",
			"certs.expired": "Đã hết hạn",
			"certs.notYet": "Chưa đến ngày hiệu lực",
			"certs.delete": "Xóa",
			"certs.deleteTitle": "Xóa chứng thư này?",
			"certs.deleteLine": "Chứng thư “{subject}” (dấu vân tay {fp}) sẽ bị xóa khỏi {owner}; thư ký bằng chứng thư này sẽ không còn được công nhận.",
			"certs.deleted": "Đã xóa chứng thư.",
			"certs.upload": "Thêm chứng thư",
			"certs.file": "Tệp chứng thư (PEM hoặc DER: .pem, .crt, .cer, .der)",
			"certs.tooBig": "Tệp quá lớn để là một chứng thư.",
			"certs.checking": "Đang kiểm tra tệp…",
			"certs.preview": "Thông tin chứng thư (chưa lưu)",
			"certs.f.subject": "Chủ thể",
			"certs.f.issuer": "Tổ chức cấp",
			"certs.f.serial": "Số hiệu",
			"certs.f.notBefore": "Hiệu lực từ",
			"certs.f.notAfter": "Hiệu lực đến",
			"certs.f.emails": "Địa chỉ thư trong chứng thư",
			"certs.f.fingerprint": "Dấu vân tay SHA-256",
			"certs.f.status": "Trạng thái",
			"certs.status.would be added": "Sẽ được thêm",
			"certs.status.already registered": "Đã có sẵn",
			"certs.status.added": "Đã thêm",
			"certs.status.removed": "Đã xóa",
			"certs.emailMismatch": "Địa chỉ thư trong chứng thư không phải là {address}.",
			"certs.save": "Lưu chứng thư",
			"certs.nothingNew": "Mọi chứng thư trong tệp đã có sẵn; không có gì để lưu.",
			"certs.saved": "Đã lưu {n} chứng thư.",
			"certs.cancel": "Bỏ qua"
		},
		en: {
			"certs.title": "Signing certificates",
			"certs.intro": "The certificates with which a person or an agency signs mail. A file is checked and shown before it is saved.",
			"certs.owner": "Certificates of",
			"certs.kind.account": "A person",
			"certs.kind.agency": "An agency",
			"certs.person": "Address or name",
			"certs.personHint": "Type a name (with or without diacritics) or an address, then pick.",
			"certs.agency": "Agency",
			"certs.show": "Show certificates",
			"certs.choose": "Choose a person or an agency.",
			"certs.of": "Certificates of {owner}",
			"certs.none": "No certificate yet.",
			"certs.col.subject": "Subject",
			"certs.col.issuer": "Issuer",
			"certs.col.validity": "Validity",
			"certs.col.fingerprint": "SHA-256 fingerprint",
			"certs.col.actions": "",
			"certs.validity": "{from} – {to}",
			"certs.expired": "Expired",
			"certs.notYet": "Not valid yet",
			"certs.delete": "Delete",
			"certs.deleteTitle": "Delete this certificate?",
			"certs.deleteLine": "The certificate “{subject}” (fingerprint {fp}) is removed from {owner}; mail signed with it is no longer recognised.",
			"certs.deleted": "The certificate was deleted.",
			"certs.upload": "Add a certificate",
			"certs.file": "Certificate file (PEM or DER: .pem, .crt, .cer, .der)",
			"certs.tooBig": "The file is too large to be a certificate.",
			"certs.checking": "Checking the file…",
			"certs.preview": "The certificate (not saved yet)",
			"certs.f.subject": "Subject",
			"certs.f.issuer": "Issuer",
			"certs.f.serial": "Serial number",
			"certs.f.notBefore": "Valid from",
			"certs.f.notAfter": "Valid until",
			"certs.f.emails": "E-mail addresses in the certificate",
			"certs.f.fingerprint": "SHA-256 fingerprint",
			"certs.f.status": "Status",
			"certs.status.would be added": "Will be added",
			"certs.status.already registered": "Already registered",
			"certs.status.added": "Added",
			"certs.status.removed": "Removed",
			"certs.emailMismatch": "The certificate's e-mail address is not {address}.",
			"certs.save": "Save the certificate",
			"certs.nothingNew": "Every certificate in the file is registered already; nothing to save.",
			"certs.saved": "{n} certificate(s) saved.",
			"certs.cancel": "Discard"
		}
	});

	const el = C.el;

	/* "ab12…" -> "AB:12:…", as openssl x509 -fingerprint prints it */
	function fpText(hex) {
		return String(hex || "").toUpperCase().replace(/(..)(?=.)/g, "$1:");
	}

	function mayWrite() {
		return C.hasRole("agency-admin") || C.hasRole("province-admin");
	}

	function ownerPath(kind, id) {
		return (kind === "agency" ? "/v1/agencies/" : "/v1/accounts/") + C.seg(id) +
		    "/certificates";
	}

	function validityNote(c) {
		const now = Date.now();
		if (c.not_after && Date.parse(c.not_after) < now)
			return C.t("certs.expired");
		if (c.not_before && Date.parse(c.not_before) > now)
			return C.t("certs.notYet");
		return null;
	}

	/* The preview of one certificate: every field the decision needs. */
	function previewCard(c, owner) {
		const rows = [
			["subject", c.subject, "cert-subject"],
			["issuer", c.issuer, "cert-issuer"],
			["serial", c.serial, "cert-serial"],
			["notBefore", C.formatTime(c.not_before), "cert-not-before"],
			["notAfter", C.formatTime(c.not_after), "cert-not-after"],
			["emails", (c.emails || []).join(", ") || "—", "cert-emails"],
			["fingerprint", fpText(c.fingerprint), "cert-fingerprint"],
			["status", C.t("certs.status." + c.status), "cert-status"]
		];
		const dl = el("dl", { class: "facts" });
		for (const [k, v, test] of rows) {
			dl.appendChild(el("dt", null, C.t("certs.f." + k)));
			dl.appendChild(el("dd", { "data-test": test, class: k === "fingerprint" ? "mono" : null },
			    v === null || v === undefined || v === "" ? "—" : v));
		}
		const card = el("div", { class: "card cert-card", "data-test": "cert-preview-item",
		    "data-fingerprint": c.fingerprint || "", "data-status": c.status || "" }, dl);
		const warn = [];
		const v = validityNote(c);
		if (v)
			warn.push(v);
		if (owner.kind === "account" && owner.address && Array.isArray(c.emails) &&
		    c.emails.length && !c.emails.some((e) => e.toLowerCase() === owner.address.toLowerCase()))
			warn.push(C.t("certs.emailMismatch", { address: owner.address }));
		if (c.error)
			warn.push(c.error);
		for (const w of warn)
			card.appendChild(el("p", { class: "warn-box", "data-test": "cert-warning" }, w));
		return card;
	}

	function render(view, params) {
		const root = el("section", { class: "certs", "data-test": "certs" });
		view.appendChild(root);
		root.appendChild(el("h1", null, C.t("certs.title")));
		root.appendChild(el("p", { class: "intro" }, C.t("certs.intro")));

		/* ---- choosing the owner ---- */
		let kind = params && params[0] === "agency" ? "agency" : "account";
		const kindAcc = el("input", { type: "radio", name: "kind", id: "certs-kind-account",
		    value: "account", checked: kind === "account", "data-test": "cert-kind-account" });
		const kindAg = el("input", { type: "radio", name: "kind", id: "certs-kind-agency",
		    value: "agency", checked: kind === "agency", "data-test": "cert-kind-agency" });
		const person = el("input", { type: "text", id: "certs-person", name: "address",
		    list: "certs-people", autocomplete: "off", maxlength: "256",
		    "data-test": "cert-person",
		    value: kind === "account" && params && params[1] ? params[1] : "" });
		const people = el("datalist", { id: "certs-people" });
		const agency = el("select", { id: "certs-agency", name: "agency",
		    "data-test": "cert-agency" });
		const personField = el("div", { class: "field" },
		    el("label", { for: "certs-person" }, C.t("certs.person")), person, people,
		    el("div", { class: "hint" }, C.t("certs.personHint")));
		const agencyField = el("div", { class: "field" },
		    el("label", { for: "certs-agency" }, C.t("certs.agency")), agency);
		const show = el("button", { type: "submit", class: "primary", "data-test": "cert-show" },
		    C.t("certs.show"));
		const pickForm = el("form", { class: "form", novalidate: true },
		    el("fieldset", { class: "inline" }, el("legend", null, C.t("certs.owner")),
			kindAcc, el("label", { for: "certs-kind-account" }, C.t("certs.kind.account")),
			kindAg, el("label", { for: "certs-kind-agency" }, C.t("certs.kind.agency"))),
		    personField, agencyField,
		    el("div", { class: "form-error", hidden: true }),
		    el("div", { class: "buttons" }, show));
		root.appendChild(pickForm);
		const ownerBox = el("div", { class: "owner" });
		root.appendChild(ownerBox);

		const setKind = (k) => {
			kind = k;
			personField.hidden = k !== "account";
			agencyField.hidden = k !== "agency";
		};
		kindAcc.addEventListener("change", () => setKind("account"));
		kindAg.addEventListener("change", () => setKind("agency"));
		setKind(kind);

		/* people as you type: a name (accent-insensitive) or an address */
		let qseq = 0;
		person.addEventListener("input", C.debounce(async () => {
			const q = person.value.trim();
			const my = ++qseq;
			if (q.length < 2)
				return;
			try {
				const r = await C.api("GET", "/v1/accounts", { query: q.includes("@") ?
				    { address: q, limit: 10 } : { name: q, limit: 10 } });
				if (my !== qseq)
					return;
				C.clear(people);
				for (const a of (r.data && r.data.items) || [])
					if (a.address)
						people.appendChild(el("option", { value: a.address },
						    (a.name || "") + (a.agency ? " · " + a.agency : "")));
			} catch (e) {
				/* suggestions only: the address can still be typed */
			}
		}, 250));

		C.agencyTree(agency, null, { selected: kind === "agency" && params ? params[1] : null })
		    .catch((e) => C.showError(agencyField, e));

		pickForm.addEventListener("submit", (ev) => {
			ev.preventDefault();
			C.clearFieldErrors(pickForm);
			const id = kind === "agency" ? agency.value : person.value.trim();
			if (!id) {
				C.fieldErrors(pickForm, new C.ApiError(400, { status: 400,
				    detail: C.t("certs.choose"), field: kind === "agency" ? "agency" : "address" }));
				return;
			}
			/* in the route: a reload or a link from the person page comes back here */
			C.go("certs", kind, id);
		});

		if (params && params[1])
			return showOwner(ownerBox, pickForm, { kind: kind, id: params[1] });
		return null;
	}

	/* The owner's certificates, and the upload with its preview. */
	async function showOwner(box, pickForm, owner) {
		const path = ownerPath(owner.kind, owner.id);
		let list;
		try {
			list = (await C.api("GET", path)).data;
		} catch (e) {
			if (!(e instanceof C.ApiError) || e.status === 401)
				throw e;
			C.fieldErrors(pickForm, e, owner.kind === "agency" ? "agency" : "address");
			return;
		}
		if (!box.isConnected)
			return;
		owner.address = list.address || null;
		const name = list.address || list.agency || owner.id;
		C.clear(box);
		box.appendChild(el("h2", { "data-test": "cert-owner", "data-owner": name },
		    C.t("certs.of", { owner: name })));
		const listBox = el("div", { "data-test": "cert-list" });
		box.appendChild(listBox);
		drawList(listBox, owner, name, list.certificates || []);
		if (mayWrite())
			box.appendChild(uploadSection(owner, name, path, listBox));
	}

	function drawList(listBox, owner, name, certs) {
		C.clear(listBox);
		listBox.setAttribute("data-count", String(certs.length));
		if (certs.length === 0) {
			listBox.appendChild(el("p", { class: "empty" }, C.t("certs.none")));
			return;
		}
		const heads = ["subject", "issuer", "validity", "fingerprint", "actions"]
		    .map((k) => el("th", { scope: "col" }, C.t("certs.col." + k)));
		const rows = certs.map((c) => {
			const note = validityNote(c);
			const del = mayWrite() ? el("button", { type: "button", class: "danger small",
			    "data-test": "cert-delete",
			    on: { click: () => remove(c).catch((e) => C.showError(listBox, e)) } },
			    C.t("certs.delete")) : null;
			return el("tr", { "data-test": "cert-row", "data-fingerprint": c.fingerprint || "" },
			    el("td", null, c.subject || c.error || "—"),
			    el("td", null, c.issuer || "—"),
			    el("td", { class: "nowrap" }, C.t("certs.validity", {
				from: C.formatTime(c.not_before), to: C.formatTime(c.not_after) }),
				note ? el("div", { class: "warn" }, note) : null),
			    el("td", { class: "mono fp" }, fpText(c.fingerprint)),
			    el("td", null, del));
		});
		listBox.appendChild(el("table", { class: "list certs-table" },
		    el("thead", null, el("tr", null, heads)), el("tbody", null, rows)));

		async function remove(c) {
			const ok = await C.confirm({ title: C.t("certs.deleteTitle"),
			    lines: [C.t("certs.deleteLine", { subject: c.subject || "—",
				fp: fpText(c.fingerprint), owner: name })],
			    confirmLabel: C.t("certs.delete"), danger: true });
			if (!ok)
				return;
			try {
				await C.api("DELETE", ownerPath(owner.kind, owner.id) + "/" +
				    C.seg(c.fingerprint));
				C.notify(C.t("certs.deleted"), "info");
			} catch (e) {
				if (!(e instanceof C.ApiError) || e.status === 401)
					return C.showError(listBox, e);   /* 401: at sign-in already */
				C.notify(C.problemText(e), "error");
			}
			const r = await C.api("GET", ownerPath(owner.kind, owner.id));
			if (listBox.isConnected)
				drawList(listBox, owner, name, (r.data && r.data.certificates) || []);
		}
	}

	/* The file as the API takes it: PEM as text, anything else as DER. */
	async function fileBody(f) {
		const buf = await f.arrayBuffer();
		const head = new TextDecoder("latin1").decode(buf.slice(0, Math.min(buf.byteLength, 4096)));
		if (head.includes("-----BEGIN"))
			return { body: buf, type: "application/x-pem-file" };
		return { body: buf, type: "application/pkix-cert" };
	}

	function uploadSection(owner, name, path, listBox) {
		const sec = el("section", { class: "upload" });
		sec.appendChild(el("h3", null, C.t("certs.upload")));
		const file = el("input", { type: "file", id: "certs-file", name: "certificate",
		    accept: ".pem,.crt,.cer,.der,application/x-pem-file,application/pkix-cert",
		    "data-test": "cert-file" });
		const form = el("form", { class: "form", novalidate: true },
		    el("div", { class: "field" }, el("label", { for: "certs-file" }, C.t("certs.file")), file),
		    el("div", { class: "form-error", hidden: true }));
		sec.appendChild(form);
		const preview = el("div", { class: "preview" });
		sec.appendChild(preview);
		let pending = null;    /* the body previewed, sent again when saved */
		let seq = 0;

		file.addEventListener("change", async () => {
			const my = ++seq;
			C.clearFieldErrors(form);
			C.clear(preview);
			pending = null;
			const f = file.files && file.files[0];
			if (!f)
				return;
			if (f.size > MAX_FILE) {
				C.fieldErrors(form, new C.ApiError(413, { status: 413,
				    detail: C.t("certs.tooBig"), field: "certificate" }));
				return;
			}
			preview.appendChild(el("p", { class: "empty" }, C.t("certs.checking")));
			try {
				const b = await fileBody(f);
				const r = await C.api("POST", path, { query: { preview: "true" }, body: b.body,
				    headers: { "Content-Type": b.type } });
				if (my !== seq || !sec.isConnected)
					return;
				pending = b;
				drawPreview((r.data && r.data.certificates) || []);
			} catch (e) {
				if (my !== seq)
					return;
				C.clear(preview);
				if (!(e instanceof C.ApiError) || e.status === 401)
					return C.showError(preview, e);   /* 401: at sign-in already */
				C.fieldErrors(form, e, "certificate");
			}
		});

		function drawPreview(certs) {
			C.clear(preview);
			const box = el("div", { class: "cert-preview", "data-test": "cert-preview",
			    "data-count": String(certs.length) },
			    el("h4", null, C.t("certs.preview")), certs.map((c) => previewCard(c, owner)));
			preview.appendChild(box);
			box.scrollIntoView({ block: "nearest" });
			const fresh = certs.filter((c) => c.status === "would be added").length;
			if (fresh === 0) {
				box.appendChild(el("p", { class: "ok-box" }, C.t("certs.nothingNew")));
				return;
			}
			const save = el("button", { type: "button", class: "primary", "data-test": "cert-save" },
			    C.t("certs.save"));
			const cancel = el("button", { type: "button", "data-test": "cert-cancel" },
			    C.t("certs.cancel"));
			cancel.addEventListener("click", () => {
				pending = null;
				file.value = "";
				C.clear(preview);
			});
			save.addEventListener("click", async () => {
				if (!pending)
					return;
				save.disabled = true;
				try {
					const r = await C.api("POST", path, { body: pending.body,
					    headers: { "Content-Type": pending.type } });
					const added = ((r.data && r.data.certificates) || [])
					    .filter((c) => c.status === "added").length;
					C.notify(C.t("certs.saved", { n: added }), "info");
					pending = null;
					file.value = "";
					C.clear(preview);
					const l = await C.api("GET", path);
					if (listBox.isConnected)
						drawList(listBox, owner, name, (l.data && l.data.certificates) || []);
				} catch (e) {
					save.disabled = false;
					if (!(e instanceof C.ApiError) || e.status === 401)
						return C.showError(preview, e);   /* 401: at sign-in already */
					C.fieldErrors(form, e, "certificate");
				}
			});
			box.appendChild(el("div", { class: "buttons" }, save, cancel));
		}
		return sec;
	}

	C.route("certs", {
		title: "certs.title",
		nav: true,
		roles: ["agency-admin", "province-admin", "auditor"],
		render: render
	});
})();
