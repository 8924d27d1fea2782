/*
 * api_authz.h — who may call govmail-apid and what they may touch: API
 * tokens for agency HR systems (stored only hashed, limited to source
 * networks, expiring, revocable), roles granted to people in the
 * directory, and the one scope check every API operation goes through.
 * Shared by govmailctl (token / role commands) and govmail-apid.
 * Not for: HTTP (src/govmail-apid) or the account operations themselves
 * (dir_account.h).
 */
#ifndef GOVMAIL_API_AUTHZ_H
#define GOVMAIL_API_AUTHZ_H

#include <stddef.h>
#include <time.h>

#include "dir.h"

enum api_role {
	API_ROLE_NONE = 0,
	API_ROLE_PROVINCE_ADMIN,  /* everything, everywhere */
	API_ROLE_AGENCY_ADMIN,    /* accounts, aliases, certificates,
	                           * sub-agencies within the subtree */
	API_ROLE_HR,              /* create, modify, move within the subtree,
	                           * suspend/resume, reset password; no external
	                           * forwarding, no purge, no agencies */
	API_ROLE_AUDITOR          /* read-only, and the audit log */
};

/* "province-admin", "agency-admin", "hr", "auditor"; NULL for NONE. */
const char *api_role_name(enum api_role r);
/* API_ROLE_NONE when the name is not one of those. */
enum api_role api_role_parse(const char *name);

/* What a caller wants to do; each API route maps to exactly one. */
enum api_op {
	API_OP_ACCOUNT_READ = 0,
	API_OP_ACCOUNT_CREATE,
	API_OP_ACCOUNT_MODIFY,        /* name, title, phones, employee id */
	API_OP_ACCOUNT_MOVE,          /* checked on source and destination */
	API_OP_ACCOUNT_RENAME,        /* new primary address */
	API_OP_ACCOUNT_SUSPEND,       /* suspend / resume */
	API_OP_ACCOUNT_DISABLE,
	API_OP_ACCOUNT_LOCK,          /* lock / unlock */
	API_OP_ACCOUNT_PASSWORD,      /* reset password */
	API_OP_ACCOUNT_ALIAS,
	API_OP_ACCOUNT_FORWARD,       /* forward inside governed domains */
	API_OP_ACCOUNT_FORWARD_EXTERNAL,
	API_OP_ACCOUNT_QUOTA,
	API_OP_ACCOUNT_CERT,
	API_OP_ACCOUNT_PURGE,
	API_OP_AGENCY_READ,
	API_OP_AGENCY_WRITE,          /* create / modify a sub-agency */
	API_OP_HR_SYNC,
	API_OP_AUDIT_READ,
	API_OP_COUNT
};

/* Stable name of an operation, e.g. "account.create" (for logs/errors). */
const char *api_op_name(enum api_op op);

struct api_agency_tree;

/* One role over one agency subtree (province-admin: agency_dn NULL). */
struct api_grant {
	enum api_role role;
	char *agency_code;   /* NULL for province-admin */
	char *agency_dn;     /* DN of the agency entry; its subtree is the scope */
};

/* An authenticated caller of the API. */
struct api_caller {
	char *actor;         /* audit actor: "token:ID" or the person's address */
	char *token_id;      /* NULL for a person */
	char *person_dn;     /* NULL for a token */
	struct api_grant *grants;
	size_t ngrants;
	/* Added: the agency tree the scope check walks (a reference, or NULL:
	 * then only the agency itself and DN-nested entries are in scope).
	 * api_token_verify and api_person_caller attach the current snapshot. */
	struct api_agency_tree *tree;
};

void api_caller_free(struct api_caller *c);

/* ---- The agency tree (added) ----
 * Agencies are flat entries under ou=agencies; a sub-agency names its
 * parent in govmailParentAgency. The scope check therefore needs the
 * ancestors of an agency, which it reads from an in-memory snapshot of the
 * tree instead of asking the directory on every check. */
struct dir_agency;

/* A tree of n agencies (dn, code, parent used; copied). */
struct api_agency_tree *api_agency_tree_new(const struct dir_agency *v, size_t n);
/* Read every agency from the directory. */
enum dir_status api_agency_tree_load(struct dir *d, struct api_agency_tree **out);
struct api_agency_tree *api_agency_tree_ref(struct api_agency_tree *t);
void api_agency_tree_unref(struct api_agency_tree *t);
/*
 * The process-wide snapshot (thread-safe): a new reference to it, loaded
 * through d first when there is none or it is older than the maximum age
 * (default 60 s). DIR_UNAVAILABLE etc. when it had to be loaded and could
 * not be.
 */
enum dir_status api_agency_tree_current(struct dir *d, struct api_agency_tree **out);
void api_agency_tree_set_max_age(int seconds);
/* The next api_agency_tree_current reloads (after the API changed agencies). */
void api_agency_tree_invalidate(void);
/* Code of the agency with this DN in the tree, or NULL. */
const char *api_agency_tree_code(const struct api_agency_tree *t, const char *dn);
/*
 * 1 when the agency target_dn is ancestor_dn itself or below it: an entry
 * nested below it in the DIT, or (with a tree) a descendant through
 * govmailParentAgency. DNs are compared normalised, RDN by RDN ("ou=a"
 * never matches inside "ou=xa").
 */
int api_agency_within(const struct api_agency_tree *t, const char *target_dn,
    const char *ancestor_dn);
/* 1 when role may do op somewhere (the matrix, scope aside). */
int api_role_allows(enum api_role role, enum api_op op);
/* Operation by its name ("account.create"), or API_OP_COUNT. */
enum api_op api_op_parse(const char *name);

