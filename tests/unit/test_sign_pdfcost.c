/*
 * test_sign_pdfcost.c — the parse cost of the objects a PDF's updates make
 * a reader read (sign_pdfcost.c): exact counts of one object read from
 * its offset (strings, comments, stream data not counted, the end at
 * endobj), and of object streams decoded: deflated contents counted, the
 * filters that cannot be told (another, two, one named indirectly, an
 * indirect second one), data that does not inflate to its end, data with
 * "endstream" inside it read as /Length says, /DecodeParms, and the stop
 * at max.
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
object(const char *s, size_t max)
{
	return sign_pdfcost_object((const unsigned char *)s, strlen(s), 0, max);
}

/* prefix, n copies of "1 ", suffix */
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
test_object(void **state)
{
	const char *s;
	char *b;

	(void)state;
	/* 10 0 obj << /A [ 1 2 3 ] /B (..) /C <..> >> endobj */
	assert_int_equal(object("10 0 obj\n<< /A [1 2 3] /B (x (y) \\) z) /C <0a0b> >>\nendobj\n", BIG), 16);
	/* a comment counts nothing; what follows endobj is not read */
	assert_int_equal(object("10 0 obj % a [ 1 2 comment\n[1] endobj 7 7 7 7", BIG), 7);
	/* a stream's data counts nothing */
	assert_int_equal(object("5 0 obj << /Length 9 >>\nstream\n1 2 3 4 5\nendstream\nendobj", BIG), 7);
	/* from the offset given, not from the start */
	s = "junk ( 1 2 3 4 5 6 7 8 9 3 0 obj [1 2] endobj";
	assert_int_equal(sign_pdfcost_object((const unsigned char *)s, strlen(s),
	    (size_t)(strstr(s, "3 0 obj") - s), BIG), 8);
	/* no "N G obj" there: a reader fails at once */
	assert_true(object("[1 2 3 4 5 6 7 8]", BIG) <= 3);
	assert_int_equal(sign_pdfcost_object((const unsigned char *)s, strlen(s), strlen(s), BIG), 0);
	/* "stream" that is no stream keyword after the dictionary is counted */
	b = numbers("1 0 obj [<< >> stream ", 1000, "] endobj");
	assert_true(object(b, BIG) >= 1000);
	free(b);
	/* an unclosed string or array: to the end */
	assert_int_equal(object("1 0 obj (abc 1 2 3", BIG), 4);
	b = numbers("1 0 obj [", 100000, "");
	/* and one per 64 bytes read */
	assert_int_equal(object(b, BIG), 100004 + (9 + 200000) / 64);
	/* counting stops at max */
	assert_int_equal(object(b, 1000), 1000);
	free(b);
}

/* An object stream "5 0 obj << dict /Length L >> stream DATA endstream":
 * DATA is text (n numbers), deflated deflate times. */
static char *
objstm(const char *dict, const char *text, int deflate, size_t *len)
{
	size_t tl = strlen(text), o, zl = tl;
	unsigned char *z = malloc(tl + 64), *y;
	char *b;
	int i;

	assert_non_null(z);
	memcpy(z, text, tl);
	for (i = 0; i < deflate; i++) {
		uLongf yl = compressBound((uLong)zl);

		y = malloc(yl);
		assert_non_null(y);
		assert_int_equal(compress2(y, &yl, z, (uLong)zl, 9), Z_OK);
		free(z);
		z = y;
		zl = yl;
	}
	b = malloc(zl + strlen(dict) + 128);
	assert_non_null(b);
	o = (size_t)sprintf(b, "5 0 obj\n<< %s /Length %zu >>\nstream\n", dict, zl);
	memcpy(b + o, z, zl);
	o += zl;
	o += (size_t)sprintf(b + o, "\nendstream\nendobj\n");
	free(z);
	*len = o;
	return b;
}

static size_t
stm(const char *dict, const char *text, int deflate, size_t max)
{
	size_t len, c;
	char *b = objstm(dict, text, deflate, &len);

	c = sign_pdfcost_objstm((const unsigned char *)b, len, 0, max);
	free(b);
	return c;
}

