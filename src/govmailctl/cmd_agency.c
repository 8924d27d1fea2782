/*
 * cmd_agency.c — `govmailctl agency add|show|list|modify|remove|load`.
 * Argument parsing, output (text or --json) and the audit records. The
 * rules for a valid agency are in dir_agency.c, the bulk CSV load (which
 * plans the whole tree before writing) in agency_load.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agency_load.h"
#include "audit_run.h"
#include "cli.h"
#include "commands.h"
#include "dir.h"
#include "dir_agency.h"
#include "dir_agency_vec.h"
#include "dir_domain.h"
#include "json_writer.h"
#include "log.h"
#include "xmalloc.h"

/* Levels nested in --tree output: a JSON level costs two nesting steps
 * (object and "children" array) and the writer allows JSON_MAX_DEPTH. */
#define TREE_MAX_DEPTH  ((JSON_MAX_DEPTH - 2) / 2)

/* Escaped copy of an untrusted string for messages and text output. */
#define ESC_SIZE 2048
static const char *
esc(char *buf, const char *s)
{
	return log_escape(buf, ESC_SIZE, s != NULL ? s : "", ESC_SIZE / 4);
}

/* Lowercased, checked agency code from the command line (exit 65 if bad). */
static char *
agency_code_arg(const char *arg, const char *what)
{
	char err[512], e1[ESC_SIZE];
	char *code = xstrdup(arg);

	dir_agency_code_lower(code);
	if (dir_agency_code_valid(code, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "%s '%s': %s", what, esc(e1, arg), err);
	return code;
}

/* Exit for a failed agency operation: unknown agency 67, bad data 65. */
static void
agency_fail(enum dir_status st, const char *err)
{
	if (st == DIR_NOT_FOUND)
		cli_fail(EX_NOUSER, "%s", err);
	if (st == DIR_EXISTS || st == DIR_CONSTRAINT)
		cli_fail(EX_DATAERR, "%s", err);
	cli_fail(dir_status_exit(st), "%s", err);
}

/* The members every JSON view of an agency has. */
static void
agency_json_members(struct json_writer *w, const struct dir_agency *a)
{
	json_key(w, "code");
	json_string(w, a->code);
	json_key(w, "name");
	json_string(w, a->name);
	json_key(w, "level");
	json_string(w, a->level);
	json_key(w, "parent");
	json_string(w, a->parent);
	json_key(w, "domain");
	json_string(w, a->domain);
	json_key(w, "status");
	json_string(w, a->status);
}

int
cmd_agency_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "level", required_argument, NULL, 'l' },
		{ "parent", required_argument, NULL, 'p' },
		{ "domain", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct dir_agency_fields f = { NULL, NULL, NULL, NULL, NULL };
	struct dir_agency shown;
	char err[1024], dom[DIR_DOMAIN_MAX + 1], e1[ESC_SIZE], *pos[1];
	char *code, *parent = NULL, *dn;
	struct dir_mods *mods = NULL;
	struct dir *d;
	enum dir_status st;
	int ch, npos = 0;

	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1) {
		switch (ch) {
		case 'n': f.name = optarg; break;
		case 'l': f.level = optarg; break;
		case 'p': f.parent = optarg; break;
		case 'D': f.domain = optarg; break;
		}
	}
	if (npos != 1)
		cli_usage_fail(cli, "CODE is required");
	if (f.name == NULL || f.level == NULL)
		cli_usage_fail(cli, "--name and --level are required");
	code = agency_code_arg(pos[0], "agency code");
	f.code = code;
	if (f.parent != NULL && *f.parent != '\0')
		f.parent = parent = agency_code_arg(f.parent, "parent agency code");
	if (f.domain != NULL && *f.domain != '\0') {
		if (dir_domain_normalize(f.domain, dom, sizeof(dom), err, sizeof(err)) != 0)
			cli_fail(EX_DATAERR, "domain '%s': %s", esc(e1, f.domain), err);
		f.domain = dom;
	}
	if (dir_agency_fields_valid(&f, 1, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "agency %s: %s", code, err);

	d = cli_begin_change(cli);
	st = dir_agency_create(d, &f, 0, err, sizeof(err), &mods);
	if (st != DIR_OK)
		agency_fail(st, err);
	dn = dir_agency_dn(d, code);
	cli_audit(cli, "agency.add", code, dn, mods, NULL);

	memset(&shown, 0, sizeof(shown));
	shown.code = code;
	shown.name = (char *)f.name;
	shown.level = (char *)f.level;
	shown.parent = (f.parent && *f.parent) ? (char *)f.parent : NULL;
	shown.domain = (f.domain && *f.domain) ? (char *)f.domain : NULL;
	shown.status = (char *)"active";
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		agency_json_members(cli->json, &shown);
		json_key(cli->json, "dn");
		json_string(cli->json, dn);
		json_end_object(cli->json);
	} else
		printf("agency %s created\n", code);
	dir_mods_free(mods);
	free(dn);
	free(parent);
	free(code);
	return EX_OK;
}

