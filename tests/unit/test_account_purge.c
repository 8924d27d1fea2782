/*
 * test_account_purge.c — the purge rule govmailctl and govmail-apid share
 * (account_purge_allowed): only a disabled account, and only once the
 * retention period since it was disabled has passed, unless forced; a
 * missing or unreadable change time counts as "just now".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "dir_account.h"

/* 2026-12-07T00:00:00Z */
#define NOW ((time_t)1796601600)

static int
allowed(const char *status, const char *changed, int days, int force, char *err)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	a.address = (char *)"annv@haugiang.gov.vn";
	a.status = (char *)status;
	a.status_changed = (char *)changed;
	return account_purge_allowed(&a, days, force, NOW, err, 512);
}

static void
test_not_disabled(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(allowed("active", "20200101000000Z", 30, 1, err), -1);
	assert_non_null(strstr(err, "only disabled accounts can be purged"));
	assert_int_equal(allowed("suspended", "20200101000000Z", 0, 1, err), -1);
	assert_int_equal(allowed(NULL, NULL, 0, 1, err), -1);
	assert_non_null(strstr(err, "is ?:"));
}

static void
test_retention(void **state)
{
	char err[512];

	(void)state;
	/* disabled 10 days before NOW */
	assert_int_equal(allowed("disabled", "20261127000000Z", 30, 0, err), -1);
	assert_non_null(strstr(err, "disabled 10 days ago; the retention period is 30 days"));
	assert_int_equal(allowed("disabled", "20261127000000Z", 30, 1, err), 0);
	assert_int_equal(allowed("disabled", "20261127000000Z", 10, 0, err), 0);
	assert_int_equal(allowed("disabled", "20261127000000Z", 0, 0, err), 0);
	/* no or a bad time: not old enough unless forced */
	assert_int_equal(allowed("disabled", NULL, 0, 0, err), -1);
	assert_int_equal(allowed("disabled", "yesterday", 0, 0, err), -1);
	assert_int_equal(allowed("disabled", "yesterday", 0, 1, err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_disabled),
		cmocka_unit_test(test_retention),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
