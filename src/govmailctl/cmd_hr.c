/*
 * cmd_hr.c — govmailctl hr sync FILE: bring accounts in step with the HR
 * export. Reading and checking the file is hr_import.c, planning and the
 * pipelined writes are hr_sync.c, the initial-passwords file
 * hr_passwords.c; this file handles options, the guards, audit, progress
 * and output; the refusals and audit records are hr_run.c (shared with
 * govmail-apid's HR jobs).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_run.h"
#include "cli.h"
#include "commands.h"
#include "conf.h"
#include "dir.h"
#include "dir_failover.h"
#include "dir_verify.h"
#include "hr_import.h"
#include "hr_passwords.h"
#include "hr_run.h"
#include "hr_sync.h"
#include "json_writer.h"
#include "xmalloc.h"

struct hr_run {
	struct cli *cli;
	const char *file;
	size_t done, total;
	int progress;           /* a terminal is watching */
	struct audit_run *audit; /* run-level records; NULL in a dry run */
	struct dir *d;
	size_t reconnects;      /* failovers so far (hr_reconnect) */
};

/* One plan line: action, employee id, address, name, detail, source. */
static void
hr_print_action(const struct hr_run *run, const struct hr_action *a)
{
	printf("%-10s %-10s %-32s %s", hr_act_name(a->kind), a->employee_id,
	    a->address ? a->address : "-", a->name);
	if (a->what)
		printf("  [%s]", a->what);
	if (a->line)
		printf("  (%s:%lu)", run->file, a->line);
	else
		printf("  (not in %s)", run->file);
	if (a->result != DIR_OK)
		printf("  FAILED: %s", a->error ? a->error : "?");
	putchar('\n');
}

/* Called by hr_plan_apply as each write completes. */
static void
hr_done(struct hr_action *a, void *arg)
{
	struct hr_run *run = arg;

	run->done++;
	if (hr_run_record(run->cli->audit, run->file, a) != 0)
		cli_fail(EX_IOERR, "%s %s was done but the audit log write failed: %s",
		    hr_audit_op(a->kind), a->address, strerror(errno));
	if (run->cli->json == NULL)
		hr_print_action(run, a);
	if (run->progress && (run->done % 200 == 0 || run->done == run->total))
		fprintf(stderr, "\rhr sync: %zu/%zu written", run->done, run->total);
}

/* Called by hr_plan_apply before each group of writes (hr_run_intent). */
static int
hr_intent(struct hr_action *const *acts, size_t n, void *arg)
{
	struct hr_run *run = arg;

	if (hr_run_intent(run->audit, run->file, acts, n) != 0)
		cli_fail(EX_IOERR, "refusing to go on: the audit log's intent record could "
		    "not be written: %s", strerror(errno));
	return 0;
}

/*
 * Called by hr_plan_apply when the server went away mid-run: connect to
 * the next server of ldap.uri that answers (at most as many times as it
 * names servers, so a run never cycles among dying ones), and say so.
 */
static int
hr_reconnect(size_t sent, size_t lost, void *arg)
{
	struct hr_run *run = arg;
	char *was;

	if (run->reconnects >= dir_server_count(run->d))
		return -1;
	run->reconnects++;
	was = xstrdup(dir_uri(run->d));
	if (dir_reconnect(run->d, cli_conf(run->cli)) != DIR_OK) {
		free(was);
		return -1;
	}
	if (run->progress)
		fputc('\n', stderr);
	dir_failover_note("hr sync: %s failed after %zu of %zu writes; going on with %s "
	    "(first checking there which of the %zu writes in flight took effect)", was,
	    sent, run->total, dir_uri(run->d), lost);
	free(was);
	return 0;
}

/*
 * Complete the audit records of earlier runs that were killed between a
 * batch and its records, checking each announced change against the
 * directory as it is now (before this run changes anything).
 */
static void
hr_recover(struct cli *cli, struct dir *d)
{
	const struct govmail_conf *c = cli_conf(cli);
	struct audit_recovery rec;
	char err[1024];

	if (hr_run_recover(cli->audit, c, d, &rec, err, sizeof(err)) != 0)
		cli_fail(dir_last_status(d) != DIR_OK ? dir_status_exit(dir_last_status(d)) :
		    EX_IOERR, "completing the audit log of an interrupted hr sync: %s; "
		    "nothing was changed", err);
	if (rec.runs > 0)
		cli_warn("the audit log held %zu interrupted hr sync %s: of %zu announced "
		    "changes, %zu had their record, %zu were found made and %zu not made "
		    "(recorded now)", rec.runs, rec.runs == 1 ? "run" : "runs", rec.items,
		    rec.logged, rec.applied, rec.not_applied);
}

/* A whole run refused: recorded (unless a dry run), then exit 65. */
static void __attribute__((noreturn))
hr_refuse(struct hr_run *run, const char *why)
{
	if (run->audit != NULL && audit_run_refused(run->audit, why) != 0)
		cli_warn("the audit log write failed: %s", strerror(errno));
	cli_fail(EX_DATAERR, "%s", why);
}