static void
test_object_streams(void **state)
{
	char *text = numbers("9 0 [", 100000, "]");
	size_t c;

	(void)state;
	/* deflated: 100,000 numbers in a few hundred bytes count as many */
	c = stm("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", text, 1, BIG);
	assert_true(c >= 100000 && c < 110000);
	/* stops at max, also while inflating */
	assert_int_equal(stm("/Filter /FlateDecode", text, 1, 5000), 5000);
	/* /Type does not matter (the cross-reference says it is one); /Fl,
	 * [/FlateDecode], no filter: counted */
	assert_true(stm("/N 1 /First 4 /Filter /Fl", text, 1, BIG) >= 100000);
	assert_true(stm("/Filter [/FlateDecode]", text, 1, BIG) >= 100000);
	assert_true(stm("/Filter /Fl#61teDecode", text, 1, BIG) >= 100000);
	assert_true(stm("/N 1", text, 0, BIG) >= 100000);
	/* with /DecodeParms: one per decoded byte */
	assert_true(stm("/Filter /FlateDecode /DecodeParms << /Predictor 12 >>", text, 1, BIG) >=
	    strlen(text));
	/* what cannot be told without decoding: max */
	assert_int_equal(stm("/Filter /LZWDecode", "1 2", 0, 7777), 7777);
	assert_int_equal(stm("/Filter [/FlateDecode /FlateDecode]", "1 2", 2, 7777), 7777);
	assert_int_equal(stm("/Filter [/FlateDecode 97 0 R]", "1 2", 2, 7777), 7777);
	assert_int_equal(stm("/Filter 97 0 R", "1 2", 1, 7777), 7777);
	assert_int_equal(stm("/Type /ObjStm /Filter << >>", "1 2", 1, 7777), 7777);
	assert_int_equal(stm("/Type /ObjStm 12 /Filter /FlateDecode", "1 2", 1, 7777), 7777);
	/* data that does not inflate to its end (not deflated at all) */
	assert_int_equal(stm("/Filter /FlateDecode", text, 0, 7777), 7777);
	free(text);
}

/* "endstream" inside deflated data: /Length says where the data ends, and
 * without a direct /Length the data must still inflate to its end. */
static void
test_stream_extent(void **state)
{
	char *text = numbers("9 0 endstream [", 50000, "]");
	unsigned char z[4096];
	char b[8192];
	size_t tl = strlen(text), hl = strlen("9 0 endstream "), o;
	uLongf zl;
	z_stream s;

	(void)state;
	/* a stored block holding the head (with "endstream"), then the rest */
	memset(&s, 0, sizeof(s));
	assert_int_equal(deflateInit(&s, 9), Z_OK);
	s.next_in = (unsigned char *)text;
	s.avail_in = (unsigned)hl;
	s.next_out = z;
	s.avail_out = sizeof(z);
	assert_int_equal(deflateParams(&s, 0, Z_DEFAULT_STRATEGY), Z_OK);
	assert_int_equal(deflate(&s, Z_FULL_FLUSH), Z_OK);
	assert_int_equal(deflateParams(&s, 9, Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = (unsigned char *)text + hl;
	s.avail_in = (unsigned)(tl - hl);
	assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
	zl = (uLongf)s.total_out;
	deflateEnd(&s);
	assert_non_null(memmem(z, zl, "endstream", 9));

	o = (size_t)sprintf(b, "5 0 obj << /Filter /FlateDecode /Length %lu >>\nstream\n", (unsigned long)zl);
	memcpy(b + o, z, zl);
	o += zl;
	o += (size_t)sprintf(b + o, "\nendstream\nendobj\n");
	assert_true(sign_pdfcost_objstm((unsigned char *)b, o, 0, BIG) >= 50000);
	/* the same with /Length indirect: cut at the first "endstream", it
	 * does not inflate to its end */
	o = (size_t)sprintf(b, "5 0 obj << /Filter /FlateDecode /Length 6 0 R >>\nstream\n");
	memcpy(b + o, z, zl);
	o += zl;
	o += (size_t)sprintf(b + o, "\nendstream\nendobj\n");
	assert_int_equal(sign_pdfcost_objstm((unsigned char *)b, o, 0, 4321), 4321);
	free(text);
}

/* Reading is bounded by the count: 4 MB of blanks before the object cost
 * 65,536 tokens, and reading stops at max. */
static void
test_blanks(void **state)
{
	size_t n = (size_t)4 << 20;
	char *b = malloc(n + 32);

	(void)state;
	assert_non_null(b);
	memset(b, ' ', n);
	strcpy(b + n, "1 0 obj [1] endobj");
	assert_int_equal(sign_pdfcost_object((unsigned char *)b, n + 18, 0, BIG), n / 64 + 7);   /* 1 0 obj [ 1 ] endobj */
	assert_int_equal(sign_pdfcost_object((unsigned char *)b, n + 18, 0, 1000), 1000);
	free(b);
}

static void
test_text(void **state)
{
	(void)state;
	/* an upper bound of a reader's tokens */
	assert_int_equal(sign_pdfcost_text((const unsigned char *)"1 0 [1 2 (a b) /N <0a>]", 23, BIG), 15);
	assert_int_equal(sign_pdfcost_text((const unsigned char *)"[[[[", 4, BIG), 4);
	assert_int_equal(sign_pdfcost_text((const unsigned char *)"[[[[", 4, 3), 3);
	assert_int_equal(sign_pdfcost_text((const unsigned char *)"   ", 3, BIG), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_object_streams),
		cmocka_unit_test(test_stream_extent),
		cmocka_unit_test(test_blanks),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
