/*
 * apid_agency_merge.c — POST /v1/agencies/{code}/merge: merging an agency
 * into another through govmail-apid, with govmailctl agency merge's
 * operation (dir_reorg.h: the plan, then one modify per entry) and its
 * records (reorg_report.h: account.move, agency.modify, agency.merge, and
 * the run's summary or refusal).
 *
 * Preview: {"into": DST, "dry_run": true} answers the plan (the accounts
 * that would move, the sub-agencies re-parented, whether SRC is retired)
 * without writing anything, and an ETag that is a digest of that plan. A
 * real run ({"dry_run": false}) needs If-Match with that ETag (or "*"):
 * when the plan is no longer what was previewed (an account was added to
 * SRC meanwhile, another merge ran), it answers 412 and changes nothing.
 * A merge never changes an address: accounts keep their addresses and
 * aliases; only their agency changes.
 *
 * Who: agency.write on SRC's parent (SRC itself is changed: retired — as
 * for PATCH, an agency is changed by a right over its parent; a top-level
 * SRC needs a province-wide grant), agency.write on DST (SRC's
 * sub-agencies go under it), and account.move on both. So a province-admin
 * may merge any two agencies, an agency-admin two agencies of its subtree
 * other than the agency of its grant itself (which it may merge into, not
 * away); hr and auditors may not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_accounts.h"
#include "apid_auth.h"
#include "apid_dispatch.h"
#include "apid_resources.h"
#include "audit_log.h"
#include "audit_run.h"
#include "dir.h"
#include "dir_agency.h"
#include "dir_reorg.h"
#include "log.h"
#include "reorg_report.h"
#include "xmalloc.h"

#define APID_MERGE_COMMAND "agency merge"

/* The result as JSON (reorg_merge_json, what govmailctl --json prints). */
static json_t *
apid_merge_json(const struct dir_reorg_plan *p, const struct reorg_merge_result *res)
{
	char *text = reorg_merge_json_text(p, res);
	json_t *o;

	if (text == NULL)
		return NULL;
	o = json_loads(text, 0, NULL);
	free(text);
	return o;
}

/* The plan as a preview (every step it holds) and its digest. */
static json_t *
apid_merge_preview(const struct dir_reorg_plan *p, char *etag, size_t etaglen)
{
	struct reorg_merge_result res;
	json_t *o;

	memset(&res, 0, sizeof(res));
	res.dry_run = 1;
	res.nothing = !dir_reorg_has_work(p);
	res.accounts = p->naccounts;
	res.agencies = p->nagencies;
	if ((o = apid_merge_json(p, &res)) != NULL) {
		/* src_retired of a preview says "retired after the merge";
		 * whether that is a change is here */
		json_object_set_new(o, "src_retire", json_boolean(p->final ==
		    DIR_REORG_FINAL_TODO));
		json_object_set_new(o, "addresses_changed", json_integer(0));
		apid_etag(o, etag, etaglen);
	}
	return o;
}

/* The agency with this code if the caller sees it: 0, or -1 with a 404
 * (naming field, when given) or a directory problem queued. */
static int
apid_merge_agency(struct apid_req *r, const char *code, const char *field,
    struct dir_agency **out, int *ret)
{
	int st;

	*out = NULL;
	st = dir_agency_get(r->dir, code, out);
	if (st != DIR_OK && st != DIR_NOT_FOUND) {
		*ret = apid_dir_problem(r, st, "agency");
		return -1;
	}
	if (st == DIR_NOT_FOUND || !api_authz_visible(r->caller, (*out)->dn)) {
		dir_agency_free(*out);
		*out = NULL;
		*ret = apid_problem(r, 404, "not-found", "Not found", field, NULL, 0,
		    "%s%sno such agency", field ? field : "", field ? ": " : "");
		return -1;
	}
	return 0;
}