int
cmd_agency_show(struct cli *cli, int argc, char **argv)
{
	struct dir_agency *a = NULL, *p = NULL;
	size_t naccounts = 0, nchildren = 0;
	char e1[ESC_SIZE], e2[ESC_SIZE], *pos[1], *code;
	struct dir *d;
	enum dir_status st;
	int npos = 0;

	while (cli_getopt_pos(cli, argc, argv, NULL, pos, 1, &npos) != -1)
		;
	if (npos != 1)
		cli_usage_fail(cli, "CODE is required");
	code = agency_code_arg(pos[0], "agency code");
	d = cli_dir(cli);
	st = dir_agency_get(d, code, &a);
	if (st == DIR_NOT_FOUND)
		cli_fail(EX_NOUSER, "unknown agency '%s'", code);
	if (st != DIR_OK)
		cli_dir_fail(cli, "looking up the agency");
	if (dir_agency_count_accounts(d, code, &naccounts) != DIR_OK ||
	    dir_agency_count_children(d, code, &nchildren) != DIR_OK)
		cli_dir_fail(cli, "counting the agency's accounts and sub-agencies");
	if (a->parent != NULL) {
		st = dir_agency_get(d, a->parent, &p);
		if (st != DIR_OK && st != DIR_NOT_FOUND)
			cli_dir_fail(cli, "looking up the parent agency");
	}
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		agency_json_members(cli->json, a);
		json_key(cli->json, "parent_name");
		json_string(cli->json, p ? p->name : NULL);
		json_key(cli->json, "accounts");
		json_int(cli->json, (long long)naccounts);
		json_key(cli->json, "sub_agencies");
		json_int(cli->json, (long long)nchildren);
		json_key(cli->json, "dn");
		json_string(cli->json, a->dn);
		json_end_object(cli->json);
	} else {
		printf("code:         %s\n", esc(e1, a->code));
		printf("name:         %s\n", esc(e1, a->name));
		printf("level:        %s\n", esc(e1, a->level));
		if (a->parent == NULL)
			printf("parent:       -\n");
		else if (p == NULL)
			printf("parent:       %s (missing)\n", esc(e1, a->parent));
		else
			printf("parent:       %s (%s)\n", esc(e1, a->parent), esc(e2, p->name));
		printf("domain:       %s\n", a->domain ? esc(e1, a->domain) : "-");
		printf("status:       %s\n", a->status ? esc(e1, a->status) : "-");
		printf("accounts:     %zu\n", naccounts);
		printf("sub-agencies: %zu\n", nchildren);
		printf("dn:           %s\n", esc(e1, a->dn));
	}
	dir_agency_free(p);
	dir_agency_free(a);
	free(code);
	return EX_OK;
}

/* The agency tree held in memory for --tree: children lists by index. */
struct agency_tree {
	const struct dir_agency_vec *vec;   /* sorted by code */
	long *first, *next, *last;      /* first child, next sibling, last child */
	unsigned char *seen;
};

