/*
 * dir_agency_vec.c — agencies kept in memory, sorted by code (see
 * dir_agency_vec.h).
 */
#include <stdlib.h>
#include <string.h>

#include "dir_agency_vec.h"
#include "xmalloc.h"

/* Copy of an agency (for lists kept in memory). */
static void
agency_copy(struct dir_agency *dst, const struct dir_agency *src)
{
	dst->dn = src->dn ? xstrdup(src->dn) : NULL;
	dst->code = src->code ? xstrdup(src->code) : NULL;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->level = src->level ? xstrdup(src->level) : NULL;
	dst->parent = src->parent ? xstrdup(src->parent) : NULL;
	dst->domain = src->domain ? xstrdup(src->domain) : NULL;
	dst->status = src->status ? xstrdup(src->status) : NULL;
	dst->merged_into = src->merged_into ? xstrdup(src->merged_into) : NULL;
	dst->csn = src->csn ? xstrdup(src->csn) : NULL;
}

int
dir_agency_vec_collect(const struct dir_agency *a, void *arg)
{
	struct dir_agency_vec *vec = arg;

	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 64;
		vec->v = xreallocarray(vec->v, vec->cap, sizeof(*vec->v));
	}
	agency_copy(&vec->v[vec->n++], a);
	return 0;
}

static int
agency_cmp_code(const void *a, const void *b)
{
	const struct dir_agency *x = a, *y = b;

	return strcmp(x->code, y->code);
}

void
dir_agency_vec_sort(struct dir_agency_vec *vec)
{
	if (vec->n > 1)
		qsort(vec->v, vec->n, sizeof(*vec->v), agency_cmp_code);
}

void
dir_agency_vec_free(struct dir_agency_vec *vec)
{
	size_t i;

	for (i = 0; i < vec->n; i++)
		dir_agency_clear(&vec->v[i]);
	free(vec->v);
	vec->v = NULL;
	vec->n = vec->cap = 0;
}

long
dir_agency_vec_find(const struct dir_agency_vec *vec, const char *code)
{
	size_t lo = 0, hi = vec->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(vec->v[mid].code, code);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
