/*
 * test_smtp_parser.c — SMTP command lines through smtp_parse_command:
 * verbs, paths (null, postmaster, quoted, literals, source routes),
 * ESMTP parameters, XCLIENT attributes, and what must be refused.
 * The parser is part of govmaild, so its source is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/govmaild/smtp_parser.c"

static enum smtp_parse_status
parse(const char *line, struct smtp_command *cmd)
{
	const char *why;

	return smtp_parse_command(line, strlen(line), cmd, &why);
}

static void
test_verbs(void **state)
{
	struct smtp_command c;

	(void)state;
	assert_int_equal(parse("QUIT", &c), SMTP_PARSE_OK);
	assert_int_equal(c.verb, SMTP_VERB_QUIT);
	assert_int_equal(parse("quit", &c), SMTP_PARSE_OK);
	assert_int_equal(parse("NOOP hello there", &c), SMTP_PARSE_OK);
	assert_int_equal(c.verb, SMTP_VERB_NOOP);
	assert_int_equal(parse("RSET", &c), SMTP_PARSE_OK);
	assert_int_equal(parse("DATA", &c), SMTP_PARSE_OK);
	assert_int_equal(c.verb, SMTP_VERB_DATA);
	assert_int_equal(parse("DATA x", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(c.verb, SMTP_VERB_DATA);
	assert_int_equal(parse("HELP", &c), SMTP_PARSE_OK);
	assert_int_equal(parse("VRFY annv", &c), SMTP_PARSE_OK);
	assert_string_equal(c.arg, "annv");
	assert_int_equal(parse("VRFY", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("BDAT 100 LAST", &c), SMTP_PARSE_OK);
	assert_int_equal(c.verb, SMTP_VERB_BDAT);
	assert_int_equal(parse("FOO bar", &c), SMTP_PARSE_UNKNOWN);
	assert_int_equal(parse("", &c), SMTP_PARSE_UNKNOWN);
	assert_int_equal(parse("MAILFROM:<a@b.c>", &c), SMTP_PARSE_UNKNOWN);
}

static void
test_helo(void **state)
{
	struct smtp_command c;

	(void)state;
	assert_int_equal(parse("EHLO mail.haugiang.gov.vn", &c), SMTP_PARSE_OK);
	assert_int_equal(c.verb, SMTP_VERB_EHLO);
	assert_string_equal(c.arg, "mail.haugiang.gov.vn");
	assert_int_equal(parse("HELO [127.0.0.1]", &c), SMTP_PARSE_OK);
	assert_int_equal(parse("EHLO", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("EHLO bad(name)", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("EHLO a;b", &c), SMTP_PARSE_SYNTAX);
}

static void
test_mail(void **state)
{
	struct smtp_command c;

	(void)state;
	assert_int_equal(parse("MAIL FROM:<annv@haugiang.gov.vn>", &c), SMTP_PARSE_OK);
	assert_string_equal(c.addr, "annv@haugiang.gov.vn");
	assert_true(c.size == -1);
	assert_int_equal(parse("mail from: <a.b@x.y> SIZE=1000 BODY=8BITMIME", &c), SMTP_PARSE_OK);
	assert_string_equal(c.addr, "a.b@x.y");
	assert_true(c.size == 1000);
	assert_int_equal(c.body, SMTP_BODY_8BITMIME);
	assert_int_equal(parse("MAIL FROM:<>", &c), SMTP_PARSE_OK);
	assert_string_equal(c.addr, "");
	assert_int_equal(parse("MAIL FROM:<\"john doe\"@x.y>", &c), SMTP_PARSE_OK);
	assert_string_equal(c.addr, "\"john doe\"@x.y");
	assert_int_equal(parse("MAIL FROM:<@relay.x,@relay.y:a@x.y>", &c), SMTP_PARSE_OK);
	assert_string_equal(c.addr, "a@x.y");
	assert_int_equal(parse("MAIL FROM:<a@[192.0.2.1]>", &c), SMTP_PARSE_OK);
	assert_int_equal(parse("MAIL FROM:<a@[IPv6:2001:db8::1]>", &c), SMTP_PARSE_OK);
	assert_int_equal(parse("MAIL FROM:<a@[300.0.2.1]>", &c), SMTP_PARSE_BAD_SENDER);
	assert_int_equal(parse("MAIL FROM:a@x.y", &c), SMTP_PARSE_BAD_SENDER);
	assert_int_equal(parse("MAIL FROM:<a@x.y", &c), SMTP_PARSE_BAD_SENDER);
	assert_int_equal(parse("MAIL FROM:<a..b@x.y>", &c), SMTP_PARSE_BAD_SENDER);
	assert_int_equal(parse("MAIL FROM:<a@-x.y>", &c), SMTP_PARSE_BAD_SENDER);
	assert_int_equal(parse("MAIL FROM:<a@x..y>", &c), SMTP_PARSE_BAD_SENDER);
	assert_int_equal(parse("MAIL FROM:<a>", &c), SMTP_PARSE_BAD_SENDER);
	assert_int_equal(parse("MAIL TO:<a@x.y>", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@x.y> SIZE=abc", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@x.y> SIZE=1 SIZE=2", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@x.y> SIZE=99999999999999999999", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("MAIL FROM:<a@x.y> SMTPUTF8", &c), SMTP_PARSE_PARAM);
	assert_int_equal(parse("MAIL FROM:<a@x.y> RET=FULL", &c), SMTP_PARSE_PARAM);
	assert_int_equal(parse("MAIL FROM:<a@x.y> BODY=BINARYMIME", &c), SMTP_PARSE_PARAM);
	assert_int_equal(parse("MAIL FROM:<a@x.y>SIZE=1", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("MAIL FROM:<nguy\xe1\xbb\x85n@x.y>", &c), SMTP_PARSE_NEED_SMTPUTF8);
}

static void
test_rcpt(void **state)
{
	struct smtp_command c;
	char longlocal[200], line[400];

	(void)state;
	assert_int_equal(parse("RCPT TO:<annv@haugiang.gov.vn>", &c), SMTP_PARSE_OK);
	assert_int_equal(c.verb, SMTP_VERB_RCPT);
	assert_int_equal(parse("RCPT TO:<Postmaster>", &c), SMTP_PARSE_OK);
	assert_string_equal(c.addr, "Postmaster");
	assert_int_equal(parse("RCPT TO:<>", &c), SMTP_PARSE_BAD_RECIPIENT);
	assert_int_equal(parse("RCPT TO:<a@x.y> NOTIFY=NEVER", &c), SMTP_PARSE_PARAM);
	memset(longlocal, 'a', 65);
	longlocal[65] = '\0';
	snprintf(line, sizeof(line), "RCPT TO:<%s@x.y>", longlocal);
	assert_int_equal(parse(line, &c), SMTP_PARSE_BAD_RECIPIENT);
	longlocal[64] = '\0';
	snprintf(line, sizeof(line), "RCPT TO:<%s@x.y>", longlocal);
	assert_int_equal(parse(line, &c), SMTP_PARSE_OK);
}

static void
test_control_bytes(void **state)
{
	struct smtp_command c;
	const char *why;

	(void)state;
	assert_int_equal(smtp_parse_command("NOOP\0x", 6, &c, &why), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("NOOP a\rb", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("RCPT TO:<a@x.y>\r", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("HELP \t", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("EHLO h\xc3\xa0", &c), SMTP_PARSE_SYNTAX);
}

static void
test_xclient(void **state)
{
	struct smtp_command c;
	char enc[64];

	(void)state;
	assert_int_equal(parse("XCLIENT NAME=mx.example.org ADDR=192.0.2.7 HELO=a+20b", &c),
	    SMTP_PARSE_OK);
	assert_int_equal(c.verb, SMTP_VERB_XCLIENT);
	assert_int_equal(c.nxattr, 3);
	assert_string_equal(c.xattr[0].name, "NAME");
	assert_string_equal(c.xattr[1].value, "192.0.2.7");
	assert_string_equal(c.xattr[2].value, "a b");
	assert_int_equal(parse("XFORWARD addr=192.0.2.7", &c), SMTP_PARSE_OK);
	assert_string_equal(c.xattr[0].name, "ADDR");
	assert_int_equal(parse("XCLIENT", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("XCLIENT NAME", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("XCLIENT NAME=a+0Ab", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("XCLIENT NAME=a+4", &c), SMTP_PARSE_SYNTAX);
	assert_int_equal(parse("XCLIENT A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9 J=10 K=11", &c),
	    SMTP_PARSE_SYNTAX);
	assert_int_equal(smtp_xtext_encode("a b+c=d", enc, sizeof(enc)), 0);
	assert_string_equal(enc, "a+20b+2Bc+3Dd");
	assert_int_equal(smtp_xtext_encode("abcdef", enc, 4), -1);
}

static void
test_domains(void **state)
{
	(void)state;
	assert_true(smtp_parse_is_domain("haugiang.gov.vn", 15));
	assert_true(smtp_parse_is_domain("a-b.c", 5));
	assert_false(smtp_parse_is_domain("a-.c", 4));
	assert_false(smtp_parse_is_domain(".a", 2));
	assert_false(smtp_parse_is_domain("a.", 2));
	assert_false(smtp_parse_is_domain("a_b.c", 5));
	assert_false(smtp_parse_is_domain("", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_helo),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_xclient),
		cmocka_unit_test(test_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
