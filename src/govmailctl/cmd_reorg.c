/*
 * cmd_reorg.c — `govmailctl agency merge` and `govmailctl domain migrate`:
 * arguments, the printed plan (--dry-run) or the changes as they are made,
 * one audit record per changed entry, the summary and --json. What changes,
 * in which order, and how a re-run picks up an interrupted one is decided
 * in dir_reorg.c. A real run also leaves a summary line in the audit log
 * (a refused one, its refusal) and shows its progress on a terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_run.h"
#include "cli.h"
#include "commands.h"
#include "conf.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_domain.h"
#include "dir_reorg.h"
#include "json_writer.h"
#include "log.h"
#include "reorg_report.h"
#include "xmalloc.h"

/* Escaped copy of a directory value for text output. */
#define ESC_SIZE 1100
static const char *
esc(char *buf, const char *s)
{
	return log_escape(buf, ESC_SIZE, s != NULL ? s : "", ESC_SIZE / 4);
}

/* What one run did (or, with --dry-run, would do). */
struct reorg_run {
	struct cli *cli;
	int dry_run;
	size_t accounts;        /* accounts changed */
	size_t agencies;        /* agencies changed */
	size_t conflicts;       /* conflicts reported */
	int final;              /* the final step was done now */
	struct audit_run *audit; /* run-level records; NULL in a dry run */
	const char *what;       /* "agency merge", for the progress line */
	size_t steps, total;    /* steps done, and planned (progress) */
	int progress;           /* a terminal is watching */
};

/* Progress on a terminal: this many steps at least, redrawn this often. */
#define REORG_PROGRESS_MIN   200
#define REORG_PROGRESS_EVERY 50

