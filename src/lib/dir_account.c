/*
 * dir_account.c — the account model's reading side and creation (see
 * dir_account.h): decoding an entry into struct account, finding an
 * account by what an administrator types, listing with filters and
 * paging, and creating accounts. Changes are in account_ops.c.
 *
 * Uniqueness: the uid (RDN, immutable mailbox id) is the template's local
 * part with the next free number. One uid namespace covers every governed
 * domain, so a later domain merge never collides. Adding uid=<x> is atomic
 * in slapd: of two concurrent creations only one gets entryAlreadyExists
 * and moves to the next number. Addresses (mail and govmailAlias) are kept
 * unique across the directory by slapo-unique as well.
 */
#include <ctype.h>
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address_template.h"
#include "conf.h"
#include "dir_account.h"
#include "dir_account_lock.h"
#include "dir_agency.h"
#include "dir_escape.h"
#include "dir_schema.h"
#include "gentime.h"
#include "name_fold.h"
#include "utf8.h"
#include "xmalloc.h"

#define ACCOUNT_MAX_NUMBER 10000   /* annv .. annv10000 */

const char *const dir_account_attrs[] = {
	DIR_AT_UID, DIR_AT_MAIL, DIR_AT_CN, DIR_AT_SN, DIR_AT_GIVENNAME,
	DIR_AT_DISPLAYNAME, DIR_AT_EMPLOYEENUMBER, DIR_AT_TITLE, DIR_AT_PHONE,
	DIR_AT_MOBILE, DIR_AT_ACCOUNT_STATUS, DIR_AT_STATUS_REASON,
	DIR_AT_STATUS_CHANGED, DIR_AT_ALIAS, DIR_AT_FORWARD, DIR_AT_QUOTA,
	DIR_AT_AGENCY, DIR_AT_MAY_SEND_EXTERNAL, DIR_AT_MUST_CHANGE_PW,
	DIR_AT_LANG, DIR_AT_FOLDED_NAME, DIR_LOCK_ATTR_NAMES, DIR_AT_ENTRY_CSN, "objectClass",
	NULL
};

void
dir_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void
dir_generalized_time(char *buf, size_t len)
{
	gentime_format(time(NULL), buf, len);
}

char *
dir_account_dn(struct dir *d, const char *uid)
{
	char *parent = xasprintf("%s,%s", DIR_OU_ACCOUNTS, dir_base(d));
	char *dn = dir_make_rdn_dn(DIR_AT_UID, uid, parent);

	free(parent);
	return dn;
}

enum dir_status
dir_account_find(struct dir *d, const char *key, struct dir_entry **out)
{
	char *filter, *lower = xstrdup(key);
	enum dir_status st;

	dir_lower(lower);
	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_ACCOUNT ")(|(" DIR_AT_MAIL
	    "=%s)(" DIR_AT_ALIAS "=%s)(" DIR_AT_UID "=%s)))", lower, lower, lower);
	st = dir_search_one(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter,
	    dir_account_attrs, out);
	free(filter);
	free(lower);
	return st;
}

int
dir_account_address_used(struct dir *d, const char *address)
{
	char *filter;
	size_t n = 0;
	enum dir_status st;

	filter = dir_filter_fmt("(|(" DIR_AT_MAIL "=%s)(" DIR_AT_ALIAS "=%s))",
	    address, address);
	st = dir_count(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, 1, &n);
	free(filter);
	if (st != DIR_OK)
		return -1;
	return n > 0;
}

/* 1 if the uid exists, 0 if not, -1 on error. */
static int
dir_account_uid_used(struct dir *d, const char *uid)
{
	char *filter = dir_filter_fmt("(" DIR_AT_UID "=%s)", uid);
	size_t n = 0;
	enum dir_status st;

	st = dir_count(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, 1, &n);
	free(filter);
	if (st != DIR_OK)
		return -1;
	return n > 0;
}

enum dir_status
dir_account_agency(struct dir *d, const char *code, char *domain, size_t dlen,
    char *err, size_t errlen)
{
	static const char *const attrs[] = { DIR_AT_AGENCY_STATUS, DIR_AT_MAIL_DOMAIN,
	    DIR_AT_DESCRIPTION, NULL };
	struct dir_entry *e = NULL;
	char *filter, *merged;
	const char *v;
	enum dir_status st;
	int usable;

	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_AGENCY ")(" DIR_AT_AGENCY_CODE
	    "=%s))", code);
	st = dir_search_one(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, attrs, &e);
	free(filter);
	if (st == DIR_NOT_FOUND) {
		snprintf(err, errlen, "unknown agency '%s'", code);
		return st;
	}
	if (st != DIR_OK) {
		snprintf(err, errlen, "%s", dir_error(d));
		return st;
	}
	merged = dir_agency_merged_into(e);
	usable = dir_agency_usable(code, dir_entry_get(e, DIR_AT_AGENCY_STATUS), merged,
	    err, errlen);
	free(merged);
	if (usable != 0) {
		dir_entry_free(e);
		return DIR_CONSTRAINT;
	}
	domain[0] = '\0';
	if ((v = dir_entry_get(e, DIR_AT_MAIL_DOMAIN)) != NULL)
		snprintf(domain, dlen, "%s", v);
	dir_entry_free(e);
	return DIR_OK;
}

