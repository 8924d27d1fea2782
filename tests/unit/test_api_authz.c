/*
 * test_api_authz.c — the API's authorisation without a directory: role
 * names, the role x operation matrix, subtree containment through the
 * agency tree (flat DNs linked by parent code) and through nested DNs
 * (including "ou=a" inside "ou=xa", escaped commas and a stored cycle), the
 * scope check's refusals and their rule text, and CIDR matching of IPv4
 * and IPv6 clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "api_authz.h"
#include "dir_agency.h"

#define B ",ou=agencies,o=govmail"

/* province -> sgd-hg -> {sgd-th, sgd-tv -> sgd-tv-a}; syt-hg separate;
 * loop-a <-> loop-b a cycle. */
static struct dir_agency agencies[] = {
	{ .dn = "govmailAgencyCode=ubnd-hg" B, .code = "ubnd-hg" },
	{ .dn = "govmailAgencyCode=sgd-hg" B, .code = "sgd-hg", .parent = "ubnd-hg" },
	{ .dn = "govmailAgencyCode=sgd-th" B, .code = "sgd-th", .parent = "sgd-hg" },
	{ .dn = "govmailAgencyCode=sgd-tv" B, .code = "sgd-tv", .parent = "SGD-HG" },
	{ .dn = "govmailAgencyCode=sgd-tv-a" B, .code = "sgd-tv-a", .parent = "sgd-tv" },
	{ .dn = "govmailAgencyCode=syt-hg" B, .code = "syt-hg", .parent = "ubnd-hg" },
	{ .dn = "govmailAgencyCode=xsgd-hg" B, .code = "xsgd-hg", .parent = "ubnd-hg" },
	{ .dn = "govmailAgencyCode=loop-a" B, .code = "loop-a", .parent = "loop-b" },
	{ .dn = "govmailAgencyCode=loop-b" B, .code = "loop-b", .parent = "loop-a" },
	{ .dn = "govmailAgencyCode=orphan" B, .code = "orphan", .parent = "gone" },
};
#define NAGENCIES (sizeof(agencies) / sizeof(agencies[0]))

static struct api_caller *
caller(enum api_role role, const char *code)
{
	struct api_caller *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->actor = strdup("test");
	c->grants = calloc(1, sizeof(*c->grants));
	c->ngrants = 1;
	c->grants[0].role = role;
	if (code != NULL) {
		c->grants[0].agency_code = strdup(code);
		assert_true(asprintf(&c->grants[0].agency_dn,
		    "govmailAgencyCode=%s" B, code) > 0);
	}
	c->tree = api_agency_tree_new(agencies, NAGENCIES);
	return c;
}

static void
test_role_names(void **state)
{
	(void)state;
	assert_string_equal(api_role_name(API_ROLE_PROVINCE_ADMIN), "province-admin");
	assert_string_equal(api_role_name(API_ROLE_AGENCY_ADMIN), "agency-admin");
	assert_string_equal(api_role_name(API_ROLE_HR), "hr");
	assert_string_equal(api_role_name(API_ROLE_AUDITOR), "auditor");
	assert_null(api_role_name(API_ROLE_NONE));
	assert_null(api_role_name((enum api_role)99));
	assert_int_equal(api_role_parse("hr"), API_ROLE_HR);
	assert_int_equal(api_role_parse("auditor"), API_ROLE_AUDITOR);
	assert_int_equal(api_role_parse("agency-admin"), API_ROLE_AGENCY_ADMIN);
	assert_int_equal(api_role_parse("province-admin"), API_ROLE_PROVINCE_ADMIN);
	assert_int_equal(api_role_parse("HR"), API_ROLE_NONE);
	assert_int_equal(api_role_parse("hr "), API_ROLE_NONE);
	assert_int_equal(api_role_parse(""), API_ROLE_NONE);
	assert_int_equal(api_role_parse(NULL), API_ROLE_NONE);
	assert_int_equal(api_role_parse("admin"), API_ROLE_NONE);
}

static void
test_op_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < API_OP_COUNT; i++) {
		const char *n = api_op_name((enum api_op)i);

		assert_non_null(n);
		assert_int_equal(api_op_parse(n), i);
	}
	assert_string_equal(api_op_name(API_OP_ACCOUNT_CREATE), "account.create");
	assert_string_equal(api_op_name(API_OP_ACCOUNT_PURGE), "account.purge");
	assert_int_equal(api_op_parse("account.nothing"), API_OP_COUNT);
}

