/*
 * audit_run.h — the run-level records of the audit log (audit_log.h): a
 * whole run refused before it changed anything, the intent records a
 * batched run writes (and makes durable) before each batch of writes, the
 * summary line at the end of a run, and the completion of an interrupted
 * run's records by a later run.
 *
 * The promise: every change a batched run makes has a record naming it in
 * the log, whatever kills the run, because its intent record is on disk
 * before the change is sent. A run killed between a batch and its
 * per-change records leaves intents without their records and no summary;
 * the next run of the same command finds them (audit_run_recover), checks
 * each against the directory (through a callback) and writes the missing
 * record, marked recovered, then a "run.interrupted" line that closes the
 * dead run. After that re-run each change has its own record.
 * Not for: the per-change records themselves (audit_record).
 */
#ifndef GOVMAIL_AUDIT_RUN_H
#define GOVMAIL_AUDIT_RUN_H

#include <stddef.h>

struct audit_log;
struct audit_run;

/* Most items in one intent line (a batch may take several lines). */
#define AUDIT_RUN_ITEMS_PER_LINE 100

/*
 * A run of command (e.g. "hr sync") on source (e.g. the file named, or
 * "merge a->b"; may be NULL). Its id is "YYYYMMDDTHHMMSSZ.PID"; the clock
 * for the summary's duration starts now. Nothing is written yet.
 */
struct audit_run *audit_run_new(struct audit_log *a, const char *command,
    const char *source);
const char *audit_run_id(const struct audit_run *r);

/*
 * The run was refused as a whole before it changed anything (a guard, a
 * torn file, ...): {"op":"run.refused","target":COMMAND,"run":ID,
 * "source":SOURCE,"reason":REASON,"result":"refused"}. 0, or -1 (errno).
 */
int audit_run_refused(struct audit_run *r, const char *reason);

/* One change a batch is about to make. Strings may be NULL but op, target. */
struct audit_intent {
	const char *op;             /* op of the record that will say it was done */
	const char *target;
	const char *dn;
	const char *source;         /* e.g. "hr-export.csv:17" */
	const char *key;            /* for a create: what identifies the entry
				     * wherever it ends up (an employee id) */
	const char *check;          /* for a modify: fingerprint of the values
				     * written (dir_verify.h), never the values */
	const char *const *attrs;   /* attribute names, as audit_record */
	size_t nattrs;
};

/*
 * Before a batch of writes: one "run.intent" line per
 * AUDIT_RUN_ITEMS_PER_LINE items, then fdatasync. Only when this returned
 * 0 may the batch be sent. -1 with errno otherwise.
 */
int audit_run_intent(struct audit_run *r, const struct audit_intent *items,
    size_t n);

/* Add n to the summary's counter name (created on first use, kept in that
 * order). name is copied. */
void audit_run_count(struct audit_run *r, const char *name, size_t n);

/*
 * The summary: {"op":"run.summary","target":COMMAND,"run":ID,"source":..,
 * "counts":{...},"seconds":N.NNN,"result":OUTCOME} (outcome e.g. "ok",
 * "failed", "partial"). 0, or -1 (errno). Does not free r.
 */
int audit_run_end(struct audit_run *r, const char *outcome);
void audit_run_free(struct audit_run *r);

/*
 * How an interrupted run's change turned out, asked of the directory:
 * 1 applied (the entry's DN, which may differ from the planned one for a
 * create, into dn), 0 not applied, -1 cannot tell now (the directory
 * failed; the recovery stops and is tried again by the next run).
 */
typedef int (*audit_verify_cb)(const struct audit_intent *it, void *arg,
    char *dn, size_t dnlen);

struct audit_recovery {
	size_t runs;           /* interrupted runs closed */
	size_t items;          /* their intended changes */
	size_t logged;         /* ... that already had their record */
	size_t applied;        /* ... recovered: found in the directory */
	size_t not_applied;    /* ... recovered: not made */
};

/*
 * Read the audit log at path; for every run of command that wrote intents
 * and neither a summary nor an interrupted line, whose process is gone,
 * write for each intended change without a later record naming its op
 * and DN one record {"op":OP,...,"run":ID,"recovered":true,
 * "result":"applied" | "not-applied"} as verify says, then
 * {"op":"run.interrupted","target":COMMAND,"run":ID,"counts":{..},
 * "result":"recovered"}. Returns 0 (counts in out), or -1 with err.
 */
int audit_run_recover(struct audit_log *a, const char *path, const char *command,
    audit_verify_cb verify, void *arg, struct audit_recovery *out, char *err,
    size_t errlen);

#endif
