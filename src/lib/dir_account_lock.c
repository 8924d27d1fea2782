/*
 * dir_account_lock.c — the login lock of an account (see
 * dir_account_lock.h). The lock is ppolicy's own pwdAccountLockedTime, not
 * a govmail check, so that slapd refuses the bind whoever asks; this file
 * reads it the way slapd's ppolicy decides it (OpenLDAP 2.5
 * account_locked()) and writes the administrative lock.
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir_account.h"
#include "dir_account_lock.h"
#include "dir_schema.h"
#include "gentime.h"
#include "utf8.h"
#include "xmalloc.h"

static const char *const lock_read_attrs[] = {
	"objectClass", DIR_AT_MAIL, DIR_LOCK_ATTR_NAMES, DIR_AT_PW_CHANGED_TIME, NULL
};

static const char *const policy_attrs[] = {
	DIR_AT_PW_LOCKOUT, DIR_AT_PW_MAX_FAILURE, DIR_AT_PW_LOCKOUT_DURATION,
	DIR_AT_PW_FAILURE_INTERVAL, NULL
};

static long long
num(const struct dir_entry *e, const char *attr)
{
	const char *v = dir_entry_get(e, attr);
	char *end;
	long long n;

	if (v == NULL)
		return 0;
	n = strtoll(v, &end, 10);
	return (*end != '\0' || n < 0) ? 0 : n;
}

enum dir_status
dir_lock_policy_get(struct dir *d, const struct dir_entry *e, struct dir_lock_policy *p)
{
	return dir_lock_policy_at(d, e ? dir_entry_get(e, DIR_AT_PW_POLICY_ENTRY) : NULL, p);
}

enum dir_status
dir_lock_policy_at(struct dir *d, const char *sub, struct dir_lock_policy *p)
{
	char *dn = sub ? xstrdup(sub) : xasprintf("%s,%s", DIR_PPOLICY_DEFAULT, dir_base(d));
	struct dir_entry *pe = NULL;
	enum dir_status st;
	const char *v;

	memset(p, 0, sizeof(*p));
	st = dir_search_one(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)", policy_attrs, &pe);
	free(dn);
	if (st != DIR_OK)
		return st;
	v = dir_entry_get(pe, DIR_AT_PW_LOCKOUT);
	p->lockout = v != NULL && strcasecmp(v, "TRUE") == 0;
	p->max_failure = num(pe, DIR_AT_PW_MAX_FAILURE);
	p->duration = num(pe, DIR_AT_PW_LOCKOUT_DURATION);
	p->interval = num(pe, DIR_AT_PW_FAILURE_INTERVAL);
	dir_entry_free(pe);
	return DIR_OK;
}

/* A GeneralizedTime as stored, fraction of a second dropped. */
static void
gt_copy(const char *gt, char *buf, size_t len)
{
	time_t t = gentime_parse(gt);

	if (t == (time_t)-1)
		snprintf(buf, len, "%s", gt ? gt : "");
	else
		gentime_format(t, buf, len);
}

