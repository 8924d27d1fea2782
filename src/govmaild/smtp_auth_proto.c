/*
 * smtp_auth_proto.c — the AUTH exchange (see smtp_auth_proto.h).
 */
#include <stdio.h>
#include <string.h>

#include "auth_ldap.h"
#include "client_limits.h"
#include "conf.h"
#include "daemon_conf.h"
#include "log.h"
#include "smtp_auth.h"
#include "smtp_auth_proto.h"
#include "smtp_state.h"

/* Read one line of a SASL exchange; 0, or -1 when the session must end
 * (the reason is set, a 421 queued where one can be sent). */
static int
auth_proto_line(struct smtp_session *s, size_t *len)
{
	const struct govmail_conf *c = s->conf;
	size_t max = (size_t)c->smtpd_max_command_line;
	enum smtp_io_status st;

	if (smtp_io_flush(&s->io, smtp_io_now_ms() + 1000u *
	    (uint64_t)c->smtpd_command_timeout) != SMTP_IO_OK) {
		s->end_reason = "write-error";
		return -1;
	}
	st = smtp_io_read_line(&s->io, s->line, max + 1, len, smtp_io_now_ms() +
	    1000u * (uint64_t)c->smtpd_command_timeout);
	if (st == SMTP_IO_OK && *len > 0 && s->line[*len - 1] == '\r') {
		s->line[--*len] = '\0';
		return 0;
	}
	if (st == SMTP_IO_TIMEOUT)
		session_reply(s, 421, "4.4.2", "%s Error: timeout exceeded, closing",
		    s->dc->hostname);
	else if (st == SMTP_IO_OK || st == SMTP_IO_TOOLONG)
		session_reply(s, 421, "4.7.0", "%s Error: malformed authentication "
		    "exchange, closing", s->dc->hostname);
	s->end_reason = "auth-exchange";
	return -1;
}

/* Send a 334 challenge and decode the client's base64 answer into buf.
 * Returns the length, -2 if the client cancelled ("*"), -3 if malformed
 * (reply already queued), -1 if the session must end. */
static long
auth_proto_ask(struct smtp_session *s, const char *challenge,
    unsigned char *buf, size_t buflen)
{
	size_t len;
	long n;

	session_reply(s, 334, NULL, "%s", challenge);
	if (auth_proto_line(s, &len) != 0)
		return -1;
	if (len == 1 && s->line[0] == '*') {
		session_error(s, 501, "5.7.0", "Authentication aborted");
		return -2;
	}
	n = smtp_auth_b64decode(s->line, len, buf, buflen);
	explicit_bzero(s->line, len);
	if (n < 0) {
		session_error(s, 501, "5.5.2", "Error: malformed base64 in authentication");
		return -3;
	}
	return n;
}

