/*
 * smtp_eod_checks.c — govmaild's end-of-data checks, one table entry
 * each (see smtp_eod_checks.h). The message is parsed once (MIME) for
 * the attachment and the signature rules; the policy is asked once per
 * stage: POLICY_DATA, then POLICY_SIGNATURE with the signature rule's
 * findings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "daemon_conf.h"
#include "log.h"
#include "message.h"
#include "mime_check.h"
#include "mime_tree.h"
#include "policy.h"
#include "sign_check.h"
#include "sign_rule.h"
#include "smtp_client.h"
#include "smtp_data.h"
#include "smtp_data_check.h"
#include "smtp_eod_checks.h"
#include "smtp_inbound_auth.h"
#include "smtp_policy_req.h"
#include "smtp_state.h"
#include "spool.h"
#include "xmalloc.h"

/* What the checks of one message share. */
struct eod_ctx {
	struct smtp_session *s;
	unsigned int flags;                 /* SMTP_DATA_* */
	unsigned long long size;
	struct message_from mf;             /* authenticated senders' From: */
	struct mime_tree tree;              /* held while tree_held */
	int tree_held;
	struct mime_check_result mres;
	struct sign_check_result *sres;     /* NULL: no signature requirement */
	struct smtp_eod_result *res;
};

#define EOD_LOCAL_ERROR "Error: local error in processing, try again later"

/* Our side failed (logged by the caller, with errno): 451 4.3.0. */
static enum smtp_eod_step
eod_local_error(struct smtp_eod_verdict *v)
{
	return smtp_eod_refuse(v, POLICY_TEMPFAIL, 451, "4.3.0", 0, "local", EOD_LOCAL_ERROR);
}

static void
eod_tree_release(struct eod_ctx *x)
{
	if (!x->tree_held)
		return;
	mime_tree_free(&x->tree);
	spool_unmap(x->s->spool, x->tree.buf, x->tree.len);
	x->tree_held = 0;
}

/* smtpd.max_message_size. */
static enum smtp_eod_step
eod_size(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;
	const struct govmail_conf *c = x->s->conf;
	char text[200], num[32];

	(void)h;
	if (!(x->flags & SMTP_DATA_TOO_BIG))
		return SMTP_EOD_PASS;
	snprintf(num, sizeof(num), "%lld", c->smtpd_max_message_size);
	policy_reply_text(text, sizeof(text), c->policy_reply_message_too_large, num);
	return smtp_eod_refuse(v, POLICY_REJECT, 552, "5.3.4", 1, "size", "%s", text);
}

/* smtpd.bare_newline = reject: a lone LF or CR (SMTP smuggling). */
static enum smtp_eod_step
eod_bare_newline(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;
	const struct govmail_conf *c = x->s->conf;
	char text[200];

	(void)h;
	if (!(x->flags & (SMTP_DATA_BARE_LF | SMTP_DATA_BARE_CR)) ||
	    strcmp(c->smtpd_bare_newline, "normalize") == 0)
		return SMTP_EOD_PASS;
	policy_reply_text(text, sizeof(text), c->policy_reply_bare_newline,
	    (x->flags & SMTP_DATA_BARE_LF) ? "LF" : "CR");
	return smtp_eod_refuse(v, POLICY_REJECT, 550, "5.5.2", 1, "bare-newline", "%s", text);
}

/* smtpd.nul_in_data and smtpd.undeclared_8bit (smtp_data_check.c). */
static enum smtp_eod_step
eod_nul_8bit(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;
	struct smtp_data_refusal why;
	int redeclare = 0;

	(void)h;
	if (!smtp_data_check(x->s->conf, x->flags, x->s->body_8bit,
	    smtp_client_8bitmime(x->s->nh), &redeclare, &why)) {
		x->res->redeclare_8bit = redeclare;
		return SMTP_EOD_PASS;
	}
	return smtp_eod_refuse(v, POLICY_REJECT, why.code, why.enh, 1, "data", "%s",
	    why.text);
}

/* smtpd.max_line_length (RFC 5322 2.1.1). */
static enum smtp_eod_step
eod_line_length(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;

	(void)h;
	if (!(x->flags & SMTP_DATA_LINE_LONG))
		return SMTP_EOD_PASS;
	return smtp_eod_refuse(v, POLICY_REJECT, 550, "5.5.2", 1, "line-length",
	    "Message refused: a text line is longer than %d bytes",
	    x->s->conf->smtpd_max_line_length);
}

/* The spool took the whole message. */
static enum smtp_eod_step
eod_spool(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;

	(void)h;
	if (!(x->flags & SMTP_DATA_SINK_FAILED))
		return SMTP_EOD_PASS;
	log_warn("%s: cannot spool message in %s", x->s->qid, x->s->conf->smtpd_spool_dir);
	return eod_local_error(v);
}

