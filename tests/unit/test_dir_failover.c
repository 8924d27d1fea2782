/*
 * test_dir_failover.c — server lists (order kept, duplicates and blanks
 * dropped), the table of failed servers (skipped until their time is up,
 * forgotten when they answer, bounded when many fail) and where notes go.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "dir_failover.h"

static void
test_uris(void **state)
{
	struct dir_uris u = { NULL, 0 };

	(void)state;
	dir_uris_add(&u, "  ldap://a:389\tldap://b:389 \n ldap://a:389 ");
	dir_uris_add(&u, "ldapi:/// ldap://b:389");
	dir_uris_add(&u, "   ");
	assert_int_equal(u.n, 3);
	assert_string_equal(u.v[0], "ldap://a:389");
	assert_string_equal(u.v[1], "ldap://b:389");
	assert_string_equal(u.v[2], "ldapi:///");
	assert_int_equal(dir_uris_find(&u, "ldapi:///"), 2);
	assert_int_equal(dir_uris_find(&u, "ldap://c:389"), -1);
	dir_uris_free(&u);
	assert_int_equal(u.n, 0);
}

static void
test_down_up(void **state)
{
	char uri[64];
	int i;

	(void)state;
	assert_false(dir_failover_is_down("ldap://x:1"));
	dir_failover_mark_down("ldap://x:1", 3600);
	assert_true(dir_failover_is_down("ldap://x:1"));
	assert_false(dir_failover_is_down("ldap://x:2"));
	dir_failover_mark_up("ldap://x:1");
	assert_false(dir_failover_is_down("ldap://x:1"));
	/* More failed servers than slots: the table stays bounded, the
	 * newest are remembered. */
	for (i = 0; i < 100; i++) {
		snprintf(uri, sizeof(uri), "ldap://many:%d", i);
		dir_failover_mark_down(uri, 3600 + i);
	}
	assert_true(dir_failover_is_down("ldap://many:99"));
}

static char noted[256];

static void
note_cb(const char *msg)
{
	snprintf(noted, sizeof(noted), "%s", msg);
}

static void
test_note(void **state)
{
	(void)state;
	dir_failover_set_notify(note_cb);
	dir_failover_note("LDAP: using %s", "ldap://b:389");
	assert_string_equal(noted, "LDAP: using ldap://b:389");
	dir_failover_set_notify(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uris),
		cmocka_unit_test(test_down_up),
		cmocka_unit_test(test_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
