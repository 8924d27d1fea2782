/*
 * account_ops.c — the operations that change an account (see
 * dir_account.h): modify, status, move, readdress, aliases, forwards,
 * quota, password, reindex. Each builds an account_result — the LDAP
 * modifications and, for people, the changed fields with their old and new
 * values — and writes it in one modify, so the CLI, HR sync and the audit
 * log all see the same account of what happened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address_template.h"
#include "conf.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_schema.h"
#include "name_fold.h"
#include "xmalloc.h"

#define ACCOUNT_REASON_MAX 512

void
account_result_init(struct account_result *r)
{
	memset(r, 0, sizeof(*r));
	r->mods = dir_mods_new();
}

void
account_result_clear(struct account_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->changes[i].old);
		free(r->changes[i].new);
	}
	free(r->changes);
	dir_mods_free(r->mods);
	memset(r, 0, sizeof(*r));
}

void
account_change(struct account_result *r, const char *field, const char *old,
    const char *new)
{
	struct account_change *c;

	if ((old == NULL || *old == '\0') && (new == NULL || *new == '\0'))
		return;
	r->changes = xgrowarray(r->changes, r->n, sizeof(*r->changes));
	c = &r->changes[r->n++];
	c->field = field;
	c->old = old && *old ? xstrdup(old) : NULL;
	c->new = new && *new ? xstrdup(new) : NULL;
}

void
account_result_created(struct account_result *r, const struct account_new *a,
    const char *address, struct dir_mods *mods)
{
	char *display = name_display(a->name);

	memset(r, 0, sizeof(*r));
	r->mods = mods;
	account_change(r, "address", NULL, address);
	account_change(r, "name", NULL, display);
	account_change(r, "agency", NULL, a->agency);
	account_change(r, "employee_id", NULL, a->employee_id);
	account_change(r, "title", NULL, a->title);
	account_change(r, "phone", NULL, a->phone);
	account_change(r, "mobile", NULL, a->mobile);
	if (a->password_hash != NULL)
		account_change(r, "password", NULL, "(set)");
	free(display);
}

/* "a, b, c", or NULL for no values. */
static char *
account_join(const char *const *v, size_t n)
{
	char *s = NULL, *t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = s ? xasprintf("%s, %s", s, v[i]) : xstrdup(v[i]);
		free(s);
		s = t;
	}
	return s;
}

static int
account_same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Store folded as the search form, adding the class that holds it to an
 * account made before search existed. */
static void
account_plan_folded(struct account_result *r, const struct account *cur,
    const char *folded)
{
	if (!cur->searchable)
		dir_mods_put(r->mods, DIR_MOD_ADD, "objectClass", DIR_OC_PERSON_SEARCH);
	dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_FOLDED_NAME, folded[0] ? folded : NULL);
}

void
account_plan_name(struct account_result *r, const struct account *cur,
    const char *name)
{
	char sn[256], given[256], folded[512];
	char *display = name_display(name);

	account_name_fold(display, folded, sizeof(folded));
	if (!account_same(cur->cn, display)) {
		account_name_split(display, sn, sizeof(sn), given, sizeof(given));
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_CN, display);
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_DISPLAYNAME, display);
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_SN, sn);
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_GIVENNAME, given);
		account_change(r, "name", cur->cn, display);
	}
	if (!account_same(cur->folded_name, folded))
		account_plan_folded(r, cur, folded);
	free(display);
}

/* Model field -> LDAP attribute of the single-valued text fields. */
static const struct {
	const char *field, *attr;
} account_text_fields[] = {
	{ "title", DIR_AT_TITLE },
	{ "phone", DIR_AT_PHONE },
	{ "mobile", DIR_AT_MOBILE },
	{ "employee_id", DIR_AT_EMPLOYEENUMBER },
	{ "language", DIR_AT_LANG },
	{ "agency", DIR_AT_AGENCY },
};

void
account_plan_text(struct account_result *r, const char *field, const char *cur,
    const char *want)
{
	size_t i;

	if (want == NULL || account_same(cur, want))
		return;
	for (i = 0; i < sizeof(account_text_fields) / sizeof(account_text_fields[0]); i++)
		if (strcmp(account_text_fields[i].field, field) == 0) {
			dir_mods_put(r->mods, DIR_MOD_REPLACE, account_text_fields[i].attr,
			    *want ? want : NULL);
			account_change(r, account_text_fields[i].field, cur, want);
			return;
		}
}