/* The header From: of an authenticated sender's message, for the policy
 * (read only when the policy can check it: a login and the directory). */
static enum smtp_eod_step
eod_header_from(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;

	(void)h;
	if (session_login(x->s) == NULL || x->s->pdir == NULL ||
	    message_header_from(x->s->spool, &x->mf) == 0)
		return SMTP_EOD_PASS;
	log_warn("%s: cannot read the spooled message", x->s->qid);
	return eod_local_error(v);
}

/* Parse the spooled message once (into x->tree, for this and the
 * signature rule) and run the attachment rule's walk on it; what it finds
 * is logged (file name escaped), the verdict is the policy's. */
static enum smtp_eod_step
eod_mime(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;
	struct smtp_session *s = x->s;
	const struct govmail_conf *c = s->conf;
	struct mime_check_limits lim;
	struct mime_check_result *res = &x->mres;
	char name[sizeof(res->filename) * 4 + 8], why[300], type[300];
	const char *buf;
	size_t len;

	(void)h;
	if ((buf = spool_map(s->spool, &len)) == NULL) {
		message_from_clear(&x->mf);
		log_warn("%s: cannot read the spooled message", s->qid);
		return eod_local_error(v);
	}
	memset(&lim, 0, sizeof(lim));
	lim.max_depth = c->policy_max_mime_depth;
	lim.max_parts = c->policy_max_mime_parts;
	lim.max_size = (unsigned long long)c->smtpd_max_message_size;
	lim.blocked_ext = c->policy_blocked_extensions.v;
	lim.nblocked_ext = c->policy_blocked_extensions.n;
	lim.blocked_types = c->policy_blocked_types.v;
	lim.nblocked_types = c->policy_blocked_types.n;
	mime_tree_parse(&x->tree, buf, len, lim.max_parts);
	x->tree_held = 1;
	mime_check_tree(&x->tree, &lim, res);
	if (res->status == MIME_CHECK_MALFORMED)
		log_info("%s: mime session=%s problem=\"%s\"", s->qid, s->sid,
		    session_esc(why, sizeof(why), res->why));
	else if (res->status == MIME_CHECK_BLOCKED)
		log_info("%s: attachment session=%s blocked=\"%s\" type=\"%s\" file=\"%s\"",
		    s->qid, s->sid, session_esc(why, sizeof(why), res->why),
		    session_esc(type, sizeof(type), res->type),
		    log_escape(name, sizeof(name), res->filename, sizeof(res->filename)));
	return SMTP_EOD_PASS;
}

/* The policy's DATA rules: size and recipients by direction or agency,
 * header From:, attachments. */
static enum smtp_eod_step
eod_policy(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;
	struct policy_request rq;
	struct policy_verdict pv;

	(void)h;
	smtp_policy_request(&rq, x->s, POLICY_DATA, (long long)x->size);
	rq.header_from = (const char *const *)x->mf.addrs;
	rq.nheader_from = x->mf.naddrs;
	rq.header_problem = x->mf.problem;
	rq.mime = &x->mres;
	policy_check(x->s->dc->policy, &rq, &pv);
	message_from_clear(&x->mf);
	if (pv.action == POLICY_ACCEPT)
		return SMTP_EOD_PASS;
	eod_tree_release(x);
	return smtp_eod_refuse_policy(v, &pv);
}

/* The signature rule's log lines: one per message with the time and CPU
 * it took, one for a problem, one per document. */