static void
test_matrix(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < API_OP_COUNT; i++) {
		assert_true(api_role_allows(API_ROLE_PROVINCE_ADMIN, (enum api_op)i));
		assert_true(api_role_allows(API_ROLE_AGENCY_ADMIN, (enum api_op)i));
		assert_false(api_role_allows(API_ROLE_NONE, (enum api_op)i));
	}
	/* hr: the working life of a person, nothing more */
	assert_true(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_READ));
	assert_true(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_CREATE));
	assert_true(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_MODIFY));
	assert_true(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_MOVE));
	assert_true(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_SUSPEND));
	assert_true(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_PASSWORD));
	assert_true(api_role_allows(API_ROLE_HR, API_OP_HR_SYNC));
	assert_true(api_role_allows(API_ROLE_HR, API_OP_AGENCY_READ));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_PURGE));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_ALIAS));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_FORWARD));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_FORWARD_EXTERNAL));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_AGENCY_WRITE));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_AUDIT_READ));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_CERT));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_QUOTA));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_LOCK));
	assert_false(api_role_allows(API_ROLE_HR, API_OP_ACCOUNT_RENAME));
	/* auditor: read-only */
	for (i = 0; i < API_OP_COUNT; i++) {
		int ro = i == API_OP_ACCOUNT_READ || i == API_OP_AGENCY_READ ||
		    i == API_OP_AUDIT_READ;

		assert_int_equal(api_role_allows(API_ROLE_AUDITOR, (enum api_op)i), ro);
	}
	assert_false(api_role_allows(API_ROLE_HR, API_OP_COUNT));
}

static void
test_within_tree(void **state)
{
	struct api_agency_tree *t = api_agency_tree_new(agencies, NAGENCIES);

	(void)state;
	assert_true(api_agency_within(t, "govmailAgencyCode=sgd-hg" B,
	    "govmailAgencyCode=sgd-hg" B));
	assert_true(api_agency_within(t, "govmailAgencyCode=sgd-th" B,
	    "govmailAgencyCode=sgd-hg" B));
	/* two levels down, parent written in upper case */
	assert_true(api_agency_within(t, "govmailAgencyCode=sgd-tv-a" B,
	    "govmailAgencyCode=sgd-hg" B));
	assert_true(api_agency_within(t, "govmailAgencyCode=sgd-tv-a" B,
	    "govmailAgencyCode=ubnd-hg" B));
	/* DN spelling does not matter */
	assert_true(api_agency_within(t, "GOVMAILAGENCYCODE=SGD-TV-A, OU=Agencies, O=govmail",
	    "govmailagencycode=sgd-hg,ou=agencies,o=GOVMAIL"));
	/* upwards and sideways: no */
	assert_false(api_agency_within(t, "govmailAgencyCode=sgd-hg" B,
	    "govmailAgencyCode=sgd-th" B));
	assert_false(api_agency_within(t, "govmailAgencyCode=syt-hg" B,
	    "govmailAgencyCode=sgd-hg" B));
	/* the suffix trap: xsgd-hg ends in "sgd-hg" */
	assert_false(api_agency_within(t, "govmailAgencyCode=xsgd-hg" B,
	    "govmailAgencyCode=sgd-hg" B));
	/* a cycle ends; an unknown parent is a root */
	assert_false(api_agency_within(t, "govmailAgencyCode=loop-a" B,
	    "govmailAgencyCode=sgd-hg" B));
	assert_true(api_agency_within(t, "govmailAgencyCode=loop-a" B,
	    "govmailAgencyCode=loop-b" B));
	assert_false(api_agency_within(t, "govmailAgencyCode=orphan" B,
	    "govmailAgencyCode=ubnd-hg" B));
	/* unknown agency: only itself */
	assert_false(api_agency_within(t, "govmailAgencyCode=new" B,
	    "govmailAgencyCode=sgd-hg" B));
	/* garbage */
	assert_false(api_agency_within(t, "not a dn", "govmailAgencyCode=sgd-hg" B));
	assert_false(api_agency_within(t, NULL, "govmailAgencyCode=sgd-hg" B));
	assert_false(api_agency_within(t, "govmailAgencyCode=sgd-hg" B, NULL));
	assert_string_equal(api_agency_tree_code(t, "govmailAgencyCode=SGD-TV" B), "sgd-tv");
	assert_null(api_agency_tree_code(t, "govmailAgencyCode=none" B));
	api_agency_tree_unref(t);
}

