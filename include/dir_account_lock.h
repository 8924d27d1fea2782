/*
 * dir_account_lock.h — the login lock of an account: slapd's password
 * policy overlay (ppolicy) refuses the bind of an entry whose
 * pwdAccountLockedTime is set, for every LDAP client (govmaild's SMTP AUTH,
 * Dovecot, webmail). Two kinds: the automatic lockout after pwdMaxFailure
 * failed binds (slapd sets it, for pwdLockoutDuration), and the
 * administrative lock of a compromised account (000001010000Z, until
 * unlocked) with its reason and time in govmailLock. A locked account keeps
 * its status (active): it still receives mail.
 * Not for: the account status (suspend/disable), or output (govmailctl).
 */
#ifndef GOVMAIL_DIR_ACCOUNT_LOCK_H
#define GOVMAIL_DIR_ACCOUNT_LOCK_H

#include <stddef.h>
#include <time.h>

#include "dir.h"
#include "dir_schema.h"

/* Longest --reason accepted (bytes of UTF-8). */
#define DIR_LOCK_REASON_MAX 512

/* The lockout settings of a password policy entry. */
struct dir_lock_policy {
	int lockout;              /* pwdLockout TRUE */
	long long max_failure;    /* pwdMaxFailure (0: no limit) */
	long long duration;       /* pwdLockoutDuration, s (0: until unlocked) */
	long long interval;       /* pwdFailureCountInterval, s (0: forever) */
};

enum dir_lock_kind {
	DIR_LOCK_NONE,            /* may log in */
	DIR_LOCK_ADMIN,           /* govmailctl account lock: until unlocked */
	DIR_LOCK_FAILURES,        /* too many failed logins */
	DIR_LOCK_EXPIRED          /* a lockout whose duration has passed: the
	                           * next good login clears it */
};

struct dir_lock_state {
	enum dir_lock_kind kind;
	char since[32];           /* GeneralizedTime, "" if unknown */
	char until[32];           /* DIR_LOCK_FAILURES: when it ends, "" = until
	                           * unlocked (or the duration is unknown) */
	char reason[DIR_LOCK_REASON_MAX * 2 + 8];   /* DIR_LOCK_ADMIN */
	size_t failures;          /* failed logins slapd keeps (pwdFailureTime) */
	char last_failure[32];    /* GeneralizedTime of the latest, or "" */
};

/* The lock attributes, for the attribute list of an account read. */
#define DIR_LOCK_ATTR_NAMES \
	DIR_AT_PW_LOCKED_TIME, DIR_AT_PW_FAILURE_TIME, DIR_AT_PW_POLICY_ENTRY, \
	DIR_AT_LOCK_REASON, DIR_AT_LOCK_TIME

/* Read the lockout settings of the policy that applies to entry e (its
 * pwdPolicySubentry, else the default policy below the base). */
enum dir_status dir_lock_policy_get(struct dir *d, const struct dir_entry *e,
    struct dir_lock_policy *p);

/* The same for the policy named dn (pwdPolicySubentry; NULL: the default). */
enum dir_status dir_lock_policy_at(struct dir *d, const char *dn, struct dir_lock_policy *p);

/* A state read without its policy (p NULL below) completed with p: when a
 * lockout ends, and whether it has ended at now. */
void dir_lock_refine(struct dir_lock_state *s, const struct dir_lock_policy *p, time_t now);

/* The lock state of an account entry read with DIR_LOCK_ATTR_NAMES, at
 * time now; p NULL when the policy is unknown (a lockout then counts as in
 * force, its end unknown). */
void dir_lock_state(const struct dir_entry *e, const struct dir_lock_policy *p,
    time_t now, struct dir_lock_state *out);

/* Read the account at dn with its lock attributes (and objectClass), and
 * when its password was last changed (dir_pw_changed). */
enum dir_status dir_lock_read(struct dir *d, const char *dn, struct dir_entry **out);

/* When the password of an entry read by dir_lock_read was last changed
 * (GeneralizedTime the ppolicy overlay keeps), "" when the directory
 * does not say. */
const char *dir_pw_changed(const struct dir_entry *e);

/* A reason is UTF-8 without control characters, 1..DIR_LOCK_REASON_MAX
 * bytes. 0, or -1 with why in err. */
int dir_lock_reason_check(const char *reason, char *err, size_t errlen);

/*
 * The modification that locks the account e (read by dir_lock_read) for
 * good with reason at time now (GeneralizedTime): pwdAccountLockedTime
 * 000001010000Z and the govmailLock record. One modify: all or nothing.
 */
struct dir_mods *dir_lock_mods(const struct dir_entry *e, const char *reason,
    const char *now);

/* Setting the administrative lock again after slapd lifted it (it does on
 * every password change), govmailLock kept as it is. */
struct dir_mods *dir_lock_relock_mods(void);

/*
 * The modification that unlocks e (read by dir_lock_read), whatever locked
 * it, and forgets its failed logins; NULL when there is nothing to clear.
 * slapd lets nobody but itself delete pwdFailureTime; it deletes them
 * when pwdAccountLockedTime is deleted, so the lock is set and deleted in
 * the same modify (atomic: no moment in between is visible).
 */
struct dir_mods *dir_unlock_mods(const struct dir_entry *e);

struct account;
struct account_result;

/*
 * The administrative lock of account a with reason at time now
 * (GeneralizedTime), written (one modify) and described in r: "locked"
 * old -> "administrator", "lock_reason" -> reason (r->mods what was
 * written). An account already locked by an administrator is left as it
 * is (its first reason and time date the compromise): DIR_OK with no
 * change in r. Else the status of the directory, err saying why.
 */
enum dir_status account_lock_set(struct dir *d, const struct account *a,
    const char *reason, const char *now, struct account_result *r, char *err,
    size_t errlen);

/* Lift the lock of a, whatever set it, and forget its failed logins: r
 * says "locked" old -> "no" (and "failed_logins" n -> 0); no change in r
 * when there was nothing to clear. */
enum dir_status account_lock_clear(struct dir *d, const struct account *a,
    struct account_result *r, char *err, size_t errlen);

/* Filter component matching accounts with a lock set (of either kind;
 * an expired lockout too, until the next login clears it). */
#define DIR_LOCK_FILTER "(" DIR_AT_PW_LOCKED_TIME "=*)"

#endif
