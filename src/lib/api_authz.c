/*
 * api_authz.c — the scope check of the provisioning API: role and
 * operation names, the role x operation matrix, and whether an agency lies
 * within a grant's subtree. Agencies are flat entries linked by
 * govmailParentAgency, so "within" walks the ancestors in an in-memory
 * snapshot of the agency tree (one directory read per refresh, none per
 * check), kept process-wide for a daemon serving many requests.
 */
#include <ldap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api_authz.h"
#include "dir_agency.h"
#include "dir_agency_vec.h"
#include "xmalloc.h"

/* ---- names ---------------------------------------------------------------- */

static const char *const role_names[] = {
	[API_ROLE_NONE] = NULL,
	[API_ROLE_PROVINCE_ADMIN] = "province-admin",
	[API_ROLE_AGENCY_ADMIN] = "agency-admin",
	[API_ROLE_HR] = "hr",
	[API_ROLE_AUDITOR] = "auditor",
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

const char *
api_role_name(enum api_role r)
{
	if ((size_t)r >= NROLES)
		return NULL;
	return role_names[r];
}

enum api_role
api_role_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return API_ROLE_NONE;
	for (i = 1; i < NROLES; i++)
		if (strcmp(name, role_names[i]) == 0)
			return (enum api_role)i;
	return API_ROLE_NONE;
}

static const char *const op_names[API_OP_COUNT] = {
	[API_OP_ACCOUNT_READ] = "account.read",
	[API_OP_ACCOUNT_CREATE] = "account.create",
	[API_OP_ACCOUNT_MODIFY] = "account.modify",
	[API_OP_ACCOUNT_MOVE] = "account.move",
	[API_OP_ACCOUNT_RENAME] = "account.rename",
	[API_OP_ACCOUNT_SUSPEND] = "account.suspend",
	[API_OP_ACCOUNT_DISABLE] = "account.disable",
	[API_OP_ACCOUNT_LOCK] = "account.lock",
	[API_OP_ACCOUNT_PASSWORD] = "account.password",
	[API_OP_ACCOUNT_ALIAS] = "account.alias",
	[API_OP_ACCOUNT_FORWARD] = "account.forward",
	[API_OP_ACCOUNT_FORWARD_EXTERNAL] = "account.forward-external",
	[API_OP_ACCOUNT_QUOTA] = "account.quota",
	[API_OP_ACCOUNT_CERT] = "account.cert",
	[API_OP_ACCOUNT_PURGE] = "account.purge",
	[API_OP_AGENCY_READ] = "agency.read",
	[API_OP_AGENCY_WRITE] = "agency.write",
	[API_OP_HR_SYNC] = "hr.sync",
	[API_OP_AUDIT_READ] = "audit.read",
};

const char *
api_op_name(enum api_op op)
{
	if ((unsigned)op >= API_OP_COUNT)
		return "unknown";
	return op_names[op];
}

enum api_op
api_op_parse(const char *name)
{
	int i;

	if (name == NULL)
		return API_OP_COUNT;
	for (i = 0; i < API_OP_COUNT; i++)
		if (strcmp(name, op_names[i]) == 0)
			return (enum api_op)i;
	return API_OP_COUNT;
}

/* ---- the matrix ----------------------------------------------------------- */

#define OP(x) (1u << (x))

/*
 * hr: what an HR system or officer does through a person's working life —
 * hire, change details, transfer, suspend/resume, departure (disable, as hr
 * sync does for leavers), reset a forgotten password, run an HR sync — and
 * nothing that widens where mail goes (aliases, forwarding) or destroys it
 * (purge), nor the agency tree.
 */
static const unsigned hr_ops =
    OP(API_OP_ACCOUNT_READ) | OP(API_OP_ACCOUNT_CREATE) |
    OP(API_OP_ACCOUNT_MODIFY) | OP(API_OP_ACCOUNT_MOVE) |
    OP(API_OP_ACCOUNT_SUSPEND) | OP(API_OP_ACCOUNT_DISABLE) |
    OP(API_OP_ACCOUNT_PASSWORD) | OP(API_OP_AGENCY_READ) | OP(API_OP_HR_SYNC);

/* auditor: reads, and the audit log. */
static const unsigned auditor_ops =
    OP(API_OP_ACCOUNT_READ) | OP(API_OP_AGENCY_READ) | OP(API_OP_AUDIT_READ);

/* agency-admin: everything, but only within the subtree (the scope check
 * sees to that). */
static const unsigned all_ops = (1u << API_OP_COUNT) - 1;

