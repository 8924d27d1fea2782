/*
 * apid_agencies_write.c — creating and changing agencies through
 * govmail-apid, with govmailctl's checks and operations (dir_agency.h:
 * field validation, the references checked against the directory,
 * dir_agency_create / dir_agency_modify) and its audit records
 * (agency.add, agency.modify).
 * Who: an agency is created or changed by a caller with agency.write on
 * its parent — so an agency-admin makes and changes sub-agencies within
 * its subtree but neither the agency of its grant itself nor anything
 * outside; a top-level agency (no parent) needs a province-wide grant. A
 * change of parent is checked on the old parent and on the new one.
 * Concurrency: PATCH needs If-Match with the ETag of GET /v1/agencies/{code};
 * the write then asserts the entry's version read with it, so a change made
 * between the check and the write is a 412, not overwritten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_accounts.h"
#include "apid_auth.h"
#include "apid_dispatch.h"
#include "apid_resources.h"
#include "audit_log.h"
#include "dir.h"
#include "dir_agency.h"
#include "dir_domain.h"
#include "log.h"
#include "xmalloc.h"

int
apid_province_wide(const struct apid_req *r, int op)
{
	size_t i;

	for (i = 0; i < r->caller->ngrants; i++)
		if (r->caller->grants[i].agency_dn == NULL &&
		    api_role_allows(r->caller->grants[i].role, (enum api_op)op))
			return 1;
	return 0;
}

/* The checked, normalised fields of a body; buffers for the lowered
 * codes and the normalised domain. */
struct apid_agency_in {
	struct dir_agency_fields f;
	char code[DIR_AGENCY_CODE_MAX + 1];
	char parent[DIR_AGENCY_CODE_MAX + 1];
	char domain[DIR_DOMAIN_MAX + 1];
};

static int
apid_bad_field(struct apid_req *r, const char *field, const char *why)
{
	return apid_problem(r, 400, "invalid-body", "Invalid request body", field, NULL, 0,
	    "%s: %s", field, why);
}

/* The body as govmailctl agency add|modify checks its options. 0, or -1
 * with a 400 naming the field queued in *ret. */
static int
apid_agency_fields(struct apid_req *r, int creating, struct apid_agency_in *in, int *ret)
{
	const char *code = json_string_value(json_object_get(r->json, "code"));
	const char *parent = json_string_value(json_object_get(r->json, "parent"));
	const char *domain = json_string_value(json_object_get(r->json, "domain"));
	char err[512];

	memset(in, 0, sizeof(*in));
	in->f.name = json_string_value(json_object_get(r->json, "name"));
	in->f.level = json_string_value(json_object_get(r->json, "level"));
	if (code != NULL) {
		snprintf(in->code, sizeof(in->code), "%s", code);
		dir_agency_code_lower(in->code);
		if (strlen(code) >= sizeof(in->code) ||
		    dir_agency_code_valid(in->code, err, sizeof(err)) != 0) {
			*ret = apid_bad_field(r, "code", strlen(code) >= sizeof(in->code) ?
			    "too long" : err);
			return -1;
		}
		in->f.code = in->code;
	}
	if (in->f.name != NULL && dir_agency_name_valid(in->f.name, err, sizeof(err)) != 0) {
		*ret = apid_bad_field(r, "name", err);
		return -1;
	}
	if (in->f.level != NULL && dir_agency_level_valid(in->f.level, err, sizeof(err)) != 0) {
		*ret = apid_bad_field(r, "level", err);
		return -1;
	}
	/* "" makes (or keeps) the agency a top-level one */
	if (parent != NULL && *parent != '\0') {
		snprintf(in->parent, sizeof(in->parent), "%s", parent);
		dir_agency_code_lower(in->parent);
		if (strlen(parent) >= sizeof(in->parent) ||
		    dir_agency_code_valid(in->parent, err, sizeof(err)) != 0) {
			*ret = apid_bad_field(r, "parent", strlen(parent) >= sizeof(in->parent) ?
			    "too long" : err);
			return -1;
		}
		in->f.parent = in->parent;
	} else if (parent != NULL)
		in->f.parent = "";
	/* "" removes the agency's own domain */
	if (domain != NULL && *domain != '\0') {
		if (dir_domain_normalize(domain, in->domain, sizeof(in->domain), err,
		    sizeof(err)) != 0) {
			*ret = apid_bad_field(r, "domain", err);
			return -1;
		}
		in->f.domain = in->domain;
	} else if (domain != NULL)
		in->f.domain = "";
	if (!creating && in->f.name == NULL && in->f.level == NULL &&
	    in->f.parent == NULL && in->f.domain == NULL) {
		*ret = apid_problem(r, 400, "invalid-body", "Invalid request body", NULL, NULL,
		    0, "nothing to change: give name, level, parent or domain");
		return -1;
	}
	if (dir_agency_fields_valid(&in->f, creating, err, sizeof(err)) != 0) {
		*ret = apid_problem(r, 400, "invalid-body", "Invalid request body", NULL, NULL,
		    0, "%s", err);
		return -1;
	}
	return 0;
}

