/*
 * test_address_template.c — the local-part template language (every
 * token, literals, collapsing of separators around empty tokens, length
 * limit), template validation errors, collision numbering, and validation
 * of admin-typed addresses and domains, including LDAP filter injection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "address_template.h"

static void
expect_local(const char *tmpl, const char *name, const char *want)
{
	char err[256] = "", out[ADDRESS_LOCAL_MAX + 1];

	if (address_local_from_name(tmpl, name, out, sizeof(out), err,
	    sizeof(err)) != 0)
		fail_msg("%s with %s: %s", name, tmpl ? tmpl : "(default)",
		    err);
	assert_string_equal(out, want);
}

static void
expect_local_err(const char *tmpl, const char *name, const char *want)
{
	char err[256] = "", out[ADDRESS_LOCAL_MAX + 1] = "junk";

	assert_int_equal(address_local_from_name(tmpl, name, out, sizeof(out),
	    err, sizeof(err)), -1);
	assert_string_equal(out, "");
	assert_string_equal(err, want);
}

static void
test_default_template(void **state)
{
	(void)state;
	assert_string_equal(ADDRESS_DEFAULT_TEMPLATE, "{given}{initials}");
	expect_local(NULL, "Nguyễn Văn An", "annv");
	expect_local(ADDRESS_DEFAULT_TEMPLATE, "Nguyễn Văn An", "annv");
	expect_local(NULL, "Trần Thị Ngọc Hân", "hanttn");
	expect_local(NULL, "Lê Na", "nal");
	expect_local(NULL, "Phan Thanh Vinh", "vinhpt");
	expect_local(NULL, "Đặng Thái Sơn", "sondt");
	expect_local(NULL, "Hồ Chí Minh", "minhhc");
}

static void
test_tokens(void **state)
{
	const char *n = "Trần Thị Ngọc Hân";

	(void)state;
	expect_local("{given}", n, "han");
	expect_local("{surname}", n, "tran");
	expect_local("{middle}", n, "thingoc");
	expect_local("{initials}", n, "ttn");
	expect_local("{s}", n, "t");
	expect_local("{m}", n, "tn");
	expect_local("{g}", n, "h");
	expect_local("{given}.{surname}", n, "han.tran");
	expect_local("{surname}_{given}", n, "tran_han");
	expect_local("{g}{m}{surname}", n, "htntran");
	expect_local("{given}-{s}{m}", n, "han-ttn");
	expect_local("{given}{initials}.hg", n, "hanttn.hg");
	expect_local("cb.{given}{initials}", n, "cb.hanttn");
	expect_local("{given}{initials}2024", n, "hanttn2024");
	expect_local("{surname}.{middle}.{given}", n, "tran.thingoc.han");
}

static void
test_empty_tokens_collapse(void **state)
{
	(void)state;
	/* Single word: surname, middle and initials are empty. */
	expect_local("{given}.{surname}", "An", "an");
	expect_local("{surname}.{given}", "An", "an");
	expect_local("{given}{initials}", "An", "an");
	expect_local("{surname}-{middle}-{given}", "An", "an");
	expect_local("{given}_{m}_{s}", "An", "an");
	/* No middle name: no double separator. */
	expect_local("{given}.{middle}.{surname}", "Lê Na", "na.le");
	expect_local("{surname}-{middle}-{given}", "Lê Na", "le-na");
	expect_local("{given}.{m}", "Lê Na", "na");
	/* Only an empty token: nothing left. */
	expect_local_err("{middle}", "Lê Na",
	    "the template gives an empty address for this name");
	expect_local("x.{surname}", "An", "x");
}

static void
test_length_limit(void **state)
{
	char name[80], want[80];

	(void)state;
	/* A 58-letter given name: 59 and 60 characters are fine, 61 not. */
	memcpy(name, "Lê A", 5);
	memset(name + 5, 'a', 57);
	name[62] = '\0';
	memset(want, 'a', 58);
	memcpy(want + 58, "l", 2);
	expect_local(NULL, name, want);
	memcpy(want + 58, ".l", 3);
	expect_local("{given}.{s}", name, want);
	expect_local_err("{given}.{surname}", name,
	    "the address for this name would be longer than 60 characters; "
	    "give one explicitly");
	/* Expansion far beyond the buffer is refused, not truncated. */
	expect_local_err("{middle}{middle}{middle}{middle}{middle}{middle}",
	    "Lê Thị Quỳnh Phương Ngọc Ánh Bích Hồng Thu Hà",
	    "the address for this name would be longer than 60 characters; "
	    "give one explicitly");
}

