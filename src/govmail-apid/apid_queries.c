/*
 * apid_queries.c — the read-only resources of govmail-apid beyond
 * accounts: the agency tree (what the caller may see, with counts=true
 * the accounts of each agency and of its subtree), address
 * suggestions (what the template gives a name, with check=1 the next free
 * one), and the audit log (by time, actor, target, operation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "address_template.h"
#include "api_authz.h"
#include "apid.h"
#include "apid_agency_counts.h"
#include "apid_auth.h"
#include "apid_dispatch.h"
#include "apid_json.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_agency_counts.h"
#include "dir_agency_vec.h"
#include "log.h"
#include "xmalloc.h"

/* The state of apid_query_only's walk over the query parameters. */
struct apid_qc {
	const char *const *allowed;
	size_t maxlen;
	char bad[128], why[128];
};

static enum MHD_Result
apid_qc_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct apid_qc *q = cls;
	size_t i;

	(void)kind;
	for (i = 0; q->allowed[i] != NULL; i++)
		if (strcmp(key, q->allowed[i]) == 0)
			break;
	if (q->allowed[i] == NULL) {
		if (apid_text_ok(key, strlen(key), 100, q->why, sizeof(q->why)) == 0)
			snprintf(q->bad, sizeof(q->bad), "%s", key);
		else
			snprintf(q->bad, sizeof(q->bad), "(a parameter)");
		snprintf(q->why, sizeof(q->why), "unknown parameter");
		return MHD_NO;
	}
	if (value != NULL && apid_text_ok(value, strlen(value), q->maxlen, q->why,
	    sizeof(q->why)) != 0) {
		snprintf(q->bad, sizeof(q->bad), "%s", key);
		return MHD_NO;
	}
	return MHD_YES;
}

int
apid_query_only(struct apid_req *r, const char *const *allowed, int *ret)
{
	struct apid_qc q;

	memset(&q, 0, sizeof(q));
	q.allowed = allowed;
	q.maxlen = (size_t)r->srv->conf->apid_max_string_length;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, apid_qc_cb, &q);
	if (q.bad[0] == '\0')
		return 0;
	*ret = apid_problem(r, 400, "invalid-query", "Invalid query", q.bad, NULL, 0,
	    "%s: %s", q.bad, q.why);
	return -1;
}

static void
apid_set(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v != NULL ? apid_jstr(v) : apid_jnull());
}

/* ---- agencies ----------------------------------------------------------- */

struct apid_agencies {
	struct apid_req *r;
	json_t *items;
};

static json_t *
apid_agency_item(const struct dir_agency *a)
{
	json_t *o = json_object();

	apid_set(o, "code", a->code);
	apid_set(o, "name", a->name);
	apid_set(o, "level", a->level);
	apid_set(o, "parent", a->parent);
	apid_set(o, "domain", a->domain);
	apid_set(o, "status", a->status);
	return o;
}

static int
apid_agency_seen(struct apid_req *r, const struct dir_agency *a)
{
	char rule[256];

	return api_authz_visible(r->caller, a->dn) &&
	    apid_allowed(r, API_OP_AGENCY_READ, a->dn, rule, sizeof(rule));
}

static int
apid_agency_cb(const struct dir_agency *a, void *arg)
{
	struct apid_agencies *l = arg;

	if (apid_agency_seen(l->r, a))
		json_array_append_new(l->items, apid_agency_item(a));
	return 0;
}

/*
 * counts=true: each agency the caller sees with "accounts" (its own) and
 * "accounts_total" (with every agency below it). The counts come from one
 * search of all accounts (apid_agency_counts.h, cached briefly); a subtree
 * the caller sees is wholly within its scope, so its total counts nothing
 * the caller could not list.
 */
static int
apid_agency_list_counts(struct apid_req *r, struct dir *d, json_t *items)
{
	struct dir_agency_vec vec = { NULL, 0, 0 };
	struct dir_agency_counts *c = NULL;
	size_t i, *totals;
	int st;

	if ((st = (int)dir_agency_list(d, NULL, NULL, dir_agency_vec_collect, &vec)) !=
	    DIR_OK || (st = apid_agency_counts(r, d, &c)) != DIR_OK) {
		dir_agency_vec_free(&vec);
		return st;
	}
	dir_agency_vec_sort(&vec);
	totals = xcalloc(vec.n + 1, sizeof(*totals));
	dir_agency_counts_totals(&vec, c, totals);
	for (i = 0; i < vec.n; i++) {
		json_t *o;

		if (!apid_agency_seen(r, &vec.v[i]))
			continue;
		o = apid_agency_item(&vec.v[i]);
		json_object_set_new(o, "accounts",
		    json_integer((json_int_t)dir_agency_counts_get(c, vec.v[i].code)));
		json_object_set_new(o, "accounts_total", json_integer((json_int_t)totals[i]));
		json_array_append_new(items, o);
	}
	free(totals);
	dir_agency_counts_free(c);
	dir_agency_vec_free(&vec);
	return DIR_OK;
}

