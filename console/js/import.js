/*
 * import.js - the HR import page (#/import, #/import/<job id>): an export
 * of the agency's personnel software is uploaded as an hr/sync job of
 * govmail-apid, whose dry-run plan is shown (counts, the actions a page
 * at a time, the rejected rows with their line numbers and reasons, the
 * mass lock-out guard's verdict) before it is applied on a confirmation;
 * the apply is followed with a progress bar, and the initial passwords of
 * the accounts made are downloaded once.
 *
 * The job id is in the route, so a reload (or coming back later, within
 * apid.hr_job_ttl) finds the job again.  A plan of a whole province
 * (10,300 rows) is never drawn at once: the API gives the actions a page
 * at a time and the rejected rows (at most 1000) are shown in pages too.
 */
"use strict";

(function () {
	const C = window.Console;
	if (!C)
		return;

	const PLAN_PAGE = 100;      /* actions per page (apid.page_size's default) */
	const REJ_PAGE = 50;        /* rejected rows per page */
	const POLL_MS = 1000;       /* job state polled this often while it works */
	const LAST_KEY = "govmail.import.last";
	const ACTIONS = ["create", "update", "suspend", "resume", "disable", "missing", "kept",
	    "no-account", "unchanged"];

	C.messages({
		vi: {
			"import.title": "Nhập dữ liệu nhân sự",
			"import.intro": "Tải lên tệp xuất từ phần mềm quản lý nhân sự của đơn vị. Hệ thống chạy thử trước và cho bạn xem kế hoạch; không có gì thay đổi cho tới khi bạn bấm “Áp dụng”.",
			"import.scope": "Phạm vi (đơn vị và các đơn vị trực thuộc)",
			"import.whole": "Toàn tỉnh (mọi đơn vị)",
			"import.file": "Tệp xuất nhân sự (CSV có dòng tiêu đề, hoặc JSON Lines)",
			"import.disableMissing": "Vô hiệu hóa tài khoản của những người không còn trong tệp",
			"import.disableMissingHelp": "Chỉ chọn khi tệp là danh sách đầy đủ của cả phạm vi đã chọn.",
			"import.dryrun": "Chạy thử và xem kế hoạch",
			"import.noFile": "Hãy chọn tệp xuất nhân sự.",
			"import.uploading": "Đang tải tệp lên…",
			"import.last": "Tiếp tục công việc nhập gần nhất",
			"import.otherJob": "Mở công việc đang chạy",
			"import.jobs": "Các công việc nhập gần đây",
			"import.col.job": "Công việc",
			"import.col.scope": "Phạm vi",
			"import.col.state": "Trạng thái",
			"import.col.created": "Tải lên lúc",
			"import.col.creates": "Tạo mới",
			"import.job": "Công việc nhập {id}",
			"import.jobMeta": "Phạm vi: {agency} · người tải lên: {by}",
			"import.gone": "Không còn công việc này (đã xóa hoặc quá hạn lưu giữ). Hãy tải tệp lên lại.",
			"import.state.queued": "Đang chờ…",
			"import.state.planning": "Đang lập kế hoạch (chạy thử)…",
			"import.state.planned": "Đã lập kế hoạch, chưa áp dụng",
			"import.state.applying": "Đang áp dụng…",
			"import.state.done": "Đã áp dụng xong",
			"import.state.failed": "Không thành công",
			"import.summary": "Kế hoạch",
			"import.rows": "Tệp có {rows} dòng dữ liệu, trong đó {rejected} dòng bị loại.",
			"import.torn": "Dòng {line} bị cắt ngang (không có ký tự xuống dòng): tệp có thể bị thiếu phần cuối.",
			"import.counts": "Số lượng theo loại thao tác",
			"import.col.action": "Thao tác",
			"import.col.count": "Số lượng",
			"import.act.create": "Tạo tài khoản mới",
			"import.act.update": "Cập nhật thông tin",
			"import.act.suspend": "Tạm ngừng (nghỉ hưu, chuyển công tác)",
			"import.act.resume": "Khôi phục (trở lại làm việc)",
			"import.act.disable": "Vô hiệu hóa (không còn trong tệp)",
			"import.act.missing": "Không có trong tệp (chỉ báo cáo)",
			"import.act.kept": "Giữ nguyên (chỉ có dòng bị loại)",
			"import.act.no-account": "Nghỉ hoặc chuyển đi, không có tài khoản",
			"import.act.unchanged": "Không thay đổi",
			"import.invalid": "{n} thao tác không thực hiện được; lý do ghi ở từng dòng của kế hoạch.",
			"import.guard": "Cơ chế chặn khóa hàng loạt",
			"import.guard.ok": "Cho phép: {lockouts} trong số {active} tài khoản đang hoạt động sẽ bị tạm ngừng hoặc vô hiệu hóa (giới hạn: {percent}% và {floor} tài khoản).",
			"import.guard.refused": "Từ chối: {lockouts} trong số {active} tài khoản đang hoạt động sẽ bị tạm ngừng hoặc vô hiệu hóa, vượt quá {percent}% và {floor} tài khoản. Tệp có bị thiếu không? Hãy kiểm tra lại tệp.",
			"import.force": "Tôi đã kiểm tra tệp; vẫn áp dụng dù vượt giới hạn",
			"import.rejected": "Dòng bị loại ({n})",
			"import.rejectedNone": "Không có dòng nào bị loại.",
			"import.rejectedMore": "Chỉ hiển thị {shown} dòng đầu trong số {n} dòng bị loại.",
			"import.col.line": "Dòng",
			"import.col.employee": "Mã nhân viên",
			"import.col.reason": "Lý do",
			"import.col.name": "Họ và tên",
			"import.col.address": "Địa chỉ thư",
			"import.col.detail": "Chi tiết",
			"import.col.result": "Kết quả",
			"import.actions": "Các thao tác ({n})",
			"import.actionsNone": "Kế hoạch không có thao tác nào: thư mục đã khớp với tệp.",
			"import.page": "{from}–{to} / {n}",
			"import.prev": "‹ Trang trước",
			"import.next": "Trang sau ›",
			"import.absent": "không có trong tệp",
			"import.apply": "Áp dụng kế hoạch",
			"import.applyTitle": "Áp dụng kế hoạch nhập nhân sự?",
			"import.applyLine": "{label}: {n}",
			"import.applyForce": "Vượt qua cơ chế chặn khóa hàng loạt",
			"import.applyNothing": "Không có thay đổi nào để áp dụng.",
			"import.applyConfirm": "Áp dụng",
			"import.stale": "Thư mục hoặc tệp đã thay đổi từ khi lập kế hoạch; kế hoạch đã được lập lại. Hãy xem lại rồi áp dụng.",
			"import.discard": "Bỏ công việc này",
			"import.discardTitle": "Bỏ công việc nhập này?",
			"import.discardLine": "Tệp đã tải lên và kế hoạch sẽ bị xóa; thư mục không thay đổi.",
			"import.discardLineDone": "Công việc sẽ bị xóa khỏi danh sách; mật khẩu ban đầu chưa tải về (nếu có) sẽ mất.",
			"import.discarded": "Đã bỏ công việc nhập.",
			"import.new": "Nhập tệp khác",
			"import.progress": "Tiến độ",
			"import.progressText": "{done} / {total} thao tác ghi",
			"import.result": "Kết quả",
			"import.outcome.ok": "Hoàn tất, không có lỗi.",
			"import.outcome.partial": "Hoàn tất; một số dòng bị loại hoặc không thực hiện được.",
			"import.outcome.failed": "Có thao tác ghi không thành công.",
			"import.resultLine": "{writes} thao tác ghi, {failed} lỗi, {invalid} không thực hiện được, {rejected} dòng bị loại.",
			"import.failures": "Thao tác không thực hiện được",
			"import.error": "Lý do: {error}",
			"import.passwords": "Mật khẩu ban đầu",
			"import.pw.download": "Tải tệp mật khẩu ban đầu",
			"import.pw.once": "Tệp chỉ tải được MỘT LẦN: sau khi tải, máy chủ xóa tệp và không thể tải lại. Hãy lưu ở nơi an toàn và trao mật khẩu riêng cho từng người.",
			"import.pw.done": "Đã tải tệp mật khẩu ban đầu ({file}). Tệp không thể tải lại.",
			"import.pw.downloaded": "Tệp mật khẩu ban đầu đã được tải về trước đó và không thể tải lại. Nếu bị mất, hãy đặt lại mật khẩu cho từng người.",
			"import.pw.none": "Công việc này không tạo tài khoản mới nào, nên không có mật khẩu ban đầu.",
			"import.pw.notYours": "Chỉ người đã áp dụng kế hoạch mới tải được tệp mật khẩu ban đầu."
		},
		en: {
			"import.title": "HR import",
			"import.intro": "Upload an export of your agency's personnel software. It is first run as a dry run and you see the plan; nothing changes until you press “Apply”.",
			"import.scope": "Scope (the agency and its sub-agencies)",
			"import.whole": "The whole province (every agency)",
			"import.file": "HR export file (CSV with a header row, or JSON Lines)",
			"import.disableMissing": "Disable the accounts of people who are no longer in the file",
			"import.disableMissingHelp": "Only when the file lists everybody in the chosen scope.",
			"import.dryrun": "Dry run and show the plan",
			"import.noFile": "Choose the HR export file.",
			"import.uploading": "Uploading…",
			"import.last": "Continue the last import job",
			"import.otherJob": "Open the running job",
			"import.jobs": "Recent import jobs",
			"import.col.job": "Job",
			"import.col.scope": "Scope",
			"import.col.state": "State",
			"import.col.created": "Uploaded",
			"import.col.creates": "Creates",
			"import.job": "Import job {id}",
			"import.jobMeta": "Scope: {agency} · uploaded by: {by}",
			"import.gone": "This job no longer exists (deleted or expired). Upload the file again.",
			"import.state.queued": "Waiting…",
			"import.state.planning": "Planning (dry run)…",
			"import.state.planned": "Planned, not applied",
			"import.state.applying": "Applying…",
			"import.state.done": "Applied",
			"import.state.failed": "Failed",
			"import.summary": "Plan",
			"import.rows": "The file has {rows} data rows, {rejected} of them rejected.",
			"import.torn": "Line {line} is cut short (no line end): the file may be truncated.",
			"import.counts": "Actions by kind",
			"import.col.action": "Action",
			"import.col.count": "Count",
			"import.act.create": "Create an account",
			"import.act.update": "Update details",
			"import.act.suspend": "Suspend (retired, transferred out)",
			"import.act.resume": "Resume (back at work)",
			"import.act.disable": "Disable (no longer in the file)",
			"import.act.missing": "Not in the file (reported only)",
			"import.act.kept": "Kept (named only by rejected rows)",
			"import.act.no-account": "Left or transferred, no account",
			"import.act.unchanged": "Unchanged",
			"import.invalid": "{n} actions cannot be done; each row of the plan says why.",
			"import.guard": "Mass lock-out guard",
			"import.guard.ok": "Allowed: {lockouts} of {active} active accounts would be suspended or disabled (limits: {percent}% and {floor} accounts).",
			"import.guard.refused": "Refused: {lockouts} of {active} active accounts would be suspended or disabled, more than {percent}% and {floor} accounts. Is the file truncated? Check it.",
			"import.force": "I have checked the file; apply despite the limit",
			"import.rejected": "Rejected rows ({n})",
			"import.rejectedNone": "No row was rejected.",
			"import.rejectedMore": "Only the first {shown} of {n} rejected rows are shown.",
			"import.col.line": "Line",
			"import.col.employee": "Employee id",
			"import.col.reason": "Reason",
			"import.col.name": "Name",
			"import.col.address": "Address",
			"import.col.detail": "Detail",
			"import.col.result": "Result",
			"import.actions": "Actions ({n})",
			"import.actionsNone": "The plan has no action: the directory matches the file.",
			"import.page": "{from}–{to} of {n}",
			"import.prev": "‹ Previous",
			"import.next": "Next ›",
			"import.absent": "not in the file",
			"import.apply": "Apply the plan",
			"import.applyTitle": "Apply the HR import plan?",
			"import.applyLine": "{label}: {n}",
			"import.applyForce": "Past the mass lock-out guard",
			"import.applyNothing": "There is no change to apply.",
			"import.applyConfirm": "Apply",
			"import.stale": "The directory or the file changed since the plan was made; it has been made again. Review it, then apply.",
			"import.discard": "Discard this job",
			"import.discardTitle": "Discard this import job?",
			"import.discardLine": "The uploaded file and its plan are deleted; the directory does not change.",
			"import.discardLineDone": "The job is deleted; initial passwords not downloaded yet (if any) are lost.",
			"import.discarded": "The import job was discarded.",
			"import.new": "Import another file",
			"import.progress": "Progress",
			"import.progressText": "{done} / {total} writes",
			"import.result": "Result",
			"import.outcome.ok": "Finished without errors.",
			"import.outcome.partial": "Finished; some rows were rejected or could not be done.",
			"import.outcome.failed": "Some writes failed.",
			"import.resultLine": "{writes} writes, {failed} failed, {invalid} could not be done, {rejected} rows rejected.",
			"import.failures": "Actions not done",
			"import.error": "Reason: {error}",
			"import.passwords": "Initial passwords",
			"import.pw.download": "Download the initial passwords file",
			"import.pw.once": "The file can be downloaded ONCE only: the server deletes it when it is downloaded and it cannot be downloaded again. Keep it somewhere safe and give each person their own password.",
			"import.pw.done": "The initial passwords file was downloaded ({file}). It cannot be downloaded again.",
			"import.pw.downloaded": "The initial passwords file was downloaded before and cannot be downloaded again. If it is lost, reset each person's password.",
			"import.pw.none": "This job created no account, so there are no initial passwords.",
			"import.pw.notYours": "Only the person who applied the plan can download the initial passwords file."
		}
	});

	const el = C.el;

	function sleep(ms) {
		return new Promise((res) => setTimeout(res, ms));
	}

	function num(n) {
		return typeof n === "number" ? n.toLocaleString(C.lang() === "vi" ? "vi-VN" : "en-GB") :
		    "—";
	}

	function remember(id) {
		try {
			if (id)
				window.sessionStorage.setItem(LAST_KEY, id);
			else
				window.sessionStorage.removeItem(LAST_KEY);
		} catch (e) {
			/* storage refused: the route still names the job */
		}
	}

	function lastJob() {
		try {
			const v = window.sessionStorage.getItem(LAST_KEY);
			return v && /^[0-9a-f]{32}$/.test(v) ? v : null;
		} catch (e) {
			return null;
		}
	}

	function table(cls, test, heads, rows) {
		return el("table", { class: ["list", cls], "data-test": test },
		    el("thead", null, el("tr", null, heads.map((h) => el("th", { scope: "col" }, h)))),
		    el("tbody", null, rows));
	}

	/* Previous/next buttons and "from–to of n" for a paged list. */
	function pager(off, shown, total, go, test) {
		if (total <= shown && off === 0)
			return null;
		return el("div", { class: "pager", "data-test": test },
		    el("button", { type: "button", disabled: off === 0, "data-test": test + "-prev",
			on: { click: () => go(-1) } }, C.t("import.prev")),
		    el("span", { class: "pager-pos" }, C.t("import.page", { from: num(shown ? off + 1 : 0),
			to: num(off + shown), n: num(total) })),
		    el("button", { type: "button", disabled: off + shown >= total,
			"data-test": test + "-next", on: { click: () => go(1) } }, C.t("import.next")));
	}

	/* ---- the jobs the caller may see (GET /v1/hr/sync/jobs) ---- */

	/* Fills box with the jobs, newest first, each linking to its page;
	 * nothing when there are none or the list cannot be read (the form
	 * works without it). */
	async function jobsList(box) {
		let items;
		try {
			items = (await C.api("GET", "/v1/hr/sync/jobs")).data.items || [];
		} catch (e) {
			return;
		}
		if (!items.length || !box.isConnected)
			return;
		box.appendChild(el("h2", null, C.t("import.jobs")));
		box.appendChild(table("import-jobs", "import-jobs",
		    [C.t("import.col.job"), C.t("import.col.scope"), C.t("import.col.state"),
			C.t("import.col.created"), C.t("import.col.creates")],
		    items.map((j) => el("tr", { "data-job": j.id },
			el("td", null, el("a", { href: "#/import/" + j.id, "data-test": "import-job-link" },
			    j.id.slice(0, 12))),
			el("td", null, j.agency || C.t("import.whole")),
			el("td", { "data-state": j.state }, C.t("import.state." + j.state)),
			el("td", null, C.formatTime(j.created)),
			el("td", { class: "num" }, num(j.counts ? j.counts.create : null))))));
	}

	/* ---- the upload form ---- */

	async function renderForm(view) {
		const root = el("section", { class: "import", "data-test": "import-form" });
		view.appendChild(root);
		root.appendChild(el("h1", null, C.t("import.title")));
		root.appendChild(el("p", { class: "intro" }, C.t("import.intro")));
		const last = lastJob();
		if (last)
			root.appendChild(el("p", null, el("a", { href: "#/import/" + last,
			    "data-test": "import-last" }, C.t("import.last"))));

		const scope = el("select", { name: "agency", id: "import-agency",
		    "data-test": "import-agency" });
		const file = el("input", { type: "file", name: "file", id: "import-file",
		    accept: ".csv,.jsonl,.ndjson,.txt,text/csv,application/x-ndjson",
		    "data-test": "import-file" });
		const dm = el("input", { type: "checkbox", name: "disable_missing",
		    id: "import-dm", "data-test": "import-disable-missing" });
		const submit = el("button", { type: "submit", class: "primary",
		    "data-test": "import-dryrun" }, C.t("import.dryrun"));
		const form = el("form", { class: "form", novalidate: true },
		    el("div", { class: "field" }, el("label", { for: "import-agency" }, C.t("import.scope")),
			scope),
		    el("div", { class: "field" }, el("label", { for: "import-file" }, C.t("import.file")),
			file),
		    el("div", { class: "field check" }, dm,
			el("label", { for: "import-dm" }, C.t("import.disableMissing")),
			el("div", { class: "hint" }, C.t("import.disableMissingHelp"))),
		    el("div", { class: "form-error", hidden: true, "data-test": "import-error" }),
		    el("div", { class: "buttons" }, submit));
		root.appendChild(form);
		const jobs = el("section", { class: "jobs", "data-test": "import-jobs-box" });
		root.appendChild(jobs);
		const listed = jobsList(jobs);

		/* the scope: the caller's first grant that may run hr sync */
		const grant = (C.user.roles || []).find((g) =>
		    ["hr", "agency-admin", "province-admin"].includes(g.role) && g.agency);
		const wide = C.hasRole("province-admin");
		/* no upload before the scope is known (a sent form would reload the page) */
		submit.disabled = true;
		const tree = C.agencyTree(scope, null, { empty: wide ? C.t("import.whole") : null,
		    selected: grant && !wide ? grant.agency : "" });

		form.addEventListener("submit", async (ev) => {
			ev.preventDefault();
			C.clearFieldErrors(form);
			const f = file.files && file.files[0];
			if (!f) {
				C.fieldErrors(form, new C.ApiError(400, { status: 400,
				    detail: C.t("import.noFile"), field: "file" }));
				return;
			}
			const ndjson = /\.(jsonl|ndjson)$/i.test(f.name) || /json/.test(f.type);
			submit.disabled = true;
			submit.textContent = C.t("import.uploading");
			try {
				const r = await C.api("POST", "/v1/hr/sync/jobs", {
					query: { agency: scope.value || null,
					    disable_missing: dm.checked ? "true" : null },
					body: f,
					headers: { "Content-Type": ndjson ? "application/x-ndjson" : "text/csv" }
				});
				remember(r.data.id);
				C.go("import", r.data.id);
			} catch (e) {
				submit.disabled = false;
				submit.textContent = C.t("import.dryrun");
				if (!(e instanceof C.ApiError) || e.status === 401)
					return C.showError(root, e);   /* 401: at sign-in already */
				C.fieldErrors(form, e, e.status === 413 || e.status === 400 ? "file" : null);
				/* one job per subtree: offer the one that runs */
				const m = /job ([0-9a-f]{32})/.exec((e.problem && e.problem.detail) || "");
				if (e.status === 409 && m) {
					const fe = form.querySelector(".form-error");
					fe.hidden = false;
					fe.appendChild(el("a", { href: "#/import/" + m[1],
					    "data-test": "import-other-job" }, C.t("import.otherJob")));
				}
			}
		});
		try {
			await tree;
		} finally {
			submit.disabled = false;
		}
		await listed;
	}

	/* ---- a job ---- */

	function running(state) {
		return state === "queued" || state === "planning" || state === "applying";
	}

	function countsTable(counts) {
		const rows = [];
		for (const k of ACTIONS) {
			const n = counts && typeof counts[k] === "number" ? counts[k] : 0;
			if (n === 0)
				continue;   /* the kinds that do not occur say nothing */
			rows.push(el("tr", { "data-test": "import-count", "data-action": k,
			    "data-count": String(n) },
			    el("td", null, C.t("import.act." + k)), el("td", { class: "num" }, num(n))));
		}
		if (rows.length === 0)
			return el("p", { class: "empty", "data-test": "import-counts" },
			    C.t("import.actionsNone"));
		return table("counts", "import-counts", [C.t("import.col.action"),
		    C.t("import.col.count")], rows);
	}

	function guardBox(job, forceBox) {
		const g = job.guard || {};
		const vars = { lockouts: num(g.lockouts), active: num(g.managed_active),
		    percent: g.max_suspend_percent, floor: num(g.max_suspend_floor) };
		const box = el("div", { class: g.refused ? "error-box guard" : "ok-box guard",
		    "data-test": "import-guard", "data-refused": g.refused ? "true" : "false" },
		    el("strong", null, C.t("import.guard") + ": "),
		    C.t(g.refused ? "import.guard.refused" : "import.guard.ok", vars));
		if (g.refused && g.reason)
			box.appendChild(el("div", { class: "detail" }, g.reason));
		if (g.refused && forceBox)
			box.appendChild(el("div", { class: "field check" }, forceBox,
			    el("label", { for: "import-force" }, C.t("import.force"))));
		return box;
	}

	/* The rejected rows (at most 1000 in the job), REJ_PAGE at a time. */
	function rejectedSection(job) {
		const list = Array.isArray(job.rejected) ? job.rejected : [];
		const total = typeof job.rejected_total === "number" ? job.rejected_total : list.length;
		const sec = el("section", { class: "rejected", "data-test": "import-rejected",
		    "data-total": String(total) });
		sec.appendChild(el("h3", null, C.t("import.rejected", { n: num(total) })));
		if (total === 0) {
			sec.appendChild(el("p", { class: "empty" }, C.t("import.rejectedNone")));
			return sec;
		}
		if (list.length < total)
			sec.appendChild(el("p", { class: "hint" }, C.t("import.rejectedMore",
			    { shown: num(list.length), n: num(total) })));
		const body = el("div");
		sec.appendChild(body);
		let off = 0;
		const draw = () => {
			C.clear(body);
			const page = list.slice(off, off + REJ_PAGE);
			body.appendChild(table("rejected", "import-rejected-table",
			    [C.t("import.col.line"), C.t("import.col.employee"), C.t("import.col.reason")],
			    page.map((r) => el("tr", { "data-test": "import-rejected-row",
				"data-line": String(r.line) },
				el("td", null, String(r.line)),
				el("td", null, r.employee_id || "—"),
				el("td", null, r.error || "")))));
			const p = pager(off, page.length, list.length, (d) => {
				off = Math.max(0, off + d * REJ_PAGE);
				draw();
				sec.scrollIntoView({ block: "start" });
			}, "import-rejected-pager");
			if (p)
				body.appendChild(p);
		};
		draw();
		return sec;
	}

	function actionRow(a) {
		return el("tr", { "data-test": "import-action", "data-action": a.action,
		    "data-line": String(a.line), class: a.error ? "invalid" : null },
		    el("td", { title: a.line ? null : C.t("import.absent") }, a.line ? String(a.line) : "—"),
		    el("td", null, C.t("import.act." + a.action)),
		    el("td", null, a.employee_id || "—"),
		    el("td", null, a.name || "—"),
		    el("td", null, a.address || "—"),
		    el("td", null, a.error ? a.error : (a.detail || "")));
	}

	/* The plan's actions, fetched PLAN_PAGE at a time from the API. */
	function actionsSection(id, isAlive) {
		const sec = el("section", { class: "plan-actions", "data-test": "import-actions" });
		const head = el("h3", null, C.t("import.actions", { n: "…" }));
		const body = el("div");
		sec.appendChild(head);
		sec.appendChild(body);
		let off = 0;
		const load = async (scroll) => {
			const r = await C.api("GET", "/v1/hr/sync/jobs/" + id + "/plan",
			    { query: { offset: off, limit: PLAN_PAGE } });
			if (!isAlive())
				return;
			const d = r.data;
			head.textContent = C.t("import.actions", { n: num(d.total) });
			sec.setAttribute("data-total", String(d.total));
			C.clear(body);
			if (d.total === 0) {
				body.appendChild(el("p", { class: "empty" }, C.t("import.actionsNone")));
				return;
			}
			body.appendChild(table("plan", "import-plan-table", [C.t("import.col.line"),
			    C.t("import.col.action"), C.t("import.col.employee"), C.t("import.col.name"),
			    C.t("import.col.address"), C.t("import.col.detail")], d.items.map(actionRow)));
			const p = pager(off, d.items.length, d.total, (dir) => {
				off = Math.max(0, off + dir * PLAN_PAGE);
				load(true).catch((e) => C.showError(body, e));
			}, "import-plan-pager");
			if (p)
				body.appendChild(p);
			if (scroll)   /* a new page: from its first row */
				sec.scrollIntoView({ block: "start" });
		};
		load(false).catch((e) => C.showError(body, e));
		return sec;
	}

	function progressBox(job) {
		const pr = job.progress || { done: 0, total: 0 };
		const finished = job.state === "done" || job.state === "failed";
		const total = pr.total || 0;
		const done = finished && job.state === "done" ? total : pr.done || 0;
		const bar = el("progress", { max: String(Math.max(total, 1)),
		    value: String(total ? done : (finished ? 1 : 0)) });
		return el("div", { class: "progress", "data-test": "import-progress",
		    "data-state": job.state, "data-done": String(done), "data-total": String(total) },
		    el("label", null, C.t("import.progress")), bar,
		    el("span", { class: "progress-text" }, C.t("import.progressText",
			{ done: num(done), total: num(total) })));
	}

	function resultSection(job) {
		const res = job.result;
		const sec = el("section", { class: "result", "data-test": "import-result",
		    "data-outcome": res ? res.outcome : job.state });
		sec.appendChild(el("h3", null, C.t("import.result")));
		if (job.error)
			sec.appendChild(el("p", { class: "error-box" }, C.t("import.error",
			    { error: job.error })));
		if (!res)
			return sec;
		sec.appendChild(el("p", { class: res.outcome === "ok" ? "ok-box" : "warn-box" },
		    C.t("import.outcome." + res.outcome)));
		sec.appendChild(el("p", null, C.t("import.resultLine", { writes: num(res.writes),
		    failed: num(res.failed), invalid: num(res.invalid), rejected: num(res.rejected) })));
		if (Array.isArray(res.failures) && res.failures.length) {
			sec.appendChild(el("h4", null, C.t("import.failures")));
			const list = res.failures.slice(0, 200);
			sec.appendChild(table("plan", "import-failures", [C.t("import.col.line"),
			    C.t("import.col.action"), C.t("import.col.employee"), C.t("import.col.name"),
			    C.t("import.col.address"), C.t("import.col.detail")], list.map(actionRow)));
		}
		return sec;
	}

	function passwordsSection(job) {
		const sec = el("section", { class: "passwords", "data-test": "import-passwords-box",
		    "data-passwords": job.passwords });
		sec.appendChild(el("h3", null, C.t("import.passwords")));
		if (job.passwords === "none") {
			sec.appendChild(el("p", null, C.t("import.pw.none")));
			return sec;
		}
		if (job.passwords === "downloaded") {
			sec.appendChild(el("p", { class: "warn-box", "data-test": "import-passwords-gone" },
			    C.t("import.pw.downloaded")));
			return sec;
		}
		const note = el("p", { class: "warn-box" }, C.t("import.pw.once"));
		const btn = el("button", { type: "button", class: "primary",
		    "data-test": "import-passwords" }, C.t("import.pw.download"));
		btn.addEventListener("click", async () => {
			btn.disabled = true;
			try {
				const r = await C.api("GET", "/v1/hr/sync/jobs/" + job.id + "/passwords",
				    { headers: { "Accept": "text/csv" } });
				const day = new Date().toISOString().slice(0, 10);
				const name = "govmail-mat-khau-ban-dau-" + (job.agency || "tinh") + "-" + day +
				    ".csv";
				C.download(name, "text/csv;charset=utf-8", typeof r.data === "string" ?
				    r.data : "");
				btn.remove();
				note.className = "ok-box";
				note.setAttribute("data-test", "import-passwords-done");
				note.textContent = C.t("import.pw.done", { file: name });
			} catch (e) {
				if (!(e instanceof C.ApiError) || e.status === 401)
					return C.showError(sec, e);   /* 401: at sign-in already */
				btn.remove();
				note.className = "error-box";
				note.textContent = e.status === 410 ? C.t("import.pw.downloaded") :
				    e.status === 403 ? C.t("import.pw.notYours") : C.problemText(e);
			}
		});
		sec.appendChild(note);
		sec.appendChild(btn);
		return sec;
	}

	async function applyPlan(job, force, redraw) {
		const c = job.counts || {};
		const lines = [];
		for (const k of ["create", "update", "suspend", "resume", "disable"])
			if (c[k])
				lines.push(C.t("import.applyLine", { label: C.t("import.act." + k), n: num(c[k]) }));
		if (force)
			lines.push(C.t("import.applyForce"));
		if (lines.length === 0)
			lines.push(C.t("import.applyNothing"));
		const ok = await C.confirm({ title: C.t("import.applyTitle"), lines: lines,
		    confirmLabel: C.t("import.applyConfirm"), danger: force ||
		    !!(c.suspend || c.disable) });
		if (!ok)
			return;
		try {
			await C.api("POST", "/v1/hr/sync/jobs/" + job.id + "/apply",
			    { json: force ? { plan: job.plan, force: true } : { plan: job.plan } });
		} catch (e) {
			if (!(e instanceof C.ApiError) || e.status === 401)
				throw e;
			const stale = e.problem && typeof e.problem.type === "string" &&
			    e.problem.type.endsWith("/stale-plan");
			C.notify(stale ? C.t("import.stale") : C.problemText(e), "error");
		}
		return redraw();   /* the new state, or the plan made anew */
	}

	async function discard(job) {
		const ok = await C.confirm({ title: C.t("import.discardTitle"),
		    lines: [C.t(job.state === "planned" ? "import.discardLine" : "import.discardLineDone")],
		    confirmLabel: C.t("import.discard"), danger: job.passwords === "available" });
		if (!ok)
			return;
		try {
			await C.api("DELETE", "/v1/hr/sync/jobs/" + job.id);
		} catch (e) {
			if (!(e instanceof C.ApiError) || e.status !== 404)
				throw e;
		}
		if (lastJob() === job.id)
			remember(null);
		C.notify(C.t("import.discarded"), "info");
		C.go("import");
	}

	async function renderJob(view, id) {
		const root = el("section", { class: "import", "data-test": "import-job", "data-job": id });
		view.appendChild(root);
		const alive = () => root.isConnected;
		if (!/^[0-9a-f]{32}$/.test(id)) {
			root.appendChild(el("p", { class: "error-box" }, C.t("import.gone")));
			return;
		}
		let shown = null;   /* the state drawn in full */
		let prog = null;    /* the progress box, replaced in place while applying */
		const draw = (job) => {
			C.clear(root);
			shown = job.state;
			root.setAttribute("data-state", job.state);
			root.appendChild(el("h1", null, C.t("import.title")));
			root.appendChild(el("p", { class: "meta" }, C.t("import.job", { id: id.slice(0, 12) }),
			    " · ", el("strong", { "data-test": "import-state", "data-state": job.state },
				C.t("import.state." + job.state))));
			root.appendChild(el("p", { class: "meta" }, C.t("import.jobMeta",
			    { agency: job.agency || C.t("import.whole"), by: job.created_by || "—" })));
			prog = null;
			if (job.state === "queued" || job.state === "planning") {
				root.appendChild(el("p", { class: "empty", "data-test": "import-planning" },
				    C.t("import.state." + job.state)));
				return;
			}
			if (job.state === "failed" && !job.counts) {
				root.appendChild(resultSection(job));
				root.appendChild(el("div", { class: "buttons" },
				    el("button", { type: "button", on: { click: () => discard(job) },
					"data-test": "import-discard" }, C.t("import.discard"))));
				return;
			}
			if (job.state === "applying" || job.state === "done" || job.state === "failed") {
				prog = progressBox(job);
				root.appendChild(prog);
			}
			if (job.state === "done" || job.state === "failed") {
				root.appendChild(resultSection(job));
				root.appendChild(passwordsSection(job));
			}
			const plan = el("section", { class: "plan", "data-test": "import-plan" });
			plan.appendChild(el("h2", null, C.t("import.summary")));
			plan.appendChild(el("p", { "data-test": "import-rows" },
			    C.t("import.rows", { rows: num(job.rows),
				rejected: num(job.rejected_total || 0) })));
			if (job.torn_line)
				plan.appendChild(el("p", { class: "warn-box", "data-test": "import-torn" },
				    C.t("import.torn", { line: job.torn_line })));
			let force = null;
			if (job.state === "planned" && job.guard && job.guard.refused)
				force = el("input", { type: "checkbox", id: "import-force",
				    "data-test": "import-force" });
			plan.appendChild(guardBox(job, force));
			plan.appendChild(el("h3", null, C.t("import.counts")));
			plan.appendChild(countsTable(job.counts));
			if (job.invalid)
				plan.appendChild(el("p", { class: "warn-box" }, C.t("import.invalid",
				    { n: num(job.invalid) })));
			if (job.state === "planned") {
				const apply = el("button", { type: "button", class: "primary",
				    "data-test": "import-apply", disabled: !!force },
				    C.t("import.apply"));
				if (force)
					force.addEventListener("change", () => {
						apply.disabled = !force.checked;
					});
				apply.addEventListener("click", () => {
					apply.disabled = true;
					applyPlan(job, !!(force && force.checked), redraw)
					    .catch((e) => C.showError(root, e))
					    .finally(() => {
						    if (alive() && shown === "planned")
							    apply.disabled = !!force && !force.checked;
					    });
				});
				plan.appendChild(el("div", { class: "buttons" }, apply,
				    el("button", { type: "button", "data-test": "import-discard",
					on: { click: () => discard(job).catch((e) => C.showError(root, e)) } },
					C.t("import.discard"))));
			} else if (!running(job.state)) {
				plan.appendChild(el("div", { class: "buttons" },
				    el("a", { href: "#/import", class: "button", "data-test": "import-new",
					on: { click: () => remember(null) } }, C.t("import.new"))));
			}
			plan.appendChild(rejectedSection(job));
			plan.appendChild(actionsSection(id, alive));
			root.appendChild(plan);
		};

		let polling = false;
		async function poll() {
			if (polling)
				return;
			polling = true;
			try {
				while (alive()) {
					let job;
					try {
						job = (await C.api("GET", "/v1/hr/sync/jobs/" + id)).data;
					} catch (e) {
						if (e instanceof C.ApiError && e.status === 404) {
							if (lastJob() === id)
								remember(null);
							C.clear(root);
							root.appendChild(el("p", { class: "error-box",
							    "data-test": "import-gone" }, C.t("import.gone")));
							root.appendChild(el("a", { href: "#/import" }, C.t("import.new")));
							return;
						}
						throw e;
					}
					if (!alive())
						return;
					if (job.state === "applying" && shown === "applying" && prog) {
						const p = progressBox(job);
						prog.replaceWith(p);
						prog = p;
					} else if (job.state !== shown) {
						draw(job);
					}
					if (!running(job.state))
						return;
					await sleep(POLL_MS);
				}
			} finally {
				polling = false;
			}
		}
		/* after an apply (or a refused one: the plan may be made anew) */
		function redraw() {
			shown = null;
			return poll();
		}
		remember(id);
		await poll();
	}

	C.route("import", {
		title: "import.title",
		nav: true,
		roles: ["hr", "agency-admin", "province-admin"],
		render: (view, params) => params && params[0] ? renderJob(view, params[0]) :
		    renderForm(view)
	});
})();
