/*
 * test_sign_pdfcost.c — the parse cost of PDF updates (sign_pdfcost.c):
 * exact counts of small objects, what is skipped (stream data, comments)
 * and what may not hide tokens from the count ("stream" in a string, a
 * comment or an array), object streams inflated and counted, escaped
 * names, filters that cannot be told, and the stop at max.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../src/govmaild/sign_pdfcost.c"

#define BIG ((size_t)1 << 30)

static size_t
cost(const char *s)
{
	return sign_pdfcost_tokens((const unsigned char *)s, 0, strlen(s), BIG);
}

/* "n" copies of "1 " inside text: prefix, the numbers, suffix. */
static char *
numbers(const char *prefix, size_t n, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix), i;
	char *b = malloc(pl + 2 * n + sl + 1);

	assert_non_null(b);
	memcpy(b, prefix, pl);
	for (i = 0; i < n; i++)
		memcpy(b + pl + 2 * i, "1 ", 2);
	memcpy(b + pl + 2 * n, suffix, sl + 1);
	return b;
}

static void
test_tokens(void **state)
{
	(void)state;
	/* 10 0 obj << /A [ 1 2 3 ] /B (x y) /C <0a0b> >> endobj */
	assert_int_equal(cost("10 0 obj\n<< /A [1 2 3] /B (x (y) \\) z) /C <0a0b> >>\nendobj\n"), 16);
	assert_int_equal(cost(""), 0);
	assert_int_equal(cost("   \r\n\t"), 0);
	assert_int_equal(cost("% a comment\n1"), 1);
	assert_int_equal(sign_pdfcost_tokens((const unsigned char *)"1 2 3", 2, 5, BIG), 2);
	assert_int_equal(sign_pdfcost_tokens((const unsigned char *)"1 2 3", 3, 2, BIG), 0);
	/* unclosed string and hex string: to the end, one token */
	assert_int_equal(cost("(abc 1 2 3"), 1);
	assert_int_equal(cost("<0a0b 1 2 3"), 1);
}

/* Stream data is skipped after a dictionary that is the object's value,
 * and only there. */
static void
test_streams(void **state)
{
	char *b;

	(void)state;
	/* 1 0 obj << /Length 9 >> + endstream endobj: the data is skipped */
	assert_int_equal(cost("1 0 obj\n<< /Length 9 >>\nstream\n1 2 3 4 5\nendstream\nendobj\n"), 8);
	/* "stream" in a string, a comment, an array, or after no dictionary */
	b = numbers("1 0 obj\n<< /A (stream) >> ", 1000, "endstream endobj");
	assert_true(cost(b) >= 1000);
	free(b);
	b = numbers("1 0 obj\n<< /A 1 >> % stream\n", 1000, "endstream endobj");
	assert_true(cost(b) >= 1000);
	free(b);
	b = numbers("1 0 obj\n[<< >> stream ", 1000, "endstream] endobj");
	assert_true(cost(b) >= 1000);
	free(b);
	b = numbers("1 0 obj\n1 stream ", 1000, "endstream endobj");
	assert_true(cost(b) >= 1000);
	free(b);
}

/* An object stream "N 0 obj << dict >> stream" with data inflated or not. */
static char *
objstm(const char *dict, size_t n, int deflate, size_t *len)
{
	char *text = numbers("1 0 [", n, "]"), *b;
	size_t tl = strlen(text), o;
	uLongf zl = compressBound((uLong)tl);
	unsigned char *z = malloc(zl);

	assert_non_null(z);
	if (deflate)
		assert_int_equal(compress2(z, &zl, (unsigned char *)text, (uLong)tl, 9), Z_OK);
	else {
		memcpy(z, text, tl);
		zl = (uLongf)tl;
	}
	b = malloc(zl + 256);
	assert_non_null(b);
	o = (size_t)sprintf(b, "5 0 obj\n<< %s /Length %lu >>\nstream\n", dict, (unsigned long)zl);
	memcpy(b + o, z, zl);
	o += zl;
	o += (size_t)sprintf(b + o, "\nendstream\nendobj\n");
	free(z);
	free(text);
	*len = o;
	return b;
}

static void
test_object_streams(void **state)
{
	size_t len, c;
	char *b;

	(void)state;
	/* deflated: 100,000 numbers in a few hundred bytes count as many */
	b = objstm("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", 100000, 1, &len);
	assert_true(len < 2000);
	c = sign_pdfcost_tokens((const unsigned char *)b, 0, len, BIG);
	assert_true(c >= 100000 && c < 110000);
	/* counting stops at max, also while inflating */
	assert_int_equal(sign_pdfcost_tokens((const unsigned char *)b, 0, len, 5000), 5000);
	free(b);
	/* an escaped name is the same name */
	b = objstm("/Type /Obj#53tm /N 1 /First 4 /Filter /Fl", 100000, 1, &len);
	assert_true(sign_pdfcost_tokens((const unsigned char *)b, 0, len, BIG) >= 100000);
	free(b);
	/* not filtered: its text counted */
	b = objstm("/Type /ObjStm /N 1 /First 4", 100000, 0, &len);
	assert_true(sign_pdfcost_tokens((const unsigned char *)b, 0, len, BIG) >= 100000);
	free(b);
	/* a stream that is no object stream: its data is not counted */
	b = objstm("/Filter /FlateDecode", 100000, 1, &len);
	assert_true(sign_pdfcost_tokens((const unsigned char *)b, 0, len, BIG) < 20);
	free(b);
	/* other filters, two, or one named indirectly: max */
	b = objstm("/Type /ObjStm /Filter /LZWDecode", 10, 0, &len);
	assert_int_equal(sign_pdfcost_tokens((const unsigned char *)b, 0, len, 7777), 7777);
	free(b);
	b = objstm("/Type /ObjStm /Filter [/FlateDecode /FlateDecode]", 10, 1, &len);
	assert_int_equal(sign_pdfcost_tokens((const unsigned char *)b, 0, len, 7777), 7777);
	free(b);
	b = objstm("/Type /ObjStm /Filter 9 0 R", 10, 1, &len);
	assert_int_equal(sign_pdfcost_tokens((const unsigned char *)b, 0, len, 7777), 7777);
	free(b);
	/* a cross-reference stream: one per 8 bytes it holds */
	b = objstm("/Type /XRef /Filter /FlateDecode", 40000, 1, &len);
	c = sign_pdfcost_tokens((const unsigned char *)b, 0, len, BIG);
	assert_true(c >= 80000 / 8 && c < 80000 / 8 + 40);
	free(b);
	/* damaged deflate data: what inflated, no more */
	b = objstm("/Type /ObjStm /Filter /FlateDecode", 100000, 0, &len);
	assert_true(sign_pdfcost_tokens((const unsigned char *)b, 0, len, BIG) < 40);
	free(b);
}

/* 8 MB of numbers: every one counted, or counting stops at max. */
static void
test_stops(void **state)
{
	char *b = numbers("1 0 obj [", 4 * 1024 * 1024, "] endobj");

	(void)state;
	assert_int_equal(cost(b), 4 * 1024 * 1024 + 6);   /* 1 0 obj [ ... ] endobj */
	assert_int_equal(sign_pdfcost_tokens((const unsigned char *)b, 0, strlen(b), 1000), 1000);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_object_streams),
		cmocka_unit_test(test_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
