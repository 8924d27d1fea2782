/*
 * test_smtp_policy.c — govmaild's decision point: named verdicts for the
 * size and recipient limits and the no-open-relay rule, and network
 * matching (IPv4, IPv6, prefixes, IPv4-mapped addresses, XCLIENT form),
 * the configurable reply texts, per-direction and per-agency limits.
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
#include <strings.h>

#include "../../src/govmaild/policy.c"
#include "../../src/govmaild/sign_text.c"   /* the signature refusals' words */

static void
set_list(struct conf_strlist *l, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = calloc(n + 1, sizeof(char *));
	for (i = 0; v != NULL && i < n; i++)
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


/* ---- a fake directory ------------------------------------------------ */

static int fake_down;

static enum policy_lookup
fake_domain(void *arg, const char *domain)
{
	(void)arg;
	if (fake_down)
		return POLICY_LOOKUP_TEMPFAIL;
	return strcasecmp(domain, "haugiang.gov.vn") == 0 ||
	    strcasecmp(domain, "cantho.gov.vn") == 0 ? POLICY_LOOKUP_YES : POLICY_LOOKUP_NO;
}

static enum policy_lookup
fake_account(void *arg, const char *key, struct policy_account *a)
{
	static const struct { const char *key, *uid, *mail, *status; int ext; } accts[] = {
		{ "annv@haugiang.gov.vn", "annv", "annv@haugiang.gov.vn", "active", 1 },
		{ "annv", "annv", "annv@haugiang.gov.vn", "active", 1 },
		{ "vanthu.snv@haugiang.gov.vn", "annv", "annv@haugiang.gov.vn", "active", 1 },
		{ "binhtt@haugiang.gov.vn", "binhtt", "binhtt@haugiang.gov.vn", "suspended", 1 },
		{ "chitt@cantho.gov.vn", "chitt", "chitt@cantho.gov.vn", "active", 0 },
		{ "shared@haugiang.gov.vn", "shared", "shared@haugiang.gov.vn", "active", 1 },
		{ "dungpv@haugiang.gov.vn", "dungpv", "dungpv@haugiang.gov.vn", "disabled", 1 },
		{ "emlt@haugiang.gov.vn", "emlt", "emlt@haugiang.gov.vn", "active", 1 },
	};
	size_t i;

	(void)arg;
	memset(a, 0, sizeof(*a));
	if (fake_down)
		return POLICY_LOOKUP_TEMPFAIL;
	for (i = 0; i < sizeof(accts) / sizeof(accts[0]); i++) {
		if (strcasecmp(accts[i].key, key) == 0) {
			snprintf(a->uid, sizeof(a->uid), "%s", accts[i].uid);
			snprintf(a->mail, sizeof(a->mail), "%s", accts[i].mail);
			snprintf(a->status, sizeof(a->status), "%s", accts[i].status);
			a->may_send_external = accts[i].ext;
			/* emlt works for stp, everyone else for snv */
			snprintf(a->agency, sizeof(a->agency), "%s",
			    strcmp(accts[i].uid, "emlt") == 0 ? "stp" : "snv");
			return POLICY_LOOKUP_YES;
		}
	}
	return POLICY_LOOKUP_NO;
}

static const struct policy_directory fake_dir = { fake_domain, fake_account, NULL, NULL };

/* Verdict for one request (stage MAIL if rcpt is NULL). */
static struct policy_verdict
ask(const struct policy *p, const char *client, const char *login, const char *sender,
    const char *rcpt)
{
	struct policy_request rq = { .stage = rcpt ? POLICY_RCPT : POLICY_MAIL,
		.client_addr = client, .login = login, .sender = sender, .recipient = rcpt,
		.size = -1, .dir = &fake_dir };
	struct policy_verdict v;

	policy_check(p, &rq, &v);
	return v;
}

static struct policy *
make_dir(struct govmail_conf **out)
{
	static const char *const nets[] = { "10.0.0.0/8" };
	static const char *const deleg[] = { "shared@haugiang.gov.vn annv" };
	static const char *const deny[] = { "blocked.example" };
	struct govmail_conf *c = conf_defaults();
	char err[256];
	struct policy *p;

	set_list(&c->policy_trusted_networks, nets, 1);
	set_list(&c->policy_relay_domains, NULL, 0);
	set_list(&c->policy_delegations, deleg, 1);
	set_list(&c->policy_external_deny, deny, 1);
	p = policy_new(c, err, sizeof(err));
	assert_non_null(p);
	*out = c;
	return p;
}

static void
test_dir_sender(void **state)
{
	struct govmail_conf *c;
	struct policy *p = make_dir(&c);
	struct policy_verdict v;

	(void)state;
	fake_down = 0;
	v = ask(p, "203.0.113.9", NULL, "annv@haugiang.gov.vn", NULL);
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "203.0.113.9", NULL, "", NULL);
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "203.0.113.9", NULL, "someone@example.org", NULL);
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "203.0.113.9", NULL, "ghost@haugiang.gov.vn", NULL);
	assert_int_equal(v.code, 550);
	assert_string_equal(v.enh, "5.7.1");
	assert_string_equal(v.rule, "sender-unknown");
	v = ask(p, "10.0.0.1", NULL, "binhtt@haugiang.gov.vn", NULL);
	assert_int_equal(v.code, 550);
	assert_string_equal(v.rule, "sender-inactive");
	assert_non_null(strstr(v.text, "suspended"));
	/* authenticated: own addresses, aliases, delegations only */
	v = ask(p, "203.0.113.9", "annv@haugiang.gov.vn", "annv@haugiang.gov.vn", NULL);
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "203.0.113.9", "annv@haugiang.gov.vn", "vanthu.snv@haugiang.gov.vn", NULL);
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "203.0.113.9", "annv@haugiang.gov.vn", "shared@haugiang.gov.vn", NULL);
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "203.0.113.9", "annv@haugiang.gov.vn", "chitt@cantho.gov.vn", NULL);
	assert_int_equal(v.code, 553);
	assert_string_equal(v.rule, "sender-owner");
	v = ask(p, "203.0.113.9", "annv@haugiang.gov.vn", "boss@example.org", NULL);
	assert_int_equal(v.code, 553);
	fake_down = 1;
	v = ask(p, "203.0.113.9", NULL, "annv@haugiang.gov.vn", NULL);
	assert_int_equal(v.action, POLICY_TEMPFAIL);
	assert_int_equal(v.code, 451);
	assert_string_equal(v.enh, "4.3.0");
	fake_down = 0;
	policy_free(p);
	conf_free(c);
}

