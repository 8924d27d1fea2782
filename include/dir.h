/*
 * dir.h — the LDAP directory connection and generic operations: bind from
 * the configuration, paged searches, add/modify/delete with the server's
 * diagnostic kept for the caller, and mapping of LDAP errors to sysexits.
 * Not for: knowledge of accounts or agencies (dir_account.h, dir_agency.h).
 * Every value placed in a filter or DN must go through dir_escape.h.
 */
#ifndef GOVMAIL_DIR_H
#define GOVMAIL_DIR_H

#include <stddef.h>

struct govmail_conf;
struct dir;

/* Outcome classes of a directory operation. */
enum dir_status {
	DIR_OK = 0,
	DIR_NOT_FOUND,      /* noSuchObject, or a lookup matched nothing */
	DIR_EXISTS,         /* entryAlreadyExists */
	DIR_CONSTRAINT,     /* constraint/schema violation (e.g. unique overlay) */
	DIR_DENIED,         /* bad credentials or insufficient access */
	DIR_UNAVAILABLE,    /* server down, connect error, timeout, busy */
	DIR_ERROR,          /* anything else */
	DIR_CHANGED         /* a conditional write: the entry changed since read */
};

struct dir_attr {
	char *name;
	char **vals;        /* NUL-terminated copies of the values */
	size_t *lens;       /* their lengths: a binary value (;binary) may hold
	                     * NUL bytes, so use lens[i], not strlen() */
	size_t nvals;
};

struct dir_entry {
	char *dn;
	struct dir_attr *attrs;
	size_t nattrs;
};

/* Connect and bind as configured (simple bind with password file, or SASL
 * EXTERNAL). NULL on failure with the message in err and the sysexits code
 * in *exit_code. */
struct dir *dir_open(const struct govmail_conf *c, char *err, size_t errlen,
    int *exit_code);
void dir_close(struct dir *d);
/* The same for reads: the servers of ldap.read_uri first (e.g. a local
 * read-only replica), then those of ldap.uri. Writes on such a connection
 * may reach a replica, which refuses them (DIR_DENIED). */
struct dir *dir_open_read(const struct govmail_conf *c, char *err, size_t errlen,
    int *exit_code);
/* The server the connection is on. */
const char *dir_uri(const struct dir *d);
/* 1 when a server the connection prefers to its own is no longer skipped
 * (ldap.retry_after passed since it failed): time to reopen. */
int dir_preferred_back(const struct dir *d);

/* Connect anew, to the first server of the list that answers (one that
 * failed lately is skipped): for a long run whose server went away
 * mid-way. DIR_OK, or the failure (the old connection is kept). */
enum dir_status dir_reconnect(struct dir *d, const struct govmail_conf *c);
/* Number of servers ldap.uri names. */
size_t dir_server_count(const struct dir *d);

const char *dir_base(const struct dir *d);
/* The bound identity, e.g. "cn=govmailctl,ou=system,o=govmail". */
const char *dir_bound_as(const struct dir *d);
/* Last error: LDAP message plus the server's diagnostic, and its class. */
const char *dir_error(const struct dir *d);
enum dir_status dir_last_status(const struct dir *d);
/* sysexits code for a status (DIR_UNAVAILABLE -> EX_UNAVAILABLE, ...). */
int dir_status_exit(enum dir_status st);

/* Search callback: return 0 to continue, non-zero to stop (returned). */
typedef int (*dir_entry_cb)(const struct dir_entry *e, void *arg);

/* Paged subtree/onelevel search (scope is LDAP_SCOPE_*). Entries are passed
 * one at a time; memory is bounded by the page size. Returns DIR_OK,
 * the callback's non-zero value as DIR_ERROR, or the failure status. */
enum dir_status dir_search(struct dir *d, const char *base, int scope,
    const char *filter, const char *const *attrs, dir_entry_cb cb, void *arg);

/* Search expected to match at most one entry; DIR_NOT_FOUND when none.
 * *out is a copy the caller frees with dir_entry_free. */
