/*
 * hr_sync.c — plan and apply HR synchronisation (see hr_sync.h).
 *
 * One paged search reads every account (employee id, addresses, the
 * attributes HR owns); the plan is then computed in memory: no per-row
 * lookups. Addresses for new accounts come from the template with the
 * lowest free number, taken in file order against the snapshot, so a
 * re-run after an interruption fills exactly the gaps the first run left.
 *
 * When the server dies under the pipelined writes and another one takes
 * over (hr_plan_on_reconnect), the writes whose answers were lost are
 * looked up there and only those that did not take effect are sent again:
 * each write is reported, and so audited, exactly once.
 *
 * Suspensions made here carry a reason starting with "hr-sync:"; only such
 * suspensions are lifted when the employee is back at work, so a suspension
 * an administrator made for another reason is never undone by an export.
 */
#include <ctype.h>
#include <ldap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address_template.h"
#include "conf.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_escape.h"
#include "dir_schema.h"
#include "dir_verify.h"
#include "audit_run.h"
#include "hr_passwords.h"
#include "hr_sync.h"
#include "passwd_hash.h"
#include "strmap.h"
#include "xmalloc.h"

#define HR_REASON_PREFIX "hr-sync:"

/* --- agencies --- */

struct hr_agency {
	char *domain;           /* its own mail domain, or NULL */
};

struct hr_agencies {
	struct strmap *codes;   /* active code -> struct hr_agency */
	struct strmap *retired; /* retired code -> why (char *) */
	struct strmap *domains; /* active governed domains */
	struct strmap *migrated; /* alias domain -> its target (char *) */
	struct strmap *parents; /* every code -> its parent's code (char *) */
	struct strmap *scope;   /* hr_agencies_limit: codes of the subtree, or
				 * NULL for the whole directory */
	char *scope_code;
};

static int
hr_agency_cb(const struct dir_entry *e, void *arg)
{
	struct hr_agencies *a = arg;
	const char *code = dir_entry_get(e, DIR_AT_AGENCY_CODE);
	const char *status = dir_entry_get(e, DIR_AT_AGENCY_STATUS);
	const char *dom = dir_entry_get(e, DIR_AT_MAIL_DOMAIN);
	const char *parent = dir_entry_get(e, DIR_AT_PARENT_AGENCY);
	struct hr_agency *ag;
	char why[300], *merged;

	if (code == NULL)
		return 0;
	if (parent != NULL)
		free(strmap_put(a->parents, code, xstrdup(parent)));
	merged = dir_agency_merged_into(e);
	if (dir_agency_usable(code, status, merged, why, sizeof(why)) != 0) {
		free(strmap_put(a->retired, code, xstrdup(why)));
		free(merged);
		return 0;
	}
	free(merged);
	ag = xcalloc(1, sizeof(*ag));
	ag->domain = dom ? xstrdup(dom) : NULL;
	free(strmap_put(a->codes, code, ag));
	return 0;
}

static int
hr_domain_cb(const struct dir_entry *e, void *arg)
{
	struct hr_agencies *a = arg;
	const char *name = dir_entry_get(e, DIR_AT_DOMAIN_NAME);
	const char *status = dir_entry_get(e, DIR_AT_DOMAIN_STATUS);

	const char *target = dir_entry_get(e, DIR_AT_ALIAS_TARGET);

	if (name != NULL && (status == NULL || strcasecmp(status, "active") == 0))
		strmap_put(a->domains, name, (void *)1);
	else if (name != NULL && target != NULL)
		free(strmap_put(a->migrated, name, xstrdup(target)));
	return 0;
}

struct hr_agencies *
hr_agencies_load(struct dir *d, char *err, size_t errlen)
{
	static const char *const attrs[] = { DIR_AT_AGENCY_CODE, DIR_AT_AGENCY_STATUS,
	    DIR_AT_MAIL_DOMAIN, DIR_AT_DESCRIPTION, DIR_AT_PARENT_AGENCY, NULL };
	static const char *const dattrs[] = { DIR_AT_DOMAIN_NAME, DIR_AT_DOMAIN_STATUS,
	    DIR_AT_ALIAS_TARGET, NULL };
	struct hr_agencies *a = xcalloc(1, sizeof(*a));

	a->codes = strmap_new(1024);
	a->retired = strmap_new(64);
	a->migrated = strmap_new(16);
	a->domains = strmap_new(16);
	a->parents = strmap_new(1024);
	if (dir_search(d, dir_base(d), LDAP_SCOPE_SUBTREE,
	    "(objectClass=" DIR_OC_AGENCY ")", attrs, hr_agency_cb, a) != DIR_OK ||
	    dir_search(d, dir_base(d), LDAP_SCOPE_SUBTREE,
	    "(objectClass=" DIR_OC_DOMAIN ")", dattrs, hr_domain_cb, a) != DIR_OK) {
		snprintf(err, errlen, "reading agencies and domains: %s", dir_error(d));
		hr_agencies_free(a);
		return NULL;
	}
	return a;
}

