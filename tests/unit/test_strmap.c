/*
 * test_strmap.c — the snapshot hash map: put/get/replace, growth past many
 * rehashes, iteration visits every entry once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "strmap.h"

static void
test_put_get_replace(void **state)
{
	struct strmap *m = strmap_new(0);
	int a = 1, b = 2;

	(void)state;
	assert_null(strmap_get(m, "annv@haugiang.gov.vn"));
	assert_null(strmap_put(m, "annv@haugiang.gov.vn", &a));
	assert_ptr_equal(strmap_get(m, "annv@haugiang.gov.vn"), &a);
	assert_true(strmap_has(m, "annv@haugiang.gov.vn"));
	assert_false(strmap_has(m, "annv2@haugiang.gov.vn"));
	assert_ptr_equal(strmap_put(m, "annv@haugiang.gov.vn", &b), &a);
	assert_ptr_equal(strmap_get(m, "annv@haugiang.gov.vn"), &b);
	assert_int_equal(strmap_count(m), 1);
	strmap_free(m);
}

static void
count_cb(const char *key, void *value, void *arg)
{
	(void)key;
	(void)value;
	(*(size_t *)arg)++;
}

static void
test_growth(void **state)
{
	struct strmap *m = strmap_new(1);
	char key[32];
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < 50000; i++) {
		snprintf(key, sizeof(key), "uid%zu", i);
		strmap_put(m, key, (void *)(uintptr_t)(i + 1));
	}
	assert_int_equal(strmap_count(m), 50000);
	for (i = 0; i < 50000; i++) {
		snprintf(key, sizeof(key), "uid%zu", i);
		assert_int_equal((uintptr_t)strmap_get(m, key), i + 1);
	}
	strmap_each(m, count_cb, &n);
	assert_int_equal(n, 50000);
	strmap_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_replace),
		cmocka_unit_test(test_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
