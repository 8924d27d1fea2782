/*
 * test_sign_rule.c — the signature rule for one message (sign_rule.c)
 * with the directory faked through the policy's directory interface
 * (struct policy_directory, as test_smtp_policy.c fakes it): direction
 * from the governed domains, who the sender is asked only when a
 * requirement can apply, the sender's addresses, certificates, agency
 * and organisation names handed to the check, the agency's override, a
 * directory that cannot answer. The check of the message itself
 * (sign_check.c) is a stub here that records what it was given.
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

#include "../../src/govmaild/sign_rule.c"
#include "../../src/govmaild/policy.c"
#include "../../src/govmaild/sign_text.c"   /* policy.c's refusal texts */

/* ---- sign_check.c stubs ---------------------------------------------------- */

static const char *const req_names[] = {
	"off", "verify", "require-signed", "require-person-and-org"
};

int
sign_requirement_parse(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, req_names[i]) == 0)
			return i;
	return -1;
}

const char *
sign_requirement_name(enum sign_requirement r)
{
	return (unsigned)r < 4 ? req_names[r] : "?";
}

/* What the rule handed to the check, copied for the assertions. */
static struct {
	int calls;
	enum sign_requirement req;
	char addresses[4][64];
	size_t naddresses;
	size_t naccount_certs, nagency_certs;
	char agency[32];
	char orgs[4][64];
	size_t norgs;
} seen;

void
sign_check_tree(struct sign_trust *t, const struct mime_tree *tree,
    const struct sign_check_limits *lim, enum sign_requirement req,
    const struct sign_identity *id, struct sign_check_result *res)
{
	size_t i;

	(void)t;
	(void)tree;
	(void)lim;
	seen.calls++;
	seen.req = req;
	seen.naddresses = id->naddresses;
	for (i = 0; i < id->naddresses && i < 4; i++)
		snprintf(seen.addresses[i], sizeof(seen.addresses[i]), "%s", id->addresses[i]);
	seen.naccount_certs = id->naccount_certs;
	seen.nagency_certs = id->nagency_certs;
	snprintf(seen.agency, sizeof(seen.agency), "%s", id->agency ? id->agency : "");
	seen.norgs = id->norg_names;
	for (i = 0; i < id->norg_names && i < 4; i++)
		snprintf(seen.orgs[i], sizeof(seen.orgs[i]), "%s", id->org_names[i]);
	memset(res, 0, sizeof(*res));
	res->req = req;
}

void
sign_check_header_value(const struct sign_doc *d, enum sign_lang lang, int ascii,
    char *buf, size_t len)
{
	(void)lang;
	(void)ascii;
	snprintf(buf, len, "file=\"%s\"", d->ascii);
}

/* ---- the fake directory ------------------------------------------------------ */

static int signer_calls;
static enum policy_lookup signer_answer = POLICY_LOOKUP_YES;

static enum policy_lookup
fake_domain(void *arg, const char *domain)
{
	(void)arg;
	return strcasecmp(domain, "haugiang.gov.vn") == 0 ? POLICY_LOOKUP_YES : POLICY_LOOKUP_NO;
}

static enum policy_lookup
fake_account(void *arg, const char *key, struct policy_account *out)
{
	(void)arg;
	(void)key;
	(void)out;
	return POLICY_LOOKUP_NO;
}

static enum policy_lookup
fake_signer(void *arg, const char *sender, struct policy_signer *out)
{
	(void)arg;
	signer_calls++;
	memset(out, 0, sizeof(*out));
	if (signer_answer != POLICY_LOOKUP_YES)
		return signer_answer;
	out->addresses = calloc(2, sizeof(char *));
	out->addresses[0] = strdup(sender);
	out->addresses[1] = strdup("an.nv@haugiang.gov.vn");
	out->naddresses = 2;
	out->account_certs = calloc(1, 32);
	out->naccount_certs = 1;
	snprintf(out->agency, sizeof(out->agency), "snv");
	out->agency_certs = calloc(2, 32);
	out->nagency_certs = 2;
	return POLICY_LOOKUP_YES;
}

static const struct policy_directory fake_dir = {
	fake_domain, fake_account, NULL, fake_signer
};

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

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

/* A daemon configuration: internal mail require-signed, the rest off. */
static struct daemon_conf *
make(void)
{
	static int trust;           /* only its address matters (signatures on) */
	static const char *const orgs[] = { "snv=So Noi vu", "stp=So Tu phap",
		"snv=SO NOI VU HAU GIANG" };
	struct daemon_conf *dc = calloc(1, sizeof(*dc));
	char err[256];

	dc->conf = conf_defaults();
	set_str(&dc->conf->signature_internal, "require-signed");
	set_list(&dc->conf->signature_agency_org_names, orgs, 3);
	dc->policy = policy_new(dc->conf, err, sizeof(err));
	assert_non_null(dc->policy);
	dc->sign = (struct sign_trust *)&trust;
	memset(&seen, 0, sizeof(seen));
	signer_calls = 0;
	signer_answer = POLICY_LOOKUP_YES;
	return dc;
}

static void
done(struct daemon_conf *dc)
{
	policy_free(dc->policy);
	conf_free(dc->conf);
	free(dc);
}

