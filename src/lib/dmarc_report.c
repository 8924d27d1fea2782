/*
 * dmarc_report.c — DMARC aggregate reports from govmaild's history file
 * (see dmarc_report.h): the checked reading of one history line (jansson),
 * the grouping of messages into report rows (one hash map lookup per
 * message), and the RFC 7489 Appendix C XML.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dmarc_report.h"
#include "strbuf.h"
#include "strmap.h"
#include "xml_escape.h"
#include "xmalloc.h"

/* Warnings about skipped lines shown per file; the rest are only counted. */
#define DMARC_WARN_MAX 20

static const char *const disp_values[] = { "none", "quarantine", "reject", NULL };
static const char *const align_values[] = { "r", "s", NULL };
static const char *const aligned_values[] = { "pass", "fail", NULL };
/* RFC 7489 Appendix C DKIMResultType and SPFResultType. */
static const char *const dkim_values[] = { "none", "pass", "fail", "policy", "neutral",
	"temperror", "permerror", NULL };
static const char *const spf_values[] = { "none", "neutral", "pass", "fail", "softfail",
	"temperror", "permerror", NULL };
static const char *const scope_values[] = { "mfrom", "helo", NULL };

static int __attribute__((format(printf, 3, 4)))
hist_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A string member into out: present, a string without NUL or control
 * characters, at most outlen - 1 bytes, and not empty unless may_empty.
 * Domains (lower != 0) are folded to lower case: DNS names compare so.
 */
static int
hist_str(json_t *o, const char *key, char *out, size_t outlen, int may_empty, int lower,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t len, i;

	if (!json_is_string(v))
		return hist_err(err, errlen, "\"%s\" is missing or not a string", key);
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= outlen)
		return hist_err(err, errlen, "\"%s\" is longer than %zu bytes", key, outlen - 1);
	if (len == 0 && !may_empty)
		return hist_err(err, errlen, "\"%s\" is empty", key);
	if (memchr(s, '\0', len) != NULL || !xml_text_ok(s, len, 0))
		return hist_err(err, errlen, "\"%s\" holds control characters", key);
	memcpy(out, s, len);
	out[len] = '\0';
	if (lower)
		for (i = 0; i < len; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
	return 0;
}

/* An enumerated member: the static spelling of its value, or NULL. */
static const char *
hist_enum(json_t *o, const char *key, const char *const *values, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	size_t i;

	if (json_is_string(v))
		for (i = 0; values[i] != NULL; i++)
			if (strcmp(json_string_value(v), values[i]) == 0)
				return values[i];
	{
		char list[128] = "";

		for (i = 0; values[i] != NULL; i++) {
			if (i > 0)
				strncat(list, "|", sizeof(list) - strlen(list) - 1);
			strncat(list, values[i], sizeof(list) - strlen(list) - 1);
		}
		hist_err(err, errlen, "\"%s\" is missing or not one of %s", key, list);
	}
	return NULL;
}

/*
 * The client address as the schema's IPAddress type wants it: IPv4 dotted,
 * IPv6 as eight groups (its pattern does not take "::"); an IPv4-mapped
 * IPv6 address is the IPv4 address it maps.
 */
