/*
 * test_dkim_sign.c — the DKIM signer's canonicalisation (RFC 6376 §3.4.2
 * and §3.4.4, including the example of §3.4.5), that the streamed body
 * canonicaliser gives the same bytes however the body is cut into chunks,
 * that it gives what RFC 6376 §3.4.4 read literally gives on random bodies
 * and around every place its sixteen-byte quick path must stop,
 * how a header section is cut into fields, and the caller's extra signed
 * field (dkim_sign_also).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/dkim_sign.c"
#include "../../src/govmaild/spool.c"
#include "dkim_body_ref.h"

static void
hdr_is(const char *in, const char *want)
{
	size_t n;
	char *out = dkim_canon_header(in, strlen(in), &n);

	if (want == NULL) {
		assert_null(out);
		return;
	}
	assert_non_null(out);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	free(out);
}

static void
test_header_canon(void **state)
{
	(void)state;
	/* §3.4.5's example. */
	hdr_is("A: X\r\n", "a:X\r\n");
	hdr_is("B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n");
	hdr_is("SubJect :  A  \t b \r\n\t c \r\n", "subject:A b c\r\n");
	hdr_is("X-Empty:\r\n", "x-empty:\r\n");
	hdr_is("X-Empty:   \r\n", "x-empty:\r\n");
	hdr_is("To: a@b,\r\n c@d", "to:a@b, c@d\r\n");
	/* 8-bit bytes pass unchanged. */
	hdr_is("Subject: Hậu Giang\r\n", "subject:Hậu Giang\r\n");
	hdr_is("no colon here\r\n", NULL);
}

struct collect {
	char *p;
	size_t n;
};

static void
collect(void *arg, const char *p, size_t n)
{
	struct collect *c = arg;

	c->p = realloc(c->p, c->n + n + 1);
	memcpy(c->p + c->n, p, n);
	c->n += n;
	c->p[c->n] = '\0';
}

/* Canonicalise in in chunks of size step (0: all at once). */
static char *
body(const char *in, size_t len, size_t step)
{
	struct collect c = { NULL, 0 };
	struct dkim_body_canon *bc = dkim_body_canon_new(collect, &c);
	size_t i;

	if (step == 0)
		step = len ? len : 1;
	for (i = 0; i < len; i += step)
		dkim_body_canon_add(bc, in + i, len - i < step ? len - i : step);
	dkim_body_canon_end(bc);
	dkim_body_canon_free(bc);
	if (c.p == NULL)
		c.p = calloc(1, 1);
	return c.p;
}

static void
body_is(const char *in, const char *want)
{
	size_t step;

	for (step = 0; step < 8; step++) {
		char *out = body(in, strlen(in), step);

		assert_string_equal(out, want);
		free(out);
	}
}

static void
test_body_canon(void **state)
{
	(void)state;
	/* §3.4.5's example. */
	body_is(" C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");
	body_is("", "");
	body_is("\r\n", "");
	body_is("\r\n\r\n  \r\n\t\r\n", "");
	body_is("abc", "abc\r\n");
	body_is("abc  ", "abc\r\n");
	body_is("a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n");
	body_is("a\r\n  \r\nb\r\n", "a\r\n\r\nb\r\n");
	body_is("a\r\n \t \r\n\t\r\n", "a\r\n");
	body_is("\t lead\r\n", " lead\r\n");
	/* A CR or LF alone is text, not a line end. */
	body_is("a\rb\r\n", "a\rb\r\n");
	body_is("a\r", "a\r\r\n");
	body_is("a\nb\r\n", "a\nb\r\n");
	body_is("Kính gửi  các đồng chí \r\n", "Kính gửi các đồng chí\r\n");
}

static void
test_body_chunking(void **state)
{
	const char *text = "Sở Nội vụ \t thông báo\r\n\r\n  lịch họp  \r\n\r\n"
	    "x\ry\r\n \r\n\r\n";
	size_t len = strlen(text), step;
	char *whole = body(text, len, 0);

	(void)state;
	for (step = 1; step <= len; step++) {
		char *part = body(text, len, step);

		assert_string_equal(part, whole);
		free(part);
	}
	free(whole);
}

static void
test_header_split(void **state)
{
	static const char block[] =
	    "Received: from x\r\n\tby y\r\n"
	    "From: An <an@haugiang.gov.vn>\r\n"
	    "To: a@b,\r\n c@d\r\n"
	    "Subject: one\r\n"
	    "Subject: two\r\n"
	    "X-Other: not signed\r\n"
	    "\r\n"
	    "body\r\n";
	struct dkim_sign s;
	long long off;

	(void)state;
	memset(&s, 0, sizeof(s));
	off = dkim_sign_headers(&s, block, sizeof(block) - 1);
	assert_int_equal(off, strstr(block, "\r\n\r\n") - block + 4);
	assert_int_equal(s.nf, 4);
	assert_string_equal(s.f[0].canon, "from:An <an@haugiang.gov.vn>\r\n");
	assert_string_equal(s.f[1].canon, "to:a@b, c@d\r\n");
	assert_string_equal(s.f[3].canon, "subject:two\r\n");
	assert_int_equal(s.count[2], 2);        /* sign_fields[2] is subject */
	for (size_t i = 0; i < s.nf; i++)
		free(s.f[i].canon);
	free(s.f);
}