static void
test_within_nested_dn(void **state)
{
	(void)state;
	/* Nested entries (no tree): RDN by RDN, never by string suffix. */
	assert_true(api_agency_within(NULL, "ou=b,ou=a,o=x", "ou=a,o=x"));
	assert_true(api_agency_within(NULL, "ou=a,o=x", "ou=a,o=x"));
	assert_true(api_agency_within(NULL, "OU=B, ou=A,o=X", "ou=a,o=x"));
	assert_false(api_agency_within(NULL, "ou=xa,o=x", "ou=a,o=x"));
	assert_false(api_agency_within(NULL, "ou=b,ou=xa,o=x", "ou=a,o=x"));
	/* an escaped comma is part of the value, not an RDN boundary */
	assert_false(api_agency_within(NULL, "ou=b\\,ou=a,o=x", "ou=a,o=x"));
	assert_false(api_agency_within(NULL, "ou=a,o=x", "ou=b,ou=a,o=x"));
	assert_false(api_agency_within(NULL, "ou=a,o=y", "ou=a,o=x"));
	/* multi-valued RDNs must match whole */
	assert_false(api_agency_within(NULL, "ou=b,ou=a+cn=z,o=x", "ou=a,o=x"));
	/* the empty DN (root) is nobody's scope */
	assert_false(api_agency_within(NULL, "ou=a,o=x", ""));
}

static void
test_check(void **state)
{
	struct api_caller *c;
	char rule[256];

	(void)state;
	c = caller(API_ROLE_HR, "sgd-hg");
	assert_true(api_authz_check(c, API_OP_ACCOUNT_CREATE,
	    "govmailAgencyCode=sgd-tv-a" B, rule, sizeof(rule)));
	assert_false(api_authz_check(c, API_OP_ACCOUNT_PURGE,
	    "govmailAgencyCode=sgd-hg" B, rule, sizeof(rule)));
	assert_string_equal(rule, "role hr may not account.purge");
	assert_false(api_authz_check(c, API_OP_ACCOUNT_CREATE,
	    "govmailAgencyCode=syt-hg" B, rule, sizeof(rule)));
	assert_string_equal(rule, "agency syt-hg is outside the caller's scope sgd-hg");
	assert_false(api_authz_check(c, API_OP_ACCOUNT_MOVE,
	    "govmailAgencyCode=xsgd-hg" B, rule, sizeof(rule)));
	/* a move within the subtree: both ends pass */
	assert_true(api_authz_check(c, API_OP_ACCOUNT_MOVE,
	    "govmailAgencyCode=sgd-th" B, rule, sizeof(rule)));
	assert_true(api_authz_check(c, API_OP_ACCOUNT_MOVE,
	    "govmailAgencyCode=sgd-tv" B, rule, sizeof(rule)));
	/* no target: the role decides */
	assert_false(api_authz_check(c, API_OP_AUDIT_READ, NULL, rule, sizeof(rule)));
	assert_true(api_authz_visible(c, "govmailAgencyCode=sgd-th" B));
	assert_false(api_authz_visible(c, "govmailAgencyCode=syt-hg" B));
	assert_false(api_authz_visible(c, NULL));
	api_caller_free(c);

	c = caller(API_ROLE_AUDITOR, "sgd-hg");
	assert_true(api_authz_check(c, API_OP_AUDIT_READ, NULL, rule, sizeof(rule)));
	assert_true(api_authz_check(c, API_OP_ACCOUNT_READ,
	    "govmailAgencyCode=sgd-th" B, rule, sizeof(rule)));
	assert_false(api_authz_check(c, API_OP_ACCOUNT_MODIFY,
	    "govmailAgencyCode=sgd-th" B, rule, sizeof(rule)));
	assert_string_equal(rule, "role auditor may not account.modify");
	api_caller_free(c);

	c = caller(API_ROLE_PROVINCE_ADMIN, NULL);
	assert_true(api_authz_check(c, API_OP_ACCOUNT_PURGE,
	    "govmailAgencyCode=syt-hg" B, rule, sizeof(rule)));
	assert_true(api_authz_check(c, API_OP_AUDIT_READ, NULL, rule, sizeof(rule)));
	assert_true(api_authz_visible(c, NULL));
	api_caller_free(c);

	/* several grants: any one that allows it */
	c = caller(API_ROLE_AUDITOR, "syt-hg");
	c->grants = realloc(c->grants, 2 * sizeof(*c->grants));
	c->grants[1].role = API_ROLE_HR;
	c->grants[1].agency_code = strdup("sgd-hg");
	c->grants[1].agency_dn = strdup("govmailAgencyCode=sgd-hg" B);
	c->ngrants = 2;
	assert_true(api_authz_check(c, API_OP_ACCOUNT_CREATE,
	    "govmailAgencyCode=sgd-th" B, rule, sizeof(rule)));
	assert_true(api_authz_check(c, API_OP_ACCOUNT_READ,
	    "govmailAgencyCode=syt-hg" B, rule, sizeof(rule)));
	assert_false(api_authz_check(c, API_OP_ACCOUNT_CREATE,
	    "govmailAgencyCode=syt-hg" B, rule, sizeof(rule)));
	assert_string_equal(rule, "agency syt-hg is outside the caller's scope sgd-hg");
	assert_false(api_authz_check(c, API_OP_ACCOUNT_PURGE,
	    "govmailAgencyCode=sgd-th" B, rule, sizeof(rule)));
	assert_string_equal(rule, "no role of the caller may account.purge");
	/* a tiny rule buffer is not overrun */
	assert_false(api_authz_check(c, API_OP_ACCOUNT_PURGE,
	    "govmailAgencyCode=sgd-th" B, rule, 5));
	assert_int_equal(strlen(rule), 4);
	api_caller_free(c);

	/* without a tree only the agency itself is in scope */
	c = caller(API_ROLE_HR, "sgd-hg");
	api_agency_tree_unref(c->tree);
	c->tree = NULL;
	assert_true(api_authz_check(c, API_OP_ACCOUNT_CREATE,
	    "govmailAgencyCode=sgd-hg" B, rule, sizeof(rule)));
	assert_false(api_authz_check(c, API_OP_ACCOUNT_CREATE,
	    "govmailAgencyCode=sgd-th" B, rule, sizeof(rule)));
	api_caller_free(c);
	assert_false(api_authz_check(NULL, API_OP_ACCOUNT_READ, NULL, rule, sizeof(rule)));
}

