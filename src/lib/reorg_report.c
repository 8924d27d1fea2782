/*
 * reorg_report.c — the audit records and the JSON result of a
 * reorganisation, shared by govmailctl and govmail-apid (reorg_report.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit_log.h"
#include "dir.h"
#include "dir_account.h"
#include "json_writer.h"
#include "reorg_report.h"

#define REORG_MAX_ATTRS   64
#define REORG_MAX_CHANGES 32

int
reorg_audit_step(struct audit_log *al, const struct dir_reorg_plan *p,
    const struct dir_reorg_event *ev, const char *source)
{
	const char *names[REORG_MAX_ATTRS];
	struct audit_change ch[REORG_MAX_CHANGES];
	struct account_result res;
	size_t n = 0, nc = 0, i;
	int rc;

	if (ev->status != DIR_OK)
		return 0;
	if (ev->mods != NULL)
		n = dir_mods_attr_names(ev->mods, names, REORG_MAX_ATTRS);
	switch (ev->step) {
	case DIR_REORG_STEP_ACCOUNT: {
		const struct dir_reorg_account *a = &p->accounts[ev->index];

		/* with the values: aliases a migration adds are traceable */
		dir_reorg_account_changes(p, a, &res);
		for (i = 0; i < res.n && nc < REORG_MAX_CHANGES; i++, nc++) {
			ch[nc].field = res.changes[i].field;
			ch[nc].old = res.changes[i].old;
			ch[nc].new = res.changes[i].new;
		}
		rc = audit_record_changes(al, p->kind == DIR_REORG_MERGE ? "account.move" :
		    "domain.migrate", a->address, ev->dn, names, n, ch, nc, source, "ok");
		account_result_clear(&res);
		return rc;
	}
	case DIR_REORG_STEP_AGENCY:
		return audit_record(al, "agency.modify", p->agencies[ev->index].code, ev->dn,
		    names, n, source, "ok");
	case DIR_REORG_STEP_FINAL:
		return audit_record(al, p->kind == DIR_REORG_MERGE ? "agency.merge" :
		    "domain.alias", p->from, ev->dn, names, n, source, "ok");
	}
	errno = EINVAL;
	return -1;
}

void
reorg_merge_json(struct json_writer *w, const struct dir_reorg_plan *p,
    const struct reorg_merge_result *res)
{
	size_t i;

	json_begin_object(w);
	json_key(w, "src");
	json_string(w, p->from);
	json_key(w, "dst");
	json_string(w, p->to);
	json_key(w, "dry_run");
	json_bool(w, res->dry_run);
	json_key(w, "nothing_to_do");
	json_bool(w, res->nothing);
	json_key(w, "accounts_moved");
	json_int(w, (long long)res->accounts);
	json_key(w, "sub_agencies_reparented");
	json_int(w, (long long)res->agencies);
	json_key(w, "src_retired");
	json_bool(w, p->final == DIR_REORG_FINAL_DONE || res->dry_run);
	json_key(w, "accounts");
	json_begin_array(w);
	for (i = 0; i < p->naccounts; i++) {
		const struct dir_reorg_account *a = &p->accounts[i];

		if (!res->dry_run && !a->done)
			continue;
		json_begin_object(w);
		json_key(w, "uid");
		json_string(w, a->uid);
		json_key(w, "address");
		json_string(w, a->address);
		json_key(w, "from");
		json_string(w, a->agency);
		json_end_object(w);
	}
	json_end_array(w);
	json_key(w, "sub_agencies");
	json_begin_array(w);
	for (i = 0; i < p->nagencies; i++)
		if (res->dry_run || p->agencies[i].done)
			json_string(w, p->agencies[i].code);
	json_end_array(w);
	json_end_object(w);
}

char *
reorg_merge_json_text(const struct dir_reorg_plan *p, const struct reorg_merge_result *res)
{
	struct json_writer *w;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return NULL;
	w = json_writer_new(fp, 0);
	reorg_merge_json(w, p, res);
	json_writer_free(w);
	if (ferror(fp)) {
		fclose(fp);
		free(text);
		return NULL;
	}
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