void
account_plan_agency(struct account_result *r, const struct account *cur,
    const char *code)
{
	account_plan_text(r, "agency", cur->agency, code);
}

void
account_plan_status(struct account_result *r, const struct account *cur,
    const char *status, const char *reason, const char *now)
{
	size_t n0 = r->n;

	if (!account_same(cur->status, status)) {
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_ACCOUNT_STATUS, status);
		account_change(r, "status", cur->status, status);
	}
	if (!account_same(cur->status_reason, reason))
		account_change(r, "status_reason", cur->status_reason, reason);
	/* Reason and time always go with a status write, so an old reason
	 * never stays beside a new status. */
	if (r->n > n0) {
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_STATUS_REASON,
		    reason && *reason ? reason : NULL);
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_STATUS_CHANGED, now);
	}
}

/* Write r (nothing if it changes nothing). */
static enum dir_status
account_write(struct dir *d, const struct account *cur, struct account_result *r,
    char *err, size_t errlen)
{
	enum dir_status st;

	if (dir_mods_count(r->mods) == 0)
		return DIR_OK;
	if ((st = dir_modify(d, cur->dn, r->mods)) != DIR_OK)
		snprintf(err, errlen, "%s", dir_error(d));
	return st;
}

/* account_write, only while the entry's entryCSN is still csn. */
static enum dir_status
account_write_if(struct dir *d, const struct account *cur, const char *csn,
    struct account_result *r, char *err, size_t errlen)
{
	enum dir_status st;

	if (dir_mods_count(r->mods) == 0)
		return DIR_OK;
	st = dir_modify_if(d, cur->dn, r->mods, csn);
	if (st == DIR_CHANGED)
		snprintf(err, errlen, "%s changed since it was read", cur->address);
	else if (st != DIR_OK)
		snprintf(err, errlen, "%s", dir_error(d));
	return st;
}

/* Lowercased copy of an address, checked; NULL with why in err. */
static char *
account_address(const char *s, char *err, size_t errlen)
{
	char why[256], *a = xstrdup(s);

	dir_lower(a);
	if (address_check(a, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "invalid address '%s': %s", s, why);
		free(a);
		return NULL;
	}
	return a;
}

/* Start an operation on one address: r initialised, *addr the checked
 * lowercase address (NULL and DIR_CONSTRAINT if malformed). */
static enum dir_status
account_begin(struct account_result *r, const char *address, char **addr, char *err,
    size_t errlen)
{
	account_result_init(r);
	*addr = account_address(address, err, errlen);
	return *addr != NULL ? DIR_OK : DIR_CONSTRAINT;
}

/* The address must be free and in a governed, active domain. */
static enum dir_status
account_address_free(struct dir *d, const char *addr, char *err, size_t errlen)
{
	enum dir_status st;
	int used;

	if ((st = dir_account_domain_ok(d, strchr(addr, '@') + 1, err, errlen)) != DIR_OK)
		return st;
	if ((used = dir_account_address_used(d, addr)) < 0) {
		snprintf(err, errlen, "%s", dir_error(d));
		return dir_last_status(d);
	}
	if (used) {
		snprintf(err, errlen, "address %s is already used by another account "
		    "(as its address or an alias)", addr);
		return DIR_EXISTS;
	}
	return DIR_OK;
}

enum dir_status
account_modify(struct dir *d, const struct govmail_conf *c, const struct account *cur,
    const struct account_fields *f, struct account_result *r, char *err,
    size_t errlen)
{
	enum dir_status st;

	account_result_init(r);
	if (f->name != NULL &&
	    name_check(f->name, (size_t)c->addr_max_name_length, err, errlen) != 0)
		return DIR_CONSTRAINT;
	if ((f->title && *f->title && dir_account_text_ok("title", f->title, 256, err, errlen)) ||
	    (f->phone && *f->phone && dir_account_text_ok("phone", f->phone, 64, err, errlen)) ||
	    (f->mobile && *f->mobile && dir_account_text_ok("mobile", f->mobile, 64, err, errlen)) ||
	    dir_account_text_ok("employee id", f->employee_id, 64, err, errlen) ||
	    dir_account_text_ok("language", f->language, 35, err, errlen))
		return DIR_CONSTRAINT;
	if (f->language != NULL && strspn(f->language, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(f->language)) {
		snprintf(err, errlen, "language must be a language tag such as vi or en-US");
		return DIR_CONSTRAINT;
	}
	if (f->employee_id != NULL && !account_same(cur->employee_id, f->employee_id) &&
	    (st = dir_account_employee_free(d, f->employee_id, err, errlen)) != DIR_OK)
		return st;
	if (f->name != NULL)
		account_plan_name(r, cur, f->name);
	account_plan_text(r, "title", cur->title, f->title);
	account_plan_text(r, "phone", cur->phone, f->phone);
	account_plan_text(r, "mobile", cur->mobile, f->mobile);
	account_plan_text(r, "employee_id", cur->employee_id, f->employee_id);
	account_plan_text(r, "language", cur->language, f->language);
	if (f->may_send_external >= 0 && cur->may_send_external != f->may_send_external) {
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_MAY_SEND_EXTERNAL,
		    f->may_send_external ? "TRUE" : "FALSE");
		account_change(r, "may_send_external", cur->may_send_external < 0 ? NULL :
		    cur->may_send_external ? "yes" : "no", f->may_send_external ? "yes" : "no");
	}
	if (f->if_csn != NULL)
		return account_write_if(d, cur, f->if_csn, r, err, errlen);
	return account_write(d, cur, r, err, errlen);
}

