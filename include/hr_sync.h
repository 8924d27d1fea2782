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

enum hr_act {
	HR_ACT_CREATE,       /* new employee: new account */
	HR_ACT_UPDATE,       /* name/position/phone/agency changed */
	HR_ACT_SUSPEND,      /* retired or transferred out */
	HR_ACT_RESUME,       /* came back: suspended by hr sync before */
	HR_ACT_DISABLE,      /* absent from the file, with --disable-missing */
	HR_ACT_MISSING,      /* absent from the file: only reported */
	HR_ACT_NOACCOUNT     /* retired/transferred with no account: nothing */
};

struct hr_action {
	enum hr_act kind;
	const struct hr_row *row;    /* NULL for accounts absent from the file */
	unsigned long line;          /* 0 for accounts absent from the file */
	char *employee_id;
	char *name;
	char *address;               /* planned (create) or current */
	char *uid;
	char *dn;
	char *what;                  /* e.g. "title, telephoneNumber" or a reason */
	struct dir_mods *mods;       /* NULL for report-only actions */
	char *password;              /* generated initial password (create) */
	int readdressed;             /* create retried with another address */
	enum dir_status result;      /* after apply */
	char *error;
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
};

/* Snapshot of agencies: 1 if code may be used, for hr_read's callback. */
struct hr_agencies;
struct hr_agencies *hr_agencies_load(struct dir *d, char *err, size_t errlen);
int hr_agency_known(const char *code, void *agencies);
void hr_agencies_free(struct hr_agencies *a);

/*
 * Compute the plan. with_passwords: generate initial passwords (not for a
 * dry run). Returns NULL with err on an LDAP failure.
 */
struct hr_plan *hr_plan_build(struct dir *d, const struct govmail_conf *c,
    const struct hr_file *hr, const struct hr_agencies *ag, int disable_missing,
    int with_passwords, char *err, size_t errlen);

/* Number of suspensions + disables planned, and whether that is more than
 * floor and more than max_percent of the managed active accounts. */
size_t hr_plan_lockouts(const struct hr_plan *p);
int hr_plan_over_guard(const struct hr_plan *p, int max_percent, int floor);

/*
 * Apply the plan with up to `window` writes outstanding. done(action, arg)
 * is called once per write as it completes (for audit, passwords, output).
 * Creates refused because the address was taken meanwhile are retried one by
 * one with the next free address. Returns DIR_OK, or DIR_UNAVAILABLE when
 * the directory went away (the rest is then marked failed).
 */
enum dir_status hr_plan_apply(struct dir *d, const struct govmail_conf *c,
    struct hr_plan *p, int window, void (*done)(struct hr_action *a, void *arg),
    void *arg);

const char *hr_act_name(enum hr_act k);
void hr_plan_free(struct hr_plan *p);

#endif
