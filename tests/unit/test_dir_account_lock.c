/*
 * test_dir_account_lock.c — the lock state read from an account entry the
 * way slapd's ppolicy decides it (administrative lock, lockout in force,
 * lockout whose duration has passed, failures only), the reason check, and
 * the lock and unlock modifications, without a directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dir.h"
#include "dir_account_lock.h"
#include "dir_schema.h"

/* An entry of up to 8 attributes; each value a string literal. */
struct fake {
	struct dir_entry e;
	struct dir_attr a[8];
	char *vals[8][4];
	size_t lens[8][4];
};

static void
fake_put(struct fake *f, const char *name, const char *v1, const char *v2,
    const char *v3)
{
	size_t i = f->e.nattrs++;
	const char *v[3] = { v1, v2, v3 };
	size_t n;

	assert_true(i < 8);
	f->a[i].name = (char *)name;
	f->a[i].vals = f->vals[i];
	f->a[i].lens = f->lens[i];
	for (n = 0; n < 3 && v[n] != NULL; n++) {
		f->vals[i][n] = (char *)v[n];
		f->lens[i][n] = strlen(v[n]);
	}
	f->a[i].nvals = n;
}

static void
fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->e.dn = (char *)"uid=annv,ou=accounts,o=govmail";
	f->e.attrs = f->a;
}

/* 2026-12-07 08:00:00 UTC */
#define T0 ((time_t)1796630400)

static void
test_no_lock(void **state)
{
	struct fake f;
	struct dir_lock_state s;

	(void)state;
	fake_init(&f);
	dir_lock_state(&f.e, NULL, T0, &s);
	assert_int_equal(s.kind, DIR_LOCK_NONE);
	assert_int_equal(s.failures, 0);
	assert_string_equal(s.last_failure, "");
}

static void
test_failures_only(void **state)
{
	struct fake f;
	struct dir_lock_state s;

	(void)state;
	fake_init(&f);
	fake_put(&f, "pwdFailureTime", "20261207080005.5Z", "20261207080107.123456Z",
	    "20261207080001Z");
	dir_lock_state(&f.e, NULL, T0, &s);
	assert_int_equal(s.kind, DIR_LOCK_NONE);
	assert_int_equal(s.failures, 3);
	/* the latest, whatever the order; the fraction dropped */
	assert_string_equal(s.last_failure, "20261207080107Z");
}

static void
test_admin_lock(void **state)
{
	struct fake f;
	struct dir_lock_state s;
	struct dir_lock_policy p = { 1, 10, 900, 900 };

	(void)state;
	fake_init(&f);
	fake_put(&f, "pwdAccountLockedTime", DIR_PW_LOCKED_FOREVER, NULL, NULL);
	fake_put(&f, "govmailLockReason", "mật khẩu bị lộ", NULL, NULL);
	fake_put(&f, "govmailLockedTime", "20261201101500Z", NULL, NULL);
	/* however long ago, whatever the policy's duration */
	dir_lock_state(&f.e, &p, T0 + 86400 * 365, &s);
	assert_int_equal(s.kind, DIR_LOCK_ADMIN);
	assert_string_equal(s.since, "20261201101500Z");
	assert_string_equal(s.reason, "mật khẩu bị lộ");
	assert_string_equal(s.until, "");
}

static void
test_lockout(void **state)
{
	struct fake f;
	struct dir_lock_state s;
	struct dir_lock_policy p = { 1, 10, 900, 900 };

	(void)state;
	fake_init(&f);
	fake_put(&f, "pwdAccountLockedTime", "20261207080000Z", NULL, NULL);
	dir_lock_state(&f.e, &p, T0 + 899, &s);
	assert_int_equal(s.kind, DIR_LOCK_FAILURES);
	assert_string_equal(s.since, "20261207080000Z");
	assert_string_equal(s.until, "20261207081500Z");
	/* slapd: locked while now < locked + duration */
	dir_lock_state(&f.e, &p, T0 + 900, &s);
	assert_int_equal(s.kind, DIR_LOCK_EXPIRED);
	/* duration 0: until an administrator unlocks */
	p.duration = 0;
	dir_lock_state(&f.e, &p, T0 + 86400, &s);
	assert_int_equal(s.kind, DIR_LOCK_FAILURES);
	assert_string_equal(s.until, "");
	/* policy unknown: in force, end unknown */
	dir_lock_state(&f.e, NULL, T0 + 86400, &s);
	assert_int_equal(s.kind, DIR_LOCK_FAILURES);
	assert_string_equal(s.until, "");
}

