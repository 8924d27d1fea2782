/*
 * test_apid_cache.c — govmail-apid's TTL cache (apid_cache.c): a copy of
 * what was stored comes back for the same key only; a newer answer takes
 * the slot of an older one; forgetting (one key or all) changes the
 * generation, and a value read before that is not stored after it; ttl 0
 * keeps nothing; an entry is gone once it is ttl seconds old. Every value
 * handed over is freed exactly once (ASan would see a leak or a double
 * free).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid_cache.h"

static int freed;

static void
val_free(void *p)
{
	freed++;
	free(p);
}

static int
val_copy(const void *value, void *arg)
{
	strcpy(arg, value);
	return 0;
}

static char *
val(const char *s)
{
	char *p = malloc(strlen(s) + 1);

	strcpy(p, s);
	return p;
}

static void
test_get_put(void **state)
{
	struct apid_cache *c = apid_cache_new(3600, 64, val_free);
	char out[64];

	(void)state;
	freed = 0;
	assert_int_equal(apid_cache_get(c, "a", 1, val_copy, out), -1);
	apid_cache_put(c, "a", 1, val("one"), apid_cache_gen(c));
	assert_int_equal(apid_cache_get(c, "a", 1, val_copy, out), 0);
	assert_string_equal(out, "one");
	assert_int_equal(apid_cache_get(c, "ab", 2, val_copy, out), -1);
	assert_int_equal(apid_cache_get(c, "b", 1, val_copy, out), -1);
	/* the same key again: the newer answer */
	apid_cache_put(c, "a", 1, val("two"), apid_cache_gen(c));
	assert_int_equal(freed, 1);
	assert_int_equal(apid_cache_get(c, "a", 1, val_copy, out), 0);
	assert_string_equal(out, "two");
	apid_cache_forget(c, "a", 1);
	assert_int_equal(freed, 2);
	assert_int_equal(apid_cache_get(c, "a", 1, val_copy, out), -1);
	apid_cache_put(c, "x", 1, val("x"), apid_cache_gen(c));
	apid_cache_free(c);
	assert_int_equal(freed, 3);
}

static void
test_one_slot(void **state)
{
	struct apid_cache *c = apid_cache_new(3600, 1, val_free);
	char out[64];

	(void)state;
	freed = 0;
	apid_cache_put(c, "a", 1, val("A"), apid_cache_gen(c));
	apid_cache_put(c, "b", 1, val("B"), apid_cache_gen(c));   /* takes the slot */
	assert_int_equal(freed, 1);
	assert_int_equal(apid_cache_get(c, "a", 1, val_copy, out), -1);
	assert_int_equal(apid_cache_get(c, "b", 1, val_copy, out), 0);
	assert_string_equal(out, "B");
	apid_cache_free(c);
	assert_int_equal(freed, 2);
}

static void
test_generation(void **state)
{
	struct apid_cache *c = apid_cache_new(3600, 64, val_free);
	unsigned long g;
	char out[64];

	(void)state;
	freed = 0;
	apid_cache_put(c, "a", 1, val("old"), apid_cache_gen(c));
	g = apid_cache_gen(c);               /* a request starts reading ... */
	apid_cache_forget(c, NULL, 0);       /* ... a change forgets all ... */
	assert_int_equal(freed, 1);
	apid_cache_put(c, "a", 1, val("read before"), g);   /* ... not kept */
	assert_int_equal(freed, 2);
	assert_int_equal(apid_cache_get(c, "a", 1, val_copy, out), -1);
	apid_cache_put(c, "a", 1, val("after"), apid_cache_gen(c));
	assert_int_equal(apid_cache_get(c, "a", 1, val_copy, out), 0);
	assert_string_equal(out, "after");
	apid_cache_free(c);
	assert_int_equal(freed, 3);
}

static void
test_ttl(void **state)
{
	struct apid_cache *c = apid_cache_new(0, 64, val_free);
	struct timespec ts = { 1, 100000000 };
	char out[64];

	(void)state;
	freed = 0;
	apid_cache_put(c, "a", 1, val("kept?"), apid_cache_gen(c));
	assert_int_equal(freed, 1);           /* ttl 0: nothing is kept */
	assert_int_equal(apid_cache_get(c, "a", 1, val_copy, out), -1);
	apid_cache_free(c);

	c = apid_cache_new(1, 64, val_free);
	apid_cache_put(c, "a", 1, val("a second"), apid_cache_gen(c));
	/* more than the ttl later (sleeping can only last longer) */
	while (nanosleep(&ts, &ts) != 0)
		;
	assert_int_equal(apid_cache_get(c, "a", 1, val_copy, out), -1);
	assert_int_equal(freed, 2);
	apid_cache_free(c);
	assert_int_equal(freed, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put),
		cmocka_unit_test(test_one_slot),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_ttl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