int
hr_agency_known(const char *code, void *agencies, char *why, size_t whylen)
{
	const struct hr_agencies *a = agencies;
	const char *r;

	if (a->scope != NULL && !strmap_has(a->scope, code) &&
	    (strmap_has(a->codes, code) || strmap_has(a->retired, code))) {
		snprintf(why, whylen, "agency '%.64s' is outside the subtree of agency '%s' "
		    "this run is limited to", code, a->scope_code);
		return 0;
	}
	if (strmap_has(a->codes, code))
		return 1;
	r = strmap_get(a->retired, code);
	snprintf(why, whylen, "%s", r ? r : "");
	return 0;
}

static void
hr_free_value(const char *key, void *value, void *arg)
{
	(void)key;
	(void)arg;
	free(value);
}

static void
hr_agency_free_one(const char *key, void *value, void *arg)
{
	struct hr_agency *ag = value;

	(void)key;
	(void)arg;
	free(ag->domain);
	free(ag);
}

void
hr_agencies_free(struct hr_agencies *a)
{
	if (a == NULL)
		return;
	strmap_each(a->codes, hr_agency_free_one, NULL);
	strmap_free(a->codes);
	strmap_each(a->retired, hr_free_value, NULL);
	strmap_free(a->retired);
	strmap_each(a->migrated, hr_free_value, NULL);
	strmap_free(a->migrated);
	strmap_free(a->domains);
	strmap_each(a->parents, hr_free_value, NULL);
	strmap_free(a->parents);
	strmap_free(a->scope);
	free(a->scope_code);
	free(a);
}

/* Whether code is top or below it, following the parents (bounded: a
 * damaged tree with a cycle cannot hold it up). */
static int
hr_agency_below(const struct hr_agencies *a, const char *code, const char *top)
{
	size_t depth;

	for (depth = 0; code != NULL && depth < 64; depth++) {
		if (strcmp(code, top) == 0)
			return 1;
		code = strmap_get(a->parents, code);
	}
	return 0;
}

struct hr_limit_ctx {
	struct hr_agencies *a;
	const char *top;
};

static void
hr_limit_one(const char *code, void *value, void *arg)
{
	struct hr_limit_ctx *ctx = arg;

	(void)value;
	if (hr_agency_below(ctx->a, code, ctx->top))
		strmap_put(ctx->a->scope, code, (void *)1);
}

int
hr_agencies_limit(struct hr_agencies *a, const char *code, char *err, size_t errlen)
{
	struct hr_limit_ctx ctx;

	if (!strmap_has(a->codes, code) && !strmap_has(a->retired, code)) {
		snprintf(err, errlen, "unknown agency '%.64s'", code);
		return -1;
	}
	strmap_free(a->scope);
	free(a->scope_code);
	a->scope = strmap_new(64);
	a->scope_code = xstrdup(code);
	ctx.a = a;
	ctx.top = code;
	strmap_each(a->codes, hr_limit_one, &ctx);
	strmap_each(a->retired, hr_limit_one, &ctx);
	return 0;
}

int
hr_agencies_in_scope(const struct hr_agencies *a, const char *code)
{
	return a->scope == NULL || (code != NULL && strmap_has(a->scope, code));
}

/* --- the directory snapshot --- */

struct hr_account {
	struct account a;       /* as the account model reads it */
	char *emp;              /* employee id, upper case */
	int seen;               /* named by a row of the file */
	int outside;            /* its agency is outside the run's subtree
				 * (hr_agencies_limit): never touched */
};

struct hr_snapshot {
	struct hr_account *v;
	size_t n, cap;
	struct strmap *by_employee;     /* employee id -> index + 1 */
	struct strmap *taken;           /* every address and uid -> (void *)1 */
	const struct hr_agencies *ag;   /* for the scope */
};

static int
hr_snapshot_cb(const struct dir_entry *e, void *arg)
{
	struct hr_snapshot *s = arg;
	struct hr_account *a;
	struct account x;
	size_t i;

	if (account_from_entry(e, &x) != 0)
		return 0;
	if (x.uid)
		strmap_put(s->taken, x.uid, (void *)1);
	strmap_put(s->taken, x.address, (void *)1);
	for (i = 0; i < x.naliases; i++)
		strmap_put(s->taken, x.aliases[i], (void *)1);
	if (x.employee_id == NULL) {
		account_clear(&x);
		return 0;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	a = &s->v[s->n++];
	memset(a, 0, sizeof(*a));
	a->a = x;
	a->emp = xstrdup(x.employee_id);
	a->outside = !hr_agencies_in_scope(s->ag, x.agency);
	for (i = 0; a->emp[i]; i++)
		a->emp[i] = (char)toupper((unsigned char)a->emp[i]);
	strmap_put(s->by_employee, a->emp, (void *)(uintptr_t)s->n);
	return 0;
}

static void
hr_snapshot_free(struct hr_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		account_clear(&s->v[i].a);
		free(s->v[i].emp);
	}
	free(s->v);
	strmap_free(s->by_employee);
	strmap_free(s->taken);
}

/* --- planning --- */

