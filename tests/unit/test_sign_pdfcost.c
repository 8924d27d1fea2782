/*
 * test_sign_pdfcost.c — the parse cost of the objects a PDF's updates make
 * a reader read (sign_pdfcost.c): exact counts of one object read from
 * its offset (strings, comments, stream data not counted, the end at
 * endobj), and of object streams decoded: deflated contents counted, the
 * filters that cannot be told (another, two, one named indirectly, an
 * indirect second one), data that does not inflate to its end, data with
 * "endstream" inside it read as /Length says, /DecodeParms, and the stop
 * at max; an object stream's offset table followed (objects led to one
 * array count it each time); a trailer's dictionary; the bound over all
 * the bytes when the sections cannot be read; and what
 * sign_pdfxref_reach() takes from later sections a strict reader refuses
 * (a free entry, an object under two generations, rows filtered Sub,
 * Average and Paeth).
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
#include "../../src/govmaild/sign_pdfxref.c"

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
	/* the same with /Length indirect: read to the end of the file, where
	 * the reader's length may lead; it inflates to its end */
	o = (size_t)sprintf(b, "5 0 obj << /Filter /FlateDecode /Length 6 0 R >>\nstream\n");
	memcpy(b + o, z, zl);
	o += zl;
	o += (size_t)sprintf(b + o, "\nendstream\nendobj\n");
	assert_true(sign_pdfcost_objstm((unsigned char *)b, o, 0, BIG) >= 50000);
	/* and what does not inflate to its end still counts max */
	o = (size_t)sprintf(b, "5 0 obj << /Filter /FlateDecode /Length 6 0 R >>\nstream\n");
	memcpy(b + o, z, zl / 2);
	o += zl / 2;
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

/* The offset table of an object stream: 200 objects, each led to the one
 * array of 1,000 numbers, cost a reader 200 parses of it; 200 objects of
 * their own cost their own tokens. */
static void
test_objstm_table(void **state)
{
	char *arr = numbers("[", 1000, "]"), *text, dict[128];
	size_t hl = 0, i, c;

	(void)state;
	text = malloc(200 * 16 + strlen(arr) + 1);
	assert_non_null(text);
	for (i = 0; i < 200; i++)
		hl += (size_t)sprintf(text + hl, "%zu 0 ", 10 + i);
	strcpy(text + hl, arr);
	snprintf(dict, sizeof(dict), "/Type /ObjStm /N 200 /First %zu /Filter /FlateDecode", hl);
	c = stm(dict, text, 1, BIG);
	/* (each: its table entry, the array, and one per 64 bytes read) */
	assert_true(c >= 200 * (1004 + 2002 / 64) && c < 200 * (1004 + 2002 / 64) + 1000);
	/* the same text unfiltered */
	snprintf(dict, sizeof(dict), "/Type /ObjStm /N 200 /First %zu", hl);
	assert_true(stm(dict, text, 0, BIG) >= 200 * 1002);
	/* /N 1: one parse (its table entry and the array) */
	snprintf(dict, sizeof(dict), "/N 1 /First %zu /Filter /FlateDecode", hl);
	c = stm(dict, text, 1, BIG);
	assert_true(c >= 1002 && c < 1200);
	/* no direct /N (a reader cannot read it): the text's bound */
	snprintf(dict, sizeof(dict), "/N 3 0 R /First %zu /Filter /FlateDecode", hl);
	c = stm(dict, text, 1, BIG);
	assert_true(c >= 1400 && c < 1700);
	/* objects of their own, each parsed once */
	hl = 0;
	for (i = 0; i < 200; i++)
		hl += (size_t)sprintf(text + hl, "%zu %zu ", 10 + i, 4 * i);
	for (i = 0; i < 200; i++)
		memcpy(text + hl + 4 * i, "[1] ", 5);
	snprintf(dict, sizeof(dict), "/N 200 /First %zu /Filter /FlateDecode", hl);
	c = stm(dict, text, 1, BIG);
	assert_true(c >= 200 * 5 && c < 200 * 5 + 100);
	/* stops at max */
	assert_int_equal(stm(dict, text, 1, 321), 321);
	free(text);
	free(arr);
}

/* A trailer's dictionary, as a reader parses it. */
static void
test_value(void **state)
{
	char *b = numbers("trailer\n<< /Size 9 /Junk [", 100000, "] >>\nstartxref\n");

	(void)state;
	/* << /Size 9 /Junk [ ... ] >> */
	assert_true(sign_pdfcost_value((unsigned char *)b, strlen(b), 7, BIG) >= 100006);
	assert_int_equal(sign_pdfcost_value((unsigned char *)b, strlen(b), 7, 777), 777);
	assert_int_equal(sign_pdfcost_value((unsigned char *)b, strlen(b), strlen(b), BIG), 0);
	free(b);
}

