/*
 * dir_account.h — the account model: an account as read from the
 * directory (struct account, decoded in one place), finding it by any
 * address, uid, employee id or name, listing with filters and paging,
 * creating it with a unique generated address, and the operations that
 * change it (account_ops.c), each returning what changed, old -> new.
 * Shared by govmailctl, HR sync and govmaild; the HTTP API is meant to use
 * the same calls. Not for: output formatting (govmailctl) or policy
 * decisions (govmaild).
 */
#ifndef GOVMAIL_DIR_ACCOUNT_H
#define GOVMAIL_DIR_ACCOUNT_H

#include <stddef.h>

#include "dir.h"
#include "dir_account_lock.h"

struct govmail_conf;

/* Attributes read for an account (NULL-terminated). */
extern const char *const dir_account_attrs[];

/* DN of the account with this uid. xmalloc'd. */
char *dir_account_dn(struct dir *d, const char *uid);

/* Find the account owning ADDRESS (primary or alias) or with that uid. */
enum dir_status dir_account_find(struct dir *d, const char *key, struct dir_entry **out);

/* 1 if an address is used by any account (mail or alias), 0 if free, -1 on error. */
int dir_account_address_used(struct dir *d, const char *address);

/* What a new account is made of. Unset optional fields are NULL. */
struct account_new {
	const char *name;          /* full name as given (validated here) */
	const char *agency;        /* agency code (must exist and be active) */
	const char *employee_id;
	const char *title;
	const char *phone;
	const char *mobile;
	const char *domain;        /* NULL: agency's domain, else default_domain */
	const char *address;       /* explicit address, overrides the template */
	long long quota;           /* -1: configured default */
	int may_send_external;     /* -1: configured default, 0, 1 */
	const char *password_hash; /* userPassword value, or NULL for none */
	int must_change_password;
};

/* Result of a creation. */
struct account_created {
	char uid[96];
	char address[400];
	char dn[512];
	/* on a refusal, the request field it concerns ("name", "employee_id",
	 * "title", "phone", "mobile", "agency", "address", "domain"), or NULL */
	const char *field;
};

/* The attributes of a new account entry (display = name in display form). */
struct dir_mods *dir_account_entry(const struct govmail_conf *c,
    const struct account_new *a, const char *display, const char *uid,
    const char *address);

/*
 * Create an account. The address comes from the configured template with
 * the next free number (annv, annv2, ...); the uid (RDN) is reserved
 * atomically by the add itself, so concurrent creations of the same name get
 * distinct addresses. On failure returns the status and a message in err;
 * nothing is left behind.
 */
enum dir_status dir_account_create(struct dir *d, const struct govmail_conf *c,
    const struct account_new *a, struct account_created *out, char *err,
    size_t errlen, struct dir_mods **mods_out);

/*
 * The next free address for a name without creating anything (address
 * suggest --check). Returns DIR_OK with out filled.
 */
enum dir_status dir_account_next_free(struct dir *d, const struct govmail_conf *c,
    const char *name, const char *domain, char *out, size_t outlen, char *err,
    size_t errlen);

/* Current time as LDAP GeneralizedTime (YYYYMMDDHHMMSSZ). */
void dir_generalized_time(char *buf, size_t len);

/* Lowercase an address in place (ASCII only). */
void dir_lower(char *s);

/* err: why no account can be made in domain, migrated to target (an
 * alias of it now), and what to change. */
void dir_account_migrated_advice(const char *domain, const char *target, char *err,
    size_t errlen);

/* --- the model ------------------------------------------------------------ */

/* An account as read from the directory; strings are owned by the struct,
 * NULL when the attribute is absent. */
struct account {
	char *dn;
	char *csn;              /* entryCSN as read: the version a conditional
	                         * write asserts (account_fields.if_csn) */
	char *uid;
	char *address;          /* primary address */
	char **aliases;
	size_t naliases;
	char **forwards;
	size_t nforwards;
	char *cn;               /* full name in display form */
	char *sn;               /* surname (first word) */
	char *given_name;       /* given name (last word) */
	char *display_name;
	char *folded_name;      /* lowercase ASCII form, for search */
	int searchable;         /* has the class that holds folded_name */
	char *employee_id;
	char *agency;
	char *title;
	char *phone;
	char *mobile;
	char *status;           /* active, suspended, disabled */
	char *status_reason;
	char *status_changed;   /* GeneralizedTime */
	long long quota;        /* bytes; -1 when not set */
	int may_send_external;  /* -1 not set (agencies, then default decide) */
	int must_change_password;
	char *language;
	size_t ncerts;          /* signing certificates on the entry;
	                         * ACCOUNT_NCERTS_UNKNOWN unless read */
	struct dir_lock_state lock;   /* the login lock (dir_account_lock.h) as
	                         * read, policy unknown: a lockout counts as in
	                         * force, its end unknown (dir_lock_refine) */
	char *policy_dn;        /* pwdPolicySubentry, or NULL: the default */
};