static struct hr_action *
hr_plan_push(struct hr_plan *p, enum hr_act kind, unsigned long line,
    const char *employee_id, const char *name)
{
	struct hr_action *a;

	p->actions = xgrowarray(p->actions, p->n, sizeof(*p->actions));
	a = &p->actions[p->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->line = line;
	a->employee_id = xstrdup(employee_id);
	a->name = xstrdup(name ? name : "");
	a->result = DIR_OK;
	p->count[kind]++;
	return a;
}

/* Append "attr" to a comma-separated list. */
static void
hr_what_add(char **what, const char *s)
{
	char *n = *what ? xasprintf("%s, %s", *what, s) : xstrdup(s);

	free(*what);
	*what = n;
}

/* The action writes res: its mods, and its changes for the audit log. */
static void
hr_action_take(struct hr_action *a, struct account_result *res)
{
	a->mods = res->mods;
	res->mods = NULL;
	a->changes = xmalloc(sizeof(*a->changes));
	*a->changes = *res;
	memset(res, 0, sizeof(*res));
}

/* The changes a row asks of an existing account; kind chosen by status. */
static void
hr_plan_existing(struct hr_plan *p, const struct hr_row *r, struct hr_account *acct,
    const char *now)
{
	struct account_result res;
	enum hr_act kind = HR_ACT_UPDATE;
	char *what = NULL, *reason = NULL;
	int employed = r->status == HR_WORKING || r->status == HR_ON_LEAVE;
	const struct account *cur = &acct->a;
	int active = cur->status && strcmp(cur->status, DIR_STATUS_ACTIVE) == 0;
	size_t i;

	account_result_init(&res);
	account_plan_name(&res, cur, r->name);
	account_plan_text(&res, "title", cur->title, r->position);
	account_plan_text(&res, "phone", cur->phone, r->phone);
	account_plan_agency(&res, cur, r->agency);
	for (i = 0; i < res.n; i++)
		hr_what_add(&what, res.changes[i].field);
	if (what == NULL && dir_mods_count(res.mods) > 0)
		hr_what_add(&what, "search name");     /* made before search existed */
	if (!employed && active) {
		kind = HR_ACT_SUSPEND;
		reason = xasprintf(HR_REASON_PREFIX " %s", hr_status_name(r->status));
		account_plan_status(&res, cur, DIR_STATUS_SUSPENDED, reason, now);
	} else if (employed && !active && cur->status_reason &&
	    strncmp(cur->status_reason, HR_REASON_PREFIX, strlen(HR_REASON_PREFIX)) == 0) {
		/* suspended (retired) or disabled (absent) by an earlier sync */
		kind = HR_ACT_RESUME;
		account_plan_status(&res, cur, DIR_STATUS_ACTIVE, NULL, now);
	}
	if (dir_mods_count(res.mods) == 0) {
		account_result_clear(&res);
		free(what);
		free(reason);
		p->unchanged++;
		return;
	}
	{
		struct hr_action *a = hr_plan_push(p, kind, r->line, r->employee_id, r->name);

		a->row = r;
		a->address = xstrdup(cur->address ? cur->address : "");
		a->uid = xstrdup(cur->uid ? cur->uid : "");
		a->dn = xstrdup(cur->dn);
		hr_action_take(a, &res);
		if (reason != NULL)
			hr_what_add(&what, reason);
		a->what = what;
	}
	free(reason);
}

/*
 * A row of a run limited to a subtree whose employee has an account in an
 * agency outside it: moving it in needs rights on both subtrees, which the
 * run does not have. Planned as an update that cannot be done.
 */
static void
hr_plan_outside(struct hr_plan *p, const struct hr_row *r, const struct hr_account *acct,
    const struct hr_agencies *ag)
{
	struct hr_action *a = hr_plan_push(p, HR_ACT_UPDATE, r->line, r->employee_id,
	    r->name);

	a->row = r;
	a->address = xstrdup(acct->a.address ? acct->a.address : "");
	a->uid = xstrdup(acct->a.uid ? acct->a.uid : "");
	a->dn = xstrdup(acct->a.dn);
	a->result = DIR_CONSTRAINT;
	a->error = xasprintf("the account is in agency '%s', outside the subtree of "
	    "agency '%s': moving it needs rights on both", acct->a.agency ?
	    acct->a.agency : "?", ag->scope_code);
	p->invalid++;
}

/* The account a row describes (configured defaults for the rest). */
static void
hr_account_new(const struct hr_row *r, struct account_new *an)
{
	memset(an, 0, sizeof(*an));
	an->name = r->name;
	an->agency = r->agency;
	an->employee_id = r->employee_id;
	an->title = *r->position ? r->position : NULL;
	an->phone = *r->phone ? r->phone : NULL;
	an->quota = -1;
	an->may_send_external = -1;
}

/* Lowest free local part for a name in a domain; reserves it. */
static int
hr_allocate(struct hr_snapshot *s, const struct govmail_conf *c, const char *name,
    const char *domain, char *local, size_t llen, char *addr, size_t alen)
{
	char base[96], err[256];
	unsigned n;

	if (address_local_from_name(c->addr_template, name, base, sizeof(base), err,
	    sizeof(err)) != 0)
		return -1;
	for (n = 1; n <= 100000; n++) {
		if (address_candidate(base, n, local, llen) != 0)
			return -1;
		snprintf(addr, alen, "%s@%s", local, domain);
		if (strmap_has(s->taken, local) || strmap_has(s->taken, addr))
			continue;
		strmap_put(s->taken, local, (void *)1);
		strmap_put(s->taken, addr, (void *)1);
		return 0;
	}
	return -1;
}

static void
hr_plan_create(struct hr_plan *p, struct dir *d, const struct govmail_conf *c,
    struct hr_snapshot *s, const struct hr_row *r, const struct hr_agencies *ag,
    const struct hr_passwords *pw)
{
	const char *old = pw != NULL ? hr_passwords_get(pw, r->employee_id) : NULL;
	const struct hr_agency *agency = strmap_get(ag->codes, r->agency);
	const char *domain = agency && agency->domain ? agency->domain :
	    c->addr_default_domain;
	char local[96], addr[400], hash[PASSWD_HASH_MAX];
	struct account_new an;
	struct hr_action *a;

	a = hr_plan_push(p, HR_ACT_CREATE, r->line, r->employee_id, r->name);
	a->row = r;
	if (!strmap_has(ag->domains, domain)) {
		a->result = DIR_CONSTRAINT;
		const char *target = strmap_get(ag->migrated, domain);

		if (target != NULL) {
			char why[600];

			dir_account_migrated_advice(domain, target, why, sizeof(why));
			a->error = xstrdup(why);
		} else
			a->error = xasprintf("domain %s is not an active governed domain "
			    "(govmailctl domain add %s)", domain, domain);
		p->invalid++;
		return;
	}
	if (hr_allocate(s, c, r->name, domain, local, sizeof(local), addr,
	    sizeof(addr)) != 0) {
		a->result = DIR_CONSTRAINT;
		a->error = xstrdup("no address can be made from this name");
		p->invalid++;
		return;
	}
	a->address = xstrdup(addr);
	a->uid = xstrdup(local);
	a->dn = dir_account_dn(d, local);
	a->what = xstrdup(r->agency);
	hr_account_new(r, &an);
	if (pw != NULL) {
		/*
		 * Generated, high-entropy initial password: {SSHA512} (see
		 * passwd_hash.c) costs microseconds, so hashing 10,300 of them
		 * does not hold up the pipelined writes. One already on file
		 * for this employee (an interrupted run planned the account and
		 * wrote it there, but the account was not made, or was made
		 * after this run's snapshot) is used again: the file keeps one
		 * line per employee, and that line stays right either way.
		 */
		if (old != NULL) {
			a->password = xstrdup(old);
			a->password_on_file = 1;
		} else {
			a->password = xmalloc((size_t)c->pw_generated_length + 1);
			if (passwd_generate(a->password, (size_t)c->pw_generated_length) != 0)
				a->password[0] = '\0';
		}
		if (a->password[0] == '\0' ||
		    passwd_hash_ssha512(a->password, hash, sizeof(hash)) != 0) {
			a->result = DIR_ERROR;
			a->error = xstrdup("cannot generate a password");
			p->invalid++;
			return;
		}
		an.password_hash = hash;
		an.must_change_password = 1;
	}
	a->mods = dir_account_entry(c, &an, r->name, local, addr);
}

/* Employee ids of the lines of the passwords file, to check each. */
struct hr_pw_ids {
	char **v;
	size_t n;
};

static void
hr_pw_collect(const char *employee_id, void *arg)
{
	struct hr_pw_ids *ids = arg;

	ids->v = xgrowarray(ids->v, ids->n, sizeof(*ids->v));
	ids->v[ids->n++] = xstrdup(employee_id);
}

/*
 * Drop the lines of employees who have no account and get none in this
 * plan: what is left names only accounts that exist or are about to.
 */
static void
hr_pw_drop_stale(struct hr_passwords *pw, const struct hr_snapshot *s,
    const struct hr_plan *p)
{
	struct strmap *creating = strmap_new(p->count[HR_ACT_CREATE] + 16);
	struct hr_pw_ids ids = { NULL, 0 };
	char key[64];
	size_t i, j;

	for (i = 0; i < p->n; i++)
		if (p->actions[i].kind == HR_ACT_CREATE && p->actions[i].password != NULL)
			strmap_put(creating, p->actions[i].employee_id, (void *)1);
	hr_passwords_each(pw, hr_pw_collect, &ids);
	for (i = 0; i < ids.n; i++) {
		for (j = 0; ids.v[i][j] && j < sizeof(key) - 1; j++)
			key[j] = (char)toupper((unsigned char)ids.v[i][j]);
		key[j] = '\0';
		if (!strmap_has(s->by_employee, key) && !strmap_has(creating, key))
			hr_passwords_drop(pw, ids.v[i]);
		free(ids.v[i]);
	}
	free(ids.v);
	strmap_free(creating);
}

struct hr_plan *
hr_plan_build(struct dir *d, const struct govmail_conf *c, const struct hr_file *hr,
    const struct hr_agencies *ag, int disable_missing, struct hr_passwords *pw,
    char *err, size_t errlen)
{
	struct hr_snapshot s;
	struct hr_plan *p;
	struct strmap *rejected;        /* employee id -> its first error + 1 */
	char now[32];
	size_t i;

	memset(&s, 0, sizeof(s));
	s.ag = ag;
	s.by_employee = strmap_new(hr->nrows + 1024);
	s.taken = strmap_new(2 * hr->nrows + 4096);
	if (dir_search(d, dir_base(d), LDAP_SCOPE_SUBTREE, "(objectClass=" DIR_OC_ACCOUNT ")",
	    dir_account_attrs, hr_snapshot_cb, &s) != DIR_OK) {
		snprintf(err, errlen, "reading accounts: %s", dir_error(d));
		hr_snapshot_free(&s);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	dir_generalized_time(now, sizeof(now));
	for (i = 0; i < s.n; i++)
		if (!s.v[i].outside && s.v[i].a.status &&
		    strcmp(s.v[i].a.status, DIR_STATUS_ACTIVE) == 0)
			p->managed_active++;
	for (i = 0; i < hr->nrows; i++) {
		const struct hr_row *r = &hr->rows[i];
		uintptr_t idx = (uintptr_t)strmap_get(s.by_employee, r->employee_id);

		if (idx != 0 && s.v[idx - 1].outside) {
			s.v[idx - 1].seen = 1;
			hr_plan_outside(p, r, &s.v[idx - 1], ag);
		} else if (idx != 0) {
			s.v[idx - 1].seen = 1;
			hr_plan_existing(p, r, &s.v[idx - 1], now);
		} else if (r->status == HR_WORKING || r->status == HR_ON_LEAVE)
			hr_plan_create(p, d, c, &s, r, ag, pw);
		else
			p->count[HR_ACT_NOACCOUNT]++;
	}
	/*
	 * A rejected row still says its employee is in the file: the account
	 * is left as it is (an agency code renamed in the export, or merged
	 * away, must not disable the people of that agency).
	 */
	rejected = strmap_new(hr->nerrors + 16);
	for (i = 0; i < hr->nerrors; i++)
		if (hr->errors[i].employee_id != NULL &&
		    !strmap_has(rejected, hr->errors[i].employee_id))
			strmap_put(rejected, hr->errors[i].employee_id, (void *)(uintptr_t)(i + 1));
	for (i = 0; i < s.n; i++) {
		struct hr_account *acct = &s.v[i];
		uintptr_t e = (uintptr_t)strmap_get(rejected, acct->emp);
		struct hr_action *a;

		if (acct->outside)
			continue;
		if (!acct->seen && e != 0) {
			const struct hr_error *er = &hr->errors[e - 1];

			a = hr_plan_push(p, HR_ACT_KEPT, er->line, acct->emp, acct->a.cn);
			a->address = xstrdup(acct->a.address);
			a->uid = xstrdup(acct->a.uid ? acct->a.uid : "");
			a->dn = xstrdup(acct->a.dn);
			a->what = xasprintf("not %s: its row was rejected: %s",
			    disable_missing ? "disabled" : "taken for absent",
			    strncasecmp(er->message, er->employee_id,
			    strlen(er->employee_id)) == 0 &&
			    strncmp(er->message + strlen(er->employee_id), ": ", 2) == 0 ?
			    er->message + strlen(er->employee_id) + 2 : er->message);
			continue;
		}
		if (acct->seen || acct->a.status == NULL ||
		    strcmp(acct->a.status, DIR_STATUS_ACTIVE) != 0)
			continue;
		a = hr_plan_push(p, disable_missing ? HR_ACT_DISABLE : HR_ACT_MISSING, 0,
		    acct->emp, acct->a.cn);
		a->address = xstrdup(acct->a.address);
		a->uid = xstrdup(acct->a.uid ? acct->a.uid : "");
		a->dn = xstrdup(acct->a.dn);
		if (disable_missing) {
			char *reason = xasprintf(HR_REASON_PREFIX " absent from %s", hr->path);
			struct account_result res;

			account_result_init(&res);
			account_plan_status(&res, &acct->a, DIR_STATUS_DISABLED, reason, now);
			hr_action_take(a, &res);
			a->what = reason;
		}
	}
	strmap_free(rejected);
	if (pw != NULL)
		hr_pw_drop_stale(pw, &s, p);
	hr_snapshot_free(&s);
	return p;
}

int
hr_absence_refused(const struct hr_file *hr, char *why, size_t whylen)
{
	size_t i, n = 0, off;
	unsigned long first = 0;

	if (hr->torn_line != 0) {
		snprintf(why, whylen, "%s:%lu: the file ends in the middle of a row (no line "
		    "end after it): it looks cut short, and everyone after the cut would be "
		    "taken for absent; refusing --disable-missing, nothing was changed",
		    hr->path, hr->torn_line);
		return 1;
	}
	for (i = 0; i < hr->nerrors; i++)
		if (hr->errors[i].employee_id == NULL && n++ == 0)
			first = hr->errors[i].line;
	if (n == 0)
		return 0;
	off = (size_t)snprintf(why, whylen, "%s: refusing --disable-missing: ", hr->path);
	if (off >= whylen)
		return 1;
	if (n == 1)
		snprintf(why + off, whylen - off, "line %lu was rejected and names no usable "
		    "employee_id", first);
	else
		snprintf(why + off, whylen - off, "%zu rejected rows (the first on line %lu) "
		    "name no usable employee_id", n, first);
	off = strlen(why);
	snprintf(why + off, whylen - off, ", so whose rows they are cannot be known and "
	    "nobody can be taken for absent; fix them, or run without --disable-missing; "
	    "nothing was changed");
	return 1;
}

void
hr_plan_passwords_before(const struct hr_plan *p, struct hr_passwords *pw)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct hr_action *a = &p->actions[i];

		if (a->kind == HR_ACT_CREATE && a->password != NULL && a->mods != NULL &&
		    a->result == DIR_OK)
			hr_passwords_set(pw, a->employee_id, a->address, a->password);
	}
}