int
apid_agency_list(struct apid_req *r)
{
	static const char *const allowed[] = { "counts", NULL };
	const char *counts = apid_query(r, "counts");
	struct apid_agencies l;
	struct dir *d;
	json_t *o;
	int st, ret, with_counts = 0;

	if (apid_query_only(r, allowed, &ret) != 0)
		return ret;
	if (counts != NULL) {
		if (strcmp(counts, "true") == 0 || strcmp(counts, "1") == 0)
			with_counts = 1;
		else if (strcmp(counts, "false") != 0 && strcmp(counts, "0") != 0)
			return apid_problem(r, 400, "invalid-query", "Invalid query", "counts",
			    NULL, 0, "counts: true or false");
	}
	if ((d = apid_dir(r)) == NULL)
		return apid_dir_problem(r, DIR_UNAVAILABLE, "agencies");
	l.r = r;
	l.items = json_array();
	if (with_counts)
		st = apid_agency_list_counts(r, d, l.items);
	else
		st = (int)dir_agency_list(d, NULL, NULL, apid_agency_cb, &l);
	if (st != DIR_OK) {
		json_decref(l.items);
		return apid_dir_problem(r, st, "agencies");
	}
	o = json_object();
	json_object_set_new(o, "items", l.items);
	ret = apid_reply(r, 200, o, NULL, NULL);
	json_decref(o);
	return ret;
}

/* ---- address suggestions ---------------------------------------------------- */

int
apid_address_suggest(struct apid_req *r)
{
	static const char *const allowed[] = { "name", "domain", "check", NULL };
	const struct govmail_conf *c = r->srv->conf;
	const char *name = apid_query(r, "name"), *domain = apid_query(r, "domain");
	const char *check = apid_query(r, "check");
	char rule[256], dom[256], local[128], addr[400], err[512];
	json_t *o;
	int ret, st;

	if (apid_query_only(r, allowed, &ret) != 0)
		return ret;
	if (name == NULL || *name == '\0')
		return apid_problem(r, 400, "invalid-query", "Invalid query", "name", NULL, 0,
		    "name: required");
	if (check != NULL && strcmp(check, "0") != 0 && strcmp(check, "1") != 0)
		return apid_problem(r, 400, "invalid-query", "Invalid query", "check", NULL, 0,
		    "check: 0 or 1");
	if (!apid_allowed(r, API_OP_ACCOUNT_CREATE, NULL, rule, sizeof(rule)))
		return apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "may not create accounts");
	snprintf(dom, sizeof(dom), "%s", domain != NULL ? domain : c->addr_default_domain);
	dir_lower(dom);
	if (address_domain_check(dom, err, sizeof(err)) != 0)
		return apid_problem(r, 400, "invalid-query", "Invalid query", "domain", NULL, 0,
		    "domain: %s", err);
	if (check != NULL && strcmp(check, "1") == 0) {
		if (apid_dir(r) == NULL)
			return apid_dir_problem(r, DIR_UNAVAILABLE, "address suggestion");
		st = dir_account_next_free(r->dir, c, name, dom, addr, sizeof(addr), err,
		    sizeof(err));
		if (st != DIR_OK && st != DIR_CONSTRAINT)
			return apid_dir_problem(r, st, "address suggestion");
		if (st != DIR_OK)
			return apid_problem(r, 400, "invalid-query", "Invalid query", "name",
			    NULL, 0, "name: %s", err);
	} else {
		if (address_local_from_name(c->addr_template, name, local, sizeof(local), err,
		    sizeof(err)) != 0)
			return apid_problem(r, 400, "invalid-query", "Invalid query", "name",
			    NULL, 0, "name: %s", err);
		snprintf(addr, sizeof(addr), "%s@%s", local, dom);
	}
	o = json_object();
	apid_set(o, "name", name);
	apid_set(o, "address", addr);
	json_object_set_new(o, "checked", json_boolean(check != NULL &&
	    strcmp(check, "1") == 0));
	ret = apid_reply(r, 200, o, NULL, NULL);
	json_decref(o);
	return ret;
}

/* ---- audit -------------------------------------------------------------------- */