enum dir_status
account_set_status(struct dir *d, const struct account *cur, const char *status,
    const char *reason, struct account_result *r, char *err, size_t errlen)
{
	char now[32];

	account_result_init(r);
	if (reason != NULL && *reason != '\0' &&
	    dir_account_text_ok("the reason", reason, ACCOUNT_REASON_MAX, err, errlen) != 0)
		return DIR_CONSTRAINT;
	if (strcmp(status, DIR_STATUS_ACTIVE) != 0 &&
	    strcmp(status, DIR_STATUS_SUSPENDED) != 0 &&
	    strcmp(status, DIR_STATUS_DISABLED) != 0) {
		snprintf(err, errlen, "status must be active, suspended or disabled");
		return DIR_CONSTRAINT;
	}
	/* Same state: nothing to do, and the retention clock keeps running. */
	if (account_same(cur->status, status))
		return DIR_OK;
	if (strcmp(status, DIR_STATUS_SUSPENDED) == 0 &&
	    account_same(cur->status, DIR_STATUS_DISABLED)) {
		snprintf(err, errlen, "%s is disabled; resume it before suspending it",
		    cur->address);
		return DIR_CONSTRAINT;
	}
	dir_generalized_time(now, sizeof(now));
	account_plan_status(r, cur, status, reason, now);
	return account_write(d, cur, r, err, errlen);
}

enum dir_status
account_move(struct dir *d, const struct account *cur, const char *agency,
    struct account_result *r, char *err, size_t errlen)
{
	char domain[256], code[DIR_AGENCY_CODE_MAX + 1];
	enum dir_status st;

	account_result_init(r);
	if ((st = dir_account_agency(d, agency, domain, sizeof(domain), err,
	    errlen)) != DIR_OK)
		return st;
	snprintf(code, sizeof(code), "%s", agency);
	dir_agency_code_lower(code);
	account_plan_agency(r, cur, code);
	return account_write(d, cur, r, err, errlen);
}

enum dir_status
account_readdress(struct dir *d, const struct account *cur, const char *address,
    struct account_result *r, char *err, size_t errlen)
{
	enum dir_status st;
	char *addr;

	if ((st = account_begin(r, address, &addr, err, errlen)) != DIR_OK)
		return st;
	st = DIR_CONSTRAINT;
	if (account_same(cur->address, addr)) {
		snprintf(err, errlen, "%s already is the account's address", addr);
		goto done;
	}
	if (account_has_alias(cur, addr)) {
		/* Promote an existing alias: swap it with the primary address. */
		if ((st = dir_account_domain_ok(d, strchr(addr, '@') + 1, err, errlen)) != DIR_OK)
			goto done;
		dir_mods_put(r->mods, DIR_MOD_DELETE, DIR_AT_ALIAS, addr);
		account_change(r, "alias", addr, NULL);
	} else if ((st = account_address_free(d, addr, err, errlen)) != DIR_OK)
		goto done;
	/* One modify operation: either all of it applies or nothing does. */
	dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_MAIL, addr);
	dir_mods_put(r->mods, DIR_MOD_ADD, DIR_AT_ALIAS, cur->address);
	account_change(r, "address", cur->address, addr);
	account_change(r, "alias", NULL, cur->address);
	st = account_write(d, cur, r, err, errlen);
done:
	free(addr);
	return st;
}