void
hr_plan_passwords_after(const struct hr_plan *p, struct hr_passwords *pw)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct hr_action *a = &p->actions[i];

		if (a->kind != HR_ACT_CREATE)
			continue;
		if (a->result == DIR_OK && a->password != NULL)
			hr_passwords_set(pw, a->employee_id, a->address, a->password);
		else if (a->result != DIR_UNAVAILABLE)
			hr_passwords_drop(pw, a->employee_id);
	}
}

size_t
hr_plan_lockouts(const struct hr_plan *p)
{
	return p->count[HR_ACT_SUSPEND] + p->count[HR_ACT_DISABLE];
}

int
hr_plan_over_guard(const struct hr_plan *p, int max_percent, int floor)
{
	size_t n = hr_plan_lockouts(p);

	return n > (size_t)floor && n * 100 > p->managed_active * (size_t)max_percent;
}

/* --- applying --- */

/* Where each write stands while the plan is applied. */
enum hr_state {
	HR_PENDING = 0,         /* to be sent */
	HR_SENT,                /* sent, no answer yet */
	HR_ANSWERED,            /* its outcome is known (and reported) */
	HR_LOST                 /* the connection died under it: outcome unknown */
};

struct hr_apply_ctx {
	struct hr_action *a;
	struct hr_plan *p;
	void (*done)(struct hr_action *, void *);
	void *arg;
	enum hr_state state;
	int announced;          /* named by an intent record already */
	int retry;              /* create refused: try again one by one */
};

