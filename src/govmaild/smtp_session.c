/*
 * smtp_session.c — one SMTP connection's command loop (see smtp_session.h):
 * reading commands, their sequencing in the explicit session state
 * (smtp_state.h), HELO/EHLO, MAIL, RCPT, reading DATA, STARTTLS, the
 * simple commands, limits and deadlines, and the replies and log lines
 * the other session modules share.
 *
 * The next-hop transaction is opened alongside the client's
 * (smtp_nexthop.c): a recipient gets 250 only once the next hop has
 * accepted it, and the client's DATA gets 250 only once the next hop has
 * accepted the message for all of them. The message itself is read
 * completely and checked (smtp_eod_checks.c) before a single byte of it
 * goes to the next hop: a refused message never leaves.
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

#include "conf.h"
#include "daemon_conf.h"
#include "listener.h"
#include "log.h"
#include "lookup.h"
#include "policy.h"
#include "smtp_auth_proto.h"
#include "smtp_client.h"
#include "smtp_data.h"
#include "smtp_data_check.h"
#include "smtp_guard.h"
#include "smtp_dkim.h"
#include "smtp_eod_checks.h"
#include "smtp_io.h"
#include "smtp_nexthop.h"
#include "smtp_parser.h"
#include "smtp_policy_req.h"
#include "smtp_session.h"
#include "smtp_state.h"
#include "smtp_xclient.h"
#include "spool.h"
#include "xmalloc.h"

/* How much of a user string goes into one log field. */
#define SESSION_LOG_FIELD 256
/* Recipients listed on a message's log line before "...". */
#define SESSION_LOG_RCPTS 1000
/* Room for our Received: field. */
#define SESSION_RECEIVED_MAX 1536

static const char *
session_state_name(enum smtp_state st)
{
	switch (st) {
	case SMTP_STATE_CONNECTED:
		return "connected";
	case SMTP_STATE_GREETED:
		return "greeted";
	case SMTP_STATE_MAIL:
		return "mail";
	}
	return "?";
}

void
smtp_state_set(struct smtp_session *s, enum smtp_state to)
{
	enum smtp_state from = s->state;
	int ok;

	switch (to) {
	case SMTP_STATE_CONNECTED:
		ok = from != SMTP_STATE_MAIL;   /* the transaction is reset first */
		break;
	case SMTP_STATE_GREETED:
		ok = 1;
		break;
	case SMTP_STATE_MAIL:
		ok = from == SMTP_STATE_GREETED;
		break;
	default:
		ok = 0;
		break;
	}
	if (!ok) {
		log_warnx("%s: internal error: session state %s -> %s", s->sid,
		    session_state_name(from), session_state_name(to));
		abort();
	}
	s->state = to;
}

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

const char *
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

void
session_reply(struct smtp_session *s, int code, const char *enh,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	session_vreply(s, code, enh, fmt, ap);
	va_end(ap);
}

void
session_error(struct smtp_session *s, int code, const char *enh,
    const char *fmt, ...)
{
	va_list ap;

	s->errors++;
	va_start(ap, fmt);
	session_vreply(s, code, enh, fmt, ap);
	va_end(ap);
}

