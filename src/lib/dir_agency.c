/*
 * dir_agency.c — agencies in the directory (see dir_agency.h).
 *
 * The tree lives in govmailParentAgency, so nothing in LDAP stops a cycle:
 * every change of parent is checked here by walking up from the new parent
 * (bounded by DIR_AGENCY_MAX_DEPTH), and every walk of the stored tree
 * keeps a visited set so a cycle written by other means cannot loop.
 */
#include <ldap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_agency.h"
#include "dir_domain.h"
#include "dir_escape.h"
#include "dir_schema.h"
#include "utf8.h"
#include "xmalloc.h"

const char *const dir_agency_attrs[] = {
	DIR_AT_AGENCY_CODE, DIR_AT_AGENCY_NAME, DIR_AT_AGENCY_LEVEL,
	DIR_AT_PARENT_AGENCY, DIR_AT_MAIL_DOMAIN, DIR_AT_AGENCY_STATUS,
	DIR_AT_DESCRIPTION, DIR_AT_ENTRY_CSN, NULL
};

static const char *const dir_agency_levels[] = {
	"province", "department", "district", "commune", "unit", NULL
};

#define DIR_AGENCY_ACTIVE "active"

void
dir_agency_code_lower(char *code)
{
	for (; *code != '\0'; code++)
		if (*code >= 'A' && *code <= 'Z')
			*code = (char)(*code - 'A' + 'a');
}

int
dir_agency_code_valid(const char *code, char *err, size_t errlen)
{
	size_t i, n = strlen(code);

	if (n == 0) {
		snprintf(err, errlen, "agency code is empty");
		return -1;
	}
	if (n > DIR_AGENCY_CODE_MAX) {
		snprintf(err, errlen, "agency code is longer than %d characters",
		    DIR_AGENCY_CODE_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char c = code[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
			snprintf(err, errlen, "agency code may contain only a-z, 0-9 and '-' "
			    "(bad character at position %zu)", i + 1);
			return -1;
		}
	}
	return 0;
}

int
dir_agency_level_valid(const char *level, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; dir_agency_levels[i] != NULL; i++)
		if (strcmp(level, dir_agency_levels[i]) == 0)
			return 0;
	snprintf(err, errlen, "agency level must be one of province, department, "
	    "district, commune, unit");
	return -1;
}

int
dir_agency_name_valid(const char *name, char *err, size_t errlen)
{
	const char *p = name, *end = name + strlen(name);
	size_t bad, nchars = 0;
	uint32_t cp;

	if (*name == '\0') {
		snprintf(err, errlen, "agency name is empty");
		return -1;
	}
	if (utf8_validate(name, (size_t)(end - name), &bad) != 0) {
		snprintf(err, errlen, "agency name is not valid UTF-8 (byte %zu)", bad + 1);
		return -1;
	}
	while (p < end) {
		if (utf8_decode(&p, end, &cp) != 0) {
			snprintf(err, errlen, "agency name is not valid UTF-8");
			return -1;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			snprintf(err, errlen, "agency name contains a control character "
			    "(character %zu)", nchars + 1);
			return -1;
		}
		nchars++;
	}
	if (nchars > DIR_AGENCY_NAME_MAX) {
		snprintf(err, errlen, "agency name is longer than %d characters",
		    DIR_AGENCY_NAME_MAX);
		return -1;
	}
	if (name[0] == ' ' || end[-1] == ' ') {
		snprintf(err, errlen, "agency name starts or ends with a space");
		return -1;
	}
	return 0;
}