static void
hr_apply_cb(void *cookie, enum dir_status st, const char *msg)
{
	struct hr_apply_ctx *x = cookie;

	/* With a server to fail over to, the outcome is settled later. */
	if (st == DIR_UNAVAILABLE && x->p->reconnect != NULL) {
		x->state = HR_LOST;
		return;
	}
	x->state = HR_ANSWERED;
	x->a->result = st;
	if (st != DIR_OK) {
		if (x->a->kind == HR_ACT_CREATE && (st == DIR_EXISTS || st == DIR_CONSTRAINT)) {
			x->retry = 1;
			return;
		}
		x->a->error = xstrdup(msg);
		x->p->failed++;
	}
	if (x->done)
		x->done(x->a, x->arg);
}

/* A create refused because someone took its address meanwhile. */
static void
hr_retry_create(struct dir *d, const struct govmail_conf *c, struct hr_plan *p,
    struct hr_action *a, void (*done)(struct hr_action *, void *), void *arg)
{
	struct account_created out;
	struct account_new an;
	struct dir_mods *m = NULL;
	char err[1024], hash[PASSWD_HASH_MAX];
	const struct hr_row *r = a->row;
	struct dir_entry *e = NULL;
	char *filter;

	/*
	 * The employee may already have the account: an interrupted earlier
	 * run whose last writes reached slapd after this run's snapshot. Then
	 * this create is done, with that account's address.
	 */
	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_ACCOUNT ")(" DIR_AT_EMPLOYEENUMBER
	    "=%s))", r->employee_id);
	if (dir_search_one(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, dir_account_attrs,
	    &e) == DIR_OK) {
		free(filter);
		free(a->address);
		free(a->dn);
		a->address = xstrdup(dir_entry_get(e, DIR_AT_MAIL) ? dir_entry_get(e,
		    DIR_AT_MAIL) : "");
		a->dn = xstrdup(e->dn);
		a->result = DIR_OK;
		dir_entry_free(e);
		/*
		 * Or it is this run's own create: sent to a provider that died,
		 * not yet on the new one when hr_settle_lost asked, and sent
		 * again after replication had brought it there. The password
		 * this run generated binds: the account was made by this run,
		 * with that password, and is reported and audited as made.
		 */
		if (a->password != NULL && !a->password_on_file &&
		    dir_check_bind(d, a->dn, a->password) == DIR_OK) {
			if (done)
				done(a, arg);
			return;
		}
		/* Its password is the one on file if this one came from there;
		 * one generated now is not its password: forget it. Nothing was
		 * written now: nothing to audit. */
		if (a->password != NULL && !a->password_on_file) {
			explicit_bzero(a->password, strlen(a->password));
			free(a->password);
			a->password = NULL;
		}
		dir_mods_free(a->mods);
		a->mods = NULL;
		free(a->what);
		a->what = xstrdup("already created by an interrupted run");
		if (done)
			done(a, arg);
		return;
	}
	free(filter);

	hr_account_new(r, &an);
	if (a->password != NULL && passwd_hash_ssha512(a->password, hash, sizeof(hash)) == 0) {
		an.password_hash = hash;
		an.must_change_password = 1;
	}
	/* (the refused add was counted in p->writes already) */
	if (dir_account_create(d, c, &an, &out, err, sizeof(err), &m) == DIR_OK) {
		a->readdressed = strcmp(a->address, out.address) != 0;
		free(a->address);
		free(a->uid);
		free(a->dn);
		a->address = xstrdup(out.address);
		a->uid = xstrdup(out.uid);
		a->dn = xstrdup(out.dn);
		a->result = DIR_OK;
		dir_mods_free(a->mods);
		a->mods = m;
	} else {
		dir_mods_free(m);
		a->result = dir_last_status(d) == DIR_OK ? DIR_CONSTRAINT : dir_last_status(d);
		a->error = xstrdup(err);
		p->failed++;
	}
	if (done)
		done(a, arg);
}