static int
hist_ip(const char *s, char *out, size_t outlen)
{
	unsigned char a[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (inet_pton(AF_INET, s, a) == 1)
		return inet_ntop(AF_INET, a, out, (socklen_t)outlen) != NULL ? 0 : -1;
	if (inet_pton(AF_INET6, s, a) != 1)
		return -1;
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return inet_ntop(AF_INET, a + 12, out, (socklen_t)outlen) != NULL ? 0 : -1;
	snprintf(out, outlen, "%x:%x:%x:%x:%x:%x:%x:%x",
	    a[0] << 8 | a[1], a[2] << 8 | a[3], a[4] << 8 | a[5], a[6] << 8 | a[7],
	    a[8] << 8 | a[9], a[10] << 8 | a[11], a[12] << 8 | a[13], a[14] << 8 | a[15]);
	return 0;
}

static int
hist_fill(json_t *o, struct dmarc_hist *h, char *err, size_t errlen)
{
	char ip[64];
	json_t *v, *d;
	size_t i;

	if (!json_is_object(o))
		return hist_err(err, errlen, "not a JSON object");
	v = json_object_get(o, "time");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return hist_err(err, errlen, "\"time\" is missing or not a positive integer");
	h->time = (long long)json_integer_value(v);
	if (hist_str(o, "ip", ip, sizeof(ip), 0, 0, err, errlen) != 0)
		return -1;
	if (hist_ip(ip, h->ip, sizeof(h->ip)) != 0)
		return hist_err(err, errlen, "\"ip\" is not an IP address");
	if (hist_str(o, "header_from", h->header_from, sizeof(h->header_from), 0, 1,
	    err, errlen) != 0 ||
	    hist_str(o, "envelope_from", h->envelope_from, sizeof(h->envelope_from), 1, 1,
	    err, errlen) != 0 ||
	    hist_str(o, "policy_domain", h->policy_domain, sizeof(h->policy_domain), 0, 1,
	    err, errlen) != 0)
		return -1;
	if ((h->p = hist_enum(o, "p", disp_values, err, errlen)) == NULL ||
	    (h->sp = hist_enum(o, "sp", disp_values, err, errlen)) == NULL ||
	    (h->adkim = hist_enum(o, "adkim", align_values, err, errlen)) == NULL ||
	    (h->aspf = hist_enum(o, "aspf", align_values, err, errlen)) == NULL ||
	    (h->disposition = hist_enum(o, "disposition", disp_values, err, errlen)) == NULL ||
	    (h->dkim_aligned = hist_enum(o, "dkim_aligned", aligned_values, err, errlen)) == NULL ||
	    (h->spf_aligned = hist_enum(o, "spf_aligned", aligned_values, err, errlen)) == NULL)
		return -1;
	v = json_object_get(o, "pct");
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
		return hist_err(err, errlen, "\"pct\" is missing or not 0 to 100");
	h->pct = (int)json_integer_value(v);

	v = json_object_get(o, "dkim");
	if (v == NULL)
		h->ndkim = 0;
	else if (!json_is_array(v))
		return hist_err(err, errlen, "\"dkim\" is not an array");
	else if (json_array_size(v) > DMARC_HIST_DKIM_MAX)
		return hist_err(err, errlen, "\"dkim\" has more than %d results", DMARC_HIST_DKIM_MAX);
	else {
		h->ndkim = json_array_size(v);
		for (i = 0; i < h->ndkim; i++) {
			struct dmarc_hist_dkim *k = &h->dkim[i];

			d = json_array_get(v, i);
			if (!json_is_object(d))
				return hist_err(err, errlen, "\"dkim\" item %zu is not an object", i + 1);
			if (hist_str(d, "domain", k->domain, sizeof(k->domain), 0, 1, err, errlen) != 0)
				return -1;
			if (json_object_get(d, "selector") == NULL)
				k->selector[0] = '\0';
			else if (hist_str(d, "selector", k->selector, sizeof(k->selector), 1, 0,
			    err, errlen) != 0)
				return -1;
			if ((k->result = hist_enum(d, "result", dkim_values, err, errlen)) == NULL)
				return -1;
		}
	}
	d = json_object_get(o, "spf");
	if (!json_is_object(d))
		return hist_err(err, errlen, "\"spf\" is missing or not an object");
	if (hist_str(d, "domain", h->spf_domain, sizeof(h->spf_domain), 1, 1, err, errlen) != 0 ||
	    (h->spf_scope = hist_enum(d, "scope", scope_values, err, errlen)) == NULL ||
	    (h->spf_result = hist_enum(d, "result", spf_values, err, errlen)) == NULL)
		return -1;
	return 0;
}

int
dmarc_hist_parse(const char *line, size_t len, struct dmarc_hist *h, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o;
	int rc;

	memset(h, 0, sizeof(*h));
	if (len > DMARC_HIST_LINE_MAX)
		return hist_err(err, errlen, "longer than %d bytes", DMARC_HIST_LINE_MAX);
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return hist_err(err, errlen, "not JSON: %s", je.text);
	rc = hist_fill(o, h, err, errlen);
	json_decref(o);
	return rc;
}

/* --- aggregation ---------------------------------------------------------- */

/* One row: the messages alike in everything the report says of them. */
struct dmarc_row {
	unsigned long long count;
	char *ip, *header_from, *envelope_from, *spf_domain;
	const char *disposition, *dkim_aligned, *spf_aligned, *spf_scope, *spf_result;
	struct dmarc_row_dkim {
		char *domain, *selector;
		const char *result;
	} *dkim;
	size_t ndkim;
};

struct dmarc_report {
	char *domain;
	long long since, until;
	struct strmap *index;          /* row key -> row */
	struct dmarc_row **rows;       /* in the order first seen */
	size_t nrows, caprows;
	unsigned long long messages;
	/* The policy of the most recent message. */
	long long policy_time;
	const char *p, *sp, *adkim, *aspf;
	int pct;
};

struct dmarc_report *
dmarc_report_new(const char *domain, long long since, long long until)
{
	struct dmarc_report *r = xcalloc(1, sizeof(*r));
	size_t i;

	r->domain = xstrdup(domain);
	for (i = 0; r->domain[i] != '\0'; i++)
		r->domain[i] = (char)tolower((unsigned char)r->domain[i]);
	r->since = since;
	r->until = until;
	r->index = strmap_new(64);
	r->policy_time = -1;
	return r;
}

void
dmarc_report_free(struct dmarc_report *r)
{
	size_t i, k;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrows; i++) {
		struct dmarc_row *w = r->rows[i];

		for (k = 0; k < w->ndkim; k++) {
			free(w->dkim[k].domain);
			free(w->dkim[k].selector);
		}
		free(w->dkim);
		free(w->ip);
		free(w->header_from);
		free(w->envelope_from);
		free(w->spf_domain);
		free(w);
	}
	free(r->rows);
	strmap_free(r->index);
	free(r->domain);
	free(r);
}