int
dir_agency_fields_valid(const struct dir_agency_fields *f, int creating,
    char *err, size_t errlen)
{
	char sub[256];

	if (creating && (f->code == NULL || f->name == NULL || f->level == NULL)) {
		snprintf(err, errlen, "an agency needs a code, a name and a level");
		return -1;
	}
	if (f->code != NULL && dir_agency_code_valid(f->code, err, errlen) != 0)
		return -1;
	if (f->name != NULL && dir_agency_name_valid(f->name, err, errlen) != 0)
		return -1;
	if (f->level != NULL && dir_agency_level_valid(f->level, err, errlen) != 0)
		return -1;
	if (f->parent != NULL && *f->parent != '\0') {
		if (dir_agency_code_valid(f->parent, sub, sizeof(sub)) != 0) {
			snprintf(err, errlen, "parent: %s", sub);
			return -1;
		}
		if (f->code != NULL && strcmp(f->parent, f->code) == 0) {
			snprintf(err, errlen, "an agency cannot be its own parent");
			return -1;
		}
	}
	if (f->domain != NULL && *f->domain != '\0') {
		char dom[DIR_DOMAIN_MAX + 1];

		if (dir_domain_normalize(f->domain, dom, sizeof(dom), sub, sizeof(sub)) != 0) {
			snprintf(err, errlen, "domain: %s", sub);
			return -1;
		}
	}
	return 0;
}

char *
dir_agency_dn(struct dir *d, const char *code)
{
	char *parent = xasprintf("%s,%s", DIR_OU_AGENCIES, dir_base(d));
	char *dn = dir_make_rdn_dn(DIR_AT_AGENCY_CODE, code, parent);

	free(parent);
	return dn;
}

static char *
dir_agency_dup_attr(const struct dir_entry *e, const char *attr)
{
	const char *v = dir_entry_get(e, attr);

	return v != NULL ? xstrdup(v) : NULL;
}

int
dir_agency_from_entry(const struct dir_entry *e, struct dir_agency *a)
{
	memset(a, 0, sizeof(*a));
	if (dir_entry_get(e, DIR_AT_AGENCY_CODE) == NULL)
		return -1;
	a->dn = xstrdup(e->dn);
	a->code = dir_agency_dup_attr(e, DIR_AT_AGENCY_CODE);
	dir_agency_code_lower(a->code);
	a->name = dir_agency_dup_attr(e, DIR_AT_AGENCY_NAME);
	a->level = dir_agency_dup_attr(e, DIR_AT_AGENCY_LEVEL);
	a->parent = dir_agency_dup_attr(e, DIR_AT_PARENT_AGENCY);
	if (a->parent != NULL)
		dir_agency_code_lower(a->parent);
	a->domain = dir_agency_dup_attr(e, DIR_AT_MAIL_DOMAIN);
	a->status = dir_agency_dup_attr(e, DIR_AT_AGENCY_STATUS);
	a->merged_into = dir_agency_merged_into(e);
	a->csn = dir_agency_dup_attr(e, DIR_AT_ENTRY_CSN);
	return 0;
}

char *
dir_agency_merged_into(const struct dir_entry *e)
{
	const struct dir_attr *a = dir_entry_attr(e, DIR_AT_DESCRIPTION);
	size_t i, n = strlen(DIR_AGENCY_MERGED_NOTE), len;
	char *dst;

	for (i = 0; a != NULL && i < a->nvals; i++) {
		const char *v = a->vals[i];

		if (strncasecmp(v, DIR_AGENCY_MERGED_NOTE " ", n + 1) != 0)
			continue;
		v += n + 1;
		len = strcspn(v, " ");
		if (len == 0 || len > DIR_AGENCY_CODE_MAX)
			continue;
		dst = xstrndup(v, len);
		dir_agency_code_lower(dst);
		return dst;
	}
	return NULL;
}

int
dir_agency_usable(const char *code, const char *status, const char *merged_into,
    char *why, size_t whylen)
{
	if (status == NULL || strcasecmp(status, DIR_AGENCY_ACTIVE) == 0)
		return 0;
	if (merged_into != NULL)
		snprintf(why, whylen, "agency %s was merged into %s", code, merged_into);
	else
		snprintf(why, whylen, "agency %s is %s", code, status);
	return -1;
}

void
dir_agency_clear(struct dir_agency *a)
{
	free(a->dn);
	free(a->code);
	free(a->name);
	free(a->level);
	free(a->parent);
	free(a->domain);
	free(a->status);
	free(a->merged_into);
	free(a->csn);
	memset(a, 0, sizeof(*a));
}

