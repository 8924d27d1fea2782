/*
 * smtp_session.c — one SMTP connection's state machine (see smtp_session.h).
 *
 * The next-hop transaction is opened alongside the client's: MAIL and each
 * RCPT are forwarded before the client gets its reply, so a recipient gets
 * 250 only once the next hop has accepted it, and the client's DATA gets
 * 250 only once the next hop has accepted the message for all of them.
 * The message itself is read completely (and checked) before a single
 * byte of it goes to the next hop: a refused message never leaves.
 *
 * Replies are buffered and flushed when there is no more pipelined input
 * (RFC 2920), except where the client must wait for them (354).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth_ldap.h"
#include "client_limits.h"
#include "conf.h"
#include "daemon_conf.h"
#include "listener.h"
#include "log.h"
#include "lookup.h"
#include "message.h"
#include "mime_check.h"
#include "mime_tree.h"
#include "sign_check.h"
#include "sign_rule.h"
#include "policy.h"
#include "smtp_auth.h"
#include "smtp_client.h"
#include "smtp_client_pool.h"
#include "smtp_data.h"
#include "smtp_data_check.h"
#include "smtp_io.h"
#include "smtp_parser.h"
#include "smtp_session.h"
#include "spool.h"
#include "xmalloc.h"

#define SMTP_ID_LEN 12
/* How much of a user string goes into one log field. */
#define SESSION_LOG_FIELD 256
/* Recipients listed on a message's log line before "...". */
#define SESSION_LOG_RCPTS 1000
/* Result header fields a message may bring, to be removed, at most. */
#define SESSION_MAX_SKIP 32

struct smtp_session {
	struct smtp_io io;
	enum smtp_role role;
	struct daemon_conf *dc;
	const struct govmail_conf *conf;
	struct policy_directory dir;     /* the policy's view of LDAP ... */
	const struct policy_directory *pdir;   /* ... or NULL (policy.use_directory) */
	char sid[SMTP_ID_LEN + 1];
	uint64_t start_ms;

	/* The connection as seen by the kernel. */
	char peer_addr[INET6_ADDRSTRLEN];
	char peer_port[8];
	int xclient_ok;                  /* peer may send XCLIENT/XFORWARD */

	/* The client as it counts for policy and logs (XCLIENT may set it). */
	char client_addr[INET6_ADDRSTRLEN + 8];
	char client_name[SMTP_XATTR_VALUE_MAX + 1];
	char client_port[8];
	char client_login[SMTP_XATTR_VALUE_MAX + 1];
	char client_helo[SMTP_XATTR_VALUE_MAX + 1];  /* from XCLIENT HELO= */

	char helo[SMTP_ARG_MAX + 1];
	int greeted, esmtp;

	/* SMTP AUTH (submission, after STARTTLS): the login and its account. */
	char auth_login[SMTP_AUTH_USER_MAX + 1];
	char auth_account[SMTP_ADDR_MAX + 1];

	/* XFORWARD attributes, for the next transaction. */
	char xf_name[SMTP_XATTR_VALUE_MAX + 1], xf_addr[SMTP_XATTR_VALUE_MAX + 1];
	char xf_port[SMTP_XATTR_VALUE_MAX + 1], xf_proto[SMTP_XATTR_VALUE_MAX + 1];
	char xf_helo[SMTP_XATTR_VALUE_MAX + 1], xf_ident[SMTP_XATTR_VALUE_MAX + 1];
	char xf_source[SMTP_XATTR_VALUE_MAX + 1];
	int xf_set;

	/* The mail transaction. */
	int in_mail;
	char qid[SMTP_ID_LEN + 1];
	char sender[SMTP_ADDR_MAX + 1];
	long long declared_size;
	int outbound;                    /* an accepted recipient is outside */
	int body_8bit;
	char **rcpts;
	size_t nrcpts, rcpt_cmds;
	uint64_t txn_start, txn_deadline;

	struct smtp_client *nh;
	struct spool *spool;

	unsigned int commands, messages;
	int errors;
	int quit;
	const char *end_reason;

	struct smtp_command cmd;
	char *line;
	char last_reply[320];
};

