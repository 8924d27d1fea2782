/*
 * people.js - the People page: search as you type (a name, typed with or
 * without diacritics, an address or an employee id), the agency subtree
 * as a tree to filter by, a status filter, and the results a page at a
 * time (GET /v1/accounts with next_cursor).
 *
 * What the search box holds decides the query: text with '@' is an
 * address (primary or alias), digits only an employee id, anything else
 * words of the name, which the API matches without regard to accents.
 */
"use strict";

(function () {
	const C = window.Console;
	const PAGE = 50;

	C.messages({
		vi: {
			"people.title": "Nhân sự",
			"people.search": "Họ tên, địa chỉ thư hoặc mã nhân viên",
			"people.status.any": "Mọi trạng thái",
			"people.agency": "Đơn vị",
			"people.allAgencies": "Tất cả các đơn vị bạn quản lý",
			"people.name": "Họ và tên",
			"people.address": "Địa chỉ thư",
			"people.employeeId": "Mã nhân viên",
			"people.status": "Trạng thái",
			"people.count": "{shown} trên {total} người",
			"people.none": "Không tìm thấy ai.",
			"people.new": "Tạo tài khoản mới",
			"people.searching": "Đang tìm…",
			"people.filterAgency": "Đơn vị: {agency}"
		},
		en: {
			"people.title": "People",
			"people.search": "Name, mail address or employee id",
			"people.status.any": "Any status",
			"people.agency": "Agency",
			"people.allAgencies": "All agencies you manage",
			"people.name": "Name",
			"people.address": "Mail address",
			"people.employeeId": "Employee id",
			"people.status": "Status",
			"people.count": "{shown} of {total} people",
			"people.none": "Nobody found.",
			"people.new": "New account",
			"people.searching": "Searching…",
			"people.filterAgency": "Agency: {agency}"
		}
	});

	/* Kept across visits, so going back from a person finds the list as left. */
	const state = { q: "", status: "", agency: null };

	/* The query parameters for what was typed. */
	function queryFor(text) {
		const s = text.trim();
		if (s === "")
			return {};
		if (s.includes("@"))
			return { address: s.toLowerCase() };
		if (/^\d+$/.test(s))
			return { employee_id: s };
		return { name: s };
	}

	/*
	 * Without a province-wide grant and with grants on several agencies
	 * the API wants an agency: the first granted one then.
	 */
	function defaultAgency() {
		if (C.provinceWide() || !C.user)
			return null;
		const codes = Array.from(new Set((C.user.roles || []).map((r) => r.agency)
		    .filter(Boolean)));
		return codes.length > 1 ? codes[0] : null;
	}

	/* An address that wraps, if it must, before its '@'. */
	function breakable(a) {
		if (!a)
			return "—";
		const at = a.lastIndexOf("@");
		return at > 0 ? [a.slice(0, at), C.el("wbr"), a.slice(at)] : a;
	}

	function statusBadge(s) {
		return C.el("span", { class: "badge " + (s || ""), "data-status": s || "" },
		    C.statusLabel(s));
	}

	function render(view) {
		const mayCreate = C.mayAny(["province-admin", "agency-admin", "hr"]);
		if (state.agency === null)
			state.agency = defaultAgency();
		const search = C.el("input", { type: "search", value: state.q,
		    placeholder: C.t("people.search"), "aria-label": C.t("people.search"),
		    "data-test": "people-search", autocomplete: "off", spellcheck: "false" });
		const status = C.el("select", { "aria-label": C.t("people.status"),
		    "data-test": "people-status" },
		    C.el("option", { value: "" }, C.t("people.status.any")),
		    ["active", "suspended", "disabled", "locked"].map((s) =>
		        C.el("option", { value: s }, C.statusLabel(s))));
		status.value = state.status;
		const tree = C.el("div", { "data-test": "people-tree" });
		const picked = C.el("p", { class: "picked-agency", "data-test": "people-agency" });
		const count = C.el("p", { class: "count", "data-test": "people-count", "aria-live": "polite" });
		const tbody = C.el("tbody", { "data-test": "people-rows" });
		const table = C.el("table", { class: "list" },
		    C.el("thead", null, C.el("tr", null,
		        C.el("th", null, C.t("people.name")),
		        C.el("th", null, C.t("people.address")),
		        C.el("th", null, C.t("people.employeeId")),
		        C.el("th", null, C.t("people.agency")),
		        C.el("th", null, C.t("people.status")))),
		    tbody);
		const more = C.el("button", { type: "button", "data-test": "people-more", hidden: true },
		    C.t("core.more"));
		const err = C.el("div", { class: "error-box", role: "alert", hidden: true,
		    "data-test": "people-error" });

		view.appendChild(C.el("div", { class: "people" },
		    C.el("aside", null, tree),
		    C.el("section", null,
		        C.el("div", { class: "searchbar" }, search, status,
		            mayCreate ? C.el("button", { type: "button", class: "primary",
		                "data-test": "people-new", on: { click: () => C.go("new") } },
		                C.t("people.new")) : null),
		        picked, err, count, table,
		        C.el("div", { class: "more" }, more))));

		let names = new Map();   /* agency code -> name, for the column */
		let seq = 0;             /* answers to an older query are dropped */
		let cursor = null;
		let shown = 0;

		function showPicked() {
			const a = state.agency;
			picked.textContent = a ? C.t("people.filterAgency",
			    { agency: names.has(a) ? names.get(a) + " (" + a + ")" : a }) :
			    C.t("people.allAgencies");
		}

		function row(p) {
			const addr = p.address || p.uid || "";
			const link = C.el("a", { href: "#/person/" + encodeURIComponent(addr),
			    "data-test": "person-link" }, p.name || addr);
			const tr = C.el("tr", { class: "clickable", "data-test": "person-row",
			    "data-address": addr,
			    on: { click: (ev) => {
				if (ev.target.closest("a"))
					return;
				C.go("person", addr);
			} } },
			    C.el("td", null, link),
			    C.el("td", { class: "addr" }, breakable(p.address)),
			    C.el("td", null, p.employee_id || "—"),
			    C.el("td", { title: p.agency || "" }, names.get(p.agency) || p.agency || "—"),
			    C.el("td", null, statusBadge(p.status)));
			return tr;
		}

		async function load(append) {
			const my = append ? seq : ++seq;
			const q = Object.assign({ limit: PAGE }, queryFor(state.q));
			if (state.status)
				q.status = state.status;
			if (state.agency)
				q.agency = state.agency;
			if (append && cursor)
				q.cursor = cursor;
			if (!append) {
				cursor = null;
				count.textContent = C.t("people.searching");
			}
			more.disabled = true;
			try {
				const r = await C.api("GET", "/v1/accounts", { query: q });
				if (my !== seq || !view.isConnected)
					return;
				err.hidden = true;
				if (!append) {
					C.clear(tbody);
					shown = 0;
					/* which search the rows answer (tests wait for it) */
					tbody.setAttribute("data-query", q.name || q.address || q.employee_id || "");
				}
				const items = (r.data && r.data.items) || [];
				for (const p of items)
					tbody.appendChild(row(p));
				shown += items.length;
				cursor = r.data ? r.data.next_cursor : null;
				const total = r.data && typeof r.data.total === "number" ? r.data.total : shown;
				count.textContent = shown === 0 ? C.t("people.none") :
				    C.t("people.count", { shown: shown, total: total });
				more.hidden = !cursor;
				more.disabled = false;
			} catch (e) {
				if (my !== seq || !view.isConnected)
					return;
				more.disabled = false;
				if (!append) {
					C.clear(tbody);
					count.textContent = "";
				}
				err.textContent = C.problemText(e);
				err.hidden = e.status === 401;
			}
		}

		const reload = C.debounce(() => load(false), 250);
		search.addEventListener("input", () => {
			state.q = search.value;
			reload();
		});
		search.addEventListener("keydown", (ev) => {
			if (ev.key === "Enter") {
				ev.preventDefault();
				state.q = search.value;
				load(false);
			}
		});
		status.addEventListener("change", () => {
			state.status = status.value;
			load(false);
		});
		more.addEventListener("click", () => load(true));

		showPicked();
		C.agencyTree(tree, (code) => {
			/* "all" for grants on several agencies: the API wants one */
			state.agency = code || defaultAgency();
			showPicked();
			load(false);
		}, { selected: state.agency }).then((items) => {
			names = new Map(items.map((a) => [a.code, a.name || a.code]));
			showPicked();
			for (const tr of tbody.querySelectorAll("tr")) {
				const td = tr.children[3];
				if (td && names.has(td.title))
					td.textContent = names.get(td.title);
			}
		}).catch((e) => {
			tree.appendChild(C.el("p", { class: "empty" }, C.problemText(e)));
		});
		load(false);
		search.focus();
	}

	C.route("people", { title: "people.title", nav: true,
	    roles: ["province-admin", "agency-admin", "hr", "auditor"], render: render });
})();