void
hr_plan_on_intent(struct hr_plan *p,
    int (*intent)(struct hr_action *const *acts, size_t n, void *arg), void *arg)
{
	p->intent = intent;
	p->intent_arg = arg;
}

void
hr_plan_on_reconnect(struct hr_plan *p, int (*reconnect)(size_t sent, size_t lost,
    void *arg), void *arg)
{
	p->reconnect = reconnect;
	p->reconnect_arg = arg;
}

/* Whether action i is still to be sent. */
static int
hr_pending(const struct hr_apply_ctx *ctx, const struct hr_plan *p, size_t i)
{
	return p->actions[i].mods != NULL && p->actions[i].result == DIR_OK &&
	    ctx[i].state == HR_PENDING;
}

/*
 * The writes still to be sent among the next group of up to size from
 * action i on, announced to the intent callback unless an earlier intent
 * record of this run named them (a write sent again after a failover);
 * 0, or its non-zero refusal.
 */
static int
hr_announce(struct hr_plan *p, struct hr_apply_ctx *ctx, size_t i, size_t size)
{
	struct hr_action **acts;
	size_t n = 0, seen = 0;
	int rc;

	if (p->intent == NULL)
		return 0;
	acts = xcalloc(size, sizeof(*acts));
	for (; i < p->n && seen < size; i++)
		if (hr_pending(ctx, p, i)) {
			seen++;
			if (!ctx[i].announced)
				acts[n++] = &p->actions[i];
		}
	rc = n > 0 ? p->intent(acts, n, p->intent_arg) : 0;
	if (rc == 0)
		for (i = 0; i < n; i++)
			ctx[acts[i] - p->actions].announced = 1;
	free(acts);
	return rc;
}

