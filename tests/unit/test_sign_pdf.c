/*
 * test_sign_pdf.c — the PDF signature locator on hand-made files: a
 * signature dictionary whose /ByteRange gap is exactly its /Contents is
 * found and its value decoded; whole-file coverage and bytes appended
 * after it (with or without a "startxref"); every malformed /ByteRange (not from 0, past the end, out of
 * order, gap not the value, not four numbers, huge numbers) is reported,
 * never trusted; the same dictionary twice counts once; the count is
 * bounded, duplicates included; two incremental signatures are found; a
 * gap that is (part of) another signature's value, and ranges that cover
 * another signature's value, are refused. sign_pdf.c is part of govmaild,
 * so its source is compiled in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/sign_pdf.c"

/* A file "%PDF-1.7 ... /Contents <hex> ... %%EOF" whose /ByteRange is
 * right, with tail appended after the end the signature covers. */
static size_t
make_pdf(char *buf, size_t cap, const char *hex, const char *tail)
{
	char head[256];
	size_t a, gap, c, d, n;
	int k;

	/* the ByteRange text has a fixed width, so offsets can be computed first */
	k = snprintf(head, sizeof(head), "%%PDF-1.7\n1 0 obj\n<< /Type /Sig /ByteRange "
	    "[%010d %010d %010d %010d] /Contents ", 0, 0, 0, 0);
	a = (size_t)k;
	gap = strlen(hex) + 2;
	c = a + gap;
	d = strlen(" >>\nendobj\n%%EOF\n");
	n = (size_t)snprintf(buf, cap, "%%PDF-1.7\n1 0 obj\n<< /Type /Sig /ByteRange "
	    "[%010d %010zu %010zu %010zu] /Contents <%s> >>\nendobj\n%%%%EOF\n%s", 0, a, c, d,
	    hex, tail);
	return n;
}

static void
test_one_signature(void **state)
{
	char buf[512];
	struct sign_pdf_found f;
	unsigned char *der;
	size_t n = make_pdf(buf, sizeof(buf), "3082 0a0B", ""), dl;

	(void)state;
	assert_true(sign_pdf_is_pdf((unsigned char *)buf, n));
	sign_pdf_find((unsigned char *)buf, n, &f);
	assert_int_equal(f.nsig, 1);
	assert_null(f.sig[0].problem);
	assert_true(f.whole);
	assert_int_equal(f.sig[0].range[0], 0);
	assert_int_equal(buf[f.sig[0].gap_off], '<');
	der = sign_pdf_value((unsigned char *)buf, &f.sig[0], 100, &dl);
	assert_non_null(der);
	assert_int_equal(dl, 4);
	assert_memory_equal(der, "\x30\x82\x0a\x0b", 4);
	free(der);
	/* the decoded value is bounded */
	assert_null(sign_pdf_value((unsigned char *)buf, &f.sig[0], 3, &dl));
}

static void
test_odd_hex_and_bad_hex(void **state)
{
	char buf[512];
	struct sign_pdf_found f;
	unsigned char *der;
	size_t n = make_pdf(buf, sizeof(buf), "abc", ""), dl;

	(void)state;
	sign_pdf_find((unsigned char *)buf, n, &f);
	der = sign_pdf_value((unsigned char *)buf, &f.sig[0], 100, &dl);
	assert_non_null(der);
	assert_int_equal(dl, 2);
	assert_int_equal(der[1], 0xc0);
	free(der);
	n = make_pdf(buf, sizeof(buf), "zz", "");
	sign_pdf_find((unsigned char *)buf, n, &f);
	assert_int_equal(f.nsig, 1);
	assert_non_null(f.sig[0].problem);   /* not hex: the gap is no value */
	assert_null(sign_pdf_value((unsigned char *)buf, &f.sig[0], 100, &dl));
}

static void
test_appended(void **state)
{
	char buf[512];
	struct sign_pdf_found f;
	size_t n = make_pdf(buf, sizeof(buf), "3000", "% more\n%%EOF\n");

	(void)state;
	sign_pdf_find((unsigned char *)buf, n, &f);
	assert_int_equal(f.nsig, 1);
	assert_null(f.sig[0].problem);
	assert_false(f.whole);
	assert_false(f.tail_xref);      /* no reader takes those bytes for an update */
	n = make_pdf(buf, sizeof(buf), "3000", "xref\ntrailer <<>>\nstartxref\n9\n%%EOF\n");
	sign_pdf_find((unsigned char *)buf, n, &f);
	assert_false(f.whole);
	assert_true(f.tail_xref);
}