#define ACCOUNT_NCERTS_UNKNOWN ((size_t)-1)

/* Fill a from an entry read with dir_account_attrs. 0, or -1 if e is not
 * an account (no mail). */
int account_from_entry(const struct dir_entry *e, struct account *a);
void account_clear(struct account *a);
void account_free(struct account *a);
/* Is value (case-insensitive) the address or one of the aliases? */
int account_has_address(const struct account *a, const char *value);
int account_has_alias(const struct account *a, const char *value);

/* sn (first word) and givenName (last word) of a name in display form; a
 * one-word name is both. The one place names are split for LDAP. */
void account_name_split(const char *display, char *sn, size_t snlen, char *given,
    size_t glen);
/* The folded search form of a name ("Nguyễn Văn An" -> "nguyen van an"). */
void account_name_fold(const char *name, char *out, size_t outlen);

/* The account with this address, alias or uid (as dir_account_find). */
enum dir_status dir_account_get(struct dir *d, const char *key, struct account **out);

/*
 * What an administrator types to name an account: an address or alias,
 * a uid, an employee id, or a full name (accent-insensitive). DIR_OK with
 * *out; DIR_NOT_FOUND; DIR_CONSTRAINT when a name matches several accounts
 * (*nmatch says how many; list them with dir_account_list).
 */
enum dir_status dir_account_lookup(struct dir *d, const char *key,
    struct account **out, size_t *nmatch);

/* Filters of dir_account_list; NULL/0 members do not filter. */
struct account_filter {
	const char *agency;     /* code; with recursive also its sub-agencies */
	int recursive;
	const char *status;     /* active, suspended, disabled, or
	                         * ACCOUNT_STATUS_LOCKED: a login lock */
	const char *domain;     /* domain of the primary address */
	const char *name;       /* words, accent-insensitive, in order, whole
	                         * words ("nguyen an" finds Nguyễn Văn An) */
	const char *employee_id;
	const char *address;    /* primary address or alias */
	size_t offset;          /* skip this many matches */
	size_t limit;           /* at most this many (0: all) */
};

/* Not a status of the directory: the accounts with a login lock. */
#define ACCOUNT_STATUS_LOCKED "locked"

typedef int (*account_cb)(const struct account *a, void *arg);

/*
 * Accounts matching f in directory order, passed to cb (return non-zero to
 * stop) after f->offset matches, at most f->limit of them. *matched (may be
 * NULL) gets how many matched in all, so a caller can page. DIR_NOT_FOUND
 * with err when f->agency is unknown; DIR_CONSTRAINT for a bad filter.
 */
enum dir_status dir_account_list(struct dir *d, const struct account_filter *f,
    account_cb cb, void *arg, size_t *matched, char *err, size_t errlen);

/* --- operations (account_ops.c) ---------------------------------------------------- */

/* One changed field of an account: its model name ("aliases", "status",
 * ...), the value before and after (NULL: none). Lists are ", "-joined.
 * Secrets never appear: a password change is "(changed)". */
struct account_change {
	const char *field;
	char *old;
	char *new;
};

/* What an operation did or would do: the changes and the LDAP
 * modifications that make them (for dir_modify or a pipelined batch). */
struct account_result {
	struct account_change *changes;
	size_t n;
	struct dir_mods *mods;
};

void account_result_init(struct account_result *r);
void account_result_clear(struct account_result *r);
/* Add one change (copies of old and new; nothing when both are empty). */
void account_change(struct account_result *r, const char *field, const char *old,
    const char *new);
/* The result of dir_account_create: the fields a was made with (address
 * and the given ones) as changes from nothing; r takes mods (what
 * dir_account_create wrote). */
void account_result_created(struct account_result *r, const struct account_new *a,
    const char *address, struct dir_mods *mods);

/* Building blocks (no directory access): each adds to r what turns cur's
 * field into the wanted value, nothing when it is already so. */
void account_plan_name(struct account_result *r, const struct account *cur,
    const char *name);
void account_plan_text(struct account_result *r, const char *field,
    const char *cur, const char *want);  /* title, phone, mobile, employee_id, language */
void account_plan_agency(struct account_result *r, const struct account *cur,
    const char *code);
void account_plan_status(struct account_result *r, const struct account *cur,
    const char *status, const char *reason, const char *now);

