/*
 * test_base64.c — base64_decode_mime (src/lib/base64.c): known vectors,
 * line breaks and junk skipped, '=' ends the data, and on random inputs
 * (any line length, junk anywhere, cut anywhere) the same bytes as a
 * plain character-at-a-time decoder written here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The reference: RFC 2045 read literally. */
static size_t
reference(const char *in, size_t len, unsigned char *out)
{
	unsigned int acc = 0;
	size_t i, o = 0;
	int bits = 0;
	const char *p;

	for (i = 0; i < len; i++) {
		if (in[i] == '=')
			break;
		if (in[i] == '\0' || (p = strchr(alphabet, in[i])) == NULL)
			continue;
		acc = acc << 6 | (unsigned int)(p - alphabet);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

static size_t
decode(const char *s, unsigned char *out)
{
	return base64_decode_mime(s, strlen(s), out);
}

static void
test_vectors(void **state)
{
	unsigned char out[64];
	size_t n;

	(void)state;
	n = decode("Zm9vYmFy", out);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "foobar", 6);
	n = decode("Zm9vYg==", out);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "foob", 4);
	n = decode("Zm9v\r\nYmFy\r\n", out);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "foobar", 6);
	/* junk and spaces inside a group are skipped */
	n = decode("Zm 9v!Ym\tFy", out);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "foobar", 6);
	/* the first '=' ends the data */
	n = decode("Zm8=Zm9v", out);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "fo", 2);
	assert_int_equal(decode("", out), 0);
	assert_int_equal(decode("\r\n\r\n", out), 0);
}

static void
test_random_against_reference(void **state)
{
	enum { MAX = 3000 };
	char *in = malloc(MAX);
	unsigned char *a = malloc(BASE64_DECODED_MAX(MAX)), *b = malloc(BASE64_DECODED_MAX(MAX));
	size_t len, na, nb, i;
	int round, line;

	(void)state;
	assert_non_null(in);
	srand(2045);
	for (round = 0; round < 2000; round++) {
		len = (size_t)rand() % MAX;
		line = 1 + rand() % 80;
		for (i = 0; i < len; i++) {
			int r = rand() % 1000;

			if (i % (size_t)(line + 2) == (size_t)line)
				in[i] = '\r';
			else if (i % (size_t)(line + 2) == (size_t)line + 1)
				in[i] = '\n';
			else if (r < 3)
				in[i] = (char)(rand() % 256);   /* junk, '=' and NUL included */
			else
				in[i] = alphabet[rand() % 64];
		}
		na = base64_decode_mime(in, len, a);
		nb = reference(in, len, b);
		assert_true(na <= BASE64_DECODED_MAX(len));
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, na);
	}
	free(in);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_random_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