/* The scope rule above: 0, or -1 with a 403 naming the rule queued. */
static int
apid_merge_allowed(struct apid_req *r, const struct dir_agency *src,
    const struct dir_agency *dst, int *ret)
{
	char rule[256], *pdn = NULL;
	int ok;

	if (src->parent == NULL || *src->parent == '\0') {
		ok = apid_province_wide(r, API_OP_AGENCY_WRITE);
		snprintf(rule, sizeof(rule), "a top-level agency needs a province-wide grant");
	} else {
		pdn = dir_agency_dn(r->dir, src->parent);
		ok = pdn != NULL && apid_allowed(r, API_OP_AGENCY_WRITE, pdn, rule,
		    sizeof(rule));
		free(pdn);
	}
	if (ok)
		ok = apid_allowed(r, API_OP_AGENCY_WRITE, dst->dn, rule, sizeof(rule)) &&
		    apid_allowed(r, API_OP_ACCOUNT_MOVE, src->dn, rule, sizeof(rule)) &&
		    apid_allowed(r, API_OP_ACCOUNT_MOVE, dst->dn, rule, sizeof(rule));
	if (!ok) {
		*ret = apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "%s may not merge agency %s into %s (it needs agency.write over %s's "
		    "parent and over %s, and account.move on both)", r->caller->actor,
		    src->code, dst->code, src->code, dst->code);
		return -1;
	}
	return 0;
}

/* A real run: one audit record per change, as govmailctl writes them. */
struct apid_merge_run {
	struct audit_log *al;
	char source[200];
	size_t accounts, agencies;
	int final, audit_failed;
};

static int
apid_merge_step(const struct dir_reorg_plan *p, const struct dir_reorg_event *ev,
    void *arg)
{
	struct apid_merge_run *m = arg;

	if (reorg_audit_step(m->al, p, ev, m->source) != 0) {
		/* the change is made; the log says what was lost */
		log_warn("agency merge %s: a change was done but its audit record was not "
		    "written", p->source);
		m->audit_failed = 1;
	}
	if (ev->status != DIR_OK)
		return 0;
	switch (ev->step) {
	case DIR_REORG_STEP_ACCOUNT:
		m->accounts++;
		break;
	case DIR_REORG_STEP_AGENCY:
		m->agencies++;
		break;
	case DIR_REORG_STEP_FINAL:
		m->final = 1;
		break;
	}
	return 0;
}

static int
apid_merge_apply(struct apid_req *r, struct dir_reorg_plan *p, struct audit_log *al,
    struct audit_run *run)
{
	struct apid_merge_run m;
	struct reorg_merge_result res;
	char err[2048];
	enum dir_status st;
	json_t *o;
	int ret, nothing = !dir_reorg_has_work(p);

	memset(&m, 0, sizeof(m));
	m.al = al;
	snprintf(m.source, sizeof(m.source), "api %s %s", r->client, p->source);
	st = nothing ? DIR_OK : dir_reorg_apply(r->dir, p, apid_merge_step, &m, err,
	    sizeof(err));
	if (!nothing) {
		audit_run_count(run, "accounts", m.accounts);
		audit_run_count(run, "agencies", m.agencies);
		audit_run_count(run, "conflicts", 0);
		audit_run_count(run, "final", (size_t)m.final);
		if (audit_run_end(run, st == DIR_OK ? "ok" : "failed") != 0)
			log_warn("agency merge %s: the run's summary was not written", p->source);
	}
	log_info("agency.merge %s by %s from %s: %zu account(s) moved, %zu sub-agency(ies) "
	    "re-parented%s%s", p->source, r->caller->actor, r->client, m.accounts,
	    m.agencies, m.final ? ", source retired" : "", st == DIR_OK ? "" : " (stopped)");
	if (m.agencies > 0 || m.final)
		api_agency_tree_invalidate();
	if (st != DIR_OK) {
		log_warnx("agency merge %s stopped: %s", p->source, err);
		if (st == DIR_UNAVAILABLE)
			return apid_problem(r, 503, "outcome-unknown", "Merge interrupted", NULL,
			    NULL, 5, "the directory stopped answering after %zu account(s) and "
			    "%zu sub-agency(ies): what was done stays done; preview again and "
			    "send the merge again to finish", m.accounts, m.agencies);
		return apid_problem(r, 500, "merge-failed", "Merge stopped", NULL, NULL, 0,
		    "the merge stopped after %zu account(s) and %zu sub-agency(ies): what "
		    "was done stays done; preview again and send it again to finish",
		    m.accounts, m.agencies);
	}
	memset(&res, 0, sizeof(res));
	res.dry_run = 0;
	res.nothing = nothing;
	res.accounts = m.accounts;
	res.agencies = m.agencies;
	if ((o = apid_merge_json(p, &res)) == NULL)
		return apid_problem(r, 500, "internal", "Internal error", NULL, NULL, 0,
		    "the merge was done but its answer could not be made");
	ret = apid_reply(r, 200, o, NULL, NULL);
	json_decref(o);
	return ret;
}