int
api_role_allows(enum api_role role, enum api_op op)
{
	unsigned set;

	if ((unsigned)op >= API_OP_COUNT)
		return 0;
	switch (role) {
	case API_ROLE_PROVINCE_ADMIN:
	case API_ROLE_AGENCY_ADMIN:
		set = all_ops;
		break;
	case API_ROLE_HR:
		set = hr_ops;
		break;
	case API_ROLE_AUDITOR:
		set = auditor_ops;
		break;
	default:
		return 0;
	}
	return (set & OP(op)) != 0;
}

/* ---- DNs ------------------------------------------------------------------ */

/* Case-insensitive (ASCII) equality of two berval values. */
static int
bv_eq(const struct berval *a, const struct berval *b)
{
	return a->bv_len == b->bv_len &&
	    (a->bv_len == 0 || strncasecmp(a->bv_val, b->bv_val, a->bv_len) == 0);
}

static int
rdn_eq(LDAPRDN a, LDAPRDN b)
{
	size_t i;

	for (i = 0; a[i] != NULL && b[i] != NULL; i++)
		if (!bv_eq(&a[i]->la_attr, &b[i]->la_attr) ||
		    !bv_eq(&a[i]->la_value, &b[i]->la_value))
			return 0;
	return a[i] == NULL && b[i] == NULL;
}

/*
 * 1 when dn is ancestor or below it, RDN by RDN from the root end; -1 when
 * either does not parse. Every govmail attribute in a DN (o, ou, dc, uid,
 * govmailAgencyCode) matches case-insensitively, hence the ASCII folding.
 */
static int
dn_within(const char *dn, const char *ancestor)
{
	LDAPDN d = NULL, a = NULL;
	size_t nd = 0, na = 0, i;
	int r = 0;

	if (ldap_str2dn(dn, &d, LDAP_DN_FORMAT_LDAP) != LDAP_SUCCESS ||
	    ldap_str2dn(ancestor, &a, LDAP_DN_FORMAT_LDAP) != LDAP_SUCCESS) {
		ldap_dnfree(d);
		ldap_dnfree(a);
		return -1;
	}
	while (d != NULL && d[nd] != NULL)
		nd++;
	while (a != NULL && a[na] != NULL)
		na++;
	if (na > 0 && na <= nd) {
		r = 1;
		for (i = 1; i <= na && r; i++)
			r = rdn_eq(d[nd - i], a[na - i]);
	}
	ldap_dnfree(d);
	ldap_dnfree(a);
	return r;
}

/* Normalised form for lookups (xmalloc'd), or NULL if dn does not parse. */
static char *
dn_norm(const char *dn)
{
	LDAPDN d = NULL;
	char *s = NULL, *out;
	size_t i;

	if (dn == NULL || ldap_str2dn(dn, &d, LDAP_DN_FORMAT_LDAP) != LDAP_SUCCESS)
		return NULL;
	if (ldap_dn2str(d, &s, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) {
		ldap_dnfree(d);
		return NULL;
	}
	ldap_dnfree(d);
	out = xstrdup(s != NULL ? s : "");
	ldap_memfree(s);
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

/* ---- the agency tree ------------------------------------------------------ */

struct tree_node {
	char *ndn;          /* normalised DN */
	char *code;         /* lower case */
	char *parent_code;  /* lower case, NULL at a root */
	long parent;        /* index in by_dn, -1: root or unknown parent */
};

struct code_ix {
	const char *code;
	size_t ix;
};

struct api_agency_tree {
	pthread_mutex_t lock;   /* guards refs */
	int refs;
	time_t loaded;
	struct tree_node *by_dn;    /* sorted by ndn */
	size_t n;
	struct code_ix *by_code;    /* sorted by code */
};

static char *
lower_dup(const char *s)
{
	char *o = xstrdup(s);
	size_t i;

	for (i = 0; o[i] != '\0'; i++)
		if (o[i] >= 'A' && o[i] <= 'Z')
			o[i] = (char)(o[i] - 'A' + 'a');
	return o;
}

static int
node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tree_node *)a)->ndn,
	    ((const struct tree_node *)b)->ndn);
}

static int
code_cmp(const void *a, const void *b)
{
	return strcmp(((const struct code_ix *)a)->code,
	    ((const struct code_ix *)b)->code);
}

static long
tree_find_ndn(const struct api_agency_tree *t, const char *ndn)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ndn, t->by_dn[mid].ndn);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static long
tree_find_code(const struct api_agency_tree *t, const char *code)
{
	struct code_ix key = { code, 0 }, *hit;

	if (t->n == 0)
		return -1;
	hit = bsearch(&key, t->by_code, t->n, sizeof(*t->by_code), code_cmp);
	return hit != NULL ? (long)hit->ix : -1;
}