/* Wanted values of account_modify; NULL leaves a field alone, "" removes
 * it (title, phone, mobile). may_send_external: -1 leave, 0, 1. */
struct account_fields {
	const char *name;
	const char *title;
	const char *phone;
	const char *mobile;
	const char *employee_id;
	const char *language;
	int may_send_external;
	const char *if_csn;     /* not NULL: write only while the entry's
	                         * entryCSN is still this (an HTTP If-Match made
	                         * atomic); else DIR_CHANGED */
};

/*
 * The operations. Each validates, checks the directory, writes one modify
 * (all of it applies or nothing does) and fills r (initialised by the
 * callee; clear it after). DIR_OK with r->n == 0: nothing to change.
 * DIR_CONSTRAINT/DIR_EXISTS: refused, why in err; DIR_NOT_FOUND: unknown
 * agency; else the LDAP failure (err holds the server's message).
 */
enum dir_status account_modify(struct dir *d, const struct govmail_conf *c,
    const struct account *cur, const struct account_fields *f,
    struct account_result *r, char *err, size_t errlen);
/* status: active, suspended or disabled; a disabled account is resumed
 * before it can be suspended. */
enum dir_status account_set_status(struct dir *d, const struct account *cur,
    const char *status, const char *reason, struct account_result *r, char *err,
    size_t errlen);
enum dir_status account_move(struct dir *d, const struct account *cur,
    const char *agency, struct account_result *r, char *err, size_t errlen);
/* New primary address; the old one stays as an alias (an alias given as
 * the new address is promoted). */
enum dir_status account_readdress(struct dir *d, const struct account *cur,
    const char *address, struct account_result *r, char *err, size_t errlen);
enum dir_status account_alias_add(struct dir *d, const struct account *cur,
    const char *alias, struct account_result *r, char *err, size_t errlen);
enum dir_status account_alias_remove(struct dir *d, const struct account *cur,
    const char *alias, struct account_result *r, char *err, size_t errlen);
/* Replace the forwarding addresses (n == 0: stop forwarding). */
enum dir_status account_forward_set(struct dir *d, const struct account *cur,
    const char *const *addrs, size_t n, struct account_result *r, char *err,
    size_t errlen);
/* quota in bytes, 0: unlimited. */
enum dir_status account_quota_set(struct dir *d, const struct account *cur,
    long long quota, struct account_result *r, char *err, size_t errlen);
/* hash: a userPassword value, already hashed. */
enum dir_status account_password_set(struct dir *d, const struct account *cur,
    const char *hash, int must_change, struct account_result *r, char *err,
    size_t errlen);
/* Store the folded name if it is missing or out of step with cn (accounts
 * made before search existed, or changed outside govmail). */
enum dir_status account_reindex(struct dir *d, const struct account *cur,
    struct account_result *r, char *err, size_t errlen);

/*
 * Purge (delete) the account a (account_purge.c): it must be disabled, and
 * disabled at least retention_days ago unless force. DIR_CONSTRAINT with
 * why in err when refused; else dir_delete's status. account_purge_allowed
 * is the rule alone (0, or -1 with err), at time now.
 */
int account_purge_allowed(const struct account *a, int retention_days, int force,
    time_t now, char *err, size_t errlen);
enum dir_status account_purge(struct dir *d, const struct account *a,
    int retention_days, int force, char *err, size_t errlen);

/* The agency code must exist and take accounts (not retired or merged
 * away): DIR_NOT_FOUND / DIR_CONSTRAINT with why in err. domain gets the
 * agency's own mail domain ("" if none). */
enum dir_status dir_account_agency(struct dir *d, const char *code, char *domain,
    size_t dlen, char *err, size_t errlen);
/* DIR_OK if no account has employee id id, DIR_EXISTS if one has (err
 * does not name it: callers of govmail-apid may not see that account),
 * else the LDAP failure. */
enum dir_status dir_account_employee_free(struct dir *d, const char *id, char *err,
    size_t errlen);
/* The address of an account with employee id id in holder ("" if it has
 * none): 1, 0 if no account has it, -1 on an LDAP failure. For callers
 * that may see every account (govmailctl). */
int dir_account_employee_holder(struct dir *d, const char *id, char *holder,
    size_t hlen);
/* A free-text field (NULL passes): 1..max bytes of UTF-8 without control
 * characters. 0, or -1 with "WHAT must be ..." in err. */
int dir_account_text_ok(const char *what, const char *v, size_t max, char *err,
    size_t errlen);

/* The domain of addr must be a governed, active domain (DIR_CONSTRAINT
 * with why in err if not). */
enum dir_status dir_account_domain_ok(struct dir *d, const char *domain, char *err,
    size_t errlen);

#endif
