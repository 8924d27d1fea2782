/*
 * test_conf.c — configuration loading: defaults, errors with file:line,
 * and etc/govmail.conf showing every key with its default.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

static char tmpdir[] = "/tmp/govmail-conf-XXXXXX";

static const char *
write_conf(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Load text and expect an error message containing want. */
static void
expect_error(const char *text, const char *want)
{
	char err[1024];
	const char *p = write_conf("bad.conf", text);
	struct govmail_conf *c = conf_load(p, err, sizeof(err));

	assert_null(c);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void
test_defaults(void **state)
{
	struct govmail_conf *c = conf_defaults();

	(void)state;
	assert_string_equal(c->ldap_base_dn, "o=govmail");
	assert_int_equal(c->ldap_timeout, 30);
	assert_int_equal(c->ldap_sasl_external, 0);
	assert_string_equal(c->addr_template, "{given}{initials}");
	assert_true(c->acct_default_quota == 2147483648LL);
	conf_free(c);
}

static void
test_values_taken(void **state)
{
	char err[512];
	const char *p = write_conf("ok.conf",
	    "ldap = { uri = \"ldap://127.0.0.1:3389\"; timeout = 7; sasl_external = true; };\n"
	    "accounts = { default_quota = \"5G\"; };\n"
	    "audit = { log_file = \"audit.log\"; };\n");
	struct govmail_conf *c = conf_load(p, err, sizeof(err));
	char *resolved;

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->ldap_uri, "ldap://127.0.0.1:3389");
	assert_int_equal(c->ldap_timeout, 7);
	assert_int_equal(c->ldap_sasl_external, 1);
	assert_true(c->acct_default_quota == 5368709120LL);
	/* untouched keys keep defaults */
	assert_int_equal(c->ldap_page_size, 500);
	resolved = conf_resolve_path(c, c->audit_log_file);
	assert_true(strncmp(resolved, tmpdir, strlen(tmpdir)) == 0);
	free(resolved);
	conf_free(c);
}

static void
test_syntax_error_has_line(void **state)
{
	(void)state;
	expect_error("ldap = {\n  uri = \"ldap://x\";\n  timeout = = 5;\n};\n", "bad.conf:3:");
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_error("ldap = {\n  uri = \"ldap://x\";\n  tiemout = 5;\n};\n",
	    "bad.conf:3: unknown setting 'ldap.tiemout'");
	expect_error("\n\nsmtp = { x = 1; };\n", "bad.conf:3: unknown section 'smtp'");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	expect_error("ldap = {\n  timeout = \"ten\";\n};\n",
	    "bad.conf:2: ldap.timeout must be an integer");
	expect_error("ldap = { starttls = 1; };\n", "bad.conf:1: ldap.starttls must be true or false");
}

static void
test_out_of_range(void **state)
{
	(void)state;
	expect_error("ldap = {\n\n  page_size = 5;\n};\n",
	    "bad.conf:3: ldap.page_size = 5 is out of range (10..10000)");
}

static void
test_validator(void **state)
{
	(void)state;
	expect_error("ldap = { uri = \"http://x\"; };\n",
	    "bad.conf:1: ldap.uri: must start with ldap://");
	expect_error("ldap = { base_dn = \"\"; };\n", "ldap.base_dn: must not be empty");
}

/* govmaild's reply templates: one %s at most, no other %, printable ASCII;
 * agency limits "AGENCY SIZE RECIPIENTS". */