void
dir_account_migrated_advice(const char *domain, const char *target, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "domain '%s' was migrated to %s (it is an alias now): new "
	    "accounts belong in %s — set addresses.default_domain = \"%s\" in govmail.conf "
	    "if it names %s, or give the agency %s as its own domain (govmailctl agency "
	    "modify CODE --domain %s)", domain, target, target, target, domain, target, target);
}

enum dir_status
dir_account_domain_ok(struct dir *d, const char *domain, char *err, size_t errlen)
{
	static const char *const attrs[] = { DIR_AT_DOMAIN_STATUS, DIR_AT_ALIAS_TARGET, NULL };
	struct dir_entry *e = NULL;
	char *filter;
	const char *v, *target;
	enum dir_status st;

	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_DOMAIN ")(" DIR_AT_DOMAIN_NAME
	    "=%s))", domain);
	st = dir_search_one(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, attrs, &e);
	free(filter);
	if (st == DIR_NOT_FOUND) {
		snprintf(err, errlen, "domain '%s' is not a governed domain "
		    "(add it with: govmailctl domain add %s)", domain, domain);
		return DIR_CONSTRAINT;
	}
	if (st != DIR_OK) {
		snprintf(err, errlen, "%s", dir_error(d));
		return st;
	}
	v = dir_entry_get(e, DIR_AT_DOMAIN_STATUS);
	target = dir_entry_get(e, DIR_AT_ALIAS_TARGET);
	if (v != NULL && strcasecmp(v, "active") != 0 && target != NULL) {
		dir_account_migrated_advice(domain, target, err, errlen);
		dir_entry_free(e);
		return DIR_CONSTRAINT;
	}
	if (v != NULL && strcasecmp(v, "active") != 0) {
		snprintf(err, errlen, "domain '%s' is %s, not active", domain, v);
		dir_entry_free(e);
		return DIR_CONSTRAINT;
	}
	dir_entry_free(e);
	return DIR_OK;
}

void
account_name_split(const char *display, char *sn, size_t snlen, char *given,
    size_t glen)
{
	const char *sp = strchr(display, ' '), *last = strrchr(display, ' ');

	if (sp == NULL) {
		snprintf(sn, snlen, "%s", display);
		snprintf(given, glen, "%s", display);
		return;
	}
	snprintf(sn, snlen, "%.*s", (int)(sp - display), display);
	snprintf(given, glen, "%s", last + 1);
}

int
dir_account_employee_holder(struct dir *d, const char *id, char *holder, size_t hlen)
{
	static const char *const attrs[] = { DIR_AT_MAIL, NULL };
	struct dir_entry *e = NULL;
	char *filter = dir_filter_fmt("(&(objectClass=" DIR_OC_ACCOUNT ")("
	    DIR_AT_EMPLOYEENUMBER "=%s))", id);
	enum dir_status st;

	st = dir_search_one(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, attrs, &e);
	free(filter);
	if (st == DIR_NOT_FOUND)
		return 0;
	if (st == DIR_OK || st == DIR_CONSTRAINT) {
		/* DIR_CONSTRAINT: more than one holder; any of them will do */
		snprintf(holder, hlen, "%s", e && dir_entry_get(e, DIR_AT_MAIL) ?
		    dir_entry_get(e, DIR_AT_MAIL) : "");
		dir_entry_free(e);
		return 1;
	}
	return -1;
}

enum dir_status
dir_account_employee_free(struct dir *d, const char *id, char *err, size_t errlen)
{
	char holder[400];

	switch (dir_account_employee_holder(d, id, holder, sizeof(holder))) {
	case 0:
		return DIR_OK;
	case 1:
		/*
		 * Not naming the holder: the message reaches API callers whose
		 * scope may not include that account. Administrators who may
		 * see it ask dir_account_employee_holder.
		 */
		snprintf(err, errlen, "employee id '%s' is already used by another account",
		    id);
		return DIR_EXISTS;
	}
	snprintf(err, errlen, "%s", dir_error(d));
	return dir_last_status(d);
}