/* All the bytes from an offset: their text, and each stream after an
 * "obj" keyword as an object stream, its offset table followed, however
 * the bytes around it look (here after an unclosed "("); a stream with an
 * image filter counts its text only; empty deflate blocks cost their
 * input. */
static void
test_rest(void **state)
{
	char *text = numbers("[", 100000, "]"), *b, *tab;
	size_t o, i, n, hl = 0, c, plain;

	(void)state;
	assert_int_equal(sign_pdfcost_rest((unsigned char *)text, strlen(text), 0, BIG),
	    100002 + strlen(text) / 64);
	free(text);
	/* 200 objects led to one array of 500 numbers: 100,000 parses */
	text = numbers("[", 500, "]");
	tab = malloc(200 * 16 + strlen(text) + 1);
	assert_non_null(tab);
	for (i = 0; i < 200; i++)
		hl += (size_t)sprintf(tab + hl, "%zu 0 ", 10 + i);
	strcpy(tab + hl, text);
	{
		char dict[96];
		size_t sl;
		char *st;

		snprintf(dict, sizeof(dict), "/N 200 /First %zu /Filter /FlateDecode", hl);
		st = objstm(dict, tab, 1, &sl);
		b = malloc(sl + 16);
		assert_non_null(b);
		memcpy(b, "(junk\n", 6);
		memcpy(b + 6, st, sl);
		o = 6 + sl;
		free(st);
	}
	c = sign_pdfcost_rest((unsigned char *)b, o, 0, BIG);
	assert_true(c >= 200 * 502);
	assert_int_equal(sign_pdfcost_rest((unsigned char *)b, o, 0, 999), 999);
	/* from beyond its "obj": its bytes' text only */
	plain = sign_pdfcost_rest((unsigned char *)b, o, 12, BIG);
	assert_true(plain < 2000);
	/* the same stream named an image: its bytes' text only */
	memcpy(strstr(b, "/FlateDecode"), "/DCTDecode  ", 12);
	assert_true(sign_pdfcost_rest((unsigned char *)b, o, 0, BIG) < 2000);
	/* and another filter that cannot be told: max */
	memcpy(strstr(b, "/DCTDecode  "), "/LZWDecode  ", 12);
	assert_int_equal(sign_pdfcost_rest((unsigned char *)b, o, 0, 4444), 4444);
	free(b);
	free(tab);
	free(text);
	/* a zlib header, then 1 MB of empty stored blocks: counted as read */
	n = (size_t)1 << 20;
	b = malloc(n + 128);
	assert_non_null(b);
	o = (size_t)sprintf(b, "1 0 obj << /Filter /FlateDecode /Length 2 0 R >>\nstream\n\x78\x01");
	for (i = 0; i + 5 <= n; i += 5, o += 5)
		memcpy(b + o, "\x00\x00\x00\xff\xff", 5);
	c = sign_pdfcost_rest((unsigned char *)b, o, 0, BIG);
	assert_true(c >= 2 * (n / 64));
	free(b);
}

/* A one-object revision (a catalog, its table at *xref) into b: its length. */
static size_t
base_revision(char *b, size_t *xref)
{
	size_t o = (size_t)sprintf(b, "%%PDF-1.7\n"), o1 = o;

	o += (size_t)sprintf(b + o, "1 0 obj\n<< /Type /Catalog >>\nendobj\n");
	*xref = o;
	o += (size_t)sprintf(b + o, "xref\n0 2\n0000000000 65535 f \n%010zu 00000 n \n"
	    "trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", o1, o);
	return o;
}

/* What a lenient reading of the later sections gives: a table with a free
 * entry (a strict reader refuses it), every object it places, an object
 * under two generations each, and the trailer. */
static void
test_reach(void **state)
{
	char b[4096];
	size_t o, end, o2, o3, x1, x2;
	struct sign_pdfxref_reach r;

	(void)state;
	o = end = base_revision(b, &x1);
	o2 = o;
	o += (size_t)sprintf(b + o, "2 0 obj\n[1 2 3]\nendobj\n");
	o3 = o;
	o += (size_t)sprintf(b + o, "2 1 obj\n[4 5 6]\nendobj\n");
	x2 = o;
	o += (size_t)sprintf(b + o, "xref\n0 1\n0000000000 65535 f \n2 2\n%010zu 00000 n \n"
	    "0000000000 00001 f \n4 1\n%010zu 00001 n \n", o2, o3);
	o += (size_t)sprintf(b + o, "trailer\n<< /Size 5 /Root 1 0 R /Prev %zu >>\nstartxref\n%zu\n"
	    "%%%%EOF\n", x1, x2);
	/* (object 4 under generation 1 at 2 1 obj: a reader would refuse it,
	 * but counting it costs nothing) */
	assert_null(sign_pdfxref_open((unsigned char *)b, o, end));
	sign_pdfxref_reach((unsigned char *)b, o, end, &r);
	assert_int_equal(r.unread, 0);
	assert_int_equal(r.entries, 4);
	assert_int_equal(r.nobjs, 2);
	assert_int_equal(r.objs[0], o2);
	assert_int_equal(r.objs[1], o3);
	assert_int_equal(r.nstms, 0);
	assert_int_equal(r.ndicts, 1);
	/* << /Size 5 /Root 1 0 R /Prev N >> */
	assert_int_equal(sign_pdfcost_value((unsigned char *)b, o, r.dicts[0], BIG), 10);
	sign_pdfxref_reach_free(&r);
	/* a section that cannot be read: unread */
	memcpy(b + x2, "xreg", 4);
	sign_pdfxref_reach((unsigned char *)b, o, end, &r);
	assert_int_equal(r.unread, 1);
	assert_int_equal(r.nobjs, 0);
	sign_pdfxref_reach_free(&r);
}

