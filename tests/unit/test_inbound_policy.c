/*
 * test_inbound_policy.c — the inbound decision (inbound_policy.c): a
 * governed From: needs an aligned DKIM pass or an allowed sender (reject
 * 5.7.22, or 451 when the key or the directory could not answer), other
 * domains' DMARC by the published policy with pct= sampling, tag-only,
 * 451 only when the answer could refuse; alignment relaxed and strict;
 * domain lists; the per-agency tag-only rule; the DMARC history line's
 * exact keys and values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/inbound_policy.c"
#include "../../src/govmaild/auth_results.c"
#include "../../src/govmaild/inbound_headers.c"

/* spf_check.c needs libspf2; the history line only wants the names. */
const char *
spf_check_res_str(enum spf_check_res r)
{
	static const char *const s[] = { "none", "neutral", "pass", "fail",
	    "softfail", "temperror", "permerror" };

	return s[r];
}

static const struct inbound_settings enforce = { 1, 0, INBOUND_REJECT, INBOUND_TAG };
static const struct inbound_settings tagonly = { 1, 1, INBOUND_REJECT, INBOUND_TAG };

static void
facts(struct inbound_facts *f, struct spf_check_result *spf, struct dmarc_check_result *dm)
{
	memset(f, 0, sizeof(*f));
	memset(spf, 0, sizeof(*spf));
	memset(dm, 0, sizeof(*dm));
	spf->res = SPF_CHECK_FAIL;
	snprintf(spf->domain, sizeof(spf->domain), "example.com");
	dm->res = DMARC_CHECK_FAIL;
	dm->p = dm->published_p = 'r';
	dm->pct = 100;
	dm->adkim = dm->aspf = 'r';
	snprintf(dm->from_domain, sizeof(dm->from_domain), "example.com");
	snprintf(dm->policy_domain, sizeof(dm->policy_domain), "example.com");
	f->spf = spf;
	f->dmarc = dm;
	f->pct_selected = 1;
	f->from_domain = "example.com";
}

static void
test_governed(void **state)
{
	struct inbound_facts f;
	struct spf_check_result spf;
	struct dmarc_check_result dm;
	struct inbound_decision d;

	(void)state;
	facts(&f, &spf, &dm);
	f.governed = 1;
	f.from_domain = "haugiang.gov.vn";
	dm.res = DMARC_CHECK_NONE;        /* even without any DMARC record */
	inbound_decide(&tagonly, &f, &d);
	assert_int_equal(d.action, INBOUND_REJECT);
	assert_int_equal(d.code, 550);
	assert_string_equal(d.enh, "5.7.22");
	assert_non_null(strstr(d.text, "haugiang.gov.vn"));
	assert_string_equal(d.rule, "governed-from");

	f.governed_dkim = -1;             /* its key could not be fetched */
	inbound_decide(&tagonly, &f, &d);
	assert_int_equal(d.action, INBOUND_TEMPFAIL);
	assert_int_equal(d.code, 451);
	assert_memory_equal(d.enh, "4.7.", 4);

	f.governed_dkim = 1;
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_ACCEPT);

	f.governed_dkim = 0;
	f.allowed = 1;                    /* a vendor */
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_ACCEPT);

	f.allowed = 0;
	f.governed = -1;                  /* the directory cannot say */
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_TEMPFAIL);
	assert_string_equal(d.enh, "4.4.3");

	/* protection off: DMARC as for anyone (none here) */
	{
		struct inbound_settings off = enforce;

		off.protect_governed = 0;
		f.governed = 1;
		inbound_decide(&off, &f, &d);
		assert_int_equal(d.action, INBOUND_ACCEPT);
	}
}

static void
test_dmarc_others(void **state)
{
	struct inbound_facts f;
	struct spf_check_result spf;
	struct dmarc_check_result dm;
	struct inbound_decision d;
	struct inbound_settings hdr = enforce;

	(void)state;
	facts(&f, &spf, &dm);
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_REJECT);
	assert_string_equal(d.enh, "5.7.1");
	assert_int_equal(d.applied, 'r');
	inbound_decide(&tagonly, &f, &d);
	assert_int_equal(d.action, INBOUND_TAG);

	dm.p = 'q';
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_TAG);
	assert_int_equal(d.applied, 'q');
	hdr.on_quarantine = INBOUND_HEADER;
	inbound_decide(&hdr, &f, &d);
	assert_int_equal(d.action, INBOUND_HEADER);

	dm.p = 'n';
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_ACCEPT);
	assert_int_equal(d.applied, 'n');

	/* pct=: outside the sample, the next less strict policy */
	dm.p = 'r';
	f.pct_selected = 0;
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_TAG);
	assert_int_equal(d.applied, 'q');
	dm.p = 'q';
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_ACCEPT);
	f.pct_selected = 1;

	dm.res = DMARC_CHECK_PASS;
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_ACCEPT);
	dm.res = DMARC_CHECK_PERMERROR;   /* a broken record: no policy */
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_ACCEPT);
	dm.res = DMARC_CHECK_NONE;
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_ACCEPT);
}

