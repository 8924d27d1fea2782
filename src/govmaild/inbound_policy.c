/*
 * inbound_policy.c — the inbound decision and the DMARC history line
 * (see inbound_policy.h).
 *
 * Order of the decision: a governed From: first (protect_governed: only
 * an aligned DKIM pass or an allowed sender lets it in, whatever DMARC
 * record the province publishes), then other domains' DMARC. A DNS
 * failure refuses for now (451) only where the answer could have turned
 * the message away; where it could not (tag-only mode), the message goes
 * on with "temperror" in its Authentication-Results.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inbound_policy.h"
#include "json_writer.h"
#include "xmalloc.h"

static void decision_set(struct inbound_decision *d, enum inbound_action a, int code,
    const char *enh, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
decision_set(struct inbound_decision *d, enum inbound_action a, int code, const char *enh,
    const char *rule, const char *fmt, ...)
{
	va_list ap;

	d->action = a;
	d->code = code;
	snprintf(d->enh, sizeof(d->enh), "%s", enh);
	d->rule = rule;
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
}

/* Did SPF or a DKIM signature fail only for now (it might have passed)? */
static int
facts_temperror(const struct inbound_facts *f)
{
	size_t i;

	if (f->spf != NULL && f->spf->res == SPF_CHECK_TEMPERROR)
		return 1;
	for (i = 0; i < f->ndkim; i++)
		if (f->dkim[i].res == DKIM_V_TEMPERROR)
			return 1;
	return 0;
}

void
inbound_decide(const struct inbound_settings *set, const struct inbound_facts *f,
    struct inbound_decision *d)
{
	const struct dmarc_check_result *dm = f->dmarc;
	const char *dom = f->from_domain != NULL ? f->from_domain : "";
	enum inbound_action act;
	char p;

	memset(d, 0, sizeof(*d));
	d->action = INBOUND_ACCEPT;
	d->code = 250;
	d->rule = "inbound";

	/* Governed-domain protection. */
	if (set->protect_governed && f->governed != 0) {
		if (f->governed < 0) {
			decision_set(d, INBOUND_TEMPFAIL, 451, "4.4.3", "governed-from",
			    "Directory temporarily unavailable, try again later");
			return;
		}
		if (f->governed_dkim == 1 || f->allowed)
			return;
		if (f->governed_dkim < 0) {
			decision_set(d, INBOUND_TEMPFAIL, 451, "4.7.1", "governed-from",
			    "The DKIM key of %s could not be looked up now, try again later", dom);
			return;
		}
		decision_set(d, INBOUND_REJECT, 550, "5.7.22", "governed-from",
		    "Message refused: From: %s is a government domain of this province and "
		    "the message has no valid DKIM signature of it (thu gia mao)", dom);
		return;
	}

	/* Other domains: their published DMARC policy. */
	if (dm == NULL)
		return;
	switch (dm->res) {
	case DMARC_CHECK_NONE:
	case DMARC_CHECK_PASS:
	case DMARC_CHECK_PERMERROR:       /* RFC 7489 §6.6.3: no policy applies */
		return;
	case DMARC_CHECK_TEMPERROR:
		if (!set->tag_only &&
		    (set->on_reject == INBOUND_REJECT || set->on_quarantine == INBOUND_REJECT))
			decision_set(d, INBOUND_TEMPFAIL, 451, "4.7.1", "dmarc",
			    "The DMARC policy of %s could not be looked up now, try again later",
			    dm->from_domain);
		return;
	case DMARC_CHECK_FAIL:
		break;
	}
	p = dm->p;
	/* Outside pct=: the next less strict policy (RFC 7489 §6.6.4). */
	if (!f->pct_selected)
		p = p == 'r' ? 'q' : p == 'q' ? 'n' : p;
	d->applied = p != 0 ? p : 'n';
	if (p != 'r' && p != 'q')
		return;
	act = p == 'r' ? set->on_reject : set->on_quarantine;
	if (act == INBOUND_REJECT && set->tag_only)
		act = INBOUND_TAG;
	if (act == INBOUND_REJECT) {
		if (facts_temperror(f)) {
			decision_set(d, INBOUND_TEMPFAIL, 451, "4.7.1", "dmarc",
			    "The authentication of %s could not be fully checked now, try again "
			    "later", dm->from_domain);
			return;
		}
		decision_set(d, INBOUND_REJECT, 550, "5.7.1", "dmarc",
		    "Message refused: it fails the DMARC policy (reject) of %s",
		    dm->from_domain);
		return;
	}
	d->action = act;
	d->rule = "dmarc";
}

enum inbound_action
inbound_action_parse(const char *s)
{
	if (strcmp(s, "reject") == 0)
		return INBOUND_REJECT;
	if (strcmp(s, "header") == 0)
		return INBOUND_HEADER;
	return INBOUND_TAG;
}

