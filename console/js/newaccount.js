/*
 * newaccount.js - the New account page (#/new).  While the name is typed
 * it asks GET /v1/address-suggestions what the address template gives
 * (check=0) and which address is the next free one (check=1): the latter
 * is the one the account will get, unless an address is given explicitly.
 * The mail domain is the agency's own when it has one, as the server does.
 *
 * Create sends an Idempotency-Key made once per filled-in form, so a
 * second press or a retry after a lost answer never makes two accounts.
 * The initial password is shown once, like a reset one.
 */
"use strict";

(function () {
	const C = window.Console;

	C.messages({
		vi: {
			"newaccount.title": "Tạo tài khoản",
			"newaccount.intro": "Nhập họ và tên đầy đủ, có dấu. Địa chỉ thư được tạo tự động theo mẫu của tỉnh.",
			"newaccount.name": "Họ và tên",
			"newaccount.agency": "Đơn vị",
			"newaccount.pickAgency": "— Chọn đơn vị —",
			"newaccount.employeeId": "Mã nhân viên (không bắt buộc)",
			"newaccount.jobTitle": "Chức vụ (không bắt buộc)",
			"newaccount.phone": "Điện thoại cơ quan (không bắt buộc)",
			"newaccount.mobile": "Điện thoại di động (không bắt buộc)",
			"newaccount.explicit": "Tự chọn địa chỉ thư",
			"newaccount.address": "Địa chỉ thư",
			"newaccount.will": "Địa chỉ sẽ được tạo:",
			"newaccount.template": "Theo mẫu là {address}, nhưng địa chỉ này đã có người dùng nên hệ thống lấy địa chỉ còn trống tiếp theo.",
			"newaccount.typeName": "Địa chỉ thư sẽ hiện ở đây khi bạn nhập họ và tên.",
			"newaccount.checking": "Đang kiểm tra…",
			"newaccount.submit": "Tạo tài khoản",
			"newaccount.busy": "Đang tạo…",
			"newaccount.needName": "Vui lòng nhập họ và tên.",
			"newaccount.needAgency": "Vui lòng chọn đơn vị.",
			"newaccount.needAddress": "Vui lòng nhập địa chỉ thư, dạng ten@tenmien.",
			"newaccount.created": "Đã tạo tài khoản {address}.",
			"newaccount.password": "Mật khẩu ban đầu của {address}",
			"newaccount.open": "Xem thông tin tài khoản",
			"newaccount.another": "Tạo tài khoản khác"
		},
		en: {
			"newaccount.title": "New account",
			"newaccount.intro": "Enter the full name with its diacritics. The mail address follows the province's template.",
			"newaccount.name": "Full name",
			"newaccount.agency": "Agency",
			"newaccount.pickAgency": "— Choose an agency —",
			"newaccount.employeeId": "Employee id (optional)",
			"newaccount.jobTitle": "Title (optional)",
			"newaccount.phone": "Office phone (optional)",
			"newaccount.mobile": "Mobile (optional)",
			"newaccount.explicit": "Choose the address myself",
			"newaccount.address": "Mail address",
			"newaccount.will": "The address will be:",
			"newaccount.template": "The template gives {address}, which is taken, so the next free address is used.",
			"newaccount.typeName": "The mail address appears here as you type the name.",
			"newaccount.checking": "Checking…",
			"newaccount.submit": "Create account",
			"newaccount.busy": "Creating…",
			"newaccount.needName": "Please enter the full name.",
			"newaccount.needAgency": "Please choose the agency.",
			"newaccount.needAddress": "Please enter the mail address, as name@domain.",
			"newaccount.created": "Account {address} created.",
			"newaccount.password": "Initial password of {address}",
			"newaccount.open": "Open the account",
			"newaccount.another": "Create another account"
		}
	});

	/*
	 * The API names the field of its errors (a refused create too); an
	 * answer without one (an older govmail-apid) is placed by the words of
	 * its detail.
	 */
	function guessField(problem, explicit) {
		const d = String((problem && problem.detail) || "").toLowerCase();
		if (/employee/.test(d))
			return "employee_id";
		if (/agency/.test(d))
			return "agency";
		if (/mobile/.test(d))
			return "mobile";
		if (/phone/.test(d))
			return "phone";
		if (/title/.test(d))
			return "title";
		if (/address|domain|local part/.test(d))
			return explicit ? "address" : "name";
		if (/name/.test(d))
			return "name";
		return null;
	}

	function newKey() {
		if (window.crypto && crypto.randomUUID)
			return crypto.randomUUID();
		const b = new Uint8Array(16);
		crypto.getRandomValues(b);
		return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
	}

	function field(name, label, inp, hint) {
		inp.id = "new-" + name;
		inp.name = name;
		return C.el("div", { class: "field" }, C.el("label", { for: inp.id }, label), inp,
		    hint ? C.el("p", { class: "hint" }, hint) : null);
	}

	function render(view) {
		let idemKey = newKey();
		const name = C.el("input", { type: "text", "data-test": "new-name", autocomplete: "off",
		    maxlength: 200 });
		const agency = C.el("select", { "data-test": "new-agency" });
		const employee = C.el("input", { type: "text", "data-test": "new-employee-id",
		    autocomplete: "off", maxlength: 64 });
		const title = C.el("input", { type: "text", "data-test": "new-title", maxlength: 256 });
		const phone = C.el("input", { type: "tel", "data-test": "new-phone", maxlength: 64 });
		const mobile = C.el("input", { type: "tel", "data-test": "new-mobile", maxlength: 64 });
		const explicit = C.el("input", { type: "checkbox", id: "new-explicit",
		    "data-test": "new-explicit" });
		const address = C.el("input", { type: "email", "data-test": "new-address",
		    autocomplete: "off", spellcheck: "false", maxlength: 254 });
		const addressField = field("address", C.t("newaccount.address"), address);
		addressField.hidden = true;
		const suggestion = C.el("div", { class: "suggestion", "aria-live": "polite",
		    "data-test": "new-suggestion" });
		const submit = C.el("button", { type: "submit", class: "primary", "data-test": "new-submit" },
		    C.t("newaccount.submit"));
		const form = C.el("form", { class: "newaccount card", novalidate: true },
		    C.el("h1", null, C.t("newaccount.title")),
		    C.el("p", { class: "hint" }, C.t("newaccount.intro")),
		    C.el("div", { class: "form-error", role: "alert", hidden: true, "data-test": "new-error" }),
		    field("name", C.t("newaccount.name"), name),
		    field("agency", C.t("newaccount.agency"), agency),
		    suggestion,
		    C.el("div", { class: "field check" }, explicit,
		        C.el("label", { for: "new-explicit" }, C.t("newaccount.explicit"))),
		    addressField,
		    C.el("div", { class: "row" },
		        field("employee_id", C.t("newaccount.employeeId"), employee),
		        field("title", C.t("newaccount.jobTitle"), title)),
		    C.el("div", { class: "row" },
		        field("phone", C.t("newaccount.phone"), phone),
		        field("mobile", C.t("newaccount.mobile"), mobile)),
		    C.el("div", { class: "buttons" }, submit));
		view.appendChild(form);

		let agencies = [];
		let seq = 0;

		function domainOf(code) {
			const a = agencies.find((x) => x.code === code);
			return a && a.domain ? a.domain : null;
		}

		function showSuggestion(nodes) {
			C.clear(suggestion);
			for (const n of [].concat(nodes))
				suggestion.appendChild(typeof n === "string" ? document.createTextNode(n) : n);
		}

		async function suggest() {
			const my = ++seq;
			const n = name.value.trim();
			if (explicit.checked) {
				suggestion.hidden = true;
				return;
			}
			suggestion.hidden = false;
			if (n === "") {
				showSuggestion(C.el("span", { class: "empty" }, C.t("newaccount.typeName")));
				return;
			}
			showSuggestion(C.el("span", { class: "empty" }, C.t("newaccount.checking")));
			const q = { name: n, domain: domainOf(agency.value) };
			try {
				const [tpl, free] = await Promise.all([
					C.api("GET", "/v1/address-suggestions", { query: Object.assign({ check: "0" }, q) }),
					C.api("GET", "/v1/address-suggestions", { query: Object.assign({ check: "1" }, q) })
				]);
				if (my !== seq || !view.isConnected)
					return;
				const nodes = [C.el("span", null, C.t("newaccount.will") + " "),
				    C.el("span", { class: "addr", "data-test": "new-address-suggestion",
				        "data-name": n }, free.data.address)];
				if (tpl.data.address !== free.data.address)
					nodes.push(C.el("p", { class: "hint", "data-test": "new-address-template",
					    "data-address": tpl.data.address },
					    C.t("newaccount.template", { address: tpl.data.address })));
				showSuggestion(nodes);
			} catch (e) {
				if (my !== seq || !view.isConnected || e.status === 401)
					return;
				showSuggestion(C.el("span", { class: "field-error", "data-test": "new-suggestion-error" },
				    C.problemText(e)));
			}
		}
		const suggestSoon = C.debounce(suggest, 300);

		name.addEventListener("input", () => {
			idemKey = newKey();
			suggestSoon();
		});
		agency.addEventListener("change", () => {
			idemKey = newKey();
			suggest();
		});
		explicit.addEventListener("change", () => {
			addressField.hidden = !explicit.checked;
			if (explicit.checked && !address.value) {
				const s = suggestion.querySelector("[data-test=new-address-suggestion]");
				if (s)
					address.value = s.textContent;
			}
			suggest();
			if (explicit.checked)
				address.focus();
		});
		for (const i of [employee, title, phone, mobile, address])
			i.addEventListener("input", () => {
				idemKey = newKey();
			});

		const mine = C.user && !C.provinceWide() ?
		    ((C.user.roles || []).find((r) => r.agency && r.role !== "auditor") || {}).agency : null;
		C.agencyTree(agency, null, { empty: C.t("newaccount.pickAgency"),
		    selected: mine || C.user.agency || "" }).then((items) => {
			agencies = items;
			suggest();
		}).catch((e) => {
			C.fieldErrors(form, e, "agency");
		});

		form.addEventListener("submit", async (ev) => {
			ev.preventDefault();
			C.clearFieldErrors(form);
			const local = (inp, key) => {
				C.fieldErrors(form, new C.ApiError(400, { detail: C.t(key), field: inp.name }));
			};
			if (name.value.trim() === "")
				return local(name, "newaccount.needName");
			if (!agency.value)
				return local(agency, "newaccount.needAgency");
			if (explicit.checked && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address.value.trim()))
				return local(address, "newaccount.needAddress");
			const json = { name: name.value.trim(), agency: agency.value };
			const dom = domainOf(agency.value);
			if (explicit.checked)
				json.address = address.value.trim().toLowerCase();
			else if (dom)
				json.domain = dom;
			for (const [k, inp] of [["employee_id", employee], ["title", title], ["phone", phone],
			    ["mobile", mobile]])
				if (inp.value.trim() !== "")
					json[k] = inp.value.trim();
			submit.disabled = true;
			submit.textContent = C.t("newaccount.busy");
			let r;
			try {
				r = await C.api("POST", "/v1/accounts", { json: json,
				    headers: { "Idempotency-Key": idemKey } });
			} catch (e) {
				submit.disabled = false;
				submit.textContent = C.t("newaccount.submit");
				if (e.status === 401)
					return;
				C.fieldErrors(form, e, e.problem && e.problem.field ? null :
				    guessField(e.problem, explicit.checked));
				return;
			}
			const acc = (r.data && r.data.account) || {};
			const addr = acc.address || "";
			const password = r.data && r.data.password;
			C.clear(view);
			view.appendChild(C.el("section", { class: "card", "data-test": "new-result" },
			    C.el("h1", null, C.t("newaccount.title")),
			    C.el("p", { "data-test": "new-created" }, C.t("newaccount.created", { address: addr })),
			    C.el("p", { class: "addr", "data-test": "new-created-address" }, addr),
			    C.el("div", { class: "buttons" },
			        C.el("button", { type: "button", "data-test": "new-another",
			            on: { click: () => C.render() } }, C.t("newaccount.another")),
			        C.el("button", { type: "button", class: "primary", "data-test": "new-open",
			            on: { click: () => C.go("person", addr) } }, C.t("newaccount.open")))));
			if (password)
				await C.showSecret(C.t("newaccount.password", { address: addr }), password,
				    "new-password");
		});
		name.focus();
	}

	C.route("new", { title: "newaccount.title", nav: true,
	    roles: ["province-admin", "agency-admin", "hr"], render: render });
})();
