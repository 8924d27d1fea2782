/*
 * smtp_xclient.c — XCLIENT and XFORWARD (see smtp_xclient.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "daemon_conf.h"
#include "log.h"
#include "smtp_client.h"
#include "smtp_state.h"
#include "smtp_xclient.h"

/* XCLIENT NAME= ADDR= PORT= PROTO= HELO= LOGIN= (Postfix semantics:
 * the session starts over with the given client identity). */
void
smtp_xclient_cmd(struct smtp_session *s)
{
	char name[sizeof(s->client_name)], addr[sizeof(s->client_addr)];
	char port[sizeof(s->client_port)], login[sizeof(s->client_login)];
	char helo[sizeof(s->client_helo)], e1[300], e2[300], e3[300];
	int proto_esmtp = -1;
	size_t i;

	if (!s->xclient_ok) {
		session_error(s, 550, "5.7.0", "Error: insufficient authorization");
		session_log_reject(s, "XCLIENT", "xclient-hosts");
		return;
	}
	if (smtp_state_in_mail(s)) {
		session_error(s, 503, "5.5.1", "Error: MAIL transaction in progress");
		return;
	}
	snprintf(name, sizeof(name), "%s", s->client_name);
	snprintf(addr, sizeof(addr), "%s", s->client_addr);
	snprintf(port, sizeof(port), "%s", s->client_port);
	snprintf(login, sizeof(login), "%s", s->client_login);
	snprintf(helo, sizeof(helo), "%s", s->client_helo);
	for (i = 0; i < s->cmd.nxattr; i++) {
		const char *n = s->cmd.xattr[i].name, *val = s->cmd.xattr[i].value;
		int unavailable = val[0] == '[' &&
		    (strcmp(val, "[UNAVAILABLE]") == 0 || strcmp(val, "[TEMPUNAVAIL]") == 0);

		if (strcmp(n, "NAME") == 0) {
			snprintf(name, sizeof(name), "%s", unavailable ? "" : val);
		} else if (strcmp(n, "ADDR") == 0) {
			unsigned char bin[16];
			const char *a = strncasecmp(val, "IPV6:", 5) == 0 ? val + 5 : val;

			if (!unavailable && inet_pton(strchr(a, ':') ? AF_INET6 : AF_INET, a,
			    bin) != 1) {
				session_error(s, 501, "5.5.4", "Bad XCLIENT ADDR syntax");
				return;
			}
			snprintf(addr, sizeof(addr), "%s", unavailable ? "unknown" : a);
		} else if (strcmp(n, "PORT") == 0) {
			if (!unavailable && (strlen(val) > 5 || strspn(val, "0123456789") != strlen(val))) {
				session_error(s, 501, "5.5.4", "Bad XCLIENT PORT syntax");
				return;
			}
			snprintf(port, sizeof(port), "%s", unavailable ? "" : val);
		} else if (strcmp(n, "PROTO") == 0) {
			if (strcasecmp(val, "ESMTP") == 0)
				proto_esmtp = 1;
			else if (strcasecmp(val, "SMTP") == 0)
				proto_esmtp = 0;
			else if (!unavailable) {
				session_error(s, 501, "5.5.4", "Bad XCLIENT PROTO syntax");
				return;
			}
		} else if (strcmp(n, "HELO") == 0) {
			snprintf(helo, sizeof(helo), "%s", unavailable ? "" : val);
		} else if (strcmp(n, "LOGIN") == 0) {
			snprintf(login, sizeof(login), "%s", unavailable ? "" : val);
		} else if (strcmp(n, "DESTADDR") != 0 && strcmp(n, "DESTPORT") != 0) {
			session_error(s, 501, "5.5.4", "Bad XCLIENT attribute name: %s", n);
			return;
		}
	}
	memcpy(s->client_name, name, sizeof(name));
	memcpy(s->client_addr, addr, sizeof(addr));
	memcpy(s->client_port, port, sizeof(port));
	memcpy(s->client_login, login, sizeof(login));
	memcpy(s->client_helo, helo, sizeof(helo));
	(void)proto_esmtp;
	log_info("%s: xclient name=%s addr=%s port=%s helo=%s login=%s", s->sid,
	    session_esc(e1, sizeof(e1), name), addr, port,
	    session_esc(e2, sizeof(e2), helo), session_esc(e3, sizeof(e3), login));
	/* Start over as if the client had just connected. */
	session_reset_txn(s);
	smtp_state_set(s, SMTP_STATE_CONNECTED);
	s->esmtp = 0;
	s->helo[0] = '\0';
	session_reply(s, 220, NULL, "%s ESMTP govmaild", s->dc->hostname);
}

