/*
 * smtp_nexthop.c — mirroring the client's transaction at the next hop
 * (see smtp_nexthop.h).
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "daemon_conf.h"
#include "listener.h"
#include "log.h"
#include "smtp_client.h"
#include "smtp_client_pool.h"
#include "smtp_nexthop.h"
#include "smtp_state.h"
#include "smtp_xclient.h"

static void
nexthop_drop(struct smtp_session *s)
{
	smtp_client_close(s->nh);
	s->nh = NULL;
}

void
smtp_nexthop_reply(struct smtp_session *s, const struct smtp_reply *r)
{
	int code = r->code;
	const char *enh = r->enh;

	if (code == 0) {
		if (r->fail == SMTP_CLIENT_CONNECT)
			session_reply(s, 451, "4.4.1",
			    "Error: next hop unavailable, try again later");
		else if (r->fail == SMTP_CLIENT_TLS)
			session_reply(s, 451, "4.7.5",
			    "Error: next hop TLS could not be verified, try again later");
		else
			session_reply(s, 451, "4.4.2",
			    "Error: next hop did not answer, try again later");
		return;
	}
	if (code == 421)
		code = 451;     /* the next hop closes; this session does not */
	if (*enh == '\0')
		enh = code >= 500 ? "5.0.0" : code >= 400 ? "4.0.0" : "2.0.0";
	session_reply(s, code, enh, "%s", r->text[0] ? r->text : "Error from next hop");
}

void
smtp_nexthop_redeclare_8bit(struct smtp_session *s)
{
	s->body_8bit = 1;
	smtp_client_pool_give(s->dc, s->nh);
	s->nh = NULL;
}

void
smtp_nexthop_reset(struct smtp_session *s)
{
	if (s->nh != NULL && smtp_client_in_transaction(s->nh) &&
	    smtp_client_rset(s->nh) != 0)
		nexthop_drop(s);
}

/* Connect to the next hop if there is no usable connection: an idle one
 * from the pool (made under this session's configuration) when pooled is
 * set, else a new one. *fresh tells whether a new one was made. Returns
 * 0, or -1 with r. */
static int
nexthop_connect(struct smtp_session *s, int pooled, int *fresh, struct smtp_reply *r)
{
	const struct govmail_conf *c = s->conf;
	struct smtp_client_opts o;
	char info[128];

	*fresh = 0;
	if (s->nh != NULL && !smtp_client_usable(s->nh))
		nexthop_drop(s);
	if (s->nh != NULL)
		return 0;
	if (pooled && (s->nh = smtp_client_pool_take(s->dc)) != NULL) {
		log_info("%s: next hop %s:%d connection=reused conn_use=%u%s%s", s->qid,
		    c->nh_host, c->nh_port, smtp_client_reused(s->nh),
		    *smtp_client_tls_info(s->nh, info, sizeof(info)) ? " tls=" : "", info);
		return 0;
	}
	memset(&o, 0, sizeof(o));
	o.host = c->nh_host;
	o.port = c->nh_port;
	o.helo_name = c->nh_helo_name[0] ? c->nh_helo_name : s->dc->hostname;
	o.connect_timeout = c->nh_connect_timeout;
	o.command_timeout = c->nh_command_timeout;
	o.data_timeout = c->nh_data_timeout;
	o.use_xforward = c->nh_xforward;
	o.tls = s->dc->tls_client;
	o.tls_required = c->nh_tls_verify;
	if ((s->nh = smtp_client_open(&o, r)) == NULL)
		return -1;
	*fresh = 1;
	log_info("%s: next hop %s:%d connection=new%s%s", s->qid, c->nh_host, c->nh_port,
	    *smtp_client_tls_info(s->nh, info, sizeof(info)) ? " tls=" : "", info);
	return 0;
}

/* XFORWARD (if offered) and MAIL FROM at the next hop. Returns the code. */
static int
nexthop_send_mail(struct smtp_session *s, struct smtp_reply *r)
{
	struct smtp_client_xforward x;

	smtp_xforward_attrs(s, &x);
	if (smtp_client_xforward(s->nh, &x, r) != 0)
		return 0;
	return smtp_client_mail(s->nh, s->sender, s->declared_size, s->body_8bit, r);
}

/*
 * Open the next-hop transaction (MAIL), on a new connection once more if
 * a reused one (the session's or a pooled one) turns out dead. With
 * replay, also send again every recipient the client already has 250 for;
 * any refusal then fails the whole replay (returns 0 with r->fail = LOST,
 * so the client gets a 4xx).
 */