/* Lowercased, checked agency code from the command line (exit 65 if bad). */
static char *
reorg_code_arg(const char *arg, const char *what)
{
	char err[256], e1[ESC_SIZE], *code = xstrdup(arg);

	dir_agency_code_lower(code);
	if (dir_agency_code_valid(code, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "%s '%s': %s", what, esc(e1, arg), err);
	return code;
}

static void
reorg_domain_arg(const char *arg, char *out, size_t outlen)
{
	char err[512], e1[ESC_SIZE];

	if (dir_domain_normalize(arg, out, outlen, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "%s: %s", esc(e1, arg), err);
}

/*
 * A refused plan: unknown agency 67, refused for its data 65 (a refusal
 * of the whole run, recorded in the audit log unless a dry run).
 */
static void
reorg_plan_fail(struct reorg_run *r, enum dir_status st, const char *err)
{
	if (st == DIR_NOT_FOUND)
		cli_fail(EX_NOUSER, "%s", err);
	if (st == DIR_CONSTRAINT) {
		if (r->audit != NULL && audit_run_refused(r->audit, err) != 0)
			cli_warn("the audit log write failed: %s", strerror(errno));
		cli_fail(EX_DATAERR, "%s", err);
	}
	cli_fail(dir_status_exit(st), "%s", err);
}

/* ", a, b" for a list of addresses (into buf). */
static const char *
reorg_list(char *buf, size_t len, char *const *v, size_t n)
{
	char e1[ESC_SIZE];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", esc(e1, v[i]));

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

/* ---- text lines, shared by the plan (dry run) and the real run ---- */

static void
reorg_print_account(const struct reorg_run *r, const struct dir_reorg_plan *p,
    const struct dir_reorg_account *a)
{
	char e1[ESC_SIZE], e2[ESC_SIZE], e3[ESC_SIZE], list[4096];

	if (r->cli->json != NULL)
		return;
	if (p->kind == DIR_REORG_MERGE) {
		printf("%s %s (uid %s): %s -> %s\n", r->dry_run ? "would move" : "moved",
		    esc(e1, a->address), esc(e2, a->uid), esc(e3, a->agency), p->to);
		return;
	}
	if (a->conflict_why != NULL) {
		printf("conflict: %s (uid %s) left unchanged: %s\n", esc(e1, a->address),
		    esc(e2, a->uid), esc(e3, a->conflict_why));
		return;
	}
	printf("%s %s -> %s (uid %s", r->dry_run ? "would migrate" : "migrated",
	    esc(e1, a->address), esc(e2, a->new_address), esc(e3, a->uid));
	if (a->nadd_aliases > 0)
		printf("; alias%s added: %s", a->nadd_aliases == 1 ? "" : "es",
		    reorg_list(list, sizeof(list), a->add_aliases, a->nadd_aliases));
	if (a->promote)
		printf("; was an alias already");
	if (a->nskipped > 0)
		printf("; not added, used by another account: %s",
		    reorg_list(list, sizeof(list), a->skipped, a->nskipped));
	printf(")\n");
}

static void
reorg_print_agency(const struct reorg_run *r, const struct dir_reorg_plan *p,
    const struct dir_reorg_agency *g)
{
	char e1[ESC_SIZE], e2[ESC_SIZE];

	if (r->cli->json != NULL)
		return;
	if (p->kind == DIR_REORG_MERGE)
		printf("%s agency %s: parent %s -> %s\n",
		    r->dry_run ? "would re-parent" : "re-parented", esc(e1, g->code),
		    esc(e2, g->from), p->to);
	else
		printf("%s agency %s: mail domain %s -> %s\n",
		    r->dry_run ? "would change" : "changed", esc(e1, g->code),
		    esc(e2, g->from), p->to);
}

static void
reorg_print_final(const struct reorg_run *r, const struct dir_reorg_plan *p)
{
	if (r->cli->json != NULL)
		return;
	if (p->kind == DIR_REORG_MERGE) {
		if (p->final_status)
			printf("%s %s (merged into %s)\n", r->dry_run ? "would retire" :
			    "retired", p->from, p->to);
		else
			printf("%s %s: merged into %s (it was retired already)\n",
			    r->dry_run ? "would note on" : "noted on", p->from, p->to);
	} else if (r->dry_run)
		printf("would make domain %s an alias of %s\n", p->from, p->to);
	else
		printf("domain %s is now an alias of %s\n", p->from, p->to);
}

/* ---- the real run: audit and print each change as it is made ---- */

static int
reorg_event(const struct dir_reorg_plan *p, const struct dir_reorg_event *ev,
    void *arg)
{
	struct reorg_run *r = arg;
	const struct dir_reorg_account *a;
	const struct dir_reorg_agency *g;

	/* the same records as govmail-apid's merge (reorg_report.c) */
	if (reorg_audit_step(r->cli->audit, p, ev, p->source) != 0)
		cli_fail(EX_IOERR, "a change of %s was done but the audit log write failed: "
		    "%s", p->source, strerror(errno));
	switch (ev->step) {
	case DIR_REORG_STEP_ACCOUNT:
		a = &p->accounts[ev->index];
		if (ev->status == DIR_OK)
			r->accounts++;
		else
			r->conflicts++;
		reorg_print_account(r, p, a);
		break;
	case DIR_REORG_STEP_AGENCY:
		g = &p->agencies[ev->index];
		r->agencies++;
		reorg_print_agency(r, p, g);
		break;
	case DIR_REORG_STEP_FINAL:
		r->final = 1;
		reorg_print_final(r, p);
		break;
	}
	fflush(stdout);
	r->steps++;
	if (r->progress && (r->steps % REORG_PROGRESS_EVERY == 0 || r->steps == r->total))
		fprintf(stderr, "\r%s: %zu/%zu written", r->what, r->steps, r->total);
	return 0;
}

/* The dry run: the same lines, from the plan. */
static void
reorg_print_plan(struct reorg_run *r, const struct dir_reorg_plan *p)
{
	size_t i;

	for (i = 0; i < p->naccounts; i++) {
		reorg_print_account(r, p, &p->accounts[i]);
		if (p->accounts[i].conflict_why != NULL)
			r->conflicts++;
		else
			r->accounts++;
	}
	for (i = 0; i < p->nagencies; i++) {
		reorg_print_agency(r, p, &p->agencies[i]);
		r->agencies++;
	}
	if (p->final == DIR_REORG_FINAL_TODO) {
		reorg_print_final(r, p);
		r->final = 1;
	}
}

/* The run's summary line in the audit log. */
static void
reorg_summary(struct reorg_run *r, const struct dir_reorg_plan *p, enum dir_status st)
{
	const char *outcome = "ok";

	audit_run_count(r->audit, "accounts", r->accounts);
	audit_run_count(r->audit, "agencies", r->agencies);
	audit_run_count(r->audit, "conflicts", r->conflicts);
	audit_run_count(r->audit, "final", (size_t)r->final);
	if (st != DIR_OK)
		outcome = "failed";
	else if (r->conflicts > 0 || p->final == DIR_REORG_FINAL_BLOCKED)
		outcome = "partial";
	if (audit_run_end(r->audit, outcome) != 0)
		cli_fail(EX_IOERR, "the run's summary could not be written to the audit "
		    "log: %s", strerror(errno));
}

/* Apply, or on failure print what was done and exit with the error. */
static void
reorg_apply(struct reorg_run *r, struct dir *d, struct dir_reorg_plan *p,
    const char *what)
{
	char err[2048];
	enum dir_status st;

	r->total = p->naccounts + p->nagencies + (p->final == DIR_REORG_FINAL_TODO);
	r->progress = r->cli->json == NULL && isatty(STDERR_FILENO) &&
	    r->total >= REORG_PROGRESS_MIN;
	st = dir_reorg_apply(d, p, reorg_event, r, err, sizeof(err));
	if (r->progress)
		fputc('\n', stderr);
	reorg_summary(r, p, st);
	if (st == DIR_OK)
		return;
	if (r->cli->json == NULL)
		printf("%s: stopped after %zu accounts and %zu agencies\n", what,
		    r->accounts, r->agencies);
	cli_fail(dir_status_exit(st), "%s; what was done stays done, run the command "
	    "again to finish", err);
}

static const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ---- agency merge ---- */

/* --json: the result as govmail-apid answers it too (reorg_report.c) */
static void
merge_json(const struct reorg_run *r, const struct dir_reorg_plan *p, int nothing)
{
	struct reorg_merge_result res;

	res.dry_run = r->dry_run;
	res.nothing = nothing;
	res.accounts = r->accounts;
	res.agencies = r->agencies;
	reorg_merge_json(r->cli->json, p, &res);
}

static void
merge_opt(int ch, const char **into, int *dry_run)
{
	if (ch == 'i')
		*into = optarg;
	else if (ch == 'n')
		*dry_run = 1;
}

int
cmd_agency_merge(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "into", required_argument, NULL, 'i' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct reorg_run r;
	struct dir_reorg_plan *p = NULL;
	const char *into = NULL;
	char err[2048], *pos[1], *src, *dst;
	struct dir *d;
	enum dir_status st;
	int ch, npos = 0, nothing;

	memset(&r, 0, sizeof(r));
	r.cli = cli;
	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1)
		merge_opt(ch, &into, &r.dry_run);
	if (npos != 1)
		cli_usage_fail(cli, "SRC is required");
	if (into == NULL)
		cli_usage_fail(cli, "--into DST is required");
	src = reorg_code_arg(pos[0], "agency code");
	dst = reorg_code_arg(into, "agency code");

	d = r.dry_run ? cli_dir(cli) : cli_begin_change(cli);
	r.what = "agency merge";
	if (!r.dry_run) {
		snprintf(err, sizeof(err), "%s -> %s", src, dst);
		r.audit = audit_run_new(cli->audit, r.what, err);
	}
	if ((st = dir_reorg_merge_plan(d, src, dst, &p, err, sizeof(err))) != DIR_OK)
		reorg_plan_fail(&r, st, err);
	nothing = !dir_reorg_has_work(p);
	if (r.dry_run)
		reorg_print_plan(&r, p);
	else if (!nothing)
		reorg_apply(&r, d, p, "merge");

	if (cli->json != NULL)
		merge_json(&r, p, nothing);
	else if (nothing)
		printf("merge %s -> %s: nothing to do (%s holds no accounts or "
		    "sub-agencies and is retired)\n", src, dst, src);
	else if (r.dry_run)
		printf("merge %s -> %s (dry run): %zu %s to move, %zu %s to re-parent, "
		    "%s %s; nothing was changed\n", src, dst, r.accounts,
		    plural(r.accounts, "account", "accounts"), r.agencies,
		    plural(r.agencies, "sub-agency", "sub-agencies"), src,
		    r.final ? "to be retired" : "already retired");
	else if (p->final == DIR_REORG_FINAL_BLOCKED)
		printf("merge %s -> %s: %zu %s moved, %zu %s re-parented, %s NOT retired: "
		    "%s; run the command again\n", src, dst, r.accounts,
		    plural(r.accounts, "account", "accounts"), r.agencies,
		    plural(r.agencies, "sub-agency", "sub-agencies"), src, p->blocked_why);
	else
		printf("merge %s -> %s: %zu %s moved, %zu %s re-parented, %s %s\n", src, dst,
		    r.accounts, plural(r.accounts, "account", "accounts"), r.agencies,
		    plural(r.agencies, "sub-agency", "sub-agencies"), src,
		    r.final ? "retired" : "was already retired");
	{
		int rc = p->final == DIR_REORG_FINAL_BLOCKED && !r.dry_run ? EX_TEMPFAIL : EX_OK;

		dir_reorg_plan_free(p);
		audit_run_free(r.audit);
		free(src);
		free(dst);
		return rc;
	}
}

/* ---- domain migrate ---- */

static void
json_strings(struct json_writer *w, const char *key, char *const *v, size_t n)
{
	size_t i;

	json_key(w, key);
	json_begin_array(w);
	for (i = 0; i < n; i++)
		json_string(w, v[i]);
	json_end_array(w);
}

static void
migrate_json(const struct reorg_run *r, const struct dir_reorg_plan *p, int nothing)
{
	struct json_writer *w = r->cli->json;
	const char *status;
	size_t i;

	if (p->final == DIR_REORG_FINAL_DONE || (r->dry_run && r->final))
		status = "alias";
	else
		status = "active";
	json_begin_object(w);
	json_key(w, "old");
	json_string(w, p->from);
	json_key(w, "new");
	json_string(w, p->to);
	json_key(w, "agency");
	json_string(w, p->scope);
	json_key(w, "dry_run");
	json_bool(w, r->dry_run);
	json_key(w, "nothing_to_do");
	json_bool(w, nothing);
	json_key(w, "accounts_migrated");
	json_int(w, (long long)r->accounts);
	json_key(w, "conflicts");
	json_int(w, (long long)r->conflicts);
	json_key(w, "agencies_changed");
	json_int(w, (long long)r->agencies);
	json_key(w, "old_domain_status");
	json_string(w, status);
	json_key(w, "old_domain_kept_because");
	json_string(w, p->final == DIR_REORG_FINAL_BLOCKED ? p->blocked_why : NULL);
	json_key(w, "accounts");
	json_begin_array(w);
	for (i = 0; i < p->naccounts; i++) {
		const struct dir_reorg_account *a = &p->accounts[i];

		if (a->conflict_why != NULL || (!r->dry_run && !a->done))
			continue;
		json_begin_object(w);
		json_key(w, "uid");
		json_string(w, a->uid);
		json_key(w, "old_address");
		json_string(w, a->address);
		json_key(w, "new_address");
		json_string(w, a->new_address);
		json_strings(w, "aliases_added", a->add_aliases, a->nadd_aliases);
		json_strings(w, "aliases_not_added", a->skipped, a->nskipped);
		json_end_object(w);
	}
	json_end_array(w);
	json_key(w, "conflict_accounts");
	json_begin_array(w);
	for (i = 0; i < p->naccounts; i++) {
		const struct dir_reorg_account *a = &p->accounts[i];

		if (a->conflict_why == NULL)
			continue;
		json_begin_object(w);
		json_key(w, "uid");
		json_string(w, a->uid);
		json_key(w, "address");
		json_string(w, a->address);
		json_key(w, "new_address");
		json_string(w, a->new_address);
		json_key(w, "used_by_uid");
		json_string(w, a->conflict_uid);
		json_key(w, "used_by_address");
		json_string(w, a->conflict_address);
		json_key(w, "reason");
		json_string(w, a->conflict_why);
		json_end_object(w);
	}
	json_end_array(w);
	json_key(w, "agencies");
	json_begin_array(w);
	for (i = 0; i < p->nagencies; i++)
		if (r->dry_run || p->agencies[i].done)
			json_string(w, p->agencies[i].code);
	json_end_array(w);
	json_end_object(w);
}

/* The text summary's tail: what became of OLD. */
static void
migrate_old_state(const struct reorg_run *r, const struct dir_reorg_plan *p,
    char *buf, size_t len)
{
	if (p->final == DIR_REORG_FINAL_NONE)
		snprintf(buf, len, "%s stays active (--agency)", p->from);
	else if (p->final == DIR_REORG_FINAL_BLOCKED)
		snprintf(buf, len, "%s stays active: %s", p->from, p->blocked_why);
	else if (r->final)
		snprintf(buf, len, "%s %s an alias of %s", p->from,
		    r->dry_run ? "to become" : "now", p->to);
	else
		snprintf(buf, len, "%s already an alias of %s", p->from, p->to);
}

static void
migrate_opt(int ch, const char **agency, int *dry_run)
{
	if (ch == 'a')
		*agency = optarg;
	else if (ch == 'n')
		*dry_run = 1;
}

int
cmd_domain_migrate(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agency", required_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct reorg_run r;
	struct dir_reorg_plan *p = NULL;
	const char *agency_arg = NULL;
	char old[DIR_DOMAIN_MAX + 1], nw[DIR_DOMAIN_MAX + 1], scope[128];
	char err[2048], tail[512], *pos[2], *agency = NULL;
	struct dir *d;
	enum dir_status st;
	int ch, npos = 0, nothing, rc;

	memset(&r, 0, sizeof(r));
	r.cli = cli;
	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 2, &npos)) != -1)
		migrate_opt(ch, &agency_arg, &r.dry_run);
	if (npos != 2)
		cli_usage_fail(cli, "OLD and NEW domains are required");
	reorg_domain_arg(pos[0], old, sizeof(old));
	reorg_domain_arg(pos[1], nw, sizeof(nw));
	if (agency_arg != NULL)
		agency = reorg_code_arg(agency_arg, "agency code");

	d = r.dry_run ? cli_dir(cli) : cli_begin_change(cli);
	r.what = "domain migrate";
	if (!r.dry_run) {
		snprintf(err, sizeof(err), "%s -> %s%s%s", old, nw, agency ? " --agency " : "",
		    agency ? agency : "");
		r.audit = audit_run_new(cli->audit, r.what, err);
	}
	st = dir_reorg_migrate_plan(d, old, nw, agency, cli_conf(cli)->addr_default_domain, &p,
	    err, sizeof(err));
	if (st != DIR_OK)
		reorg_plan_fail(&r, st, err);
	nothing = !dir_reorg_has_work(p) && p->nconflicts == 0;
	if (r.dry_run)
		reorg_print_plan(&r, p);
	else if (nothing)
		;
	else if (!dir_reorg_has_work(p))
		reorg_print_plan(&r, p);        /* only conflicts: list them */
	else
		reorg_apply(&r, d, p, "migrate");

	scope[0] = '\0';
	if (agency != NULL)
		snprintf(scope, sizeof(scope), " (agency %s and below)", agency);
	migrate_old_state(&r, p, tail, sizeof(tail));
	if (cli->json != NULL)
		migrate_json(&r, p, nothing);
	else if (nothing)
		printf("migrate %s -> %s%s: nothing to do (already migrated; %s)\n", old, nw,
		    scope, tail);
	else
		printf("migrate %s -> %s%s%s: %zu %s %s, %zu %s %s, %zu %s; %s%s\n", old, nw,
		    scope, r.dry_run ? " (dry run)" : "", r.accounts,
		    plural(r.accounts, "account", "accounts"),
		    r.dry_run ? "to migrate" : "migrated", r.agencies,
		    plural(r.agencies, "agency", "agencies"),
		    r.dry_run ? "to change" : "changed", r.conflicts,
		    plural(r.conflicts, "conflict", "conflicts"), tail,
		    r.dry_run ? "; nothing was changed" : "");
	rc = EX_OK;
	if (r.conflicts > 0) {
		rc = EX_DATAERR;
		if (cli->json == NULL)
			cli_warn("%zu %s left unchanged: %s new address is used by another "
			    "account (see the conflict lines)", r.conflicts,
			    plural(r.conflicts, "account", "accounts"),
			    plural(r.conflicts, "its", "their"));
	}
	dir_reorg_plan_free(p);
	audit_run_free(r.audit);
	free(agency);
	return rc;
}