static void
check_problem(const char *pdf, const char *want)
{
	struct sign_pdf_found f;

	sign_pdf_find((const unsigned char *)pdf, strlen(pdf), &f);
	assert_int_equal(f.nsig, 1);
	assert_non_null(f.sig[0].problem);
	assert_string_equal(f.sig[0].problem, want);
	assert_false(f.whole);
}

static void
test_bad_ranges(void **state)
{
	(void)state;
	check_problem("%PDF-1.7 /ByteRange [5 10 20 3] /Contents <00>",
	    "ByteRange does not start at the beginning of the file");
	check_problem("%PDF-1.7 /ByteRange [0 10 20 3000] /Contents <00>",
	    "ByteRange goes beyond the end of the file");
	check_problem("%PDF-1.7 /ByteRange [0 30 20 3] /Contents <00>",
	    "ByteRange ranges overlap or are out of order");
	check_problem("%PDF-1.7 /ByteRange [0 10 20 3] /Contents <00>......",
	    "ByteRange gap is not exactly the signature value");
	check_problem("%PDF-1.7 /ByteRange [0 10 20] /Contents <00>", "ByteRange is malformed");
	check_problem("%PDF-1.7 /ByteRange [0 99999999999999999999 1 1]",
	    "ByteRange is malformed");
	check_problem("%PDF-1.7 /ByteRange", "ByteRange is malformed");
}

static void
test_duplicate_and_bound(void **state)
{
	char one[512], *many;
	struct sign_pdf_found f;
	size_t n = make_pdf(one, sizeof(one), "30", ""), i, len = 0;

	(void)state;
	/* the same dictionary text twice (a rewritten object): one signature */
	many = malloc(64 * 80);
	len = (size_t)snprintf(many, 64 * 80, "%s", one);
	sign_pdf_find((unsigned char *)many, len, &f);
	assert_int_equal(f.nsig, 1);
	for (i = 0; i < 40; i++)
		len += (size_t)snprintf(many + len, 64 * 80 - len, "/ByteRange [0 %zu 9 9]\n", i);
	sign_pdf_find((unsigned char *)many, len, &f);
	assert_int_equal(f.nsig, SIGN_PDF_MAX_SIGS);
	assert_true(f.more);
	free(many);
	(void)n;
}


/* Append to buf (n bytes so far) one revision: a signature dictionary with
 * value hex whose /ByteRange covers the file from 0 to the end of this
 * revision, or to total when total is not 0. Returns the new length. */
static size_t
add_revision(char *buf, size_t n, size_t cap, int obj, const char *hex, size_t total)
{
	size_t start = n, lt, gap = strlen(hex) + 2, c, end;
	int k;

	k = snprintf(buf + n, cap - n, "%d 0 obj\n<< /Type /Sig /ByteRange "
	    "[%010d %010d %010d %010d] /Contents ", obj, 0, 0, 0, 0);
	lt = start + (size_t)k;             /* offset of '<' */
	c = lt + gap;
	end = c + strlen(" >>\nendobj\n%%EOF\n");
	if (total == 0)
		total = end;
	snprintf(buf + start, cap - start, "%d 0 obj\n<< /Type /Sig /ByteRange "
	    "[%010d %010zu %010zu %010zu] /Contents <%s> >>\nendobj\n%%%%EOF\n", obj, 0, lt, c,
	    total - c, hex);
	return end;
}

static void
test_two_incremental(void **state)
{
	char buf[1024];
	struct sign_pdf_found f;
	size_t n;

	(void)state;
	n = (size_t)snprintf(buf, sizeof(buf), "%%PDF-1.7\n");
	n = add_revision(buf, n, sizeof(buf), 1, "3030", 0);
	n = add_revision(buf, n, sizeof(buf), 2, "3131", 0);
	sign_pdf_find((unsigned char *)buf, n, &f);
	assert_int_equal(f.nsig, 2);
	assert_null(f.sig[0].problem);
	assert_null(f.sig[1].problem);
	assert_int_equal(f.last, 1);
	assert_true(f.whole);
	assert_true(f.sig[0].range[2] + f.sig[0].range[3] <= f.sig[1].gap_off);
}