/* Fields of a key, separated by a byte no checked value holds. */
static void
key_add(struct strbuf *b, const char *s)
{
	strbuf_str(b, s);
	strbuf_add(b, "\x01", 1);
}

int
dmarc_report_add(struct dmarc_report *r, const struct dmarc_hist *h)
{
	struct strbuf key = { NULL, 0, 0 };
	struct dmarc_row *w;
	size_t k;

	if (strcmp(h->policy_domain, r->domain) != 0 || h->time < r->since ||
	    h->time >= r->until)
		return 0;
	key_add(&key, h->ip);
	key_add(&key, h->disposition);
	key_add(&key, h->dkim_aligned);
	key_add(&key, h->spf_aligned);
	key_add(&key, h->header_from);
	key_add(&key, h->envelope_from);
	for (k = 0; k < h->ndkim; k++) {
		key_add(&key, h->dkim[k].domain);
		key_add(&key, h->dkim[k].selector);
		key_add(&key, h->dkim[k].result);
	}
	key_add(&key, "spf");
	key_add(&key, h->spf_domain);
	key_add(&key, h->spf_scope);
	key_add(&key, h->spf_result);

	if ((w = strmap_get(r->index, key.p)) == NULL) {
		w = xcalloc(1, sizeof(*w));
		w->ip = xstrdup(h->ip);
		w->header_from = xstrdup(h->header_from);
		w->envelope_from = xstrdup(h->envelope_from);
		w->spf_domain = xstrdup(h->spf_domain);
		w->disposition = h->disposition;
		w->dkim_aligned = h->dkim_aligned;
		w->spf_aligned = h->spf_aligned;
		w->spf_scope = h->spf_scope;
		w->spf_result = h->spf_result;
		w->ndkim = h->ndkim;
		w->dkim = h->ndkim ? xcalloc(h->ndkim, sizeof(*w->dkim)) : NULL;
		for (k = 0; k < h->ndkim; k++) {
			w->dkim[k].domain = xstrdup(h->dkim[k].domain);
			w->dkim[k].selector = xstrdup(h->dkim[k].selector);
			w->dkim[k].result = h->dkim[k].result;
		}
		if (r->nrows == r->caprows) {
			r->caprows = r->caprows ? r->caprows * 2 : 16;
			r->rows = xreallocarray(r->rows, r->caprows, sizeof(*r->rows));
		}
		r->rows[r->nrows++] = w;
		strmap_put(r->index, key.p, w);
	}
	free(key.p);
	w->count++;
	r->messages++;
	/* Later lines win a tie: the file is in the order govmaild judged. */
	if (h->time >= r->policy_time) {
		r->policy_time = h->time;
		r->p = h->p;
		r->sp = h->sp;
		r->adkim = h->adkim;
		r->aspf = h->aspf;
		r->pct = h->pct;
	}
	return 1;
}

static void
read_warn(void (*warn)(void *, const char *), void *arg, size_t *nwarn, const char *name,
    unsigned long long lineno, const char *why)
{
	char msg[512];

	if (warn == NULL)
		return;
	if (*nwarn < DMARC_WARN_MAX)
		snprintf(msg, sizeof(msg), "%s:%llu: line skipped: %s", name, lineno, why);
	else if (*nwarn == DMARC_WARN_MAX)
		snprintf(msg, sizeof(msg), "%s: further skipped lines are only counted", name);
	else
		return;
	(*nwarn)++;
	warn(arg, msg);
}