static void
test_reason_check(void **state)
{
	char err[128], big[DIR_LOCK_REASON_MAX + 2];

	(void)state;
	assert_int_equal(dir_lock_reason_check("mật khẩu lộ (phiếu 2026-118)", err, sizeof(err)), 0);
	assert_int_equal(dir_lock_reason_check("", err, sizeof(err)), -1);
	assert_int_equal(dir_lock_reason_check(NULL, err, sizeof(err)), -1);
	assert_int_equal(dir_lock_reason_check("a\tb", err, sizeof(err)), -1);
	assert_int_equal(dir_lock_reason_check("a\nb", err, sizeof(err)), -1);
	assert_int_equal(dir_lock_reason_check("\xc3\x28", err, sizeof(err)), -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(dir_lock_reason_check(big, err, sizeof(err)), -1);
	big[DIR_LOCK_REASON_MAX] = '\0';
	assert_int_equal(dir_lock_reason_check(big, err, sizeof(err)), 0);
}

static size_t
mod_names(const struct dir_mods *m, const char **names)
{
	return dir_mods_attr_names(m, names, 8);
}

static void
test_lock_mods(void **state)
{
	struct fake f;
	struct dir_mods *m;
	const char *names[8];

	(void)state;
	fake_init(&f);
	fake_put(&f, "objectClass", "inetOrgPerson", "govmailAccount", NULL);
	m = dir_lock_mods(&f.e, "lộ mật khẩu", "20261207080000Z");
	assert_int_equal(mod_names(m, names), 4);
	assert_string_equal(names[0], "objectClass");
	assert_string_equal(names[3], DIR_AT_PW_LOCKED_TIME);
	dir_mods_free(m);
	/* the class is there already: not added twice */
	fake_init(&f);
	fake_put(&f, "objectClass", "inetOrgPerson", "govmailAccount", DIR_OC_LOCK);
	m = dir_lock_mods(&f.e, "lộ mật khẩu", "20261207080000Z");
	assert_int_equal(mod_names(m, names), 3);
	assert_string_equal(names[0], DIR_AT_LOCK_REASON);
	dir_mods_free(m);
}

static void
test_unlock_mods(void **state)
{
	struct fake f;
	struct dir_mods *m;
	const char *names[8];

	(void)state;
	fake_init(&f);
	fake_put(&f, "objectClass", "inetOrgPerson", "govmailAccount", NULL);
	assert_null(dir_unlock_mods(&f.e));
	/* failures only: the lock set and deleted, so slapd drops them */
	fake_put(&f, "pwdFailureTime", "20261207080005Z", NULL, NULL);
	m = dir_unlock_mods(&f.e);
	assert_non_null(m);
	assert_int_equal(dir_mods_count(m), 2);
	assert_int_equal(mod_names(m, names), 1);
	assert_string_equal(names[0], DIR_AT_PW_LOCKED_TIME);
	dir_mods_free(m);
	/* an administrative lock: its record goes too */
	fake_init(&f);
	fake_put(&f, "objectClass", "inetOrgPerson", "govmailAccount", DIR_OC_LOCK);
	fake_put(&f, "pwdAccountLockedTime", DIR_PW_LOCKED_FOREVER, NULL, NULL);
	fake_put(&f, "govmailLockReason", "x", NULL, NULL);
	fake_put(&f, "govmailLockedTime", "20261207080000Z", NULL, NULL);
	m = dir_unlock_mods(&f.e);
	assert_int_equal(mod_names(m, names), 4);
	assert_string_equal(names[3], "objectClass");
	dir_mods_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_lock),
		cmocka_unit_test(test_failures_only),
		cmocka_unit_test(test_admin_lock),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_reason_check),
		cmocka_unit_test(test_lock_mods),
		cmocka_unit_test(test_unlock_mods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
