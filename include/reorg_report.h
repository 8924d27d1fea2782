/*
 * reorg_report.h — what a reorganisation (dir_reorg.h) reports, the same
 * from govmailctl (agency merge, domain migrate) and from govmail-apid
 * (POST /v1/agencies/{code}/merge): the audit record of each change as it
 * is made, and the result of an agency merge as JSON.
 * Not for: deciding what changes (dir_reorg.c) or printing text lines
 * (govmailctl's cmd_reorg.c).
 */
#ifndef GOVMAIL_REORG_REPORT_H
#define GOVMAIL_REORG_REPORT_H

#include <stddef.h>

#include "dir_reorg.h"

struct audit_log;
struct json_writer;

/*
 * The audit record of one step dir_reorg_apply made (ev->status DIR_OK):
 * account.move (merge) or domain.migrate with the changed values,
 * agency.modify for a re-parented or re-domained agency, agency.merge or
 * domain.alias for the final step. source: the run's (p->source for
 * govmailctl; "api CLIENT merge a->b" for govmail-apid). 0, or -1 with
 * errno when the record could not be written. Conflicts (ev->status not
 * DIR_OK) have no record: 0.
 */
int reorg_audit_step(struct audit_log *al, const struct dir_reorg_plan *p,
    const struct dir_reorg_event *ev, const char *source);

/* What a merge run did, or a dry run would do. */
struct reorg_merge_result {
	int dry_run;
	int nothing;            /* nothing to do (see dir_reorg_has_work) */
	size_t accounts;        /* accounts moved (to move) */
	size_t agencies;        /* sub-agencies re-parented (to re-parent) */
};

/*
 * The merge's result as one JSON object, what `govmailctl agency merge
 * --json` prints: src, dst, dry_run, nothing_to_do, accounts_moved,
 * sub_agencies_reparented, src_retired, accounts [{uid, address, from}]
 * (a real run: those moved), sub_agencies [codes].
 */
void reorg_merge_json(struct json_writer *w, const struct dir_reorg_plan *p,
    const struct reorg_merge_result *res);
/* The same as one line of text (for govmail-apid, whose JSON library
 * cannot be used beside json_writer.h); NULL when out of memory. */
char *reorg_merge_json_text(const struct dir_reorg_plan *p,
    const struct reorg_merge_result *res);

#endif