static void
test_internal(void **state)
{
	struct daemon_conf *dc = make();
	char *rcpts[] = { "tranb@haugiang.gov.vn" };
	struct sign_check_result res;
	const char *direction;

	(void)state;
	assert_int_equal(sign_rule_run(dc, "annv@haugiang.gov.vn", rcpts, 1, &fake_dir, NULL,
	    &res, &direction), SIGN_RULE_CHECKED);
	assert_string_equal(direction, "internal");
	assert_int_equal(signer_calls, 1);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.req, SIGN_REQ_SIGNED);
	/* who the directory says the sender is */
	assert_int_equal(seen.naddresses, 2);
	assert_string_equal(seen.addresses[0], "annv@haugiang.gov.vn");
	assert_string_equal(seen.addresses[1], "an.nv@haugiang.gov.vn");
	assert_int_equal(seen.naccount_certs, 1);
	assert_int_equal(seen.nagency_certs, 2);
	assert_string_equal(seen.agency, "snv");
	/* the agency's organisation names, and only its own */
	assert_int_equal(seen.norgs, 2);
	assert_string_equal(seen.orgs[0], "So Noi vu");
	assert_string_equal(seen.orgs[1], "SO NOI VU HAU GIANG");
	done(dc);
}

static void
test_directions(void **state)
{
	struct daemon_conf *dc = make();
	char *out[] = { "tranb@haugiang.gov.vn", "someone@example.org" };
	struct sign_check_result res;
	const char *direction;

	(void)state;
	/* outbound (one recipient outside): off by default, and with no
	 * agency override configured the directory is not asked */
	assert_int_equal(sign_rule_run(dc, "annv@haugiang.gov.vn", out, 2, &fake_dir, NULL,
	    &res, &direction), SIGN_RULE_OFF);
	assert_string_equal(direction, "outbound");
	assert_int_equal(signer_calls, 0);
	assert_int_equal(seen.calls, 0);
	/* inbound: the sender is not ours, never asked about */
	assert_int_equal(sign_rule_run(dc, "someone@example.org", out, 1, &fake_dir, NULL,
	    &res, &direction), SIGN_RULE_OFF);
	assert_string_equal(direction, "inbound");
	assert_int_equal(signer_calls, 0);
	/* signatures off altogether */
	dc->sign = NULL;
	assert_int_equal(sign_rule_run(dc, "annv@haugiang.gov.vn", out, 1, &fake_dir, NULL,
	    &res, &direction), SIGN_RULE_OFF);
	assert_int_equal(seen.calls, 0);
	done(dc);
}

static void
test_agency_override(void **state)
{
	static const char *const reqs[] = { "snv=off" };
	static const char *const reqs2[] = { "stp=off", "snv=require-person-and-org" };
	struct daemon_conf *dc = make();
	char *rcpts[] = { "tranb@haugiang.gov.vn" };
	struct sign_check_result res;
	const char *direction;

	(void)state;
	set_list(&dc->conf->signature_agency_requirements, reqs, 1);
	assert_int_equal(sign_rule_run(dc, "annv@haugiang.gov.vn", rcpts, 1, &fake_dir, NULL,
	    &res, &direction), SIGN_RULE_OFF);
	assert_int_equal(signer_calls, 1);
	assert_int_equal(seen.calls, 0);
	set_list(&dc->conf->signature_agency_requirements, reqs2, 2);
	assert_int_equal(sign_rule_run(dc, "annv@haugiang.gov.vn", rcpts, 1, &fake_dir, NULL,
	    &res, &direction), SIGN_RULE_CHECKED);
	assert_int_equal(seen.req, SIGN_REQ_PERSON_ORG);
	done(dc);
}

static void
test_directory_trouble(void **state)
{
	static const struct policy_directory no_signer = {
		fake_domain, fake_account, NULL, NULL
	};
	struct daemon_conf *dc = make();
	char *rcpts[] = { "tranb@haugiang.gov.vn" };
	struct sign_check_result res;
	const char *direction;

	(void)state;
	signer_answer = POLICY_LOOKUP_TEMPFAIL;
	assert_int_equal(sign_rule_run(dc, "annv@haugiang.gov.vn", rcpts, 1, &fake_dir, NULL,
	    &res, &direction), SIGN_RULE_DIR_TEMPFAIL);
	assert_int_equal(seen.calls, 0);
	/* unknown to the directory: the envelope sender alone */
	signer_answer = POLICY_LOOKUP_NO;
	assert_int_equal(sign_rule_run(dc, "annv@haugiang.gov.vn", rcpts, 1, &fake_dir, NULL,
	    &res, &direction), SIGN_RULE_CHECKED);
	assert_int_equal(seen.naddresses, 1);
	assert_string_equal(seen.addresses[0], "annv@haugiang.gov.vn");
	assert_string_equal(seen.agency, "");
	/* a directory without signer lookups: the same */
	memset(&seen, 0, sizeof(seen));
	signer_calls = 0;
	assert_int_equal(sign_rule_run(dc, "annv@haugiang.gov.vn", rcpts, 1, &no_signer, NULL,
	    &res, &direction), SIGN_RULE_CHECKED);
	assert_int_equal(signer_calls, 0);
	assert_int_equal(seen.naddresses, 1);
	done(dc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_internal),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_agency_override),
		cmocka_unit_test(test_directory_trouble),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