struct api_agency_tree *
api_agency_tree_new(const struct dir_agency *v, size_t n)
{
	struct api_agency_tree *t = xcalloc(1, sizeof(*t));
	size_t i, m = 0;

	pthread_mutex_init(&t->lock, NULL);
	t->refs = 1;
	t->loaded = time(NULL);
	t->by_dn = xcalloc(n + 1, sizeof(*t->by_dn));
	for (i = 0; i < n; i++) {
		char *ndn = dn_norm(v[i].dn);

		if (ndn == NULL || v[i].code == NULL) {
			free(ndn);
			continue;
		}
		t->by_dn[m].ndn = ndn;
		t->by_dn[m].code = lower_dup(v[i].code);
		t->by_dn[m].parent_code = v[i].parent != NULL && v[i].parent[0] != '\0' ?
		    lower_dup(v[i].parent) : NULL;
		t->by_dn[m].parent = -1;
		m++;
	}
	t->n = m;
	qsort(t->by_dn, t->n, sizeof(*t->by_dn), node_cmp);
	t->by_code = xcalloc(t->n + 1, sizeof(*t->by_code));
	for (i = 0; i < t->n; i++) {
		t->by_code[i].code = t->by_dn[i].code;
		t->by_code[i].ix = i;
	}
	qsort(t->by_code, t->n, sizeof(*t->by_code), code_cmp);
	for (i = 0; i < t->n; i++)
		if (t->by_dn[i].parent_code != NULL)
			t->by_dn[i].parent = tree_find_code(t, t->by_dn[i].parent_code);
	return t;
}

enum dir_status
api_agency_tree_load(struct dir *d, struct api_agency_tree **out)
{
	struct dir_agency_vec vec = { 0 };
	enum dir_status st;

	*out = NULL;
	st = dir_agency_list(d, NULL, NULL, dir_agency_vec_collect, &vec);
	if (st == DIR_OK)
		*out = api_agency_tree_new(vec.v, vec.n);
	dir_agency_vec_free(&vec);
	return st;
}

struct api_agency_tree *
api_agency_tree_ref(struct api_agency_tree *t)
{
	if (t != NULL) {
		pthread_mutex_lock(&t->lock);
		t->refs++;
		pthread_mutex_unlock(&t->lock);
	}
	return t;
}

void
api_agency_tree_unref(struct api_agency_tree *t)
{
	size_t i;
	int left;

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	left = --t->refs;
	pthread_mutex_unlock(&t->lock);
	if (left > 0)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->by_dn[i].ndn);
		free(t->by_dn[i].code);
		free(t->by_dn[i].parent_code);
	}
	free(t->by_dn);
	free(t->by_code);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* The process-wide snapshot. */
static pthread_mutex_t cur_lock = PTHREAD_MUTEX_INITIALIZER;
static struct api_agency_tree *cur_tree;
static int cur_max_age = 60;

void
api_agency_tree_set_max_age(int seconds)
{
	pthread_mutex_lock(&cur_lock);
	cur_max_age = seconds < 0 ? 0 : seconds;
	pthread_mutex_unlock(&cur_lock);
}

void
api_agency_tree_invalidate(void)
{
	struct api_agency_tree *old;

	pthread_mutex_lock(&cur_lock);
	old = cur_tree;
	cur_tree = NULL;
	pthread_mutex_unlock(&cur_lock);
	api_agency_tree_unref(old);
}

enum dir_status
api_agency_tree_current(struct dir *d, struct api_agency_tree **out)
{
	struct api_agency_tree *fresh, *old;
	enum dir_status st;
	time_t now = time(NULL);

	pthread_mutex_lock(&cur_lock);
	if (cur_tree != NULL && now >= cur_tree->loaded &&
	    now - cur_tree->loaded < cur_max_age) {
		*out = api_agency_tree_ref(cur_tree);
		pthread_mutex_unlock(&cur_lock);
		return DIR_OK;
	}
	pthread_mutex_unlock(&cur_lock);
	/* Loaded without the lock held: other threads keep using the old
	 * snapshot meanwhile (two may load at once; the later one wins). */
	st = api_agency_tree_load(d, &fresh);
	if (st != DIR_OK) {
		*out = NULL;
		return st;
	}
	pthread_mutex_lock(&cur_lock);
	old = cur_tree;
	cur_tree = fresh;
	*out = api_agency_tree_ref(fresh);
	pthread_mutex_unlock(&cur_lock);
	api_agency_tree_unref(old);
	return DIR_OK;
}