void
dir_agency_free(struct dir_agency *a)
{
	if (a == NULL)
		return;
	dir_agency_clear(a);
	free(a);
}

static char *
dir_agency_container(struct dir *d)
{
	return xasprintf("%s,%s", DIR_OU_AGENCIES, dir_base(d));
}

enum dir_status
dir_agency_get(struct dir *d, const char *code, struct dir_agency **out)
{
	struct dir_entry *e = NULL;
	char *base, *filter;
	enum dir_status st;

	*out = NULL;
	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_AGENCY ")("
	    DIR_AT_AGENCY_CODE "=%s))", code);
	if (filter == NULL)
		return DIR_ERROR;
	base = dir_agency_container(d);
	st = dir_search_one(d, base, LDAP_SCOPE_ONELEVEL, filter, dir_agency_attrs, &e);
	free(base);
	free(filter);
	if (st != DIR_OK)
		return st;
	*out = xcalloc(1, sizeof(**out));
	if (dir_agency_from_entry(e, *out) != 0) {
		free(*out);
		*out = NULL;
		st = DIR_ERROR;
	}
	dir_entry_free(e);
	return st;
}

struct dir_agency_list_ctx {
	dir_agency_cb cb;
	void *arg;
};

static int
dir_agency_list_entry(const struct dir_entry *e, void *arg)
{
	struct dir_agency_list_ctx *c = arg;
	struct dir_agency a;
	int rc;

	if (dir_agency_from_entry(e, &a) != 0)
		return 0;
	rc = c->cb(&a, c->arg);
	dir_agency_clear(&a);
	return rc;
}

enum dir_status
dir_agency_list(struct dir *d, const char *parent, const char *level,
    dir_agency_cb cb, void *arg)
{
	struct dir_agency_list_ctx c = { cb, arg };
	char *base, *filter;
	enum dir_status st;

	if (parent != NULL && level != NULL)
		filter = dir_filter_fmt("(&(objectClass=" DIR_OC_AGENCY ")("
		    DIR_AT_PARENT_AGENCY "=%s)(" DIR_AT_AGENCY_LEVEL "=%s))", parent, level);
	else if (parent != NULL)
		filter = dir_filter_fmt("(&(objectClass=" DIR_OC_AGENCY ")("
		    DIR_AT_PARENT_AGENCY "=%s))", parent);
	else if (level != NULL)
		filter = dir_filter_fmt("(&(objectClass=" DIR_OC_AGENCY ")("
		    DIR_AT_AGENCY_LEVEL "=%s))", level);
	else
		filter = xstrdup("(objectClass=" DIR_OC_AGENCY ")");
	if (filter == NULL)
		return DIR_ERROR;
	base = dir_agency_container(d);
	st = dir_search(d, base, LDAP_SCOPE_ONELEVEL, filter, dir_agency_attrs,
	    dir_agency_list_entry, &c);
	free(base);
	free(filter);
	return st;
}

/* The parent code of an agency: DIR_OK with *parent (NULL for a root). */
static enum dir_status
dir_agency_parent_of(struct dir *d, const char *code, char **parent)
{
	struct dir_agency *a = NULL;
	enum dir_status st;

	*parent = NULL;
	if ((st = dir_agency_get(d, code, &a)) != DIR_OK)
		return st;
	if (a->parent != NULL && *a->parent != '\0') {
		*parent = a->parent;
		a->parent = NULL;
	}
	dir_agency_free(a);
	return DIR_OK;
}