static void
tree_print(struct cli *cli, struct agency_tree *t, long i, int depth)
{
	const struct dir_agency *a = &t->vec->v[i];
	char e1[ESC_SIZE], e2[ESC_SIZE];
	long c;

	t->seen[i] = 1;
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		agency_json_members(cli->json, a);
		json_key(cli->json, "children");
		json_begin_array(cli->json);
	} else
		printf("%*s%s  %s [%s]\n", depth * 2, "", esc(e1, a->code), esc(e2, a->name),
		    a->level ? a->level : "?");
	/* Deeper levels (and anything met twice) are left for the caller, which
	 * prints what was not reached as extra top-level entries. */
	if (depth + 1 < TREE_MAX_DEPTH)
		for (c = t->first[i]; c >= 0; c = t->next[c])
			if (!t->seen[c])
				tree_print(cli, t, c, depth + 1);
	if (cli->json != NULL) {
		json_end_array(cli->json);
		json_end_object(cli->json);
	}
}

static void
agency_list_tree(struct cli *cli, const struct dir_agency_vec *vec, const char *top)
{
	struct agency_tree t;
	size_t i, unreached = 0;
	long p;

	t.vec = vec;
	t.first = xcalloc(vec->n + 1, sizeof(long));
	t.next = xcalloc(vec->n + 1, sizeof(long));
	t.last = xcalloc(vec->n + 1, sizeof(long));
	t.seen = xcalloc(vec->n + 1, 1);
	for (i = 0; i < vec->n; i++)
		t.first[i] = t.next[i] = t.last[i] = -1;
	/* vec is sorted by code, so appending keeps every child list sorted. */
	for (i = 0; i < vec->n; i++) {
		if (vec->v[i].parent == NULL ||
		    (p = dir_agency_vec_find(vec, vec->v[i].parent)) < 0 || p == (long)i)
			continue;
		if (t.last[p] < 0)
			t.first[p] = (long)i;
		else
			t.next[t.last[p]] = (long)i;
		t.last[p] = (long)i;
	}
	if (cli->json != NULL)
		json_begin_array(cli->json);
	if (top != NULL) {
		if ((p = dir_agency_vec_find(vec, top)) >= 0)
			tree_print(cli, &t, p, 0);
	} else {
		for (i = 0; i < vec->n; i++)
			if (vec->v[i].parent == NULL ||
			    dir_agency_vec_find(vec, vec->v[i].parent) < 0)
				tree_print(cli, &t, (long)i, 0);
		/* Agencies in a cycle, or too deep to nest, are shown at top level. */
		for (i = 0; i < vec->n; i++)
			if (!t.seen[i]) {
				unreached++;
				tree_print(cli, &t, (long)i, 0);
			}
	}
	if (cli->json != NULL)
		json_end_array(cli->json);
	if (unreached > 0)
		cli_warn("%zu agencies are in a parent cycle or nested deeper than %d "
		    "levels; they are shown at top level", unreached, TREE_MAX_DEPTH);
	free(t.first);
	free(t.next);
	free(t.last);
	free(t.seen);
}

int
cmd_agency_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tree", no_argument, NULL, 't' },
		{ "parent", required_argument, NULL, 'p' },
		{ "level", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct dir_agency_vec vec = { NULL, 0, 0 };
	char err[512], e1[ESC_SIZE], e2[ESC_SIZE], *pos[1], *parent = NULL;
	const char *level = NULL;
	struct dir_agency *pa = NULL;
	struct dir *d;
	enum dir_status st;
	int ch, npos = 0, tree = 0;
	size_t i;

	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 0, &npos)) != -1) {
		switch (ch) {
		case 't': tree = 1; break;
		case 'p':
			free(parent);
			parent = agency_code_arg(optarg, "parent agency code");
			break;
		case 'l': level = optarg; break;
		}
	}
	if (level != NULL && dir_agency_level_valid(level, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "level '%s': %s", esc(e1, level), err);
	if (tree && level != NULL)
		cli_usage_fail(cli, "--tree shows every level; it cannot be combined "
		    "with --level");
	d = cli_dir(cli);
	if (parent != NULL) {
		st = dir_agency_get(d, parent, &pa);
		if (st == DIR_NOT_FOUND)
			cli_fail(EX_NOUSER, "unknown agency '%s'", parent);
		if (st != DIR_OK)
			cli_dir_fail(cli, "looking up the agency");
		dir_agency_free(pa);
	}
	st = dir_agency_list(d, tree ? NULL : parent, level, dir_agency_vec_collect, &vec);
	if (st != DIR_OK)
		cli_dir_fail(cli, "listing agencies");
	if (vec.n > 1)
		dir_agency_vec_sort(&vec);

	if (tree)
		agency_list_tree(cli, &vec, parent);
	else if (cli->json != NULL) {
		json_begin_array(cli->json);
		for (i = 0; i < vec.n; i++) {
			json_begin_object(cli->json);
			agency_json_members(cli->json, &vec.v[i]);
			json_end_object(cli->json);
		}
		json_end_array(cli->json);
	} else {
		if (vec.n > 0)
			printf("%-24s %-10s %-24s %s\n", "CODE", "LEVEL", "PARENT", "NAME");
		for (i = 0; i < vec.n; i++) {
			const struct dir_agency *a = &vec.v[i];

			printf("%-24s %-10s %-24s %s\n", esc(e1, a->code),
			    a->level ? a->level : "?", a->parent ? a->parent : "-",
			    esc(e2, a->name));
		}
	}
	dir_agency_vec_free(&vec);
	free(parent);
	return EX_OK;
}

