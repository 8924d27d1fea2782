/*
 * dir_reorg.c — agency merge and domain migration (see dir_reorg.h).
 *
 * Every account, agency and domain entry is changed by exactly one modify
 * operation, which slapd applies atomically. For a migrating account that
 * one operation replaces the primary address and adds the old one as an
 * alias, so there is no moment at which mail to either address bounces and
 * no account is ever half migrated; an interrupted run only leaves some
 * entries done and others untouched, and the next plan picks up the rest.
 * The final step (SRC retired, OLD an alias domain) comes last, so it is
 * a reliable sign that everything before it was done.
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address_template.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_domain.h"
#include "dir_escape.h"
#include "dir_reorg.h"
#include "dir_schema.h"
#include "xmalloc.h"

#define REORG_RETIRED      "retired"
#define REORG_DOMAIN_ALIAS "alias"
#define REORG_APPLY_TRIES  3     /* modify attempts for one migrating account */

/* ---- small helpers ---- */

static char *
reorg_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
reorg_push(char ***v, size_t *n, const char *s)
{
	*v = xgrowarray(*v, *n, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static int
reorg_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Is value among the values of attr in e (case-insensitive)? */
static int
reorg_entry_has(const struct dir_entry *e, const char *attr, const char *value)
{
	const struct dir_attr *a = dir_entry_attr(e, attr);

	return a != NULL && reorg_has(a->vals, a->nvals, value);
}

/* Length of the local part if addr is in domain (case-insensitive), else 0. */
static size_t
reorg_local_len(const char *addr, const char *domain)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL || at == addr || strcasecmp(at + 1, domain) != 0)
		return 0;
	return (size_t)(at - addr);
}

/* local@domain in lower case. */
static char *
reorg_address(const char *local, size_t len, const char *domain)
{
	char *a = xasprintf("%.*s@%s", (int)len, local, domain);

	dir_lower(a);
	return a;
}

static char *
reorg_container(struct dir *d, const char *ou)
{
	return xasprintf("%s,%s", ou, dir_base(d));
}

static int
reorg_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
reorg_cmp_account(const void *a, const void *b)
{
	const struct dir_reorg_account *x = a, *y = b;

	return strcmp(x->uid, y->uid);
}

static int
reorg_cmp_agency(const void *a, const void *b)
{
	const struct dir_reorg_agency *x = a, *y = b;

	return strcmp(x->code, y->code);
}

/* ---- plans ---- */

static struct dir_reorg_plan *
reorg_plan_new(enum dir_reorg_kind kind, const char *from, const char *to,
    const char *scope)
{
	struct dir_reorg_plan *p = xcalloc(1, sizeof(*p));

	p->kind = kind;
	p->from = xstrdup(from);
	p->to = xstrdup(to);
	p->scope = reorg_dup(scope);
	if (kind == DIR_REORG_MERGE)
		p->source = xasprintf("merge %s->%s", from, to);
	else if (scope != NULL)
		p->source = xasprintf("migrate %s->%s agency %s", from, to, scope);
	else
		p->source = xasprintf("migrate %s->%s", from, to);
	p->final = DIR_REORG_FINAL_NONE;
	return p;
}

static struct dir_reorg_account *
reorg_add_account(struct dir_reorg_plan *p, const struct dir_entry *e)
{
	struct dir_reorg_account *a;
	const char *uid = dir_entry_get(e, DIR_AT_UID);

	p->accounts = xgrowarray(p->accounts, p->naccounts, sizeof(*p->accounts));
	a = &p->accounts[p->naccounts++];
	memset(a, 0, sizeof(*a));
	a->dn = xstrdup(e->dn);
	a->uid = xstrdup(uid != NULL ? uid : "");
	a->address = xstrdup(dir_entry_get(e, DIR_AT_MAIL));
	dir_lower(a->address);
	a->agency = reorg_dup(dir_entry_get(e, DIR_AT_AGENCY));
	return a;
}

static void
reorg_add_agency(struct dir_reorg_plan *p, const char *dn, const char *code,
    const char *from)
{
	struct dir_reorg_agency *g;

	p->agencies = xgrowarray(p->agencies, p->nagencies, sizeof(*p->agencies));
	g = &p->agencies[p->nagencies++];
	g->dn = xstrdup(dn);
	g->code = xstrdup(code);
	g->from = reorg_dup(from);
	g->done = 0;
}

static void
reorg_account_clear(struct dir_reorg_account *a)
{
	free(a->dn);
	free(a->uid);
	free(a->address);
	free(a->agency);
	free(a->new_address);
	xfreev(a->add_aliases, a->nadd_aliases);
	xfreev(a->skipped, a->nskipped);
	free(a->conflict_uid);
	free(a->conflict_address);
	free(a->conflict_why);
}

void
dir_reorg_plan_free(struct dir_reorg_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->naccounts; i++)
		reorg_account_clear(&p->accounts[i]);
	free(p->accounts);
	for (i = 0; i < p->nagencies; i++) {
		free(p->agencies[i].dn);
		free(p->agencies[i].code);
		free(p->agencies[i].from);
	}
	free(p->agencies);
	free(p->from);
	free(p->to);
	free(p->scope);
	free(p->source);
	free(p->final_dn);
	free(p);
}

