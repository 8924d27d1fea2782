/*
 * dir_domain.c — governed mail domains in the directory (see dir_domain.h).
 * A domain is removed only when nothing refers to it any more: addresses
 * left in a removed domain would silently stop receiving mail.
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address_template.h"
#include "dir_domain.h"
#include "dir_escape.h"
#include "dir_schema.h"
#include "utf8.h"
#include "xmalloc.h"

#define DIR_DOMAIN_ACTIVE "active"

const char *const dir_domain_attrs[] = {
	DIR_AT_DOMAIN_NAME, DIR_AT_DOMAIN_STATUS, DIR_AT_ALIAS_TARGET,
	DIR_AT_DESCRIPTION, NULL
};

int
dir_domain_normalize(const char *domain, char *out, size_t outlen, char *err,
    size_t errlen)
{
	size_t i, n = strlen(domain);

	if (n == 0) {
		snprintf(err, errlen, "domain name is empty");
		return -1;
	}
	if (n > DIR_DOMAIN_MAX || n >= outlen) {
		snprintf(err, errlen, "domain name is longer than %d characters",
		    DIR_DOMAIN_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char c = domain[i];

		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return address_domain_check(out, err, errlen) != 0 ? -1 : 0;
}

char *
dir_domain_dn(struct dir *d, const char *domain)
{
	char *lower = xstrdup(domain), *parent, *dn, *p;

	for (p = lower; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	parent = xasprintf("%s,%s", DIR_OU_DOMAINS, dir_base(d));
	dn = dir_make_rdn_dn(DIR_AT_DOMAIN_NAME, lower, parent);
	free(parent);
	free(lower);
	return dn;
}

static char *
dir_domain_dup_attr(const struct dir_entry *e, const char *attr)
{
	const char *v = dir_entry_get(e, attr);

	return v != NULL ? xstrdup(v) : NULL;
}

int
dir_domain_from_entry(const struct dir_entry *e, struct dir_domain *dom)
{
	memset(dom, 0, sizeof(*dom));
	if (dir_entry_get(e, DIR_AT_DOMAIN_NAME) == NULL)
		return -1;
	dom->dn = xstrdup(e->dn);
	dom->name = dir_domain_dup_attr(e, DIR_AT_DOMAIN_NAME);
	dom->status = dir_domain_dup_attr(e, DIR_AT_DOMAIN_STATUS);
	dom->alias_target = dir_domain_dup_attr(e, DIR_AT_ALIAS_TARGET);
	dom->description = dir_domain_dup_attr(e, DIR_AT_DESCRIPTION);
	return 0;
}

void
dir_domain_clear(struct dir_domain *dom)
{
	free(dom->dn);
	free(dom->name);
	free(dom->status);
	free(dom->alias_target);
	free(dom->description);
	memset(dom, 0, sizeof(*dom));
}

void
dir_domain_free(struct dir_domain *dom)
{
	if (dom == NULL)
		return;
	dir_domain_clear(dom);
	free(dom);
}

static char *
dir_domain_container(struct dir *d)
{
	return xasprintf("%s,%s", DIR_OU_DOMAINS, dir_base(d));
}

enum dir_status
dir_domain_get(struct dir *d, const char *domain, struct dir_domain **out)
{
	struct dir_entry *e = NULL;
	char *base, *filter;
	enum dir_status st;

	*out = NULL;
	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_DOMAIN ")("
	    DIR_AT_DOMAIN_NAME "=%s))", domain);
	if (filter == NULL)
		return DIR_ERROR;
	base = dir_domain_container(d);
	st = dir_search_one(d, base, LDAP_SCOPE_ONELEVEL, filter, dir_domain_attrs, &e);
	free(base);
	free(filter);
	if (st != DIR_OK)
		return st;
	*out = xcalloc(1, sizeof(**out));
	if (dir_domain_from_entry(e, *out) != 0) {
		free(*out);
		*out = NULL;
		st = DIR_ERROR;
	}
	dir_entry_free(e);
	return st;
}

struct dir_domain_list_ctx {
	dir_domain_cb cb;
	void *arg;
};

static int
dir_domain_list_entry(const struct dir_entry *e, void *arg)
{
	struct dir_domain_list_ctx *c = arg;
	struct dir_domain dom;
	int rc;

	if (dir_domain_from_entry(e, &dom) != 0)
		return 0;
	rc = c->cb(&dom, c->arg);
	dir_domain_clear(&dom);
	return rc;
}

enum dir_status
dir_domain_list(struct dir *d, dir_domain_cb cb, void *arg)
{
	struct dir_domain_list_ctx c = { cb, arg };
	char *base = dir_domain_container(d);
	enum dir_status st;

	st = dir_search(d, base, LDAP_SCOPE_ONELEVEL, "(objectClass=" DIR_OC_DOMAIN ")",
	    dir_domain_attrs, dir_domain_list_entry, &c);
	free(base);
	return st;
}

/* 0 if a description is acceptable (UTF-8, no control characters). */
static int
dir_domain_description_valid(const char *s, char *err, size_t errlen)
{
	const char *p;
	size_t n = strlen(s);

	if (n > DIR_DOMAIN_DESCRIPTION_MAX) {
		snprintf(err, errlen, "description is longer than %d bytes",
		    DIR_DOMAIN_DESCRIPTION_MAX);
		return -1;
	}
	if (utf8_validate(s, n, NULL) != 0) {
		snprintf(err, errlen, "description is not valid UTF-8");
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		/* C0 and DEL; C1 controls are U+0080..U+009F = C2 80..C2 9F. */
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9f)) {
			snprintf(err, errlen, "description contains a control character");
			return -1;
		}
	}
	return 0;
}