const char *
api_agency_tree_code(const struct api_agency_tree *t, const char *dn)
{
	char *ndn;
	long ix;

	if (t == NULL || (ndn = dn_norm(dn)) == NULL)
		return NULL;
	ix = tree_find_ndn(t, ndn);
	free(ndn);
	return ix >= 0 ? t->by_dn[ix].code : NULL;
}

int
api_agency_within(const struct api_agency_tree *t, const char *target_dn,
    const char *ancestor_dn)
{
	char *nt, *na;
	long ix;
	int steps, r;

	if (target_dn == NULL || ancestor_dn == NULL)
		return 0;
	if (dn_within(target_dn, ancestor_dn) == 1)
		return 1;
	if (t == NULL)
		return 0;
	nt = dn_norm(target_dn);
	na = dn_norm(ancestor_dn);
	r = 0;
	if (nt != NULL && na != NULL) {
		ix = tree_find_ndn(t, nt);
		/* A stored cycle must not loop: never more steps than nodes
		 * (nor than the depth the tree may have). */
		for (steps = 0; ix >= 0 && (size_t)steps <= t->n &&
		    steps <= DIR_AGENCY_MAX_DEPTH + 1; steps++) {
			if (strcmp(t->by_dn[ix].ndn, na) == 0) {
				r = 1;
				break;
			}
			ix = t->by_dn[ix].parent;
		}
	}
	free(nt);
	free(na);
	return r;
}

/* ---- the check ------------------------------------------------------------ */

void
api_caller_free(struct api_caller *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ngrants; i++) {
		free(c->grants[i].agency_code);
		free(c->grants[i].agency_dn);
	}
	free(c->grants);
	free(c->actor);
	free(c->token_id);
	free(c->person_dn);
	api_agency_tree_unref(c->tree);
	free(c);
}

static int
grant_covers(const struct api_caller *c, const struct api_grant *g,
    const char *agency_dn)
{
	if (g->role == API_ROLE_PROVINCE_ADMIN)
		return 1;
	if (agency_dn == NULL || g->agency_dn == NULL)
		return 0;
	return api_agency_within(c->tree, agency_dn, g->agency_dn);
}

/* A short name of the agency for messages: its code, else the DN. */
static const char *
agency_label(const struct api_caller *c, const char *dn)
{
	const char *code = api_agency_tree_code(c->tree, dn);

	return code != NULL ? code : dn;
}

int
api_authz_check(const struct api_caller *c, enum api_op op,
    const char *target_agency_dn, char *rule, size_t rulelen)
{
	size_t i;
	int role_ok = 0;
	const char *first_role = NULL;
	char scope[512];
	size_t off = 0;

	if (rulelen > 0)
		rule[0] = '\0';
	if (c == NULL || (unsigned)op >= API_OP_COUNT) {
		snprintf(rule, rulelen, "no caller or unknown operation");
		return 0;
	}
	scope[0] = '\0';
	for (i = 0; i < c->ngrants; i++) {
		const struct api_grant *g = &c->grants[i];

		if (first_role == NULL && api_role_name(g->role) != NULL)
			first_role = api_role_name(g->role);
		if (!api_role_allows(g->role, op))
			continue;
		role_ok = 1;
		/* No target (e.g. the audit log): the role decides; the
		 * results are then limited with api_authz_visible. */
		if (target_agency_dn == NULL || grant_covers(c, g, target_agency_dn))
			return 1;
		if (off < sizeof(scope)) {
			int w = snprintf(scope + off, sizeof(scope) - off, "%s%s",
			    off > 0 ? "," : "",
			    g->agency_code != NULL ? g->agency_code : "?");

			off += w > 0 ? (size_t)w : 0;
		}
	}
	if (!role_ok) {
		if (c->ngrants == 1 || first_role == NULL)
			snprintf(rule, rulelen, "role %s may not %s",
			    first_role != NULL ? first_role : "(none)", api_op_name(op));
		else
			snprintf(rule, rulelen, "no role of the caller may %s",
			    api_op_name(op));
		return 0;
	}
	snprintf(rule, rulelen, "agency %s is outside the caller's scope %s",
	    agency_label(c, target_agency_dn), scope);
	return 0;
}

int
api_authz_visible(const struct api_caller *c, const char *agency_dn)
{
	size_t i;

	if (c == NULL)
		return 0;
	for (i = 0; i < c->ngrants; i++) {
		if (c->grants[i].role == API_ROLE_NONE)
			continue;
		if (grant_covers(c, &c->grants[i], agency_dn))
			return 1;
	}
	return 0;
}
