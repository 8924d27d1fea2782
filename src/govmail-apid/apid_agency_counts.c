/*
 * apid_agency_counts.c — account counts per agency kept for a few seconds
 * (apid_agency_counts.h). One slot: the counts are the same for every
 * caller; what a caller may see is decided when the tree is answered.
 */
#include <stdlib.h>
#include <string.h>

#include "apid.h"
#include "apid_agency_counts.h"
#include "apid_cache.h"
#include "dir.h"
#include "dir_agency_counts.h"
#include "xmalloc.h"

#define APID_COUNTS_KEY "agency-counts"

static void
apid_counts_val_free(void *p)
{
	dir_agency_counts_free(p);
}

static int
apid_counts_copy(const void *value, void *arg)
{
	const struct dir_agency_counts *c = value;
	struct dir_agency_counts **out = arg, *n;
	size_t i;

	n = xcalloc(1, sizeof(*n));
	n->v = xcalloc(c->n + 1, sizeof(*n->v));
	for (i = 0; i < c->n; i++) {
		n->v[i].code = xstrdup(c->v[i].code);
		n->v[i].accounts = c->v[i].accounts;
	}
	n->n = c->n;
	n->total = c->total;
	n->without_agency = c->without_agency;
	*out = n;
	return 0;
}

void
apid_agency_counts_init(struct apid_server *srv)
{
	srv->agency_counts = apid_cache_new(srv->conf->apid_account_cache_ttl, 1,
	    apid_counts_val_free);
}

void
apid_agency_counts_free(struct apid_server *srv)
{
	apid_cache_free(srv->agency_counts);
	srv->agency_counts = NULL;
}

void
apid_agency_counts_changed(struct apid_server *srv)
{
	if (srv->agency_counts != NULL)
		apid_cache_forget(srv->agency_counts, NULL, 0);
}

int
apid_agency_counts(struct apid_req *r, struct dir *d, struct dir_agency_counts **out)
{
	struct apid_cache *c = r->srv->agency_counts;
	struct dir_agency_counts *fresh = NULL, *copy = NULL;
	unsigned long gen;
	enum dir_status st;

	*out = NULL;
	if (c != NULL && apid_cache_get(c, APID_COUNTS_KEY, strlen(APID_COUNTS_KEY),
	    apid_counts_copy, out) == 0)
		return DIR_OK;
	gen = c != NULL ? apid_cache_gen(c) : 0;
	if ((st = dir_agency_counts_read(d, &fresh)) != DIR_OK)
		return st;
	if (c != NULL && apid_cache_ttl(c) > 0) {
		apid_counts_copy(fresh, &copy);
		/* stored only if nothing changed through apid meanwhile */
		apid_cache_put(c, APID_COUNTS_KEY, strlen(APID_COUNTS_KEY), copy, gen);
	}
	*out = fresh;
	return DIR_OK;
}