/* Send every pending write through one pipeline on the current
 * connection; the status of the pipeline. */
static enum dir_status
hr_apply_pass(struct dir *d, const struct govmail_conf *c, struct hr_plan *p,
    struct hr_apply_ctx *ctx, int window)
{
	struct dir_pipe *pipe = dir_pipe_new(d, window);
	enum dir_status st = DIR_OK;
	size_t i, group = c->hr_transaction_size > 1 ? (size_t)c->hr_transaction_size :
	    (size_t)(window > 0 ? window : 1), ingroup = 0;

	dir_pipe_use_transactions(pipe, c->hr_transaction_size);
	for (i = 0; i < p->n; i++) {
		struct hr_action *a = &p->actions[i];

		if (!hr_pending(ctx, p, i))
			continue;
		if (ingroup == 0 && hr_announce(p, ctx, i, group) != 0) {
			/* the announced groups are sent: finish them */
			if ((st = dir_pipe_flush(pipe)) == DIR_OK)
				st = DIR_ERROR;
			break;
		}
		ingroup = (ingroup + 1) % group;
		ctx[i].state = HR_SENT;
		p->writes++;
		if (a->kind == HR_ACT_CREATE)
			st = dir_pipe_add(pipe, a->dn, a->mods, hr_apply_cb, &ctx[i]);
		else
			st = dir_pipe_modify(pipe, a->dn, a->mods, hr_apply_cb, &ctx[i]);
		if (st != DIR_OK)
			break;
	}
	if (st == DIR_OK)
		st = dir_pipe_flush(pipe);
	dir_pipe_free(pipe);
	/* (every write sent was answered, or failed with the connection) */
	for (i = 0; i < p->n; i++)
		if (ctx[i].state == HR_SENT)
			ctx[i].state = HR_LOST;
	return st;
}

/*
 * After a failover: did each write lost with the old server take effect?
 * Asked of the new server. A create took effect when the employee has an
 * account (then reported as made, with that account's DN and address: it
 * was made by this run, with the password on file); a modify when the
 * entry holds the values it writes (dir_verify). What took effect is
 * reported now; the rest is sent again (it was announced already). -1
 * when the new server fails too.
 */