static void
test_dir_recipient(void **state)
{
	struct govmail_conf *c;
	struct policy *p = make_dir(&c);
	struct policy_verdict v;

	(void)state;
	fake_down = 0;
	v = ask(p, "203.0.113.9", NULL, "x@example.org", "annv@haugiang.gov.vn");
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "203.0.113.9", NULL, "x@example.org", "VanThu.SNV@haugiang.gov.vn");
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "203.0.113.9", NULL, "x@example.org", "nobody@haugiang.gov.vn");
	assert_int_equal(v.code, 550);
	assert_string_equal(v.enh, "5.1.1");
	v = ask(p, "203.0.113.9", NULL, "x@example.org", "binhtt@haugiang.gov.vn");
	assert_int_equal(v.code, 550);
	assert_string_equal(v.enh, "5.1.1");
	assert_string_equal(v.rule, "recipient-inactive");
	v = ask(p, "203.0.113.9", NULL, "x@example.org", "postmaster");
	assert_int_equal(v.action, POLICY_ACCEPT);
	/* outside: no open relay, lists, internal-only */
	v = ask(p, "203.0.113.9", NULL, "annv@haugiang.gov.vn", "a@gmail.com");
	assert_string_equal(v.rule, "relay");
	v = ask(p, "10.1.1.1", NULL, "annv@haugiang.gov.vn", "a@gmail.com");
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "203.0.113.9", "annv", "annv@haugiang.gov.vn", "a@gmail.com");
	assert_int_equal(v.action, POLICY_ACCEPT);
	v = ask(p, "10.1.1.1", NULL, "annv@haugiang.gov.vn", "a@mx.blocked.example");
	assert_string_equal(v.rule, "external-list");
	v = ask(p, "10.1.1.1", NULL, "chitt@cantho.gov.vn", "a@gmail.com");
	assert_int_equal(v.code, 550);
	assert_string_equal(v.rule, "internal-only");
	v = ask(p, "10.1.1.1", NULL, "chitt@cantho.gov.vn", "annv@haugiang.gov.vn");
	assert_int_equal(v.action, POLICY_ACCEPT);
	fake_down = 1;
	v = ask(p, "10.1.1.1", NULL, "x@example.org", "annv@haugiang.gov.vn");
	assert_int_equal(v.action, POLICY_TEMPFAIL);
	v = ask(p, "10.1.1.1", NULL, "x@example.org", "a@gmail.com");
	assert_int_equal(v.action, POLICY_TEMPFAIL);   /* is gmail.com governed? unknown */
	fake_down = 0;
	policy_free(p);
	conf_free(c);
}