void
dir_lock_state(const struct dir_entry *e, const struct dir_lock_policy *p, time_t now,
    struct dir_lock_state *out)
{
	const struct dir_attr *f = dir_entry_attr(e, DIR_AT_PW_FAILURE_TIME);
	const char *locked = dir_entry_get(e, DIR_AT_PW_LOCKED_TIME), *v;
	time_t t, last = (time_t)-1;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; f != NULL && i < f->nvals; i++) {
		out->failures++;
		if ((t = gentime_parse(f->vals[i])) != (time_t)-1 && (last == (time_t)-1 || t > last))
			last = t;
	}
	if (last != (time_t)-1)
		gentime_format(last, out->last_failure, sizeof(out->last_failure));
	if (locked == NULL)
		return;
	if (strcmp(locked, DIR_PW_LOCKED_FOREVER) == 0) {
		out->kind = DIR_LOCK_ADMIN;
		if ((v = dir_entry_get(e, DIR_AT_LOCK_TIME)) != NULL)
			gt_copy(v, out->since, sizeof(out->since));
		if ((v = dir_entry_get(e, DIR_AT_LOCK_REASON)) != NULL)
			snprintf(out->reason, sizeof(out->reason), "%s", v);
		return;
	}
	out->kind = DIR_LOCK_FAILURES;
	gt_copy(locked, out->since, sizeof(out->since));
	t = gentime_parse(locked);
	/* As slapd decides: locked while now < locked + duration; a duration
	 * of 0 locks until an administrator unlocks. */
	if (p != NULL && p->duration > 0 && t != (time_t)-1) {
		gentime_format(t + (time_t)p->duration, out->until, sizeof(out->until));
		if (now >= t + (time_t)p->duration)
			out->kind = DIR_LOCK_EXPIRED;
	}
}

void
dir_lock_refine(struct dir_lock_state *s, const struct dir_lock_policy *p, time_t now)
{
	time_t t;

	if (s->kind != DIR_LOCK_FAILURES || p->duration <= 0 ||
	    (t = gentime_parse(s->since)) == (time_t)-1)
		return;
	gentime_format(t + (time_t)p->duration, s->until, sizeof(s->until));
	if (now >= t + (time_t)p->duration)
		s->kind = DIR_LOCK_EXPIRED;
}

const char *
dir_pw_changed(const struct dir_entry *e)
{
	const char *v = dir_entry_get(e, DIR_AT_PW_CHANGED_TIME);

	return v != NULL ? v : "";
}

enum dir_status
dir_lock_read(struct dir *d, const char *dn, struct dir_entry **out)
{
	return dir_search_one(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)", lock_read_attrs, out);
}

int
dir_lock_reason_check(const char *reason, char *err, size_t errlen)
{
	const unsigned char *p;
	size_t n = reason ? strlen(reason) : 0;

	if (n == 0 || n > DIR_LOCK_REASON_MAX || utf8_validate(reason, n, NULL) != 0) {
		snprintf(err, errlen, "the reason must be UTF-8 text of 1 to %d bytes",
		    DIR_LOCK_REASON_MAX);
		return -1;
	}
	for (p = (const unsigned char *)reason; *p; p++)
		if (*p < 0x20 || *p == 0x7F) {
			snprintf(err, errlen, "the reason contains a control character");
			return -1;
		}
	return 0;
}

static int
has_class(const struct dir_entry *e, const char *oc)
{
	const struct dir_attr *a = dir_entry_attr(e, "objectClass");
	size_t i;

	for (i = 0; a != NULL && i < a->nvals; i++)
		if (strcasecmp(a->vals[i], oc) == 0)
			return 1;
	return 0;
}

struct dir_mods *
dir_lock_mods(const struct dir_entry *e, const char *reason, const char *now)
{
	struct dir_mods *m = dir_mods_new();

	if (!has_class(e, DIR_OC_LOCK))
		dir_mods_put(m, DIR_MOD_ADD, "objectClass", DIR_OC_LOCK);
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_LOCK_REASON, reason);
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_LOCK_TIME, now);
	/* replace: an automatic lockout becomes the administrative lock */
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_PW_LOCKED_TIME, DIR_PW_LOCKED_FOREVER);
	return m;
}

struct dir_mods *
dir_lock_relock_mods(void)
{
	struct dir_mods *m = dir_mods_new();

	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_PW_LOCKED_TIME, DIR_PW_LOCKED_FOREVER);
	return m;
}