static void
expect_tmpl_ok(const char *tmpl)
{
	char err[256] = "";

	if (address_template_check(tmpl, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", tmpl, err);
}

static void
expect_tmpl_err(const char *tmpl, const char *want)
{
	char err[256] = "";

	if (address_template_check(tmpl, err, sizeof(err)) != -1)
		fail_msg("template '%s' accepted", tmpl);
	assert_string_equal(err, want);
	/* The same message when used to make an address. */
	expect_local_err(tmpl, "Nguyễn Văn An", want);
}

static void
test_template_check(void **state)
{
	char big[66];

	(void)state;
	expect_tmpl_ok("{given}{initials}");
	expect_tmpl_ok("{given}.{surname}");
	expect_tmpl_ok("{s}{m}{g}");
	expect_tmpl_ok("x-{middle}_9.{g}");

	expect_tmpl_err("", "template is empty");
	expect_tmpl_err("{given", "template has an unclosed '{' at position 1");
	expect_tmpl_err("{given}.{sur{name}",
	    "template has an unclosed '{' at position 9");
	expect_tmpl_err("given}", "template has '}' without '{' at position 6");
	expect_tmpl_err("{given}}", "template has '}' without '{' at position 8");
	expect_tmpl_err("{name}.x",
	    "template has an unknown token {name} at position 1; known tokens: "
	    "{given} {surname} {middle} {initials} {s} {m} {g}");
	expect_tmpl_err("a{Given}",
	    "template has an unknown token {Given} at position 2; known tokens: "
	    "{given} {surname} {middle} {initials} {s} {m} {g}");
	expect_tmpl_err("{}",
	    "template has an unknown token {} at position 1; known tokens: "
	    "{given} {surname} {middle} {initials} {s} {m} {g}");
	expect_tmpl_err("{giv\x01n}",
	    "template has an unknown token {giv?n} at position 1; known tokens: "
	    "{given} {surname} {middle} {initials} {s} {m} {g}");
	expect_tmpl_err("{given}@{surname}", "template contains '@' at position "
	    "8; only a-z 0-9 . - _ and tokens are allowed");
	expect_tmpl_err("{given}A", "template contains 'A' at position 8; only "
	    "a-z 0-9 . - _ and tokens are allowed");
	expect_tmpl_err("{given} {s}", "template contains a space at position "
	    "8; only a-z 0-9 . - _ and tokens are allowed");
	expect_tmpl_err("{given}*)(uid=*", "template contains '*' at position "
	    "8; only a-z 0-9 . - _ and tokens are allowed");
	expect_tmpl_err("{given}\xc3\xa9", "template contains byte 0xC3 at "
	    "position 8; only a-z 0-9 . - _ and tokens are allowed");
	expect_tmpl_err("admin", "template has no name token such as {given}");
	/* 64 bytes are allowed, 65 are not. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "{given}", 7);
	big[64] = '\0';
	expect_tmpl_ok(big);
	big[64] = 'x';
	big[65] = '\0';
	expect_tmpl_err(big, "template is longer than 64 characters");
	assert_int_equal(address_template_check(NULL, NULL, 0), -1);
}

static void
test_name_errors_pass_through(void **state)
{
	(void)state;
	expect_local_err(NULL, "", "name is empty");
	expect_local_err(NULL, "An\x1b", "name contains a control character at "
	    "position 3");
	expect_local_err(NULL, "L\xea Na", "name is not valid UTF-8 at byte 1 "
	    "(legacy TCVN3/VNI encoding?)");
	expect_local_err(NULL, "x*)(uid=*", "name contains a character that is "
	    "not allowed at position 2 (U+002A)");
	expect_local_err(NULL, "a b c d e f g h i j k",
	    "name has more than 10 words");
	/* A Latin letter without an ASCII spelling. */
	expect_local_err(NULL, "\xc6\x8f", "name has no letters that can be "
	    "written in ASCII");
}

static void
expect_candidate(const char *local, unsigned n, const char *want)
{
	char out[ADDRESS_LOCAL_MAX + 1];

	assert_int_equal(address_candidate(local, n, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void
test_candidate(void **state)
{
	char out[ADDRESS_LOCAL_MAX + 1], small[6];
	char l60[61], l63[64];

	(void)state;
	expect_candidate("annv", 1, "annv");
	expect_candidate("annv", 2, "annv2");
	expect_candidate("annv", 3, "annv3");
	expect_candidate("annv", 10, "annv10");
	expect_candidate("han.tran", 12, "han.tran12");
	assert_int_equal(address_candidate("annv", 0, out, sizeof(out)), -1);
	assert_int_equal(address_candidate("", 2, out, sizeof(out)), -1);
	assert_int_equal(address_candidate(NULL, 2, out, sizeof(out)), -1);
	/* A 60-character local part has room for four digits. */
	memset(l60, 'a', 60);
	l60[60] = '\0';
	assert_int_equal(address_candidate(l60, 9999, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 64);
	assert_int_equal(address_candidate(l60, 10000, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	memset(l63, 'a', 63);
	l63[63] = '\0';
	assert_int_equal(address_candidate(l63, 10, out, sizeof(out)), -1);
	/* Output buffer too small. */
	assert_int_equal(address_candidate("annv", 2, small, sizeof(small)), 0);
	assert_string_equal(small, "annv2");
	assert_int_equal(address_candidate("annv", 10, small, sizeof(small)),
	    -1);
	assert_string_equal(small, "");
	assert_int_equal(address_candidate("annv", 1, small, 0), -1);
}

static void
expect_addr_ok(const char *addr)
{
	char err[256] = "";

	if (address_check(addr, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", addr, err);
}

static void
expect_addr_err(const char *addr, const char *want)
{
	char err[256] = "";

	assert_int_equal(address_check(addr, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void
test_address_check(void **state)
{
	char buf[400], a63[64];

	(void)state;
	expect_addr_ok("annv@hagiang.gov.vn");
	expect_addr_ok("han.tran@sotttt.hagiang.gov.vn");
	expect_addr_ok("an_nv-2+list@x.vn");
	expect_addr_ok("a@b");
	expect_addr_ok("annv2@xn--h-giang-r1a.vn");

	/* LDAP filter injection and other specials. */
	expect_addr_err("x*)(uid=*", "address contains '*' at position 2; only "
	    "a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("x*)(uid=*)@gov.vn", "address contains '*' at position "
	    "2; only a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("an)(mail=*@gov.vn", "address contains ')' at position "
	    "3; only a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("an(@gov.vn", "address contains '(' at position 3; "
	    "only a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("a\\2a@gov.vn", "address contains '\\' at position 2; "
	    "only a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("an nv@gov.vn", "address contains a space at position "
	    "3; only a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("annv@gov.vn\n", "address contains byte 0x0A at "
	    "position 12; only a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("\"an\"@gov.vn", "address contains '\"' at position 1; "
	    "only a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("annv,x@gov.vn", "address contains ',' at position 5; "
	    "only a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("nguy\xe1\xbb\x85n@gov.vn", "address contains byte "
	    "0xE1 at position 5; only a-z 0-9 . _ - + and one '@' are allowed");
	expect_addr_err("Annv@gov.vn", "address contains an uppercase letter at "
	    "position 1; use lowercase");
	/* Structure. */
	expect_addr_err("", "address is empty");
	expect_addr_err(NULL, "address is empty");
	expect_addr_err("annv", "address has no '@'");
	expect_addr_err("an@nv@gov.vn", "address contains more than one '@'");
	expect_addr_err("@gov.vn",
	    "address has an empty local part (nothing before '@')");
	expect_addr_err("annv@", "address has an empty domain (nothing after "
	    "'@')");
	expect_addr_err(".annv@gov.vn",
	    "local part must not start or end with '.'");
	expect_addr_err("annv.@gov.vn",
	    "local part must not start or end with '.'");
	expect_addr_err("an..nv@gov.vn", "local part must not contain '..'");
	/* 64-character local part is fine, 65 is not. */
	memset(buf, 'a', 64);
	strcpy(buf + 64, "@gov.vn");
	expect_addr_ok(buf);
	memset(buf, 'a', 65);
	strcpy(buf + 65, "@gov.vn");
	expect_addr_err(buf, "local part is longer than 64 characters");
	/* 254 characters in all (64 + '@' + 189), 255 is too many. */
	memset(a63, 'a', 63);
	a63[63] = '\0';
	snprintf(buf, sizeof(buf), "%.63s@%s.%s.%.61s", a63, a63, a63, a63);
	memmove(buf + 1, buf, strlen(buf) + 1);	/* local part 64 */
	assert_int_equal(strlen(buf), 254);
	expect_addr_ok(buf);
	snprintf(buf, sizeof(buf), "%.63s@%s.%s.%.62s", a63, a63, a63, a63);
	memmove(buf + 1, buf, strlen(buf) + 1);
	assert_int_equal(strlen(buf), 255);
	expect_addr_err(buf, "address is longer than 254 characters");
	/* Domain errors come from address_domain_check. */
	expect_addr_err("annv@gov..vn", "domain has an empty label at position "
	    "5 (leading, trailing or double '.')");
	expect_addr_err("annv@gov_vn", "domain contains '_' at position 4; only "
	    "a-z 0-9 - and . are allowed");
	expect_addr_err("annv@gov+vn", "domain contains '+' at position 4; only "
	    "a-z 0-9 - and . are allowed");
	expect_addr_err("annv@-gov.vn", "domain label at position 1 starts or "
	    "ends with '-'");
}

static void
expect_domain_err(const char *domain, const char *want)
{
	char err[256] = "";

	assert_int_equal(address_domain_check(domain, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void
test_domain_check(void **state)
{
	char buf[300];
	size_t i;

	(void)state;
	assert_int_equal(address_domain_check("hagiang.gov.vn", NULL, 0), 0);
	assert_int_equal(address_domain_check("localhost", NULL, 0), 0);
	assert_int_equal(address_domain_check("a-1.b2.vn", NULL, 0), 0);
	assert_int_equal(address_domain_check("xn--hgiang-b1a.vn", NULL, 0), 0);

	expect_domain_err("", "domain is empty");
	expect_domain_err(NULL, "domain is empty");
	expect_domain_err("Gov.vn", "domain contains an uppercase letter at "
	    "position 1; use lowercase");
	expect_domain_err("gov_vn", "domain contains '_' at position 4; only "
	    "a-z 0-9 - and . are allowed");
	expect_domain_err("gov.vn*", "domain contains '*' at position 7; only "
	    "a-z 0-9 - and . are allowed");
	expect_domain_err("gov vn", "domain contains a space at position 4; "
	    "only a-z 0-9 - and . are allowed");
	expect_domain_err(".gov.vn", "domain has an empty label at position 1 "
	    "(leading, trailing or double '.')");
	expect_domain_err("gov.vn.", "domain has an empty label at position 8 "
	    "(leading, trailing or double '.')");
	expect_domain_err("-gov.vn", "domain label at position 1 starts or "
	    "ends with '-'");
	expect_domain_err("gov.vn-", "domain label at position 5 starts or "
	    "ends with '-'");
	expect_domain_err("10.0.0.1", "domain must not end with an "
	    "all-numeric label");
	/* Labels: 63 fine, 64 not; whole domain: 253 fine, 254 not. */
	memset(buf, 'a', 63);
	strcpy(buf + 63, ".vn");
	assert_int_equal(address_domain_check(buf, NULL, 0), 0);
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".vn");
	expect_domain_err(buf, "domain label at position 1 is longer than 63 "
	    "characters");
	for (i = 0; i < 253; i++)
		buf[i] = (i % 50 == 49) ? '.' : 'a';
	buf[253] = '\0';
	assert_int_equal(address_domain_check(buf, NULL, 0), 0);
	buf[253] = 'a';
	buf[254] = '\0';
	expect_domain_err(buf, "domain is longer than 253 characters");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_template),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_empty_tokens_collapse),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_template_check),
		cmocka_unit_test(test_name_errors_pass_through),
		cmocka_unit_test(test_candidate),
		cmocka_unit_test(test_address_check),
		cmocka_unit_test(test_domain_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