enum dir_status dir_search_one(struct dir *d, const char *base, int scope,
    const char *filter, const char *const *attrs, struct dir_entry **out);

/* Count entries matching a filter (stops counting at limit if > 0). */
enum dir_status dir_count(struct dir *d, const char *base, int scope,
    const char *filter, size_t limit, size_t *count);

const char *dir_entry_get(const struct dir_entry *e, const char *attr);
const struct dir_attr *dir_entry_attr(const struct dir_entry *e, const char *attr);
struct dir_entry *dir_entry_dup(const struct dir_entry *e);
void dir_entry_free(struct dir_entry *e);

/* Modification lists. Values are copied. */
struct dir_mods;
enum dir_mod_op { DIR_MOD_ADD, DIR_MOD_REPLACE, DIR_MOD_DELETE };
struct dir_mods *dir_mods_new(void);
/* Add one value (NULL value with DIR_MOD_DELETE/REPLACE: whole attribute). */
void dir_mods_put(struct dir_mods *m, enum dir_mod_op op, const char *attr,
    const char *value);
/* Add one value of len bytes that may contain NUL (a DER certificate). */
void dir_mods_put_len(struct dir_mods *m, enum dir_mod_op op, const char *attr,
    const void *value, size_t len);
size_t dir_mods_count(const struct dir_mods *m);
/* The i-th modification (i < dir_mods_count): its op, attribute, values. */
void dir_mods_at(const struct dir_mods *m, size_t i, enum dir_mod_op *op,
    const char **attr, char *const **vals, const size_t **lens, size_t *nvals);
/* Names of the attributes touched (for the audit log), in order, unique. */
size_t dir_mods_attr_names(const struct dir_mods *m, const char **names, size_t max);
void dir_mods_free(struct dir_mods *m);

enum dir_status dir_add(struct dir *d, const char *dn, const struct dir_mods *m);
enum dir_status dir_modify(struct dir *d, const char *dn, const struct dir_mods *m);
/* The same, applied only while the entry's entryCSN is still csn, the
 * version read (an RFC 4528 assertion, checked by the server with the
 * write); else DIR_CHANGED. */
enum dir_status dir_modify_if(struct dir *d, const char *dn, const struct dir_mods *m,
    const char *csn);
enum dir_status dir_delete(struct dir *d, const char *dn);

/*
 * Pipelined writes: up to `window` operations outstanding on the one
 * connection, so slapd works on several while the client prepares the next.
 * Each completion calls cb(cookie, status, message) — message holds the
 * server's diagnostic on failure. Operations complete in any order.
 */
struct dir_pipe;
typedef void (*dir_pipe_cb)(void *cookie, enum dir_status st, const char *msg);
struct dir_pipe *dir_pipe_new(struct dir *d, int window);
/*
 * Group the writes into RFC 5805 transactions of up to batch operations:
 * one commit (one backend write transaction) per batch. A batch the server
 * refuses as a whole is replayed operation by operation, so each still gets
 * its own result. With batching, dn and mods passed to dir_pipe_add/modify
 * must stay valid until dir_pipe_flush returns.
 */
void dir_pipe_use_transactions(struct dir_pipe *p, int batch);
/* Queue an add or modify; may wait for earlier ones to finish first.
 * Returns DIR_OK, or DIR_UNAVAILABLE when the connection is lost. */
enum dir_status dir_pipe_add(struct dir_pipe *p, const char *dn,
    const struct dir_mods *m, dir_pipe_cb cb, void *cookie);
enum dir_status dir_pipe_modify(struct dir_pipe *p, const char *dn,
    const struct dir_mods *m, dir_pipe_cb cb, void *cookie);
/* Wait for every outstanding operation. */
enum dir_status dir_pipe_flush(struct dir_pipe *p);
void dir_pipe_free(struct dir_pipe *p);

/* Try a simple bind as dn/password on a separate connection to the same
 * server: DIR_OK, DIR_DENIED, or DIR_UNAVAILABLE. */
enum dir_status dir_check_bind(struct dir *d, const char *dn, const char *password);

#endif
