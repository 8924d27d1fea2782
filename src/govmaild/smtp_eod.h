/*
 * smtp_eod.h — the end-of-data pipeline: an ordered table of checks run
 * on a received message, each passing it on or refusing it. The first
 * refusal is the message's one verdict; the checks that pass may add
 * header fields, collected in order for the next hop. The table of
 * govmaild's checks (size, bare newline, MIME, policy, signature rule
 * ...) is smtp_eod_checks.c; later content checks (DKIM, DMARC) are new
 * entries there. Not for: the checks themselves, or SMTP replies.
 */
#ifndef GOVMAIL_SMTP_EOD_H
#define GOVMAIL_SMTP_EOD_H

#include <stddef.h>

#include "policy.h"

/* The pipeline's outcome: accept, or the refusal that stopped it. */
struct smtp_eod_verdict {
	struct policy_verdict v;     /* action, code, enh, text, rule */
	int client_error;            /* counts towards smtpd.max_errors */
	const char *check;           /* the check that decided, or NULL */
};

/* The header fields to add ("Name: value\r\n" each, in order). */
struct smtp_eod_headers {
	char *buf;
	size_t len;
};

enum smtp_eod_step {
	SMTP_EOD_PASS = 0,           /* on to the next check */
	SMTP_EOD_REFUSE              /* verdict set: stop here */
};

struct smtp_eod_check {
	const char *name;
	enum smtp_eod_step (*run)(void *ctx, struct smtp_eod_verdict *v,
	    struct smtp_eod_headers *h);
};

/* Run the n checks in order on ctx. Returns POLICY_ACCEPT with an empty
 * *v (code 250) when all pass, else the first refusal's action; h holds
 * what the checks added (release with smtp_eod_headers_free, either way). */
enum policy_action smtp_eod_run(const struct smtp_eod_check *checks, size_t n, void *ctx,
    struct smtp_eod_verdict *v, struct smtp_eod_headers *h);

/* For checks: refuse with action (REJECT, TEMPFAIL), reply code, enhanced
 * code and text; client_error as for a protocol error. Returns REFUSE. */
enum smtp_eod_step smtp_eod_refuse(struct smtp_eod_verdict *v, enum policy_action action,
    int code, const char *enh, int client_error, const char *rule,
    const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* For checks: a policy verdict (not ACCEPT) as the refusal. */
enum smtp_eod_step smtp_eod_refuse_policy(struct smtp_eod_verdict *v,
    const struct policy_verdict *pv);
/* Append len bytes of header fields. */
void smtp_eod_headers_add(struct smtp_eod_headers *h, const char *p, size_t len);
void smtp_eod_headers_free(struct smtp_eod_headers *h);

#endif
