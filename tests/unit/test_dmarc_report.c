/*
 * test_dmarc_report.c — the DMARC history reader and aggregation
 * (src/lib/dmarc_report.c): a line's checks (enumerations, bounds, control
 * characters, addresses), the grouping of messages into rows with counts,
 * the range and domain filter, the policy of the most recent message,
 * skipped lines counted and named FILE:LINE, and the XML's escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_report.h"
#include "strbuf.h"

#define GOOD "{\"time\":1000,\"ip\":\"192.0.2.1\",\"header_from\":\"Example.GOV.vn\"," \
	"\"envelope_from\":\"example.gov.vn\",\"policy_domain\":\"example.gov.vn\"," \
	"\"p\":\"reject\",\"sp\":\"quarantine\",\"pct\":100,\"adkim\":\"r\",\"aspf\":\"s\"," \
	"\"disposition\":\"none\",\"dkim\":[{\"domain\":\"example.gov.vn\"," \
	"\"selector\":\"gm2026a\",\"result\":\"pass\"}],\"spf\":{\"domain\":" \
	"\"example.gov.vn\",\"scope\":\"mfrom\",\"result\":\"pass\"}," \
	"\"dkim_aligned\":\"pass\",\"spf_aligned\":\"pass\"}"

static int
parse(const char *s, struct dmarc_hist *h, char *err)
{
	return dmarc_hist_parse(s, strlen(s), h, err, 256);
}

/* GOOD with one "key":value replaced by repl (the whole member text). */
static char *
with(const char *member_prefix, const char *repl)
{
	const char *p = strstr(GOOD, member_prefix), *e;
	char *out;
	int depth = 0;

	assert_non_null(p);
	/* The member ends at the comma (or brace) at its nesting level. */
	for (e = p + strlen(member_prefix); *e != '\0'; e++) {
		if (*e == '{' || *e == '[')
			depth++;
		else if ((*e == '}' || *e == ']') && depth > 0)
			depth--;
		else if ((*e == ',' || *e == '}') && depth == 0)
			break;
	}
	out = malloc(strlen(GOOD) + strlen(repl) + 1);
	assert_non_null(out);
	sprintf(out, "%.*s%s%s", (int)(p - GOOD), GOOD, repl, e);
	return out;
}

static void
test_parse_good(void **state)
{
	struct dmarc_hist h;
	char err[256];

	(void)state;
	assert_int_equal(parse(GOOD, &h, err), 0);
	assert_int_equal(h.time, 1000);
	assert_string_equal(h.ip, "192.0.2.1");
	assert_string_equal(h.header_from, "example.gov.vn");      /* folded */
	assert_string_equal(h.p, "reject");
	assert_string_equal(h.sp, "quarantine");
	assert_string_equal(h.aspf, "s");
	assert_int_equal(h.pct, 100);
	assert_int_equal(h.ndkim, 1);
	assert_string_equal(h.dkim[0].selector, "gm2026a");
	assert_string_equal(h.spf_scope, "mfrom");
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[][2] = {
		{ "\"p\":", "\"p\":\"block\"" },
		{ "\"pct\":", "\"pct\":101" },
		{ "\"pct\":", "\"pct\":\"100\"" },
		{ "\"time\":", "\"time\":-1" },
		{ "\"ip\":", "\"ip\":\"192.0.2.300\"" },
		{ "\"ip\":", "\"ip\":\"example\"" },
		{ "\"header_from\":", "\"header_from\":\"\"" },
		{ "\"header_from\":", "\"header_from\":\"a\\u0007b\"" },
		{ "\"header_from\":", "\"header_from\":\"a\\nb\"" },
		{ "\"header_from\":", "\"header_from\":\"a\\u0000b\"" },
		{ "\"adkim\":", "\"adkim\":\"x\"" },
		{ "\"disposition\":", "\"disposition\":null" },
		{ "\"dkim_aligned\":", "\"dkim_aligned\":\"maybe\"" },
		{ "\"dkim\":", "\"dkim\":{}" },
		{ "\"dkim\":", "\"dkim\":[1]" },
		{ "\"dkim\":", "\"dkim\":[{\"domain\":\"d\",\"result\":\"great\"}]" },
		{ "\"spf\":", "\"spf\":{\"domain\":\"d\",\"scope\":\"rcpt\",\"result\":\"pass\"}" },
		{ "\"spf\":", "\"spf\":[]" },
		{ "\"policy_domain\":", "\"policy_domain\":\"x\",\"policy_domain\":\"y\"" },
	};
	struct dmarc_hist h;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = with(bad[i][0], bad[i][1]);

		err[0] = '\0';
		if (parse(s, &h, err) != -1)
			fail_msg("accepted: %s", s);
		assert_true(err[0] != '\0');
		free(s);
	}
	assert_int_equal(parse("", &h, err), -1);
	assert_int_equal(parse("[]", &h, err), -1);
	assert_int_equal(parse(GOOD " x", &h, err), -1);
	assert_int_equal(parse("{\"time\":1", &h, err), -1);
}

