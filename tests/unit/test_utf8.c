/*
 * test_utf8.c — strict UTF-8 decoding/validation (overlongs, surrogates,
 * out of range, truncation), encoding, NFC composition of every Vietnamese
 * letter from decomposed input in canonical and typed mark order, and the
 * Latin case/ASCII helpers. Expected values are written out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "utf8.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
expect_valid(const char *s, size_t len)
{
	size_t off = 12345;

	assert_int_equal(utf8_validate(s, len, &off), 0);
	assert_int_equal(off, 12345);
}

static void
expect_invalid(const char *s, size_t len, size_t want_off)
{
	size_t off = 12345;

	assert_int_equal(utf8_validate(s, len, &off), -1);
	assert_int_equal(off, want_off);
}

static void
test_validate(void **state)
{
	(void)state;
	expect_valid("", 0);
	expect_valid("plain ascii", 11);
	expect_valid("Nguy\xe1\xbb\x85n", 8);		/* Nguyễn */
	expect_valid("\x7f", 1);			/* U+007F */
	expect_valid("\xc2\x80", 2);			/* U+0080 */
	expect_valid("\xdf\xbf", 2);			/* U+07FF */
	expect_valid("\xe0\xa0\x80", 3);		/* U+0800 */
	expect_valid("\xed\x9f\xbf", 3);		/* U+D7FF */
	expect_valid("\xee\x80\x80", 3);		/* U+E000 */
	expect_valid("\xef\xbf\xbf", 3);		/* U+FFFF */
	expect_valid("\xf0\x90\x80\x80", 4);		/* U+10000 */
	expect_valid("\xf4\x8f\xbf\xbf", 4);		/* U+10FFFF */
	expect_valid("a\0b", 3);			/* NUL is valid UTF-8 */

	/* Overlong forms. */
	expect_invalid("\xc0\xaf", 2, 0);
	expect_invalid("ab\xc1\xbf", 4, 2);
	expect_invalid("\xe0\x80\xaf", 3, 0);
	expect_invalid("x\xe0\x9f\xbf", 4, 1);
	expect_invalid("\xf0\x80\x80\xaf", 4, 0);
	expect_invalid("\xf0\x8f\xbf\xbf", 4, 0);
	/* Surrogates U+D800, U+DBFF, U+DC00, U+DFFF. */
	expect_invalid("\xed\xa0\x80", 3, 0);
	expect_invalid("ok\xed\xaf\xbf", 5, 2);
	expect_invalid("\xed\xb0\x80", 3, 0);
	expect_invalid("\xed\xbf\xbf", 3, 0);
	/* Above U+10FFFF and bytes that never appear. */
	expect_invalid("\xf4\x90\x80\x80", 4, 0);
	expect_invalid("\xf5\x80\x80\x80", 4, 0);
	expect_invalid("abc\xff", 4, 3);
	expect_invalid("\xfe", 1, 0);
	/* Lone continuation bytes. */
	expect_invalid("\x80", 1, 0);
	expect_invalid("Nguy\xbb\x85n", 7, 4);
	/* Truncated sequences, at the end and in the middle. */
	expect_invalid("Nguy\xe1\xbb", 6, 4);
	expect_invalid("\xc3", 1, 0);
	expect_invalid("\xf0\x9f\x98", 3, 0);
	expect_invalid("ab\xe1\x80" "c", 5, 2);
	expect_invalid("\xc3" "a", 2, 0);
	/* TCVN3 "Nguyễn" (0xD7 for ễ) and Windows-1258 "Lê" (0xEA). */
	expect_invalid("Nguy\xd7n", 6, 4);
	expect_invalid("L\xea", 2, 1);
	/* Only the first bad byte counts; the NULL offset pointer is allowed. */
	expect_invalid("a\xc0\x80\xff", 4, 1);
	assert_int_equal(utf8_validate("\xff", 1, NULL), -1);
	/* len limits the scan: a truncated tail outside len is not seen. */
	expect_valid("ab\xe1", 2);
}

static void
test_decode(void **state)
{
	const char *s, *p, *end;
	uint32_t cp;

	(void)state;
	s = "a\xc4\x91\xe1\xbb\x85\xf0\x9f\x98\x80";	/* a đ ễ 😀 */
	p = s;
	end = s + strlen(s);
	assert_int_equal(utf8_decode(&p, end, &cp), 0);
	assert_int_equal(cp, 0x61);
	assert_int_equal(utf8_decode(&p, end, &cp), 0);
	assert_int_equal(cp, 0x0111);
	assert_int_equal(utf8_decode(&p, end, &cp), 0);
	assert_int_equal(cp, 0x1EC5);
	assert_int_equal(utf8_decode(&p, end, &cp), 0);
	assert_int_equal(cp, 0x1F600);
	assert_ptr_equal(p, end);
	/* At the end: error without moving. */
	assert_int_equal(utf8_decode(&p, end, &cp), -1);
	assert_ptr_equal(p, end);

	/* Errors give U+FFFD and skip the maximal invalid subpart. */
	s = "\xe1\xbb" "A";
	p = s;
	assert_int_equal(utf8_decode(&p, s + 3, &cp), -1);
	assert_int_equal(cp, UTF8_REPLACEMENT);
	assert_ptr_equal(p, s + 2);
	assert_int_equal(utf8_decode(&p, s + 3, &cp), 0);
	assert_int_equal(cp, 'A');

	s = "\xed\xa0\x80";		/* surrogate: each byte is bad alone */
	p = s;
	assert_int_equal(utf8_decode(&p, s + 3, &cp), -1);
	assert_ptr_equal(p, s + 1);

	s = "\xc0\xaf";
	p = s;
	assert_int_equal(utf8_decode(&p, s + 2, &cp), -1);
	assert_ptr_equal(p, s + 1);

	/* end cuts a valid sequence short. */
	s = "\xc4\x91";
	p = s;
	assert_int_equal(utf8_decode(&p, s + 1, &cp), -1);
	assert_ptr_equal(p, s + 1);
}

