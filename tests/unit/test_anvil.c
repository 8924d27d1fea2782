/*
 * test_anvil.c — the per-client-address table (anvil.c): keys (IPv4,
 * IPv4-mapped, IPv6 by /64), the session count limit and its release,
 * the connection rate in its time unit, failed AUTH across sessions,
 * expiry, and the bound on memory: a full table forgets the least
 * recently seen idle address and never one with a session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../src/govmaild/anvil.c"

static struct anvil_key
key(const char *s)
{
	struct anvil_key k;

	assert_int_equal(anvil_key_from_string(s, &k), 0);
	return k;
}

static void
test_keys(void **state)
{
	struct anvil_key a = key("192.0.2.7"), b = key("::ffff:192.0.2.7");
	struct anvil_key c = key("2001:db8:1:2::1"), d = key("2001:db8:1:2:ffff::9");
	struct anvil_key e = key("2001:db8:1:3::1"), k;
	struct sockaddr_in sin;
	struct sockaddr_storage ss;

	(void)state;
	assert_memory_equal(a.b, b.b, sizeof(a.b));
	assert_memory_equal(c.b, d.b, sizeof(c.b));        /* same /64 */
	assert_memory_not_equal(c.b, e.b, sizeof(c.b));
	assert_int_equal(anvil_key_from_string("not an address", &k), -1);
	memset(&ss, 0, sizeof(ss));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	memcpy(&ss, &sin, sizeof(sin));
	assert_int_equal(anvil_key_from_sockaddr(&ss, &k), 0);
	assert_memory_equal(k.b, a.b, sizeof(k.b));
}

static void
test_count_limit(void **state)
{
	struct anvil *a = anvil_new(100, 1);
	struct anvil_limits lim = { .conn_count = 3, .unit_ms = 60000 };
	struct anvil_key k1 = key("127.0.0.1"), k2 = key("127.0.0.2");
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(anvil_connect(a, &k1, &lim, 1000), ANVIL_OK);
	assert_int_equal(anvil_connect(a, &k1, &lim, 1000), ANVIL_CONN_COUNT);
	/* another address is not affected */
	assert_int_equal(anvil_connect(a, &k2, &lim, 1000), ANVIL_OK);
	assert_int_equal(anvil_sessions(a, &k1), 3);
	anvil_disconnect(a, &k1, 2000);
	assert_int_equal(anvil_connect(a, &k1, &lim, 2000), ANVIL_OK);
	/* 0 = no limit */
	lim.conn_count = 0;
	for (i = 0; i < 1000; i++)
		assert_int_equal(anvil_connect(a, &k2, &lim, 3000), ANVIL_OK);
	assert_int_equal(anvil_sessions(a, &k2), 1001);
	anvil_free(a);
}

static void
test_rate(void **state)
{
	struct anvil *a = anvil_new(100, 2);
	struct anvil_limits lim = { .conn_rate = 5, .unit_ms = 60000 };
	struct anvil_key k = key("198.51.100.1");
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(anvil_connect(a, &k, &lim, 1000 + (uint64_t)i), ANVIL_OK);
		anvil_disconnect(a, &k, 1000 + (uint64_t)i);
	}
	assert_int_equal(anvil_connect(a, &k, &lim, 30000), ANVIL_CONN_RATE);
	assert_int_equal(anvil_connect(a, &k, &lim, 60999), ANVIL_CONN_RATE);
	/* the unit is over: counted again */
	assert_int_equal(anvil_connect(a, &k, &lim, 61000), ANVIL_OK);
	anvil_free(a);
}

