/*
 * test_smtp_policy.c — govmaild's decision point: named verdicts for the
 * size and recipient limits and the no-open-relay rule, and network
 * matching (IPv4, IPv6, prefixes, IPv4-mapped addresses, XCLIENT form).
 * policy.c is part of govmaild, so its source is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/policy.c"

static void
set_list(struct conf_strlist *l, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = calloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		l->v[i] = strdup(v[i]);
	l->n = n;
}

static struct policy *
make(struct govmail_conf **out)
{
	static const char *const nets[] = { "10.0.0.0/8", "192.0.2.128/25", "2001:db8::/32" };
	static const char *const xc[] = { "127.0.0.1" };
	static const char *const doms[] = { "haugiang.gov.vn", "cantho.gov.vn" };
	struct govmail_conf *c = conf_defaults();
	char err[256];
	struct policy *p;

	set_list(&c->policy_trusted_networks, nets, 3);
	set_list(&c->smtpd_xclient_hosts, xc, 1);
	set_list(&c->policy_relay_domains, doms, 2);
	c->smtpd_max_recipients = 2;
	c->smtpd_max_message_size = 1000;
	p = policy_new(c, err, sizeof(err));
	assert_non_null(p);
	*out = c;
	return p;
}

static void
test_networks(void **state)
{
	struct govmail_conf *c;
	struct policy *p = make(&c);

	(void)state;
	assert_true(policy_client_trusted(p, "10.1.2.3"));
	assert_false(policy_client_trusted(p, "11.1.2.3"));
	assert_true(policy_client_trusted(p, "192.0.2.200"));
	assert_false(policy_client_trusted(p, "192.0.2.127"));
	assert_true(policy_client_trusted(p, "2001:db8:1::5"));
	assert_true(policy_client_trusted(p, "IPv6:2001:db8::1"));
	assert_false(policy_client_trusted(p, "2001:db9::1"));
	assert_true(policy_client_trusted(p, "::ffff:10.9.9.9"));
	assert_false(policy_client_trusted(p, "unknown"));
	assert_false(policy_client_trusted(p, NULL));
	assert_true(policy_xclient_allowed(p, "127.0.0.1"));
	assert_false(policy_xclient_allowed(p, "127.0.0.2"));
	policy_free(p);
	conf_free(c);
}

static void
test_relay(void **state)
{
	struct govmail_conf *c;
	struct policy *p = make(&c);
	struct policy_request rq = { .stage = POLICY_RCPT, .client_addr = "203.0.113.9",
		.sender = "a@example.org", .size = -1 };
	struct policy_verdict v;

	(void)state;
	rq.recipient = "an@HauGiang.gov.vn";
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	rq.recipient = "postmaster";
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	rq.recipient = "x@gmail.com";
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_REJECT);
	assert_int_equal(v.code, 550);
	assert_string_equal(v.enh, "5.7.1");
	assert_string_equal(v.rule, "relay");
	assert_string_equal(v.text, "<x@gmail.com>: Relay access denied");
	/* subdomains are not the domain */
	rq.recipient = "x@sub.haugiang.gov.vn";
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_REJECT);
	rq.client_addr = "10.0.0.1";
	rq.recipient = "x@gmail.com";
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	policy_free(p);
	conf_free(c);
}

static void
test_limits(void **state)
{
	struct govmail_conf *c;
	struct policy *p = make(&c);
	struct policy_request rq = { .stage = POLICY_RCPT, .client_addr = "10.0.0.1",
		.sender = "", .recipient = "a@haugiang.gov.vn", .size = -1 };
	struct policy_verdict v;

	(void)state;
	rq.nrcpt = 1;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	rq.nrcpt = 2;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_TEMPFAIL);
	assert_int_equal(v.code, 452);
	assert_string_equal(v.enh, "4.5.3");
	rq.stage = POLICY_MAIL;
	rq.size = 1000;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	rq.size = 1001;
	policy_check(p, &rq, &v);
	assert_int_equal(v.code, 552);
	assert_string_equal(v.enh, "5.3.4");
	assert_string_equal(v.rule, "size");
	rq.stage = POLICY_DATA;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_REJECT);
	assert_string_equal(policy_action_name(v.action), "reject");
	policy_free(p);
	conf_free(c);
}

static void
test_bad_network(void **state)
{
	static const char *const bad[] = { "10.0.0.0/40" };
	struct govmail_conf *c = conf_defaults();
	char err[256];

	(void)state;
	set_list(&c->policy_trusted_networks, bad, 1);
	assert_null(policy_new(c, err, sizeof(err)));
	assert_non_null(strstr(err, "policy.trusted_networks"));
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bad_network),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