/* XFORWARD: attributes of the original client, for logs and the next hop. */
void
smtp_xforward_cmd(struct smtp_session *s)
{
	char e[7][300];
	size_t i;

	if (!s->xclient_ok) {
		session_error(s, 550, "5.7.0", "Error: insufficient authorization");
		session_log_reject(s, "XFORWARD", "xclient-hosts");
		return;
	}
	if (smtp_state_in_mail(s)) {
		session_error(s, 503, "5.5.1", "Error: MAIL transaction in progress");
		return;
	}
	for (i = 0; i < s->cmd.nxattr; i++) {
		const char *n = s->cmd.xattr[i].name, *val = s->cmd.xattr[i].value;
		char *dst = NULL;

		if (strcmp(val, "[UNAVAILABLE]") == 0 || strcmp(val, "[TEMPUNAVAIL]") == 0)
			val = "";
		if (strcmp(n, "NAME") == 0)
			dst = s->xf_name;
		else if (strcmp(n, "ADDR") == 0)
			dst = s->xf_addr;
		else if (strcmp(n, "PORT") == 0)
			dst = s->xf_port;
		else if (strcmp(n, "PROTO") == 0)
			dst = s->xf_proto;
		else if (strcmp(n, "HELO") == 0)
			dst = s->xf_helo;
		else if (strcmp(n, "IDENT") == 0)
			dst = s->xf_ident;
		else if (strcmp(n, "SOURCE") == 0) {
			/* passed on, so only what Postfix would take there */
			if (strcasecmp(val, "LOCAL") == 0 || strcasecmp(val, "REMOTE") == 0)
				dst = s->xf_source;
			else
				s->xf_source[0] = '\0';
		} else {
			session_error(s, 501, "5.5.4", "Bad XFORWARD attribute name: %s", n);
			return;
		}
		if (dst != NULL)
			snprintf(dst, SMTP_XATTR_VALUE_MAX + 1, "%s", val);
	}
	s->xf_set = 1;
	/* The front MTA's own client (Postfix's before-queue proxy sends only
	 * XFORWARD): without this line the log would name only the MTA. */
	log_info("%s: xforward name=%s addr=%s port=%s proto=%s helo=%s ident=%s source=%s",
	    s->sid,
	    session_esc(e[0], sizeof(e[0]), s->xf_name), session_esc(e[1], sizeof(e[1]), s->xf_addr),
	    session_esc(e[2], sizeof(e[2]), s->xf_port), session_esc(e[3], sizeof(e[3]), s->xf_proto),
	    session_esc(e[4], sizeof(e[4]), s->xf_helo), session_esc(e[5], sizeof(e[5]), s->xf_ident),
	    session_esc(e[6], sizeof(e[6]), s->xf_source));
	session_reply(s, 250, "2.0.0", "Ok");
}

void
smtp_xforward_attrs(const struct smtp_session *s, struct smtp_client_xforward *x)
{
	memset(x, 0, sizeof(*x));
	x->name = s->xf_set && s->xf_name[0] ? s->xf_name :
	    s->client_name[0] ? s->client_name : NULL;
	x->addr = s->xf_set && s->xf_addr[0] ? s->xf_addr : s->client_addr;
	x->port = s->xf_set && s->xf_port[0] ? s->xf_port : s->client_port;
	x->proto = s->xf_set && s->xf_proto[0] ? s->xf_proto : session_proto(s);
	x->helo = s->xf_set && s->xf_helo[0] ? s->xf_helo : session_effective_helo(s);
	x->ident = s->xf_set && s->xf_ident[0] ? s->xf_ident : NULL;
	/* LOCAL or REMOTE as the front MTA judged its client (Postfix: which
	 * header rewriting applies); unknown for our own clients. */
	x->source = s->xf_set && s->xf_source[0] ? s->xf_source : NULL;
}
