/*
 * test_dir_escape.c — RFC 4515 filter escaping, RFC 4514 DN value escaping
 * (checked by parsing the result back with libldap's ldap_str2dn), RDN/DN
 * building and the %s-escaping filter builder with hostile arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include <ldap.h>

#include "dir_escape.h"

static void
expect_filter(const char *in, const char *want)
{
	char *got = dir_escape_filter(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* Undo RFC 4515 \XX escapes; every '\' must start one. */
static char *
filter_unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	unsigned int v;

	assert_non_null(out);
	while (*s != '\0') {
		if (*s == '\\') {
			assert_int_equal(sscanf(s + 1, "%2x", &v), 1);
			*o++ = (char)v;
			s += 3;
		} else
			*o++ = *s++;
	}
	*o = '\0';
	return out;
}

static void
test_filter_rfc4515(void **state)
{
	const char *special[] = { "*", "(", ")", "\\", "a*b(c)d\\e",
	    "Sở Nội vụ", "x*)(uid=*", "*)(|(objectClass=*", NULL };
	char *e, *u;
	size_t i;

	(void)state;
	expect_filter("*", "\\2A");
	expect_filter("(", "\\28");
	expect_filter(")", "\\29");
	expect_filter("\\", "\\5C");
	expect_filter("", "");
	expect_filter("annv@haugiang.gov.vn", "annv@haugiang.gov.vn");
	/* RFC 4515 section 4 examples (hex case is not significant). */
	expect_filter("Parens R Us (for all your parenthetical needs)",
	    "Parens R Us \\28for all your parenthetical needs\\29");
	expect_filter("C:\\MyFile", "C:\\5CMyFile");
	/* UTF-8 bytes are escaped too, which RFC 4515 allows. */
	expect_filter("ở", "\\E1\\BB\\9F");
	assert_null(dir_escape_filter(NULL));

	/* The classic injection: must become one literal value. */
	e = dir_escape_filter("x*)(uid=*");
	assert_non_null(e);
	assert_string_equal(e, "x\\2A\\29\\28uid=\\2A");
	assert_int_equal(strcasecmp(e, "x\\2a\\29\\28uid=\\2a"), 0);
	free(e);

	for (i = 0; special[i] != NULL; i++) {
		e = dir_escape_filter(special[i]);
		assert_non_null(e);
		assert_null(strpbrk(e, "*()"));
		u = filter_unescape(e);
		assert_string_equal(u, special[i]);
		free(u);
		free(e);
	}
}

/*
 * Parse "uid=<escaped>,o=govmail" with libldap and check the first RDN is a
 * single AVA whose value equals the original bytes.
 */
static void
check_dn_roundtrip(const char *value, const char *escaped)
{
	LDAPDN dn = NULL;
	char *s;
	size_t n = strlen(value);

	if (asprintf(&s, "uid=%s,o=govmail", escaped) < 0)
		fail();
	assert_int_equal(ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3),
	    LDAP_SUCCESS);
	assert_non_null(dn);
	assert_non_null(dn[0]);
	assert_non_null(dn[1]);
	assert_null(dn[2]);			/* exactly two RDNs */
	assert_null(dn[0][1]);			/* single-valued RDN */
	assert_int_equal(dn[0][0]->la_value.bv_len, n);
	assert_memory_equal(dn[0][0]->la_value.bv_val, value, n);
	ldap_dnfree(dn);
	free(s);
}

static void
expect_dn(const char *in, const char *want)
{
	char *got = dir_escape_dn_value(in);

	assert_non_null(got);
	if (want != NULL)
		assert_string_equal(got, want);
	check_dn_roundtrip(in, got);
	free(got);
}

static void
test_dn_rfc4514(void **state)
{
	(void)state;
	expect_dn("annv", "annv");
	expect_dn("a,b", "a\\2Cb");
	expect_dn("a+b", "a\\2Bb");
	expect_dn("a\"b", "a\\22b");
	expect_dn("a\\b", "a\\5Cb");
	expect_dn("a<b>", "a\\3Cb\\3E");
	expect_dn("a;b", "a\\3Bb");
	expect_dn("a=b", "a\\3Db");
	expect_dn("#abc", "\\23abc");
	expect_dn("a#b", "a#b");		/* '#' only special first */
	expect_dn(" lead", "\\20lead");
	expect_dn("trail ", "trail\\20");
	expect_dn(" ", "\\20");
	expect_dn("#", "\\23");
	expect_dn("in ner", "in ner");
	expect_dn("Sở Nội vụ", "Sở Nội vụ");	/* UTF-8 kept */
	expect_dn("Ủy ban nhân dân tỉnh Hậu Giang", NULL);
	expect_dn(",+\"\\<>;= #", NULL);
	expect_dn("x,ou=admins,o=govmail", NULL);
	expect_dn("x*)(uid=*", NULL);
	expect_dn("😀 emoji", NULL);

	{
		char *e = dir_escape_dn_value("");

		assert_non_null(e);
		assert_string_equal(e, "");
		free(e);
	}
	/* Refused: NULL, control characters, malformed UTF-8. */
	assert_null(dir_escape_dn_value(NULL));
	assert_null(dir_escape_dn_value("a\tb"));
	assert_null(dir_escape_dn_value("a\nb"));
	assert_null(dir_escape_dn_value("a\x7f"));
	assert_null(dir_escape_dn_value("a\xC2\x85"));	/* U+0085 */
	assert_null(dir_escape_dn_value("a\xFF"));
	assert_null(dir_escape_dn_value("a\xC3"));
	assert_null(dir_escape_dn_value("\xC0\xAF"));	/* overlong */
	assert_null(dir_escape_dn_value("\xED\xA0\x80"));	/* surrogate */
	assert_null(dir_escape_dn_value("\xF4\x90\x80\x80"));
}

