/*
 * api_role.c — API roles granted to people: each grant is one value of
 * govmailRoleGrant on the person's own account entry ("province-admin", or
 * "ROLE AGENCYCODE"), in the auxiliary class govmailRoleHolder. Account
 * DNs never change (uid is immutable, containers are flat), so grants
 * survive moves and renames, and go away with the account when it is
 * purged. Also: the caller of the API for a person who signed in.
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_authz.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_schema.h"
#include "xmalloc.h"

#define GRANT_MAX 96    /* schema: IA5{96} */

static const char *const role_attrs[] = {
	DIR_AT_MAIL, DIR_AT_ACCOUNT_STATUS, DIR_AT_ROLE_GRANT, "objectClass", NULL
};

/* Parse one stored value into g (strings xmalloc'd). 0, or -1 if it is
 * not a grant this version understands (it is then ignored, not
 * widened). */
static int
grant_parse(struct dir *d, const char *value, struct api_grant *g)
{
	char buf[GRANT_MAX + 1], *sp, errbuf[128];

	memset(g, 0, sizeof(*g));
	if (value == NULL || strlen(value) > GRANT_MAX)
		return -1;
	snprintf(buf, sizeof(buf), "%s", value);
	sp = strchr(buf, ' ');
	if (sp != NULL)
		*sp++ = '\0';
	g->role = api_role_parse(buf);
	if (g->role == API_ROLE_NONE)
		return -1;
	if (g->role == API_ROLE_PROVINCE_ADMIN)
		return sp == NULL ? 0 : -1;
	if (sp == NULL || dir_agency_code_valid(sp, errbuf, sizeof(errbuf)) != 0)
		return -1;
	dir_agency_code_lower(sp);
	g->agency_code = xstrdup(sp);
	g->agency_dn = dir_agency_dn(d, sp);
	if (g->agency_dn == NULL) {
		free(g->agency_code);
		g->agency_code = NULL;
		return -1;
	}
	return 0;
}

static void
grant_clear(struct api_grant *g)
{
	free(g->agency_code);
	free(g->agency_dn);
	memset(g, 0, sizeof(*g));
}

/* The stored value for a grant, or NULL (err says why). */
static char *
grant_value(struct dir *d, enum api_role role, const char *agency_code,
    enum dir_status *st, char *err, size_t errlen)
{
	struct dir_agency *ag = NULL;
	char *code, *v;

	*st = DIR_CONSTRAINT;
	if (api_role_name(role) == NULL) {
		snprintf(err, errlen, "unknown role (province-admin, agency-admin, hr, auditor)");
		return NULL;
	}
	if (role == API_ROLE_PROVINCE_ADMIN) {
		if (agency_code != NULL) {
			snprintf(err, errlen, "province-admin is not limited to an agency: "
			    "give no --agency");
			return NULL;
		}
		*st = DIR_OK;
		return xstrdup(api_role_name(role));
	}
	if (agency_code == NULL) {
		snprintf(err, errlen, "role %s needs the agency it applies to (--agency)",
		    api_role_name(role));
		return NULL;
	}
	code = xstrdup(agency_code);
	dir_agency_code_lower(code);
	if (dir_agency_code_valid(code, err, errlen) != 0) {
		free(code);
		return NULL;
	}
	*st = dir_agency_get(d, code, &ag);
	if (*st != DIR_OK) {
		if (*st == DIR_NOT_FOUND)
			snprintf(err, errlen, "no agency %s", code);
		else
			snprintf(err, errlen, "%s", dir_error(d));
		free(code);
		return NULL;
	}
	dir_agency_free(ag);
	v = xasprintf("%s %s", api_role_name(role), code);
	free(code);
	return v;
}

/* The account entry named by key (address, alias or uid) with its roles. */
static enum dir_status
person_entry(struct dir *d, const char *key, struct dir_entry **out, char *err,
    size_t errlen)
{
	struct dir_entry *found = NULL;
	enum dir_status st;

	*out = NULL;
	st = dir_account_find(d, key, &found);
	if (st != DIR_OK) {
		if (st == DIR_NOT_FOUND)
			snprintf(err, errlen, "no account %s", key);
		else
			snprintf(err, errlen, "%s", dir_error(d));
		return st;
	}
	st = dir_search_one(d, found->dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    role_attrs, out);
	dir_entry_free(found);
	if (st != DIR_OK)
		snprintf(err, errlen, "%s", dir_error(d));
	return st;
}