static void
test_cidr_v4(void **state)
{
	(void)state;
	assert_int_equal(api_cidr_match("10.1.2.0/24", "10.1.2.0"), 1);
	assert_int_equal(api_cidr_match("10.1.2.0/24", "10.1.2.255"), 1);
	assert_int_equal(api_cidr_match("10.1.2.0/24", "10.1.3.0"), 0);
	assert_int_equal(api_cidr_match("10.1.2.0/23", "10.1.3.7"), 1);
	assert_int_equal(api_cidr_match("10.1.2.0/23", "10.1.4.0"), 0);
	assert_int_equal(api_cidr_match("0.0.0.0/0", "203.0.113.9"), 1);
	assert_int_equal(api_cidr_match("203.0.113.9/32", "203.0.113.9"), 1);
	assert_int_equal(api_cidr_match("203.0.113.9/32", "203.0.113.8"), 0);
	assert_int_equal(api_cidr_match("203.0.113.9", "203.0.113.9"), 1);
	assert_int_equal(api_cidr_match("203.0.113.9", "203.0.113.10"), 0);
	assert_int_equal(api_cidr_match("128.0.0.0/1", "127.255.255.255"), 0);
	assert_int_equal(api_cidr_match("128.0.0.0/1", "128.0.0.0"), 1);
	/* a mapped IPv6 client is its IPv4 address */
	assert_int_equal(api_cidr_match("10.1.2.0/24", "::ffff:10.1.2.3"), 1);
	assert_int_equal(api_cidr_match("10.1.2.0/24", "::ffff:10.1.9.3"), 0);
	/* malformed */
	assert_int_equal(api_cidr_match("10.1.2.0/33", "10.1.2.1"), -1);
	assert_int_equal(api_cidr_match("10.1.2.0/", "10.1.2.1"), -1);
	assert_int_equal(api_cidr_match("10.1.2.0/-1", "10.1.2.1"), -1);
	assert_int_equal(api_cidr_match("10.1.2.0/+8", "10.1.2.1"), -1);
	assert_int_equal(api_cidr_match("10.1.2.0/0024", "10.1.2.1"), -1);
	assert_int_equal(api_cidr_match("10.1.2.0/24 ", "10.1.2.1"), -1);
	assert_int_equal(api_cidr_match("10.1.2/24", "10.1.2.1"), -1);
	assert_int_equal(api_cidr_match("10.1.2.0/24", "10.1.2"), -1);
	assert_int_equal(api_cidr_match("10.1.2.0/24", ""), -1);
	assert_int_equal(api_cidr_match("10.1.2.0/24", NULL), -1);
	assert_int_equal(api_cidr_match(NULL, "10.1.2.1"), -1);
	assert_int_equal(api_cidr_match("010.1.2.0/24", "10.1.2.1"), -1);
}