/* Many instances of a signed field are all kept; the header bytes are bounded. */
static void
test_header_many(void **state)
{
	struct dkim_sign s;
	char field[64];
	int i;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 100; i++) {
		snprintf(field, sizeof(field), "To: r%d@example.com\r\n", i);
		assert_int_equal(dkim_sign_header(&s, field, strlen(field)), 0);
	}
	assert_int_equal(s.count[1], 100);      /* sign_fields[1] is to */
	for (i = 0; s.bytes < DKIM_SIGN_HEADER_MAX && i < 100000; i++)
		if (dkim_sign_header(&s, "Cc: someone@example.com\r\n", 25) != 0)
			break;
	assert_true(s.overflow);
	for (size_t k = 0; k < s.nf; k++)
		free(s.f[k].canon);
	free(s.f);
}

/* The reference (dkim_body_ref.h), NUL-terminated. */
static char *
reference_body(const char *in, size_t n)
{
	size_t len;
	char *out = dkim_body_ref(in, n, &len);

	assert_non_null(out);
	return out;
}

/* Random body number t (n bytes), cut into chunks of step: the same
 * bytes as the reference. */
static void
random_like_reference(const char *in, size_t n, size_t step, int t)
{
	char *want = reference_body(in, n), *got = body(in, n, step);

	if (strcmp(got, want) != 0)
		fail_msg("body %d (%zu bytes, chunks of %zu) differs from RFC 6376 3.4.4",
		    t, n, step);
	free(want);
	free(got);
}

/* Random bodies, mostly text with CRLF lines, some WSP runs, tabs, lone
 * CR and LF, trailing WSP and empty lines, cut into random chunks: the
 * same bytes as the reference. */
static void
test_body_reference(void **state)
{
	static const char text[] = "abcdefgh";
	char *in = malloc(20000);
	int t;

	(void)state;
	assert_non_null(in);
	srand(6376);
	for (t = 0; t < 800; t++) {
		size_t n = (size_t)(rand() % 12000), i;

		for (i = 0; i < n; i++) {
			int r = rand() % 100;

			if (r < 75)
				in[i] = text[rand() % 8];
			else if (r < 88)
				in[i] = ' ';
			else if (r < 96 && i + 1 < n) {
				in[i++] = '\r';
				in[i] = '\n';
			} else
				in[i] = "\r\n\t"[rand() % 3];
		}
		random_like_reference(in, n, (size_t)(rand() % 3000), t);
	}
	free(in);
}

/* The canonicaliser against the reference, n bytes cut into chunks of
 * every size from 1 to small, then a few larger ones and all at once. */
static void
body_like_reference(const char *in, size_t n, size_t small, const char *what)
{
	static const size_t big[] = { 0, 63, 64, 65, 4093, 16383, 16384, 16385, 65536 };
	char *want = reference_body(in, n), *got;
	size_t step;

	for (step = 1; step <= small + sizeof(big) / sizeof(big[0]); step++) {
		size_t st = step <= small ? step : big[step - small - 1];

		got = body(in, n, st);
		if (strcmp(got, want) != 0)
			fail_msg("%s (%zu bytes, chunks of %zu) differs from RFC 6376 3.4.4", what,
			    n, st);
		free(got);
	}
	free(want);
}

/* The quick path takes sixteen bytes at a time, judging each byte with
 * the next: every kind of byte it must stop at, at every offset across
 * two blocks, and every chunk size (so a chunk end falls before, inside
 * and after it): a WSP run, WSP before a line end, a tab, CRLF, empty
 * lines, a lone CR or LF, control and 8-bit bytes, a space at the start
 * of a line. */