void
session_log_reject(struct smtp_session *s, const char *what, const char *rule)
{
	char from[300], to[300], reply[400];

	if (smtp_state_in_mail(s) || strcmp(what, "RCPT") == 0) {
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

void
session_reply_verdict(struct smtp_session *s, const struct policy_verdict *v)
{
	if (v->code >= 500)
		session_error(s, v->code, v->enh, "%s", v->text);
	else
		session_reply(s, v->code, v->enh, "%s", v->text);
}

void
session_reset_txn(struct smtp_session *s)
{
	size_t i;

	smtp_nexthop_reset(s);
	for (i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpts = s->rcpt_cmds = 0;
	if (smtp_state_in_mail(s))
		smtp_state_set(s, SMTP_STATE_GREETED);
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

const char *
session_proto(const struct smtp_session *s)
{
	static const char *const names[] = { "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA" };

	if (!s->esmtp)
		return "SMTP";
	return names[(s->io.ssl != NULL) + 2 * (s->auth_login[0] != '\0')];
}

static void
session_cmd_helo(struct smtp_session *s)
{
	const struct govmail_conf *c = s->conf;

	session_reset_txn(s);
	snprintf(s->helo, sizeof(s->helo), "%s", s->cmd.arg);
	smtp_state_set(s, SMTP_STATE_GREETED);
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

	if (!smtp_state_greeted(s)) {
		session_error(s, 503, "5.5.1", "Error: send HELO/EHLO first");
		return;
	}
	if (smtp_state_in_mail(s)) {
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
	smtp_policy_request(&rq, s, POLICY_MAIL, s->declared_size);
	policy_check(s->dc->policy, &rq, &v);
	if (v.action != POLICY_ACCEPT) {
		session_reply_verdict(s, &v);
		session_log_reject(s, "MAIL", v.rule);
		s->qid[0] = '\0';
		return;
	}
	code = smtp_nexthop_mail(s, &r);
	if (code < 200 || code > 299) {
		if (code == 0) {
			char why[320];

			log_warnx("%s: next hop %s:%d: %s", s->qid, s->conf->nh_host,
			    s->conf->nh_port, smtp_reply_format(&r, why, sizeof(why)));
		}
		smtp_nexthop_reply(s, &r);
		session_log_reject(s, "MAIL", "next-hop");
		s->qid[0] = '\0';
		return;
	}
	smtp_state_set(s, SMTP_STATE_MAIL);
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

	if (!smtp_state_in_mail(s)) {
		session_error(s, 503, "5.5.1", "Error: need MAIL command");
		return;
	}
	s->rcpt_cmds++;
	smtp_policy_request(&rq, s, POLICY_RCPT, s->declared_size);
	policy_check(s->dc->policy, &rq, &v);
	if (v.action != POLICY_ACCEPT) {
		session_reply_verdict(s, &v);
		session_log_reject(s, "RCPT", v.rule);
		return;
	}
	code = smtp_nexthop_rcpt(s, s->cmd.addr, &r);
	if (code < 200 || code > 299) {
		smtp_nexthop_reply(s, &r);
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

void
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

/* The message passed the checks (res): to the next hop with our
 * Received: field and the fields the checks add, then the reply. */
static void
session_data_relay(struct smtp_session *s, unsigned long long size,
    const struct smtp_eod_result *res)
{
	struct smtp_reply r;
	char *hdr, *sig, nhbuf[320];
	size_t hlen = 0, siglen;
	int code;

	/* Our trace field first, then what the checks add. */
	hdr = xmalloc(SESSION_RECEIVED_MAX + res->headers.len + 1);
	if (s->conf->smtpd_add_received)
		hlen = session_received(s, hdr, SESSION_RECEIVED_MAX);
	if (res->headers.len > 0)
		memcpy(hdr + hlen, res->headers.buf, res->headers.len);
	hlen += res->headers.len;
	/* The message is final: DKIM-sign it (smtp_dkim.c), the signature
	 * field(s) in front of everything. */
	switch (smtp_dkim_sign(s, hdr, hlen, res->skip, res->nskip, &sig, &siglen)) {
	case SMTP_DKIM_UNSIGNED:
		break;
	case SMTP_DKIM_SIGNED:
		hdr = xreallocarray(hdr, hlen + siglen + 1, 1);
		memmove(hdr + siglen, hdr, hlen);
		memcpy(hdr, sig, siglen);
		hlen += siglen;
		free(sig);
		break;
	case SMTP_DKIM_TEMPFAIL:
		free(hdr);
		session_reply(s, 451, "4.4.3", "Directory temporarily unavailable, "
		    "try again later");
		session_log_message(s, "tempfail", size, NULL);
		return;
	case SMTP_DKIM_ERROR:
		free(hdr);
		session_reply(s, 451, "4.3.0", "Error: local error in processing, "
		    "try again later");
		session_log_message(s, "tempfail", size, NULL);
		return;
	}
	if (res->redeclare_8bit)
		smtp_nexthop_redeclare_8bit(s);
	code = smtp_nexthop_data(s, hdr, hlen, res->skip, res->nskip, &r);
	free(hdr);
	smtp_reply_format(&r, nhbuf, sizeof(nhbuf));
	if (code >= 200 && code <= 299) {
		s->messages++;
		session_reply(s, 250, "2.0.0", "Ok: queued as %s", s->qid);
		session_log_message(s, "accept", size, nhbuf);
	} else {
		smtp_nexthop_reply(s, &r);
		session_log_message(s, code >= 500 ? "reject" : "tempfail", size, nhbuf);
	}
}

/* DATA: the message read into the spool, checked after the final dot
 * (smtp_eod_checks.c), relayed or refused as a whole. */
static void
session_cmd_data(struct smtp_session *s)
{
	const struct govmail_conf *c = s->conf;
	struct smtp_data_limits lim;
	struct smtp_data *d;
	struct smtp_eod_result res;
	enum policy_action action;
	enum session_data_end end;
	unsigned int flags;
	unsigned long long size;
	char text[200];

	/* RFC 2920: DATA ends a pipelined group. Anything already here was
	 * sent before our reply — a smuggling attempt or a broken client. */
	if (smtp_io_pending(&s->io) > 0) {
		policy_reply_text(text, sizeof(text), c->policy_reply_pipelining,
		    "data sent before 354 reply");
		session_error(s, 554, "5.5.0", "%s", text);
		log_warnx("%s: data before 354 from client=[%s]; disconnecting",
		    s->qid[0] ? s->qid : s->sid, s->client_addr);
		if (smtp_state_in_mail(s))
			session_log_message(s, "reject", 0, NULL);
		session_reset_txn(s);
		s->quit = 1;
		s->end_reason = "pipelining";
		return;
	}
	if (!smtp_state_in_mail(s)) {
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
	action = smtp_eod_check_message(s, flags, size, &res);
	if (action != POLICY_ACCEPT) {
		const struct policy_verdict *v = &res.verdict.v;

		/* Refused here: nothing of it goes to the next hop. */
		if (res.verdict.client_error)
			session_error(s, v->code, v->enh, "%s", v->text);
		else
			session_reply(s, v->code, v->enh, "%s", v->text);
		session_log_message(s, policy_action_name(action), size, NULL);
	} else
		session_data_relay(s, size, &res);
	smtp_eod_result_free(&res);
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
	smtp_state_set(s, SMTP_STATE_CONNECTED);
	s->esmtp = 0;
	s->helo[0] = '\0';
	s->auth_login[0] = s->auth_account[0] = '\0';
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
	if (smtp_guard_command(&s->guard, s->cmd.verb, s->messages,
	    s->conf->smtpd_junk_command_limit)) {
		session_reply(s, 421, "4.7.0", "%s Error: too many commands without a "
		    "message, closing", s->dc->hostname);
		s->quit = 1;
		s->end_reason = "junk commands";
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
		smtp_auth_proto_cmd(s);
		break;
	case SMTP_VERB_XCLIENT:
		smtp_xclient_cmd(s);
		break;
	case SMTP_VERB_XFORWARD:
		smtp_xforward_cmd(s);
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

	return listener_draining() && !smtp_state_in_mail(s);
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
		if (smtp_state_in_mail(s) && s->txn_deadline < deadline)
			deadline = s->txn_deadline;
		if (!smtp_state_in_mail(s))
			deadline = smtp_guard_deadline(s->start_ms, c->smtpd_max_session_time, deadline);
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
			if (smtp_state_in_mail(s) && smtp_io_now_ms() >= s->txn_deadline) {
				session_reply(s, 421, "4.4.2", "%s Error: transaction deadline "
				    "exceeded, closing", s->dc->hostname);
				s->end_reason = "transaction deadline";
			} else if (!smtp_state_in_mail(s) && smtp_guard_expired(s->start_ms,
			    c->smtpd_max_session_time, smtp_io_now_ms())) {
				session_reply(s, 421, "4.4.2", "%s Error: session time limit "
				    "exceeded, closing", s->dc->hostname);
				s->end_reason = "session time";
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
	if (smtp_state_in_mail(s)) {
		session_log_message(s, "aborted", 0, NULL);
		session_reset_txn(s);
	}
	log_info("%s: disconnect client=[%s] reason=%s commands=%u errors=%d messages=%u "
	    "duration=%.3f", s->sid, s->client_addr, s->end_reason ? s->end_reason : "?",
	    s->commands, s->errors, s->messages,
	    (double)(smtp_io_now_ms() - s->start_ms) / 1000.0);
	/* Before the client's connection is closed (see smtp_nexthop_release). */
	smtp_nexthop_release(s);
	smtp_io_close(&s->io);
	spool_free(s->spool);
	free(s->line);
	free(s->rcpts);
	free(s);
}