static void
reorg_sort(struct dir_reorg_plan *p)
{
	if (p->naccounts > 1)
		qsort(p->accounts, p->naccounts, sizeof(*p->accounts), reorg_cmp_account);
	if (p->nagencies > 1)
		qsort(p->agencies, p->nagencies, sizeof(*p->agencies), reorg_cmp_agency);
}

int
dir_reorg_has_work(const struct dir_reorg_plan *p)
{
	size_t i;

	if (p->final == DIR_REORG_FINAL_TODO)
		return 1;
	for (i = 0; i < p->nagencies; i++)
		if (!p->agencies[i].done)
			return 1;
	for (i = 0; i < p->naccounts; i++)
		if (!p->accounts[i].done && p->accounts[i].conflict_why == NULL)
			return 1;
	return 0;
}

/* ---- agency merge ---- */

static const char *const reorg_agency_attrs[] = {
	DIR_AT_AGENCY_CODE, DIR_AT_PARENT_AGENCY, DIR_AT_AGENCY_STATUS,
	DIR_AT_DESCRIPTION, NULL
};

/* The agency entry with this code (with its description). */
static enum dir_status
reorg_agency_entry(struct dir *d, const char *code, struct dir_entry **out)
{
	char *filter, *base;
	enum dir_status st;

	*out = NULL;
	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_AGENCY ")(" DIR_AT_AGENCY_CODE
	    "=%s))", code);
	if (filter == NULL)
		return DIR_ERROR;
	base = reorg_container(d, DIR_OU_AGENCIES);
	st = dir_search_one(d, base, LDAP_SCOPE_ONELEVEL, filter, reorg_agency_attrs, out);
	free(base);
	free(filter);
	return st;
}

static int
reorg_is_retired(const struct dir_entry *e)
{
	const char *s = dir_entry_get(e, DIR_AT_AGENCY_STATUS);

	return s != NULL && strcasecmp(s, REORG_RETIRED) == 0;
}

/* The "merged into" note naming dst, if the agency has one (else NULL). */
static const char *
reorg_merged_note(const struct dir_entry *e, const char *dst)
{
	const struct dir_attr *a = dir_entry_attr(e, DIR_AT_DESCRIPTION);
	size_t i, n = strlen(DIR_REORG_MERGED_NOTE);

	for (i = 0; a != NULL && i < a->nvals; i++) {
		const char *v = a->vals[i];

		if (strncasecmp(v, DIR_REORG_MERGED_NOTE " ", n + 1) != 0)
			continue;
		v += n + 1;
		if (dst == NULL)
			return a->vals[i];
		if (strncasecmp(v, dst, strlen(dst)) == 0 &&
		    (v[strlen(dst)] == '\0' || v[strlen(dst)] == ' '))
			return a->vals[i];
	}
	return NULL;
}

/* Every agency's code and parent, for the depth check. */
struct reorg_edges {
	char **code;
	char **parent;
	size_t n;
};

static int
reorg_edge_cb(const struct dir_agency *a, void *arg)
{
	struct reorg_edges *g = arg;

	g->code = xgrowarray(g->code, g->n, sizeof(*g->code));
	g->parent = xgrowarray(g->parent, g->n, sizeof(*g->parent));
	g->code[g->n] = xstrdup(a->code);
	g->parent[g->n] = reorg_dup(a->parent);
	g->n++;
	return 0;
}

static void
reorg_edges_free(struct reorg_edges *g)
{
	xfreev(g->code, g->n);
	xfreev(g->parent, g->n);
}

/* Number of agencies above code (bounded, so a stored cycle cannot loop). */
static size_t
reorg_ancestors(const struct reorg_edges *g, const char *code)
{
	const char *cur = code;
	size_t depth = 0, i;

	while (depth <= 2 * DIR_AGENCY_MAX_DEPTH) {
		for (i = 0; i < g->n && strcmp(g->code[i], cur) != 0; i++)
			;
		if (i == g->n || g->parent[i] == NULL || g->parent[i][0] == '\0')
			break;
		cur = g->parent[i];
		depth++;
	}
	return depth;
}

/*
 * dst must not be src nor below it (the merge would make a cycle), and
 * every agency below src, once under dst, must stay within the depth bound.
 */
static enum dir_status
reorg_merge_check_tree(struct dir *d, const char *src, const char *dst, char *err,
    size_t errlen)
{
	struct reorg_edges g = { NULL, NULL, 0 };
	char **codes = NULL;
	size_t ncodes = 0, i, a_src, a_dst;
	enum dir_status st;

	st = (enum dir_status)dir_agency_descendants(d, src, &codes, &ncodes);
	if (st != DIR_OK) {
		snprintf(err, errlen, "reading the agencies below '%s': %s", src,
		    dir_error(d));
		return st;
	}
	for (i = 0; i < ncodes; i++) {
		if (strcmp(codes[i], dst) == 0) {
			snprintf(err, errlen, "'%s' is below '%s': merging '%s' into it "
			    "would create a cycle", dst, src, src);
			dir_agency_codes_free(codes, ncodes);
			return DIR_CONSTRAINT;
		}
	}
	st = dir_agency_list(d, NULL, NULL, reorg_edge_cb, &g);
	if (st != DIR_OK) {
		snprintf(err, errlen, "reading the agency tree: %s", dir_error(d));
		dir_agency_codes_free(codes, ncodes);
		reorg_edges_free(&g);
		return st;
	}
	a_src = reorg_ancestors(&g, src);
	a_dst = reorg_ancestors(&g, dst);
	/* codes[0] is src itself, which stays where it is. */
	for (i = 1; i < ncodes; i++) {
		size_t now = reorg_ancestors(&g, codes[i]);
		size_t after = now - (now > a_src ? a_src : now) + a_dst;

		if (after >= DIR_AGENCY_MAX_DEPTH) {
			snprintf(err, errlen, "after the merge '%s' would be %zu levels "
			    "down the agency tree (at most %d)", codes[i], after,
			    DIR_AGENCY_MAX_DEPTH - 1);
			dir_agency_codes_free(codes, ncodes);
			reorg_edges_free(&g);
			return DIR_CONSTRAINT;
		}
	}
	dir_agency_codes_free(codes, ncodes);
	reorg_edges_free(&g);
	return DIR_OK;
}