static int
has_value(const struct dir_attr *a, const char *v)
{
	size_t i;

	for (i = 0; a != NULL && i < a->nvals; i++)
		if (strcasecmp(a->vals[i], v) == 0)
			return 1;
	return 0;
}

enum dir_status
api_role_grant(struct dir *d, const char *key, enum api_role role,
    const char *agency_code, char *err, size_t errlen)
{
	struct dir_entry *e = NULL;
	struct dir_mods *m;
	enum dir_status st;
	char *v;

	if (errlen > 0)
		err[0] = '\0';
	v = grant_value(d, role, agency_code, &st, err, errlen);
	if (v == NULL)
		return st;
	st = person_entry(d, key, &e, err, errlen);
	if (st != DIR_OK) {
		free(v);
		return st;
	}
	if (has_value(dir_entry_attr(e, DIR_AT_ROLE_GRANT), v)) {
		free(v);
		dir_entry_free(e);
		return DIR_OK;
	}
	m = dir_mods_new();
	if (!has_value(dir_entry_attr(e, "objectClass"), DIR_OC_ROLE_HOLDER))
		dir_mods_put(m, DIR_MOD_ADD, "objectClass", DIR_OC_ROLE_HOLDER);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_ROLE_GRANT, v);
	st = dir_modify(d, e->dn, m);
	if (st != DIR_OK)
		snprintf(err, errlen, "%s", dir_error(d));
	dir_mods_free(m);
	dir_entry_free(e);
	free(v);
	return st;
}

enum dir_status
api_role_revoke(struct dir *d, const char *key, enum api_role role,
    const char *agency_code, char *err, size_t errlen)
{
	const struct dir_attr *a;
	struct dir_entry *e = NULL;
	struct dir_mods *m;
	enum dir_status st;
	char *v;
	size_t i;

	if (errlen > 0)
		err[0] = '\0';
	/* A grant of an agency since removed can still be revoked: build the
	 * value without asking whether the agency exists. */
	if (api_role_name(role) == NULL) {
		snprintf(err, errlen, "unknown role");
		return DIR_CONSTRAINT;
	}
	if ((role == API_ROLE_PROVINCE_ADMIN) != (agency_code == NULL)) {
		snprintf(err, errlen, role == API_ROLE_PROVINCE_ADMIN ?
		    "province-admin is not limited to an agency: give no --agency" :
		    "give the agency of the grant (--agency)");
		return DIR_CONSTRAINT;
	}
	if (agency_code != NULL) {
		char *code = xstrdup(agency_code);
		int bad;

		dir_agency_code_lower(code);
		bad = dir_agency_code_valid(code, err, errlen) != 0;
		free(code);
		if (bad)
			return DIR_CONSTRAINT;
	}
	v = agency_code == NULL ? xstrdup(api_role_name(role)) :
	    xasprintf("%s %s", api_role_name(role), agency_code);
	dir_lower(v);
	st = person_entry(d, key, &e, err, errlen);
	if (st != DIR_OK) {
		free(v);
		return st;
	}
	a = dir_entry_attr(e, DIR_AT_ROLE_GRANT);
	if (!has_value(a, v)) {
		snprintf(err, errlen, "%s does not have the role %s", key, v);
		free(v);
		dir_entry_free(e);
		return DIR_NOT_FOUND;
	}
	m = dir_mods_new();
	/* The stored spelling, in case it differs in case. */
	for (i = 0; i < a->nvals; i++)
		if (strcasecmp(a->vals[i], v) == 0)
			dir_mods_put(m, DIR_MOD_DELETE, DIR_AT_ROLE_GRANT, a->vals[i]);
	if (dir_mods_count(m) == a->nvals &&
	    has_value(dir_entry_attr(e, "objectClass"), DIR_OC_ROLE_HOLDER))
		dir_mods_put(m, DIR_MOD_DELETE, "objectClass", DIR_OC_ROLE_HOLDER);
	st = dir_modify(d, e->dn, m);
	if (st != DIR_OK)
		snprintf(err, errlen, "%s", dir_error(d));
	dir_mods_free(m);
	dir_entry_free(e);
	free(v);
	return st;
}