int
cmd_agency_modify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "level", required_argument, NULL, 'l' },
		{ "parent", required_argument, NULL, 'p' },
		{ "domain", required_argument, NULL, 'D' },
		{ "no-domain", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct dir_agency_fields f = { NULL, NULL, NULL, NULL, NULL };
	char err[1024], dom[DIR_DOMAIN_MAX + 1], e1[ESC_SIZE], *pos[1];
	char *code, *parent = NULL;
	const char *names[16];
	struct dir_agency *cur = NULL;
	struct dir_mods *mods = NULL;
	struct dir *d;
	enum dir_status st;
	int ch, npos = 0, no_domain = 0;
	size_t i, n;

	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1) {
		switch (ch) {
		case 'n': f.name = optarg; break;
		case 'l': f.level = optarg; break;
		case 'p': f.parent = optarg; break;
		case 'D': f.domain = optarg; break;
		case 'N': no_domain = 1; break;
		}
	}
	if (npos != 1)
		cli_usage_fail(cli, "CODE is required");
	if (no_domain && f.domain != NULL)
		cli_usage_fail(cli, "--domain and --no-domain exclude each other");
	if (f.name == NULL && f.level == NULL && f.parent == NULL && f.domain == NULL &&
	    !no_domain)
		cli_usage_fail(cli, "nothing to change");
	code = agency_code_arg(pos[0], "agency code");
	f.code = code;
	if (no_domain)
		f.domain = "";
	/* --parent '' makes the agency a top-level one. */
	if (f.parent != NULL && *f.parent != '\0')
		f.parent = parent = agency_code_arg(f.parent, "parent agency code");
	if (f.domain != NULL && *f.domain != '\0') {
		if (dir_domain_normalize(f.domain, dom, sizeof(dom), err, sizeof(err)) != 0)
			cli_fail(EX_DATAERR, "domain '%s': %s", esc(e1, f.domain), err);
		f.domain = dom;
	}
	if (dir_agency_fields_valid(&f, 0, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "agency %s: %s", code, err);

	d = cli_begin_change(cli);
	st = dir_agency_get(d, code, &cur);
	if (st == DIR_NOT_FOUND)
		cli_fail(EX_NOUSER, "unknown agency '%s'", code);
	if (st != DIR_OK)
		cli_dir_fail(cli, "looking up the agency");
	st = dir_agency_modify(d, cur, &f, 0, err, sizeof(err), &mods);
	if (st != DIR_OK)
		agency_fail(st, err);
	n = dir_mods_attr_names(mods, names, 16);
	if (n > 0)
		cli_audit(cli, "agency.modify", code, cur->dn, mods, NULL);
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		json_key(cli->json, "code");
		json_string(cli->json, code);
		json_key(cli->json, "changed");
		json_begin_array(cli->json);
		for (i = 0; i < n; i++)
			json_string(cli->json, names[i]);
		json_end_array(cli->json);
		json_end_object(cli->json);
	} else if (n == 0)
		printf("agency %s unchanged\n", code);
	else {
		printf("agency %s changed:", code);
		for (i = 0; i < n; i++)
			printf(" %s", names[i]);
		printf("\n");
	}
	dir_mods_free(mods);
	dir_agency_free(cur);
	free(parent);
	free(code);
	return EX_OK;
}

