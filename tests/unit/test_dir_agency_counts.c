/*
 * test_dir_agency_counts.c — dir_agency_counts_totals and
 * dir_agency_counts_get over hand-made trees: an agency's total is its own
 * accounts and those of every agency below it; an agency named as parent
 * but missing ends the walk up; a stored cycle of parents does not make
 * the walk loop; codes not in the counts count 0. (Reading the counts from a directory is
 * test_apid_agency_counts.sh's.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dir_agency_counts.h"
#include "dir_agency_vec.h"
#include "xmalloc.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A vector of agencies "code:parent" (parent may be empty), sorted. */
static void
vec_of(struct dir_agency_vec *v, const char *const *spec, size_t n)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < n; i++) {
		struct dir_agency a;
		char *s = xstrdup(spec[i]), *colon = strchr(s, ':');

		memset(&a, 0, sizeof(a));
		*colon = '\0';
		a.dn = s;
		a.code = s;
		a.parent = colon[1] != '\0' ? colon + 1 : NULL;
		dir_agency_vec_collect(&a, v);
		free(s);
	}
	dir_agency_vec_sort(v);
}

/* Counts "code=n", sorted by code as dir_agency_counts_read leaves them. */
static struct dir_agency_counts *
counts_of(const char *const *spec, size_t n)
{
	struct dir_agency_counts *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->v = xcalloc(n + 1, sizeof(*c->v));
	for (i = 0; i < n; i++) {
		const char *eq = strchr(spec[i], '=');

		c->v[i].code = xasprintf("%.*s", (int)(eq - spec[i]), spec[i]);
		c->v[i].accounts = (size_t)atoi(eq + 1);
		c->total += c->v[i].accounts;
	}
	c->n = n;
	return c;
}

static size_t
total_of(const struct dir_agency_vec *v, const size_t *t, const char *code)
{
	long i = dir_agency_vec_find(v, code);

	assert_true(i >= 0);
	return t[i];
}

static void
test_tree(void **state)
{
	static const char *const ag[] = {
		"ubnd:", "sgd:ubnd", "sgd-a:sgd", "sgd-a1:sgd-a", "syt:ubnd", "hdnd:"
	};
	static const char *const cn[] = {
		"hdnd=2", "sgd=10", "sgd-a=3", "sgd-a1=4", "syt=5", "ubnd=1"
	};
	struct dir_agency_vec v;
	struct dir_agency_counts *c = counts_of(cn, NELEM(cn));
	size_t t[NELEM(ag)];

	(void)state;
	vec_of(&v, ag, NELEM(ag));
	dir_agency_counts_totals(&v, c, t);
	assert_int_equal(total_of(&v, t, "ubnd"), 23);
	assert_int_equal(total_of(&v, t, "sgd"), 17);
	assert_int_equal(total_of(&v, t, "sgd-a"), 7);
	assert_int_equal(total_of(&v, t, "sgd-a1"), 4);
	assert_int_equal(total_of(&v, t, "syt"), 5);
	assert_int_equal(total_of(&v, t, "hdnd"), 2);
	assert_int_equal(dir_agency_counts_get(c, "sgd-a1"), 4);
	assert_int_equal(dir_agency_counts_get(c, "nope"), 0);
	assert_int_equal(dir_agency_counts_get(NULL, "sgd"), 0);
	dir_agency_counts_free(c);
	dir_agency_vec_free(&v);
}

static void
test_missing_parent_and_empty(void **state)
{
	static const char *const ag[] = { "a:gone", "b:a", "c:" };
	static const char *const cn[] = { "a=1", "b=2", "x=9" };
	struct dir_agency_vec v;
	struct dir_agency_counts *c = counts_of(cn, NELEM(cn));
	size_t t[NELEM(ag)];

	(void)state;
	vec_of(&v, ag, NELEM(ag));
	dir_agency_counts_totals(&v, c, t);
	assert_int_equal(total_of(&v, t, "a"), 3);
	assert_int_equal(total_of(&v, t, "b"), 2);
	assert_int_equal(total_of(&v, t, "c"), 0);
	dir_agency_counts_free(c);
	dir_agency_vec_free(&v);
}

static void
test_cycle_terminates(void **state)
{
	static const char *const ag[] = { "p:q", "q:p" };
	static const char *const cn[] = { "p=1" };
	struct dir_agency_vec v;
	struct dir_agency_counts *c = counts_of(cn, NELEM(cn));
	size_t t[NELEM(ag)];

	(void)state;
	vec_of(&v, ag, NELEM(ag));
	dir_agency_counts_totals(&v, c, t);
	/* it returned: the walk up is bounded */
	assert_true(total_of(&v, t, "p") >= 1);
	assert_true(total_of(&v, t, "q") >= 1);
	dir_agency_counts_free(c);
	dir_agency_vec_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_missing_parent_and_empty),
		cmocka_unit_test(test_cycle_terminates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