static int
reorg_merge_account_cb(const struct dir_entry *e, void *arg)
{
	struct dir_reorg_plan *p = arg;

	if (dir_entry_get(e, DIR_AT_MAIL) == NULL)
		return 0;
	reorg_add_account(p, e);
	return 0;
}

static int
reorg_merge_child_cb(const struct dir_agency *a, void *arg)
{
	struct dir_reorg_plan *p = arg;

	reorg_add_agency(p, a->dn, a->code, a->parent);
	return 0;
}

static const char *const reorg_account_attrs[] = {
	DIR_AT_UID, DIR_AT_MAIL, DIR_AT_ALIAS, DIR_AT_AGENCY, NULL
};

enum dir_status
dir_reorg_merge_plan(struct dir *d, const char *src, const char *dst,
    struct dir_reorg_plan **out, char *err, size_t errlen)
{
	struct dir_entry *es = NULL, *ed = NULL;
	struct dir_reorg_plan *p;
	char *filter, *base;
	enum dir_status st;
	const char *note;

	*out = NULL;
	if (strcmp(src, dst) == 0) {
		snprintf(err, errlen, "cannot merge agency '%s' into itself", src);
		return DIR_CONSTRAINT;
	}
	st = reorg_agency_entry(d, src, &es);
	if (st == DIR_OK)
		st = reorg_agency_entry(d, dst, &ed);
	if (st != DIR_OK) {
		if (st == DIR_NOT_FOUND)
			snprintf(err, errlen, "unknown agency '%s'", es == NULL ? src : dst);
		else
			snprintf(err, errlen, "looking up the agencies: %s", dir_error(d));
		dir_entry_free(es);
		return st;
	}
	if (reorg_is_retired(ed)) {
		note = reorg_merged_note(ed, NULL);
		snprintf(err, errlen, "agency '%s' is retired%s%s%s: it cannot receive "
		    "accounts", dst, note ? " (" : "", note ? note : "", note ? ")" : "");
		dir_entry_free(es);
		dir_entry_free(ed);
		return DIR_CONSTRAINT;
	}
	dir_entry_free(ed);
	if ((st = reorg_merge_check_tree(d, src, dst, err, errlen)) != DIR_OK) {
		dir_entry_free(es);
		return st;
	}

	p = reorg_plan_new(DIR_REORG_MERGE, src, dst, NULL);
	p->final_dn = xstrdup(es->dn);
	p->final_status = !reorg_is_retired(es);
	p->final_note = reorg_merged_note(es, dst) == NULL;
	p->final = (p->final_status || p->final_note) ? DIR_REORG_FINAL_TODO :
	    DIR_REORG_FINAL_DONE;
	dir_entry_free(es);

	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_ACCOUNT ")(" DIR_AT_AGENCY
	    "=%s))", src);
	base = reorg_container(d, DIR_OU_ACCOUNTS);
	st = dir_search(d, base, LDAP_SCOPE_SUBTREE, filter, reorg_account_attrs,
	    reorg_merge_account_cb, p);
	free(base);
	free(filter);
	if (st == DIR_OK)
		st = dir_agency_list(d, src, NULL, reorg_merge_child_cb, p);
	if (st != DIR_OK) {
		snprintf(err, errlen, "reading what agency '%s' holds: %s", src, dir_error(d));
		dir_reorg_plan_free(p);
		return st;
	}
	reorg_sort(p);
	*out = p;
	return DIR_OK;
}

/* ---- domain migration ---- */

/* Who holds an address in NEW: sorted by address for bsearch. */
struct reorg_owner {
	char *addr;
	char *dn;
	char *uid;
	char *mail;
};

struct reorg_owners {
	struct reorg_owner *v;
	size_t n;
	const char *domain;
};

static void
reorg_owner_push(struct reorg_owners *o, const char *addr, const struct dir_entry *e)
{
	struct reorg_owner *w;

	o->v = xgrowarray(o->v, o->n, sizeof(*o->v));
	w = &o->v[o->n++];
	w->addr = xstrdup(addr);
	dir_lower(w->addr);
	w->dn = xstrdup(e->dn);
	w->uid = reorg_dup(dir_entry_get(e, DIR_AT_UID));
	w->mail = reorg_dup(dir_entry_get(e, DIR_AT_MAIL));
}