static void
test_cidr_v6(void **state)
{
	(void)state;
	assert_int_equal(api_cidr_match("2001:db8::/32", "2001:db8:ffff::1"), 1);
	assert_int_equal(api_cidr_match("2001:db8::/32", "2001:db9::1"), 0);
	assert_int_equal(api_cidr_match("2001:db8::/33", "2001:db8:8000::1"), 0);
	assert_int_equal(api_cidr_match("2001:db8::/33", "2001:db8:7fff::1"), 1);
	assert_int_equal(api_cidr_match("::/0", "2001:db8::1"), 1);
	assert_int_equal(api_cidr_match("::1/128", "::1"), 1);
	assert_int_equal(api_cidr_match("::1", "::2"), 0);
	assert_int_equal(api_cidr_match("2001:DB8::/32", "2001:db8::5"), 1);
	/* families do not mix, except a mapped client under ::ffff:0:0/96 */
	assert_int_equal(api_cidr_match("2001:db8::/32", "10.1.2.3"), 0);
	assert_int_equal(api_cidr_match("10.0.0.0/8", "2001:db8::1"), 0);
	assert_int_equal(api_cidr_match("::ffff:0:0/96", "10.1.2.3"), 1);
	/* malformed: zone ids, too long prefixes */
	assert_int_equal(api_cidr_match("fe80::/10", "fe80::1%eth0"), -1);
	assert_int_equal(api_cidr_match("2001:db8::/129", "2001:db8::1"), -1);
	assert_int_equal(api_cidr_match("2001:db8:::/32", "2001:db8::1"), -1);
}

static void
test_cidr_valid(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(api_cidr_valid("10.1.2.0/24", err, sizeof(err)), 0);
	assert_int_equal(api_cidr_valid("10.1.2.3", err, sizeof(err)), 0);
	assert_int_equal(api_cidr_valid("0.0.0.0/0", err, sizeof(err)), 0);
	assert_int_equal(api_cidr_valid("2001:db8::/32", err, sizeof(err)), 0);
	assert_int_equal(api_cidr_valid("10.1.2.3/24", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "host bits"));
	assert_int_equal(api_cidr_valid("2001:db8::1/32", err, sizeof(err)), -1);
	assert_int_equal(api_cidr_valid("example.org", err, sizeof(err)), -1);
	assert_int_equal(api_cidr_valid("", err, sizeof(err)), -1);
	assert_int_equal(api_cidr_valid(NULL, err, sizeof(err)), -1);
}

static void
test_token_id_of(void **state)
{
	char *id;
	const char *good = "gmt_abcdefgh2345_"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-";

	(void)state;
	id = api_token_id_of(good);
	assert_non_null(id);
	assert_string_equal(id, "abcdefgh2345");
	free(id);
	assert_null(api_token_id_of("gmt_abcdefgh2345_short"));
	assert_null(api_token_id_of("gmt_ABCDEFGH2345_"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-"));
	assert_null(api_token_id_of("xyz_abcdefgh2345_"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-"));
	assert_null(api_token_id_of("gmt_abcdefgh2345_"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
	assert_null(api_token_id_of(""));
	assert_null(api_token_id_of(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_within_tree),
		cmocka_unit_test(test_within_nested_dn),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_cidr_v4),
		cmocka_unit_test(test_cidr_v6),
		cmocka_unit_test(test_cidr_valid),
		cmocka_unit_test(test_token_id_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