static void
test_encode(void **state)
{
	static const uint32_t cps[] = {
		0, 0x41, 0x7F, 0x80, 0xE0, 0x7FF, 0x800, 0x1EA0, 0xD7FF,
		0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF,
	};
	char buf[UTF8_MAX_BYTES];
	const char *p;
	uint32_t cp;
	size_t i, n;

	(void)state;
	assert_int_equal(utf8_encode(0x1EC5, buf), 3);
	assert_memory_equal(buf, "\xe1\xbb\x85", 3);
	assert_int_equal(utf8_encode(0x0110, buf), 2);
	assert_memory_equal(buf, "\xc4\x90", 2);
	for (i = 0; i < NELEM(cps); i++) {
		n = utf8_encode(cps[i], buf);
		assert_true(n >= 1 && n <= 4);
		p = buf;
		assert_int_equal(utf8_decode(&p, buf + n, &cp), 0);
		assert_int_equal(cp, cps[i]);
		assert_ptr_equal(p, buf + n);
	}
	assert_int_equal(utf8_encode(0xD800, buf), 0);
	assert_int_equal(utf8_encode(0xDFFF, buf), 0);
	assert_int_equal(utf8_encode(0x110000, buf), 0);
	assert_int_equal(utf8_encode(0xFFFFFFFF, buf), 0);
}

#include "viet_vowels.h"

