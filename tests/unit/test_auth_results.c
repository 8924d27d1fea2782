/*
 * test_auth_results.c — the Authentication-Results field: the layout of
 * spf/dkim/dmarc results, values quoted when they are not tokens,
 * comments and control characters made harmless, "none" when nothing was
 * checked, the authserv-id checked; and recognising incoming fields that
 * claim our authserv-id (with comments, case, spacing) but not others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/auth_results.c"

static void
test_layout(void **state)
{
	struct auth_results *a = auth_results_new("mx.haugiang.gov.vn");
	struct ar_prop spf[] = { { "smtp", "mailfrom", "a.b@example.com" },
	    { "smtp", "helo", "mail.example.com" } };
	struct ar_prop dkim[] = { { "header", "d", "example.com" },
	    { "header", "s", "sel1" }, { "header", "b", "AbCd+/12" } };
	struct ar_prop dmarc[] = { { "header", "from", "example.com" } };
	char *f;

	(void)state;
	assert_non_null(a);
	auth_results_add(a, "spf", "pass", NULL, spf, 2);
	auth_results_add(a, "dkim", "pass", NULL, dkim, 3);
	auth_results_add(a, "dmarc", "fail", "p=reject sp=reject", dmarc, 1);
	f = auth_results_field(a);
	assert_string_equal(f, "Authentication-Results: mx.haugiang.gov.vn;\r\n"
	    "\tspf=pass smtp.mailfrom=a.b@example.com smtp.helo=mail.example.com;\r\n"
	    "\tdkim=pass header.d=example.com header.s=sel1 header.b=\"AbCd+/12\";\r\n"
	    "\tdmarc=fail (p=reject sp=reject) header.from=example.com\r\n");
	free(f);
	auth_results_free(a);
}

static void
test_none_and_id(void **state)
{
	struct auth_results *a = auth_results_new("mx.gov.vn");
	char *f;

	(void)state;
	f = auth_results_field(a);
	assert_string_equal(f, "Authentication-Results: mx.gov.vn; none\r\n");
	free(f);
	auth_results_free(a);
	assert_null(auth_results_new(""));
	assert_null(auth_results_new("mx gov"));
	assert_null(auth_results_new("mx;gov"));
	assert_null(auth_results_new("mx..gov"));
	assert_null(auth_results_new(NULL));
}

static void
test_untrusted_values(void **state)
{
	struct auth_results *a = auth_results_new("mx.gov.vn");
	struct ar_prop p[] = {
		{ "smtp", "mailfrom", "\"x;y\"@evil\r\nX-Injected: 1" },
		{ "smtp", "helo", "" },              /* left out */
		{ "header", "from", "@" },
	};
	char *f;

	(void)state;
	auth_results_add(a, "spf", "fail", "bad (nested) \\ comment\r\n", p, 3);
	f = auth_results_field(a);
	assert_string_equal(f, "Authentication-Results: mx.gov.vn;\r\n"
	    "\tspf=fail (bad nested  comment) "
	    "smtp.mailfrom=\"\\\"x;y\\\"@evil??X-Injected: 1\" header.from=\"@\"\r\n");
	free(f);
	auth_results_free(a);
}

static void
test_is_ours(void **state)
{
	const char *id = "mx.haugiang.gov.vn";
	static const char *const ours[] = {
		"Authentication-Results: mx.haugiang.gov.vn; spf=pass",
		"authentication-results:MX.HauGiang.gov.vn;dkim=pass\r\n",
		"Authentication-Results : (forged) mx.haugiang.gov.vn 1; none",
		"Authentication-Results:\r\n\tmx.haugiang.gov.vn;\r\n\tspf=pass\r\n",
		"Authentication-Results: (a (nested) comment) mx.haugiang.gov.vn(x); none",
	};
	static const char *const theirs[] = {
		"Authentication-Results: mx.haugiang.gov.vn.evil.com; spf=pass",
		"Authentication-Results: haugiang.gov.vn; spf=pass",
		"Authentication-Results: mx.google.com; dkim=pass",
		"Authentication-Results-Original: mx.haugiang.gov.vn; spf=pass",
		"ARC-Authentication-Results: i=1; mx.haugiang.gov.vn; spf=pass",
		"Authentication-Results mx.haugiang.gov.vn; spf=pass",
		"Authentication-Results: (unterminated mx.haugiang.gov.vn; none",
		"Authentication-Results:",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		assert_true(auth_results_is_ours(ours[i], strlen(ours[i]), id));
	for (i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++)
		assert_false(auth_results_is_ours(theirs[i], strlen(theirs[i]), id));
}

static void
test_bounds(void **state)
{
	struct auth_results *a = auth_results_new("mx.gov.vn");
	char big[4096], *f;
	struct ar_prop p[] = { { "header", "d", big } };
	int i;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < AR_MAX_RESULTS + 5; i++)
		auth_results_add(a, "dkim", "fail", big, p, 1);
	f = auth_results_field(a);
	/* 16 results, each value and comment cut at 256 bytes. */
	assert_true(strlen(f) < (size_t)AR_MAX_RESULTS * (2 * AR_VALUE_MAX + 64) + 64);
	{
		const char *q = f;
		int n = 0;

		while ((q = strstr(q, "\tdkim=fail")) != NULL) {
			n++;
			q++;
		}
		assert_int_equal(n, AR_MAX_RESULTS);
	}
	free(f);
	auth_results_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_none_and_id),
		cmocka_unit_test(test_untrusted_values),
		cmocka_unit_test(test_is_ours),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