static int
reorg_owners_cb(const struct dir_entry *e, void *arg)
{
	struct reorg_owners *o = arg;
	const struct dir_attr *a;
	size_t i;

	a = dir_entry_attr(e, DIR_AT_MAIL);
	for (i = 0; a != NULL && i < a->nvals; i++)
		if (reorg_local_len(a->vals[i], o->domain) > 0)
			reorg_owner_push(o, a->vals[i], e);
	a = dir_entry_attr(e, DIR_AT_ALIAS);
	for (i = 0; a != NULL && i < a->nvals; i++)
		if (reorg_local_len(a->vals[i], o->domain) > 0)
			reorg_owner_push(o, a->vals[i], e);
	return 0;
}

static int
reorg_cmp_owner(const void *a, const void *b)
{
	const struct reorg_owner *x = a, *y = b;

	return strcmp(x->addr, y->addr);
}

static const struct reorg_owner *
reorg_owner_find(const struct reorg_owners *o, const char *addr)
{
	struct reorg_owner key;

	if (o->n == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.addr = (char *)addr;
	return bsearch(&key, o->v, o->n, sizeof(*o->v), reorg_cmp_owner);
}

static void
reorg_owners_free(struct reorg_owners *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		free(o->v[i].addr);
		free(o->v[i].dn);
		free(o->v[i].uid);
		free(o->v[i].mail);
	}
	free(o->v);
}

static void
reorg_set_conflict(struct dir_reorg_account *a, const char *uid, const char *mail)
{
	free(a->conflict_uid);
	free(a->conflict_address);
	free(a->conflict_why);
	a->conflict_uid = reorg_dup(uid);
	a->conflict_address = reorg_dup(mail);
	a->conflict_why = xasprintf("%s is already used by account %s (%s)",
	    a->new_address, uid ? uid : "?", mail ? mail : "?");
}

struct reorg_migrate_ctx {
	struct dir_reorg_plan *p;
	const struct reorg_owners *owners;
	char **scope;           /* sorted agency codes, or NULL: every account */
	size_t nscope;
};

/* What migrating one account means: new primary, aliases, or a conflict. */
static void
reorg_migrate_account(struct reorg_migrate_ctx *c, const struct dir_entry *e)
{
	struct dir_reorg_plan *p = c->p;
	const char *mail = dir_entry_get(e, DIR_AT_MAIL);
	const struct dir_attr *al;
	const struct reorg_owner *w;
	struct dir_reorg_account *a;
	char errbuf[256];
	size_t len, i;

	a = reorg_add_account(p, e);
	len = reorg_local_len(mail, p->from);
	a->new_address = reorg_address(mail, len, p->to);
	if (address_check(a->new_address, errbuf, sizeof(errbuf)) != 0) {
		a->conflict_why = xasprintf("%s is not a valid address: %s",
		    a->new_address, errbuf);
		p->nconflicts++;
		return;
	}
	w = reorg_owner_find(c->owners, a->new_address);
	if (w != NULL && strcasecmp(w->dn, e->dn) != 0) {
		reorg_set_conflict(a, w->uid, w->mail);
		p->nconflicts++;
		return;
	}
	a->promote = w != NULL;
	/* The old primary address stays deliverable as an alias. */
	if (!reorg_entry_has(e, DIR_AT_ALIAS, a->address))
		reorg_push(&a->add_aliases, &a->nadd_aliases, a->address);
	/* Each alias in OLD also gets its counterpart in NEW, when free. */
	al = dir_entry_attr(e, DIR_AT_ALIAS);
	for (i = 0; al != NULL && i < al->nvals; i++) {
		char *na;

		if ((len = reorg_local_len(al->vals[i], p->from)) == 0)
			continue;
		na = reorg_address(al->vals[i], len, p->to);
		if (strcmp(na, a->new_address) == 0 || reorg_entry_has(e, DIR_AT_ALIAS, na) ||
		    reorg_has(a->add_aliases, a->nadd_aliases, na)) {
			free(na);
			continue;
		}
		w = reorg_owner_find(c->owners, na);
		if ((w != NULL && strcasecmp(w->dn, e->dn) != 0) ||
		    address_check(na, errbuf, sizeof(errbuf)) != 0)
			reorg_push(&a->skipped, &a->nskipped, na);
		else if (w == NULL)
			reorg_push(&a->add_aliases, &a->nadd_aliases, na);
		free(na);
	}
}

static int
reorg_migrate_cb(const struct dir_entry *e, void *arg)
{
	struct reorg_migrate_ctx *c = arg;
	const char *mail = dir_entry_get(e, DIR_AT_MAIL), *agency;

	/* The substring filter is only a pre-selection: the domain must match
	 * exactly (it does, but an index or matching rule is not a proof). */
	if (mail == NULL || reorg_local_len(mail, c->p->from) == 0)
		return 0;
	if (c->scope != NULL) {
		char *lower;
		int in;

		if ((agency = dir_entry_get(e, DIR_AT_AGENCY)) == NULL)
			return 0;
		lower = xstrdup(agency);
		dir_agency_code_lower(lower);
		in = bsearch(&lower, c->scope, c->nscope, sizeof(*c->scope),
		    reorg_cmp_str) != NULL;
		free(lower);
		if (!in)
			return 0;
	}
	reorg_migrate_account(c, e);
	return 0;
}

struct reorg_agency_ctx {
	struct dir_reorg_plan *p;
	char **scope;
	size_t nscope;
	int default_old;        /* agencies without a domain of their own use OLD */
};