/*
 * May the caller place an agency under parent (a code, or NULL/"" for the
 * top level)? 0, or -1 with a problem queued: 404 naming field when the
 * parent is missing or outside every grant, 403 with the rule otherwise.
 * field NULL: parent is where an agency the caller sees is now (403 only).
 */
static int
apid_agency_under(struct apid_req *r, const char *parent, const char *field, int *ret)
{
	struct dir_agency *p = NULL;
	char rule[256], *dn;
	int st, ok;

	if (parent == NULL || *parent == '\0') {
		if (apid_province_wide(r, API_OP_AGENCY_WRITE))
			return 0;
		*ret = apid_problem(r, 403, "forbidden", "Forbidden", field,
		    "a top-level agency needs a province-wide grant", 0,
		    "%s may not create, change or move a top-level agency", r->caller->actor);
		return -1;
	}
	if (field == NULL) {
		/* where an agency the caller sees is now: its parent is named
		 * in the agency anyway, so the rule may name it too */
		dn = dir_agency_dn(r->dir, parent);
		ok = dn != NULL && apid_allowed(r, API_OP_AGENCY_WRITE, dn, rule, sizeof(rule));
		free(dn);
		if (!ok) {
			*ret = apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
			    "%s may not change agencies under %s", r->caller->actor, parent);
			return -1;
		}
		return 0;
	}
	st = dir_agency_get(r->dir, parent, &p);
	if (st != DIR_OK && st != DIR_NOT_FOUND) {
		*ret = apid_dir_problem(r, st, "agency");
		return -1;
	}
	if (st == DIR_NOT_FOUND || !api_authz_visible(r->caller, p->dn)) {
		dir_agency_free(p);
		*ret = apid_problem(r, 404, "not-found", "Not found", field, NULL, 0,
		    "%s: no such agency", field);
		return -1;
	}
	ok = apid_allowed(r, API_OP_AGENCY_WRITE, p->dn, rule, sizeof(rule));
	dir_agency_free(p);
	if (!ok) {
		*ret = apid_problem(r, 403, "forbidden", "Forbidden", field, rule, 0,
		    "%s may not create or change agencies under %s", r->caller->actor,
		    parent);
		return -1;
	}
	return 0;
}

/* The answer: the agency as it is now, with its ETag (status 200/201). */
static int
apid_agency_answer(struct apid_req *r, unsigned status, const char *code, json_t *extra)
{
	struct dir_agency *a = NULL;
	char etag[40], loc[128];
	json_t *o, *ag;
	int ret;

	o = extra != NULL ? extra : json_object();
	etag[0] = '\0';
	if (dir_agency_get(r->dir, code, &a) == DIR_OK) {
		ag = apid_agency_json(a);
		apid_etag(ag, etag, sizeof(etag));
		json_object_set_new(o, "agency", ag);
		dir_agency_free(a);
	}
	if (status == 201) {
		snprintf(loc, sizeof(loc), "/v1/agencies/%s", code);
		ret = apid_reply(r, status, o, "Location", loc);
	} else
		ret = apid_reply(r, status, o, etag[0] ? "ETag" : NULL, etag[0] ? etag : NULL);
	json_decref(o);
	return ret;
}

int
apid_agency_create(struct apid_req *r)
{
	struct apid_agency_in in;
	struct dir_mods *mods = NULL;
	struct audit_log *al;
	char err[1024], *dn;
	int ret, st;

	if (apid_agency_fields(r, 1, &in, &ret) != 0)
		return ret;
	if (apid_dir(r) == NULL)
		return apid_dir_problem(r, DIR_UNAVAILABLE, "agency create");
	if (apid_agency_under(r, in.f.parent, "parent", &ret) != 0)
		return ret;
	if ((al = apid_audit_open(r, &ret)) == NULL)
		return ret;
	st = dir_agency_create(r->dir, &in.f, 0, err, sizeof(err), &mods);
	if (st != DIR_OK) {
		dir_mods_free(mods);
		dn = dir_agency_dn(r->dir, in.code);
		if (apid_write_unknown(r, al, "agency.add", in.code, dn, st, &ret)) {
			free(dn);
			return ret;
		}
		free(dn);
		audit_close(al);
		return apid_op_problem(r, st, err);
	}
	dn = dir_agency_dn(r->dir, in.code);
	apid_audit_mods(r, al, "agency.add", in.code, dn, mods, NULL);
	if (audit_close(al) != 0)
		log_warnx("audit log close failed");
	log_info("agency.add %s by %s from %s", in.code, r->caller->actor, r->client);
	free(dn);
	dir_mods_free(mods);
	/* the scope checks see the new agency from now on */
	api_agency_tree_invalidate();
	return apid_agency_answer(r, 201, in.code, NULL);
}