/* The summary record of a run that wrote. */
static void
hr_audit_summary(struct hr_run *run, const struct hr_file *hr, const struct hr_plan *p,
    enum dir_status st)
{
	if (hr_run_summary(run->audit, hr, p, st) != 0)
		cli_fail(EX_IOERR, "the run's summary could not be written to the audit "
		    "log: %s", strerror(errno));
}

/* Write the initial-passwords file anew (exit 74 if that fails). */
static void
hr_save_passwords(struct hr_passwords *pw, const char *when)
{
	char err[1024];

	if (hr_passwords_save(pw, err, sizeof(err)) != 0)
		cli_fail(EX_IOERR, "%s (%s)", err, when);
}

static void
hr_json_summary(struct cli *cli, const struct hr_file *hr, const struct hr_plan *p,
    const char *file, int dry_run)
{
	struct json_writer *w = cli->json;
	size_t i;
	int k;

	json_begin_object(w);
	json_key(w, "file");
	json_string(w, file);
	json_key(w, "dry_run");
	json_bool(w, dry_run);
	json_key(w, "rows");
	json_int(w, (long long)(hr->nrows + hr->nerrors));
	json_key(w, "rejected");
	json_begin_array(w);
	for (i = 0; i < hr->nerrors; i++) {
		json_begin_object(w);
		json_key(w, "line");
		json_int(w, (long long)hr->errors[i].line);
		json_key(w, "error");
		json_string(w, hr->errors[i].message);
		json_end_object(w);
	}
	json_end_array(w);
	json_key(w, "counts");
	json_begin_object(w);
	for (k = HR_ACT_CREATE; k <= HR_ACT_NOACCOUNT; k++) {
		json_key(w, hr_act_name((enum hr_act)k));
		json_int(w, (long long)p->count[k]);
	}
	json_key(w, "unchanged");
	json_int(w, (long long)p->unchanged);
	json_end_object(w);
	json_key(w, "writes");
	json_int(w, (long long)p->writes);
	json_key(w, "failed");
	json_int(w, (long long)p->failed);
	json_key(w, "actions");
	json_begin_array(w);
	for (i = 0; i < p->n; i++) {
		const struct hr_action *a = &p->actions[i];

		json_begin_object(w);
		json_key(w, "action");
		json_string(w, hr_act_name(a->kind));
		json_key(w, "employee_id");
		json_string(w, a->employee_id);
		json_key(w, "address");
		json_string(w, a->address);
		json_key(w, "name");
		json_string(w, a->name);
		json_key(w, "detail");
		json_string(w, a->what);
		json_key(w, "line");
		json_int(w, (long long)a->line);
		json_key(w, "result");
		json_string(w, a->result == DIR_OK ? "ok" : "failed");
		if (a->error) {
			json_key(w, "error");
			json_string(w, a->error);
		}
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}

int
cmd_hr_sync(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "disable-missing", no_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ "passwords-out", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, npos = 0, dry_run = 0, disable_missing = 0, force = 0, rc = EX_OK, k;
	const char *pwpath = NULL;
	char *pos[1], err[1024];
	const struct govmail_conf *c;
	struct hr_passwords *pw = NULL;
	struct hr_agencies *ag;
	struct hr_file *hr;
	struct hr_plan *p;
	struct hr_run run;
	struct dir *d;
	enum dir_status st = DIR_OK;
	size_t i;

	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1) {
		switch (ch) {
		case 'n': dry_run = 1; break;
		case 'D': disable_missing = 1; break;
		case 'f': force = 1; break;
		case 'p': pwpath = optarg; break;
		}
	}
	if (npos != 1)
		cli_usage_fail(cli, "expected one FILE argument");
	c = cli_conf(cli);
	d = dry_run ? cli_dir(cli) : cli_begin_change(cli);
	memset(&run, 0, sizeof(run));
	run.cli = cli;
	run.file = pos[0];
	if (!dry_run)
		run.audit = audit_run_new(cli->audit, HR_RUN_COMMAND, pos[0]);
	if ((ag = hr_agencies_load(d, err, sizeof(err))) == NULL)
		cli_fail(dir_status_exit(dir_last_status(d)), "%s", err);
	hr = hr_read(pos[0], (size_t)c->addr_max_name_length, hr_agency_known, ag, err,
	    sizeof(err));
	if (hr == NULL)
		cli_fail(EX_NOINPUT, "%s", err);
	for (i = 0; i < hr->nerrors; i++) {
		if (hr->errors[i].line)
			fprintf(stderr, "%s:%lu: %s\n", pos[0], hr->errors[i].line,
			    hr->errors[i].message);
		else
			fprintf(stderr, "%s: %s\n", pos[0], hr->errors[i].message);
	}
	if (hr_run_file_refused(hr, disable_missing, err, sizeof(err)))
		hr_refuse(&run, err);
	if (!dry_run) {
		const char *path = pwpath ? pwpath : c->hr_passwords_file;
		int e;

		if ((pw = hr_passwords_open(path, &e, err, sizeof(err))) == NULL)
			cli_fail(e == EWOULDBLOCK ? EX_TEMPFAIL : EX_CANTCREAT, "%s (set "
			    "hr.passwords_file or --passwords-out)", err);
		/* under the passwords file's lock: one hr sync at a time */
		hr_recover(cli, d);
	}
	p = hr_plan_build(d, c, hr, ag, disable_missing, pw, err, sizeof(err));
	if (p == NULL)
		cli_fail(dir_status_exit(dir_last_status(d)), "%s", err);
	if (!force && hr_run_guard_refused(p, c, "run again with --force", err,
	    sizeof(err)))
		hr_refuse(&run, err);
	for (i = 0; i < p->n; i++)
		if (p->actions[i].mods != NULL)
			run.total++;
	if (dry_run) {
		if (cli->json == NULL)
			for (i = 0; i < p->n; i++)
				hr_print_action(&run, &p->actions[i]);
	} else {
		/*
		 * Every planned password is on disk before any account is
		 * created, so an account never exists without its password on
		 * file. An interruption can leave a line for an account that
		 * was not made: the re-run creates it with that same password
		 * (hr_plan_build), or drops the line when it creates nothing.
		 */
		hr_plan_passwords_before(p, pw);
		if (hr_passwords_dirty(pw))
			hr_save_passwords(pw, "nothing was changed");
		run.progress = cli->json == NULL && isatty(STDERR_FILENO) && run.total > 500;
		hr_plan_on_intent(p, hr_intent, &run);
		run.d = d;
		if (dir_server_count(d) > 1)
			hr_plan_on_reconnect(p, hr_reconnect, &run);
		/*
		 * A pipelined write to a server that died raises SIGPIPE in
		 * libldap; it must fail that write (and lead to the failover),
		 * not kill the run half-way.
		 */
		{
			struct sigaction ign, old;

			memset(&ign, 0, sizeof(ign));
			ign.sa_handler = SIG_IGN;
			sigemptyset(&ign.sa_mask);
			sigaction(SIGPIPE, &ign, &old);
			if ((st = hr_plan_apply(d, c, p, c->hr_pipeline_window, hr_done,
			    &run)) != DIR_OK)
				rc = dir_status_exit(dir_last_status(d));
			sigaction(SIGPIPE, &old, NULL);
		}
		if (run.progress)
			fputc('\n', stderr);
		/* The final addresses; no line for an account not made. */
		hr_plan_passwords_after(p, pw);
		if (hr_passwords_dirty(pw))
			hr_save_passwords(pw, "the accounts were written: see the lines above");
		for (i = 0; i < p->n; i++)
			if (p->actions[i].kind == HR_ACT_CREATE && p->actions[i].result == DIR_OK &&
			    p->actions[i].password == NULL)
				cli_warn("%s: the account %s was made by an earlier run whose "
				    "initial password is not on file: set one with govmailctl "
				    "account passwd", p->actions[i].employee_id,
				    p->actions[i].address);
		/* Report-only lines (missing) are not written, print them here. */
		if (cli->json == NULL)
			for (i = 0; i < p->n; i++)
				if (p->actions[i].mods == NULL)
					hr_print_action(&run, &p->actions[i]);
	}
	if (cli->json)
		hr_json_summary(cli, hr, p, pos[0], dry_run);
	else {
		printf("hr sync %s: %zu rows, %zu rejected;", pos[0], hr->nrows + hr->nerrors,
		    hr->nerrors);
		for (k = HR_ACT_CREATE; k <= HR_ACT_NOACCOUNT; k++)
			printf(" %zu %s,", p->count[k], hr_act_name((enum hr_act)k));
		printf(" %zu unchanged; writes: %zu, failed: %zu%s\n", p->unchanged, p->writes,
		    p->failed + p->invalid, dry_run ? " (dry run: nothing was changed)" : "");
	}
	/*
	 * A run that wrote (or tried to) leaves its summary line; but one
	 * that lost every server cannot know which of its last writes took
	 * effect: left open like a killed run, the next run checks them
	 * against the directory and records each (hr_recover).
	 */
	if (run.audit != NULL && run.total > 0 && st == DIR_UNAVAILABLE)
		cli_warn("no LDAP server answers: the outcome of the writes in flight is "
		    "unknown; the next hr sync completes their audit records");
	else if (run.audit != NULL && run.total > 0)
		hr_audit_summary(&run, hr, p, st);
	audit_run_free(run.audit);
	if (rc == EX_OK && p->failed > 0)
		rc = EX_TEMPFAIL;
	if (rc == EX_OK && (hr->nerrors > 0 || p->invalid > 0))
		rc = EX_DATAERR;
	hr_plan_free(p);
	hr_passwords_free(pw);
	hr_free(hr);
	hr_agencies_free(ag);
	return rc;
}