static void
test_body_blocks(void **state)
{
	static const char *const cut[] = {
		"  ", " \r\n", "\t", "\r\n", "\r\n\r\n", "\r", "\n", " \t ", " \r",
		"\r\n ", "\r\n\t", "\x01", "\x1f", "\x7f", "\x80\xff", " \x01", "\x01 ",
		" \r\n\r\n  \r\n", "\r\r\n", " \n", "   \t\t ",
	};
	static const char plain[] = "Ke hoach so 12/KH-UBND ve chuyen doi so nam 2026, "
	    "ban hanh kem theo Quyet dinh so 345.";
	char in[400];
	size_t k, off, n;

	(void)state;
	for (k = 0; k < sizeof(cut) / sizeof(cut[0]); k++) {
		for (off = 0; off <= 40; off++) {
			char what[64];

			n = 0;
			memcpy(in + n, plain, off);
			n += off;
			memcpy(in + n, cut[k], strlen(cut[k]));
			n += strlen(cut[k]);
			memcpy(in + n, plain, 40);
			n += 40;
			memcpy(in + n, "\r\n", 2);
			n += 2;
			memcpy(in + n, plain, off % 17);
			n += off % 17;
			in[n] = '\0';
			snprintf(what, sizeof(what), "cut %zu at %zu", k, off);
			body_like_reference(in, n, 40, what);
		}
	}
}

/* Lines longer than the canonicaliser's buffer (16 KB) and than a spool
 * read (64 KB): plain text, WSP runs in them and at their ends (where a
 * chunk may end between the WSP and the CRLF), and trailing empty lines. */
static void
test_body_long_lines(void **state)
{
	size_t n = 0, i, len = 3 * 65536 + 100;
	char *in = malloc(len + 1);
	int t;

	(void)state;
	assert_non_null(in);
	for (t = 0; t < 3; t++) {
		size_t line = t == 0 ? 16384 : t == 1 ? 16385 + 7 : 70001;

		n = 0;
		for (i = 0; i < line; i++)
			in[n++] = i % 97 == 50 ? ' ' : i % 5003 == 7 ? '\t' : (char)('a' + i % 26);
		memcpy(in + n, "  \t \r\n", 6);
		n += 6;
		for (i = 0; i < line / 2; i++)
			in[n++] = i % 3 == 0 ? ' ' : 'x';
		memcpy(in + n, "\r\n\r\n \r\n", 7);
		n += 7;
		in[n] = '\0';
		body_like_reference(in, n, 0, "long lines");
	}
	free(in);
}

/* Random bodies mostly of words (so the quick path runs long), with every
 * byte value but NUL now and then. */
static void
test_body_reference_words(void **state)
{
	char *in = malloc(70000);
	int t;

	(void)state;
	assert_non_null(in);
	srand(8463);
	for (t = 0; t < 120; t++) {
		size_t n = (size_t)(rand() % 40000), i;

		for (i = 0; i < n; i++) {
			int r = rand() % 1000;

			if (r < 800)
				in[i] = (char)('a' + rand() % 26);
			else if (r < 950)
				in[i] = ' ';
			else if (r < 980 && i + 1 < n) {
				in[i++] = '\r';
				in[i] = '\n';
			} else
				in[i] = (char)(1 + rand() % 255);
		}
		in[n] = '\0';
		random_like_reference(in, n, 1 + (size_t)(rand() % 70000), t);
	}
	free(in);
}

/* dkim_sign_also: the named field is kept (every instance), other
 * unsigned fields still are not; names that could break h= are ignored. */
static void
test_header_also(void **state)
{
	static const char block[] =
	    "From: an@haugiang.gov.vn\r\n"
	    "X-Govmail-Signature: \"cv.pdf\"; result=pass;\r\n"
	    "X-Other: not signed\r\n"
	    "x-govmail-signature: second\r\n"
	    "\r\n";
	struct dkim_sign s;

	(void)state;
	memset(&s, 0, sizeof(s));
	dkim_sign_also(&s, "bad name");
	dkim_sign_also(&s, "x:y");
	dkim_sign_also(&s, "");
	dkim_sign_also(&s, "Subject");          /* signed anyway */
	assert_null(s.extra);
	dkim_sign_also(&s, "X-Govmail-Signature");
	assert_string_equal(s.extra, "X-Govmail-Signature");
	dkim_sign_also(&s, "X-Other");          /* one name only */
	assert_string_equal(s.extra, "X-Govmail-Signature");
	assert_true(dkim_sign_headers(&s, block, sizeof(block) - 1) > 0);
	assert_int_equal(s.nf, 3);
	assert_int_equal(s.count[SIGN_EXTRA], 2);
	assert_string_equal(s.f[1].canon, "x-govmail-signature:\"cv.pdf\"; result=pass;\r\n");
	assert_string_equal(s.f[2].canon, "x-govmail-signature:second\r\n");
	for (size_t i = 0; i < s.nf; i++)
		free(s.f[i].canon);
	free(s.f);
	free(s.extra);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_canon),
		cmocka_unit_test(test_body_canon),
		cmocka_unit_test(test_body_chunking),
		cmocka_unit_test(test_header_split),
		cmocka_unit_test(test_header_many),
		cmocka_unit_test(test_header_also),
		cmocka_unit_test(test_body_reference),
		cmocka_unit_test(test_body_blocks),
		cmocka_unit_test(test_body_long_lines),
		cmocka_unit_test(test_body_reference_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