static int
reorg_migrate_agency_cb(const struct dir_entry *e, void *arg)
{
	struct reorg_agency_ctx *c = arg;
	struct dir_agency a;

	if (dir_agency_from_entry(e, &a) != 0)
		return 0;
	if (((a.domain != NULL && strcasecmp(a.domain, c->p->from) == 0) ||
	    (a.domain == NULL && c->default_old)) &&
	    (c->scope == NULL || bsearch(&a.code, c->scope, c->nscope,
	    sizeof(*c->scope), reorg_cmp_str) != NULL))
		reorg_add_agency(c->p, a.dn, a.code, c->p->from);
	dir_agency_clear(&a);
	return 0;
}

/* Both domains must qualify; fills the final step of the plan. */
static enum dir_status
reorg_migrate_domains(struct dir *d, struct dir_reorg_plan *p, char *err,
    size_t errlen)
{
	struct dir_domain *old = NULL, *nw = NULL;
	enum dir_status st;

	if (strcmp(p->from, p->to) == 0) {
		snprintf(err, errlen, "old and new domain are the same (%s)", p->from);
		return DIR_CONSTRAINT;
	}
	st = dir_domain_get(d, p->to, &nw);
	if (st == DIR_NOT_FOUND) {
		snprintf(err, errlen, "'%s' is not a governed domain (add it first: "
		    "govmailctl domain add %s)", p->to, p->to);
		return DIR_CONSTRAINT;
	}
	if (st == DIR_OK && nw->status != NULL && strcasecmp(nw->status, "active") != 0) {
		snprintf(err, errlen, "domain '%s' is %s, not active", p->to, nw->status);
		dir_domain_free(nw);
		return DIR_CONSTRAINT;
	}
	dir_domain_free(nw);
	if (st == DIR_OK)
		st = dir_domain_get(d, p->from, &old);
	if (st == DIR_NOT_FOUND) {
		snprintf(err, errlen, "'%s' is not a governed domain", p->from);
		return DIR_CONSTRAINT;
	}
	if (st != DIR_OK) {
		snprintf(err, errlen, "looking up the domains: %s", dir_error(d));
		return st;
	}
	if (old->status != NULL && strcasecmp(old->status, REORG_DOMAIN_ALIAS) == 0) {
		if (old->alias_target == NULL || strcasecmp(old->alias_target, p->to) != 0) {
			snprintf(err, errlen, "domain '%s' is already an alias of '%s'",
			    p->from, old->alias_target ? old->alias_target : "?");
			dir_domain_free(old);
			return DIR_CONSTRAINT;
		}
		p->final = DIR_REORG_FINAL_DONE;
	} else if (old->status != NULL && strcasecmp(old->status, "active") != 0) {
		snprintf(err, errlen, "domain '%s' is %s: only an active domain can be "
		    "migrated", p->from, old->status);
		dir_domain_free(old);
		return DIR_CONSTRAINT;
	} else
		p->final = DIR_REORG_FINAL_TODO;
	p->final_dn = xstrdup(old->dn);
	p->final_status = p->final == DIR_REORG_FINAL_TODO;
	dir_domain_free(old);
	return DIR_OK;
}

/* Addresses in domain (mail or alias), one search. */
static enum dir_status
reorg_load_owners(struct dir *d, const char *domain, struct reorg_owners *o)
{
	static const char *const attrs[] = { DIR_AT_UID, DIR_AT_MAIL, DIR_AT_ALIAS, NULL };
	char *esc = dir_escape_filter(domain), *filter, *base;
	enum dir_status st;

	o->v = NULL;
	o->n = 0;
	o->domain = domain;
	filter = xasprintf("(|(" DIR_AT_MAIL "=*@%s)(" DIR_AT_ALIAS "=*@%s))", esc, esc);
	base = reorg_container(d, DIR_OU_ACCOUNTS);
	st = dir_search(d, base, LDAP_SCOPE_SUBTREE, filter, attrs, reorg_owners_cb, o);
	free(base);
	free(filter);
	free(esc);
	if (st == DIR_OK && o->n > 1)
		qsort(o->v, o->n, sizeof(*o->v), reorg_cmp_owner);
	return st;
}