static int
hr_settle_lost(struct dir *d, struct hr_plan *p, struct hr_apply_ctx *ctx)
{
	char fp[DIR_FINGERPRINT_LEN + 1], dn[1024];
	const char *names[64];
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct hr_action *a = &p->actions[i];
		struct audit_intent it;
		int applied;

		if (ctx[i].state != HR_LOST)
			continue;
		memset(&it, 0, sizeof(it));
		it.op = hr_act_name(a->kind);
		it.target = a->employee_id;
		it.dn = a->dn;
		if (a->kind == HR_ACT_CREATE) {
			struct dir_entry *e = NULL;
			char *filter = dir_filter_fmt("(&(objectClass=" DIR_OC_ACCOUNT ")("
			    DIR_AT_EMPLOYEENUMBER "=%s))", a->employee_id);
			enum dir_status st = dir_search_one(d, dir_base(d), LDAP_SCOPE_SUBTREE,
			    filter, dir_account_attrs, &e);

			free(filter);
			if (st != DIR_OK && st != DIR_NOT_FOUND)
				return -1;
			applied = st == DIR_OK;
			if (applied) {
				const char *mail = dir_entry_get(e, DIR_AT_MAIL);

				if (mail != NULL && strcmp(mail, a->address) != 0) {
					free(a->address);
					a->address = xstrdup(mail);
				}
				if (strcmp(e->dn, a->dn) != 0) {
					free(a->dn);
					a->dn = xstrdup(e->dn);
				}
				dir_entry_free(e);
			}
		} else if (dir_mods_fingerprint(a->mods, fp) == 0) {
			it.check = fp;
			it.attrs = names;
			it.nattrs = dir_mods_attr_names(a->mods, names, 64);
			if ((applied = dir_verify_intent(&it, d, dn, sizeof(dn))) < 0)
				return -1;
		} else
			applied = 0;    /* adds or deletes values: cannot tell; such
					 * a write is refused when sent again */
		a->result = DIR_OK;
		if (applied) {
			ctx[i].state = HR_ANSWERED;
			if (ctx[i].done)
				ctx[i].done(a, ctx[i].arg);
		} else
			ctx[i].state = HR_PENDING;
	}
	return 0;
}

enum dir_status
hr_plan_apply(struct dir *d, const struct govmail_conf *c, struct hr_plan *p,
    int window, void (*done)(struct hr_action *, void *), void *arg)
{
	struct hr_apply_ctx *ctx = xcalloc(p->n ? p->n : 1, sizeof(*ctx));
	enum dir_status st;
	size_t i, sent, lost;

	for (i = 0; i < p->n; i++) {
		ctx[i].a = &p->actions[i];
		ctx[i].p = p;
		ctx[i].done = done;
		ctx[i].arg = arg;
	}
	for (;;) {
		st = hr_apply_pass(d, c, p, ctx, window);
		if (st != DIR_UNAVAILABLE || p->reconnect == NULL)
			break;
		for (i = sent = lost = 0; i < p->n; i++) {
			sent += ctx[i].state == HR_ANSWERED;
			lost += ctx[i].state == HR_LOST;
		}
		/* a new server, which may fail as well before it is asked */
		while (st != DIR_OK && p->reconnect(sent, lost, p->reconnect_arg) == 0)
			if (hr_settle_lost(d, p, ctx) == 0)
				st = DIR_OK;
		if (st != DIR_OK)
			break;
	}
	/* What was lost with the server, or not sent, is reported failed. */
	for (i = 0; i < p->n; i++) {
		struct hr_action *a = &p->actions[i];

		if (ctx[i].state == HR_LOST || (st != DIR_OK && hr_pending(ctx, p, i))) {
			a->result = DIR_UNAVAILABLE;
			a->error = xstrdup(st == DIR_ERROR && ctx[i].state == HR_PENDING ?
			    "not sent: its intent record could not be written" :
			    dir_error(d));
			ctx[i].state = HR_ANSWERED;
			p->failed++;
			if (done)
				done(a, arg);
		}
	}
	for (i = 0; i < p->n; i++) {
		struct hr_action *a = &p->actions[i];

		if (!ctx[i].retry)
			continue;
		if (st != DIR_OK) {
			a->result = DIR_UNAVAILABLE;
			a->error = xstrdup(dir_error(d));
			p->failed++;
			if (done)
				done(a, arg);
			continue;
		}
		if (p->intent != NULL && p->intent(&a, 1, p->intent_arg) != 0) {
			a->result = DIR_UNAVAILABLE;
			a->error = xstrdup("not sent: its intent record could not be "
			    "written");
			p->failed++;
			if (done)
				done(a, arg);
			continue;
		}
		hr_retry_create(d, c, p, a, done, arg);
	}
	free(ctx);
	return st;
}

const char *
hr_act_name(enum hr_act k)
{
	switch (k) {
	case HR_ACT_CREATE: return "create";
	case HR_ACT_UPDATE: return "update";
	case HR_ACT_SUSPEND: return "suspend";
	case HR_ACT_RESUME: return "resume";
	case HR_ACT_DISABLE: return "disable";
	case HR_ACT_MISSING: return "missing";
	case HR_ACT_KEPT: return "kept";
	case HR_ACT_NOACCOUNT: return "no-account";
	}
	return "?";
}

void
hr_plan_free(struct hr_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		struct hr_action *a = &p->actions[i];

		free(a->employee_id);
		free(a->name);
		free(a->address);
		free(a->uid);
		free(a->dn);
		free(a->what);
		dir_mods_free(a->mods);
		if (a->changes != NULL) {
			account_result_clear(a->changes);
			free(a->changes);
		}
		if (a->password) {
			explicit_bzero(a->password, strlen(a->password));
			free(a->password);
		}
		free(a->error);
	}
	free(p->actions);
	free(p);
}