int
cmd_agency_remove(struct cli *cli, int argc, char **argv)
{
	char err[1024], *pos[1], *code, *dn = NULL;
	struct dir *d;
	enum dir_status st;
	int npos = 0;

	while (cli_getopt_pos(cli, argc, argv, NULL, pos, 1, &npos) != -1)
		;
	if (npos != 1)
		cli_usage_fail(cli, "CODE is required");
	code = agency_code_arg(pos[0], "agency code");
	d = cli_begin_change(cli);
	st = dir_agency_remove(d, code, err, sizeof(err), &dn);
	if (st != DIR_OK)
		agency_fail(st, err);
	cli_audit(cli, "agency.remove", code, dn, NULL, NULL);
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		json_key(cli->json, "code");
		json_string(cli->json, code);
		json_key(cli->json, "removed");
		json_bool(cli->json, 1);
		json_end_object(cli->json);
	} else
		printf("agency %s removed\n", code);
	free(dn);
	free(code);
	return EX_OK;
}

/* ---- agency load: planning and writing are agency_load.c ------------- */

#define LOAD_MAX_ERRORS 1000     /* error lines shown before going quiet */

struct load_run {
	struct cli *cli;
	struct agency_load *L;
	int dry_run;
};

/* Print the problems found as "FILE:LINE: message", by line. */
static void
load_report(struct agency_load *L)
{
	size_t i;

	fflush(stdout);
	agency_load_sort_errors(L);
	for (i = 0; i < L->nerrs && i < LOAD_MAX_ERRORS; i++) {
		if (L->errs[i].line > 0)
			fprintf(stderr, "%s:%lu: %s\n", L->file_esc, L->errs[i].line,
			    L->errs[i].msg);
		else
			fprintf(stderr, "%s: %s\n", L->file_esc, L->errs[i].msg);
	}
	if (L->nerrs > LOAD_MAX_ERRORS)
		fprintf(stderr, "%s: %zu more errors not shown\n", L->file_esc,
		    L->nerrs - LOAD_MAX_ERRORS);
}

/* Called by agency_load_apply after each change: audit and print it. */
static void
load_done(struct agency_load *L, const struct agency_load_row *r, const char *dn,
    const struct dir_mods *mods, void *arg)
{
	struct load_run *run = arg;
	char e1[ESC_SIZE], source[ESC_SIZE + 32];

	if (!run->dry_run && mods != NULL && dir_mods_count(mods) > 0) {
		snprintf(source, sizeof(source), "%s:%lu", L->file, r->line);
		cli_audit(run->cli, r->action == AGENCY_LOAD_CREATE ? "agency.add" :
		    "agency.modify", r->code, dn, mods, source);
	}
	if (run->cli->json != NULL)
		return;
	if (r->action == AGENCY_LOAD_CREATE)
		printf("%s %s  %s [%s] under %s (%s:%lu)\n",
		    run->dry_run ? "would create" : "created", r->code, esc(e1, r->name),
		    r->level, r->parent ? r->parent : "-", L->file_esc, r->line);
	else
		printf("%s %s: %s (%s:%lu)\n", run->dry_run ? "would update" : "updated",
		    r->code, r->changed, L->file_esc, r->line);
}

/* The summary line of a load that wrote (or stopped trying). */
static void
load_audit_summary(struct cli *cli, const struct agency_load *L, enum dir_status st)
{
	struct audit_run *ar = audit_run_new(cli->audit, "agency load", L->file);
	const char *outcome = st != DIR_OK ? "failed" : L->rejected > 0 ? "partial" : "ok";

	audit_run_count(ar, "rows", L->nrows);
	audit_run_count(ar, "created", L->created);
	audit_run_count(ar, "updated", L->updated);
	audit_run_count(ar, "unchanged", L->unchanged);
	audit_run_count(ar, "rejected", L->rejected);
	if (audit_run_end(ar, outcome) != 0)
		cli_fail(EX_IOERR, "the run's summary could not be written to the audit "
		    "log: %s", strerror(errno));
	audit_run_free(ar);
}

