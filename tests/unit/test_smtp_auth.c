/*
 * test_smtp_auth.c — SASL PLAIN and LOGIN decoding for govmaild's AUTH:
 * strict base64, the PLAIN triple, proxy authorisation refused, limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/govmaild/smtp_auth.c"

static long
dec(const char *in, unsigned char *out, size_t outlen)
{
	return smtp_auth_b64decode(in, strlen(in), out, outlen);
}

static void
test_base64(void **state)
{
	unsigned char out[64];
	char enc[64];

	(void)state;
	assert_int_equal(dec("", out, sizeof(out)), 0);
	assert_int_equal(dec("QQ==", out, sizeof(out)), 1);
	assert_int_equal(out[0], 'A');
	assert_int_equal(dec("QUI=", out, sizeof(out)), 2);
	assert_int_equal(dec("QUJD", out, sizeof(out)), 3);
	assert_memory_equal(out, "ABC", 3);
	assert_int_equal(dec("QQ=", out, sizeof(out)), -1);        /* length */
	assert_int_equal(dec("Q===", out, sizeof(out)), -1);       /* too much padding */
	assert_int_equal(dec("QR==", out, sizeof(out)), -1);       /* non-canonical */
	assert_int_equal(dec("Q=Q=", out, sizeof(out)), -1);
	assert_int_equal(dec("QQ==QUJD", out, sizeof(out)), -1);   /* padding inside */
	assert_int_equal(dec("QU JD", out, sizeof(out)), -1);
	assert_int_equal(dec("QUJD", out, 2), -1);                 /* no room */
	assert_int_equal(smtp_auth_b64encode("annv@haugiang.gov.vn", enc, sizeof(enc)), 0);
	assert_string_equal(enc, "YW5udkBoYXVnaWFuZy5nb3Yudm4=");
	assert_int_equal(smtp_auth_b64encode("abcdef", enc, 8), -1);
}

static void
test_plain(void **state)
{
	char user[SMTP_AUTH_USER_MAX + 1], pass[SMTP_AUTH_PASS_MAX + 1];
	const char *why;

	(void)state;
	assert_int_equal(smtp_auth_plain((const unsigned char *)"\0annv\0s3cret pw", 15,
	    user, sizeof(user), pass, sizeof(pass), &why), 0);
	assert_string_equal(user, "annv");
	assert_string_equal(pass, "s3cret pw");
	assert_int_equal(smtp_auth_plain((const unsigned char *)"annv\0annv\0pw", 12,
	    user, sizeof(user), pass, sizeof(pass), &why), 0);
	assert_int_equal(smtp_auth_plain((const unsigned char *)"boss\0annv\0pw", 12,
	    user, sizeof(user), pass, sizeof(pass), &why), -1);
	assert_non_null(strstr(why, "authorization identity"));
	assert_int_equal(smtp_auth_plain((const unsigned char *)"\0annv\0", 6,
	    user, sizeof(user), pass, sizeof(pass), &why), -1);
	assert_string_equal(why, "empty password");
	assert_int_equal(smtp_auth_plain((const unsigned char *)"\0\0pw", 4,
	    user, sizeof(user), pass, sizeof(pass), &why), -1);
	assert_int_equal(smtp_auth_plain((const unsigned char *)"\0annv pw", 8,
	    user, sizeof(user), pass, sizeof(pass), &why), -1);
	assert_int_equal(smtp_auth_plain((const unsigned char *)"\0an nv\0pw", 9,
	    user, sizeof(user), pass, sizeof(pass), &why), -1);
	assert_int_equal(smtp_auth_plain((const unsigned char *)"\0annv\0p\0w", 9,
	    user, sizeof(user), pass, sizeof(pass), &why), -1);
}

static void
test_login_field(void **state)
{
	char out[16];
	const char *why;

	(void)state;
	assert_int_equal(smtp_auth_login_field((const unsigned char *)"annv", 4, out,
	    sizeof(out), 1, &why), 0);
	assert_string_equal(out, "annv");
	assert_int_equal(smtp_auth_login_field((const unsigned char *)"", 0, out,
	    sizeof(out), 0, &why), -1);
	assert_int_equal(smtp_auth_login_field((const unsigned char *)"0123456789abcdef",
	    16, out, sizeof(out), 0, &why), -1);
	assert_int_equal(smtp_auth_mech("plain", 5), SMTP_AUTH_PLAIN);
	assert_int_equal(smtp_auth_mech("LOGIN", 5), SMTP_AUTH_LOGIN);
	assert_int_equal(smtp_auth_mech("CRAM-MD5", 8), SMTP_AUTH_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_login_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
