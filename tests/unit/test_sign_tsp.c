/*
 * test_sign_tsp.c — the RFC 3161 token reader of sign_tsp.c on input that
 * is not a token (empty, garbage, truncated DER, a SignedData of another
 * content type): refused as malformed, never trusted, no leak; the time
 * format of the header; a TSA file that cannot be read is a config error
 * and an empty setting trusts no TSA. Real tokens (openssl ts) are
 * checked by tests/integration/test_sign_tsp.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/govmaild/sign_tsp.c"

static void
test_not_tokens(void **state)
{
	/* a SEQUENCE holding the pkcs7-signedData OID and nothing else */
	static const unsigned char signed_oid[] = { 0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48,
		0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
	static const unsigned char garbage[] = "not a token at all";
	static const unsigned char huge_len[] = { 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06 };
	struct sign_segment seg = { garbage, sizeof(garbage) };
	struct sign_tsp_result r;

	(void)state;
	sign_tsp_verify(NULL, garbage, 0, &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MALFORMED);
	sign_tsp_verify(NULL, garbage, sizeof(garbage), &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MALFORMED);
	assert_non_null(memchr(r.why, '\0', sizeof(r.why)));
	sign_tsp_verify(NULL, signed_oid, sizeof(signed_oid), &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MALFORMED);
	sign_tsp_verify(NULL, huge_len, sizeof(huge_len), &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MALFORMED);
	assert_false(sign_tsp_is_token(garbage, sizeof(garbage)));
	assert_false(sign_tsp_is_token(signed_oid, sizeof(signed_oid)));
}

static void
test_time(void **state)
{
	char buf[32];

	(void)state;
	sign_tsp_time((time_t)1714557600, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-01T10:00:00Z");
}

static void
test_load(void **state)
{
	struct govmail_conf c;
	char err[200];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.signature_tsa_anchors = (char *)"";
	assert_null(sign_tsp_load(&c, err, sizeof(err)));
	assert_string_equal(err, "");
	c.signature_tsa_anchors = (char *)"/nonexistent/tsa.pem";
	assert_null(sign_tsp_load(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/tsa.pem"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_tokens),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