/* AUTH PLAIN / AUTH LOGIN, on the submission listener after STARTTLS. */
void
smtp_auth_proto_cmd(struct smtp_session *s)
{
	unsigned char buf[SMTP_AUTH_USER_MAX + SMTP_AUTH_PASS_MAX + 16];
	char user[SMTP_AUTH_USER_MAX + 1], pass[SMTP_AUTH_PASS_MAX + 1];
	char why[600], euser[300];
	const char *mech = s->cmd.arg, *initial = NULL, *bad = NULL;
	size_t mlen = strcspn(mech, " ");
	enum smtp_auth_mech m;
	enum auth_result res;
	long n;

	if (s->role != SMTP_ROLE_SUBMISSION) {
		session_error(s, 503, "5.5.1", "Error: authentication not enabled");
		goto out;
	}
	if (s->io.ssl == NULL) {
		session_error(s, 530, "5.7.0", "Must issue a STARTTLS command first");
		goto out;
	}
	if (!smtp_state_greeted(s) || !s->esmtp) {
		session_error(s, 503, "5.5.1", "Error: send EHLO first");
		goto out;
	}
	if (s->auth_login[0]) {
		session_error(s, 503, "5.5.1", "Error: already authenticated");
		goto out;
	}
	if (smtp_state_in_mail(s)) {
		session_error(s, 503, "5.5.1", "Error: MAIL transaction in progress");
		goto out;
	}
	if (client_limits_auth_blocked(s->dc, s->client_addr))
		goto throttled;
	if ((m = smtp_auth_mech(mech, mlen)) == SMTP_AUTH_NONE) {
		session_error(s, 504, "5.5.4", "Error: unsupported authentication mechanism");
		goto out;
	}
	if (mech[mlen] == ' ')
		initial = mech + mlen + 1;
	user[0] = pass[0] = '\0';
	if (m == SMTP_AUTH_PLAIN) {
		if (initial != NULL && strcmp(initial, "=") == 0)
			n = 0;
		else if (initial != NULL) {
			n = smtp_auth_b64decode(initial, strlen(initial), buf, sizeof(buf));
			if (n < 0) {
				session_error(s, 501, "5.5.2", "Error: malformed base64 in authentication");
				goto out;
			}
		} else if ((n = auth_proto_ask(s, "", buf, sizeof(buf))) < 0)
			goto ended;
		if (smtp_auth_plain(buf, (size_t)n, user, sizeof(user), pass, sizeof(pass),
		    &bad) != 0)
			goto malformed;
	} else {
		if (initial != NULL) {
			n = smtp_auth_b64decode(initial, strlen(initial), buf, sizeof(buf));
			if (n < 0) {
				session_error(s, 501, "5.5.2", "Error: malformed base64 in authentication");
				goto out;
			}
		} else if ((n = auth_proto_ask(s, "VXNlcm5hbWU6", buf, sizeof(buf))) < 0)
			goto ended;
		if (smtp_auth_login_field(buf, (size_t)n, user, sizeof(user), 1, &bad) != 0)
			goto malformed;
		if ((n = auth_proto_ask(s, "UGFzc3dvcmQ6", buf, sizeof(buf))) < 0)
			goto ended;
		if (smtp_auth_login_field(buf, (size_t)n, pass, sizeof(pass), 0, &bad) != 0)
			goto malformed;
	}
	res = auth_ldap_check(s->conf, user, pass, s->auth_account,
	    sizeof(s->auth_account), why, sizeof(why));
	log_escape(euser, sizeof(euser), user, 200);
	switch (res) {
	case AUTH_OK:
		snprintf(s->auth_login, sizeof(s->auth_login), "%s", user);
		log_info("%s: auth ok client=[%s] login=%s account=%s", s->sid,
		    s->client_addr, euser, s->auth_account);
		session_reply(s, 235, "2.7.0", "Authentication successful");
		break;
	case AUTH_DENIED:
		log_info("%s: auth failed client=[%s] login=%s reason=\"%s\"", s->sid,
		    s->client_addr, euser, why);
		session_error(s, 535, "5.7.8", "Error: authentication failed");
		if (client_limits_auth_failed(s->dc, s->client_addr))
			goto throttled;
		break;
	case AUTH_TEMPFAIL:
		log_warnx("%s: auth tempfail client=[%s] login=%s reason=\"%s\"", s->sid,
		    s->client_addr, euser, why);
		session_reply(s, 454, "4.7.0", "Temporary authentication failure, try again later");
		break;
	}
	goto out;
malformed:
	session_error(s, 501, "5.5.2", "Error: %s", bad);
	goto out;
throttled:
	/* Failed AUTH from this address across sessions (client_limits.c). */
	session_reply(s, 421, "4.7.0", "%s Error: too many failed authentications, "
	    "try again later", s->dc->hostname);
	s->quit = 1;
	s->end_reason = "auth rate";
	goto out;
ended:
	if (n == -1)
		s->quit = 1;
out:
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(s->cmd.arg, sizeof(s->cmd.arg));
}