static void
test_reply_template(void **state)
{
	char err[512];
	const char *p = write_conf("ok.conf",
	    "policy = {\n  reply_sender_owner = \"not yours, %s\";\n"
	    "  reply_relay = \"100% no\";\n  reply_header_from = \"no placeholder\";\n"
	    "  agency_limits = [\"snv 20M 50\", \"stp 0 10\"];\n};\n");
	struct govmail_conf *c = conf_load(p, err, sizeof(err));

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->policy_reply_sender_owner, "not yours, %s");
	assert_int_equal((int)c->policy_agency_limits.n, 2);
	conf_free(c);
	expect_error("policy = {\n\n  reply_sender_owner = \"%s and %s\";\n};\n",
	    "bad.conf:3: policy.reply_sender_owner: only one %s may be used");
	expect_error("policy = {\n  reply_message_too_large = \"%d bytes\";\n};\n",
	    "bad.conf:2: policy.reply_message_too_large: only one %s may be used");
	expect_error("policy = {\n  reply_bare_newline = \"100%\";\n};\n",
	    "bad.conf:2: policy.reply_bare_newline: only one %s");
	expect_error("policy = {\n  reply_too_many_recipients = \"qu\xc3\xa1 %s\";\n};\n",
	    "bad.conf:2: policy.reply_too_many_recipients: must be printable ASCII");
	expect_error("policy = {\n  agency_limits = [\"snv 20X 50\"];\n};\n",
	    "bad.conf:2: policy.agency_limits: \"snv 20X 50\" is not \"AGENCY SIZE RECIPIENTS\"");
	expect_error("policy = { agency_limits = [\"snv 20M\"]; };\n",
	    "bad.conf:1: policy.agency_limits:");
	expect_error("policy = { agency_limits = [\"snv 20M -1\"]; };\n",
	    "bad.conf:1: policy.agency_limits:");
	expect_error("policy = { outbound_max_recipients = -1; };\n",
	    "bad.conf:1: policy.outbound_max_recipients = -1 is out of range");
}

static void
test_missing_file(void **state)
{
	char err[512];

	(void)state;
	assert_null(conf_load("/nonexistent/govmail.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/govmail.conf: cannot read"));
}

static void
test_choose_path(void **state)
{
	(void)state;
	unsetenv(CONF_ENV);
	assert_string_equal(conf_choose_path(NULL), CONF_DEFAULT_PATH);
	setenv(CONF_ENV, "/x/env.conf", 1);
	assert_string_equal(conf_choose_path(NULL), "/x/env.conf");
	assert_string_equal(conf_choose_path("/y/cli.conf"), "/y/cli.conf");
	unsetenv(CONF_ENV);
}

/* etc/govmail.conf must set every key, each to its default. */
static void
test_example_file_is_complete(void **state)
{
	const char *top = getenv("GOVMAIL_TOP");
	char path[1024], err[1024], *dump_example, *dump_default;
	size_t len1, len2, i;
	struct govmail_conf *c;
	FILE *fp, *f1, *f2;

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/govmail.conf", top ? top : ".");
	c = conf_load(path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	f1 = open_memstream(&dump_example, &len1);
	conf_print(c, f1, 0);
	fclose(f1);
	f2 = open_memstream(&dump_default, &len2);
	conf_print(NULL, f2, 1);
	fclose(f2);
	assert_string_equal(dump_example, dump_default);
	/* and each key is written out explicitly (not left to the default) */
	fp = fopen(path, "r");
	assert_non_null(fp);
	{
		char *text = NULL;
		size_t cap = 0, n;

		n = getdelim(&text, &cap, '\0', fp);
		assert_true(n > 0);
		for (i = 0; i < conf_nkeys; i++) {
			const char *dot = strrchr(conf_keys[i].path, '.');
			char needle[128];

			snprintf(needle, sizeof(needle), "\n  %s = ", dot + 1);
			if (strstr(text, needle) == NULL)
				fail_msg("etc/govmail.conf does not show %s", conf_keys[i].path);
		}
		free(text);
	}
	fclose(fp);
	free(dump_example);
	free(dump_default);
	conf_free(c);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) != 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values_taken),
		cmocka_unit_test(test_syntax_error_has_line),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_validator),
		cmocka_unit_test(test_reply_template),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_choose_path),
		cmocka_unit_test(test_example_file_is_complete),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
