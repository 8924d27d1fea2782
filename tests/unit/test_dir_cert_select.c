/*
 * test_dir_cert_select.c — dir_cert_select_new, the choice govmailctl and
 * govmail-apid make before registering certificates: those already on the
 * entry and repeats within the input are "already registered", the rest
 * are added once each, and an entry would-be over DIR_CERT_MAX_COUNT
 * refuses the whole input. Only fingerprints matter to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_cert.h"

static void
fill(struct dir_cert_list *l, size_t n, const int *ids)
{
	size_t i;

	l->n = n;
	l->v = calloc(n + 1, sizeof(*l->v));
	assert_non_null(l->v);
	for (i = 0; i < n; i++)
		snprintf(l->v[i].fingerprint, sizeof(l->v[i].fingerprint), "%064d", ids[i]);
}

static void
test_select(void **state)
{
	static const int have_ids[] = { 1, 2 }, in_ids[] = { 2, 3, 3, 4 };
	struct dir_cert_list have, in;
	const struct dir_cert *add[4];
	char status[4], err[128];
	size_t nadd = 99;

	(void)state;
	fill(&have, 2, have_ids);
	fill(&in, 4, in_ids);
	assert_int_equal(dir_cert_select_new(&have, &in, add, &nadd, status, err,
	    sizeof(err)), 0);
	assert_int_equal(nadd, 2);
	assert_ptr_equal(add[0], &in.v[1]);
	assert_ptr_equal(add[1], &in.v[3]);
	assert_int_equal(status[0], 'r');
	assert_int_equal(status[1], 'a');
	assert_int_equal(status[2], 'r');
	assert_int_equal(status[3], 'a');
	free(have.v);
	free(in.v);
}

static void
test_too_many(void **state)
{
	int *ids = calloc(DIR_CERT_MAX_COUNT + 1, sizeof(*ids));
	static const int in_ids[] = { 5, 100000 };
	struct dir_cert_list have, in;
	const struct dir_cert *add[2];
	char status[2], err[128];
	size_t nadd = 99, i;

	(void)state;
	assert_non_null(ids);
	for (i = 0; i < DIR_CERT_MAX_COUNT; i++)
		ids[i] = (int)i;
	fill(&have, DIR_CERT_MAX_COUNT, ids);
	fill(&in, 2, in_ids);
	/* 5 is there already; 100000 would be one too many */
	assert_int_equal(dir_cert_select_new(&have, &in, add, &nadd, status, err,
	    sizeof(err)), -1);
	assert_int_equal(nadd, 0);
	assert_non_null(strstr(err, "more than 100 certificates"));
	free(have.v);
	free(in.v);
	free(ids);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