/* The PNG filter type t of raw[0 .. n) against the row before, as a
 * writer applies it (one byte a pixel). */
static void
png_filter(int t, const unsigned char *raw, const unsigned char *up, size_t n, unsigned char *out)
{
	size_t m;

	out[0] = (unsigned char)t;
	for (m = 0; m < n; m++) {
		int a = m > 0 ? raw[m - 1] : 0, b = up[m], c = m > 0 ? up[m - 1] : 0, p = a + b - c;
		int pr = t == 1 ? a : t == 2 ? b : t == 3 ? (a + b) / 2 :
		    abs(p - a) <= abs(p - b) && abs(p - a) <= abs(p - c) ? a : abs(p - b) <= abs(p - c) ? b : c;

		out[1 + m] = (unsigned char)(raw[m] - pr);
	}
}

/* A later cross-reference stream as some writers make it: /Filter as an
 * array, /Colors and /BitsPerComponent given, rows filtered Sub, Average
 * and Paeth. The strict reader leaves it to qpdf; the lenient one reads
 * it. */
static void
test_reach_predictors(void **state)
{
	char b[4096];
	unsigned char raw[3][7], rows[3 * 8], z[256];
	static const unsigned char zero[7];
	uLongf zl = sizeof(z);
	size_t o, end, o2, o3, x1, x2, i;
	struct sign_pdfxref_reach r;

	(void)state;
	o = end = base_revision(b, &x1);
	o2 = o;
	o += (size_t)sprintf(b + o, "2 0 obj\n[1 2 3]\nendobj\n");
	o3 = o;
	o += (size_t)sprintf(b + o, "3 0 obj\n[4 5 6]\nendobj\n");
	x2 = o;
	/* entries 2, 3 and 4 (the stream itself): type, 4-byte offset, 2-byte generation */
	for (i = 0; i < 3; i++) {
		size_t v = i == 0 ? o2 : i == 1 ? o3 : x2;

		raw[i][0] = 1;
		raw[i][1] = (unsigned char)(v >> 24);
		raw[i][2] = (unsigned char)(v >> 16);
		raw[i][3] = (unsigned char)(v >> 8);
		raw[i][4] = (unsigned char)v;
		raw[i][5] = raw[i][6] = 0;
		png_filter(i == 0 ? 1 : i == 1 ? 3 : 4, raw[i], i ? raw[i - 1] : zero, 7, rows + 8 * i);
	}
	assert_int_equal(compress2(z, &zl, rows, sizeof(rows), 9), Z_OK);
	o += (size_t)sprintf(b + o, "4 0 obj\n<< /Type /XRef /Size 5 /Index [2 3] /W [1 4 2] /Root 1 0 R "
	    "/Prev %zu /Filter [/FlateDecode] /DecodeParms << /Predictor 12 /Columns 7 /Colors 1 "
	    "/BitsPerComponent 8 >> /Length %lu >>\nstream\n", x1, (unsigned long)zl);
	memcpy(b + o, z, zl);
	o += zl;
	o += (size_t)sprintf(b + o, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", x2);
	assert_null(sign_pdfxref_open((unsigned char *)b, o, end));
	sign_pdfxref_reach((unsigned char *)b, o, end, &r);
	assert_int_equal(r.unread, 0);
	assert_int_equal(r.entries, 3);
	assert_int_equal(r.nobjs, 3);
	assert_int_equal(r.objs[0], o2);
	assert_int_equal(r.objs[1], o3);
	assert_int_equal(r.objs[2], x2);
	assert_int_equal(r.ndicts, 1);
	assert_int_equal(r.dicts[0], x2);
	sign_pdfxref_reach_free(&r);
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
		cmocka_unit_test(test_objstm_table),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_rest),
		cmocka_unit_test(test_reach),
		cmocka_unit_test(test_reach_predictors),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