const char *
inbound_action_name(enum inbound_action a)
{
	static const char *const n[] = { "accept", "header", "tag", "reject", "tempfail" };

	return (unsigned)a < sizeof(n) / sizeof(n[0]) ? n[a] : "accept";
}

int
inbound_aligned(const char *a, const char *a_org, const char *b, const char *b_org,
    int strict)
{
	if (a[0] == '\0' || b[0] == '\0')
		return 0;
	if (strict)
		return strcasecmp(a, b) == 0;
	return a_org[0] != '\0' && strcasecmp(a_org, b_org) == 0;
}

int
inbound_domain_listed(const char *domain, char *const *list, size_t n)
{
	size_t i, dl = strlen(domain);

	for (i = 0; i < n; i++) {
		size_t el = strlen(list[i]);

		if (el == 0)
			continue;
		if (strcasecmp(list[i], domain) == 0 ||
		    (dl > el && domain[dl - el - 1] == '.' &&
		    strcasecmp(domain + dl - el, list[i]) == 0))
			return 1;
	}
	return 0;
}

int
inbound_tag_only(int global, char *const *list, size_t n, const char *const *agencies,
    size_t nagencies)
{
	size_t i, k;

	for (k = 0; k < nagencies; k++) {
		int t = global;
		size_t al = strlen(agencies[k]);

		for (i = 0; al > 0 && i < n; i++)
			if (strncasecmp(list[i], agencies[k], al) == 0 && list[i][al] == '=') {
				t = strcmp(list[i] + al + 1, "tag-only") == 0;
				break;
			}
		if (t)
			return 1;
	}
	return nagencies == 0 ? global : 0;
}

static const char *
policy_word(char p)
{
	return p == 'r' ? "reject" : p == 'q' ? "quarantine" : "none";
}

static const char *
dkim_word(enum dkim_vres r)
{
	switch (r) {
	case DKIM_V_PASS: return "pass";
	case DKIM_V_FAIL: return "fail";
	case DKIM_V_NEUTRAL: return "neutral";
	case DKIM_V_TEMPERROR: return "temperror";
	case DKIM_V_PERMERROR: return "permerror";
	}
	return "none";
}

char *
inbound_history_line(time_t now, const char *ip, const char *envelope_from,
    const struct inbound_facts *f, char disposition, size_t *len)
{
	const struct dmarc_check_result *dm = f->dmarc;
	const char *at = strrchr(envelope_from, '@');
	struct json_writer *w;
	char *buf = NULL, *out;
	size_t n = 0, i;
	FILE *fp;

	*len = 0;
	if (dm == NULL || (fp = open_memstream(&buf, &n)) == NULL)
		return NULL;
	w = json_writer_new(fp, 0);
	json_begin_object(w);
	json_key(w, "time");
	json_int(w, (long long)now);
	json_key(w, "ip");
	json_string(w, ip);
	json_key(w, "header_from");
	json_string(w, dm->from_domain);
	json_key(w, "envelope_from");
	json_string(w, at != NULL ? at + 1 : "");
	json_key(w, "policy_domain");
	json_string(w, dm->policy_domain);
	json_key(w, "p");
	json_string(w, policy_word(dm->published_p));
	json_key(w, "sp");
	json_string(w, policy_word(dm->published_sp ? dm->published_sp : dm->published_p));
	json_key(w, "pct");
	json_int(w, dm->pct);
	json_key(w, "adkim");
	json_string(w, dm->adkim == 's' ? "s" : "r");
	json_key(w, "aspf");
	json_string(w, dm->aspf == 's' ? "s" : "r");
	json_key(w, "disposition");
	json_string(w, policy_word(disposition));
	json_key(w, "dkim");
	json_begin_array(w);
	for (i = 0; i < f->ndkim; i++) {
		json_begin_object(w);
		json_key(w, "domain");
		json_string(w, f->dkim[i].d);
		json_key(w, "selector");
		json_string(w, f->dkim[i].s);
		json_key(w, "result");
		json_string(w, dkim_word(f->dkim[i].res));
		json_end_object(w);
	}
	json_end_array(w);
	json_key(w, "spf");
	json_begin_object(w);
	json_key(w, "domain");
	json_string(w, f->spf != NULL ? f->spf->domain : "");
	json_key(w, "scope");
	json_string(w, f->spf != NULL && f->spf->helo ? "helo" : "mfrom");
	json_key(w, "result");
	json_string(w, f->spf != NULL ? spf_check_res_str(f->spf->res) : "none");
	json_end_object(w);
	json_key(w, "dkim_aligned");
	json_string(w, dm->dkim_aligned ? "pass" : "fail");
	json_key(w, "spf_aligned");
	json_string(w, dm->spf_aligned ? "pass" : "fail");
	json_end_object(w);
	json_writer_free(w);
	if (fputc('\n', fp) == EOF || fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	/* Through xmalloc, so the caller frees one kind of memory. */
	out = xmalloc(n + 1);
	memcpy(out, buf, n + 1);
	free(buf);
	*len = n;
	return out;
}
