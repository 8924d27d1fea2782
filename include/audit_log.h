/*
 * audit_log.h — the append-only audit trail of directory changes made by
 * govmailctl: one JSON object per line (JSON Lines), naming who did what to
 * which entry and which attributes changed, and for account operations
 * the changed fields with their old and new values (alias and forward
 * targets can be traced). Secrets are never passed in: a password change is
 * recorded as the fact "(changed)". A command that changes
 * the directory opens the log first and refuses to run if it cannot.
 * This is not the daemon's operational log (see log.h).
 */
#ifndef GOVMAIL_AUDIT_LOG_H
#define GOVMAIL_AUDIT_LOG_H

#include <stddef.h>

/* Longest record accepted, newline included (EMSGSIZE beyond). */
#define AUDIT_LINE_MAX  65536

struct audit_log;

/*
 * Open (create 0640, O_APPEND|O_CLOEXEC) the audit log at path, which must
 * be a regular file; actor = who acts (e.g. "root via
 * cn=govmailctl,ou=system,o=govmail"). NULL with a message naming the path
 * and the reason in err on failure.
 */
struct audit_log *audit_open(const char *path, const char *actor, char *err,
    size_t errlen);

/*
 * Append one record:
 * {"time":"2026-11-24T19:30:00.123Z","actor":"...","op":"account.add",
 *  "target":"annv@haugiang.gov.vn","dn":"uid=annv,ou=accounts,o=govmail",
 *  "attrs":["mail","cn"],"source":"hr-export.csv:17","result":"ok"}
 * dn and source may be NULL (then omitted). attrs are attribute NAMES only:
 * an entry that is not a plausible attribute description (letters, digits,
 * '-', '.', ';', at most 128 bytes) is refused with EINVAL, so a value
 * cannot be smuggled in. The line is written with a single write(2) on an
 * O_APPEND descriptor, so concurrent writers never interleave. Returns 0,
 * or -1 with errno set (EINVAL bad arguments, EMSGSIZE record longer than
 * AUDIT_LINE_MAX, EIO short write, or write(2)'s errno).
 */
int audit_record(struct audit_log *a, const char *op, const char *target,
    const char *dn, const char *const *attrs, size_t nattrs,
    const char *source, const char *result);

/*
 * Append one record with fields of the caller's: "time", "actor", "op",
 * "target", then whatever body(w, arg) writes as keys and values of the
 * object (body may be NULL), then "result". For the run-level records of
 * audit_run.h; the caller must not put secrets in it. Same single write(2)
 * and errors as audit_record.
 */
struct json_writer;
int audit_record_with(struct audit_log *a, const char *op, const char *target,
    void (*body)(struct json_writer *w, void *arg), void *arg, const char *result);

/* Make the records written so far durable (fdatasync) before going on: an
 * intent record must be on disk before the change it announces is sent. */
int audit_sync(struct audit_log *a);

/* One changed field of an entry: a model field name (lowercase letters
 * and '_', e.g. "forwards"), the values before and after (NULL: none). */
struct audit_change {
	const char *field;
	const char *old;
	const char *new;
};

/*
 * audit_record plus "changes":[{"field":"alias","old":null,"new":"x@y"}]
 * (left out when nchanges is 0). Values are JSON-escaped; a field name
 * that is not a plausible model field name is refused with EINVAL.
 */
int audit_record_changes(struct audit_log *a, const char *op, const char *target,
    const char *dn, const char *const *attrs, size_t nattrs,
    const struct audit_change *changes, size_t nchanges, const char *source,
    const char *result);

/*
 * Another handle on the log a is open on, writing as actor: a daemon
 * opens the log once at start (as root, before it drops privileges) and
 * writes each request's records under that request's caller. The handle
 * has its own descriptor (a dup), closed by audit_close. NULL with errno.
 */
struct audit_log *audit_dup(const struct audit_log *a, const char *actor);

/* fsync + close + free; returns -1 (errno set) if either failed. NULL: 0. */
int audit_close(struct audit_log *a);

/*
 * The actor string for this process: login name of the real uid (or
 * "uid N" if it has none), plus SUDO_USER if set, e.g. "root (sudo:
 * alice)". SUDO_USER is only what the environment claims and is escaped.
 * xmalloc'd; free() it.
 */
char *audit_default_actor(void);

#endif
