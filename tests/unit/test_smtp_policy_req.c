/*
 * test_smtp_policy_req.c — the one builder of a session's policy
 * requests: what every stage carries (client address, effective HELO
 * from XCLIENT or the client, sender, login from AUTH or XCLIENT, the
 * directory), what only RCPT carries (the recipient), what RCPT and the
 * end of data carry (recipients so far, direction), and the size given.
 * smtp_policy_req.c is part of govmaild, so its source is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../src/govmaild/smtp_policy_req.c"

static const struct policy_directory fake_dir = { NULL, NULL, NULL, NULL };

static void
session(struct smtp_session *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->client_addr, sizeof(s->client_addr), "192.0.2.7");
	snprintf(s->helo, sizeof(s->helo), "mail.example.org");
	snprintf(s->sender, sizeof(s->sender), "annv@haugiang.gov.vn");
	snprintf(s->cmd.addr, sizeof(s->cmd.addr), "tranb@cantho.gov.vn");
	s->nrcpts = 3;
	s->outbound = 1;
	s->declared_size = 1234;
	s->pdir = &fake_dir;
}

static void
test_mail(void **state)
{
	struct smtp_session s;
	struct policy_request rq;

	(void)state;
	session(&s);
	smtp_policy_request(&rq, &s, POLICY_MAIL, s.declared_size);
	assert_int_equal(rq.stage, POLICY_MAIL);
	assert_string_equal(rq.client_addr, "192.0.2.7");
	assert_string_equal(rq.helo, "mail.example.org");
	assert_string_equal(rq.sender, "annv@haugiang.gov.vn");
	assert_int_equal(rq.size, 1234);
	assert_null(rq.login);
	assert_ptr_equal(rq.dir, &fake_dir);
	/* Not at MAIL: no recipient, count or direction. */
	assert_null(rq.recipient);
	assert_int_equal(rq.nrcpt, 0);
	assert_int_equal(rq.outbound, 0);
	assert_null(rq.header_from);
	assert_null(rq.mime);
	assert_null(rq.sign);
}

static void
test_rcpt(void **state)
{
	struct smtp_session s;
	struct policy_request rq;

	(void)state;
	session(&s);
	smtp_policy_request(&rq, &s, POLICY_RCPT, s.declared_size);
	assert_int_equal(rq.stage, POLICY_RCPT);
	assert_string_equal(rq.recipient, "tranb@cantho.gov.vn");
	assert_int_equal(rq.nrcpt, 3);
	assert_int_equal(rq.outbound, 1);
	assert_int_equal(rq.size, 1234);
}

static void
test_data(void **state)
{
	struct smtp_session s;
	struct policy_request rq;

	(void)state;
	session(&s);
	smtp_policy_request(&rq, &s, POLICY_DATA, 98765);
	assert_int_equal(rq.stage, POLICY_DATA);
	assert_null(rq.recipient);
	assert_int_equal(rq.nrcpt, 3);
	assert_int_equal(rq.outbound, 1);
	assert_int_equal(rq.size, 98765);
	smtp_policy_request(&rq, &s, POLICY_SIGNATURE, 98765);
	assert_int_equal(rq.stage, POLICY_SIGNATURE);
	assert_int_equal(rq.nrcpt, 3);
	assert_null(rq.sign);
}

static void
test_identity(void **state)
{
	struct smtp_session s;
	struct policy_request rq;

	(void)state;
	session(&s);
	/* XCLIENT's HELO and LOGIN count ... */
	snprintf(s.client_helo, sizeof(s.client_helo), "front.example.org");
	snprintf(s.client_login, sizeof(s.client_login), "xlogin");
	smtp_policy_request(&rq, &s, POLICY_MAIL, -1);
	assert_string_equal(rq.helo, "front.example.org");
	assert_string_equal(rq.login, "xlogin");
	assert_int_equal(rq.size, -1);
	/* ... but our own AUTH comes first. */
	snprintf(s.auth_login, sizeof(s.auth_login), "annv");
	smtp_policy_request(&rq, &s, POLICY_RCPT, -1);
	assert_string_equal(rq.login, "annv");
	/* Configuration rules only: no directory. */
	s.pdir = NULL;
	smtp_policy_request(&rq, &s, POLICY_DATA, 0);
	assert_null(rq.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
