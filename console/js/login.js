/*
 * login.js - the sign-in view.  Signs in with POST /v1/session (the
 * session cookie is HttpOnly: this script never sees it, only the CSRF
 * token in the answer), and on page load asks GET /v1/session whether a
 * session is still open, so a reload keeps the person signed in.
 */
"use strict";

(function () {
	const C = window.Console;

	C.messages({
		vi: {
			"login.title": "Đăng nhập",
			"login.intro": "Đăng nhập bằng tài khoản thư điện tử công vụ của bạn.",
			"login.user": "Địa chỉ thư hoặc tên đăng nhập",
			"login.password": "Mật khẩu",
			"login.submit": "Đăng nhập",
			"login.busy": "Đang đăng nhập…",
			"login.wrong": "Sai tên đăng nhập hoặc mật khẩu.",
			"login.norole": "Tài khoản này chưa được giao vai trò quản lý nào. Hãy liên hệ quản trị viên.",
			"login.missing": "Vui lòng nhập tên đăng nhập và mật khẩu."
		},
		en: {
			"login.title": "Sign in",
			"login.intro": "Sign in with your government mail account.",
			"login.user": "Mail address or user name",
			"login.password": "Password",
			"login.submit": "Sign in",
			"login.busy": "Signing in…",
			"login.wrong": "Wrong user name or password.",
			"login.norole": "This account has no administrative role. Ask an administrator.",
			"login.missing": "Enter your user name and password."
		}
	});

	function render(view) {
		const msg = C.takeSignInMessage();
		const user = C.el("input", { id: "login-user", name: "user", type: "text",
		    autocomplete: "username", required: true, "data-test": "login-user",
		    autocapitalize: "none", spellcheck: "false" });
		const pass = C.el("input", { id: "login-password", name: "password", type: "password",
		    autocomplete: "current-password", required: true, "data-test": "login-password" });
		const submit = C.el("button", { type: "submit", class: "primary",
		    "data-test": "login-submit" }, C.t("login.submit"));
		const err = C.el("div", { class: "form-error", role: "alert", "data-test": "login-error",
		    hidden: !msg });
		if (msg)
			err.textContent = C.t(msg);
		const form = C.el("form", { class: "login", novalidate: true },
		    C.el("h1", null, C.t("login.title")),
		    C.el("p", { class: "hint" }, C.t("login.intro")),
		    err,
		    C.el("div", { class: "field" }, C.el("label", { for: "login-user" }, C.t("login.user")), user),
		    C.el("div", { class: "field" }, C.el("label", { for: "login-password" },
		        C.t("login.password")), pass),
		    C.el("div", { class: "buttons" }, submit));
		form.addEventListener("submit", async (ev) => {
			ev.preventDefault();
			err.hidden = true;
			if (!user.value.trim() || !pass.value) {
				err.textContent = C.t("login.missing");
				err.hidden = false;
				return;
			}
			submit.disabled = true;
			submit.textContent = C.t("login.busy");
			try {
				const r = await C.api("POST", "/v1/session", { no401: true,
				    json: { user: user.value.trim(), password: pass.value } });
				pass.value = "";
				C.signedIn(r.data);
			} catch (e) {
				pass.value = "";
				submit.disabled = false;
				submit.textContent = C.t("login.submit");
				if (e.status === 401)
					err.textContent = C.t("login.wrong");
				else if (e.status === 403)
					err.textContent = C.t("login.norole");
				else
					err.textContent = C.problemText(e);
				err.hidden = false;
				pass.focus();
			}
		});
		view.appendChild(form);
		(user.value ? pass : user).focus();
	}

	C.route("login", { title: "login.title", nav: false, roles: [], render: render });

	/* On load: an open session (the cookie is sent by itself) continues. */
	document.addEventListener("DOMContentLoaded", async () => {
		try {
			const r = await C.api("GET", "/v1/session", { no401: true });
			C.signedIn(r.data);
		} catch (e) {
			const t = e.problem && typeof e.problem.type === "string" ? e.problem.type : "";
			C.signedOut(t.endsWith("/session-expired") ? "core.expired" : null);
			if (e.status !== 401)
				C.notify(C.problemText(e), "error");
		}
	});
})();