static void
test_overlapping_values(void **state)
{
	char buf[1024], *p;
	struct sign_pdf_found f;
	size_t n, g;
	int k;

	(void)state;
	/* a second /ByteRange whose gap starts inside the first one's value */
	n = (size_t)snprintf(buf, sizeof(buf), "%%PDF-1.7\n");
	n = add_revision(buf, n, sizeof(buf), 1, "30303030", 0);
	sign_pdf_find((unsigned char *)buf, n, &f);
	g = f.sig[0].gap_off;
	k = snprintf(buf + n, sizeof(buf) - n, "/ByteRange [0 %zu %zu 1]", g + 2,
	    g + f.sig[0].gap_len);
	n += (size_t)k;
	sign_pdf_find((unsigned char *)buf, n, &f);
	assert_int_equal(f.nsig, 2);
	assert_null(f.sig[0].problem);
	assert_string_equal(f.sig[1].problem, "ByteRange gap is another signature's value");
	/* the first signature claims the whole file, the second's value too */
	n = (size_t)snprintf(buf, sizeof(buf), "%%PDF-1.7\n");
	n = add_revision(buf, n, sizeof(buf), 1, "3030", 0);
	g = n;
	n = add_revision(buf, n, sizeof(buf), 2, "3131", 0);
	p = strstr(buf, "[0000000000 ");
	assert_non_null(p);
	/* rewrite signature 1's last length (fixed width) to reach the end */
	snprintf(p + 34, 11, "%010zu", n - (size_t)strtoul(p + 23, NULL, 10));
	p[44] = ']';
	(void)g;
	sign_pdf_find((unsigned char *)buf, n, &f);
	assert_int_equal(f.nsig, 2);
	assert_null(f.sig[0].problem);
	assert_string_equal(f.sig[1].problem, "ByteRange overlaps what another signature covers");
}

static void
test_duplicates_bounded(void **state)
{
	char one[512], *many;
	size_t n, len = 0, i, cap = 10000 * 200;
	struct sign_pdf_found f;

	(void)state;
	/* thousands of copies of one dictionary: one signature, and the
	 * reading stops after SIGN_PDF_MAX_HITS occurrences */
	n = make_pdf(one, sizeof(one), "3030", "");
	many = malloc(cap);
	memcpy(many, one, n);
	len = n;
	for (i = 0; i < 10000; i++)
		len += (size_t)snprintf(many + len, cap - len, "/ByteRange [%010d %010zu %010zu %010zu]\n",
		    0, (size_t)0, (size_t)0, (size_t)0);
	sign_pdf_find((unsigned char *)many, len, &f);
	assert_true(f.more);
	assert_true(f.nsig <= SIGN_PDF_MAX_SIGS);
	memcpy(many, one, n);
	len = n;
	for (i = 0; i < 10000; i++) {
		memcpy(many + len, one, n);
		len += n;
	}
	sign_pdf_find((unsigned char *)many, len, &f);
	assert_int_equal(f.nsig, 1);
	assert_true(f.more);
	free(many);
}

static void
test_not_pdf(void **state)
{
	struct sign_pdf_found f;

	(void)state;
	assert_false(sign_pdf_is_pdf((const unsigned char *)"PK\x03\x04", 4));
	assert_false(sign_pdf_is_pdf((const unsigned char *)"", 0));
	sign_pdf_find((const unsigned char *)"", 0, &f);
	assert_int_equal(f.nsig, 0);
	assert_false(f.whole);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_signature),
		cmocka_unit_test(test_odd_hex_and_bad_hex),
		cmocka_unit_test(test_appended),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_duplicate_and_bound),
		cmocka_unit_test(test_two_incremental),
		cmocka_unit_test(test_overlapping_values),
		cmocka_unit_test(test_duplicates_bounded),
		cmocka_unit_test(test_not_pdf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