static void
apid_change(json_t *arr, const char *field, const char *old, const char *new)
{
	json_t *c;

	if (old == NULL)
		old = "";
	if (new == NULL)
		new = "";
	if (strcmp(old, new) == 0)
		return;
	c = json_object();
	json_object_set_new(c, "field", apid_jstr(field));
	json_object_set_new(c, "old", *old ? apid_jstr(old) : apid_jnull());
	json_object_set_new(c, "new", *new ? apid_jstr(new) : apid_jnull());
	json_array_append_new(arr, c);
}

int
apid_agency_modify(struct apid_req *r)
{
	const char *im = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-Match");
	struct apid_agency_in in;
	struct dir_agency *cur = NULL;
	struct dir_mods *mods = NULL;
	struct audit_log *al;
	char err[1024], etag[40], code[DIR_AGENCY_CODE_MAX + 1];
	json_t *o, *chg;
	int ret, st, moved;

	if (apid_agency_fields(r, 0, &in, &ret) != 0)
		return ret;
	if (im == NULL)
		return apid_problem(r, 428, "precondition-required", "Precondition required",
		    "If-Match", NULL, 0, "send If-Match with the ETag of the agency as read");
	if (apid_dir(r) == NULL)
		return apid_dir_problem(r, DIR_UNAVAILABLE, "agency modify");
	snprintf(code, sizeof(code), "%s", r->params[0]);
	dir_agency_code_lower(code);
	st = strlen(r->params[0]) < sizeof(code) &&
	    dir_agency_code_valid(code, err, sizeof(err)) == 0 ?
	    dir_agency_get(r->dir, code, &cur) : DIR_NOT_FOUND;
	if (st != DIR_OK && st != DIR_NOT_FOUND)
		return apid_dir_problem(r, st, "agency");
	if (st == DIR_NOT_FOUND || !api_authz_visible(r->caller, cur->dn)) {
		dir_agency_free(cur);
		return apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0,
		    "no such agency");
	}
	/* where it is now, and where it goes */
	if (apid_agency_under(r, cur->parent, NULL, &ret) != 0)
		goto out;
	moved = in.f.parent != NULL && strcmp(in.f.parent, cur->parent != NULL ?
	    cur->parent : "") != 0;
	if (moved && apid_agency_under(r, in.f.parent, "parent", &ret) != 0)
		goto out;
	o = apid_agency_json(cur);
	apid_etag(o, etag, sizeof(etag));
	json_decref(o);
	if (strcmp(im, etag) != 0 && strcmp(im, "*") != 0) {
		ret = apid_problem(r, 412, "stale", "Precondition failed", "If-Match", NULL, 0,
		    "the agency changed since it was read (ETag %s); read it again", etag);
		goto out;
	}
	if ((al = apid_audit_open(r, &ret)) == NULL)
		goto out;
	/* the ETag was checked on the version cur holds: the server writes only
	 * while the entry is still at it, so a change between this check and
	 * the write is a 412 too ("*" asks for no such check) */
	st = dir_agency_modify(r->dir, cur, &in.f, strcmp(im, "*") != 0 ?
	    DIR_AGENCY_IF_UNCHANGED : 0, err, sizeof(err), &mods);
	if (st == DIR_CHANGED) {
		audit_close(al);
		ret = apid_problem(r, 412, "stale", "Precondition failed", "If-Match", NULL, 0,
		    "the agency changed while it was being modified; read it again");
		goto out;
	}
	if (st != DIR_OK) {
		if (apid_write_unknown(r, al, "agency.modify", code, cur->dn, st, &ret))
			goto out;
		audit_close(al);
		ret = apid_op_problem(r, st, err);
		goto out;
	}
	if (dir_mods_count(mods) > 0)
		apid_audit_mods(r, al, "agency.modify", code, cur->dn, mods, NULL);
	if (audit_close(al) != 0)
		log_warnx("audit log close failed");
	log_info("agency.modify %s by %s from %s: %zu change(s)", code, r->caller->actor,
	    r->client, dir_mods_count(mods));
	if (moved)
		api_agency_tree_invalidate();
	chg = json_array();
	if (in.f.name != NULL)
		apid_change(chg, "name", cur->name, in.f.name);
	if (in.f.level != NULL)
		apid_change(chg, "level", cur->level, in.f.level);
	if (in.f.parent != NULL)
		apid_change(chg, "parent", cur->parent, in.f.parent);
	if (in.f.domain != NULL)
		apid_change(chg, "domain", cur->domain, in.f.domain);
	o = json_object();
	json_object_set_new(o, "changes", chg);
	ret = apid_agency_answer(r, 200, code, o);
out:
	dir_mods_free(mods);
	dir_agency_free(cur);
	return ret;
}
