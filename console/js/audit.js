/*
 * audit.js - the Audit page (#/audit) for auditors and administrators:
 * the audit log of govmail-apid (GET /v1/audit) filtered by time, actor,
 * target and operation, newest first, and what is shown exported as CSV.
 * #/audit/target/<address> (or actor/<who>, op/<operation>, in pairs)
 * opens it already filtered.
 *
 * The CSV is for spreadsheets, so it guards against formula injection: a
 * value from the log (a name, a reason, a forwarding address) that starts
 * with = + - @ (or a tab or carriage return) is written with a leading
 * apostrophe, so a spreadsheet shows it as text instead of evaluating it.
 * Fields are quoted as RFC 4180 says; lines end in CRLF; a UTF-8 byte
 * order mark lets spreadsheet programs read the Vietnamese text right.
 */
"use strict";

(function () {
	const C = window.Console;
	if (!C)
		return;

	/* operations the log records, offered as suggestions (any may be typed) */
	const OPS = ["account.add", "account.modify", "account.move", "account.rename",
	    "account.suspend", "account.resume", "account.disable", "account.lock",
	    "account.unlock", "account.passwd", "account.purge", "account.cert.add",
	    "account.cert.remove", "agency.add", "agency.modify", "agency.merge",
	    "agency.remove", "agency.cert.add", "agency.cert.remove", "hr.create", "hr.update",
	    "hr.suspend", "hr.resume", "hr.disable", "run.summary", "run.refused",
	    "role.grant", "role.revoke", "token.add", "token.revoke"];
	const LIMITS = [100, 500, 1000];
	const SHOW = 200;            /* rows drawn at a time (the rest: "show more") */
	const BASE_KEYS = ["time", "actor", "op", "target", "result", "source", "dn", "attrs",
	    "changes"];

	C.messages({
		vi: {
			"audit.title": "Nhật ký kiểm tra",
			"audit.intro": "Các thay đổi đã ghi nhận, mới nhất trước. Thời gian tính theo giờ của máy bạn.",
			"audit.since": "Từ lúc",
			"audit.until": "Đến trước lúc",
			"audit.actor": "Người thực hiện",
			"audit.actorHint": "địa chỉ thư hoặc token:ID",
			"audit.target": "Đối tượng",
			"audit.targetHint": "địa chỉ thư, mã đơn vị…",
			"audit.op": "Thao tác",
			"audit.opHint": "ví dụ account.suspend",
			"audit.limit": "Số bản ghi tối đa",
			"audit.search": "Lọc",
			"audit.reset": "Xóa bộ lọc",
			"audit.export": "Xuất CSV",
			"audit.loading": "Đang tải…",
			"audit.count": "{n} bản ghi.",
			"audit.countMax": "{n} bản ghi mới nhất; có thể còn bản ghi cũ hơn: hãy thu hẹp khoảng thời gian.",
			"audit.none": "Không có bản ghi nào khớp bộ lọc.",
			"audit.more": "Hiện thêm {n} bản ghi",
			"audit.col.time": "Thời gian",
			"audit.col.actor": "Người thực hiện",
			"audit.col.op": "Thao tác",
			"audit.col.target": "Đối tượng",
			"audit.col.result": "Kết quả",
			"audit.badTime": "Thời gian không hợp lệ.",
			"audit.exported": "Đã xuất {n} bản ghi vào {file}."
		},
		en: {
			"audit.title": "Audit log",
			"audit.intro": "Recorded changes, newest first. Times are in your computer's time zone.",
			"audit.since": "From",
			"audit.until": "Before",
			"audit.actor": "Actor",
			"audit.actorHint": "an address or token:ID",
			"audit.target": "Target",
			"audit.targetHint": "an address, an agency code…",
			"audit.op": "Operation",
			"audit.opHint": "e.g. account.suspend",
			"audit.limit": "At most",
			"audit.search": "Filter",
			"audit.reset": "Clear filters",
			"audit.export": "Export CSV",
			"audit.loading": "Loading…",
			"audit.count": "{n} records.",
			"audit.countMax": "The newest {n} records; there may be older ones: narrow the time range.",
			"audit.none": "No record matches the filters.",
			"audit.more": "Show {n} more records",
			"audit.col.time": "Time",
			"audit.col.actor": "Actor",
			"audit.col.op": "Operation",
			"audit.col.target": "Target",
			"audit.col.result": "Result",
			"audit.badTime": "Not a valid time.",
			"audit.exported": "{n} records exported to {file}."
		}
	});

	const el = C.el;

	/* ---- CSV ---- */

	/* One CSV field: formulas neutralised, then quoted (RFC 4180). */
	function csvField(v) {
		let s = v === null || v === undefined ? "" : String(v);
		if (/^[=+\-@\t\r]/.test(s))
			s = "'" + s;
		return "\"" + s.replace(/"/g, "\"\"") + "\"";
	}

	function csvLine(fields) {
		return fields.map(csvField).join(",") + "\r\n";
	}

	/* ---- a record's parts as text ---- */

	function changesText(ch) {
		if (!Array.isArray(ch))
			return "";
		return ch.map((c) => {
			const o = c && c.old !== undefined && c.old !== null ? String(c.old) : "";
			const n = c && c.new !== undefined && c.new !== null ? String(c.new) : "";
			return (c && c.field ? c.field : "?") + ": " + o + " → " + n;
		}).join("; ");
	}

	function otherText(rec) {
		const rest = {};
		let any = false;
		for (const [k, v] of Object.entries(rec))
			if (!BASE_KEYS.includes(k)) {
				rest[k] = v;
				any = true;
			}
		return any ? JSON.stringify(rest) : "";
	}

	function detailsText(rec) {
		const parts = [];
		if (rec.source)
			parts.push(String(rec.source));
		const ch = changesText(rec.changes);
		if (ch)
			parts.push(ch);
		else if (Array.isArray(rec.attrs) && rec.attrs.length)
			parts.push(rec.attrs.join(", "));   /* ", ": lines may break there */
		const o = otherText(rec);
		if (o)
			parts.push(o);
		return parts.join(" · ");
	}

	function toCsv(items) {
		let out = "\ufeff" + csvLine(["time", "actor", "op", "target", "result", "source",
		    "dn", "attrs", "changes", "other"]);
		for (const r of items)
			out += csvLine([r.time, r.actor, r.op, r.target, r.result, r.source, r.dn,
			    Array.isArray(r.attrs) ? r.attrs.join(";") : r.attrs, changesText(r.changes),
			    otherText(r)]);
		return out;
	}

	/* datetime-local (the browser's zone) -> ISO 8601 UTC as the log writes it */
	function isoFromLocal(v) {
		if (!v)
			return null;
		const d = new Date(v);
		return isNaN(d.getTime()) ? undefined : d.toISOString();
	}

	function stamp() {
		return new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
	}

	/* ---- the page ---- */

	function field(id, label, input, hint) {
		return el("div", { class: "field" }, el("label", { for: id }, label), input,
		    hint ? el("div", { class: "hint" }, hint) : null);
	}

	/* #/audit/target/<address> (or actor, op): opened already filtered,
	 * e.g. from a person's page */
	function render(view, params) {
		const root = el("section", { class: "audit", "data-test": "audit" });
		view.appendChild(root);
		root.appendChild(el("h1", null, C.t("audit.title")));
		root.appendChild(el("p", { class: "intro" }, C.t("audit.intro")));

		const since = el("input", { type: "datetime-local", id: "audit-since", name: "since",
		    step: "1", "data-test": "audit-since" });
		const until = el("input", { type: "datetime-local", id: "audit-until", name: "until",
		    step: "1", "data-test": "audit-until" });
		const actor = el("input", { type: "text", id: "audit-actor", name: "actor",
		    maxlength: "256", autocomplete: "off", "data-test": "audit-actor" });
		const target = el("input", { type: "text", id: "audit-target", name: "target",
		    maxlength: "256", autocomplete: "off", "data-test": "audit-target" });
		const op = el("input", { type: "text", id: "audit-op", name: "op", maxlength: "64",
		    list: "audit-ops", autocomplete: "off", "data-test": "audit-op" });
		const ops = el("datalist", { id: "audit-ops" }, OPS.map((o) => el("option", { value: o })));
		const limit = el("select", { id: "audit-limit", name: "limit", "data-test": "audit-limit" },
		    LIMITS.map((n) => el("option", { value: String(n) }, String(n))));
		const go = el("button", { type: "submit", class: "primary", "data-test": "audit-search" },
		    C.t("audit.search"));
		const reset = el("button", { type: "button", "data-test": "audit-reset" },
		    C.t("audit.reset"));
		const exp = el("button", { type: "button", "data-test": "audit-export", disabled: true },
		    C.t("audit.export"));
		const form = el("form", { class: "form filters", novalidate: true },
		    el("div", { class: "row" },
			field("audit-since", C.t("audit.since"), since),
			field("audit-until", C.t("audit.until"), until),
			field("audit-limit", C.t("audit.limit"), limit)),
		    el("div", { class: "row" },
			field("audit-actor", C.t("audit.actor"), actor, C.t("audit.actorHint")),
			field("audit-target", C.t("audit.target"), target, C.t("audit.targetHint")),
			field("audit-op", C.t("audit.op"), op, C.t("audit.opHint")), ops),
		    el("div", { class: "form-error", hidden: true }),
		    el("div", { class: "buttons" }, go, reset, exp));
		root.appendChild(form);
		const preset = { actor: actor, target: target, op: op };
		for (let i = 0; params && i + 1 < params.length; i += 2)
			if (Object.prototype.hasOwnProperty.call(preset, params[i]))
				preset[params[i]].value = params[i + 1];
		const status = el("p", { class: "meta", "data-test": "audit-count" });
		const results = el("div", { class: "results" });
		root.appendChild(status);
		root.appendChild(results);

		let shown = [];     /* the records of the last answer, as shown */
		let seq = 0;

		/* a record: its main fields, then its details on a line of their own */
		function rows(r) {
			const d = detailsText(r);
			const main = el("tr", { "data-test": "audit-row", "data-op": r.op || "",
			    class: d ? "has-sub" : null },
			    el("td", { class: "nowrap", title: r.time || "" }, C.formatTime(r.time)),
			    el("td", null, r.actor || ""),
			    el("td", { class: "nowrap" }, r.op || ""),
			    el("td", null, r.target || ""),
			    el("td", null, r.result || ""));
			if (!d)
				return [main];
			return [main, el("tr", { class: "sub" }, el("td", { colspan: "5", class: "details",
			    title: d.length > 400 ? d : null }, d.length > 400 ? d.slice(0, 400) + "…" : d))];
		}

		function draw(items, max) {
			C.clear(results);
			status.textContent = items.length >= max ? C.t("audit.countMax", { n: items.length }) :
			    C.t("audit.count", { n: items.length });
			status.setAttribute("data-count", String(items.length));
			if (items.length === 0) {
				results.appendChild(el("p", { class: "empty", "data-test": "audit-none" },
				    C.t("audit.none")));
				return;
			}
			const tbody = el("tbody");
			const tbl = el("table", { class: "list audit-table", "data-test": "audit-table" },
			    el("thead", null, el("tr", null, ["time", "actor", "op", "target", "result"]
				.map((k) => el("th", { scope: "col" }, C.t("audit.col." + k))))),
			    tbody);
			results.appendChild(tbl);
			/* drawn SHOW at a time: 1000 rows at once would be slow to lay out */
			let n = 0;
			const more = el("button", { type: "button", class: "link", "data-test": "audit-more" });
			const addRows = () => {
				const end = Math.min(items.length, n + SHOW);
				const frag = document.createDocumentFragment();
				for (; n < end; n++)
					for (const tr of rows(items[n]))
						frag.appendChild(tr);
				tbody.appendChild(frag);
				if (n < items.length)
					more.textContent = C.t("audit.more", { n: Math.min(SHOW, items.length - n) });
				else
					more.remove();
			};
			more.addEventListener("click", addRows);
			results.appendChild(more);
			addRows();
		}

		async function search() {
			C.clearFieldErrors(form);
			const s = isoFromLocal(since.value), u = isoFromLocal(until.value);
			for (const [v, name] of [[s, "since"], [u, "until"]])
				if (v === undefined) {
					C.fieldErrors(form, new C.ApiError(400, { status: 400,
					    detail: C.t("audit.badTime"), field: name }));
					return;
				}
			const max = parseInt(limit.value, 10) || LIMITS[0];
			const my = ++seq;
			go.disabled = true;
			exp.disabled = true;
			status.textContent = C.t("audit.loading");
			try {
				const r = await C.api("GET", "/v1/audit", { query: { since: s, until: u,
				    actor: actor.value.trim(), target: target.value.trim(), op: op.value.trim(),
				    limit: max } });
				if (my !== seq || !root.isConnected)
					return;
				shown = (r.data && Array.isArray(r.data.items)) ? r.data.items : [];
				draw(shown, max);
				status.setAttribute("data-seq", String(my));   /* tests wait for it */
				exp.disabled = shown.length === 0;
			} catch (e) {
				if (!(e instanceof C.ApiError) || e.status === 401)
					throw e;
				status.textContent = "";
				C.fieldErrors(form, e);
			} finally {
				if (my === seq)
					go.disabled = false;
			}
		}

		form.addEventListener("submit", (ev) => {
			ev.preventDefault();
			search().catch((e) => C.showError(results, e));
		});
		reset.addEventListener("click", () => {
			for (const i of [since, until, actor, target, op])
				i.value = "";
			limit.value = String(LIMITS[0]);
			search().catch((e) => C.showError(results, e));
		});
		exp.addEventListener("click", () => {
			const file = "govmail-audit-" + stamp() + ".csv";
			C.download(file, "text/csv;charset=utf-8", toCsv(shown));
			C.notify(C.t("audit.exported", { n: shown.length, file: file }), "info");
		});
		return search();
	}

	/* for tests and other pages: the exporter without the page */
	C.auditCsv = toCsv;

	C.route("audit", {
		title: "audit.title",
		nav: true,
		roles: ["auditor", "agency-admin", "province-admin"],
		render: render
	});
})();