static struct policy_verdict
ask_data(const struct policy *p, const char *login, const char *const *from, size_t n,
    const char *problem)
{
	struct policy_request rq = { .stage = POLICY_DATA, .client_addr = "203.0.113.9",
		.login = login, .sender = "annv@haugiang.gov.vn", .size = 100,
		.dir = &fake_dir, .header_from = from, .nheader_from = n,
		.header_problem = problem };
	struct policy_verdict v;

	policy_check(p, &rq, &v);
	return v;
}

static void
test_dir_header_from(void **state)
{
	static const char *const own[] = { "annv@haugiang.gov.vn" };
	static const char *const alias[] = { "VANTHU.SNV@haugiang.gov.vn" };
	static const char *const shared[] = { "shared@haugiang.gov.vn" };
	static const char *const spoof[] = { "annv@haugiang.gov.vn", "binhtt@haugiang.gov.vn" };
	static const char *const boss[] = { "giamdoc@haugiang.gov.vn" };
	struct govmail_conf *c;
	struct policy *p = make_dir(&c);
	struct policy_verdict v;

	(void)state;
	fake_down = 0;
	assert_int_equal(ask_data(p, "annv", own, 1, NULL).action, POLICY_ACCEPT);
	assert_int_equal(ask_data(p, "annv", alias, 1, NULL).action, POLICY_ACCEPT);
	assert_int_equal(ask_data(p, "annv", shared, 1, NULL).action, POLICY_ACCEPT);
	assert_int_equal(ask_data(p, "annv", NULL, 0, NULL).action, POLICY_ACCEPT);
	v = ask_data(p, "annv", spoof, 2, NULL);
	assert_int_equal(v.code, 550);
	assert_string_equal(v.enh, "5.7.1");
	assert_string_equal(v.rule, "header-from");
	assert_string_equal(v.text, "<binhtt@haugiang.gov.vn>: Message refused: header From: is "
	    "not an address of user annv (khong duoc mao danh nguoi gui)");
	v = ask_data(p, "annv", boss, 1, NULL);
	assert_int_equal(v.action, POLICY_REJECT);
	v = ask_data(p, "annv", own, 1, "the message has more than one From: header");
	assert_int_equal(v.action, POLICY_REJECT);
	assert_string_equal(v.text, "Message refused: the message has more than one From: header");
	/* not authenticated: the rule does not apply (nothing to compare with) */
	assert_int_equal(ask_data(p, NULL, boss, 1, NULL).action, POLICY_ACCEPT);
	fake_down = 1;
	assert_int_equal(ask_data(p, "annv", own, 1, NULL).action, POLICY_TEMPFAIL);
	fake_down = 0;
	policy_free(p);
	conf_free(c);
}