static void
test_dns_failures(void **state)
{
	struct inbound_facts f;
	struct spf_check_result spf;
	struct dmarc_check_result dm;
	struct inbound_decision d;
	struct dkim_vresult k[1];
	struct inbound_settings noreject = enforce;

	(void)state;
	facts(&f, &spf, &dm);
	/* the record could not be fetched: 451 only if it could refuse */
	dm.res = DMARC_CHECK_TEMPERROR;
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_TEMPFAIL);
	assert_int_equal(d.code, 451);
	inbound_decide(&tagonly, &f, &d);
	assert_int_equal(d.action, INBOUND_ACCEPT);
	noreject.on_reject = INBOUND_TAG;
	inbound_decide(&noreject, &f, &d);
	assert_int_equal(d.action, INBOUND_ACCEPT);

	/* p=reject failed, but SPF or a signature might have passed */
	dm.res = DMARC_CHECK_FAIL;
	spf.res = SPF_CHECK_TEMPERROR;
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_TEMPFAIL);
	spf.res = SPF_CHECK_FAIL;
	memset(k, 0, sizeof(k));
	k[0].res = DKIM_V_TEMPERROR;
	f.dkim = k;
	f.ndkim = 1;
	inbound_decide(&enforce, &f, &d);
	assert_int_equal(d.action, INBOUND_TEMPFAIL);
	/* tagging never waits */
	inbound_decide(&tagonly, &f, &d);
	assert_int_equal(d.action, INBOUND_TAG);
}

static void
test_alignment_and_lists(void **state)
{
	char *list[] = { "vendor.example", "mail.other.example" };
	char *ag[] = { "snv=enforce", "stc=tag-only" };
	const char *r1[] = { "snv" }, *r2[] = { "snv", "stc" }, *r3[] = { "snv", "" };
	const char *r4[] = { "xyz" };

	(void)state;
	assert_true(inbound_aligned("a.example.com", "example.com", "example.com",
	    "example.com", 0));
	assert_false(inbound_aligned("a.example.com", "example.com", "example.com",
	    "example.com", 1));
	assert_true(inbound_aligned("Example.COM", "example.com", "example.com",
	    "example.com", 1));
	assert_false(inbound_aligned("example.net", "example.net", "example.com",
	    "example.com", 0));
	assert_false(inbound_aligned("", "", "example.com", "example.com", 0));

	assert_true(inbound_domain_listed("vendor.example", list, 2));
	assert_true(inbound_domain_listed("bounce.Vendor.example", list, 2));
	assert_false(inbound_domain_listed("evilvendor.example", list, 2));
	assert_false(inbound_domain_listed("other.example", list, 2));

	assert_false(inbound_tag_only(1, ag, 2, r1, 1));    /* snv enforces */
	assert_true(inbound_tag_only(1, ag, 2, r2, 2));     /* stc does not */
	assert_true(inbound_tag_only(1, ag, 2, r3, 2));     /* no agency: global */
	assert_false(inbound_tag_only(0, ag, 2, r3, 2));
	assert_true(inbound_tag_only(1, ag, 2, r4, 1));
	assert_false(inbound_tag_only(0, ag, 2, r4, 1));
	assert_true(inbound_tag_only(1, ag, 2, NULL, 0));

	assert_int_equal(inbound_action_parse("reject"), INBOUND_REJECT);
	assert_int_equal(inbound_action_parse("header"), INBOUND_HEADER);
	assert_int_equal(inbound_action_parse("tag"), INBOUND_TAG);
	assert_string_equal(inbound_action_name(INBOUND_TEMPFAIL), "tempfail");
}

