/*
 * test_message_from.c — one From: field read for the inbound check
 * (message.c): libetpan's reading of the field (whole field or a problem),
 * the one domain DMARC looks up, and every domain the field names, in
 * addresses, display names, comments and RFC 2047 encoded words alike
 * (what the governed-domain rule checks). message.c is part of govmaild, so its source (and the
 * spool's, which it reads from) is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/message.c"
#include "../../src/govmaild/spool.c"

#define MAXD 4

/* Read field; the DMARC domain into dom ("" when none) and the named
 * domains, space-separated, into named ("+" appended when too many). */
static void
read_from(const char *field, const char **problem, size_t *naddrs, char *dom, char *named)
{
	char (*out)[MESSAGE_DOMAIN_MAX];
	struct message_from mf;
	size_t n, i;

	out = calloc(MAXD, sizeof(*out));
	assert_non_null(out);
	message_from_field(field, strlen(field), &mf);
	*problem = mf.problem;
	*naddrs = mf.naddrs;
	if (message_from_domain(&mf, dom, MESSAGE_DOMAIN_MAX) != 0)
		dom[0] = '\0';
	n = message_from_named(field, strlen(field), &mf, out, MAXD);
	named[0] = '\0';
	for (i = 0; i < n && i < MAXD; i++) {
		strcat(named, i ? " " : "");
		strcat(named, out[i]);
	}
	if (n > MAXD)
		strcat(named, "+");
	message_from_clear(&mf);
	free(out);
}

static void
test_good(void **state)
{
	struct { const char *field, *dom, *named; } t[] = {
		{ "From: annv@HauGiang.gov.vn\r\n", "haugiang.gov.vn", "haugiang.gov.vn" },
		{ "From: Nguy\xe1\xbb\x85n V\xc4\x83n An <annv@haugiang.gov.vn>\r\n",
		    "haugiang.gov.vn", "haugiang.gov.vn" },
		{ "From: =?UTF-8?B?Tmd1eeG7hW4=?= <annv@haugiang.gov.vn>\r\n",
		    "haugiang.gov.vn", "haugiang.gov.vn" },
		{ "From: annv@haugiang.gov.vn (An)\r\n", "haugiang.gov.vn", "haugiang.gov.vn" },
		{ "From: \"An, N\" <annv@haugiang.gov.vn>\r\n", "haugiang.gov.vn",
		    "haugiang.gov.vn" },
		{ "From: Nguyen\r\n Van An\r\n <annv@haugiang.gov.vn>\r\n", "haugiang.gov.vn",
		    "haugiang.gov.vn" },
		{ "From: annv@haugiang.gov.vn\n", "haugiang.gov.vn", "haugiang.gov.vn" },
		{ "FROM : a@example.org\r\n", "example.org", "example.org" },
		{ "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n",
		    "mx.example.org", "mx.example.org" },
	};
	const char *problem;
	char dom[MESSAGE_DOMAIN_MAX], named[4 * MESSAGE_DOMAIN_MAX + 8];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		read_from(t[i].field, &problem, &n, dom, named);
		assert_null(problem);
		assert_int_equal(n, 1);
		assert_string_equal(dom, t[i].dom);
		assert_string_equal(named, t[i].named);
	}
}

/* Fields that are no list of addresses with domains: a problem, no
 * address, no DMARC domain. */
static void
test_malformed(void **state)
{
	const char *bad[] = {
		"From: annv@haugiang.gov.vn (unterminated\r\n",
		"From: undisclosed:;\r\n",
		"From: <>\r\n",
		"From: annv\r\n",
		"From:\r\n",
	};
	const char *problem;
	char dom[MESSAGE_DOMAIN_MAX], named[4 * MESSAGE_DOMAIN_MAX + 8];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		read_from(bad[i], &problem, &n, dom, named);
		assert_non_null(problem);
		assert_string_equal(dom, "");
	}
}