enum dir_status
dir_agency_check_refs(struct dir *d, const char *code, const char *parent,
    const char *domain, char *err, size_t errlen)
{
	enum dir_status st;

	if (parent != NULL && *parent != '\0') {
		char *cur, *up, why[300];
		struct dir_agency *pa = NULL;
		int depth = 1;

		if (code != NULL && strcmp(parent, code) == 0) {
			snprintf(err, errlen, "an agency cannot be its own parent");
			return DIR_CONSTRAINT;
		}
		/* A retired agency (merged away) takes no sub-agencies. */
		st = dir_agency_get(d, parent, &pa);
		if (st == DIR_NOT_FOUND) {
			snprintf(err, errlen, "unknown parent agency '%s'", parent);
			return st;
		}
		if (st != DIR_OK) {
			snprintf(err, errlen, "looking up agency '%s': %s", parent, dir_error(d));
			return st;
		}
		if (dir_agency_usable(pa->code, pa->status, pa->merged_into, why,
		    sizeof(why)) != 0) {
			snprintf(err, errlen, "parent agency %s: %s (a retired agency takes "
			    "no sub-agencies)", parent, why);
			dir_agency_free(pa);
			return DIR_CONSTRAINT;
		}
		dir_agency_free(pa);
		cur = xstrdup(parent);
		/* Walk up from the new parent: the agency must not be met, and the
		 * chain must end within the depth bound (this also stops a cycle
		 * already stored in the directory). */
		for (;;) {
			st = dir_agency_parent_of(d, cur, &up);
			if (st == DIR_NOT_FOUND) {
				if (depth == 1)
					snprintf(err, errlen, "unknown parent agency '%s'", parent);
				else
					snprintf(err, errlen, "agency '%s' above '%s' does not exist",
					    cur, parent);
				free(cur);
				return DIR_NOT_FOUND;
			}
			if (st != DIR_OK) {
				snprintf(err, errlen, "looking up agency '%s': %s", cur,
				    dir_error(d));
				free(cur);
				return st;
			}
			free(cur);
			cur = up;
			if (cur == NULL)
				break;
			if (code != NULL && strcmp(cur, code) == 0) {
				snprintf(err, errlen, "'%s' is below '%s': making it the parent "
				    "would create a cycle", parent, code);
				free(cur);
				return DIR_CONSTRAINT;
			}
			if (++depth >= DIR_AGENCY_MAX_DEPTH) {
				snprintf(err, errlen, "agency tree above '%s' is deeper than %d "
				    "levels (or has a cycle)", parent, DIR_AGENCY_MAX_DEPTH);
				free(cur);
				return DIR_CONSTRAINT;
			}
		}
	}
	if (domain != NULL && *domain != '\0') {
		int active = dir_domain_is_active(d, domain);

		if (active < 0) {
			snprintf(err, errlen, "looking up domain '%s': %s", domain,
			    dir_error(d));
			return dir_last_status(d) != DIR_OK ? dir_last_status(d) : DIR_ERROR;
		}
		if (active == 0) {
			snprintf(err, errlen, "'%s' is not an active governed domain "
			    "(see govmailctl domain add)", domain);
			return DIR_CONSTRAINT;
		}
	}
	return DIR_OK;
}

static int
dir_agency_set(const char *v)
{
	return v != NULL && *v != '\0';
}

enum dir_status
dir_agency_create(struct dir *d, const struct dir_agency_fields *f, unsigned flags,
    char *err, size_t errlen, struct dir_mods **mods_out)
{
	char dom[DIR_DOMAIN_MAX + 1];
	struct dir_mods *m;
	enum dir_status st;
	char *dn;

	if (mods_out != NULL)
		*mods_out = NULL;
	if (dir_agency_fields_valid(f, 1, err, errlen) != 0)
		return DIR_CONSTRAINT;
	dom[0] = '\0';
	if (dir_agency_set(f->domain) &&
	    dir_domain_normalize(f->domain, dom, sizeof(dom), err, errlen) != 0)
		return DIR_CONSTRAINT;
	if (!(flags & DIR_AGENCY_TRUSTED_REFS)) {
		st = dir_agency_check_refs(d, f->code, f->parent, dom, err, errlen);
		if (st != DIR_OK)
			return st;
	}
	if ((dn = dir_agency_dn(d, f->code)) == NULL) {
		snprintf(err, errlen, "agency code '%s' cannot be used in a DN", f->code);
		return DIR_CONSTRAINT;
	}
	m = dir_mods_new();
	dir_mods_put(m, DIR_MOD_ADD, "objectClass", DIR_OC_AGENCY);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_AGENCY_CODE, f->code);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_AGENCY_NAME, f->name);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_AGENCY_LEVEL, f->level);
	if (dir_agency_set(f->parent))
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_PARENT_AGENCY, f->parent);
	if (dom[0] != '\0')
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_MAIL_DOMAIN, dom);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_AGENCY_STATUS, DIR_AGENCY_ACTIVE);
	st = dir_add(d, dn, m);
	free(dn);
	if (st == DIR_EXISTS)
		snprintf(err, errlen, "agency '%s' already exists", f->code);
	else if (st != DIR_OK)
		snprintf(err, errlen, "creating agency '%s': %s", f->code, dir_error(d));
	if (st == DIR_OK && mods_out != NULL)
		*mods_out = m;
	else
		dir_mods_free(m);
	return st;
}