static void
eod_sign_log(struct smtp_session *s, const struct sign_check_result *r,
    const char *direction, const struct timespec *t0, const struct timespec *t1,
    const struct timespec *c0, const struct timespec *c1)
{
	char file[300], signer[260], org[200], reason[260];
	size_t i;

	log_info("%s: signature session=%s direction=%s requirement=%s documents=%zu "
	    "check_us=%lld cpu_us=%lld", s->qid, s->sid, direction,
	    sign_requirement_name(r->req), r->ndocs,
	    (long long)(t1->tv_sec - t0->tv_sec) * 1000000 + (t1->tv_nsec - t0->tv_nsec) / 1000,
	    (long long)(c1->tv_sec - c0->tv_sec) * 1000000 + (c1->tv_nsec - c0->tv_nsec) / 1000 +
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
}

/* The signature rule (sign_rule.c) on the parsed message, when
 * signatures are configured; its findings go to the policy
 * (POLICY_SIGNATURE), and on acceptance its result header fields (one
 * per checked document) to the next hop. A directory that cannot answer
 * is a tempfail. */
static enum smtp_eod_step
eod_signature(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;
	struct smtp_session *s = x->s;
	struct sign_check_result *r;
	struct policy_request rq;
	struct policy_verdict pv;
	struct timespec t0, t1, c0, c1;
	enum sign_rule_status st;
	const char *direction;
	char *fields;
	size_t flen;

	if (s->dc->sign == NULL) {
		eod_tree_release(x);
		return SMTP_EOD_PASS;
	}
	r = xmalloc(sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	st = sign_rule_run(s->dc, s->sender, s->rcpts, s->nrcpts, s->pdir, &x->tree, r,
	    &direction);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	eod_tree_release(x);
	switch (st) {
	case SIGN_RULE_OFF:
		free(r);
		return SMTP_EOD_PASS;
	case SIGN_RULE_CHECKED:
		break;
	case SIGN_RULE_DIR_TEMPFAIL:
		free(r);
		return smtp_eod_refuse(v, POLICY_TEMPFAIL, 451, "4.4.3", 0, "signature",
		    "Directory temporarily unavailable, try again later");
	}
	eod_sign_log(s, r, direction, &t0, &t1, &c0, &c1);
	x->sres = r;
	smtp_policy_request(&rq, s, POLICY_SIGNATURE, (long long)x->size);
	rq.sign = r;
	policy_check(s->dc->policy, &rq, &pv);
	if (pv.action != POLICY_ACCEPT)
		return smtp_eod_refuse_policy(v, &pv);
	if (r->ndocs > 0) {
		fields = sign_rule_headers(s->conf, r, &flen);
		smtp_eod_headers_add(h, fields, flen);
		free(fields);
	}
	return SMTP_EOD_PASS;
}

/* Our own result header fields (signature.header) a message brings are
 * left out, so a sender cannot forge them; too many to track is refused. */
static enum smtp_eod_step
eod_own_fields(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;
	const struct govmail_conf *c = x->s->conf;
	int n;

	(void)h;
	if (x->s->dc->sign == NULL)
		return SMTP_EOD_PASS;
	/* After the fields the checks before this one leave out. */
	if ((n = message_header_ranges(x->s->spool, c->signature_header,
	    x->res->skip + x->res->nskip, SMTP_EOD_MAX_SKIP - x->res->nskip)) < 0) {
		log_warn("%s: cannot read the spooled message", x->s->qid);
		return eod_local_error(v);
	}
	if ((size_t)n > SMTP_EOD_MAX_SKIP - x->res->nskip)
		return smtp_eod_refuse(v, POLICY_REJECT, 550, "5.7.1", 0, "own-fields",
		    "Message refused: too many %s header fields", c->signature_header);
	x->res->nskip += (size_t)n;
	return SMTP_EOD_PASS;
}

/* Mail from outside: SPF, DKIM, DMARC, Authentication-Results
 * (smtp_inbound_auth.c). */
static enum smtp_eod_step
eod_inbound_auth(void *arg, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	struct eod_ctx *x = arg;

	return smtp_inbound_auth(x->s, x->res, v, h);
}

/* The ranges left out, in the order of the message (the next hop and the
 * DKIM signer walk them so); a range is never in twice. */
static void
eod_skip_sort(struct smtp_eod_result *res)
{
	size_t i, j, k = 0;

	for (i = 1; i < res->nskip; i++) {
		struct message_range r = res->skip[i];

		for (j = i; j > 0 && res->skip[j - 1].off > r.off; j--)
			res->skip[j] = res->skip[j - 1];
		res->skip[j] = r;
	}
	for (i = 0; i < res->nskip; i++)
		if (k == 0 || res->skip[i].off != res->skip[k - 1].off)
			res->skip[k++] = res->skip[i];
	res->nskip = k;
}

/* In this order: the cheap refusals first, the signature rule last of
 * the content rules (it is the costly one); mail authentication before
 * it (its DNS answers are cached, its refusals cheaper). */
static const struct smtp_eod_check eod_checks[] = {
	{ "size", eod_size },
	{ "bare-newline", eod_bare_newline },
	{ "nul-8bit", eod_nul_8bit },
	{ "line-length", eod_line_length },
	{ "spool", eod_spool },
	{ "header-from", eod_header_from },
	{ "mime", eod_mime },
	{ "policy", eod_policy },
	{ "inbound-auth", eod_inbound_auth },
	{ "signature", eod_signature },
	{ "own-fields", eod_own_fields },
};

enum policy_action
smtp_eod_check_message(struct smtp_session *s, unsigned int flags,
    unsigned long long size, struct smtp_eod_result *res)
{
	struct eod_ctx x;
	enum policy_action a;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.s = s;
	x.flags = flags;
	x.size = size;
	x.res = res;
	a = smtp_eod_run(eod_checks, sizeof(eod_checks) / sizeof(eod_checks[0]), &x,
	    &res->verdict, &res->headers);
	eod_skip_sort(res);
	eod_tree_release(&x);
	message_from_clear(&x.mf);
	free(x.sres);
	return a;
}

void
smtp_eod_result_free(struct smtp_eod_result *res)
{
	smtp_eod_headers_free(&res->headers);
}