/* Every configurable text, with its %s filled in, and the defaults. */
static void
test_reply_texts(void **state)
{
	static const char *const spoof[] = { "binhtt@haugiang.gov.vn" };
	struct govmail_conf *c;
	struct policy *p = make_dir(&c);
	struct policy_request rq = { .stage = POLICY_RCPT, .client_addr = "10.0.0.1",
		.sender = "", .recipient = "annv@haugiang.gov.vn", .size = -1,
		.nrcpt = 100 };
	struct policy_verdict v;
	char err[256], buf[64];

	(void)state;
	fake_down = 0;
	/* defaults */
	v = ask(p, "10.0.0.1", NULL, "binhtt@haugiang.gov.vn", NULL);
	assert_string_equal(v.text, "<binhtt@haugiang.gov.vn>: Sender address rejected: "
	    "the account is suspended (tai khoan dang bi tam ngung)");
	v = ask(p, "10.0.0.1", NULL, "x@example.org", "dungpv@haugiang.gov.vn");
	assert_string_equal(v.text, "<dungpv@haugiang.gov.vn>: Recipient address rejected: "
	    "the account is disabled (tai khoan da ngung su dung)");
	v = ask(p, "10.0.0.1", "annv", "binhtt@haugiang.gov.vn", NULL);
	assert_string_equal(v.text, "<binhtt@haugiang.gov.vn>: Sender address rejected: "
	    "not owned by user annv (khong duoc dung dia chi nguoi khac)");
	policy_check(p, &rq, &v);
	assert_string_equal(v.text, "Too many recipients (at most 100 per message), "
	    "send the rest later");
	rq.stage = POLICY_MAIL;
	rq.size = 30LL << 20;
	policy_check(p, &rq, &v);
	assert_string_equal(v.text, "Message size exceeds fixed limit of 26214400 bytes");
	policy_free(p);
	/* configured */
	free(c->policy_reply_sender_inactive);
	c->policy_reply_sender_inactive = strdup("Nguoi gui bi khoa");
	free(c->policy_reply_recipient_inactive);
	c->policy_reply_recipient_inactive = strdup("Nguoi nhan: %s!");
	free(c->policy_reply_sender_owner);
	c->policy_reply_sender_owner = strdup("khong phai cua %s");
	free(c->policy_reply_header_from);
	c->policy_reply_header_from = strdup("From: khong phai cua %s");
	free(c->policy_reply_message_too_large);
	c->policy_reply_message_too_large = strdup("Thu qua lon (toi da %s byte)");
	free(c->policy_reply_too_many_recipients);
	c->policy_reply_too_many_recipients = strdup("Qua nhieu nguoi nhan (%s)");
	p = policy_new(c, err, sizeof(err));
	assert_non_null(p);
	v = ask(p, "10.0.0.1", NULL, "binhtt@haugiang.gov.vn", NULL);
	assert_string_equal(v.text, "<binhtt@haugiang.gov.vn>: Nguoi gui bi khoa");
	v = ask(p, "10.0.0.1", NULL, "x@example.org", "binhtt@haugiang.gov.vn");
	assert_string_equal(v.text, "<binhtt@haugiang.gov.vn>: Nguoi nhan: the account is "
	    "suspended (tai khoan dang bi tam ngung)!");
	v = ask(p, "10.0.0.1", "annv", "binhtt@haugiang.gov.vn", NULL);
	assert_int_equal(v.code, 553);
	assert_string_equal(v.text, "<binhtt@haugiang.gov.vn>: khong phai cua annv");
	v = ask_data(p, "annv", spoof, 1, NULL);
	assert_string_equal(v.text, "<binhtt@haugiang.gov.vn>: From: khong phai cua annv");
	policy_check(p, &rq, &v);
	assert_int_equal(v.code, 552);
	assert_string_equal(v.text, "Thu qua lon (toi da 26214400 byte)");
	rq.stage = POLICY_RCPT;
	policy_check(p, &rq, &v);
	assert_int_equal(v.code, 452);
	assert_string_equal(v.text, "Qua nhieu nguoi nhan (100)");
	/* the expansion itself */
	policy_reply_text(buf, sizeof(buf), "a %s b", "X");
	assert_string_equal(buf, "a X b");
	policy_reply_text(buf, sizeof(buf), "no arg", "X");
	assert_string_equal(buf, "no arg");
	policy_reply_text(buf, 6, "%s tail", "long argument");
	assert_string_equal(buf, "long ");
	policy_free(p);
	conf_free(c);
}