struct role_list_ctx {
	struct dir *d;
	api_role_cb cb;
	void *arg;
	int stopped;
};

static int
role_list_entry(const struct dir_entry *e, void *arg)
{
	struct role_list_ctx *rc = arg;
	const struct dir_attr *a = dir_entry_attr(e, DIR_AT_ROLE_GRANT);
	const char *mail = dir_entry_get(e, DIR_AT_MAIL);
	size_t i;

	for (i = 0; a != NULL && i < a->nvals; i++) {
		struct api_grant g;
		int r;

		if (grant_parse(rc->d, a->vals[i], &g) != 0)
			continue;
		r = rc->cb(mail != NULL ? mail : e->dn, &g, rc->arg);
		grant_clear(&g);
		if (r != 0) {
			rc->stopped = 1;
			return r;
		}
	}
	return 0;
}

enum dir_status
api_role_list(struct dir *d, const char *key, api_role_cb cb, void *arg)
{
	struct role_list_ctx rc = { d, cb, arg, 0 };
	enum dir_status st;
	char errbuf[256];

	if (key != NULL) {
		struct dir_entry *e = NULL;

		st = person_entry(d, key, &e, errbuf, sizeof(errbuf));
		if (st != DIR_OK)
			return st;
		role_list_entry(e, &rc);
		dir_entry_free(e);
		return DIR_OK;
	}
	{
		char *base = xasprintf("%s,%s", DIR_OU_ACCOUNTS, dir_base(d));

		st = dir_search(d, base, LDAP_SCOPE_SUBTREE,
		    "(objectClass=" DIR_OC_ROLE_HOLDER ")", role_attrs,
		    role_list_entry, &rc);
		free(base);
	}
	if (st == DIR_ERROR && rc.stopped)
		return DIR_OK;
	return st;
}

enum dir_status
api_person_caller(struct dir *d, const char *person_dn, struct api_caller **out,
    char *why, size_t whylen)
{
	struct dir_entry *e = NULL;
	const struct dir_attr *a;
	const char *mail, *status;
	struct api_caller *c;
	enum dir_status st;
	size_t i;

	*out = NULL;
	if (whylen > 0)
		why[0] = '\0';
	if (person_dn == NULL) {
		snprintf(why, whylen, "no person");
		return DIR_DENIED;
	}
	st = dir_search_one(d, person_dn, LDAP_SCOPE_BASE,
	    "(objectClass=" DIR_OC_ACCOUNT ")", role_attrs, &e);
	if (st == DIR_NOT_FOUND) {
		snprintf(why, whylen, "%.200s is not an account", person_dn);
		return DIR_DENIED;
	}
	if (st != DIR_OK) {
		snprintf(why, whylen, "directory: %s", dir_error(d));
		return DIR_UNAVAILABLE;
	}
	mail = dir_entry_get(e, DIR_AT_MAIL);
	status = dir_entry_get(e, DIR_AT_ACCOUNT_STATUS);
	if (mail == NULL || status == NULL || strcasecmp(status, DIR_STATUS_ACTIVE) != 0) {
		snprintf(why, whylen, "%s is not active", mail != NULL ? mail : person_dn);
		dir_entry_free(e);
		return DIR_DENIED;
	}
	a = dir_entry_attr(e, DIR_AT_ROLE_GRANT);
	c = xcalloc(1, sizeof(*c));
	c->grants = xcalloc(a != NULL && a->nvals > 0 ? a->nvals : 1, sizeof(*c->grants));
	for (i = 0; a != NULL && i < a->nvals; i++)
		if (grant_parse(d, a->vals[i], &c->grants[c->ngrants]) == 0)
			c->ngrants++;
	if (c->ngrants == 0) {
		snprintf(why, whylen, "%s has no API role", mail);
		dir_entry_free(e);
		api_caller_free(c);
		return DIR_DENIED;
	}
	c->actor = xstrdup(mail);
	c->person_dn = xstrdup(e->dn);
	dir_entry_free(e);
	st = api_agency_tree_current(d, &c->tree);
	if (st != DIR_OK) {
		snprintf(why, whylen, "agency tree: %s", dir_error(d));
		api_caller_free(c);
		return DIR_UNAVAILABLE;
	}
	*out = c;
	return DIR_OK;
}
