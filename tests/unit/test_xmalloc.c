/*
 * test_xmalloc.c — xgrowarray: an array grown one element at a time is
 * reallocated only a logarithmic number of times (under ASan every
 * realloc moves the block, so the moves are the reallocations), keeps its
 * contents, and stays big enough after its count shrinks (ASan would
 * report a write past the end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "xmalloc.h"

static void
test_grow_logarithmic(void **state)
{
	size_t *v = NULL, n, moves = 0;
	void *last = NULL;

	(void)state;
	for (n = 0; n < 100000; n++) {
		v = xgrowarray(v, n, sizeof(*v));
		if ((void *)v != last)
			moves++;
		last = v;
		v[n] = n * 7;
	}
	assert_true(moves <= 18);       /* 1, 2, 4, ... 131072 */
	for (n = 0; n < 100000; n++)
		assert_int_equal(v[n], n * 7);
	free(v);
}

static void
test_shrink_then_grow(void **state)
{
	size_t *v = NULL, n, k, i;

	(void)state;
	for (n = 0; n < 1000; n++) {
		v = xgrowarray(v, n, sizeof(*v));
		v[n] = n;
	}
	/* keep every third element, as a de-duplication does, then go on */
	for (i = 0, k = 0; i < n; i++)
		if (i % 3 == 0)
			v[k++] = v[i];
	for (n = k; n < 5000; n++) {
		v = xgrowarray(v, n, sizeof(*v));
		v[n] = n;
	}
	for (i = 0; i < k; i++)
		assert_int_equal(v[i], i * 3);
	assert_int_equal(v[4999], 4999);
	free(v);
}

/* xfreev frees every string and the array (ASan's leak check at exit),
 * and takes an empty array. */
static void
test_freev(void **state)
{
	char **v = NULL;
	size_t n;

	(void)state;
	for (n = 0; n < 5; n++) {
		v = xgrowarray(v, n, sizeof(*v));
		v[n] = xasprintf("code-%zu", n);
	}
	assert_string_equal(v[4], "code-4");
	xfreev(v, n);
	xfreev(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_logarithmic),
		cmocka_unit_test(test_freev),
		cmocka_unit_test(test_shrink_then_grow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