struct dir_mods *
dir_unlock_mods(const struct dir_entry *e)
{
	struct dir_mods *m;
	int record = has_class(e, DIR_OC_LOCK);

	if (!record && dir_entry_get(e, DIR_AT_PW_LOCKED_TIME) == NULL &&
	    dir_entry_get(e, DIR_AT_PW_FAILURE_TIME) == NULL)
		return NULL;
	m = dir_mods_new();
	/* Set, then delete: slapd deletes pwdFailureTime with it. */
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_PW_LOCKED_TIME, DIR_PW_LOCKED_FOREVER);
	dir_mods_put(m, DIR_MOD_DELETE, DIR_AT_PW_LOCKED_TIME, NULL);
	if (record) {
		if (dir_entry_get(e, DIR_AT_LOCK_REASON) != NULL)
			dir_mods_put(m, DIR_MOD_DELETE, DIR_AT_LOCK_REASON, NULL);
		if (dir_entry_get(e, DIR_AT_LOCK_TIME) != NULL)
			dir_mods_put(m, DIR_MOD_DELETE, DIR_AT_LOCK_TIME, NULL);
		dir_mods_put(m, DIR_MOD_DELETE, "objectClass", DIR_OC_LOCK);
	}
	return m;
}

/* The lock of s as a value of the "locked" field. */
static const char *
lock_word(const struct dir_lock_state *s)
{
	switch (s->kind) {
	case DIR_LOCK_ADMIN:
		return "administrator";
	case DIR_LOCK_FAILURES:
		return "failed-logins";
	default:
		return "no";
	}
}

/* The account's lock attributes, read now (the account itself may have
 * been read a while ago) into *le, their state into s. */
static enum dir_status
lock_current(struct dir *d, const struct account *a, struct dir_entry **le,
    struct dir_lock_state *s, char *err, size_t errlen)
{
	enum dir_status st;

	if ((st = dir_lock_read(d, a->dn, le)) != DIR_OK) {
		snprintf(err, errlen, "reading the account's lock: %s", dir_error(d));
		return st;
	}
	dir_lock_state(*le, NULL, time(NULL), s);
	return DIR_OK;
}

static enum dir_status
lock_write(struct dir *d, const struct account *a, struct account_result *r, char *err,
    size_t errlen)
{
	enum dir_status st;

	if ((st = dir_modify(d, a->dn, r->mods)) != DIR_OK)
		snprintf(err, errlen, "%s", dir_error(d));
	return st;
}

enum dir_status
account_lock_set(struct dir *d, const struct account *a, const char *reason,
    const char *now, struct account_result *r, char *err, size_t errlen)
{
	struct dir_entry *le = NULL;
	struct dir_lock_state s;
	enum dir_status st;

	memset(r, 0, sizeof(*r));
	if ((st = lock_current(d, a, &le, &s, err, errlen)) != DIR_OK)
		return st;
	if (s.kind == DIR_LOCK_ADMIN) {
		r->mods = dir_mods_new();
		dir_entry_free(le);
		return DIR_OK;
	}
	r->mods = dir_lock_mods(le, reason, now);
	dir_entry_free(le);
	account_change(r, "locked", lock_word(&s), "administrator");
	account_change(r, "lock_reason", NULL, reason);
	return lock_write(d, a, r, err, errlen);
}

enum dir_status
account_lock_clear(struct dir *d, const struct account *a, struct account_result *r,
    char *err, size_t errlen)
{
	struct dir_entry *le = NULL;
	struct dir_lock_state s;
	enum dir_status st;
	char n[32];

	memset(r, 0, sizeof(*r));
	if ((st = lock_current(d, a, &le, &s, err, errlen)) != DIR_OK)
		return st;
	r->mods = dir_unlock_mods(le);
	dir_entry_free(le);
	if (r->mods == NULL) {
		r->mods = dir_mods_new();
		return DIR_OK;
	}
	if (s.kind != DIR_LOCK_NONE)
		account_change(r, "locked", lock_word(&s), "no");
	if (s.failures > 0) {
		snprintf(n, sizeof(n), "%zu", s.failures);
		account_change(r, "failed_logins", n, "0");
	}
	return lock_write(d, a, r, err, errlen);
}
