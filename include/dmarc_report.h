/*
 * dmarc_report.h — DMARC aggregate reports (RFC 7489 §7.2, Appendix C
 * schema, feedback version 1.0) from govmaild's DMARC history file
 * (dmarc.history_file): one JSON object per line and per message judged,
 *
 *   {"time":T,"ip":"A","header_from":"D","envelope_from":"D or empty",
 *    "policy_domain":"D","p":"none|quarantine|reject","sp":...,"pct":N,
 *    "adkim":"r|s","aspf":"r|s","disposition":"none|quarantine|reject",
 *    "dkim":[{"domain":"D","selector":"S","result":"pass|fail|..."}],
 *    "spf":{"domain":"D","scope":"mfrom|helo","result":"pass|..."},
 *    "dkim_aligned":"pass|fail","spf_aligned":"pass|fail"}
 *
 * The file is written by govmaild from what senders claim, so it is read
 * as untrusted input: lines are bounded (DMARC_HIST_LINE_MAX), every value
 * is checked (enumerations, lengths, no control characters, a real IP
 * address), and a bad line is skipped and counted, never fatal. Work and
 * memory are linear in the lines read.
 *
 * Only aggregate reports: never failure (RUF, RFC 6591) reports, which
 * would send parts of people's messages to whoever the From: domain names.
 *
 * Not for: writing the history file (govmaild) or sending the report.
 */
#ifndef GOVMAIL_DMARC_REPORT_H
#define GOVMAIL_DMARC_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct strbuf;

#define DMARC_HIST_LINE_MAX 16384   /* bytes of one history line */
#define DMARC_HIST_DKIM_MAX 16      /* DKIM results of one message */
#define DMARC_HIST_STR_MAX 255      /* bytes of one domain, selector */
#define DMARC_IP_MAX 40             /* an IPv6 address written out in full */

/* One DKIM signature's result. */
struct dmarc_hist_dkim {
	char domain[DMARC_HIST_STR_MAX + 1];
	char selector[DMARC_HIST_STR_MAX + 1];   /* "" = not known */
	const char *result;                      /* static: "pass", ... */
};

/* One history line, checked. Enumerated values point to static strings. */
struct dmarc_hist {
	long long time;
	char ip[DMARC_IP_MAX + 1];               /* as the schema's IPAddress */
	char header_from[DMARC_HIST_STR_MAX + 1];
	char envelope_from[DMARC_HIST_STR_MAX + 1];
	char policy_domain[DMARC_HIST_STR_MAX + 1];
	const char *p, *sp, *adkim, *aspf, *disposition;
	int pct;
	struct dmarc_hist_dkim dkim[DMARC_HIST_DKIM_MAX];
	size_t ndkim;
	char spf_domain[DMARC_HIST_STR_MAX + 1];
	const char *spf_scope, *spf_result;
	const char *dkim_aligned, *spf_aligned;
};

/*
 * Parse one line (without its newline; need not be NUL-terminated). 0, or
 * -1 with the reason in err (e.g. "\"pct\" is not 0 to 100").
 */
int dmarc_hist_parse(const char *line, size_t len, struct dmarc_hist *h,
    char *err, size_t errlen);

/* The records of one domain over [since, until). */
struct dmarc_report;

struct dmarc_report *dmarc_report_new(const char *domain, long long since,
    long long until);
void dmarc_report_free(struct dmarc_report *r);

/* Count one parsed message in if it is the domain's and in the range.
 * 1 if it was counted, 0 if not. */
int dmarc_report_add(struct dmarc_report *r, const struct dmarc_hist *h);

/*
 * Read a history file: each line parsed and added. Lines longer than
 * DMARC_HIST_LINE_MAX or malformed are skipped, counted in *skipped, and
 * warned about as "NAME:LINE: reason" through warn (which may be NULL).
 * 0, or -1 on a read error (errno set).
 */
int dmarc_report_read(struct dmarc_report *r, FILE *fp, const char *name,
    size_t *skipped, void (*warn)(void *arg, const char *msg), void *arg);

/* Messages counted, and rows (distinct groups) they make. */
unsigned long long dmarc_report_messages(const struct dmarc_report *r);
size_t dmarc_report_rows(const struct dmarc_report *r);

/* Who reports (report_metadata). */
struct dmarc_report_meta {
	const char *org_name;
	const char *email;
	const char *extra_contact_info;   /* NULL = none */
	const char *report_id;
};

/*
 * The report as XML (UTF-8), appended to out. Rows in the order their
 * first message was read; policy_published from the domain's most recent
 * message in the range. -1 when no message was counted (the schema wants
 * at least one record, and RFC 7489 sends no empty reports).
 */
int dmarc_report_xml(const struct dmarc_report *r, const struct dmarc_report_meta *m,
    struct strbuf *out);

#endif