/* Replace or delete one attribute when the wanted value differs. */
static void
dir_agency_diff_one(struct dir_mods *m, const char *attr, const char *cur,
    const char *want, int ignore_case)
{
	int cur_set = dir_agency_set(cur);

	if (want == NULL)
		return;
	if (*want == '\0') {
		if (cur_set)
			dir_mods_put(m, DIR_MOD_DELETE, attr, NULL);
		return;
	}
	if (cur_set && (ignore_case ? strcasecmp(cur, want) : strcmp(cur, want)) == 0)
		return;
	dir_mods_put(m, DIR_MOD_REPLACE, attr, want);
}

struct dir_mods *
dir_agency_diff(const struct dir_agency *cur, const struct dir_agency_fields *f)
{
	struct dir_mods *m = dir_mods_new();

	/* The name is compared byte for byte: a change of accents or case is a
	 * change, even though the server's matching rule ignores case. */
	dir_agency_diff_one(m, DIR_AT_AGENCY_NAME, cur->name, f->name, 0);
	dir_agency_diff_one(m, DIR_AT_AGENCY_LEVEL, cur->level, f->level, 1);
	dir_agency_diff_one(m, DIR_AT_PARENT_AGENCY, cur->parent, f->parent, 1);
	dir_agency_diff_one(m, DIR_AT_MAIL_DOMAIN, cur->domain, f->domain, 1);
	return m;
}

enum dir_status
dir_agency_modify(struct dir *d, const struct dir_agency *cur,
    const struct dir_agency_fields *f, unsigned flags, char *err, size_t errlen,
    struct dir_mods **mods_out)
{
	struct dir_agency_fields want = *f;
	char dom[DIR_DOMAIN_MAX + 1];
	struct dir_mods *m;
	enum dir_status st;

	*mods_out = NULL;
	want.code = cur->code;
	if (dir_agency_fields_valid(&want, 0, err, errlen) != 0)
		return DIR_CONSTRAINT;
	if (dir_agency_set(want.domain)) {
		if (dir_domain_normalize(want.domain, dom, sizeof(dom), err, errlen) != 0)
			return DIR_CONSTRAINT;
		want.domain = dom;
	}
	m = dir_agency_diff(cur, &want);
	if (dir_mods_count(m) == 0) {
		*mods_out = m;
		return DIR_OK;
	}
	if (!(flags & DIR_AGENCY_TRUSTED_REFS)) {
		const char *parent = NULL, *domain = NULL;

		/* Only what changes is checked: an agency keeps working under a
		 * domain that was disabled after it was set. */
		if (dir_agency_set(want.parent) && !(dir_agency_set(cur->parent) &&
		    strcasecmp(cur->parent, want.parent) == 0))
			parent = want.parent;
		if (dir_agency_set(want.domain) && !(dir_agency_set(cur->domain) &&
		    strcasecmp(cur->domain, want.domain) == 0))
			domain = want.domain;
		st = dir_agency_check_refs(d, cur->code, parent, domain, err, errlen);
		if (st != DIR_OK) {
			dir_mods_free(m);
			return st;
		}
	}
	if (flags & DIR_AGENCY_IF_UNCHANGED) {
		/* no version read: nothing to assert, so nothing is written */
		if (cur->csn == NULL) {
			dir_mods_free(m);
			snprintf(err, errlen, "agency '%s': the directory gave no entry "
			    "version (%s) to write against", cur->code, DIR_AT_ENTRY_CSN);
			return DIR_ERROR;
		}
		st = dir_modify_if(d, cur->dn, m, cur->csn);
	} else
		st = dir_modify(d, cur->dn, m);
	if (st == DIR_CHANGED) {
		snprintf(err, errlen, "agency '%s' changed since it was read", cur->code);
		dir_mods_free(m);
		return st;
	}
	if (st != DIR_OK) {
		snprintf(err, errlen, "changing agency '%s': %s", cur->code, dir_error(d));
		dir_mods_free(m);
		return st;
	}
	*mods_out = m;
	return DIR_OK;
}