int
dir_account_text_ok(const char *what, const char *v, size_t max, char *err,
    size_t errlen)
{
	const unsigned char *p;

	if (v == NULL)
		return 0;
	if (*v == '\0' || strlen(v) > max) {
		snprintf(err, errlen, "%s must be 1 to %zu bytes", what, max);
		return -1;
	}
	for (p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7F) {
			snprintf(err, errlen, "%s contains a control character", what);
			return -1;
		}
	if (utf8_validate(v, strlen(v), NULL) != 0) {
		snprintf(err, errlen, "%s is not valid UTF-8", what);
		return -1;
	}
	return 0;
}

struct dir_mods *
dir_account_entry(const struct govmail_conf *c, const struct account_new *a,
    const char *display, const char *uid, const char *address)
{
	struct dir_mods *m = dir_mods_new();
	char sn[256], given[256], folded[512], buf[32];
	long long quota = a->quota >= 0 ? a->quota : c->acct_default_quota;

	account_name_split(display, sn, sizeof(sn), given, sizeof(given));
	account_name_fold(display, folded, sizeof(folded));
	dir_mods_put(m, DIR_MOD_ADD, "objectClass", "inetOrgPerson");
	dir_mods_put(m, DIR_MOD_ADD, "objectClass", DIR_OC_ACCOUNT);
	dir_mods_put(m, DIR_MOD_ADD, "objectClass", DIR_OC_PERSON_SEARCH);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_UID, uid);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_MAIL, address);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_CN, display);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_DISPLAYNAME, display);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_SN, sn);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_GIVENNAME, given);
	if (folded[0] != '\0')
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_FOLDED_NAME, folded);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_ACCOUNT_STATUS, DIR_STATUS_ACTIVE);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_AGENCY, a->agency);
	/* Only when asked: without it the account follows its agencies (the
	 * nearest that sets it) and then accounts.may_send_external. */
	if (a->may_send_external >= 0)
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_MAY_SEND_EXTERNAL,
		    a->may_send_external ? "TRUE" : "FALSE");
	if (quota > 0) {
		snprintf(buf, sizeof(buf), "%lld", quota);
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_QUOTA, buf);
	}
	if (a->employee_id)
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_EMPLOYEENUMBER, a->employee_id);
	if (a->title)
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_TITLE, a->title);
	if (a->phone)
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_PHONE, a->phone);
	if (a->mobile)
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_MOBILE, a->mobile);
	if (a->password_hash) {
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_PASSWORD, a->password_hash);
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_MUST_CHANGE_PW,
		    a->must_change_password ? "TRUE" : "FALSE");
	}
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_LANG, "vi");
	return m;
}

/* Replace the values of one attribute in a mods list built for an add. */
static void
dir_account_set(struct dir_mods **m, const struct govmail_conf *c,
    const struct account_new *a, const char *display, const char *uid,
    const char *address)
{
	dir_mods_free(*m);
	*m = dir_account_entry(c, a, display, uid, address);
}