enum dir_status
dir_reorg_migrate_plan(struct dir *d, const char *old_domain, const char *new_domain,
    const char *agency, const char *default_domain, struct dir_reorg_plan **out,
    char *err, size_t errlen)
{
	struct reorg_owners owners = { NULL, 0, NULL };
	struct reorg_migrate_ctx mc;
	struct reorg_agency_ctx ac;
	struct dir_reorg_plan *p;
	char **scope = NULL, *esc, *filter, *base;
	size_t nscope = 0;
	enum dir_status st;

	*out = NULL;
	p = reorg_plan_new(DIR_REORG_MIGRATE, old_domain, new_domain, agency);
	if ((st = reorg_migrate_domains(d, p, err, errlen)) != DIR_OK) {
		dir_reorg_plan_free(p);
		return st;
	}
	if (agency != NULL) {
		/* Only this agency and those below it; OLD stays a domain. */
		st = (enum dir_status)dir_agency_descendants(d, agency, &scope, &nscope);
		if (st != DIR_OK) {
			if (st == DIR_NOT_FOUND)
				snprintf(err, errlen, "unknown agency '%s'", agency);
			else
				snprintf(err, errlen, "reading the agencies below '%s': %s",
				    agency, dir_error(d));
			dir_reorg_plan_free(p);
			return st;
		}
		if (nscope > 1)
			qsort(scope, nscope, sizeof(*scope), reorg_cmp_str);
		p->final = DIR_REORG_FINAL_NONE;
		p->final_status = 0;
	}
	if ((st = reorg_load_owners(d, new_domain, &owners)) != DIR_OK) {
		snprintf(err, errlen, "reading the addresses in %s: %s", new_domain,
		    dir_error(d));
		goto fail;
	}
	mc.p = p;
	mc.owners = &owners;
	mc.scope = scope;
	mc.nscope = nscope;
	esc = dir_escape_filter(old_domain);
	filter = xasprintf("(&(objectClass=" DIR_OC_ACCOUNT ")(" DIR_AT_MAIL "=*@%s))", esc);
	free(esc);
	base = reorg_container(d, DIR_OU_ACCOUNTS);
	st = dir_search(d, base, LDAP_SCOPE_SUBTREE, filter, reorg_account_attrs,
	    reorg_migrate_cb, &mc);
	free(base);
	free(filter);
	if (st != DIR_OK) {
		snprintf(err, errlen, "reading the accounts in %s: %s", old_domain,
		    dir_error(d));
		goto fail;
	}
	ac.p = p;
	ac.scope = scope;
	ac.nscope = nscope;
	/* With --agency, the agencies in scope that follow the configured
	 * default (OLD) get NEW as their own; after a whole migration the
	 * default itself must change (dir_account_domain_ok says so). */
	ac.default_old = scope != NULL && default_domain != NULL &&
	    strcasecmp(default_domain, old_domain) == 0;
	filter = dir_filter_fmt(ac.default_old ? "(&(objectClass=" DIR_OC_AGENCY ")(|("
	    DIR_AT_MAIL_DOMAIN "=%s)(!(" DIR_AT_MAIL_DOMAIN "=*))))" :
	    "(&(objectClass=" DIR_OC_AGENCY ")(" DIR_AT_MAIL_DOMAIN "=%s))", old_domain);
	base = reorg_container(d, DIR_OU_AGENCIES);
	st = dir_search(d, base, LDAP_SCOPE_ONELEVEL, filter, dir_agency_attrs,
	    reorg_migrate_agency_cb, &ac);
	free(base);
	free(filter);
	if (st != DIR_OK) {
		snprintf(err, errlen, "reading the agencies using %s: %s", old_domain,
		    dir_error(d));
		goto fail;
	}
	if (p->final == DIR_REORG_FINAL_TODO && p->nconflicts > 0) {
		p->final = DIR_REORG_FINAL_BLOCKED;
		snprintf(p->blocked_why, sizeof(p->blocked_why), "%zu account%s could "
		    "not be migrated", p->nconflicts, p->nconflicts == 1 ? "" : "s");
	}
	reorg_owners_free(&owners);
	dir_agency_codes_free(scope, nscope);
	reorg_sort(p);
	*out = p;
	return DIR_OK;
fail:
	reorg_owners_free(&owners);
	dir_agency_codes_free(scope, nscope);
	dir_reorg_plan_free(p);
	return st;
}

/* ---- applying ---- */

/* The account holding addr now, other than the one at self_dn: 1 and its
 * uid/mail (malloc'd), 0 if none, -1 on an LDAP error. */
static int
reorg_other_owner(struct dir *d, const char *addr, const char *self_dn,
    char **uid, char **mail)
{
	static const char *const attrs[] = { DIR_AT_UID, DIR_AT_MAIL, NULL };
	struct dir_entry *e = NULL;
	char *filter, *base;
	enum dir_status st;
	int rc;

	*uid = *mail = NULL;
	filter = dir_filter_fmt("(|(" DIR_AT_MAIL "=%s)(" DIR_AT_ALIAS "=%s))", addr, addr);
	base = reorg_container(d, DIR_OU_ACCOUNTS);
	st = dir_search_one(d, base, LDAP_SCOPE_SUBTREE, filter, attrs, &e);
	free(base);
	free(filter);
	if (st == DIR_NOT_FOUND)
		return 0;
	if (st == DIR_CONSTRAINT)       /* several entries: taken in any case */
		return 1;
	if (st != DIR_OK)
		return -1;
	rc = strcasecmp(e->dn, self_dn) != 0;
	if (rc) {
		*uid = reorg_dup(dir_entry_get(e, DIR_AT_UID));
		*mail = reorg_dup(dir_entry_get(e, DIR_AT_MAIL));
	}
	dir_entry_free(e);
	return rc;
}

static struct dir_mods *
reorg_account_mods(const struct dir_reorg_plan *p, const struct dir_reorg_account *a)
{
	struct dir_mods *m = dir_mods_new();
	size_t i;

	if (p->kind == DIR_REORG_MERGE) {
		dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_AGENCY, p->to);
		return m;
	}
	if (a->promote)
		dir_mods_put(m, DIR_MOD_DELETE, DIR_AT_ALIAS, a->new_address);
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_MAIL, a->new_address);
	for (i = 0; i < a->nadd_aliases; i++)
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_ALIAS, a->add_aliases[i]);
	return m;
}

