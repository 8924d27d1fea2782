/*
 * apid_agencies.c — the agencies resource of govmail-apid: one agency by
 * its code (with an ETag), to callers whose grants cover it (others get
 * 404, as for an agency that does not exist). Creation and change are in
 * apid_agencies_write.c.
 */
#include <stdlib.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_auth.h"
#include "apid_accounts.h"
#include "apid_dispatch.h"
#include "apid_resources.h"
#include "dir.h"
#include "dir_agency.h"

static void
apid_set(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v != NULL ? apid_jstr(v) : apid_jnull());
}

/* The agency as the API shows it (no DN). */
json_t *
apid_agency_json(const struct dir_agency *a)
{
	json_t *o = json_object();

	apid_set(o, "code", a->code);
	apid_set(o, "name", a->name);
	apid_set(o, "level", a->level);
	apid_set(o, "parent", a->parent);
	apid_set(o, "domain", a->domain);
	apid_set(o, "status", a->status);
	apid_set(o, "merged_into", a->merged_into);
	return o;
}

int
apid_agency_get(struct apid_req *r)
{
	struct dir *d = apid_dir(r);
	struct dir_agency *a = NULL;
	char rule[256], etag[40];
	json_t *o;
	int st, ret;

	if (d == NULL)
		return apid_dir_problem(r, DIR_UNAVAILABLE, "agency");
	st = dir_agency_get(d, r->params[0], &a);
	if (st != DIR_OK && st != DIR_NOT_FOUND)
		return apid_dir_problem(r, st, "agency");
	if (st == DIR_NOT_FOUND || !api_authz_visible(r->caller, a->dn)) {
		dir_agency_free(a);
		return apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0,
		    "no such agency");
	}
	if (!apid_allowed(r, API_OP_AGENCY_READ, a->dn, rule, sizeof(rule))) {
		dir_agency_free(a);
		return apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "may not read this agency");
	}
	o = apid_agency_json(a);
	apid_etag(o, etag, sizeof(etag));   /* PATCH takes it in If-Match */
	ret = apid_reply(r, 200, o, "ETag", etag);
	json_decref(o);
	dir_agency_free(a);
	return ret;
}