void
smtp_session_new_id(char out[13])
{
	unsigned char b[SMTP_ID_LEN / 2];
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	if (RAND_bytes(b, sizeof(b)) != 1) {
		uint64_t t = smtp_io_now_ms() ^ (uint64_t)(uintptr_t)out;

		memcpy(b, &t, sizeof(b));
	}
	for (i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[SMTP_ID_LEN] = '\0';
}

/* Escape a user string for a log field. */
static const char *
session_esc(char *buf, size_t len, const char *s)
{
	return log_escape(buf, len, s ? s : "", SESSION_LOG_FIELD);
}

/* Queue a reply: "code enh text". Remembered for the message's log line. */
static void
session_vreply(struct smtp_session *s, int code, const char *enh, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

static void
session_vreply(struct smtp_session *s, int code, const char *enh, const char *fmt,
    va_list ap)
{
	char text[256];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (enh != NULL && *enh != '\0')
		snprintf(s->last_reply, sizeof(s->last_reply), "%d %s %s", code, enh, text);
	else
		snprintf(s->last_reply, sizeof(s->last_reply), "%d %s", code, text);
	(void)smtp_io_printf(&s->io, smtp_io_now_ms() + 1000u *
	    (uint64_t)s->conf->smtpd_command_timeout, "%s\r\n", s->last_reply);
}

static void
session_reply(struct smtp_session *s, int code, const char *enh,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
session_reply(struct smtp_session *s, int code, const char *enh,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	session_vreply(s, code, enh, fmt, ap);
	va_end(ap);
}

/* A reply for something the client did wrong: counts towards max_errors. */
static void
session_error(struct smtp_session *s, int code, const char *enh,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
session_error(struct smtp_session *s, int code, const char *enh,
    const char *fmt, ...)
{
	va_list ap;

	s->errors++;
	va_start(ap, fmt);
	session_vreply(s, code, enh, fmt, ap);
	va_end(ap);
}

/* Log a refused command with the session or message id. */
static void
session_log_reject(struct smtp_session *s, const char *what, const char *rule)
{
	char from[300], to[300], reply[400];

	if (s->in_mail || strcmp(what, "RCPT") == 0) {
		log_info("%s: reject cmd=%s session=%s client=[%s] from=<%s> to=<%s> "
		    "rule=%s reply=\"%s\"", s->qid[0] ? s->qid : s->sid, what, s->sid,
		    s->client_addr, session_esc(from, sizeof(from), s->sender),
		    session_esc(to, sizeof(to), s->cmd.addr), rule,
		    session_esc(reply, sizeof(reply), s->last_reply));
	} else {
		log_info("%s: reject cmd=%s client=[%s] rule=%s reply=\"%s\"", s->sid,
		    what, s->client_addr, rule,
		    session_esc(reply, sizeof(reply), s->last_reply));
	}
}

static void
session_reply_verdict(struct smtp_session *s, const struct policy_verdict *v)
{
	if (v->code >= 500)
		session_error(s, v->code, v->enh, "%s", v->text);
	else
		session_reply(s, v->code, v->enh, "%s", v->text);
}

/* Pass a next-hop reply (4xx/5xx) back to the client. */
static void
session_reply_nexthop(struct smtp_session *s, const struct smtp_reply *r)
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

static void
session_nh_drop(struct smtp_session *s)
{
	smtp_client_close(s->nh);
	s->nh = NULL;
}

/* Abort the transaction here and at the next hop; keep the session. */
static void
session_reset_txn(struct smtp_session *s)
{
	size_t i;

	if (s->nh != NULL && smtp_client_in_transaction(s->nh) &&
	    smtp_client_rset(s->nh) != 0)
		session_nh_drop(s);
	for (i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpts = s->rcpt_cmds = 0;
	s->in_mail = 0;
	s->qid[0] = '\0';
	s->sender[0] = '\0';
	s->declared_size = -1;
	s->outbound = 0;
	s->body_8bit = 0;
	s->xf_set = 0;
	s->xf_name[0] = s->xf_addr[0] = s->xf_port[0] = '\0';
	s->xf_proto[0] = s->xf_helo[0] = s->xf_ident[0] = s->xf_source[0] = '\0';
	if (s->spool != NULL)
		spool_reset(s->spool);
}

static const char *
session_effective_helo(const struct smtp_session *s)
{
	return s->client_helo[0] ? s->client_helo : s->helo;
}

/* RFC 3848 "with" protocol: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA. */
static const char *
session_proto(const struct smtp_session *s)
{
	static const char *const names[] = { "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA" };

	if (!s->esmtp)
		return "SMTP";
	return names[(s->io.ssl != NULL) + 2 * (s->auth_login[0] != '\0')];
}

/* The login the policy sees: our own AUTH, or XCLIENT LOGIN= from the
 * front MTA. NULL when the client is not authenticated. */
static const char *
session_login(const struct smtp_session *s)
{
	if (s->auth_login[0] != '\0')
		return s->auth_login;
	return s->client_login[0] ? s->client_login : NULL;
}

/* Connect to the next hop if there is no usable connection: an idle one
 * from the pool (made under this session's configuration) when pooled is
 * set, else a new one. *fresh tells whether a new one was made. Returns
 * 0, or -1 with r. */
static int
session_nh_connect(struct smtp_session *s, int pooled, int *fresh, struct smtp_reply *r)
{
	const struct govmail_conf *c = s->conf;
	struct smtp_client_opts o;
	char info[128];

	*fresh = 0;
	if (s->nh != NULL && !smtp_client_usable(s->nh))
		session_nh_drop(s);
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
session_nh_mail(struct smtp_session *s, struct smtp_reply *r)
{
	struct smtp_client_xforward x;

	memset(&x, 0, sizeof(x));
	x.name = s->xf_set && s->xf_name[0] ? s->xf_name :
	    s->client_name[0] ? s->client_name : NULL;
	x.addr = s->xf_set && s->xf_addr[0] ? s->xf_addr : s->client_addr;
	x.port = s->xf_set && s->xf_port[0] ? s->xf_port : s->client_port;
	x.proto = s->xf_set && s->xf_proto[0] ? s->xf_proto : session_proto(s);
	x.helo = s->xf_set && s->xf_helo[0] ? s->xf_helo : session_effective_helo(s);
	x.ident = s->xf_set && s->xf_ident[0] ? s->xf_ident : NULL;
	/* LOCAL or REMOTE as the front MTA judged its client (Postfix: which
	 * header rewriting applies); unknown for our own clients. */
	x.source = s->xf_set && s->xf_source[0] ? s->xf_source : NULL;
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
session_nh_begin(struct smtp_session *s, int replay, struct smtp_reply *r)
{
	int attempt, fresh, code = 0;
	size_t i;

	for (attempt = 0; attempt < 2; attempt++) {
		if (replay && s->nh != NULL)
			session_nh_drop(s);
		if (session_nh_connect(s, attempt == 0, &fresh, r) != 0)
			return 0;
		code = session_nh_mail(s, r);
		/* A reused connection the next hop gave up on meanwhile: nothing
		 * was accepted on it, so a new one is safe. */
		if ((code == 0 || code == 421) && !fresh) {
			session_nh_drop(s);
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
			session_nh_drop(s);
			memset(r, 0, sizeof(*r));
			r->fail = SMTP_CLIENT_LOST;
			return 0;
		}
	}
	return code;
}

static void
session_cmd_helo(struct smtp_session *s)
{
	const struct govmail_conf *c = s->conf;

	session_reset_txn(s);
	snprintf(s->helo, sizeof(s->helo), "%s", s->cmd.arg);
	s->greeted = 1;
	s->esmtp = s->cmd.verb == SMTP_VERB_EHLO;
	if (!s->esmtp) {
		session_reply(s, 250, NULL, "%s", s->dc->hostname);
		return;
	}
	(void)smtp_io_printf(&s->io, smtp_io_now_ms() + 1000u *
	    (uint64_t)c->smtpd_command_timeout,
	    "250-%s\r\n250-PIPELINING\r\n250-SIZE %lld\r\n250-8BITMIME\r\n%s%s%s"
	    "250 ENHANCEDSTATUSCODES\r\n", s->dc->hostname, c->smtpd_max_message_size,
	    s->dc->tls != NULL && s->io.ssl == NULL ? "250-STARTTLS\r\n" : "",
	    s->role == SMTP_ROLE_SUBMISSION && s->io.ssl != NULL && !s->auth_login[0] ?
	    "250-AUTH PLAIN LOGIN\r\n" : "",
	    s->xclient_ok ? "250-XCLIENT NAME ADDR PORT PROTO HELO LOGIN\r\n"
	    "250-XFORWARD NAME ADDR PORT PROTO HELO IDENT SOURCE\r\n" : "");
}

static void
session_cmd_mail(struct smtp_session *s)
{
	struct policy_request rq;
	struct policy_verdict v;
	struct smtp_reply r;
	int code;

	if (!s->greeted) {
		session_error(s, 503, "5.5.1", "Error: send HELO/EHLO first");
		return;
	}
	if (s->in_mail) {
		session_error(s, 503, "5.5.1", "Error: nested MAIL command");
		return;
	}
	if (s->role == SMTP_ROLE_SUBMISSION && s->io.ssl == NULL) {
		session_error(s, 530, "5.7.0", "Must issue a STARTTLS command first");
		return;
	}
	if (s->role == SMTP_ROLE_SUBMISSION && !s->auth_login[0]) {
		session_error(s, 530, "5.7.0", "Authentication required");
		return;
	}
	smtp_session_new_id(s->qid);
	snprintf(s->sender, sizeof(s->sender), "%s", s->cmd.addr);
	s->declared_size = s->cmd.size;
	s->body_8bit = s->cmd.body == SMTP_BODY_8BITMIME;
	memset(&rq, 0, sizeof(rq));
	rq.stage = POLICY_MAIL;
	rq.client_addr = s->client_addr;
	rq.helo = session_effective_helo(s);
	rq.sender = s->sender;
	rq.size = s->declared_size;
	rq.login = session_login(s);
	rq.dir = s->pdir;
	policy_check(s->dc->policy, &rq, &v);
	if (v.action != POLICY_ACCEPT) {
		session_reply_verdict(s, &v);
		session_log_reject(s, "MAIL", v.rule);
		s->qid[0] = '\0';
		return;
	}
	code = session_nh_begin(s, 0, &r);
	if (code < 200 || code > 299) {
		if (code == 0) {
			char why[320];

			log_warnx("%s: next hop %s:%d: %s", s->qid, s->conf->nh_host,
			    s->conf->nh_port, smtp_reply_format(&r, why, sizeof(why)));
		}
		session_reply_nexthop(s, &r);
		session_log_reject(s, "MAIL", "next-hop");
		s->qid[0] = '\0';
		return;
	}
	s->in_mail = 1;
	s->txn_start = smtp_io_now_ms();
	s->txn_deadline = s->txn_start + 1000u * (uint64_t)s->conf->smtpd_transaction_deadline;
	session_reply(s, 250, "2.1.0", "Ok");
}

static void
session_cmd_rcpt(struct smtp_session *s)
{
	struct policy_request rq;
	struct policy_verdict v;
	struct smtp_reply r;
	int code;

	if (!s->in_mail) {
		session_error(s, 503, "5.5.1", "Error: need MAIL command");
		return;
	}
	s->rcpt_cmds++;
	memset(&rq, 0, sizeof(rq));
	rq.stage = POLICY_RCPT;
	rq.client_addr = s->client_addr;
	rq.helo = session_effective_helo(s);
	rq.sender = s->sender;
	rq.recipient = s->cmd.addr;
	rq.nrcpt = s->nrcpts;
	rq.outbound = s->outbound;
	rq.size = s->declared_size;
	rq.login = session_login(s);
	rq.dir = s->pdir;
	policy_check(s->dc->policy, &rq, &v);
	if (v.action != POLICY_ACCEPT) {
		session_reply_verdict(s, &v);
		session_log_reject(s, "RCPT", v.rule);
		return;
	}
	code = 0;
	if (s->nh != NULL && smtp_client_usable(s->nh))
		code = smtp_client_rcpt(s->nh, s->cmd.addr, &r);
	if (code == 0) {
		/* Connection lost since MAIL: redo the transaction so far. */
		code = session_nh_begin(s, 1, &r);
		if (code >= 200 && code <= 299)
			code = smtp_client_rcpt(s->nh, s->cmd.addr, &r);
		else if (code != 0) {
			memset(&r, 0, sizeof(r));
			r.fail = SMTP_CLIENT_LOST;
			code = 0;
		}
	}
	if (code < 200 || code > 299) {
		session_reply_nexthop(s, &r);
		session_log_reject(s, "RCPT", "next-hop");
		return;
	}
	s->rcpts = xreallocarray(s->rcpts, s->nrcpts + 1, sizeof(char *));
	s->rcpts[s->nrcpts++] = xstrdup(s->cmd.addr);
	s->outbound |= v.outside;
	session_reply(s, 250, "2.1.5", "Ok");
}

/* Build the Received: header for the current message into buf. */
static size_t
session_received(struct smtp_session *s, char *buf, size_t len)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	n = snprintf(buf, len,
	    "Received: from %s (%s [%s])\r\n"
	    "\tby %s (govmaild) with %s id %s%s%s%s;\r\n"
	    "\t%s\r\n",
	    session_effective_helo(s), s->client_name[0] ? s->client_name : "unknown",
	    s->client_addr, s->dc->hostname, session_proto(s), s->qid,
	    s->nrcpts == 1 ? "\r\n\tfor <" : "", s->nrcpts == 1 ? s->rcpts[0] : "",
	    s->nrcpts == 1 ? ">" : "", date);
	if (n < 0 || (size_t)n >= len)
		return 0;
	return (size_t)n;
}

static int
session_spool_out(void *arg, const char *p, size_t n)
{
	return spool_write(arg, p, n);
}

/* Why reading DATA stopped early. */
enum session_data_end { DATA_DONE, DATA_TIMEOUT, DATA_DEADLINE, DATA_SLOW, DATA_EOF };

/*
 * Read the message into the spool. Deadlines: command_timeout per read,
 * the transaction deadline, and the minimum data rate (checked after
 * every read and used as a deadline while waiting).
 */
static enum session_data_end
session_read_data(struct smtp_session *s, struct smtp_data *d)
{
	const struct govmail_conf *c = s->conf;
	uint64_t start = smtp_io_now_ms(), got = 0;
	uint64_t grace = 1000u * (uint64_t)c->smtpd_min_data_rate_grace;
	uint64_t rate = (uint64_t)c->smtpd_min_data_rate;

	for (;;) {
		uint64_t now = smtp_io_now_ms(), deadline, rate_at = UINT64_MAX;
		const char *p;
		size_t n, used;
		int done;
		enum smtp_io_status st;

		if (rate > 0) {
			rate_at = start + (got * 1000 / rate > grace ? got * 1000 / rate : grace);
			if (now > start + grace && got * 1000 < rate * (now - start))
				return DATA_SLOW;
		}
		deadline = now + 1000u * (uint64_t)c->smtpd_command_timeout;
		if (s->txn_deadline < deadline)
			deadline = s->txn_deadline;
		if (rate_at < deadline)
			deadline = rate_at + 1;
		st = smtp_io_fill(&s->io, deadline, &p, &n);
		if (st == SMTP_IO_TIMEOUT) {
			now = smtp_io_now_ms();
			if (now >= s->txn_deadline)
				return DATA_DEADLINE;
			if (rate > 0 && now >= rate_at)
				return DATA_SLOW;
			return DATA_TIMEOUT;
		}
		if (st != SMTP_IO_OK)
			return DATA_EOF;
		used = smtp_data_feed(d, p, n, &done);
		smtp_io_consume(&s->io, used);
		got += used;
		if (done)
			return DATA_DONE;
	}
}

/* One line in the log for a message, whatever became of it. */
static void
session_log_message(struct smtp_session *s, const char *verdict,
    unsigned long long size, const char *nexthop)
{
	char from[300], to[SESSION_LOG_RCPTS + 8], esc[SESSION_LOG_RCPTS + 8];
	char helo[300], reply[400], nh[400];
	size_t i, o = 0;

	to[0] = '\0';
	for (i = 0; i < s->nrcpts && o < SESSION_LOG_RCPTS; i++) {
		int n = snprintf(to + o, sizeof(to) - o, "%s<%s>", i ? "," : "", s->rcpts[i]);

		if (n < 0 || (size_t)n >= sizeof(to) - o)
			break;
		o += (size_t)n;
	}
	log_escape(esc, sizeof(esc), to, SESSION_LOG_RCPTS);
	log_info("%s: message session=%s client=[%s] helo=%s from=<%s> nrcpt=%zu "
	    "to=%s size=%llu verdict=%s reply=\"%s\" nexthop=\"%s\" delay=%.3f",
	    s->qid, s->sid, s->client_addr,
	    session_esc(helo, sizeof(helo), session_effective_helo(s)),
	    session_esc(from, sizeof(from), s->sender), s->nrcpts, esc, size, verdict,
	    session_esc(reply, sizeof(reply), s->last_reply),
	    session_esc(nh, sizeof(nh), nexthop ? nexthop : ""),
	    (double)(smtp_io_now_ms() - s->txn_start) / 1000.0);
}

/* The attachment rule on the spooled message, parsed once into *t for
 * this rule and the signature rule; what it finds is logged (file name
 * escaped). 0 (release *t with session_mime_done), or -1 if unreadable. */
static int
session_mime_check(struct smtp_session *s, struct mime_tree *t, struct mime_check_result *res)
{
	const struct govmail_conf *c = s->conf;
	struct mime_check_limits lim;
	char name[sizeof(res->filename) * 4 + 8], why[300], type[300];
	const char *buf;
	size_t len;

	if ((buf = spool_map(s->spool, &len)) == NULL)
		return -1;
	memset(&lim, 0, sizeof(lim));
	lim.max_depth = c->policy_max_mime_depth;
	lim.max_parts = c->policy_max_mime_parts;
	lim.max_size = (unsigned long long)c->smtpd_max_message_size;
	lim.blocked_ext = c->policy_blocked_extensions.v;
	lim.nblocked_ext = c->policy_blocked_extensions.n;
	lim.blocked_types = c->policy_blocked_types.v;
	lim.nblocked_types = c->policy_blocked_types.n;
	mime_tree_parse(t, buf, len, lim.max_parts);
	mime_check_tree(t, &lim, res);
	if (res->status == MIME_CHECK_MALFORMED)
		log_info("%s: mime session=%s problem=\"%s\"", s->qid, s->sid,
		    session_esc(why, sizeof(why), res->why));
	else if (res->status == MIME_CHECK_BLOCKED)
		log_info("%s: attachment session=%s blocked=\"%s\" type=\"%s\" file=\"%s\"",
		    s->qid, s->sid, session_esc(why, sizeof(why), res->why),
		    session_esc(type, sizeof(type), res->type),
		    log_escape(name, sizeof(name), res->filename, sizeof(res->filename)));
	return 0;
}

static void
session_mime_done(struct smtp_session *s, struct mime_tree *t)
{
	mime_tree_free(t);
	spool_unmap(s->spool, t->buf, t->len);
}

/* The signature rule (sign_rule.c) on the parsed message: *res is set
 * (a new result) when a requirement applied; one log line per document,
 * one per message with the time and CPU the rule took. 0, or -1 with v
 * set to a tempfail (the directory could not answer). */
static int
session_sign_check(struct smtp_session *s, const struct mime_tree *t,
    struct sign_check_result **res, struct policy_verdict *v)
{
	struct sign_check_result *r = xmalloc(sizeof(*r));
	const char *direction;
	char file[300], signer[260], org[200], reason[260];
	struct timespec t0, t1, c0, c1;
	enum sign_rule_status st;
	size_t i;

	*res = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	st = sign_rule_run(s->dc, s->sender, s->rcpts, s->nrcpts, s->pdir, t, r, &direction);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	switch (st) {
	case SIGN_RULE_OFF:
		free(r);
		return 0;
	case SIGN_RULE_CHECKED:
		break;
	case SIGN_RULE_DIR_TEMPFAIL:
		free(r);
		v->action = POLICY_TEMPFAIL;
		v->code = 451;
		snprintf(v->enh, sizeof(v->enh), "4.4.3");
		snprintf(v->text, sizeof(v->text), "Directory temporarily unavailable, "
		    "try again later");
		v->rule = "signature";
		return -1;
	}
	log_info("%s: signature session=%s direction=%s requirement=%s documents=%zu "
	    "check_us=%lld cpu_us=%lld", s->qid, s->sid, direction,
	    sign_requirement_name(r->req), r->ndocs,
	    (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000,
	    (long long)(c1.tv_sec - c0.tv_sec) * 1000000 + (c1.tv_nsec - c0.tv_nsec) / 1000 +
	    r->thread_cpu_us);
	if (r->problem[0] != '\0')
		log_info("%s: signature session=%s direction=%s requirement=%s problem=\"%s\"",
		    s->qid, s->sid, direction, sign_requirement_name(r->req),
		    session_esc(reason, sizeof(reason), r->problem));
	for (i = 0; i < r->ndocs; i++) {
		const struct sign_doc *d = &r->docs[i];
		static const char *const results[] = { "none", "pass", "fail" };

		log_info("%s: signature session=%s direction=%s requirement=%s file=\"%s\" "
		    "result=%s meets=%s sigs=%s signer=\"%s\" org=\"%s\" time=%s "
		    "doc-timestamp=%s reason=\"%s\"",
		    s->qid, s->sid, direction, sign_requirement_name(r->req),
		    d->filename[0] ? log_escape(file, sizeof(file), d->filename,
		    sizeof(d->filename)) : d->ascii, results[d->result],
		    d->tempfail ? "tempfail" : d->meets ? "yes" : "no",
		    d->statuses[0] ? d->statuses : "-",
		    session_esc(signer, sizeof(signer), d->signer),
		    session_esc(org, sizeof(org), d->org),
		    d->times[0] ? d->times : "-",
		    d->doc_timestamps[0] ? d->doc_timestamps : "-",
		    session_esc(reason, sizeof(reason), d->reason));
	}
	*res = r;
	return 0;
}

static void
session_cmd_data(struct smtp_session *s)
{
	const struct govmail_conf *c = s->conf;
	struct smtp_data_limits lim;
	struct smtp_data *d;
	struct policy_request rq;
	struct policy_verdict v;
	struct smtp_reply r;
	struct message_from mf;
	struct mime_check_result mres;
	struct mime_tree tree;
	enum session_data_end end;
	unsigned int flags;
	unsigned long long size;
	struct sign_check_result *sres = NULL;
	struct smtp_data_refusal dref;
	int redeclare = 0;
	struct message_range skip[SESSION_MAX_SKIP];
	char hdr[1536], nhbuf[320], text[200], num[32], *signhdr, *allhdr = NULL;
	const char *verdict;
	size_t hlen = 0, slen = 0;
	int code, nskip = 0;

	/* RFC 2920: DATA ends a pipelined group. Anything already here was
	 * sent before our reply — a smuggling attempt or a broken client. */
	if (smtp_io_pending(&s->io) > 0) {
		policy_reply_text(text, sizeof(text), c->policy_reply_pipelining,
		    "data sent before 354 reply");
		session_error(s, 554, "5.5.0", "%s", text);
		log_warnx("%s: data before 354 from client=[%s]; disconnecting",
		    s->qid[0] ? s->qid : s->sid, s->client_addr);
		if (s->in_mail)
			session_log_message(s, "reject", 0, NULL);
		session_reset_txn(s);
		s->quit = 1;
		s->end_reason = "pipelining";
		return;
	}
	if (!s->in_mail) {
		session_error(s, 503, "5.5.1", "Error: need MAIL command");
		return;
	}
	if (s->nrcpts == 0) {
		if (s->rcpt_cmds == 0)
			session_error(s, 503, "5.5.1", "Error: need RCPT command");
		else
			session_error(s, 554, "5.5.1", "Error: no valid recipients");
		return;
	}
	if (s->spool == NULL)
		s->spool = spool_new((size_t)c->smtpd_memory_spool, c->smtpd_spool_dir);
	session_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	if (smtp_io_flush(&s->io, smtp_io_now_ms() + 1000u *
	    (uint64_t)c->smtpd_command_timeout) != SMTP_IO_OK) {
		s->quit = 1;
		s->end_reason = "write-error";
		return;
	}
	lim.max_size = (unsigned long long)c->smtpd_max_message_size;
	lim.max_line = (size_t)c->smtpd_max_line_length;
	lim.normalize_bare = strcmp(c->smtpd_bare_newline, "normalize") == 0;
	lim.strip_nul = smtp_data_check_strip_nul(c);
	memset(&mf, 0, sizeof(mf));
	d = xmalloc(sizeof(*d));
	smtp_data_init(d, &lim, session_spool_out, s->spool);
	end = session_read_data(s, d);
	flags = smtp_data_flags(d);
	size = smtp_data_size(d);
	free(d);
	if (end != DATA_DONE) {
		static const char *const why[] = { "", "timeout", "transaction deadline",
			"data rate too low", "connection lost" };

		if (end != DATA_EOF)
			session_reply(s, 421, "4.4.2", "%s Error: %s%s, closing",
			    s->dc->hostname, why[end], end == DATA_SLOW ? "" : " exceeded");
		log_info("%s: data aborted session=%s client=[%s] reason=\"%s\" size=%llu",
		    s->qid, s->sid, s->client_addr, why[end], size);
		session_log_message(s, end == DATA_EOF ? "aborted" : "tempfail", size, NULL);
		session_reset_txn(s);
		s->quit = 1;
		s->end_reason = why[end];
		return;
	}
	memset(&rq, 0, sizeof(rq));
	rq.stage = POLICY_DATA;
	rq.client_addr = s->client_addr;
	rq.helo = session_effective_helo(s);
	rq.sender = s->sender;
	rq.nrcpt = s->nrcpts;
	rq.outbound = s->outbound;
	rq.size = (long long)size;
	rq.login = session_login(s);
	rq.dir = s->pdir;
	verdict = "reject";
	if (flags & SMTP_DATA_TOO_BIG) {
		snprintf(num, sizeof(num), "%lld", c->smtpd_max_message_size);
		policy_reply_text(text, sizeof(text), c->policy_reply_message_too_large, num);
		session_error(s, 552, "5.3.4", "%s", text);
	} else if ((flags & (SMTP_DATA_BARE_LF | SMTP_DATA_BARE_CR)) && !lim.normalize_bare) {
		policy_reply_text(text, sizeof(text), c->policy_reply_bare_newline,
		    (flags & SMTP_DATA_BARE_LF) ? "LF" : "CR");
		session_error(s, 550, "5.5.2", "%s", text);
	} else if (smtp_data_check(c, flags, s->body_8bit, smtp_client_8bitmime(s->nh),
	    &redeclare, &dref)) {
		session_error(s, dref.code, dref.enh, "%s", dref.text);
	} else if (flags & SMTP_DATA_LINE_LONG) {
		session_error(s, 550, "5.5.2", "Message refused: a text line is longer than "
		    "%d bytes", c->smtpd_max_line_length);
	} else if (flags & SMTP_DATA_SINK_FAILED) {
		log_warn("%s: cannot spool message in %s", s->qid, c->smtpd_spool_dir);
		session_reply(s, 451, "4.3.0", "Error: local error in processing, try again later");
		verdict = "tempfail";
	} else if (session_login(s) != NULL && s->pdir != NULL &&
	    message_header_from(s->spool, &mf) != 0) {
		log_warn("%s: cannot read the spooled message", s->qid);
		session_reply(s, 451, "4.3.0", "Error: local error in processing, try again later");
		verdict = "tempfail";
	} else if (session_mime_check(s, &tree, &mres) != 0) {
		message_from_clear(&mf);
		log_warn("%s: cannot read the spooled message", s->qid);
		session_reply(s, 451, "4.3.0", "Error: local error in processing, try again later");
		verdict = "tempfail";
	} else {
		rq.header_from = (const char *const *)mf.addrs;
		rq.nheader_from = mf.naddrs;
		rq.header_problem = mf.problem;
		rq.mime = &mres;
		policy_check(s->dc->policy, &rq, &v);
		message_from_clear(&mf);
		/* The signature rule last: it is the costly one. */
		if (v.action == POLICY_ACCEPT && s->dc->sign != NULL &&
		    session_sign_check(s, &tree, &sres, &v) == 0 && sres != NULL) {
			rq.sign = sres;
			policy_check(s->dc->policy, &rq, &v);
		}
		session_mime_done(s, &tree);
		if (v.action == POLICY_ACCEPT)
			verdict = NULL;
		else {
			session_reply_verdict(s, &v);
			verdict = policy_action_name(v.action);
		}
	}
	if (verdict == NULL && s->dc->sign != NULL &&
	    (nskip = message_header_ranges(s->spool, c->signature_header, skip,
	    SESSION_MAX_SKIP)) < 0) {
		log_warn("%s: cannot read the spooled message", s->qid);
		session_reply(s, 451, "4.3.0", "Error: local error in processing, try again later");
		verdict = "tempfail";
	} else if (verdict == NULL && nskip > SESSION_MAX_SKIP) {
		session_reply(s, 550, "5.7.1", "Message refused: too many %s header fields",
		    c->signature_header);
		verdict = "reject";
	}
	if (verdict != NULL) {
		/* Refused here: nothing of it goes to the next hop. */
		session_log_message(s, verdict, size, NULL);
		session_reset_txn(s);
		free(sres);
		return;
	}
	if (c->smtpd_add_received)
		hlen = session_received(s, hdr, sizeof(hdr));
	if (sres != NULL && sres->ndocs > 0) {
		signhdr = sign_rule_headers(c, sres, &slen);
		allhdr = xmalloc(hlen + slen + 1);
		memcpy(allhdr, hdr, hlen);
		memcpy(allhdr + hlen, signhdr, slen);
		hlen += slen;
		free(signhdr);
	}
	free(sres);
	if (redeclare) {
		/* 8-bit text MAIL did not declare: the next-hop transaction is
		 * begun again (below) with BODY=8BITMIME, on the same connection
		 * if it goes through the pool intact. */
		s->body_8bit = 1;
		smtp_client_pool_give(s->dc, s->nh);
		s->nh = NULL;
	}
	code = 0;
	if (s->nh != NULL && smtp_client_usable(s->nh))
		code = smtp_client_data(s->nh, allhdr ? allhdr : hdr, hlen, s->spool, skip,
		    (size_t)(nskip > 0 ? nskip : 0), &r);
	else
		memset(&r, 0, sizeof(r));
	if (code == 0 && r.fail == SMTP_CLIENT_OK) {
		/* Not sent yet (the idle connection died): replay, then send. */
		code = session_nh_begin(s, 1, &r);
		if (code >= 200 && code <= 299)
			code = smtp_client_data(s->nh, allhdr ? allhdr : hdr, hlen, s->spool,
			    skip, (size_t)(nskip > 0 ? nskip : 0), &r);
		else if (code != 0) {
			memset(&r, 0, sizeof(r));
			r.fail = SMTP_CLIENT_LOST;
			code = 0;
		}
	}
	smtp_reply_format(&r, nhbuf, sizeof(nhbuf));
	if (code >= 200 && code <= 299) {
		s->messages++;
		session_reply(s, 250, "2.0.0", "Ok: queued as %s", s->qid);
		session_log_message(s, "accept", size, nhbuf);
	} else {
		if (code == 0 && s->nh != NULL)
			session_nh_drop(s);
		session_reply_nexthop(s, &r);
		session_log_message(s, code >= 500 ? "reject" : "tempfail", size, nhbuf);
	}
	free(allhdr);
	session_reset_txn(s);
}

/* STARTTLS (RFC 3207). Nothing may follow it in the same packet: such
 * plaintext would otherwise be taken as sent under TLS (CVE-2011-0411). */
static void
session_cmd_starttls(struct smtp_session *s)
{
	char err[256], info[128];
	enum smtp_io_status st;

	if (s->dc->tls == NULL) {
		session_error(s, 502, "5.5.1", "Error: STARTTLS not offered");
		return;
	}
	if (s->io.ssl != NULL) {
		session_error(s, 503, "5.5.1", "Error: TLS already active");
		return;
	}
	if (smtp_io_pending(&s->io) > 0) {
		char text[200];

		policy_reply_text(text, sizeof(text), s->conf->policy_reply_pipelining,
		    "commands sent after STARTTLS");
		session_error(s, 554, "5.5.0", "%s", text);
		log_warnx("%s: plaintext after STARTTLS from client=[%s]; disconnecting",
		    s->sid, s->client_addr);
		s->quit = 1;
		s->end_reason = "pipelining";
		return;
	}
	session_reply(s, 220, "2.0.0", "Ready to start TLS");
	if (smtp_io_flush(&s->io, smtp_io_now_ms() + 1000u *
	    (uint64_t)s->conf->smtpd_command_timeout) != SMTP_IO_OK) {
		s->quit = 1;
		s->end_reason = "write-error";
		return;
	}
	st = smtp_io_starttls(&s->io, s->dc->tls, 1, smtp_io_now_ms() + 1000u *
	    (uint64_t)s->conf->smtpd_command_timeout, err, sizeof(err));
	if (st != SMTP_IO_OK) {
		log_info("%s: starttls failed client=[%s] reason=\"%s\"", s->sid,
		    s->client_addr, err);
		s->quit = 1;
		s->end_reason = "tls-failed";
		return;
	}
	log_info("%s: starttls client=[%s] tls=%s", s->sid, s->client_addr,
	    smtp_io_tls_info(&s->io, info, sizeof(info)));
	/* RFC 3207 4.2: forget everything learnt before TLS. */
	session_reset_txn(s);
	s->greeted = 0;
	s->esmtp = 0;
	s->helo[0] = '\0';
	s->auth_login[0] = s->auth_account[0] = '\0';
}

/* Read one line of a SASL exchange; 0, or -1 when the session must end
 * (the reason is set, a 421 queued where one can be sent). */
static int
session_auth_line(struct smtp_session *s, size_t *len)
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
session_auth_ask(struct smtp_session *s, const char *challenge,
    unsigned char *buf, size_t buflen)
{
	size_t len;
	long n;

	session_reply(s, 334, NULL, "%s", challenge);
	if (session_auth_line(s, &len) != 0)
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
static void
session_cmd_auth(struct smtp_session *s)
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
	if (!s->greeted || !s->esmtp) {
		session_error(s, 503, "5.5.1", "Error: send EHLO first");
		goto out;
	}
	if (s->auth_login[0]) {
		session_error(s, 503, "5.5.1", "Error: already authenticated");
		goto out;
	}
	if (s->in_mail) {
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
		} else if ((n = session_auth_ask(s, "", buf, sizeof(buf))) < 0)
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
		} else if ((n = session_auth_ask(s, "VXNlcm5hbWU6", buf, sizeof(buf))) < 0)
			goto ended;
		if (smtp_auth_login_field(buf, (size_t)n, user, sizeof(user), 1, &bad) != 0)
			goto malformed;
		if ((n = session_auth_ask(s, "UGFzc3dvcmQ6", buf, sizeof(buf))) < 0)
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

/* XCLIENT NAME= ADDR= PORT= PROTO= HELO= LOGIN= (Postfix semantics:
 * the session starts over with the given client identity). */
static void
session_cmd_xclient(struct smtp_session *s)
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
	if (s->in_mail) {
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
	s->greeted = 0;
	s->esmtp = 0;
	s->helo[0] = '\0';
	session_reply(s, 220, NULL, "%s ESMTP govmaild", s->dc->hostname);
}

/* XFORWARD: attributes of the original client, for logs and the next hop. */
static void
session_cmd_xforward(struct smtp_session *s)
{
	char e[7][300];
	size_t i;

	if (!s->xclient_ok) {
		session_error(s, 550, "5.7.0", "Error: insufficient authorization");
		session_log_reject(s, "XFORWARD", "xclient-hosts");
		return;
	}
	if (s->in_mail) {
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

/* Reply for a command that did not parse. */
static void
session_parse_error(struct smtp_session *s, enum smtp_parse_status st, const char *why)
{
	switch (st) {
	case SMTP_PARSE_UNKNOWN:
		session_error(s, 500, "5.5.1", "Error: command not recognized");
		break;
	case SMTP_PARSE_SYNTAX:
		session_error(s, 501, "5.5.2", "Syntax error: %s", why);
		break;
	case SMTP_PARSE_BAD_SENDER:
		session_error(s, 501, "5.1.7", "Bad sender address syntax: %s", why);
		break;
	case SMTP_PARSE_BAD_RECIPIENT:
		session_error(s, 501, "5.1.3", "Bad recipient address syntax: %s", why);
		break;
	case SMTP_PARSE_PARAM:
		session_error(s, 555, "5.5.4", "Unsupported option: %s", why);
		break;
	case SMTP_PARSE_NEED_SMTPUTF8:
		session_error(s, 553, "5.6.7", "Error: %s", why);
		break;
	case SMTP_PARSE_OK:
		break;
	}
}

static void
session_command(struct smtp_session *s, const char *line, size_t len)
{
	const char *why;
	enum smtp_parse_status st;

	s->commands++;
	st = smtp_parse_command(line, len, &s->cmd, &why);
	if (st != SMTP_PARSE_OK && s->cmd.verb != SMTP_VERB_DATA) {
		session_parse_error(s, st, why);
		return;
	}
	switch (s->cmd.verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
		session_cmd_helo(s);
		break;
	case SMTP_VERB_MAIL:
		session_cmd_mail(s);
		break;
	case SMTP_VERB_RCPT:
		session_cmd_rcpt(s);
		break;
	case SMTP_VERB_DATA:
		/* "DATA junk": the pipelining check still comes first. */
		if (st != SMTP_PARSE_OK && smtp_io_pending(&s->io) == 0)
			session_parse_error(s, st, why);
		else
			session_cmd_data(s);
		break;
	case SMTP_VERB_RSET:
		session_reset_txn(s);
		session_reply(s, 250, "2.0.0", "Ok");
		break;
	case SMTP_VERB_NOOP:
		session_reply(s, 250, "2.0.0", "Ok");
		break;
	case SMTP_VERB_QUIT:
		session_reply(s, 221, "2.0.0", "Bye");
		s->quit = 1;
		s->end_reason = "quit";
		break;
	case SMTP_VERB_VRFY:
		session_reply(s, 252, "2.0.0", "Cannot VRFY user, but will accept message "
		    "and attempt delivery");
		break;
	case SMTP_VERB_EXPN:
		session_error(s, 502, "5.5.1", "Error: EXPN not supported");
		break;
	case SMTP_VERB_HELP:
		session_reply(s, 214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP "
		    "QUIT VRFY HELP; see RFC 5321");
		break;
	case SMTP_VERB_BDAT:
		/* Its chunk would follow on the wire; reading it as commands is
		 * exactly what smuggling wants, so the session ends here. */
		session_error(s, 502, "5.5.1", "Error: BDAT not supported (CHUNKING is not "
		    "offered); closing");
		session_log_reject(s, "BDAT", "protocol");
		session_reset_txn(s);
		s->quit = 1;
		s->end_reason = "bdat";
		break;
	case SMTP_VERB_STARTTLS:
		session_cmd_starttls(s);
		break;
	case SMTP_VERB_AUTH:
		session_cmd_auth(s);
		break;
	case SMTP_VERB_XCLIENT:
		session_cmd_xclient(s);
		break;
	case SMTP_VERB_XFORWARD:
		session_cmd_xforward(s);
		break;
	case SMTP_VERB_UNKNOWN:
		session_error(s, 500, "5.5.1", "Error: command not recognized");
		break;
	}
}

/* While draining, an idle session (no transaction) stops waiting. */
static int
session_should_abort(void *arg)
{
	struct smtp_session *s = arg;

	return listener_draining() && !s->in_mail;
}

static void
session_peer(struct smtp_session *s, const struct sockaddr_storage *peer)
{
	if (peer->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)peer;

		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
			inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], s->peer_addr,
			    sizeof(s->peer_addr));
		else
			inet_ntop(AF_INET6, &a->sin6_addr, s->peer_addr, sizeof(s->peer_addr));
		snprintf(s->peer_port, sizeof(s->peer_port), "%u", ntohs(a->sin6_port));
	} else if (peer->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)peer;

		inet_ntop(AF_INET, &a->sin_addr, s->peer_addr, sizeof(s->peer_addr));
		snprintf(s->peer_port, sizeof(s->peer_port), "%u", ntohs(a->sin_port));
	} else {
		snprintf(s->peer_addr, sizeof(s->peer_addr), "unknown");
	}
	snprintf(s->client_addr, sizeof(s->client_addr), "%s", s->peer_addr);
	snprintf(s->client_port, sizeof(s->client_port), "%s", s->peer_port);
}

/* Read and handle commands until the session ends. */
static void
session_loop(struct smtp_session *s)
{
	const struct govmail_conf *c = s->conf;
	size_t max = (size_t)c->smtpd_max_command_line, len;

	s->line = xmalloc(max + 2);
	while (!s->quit) {
		uint64_t now = smtp_io_now_ms(), deadline;
		enum smtp_io_status st;

		if (s->io.rpos == s->io.rlen) {
			if (smtp_io_flush(&s->io, now + 1000u *
			    (uint64_t)c->smtpd_command_timeout) != SMTP_IO_OK) {
				s->end_reason = "write-error";
				return;
			}
			if (session_should_abort(s)) {
				session_reply(s, 421, "4.3.2", "%s Service shutting down",
				    s->dc->hostname);
				s->end_reason = "shutdown";
				return;
			}
		}
		deadline = now + 1000u * (uint64_t)c->smtpd_command_timeout;
		if (s->in_mail && s->txn_deadline < deadline)
			deadline = s->txn_deadline;
		/* +1: room for the CR that is not counted in the limit */
		st = smtp_io_read_line(&s->io, s->line, max + 1, &len, deadline);
		switch (st) {
		case SMTP_IO_OK:
			if (len == 0 || s->line[len - 1] != '\r') {
				session_error(s, 500, "5.5.2",
				    "Syntax error: command lines must end with <CR><LF>");
				break;
			}
			s->line[--len] = '\0';
			if (len > max) {
				session_error(s, 500, "5.5.2", "Error: command line too long "
				    "(at most %zu bytes)", max);
				break;
			}
			session_command(s, s->line, len);
			break;
		case SMTP_IO_TOOLONG:
			session_error(s, 500, "5.5.2", "Error: command line too long "
			    "(at most %zu bytes)", max);
			break;
		case SMTP_IO_TIMEOUT:
			if (s->in_mail && smtp_io_now_ms() >= s->txn_deadline) {
				session_reply(s, 421, "4.4.2", "%s Error: transaction deadline "
				    "exceeded, closing", s->dc->hostname);
				s->end_reason = "transaction deadline";
			} else {
				session_reply(s, 421, "4.4.2", "%s Error: timeout exceeded, closing",
				    s->dc->hostname);
				s->end_reason = "timeout";
			}
			return;
		case SMTP_IO_ABORT:
			session_reply(s, 421, "4.3.2", "%s Service shutting down", s->dc->hostname);
			s->end_reason = "shutdown";
			return;
		case SMTP_IO_EOF:
			s->end_reason = "eof";
			return;
		case SMTP_IO_ERROR:
			s->end_reason = "read-error";
			return;
		}
		if (!s->quit && s->errors >= c->smtpd_max_errors) {
			session_reply(s, 421, "4.7.0", "%s Error: too many errors, closing",
			    s->dc->hostname);
			s->end_reason = "too many errors";
			return;
		}
	}
}

void
smtp_session_run(int fd, const struct sockaddr_storage *peer, enum smtp_role role,
    struct daemon_conf *dc)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));

	smtp_io_init(&s->io, fd);
	s->role = role;
	s->io.abort_fn = session_should_abort;
	s->io.abort_arg = s;
	s->dc = dc;
	s->conf = dc->conf;
	lookup_policy_directory(dc->conf, &s->dir);
	s->pdir = dc->conf->policy_use_directory ? &s->dir : NULL;
	s->start_ms = smtp_io_now_ms();
	s->declared_size = -1;
	smtp_session_new_id(s->sid);
	session_peer(s, peer);
	s->xclient_ok = policy_xclient_allowed(dc->policy, s->peer_addr);
	log_info("%s: connect client=[%s]:%s role=%s", s->sid, s->peer_addr, s->peer_port,
	    role == SMTP_ROLE_SUBMISSION ? "submission" : "relay");
	session_reply(s, 220, NULL, "%s ESMTP govmaild", dc->hostname);
	session_loop(s);
	(void)smtp_io_flush(&s->io, smtp_io_now_ms() + 2000);
	if (s->in_mail) {
		session_log_message(s, "aborted", 0, NULL);
		session_reset_txn(s);
	}
	log_info("%s: disconnect client=[%s] reason=%s commands=%u errors=%d messages=%u "
	    "duration=%.3f", s->sid, s->client_addr, s->end_reason ? s->end_reason : "?",
	    s->commands, s->errors, s->messages,
	    (double)(smtp_io_now_ms() - s->start_ms) / 1000.0);
	/*
	 * The session is over; its next-hop connection may serve another. It
	 * goes back to the pool before the client's connection is closed, so a
	 * client that sees the close and connects again finds it there.
	 */
	if (listener_draining())
		smtp_client_close(s->nh);
	else
		smtp_client_pool_give(s->dc, s->nh);
	smtp_io_close(&s->io);
	spool_free(s->spool);
	free(s->line);
	free(s->rcpts);
	free(s);
}