static void
test_parse_limits(void **state)
{
	struct strbuf b = { NULL, 0, 0 };
	struct dmarc_hist h;
	char err[256], *s, long_dom[300];
	int i;

	(void)state;
	/* 16 DKIM results are taken, 17 are not. */
	for (i = 0; i < DMARC_HIST_DKIM_MAX + 1; i++) {
		strbuf_str(&b, i ? "," : "\"dkim\":[");
		strbuf_str(&b, "{\"domain\":\"d.example\",\"selector\":\"s\",\"result\":\"fail\"}");
		if (i == DMARC_HIST_DKIM_MAX - 1) {
			s = with("\"dkim\":", (strbuf_str(&b, "]"), b.p));
			assert_int_equal(parse(s, &h, err), 0);
			assert_int_equal(h.ndkim, DMARC_HIST_DKIM_MAX);
			free(s);
			b.n--;               /* the "]" again */
			b.p[b.n] = '\0';
		}
	}
	strbuf_str(&b, "]");
	s = with("\"dkim\":", b.p);
	assert_int_equal(parse(s, &h, err), -1);
	free(s);
	free(b.p);
	/* A domain of 255 bytes is taken, 256 not. */
	memset(long_dom, 'a', sizeof(long_dom));
	for (i = 255; i <= 256; i++) {
		char m[400];

		snprintf(m, sizeof(m), "\"header_from\":\"%.*s\"", i, long_dom);
		s = with("\"header_from\":", m);
		assert_int_equal(parse(s, &h, err), i == 255 ? 0 : -1);
		free(s);
	}
	/* IPv6 written in full (the schema's pattern), mapped IPv4 as IPv4. */
	s = with("\"ip\":", "\"ip\":\"2001:db8::1\"");
	assert_int_equal(parse(s, &h, err), 0);
	assert_string_equal(h.ip, "2001:db8:0:0:0:0:0:1");
	free(s);
	s = with("\"ip\":", "\"ip\":\"::ffff:198.51.100.7\"");
	assert_int_equal(parse(s, &h, err), 0);
	assert_string_equal(h.ip, "198.51.100.7");
	free(s);
	/* No "dkim" at all is no signature; a missing selector is "". */
	s = with("\"dkim\":", "\"dkim\":[{\"domain\":\"x.example\",\"result\":\"none\"}]");
	assert_int_equal(parse(s, &h, err), 0);
	assert_string_equal(h.dkim[0].selector, "");
	free(s);
}

/* A history line: time, ip, policy domain, disposition, dkim result. */
static char *
line(long long t, const char *ip, const char *pd, const char *disp, const char *dkim,
    const char *p)
{
	char *s = malloc(1024);

	assert_non_null(s);
	snprintf(s, 1024, "{\"time\":%lld,\"ip\":\"%s\",\"header_from\":\"%s\","
	    "\"envelope_from\":\"\",\"policy_domain\":\"%s\",\"p\":\"%s\",\"sp\":\"none\","
	    "\"pct\":100,\"adkim\":\"r\",\"aspf\":\"r\",\"disposition\":\"%s\","
	    "\"dkim\":[{\"domain\":\"%s\",\"selector\":\"s1\",\"result\":\"%s\"}],"
	    "\"spf\":{\"domain\":\"%s\",\"scope\":\"mfrom\",\"result\":\"none\"},"
	    "\"dkim_aligned\":\"%s\",\"spf_aligned\":\"fail\"}",
	    t, ip, pd, pd, p, disp, pd, dkim, pd, strcmp(dkim, "pass") == 0 ? "pass" : "fail");
	return s;
}

static void
add(struct dmarc_report *r, char *s, int counted)
{
	struct dmarc_hist h;
	char err[256];

	if (parse(s, &h, err) != 0)
		fail_msg("%s: %s", s, err);
	assert_int_equal(dmarc_report_add(r, &h), counted);
	free(s);
}