/*
 * The audit log is read from its file (JSON lines, oldest first), the
 * newest `limit` matches returned newest first. A caller without a
 * province-wide grant sees the records whose target is an account in its
 * scope now (one directory look-up per distinct target).
 */
struct apid_seen {
	char *target;
	int visible;
};

static int
apid_audit_visible(struct apid_req *r, const char *target, struct apid_seen *seen,
    size_t *nseen, size_t maxseen)
{
	struct account *a = NULL;
	char *adn;
	size_t i;
	int vis = 0;

	for (i = 0; i < *nseen; i++)
		if (strcmp(seen[i].target, target) == 0)
			return seen[i].visible;
	if (dir_account_get(r->dir, target, &a) == DIR_OK && a->agency != NULL &&
	    (adn = dir_agency_dn(r->dir, a->agency)) != NULL) {
		vis = api_authz_visible(r->caller, adn);
		free(adn);
	}
	account_free(a);
	if (*nseen < maxseen) {
		seen[*nseen].target = xstrdup(target);
		seen[*nseen].visible = vis;
		(*nseen)++;
	}
	return vis;
}

int
apid_audit_query(struct apid_req *r)
{
	static const char *const allowed[] = { "since", "until", "actor", "target", "op",
	    "limit", NULL };
	const struct govmail_conf *c = r->srv->conf;
	const char *since = apid_query(r, "since"), *until = apid_query(r, "until");
	const char *actor = apid_query(r, "actor"), *target = apid_query(r, "target");
	const char *op = apid_query(r, "op"), *lim = apid_query(r, "limit");
	struct apid_seen *seen;
	size_t nseen = 0, i, n = 0, limit = (size_t)c->apid_page_size;
	json_t **ring, *o, *items;
	char rule[256], *path, *line = NULL, *end;
	size_t cap = 0;
	int province = 0, ret;
	ssize_t len;
	FILE *fp;

	if (apid_query_only(r, allowed, &ret) != 0)
		return ret;
	if (lim != NULL) {
		long long v = strtoll(lim, &end, 10);

		if (*end != '\0' || v < 1 || v > c->apid_max_page_size)
			return apid_problem(r, 400, "invalid-query", "Invalid query", "limit",
			    "apid.max_page_size", 0, "limit: 1 to %d", c->apid_max_page_size);
		limit = (size_t)v;
	}
	if (!apid_allowed(r, API_OP_AUDIT_READ, NULL, rule, sizeof(rule)))
		return apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "may not read the audit log");
	for (i = 0; i < r->caller->ngrants; i++)
		if (r->caller->grants[i].role == API_ROLE_PROVINCE_ADMIN)
			province = 1;
	if (!province && apid_dir(r) == NULL)
		return apid_dir_problem(r, DIR_UNAVAILABLE, "audit");
	path = conf_resolve_path(c, c->audit_log_file);
	fp = fopen(path, "r");
	free(path);
	ring = xcalloc(limit, sizeof(*ring));
	seen = xcalloc(4096, sizeof(*seen));
	while (fp != NULL && (len = getline(&line, &cap, fp)) > 0) {
		json_t *rec = json_loadb(line, (size_t)len, 0, NULL);
		const char *t = json_string_value(json_object_get(rec, "time"));
		const char *a = json_string_value(json_object_get(rec, "actor"));
		const char *g = json_string_value(json_object_get(rec, "target"));
		const char *p = json_string_value(json_object_get(rec, "op"));

		/* times are ISO 8601 UTC of one form: compared as text */
		if (rec == NULL || t == NULL || (since != NULL && strcmp(t, since) < 0) ||
		    (until != NULL && strcmp(t, until) >= 0) ||
		    (actor != NULL && (a == NULL || strcmp(a, actor) != 0)) ||
		    (target != NULL && (g == NULL || strcasecmp(g, target) != 0)) ||
		    (op != NULL && (p == NULL || strcmp(p, op) != 0)) ||
		    (!province && (g == NULL ||
		    !apid_audit_visible(r, g, seen, &nseen, 4096)))) {
			json_decref(rec);
			continue;
		}
		json_decref(ring[n % limit]);
		ring[n % limit] = rec;
		n++;
	}
	if (fp != NULL)
		fclose(fp);
	free(line);
	items = json_array();
	for (i = 0; i < limit && i < n; i++)
		json_array_append_new(items, ring[(n - 1 - i) % limit]);
	free(ring);
	for (i = 0; i < nseen; i++)
		free(seen[i].target);
	free(seen);
	o = json_object();
	json_object_set_new(o, "items", items);
	ret = apid_reply(r, 200, o, NULL, NULL);
	json_decref(o);
	return ret;
}
