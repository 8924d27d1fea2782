/*
 * test_passwd_hash.c — password hashing, verification, generation and
 * policy. Interoperability: {CRYPT} values are checked with crypt(3)
 * directly, {SSHA512} values are recomputed here with OpenSSL EVP from the
 * decoded salt, and (when slappasswd is installed) slappasswd's own
 * {SSHA512} and {CRYPT} output must verify with passwd_verify.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <crypt.h>
#include <openssl/evp.h>

#include "passwd_hash.h"

static const char *gen_alphabet =
    "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

static void
test_yescrypt_roundtrip(void **state)
{
	const char *pw = "Mật khẩu đúng 1!";
	char h1[PASSWD_HASH_MAX], h2[PASSWD_HASH_MAX];
	char lower[PASSWD_HASH_MAX];
	const char *c;

	(void)state;
	assert_int_equal(passwd_hash_yescrypt(pw, h1, sizeof(h1)), 0);
	assert_int_equal(passwd_hash_yescrypt(pw, h2, sizeof(h2)), 0);
	assert_memory_equal(h1, "{CRYPT}$y$", 10);
	assert_string_not_equal(h1, h2);		/* fresh salt each call */

	assert_int_equal(passwd_verify(pw, h1), 1);
	assert_int_equal(passwd_verify(pw, h2), 1);
	assert_int_equal(passwd_verify("Mật khẩu đúng 1", h1), 0);
	assert_int_equal(passwd_verify("", h1), 0);

	/* Independent check: crypt(3) with the stored value as setting. */
	c = crypt(pw, h1 + 7);
	assert_non_null(c);
	assert_string_equal(c, h1 + 7);

	/* Scheme names are case-insensitive in OpenLDAP. */
	snprintf(lower, sizeof(lower), "{crypt}%s", h1 + 7);
	assert_int_equal(passwd_verify(pw, lower), 1);
}

/* Decode with OpenSSL's base64, not the module's. Returns length or -1. */
static int
evp_b64_decode(const char *in, unsigned char *out)
{
	size_t n = strlen(in);
	int len, pad = 0;

	if (n >= 1 && in[n - 1] == '=')
		pad++;
	if (n >= 2 && in[n - 2] == '=')
		pad++;
	len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	return len < 0 ? -1 : len - pad;
}

static void
test_ssha512_roundtrip(void **state)
{
	const char *pw = "xK7mP2qR9sT4vW6yZ3aB";
	char h1[PASSWD_HASH_MAX], h2[PASSWD_HASH_MAX];
	unsigned char raw[128], buf[256], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t pwlen = strlen(pw);
	int n;

	(void)state;
	assert_int_equal(passwd_hash_ssha512(pw, h1, sizeof(h1)), 0);
	assert_int_equal(passwd_hash_ssha512(pw, h2, sizeof(h2)), 0);
	assert_memory_equal(h1, "{SSHA512}", 9);
	/* 64-byte digest + 16-byte salt = 80 bytes = 108 base64 chars. */
	assert_int_equal(strlen(h1), 9 + 108);
	assert_string_not_equal(h1, h2);

	assert_int_equal(passwd_verify(pw, h1), 1);
	assert_int_equal(passwd_verify(pw, h2), 1);
	assert_int_equal(passwd_verify("xK7mP2qR9sT4vW6yZ3aC", h1), 0);
	assert_int_equal(passwd_verify("", h1), 0);

	/* Independent implementation: SHA-512(pw || salt) via EVP_Digest. */
	n = evp_b64_decode(h1 + 9, raw);
	assert_int_equal(n, 80);
	memcpy(buf, pw, pwlen);
	memcpy(buf + pwlen, raw + 64, 16);
	assert_int_equal(EVP_Digest(buf, pwlen + 16, md, &mdlen, EVP_sha512(),
	    NULL), 1);
	assert_int_equal(mdlen, 64);
	assert_memory_equal(md, raw, 64);
	/* Salts of the two hashes differ. */
	n = evp_b64_decode(h2 + 9, buf);
	assert_int_equal(n, 80);
	assert_memory_not_equal(raw + 64, buf + 64, 16);
}