enum dir_status
dir_agency_count_accounts(struct dir *d, const char *code, size_t *n)
{
	char *filter, *base;
	enum dir_status st;

	*n = 0;
	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_ACCOUNT ")(" DIR_AT_AGENCY
	    "=%s))", code);
	if (filter == NULL)
		return DIR_ERROR;
	base = xasprintf("%s,%s", DIR_OU_ACCOUNTS, dir_base(d));
	st = dir_count(d, base, LDAP_SCOPE_SUBTREE, filter, 0, n);
	free(base);
	free(filter);
	return st;
}

enum dir_status
dir_agency_count_children(struct dir *d, const char *code, size_t *n)
{
	char *filter, *base;
	enum dir_status st;

	*n = 0;
	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_AGENCY ")("
	    DIR_AT_PARENT_AGENCY "=%s))", code);
	if (filter == NULL)
		return DIR_ERROR;
	base = dir_agency_container(d);
	st = dir_count(d, base, LDAP_SCOPE_ONELEVEL, filter, 0, n);
	free(base);
	free(filter);
	return st;
}

enum dir_status
dir_agency_remove(struct dir *d, const char *code, char *err, size_t errlen,
    char **dn_out)
{
	struct dir_agency *a = NULL;
	size_t naccounts = 0, nchildren = 0;
	enum dir_status st;

	if (dn_out != NULL)
		*dn_out = NULL;
	st = dir_agency_get(d, code, &a);
	if (st == DIR_NOT_FOUND) {
		snprintf(err, errlen, "unknown agency '%s'", code);
		return st;
	}
	if (st != DIR_OK) {
		snprintf(err, errlen, "looking up agency '%s': %s", code, dir_error(d));
		return st;
	}
	if ((st = dir_agency_count_accounts(d, code, &naccounts)) != DIR_OK ||
	    (st = dir_agency_count_children(d, code, &nchildren)) != DIR_OK) {
		snprintf(err, errlen, "checking what is left in agency '%s': %s", code,
		    dir_error(d));
		dir_agency_free(a);
		return st;
	}
	if (naccounts > 0 || nchildren > 0) {
		snprintf(err, errlen, "agency '%s' still has %zu account%s and %zu "
		    "sub-agenc%s; move or remove them first", code, naccounts,
		    naccounts == 1 ? "" : "s", nchildren, nchildren == 1 ? "y" : "ies");
		dir_agency_free(a);
		return DIR_CONSTRAINT;
	}
	st = dir_delete(d, a->dn);
	if (st != DIR_OK)
		snprintf(err, errlen, "removing agency '%s': %s", code, dir_error(d));
	else if (dn_out != NULL) {
		*dn_out = a->dn;
		a->dn = NULL;
	}
	dir_agency_free(a);
	return st;
}

/* Every agency's code and parent, read once for the walk of the tree. */
struct dir_agency_edge {
	char *code;
	char *parent;
};

struct dir_agency_edges {
	struct dir_agency_edge *v;
	size_t n, cap;
};