/* What a reader may show, beyond the address libetpan reads. */
static void
test_named(void **state)
{
	const char *problem;
	char dom[MESSAGE_DOMAIN_MAX], named[4 * MESSAGE_DOMAIN_MAX + 8];
	size_t n;

	(void)state;
	/* a governed address in the display name */
	read_from("From: \"annv@haugiang.gov.vn\" <x@evil.example>\r\n", &problem, &n, dom,
	    named);
	assert_null(problem);
	assert_string_equal(dom, "evil.example");
	assert_string_equal(named, "haugiang.gov.vn evil.example");
	/* obsolete syntax: libetpan joins the words after the address into
	 * its domain; the text's own domain is named too */
	read_from("From: annv@haugiang.gov.vn garbage\r\n", &problem, &n, dom, named);
	assert_string_equal(named, "haugiang.gov.vn haugiang.gov.vngarbage");
	/* two addresses: no DMARC domain, both named, trailing dot dropped */
	read_from("From: a@haugiang.gov.vn., b@Example.ORG\r\n", &problem, &n, dom, named);
	assert_null(problem);
	assert_int_equal(n, 2);
	assert_string_equal(dom, "");
	assert_string_equal(named, "haugiang.gov.vn example.org");
	/* a domain literal and a U-label: no DMARC domain */
	read_from("From: a@[192.0.2.1]\r\n", &problem, &n, dom, named);
	assert_string_equal(dom, "");
	read_from("From: a@b\xc3\xb4.vn\r\n", &problem, &n, dom, named);
	assert_string_equal(dom, "");
	/* more domains than asked for */
	read_from("From: \"a@d1.example b@d2.example c@d3.example\" <x@d4.example> (y@d5.example)\r\n",
	    &problem, &n, dom, named);
	assert_string_equal(named, "d1.example d2.example d3.example d4.example+");
	/* RFC 2047 encoded words, Q and B: decoded, what a reader shows */
	read_from("From: =?utf-8?q?annv=40haugiang.gov.vn?= <x@evil.example>\r\n", &problem,
	    &n, dom, named);
	assert_null(problem);
	assert_string_equal(dom, "evil.example");
	assert_string_equal(named, "evil.example haugiang.gov.vn");
	read_from("From: \"=?UTF-8?B?YW5udkBIYXVHaWFuZy5nb3Yudm4=?=\" <x@evil.example>\r\n",
	    &problem, &n, dom, named);
	assert_string_equal(named, "evil.example haugiang.gov.vn");
	read_from("From: =?x?Q?a?= (=?iso-8859-1?q?b=40d2.example?=) <x@d1.example>\r\n",
	    &problem, &n, dom, named);
	assert_string_equal(named, "d1.example d2.example");
	/* no encoded words: an unknown encoding, a word never closed */
	read_from("From: =?utf-8?x?a=40d2.example?= <x@d1.example>\r\n", &problem, &n, dom,
	    named);
	assert_string_equal(named, "d1.example");
	read_from("From: X <x@d1.example> (=?utf-8?q?a=40d2.example)\r\n", &problem, &n, dom,
	    named);
	assert_string_equal(named, "d1.example");
	/* the same one many times is one */
	read_from("From: \"a@D1.example a@d1.example a@d1.example\" <x@d1.example>\r\n",
	    &problem, &n, dom, named);
	assert_string_equal(named, "d1.example");
}

/* Read the field of len bytes at f (room for two more), its line end
 * added: whatever it holds, at most MAXD + 1 domains come back. */
static void
read_long(char *f, size_t len)
{
	static char out[MAXD][MESSAGE_DOMAIN_MAX];
	struct message_from mf;

	memcpy(f + len, "\r\n", 3);
	message_from_field(f, len + 2, &mf);
	assert_true(message_from_named(f, len + 2, &mf, out, MAXD) <= MAXD + 1);
	message_from_clear(&mf);
}

/* Many beginnings of encoded words, none or one far away ended: linear
 * (each is looked at for a bounded number of bytes). */
static void
test_many_encoded(void **state)
{
	size_t len = 400000, i;
	char *f = malloc(len + 16);
	int round;

	(void)state;
	assert_non_null(f);
	for (round = 0; round < 3; round++) {
		memcpy(f, "From: ", 6);
		for (i = 6; i + 6 <= len; i += 6)
			memcpy(f + i, round == 0 ? "=?=?=?" : round == 1 ? "=?a?q?" : "=?a?=?", 6);
		for (; i < len; i++)
			f[i] = 'a';
		if (round == 1)
			memcpy(f + len - 4, "a?=a", 4);
		read_long(f, len);
	}
	free(f);
}

/* A long field of '@'s costs one pass (no quadratic rescans). */
static void
test_many_ats(void **state)
{
	size_t len = 200000, i;
	char *f = malloc(len + 16);

	(void)state;
	assert_non_null(f);
	memcpy(f, "From: ", 6);
	for (i = 6; i < len; i++)
		f[i] = i % 7 == 0 ? '@' : 'a' + (char)(i % 3);
	read_long(f, len);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_named),
		cmocka_unit_test(test_many_ats),
		cmocka_unit_test(test_many_encoded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