/*
 * After a refused write of a migrating account: was it because another
 * account took one of its new addresses meanwhile? 1 if the account is now
 * a conflict (primary taken), 2 if only new aliases were taken (moved to
 * skipped: try again), 0 if neither (a real failure), -1 on an LDAP error.
 */
static int
reorg_recheck(struct dir *d, struct dir_reorg_plan *p, struct dir_reorg_account *a)
{
	char *uid, *mail;
	size_t i, k;
	int rc, moved = 0;

	rc = reorg_other_owner(d, a->new_address, a->dn, &uid, &mail);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		reorg_set_conflict(a, uid, mail);
		free(uid);
		free(mail);
		p->nconflicts++;
		return 1;
	}
	/* add_aliases[0] may be the old primary address, which is ours. */
	for (i = 0; i < a->nadd_aliases; ) {
		if (strcasecmp(a->add_aliases[i], a->address) == 0) {
			i++;
			continue;
		}
		rc = reorg_other_owner(d, a->add_aliases[i], a->dn, &uid, &mail);
		free(uid);
		free(mail);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			i++;
			continue;
		}
		reorg_push(&a->skipped, &a->nskipped, a->add_aliases[i]);
		free(a->add_aliases[i]);
		for (k = i + 1; k < a->nadd_aliases; k++)
			a->add_aliases[k - 1] = a->add_aliases[k];
		a->nadd_aliases--;
		moved = 1;
	}
	return moved ? 2 : 0;
}

static int
reorg_report(const struct dir_reorg_plan *p, dir_reorg_cb cb, void *arg,
    enum dir_reorg_step step, size_t index, enum dir_status st, const char *dn,
    const struct dir_mods *m)
{
	struct dir_reorg_event ev;

	if (cb == NULL)
		return 0;
	ev.step = step;
	ev.index = index;
	ev.status = st;
	ev.dn = dn;
	ev.mods = m;
	return cb(p, &ev, arg);
}

/* One account: DIR_OK when written or reported as a conflict. */
static enum dir_status
reorg_apply_account(struct dir *d, struct dir_reorg_plan *p, size_t i,
    dir_reorg_cb cb, void *arg, char *err, size_t errlen)
{
	struct dir_reorg_account *a = &p->accounts[i];
	enum dir_status st = DIR_ERROR;
	struct dir_mods *m;
	int tries, rc;

	for (tries = 0; tries < REORG_APPLY_TRIES; tries++) {
		if (a->conflict_why != NULL)
			break;
		m = reorg_account_mods(p, a);
		st = dir_modify(d, a->dn, m);
		if (st == DIR_OK) {
			a->done = 1;
			rc = reorg_report(p, cb, arg, DIR_REORG_STEP_ACCOUNT, i, DIR_OK, a->dn, m);
			dir_mods_free(m);
			if (rc != 0) {
				snprintf(err, errlen, "stopped after %s", a->dn);
				return DIR_ERROR;
			}
			return DIR_OK;
		}
		dir_mods_free(m);
		snprintf(err, errlen, "changing %s: %s", a->dn, dir_error(d));
		if (p->kind != DIR_REORG_MIGRATE || (st != DIR_CONSTRAINT && st != DIR_DENIED))
			return st;
		/* slapo-unique says constraintViolation, the mail/alias cross
		 * check insufficientAccess: see whether an address was taken. */
		rc = reorg_recheck(d, p, a);
		if (rc < 0) {
			snprintf(err, errlen, "checking the addresses of %s: %s", a->dn,
			    dir_error(d));
			return dir_last_status(d) != DIR_OK ? dir_last_status(d) : DIR_ERROR;
		}
		if (rc == 0)
			return st;
	}
	if (a->conflict_why == NULL)
		return st;
	if (reorg_report(p, cb, arg, DIR_REORG_STEP_ACCOUNT, i, DIR_CONSTRAINT, a->dn,
	    NULL) != 0) {
		snprintf(err, errlen, "stopped after %s", a->dn);
		return DIR_ERROR;
	}
	return DIR_OK;
}

/* Before OLD becomes an alias domain, nothing may be left in it. */
static enum dir_status
reorg_migrate_final_check(struct dir *d, struct dir_reorg_plan *p, char *err,
    size_t errlen)
{
	char *esc, *filter, *base;
	enum dir_status st;
	size_t n = 0;

	if (p->nconflicts > 0) {
		p->final = DIR_REORG_FINAL_BLOCKED;
		snprintf(p->blocked_why, sizeof(p->blocked_why), "%zu account%s could "
		    "not be migrated", p->nconflicts, p->nconflicts == 1 ? "" : "s");
		return DIR_OK;
	}
	esc = dir_escape_filter(p->from);
	filter = xasprintf("(&(objectClass=" DIR_OC_ACCOUNT ")(" DIR_AT_MAIL "=*@%s))", esc);
	base = reorg_container(d, DIR_OU_ACCOUNTS);
	st = dir_count(d, base, LDAP_SCOPE_SUBTREE, filter, 0, &n);
	free(base);
	free(filter);
	free(esc);
	if (st != DIR_OK) {
		snprintf(err, errlen, "counting the accounts left in %s: %s", p->from,
		    dir_error(d));
		return st;
	}
	if (n > 0) {
		p->final = DIR_REORG_FINAL_BLOCKED;
		snprintf(p->blocked_why, sizeof(p->blocked_why), "%zu account%s still "
		    "ha%s a primary address in it (added during the run?)", n,
		    n == 1 ? "" : "s", n == 1 ? "s" : "ve");
	}
	return DIR_OK;
}