static void
test_aggregate(void **state)
{
	struct dmarc_report *r = dmarc_report_new("Example.gov.vn", 100, 200);
	struct dmarc_report_meta m = { "Org <&>", "dmarc@example", NULL, "id'1\"" };
	struct strbuf x = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(dmarc_report_xml(r, &m, &x), -1);   /* nothing yet */
	add(r, line(100, "192.0.2.1", "example.gov.vn", "none", "pass", "none"), 1);
	add(r, line(150, "192.0.2.1", "example.gov.vn", "none", "pass", "none"), 1);
	add(r, line(199, "192.0.2.2", "example.gov.vn", "reject", "fail", "reject"), 1);
	add(r, line(120, "192.0.2.1", "example.gov.vn", "none", "fail", "quarantine"), 1);
	/* Outside the range, or another domain's. */
	add(r, line(99, "192.0.2.1", "example.gov.vn", "none", "pass", "none"), 0);
	add(r, line(200, "192.0.2.1", "example.gov.vn", "none", "pass", "none"), 0);
	add(r, line(150, "192.0.2.1", "other.example", "none", "pass", "none"), 0);
	assert_int_equal(dmarc_report_messages(r), 4);
	assert_int_equal(dmarc_report_rows(r), 3);
	assert_int_equal(dmarc_report_xml(r, &m, &x), 0);
	/* The policy of the most recent message (time 199), not the last line. */
	assert_non_null(strstr(x.p, "<p>reject</p>"));
	assert_non_null(strstr(x.p, "<count>2</count>"));
	assert_non_null(strstr(x.p, "<org_name>Org &lt;&amp;&gt;</org_name>"));
	assert_non_null(strstr(x.p, "<report_id>id&apos;1&quot;</report_id>"));
	assert_non_null(strstr(x.p, "<begin>100</begin><end>199</end>"));
	assert_non_null(strstr(x.p, "<domain>example.gov.vn</domain>"));
	/* Rows in the order first seen. */
	assert_true(strstr(x.p, "192.0.2.2") < strstr(x.p, "<dkim>fail</dkim>"));
	free(x.p);
	dmarc_report_free(r);
}

static void
warn_collect(void *arg, const char *msg)
{
	struct strbuf *b = arg;

	strbuf_str(b, msg);
	strbuf_str(b, "\n");
}

static void
test_read_file(void **state)
{
	struct dmarc_report *r = dmarc_report_new("example.gov.vn", 0, 1000);
	struct strbuf w = { NULL, 0, 0 };
	size_t skipped = 0, i;
	char *l;
	FILE *fp = tmpfile();

	(void)state;
	assert_non_null(fp);
	l = line(10, "192.0.2.1", "example.gov.vn", "none", "pass", "none");
	fprintf(fp, "%s\n", l);                         /* 1 */
	fprintf(fp, "not json\n");                      /* 2: skipped */
	fprintf(fp, "\n");                              /* 3: blank, ignored */
	for (i = 0; i < DMARC_HIST_LINE_MAX + 10; i++)  /* 4: too long */
		fputc('x', fp);
	fputc('\n', fp);
	fprintf(fp, "%s\r\n", l);                       /* 5: CRLF taken */
	fwrite("{\"a\0\":1}\n", 1, 9, fp);              /* 6: NUL byte */
	fprintf(fp, "%s", l);                           /* 7: no final newline */
	free(l);
	rewind(fp);
	assert_int_equal(dmarc_report_read(r, fp, "hist", &skipped, warn_collect, &w), 0);
	fclose(fp);
	assert_int_equal(skipped, 3);
	assert_int_equal(dmarc_report_messages(r), 3);
	assert_non_null(strstr(w.p, "hist:2: line skipped: not JSON"));
	assert_non_null(strstr(w.p, "hist:4: line skipped: longer than"));
	assert_non_null(strstr(w.p, "hist:6: line skipped"));
	free(w.p);
	dmarc_report_free(r);
}

static void
test_read_many_bad(void **state)
{
	struct dmarc_report *r = dmarc_report_new("example.gov.vn", 0, 1000);
	struct strbuf w = { NULL, 0, 0 };
	size_t skipped = 0, i, nl = 0;
	FILE *fp = tmpfile();

	(void)state;
	assert_non_null(fp);
	for (i = 0; i < 1000; i++)
		fprintf(fp, "{bad %zu\n", i);
	rewind(fp);
	assert_int_equal(dmarc_report_read(r, fp, "h", &skipped, warn_collect, &w), 0);
	fclose(fp);
	assert_int_equal(skipped, 1000);
	/* Bounded warnings: 20 lines named, then one note. */
	for (i = 0; i < w.n; i++)
		nl += w.p[i] == '\n';
	assert_int_equal(nl, 21);
	free(w.p);
	dmarc_report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_many_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