enum dir_status
dir_account_create(struct dir *d, const struct govmail_conf *c,
    const struct account_new *a, struct account_created *out, char *err,
    size_t errlen, struct dir_mods **mods_out)
{
	char agency_domain[256], domain[256], base[96], local[96], address[400];
	char *display = NULL, *dn = NULL;
	struct dir_mods *m = NULL;
	enum dir_status st;
	unsigned n;
	int used;

	memset(out, 0, sizeof(*out));
	if (mods_out)
		*mods_out = NULL;
	out->field = "name";
	if (name_check(a->name, (size_t)c->addr_max_name_length, err, errlen) != 0)
		return DIR_CONSTRAINT;
	out->field = "employee_id";
	if (dir_account_text_ok("employee id", a->employee_id, 64, err, errlen))
		return DIR_CONSTRAINT;
	out->field = "title";
	if (dir_account_text_ok("title", a->title, 256, err, errlen))
		return DIR_CONSTRAINT;
	out->field = "phone";
	if (dir_account_text_ok("phone", a->phone, 64, err, errlen))
		return DIR_CONSTRAINT;
	out->field = "mobile";
	if (dir_account_text_ok("mobile", a->mobile, 64, err, errlen))
		return DIR_CONSTRAINT;
	out->field = "agency";
	if ((st = dir_account_agency(d, a->agency, agency_domain, sizeof(agency_domain),
	    err, errlen)) != DIR_OK)
		return st;
	out->field = "employee_id";
	if (a->employee_id &&
	    (st = dir_account_employee_free(d, a->employee_id, err, errlen)) != DIR_OK)
		return st;
	/* from here on the address is at stake: the one given, or the one the
	 * template makes of the name in the domain */
	out->field = a->address != NULL ? "address" : "name";

	if (a->address != NULL) {
		const char *at;

		snprintf(address, sizeof(address), "%s", a->address);
		dir_lower(address);
		if (address_check(address, err, errlen) != 0)
			return DIR_CONSTRAINT;
		at = strchr(address, '@');
		snprintf(domain, sizeof(domain), "%s", at + 1);
		snprintf(base, sizeof(base), "%.*s", (int)(at - address), address);
		/* uid: letters of the local part usable in a mailbox id. */
		{
			char *p;

			for (p = base; *p; p++)
				if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
					*p = '-';
		}
	} else {
		snprintf(domain, sizeof(domain), "%s", a->domain ? a->domain :
		    agency_domain[0] ? agency_domain : c->addr_default_domain);
		dir_lower(domain);
		out->field = a->domain != NULL ? "domain" : "agency";
		if (address_domain_check(domain, err, errlen) != 0)
			return DIR_CONSTRAINT;
		out->field = "name";
		if (address_local_from_name(c->addr_template, a->name, base, sizeof(base),
		    err, errlen) != 0)
			return DIR_CONSTRAINT;
	}
	if (a->address == NULL)
		out->field = a->domain != NULL ? "domain" : "agency";
	if ((st = dir_account_domain_ok(d, domain, err, errlen)) != DIR_OK)
		return st;
	out->field = a->address != NULL ? "address" : "name";
	if (a->address != NULL) {
		used = dir_account_address_used(d, address);
		if (used < 0)
			goto ldap_error;
		if (used) {
			snprintf(err, errlen, "address %s is already used by another account "
			    "(as its address or an alias)", address);
			return DIR_EXISTS;
		}
	}
	display = name_display(a->name);

	for (n = 1; n <= ACCOUNT_MAX_NUMBER; n++) {
		if (address_candidate(base, n, local, sizeof(local)) != 0) {
			snprintf(err, errlen, "address local part too long");
			st = DIR_CONSTRAINT;
			goto done;
		}
		if (a->address == NULL) {
			snprintf(address, sizeof(address), "%s@%s", local, domain);
			if ((used = dir_account_address_used(d, address)) < 0)
				goto ldap_error;
			if (used)
				continue;
		}
		if ((used = dir_account_uid_used(d, local)) < 0)
			goto ldap_error;
		if (used)
			continue;
		free(dn);
		dn = dir_account_dn(d, local);
		dir_account_set(&m, c, a, display, local, address);
		st = dir_add(d, dn, m);
		if (st == DIR_OK)
			break;
		if (st == DIR_EXISTS)
			continue;       /* someone took this uid just now */
		if (st == DIR_CONSTRAINT) {
			/* The unique overlay refused: address or employee id raced. */
			if ((used = dir_account_address_used(d, address)) < 0)
				goto ldap_error;
			if (used && a->address == NULL)
				continue;
			snprintf(err, errlen, "%s", dir_error(d));
			goto done;
		}
		snprintf(err, errlen, "%s", dir_error(d));
		goto done;
	}
	if (n > ACCOUNT_MAX_NUMBER) {
		snprintf(err, errlen, "no free address for %s after %d tries", base,
		    ACCOUNT_MAX_NUMBER);
		st = DIR_CONSTRAINT;
		goto done;
	}
	snprintf(out->uid, sizeof(out->uid), "%s", local);
	snprintf(out->address, sizeof(out->address), "%s", address);
	snprintf(out->dn, sizeof(out->dn), "%s", dn);
	out->field = NULL;
	st = DIR_OK;
	goto done;
ldap_error:
	out->field = NULL;
	st = dir_last_status(d);
	snprintf(err, errlen, "%s", dir_error(d));
done:
	free(display);
	free(dn);
	if (mods_out != NULL && st == DIR_OK)
		*mods_out = m;
	else
		dir_mods_free(m);
	return st;
}

enum dir_status
dir_account_next_free(struct dir *d, const struct govmail_conf *c, const char *name,
    const char *domain, char *out, size_t outlen, char *err, size_t errlen)
{
	char base[96], local[96], address[400];
	unsigned n;
	int used;

	if (address_local_from_name(c->addr_template, name, base, sizeof(base), err,
	    errlen) != 0)
		return DIR_CONSTRAINT;
	for (n = 1; n <= ACCOUNT_MAX_NUMBER; n++) {
		if (address_candidate(base, n, local, sizeof(local)) != 0)
			break;
		snprintf(address, sizeof(address), "%s@%s", local, domain);
		if ((used = dir_account_address_used(d, address)) < 0 ||
		    (used == 0 && (used = dir_account_uid_used(d, local)) < 0)) {
			snprintf(err, errlen, "%s", dir_error(d));
			return dir_last_status(d);
		}
		if (!used) {
			snprintf(out, outlen, "%s", address);
			return DIR_OK;
		}
	}
	snprintf(err, errlen, "no free address for %s", base);
	return DIR_CONSTRAINT;
}