static int
dir_agency_edge_cb(const struct dir_entry *e, void *arg)
{
	struct dir_agency_edges *g = arg;
	const char *code = dir_entry_get(e, DIR_AT_AGENCY_CODE);
	const char *parent = dir_entry_get(e, DIR_AT_PARENT_AGENCY);

	if (code == NULL)
		return 0;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->v = xreallocarray(g->v, g->cap, sizeof(*g->v));
	}
	g->v[g->n].code = xstrdup(code);
	dir_agency_code_lower(g->v[g->n].code);
	g->v[g->n].parent = parent ? xstrdup(parent) : NULL;
	if (g->v[g->n].parent != NULL)
		dir_agency_code_lower(g->v[g->n].parent);
	g->n++;
	return 0;
}

static void
dir_agency_edges_free(struct dir_agency_edges *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->v[i].code);
		free(g->v[i].parent);
	}
	free(g->v);
}

void
dir_agency_codes_free(char **codes, size_t n)
{
	xfreev(codes, codes != NULL ? n : 0);
}

/* Order edges by parent code (roots first) for the children lookup. */
static int
dir_agency_edge_cmp(const void *a, const void *b)
{
	const struct dir_agency_edge *x = a, *y = b;

	if (x->parent == NULL || y->parent == NULL)
		return (x->parent != NULL) - (y->parent != NULL);
	return strcmp(x->parent, y->parent);
}

/* Index of the first edge whose parent is code, or g->n if none. */
static size_t
dir_agency_first_child(const struct dir_agency_edges *g, const char *code)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *p = g->v[mid].parent;

		if (p == NULL || strcmp(p, code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->n && g->v[lo].parent != NULL && strcmp(g->v[lo].parent, code) == 0)
		return lo;
	return g->n;
}

int
dir_agency_descendants(struct dir *d, const char *code, char ***codes, size_t *n)
{
	static const char *const attrs[] = { DIR_AT_AGENCY_CODE, DIR_AT_PARENT_AGENCY,
	    NULL };
	struct dir_agency_edges g = { NULL, 0, 0 };
	char *base, *want = xstrdup(code);
	unsigned char *taken;
	char **out;
	size_t nout = 0, level_start, level_end, i, k;
	int depth, found = 0;
	enum dir_status st;

	*codes = NULL;
	*n = 0;
	dir_agency_code_lower(want);
	base = dir_agency_container(d);
	st = dir_search(d, base, LDAP_SCOPE_ONELEVEL, "(objectClass=" DIR_OC_AGENCY ")",
	    attrs, dir_agency_edge_cb, &g);
	free(base);
	if (st != DIR_OK) {
		dir_agency_edges_free(&g);
		free(want);
		return st;
	}
	for (i = 0; i < g.n && !found; i++)
		found = strcmp(g.v[i].code, want) == 0;
	if (!found) {
		dir_agency_edges_free(&g);
		free(want);
		return DIR_NOT_FOUND;
	}
	if (g.n > 1)
		qsort(g.v, g.n, sizeof(*g.v), dir_agency_edge_cmp);
	/* taken[i]: edge i is already in the result, so a cycle in the stored
	 * tree (a -> b -> a) cannot add an agency twice or loop. */
	taken = xcalloc(g.n, 1);
	out = xcalloc(g.n, sizeof(*out));
	out[nout++] = want;
	for (i = 0; i < g.n; i++)
		if (strcmp(g.v[i].code, want) == 0)
			taken[i] = 1;
	/* Breadth-first: out[level_start..level_end) is the level just found. */
	level_start = 0;
	level_end = nout;
	for (depth = 0; depth < DIR_AGENCY_MAX_DEPTH && level_start < level_end; depth++) {
		for (k = level_start; k < level_end; k++) {
			for (i = dir_agency_first_child(&g, out[k]);
			    i < g.n && strcmp(g.v[i].parent, out[k]) == 0; i++) {
				if (taken[i])
					continue;
				taken[i] = 1;
				out[nout++] = xstrdup(g.v[i].code);
			}
		}
		level_start = level_end;
		level_end = nout;
	}
	free(taken);
	dir_agency_edges_free(&g);
	*codes = out;
	*n = nout;
	return DIR_OK;
}
