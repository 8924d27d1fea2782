/*
 * core.js - the console's shared core: messages in two languages, DOM
 * building without HTML, the API client (cookie session, CSRF header, 401
 * back to sign-in), hash routing with role checks, modal dialogs (a
 * confirmation, a password shown once), notifications, field errors,
 * downloads and the agency tree.
 *
 * Every other script registers its routes and messages on the global
 * `Console` defined here; the interface is in notes/console-contract.md
 * (section 3).  Nothing here ever assigns HTML: values from the directory
 * reach the page only as text nodes, so a name like "<img onerror=...>"
 * stays text, and the page runs under a CSP without 'unsafe-inline'.
 */
"use strict";

(function () {
	const C = {};
	const dict = { vi: {}, en: {} };
	const routes = new Map();
	const LANG_KEY = "govmail.lang";
	let lang = "vi";

	try {
		if (window.localStorage.getItem(LANG_KEY) === "en")
			lang = "en";
	} catch (e) {
		/* storage refused (private mode): Vietnamese, the default */
	}

	/* ---- messages ---- */

	C.messages = function (m) {
		for (const l of Object.keys(m)) {
			if (!dict[l])
				dict[l] = {};
			Object.assign(dict[l], m[l]);
		}
	};

	C.t = function (key, vars) {
		let s = dict[lang][key];
		if (s === undefined)
			s = dict.vi[key];
		if (s === undefined)
			s = key;
		if (vars)
			s = s.replace(/\{(\w+)\}/g, (m, k) =>
			    (k in vars && vars[k] !== null && vars[k] !== undefined) ? String(vars[k]) : m);
		return s;
	};

	C.lang = function () {
		return lang;
	};

	C.setLang = function (l) {
		lang = l === "en" ? "en" : "vi";
		try {
			window.localStorage.setItem(LANG_KEY, lang);
		} catch (e) {
			/* not kept across reloads then */
		}
		document.documentElement.lang = lang;
		C.renderHeader();
		C.render();
	};

	/* ---- DOM ---- */

	/* Properties rather than attributes for these, so a form reflects them. */
	const PROPS = new Set(["value", "checked", "disabled", "selected", "multiple",
	    "readOnly", "required", "hidden"]);

	function append(node, child) {
		if (child === null || child === undefined || child === false)
			return;
		if (Array.isArray(child)) {
			for (const c of child)
				append(node, c);
		} else if (child instanceof Node) {
			node.appendChild(child);
		} else {
			node.appendChild(document.createTextNode(String(child)));
		}
	}

	C.el = function (tag, attrs, ...children) {
		const node = document.createElement(tag);
		if (attrs) {
			for (const [k, v] of Object.entries(attrs)) {
				if (v === null || v === undefined || v === false)
					continue;
				if (k === "on") {
					for (const [ev, fn] of Object.entries(v))
						node.addEventListener(ev, fn);
				} else if (k === "class") {
					node.className = Array.isArray(v) ? v.filter(Boolean).join(" ") : v;
				} else if (k === "text") {
					node.textContent = String(v);
				} else if (PROPS.has(k)) {
					node[k] = v;
				} else if (k === "style" || k.startsWith("on")) {
					/* inline styles and handlers break the CSP: refuse */
					throw new Error("Console.el: attribute " + k + " not allowed");
				} else {
					node.setAttribute(k, v === true ? "" : String(v));
				}
			}
		}
		append(node, children);
		return node;
	};

	C.clear = function (node) {
		while (node && node.firstChild)
			node.removeChild(node.firstChild);
		return node;
	};

	/* ---- API ---- */

	class ApiError extends Error {
		constructor(status, problem) {
			super((problem && (problem.detail || problem.title)) || ("HTTP " + status));
			this.name = "ApiError";
			this.status = status;
			this.problem = problem || { status: status };
		}
	}
	C.ApiError = ApiError;
	window.ApiError = ApiError;

	C.csrf = null;
	C.user = null;
	C.idleTimeout = null;

	C.url = function (path, query) {
		let u = path;
		if (query) {
			const q = new URLSearchParams();
			for (const [k, v] of Object.entries(query))
				if (v !== null && v !== undefined && v !== "")
					q.append(k, String(v));
			const s = q.toString();
			if (s)
				u += (u.includes("?") ? "&" : "?") + s;
		}
		return u;
	};

	/* A path segment: addresses contain '@' and maybe '+'; encode them. */
	C.seg = function (s) {
		return encodeURIComponent(String(s));
	};

	C.api = async function (method, path, opts) {
		opts = opts || {};
		method = method.toUpperCase();
		const headers = Object.assign({ "Accept": "application/json" }, opts.headers || {});
		let body = opts.body;
		if (opts.json !== undefined) {
			body = JSON.stringify(opts.json);
			headers["Content-Type"] = "application/json";
		}
		if (method !== "GET" && method !== "HEAD" && C.csrf)
			headers["X-CSRF-Token"] = C.csrf;
		let resp;
		try {
			resp = await fetch(C.url(path, opts.query), {
				method: method,
				headers: headers,
				body: body,
				credentials: "same-origin",
				cache: "no-store",
				redirect: "error"
			});
		} catch (e) {
			throw new ApiError(0, { title: C.t("core.network"), detail: C.t("core.network"),
			    status: 0 });
		}
		const ctype = resp.headers.get("Content-Type") || "";
		let data = null;
		if (resp.status !== 204) {
			const text = await resp.text();
			if (ctype.includes("json") && text !== "") {
				try {
					data = JSON.parse(text);
				} catch (e) {
					data = null;
				}
			} else {
				data = text;
			}
		}
		if (resp.status === 401 && !opts.no401) {
			/* the session is gone (expired, signed out elsewhere,
			 * apid restarted): back to sign-in, then the caller stops */
			const expired = data && typeof data.type === "string" &&
			    data.type.endsWith("/session-expired");
			C.signedOut(C.user || expired ? "core.expired" : null);
		}
		if (resp.status >= 400)
			throw new ApiError(resp.status, data && typeof data === "object" ? data :
			    { status: resp.status, title: "HTTP " + resp.status });
		return { status: resp.status, data: data, headers: resp.headers };
	};

	/* A problem as one line for the user. */
	C.problemText = function (err) {
		if (!err)
			return "";
		if (!(err instanceof ApiError))
			return String(err.message || err);
		const p = err.problem || {};
		if (err.status === 0)
			return C.t("core.network");
		const key = "core.http." + err.status;
		const head = dict[lang][key] || dict.vi[key] ? C.t(key) : (p.title || "HTTP " + err.status);
		return p.detail ? head + ": " + p.detail : head;
	};

	/* ---- session ---- */

	C.hasRole = function (r) {
		return !!(C.user && Array.isArray(C.user.roles) &&
		    C.user.roles.some((x) => x.role === r));
	};

	/* Grants without an agency (or province-admin) reach the whole province. */
	C.provinceWide = function () {
		return !!(C.user && Array.isArray(C.user.roles) &&
		    C.user.roles.some((x) => x.role === "province-admin" || !x.agency));
	};

	C.mayAny = function (roles) {
		if (!roles || roles.length === 0)
			return true;
		return roles.some((r) => C.hasRole(r));
	};

	let pendingMessage = null;

	C.signedIn = function (session) {
		C.user = session.user || null;
		C.csrf = session.csrf_token || null;
		C.idleTimeout = session.idle_timeout || null;
		agenciesPromise = null;
		C.renderHeader();
		C.render();
	};

	C.signedOut = function (messageKey) {
		C.user = null;
		C.csrf = null;
		agenciesPromise = null;
		pendingMessage = messageKey || null;
		closeAllDialogs();
		C.renderHeader();
		C.render();
	};

	C.takeSignInMessage = function () {
		const m = pendingMessage;
		pendingMessage = null;
		return m;
	};

	C.signOut = async function () {
		try {
			await C.api("DELETE", "/v1/session", { no401: true });
		} catch (e) {
			/* gone already: signed out either way */
		}
		C.signedOut(null);
	};

	/* ---- routing ---- */

	C.route = function (name, def) {
		routes.set(name, Object.assign({ nav: false, roles: [] }, def));
		if (document.readyState !== "loading" && C.started)
			C.renderHeader();
	};

	C.go = function (name, ...params) {
		const h = "#/" + [name].concat(params.map((p) => encodeURIComponent(String(p))))
		    .join("/");
		if (location.hash === h)
			C.render();
		else
			location.hash = h;
	};

	function parseHash() {
		const h = location.hash.replace(/^#\/?/, "");
		const parts = h === "" ? [] : h.split("/").map((p) => {
			try {
				return decodeURIComponent(p);
			} catch (e) {
				return p;
			}
		});
		return { name: parts[0] || "", params: parts.slice(1) };
	}

	function firstRoute() {
		for (const [name, r] of routes)
			if (r.nav && C.mayAny(r.roles))
				return name;
		return null;
	}

	let renderSeq = 0;

	C.render = function () {
		const view = document.getElementById("view");
		if (!view || !C.started)
			return;
		const seq = ++renderSeq;
		C.clear(view);
		let { name, params } = parseHash();
		let r;
		if (!C.user) {
			r = routes.get("login");
			name = "login";
		} else {
			if (name === "login" || name === "")
				name = firstRoute() || "";
			r = routes.get(name);
		}
		markNav(name);
		if (!r) {
			document.title = C.t("core.app");
			view.appendChild(C.el("p", { class: "empty", "data-test": "not-found" },
			    C.t(C.user ? "core.noPage" : "core.loading")));
			return;
		}
		if (C.user && !C.mayAny(r.roles)) {
			document.title = C.t("core.app");
			view.appendChild(C.el("p", { class: "error-box", "data-test": "forbidden" },
			    C.t("core.forbidden")));
			return;
		}
		document.title = (r.title ? C.t(r.title) + " – " : "") + C.t("core.app");
		try {
			const p = r.render(view, params, () => seq === renderSeq);
			if (p && typeof p.catch === "function")
				p.catch((e) => C.showError(view, e));
		} catch (e) {
			C.showError(view, e);
		}
	};

	/* True while the view that asked is still the one on screen. */
	C.current = function (seq) {
		return seq === renderSeq;
	};
	C.renderSeq = function () {
		return renderSeq;
	};

	C.showError = function (container, err) {
		if (err instanceof ApiError && err.status === 401)
			return;   /* already back at sign-in */
		if (window.console)
			window.console.warn("govmail console:", err);
		container.appendChild(C.el("p", { class: "error-box", "data-test": "view-error" },
		    C.problemText(err)));
	};

	/* ---- header ---- */

	function markNav(name) {
		for (const a of document.querySelectorAll("#nav a"))
			a.classList.toggle("active", a.getAttribute("data-route") === name);
	}

	C.renderHeader = function () {
		const nav = document.getElementById("nav");
		const who = document.getElementById("who");
		if (!nav || !who)
			return;
		C.clear(nav);
		C.clear(who);
		const sel = document.getElementById("lang");
		if (sel)
			sel.value = lang;
		const brand = document.getElementById("brand");
		if (brand)
			brand.textContent = C.t("core.app");
		if (!C.user)
			return;
		for (const [name, r] of routes) {
			if (!r.nav || !C.mayAny(r.roles))
				continue;
			nav.appendChild(C.el("a", { href: "#/" + name, "data-route": name,
			    "data-test": "nav-" + name }, C.t(r.title || name)));
		}
		const roles = (C.user.roles || []).map((x) =>
		    C.t("core.role." + x.role) + (x.agency ? " · " + x.agency : ""));
		who.appendChild(C.el("span", { class: "who-name", "data-test": "who",
		    title: roles.join(", ") }, C.user.name || C.user.address || ""));
		who.appendChild(C.el("button", { type: "button", class: "link", "data-test": "logout",
		    on: { click: () => C.signOut() } }, C.t("core.signOut")));
		markNav(parseHash().name);
	};

	/* ---- dialogs ---- */

	const openDialogs = new Set();

	function closeAllDialogs() {
		for (const d of Array.from(openDialogs))
			d.close("cancel");
	}

	/*
	 * A modal <dialog>: title, body nodes, buttons [{label, value, kind,
	 * test}].  Resolves with the value of the button pressed ("cancel" on
	 * Escape).  The dialog is removed from the document when it closes, so
	 * whatever it showed (a password) is gone from the page.
	 */
	C.dialog = function (o) {
		return new Promise((resolve) => {
			const dlg = C.el("dialog", { class: "modal", "data-test": o.test || "dialog",
			    "aria-labelledby": "dlg-title" });
			const form = C.el("form", { method: "dialog" });
			form.appendChild(C.el("h2", { id: "dlg-title" }, o.title || ""));
			append(form, o.body);
			const bar = C.el("div", { class: "buttons" });
			let first = null;
			for (const b of o.buttons || []) {
				const btn = C.el("button", { type: b.submit ? "submit" : "button",
				    class: b.kind || "", "data-test": b.test || null,
				    value: b.value });
				btn.textContent = b.label;
				btn.addEventListener("click", (ev) => {
					if (b.submit)
						return;   /* the form's submit handles it */
					ev.preventDefault();
					if (b.onClick && b.onClick(dlg) === false)
						return;
					dlg.close(b.value);
				});
				bar.appendChild(btn);
				if (!first && b.focus)
					first = btn;
			}
			form.appendChild(bar);
			form.addEventListener("submit", (ev) => {
				ev.preventDefault();
				if (o.onSubmit && o.onSubmit(dlg) === false)
					return;
				dlg.close("ok");
			});
			dlg.appendChild(form);
			dlg.addEventListener("cancel", () => {
				dlg.returnValue = "cancel";
			});
			dlg.addEventListener("close", () => {
				openDialogs.delete(dlg);
				const v = dlg.returnValue || "cancel";
				if (o.onClose)
					o.onClose(v, dlg);
				C.clear(dlg);
				dlg.remove();
				resolve(v);
			});
			document.body.appendChild(dlg);
			openDialogs.add(dlg);
			dlg.showModal();
			if (o.focus)
				o.focus.focus();
			else if (first)
				first.focus();
		});
	};

	/*
	 * Asks before a change, saying exactly what will change.  lines: the
	 * changes as strings; body: more nodes (e.g. a reason field); check(dlg):
	 * return false to keep the dialog open (a required field empty).
	 */
	C.confirm = async function (o) {
		const body = [C.el("ul", { class: "changes", "data-test": "confirm-lines" },
		    (o.lines || []).map((l) => C.el("li", null, l)))];
		if (o.body)
			body.push(o.body);
		const v = await C.dialog({
			title: o.title,
			test: "confirm",
			body: body,
			focus: o.focus,
			onSubmit: o.check,
			buttons: [
				{ label: C.t("core.cancel"), value: "cancel", test: "confirm-cancel" },
				{ label: o.confirmLabel || C.t("core.ok"), value: "ok", submit: true,
				    kind: o.danger ? "danger" : "primary", test: "confirm-ok",
				    focus: true }
			]
		});
		return v === "ok";
	};

	/*
	 * Shows a secret (a generated password) once, with a copy button;
	 * data-test hooks TEST, TEST-value, TEST-copy, TEST-close.  The dialog,
	 * and with it the only copy of the text in the page, is removed when it
	 * closes.  Resolves when closed.
	 */
	C.showSecret = function (title, secret, test) {
		test = test || "secret";
		const code = C.el("code", { "data-test": test + "-value" }, secret || "");
		const copy = C.el("button", { type: "button", "data-test": test + "-copy",
		    on: { click: async () => {
			const done = await C.copy(code.textContent);
			C.notify(C.t(done ? "core.copied" : "core.copyFailed"), done ? "ok" : "warn");
			if (!done) {
				const range = document.createRange();
				range.selectNodeContents(code);
				const sel = window.getSelection();
				sel.removeAllRanges();
				sel.addRange(range);
			}
		} } }, C.t("core.copy"));
		return C.dialog({
			title: title,
			test: test,
			body: [C.el("div", { class: "secret" }, code, copy),
			    C.el("p", { class: "hint" }, C.t("core.secretOnce"))],
			buttons: [{ label: C.t("core.close"), value: "close", kind: "primary",
			    test: test + "-close", focus: true }],
			onClose: () => {
				code.textContent = "";
			}
		});
	};

	/* ---- notifications ---- */

	C.notify = function (text, kind) {
		const box = document.getElementById("notices");
		if (!box)
			return;
		kind = kind || "info";
		const n = C.el("div", { class: "notice " + kind, role: kind === "error" ? "alert" : "status",
		    "data-test": "notice", "data-kind": kind });
		n.appendChild(C.el("span", null, text));
		n.appendChild(C.el("button", { type: "button", class: "link", "aria-label": C.t("core.close"),
		    on: { click: () => n.remove() } }, "×"));
		box.appendChild(n);
		if (kind !== "error")
			setTimeout(() => n.remove(), 8000);
	};

	/*
	 * Shows an API error next to the input it concerns (problem "field" or
	 * "errors": [{field, detail}]); what names no input of the form goes to
	 * the form's .form-error box.  Returns the fields marked.
	 */
	C.clearFieldErrors = function (form) {
		for (const e of form.querySelectorAll(".field-error"))
			e.remove();
		for (const e of form.querySelectorAll("[aria-invalid]"))
			e.removeAttribute("aria-invalid");
		const fe = form.querySelector(".form-error");
		if (fe) {
			C.clear(fe);
			fe.hidden = true;
		}
	};

	C.fieldErrors = function (form, err, fallbackField) {
		C.clearFieldErrors(form);
		const p = (err && err.problem) || {};
		const list = [];
		if (Array.isArray(p.errors))
			for (const e of p.errors)
				list.push({ field: e.field, detail: e.detail || p.title });
		else
			list.push({ field: p.field || fallbackField, detail: null });
		const marked = [];
		for (const e of list) {
			const input = e.field ? form.querySelector("[name=\"" +
			    CSS.escape(e.field) + "\"]") : null;
			const text = e.detail ? e.detail : C.problemText(err);
			if (input) {
				input.setAttribute("aria-invalid", "true");
				const msg = C.el("div", { class: "field-error", "data-test": "field-error",
				    "data-field": e.field }, text);
				const wrap = input.closest(".field") || input.parentNode;
				wrap.appendChild(msg);
				marked.push(e.field);
			} else {
				const fe = form.querySelector(".form-error");
				if (fe) {
					fe.hidden = false;
					fe.appendChild(C.el("div", null, text));
				} else {
					C.notify(text, "error");
				}
			}
		}
		if (marked.length) {
			const first = form.querySelector("[name=\"" + CSS.escape(marked[0]) + "\"]");
			if (first)
				first.focus();
		}
		return marked;
	};

	/* ---- downloads ---- */

	C.download = function (filename, mime, text) {
		const blob = new Blob([text], { type: mime || "application/octet-stream" });
		const url = URL.createObjectURL(blob);
		const a = C.el("a", { href: url, download: filename, class: "hidden" });
		document.body.appendChild(a);
		a.click();
		a.remove();
		setTimeout(() => URL.revokeObjectURL(url), 1000);
	};

	/* Copy text to the clipboard; true when it worked. */
	C.copy = async function (text) {
		try {
			await navigator.clipboard.writeText(text);
			return true;
		} catch (e) {
			return false;
		}
	};

	/* ---- formatting ---- */

	C.statusLabel = function (s) {
		return s ? C.t("core.status." + s) : "—";
	};

	C.formatTime = function (s) {
		if (!s)
			return "—";
		/* LDAP generalized time 20261207082349Z or ISO 8601 */
		let m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)/.exec(s);
		let d = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : new Date(s);
		if (isNaN(d.getTime()))
			return s;
		return d.toLocaleString(lang === "vi" ? "vi-VN" : "en-GB");
	};

	C.formatBytes = function (n) {
		if (n === null || n === undefined)
			return "—";
		if (n === 0)
			return C.t("core.unlimited");
		const units = ["B", "KiB", "MiB", "GiB", "TiB"];
		let i = 0;
		let v = n;
		while (v >= 1024 && i < units.length - 1) {
			v /= 1024;
			i++;
		}
		return (i === 0 ? String(v) : v.toFixed(v < 10 ? 1 : 0)) + " " + units[i];
	};

	C.debounce = function (fn, ms) {
		let t = null;
		return function (...args) {
			clearTimeout(t);
			t = setTimeout(() => fn.apply(this, args), ms);
		};
	};

	/* ---- agencies ---- */

	let agenciesPromise = null;

	/* GET /v1/agencies once per session: [{code, name, parent, ...}]. */
	C.agencies = function (fresh) {
		if (!agenciesPromise || fresh) {
			agenciesPromise = C.api("GET", "/v1/agencies").then((r) =>
			    (r.data && r.data.items) || []);
			agenciesPromise.catch(() => {
				agenciesPromise = null;
			});
		}
		return agenciesPromise;
	};

	/* The agencies as a forest: [{agency, children: [...]}] sorted by name. */
	C.agencyForest = function (items) {
		const byCode = new Map();
		for (const a of items)
			byCode.set(a.code, { agency: a, children: [] });
		const roots = [];
		for (const n of byCode.values()) {
			const p = n.agency.parent && byCode.get(n.agency.parent);
			if (p)
				p.children.push(n);
			else
				roots.push(n);
		}
		const coll = new Intl.Collator(lang === "vi" ? "vi" : "en");
		const sort = (list) => {
			list.sort((a, b) => coll.compare(a.agency.name || a.agency.code,
			    b.agency.name || b.agency.code));
			for (const n of list)
				sort(n.children);
		};
		sort(roots);
		return roots;
	};

	C.agencyLabel = function (a) {
		if (!a)
			return "";
		return a.name ? a.name + " (" + a.code + ")" : a.code;
	};

	/* Folds Vietnamese for local matching: "Sở Y tế" -> "so y te". */
	C.fold = function (s) {
		return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
		    .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
	};

	/*
	 * The agency tree.  Given a <select>, fills it with the agencies
	 * (indented by depth) and calls onPick(code) on change.  Given any other
	 * element, builds a filter widget in it: a box to narrow the tree by
	 * name or code, "all" and the nested agencies; onPick(code|null,
	 * agency).  Resolves with the list of agencies.
	 */
	C.agencyTree = async function (target, onPick, opts) {
		opts = opts || {};
		const items = await C.agencies();
		const forest = C.agencyForest(items);
		const byCode = new Map(items.map((a) => [a.code, a]));
		if (target.tagName === "SELECT") {
			C.clear(target);
			if (opts.empty)
				target.appendChild(C.el("option", { value: "" }, opts.empty));
			const add = (list, depth) => {
				for (const n of list) {
					target.appendChild(C.el("option", { value: n.agency.code },
					    "\u00a0\u00a0".repeat(depth) + C.agencyLabel(n.agency)));
					add(n.children, depth + 1);
				}
			};
			add(forest, 0);
			if (opts.selected)
				target.value = opts.selected;
			if (onPick)
				target.addEventListener("change", () =>
				    onPick(target.value || null, byCode.get(target.value)));
			return items;
		}
		C.clear(target);
		target.classList.add("agency-tree");
		let picked = opts.selected || null;
		const filter = C.el("input", { type: "search", class: "tree-filter",
		    placeholder: C.t("core.tree.filter"), "aria-label": C.t("core.tree.filter"),
		    "data-test": "tree-filter" });
		const list = C.el("div", { class: "tree-list", role: "tree" });
		target.appendChild(filter);
		target.appendChild(list);

		function pick(code) {
			picked = code;
			for (const b of list.querySelectorAll("button.node"))
				b.classList.toggle("picked", (b.getAttribute("data-code") || null) === picked);
			if (onPick)
				onPick(code, code ? byCode.get(code) : null);
		}

		function nodeButton(a) {
			return C.el("button", { type: "button", class: "node", "data-test": "tree-agency",
			    "data-code": a ? a.code : "", title: a ? a.code : "",
			    on: { click: () => pick(a ? a.code : null) } },
			    a ? (a.name || a.code) : C.t("core.tree.all"));
		}

		function build(nodes, depth, q) {
			const ul = C.el("ul", { role: "group" });
			for (const n of nodes) {
				const a = n.agency;
				const hit = !q || C.fold(a.name).includes(q) || C.fold(a.code).includes(q);
				const sub = n.children.length ? build(n.children, depth + 1, q) : null;
				if (!hit && !(sub && sub.childNodes.length))
					continue;
				const li = C.el("li", { role: "treeitem" });
				if (n.children.length) {
					const d = C.el("details", { open: (q || depth < 1) ? true : null });
					d.appendChild(C.el("summary", null, nodeButton(a)));
					d.appendChild(sub);
					li.appendChild(d);
				} else {
					li.appendChild(C.el("span", { class: "leaf" }, nodeButton(a)));
				}
				ul.appendChild(li);
			}
			return ul;
		}

		function draw() {
			C.clear(list);
			const q = C.fold(filter.value.trim());
			if (C.provinceWide() || forest.length > 1)
				list.appendChild(C.el("div", { class: "leaf" }, nodeButton(null)));
			list.appendChild(build(forest, 0, q));
			for (const b of list.querySelectorAll("button.node"))
				b.classList.toggle("picked", (b.getAttribute("data-code") || null) === picked);
		}
		filter.addEventListener("input", C.debounce(draw, 150));
		draw();
		return items;
	};

	/* ---- start ---- */

	C.started = false;

	C.start = function () {
		C.started = true;
		document.documentElement.lang = lang;
		const sel = document.getElementById("lang");
		if (sel) {
			sel.value = lang;
			sel.addEventListener("change", () => C.setLang(sel.value));
		}
		window.addEventListener("hashchange", () => {
			/* what was said about the last page is not about this one */
			const box = document.getElementById("notices");
			if (box)
				C.clear(box);
			C.render();
		});
		C.renderHeader();
	};

	C.messages({
		vi: {
			"core.app": "Quản lý thư điện tử công vụ",
			"core.loading": "Đang tải…",
			"core.noPage": "Không có trang này.",
			"core.forbidden": "Vai trò của bạn không được mở trang này.",
			"core.expired": "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.",
			"core.network": "Không kết nối được tới máy chủ. Vui lòng thử lại.",
			"core.signOut": "Đăng xuất",
			"core.cancel": "Hủy",
			"core.ok": "Đồng ý",
			"core.close": "Đóng",
			"core.copy": "Sao chép",
			"core.copied": "Đã sao chép.",
			"core.copyFailed": "Không sao chép được; hãy chọn và sao chép bằng tay.",
			"core.secretOnce": "Mật khẩu này chỉ hiển thị một lần. Sau khi đóng hộp thoại sẽ không xem lại được.",
			"core.unlimited": "Không giới hạn",
			"core.yes": "Có",
			"core.no": "Không",
			"core.none": "Không có",
			"core.more": "Xem thêm",
			"core.tree.filter": "Tìm đơn vị",
			"core.tree.all": "Tất cả đơn vị",
			"core.status.active": "Đang hoạt động",
			"core.status.suspended": "Tạm ngừng",
			"core.status.disabled": "Đã vô hiệu hóa",
			"core.status.locked": "Bị khóa đăng nhập",
			"core.role.province-admin": "Quản trị cấp tỉnh",
			"core.role.agency-admin": "Quản trị đơn vị",
			"core.role.hr": "Cán bộ tổ chức",
			"core.role.auditor": "Kiểm tra viên",
			"core.http.400": "Yêu cầu không hợp lệ",
			"core.http.403": "Không có quyền",
			"core.http.404": "Không tìm thấy",
			"core.http.409": "Không thực hiện được",
			"core.http.412": "Dữ liệu đã bị người khác thay đổi; hãy tải lại",
			"core.http.422": "Không thực hiện được",
			"core.http.429": "Quá nhiều yêu cầu; vui lòng đợi một lát",
			"core.http.500": "Lỗi máy chủ",
			"core.http.503": "Hệ thống tạm thời không sẵn sàng"
		},
		en: {
			"core.app": "Government mail administration",
			"core.loading": "Loading…",
			"core.noPage": "There is no such page.",
			"core.forbidden": "Your role may not open this page.",
			"core.expired": "Your session has expired. Please sign in again.",
			"core.network": "The server cannot be reached. Please try again.",
			"core.signOut": "Sign out",
			"core.cancel": "Cancel",
			"core.ok": "OK",
			"core.close": "Close",
			"core.copy": "Copy",
			"core.copied": "Copied.",
			"core.copyFailed": "Could not copy; select the text and copy it by hand.",
			"core.secretOnce": "This password is shown only once. It cannot be seen again after this dialog closes.",
			"core.unlimited": "Unlimited",
			"core.yes": "Yes",
			"core.no": "No",
			"core.none": "None",
			"core.more": "Show more",
			"core.tree.filter": "Find an agency",
			"core.tree.all": "All agencies",
			"core.status.active": "Active",
			"core.status.suspended": "Suspended",
			"core.status.disabled": "Disabled",
			"core.status.locked": "Login locked",
			"core.role.province-admin": "Province administrator",
			"core.role.agency-admin": "Agency administrator",
			"core.role.hr": "HR officer",
			"core.role.auditor": "Auditor",
			"core.http.400": "Invalid request",
			"core.http.403": "Not allowed",
			"core.http.404": "Not found",
			"core.http.409": "Could not be done",
			"core.http.412": "Someone else changed this meanwhile; reload it",
			"core.http.422": "Could not be done",
			"core.http.429": "Too many requests; please wait a moment",
			"core.http.500": "Server error",
			"core.http.503": "The service is temporarily unavailable"
		}
	});

	window.Console = C;
	document.addEventListener("DOMContentLoaded", () => C.start());
})();