static int
nexthop_begin(struct smtp_session *s, int replay, struct smtp_reply *r)
{
	int attempt, fresh, code = 0;
	size_t i;

	for (attempt = 0; attempt < 2; attempt++) {
		if (replay && s->nh != NULL)
			nexthop_drop(s);
		if (nexthop_connect(s, attempt == 0, &fresh, r) != 0)
			return 0;
		code = nexthop_send_mail(s, r);
		/* A reused connection the next hop gave up on meanwhile: nothing
		 * was accepted on it, so a new one is safe. */
		if ((code == 0 || code == 421) && !fresh) {
			nexthop_drop(s);
			continue;
		}
		break;
	}
	if (!replay || code < 200 || code > 299)
		return code;
	for (i = 0; i < s->nrcpts; i++) {
		int rc = smtp_client_rcpt(s->nh, s->rcpts[i], r);

		if (rc < 200 || rc > 299) {
			char buf[320];

			log_warnx("%s: next hop refused <%s> on replay: %s", s->qid,
			    s->rcpts[i], smtp_reply_format(r, buf, sizeof(buf)));
			nexthop_drop(s);
			memset(r, 0, sizeof(*r));
			r->fail = SMTP_CLIENT_LOST;
			return 0;
		}
	}
	return code;
}

int
smtp_nexthop_mail(struct smtp_session *s, struct smtp_reply *r)
{
	return nexthop_begin(s, 0, r);
}

/* One command of the transaction after MAIL (RCPT or DATA). */
typedef int (*nexthop_cmd_fn)(struct smtp_session *s, const void *arg,
    struct smtp_reply *r);

/*
 * Send cmd on the session's connection; when there was no reply — the
 * connection lost since MAIL — redo the transaction so far on a new one
 * and send cmd there. any_failure: resend whatever went wrong (RCPT);
 * else only when nothing was sent at all (DATA: a message is never sent
 * twice). A refusal of the replay is a lost connection to the client.
 */
static int
nexthop_step(struct smtp_session *s, nexthop_cmd_fn cmd, const void *arg,
    int any_failure, struct smtp_reply *r)
{
	int code = 0;

	if (s->nh != NULL && smtp_client_usable(s->nh))
		code = cmd(s, arg, r);
	else
		memset(r, 0, sizeof(*r));
	if (code == 0 && (any_failure || r->fail == SMTP_CLIENT_OK)) {
		code = nexthop_begin(s, 1, r);
		if (code >= 200 && code <= 299)
			code = cmd(s, arg, r);
		else if (code != 0) {
			memset(r, 0, sizeof(*r));
			r->fail = SMTP_CLIENT_LOST;
			code = 0;
		}
	}
	return code;
}

static int
nexthop_cmd_rcpt(struct smtp_session *s, const void *arg, struct smtp_reply *r)
{
	return smtp_client_rcpt(s->nh, arg, r);
}

int
smtp_nexthop_rcpt(struct smtp_session *s, const char *rcpt, struct smtp_reply *r)
{
	return nexthop_step(s, nexthop_cmd_rcpt, rcpt, 1, r);
}

struct nexthop_data_arg {
	const char *header;
	size_t hlen;
	const struct message_range *skip;
	size_t nskip;
};

static int
nexthop_cmd_data(struct smtp_session *s, const void *arg, struct smtp_reply *r)
{
	const struct nexthop_data_arg *a = arg;

	return smtp_client_data(s->nh, a->header, a->hlen, s->spool, a->skip, a->nskip, r);
}

int
smtp_nexthop_data(struct smtp_session *s, const char *header, size_t hlen,
    const struct message_range *skip, size_t nskip, struct smtp_reply *r)
{
	struct nexthop_data_arg a = { header, hlen, skip, nskip };
	int code = nexthop_step(s, nexthop_cmd_data, &a, 0, r);

	if (code == 0 && s->nh != NULL)
		nexthop_drop(s);
	return code;
}

void
smtp_nexthop_release(struct smtp_session *s)
{
	/*
	 * The session's next-hop connection may serve another. It goes back
	 * to the pool before the client's connection is closed, so a client
	 * that sees the close and connects again finds it there.
	 */
	if (listener_draining())
		smtp_client_close(s->nh);
	else
		smtp_client_pool_give(s->dc, s->nh);
	s->nh = NULL;
}
