/*
 * test_dir_idem.c — the pure parts of the Idempotency-Key claims
 * (dir_idem.h): the claim's name (SHA-256 of caller and key, never the
 * key), the body hash, expiry at its boundary, GeneralizedTime both ways
 * and the uid of an account DN.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dir_idem.h"
#include "gentime.h"

static void
test_id(void **state)
{
	char a[DIR_IDEM_ID_LEN + 1], b[DIR_IDEM_ID_LEN + 1];

	(void)state;
	/* sha256("token:abc\nhr-2026-000123") */
	dir_idem_id("token:abc", "hr-2026-000123", a);
	assert_string_equal(a,
	    "01945692cd1c6bee4596129a4eca6b291a7052da335712d145fa94243c8201fa");
	assert_null(strstr(a, "hr-2026"));
	/* the caller is part of it: the same key of another caller differs */
	dir_idem_id("token:abd", "hr-2026-000123", b);
	assert_string_not_equal(a, b);
	/* and where caller ends and key begins */
	dir_idem_id("token:ab", "chr-2026-000123", b);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(b), DIR_IDEM_ID_LEN);
}

static void
test_body_hash(void **state)
{
	unsigned char d[32];
	char out[DIR_IDEM_BODY_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(d); i++)
		d[i] = (unsigned char)(i * 17);
	dir_idem_body_hash(d, out);
	assert_int_equal(strlen(out), DIR_IDEM_BODY_LEN);
	assert_string_equal(out, "sha256:0011223344556677"
	    "8899aabbccddeeff102132435465768798a9bacbdcedfe0f");
}

static void
test_expired(void **state)
{
	(void)state;
	assert_false(dir_idem_expired(1000, 60, 1000));
	assert_false(dir_idem_expired(1000, 60, 1059));
	assert_true(dir_idem_expired(1000, 60, 1060));   /* ttl seconds after */
	assert_true(dir_idem_expired(1000, 60, 99999));
	assert_true(dir_idem_expired(-1, 60, 0));        /* unreadable time */
	/* a claim "from the future" (another gateway's clock ahead) holds */
	assert_false(dir_idem_expired(2000, 60, 1000));
}

static void
test_gentime(void **state)
{
	char buf[32];

	(void)state;
	gentime_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "19700101000000Z");
	gentime_format(1796342400LL, buf, sizeof(buf));
	assert_string_equal(buf, "20261204000000Z");
	assert_int_equal(gentime_parse("20261204000000Z"), 1796342400LL);
	assert_int_equal(gentime_parse("20261204000059Z"), 1796342459LL);
	assert_int_equal(gentime_parse(NULL), -1);
	assert_int_equal(gentime_parse(""), -1);
	assert_int_equal(gentime_parse("20261204000000"), -1);
	assert_int_equal(gentime_parse("20261204000000+0700"), -1);
	assert_int_equal(gentime_parse("2026120400000xZ"), -1);
	assert_int_equal(gentime_parse("20261204000000Zjunk"), -1);
	/* slapd's operational times carry a fraction of a second */
	assert_int_equal(gentime_parse("20261204000059.123456Z"), 1796342459LL);
	assert_int_equal(gentime_parse("2026120400005Z"), -1);
}

static void
test_dn_uid(void **state)
{
	char *u;

	(void)state;
	u = dir_idem_dn_uid("uid=annv,ou=accounts,o=govmail");
	assert_string_equal(u, "annv");
	free(u);
	u = dir_idem_dn_uid("UID=an\\2Cnv2,ou=accounts,dc=haugiang,dc=gov,dc=vn");
	assert_string_equal(u, "an,nv2");
	free(u);
	assert_null(dir_idem_dn_uid(NULL));
	assert_null(dir_idem_dn_uid("cn=govmaild,ou=system,o=govmail"));
	assert_null(dir_idem_dn_uid("uid=a+cn=b,ou=accounts,o=govmail"));
	assert_null(dir_idem_dn_uid("not a dn"));
	assert_null(dir_idem_dn_uid(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_body_hash),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_gentime),
		cmocka_unit_test(test_dn_uid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