/* Signature refusals in signature.language (sign_text.c), ASCII. */
static void
test_sign_replies(void **state)
{
	struct govmail_conf *c = conf_defaults();
	struct sign_check_result *r = calloc(1, sizeof(*r));
	struct policy_request rq = { .stage = POLICY_DATA, .client_addr = "10.0.0.1",
		.sender = "x@example.org", .size = -1 };
	struct policy_verdict v;
	struct policy *p;
	char err[256];

	(void)state;
	assert_non_null(r);
	r->ndocs = 1;
	r->failed = 0;
	r->req = SIGN_REQ_SIGNED;
	snprintf(r->docs[0].filename, sizeof(r->docs[0].filename), "Quyết định.pdf");
	snprintf(r->docs[0].ascii, sizeof(r->docs[0].ascii), "Quyet dinh.pdf");
	snprintf(r->docs[0].reason, sizeof(r->docs[0].reason),
	    "certificate revoked (issuing CA: Test CA bi thu hoi)");
	r->docs[0].result = SIGN_DOC_FAIL;
	rq.sign = r;
	p = policy_new(c, err, sizeof(err));      /* language = vi, the default */
	assert_non_null(p);
	policy_check(p, &rq, &v);
	assert_int_equal(v.code, 550);
	assert_string_equal(v.enh, "5.7.1");
	assert_string_equal(v.text, "Quyet dinh.pdf: chung thu so da bi thu hoi "
	    "(chung thu so cua CA: Test CA bi thu hoi)");
	/* no file: the label is translated too; a broken signature is 5.7.7 */
	r->docs[0].filename[0] = '\0';
	snprintf(r->docs[0].ascii, sizeof(r->docs[0].ascii), "S/MIME signature");
	snprintf(r->docs[0].reason, sizeof(r->docs[0].reason),
	    "signature does not verify (modified after signing)");
	r->docs[0].integrity = 1;
	policy_check(p, &rq, &v);
	assert_string_equal(v.enh, "5.7.7");
	assert_string_equal(v.text, "chu ky S/MIME: chu ky khong hop le "
	    "(tai lieu da bi sua doi sau khi ky)");
	/* our side: 451, the reason inside the sentence */
	r->tempfail = 1;
	r->docs[0].tempfail = 1;
	snprintf(r->docs[0].reason, sizeof(r->docs[0].reason), "revocation list unreadable");
	policy_check(p, &rq, &v);
	assert_int_equal(v.code, 451);
	assert_string_equal(v.text, "chu ky S/MIME: hien chua kiem tra duoc chu ky (khong doc "
	    "duoc danh sach chung thu so bi thu hoi), de nghi gui lai sau");
	/* the message cannot be checked */
	r->tempfail = 0;
	r->docs[0].tempfail = 0;
	snprintf(r->problem, sizeof(r->problem), "too many MIME parts");
	policy_check(p, &rq, &v);
	assert_string_equal(v.text, "Thu bi tu choi: khong kiem tra duoc chu ky "
	    "(thu co qua nhieu phan MIME)");
	policy_free(p);
	/* English */
	free(c->signature_language);
	c->signature_language = strdup("en");
	p = policy_new(c, err, sizeof(err));
	assert_non_null(p);
	policy_check(p, &rq, &v);
	assert_string_equal(v.text, "Message refused: signatures cannot be checked "
	    "(too many MIME parts)");
	r->problem[0] = '\0';
	snprintf(r->docs[0].reason, sizeof(r->docs[0].reason), "a reason not in the catalog");
	policy_check(p, &rq, &v);
	assert_string_equal(v.text, "S/MIME signature: a reason not in the catalog");
	policy_free(p);
	free(r);
	conf_free(c);
}

/* POLICY_SIGNATURE: the signature rule alone (the end of data asks it
 * once POLICY_DATA has accepted); the other DATA rules are not asked again. */
static void
test_sign_stage(void **state)
{
	struct govmail_conf *c;
	struct policy *p = make(&c);
	struct sign_check_result *r = calloc(1, sizeof(*r));
	struct policy_request rq = { .stage = POLICY_DATA, .client_addr = "10.0.0.1",
		.sender = "x@example.org", .nrcpt = 1, .size = 5000 };
	struct policy_verdict v;

	(void)state;
	assert_non_null(r);
	/* over smtpd.max_message_size (1000): DATA refuses ... */
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_REJECT);
	assert_string_equal(v.rule, "size");
	/* ... the signature stage does not look at the size */
	rq.stage = POLICY_SIGNATURE;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	r->ndocs = 1;
	r->failed = 0;
	r->req = SIGN_REQ_SIGNED;
	snprintf(r->docs[0].ascii, sizeof(r->docs[0].ascii), "a.pdf");
	snprintf(r->docs[0].reason, sizeof(r->docs[0].reason), "not signed");
	r->docs[0].result = SIGN_DOC_NONE;
	rq.sign = r;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_REJECT);
	assert_int_equal(v.code, 550);
	assert_string_equal(v.rule, "signature");
	/* a requirement met: accepted */
	r->failed = -1;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	free(r);
	policy_free(p);
	conf_free(c);
}