static void
expect_nfc(const char *in, const char *want)
{
	char *got = utf8_nfc_vietnamese(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_nfc_all_vietnamese_letters(void **state)
{
	char canon[32], typed[32], base[2];
	const char *first, *second;
	size_t r, t;
	int up;

	(void)state;
	for (r = 0; r < NELEM(vowels); r++) {
		for (t = 0; t < 6; t++) {
			for (up = 0; up < 2; up++) {
				const char *want = up ? vowels[r].upper[t] :
				    vowels[r].lower[t];

				base[0] = up ? (char)(vowels[r].base - 32) :
				    vowels[r].base;
				base[1] = '\0';
				/* Canonical order: horn (216) < dot below
				 * (220) < breve/circumflex/tones (230). */
				first = vowels[r].vowel_mark;
				second = tones[t];
				if (t == 5 && strcmp(first, "\u031b") != 0) {
					first = tones[t];
					second = vowels[r].vowel_mark;
				}
				snprintf(canon, sizeof(canon), "%s%s%s", base,
				    first, second);
				/* Typed order: vowel mark, then tone. */
				snprintf(typed, sizeof(typed), "%s%s%s", base,
				    vowels[r].vowel_mark, tones[t]);
				expect_nfc(canon, want);
				expect_nfc(typed, want);
				expect_nfc(want, want);
			}
		}
	}
	/* đ/Đ have no decomposition and pass through. */
	expect_nfc("đĐ", "đĐ");
}

static void
test_nfc_strings(void **state)
{
	(void)state;
	expect_nfc("", "");
	expect_nfc("Nguye\u0302\u0303n Va\u0306n An", "Nguyễn Văn An");
	expect_nfc("Tra\u0302\u0300n Thi\u0323 Ngo\u0323c Ha\u0302n",
	    "Trần Thị Ngọc Hân");
	expect_nfc("NGUYE\u0302\u0303N", "NGUYỄN");
	/* A precomposed letter plus a further mark: ê + acute -> ế. */
	expect_nfc("Hu\u1ebf\u0301", "Huế\u0301");
	expect_nfc("Hu\u00ea\u0301", "Huế");
	expect_nfc("\u01a1\u0323", "ợ");
	expect_nfc("\u1ea1\u0302", "ậ");
	expect_nfc("\u1ea1\u0306", "ặ");
	/* Horn given after the tone, and after the dot below. */
	expect_nfc("o\u0301\u031b", "ớ");
	expect_nfc("U\u0323\u031b", "Ự");
	/* Old "Vietnamese" tone marks U+0340/U+0341 are canonical grave/acute. */
	expect_nfc("a\u0340", "à");
	expect_nfc("E\u0341", "É");
	/* Latin-1, Extended-A/B: ç š ż ǘ ȫ. */
	expect_nfc("C\u0327", "Ç");
	expect_nfc("s\u030c", "š");
	expect_nfc("Z\u0307", "Ż");
	expect_nfc("u\u0308\u0301", "ǘ");
	expect_nfc("o\u0308\u0304", "ȫ");
	/* Two marks of the same class: the second stays separate. */
	expect_nfc("a\u0301\u0301", "á\u0301");
	/* A mark with nothing to attach to stays as it is. */
	expect_nfc("\u0301a", "\u0301a");
	expect_nfc(" \u0303", " \u0303");
	/* Other scripts pass through. */
	expect_nfc("東京 Ωμέγα", "東京 Ωμέγα");
	/* Invalid bytes become U+FFFD. */
	expect_nfc("Nguy\xd7n", "Nguy\ufffdn");
	expect_nfc("a\xe1\xbb", "a\ufffd");
	expect_nfc("\xed\xa0\x80", "\ufffd\ufffd\ufffd");
}

static void
test_nfc_many_marks(void **state)
{
	char in[1 + 41 * 2 + 1], *got;
	size_t i, n = 0;

	(void)state;
	/* a, circumflex, dot below, 38 more circumflexes: a run long enough
	 * for the counting sort. The dot below sorts first (class 220 < 230),
	 * a + dot below + circumflex = ậ, the other 38 circumflexes are
	 * blocked and stay. */
	in[n++] = 'a';
	memcpy(in + n, "\xcc\x82\xcc\xa3", 4);	/* U+0302 U+0323 */
	n += 4;
	for (i = 0; i < 38; i++, n += 2)
		memcpy(in + n, "\xcc\x82", 2);
	in[n] = '\0';
	got = utf8_nfc_vietnamese(in);
	assert_memory_equal(got, "ậ", strlen("ậ"));
	assert_int_equal(strlen(got), strlen("ậ") + 38 * 2);
	for (i = 0; i < 38; i++)
		assert_memory_equal(got + strlen("ậ") + 2 * i, "\xcc\x82", 2);
	free(got);
}

static void
test_latin_helpers(void **state)
{
	(void)state;
	assert_int_equal(utf8_latin_upper(0x1EC5), 0x1EC4);	/* ễ -> Ễ */
	assert_int_equal(utf8_latin_lower(0x1EC4), 0x1EC5);
	assert_int_equal(utf8_latin_lower(0x0110), 0x0111);	/* Đ -> đ */
	assert_int_equal(utf8_latin_upper(0x0111), 0x0110);
	assert_int_equal(utf8_latin_upper(0x01B0), 0x01AF);	/* ư -> Ư */
	assert_int_equal(utf8_latin_upper(0x01A1), 0x01A0);	/* ơ -> Ơ */
	assert_int_equal(utf8_latin_upper(0x0103), 0x0102);	/* ă -> Ă */
	assert_int_equal(utf8_latin_upper('a'), 'A');
	assert_int_equal(utf8_latin_lower('Z'), 'z');
	assert_int_equal(utf8_latin_upper(0x00DF), 0x00DF);	/* ß stays */
	assert_int_equal(utf8_latin_upper('-'), '-');
	assert_int_equal(utf8_latin_lower(0x4E00), 0x4E00);

	assert_string_equal(utf8_latin_ascii(0x1EC5), "e");
	assert_string_equal(utf8_latin_ascii(0x0110), "d");
	assert_string_equal(utf8_latin_ascii(0x0111), "d");
	assert_string_equal(utf8_latin_ascii(0x00D0), "d");	/* Ð eth */
	assert_string_equal(utf8_latin_ascii(0x01AF), "u");
	assert_string_equal(utf8_latin_ascii(0x1EE3), "o");	/* ợ */
	assert_string_equal(utf8_latin_ascii(0x00DF), "ss");
	assert_string_equal(utf8_latin_ascii(0x00C6), "ae");
	assert_string_equal(utf8_latin_ascii(0x00F8), "o");	/* ø */
	assert_string_equal(utf8_latin_ascii(0x0142), "l");	/* ł */
	assert_string_equal(utf8_latin_ascii('Q'), "q");
	assert_null(utf8_latin_ascii('1'));
	assert_null(utf8_latin_ascii(0x00D7));			/* × */
	assert_null(utf8_latin_ascii(0x03A9));			/* Ω */

	assert_true(utf8_is_latin_letter(0x1EF9));		/* ỹ */
	assert_true(utf8_is_latin_letter(0x00C0));
	assert_false(utf8_is_latin_letter(0x00F7));		/* ÷ */
	assert_false(utf8_is_latin_letter(0x0301));
	assert_false(utf8_is_latin_letter(' '));

	assert_int_equal(utf8_combining_class(0x0301), 230);
	assert_int_equal(utf8_combining_class(0x0323), 220);
	assert_int_equal(utf8_combining_class(0x031B), 216);
	assert_int_equal(utf8_combining_class('a'), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_nfc_all_vietnamese_letters),
		cmocka_unit_test(test_nfc_strings),
		cmocka_unit_test(test_nfc_many_marks),
		cmocka_unit_test(test_latin_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