/*
 * The scope check. target_agency_dn is the DN of the agency the target
 * belongs to (an account's agency, or the agency itself; NULL for
 * operations without a target such as listing the audit log). Returns 1
 * when some grant of the caller allows op on that agency (the agency is the
 * grant's agency or below it), else 0 with the refusing rule named in rule
 * (e.g. "role hr may not account.purge", "agency SYT-HG is outside the
 * caller's scope SGD-HG"). A move calls this twice: API_OP_ACCOUNT_MOVE on
 * the source agency and on the destination.
 * With target_agency_dn NULL only the role is checked: the caller then
 * limits what it returns with api_authz_visible. The subtree is followed
 * through c->tree (govmailParentAgency); without a tree only the agency
 * itself and entries nested below it in the DIT are in scope.
 */
int api_authz_check(const struct api_caller *c, enum api_op op,
    const char *target_agency_dn, char *rule, size_t rulelen);

/* Whether a caller may see anything in an agency (any grant covers it). */
int api_authz_visible(const struct api_caller *c, const char *agency_dn);

/* ---- API tokens (HR systems) ---- */

#define API_TOKEN_MAX_CIDRS 16

struct api_token {
	char *id;            /* public id, shown in lists and audit records */
	enum api_role role;
	char *agency_code;
	char *agency_dn;
	char **allow_from;   /* CIDRs ("10.1.2.0/24", "2001:db8::/32") */
	size_t nallow;
	time_t created;
	time_t expires;      /* 0: never */
	char *created_by;
	char *comment;       /* may be NULL */
};

void api_token_free(struct api_token *t);

/*
 * Create a token for an agency (must exist) with a role (hr or auditor or
 * agency-admin; province-admin tokens are refused) restricted to the given
 * CIDRs (at least one; each validated). *secret receives the whole token
 * string to hand to the HR system, once (xmalloc'd; the caller wipes and
 * frees it); only its hash is stored. err explains a refusal.
 */
enum dir_status api_token_add(struct dir *d, const char *agency_code,
    enum api_role role, const char *const *cidrs, size_t ncidrs,
    time_t expires, const char *created_by, const char *comment,
    char **secret, struct api_token **out, char *err, size_t errlen);

typedef int (*api_token_cb)(const struct api_token *t, void *arg);
/* All tokens, or those of one agency subtree when agency_code != NULL. */
enum dir_status api_token_list(struct dir *d, const char *agency_code,
    api_token_cb cb, void *arg);

/* Revoke (delete) a token by id; DIR_NOT_FOUND when there is none. */
enum dir_status api_token_revoke(struct dir *d, const char *id);

/*
 * Check a presented token string from a client address at time now:
 * DIR_OK with *out set to the caller (one grant: the token's role over its
 * agency); DIR_DENIED when the token is malformed, unknown, does not match
 * its hash, has expired, or the client is outside allow_from — why says
 * which (for the log; the HTTP answer does not distinguish); DIR_UNAVAILABLE
 * when the directory cannot answer. Constant-time comparison.
 */
enum dir_status api_token_verify(struct dir *d, const char *presented,
    const char *client_addr, time_t now, struct api_caller **out,
    char *why, size_t whylen);

/*
 * Added: api_token_verify in its two steps, so that a daemon may keep what
 * the first read for a short while (govmail-apid's token cache, keyed by
 * the token id). api_token_read reads the token a presented string names:
 * DIR_OK with *out and its stored hash (*stored_hash, xmalloc'd), DIR_DENIED
 * (malformed, unknown, incomplete) or DIR_UNAVAILABLE, why saying which.
 * api_token_accept checks the presented string against what was read —
 * the secret's hash in constant time, the role, expiry at now, the client
 * address — and makes the caller, as api_token_verify.
 */
enum dir_status api_token_read(struct dir *d, const char *presented,
    struct api_token **out, char **stored_hash, char *why, size_t whylen);
enum dir_status api_token_accept(struct dir *d, const struct api_token *t,
    const char *stored_hash, const char *presented, const char *client_addr,
    time_t now, struct api_caller **out, char *why, size_t whylen);

/* 1 when addr (IPv4 or IPv6 text) is inside cidr, 0 if not, -1 if either
 * does not parse. */
int api_cidr_match(const char *cidr, const char *addr);
/* Added: 0 when cidr is an address or a network with a prefix length and
 * no host bits set, else -1 with the reason in err. */
int api_cidr_valid(const char *cidr, char *err, size_t errlen);

/* Added: token id of a presented token string ("gmt_<id>_<secret>"), for
 * logs, or NULL when it is not one; never logs the secret. xmalloc'd. */
char *api_token_id_of(const char *presented);

/* ---- Roles granted to people ---- */

/* Grant role over agency_code (NULL for province-admin) to the account
 * found by key (address, uid). Granting what is already granted is DIR_OK. */
enum dir_status api_role_grant(struct dir *d, const char *key,
    enum api_role role, const char *agency_code, char *err, size_t errlen);
enum dir_status api_role_revoke(struct dir *d, const char *key,
    enum api_role role, const char *agency_code, char *err, size_t errlen);

typedef int (*api_role_cb)(const char *address, const struct api_grant *g,
    void *arg);
/* Every grant (key NULL) or those of one person. */
enum dir_status api_role_list(struct dir *d, const char *key, api_role_cb cb,
    void *arg);

/*
 * The caller for a person whose password the API has already verified by
 * binding as person_dn: their grants from the directory. DIR_DENIED when
 * the person has no role (or their account is not active).
 */
enum dir_status api_person_caller(struct dir *d, const char *person_dn,
    struct api_caller **out, char *why, size_t whylen);

#endif