static void
expect_rdn_dn(const char *attr, const char *value, const char *parent,
    const char *want)
{
	char *got = dir_make_rdn_dn(attr, value, parent);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_make_rdn_dn(void **state)
{
	LDAPDN dn = NULL;
	char *s;

	(void)state;
	expect_rdn_dn("uid", "annv", "ou=accounts,o=govmail",
	    "uid=annv,ou=accounts,o=govmail");
	expect_rdn_dn("govmailAgencyCode", "SNV-HG", "ou=agencies,o=govmail",
	    "govmailAgencyCode=SNV-HG,ou=agencies,o=govmail");
	expect_rdn_dn("cn", "Sở Nội vụ", "o=govmail", "cn=Sở Nội vụ,o=govmail");
	expect_rdn_dn("uid", "annv", NULL, "uid=annv");
	expect_rdn_dn("uid", "annv", "", "uid=annv");
	expect_rdn_dn("2.5.4.3", "x", "o=govmail", "2.5.4.3=x,o=govmail");
	expect_rdn_dn("uid", " #x ", "o=govmail", "uid=\\20#x\\20,o=govmail");

	/* A value cannot add RDNs. */
	s = dir_make_rdn_dn("uid", "x,ou=admins", "ou=accounts,o=govmail");
	assert_non_null(s);
	assert_string_equal(s, "uid=x\\2Cou\\3Dadmins,ou=accounts,o=govmail");
	assert_int_equal(ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3),
	    LDAP_SUCCESS);
	assert_non_null(dn[2]);
	assert_null(dn[3]);
	assert_string_equal(dn[0][0]->la_value.bv_val, "x,ou=admins");
	ldap_dnfree(dn);
	free(s);

	/* Refused. */
	expect_rdn_dn("uid", "", "o=govmail", NULL);
	expect_rdn_dn("uid", NULL, "o=govmail", NULL);
	expect_rdn_dn(NULL, "x", "o=govmail", NULL);
	expect_rdn_dn("", "x", "o=govmail", NULL);
	expect_rdn_dn("u id", "x", "o=govmail", NULL);
	expect_rdn_dn("uid=x,o", "y", "o=govmail", NULL);
	expect_rdn_dn("1uid", "x", "o=govmail", NULL);
	expect_rdn_dn("uid;binary", "x", "o=govmail", NULL);
	expect_rdn_dn("1..2", "x", "o=govmail", NULL);
	expect_rdn_dn("1.2.", "x", "o=govmail", NULL);
	expect_rdn_dn("1.02", "x", "o=govmail", NULL);
	expect_rdn_dn("12", "x", "o=govmail", NULL);
	expect_rdn_dn("uid", "a\nb", "o=govmail", NULL);
	expect_rdn_dn("uid", "x", "o=govmail,,", NULL);
	expect_rdn_dn("uid", "x", "not a dn", NULL);
}

static void
test_filter_fmt(void **state)
{
	/* Calls through a plain pointer skip the compile-time format check. */
	char *(*unchecked)(const char *, ...) = dir_filter_fmt;
	const char *volatile nul = NULL;	/* hidden from -Wformat */
	char *f, *big;
	size_t i;

	(void)state;
	f = dir_filter_fmt("(&(objectClass=govmailAccount)"
	    "(|(mail=%s)(govmailAlias=%s)))", "x*)(uid=*", "a\\b(c)");
	assert_non_null(f);
	assert_string_equal(f, "(&(objectClass=govmailAccount)"
	    "(|(mail=x\\2A\\29\\28uid=\\2A)(govmailAlias=a\\5Cb\\28c\\29)))");
	free(f);

	f = dir_filter_fmt("(uid=%s)", "*");
	assert_string_equal(f, "(uid=\\2A)");
	free(f);

	/* An argument that looks like a directive or an escape stays data. */
	f = dir_filter_fmt("(cn=%s)", "%s%d\\2a");
	assert_string_equal(f, "(cn=%s%d\\5C2a)");
	free(f);

	f = dir_filter_fmt("(cn=100%%)");
	assert_string_equal(f, "(cn=100%)");
	free(f);

	f = dir_filter_fmt("(cn=%s)", "Sở Nội vụ");
	assert_string_equal(f, "(cn=S\\E1\\BB\\9F N\\E1\\BB\\99i v\\E1\\BB\\A5)");
	free(f);

	f = dir_filter_fmt("(cn=%s)", "");
	assert_string_equal(f, "(cn=)");
	free(f);

	f = dir_filter_fmt("(objectClass=*)");
	assert_string_equal(f, "(objectClass=*)");
	free(f);

	/* Buffer growth: 10,000 '*' become 30,000 bytes of escapes. */
	big = malloc(10001);
	assert_non_null(big);
	memset(big, '*', 10000);
	big[10000] = '\0';
	f = dir_filter_fmt("(cn=%s)", big);
	assert_non_null(f);
	assert_int_equal(strlen(f), 5 + 30000);
	for (i = 0; i < 10000; i++)
		assert_memory_equal(f + 4 + 3 * i, "\\2A", 3);
	free(f);
	free(big);

	/* Unsupported directives and NULL arguments. */
	assert_null(dir_filter_fmt("(uidNumber=%d)", 5));
	assert_null(dir_filter_fmt("(cn=%.3s)", "abcdef"));
	assert_null(unchecked("(cn=x)%"));
	assert_null(dir_filter_fmt("(cn=%s)", nul));
	assert_null(unchecked(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_rfc4515),
		cmocka_unit_test(test_dn_rfc4514),
		cmocka_unit_test(test_make_rdn_dn),
		cmocka_unit_test(test_filter_fmt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