enum dir_status
dir_domain_add(struct dir *d, const char *domain, const char *description,
    char *err, size_t errlen, struct dir_mods **mods_out, char **dn_out)
{
	char name[DIR_DOMAIN_MAX + 1];
	struct dir_mods *m;
	enum dir_status st;
	char *dn;

	if (mods_out != NULL)
		*mods_out = NULL;
	if (dn_out != NULL)
		*dn_out = NULL;
	if (dir_domain_normalize(domain, name, sizeof(name), err, errlen) != 0)
		return DIR_CONSTRAINT;
	if (description != NULL && *description != '\0' &&
	    dir_domain_description_valid(description, err, errlen) != 0)
		return DIR_CONSTRAINT;
	if ((dn = dir_domain_dn(d, name)) == NULL) {
		snprintf(err, errlen, "domain '%s' cannot be used in a DN", name);
		return DIR_CONSTRAINT;
	}
	m = dir_mods_new();
	dir_mods_put(m, DIR_MOD_ADD, "objectClass", DIR_OC_DOMAIN);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_DOMAIN_NAME, name);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_DOMAIN_STATUS, DIR_DOMAIN_ACTIVE);
	if (description != NULL && *description != '\0')
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_DESCRIPTION, description);
	st = dir_add(d, dn, m);
	if (st == DIR_EXISTS)
		snprintf(err, errlen, "domain '%s' already exists", name);
	else if (st != DIR_OK)
		snprintf(err, errlen, "adding domain '%s': %s", name, dir_error(d));
	if (st == DIR_OK && mods_out != NULL)
		*mods_out = m;
	else
		dir_mods_free(m);
	if (st == DIR_OK && dn_out != NULL)
		*dn_out = dn;
	else
		free(dn);
	return st;
}

/* Count entries below the base matching fmt with domain filled in. */
static enum dir_status
dir_domain_count_refs(struct dir *d, const char *filter, size_t *n)
{
	*n = 0;
	if (filter == NULL)
		return DIR_ERROR;
	return dir_count(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, 0, n);
}

enum dir_status
dir_domain_remove(struct dir *d, const char *domain, char *err, size_t errlen,
    char **dn_out)
{
	char name[DIR_DOMAIN_MAX + 1];
	struct dir_domain *dom = NULL;
	size_t naddr = 0, nagency = 0, nalias = 0;
	enum dir_status st;
	char *filter;

	if (dn_out != NULL)
		*dn_out = NULL;
	if (dir_domain_normalize(domain, name, sizeof(name), err, errlen) != 0)
		return DIR_CONSTRAINT;
	st = dir_domain_get(d, name, &dom);
	if (st == DIR_NOT_FOUND) {
		snprintf(err, errlen, "'%s' is not a governed domain", name);
		return st;
	}
	if (st != DIR_OK) {
		snprintf(err, errlen, "looking up domain '%s': %s", name, dir_error(d));
		return st;
	}
	filter = dir_filter_fmt("(|(" DIR_AT_MAIL "=*@%s)(" DIR_AT_ALIAS "=*@%s))",
	    name, name);
	st = dir_domain_count_refs(d, filter, &naddr);
	free(filter);
	if (st == DIR_OK) {
		filter = dir_filter_fmt("(&(objectClass=" DIR_OC_AGENCY ")("
		    DIR_AT_MAIL_DOMAIN "=%s))", name);
		st = dir_domain_count_refs(d, filter, &nagency);
		free(filter);
	}
	if (st == DIR_OK) {
		filter = dir_filter_fmt("(&(objectClass=" DIR_OC_DOMAIN ")("
		    DIR_AT_ALIAS_TARGET "=%s))", name);
		st = dir_domain_count_refs(d, filter, &nalias);
		free(filter);
	}
	if (st != DIR_OK) {
		snprintf(err, errlen, "checking what uses domain '%s': %s", name,
		    dir_error(d));
		dir_domain_free(dom);
		return st;
	}
	if (naddr > 0 || nagency > 0 || nalias > 0) {
		snprintf(err, errlen, "domain '%s' is still in use: %zu entr%s with an "
		    "address in it, %zu agenc%s using it, %zu alias domain%s pointing "
		    "at it", name, naddr, naddr == 1 ? "y" : "ies", nagency,
		    nagency == 1 ? "y" : "ies", nalias, nalias == 1 ? "" : "s");
		dir_domain_free(dom);
		return DIR_CONSTRAINT;
	}
	st = dir_delete(d, dom->dn);
	if (st != DIR_OK)
		snprintf(err, errlen, "removing domain '%s': %s", name, dir_error(d));
	else if (dn_out != NULL) {
		*dn_out = dom->dn;
		dom->dn = NULL;
	}
	dir_domain_free(dom);
	return st;
}

int
dir_domain_is_active(struct dir *d, const char *domain)
{
	struct dir_domain *dom = NULL;
	enum dir_status st;
	char *lower, *p;
	int active;

	lower = xstrdup(domain);
	for (p = lower; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	st = dir_domain_get(d, lower, &dom);
	free(lower);
	if (st == DIR_NOT_FOUND)
		return 0;
	if (st != DIR_OK)
		return -1;
	/* No status at all is read as active: the attribute is optional. */
	active = dom->status == NULL || strcasecmp(dom->status, DIR_DOMAIN_ACTIVE) == 0;
	dir_domain_free(dom);
	return active;
}
