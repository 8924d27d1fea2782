/*
 * agencies.js - the Agencies page (administrators): the agency tree with
 * each agency's accounts and its subtree's (GET /v1/agencies?counts=true),
 * expanded and collapsed by hand or narrowed by a filter; creating an
 * agency (POST /v1/agencies) and changing one (PATCH with the If-Match of
 * the agency as read) within the caller's scope; and merging an agency
 * into another: the plan is asked for first ("dry_run": true) and shown in
 * a confirmation that lists every account it moves, and only a confirmed
 * plan is applied (If-Match: the preview's ETag, so a plan that changed
 * meanwhile is refused rather than applied unseen).
 * Values from the directory are put on the page as text only.
 */
"use strict";

(function () {
	const C = window.Console;
	if (!C)
		return;

	const LEVELS = ["province", "department", "district", "commune", "unit"];
	/* accounts listed by name in a merge's confirmation; the rest counted */
	const PREVIEW_MAX = 300;

	C.messages({
		vi: {
			"agencies.title": "Cơ quan, đơn vị",
			"agencies.intro": "Cây cơ quan, đơn vị trong phạm vi bạn quản lý, kèm số tài khoản của từng đơn vị và của cả các đơn vị trực thuộc.",
			"agencies.filter": "Lọc theo tên hoặc mã đơn vị",
			"agencies.expandAll": "Mở rộng tất cả",
			"agencies.collapseAll": "Thu gọn",
			"agencies.new": "Thêm cơ quan, đơn vị",
			"agencies.reload": "Tải lại",
			"agencies.col.name": "Tên cơ quan, đơn vị",
			"agencies.col.code": "Mã",
			"agencies.col.level": "Cấp",
			"agencies.col.status": "Trạng thái",
			"agencies.col.accounts": "Tài khoản",
			"agencies.col.total": "Kể cả trực thuộc",
			"agencies.col.actions": "Thao tác",
			"agencies.summary": "{n} cơ quan, đơn vị; {accounts} tài khoản.",
			"agencies.none": "Không có cơ quan, đơn vị nào trong phạm vi của bạn.",
			"agencies.noMatch": "Không có đơn vị nào khớp với bộ lọc.",
			"agencies.expand": "Mở rộng {name}",
			"agencies.collapse": "Thu gọn {name}",
			"agencies.level.province": "Cấp tỉnh",
			"agencies.level.department": "Sở, ban, ngành",
			"agencies.level.district": "Cấp huyện",
			"agencies.level.commune": "Cấp xã",
			"agencies.level.unit": "Đơn vị trực thuộc",
			"agencies.status.active": "Đang hoạt động",
			"agencies.status.retired": "Ngừng hoạt động",
			"agencies.mergedInto": "Đã gộp vào {code}",
			"agencies.edit": "Sửa",
			"agencies.merge": "Gộp vào…",
			"agencies.field.code": "Mã đơn vị",
			"agencies.field.codeHint": "Chữ thường không dấu, số và dấu gạch ngang, ví dụ: syt-ttyt-vithanh. Không đổi được sau khi tạo.",
			"agencies.field.name": "Tên đầy đủ",
			"agencies.field.level": "Cấp",
			"agencies.field.parent": "Trực thuộc",
			"agencies.field.topLevel": "(Không trực thuộc đơn vị nào)",
			"agencies.field.domain": "Tên miền thư riêng (nếu có)",
			"agencies.field.domainHint": "Để trống để dùng tên miền chung của tỉnh.",
			"agencies.create.title": "Thêm cơ quan, đơn vị",
			"agencies.create.submit": "Tạo đơn vị",
			"agencies.create.done": "Đã tạo đơn vị {name} ({code}).",
			"agencies.edit.title": "Sửa thông tin {name}",
			"agencies.edit.submit": "Lưu thay đổi",
			"agencies.edit.nothing": "Chưa có gì thay đổi.",
			"agencies.edit.done": "Đã lưu thay đổi của {code}.",
			"agencies.edit.stale": "Đơn vị này vừa được người khác thay đổi. Hãy mở lại để xem thông tin mới nhất.",
			"agencies.merge.title": "Gộp {name} vào đơn vị khác",
			"agencies.merge.intro": "Mọi tài khoản và đơn vị trực thuộc của {name} sẽ chuyển sang đơn vị được chọn; {code} sẽ ngừng hoạt động. Địa chỉ thư của mọi người giữ nguyên.",
			"agencies.merge.into": "Gộp vào",
			"agencies.merge.pick": "— Chọn đơn vị nhận —",
			"agencies.merge.required": "Hãy chọn đơn vị nhận.",
			"agencies.merge.preview": "Xem trước",
			"agencies.merge.confirmTitle": "Gộp {src} vào {dst}",
			"agencies.merge.apply": "Gộp vào",
			"agencies.merge.lineAccounts": "Chuyển {n} tài khoản từ {src} sang {dst}.",
			"agencies.merge.lineNoAccounts": "{src} không có tài khoản nào để chuyển.",
			"agencies.merge.lineAgencies": "Chuyển {n} đơn vị trực thuộc sang {dst}: {list}.",
			"agencies.merge.lineRetire": "{src} ngừng hoạt động, ghi chú “đã gộp vào {dst}”.",
			"agencies.merge.lineRetired": "{src} đã ngừng hoạt động từ trước.",
			"agencies.merge.lineAddresses": "Không địa chỉ thư hay bí danh nào bị thay đổi.",
			"agencies.merge.accounts": "Các tài khoản sẽ chuyển:",
			"agencies.merge.andMore": "… và {n} tài khoản khác.",
			"agencies.merge.nothing": "Không còn gì để gộp: {src} đã được gộp vào {dst}.",
			"agencies.merge.done": "Đã gộp {src} vào {dst}: {n} tài khoản, {m} đơn vị trực thuộc.",
			"agencies.merge.cancelled": "Đã hủy, không có gì thay đổi.",
			"agencies.merge.stale": "Dữ liệu đã thay đổi kể từ khi xem trước; hãy xem trước lại."
		},
		en: {
			"agencies.title": "Agencies",
			"agencies.intro": "The agencies within your scope, with the accounts of each agency and of its whole subtree.",
			"agencies.filter": "Filter by agency name or code",
			"agencies.expandAll": "Expand all",
			"agencies.collapseAll": "Collapse",
			"agencies.new": "New agency",
			"agencies.reload": "Reload",
			"agencies.col.name": "Agency",
			"agencies.col.code": "Code",
			"agencies.col.level": "Level",
			"agencies.col.status": "Status",
			"agencies.col.accounts": "Accounts",
			"agencies.col.total": "With sub-agencies",
			"agencies.col.actions": "Actions",
			"agencies.summary": "{n} agencies; {accounts} accounts.",
			"agencies.none": "There is no agency within your scope.",
			"agencies.noMatch": "No agency matches the filter.",
			"agencies.expand": "Expand {name}",
			"agencies.collapse": "Collapse {name}",
			"agencies.level.province": "Province",
			"agencies.level.department": "Department",
			"agencies.level.district": "District",
			"agencies.level.commune": "Commune",
			"agencies.level.unit": "Unit",
			"agencies.status.active": "Active",
			"agencies.status.retired": "Retired",
			"agencies.mergedInto": "Merged into {code}",
			"agencies.edit": "Edit",
			"agencies.merge": "Merge into…",
			"agencies.field.code": "Agency code",
			"agencies.field.codeHint": "Lower-case letters, digits and hyphens, e.g. syt-ttyt-vithanh. It cannot be changed later.",
			"agencies.field.name": "Full name",
			"agencies.field.level": "Level",
			"agencies.field.parent": "Parent agency",
			"agencies.field.topLevel": "(None: a top-level agency)",
			"agencies.field.domain": "Own mail domain (if any)",
			"agencies.field.domainHint": "Leave empty to use the province's common domain.",
			"agencies.create.title": "New agency",
			"agencies.create.submit": "Create agency",
			"agencies.create.done": "Agency {name} ({code}) created.",
			"agencies.edit.title": "Edit {name}",
			"agencies.edit.submit": "Save changes",
			"agencies.edit.nothing": "Nothing has been changed.",
			"agencies.edit.done": "Changes to {code} saved.",
			"agencies.edit.stale": "Someone else has just changed this agency. Open it again to see the current values.",
			"agencies.merge.title": "Merge {name} into another agency",
			"agencies.merge.intro": "Every account and sub-agency of {name} moves to the agency you choose; {code} is retired. Everyone keeps their mail address.",
			"agencies.merge.into": "Merge into",
			"agencies.merge.pick": "— Choose the receiving agency —",
			"agencies.merge.required": "Choose the receiving agency.",
			"agencies.merge.preview": "Preview",
			"agencies.merge.confirmTitle": "Merge {src} into {dst}",
			"agencies.merge.apply": "Merge",
			"agencies.merge.lineAccounts": "Move {n} accounts from {src} to {dst}.",
			"agencies.merge.lineNoAccounts": "{src} has no accounts to move.",
			"agencies.merge.lineAgencies": "Move {n} sub-agencies under {dst}: {list}.",
			"agencies.merge.lineRetire": "Retire {src}, noted as “merged into {dst}”.",
			"agencies.merge.lineRetired": "{src} is retired already.",
			"agencies.merge.lineAddresses": "No mail address or alias changes.",
			"agencies.merge.accounts": "Accounts that will move:",
			"agencies.merge.andMore": "… and {n} more accounts.",
			"agencies.merge.nothing": "Nothing left to merge: {src} has been merged into {dst}.",
			"agencies.merge.done": "{src} merged into {dst}: {n} accounts, {m} sub-agencies.",
			"agencies.merge.cancelled": "Cancelled; nothing was changed.",
			"agencies.merge.stale": "The data changed since the preview; preview again."
		}
	});

	const nf = () => new Intl.NumberFormat(C.lang() === "vi" ? "vi-VN" : "en-GB");

	function levelLabel(l) {
		return l && LEVELS.includes(l) ? C.t("agencies.level." + l) : (l || "—");
	}

	function isRetired(a) {
		return a.status === "retired";
	}

	/* ---- what the caller may change (the API decides; this only hides
	 * buttons that could only be refused) ---- */

	function adminGrants() {
		return ((C.user && C.user.roles) || []).filter((g) =>
		    g.role === "province-admin" || g.role === "agency-admin");
	}

	function provinceAdmin() {
		return adminGrants().some((g) => g.role === "province-admin" || !g.agency);
	}

	/* codes at or below a grant's agency, through the tree */
	function withinGrant(code, byCode) {
		const roots = new Set(adminGrants().map((g) => g.agency).filter(Boolean));
		for (let c = code, i = 0; c && i < 64; i++) {
			if (roots.has(c))
				return true;
			const a = byCode.get(c);
			c = a ? a.parent : null;
		}
		return false;
	}

	/* An agency is changed by a right over its parent (agency-admins
	 * change what is below their agency, not their agency itself). */
	function mayChange(a, byCode) {
		if (provinceAdmin())
			return true;
		return !!a.parent && withinGrant(a.parent, byCode);
	}

	/* ---- the page ---- */

	async function render(view, params, alive) {
		const state = {
			items: [],
			byCode: new Map(),
			forest: [],
			open: new Set(),
			filter: ""
		};

		const head = C.el("div", { class: "agencies-head" },
		    C.el("h1", null, C.t("agencies.title")));
		view.appendChild(head);
		view.appendChild(C.el("p", { class: "hint" }, C.t("agencies.intro")));

		const filter = C.el("input", { type: "search", class: "agencies-filter",
		    placeholder: C.t("agencies.filter"), "aria-label": C.t("agencies.filter"),
		    "data-test": "agency-filter" });
		const bar = C.el("div", { class: "searchbar" },
		    filter,
		    C.el("button", { type: "button", "data-test": "agency-expand-all",
			on: { click: () => { expandAll(); draw(); } } }, C.t("agencies.expandAll")),
		    C.el("button", { type: "button", "data-test": "agency-collapse-all",
			on: { click: () => { state.open.clear(); draw(); } } },
			C.t("agencies.collapseAll")),
		    C.el("button", { type: "button", "data-test": "agency-reload",
			on: { click: () => load() } }, C.t("agencies.reload")),
		    C.el("button", { type: "button", class: "primary", "data-test": "agency-new",
			on: { click: () => createDialog() } }, C.t("agencies.new")));
		view.appendChild(bar);
		const summary = C.el("p", { class: "count", "data-test": "agency-summary" });
		view.appendChild(summary);
		const tbody = C.el("tbody");
		const table = C.el("table", { class: "list agencies", "data-test": "agency-tree" },
		    C.el("thead", null, C.el("tr", null,
			C.el("th", null, C.t("agencies.col.name")),
			C.el("th", null, C.t("agencies.col.code")),
			C.el("th", null, C.t("agencies.col.level")),
			C.el("th", null, C.t("agencies.col.status")),
			C.el("th", { class: "num" }, C.t("agencies.col.accounts")),
			C.el("th", { class: "num" }, C.t("agencies.col.total")),
			C.el("th", null, C.t("agencies.col.actions")))),
		    tbody);
		view.appendChild(table);
		const empty = C.el("p", { class: "empty", hidden: true, "data-test": "agency-empty" });
		view.appendChild(empty);

		filter.addEventListener("input", C.debounce(() => {
			state.filter = C.fold(filter.value.trim());
			draw();
		}, 150));

		function expandAll() {
			for (const a of state.items)
				state.open.add(a.code);
		}

		async function load() {
			const r = await C.api("GET", "/v1/agencies", { query: { counts: "true" } });
			if (alive && !alive())
				return;
			state.items = (r.data && r.data.items) || [];
			state.byCode = new Map(state.items.map((a) => [a.code, a]));
			state.forest = C.agencyForest(state.items);
			if (state.open.size === 0)
				for (const n of state.forest)
					state.open.add(n.agency.code);
			/* the other pages' agency lists are stale now */
			C.agencies(true).catch(() => null);
			draw();
		}

		function matches(a) {
			return !state.filter || C.fold(a.name).includes(state.filter) ||
			    C.fold(a.code).includes(state.filter);
		}

		/* With a filter: the matching agencies and their ancestors, open. */
		function visibleWithFilter(nodes) {
			const keep = new Set();
			const walk = (list) => {
				let any = false;
				for (const n of list) {
					const sub = walk(n.children);
					if (sub || matches(n.agency)) {
						keep.add(n.agency.code);
						any = true;
					}
				}
				return any;
			};
			walk(nodes);
			return keep;
		}

		function draw() {
			C.clear(tbody);
			const keep = state.filter ? visibleWithFilter(state.forest) : null;
			let rows = 0;
			const add = (list, depth) => {
				for (const n of list) {
					const a = n.agency;
					if (keep && !keep.has(a.code))
						continue;
					const open = keep ? true : state.open.has(a.code);
					tbody.appendChild(row(n, depth, open));
					rows++;
					if (open && n.children.length)
						add(n.children, depth + 1);
				}
			};
			add(state.forest, 0);
			const total = state.forest.reduce((s, n) => s + (n.agency.accounts_total || 0), 0);
			summary.textContent = C.t("agencies.summary", { n: nf().format(state.items.length),
			    accounts: nf().format(total) });
			empty.hidden = rows > 0;
			empty.textContent = state.items.length ? C.t("agencies.noMatch") : C.t("agencies.none");
			table.hidden = rows === 0;
		}

		function row(n, depth, open) {
			const a = n.agency;
			const label = a.name || a.code;
			let toggle;
			if (n.children.length) {
				toggle = C.el("button", { type: "button", class: "link tree-toggle",
				    "data-test": "agency-toggle", "aria-expanded": open ? "true" : "false",
				    "aria-label": C.t(open ? "agencies.collapse" : "agencies.expand", { name: label }),
				    disabled: !!state.filter,
				    on: { click: () => {
					    if (state.open.has(a.code))
						    state.open.delete(a.code);
					    else
						    state.open.add(a.code);
					    draw();
				    } } }, open ? "▾" : "▸");
			} else {
				toggle = C.el("span", { class: "tree-toggle" }, "");
			}
			const status = isRetired(a) ?
			    C.el("span", { class: "badge disabled", "data-test": "agency-status" },
				a.merged_into ? C.t("agencies.mergedInto", { code: a.merged_into }) :
				C.t("agencies.status.retired")) :
			    C.el("span", { class: "badge active" }, C.t("agencies.status.active"));
			const actions = C.el("td", { class: "actions-cell" });
			if (!isRetired(a) && mayChange(a, state.byCode)) {
				actions.appendChild(C.el("button", { type: "button", class: "link",
				    "data-test": "agency-edit", on: { click: () => editDialog(a) } },
				    C.t("agencies.edit")));
				actions.appendChild(C.el("button", { type: "button", class: "link",
				    "data-test": "agency-merge", on: { click: () => mergeDialog(a) } },
				    C.t("agencies.merge")));
			}
			return C.el("tr", { class: ["agency-row", isRetired(a) ? "retired" : null],
			    "data-test": "agency-row", "data-code": a.code, "data-depth": String(depth) },
			    C.el("td", { class: "agency-name depth-" + Math.min(depth, 8) }, toggle,
				C.el("span", { class: "name", "data-test": "agency-name" }, label)),
			    C.el("td", { class: "addr", "data-test": "agency-code" }, a.code),
			    C.el("td", { class: "level" }, levelLabel(a.level)),
			    C.el("td", null, status),
			    C.el("td", { class: "num", "data-test": "agency-count",
				"data-value": String(a.accounts || 0) }, nf().format(a.accounts || 0)),
			    C.el("td", { class: "num", "data-test": "agency-total",
				"data-value": String(a.accounts_total || 0) },
				nf().format(a.accounts_total || 0)),
			    actions);
		}

		/* ---- forms ---- */

		function field(label, input, hint) {
			return C.el("div", { class: "field" },
			    C.el("label", { for: input.id }, label), input,
			    hint ? C.el("p", { class: "hint" }, hint) : null);
		}

		function levelSelect(id, value) {
			const s = C.el("select", { id: id, name: "level", "data-test": "agency-level" });
			for (const l of LEVELS)
				s.appendChild(C.el("option", { value: l }, levelLabel(l)));
			s.value = value || "unit";
			return s;
		}

		/* Parents the caller may place under: active agencies, minus
		 * `self` and its subtree; "" (top level) for province admins. */
		function parentSelect(id, value, self) {
			const s = C.el("select", { id: id, name: "parent", "data-test": "agency-parent" });
			if (provinceAdmin())
				s.appendChild(C.el("option", { value: "" }, C.t("agencies.field.topLevel")));
			const add = (list, depth) => {
				for (const n of list) {
					if (self && n.agency.code === self)
						continue;
					if (!isRetired(n.agency))
						s.appendChild(C.el("option", { value: n.agency.code },
						    "\u00a0\u00a0".repeat(depth) + C.agencyLabel(n.agency)));
					add(n.children, depth + 1);
				}
			};
			add(state.forest, 0);
			s.value = value || "";
			if (s.selectedIndex < 0 && s.options.length)
				s.selectedIndex = 0;
			return s;
		}

		function createDialog() {
			const form = C.el("div", { class: "agency-form" });
			const code = C.el("input", { id: "ag-code", name: "code", type: "text",
			    required: true, maxlength: "64", autocomplete: "off", "data-test": "agency-code-input" });
			const name = C.el("input", { id: "ag-name", name: "name", type: "text",
			    required: true, autocomplete: "off", "data-test": "agency-name-input" });
			const level = levelSelect("ag-level", "unit");
			const parent = parentSelect("ag-parent", null, null);
			const domain = C.el("input", { id: "ag-domain", name: "domain", type: "text",
			    autocomplete: "off", "data-test": "agency-domain" });
			form.append(field(C.t("agencies.field.code"), code, C.t("agencies.field.codeHint")),
			    field(C.t("agencies.field.name"), name),
			    C.el("div", { class: "row" }, field(C.t("agencies.field.level"), level),
				field(C.t("agencies.field.parent"), parent)),
			    field(C.t("agencies.field.domain"), domain, C.t("agencies.field.domainHint")),
			    C.el("div", { class: "form-error", hidden: true }));
			let busy = false;
			return C.dialog({
				title: C.t("agencies.create.title"),
				test: "agency-dialog",
				body: form,
				focus: code,
				buttons: [
					{ label: C.t("core.cancel"), value: "cancel", test: "agency-cancel" },
					{ label: C.t("agencies.create.submit"), submit: true, kind: "primary",
					    test: "agency-save" }
				],
				onSubmit: (dlg) => {
					if (busy)
						return false;
					busy = true;
					const body = { code: code.value.trim(), name: name.value.trim(),
					    level: level.value };
					if (parent.value)
						body.parent = parent.value;
					if (domain.value.trim())
						body.domain = domain.value.trim();
					C.api("POST", "/v1/agencies", { json: body }).then((r) => {
						const a = (r.data && r.data.agency) || body;
						C.notify(C.t("agencies.create.done", { name: a.name, code: a.code }), "ok");
						if (a.parent)
							state.open.add(a.parent);
						dlg.close("ok");
						return load();
					}).catch((e) => {
						C.fieldErrors(form, e);
					}).finally(() => {
						busy = false;
					});
					return false;
				}
			});
		}

		async function editDialog(a0) {
			let r;
			try {
				r = await C.api("GET", "/v1/agencies/" + C.seg(a0.code));
			} catch (e) {
				C.notify(C.problemText(e), "error");
				return;
			}
			const a = r.data || a0;
			const tag = r.headers.get("ETag");
			const form = C.el("div", { class: "agency-form" });
			const name = C.el("input", { id: "ag-name", name: "name", type: "text",
			    required: true, value: a.name || "", "data-test": "agency-name-input" });
			const level = levelSelect("ag-level", a.level);
			const parent = parentSelect("ag-parent", a.parent || "", a.code);
			const domain = C.el("input", { id: "ag-domain", name: "domain", type: "text",
			    value: a.domain || "", "data-test": "agency-domain" });
			form.append(C.el("p", { class: "addr" }, a.code),
			    field(C.t("agencies.field.name"), name),
			    C.el("div", { class: "row" }, field(C.t("agencies.field.level"), level),
				field(C.t("agencies.field.parent"), parent)),
			    field(C.t("agencies.field.domain"), domain, C.t("agencies.field.domainHint")),
			    C.el("div", { class: "form-error", hidden: true }));
			let busy = false;
			return C.dialog({
				title: C.t("agencies.edit.title", { name: a.name || a.code }),
				test: "agency-dialog",
				body: form,
				focus: name,
				buttons: [
					{ label: C.t("core.cancel"), value: "cancel", test: "agency-cancel" },
					{ label: C.t("agencies.edit.submit"), submit: true, kind: "primary",
					    test: "agency-save" }
				],
				onSubmit: (dlg) => {
					if (busy)
						return false;
					const body = {};
					if (name.value.trim() !== (a.name || ""))
						body.name = name.value.trim();
					if (level.value !== (a.level || ""))
						body.level = level.value;
					if (parent.value !== (a.parent || ""))
						body.parent = parent.value;
					if (domain.value.trim() !== (a.domain || ""))
						body.domain = domain.value.trim();
					if (Object.keys(body).length === 0) {
						C.notify(C.t("agencies.edit.nothing"), "info");
						return false;
					}
					busy = true;
					const headers = tag ? { "If-Match": tag } : {};
					C.api("PATCH", "/v1/agencies/" + C.seg(a.code), { json: body,
					    headers: headers }).then(() => {
						C.notify(C.t("agencies.edit.done", { code: a.code }), "ok");
						dlg.close("ok");
						return load();
					}).catch((e) => {
						if (e instanceof C.ApiError && e.status === 412)
							C.notify(C.t("agencies.edit.stale"), "error");
						else
							C.fieldErrors(form, e);
					}).finally(() => {
						busy = false;
					});
					return false;
				}
			});
		}

		/* ---- merge: choose, preview, confirm, apply ---- */

		function subtree(code) {
			const out = new Set([code]);
			let grew = true;
			while (grew) {
				grew = false;
				for (const x of state.items)
					if (x.parent && out.has(x.parent) && !out.has(x.code)) {
						out.add(x.code);
						grew = true;
					}
			}
			return out;
		}

		async function mergeDialog(src) {
			const below = subtree(src.code);
			const into = C.el("select", { id: "merge-into", name: "into", "data-test": "merge-into" });
			into.appendChild(C.el("option", { value: "" }, C.t("agencies.merge.pick")));
			const add = (list, depth) => {
				for (const n of list) {
					const a = n.agency;
					if (!below.has(a.code) && !isRetired(a))
						into.appendChild(C.el("option", { value: a.code },
						    "\u00a0\u00a0".repeat(depth) + C.agencyLabel(a)));
					add(n.children, depth + 1);
				}
			};
			add(state.forest, 0);
			const form = C.el("div", { class: "agency-form" },
			    C.el("p", null, C.t("agencies.merge.intro", { name: src.name || src.code,
				code: src.code })),
			    field(C.t("agencies.merge.into"), into),
			    C.el("div", { class: "form-error", hidden: true }));
			let preview = null;
			let busy = false;
			const v = await C.dialog({
				title: C.t("agencies.merge.title", { name: src.name || src.code }),
				test: "merge-dialog",
				body: form,
				focus: into,
				buttons: [
					{ label: C.t("core.cancel"), value: "cancel", test: "merge-cancel" },
					{ label: C.t("agencies.merge.preview"), submit: true, kind: "primary",
					    test: "merge-preview" }
				],
				onSubmit: (dlg) => {
					if (busy)
						return false;
					if (!into.value) {
						C.fieldErrors(form, new C.ApiError(400, { field: "into",
						    detail: C.t("agencies.merge.required") }));
						return false;
					}
					busy = true;
					C.api("POST", "/v1/agencies/" + C.seg(src.code) + "/merge",
					    { json: { into: into.value, dry_run: true } }).then((r) => {
						preview = { plan: r.data || {}, tag: r.headers.get("ETag") };
						dlg.close("ok");
					}).catch((e) => {
						C.fieldErrors(form, e, "into");
					}).finally(() => {
						busy = false;
					});
					return false;
				}
			});
			if (v !== "ok" || !preview)
				return;
			await confirmMerge(src, preview);
		}

		function agencyName(code) {
			const a = state.byCode.get(code);
			return a ? C.agencyLabel(a) : code;
		}

		async function confirmMerge(src, preview) {
			const p = preview.plan;
			const vars = { src: agencyName(p.src), dst: agencyName(p.dst) };
			if (p.nothing_to_do) {
				C.notify(C.t("agencies.merge.nothing", vars), "info");
				return;
			}
			const lines = [];
			const accounts = p.accounts || [];
			lines.push(accounts.length ?
			    C.t("agencies.merge.lineAccounts", Object.assign({ n: nf().format(accounts.length) }, vars)) :
			    C.t("agencies.merge.lineNoAccounts", vars));
			if ((p.sub_agencies || []).length)
				lines.push(C.t("agencies.merge.lineAgencies", Object.assign({
				    n: p.sub_agencies.length, list: p.sub_agencies.join(", ") }, vars)));
			lines.push(C.t(p.src_retire === false ? "agencies.merge.lineRetired" :
			    "agencies.merge.lineRetire", vars));
			lines.push(C.t("agencies.merge.lineAddresses"));
			let body = null;
			if (accounts.length) {
				const ul = C.el("ul", { class: "plain preview-list", "data-test": "merge-preview-accounts" });
				for (const a of accounts.slice(0, PREVIEW_MAX))
					ul.appendChild(C.el("li", { "data-test": "merge-preview-account",
					    "data-address": a.address },
					    C.el("span", { class: "addr" }, a.address), " (" + a.uid + ")"));
				body = C.el("div", { class: "merge-preview" },
				    C.el("p", null, C.t("agencies.merge.accounts")), ul,
				    accounts.length > PREVIEW_MAX ? C.el("p", { class: "hint" },
					C.t("agencies.merge.andMore", { n: nf().format(accounts.length - PREVIEW_MAX) })) : null);
			}
			const ok = await C.confirm({
				title: C.t("agencies.merge.confirmTitle", vars),
				lines: lines,
				body: body,
				confirmLabel: C.t("agencies.merge.apply"),
				danger: true
			});
			if (!ok) {
				C.notify(C.t("agencies.merge.cancelled"), "info");
				return;
			}
			/* the merge applies only the plan shown: never "*" */
			if (!preview.tag) {
				C.notify(C.t("agencies.merge.stale"), "error");
				return;
			}
			try {
				const r = await C.api("POST", "/v1/agencies/" + C.seg(p.src) + "/merge", {
					json: { into: p.dst, dry_run: false },
					headers: { "If-Match": preview.tag }
				});
				const d = r.data || {};
				C.notify(C.t("agencies.merge.done", Object.assign({
				    n: nf().format(d.accounts_moved || 0), m: d.sub_agencies_reparented || 0 },
				    vars)), "ok");
				state.open.add(p.dst);
			} catch (e) {
				if (e instanceof C.ApiError && e.status === 412)
					C.notify(C.t("agencies.merge.stale"), "error");
				else
					C.notify(C.problemText(e), "error");
			}
			await load();
		}

		await load();
	}

	C.route("agencies", {
		title: "agencies.title",
		nav: true,
		roles: ["province-admin", "agency-admin"],
		render: render
	});
})();