int
dmarc_report_read(struct dmarc_report *r, FILE *fp, const char *name, size_t *skipped,
    void (*warn)(void *arg, const char *msg), void *arg)
{
	char *buf = xmalloc(DMARC_HIST_LINE_MAX + 1), err[256], why[300];
	unsigned long long lineno = 0;
	size_t len = 0, nwarn = 0;
	struct dmarc_hist *h = xmalloc(sizeof(*h));
	int c, toolong = 0, rc = 0;

	*skipped = 0;
	for (;;) {
		c = getc(fp);
		if (c != EOF && c != '\n') {
			if (len < DMARC_HIST_LINE_MAX)
				buf[len++] = (char)c;
			else
				toolong = 1;
			continue;
		}
		if (c == EOF && ferror(fp)) {
			rc = -1;
			break;
		}
		if (c == EOF && len == 0 && !toolong)
			break;
		lineno++;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
		if (toolong) {
			snprintf(why, sizeof(why), "longer than %d bytes", DMARC_HIST_LINE_MAX);
			(*skipped)++;
			read_warn(warn, arg, &nwarn, name, lineno, why);
		} else if (len > 0 && dmarc_hist_parse(buf, len, h, err, sizeof(err)) != 0) {
			(*skipped)++;
			read_warn(warn, arg, &nwarn, name, lineno, err);
		} else if (len > 0)
			dmarc_report_add(r, h);
		len = 0;
		toolong = 0;
		if (c == EOF)
			break;
	}
	free(h);
	free(buf);
	return rc;
}

unsigned long long
dmarc_report_messages(const struct dmarc_report *r)
{
	return r->messages;
}

size_t
dmarc_report_rows(const struct dmarc_report *r)
{
	return r->nrows;
}

/* --- XML ----------------------------------------------------------------- */

static void
xml_ll(struct strbuf *b, const char *name, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	xml_element(b, name, num);
}

int
dmarc_report_xml(const struct dmarc_report *r, const struct dmarc_report_meta *m,
    struct strbuf *out)
{
	size_t i, k;

	if (r->messages == 0)
		return -1;
	strbuf_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n"
	    "  <version>1.0</version>\n  <report_metadata>\n    ");
	xml_element(out, "org_name", m->org_name);
	strbuf_str(out, "\n    ");
	xml_element(out, "email", m->email);
	strbuf_str(out, "\n    ");
	if (m->extra_contact_info != NULL) {
		xml_element(out, "extra_contact_info", m->extra_contact_info);
		strbuf_str(out, "\n    ");
	}
	xml_element(out, "report_id", m->report_id);
	/* The range is [since, until); end is its last second (inclusive). */
	strbuf_str(out, "\n    <date_range>");
	xml_ll(out, "begin", r->since);
	xml_ll(out, "end", r->until - 1);
	strbuf_str(out, "</date_range>\n  </report_metadata>\n  <policy_published>\n    ");
	xml_element(out, "domain", r->domain);
	strbuf_str(out, "\n    ");
	xml_element(out, "adkim", r->adkim);
	xml_element(out, "aspf", r->aspf);
	xml_element(out, "p", r->p);
	xml_element(out, "sp", r->sp);
	xml_ll(out, "pct", r->pct);
	/* The history has no fo= (failure reports are never sent from here);
	 * the schema wants the element: RFC 7489's default. */
	xml_element(out, "fo", "0");
	strbuf_str(out, "\n  </policy_published>\n");
	for (i = 0; i < r->nrows; i++) {
		const struct dmarc_row *w = r->rows[i];

		strbuf_str(out, "  <record>\n    <row>");
		xml_element(out, "source_ip", w->ip);
		xml_ll(out, "count", (long long)w->count);
		strbuf_str(out, "<policy_evaluated>");
		xml_element(out, "disposition", w->disposition);
		xml_element(out, "dkim", w->dkim_aligned);
		xml_element(out, "spf", w->spf_aligned);
		strbuf_str(out, "</policy_evaluated></row>\n    <identifiers>");
		xml_element(out, "envelope_from", w->envelope_from);
		xml_element(out, "header_from", w->header_from);
		strbuf_str(out, "</identifiers>\n    <auth_results>\n");
		for (k = 0; k < w->ndkim; k++) {
			strbuf_str(out, "      <dkim>");
			xml_element(out, "domain", w->dkim[k].domain);
			if (w->dkim[k].selector[0] != '\0')
				xml_element(out, "selector", w->dkim[k].selector);
			xml_element(out, "result", w->dkim[k].result);
			strbuf_str(out, "</dkim>\n");
		}
		strbuf_str(out, "      <spf>");
		xml_element(out, "domain", w->spf_domain);
		xml_element(out, "scope", w->spf_scope);
		xml_element(out, "result", w->spf_result);
		strbuf_str(out, "</spf>\n    </auth_results>\n  </record>\n");
	}
	strbuf_str(out, "</feedback>\n");
	return 0;
}
