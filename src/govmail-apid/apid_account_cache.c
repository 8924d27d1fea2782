/*
 * apid_account_cache.c — account reads kept for a few seconds
 * (apid_account_cache.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_account_cache.h"
#include "apid_agency_counts.h"
#include "apid_auth.h"
#include "apid_cache.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "xmalloc.h"

struct apid_acct_val {
	char *agency;          /* code */
	char *text;            /* the representation, compact JSON */
	char etag[40];
};

static void
apid_acct_val_free(void *p)
{
	struct apid_acct_val *v = p;

	free(v->agency);
	free(v->text);
	free(v);
}

static int
apid_acct_copy(const void *value, void *arg)
{
	const struct apid_acct_val *v = value;
	struct apid_acct_val *out = arg;

	out->agency = xstrdup(v->agency);
	out->text = xstrdup(v->text);
	memcpy(out->etag, v->etag, sizeof(out->etag));
	return 0;
}

/* The key: the path's {key}, lower-cased (the directory matches
 * addresses and uids without regard to case). */
static char *
apid_acct_key(struct apid_req *r)
{
	char *k = xstrdup(r->params[0] != NULL ? r->params[0] : "");

	dir_lower(k);
	return k;
}

void
apid_account_cache_init(struct apid_server *srv)
{
	srv->accounts = apid_cache_new(srv->conf->apid_account_cache_ttl,
	    (size_t)srv->conf->apid_cache_entries, apid_acct_val_free);
	apid_agency_counts_init(srv);
}

void
apid_account_cache_free(struct apid_server *srv)
{
	apid_cache_free(srv->accounts);
	srv->accounts = NULL;
	apid_agency_counts_free(srv);
}

int
apid_account_cached(struct apid_req *r, int *ret)
{
	struct apid_acct_val v;
	struct dir *d;
	json_t *o;
	char *key, *adn, rule[256];
	int found;

	if (apid_cache_ttl(r->srv->accounts) == 0)
		return -1;
	key = apid_acct_key(r);
	memset(&v, 0, sizeof(v));
	found = apid_cache_get(r->srv->accounts, key, strlen(key), apid_acct_copy, &v);
	free(key);
	if (found != 0)
		return -1;
	o = json_loads(v.text, 0, NULL);
	/* the scope check of apid_target, against the cached agency; the
	 * connection only lends its base DN here */
	if (o == NULL || (d = apid_dir(r)) == NULL ||
	    (adn = dir_agency_dn(d, v.agency)) == NULL) {
		json_decref(o);
		free(v.agency);
		free(v.text);
		return -1;
	}
	if (!api_authz_visible(r->caller, adn)) {
		*ret = apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0,
		    "no such account");
	} else if (!apid_allowed(r, API_OP_ACCOUNT_READ, adn, rule, sizeof(rule))) {
		*ret = apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "%s may not do this to this account", r->caller->actor);
	} else
		*ret = apid_reply(r, 200, o, "ETag", v.etag);
	free(adn);
	json_decref(o);
	free(v.agency);
	free(v.text);
	return 0;
}

unsigned long
apid_account_gen(struct apid_req *r)
{
	return apid_cache_gen(r->srv->accounts);
}

void
apid_account_remember(struct apid_req *r, const char *agency, json_t *o,
    const char *etag, unsigned long gen)
{
	struct apid_acct_val *v;
	char *key;

	if (apid_cache_ttl(r->srv->accounts) == 0 || agency == NULL)
		return;
	v = xcalloc(1, sizeof(*v));
	v->agency = xstrdup(agency);
	v->text = json_dumps(o, JSON_COMPACT);
	snprintf(v->etag, sizeof(v->etag), "%s", etag);
	if (v->text == NULL) {
		apid_acct_val_free(v);
		return;
	}
	key = apid_acct_key(r);
	apid_cache_put(r->srv->accounts, key, strlen(key), v, gen);
	free(key);
}

void
apid_account_cache_changed(struct apid_server *srv)
{
	apid_cache_forget(srv->accounts, NULL, 0);
	/* the agency tree's counts are account reads too */
	apid_agency_counts_changed(srv);
}