static void
test_history_line(void **state)
{
	struct inbound_facts f;
	struct spf_check_result spf;
	struct dmarc_check_result dm;
	struct dkim_vresult k[2];
	char *line;
	size_t len;

	(void)state;
	facts(&f, &spf, &dm);
	memset(k, 0, sizeof(k));
	snprintf(k[0].d, sizeof(k[0].d), "example.com");
	snprintf(k[0].s, sizeof(k[0].s), "s1");
	k[0].res = DKIM_V_PASS;
	snprintf(k[1].d, sizeof(k[1].d), "ev\"il.example");
	snprintf(k[1].s, sizeof(k[1].s), "x");
	k[1].res = DKIM_V_PERMERROR;
	f.dkim = k;
	f.ndkim = 2;
	dm.published_p = 'q';
	dm.published_sp = 0;              /* sp= absent: p= */
	dm.pct = 50;
	dm.adkim = 's';
	dm.dkim_aligned = 1;
	line = inbound_history_line(1765000000, "192.0.2.7", "bounce@mail.example.com", &f,
	    'q', &len);
	assert_non_null(line);
	assert_int_equal(len, strlen(line));
	assert_string_equal(line, "{\"time\":1765000000,\"ip\":\"192.0.2.7\","
	    "\"header_from\":\"example.com\",\"envelope_from\":\"mail.example.com\","
	    "\"policy_domain\":\"example.com\",\"p\":\"quarantine\",\"sp\":\"quarantine\","
	    "\"pct\":50,\"adkim\":\"s\",\"aspf\":\"r\",\"disposition\":\"quarantine\","
	    "\"dkim\":[{\"domain\":\"example.com\",\"selector\":\"s1\",\"result\":\"pass\"},"
	    "{\"domain\":\"ev\\\"il.example\",\"selector\":\"x\",\"result\":\"permerror\"}],"
	    "\"spf\":{\"domain\":\"example.com\",\"scope\":\"mfrom\",\"result\":\"fail\"},"
	    "\"dkim_aligned\":\"pass\",\"spf_aligned\":\"fail\"}\n");
	free(line);

	/* the null sender: HELO scope, empty envelope_from, no signatures */
	spf.helo = 1;
	spf.res = SPF_CHECK_PASS;
	f.ndkim = 0;
	dm.published_sp = 'r';
	line = inbound_history_line(1, "2001:db8::1", "", &f, 'n', &len);
	assert_non_null(strstr(line, "\"envelope_from\":\"\""));
	assert_non_null(strstr(line, "\"sp\":\"reject\""));
	assert_non_null(strstr(line, "\"dkim\":[]"));
	assert_non_null(strstr(line, "\"scope\":\"helo\",\"result\":\"pass\""));
	assert_non_null(strstr(line, "\"disposition\":\"none\""));
	assert_int_equal(strchr(line, '\n') - line, (long)len - 1);
	free(line);

	f.dmarc = NULL;
	assert_null(inbound_history_line(1, "192.0.2.1", "", &f, 'n', &len));
}

static void
test_headers(void **state)
{
	static const char m[] =
	    "Received: from x\r\n"
	    "Authentication-Results: MX.Example.GOV.vn;\r\n\tdkim=pass\r\n"
	    "From: A <a@example.org>\r\n"
	    "Authentication-Results: other.example; spf=pass\r\n"
	    "Subject : one\r\n"
	    "authentication-results \t: mx.example.gov.vn (c); dmarc=pass\r\n"
	    "Subject: two\r\n"
	    "Authentication-Results: mx.example.gov.vn.evil; x=y\r\n"
	    "\r\n"
	    "From: not a field\r\n";
	struct inbound_headers h;
	const char *p;

	(void)state;
	inbound_headers_scan(m, sizeof(m) - 1, "mx.example.gov.vn", &h);
	p = strstr(m, "\r\n\r\n");
	assert_int_equal(h.end, (size_t)(p - m) + 4);
	assert_int_equal(h.nfrom, 1);
	assert_memory_equal(m + h.from.off, "From: A <a@example.org>\r\n", h.from.len);
	assert_true(h.have_subject);
	assert_memory_equal(m + h.subject.off, "Subject : one\r\n", h.subject.len);
	assert_int_equal(h.nours, 2);
	assert_memory_equal(m + h.ours[0].off,
	    "Authentication-Results: MX.Example.GOV.vn;\r\n\tdkim=pass\r\n", h.ours[0].len);
	assert_memory_equal(m + h.ours[1].off, "authentication-results \t: mx.example.gov.vn",
	    39);

	/* no empty line: the whole input is header; a bare LF ends it too */
	inbound_headers_scan("From: x@y.z", 11, "mx.example.gov.vn", &h);
	assert_int_equal(h.end, 11);
	assert_int_equal(h.nfrom, 1);
	inbound_headers_scan("A: b\n\nFrom: x\n", 14, "mx.example.gov.vn", &h);
	assert_int_equal(h.end, 6);
	assert_int_equal(h.nfrom, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_governed),
		cmocka_unit_test(test_dmarc_others),
		cmocka_unit_test(test_dns_failures),
		cmocka_unit_test(test_alignment_and_lists),
		cmocka_unit_test(test_history_line),
		cmocka_unit_test(test_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
