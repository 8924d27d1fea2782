/*
 * smtp_eod.c — the end-of-data pipeline (see smtp_eod.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_eod.h"
#include "xmalloc.h"

enum policy_action
smtp_eod_run(const struct smtp_eod_check *checks, size_t n, void *ctx,
    struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	v->v.action = POLICY_ACCEPT;
	v->v.code = 250;
	memset(h, 0, sizeof(*h));
	for (i = 0; i < n; i++) {
		if (checks[i].run(ctx, v, h) == SMTP_EOD_PASS)
			continue;
		v->check = checks[i].name;
		/* A refusal that forgot to say so is still one. */
		if (v->v.action == POLICY_ACCEPT)
			v->v.action = POLICY_REJECT;
		return v->v.action;
	}
	return POLICY_ACCEPT;
}

enum smtp_eod_step
smtp_eod_refuse(struct smtp_eod_verdict *v, enum policy_action action, int code,
    const char *enh, int client_error, const char *rule, const char *fmt, ...)
{
	va_list ap;

	v->v.action = action;
	v->v.code = code;
	snprintf(v->v.enh, sizeof(v->v.enh), "%s", enh);
	va_start(ap, fmt);
	vsnprintf(v->v.text, sizeof(v->v.text), fmt, ap);
	va_end(ap);
	v->v.rule = rule;
	v->client_error = client_error;
	return SMTP_EOD_REFUSE;
}

enum smtp_eod_step
smtp_eod_refuse_policy(struct smtp_eod_verdict *v, const struct policy_verdict *pv)
{
	v->v = *pv;
	v->client_error = pv->code >= 500;
	return SMTP_EOD_REFUSE;
}

void
smtp_eod_headers_add(struct smtp_eod_headers *h, const char *p, size_t len)
{
	if (len == 0)
		return;
	h->buf = xreallocarray(h->buf, h->len + len + 1, 1);
	memcpy(h->buf + h->len, p, len);
	h->len += len;
	h->buf[h->len] = '\0';
}

void
smtp_eod_headers_free(struct smtp_eod_headers *h)
{
	free(h->buf);
	h->buf = NULL;
	h->len = 0;
}
