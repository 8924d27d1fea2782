/*
 * hr_run.h — what one hr sync run does around its plan, the same whether
 * govmailctl runs it on a file or govmail-apid runs it as a job on an
 * upload: the refusals of a whole run (a file unusable as a whole, a file
 * cut short or with unattributable rows under --disable-missing, the mass
 * lock-out guard), the audit records (an intent record before each group
 * of writes, one record per change, the run's summary) and the completion
 * of interrupted runs' records before a run changes anything.
 * Not for: reading the export (hr_import.h), planning and applying
 * (hr_sync.h), output (the callers).
 */
#ifndef GOVMAIL_HR_RUN_H
#define GOVMAIL_HR_RUN_H

#include <stddef.h>

#include "dir.h"
#include "hr_import.h"
#include "hr_sync.h"

struct audit_log;
struct audit_run;
struct audit_recovery;
struct govmail_conf;

/* The command name of hr sync runs in the audit log ("hr sync"). */
#define HR_RUN_COMMAND "hr sync"

/* Audit op of the record of an action ("hr.create", "hr.update", ...). */
const char *hr_audit_op(enum hr_act k);

/*
 * Whether the file must not be used at all: unusable as a whole, or (with
 * disable_missing) cut short or with rejected rows naming no employee id.
 * 1 with the reason in why (naming the file, ending in "nothing was
 * changed"), else 0.
 */
int hr_run_file_refused(const struct hr_file *hr, int disable_missing, char *why,
    size_t whylen);

/*
 * The mass lock-out guard: 1 when the plan suspends or disables more than
 * hr.max_suspend_percent of the active accounts it manages and more than
 * hr.max_suspend_floor, with the reason in why (how_to_force ends it, e.g.
 * "run again with --force"); else 0.
 */
int hr_run_guard_refused(const struct hr_plan *p, const struct govmail_conf *c,
    const char *how_to_force, char *why, size_t whylen);

/*
 * The intent record of a group of writes about to be sent (for
 * hr_plan_on_intent), sources "FILE:LINE" with FILE = label. 0, or -1
 * (errno): then nothing of the group may be sent.
 */
int hr_run_intent(struct audit_run *run, const char *label,
    struct hr_action *const *acts, size_t n);

/*
 * The record of one completed action (for hr_plan_apply's done callback):
 * written when it succeeded and wrote something, with its changed fields
 * (old -> new) when the plan knows them. 0 (also when there is nothing to
 * record), or -1 (errno).
 */
int hr_run_record(struct audit_log *a, const char *label, const struct hr_action *act);

/* The summary record of a run that wrote: counts and outcome (ok, partial,
 * failed). 0, or -1 (errno). */
int hr_run_summary(struct audit_run *run, const struct hr_file *hr,
    const struct hr_plan *p, enum dir_status st);

/*
 * Complete the audit records of earlier hr sync runs killed between a
 * batch and its records (their process gone), checking each announced
 * change against the directory through d. 0 with the counts in rec, or -1
 * with err (nothing may be changed then).
 */
int hr_run_recover(struct audit_log *a, const struct govmail_conf *c, struct dir *d,
    struct audit_recovery *rec, char *err, size_t errlen);

#endif