enum dir_status
account_alias_add(struct dir *d, const struct account *cur, const char *alias,
    struct account_result *r, char *err, size_t errlen)
{
	enum dir_status st;
	char *addr;

	if ((st = account_begin(r, alias, &addr, err, errlen)) != DIR_OK)
		return st;
	if ((st = account_address_free(d, addr, err, errlen)) == DIR_OK) {
		dir_mods_put(r->mods, DIR_MOD_ADD, DIR_AT_ALIAS, addr);
		account_change(r, "alias", NULL, addr);
		st = account_write(d, cur, r, err, errlen);
	}
	free(addr);
	return st;
}

enum dir_status
account_alias_remove(struct dir *d, const struct account *cur, const char *alias,
    struct account_result *r, char *err, size_t errlen)
{
	enum dir_status st;
	char *addr;

	if ((st = account_begin(r, alias, &addr, err, errlen)) != DIR_OK)
		return st;
	st = DIR_CONSTRAINT;
	if (!account_has_alias(cur, addr))
		snprintf(err, errlen, "%s is not an alias of %s", addr, cur->address);
	else {
		dir_mods_put(r->mods, DIR_MOD_DELETE, DIR_AT_ALIAS, addr);
		account_change(r, "alias", addr, NULL);
		st = account_write(d, cur, r, err, errlen);
	}
	free(addr);
	return st;
}

enum dir_status
account_forward_set(struct dir *d, const struct account *cur,
    const char *const *addrs, size_t n, struct account_result *r, char *err,
    size_t errlen)
{
	char **v = xcalloc(n + 1, sizeof(char *)), *old, *new;
	enum dir_status st = DIR_CONSTRAINT;
	size_t i;

	account_result_init(r);
	for (i = 0; i < n; i++) {
		if ((v[i] = account_address(addrs[i], err, errlen)) == NULL)
			goto done;
		if (account_has_address(cur, v[i])) {
			snprintf(err, errlen, "%s is the account's own address: that would loop",
			    v[i]);
			goto done;
		}
	}
	for (i = 0; i < n; i++)
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_FORWARD, v[i]);
	if (n == 0)
		dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_FORWARD, NULL);
	old = account_join((const char *const *)cur->forwards, cur->nforwards);
	new = account_join((const char *const *)v, n);
	if (!account_same(old, new))
		account_change(r, "forwards", old, new);
	free(old);
	free(new);
	st = account_write(d, cur, r, err, errlen);
done:
	xfreev(v, n);
	return st;
}

enum dir_status
account_quota_set(struct dir *d, const struct account *cur, long long quota,
    struct account_result *r, char *err, size_t errlen)
{
	char old[32] = "", new[32] = "";

	account_result_init(r);
	if (quota < 0) {
		snprintf(err, errlen, "the quota must be 0 (unlimited) or more bytes");
		return DIR_CONSTRAINT;
	}
	if (cur->quota > 0)
		snprintf(old, sizeof(old), "%lld", cur->quota);
	if (quota > 0)
		snprintf(new, sizeof(new), "%lld", quota);
	dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_QUOTA, quota > 0 ? new : NULL);
	if (strcmp(old, new) != 0)
		account_change(r, "quota", old, new);
	return account_write(d, cur, r, err, errlen);
}

enum dir_status
account_password_set(struct dir *d, const struct account *cur, const char *hash,
    int must_change, struct account_result *r, char *err, size_t errlen)
{
	account_result_init(r);
	dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_PASSWORD, hash);
	dir_mods_put(r->mods, DIR_MOD_REPLACE, DIR_AT_MUST_CHANGE_PW,
	    must_change ? "TRUE" : "FALSE");
	/* The value is a secret even hashed: only the fact is recorded. */
	account_change(r, "password", NULL, "(changed)");
	if (cur->must_change_password != must_change)
		account_change(r, "must_change_password", cur->must_change_password ?
		    "yes" : "no", must_change ? "yes" : "no");
	return account_write(d, cur, r, err, errlen);
}

enum dir_status
account_reindex(struct dir *d, const struct account *cur, struct account_result *r,
    char *err, size_t errlen)
{
	char folded[512];

	account_result_init(r);
	account_name_fold(cur->cn ? cur->cn : "", folded, sizeof(folded));
	if (!account_same(cur->folded_name, folded)) {
		account_plan_folded(r, cur, folded);
		account_change(r, "folded_name", cur->folded_name, folded);
	}
	return account_write(d, cur, r, err, errlen);
}