/* A code from the request, lowered and checked: 0 or -1. */
static int
apid_merge_code(const char *in, char *out, size_t outlen)
{
	char err[256];

	if (in == NULL || strlen(in) >= outlen)
		return -1;
	snprintf(out, outlen, "%s", in);
	dir_agency_code_lower(out);
	return dir_agency_code_valid(out, err, sizeof(err));
}

int
apid_agency_merge(struct apid_req *r)
{
	const char *im = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-Match");
	const char *into = json_string_value(json_object_get(r->json, "into"));
	json_t *jdry = json_object_get(r->json, "dry_run");
	char src[DIR_AGENCY_CODE_MAX + 1], dst[DIR_AGENCY_CODE_MAX + 1];
	char err[2048], etag[40], runsrc[2 * DIR_AGENCY_CODE_MAX + 8];
	struct dir_agency *as = NULL, *ad = NULL;
	struct dir_reorg_plan *p = NULL;
	struct audit_log *al = NULL;
	struct audit_run *run = NULL;
	json_t *o;
	int ret, st, dry_run = jdry != NULL && json_is_true(jdry);

	if (apid_merge_code(into, dst, sizeof(dst)) != 0)
		return apid_problem(r, 400, "invalid-body", "Invalid request body", "into",
		    NULL, 0, "into: not a valid agency code");
	if (!dry_run && im == NULL)
		return apid_problem(r, 428, "precondition-required", "Precondition required",
		    "If-Match", NULL, 0, "send If-Match with the ETag of the merge's preview "
		    "(\"dry_run\": true)");
	if (apid_dir(r) == NULL)
		return apid_dir_problem(r, DIR_UNAVAILABLE, "agency merge");
	if (apid_merge_code(r->params[0], src, sizeof(src)) != 0)
		return apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0,
		    "no such agency");
	if (apid_merge_agency(r, src, NULL, &as, &ret) != 0)
		return ret;
	if (apid_merge_agency(r, dst, "into", &ad, &ret) != 0)
		goto out;
	if (apid_merge_allowed(r, as, ad, &ret) != 0)
		goto out;
	if (!dry_run) {
		if ((al = apid_audit_open(r, &ret)) == NULL)
			goto out;
		snprintf(runsrc, sizeof(runsrc), "%s -> %s", src, dst);
		run = audit_run_new(al, APID_MERGE_COMMAND, runsrc);
	}
	st = dir_reorg_merge_plan(r->dir, src, dst, &p, err, sizeof(err));
	if (st != DIR_OK) {
		if (st == DIR_CONSTRAINT) {
			/* merging into itself, into one of its own sub-agencies, into a
			 * retired one, or too deep: refused as a whole, as the CLI does */
			if (run != NULL && audit_run_refused(run, err) != 0)
				log_warn("agency merge %s -> %s: the refusal was not logged", src,
				    dst);
			ret = apid_problem(r, 409, "refused", "Refused", "into", NULL, 0, "%s",
			    err);
		} else if (st == DIR_NOT_FOUND)
			ret = apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0, "%s",
			    err);
		else
			ret = apid_dir_problem(r, st, "agency merge");
		goto out;
	}
	if ((o = apid_merge_preview(p, etag, sizeof(etag))) == NULL) {
		ret = apid_problem(r, 500, "internal", "Internal error", NULL, NULL, 0,
		    "the plan could not be written");
		goto out;
	}
	if (dry_run) {
		ret = apid_reply(r, 200, o, "ETag", etag);
		json_decref(o);
		goto out;
	}
	json_decref(o);
	if (strcmp(im, etag) != 0 && strcmp(im, "*") != 0) {
		ret = apid_problem(r, 412, "stale", "Precondition failed", "If-Match", NULL, 0,
		    "the merge's plan changed since its preview (now %s); preview it again",
		    etag);
		goto out;
	}
	ret = apid_merge_apply(r, p, al, run);
out:
	if (al != NULL && audit_close(al) != 0)
		log_warnx("audit log close failed");
	audit_run_free(run);
	dir_reorg_plan_free(p);
	dir_agency_free(as);
	dir_agency_free(ad);
	return ret;
}