static void
test_auth_failures(void **state)
{
	struct anvil *a = anvil_new(100, 3);
	struct anvil_limits lim = { .auth_failures = 3, .unit_ms = 60000 };
	struct anvil_key k = key("203.0.113.9"), other = key("203.0.113.10");

	(void)state;
	assert_false(anvil_auth_blocked(a, &k, &lim, 0));
	assert_false(anvil_auth_failed(a, &k, &lim, 10));
	assert_false(anvil_auth_failed(a, &k, &lim, 20));   /* another session */
	assert_false(anvil_auth_blocked(a, &k, &lim, 25));
	assert_true(anvil_auth_failed(a, &k, &lim, 30));
	assert_true(anvil_auth_blocked(a, &k, &lim, 40));
	assert_false(anvil_auth_blocked(a, &other, &lim, 40));
	assert_false(anvil_auth_blocked(a, &k, &lim, 60010));
	assert_false(anvil_auth_failed(a, &k, &lim, 60020));
	lim.auth_failures = 0;
	assert_false(anvil_auth_failed(a, &k, &lim, 60030));
	assert_false(anvil_auth_blocked(a, &k, &lim, 60030));
	anvil_free(a);
}

static void
test_expire(void **state)
{
	struct anvil *a = anvil_new(100, 4);
	struct anvil_limits lim = { .unit_ms = 60000 };
	struct anvil_key k1 = key("10.1.1.1"), k2 = key("10.1.1.2");

	(void)state;
	assert_int_equal(anvil_connect(a, &k1, &lim, 0), ANVIL_OK);
	assert_int_equal(anvil_connect(a, &k2, &lim, 0), ANVIL_OK);
	anvil_disconnect(a, &k2, 10);
	assert_int_equal(anvil_size(a), 2);
	assert_int_equal(anvil_expire(a, 60000, 59999), 0);
	/* k1 still has a session: kept */
	assert_int_equal(anvil_expire(a, 60000, 60000), 1);
	assert_int_equal(anvil_size(a), 1);
	assert_int_equal(anvil_sessions(a, &k1), 1);
	anvil_disconnect(a, &k1, 70000);
	assert_int_equal(anvil_expire(a, 60000, 120000), 1);
	assert_int_equal(anvil_size(a), 0);
	anvil_free(a);
}

/* Many addresses through a small table: its size never passes the bound,
 * the idle ones make room, those with a session stay. */
static void
test_bounded(void **state)
{
	struct anvil *a = anvil_new(100, 5);
	struct anvil_limits lim = { .conn_count = 2, .unit_ms = 60000 };
	struct anvil_key k, busy[100];
	char addr[64];
	int i;

	(void)state;
	for (i = 0; i < 50; i++) {
		snprintf(addr, sizeof(addr), "10.2.0.%d", i);
		busy[i] = key(addr);
		assert_int_equal(anvil_connect(a, &busy[i], &lim, 1), ANVIL_OK);
	}
	for (i = 0; i < 100000; i++) {
		snprintf(addr, sizeof(addr), "2001:db8:%x:%x::1", i >> 16, i & 0xffff);
		k = key(addr);
		assert_int_equal(anvil_connect(a, &k, &lim, 2 + (uint64_t)i), ANVIL_OK);
		anvil_disconnect(a, &k, 2 + (uint64_t)i);
		assert_true(anvil_size(a) <= 100);
	}
	for (i = 0; i < 50; i++)
		assert_int_equal(anvil_sessions(a, &busy[i]), 1);
	/* every entry with a session: a new address finds no room */
	for (i = 50; i < 100; i++) {
		snprintf(addr, sizeof(addr), "10.3.0.%d", i);
		busy[i] = key(addr);
		assert_int_equal(anvil_connect(a, &busy[i], &lim, 200000), ANVIL_OK);
	}
	k = key("10.4.0.1");
	assert_int_equal(anvil_connect(a, &k, &lim, 200001), ANVIL_FULL);
	anvil_disconnect(a, &busy[7], 200002);
	assert_int_equal(anvil_connect(a, &k, &lim, 200003), ANVIL_OK);
	assert_int_equal(anvil_sessions(a, &busy[7]), 0);
	anvil_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_count_limit),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_auth_failures),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