/* Per-direction and per-agency limits, below smtpd's. */
static void
test_direction_limits(void **state)
{
	static const char *const al[] = { "stp 5M 0", "snv 0 1" };
	struct govmail_conf *c;
	struct policy *p;
	struct policy_request rq = { .stage = POLICY_RCPT, .client_addr = "10.0.0.1",
		.sender = "someone@example.org", .size = -1, .dir = &fake_dir };
	struct policy_verdict v;
	char err[256];

	(void)state;
	fake_down = 0;
	p = make_dir(&c);
	policy_free(p);
	c->policy_internal_max_recipients = 3;
	c->policy_outbound_max_recipients = 2;
	c->policy_internal_max_size = 2 << 20;
	c->policy_outbound_max_size = 1 << 20;
	p = policy_new(c, err, sizeof(err));
	assert_non_null(p);
	/* internal: three recipients */
	rq.recipient = "annv@haugiang.gov.vn";
	rq.nrcpt = 2;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	assert_int_equal(v.outside, 0);
	rq.nrcpt = 3;
	policy_check(p, &rq, &v);
	assert_int_equal(v.code, 452);
	assert_string_equal(v.enh, "4.5.3");
	assert_string_equal(v.rule, "internal-recipients");
	/* an outside recipient makes the message outbound: two at most */
	rq.recipient = "a@gmail.com";
	rq.nrcpt = 1;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	assert_int_equal(v.outside, 1);
	rq.nrcpt = 2;
	policy_check(p, &rq, &v);
	assert_string_equal(v.rule, "outbound-recipients");
	assert_string_equal(v.text, "Too many recipients (at most 2 per message), "
	    "send the rest later");
	rq.recipient = "annv@haugiang.gov.vn";
	rq.outbound = 1;
	policy_check(p, &rq, &v);
	assert_string_equal(v.rule, "outbound-recipients");
	/* sizes: at MAIL only beyond both, at RCPT the recipient's, at DATA the message's */
	rq.stage = POLICY_MAIL;
	rq.nrcpt = 0;
	rq.outbound = 0;
	rq.size = (2 << 20) + 1;
	policy_check(p, &rq, &v);
	assert_int_equal(v.code, 552);
	assert_string_equal(v.enh, "5.3.4");
	assert_string_equal(v.rule, "policy-size");
	rq.size = (1 << 20) + 1;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	rq.stage = POLICY_RCPT;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);      /* internal: fits */
	rq.recipient = "a@gmail.com";
	policy_check(p, &rq, &v);
	assert_int_equal(v.code, 552);
	assert_string_equal(v.rule, "outbound-size");
	assert_string_equal(v.text, "Message size exceeds fixed limit of 1048576 bytes");
	rq.stage = POLICY_DATA;
	rq.nrcpt = 1;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	rq.outbound = 1;
	policy_check(p, &rq, &v);
	assert_string_equal(v.rule, "outbound-size");
	policy_free(p);
	/* agency overrides, each limit on its own; other senders unchanged */
	set_list(&c->policy_agency_limits, al, 2);
	p = policy_new(c, err, sizeof(err));
	assert_non_null(p);
	rq.sender = "emlt@haugiang.gov.vn";            /* stp: 5M, recipients as direction */
	rq.size = 4 << 20;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_ACCEPT);
	rq.size = (5 << 20) + 1;
	policy_check(p, &rq, &v);
	assert_string_equal(v.rule, "agency-size");
	rq.stage = POLICY_MAIL;
	policy_check(p, &rq, &v);
	assert_string_equal(v.rule, "agency-size");
	rq.stage = POLICY_RCPT;
	rq.size = -1;
	rq.nrcpt = 2;
	policy_check(p, &rq, &v);
	assert_string_equal(v.rule, "outbound-recipients");
	rq.sender = "annv@haugiang.gov.vn";            /* snv: one recipient */
	rq.recipient = "annv@haugiang.gov.vn";
	rq.outbound = 0;
	rq.nrcpt = 1;
	policy_check(p, &rq, &v);
	assert_string_equal(v.rule, "agency-recipients");
	rq.nrcpt = 0;
	rq.size = (2 << 20) + 1;
	policy_check(p, &rq, &v);
	assert_string_equal(v.rule, "internal-size");
	fake_down = 1;
	policy_check(p, &rq, &v);
	assert_int_equal(v.action, POLICY_TEMPFAIL);
	fake_down = 0;
	policy_free(p);
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
		cmocka_unit_test(test_dir_sender),
		cmocka_unit_test(test_dir_recipient),
		cmocka_unit_test(test_dir_header_from),
		cmocka_unit_test(test_reply_texts),
		cmocka_unit_test(test_direction_limits),
		cmocka_unit_test(test_sign_replies),
		cmocka_unit_test(test_sign_stage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
