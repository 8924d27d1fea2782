/*
 * hr_run.c — the refusals and audit records of an hr sync run (hr_run.h),
 * shared by govmailctl hr sync and govmail-apid's HR jobs so that a run
 * refuses, records and recovers alike whoever started it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_log.h"
#include "audit_run.h"
#include "conf.h"
#include "dir_account.h"
#include "dir_verify.h"
#include "hr_run.h"
#include "xmalloc.h"

const char *
hr_audit_op(enum hr_act k)
{
	switch (k) {
	case HR_ACT_CREATE: return "hr.create";
	case HR_ACT_UPDATE: return "hr.update";
	case HR_ACT_SUSPEND: return "hr.suspend";
	case HR_ACT_RESUME: return "hr.resume";
	case HR_ACT_DISABLE: return "hr.disable";
	default: return "hr.other";
	}
}

int
hr_run_file_refused(const struct hr_file *hr, int disable_missing, char *why,
    size_t whylen)
{
	/* A file unusable as a whole must not be taken as "nobody works here". */
	if (hr->fatal) {
		snprintf(why, whylen, "%s cannot be used (%s); nothing was changed", hr->path,
		    hr->nerrors > 0 ? hr->errors[hr->nerrors - 1].message : "see above");
		return 1;
	}
	/* ... nor one cut short, or with rows that cannot be attributed. */
	return disable_missing && hr_absence_refused(hr, why, whylen);
}

int
hr_run_guard_refused(const struct hr_plan *p, const struct govmail_conf *c,
    const char *how_to_force, char *why, size_t whylen)
{
	if (!hr_plan_over_guard(p, c->hr_max_suspend_percent, c->hr_max_suspend_floor))
		return 0;
	snprintf(why, whylen, "refusing to suspend or disable %zu of %zu active accounts "
	    "(more than hr.max_suspend_percent = %d%% and more than hr.max_suspend_floor "
	    "= %d): is the export truncated? Check it, or %s", hr_plan_lockouts(p),
	    p->managed_active, c->hr_max_suspend_percent, c->hr_max_suspend_floor,
	    how_to_force);
	return 1;
}

/*
 * The intent record, on disk before any of the group is sent, names each
 * change (a create by its employee id, a modify by a fingerprint of the
 * values it writes), so a run killed before their own records leaves them
 * to the next run to complete (hr_run_recover).
 */
int
hr_run_intent(struct audit_run *run, const char *label, struct hr_action *const *acts,
    size_t n)
{
	struct audit_intent *items = xcalloc(n ? n : 1, sizeof(*items));
	const char **names = xcalloc(n * 64 + 1, sizeof(*names));
	char (*src)[600] = xcalloc(n ? n : 1, sizeof(*src));
	char (*fp)[DIR_FINGERPRINT_LEN + 1] = xcalloc(n ? n : 1, sizeof(*fp));
	size_t i;
	int rc, e;

	for (i = 0; i < n; i++) {
		const struct hr_action *a = acts[i];

		items[i].op = hr_audit_op(a->kind);
		items[i].target = a->address ? a->address : a->employee_id;
		items[i].dn = a->dn;
		if (a->line)
			snprintf(src[i], sizeof(src[i]), "%s:%lu", label, a->line);
		else
			snprintf(src[i], sizeof(src[i]), "%s", label);
		items[i].source = src[i];
		if (a->kind == HR_ACT_CREATE)
			items[i].key = a->employee_id;
		else if (dir_mods_fingerprint(a->mods, fp[i]) == 0)
			items[i].check = fp[i];
		items[i].attrs = names + i * 64;
		items[i].nattrs = dir_mods_attr_names(a->mods, names + i * 64, 64);
	}
	rc = audit_run_intent(run, items, n);
	e = errno;
	free(fp);
	free(src);
	free(names);
	free(items);
	errno = e;
	return rc;
}

int
hr_run_record(struct audit_log *al, const char *label, const struct hr_action *a)
{
	struct audit_change ch[32];
	const char *names[64];
	char source[600];
	size_t i, n, nc = 0;

	if (a->result != DIR_OK || a->mods == NULL)
		return 0;
	if (a->line)
		snprintf(source, sizeof(source), "%s:%lu", label, a->line);
	else
		snprintf(source, sizeof(source), "%s", label);
	n = dir_mods_attr_names(a->mods, names, 64);
	if (a->changes == NULL)
		return audit_record(al, hr_audit_op(a->kind), a->address, a->dn, names, n,
		    source, "ok");
	for (i = 0; i < a->changes->n && nc < 32; i++, nc++) {
		ch[nc].field = a->changes->changes[i].field;
		ch[nc].old = a->changes->changes[i].old;
		ch[nc].new = a->changes->changes[i].new;
	}
	return audit_record_changes(al, hr_audit_op(a->kind), a->address, a->dn, names, n,
	    ch, nc, source, "ok");
}

int
hr_run_summary(struct audit_run *run, const struct hr_file *hr, const struct hr_plan *p,
    enum dir_status st)
{
	const char *outcome = "ok";
	int k;

	for (k = HR_ACT_CREATE; k <= HR_ACT_NOACCOUNT; k++)
		audit_run_count(run, hr_act_name((enum hr_act)k), p->count[k]);
	audit_run_count(run, "unchanged", p->unchanged);
	audit_run_count(run, "rows", hr->nrows + hr->nerrors);
	audit_run_count(run, "rejected", hr->nerrors);
	audit_run_count(run, "writes", p->writes);
	audit_run_count(run, "failed", p->failed);
	audit_run_count(run, "invalid", p->invalid);
	if (st != DIR_OK || p->failed > 0)
		outcome = "failed";
	else if (hr->nerrors > 0 || p->invalid > 0)
		outcome = "partial";
	return audit_run_end(run, outcome);
}

int
hr_run_recover(struct audit_log *a, const struct govmail_conf *c, struct dir *d,
    struct audit_recovery *rec, char *err, size_t errlen)
{
	char *path = conf_resolve_path(c, c->audit_log_file);
	int rc;

	rc = audit_run_recover(a, path, HR_RUN_COMMAND, dir_verify_intent, d, rec, err,
	    errlen);
	free(path);
	return rc;
}
