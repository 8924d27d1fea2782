/*
 * dir_agency_counts.c — accounts per agency in one paged search
 * (dir_agency_counts.h). Only the agency attribute is asked for, so a
 * page of entries is small; codes are counted in a hash map and handed
 * back sorted for a binary search.
 */
#include <ldap.h>
#include <stdlib.h>
#include <string.h>

#include "dir_account.h"
#include "dir_agency_counts.h"
#include "dir_agency_vec.h"
#include "dir_schema.h"
#include "strmap.h"
#include "xmalloc.h"

struct counts_walk {
	struct strmap *m;          /* code -> size_t* */
	struct dir_agency_counts *c;
};

static int
counts_entry_cb(const struct dir_entry *e, void *arg)
{
	struct counts_walk *w = arg;
	const char *code = dir_entry_get(e, DIR_AT_AGENCY);
	char buf[256];
	size_t *n;

	w->c->total++;
	if (code == NULL || *code == '\0' || strlen(code) >= sizeof(buf)) {
		w->c->without_agency++;
		return 0;
	}
	/* codes are stored lower case; a hand-made entry may differ */
	memcpy(buf, code, strlen(code) + 1);
	dir_lower(buf);
	if ((n = strmap_get(w->m, buf)) == NULL) {
		n = xcalloc(1, sizeof(*n));
		strmap_put(w->m, buf, n);
	}
	(*n)++;
	return 0;
}

static void
counts_collect(const char *key, void *value, void *arg)
{
	struct dir_agency_counts *c = arg;
	size_t *n = value;

	c->v[c->n].code = xstrdup(key);
	c->v[c->n].accounts = *n;
	c->n++;
	free(n);
}

static int
counts_cmp(const void *a, const void *b)
{
	const struct dir_agency_count *x = a, *y = b;

	return strcmp(x->code, y->code);
}

static void
counts_drop(const char *key, void *value, void *arg)
{
	(void)key;
	(void)arg;
	free(value);
}

enum dir_status
dir_agency_counts_read(struct dir *d, struct dir_agency_counts **out)
{
	static const char *const attrs[] = { DIR_AT_AGENCY, NULL };
	struct counts_walk w;
	enum dir_status st;
	char *base;

	*out = NULL;
	w.m = strmap_new(1024);
	w.c = xcalloc(1, sizeof(*w.c));
	base = xasprintf("%s,%s", DIR_OU_ACCOUNTS, dir_base(d));
	st = dir_search(d, base, LDAP_SCOPE_SUBTREE, "(objectClass=" DIR_OC_ACCOUNT ")",
	    attrs, counts_entry_cb, &w);
	free(base);
	if (st != DIR_OK) {
		strmap_each(w.m, counts_drop, NULL);
		strmap_free(w.m);
		free(w.c);
		return st;
	}
	w.c->v = xcalloc(strmap_count(w.m) + 1, sizeof(*w.c->v));
	strmap_each(w.m, counts_collect, w.c);
	strmap_free(w.m);
	if (w.c->n > 1)
		qsort(w.c->v, w.c->n, sizeof(*w.c->v), counts_cmp);
	*out = w.c;
	return DIR_OK;
}

size_t
dir_agency_counts_get(const struct dir_agency_counts *c, const char *code)
{
	struct dir_agency_count key, *hit;

	if (c == NULL || code == NULL || c->n == 0)
		return 0;
	key.code = (char *)code;
	hit = bsearch(&key, c->v, c->n, sizeof(*c->v), counts_cmp);
	return hit != NULL ? hit->accounts : 0;
}

void
dir_agency_counts_totals(const struct dir_agency_vec *vec,
    const struct dir_agency_counts *c, size_t *totals)
{
	size_t i, n, depth;
	long at;

	memset(totals, 0, vec->n * sizeof(*totals));
	for (i = 0; i < vec->n; i++) {
		if ((n = dir_agency_counts_get(c, vec->v[i].code)) == 0)
			continue;
		/* the agency itself, then each agency above it */
		at = (long)i;
		for (depth = 0; at >= 0 && depth <= 2 * DIR_AGENCY_MAX_DEPTH; depth++) {
			const char *parent = vec->v[at].parent;

			totals[at] += n;
			if (parent == NULL || *parent == '\0')
				break;
			at = dir_agency_vec_find(vec, parent);
		}
	}
}

void
dir_agency_counts_free(struct dir_agency_counts *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->v[i].code);
	free(c->v);
	free(c);
}
