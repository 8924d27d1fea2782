/*
 * account_find.c — reading accounts (see dir_account.h): the one decoding
 * of an account entry into struct account, finding the account an
 * administrator names (address, alias, uid, employee id or full name), and
 * listing accounts with filters and paging.
 *
 * Name search uses govmailFoldedName, the name folded to lowercase ASCII
 * (name_fold.c) and stored at every write of the name, with an equality and
 * substring index: "nguyen van an" finds "Nguyễn Văn An" through the index
 * instead of reading 10,000 entries. The LDAP substring filter narrows the
 * candidates; whole-word matching is then checked here, because a substring
 * filter cannot tell "an" from "anh".
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dir_account.h"
#include "dir_agency.h"
#include "dir_cert.h"
#include "dir_escape.h"
#include "dir_schema.h"
#include "name_fold.h"
#include "xmalloc.h"

#define ACCOUNT_FOLD_MAX 512

static char *
account_dup(const struct dir_entry *e, const char *attr)
{
	const char *v = dir_entry_get(e, attr);

	return v ? xstrdup(v) : NULL;
}

static char **
account_dup_list(const struct dir_entry *e, const char *attr, size_t *n)
{
	const struct dir_attr *a = dir_entry_attr(e, attr);
	char **v;
	size_t i;

	*n = a ? a->nvals : 0;
	v = xcalloc(*n + 1, sizeof(char *));
	for (i = 0; i < *n; i++)
		v[i] = xstrdup(a->vals[i]);
	return v;
}

int
account_from_entry(const struct dir_entry *e, struct account *a)
{
	const struct dir_attr *certs, *oc;
	const char *v;
	size_t i;

	memset(a, 0, sizeof(*a));
	a->quota = -1;
	a->may_send_external = -1;
	a->ncerts = ACCOUNT_NCERTS_UNKNOWN;
	if (dir_entry_get(e, DIR_AT_MAIL) == NULL)
		return -1;
	a->dn = xstrdup(e->dn);
	a->csn = account_dup(e, DIR_AT_ENTRY_CSN);
	a->uid = account_dup(e, DIR_AT_UID);
	a->address = account_dup(e, DIR_AT_MAIL);
	a->aliases = account_dup_list(e, DIR_AT_ALIAS, &a->naliases);
	a->forwards = account_dup_list(e, DIR_AT_FORWARD, &a->nforwards);
	a->cn = account_dup(e, DIR_AT_CN);
	a->sn = account_dup(e, DIR_AT_SN);
	a->given_name = account_dup(e, DIR_AT_GIVENNAME);
	a->display_name = account_dup(e, DIR_AT_DISPLAYNAME);
	a->folded_name = account_dup(e, DIR_AT_FOLDED_NAME);
	a->employee_id = account_dup(e, DIR_AT_EMPLOYEENUMBER);
	a->agency = account_dup(e, DIR_AT_AGENCY);
	a->title = account_dup(e, DIR_AT_TITLE);
	a->phone = account_dup(e, DIR_AT_PHONE);
	a->mobile = account_dup(e, DIR_AT_MOBILE);
	a->status = account_dup(e, DIR_AT_ACCOUNT_STATUS);
	a->status_reason = account_dup(e, DIR_AT_STATUS_REASON);
	a->status_changed = account_dup(e, DIR_AT_STATUS_CHANGED);
	a->language = account_dup(e, DIR_AT_LANG);
	a->policy_dn = account_dup(e, DIR_AT_PW_POLICY_ENTRY);
	dir_lock_state(e, NULL, time(NULL), &a->lock);
	if ((v = dir_entry_get(e, DIR_AT_QUOTA)) != NULL)
		a->quota = strtoll(v, NULL, 10);
	if ((v = dir_entry_get(e, DIR_AT_MAY_SEND_EXTERNAL)) != NULL)
		a->may_send_external = strcasecmp(v, "TRUE") == 0;
	if ((v = dir_entry_get(e, DIR_AT_MUST_CHANGE_PW)) != NULL)
		a->must_change_password = strcasecmp(v, "TRUE") == 0;
	oc = dir_entry_attr(e, "objectClass");
	for (i = 0; oc != NULL && i < oc->nvals; i++)
		if (strcasecmp(oc->vals[i], DIR_OC_PERSON_SEARCH) == 0)
			a->searchable = 1;
	if ((certs = dir_entry_attr(e, DIR_AT_CERT_BINARY)) != NULL ||
	    (certs = dir_entry_attr(e, DIR_AT_CERT)) != NULL)
		a->ncerts = certs->nvals;
	return 0;
}

void
account_clear(struct account *a)
{
	if (a == NULL)
		return;
	free(a->dn); free(a->csn); free(a->uid); free(a->address);
	xfreev(a->aliases, a->naliases);
	xfreev(a->forwards, a->nforwards);
	free(a->cn); free(a->sn); free(a->given_name); free(a->display_name);
	free(a->folded_name); free(a->employee_id); free(a->agency); free(a->title);
	free(a->phone); free(a->mobile); free(a->status); free(a->status_reason);
	free(a->status_changed); free(a->language); free(a->policy_dn);
	memset(a, 0, sizeof(*a));
}

void
account_free(struct account *a)
{
	account_clear(a);
	free(a);
}

int
account_has_alias(const struct account *a, const char *value)
{
	size_t i;

	for (i = 0; i < a->naliases; i++)
		if (strcasecmp(a->aliases[i], value) == 0)
			return 1;
	return 0;
}

int
account_has_address(const struct account *a, const char *value)
{
	return (a->address != NULL && strcasecmp(a->address, value) == 0) ||
	    account_has_alias(a, value);
}

void
account_name_fold(const char *name, char *out, size_t outlen)
{
	if (name_fold_ascii(name, out, outlen) != 0 && outlen > 0)
		out[0] = '\0';
}

/* A copy of the entry decoded into *out; -1 if it is not an account. */
static int
account_new_from(const struct dir_entry *e, struct account **out)
{
	*out = xcalloc(1, sizeof(**out));
	if (account_from_entry(e, *out) != 0) {
		account_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

enum dir_status
dir_account_get(struct dir *d, const char *key, struct account **out)
{
	struct dir_entry *e = NULL;
	enum dir_status st = dir_account_find(d, key, &e);

	*out = NULL;
	if (st == DIR_OK && account_new_from(e, out) != 0)
		st = DIR_NOT_FOUND;
	dir_entry_free(e);
	return st;
}

struct account_collect {
	char *uid;              /* of the first match */
	size_t n;
};

static int
account_collect_cb(const struct account *a, void *arg)
{
	struct account_collect *c = arg;

	if (c->n++ == 0 && a->uid != NULL)
		c->uid = xstrdup(a->uid);
	return 0;
}

enum dir_status
dir_account_lookup(struct dir *d, const char *key, struct account **out,
    size_t *nmatch)
{
	struct account_filter f;
	struct account_collect c = { NULL, 0 };
	struct dir_cert_list certs;
	enum dir_status st;
	char err[256], folded[ACCOUNT_FOLD_MAX];

	*out = NULL;
	*nmatch = 0;
	st = dir_account_get(d, key, out);
	if (st == DIR_NOT_FOUND && strchr(key, '@') == NULL) {
		memset(&f, 0, sizeof(f));
		f.employee_id = key;
		st = dir_account_list(d, &f, account_collect_cb, &c, NULL, err, sizeof(err));
		account_name_fold(key, folded, sizeof(folded));
		if (st == DIR_OK && c.n == 0 && folded[0] != '\0') {
			memset(&f, 0, sizeof(f));
			f.name = key;
			st = dir_account_list(d, &f, account_collect_cb, &c, NULL, err,
			    sizeof(err));
		}
		*nmatch = c.n;
		if (st == DIR_OK && c.n == 1 && c.uid != NULL)
			st = dir_account_get(d, c.uid, out);
		else if (st == DIR_OK)
			st = c.n == 0 ? DIR_NOT_FOUND : DIR_CONSTRAINT;
		free(c.uid);
	}
	if (st == DIR_OK) {
		*nmatch = 1;
		memset(&certs, 0, sizeof(certs));
		if (dir_cert_read(d, (*out)->dn, &certs) == DIR_OK)
			(*out)->ncerts = certs.n;     /* read apart: DER values are large */
		dir_cert_list_clear(&certs);
	}
	return st;
}

/* --- listing --- */

/* Append "(part)" to *filter. */
static void
account_filter_add(char **filter, char *part)
{
	char *s = xasprintf("%s%s", *filter, part);

	free(*filter);
	free(part);
	*filter = s;
}

/* (|(govmailAgency=a)(govmailAgency=b)...) for code and, if recursive, the
 * agencies below it. */
static enum dir_status
account_agency_part(struct dir *d, const char *code, int recursive, char **part,
    char *err, size_t errlen)
{
	struct dir_agency *ag = NULL;
	enum dir_status st;
	char **codes = NULL;
	size_t ncodes = 0, i;

	st = dir_agency_get(d, code, &ag);
	dir_agency_free(ag);
	if (st == DIR_NOT_FOUND) {
		snprintf(err, errlen, "unknown agency '%s'", code);
		return st;
	}
	if (st != DIR_OK) {
		snprintf(err, errlen, "looking up the agency: %s", dir_error(d));
		return st;
	}
	if (!recursive) {
		*part = dir_filter_fmt("(" DIR_AT_AGENCY "=%s)", code);
		return DIR_OK;
	}
	if ((st = (enum dir_status)dir_agency_descendants(d, code, &codes, &ncodes)) != DIR_OK) {
		snprintf(err, errlen, "reading the agency tree: %s", dir_error(d));
		return st;
	}
	*part = xstrdup("(|");
	for (i = 0; i < ncodes; i++)
		account_filter_add(part, dir_filter_fmt("(" DIR_AT_AGENCY "=%s)", codes[i]));
	account_filter_add(part, xstrdup(")"));
	dir_agency_codes_free(codes, ncodes);
	return DIR_OK;
}

/* (govmailFoldedName=*w1*w2*...*) for the folded words of a name. */
static char *
account_name_part(const char *folded)
{
	char *part = xstrdup("(" DIR_AT_FOLDED_NAME "=*"), *copy = xstrdup(folded);
	char *w, *save = NULL;

	for (w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		char *esc = dir_escape_filter(w);

		account_filter_add(&part, xasprintf("%s*", esc));
		free(esc);
	}
	free(copy);
	account_filter_add(&part, xstrdup(")"));
	return part;
}

/* Do the words of want appear as whole words of have, in this order? */
static int
account_words_match(const char *have, const char *want)
{
	const char *h = have, *w = want;

	while (*w != '\0') {
		size_t wl = strcspn(w, " ");
		int found = 0;

		while (*h != '\0') {
			size_t hl = strcspn(h, " ");

			found = hl == wl && strncmp(h, w, wl) == 0;
			h += hl;
			h += *h == ' ';
			if (found)
				break;
		}
		if (!found)
			return 0;
		w += wl;
		w += *w == ' ';
	}
	return 1;
}

struct account_list_ctx {
	const struct account_filter *f;
	const char *folded;     /* name wanted, folded; NULL: any */
	account_cb cb;
	void *arg;
	size_t matched;
	int stopped;
};

static int
account_list_cb(const struct dir_entry *e, void *arg)
{
	struct account_list_ctx *c = arg;
	struct account a;
	int rc = 0;

	if (account_from_entry(e, &a) != 0)
		return 0;
	if (c->folded != NULL &&
	    (a.folded_name == NULL || !account_words_match(a.folded_name, c->folded))) {
		account_clear(&a);
		return 0;
	}
	c->matched++;
	if (!c->stopped && c->matched > c->f->offset &&
	    (c->f->limit == 0 || c->matched - c->f->offset <= c->f->limit))
		if ((rc = c->cb(&a, c->arg)) != 0)
			c->stopped = 1;
	account_clear(&a);
	/* Without a caller's stop, go on counting for *matched. */
	return 0;
}

enum dir_status
dir_account_list(struct dir *d, const struct account_filter *f, account_cb cb,
    void *arg, size_t *matched, char *err, size_t errlen)
{
	struct account_list_ctx ctx;
	char folded[ACCOUNT_FOLD_MAX], *filter, *part;
	enum dir_status st;

	memset(&ctx, 0, sizeof(ctx));
	ctx.f = f;
	ctx.cb = cb;
	ctx.arg = arg;
	if (f->status != NULL && strcmp(f->status, DIR_STATUS_ACTIVE) != 0 &&
	    strcmp(f->status, DIR_STATUS_SUSPENDED) != 0 &&
	    strcmp(f->status, DIR_STATUS_DISABLED) != 0 &&
	    strcmp(f->status, ACCOUNT_STATUS_LOCKED) != 0) {
		snprintf(err, errlen, "status must be active, suspended, disabled or locked");
		return DIR_CONSTRAINT;
	}
	filter = xstrdup("(&(objectClass=" DIR_OC_ACCOUNT ")");
	if (f->agency != NULL) {
		if ((st = account_agency_part(d, f->agency, f->recursive, &part, err,
		    errlen)) != DIR_OK) {
			free(filter);
			return st;
		}
		account_filter_add(&filter, part);
	}
	if (f->status != NULL && strcmp(f->status, ACCOUNT_STATUS_LOCKED) == 0)
		/* a login lock, whatever the status (dir_account_lock.h) */
		account_filter_add(&filter, xstrdup(DIR_LOCK_FILTER));
	else if (f->status != NULL)
		account_filter_add(&filter, dir_filter_fmt("(" DIR_AT_ACCOUNT_STATUS "=%s)",
		    f->status));
	if (f->domain != NULL) {
		char *esc = dir_escape_filter(f->domain);

		account_filter_add(&filter, xasprintf("(" DIR_AT_MAIL "=*@%s)", esc));
		free(esc);
	}
	if (f->employee_id != NULL)
		account_filter_add(&filter, dir_filter_fmt("(" DIR_AT_EMPLOYEENUMBER "=%s)",
		    f->employee_id));
	if (f->address != NULL)
		account_filter_add(&filter, dir_filter_fmt("(|(" DIR_AT_MAIL "=%s)("
		    DIR_AT_ALIAS "=%s))", f->address, f->address));
	if (f->name != NULL) {
		account_name_fold(f->name, folded, sizeof(folded));
		if (folded[0] == '\0') {
			free(filter);
			snprintf(err, errlen, "the name has no letters or digits to search for");
			return DIR_CONSTRAINT;
		}
		ctx.folded = folded;
		account_filter_add(&filter, account_name_part(folded));
	}
	account_filter_add(&filter, xstrdup(")"));
	st = dir_search(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, dir_account_attrs,
	    account_list_cb, &ctx);
	free(filter);
	if (st != DIR_OK) {
		snprintf(err, errlen, "%s", dir_error(d));
		return st;
	}
	if (matched != NULL)
		*matched = ctx.matched;
	return DIR_OK;
}