/* Before SRC is retired, no account or sub-agency may be left in it. */
static enum dir_status
reorg_merge_final_check(struct dir *d, struct dir_reorg_plan *p, char *err,
    size_t errlen)
{
	char *filter;
	enum dir_status st;
	size_t n = 0;

	filter = dir_filter_fmt("(|(&(objectClass=" DIR_OC_ACCOUNT ")(" DIR_AT_AGENCY
	    "=%s))(&(objectClass=" DIR_OC_AGENCY ")(" DIR_AT_PARENT_AGENCY "=%s)))",
	    p->from, p->from);
	st = dir_count(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, 0, &n);
	free(filter);
	if (st != DIR_OK) {
		snprintf(err, errlen, "counting what is left in %s: %s", p->from,
		    dir_error(d));
		return st;
	}
	if (n > 0) {
		p->final = DIR_REORG_FINAL_BLOCKED;
		snprintf(p->blocked_why, sizeof(p->blocked_why), "%zu account%s or "
		    "sub-agenc%s still in it (added during the run?)", n, n == 1 ? "" : "s",
		    n == 1 ? "y" : "ies");
	}
	return DIR_OK;
}

static struct dir_mods *
reorg_final_mods(const struct dir_reorg_plan *p)
{
	struct dir_mods *m = dir_mods_new();
	char day[32], *note;
	time_t now = time(NULL);
	struct tm tm;

	if (p->kind == DIR_REORG_MERGE) {
		if (p->final_status)
			dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_AGENCY_STATUS, REORG_RETIRED);
		if (p->final_note) {
			gmtime_r(&now, &tm);
			strftime(day, sizeof(day), "%Y-%m-%d", &tm);
			note = xasprintf(DIR_REORG_MERGED_NOTE " %s on %s", p->to, day);
			dir_mods_put(m, DIR_MOD_ADD, DIR_AT_DESCRIPTION, note);
			free(note);
		}
	} else {
		dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_DOMAIN_STATUS, REORG_DOMAIN_ALIAS);
		dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_ALIAS_TARGET, p->to);
	}
	return m;
}

enum dir_status
dir_reorg_apply(struct dir *d, struct dir_reorg_plan *p, dir_reorg_cb cb, void *arg,
    char *err, size_t errlen)
{
	const char *attr = p->kind == DIR_REORG_MERGE ? DIR_AT_PARENT_AGENCY :
	    DIR_AT_MAIL_DOMAIN;
	struct dir_mods *m;
	enum dir_status st;
	size_t i;

	for (i = 0; i < p->naccounts; i++) {
		if (p->accounts[i].done)
			continue;
		if ((st = reorg_apply_account(d, p, i, cb, arg, err, errlen)) != DIR_OK)
			return st;
	}
	for (i = 0; i < p->nagencies; i++) {
		struct dir_reorg_agency *g = &p->agencies[i];
		int rc;

		if (g->done)
			continue;
		m = dir_mods_new();
		dir_mods_put(m, DIR_MOD_REPLACE, attr, p->to);
		if ((st = dir_modify(d, g->dn, m)) != DIR_OK) {
			snprintf(err, errlen, "changing agency '%s': %s", g->code, dir_error(d));
			dir_mods_free(m);
			return st;
		}
		g->done = 1;
		rc = reorg_report(p, cb, arg, DIR_REORG_STEP_AGENCY, i, DIR_OK, g->dn, m);
		dir_mods_free(m);
		if (rc != 0) {
			snprintf(err, errlen, "stopped after agency '%s'", g->code);
			return DIR_ERROR;
		}
	}
	if (p->final != DIR_REORG_FINAL_TODO)
		return DIR_OK;
	st = p->kind == DIR_REORG_MIGRATE ? reorg_migrate_final_check(d, p, err, errlen) :
	    reorg_merge_final_check(d, p, err, errlen);
	if (st != DIR_OK)
		return st;
	if (p->final != DIR_REORG_FINAL_TODO)
		return DIR_OK;
	m = reorg_final_mods(p);
	if ((st = dir_modify(d, p->final_dn, m)) != DIR_OK) {
		snprintf(err, errlen, "changing %s: %s", p->final_dn, dir_error(d));
		dir_mods_free(m);
		return st;
	}
	p->final = DIR_REORG_FINAL_DONE;
	if (reorg_report(p, cb, arg, DIR_REORG_STEP_FINAL, 0, DIR_OK, p->final_dn, m) != 0) {
		dir_mods_free(m);
		snprintf(err, errlen, "stopped after %s", p->final_dn);
		return DIR_ERROR;
	}
	dir_mods_free(m);
	return DIR_OK;
}

void
dir_reorg_account_changes(const struct dir_reorg_plan *p,
    const struct dir_reorg_account *a, struct account_result *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	if (p->kind == DIR_REORG_MERGE) {
		account_change(r, "agency", a->agency, p->to);
		return;
	}
	account_change(r, "address", a->address, a->new_address);
	if (a->promote)
		account_change(r, "alias", a->new_address, NULL);
	for (i = 0; i < a->nadd_aliases; i++)
		account_change(r, "alias", NULL, a->add_aliases[i]);
}