static void
load_json(struct cli *cli, struct agency_load *L, int dry_run)
{
	struct json_writer *w = cli->json;
	size_t i;

	json_begin_object(w);
	json_key(w, "file");
	json_string(w, L->file);
	json_key(w, "dry_run");
	json_bool(w, dry_run);
	json_key(w, "created");
	json_int(w, (long long)L->created);
	json_key(w, "updated");
	json_int(w, (long long)L->updated);
	json_key(w, "unchanged");
	json_int(w, (long long)L->unchanged);
	json_key(w, "rejected");
	json_int(w, (long long)L->rejected);
	json_key(w, "changes");
	json_begin_array(w);
	for (i = 0; i < L->nrows; i++) {
		const struct agency_load_row *r = &L->rows[i];

		if (r->rejected || !r->done)
			continue;
		json_begin_object(w);
		json_key(w, "line");
		json_int(w, (long long)r->line);
		json_key(w, "code");
		json_string(w, r->code);
		json_key(w, "action");
		json_string(w, r->action == AGENCY_LOAD_CREATE ? "create" : "update");
		if (r->changed != NULL) {
			json_key(w, "attributes");
			json_string(w, r->changed);
		}
		json_end_object(w);
	}
	json_end_array(w);
	json_key(w, "errors");
	json_begin_array(w);
	for (i = 0; i < L->nerrs; i++) {
		json_begin_object(w);
		json_key(w, "line");
		if (L->errs[i].line > 0)
			json_int(w, (long long)L->errs[i].line);
		else
			json_null(w);
		json_key(w, "message");
		json_string(w, L->errs[i].msg);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}

int
cmd_agency_load(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct agency_load L;
	struct load_run run;
	struct dir *d;
	char *pos[1], err[1024];
	int ch, npos = 0, rc;
	enum dir_status st;

	memset(&run, 0, sizeof(run));
	run.cli = cli;
	run.L = &L;
	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1)
		if (ch == 'n')
			run.dry_run = 1;
	if (npos != 1)
		cli_usage_fail(cli, "FILE.csv is required");
	d = run.dry_run ? cli_dir(cli) : cli_begin_change(cli);
	if ((rc = agency_load_read(&L, pos[0], err, sizeof(err))) != 0) {
		/* A file unusable as a whole is a refused run (not a dry run's). */
		if (rc == EX_DATAERR && !run.dry_run) {
			struct audit_run *ar = audit_run_new(cli->audit, "agency load", pos[0]);

			if (audit_run_refused(ar, err) != 0)
				cli_warn("the audit log write failed: %s", strerror(errno));
		}
		cli_fail(rc, "%s", err);
	}
	if (agency_load_plan(d, &L) != DIR_OK)
		cli_dir_fail(cli, "reading the agencies in the directory");
	st = agency_load_apply(d, &L, run.dry_run, load_done, &run, err, sizeof(err));
	if (!run.dry_run && L.created + L.updated + (st != DIR_OK) > 0)
		load_audit_summary(cli, &L, st);
	load_report(&L);
	if (st != DIR_OK) {
		if (cli->json == NULL)
			printf("agencies: %zu created, %zu updated, %zu unchanged, %zu rejected "
			    "(stopped early)\n", L.created, L.updated, L.unchanged, L.rejected);
		cli_fail(dir_status_exit(st), "stopping the load: %s", err);
	}
	if (cli->json != NULL)
		load_json(cli, &L, run.dry_run);
	else
		printf("agencies: %zu created, %zu updated, %zu unchanged, %zu rejected%s\n",
		    L.created, L.updated, L.unchanged, L.rejected,
		    run.dry_run ? " (dry run: nothing was changed)" : "");
	rc = L.rejected > 0 ? EX_DATAERR : EX_OK;
	agency_load_free(&L);
	return rc;
}
