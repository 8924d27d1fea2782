/*
 * hr_sync.h — turning a checked HR export (hr_import.h) into directory
 * changes: a plan computed against one snapshot of the directory, then
 * applied with pipelined writes. Keyed by employee id; re-running the same
 * file plans nothing; an interrupted run followed by a re-run ends where
 * one clean run would (addresses are allocated in file order, lowest free
 * number first, against what is already there).
 */
#ifndef GOVMAIL_HR_SYNC_H
#define GOVMAIL_HR_SYNC_H

#include <stddef.h>

#include "dir.h"
#include "hr_import.h"

struct govmail_conf;
struct hr_passwords;
struct account_result;

enum hr_act {
	HR_ACT_CREATE,       /* new employee: new account */
	HR_ACT_UPDATE,       /* name/position/phone/agency changed */
	HR_ACT_SUSPEND,      /* retired or transferred out */
	HR_ACT_RESUME,       /* came back: suspended by hr sync before */
	HR_ACT_DISABLE,      /* absent from the file, with --disable-missing */
	HR_ACT_MISSING,      /* absent from the file: only reported */
	HR_ACT_KEPT,         /* named only by rejected rows: left as it is, never
			      * taken for absent */
	HR_ACT_NOACCOUNT     /* retired/transferred with no account: nothing */
};

struct hr_action {
	enum hr_act kind;
	const struct hr_row *row;    /* NULL for accounts absent from the file */
	unsigned long line;          /* 0 for accounts absent from the file; for
				      * kept ones, the line of their rejected row */
	char *employee_id;
	char *name;
	char *address;               /* planned (create) or current */
	char *uid;
	char *dn;
	char *what;                  /* e.g. "title, telephoneNumber" or a reason */
	struct dir_mods *mods;       /* NULL for report-only actions */
	char *password;              /* generated initial password (create) */
	int password_on_file;        /* ... reused from the passwords file: an
				      * interrupted run planned it already */
	int readdressed;             /* create retried with another address */
	enum dir_status result;      /* after apply */
	char *error;
	struct account_result *changes; /* update/suspend/resume/disable: the
				      * fields changed, old -> new (audit) */
};

struct hr_plan {
	struct hr_action *actions;
	size_t n;
	size_t count[HR_ACT_NOACCOUNT + 1];
	size_t unchanged;
	size_t managed_active;       /* active accounts with an employee id */
	size_t writes;               /* write operations sent by apply */
	size_t failed;               /* writes the directory refused */
	size_t invalid;              /* planned actions that cannot be done */
	/* see hr_plan_on_intent */
	int (*intent)(struct hr_action *const *acts, size_t n, void *arg);
	void *intent_arg;
	/* see hr_plan_on_reconnect */
	int (*reconnect)(size_t sent, size_t lost, void *arg);
	void *reconnect_arg;
};

/* Snapshot of agencies, for hr_read's callback: 1 if code may be used, else 0
 * with why ("agency A was merged into B", or "" for an unknown code). */
struct hr_agencies;
struct hr_agencies *hr_agencies_load(struct dir *d, char *err, size_t errlen);
int hr_agency_known(const char *code, void *agencies, char *why, size_t whylen);
void hr_agencies_free(struct hr_agencies *a);
/*
 * Limit a run to the subtree of agency code (it and the agencies below it
 * through their parents): hr_agency_known then refuses other agencies with
 * the reason (their rows are rejected), and hr_plan_build neither changes
 * nor takes for absent an account of another agency; a row whose
 * employee's account is elsewhere becomes an update that cannot be done
 * (a move between subtrees needs rights on both). 0, or -1 with err.
 */
int hr_agencies_limit(struct hr_agencies *a, const char *code, char *err,
    size_t errlen);
/* 1 when an agency code is within the limit (always without one). */
int hr_agencies_in_scope(const struct hr_agencies *a, const char *code);

/*
 * Compute the plan. pw: the initial-passwords file (NULL for a dry run: no
 * passwords are made then). A new account whose employee already has a
 * line there (planned by an interrupted run that did not create it) gets
 * that password again; lines of employees who have no account and get none
 * now are dropped from pw. An account named only by rejected rows is kept
 * (HR_ACT_KEPT): never disabled or reported as absent. Returns NULL with
 * err on an LDAP failure.
 */
struct hr_plan *hr_plan_build(struct dir *d, const struct govmail_conf *c,
    const struct hr_file *hr, const struct hr_agencies *ag, int disable_missing,
    struct hr_passwords *pw, char *err, size_t errlen);

/*
 * Whether absence actions (--disable-missing) must be refused for this
 * file: its last row is torn (the file may be cut short there), or a
 * rejected row names no usable employee id (whose it is cannot be known,
 * so nobody can be taken for absent). 1 with the reason in why, else 0.
 */
int hr_absence_refused(const struct hr_file *hr, char *why, size_t whylen);

/*
 * The initial-passwords file around hr_plan_apply: before, a line for every
 * account about to be created (save it before applying: an account never
 * exists without its password on file); after, the final address of each
 * account created, and no line for one that was not (a write that may or
 * may not have happened, DIR_UNAVAILABLE, keeps its line: a re-run reuses
 * that password).
 */
void hr_plan_passwords_before(const struct hr_plan *p, struct hr_passwords *pw);
void hr_plan_passwords_after(const struct hr_plan *p, struct hr_passwords *pw);

/* Number of suspensions + disables planned, and whether that is more than
 * floor and more than max_percent of the managed active accounts. */
size_t hr_plan_lockouts(const struct hr_plan *p);
int hr_plan_over_guard(const struct hr_plan *p, int max_percent, int floor);

/*
 * Apply the plan with up to `window` writes outstanding. done(action, arg)
 * is called once per write as it completes (for audit, passwords, output).
 * Creates refused because the address was taken meanwhile are retried one by
 * one with the next free address. Returns DIR_OK, or DIR_UNAVAILABLE when
 * the directory went away and no other server took over
 * (hr_plan_on_reconnect): the rest is then marked failed.
 */
enum dir_status hr_plan_apply(struct dir *d, const struct govmail_conf *c,
    struct hr_plan *p, int window, void (*done)(struct hr_action *a, void *arg),
    void *arg);

/*
 * Have hr_plan_apply call intent(acts, n, arg) before it sends each group
 * of writes (one transaction of hr.transaction_size, or one pipeline
 * window without transactions; a retried create alone), with the actions
 * of that group: the audit log's intent record (audit_run.h) is written
 * there, so it is on disk before any of them can reach the directory. A
 * non-zero return sends nothing more (what was not sent is marked failed).
 */
void hr_plan_on_intent(struct hr_plan *p,
    int (*intent)(struct hr_action *const *acts, size_t n, void *arg), void *arg);

/*
 * Have hr_plan_apply fail over when its server goes away: reconnect(sent,
 * lost, arg) is called with the number of writes answered so far and of
 * those whose outcome was lost with the server; it connects the plan's
 * struct dir anew (dir_reconnect) and returns 0, or non-zero to give up
 * (no server answers, or enough reconnects). Then each lost write is
 * looked for on the new server: one that took effect is reported done
 * (once), the others and the writes not sent yet are sent there (without
 * a second intent record). Without it a lost server ends the apply.
 */
void hr_plan_on_reconnect(struct hr_plan *p,
    int (*reconnect)(size_t sent, size_t lost, void *arg), void *arg);

const char *hr_act_name(enum hr_act k);
void hr_plan_free(struct hr_plan *p);

#endif