/* First line of a command's output into out; 0 if it ran and printed. */
static int
run_line(const char *cmd, char *out, size_t outlen)
{
	FILE *p = popen(cmd, "r");
	int ok;

	if (p == NULL)
		return -1;
	ok = fgets(out, (int)outlen, p) != NULL;
	if (pclose(p) != 0 || !ok)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static void
test_slappasswd_interop(void **state)
{
	char line[512];

	(void)state;
	if (access("/usr/sbin/slappasswd", X_OK) != 0) {
		skip();
		return;
	}
	if (run_line("/usr/sbin/slappasswd -h '{SSHA512}' "
	    "-o module-load=pw-sha2 -s secret 2>/dev/null", line,
	    sizeof(line)) != 0) {
		skip();		/* pw-sha2 module not installed */
		return;
	}
	assert_memory_equal(line, "{SSHA512}", 9);
	assert_int_equal(passwd_verify("secret", line), 1);
	assert_int_equal(passwd_verify("Secret", line), 0);

	assert_int_equal(run_line("/usr/sbin/slappasswd -h '{CRYPT}' "
	    "-c '$y$j9T$%.16s' -s 'Sở Nội vụ 2024' 2>/dev/null", line,
	    sizeof(line)), 0);
	assert_memory_equal(line, "{CRYPT}$y$", 10);
	assert_int_equal(passwd_verify("Sở Nội vụ 2024", line), 1);
	assert_int_equal(passwd_verify("So Noi vu 2024", line), 0);
}

static void
test_verify_malformed(void **state)
{
	char h[PASSWD_HASH_MAX];
	/* base64 of 64 zero bytes: a digest with no salt. */
	const char *nosalt = "{SSHA512}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

	(void)state;
	assert_int_equal(passwd_verify("secret", "secret"), -1);
	assert_int_equal(passwd_verify("secret", "{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ=="),
	    -1);
	assert_int_equal(passwd_verify("secret", "{CRYPT}"), -1);
	assert_int_equal(passwd_verify("secret", "{CRYPT}*"), -1);
	assert_int_equal(passwd_verify("secret", "{CRYPT}$y$"), -1);
	assert_int_equal(passwd_verify("secret", "{SSHA512}"), -1);
	assert_int_equal(passwd_verify("secret", "{SSHA512}!!!!"), -1);
	assert_int_equal(passwd_verify("secret", "{SSHA512}QUJD="), -1);
	assert_int_equal(passwd_verify("secret", nosalt), -1);
	assert_int_equal(passwd_verify(NULL, "{CRYPT}x"), -1);
	assert_int_equal(passwd_verify("secret", NULL), -1);

	/* Corrupt a valid value: padding in the middle. */
	assert_int_equal(passwd_hash_ssha512("secret", h, sizeof(h)), 0);
	h[20] = '=';
	assert_int_equal(passwd_verify("secret", h), -1);
}

static void
test_hash_errors(void **state)
{
	char small[40];

	(void)state;
	errno = 0;
	assert_int_equal(passwd_hash_ssha512("secret", small, sizeof(small)),
	    -1);
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_int_equal(passwd_hash_yescrypt("secret", small, sizeof(small)),
	    -1);
	assert_int_equal(errno, ERANGE);
	assert_string_equal(small, "");
	errno = 0;
	assert_int_equal(passwd_hash_yescrypt("", small, sizeof(small)), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(passwd_hash_ssha512(NULL, small, sizeof(small)), -1);
	assert_int_equal(errno, EINVAL);
}

static void
check_generated(const char *pw, size_t len)
{
	size_t i;
	int lower = 0, upper = 0, digit = 0;

	assert_int_equal(strlen(pw), len);
	for (i = 0; i < len; i++) {
		assert_non_null(strchr(gen_alphabet, pw[i]));
		assert_null(strchr("0O1lI", pw[i]));
		lower |= pw[i] >= 'a' && pw[i] <= 'z';
		upper |= pw[i] >= 'A' && pw[i] <= 'Z';
		digit |= pw[i] >= '0' && pw[i] <= '9';
	}
	assert_true(lower && upper && digit);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void
test_generate(void **state)
{
	enum { N = 1000, LEN = 20 };
	char (*pws)[LEN + 1] = calloc(N, sizeof(*pws));
	char big[PASSWD_GEN_MAX + 1], small[PASSWD_GEN_MIN + 1];
	char buf[PASSWD_GEN_MAX + 2];
	unsigned int seen[256] = { 0 };
	size_t i, j;

	(void)state;
	assert_non_null(pws);
	for (i = 0; i < N; i++) {
		assert_int_equal(passwd_generate(pws[i], LEN), 0);
		check_generated(pws[i], LEN);
		for (j = 0; j < LEN; j++)
			seen[(unsigned char)pws[i][j]]++;
	}
	/* Every alphabet character shows up (expected ~350 times each). */
	for (i = 0; gen_alphabet[i] != '\0'; i++)
		assert_true(seen[(unsigned char)gen_alphabet[i]] > 100);
	qsort(pws, N, sizeof(*pws), cmp_str);
	for (i = 1; i < N; i++)
		assert_string_not_equal(pws[i - 1], pws[i]);
	free(pws);

	assert_int_equal(passwd_generate(small, PASSWD_GEN_MIN), 0);
	check_generated(small, PASSWD_GEN_MIN);
	assert_int_equal(passwd_generate(big, PASSWD_GEN_MAX), 0);
	check_generated(big, PASSWD_GEN_MAX);
	assert_int_equal(passwd_generate(buf, PASSWD_GEN_MIN - 1), -1);
	assert_int_equal(passwd_generate(buf, PASSWD_GEN_MAX + 1), -1);
	assert_int_equal(passwd_generate(buf, 0), -1);
	assert_int_equal(passwd_generate(NULL, 20), -1);

	/* Generated passwords are meant for {SSHA512}. */
	{
		char h[PASSWD_HASH_MAX];

		assert_int_equal(passwd_hash_ssha512(small, h, sizeof(h)), 0);
		assert_int_equal(passwd_verify(small, h), 1);
	}
}

static void
expect_policy(const char *pw, size_t min_len, const char *errpart)
{
	char err[256];

	memset(err, 'X', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	if (errpart == NULL) {
		assert_int_equal(passwd_check_policy(pw, min_len, err,
		    sizeof(err)), 0);
		assert_string_equal(err, "");
	} else {
		assert_int_equal(passwd_check_policy(pw, min_len, err,
		    sizeof(err)), -1);
		if (strstr(err, errpart) == NULL)
			fail_msg("policy message '%s' lacks '%s'", err,
			    errpart);
	}
}

static void
test_policy(void **state)
{
	char longpw[PASSWD_POLICY_MAX_BYTES + 2];
	char tiny[8];

	(void)state;
	expect_policy("Abcdef12", 8, NULL);
	expect_policy("Abcde12", 8, "too short: 7 characters, at least 8");
	expect_policy("", 8, "empty");
	expect_policy(NULL, 8, "empty");
	/* Characters, not bytes: 7 characters are 10 bytes. */
	expect_policy("Mậtkhẩu", 8, "too short: 7 characters");
	expect_policy("Mậtkhẩu1", 8, NULL);
	/* One class only, shorter than 16. */
	expect_policy("abcdefghij", 8, "mix character kinds");
	expect_policy("ABCDEFGHIJ", 8, "mix character kinds");
	expect_policy("1234567890", 8, "mix character kinds");
	expect_policy("ởởởởởởởởở", 8, "mix character kinds");
	expect_policy("abcdefghijklmnop", 8, NULL);	/* 16: length suffices */
	expect_policy("abcdefgh12", 8, NULL);
	expect_policy("sở nội vụ", 8, NULL);		/* lower + other */
	/* Control characters and bad UTF-8. */
	expect_policy("Abcdef12\t", 8, "control character");
	expect_policy("Abcdef12\n", 8, "control character");
	expect_policy("Abcdef12\x7f", 8, "control character");
	expect_policy("Abcdef12\xC2\x85", 8, "control character");
	expect_policy("Abcdef12\xFF", 8, "not valid UTF-8");
	expect_policy("Abcdef12\xC3", 8, "not valid UTF-8");
	expect_policy("Abcdef12\xC0\xAF", 8, "not valid UTF-8");
	/* Byte limit. */
	memset(longpw, 'a', sizeof(longpw));
	longpw[0] = 'A';
	longpw[PASSWD_POLICY_MAX_BYTES] = '\0';
	expect_policy(longpw, 8, NULL);
	longpw[PASSWD_POLICY_MAX_BYTES] = 'a';
	longpw[PASSWD_POLICY_MAX_BYTES + 1] = '\0';
	expect_policy(longpw, 8, "too long");
	/* err may be NULL or small; messages are truncated, not overrun. */
	assert_int_equal(passwd_check_policy("abc", 8, NULL, 0), -1);
	assert_int_equal(passwd_check_policy("abc", 8, tiny, sizeof(tiny)),
	    -1);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yescrypt_roundtrip),
		cmocka_unit_test(test_ssha512_roundtrip),
		cmocka_unit_test(test_slappasswd_interop),
		cmocka_unit_test(test_verify_malformed),
		cmocka_unit_test(test_hash_errors),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
