/*
 * cmd_agency.c — `govmailctl agency add|show|list|modify|remove|load`.
 * Argument parsing, output (text or --json) and the bulk CSV load, which
 * plans the whole tree in memory before writing so that rows may come in any
 * order and a second run of the same file changes nothing. The rules for a
 * valid agency are in dir_agency.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "csv.h"
#include "dir.h"
#include "dir_agency.h"
#include "dir_domain.h"
#include "json_writer.h"
#include "log.h"
#include "xmalloc.h"

#define LOAD_MAX_ROWS   100000   /* data rows in one CSV file */
#define LOAD_MAX_ERRORS 1000     /* error lines shown before going quiet */
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

/* Copy of an agency (for lists kept in memory). */
static void
agency_copy(struct dir_agency *dst, const struct dir_agency *src)
{
	dst->dn = src->dn ? xstrdup(src->dn) : NULL;
	dst->code = src->code ? xstrdup(src->code) : NULL;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->level = src->level ? xstrdup(src->level) : NULL;
	dst->parent = src->parent ? xstrdup(src->parent) : NULL;
	dst->domain = src->domain ? xstrdup(src->domain) : NULL;
	dst->status = src->status ? xstrdup(src->status) : NULL;
	dst->merged_into = src->merged_into ? xstrdup(src->merged_into) : NULL;
}

struct agency_vec {
	struct dir_agency *v;
	size_t n, cap;
};

static int
agency_collect(const struct dir_agency *a, void *arg)
{
	struct agency_vec *vec = arg;

	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 64;
		vec->v = xreallocarray(vec->v, vec->cap, sizeof(*vec->v));
	}
	agency_copy(&vec->v[vec->n++], a);
	return 0;
}

static int
agency_cmp_code(const void *a, const void *b)
{
	const struct dir_agency *x = a, *y = b;

	return strcmp(x->code, y->code);
}

static void
agency_vec_free(struct agency_vec *vec)
{
	size_t i;

	for (i = 0; i < vec->n; i++)
		dir_agency_clear(&vec->v[i]);
	free(vec->v);
	vec->v = NULL;
	vec->n = vec->cap = 0;
}

/* Index of code in a vector sorted by code, or -1. */
static long
agency_vec_find(const struct agency_vec *vec, const char *code)
{
	size_t lo = 0, hi = vec->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(vec->v[mid].code, code);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
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
	const struct agency_vec *vec;   /* sorted by code */
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
agency_list_tree(struct cli *cli, const struct agency_vec *vec, const char *top)
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
		    (p = agency_vec_find(vec, vec->v[i].parent)) < 0 || p == (long)i)
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
		if ((p = agency_vec_find(vec, top)) >= 0)
			tree_print(cli, &t, p, 0);
	} else {
		for (i = 0; i < vec->n; i++)
			if (vec->v[i].parent == NULL ||
			    agency_vec_find(vec, vec->v[i].parent) < 0)
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
	struct agency_vec vec = { NULL, 0, 0 };
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
	st = dir_agency_list(d, tree ? NULL : parent, level, agency_collect, &vec);
	if (st != DIR_OK)
		cli_dir_fail(cli, "listing agencies");
	if (vec.n > 1)
		qsort(vec.v, vec.n, sizeof(*vec.v), agency_cmp_code);

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
	agency_vec_free(&vec);
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

/* ---- agency load ---------------------------------------------------- */

enum load_action { LOAD_NONE, LOAD_CREATE, LOAD_UPDATE, LOAD_SAME };

struct load_row {
	unsigned long line;
	char *code, *name, *level, *parent;   /* parent NULL: top level */
	int rejected;
	enum load_action action;
	long have;                            /* index into the directory copy */
	int done, failed;
	char *changed;                        /* attributes changed, for output */
};

struct load_error {
	unsigned long line;                   /* 0: about the file as a whole */
	size_t seq;                           /* order found, for equal lines */
	char *msg;
};

struct load {
	struct cli *cli;
	const char *file;
	char file_esc[ESC_SIZE];
	struct load_row *rows;
	size_t nrows, cap;
	size_t *byc;                          /* valid rows sorted by code */
	size_t nbyc;
	struct agency_vec have;               /* agencies now in the directory */
	struct load_error *errs;
	size_t nerrs;
	size_t rejected;                      /* rows, including malformed ones */
	size_t created, updated, unchanged;
	int dry_run;
};

static void load_error(struct load *L, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep one problem for the report (printed in line order by load_report). */
static void
load_error(struct load *L, unsigned long line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	L->errs = xgrowarray(L->errs, L->nerrs, sizeof(*L->errs));
	L->errs[L->nerrs].line = line;
	L->errs[L->nerrs].seq = L->nerrs;
	L->errs[L->nerrs].msg = xstrdup(msg);
	L->nerrs++;
}

static int
load_cmp_error(const void *a, const void *b)
{
	const struct load_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Print the problems found so far as "FILE:LINE: message", by line. */
static void
load_report(struct load *L)
{
	size_t i;

	fflush(stdout);
	if (L->nerrs > 1)
		qsort(L->errs, L->nerrs, sizeof(*L->errs), load_cmp_error);
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

static void
load_reject(struct load *L, struct load_row *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
load_reject(struct load *L, struct load_row *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->rejected = 1;
	L->rejected++;
	load_error(L, r->line, "%s", msg);
}

/* Strip ASCII blanks around a CSV field in place. */
static char *
load_trim(char *s)
{
	size_t n = strlen(s);

	while (*s == ' ' || *s == '\t') {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Column of a header name (case-insensitive), or -1. */
static int
load_column(const struct csv_row *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nfields; i++) {
		char *f = load_trim(h->fields[i]);

		if (strcasecmp(f, name) == 0)
			return (int)i;
	}
	return -1;
}

/* Report a CSV syntax error; csv.c writes "line N: message". */
static void
load_csv_error(struct load *L, const char *err)
{
	unsigned long line;
	int off = 0;

	L->rejected++;
	if (sscanf(err, "line %lu: %n", &line, &off) == 1 && off > 0)
		load_error(L, line, "%s", err + off);
	else
		load_error(L, 0, "%s", err);
}

/* Read and check every row; exits 65/66 when the file itself is unusable. */
static void
load_read(struct load *L)
{
	static const char *const cols[] = { "code", "name", "level", "parent_code" };
	struct csv_reader *r;
	struct csv_row row;
	char err[1024], e1[ESC_SIZE];
	int col[4], rc;
	size_t i, need = 0;
	FILE *fp;

	if ((fp = fopen(L->file, "r")) == NULL)
		cli_fail(EX_NOINPUT, "%s: %s", L->file_esc, strerror(errno));
	r = csv_open(fp);
	rc = csv_next(r, &row, err, sizeof(err));
	if (rc == 0)
		cli_fail(EX_DATAERR, "%s: empty file; a header row (code,name,level,"
		    "parent_code) is required", L->file_esc);
	if (rc < 0)
		cli_fail(EX_DATAERR, "%s: header: %s", L->file_esc, err);
	for (i = 0; i < 4; i++) {
		if ((col[i] = load_column(&row, cols[i])) < 0)
			cli_fail(EX_DATAERR, "%s:%lu: header has no '%s' column (the "
			    "header row must name code, name, level and parent_code)",
			    L->file_esc, row.line, cols[i]);
		if ((size_t)col[i] + 1 > need)
			need = (size_t)col[i] + 1;
	}
	while ((rc = csv_next(r, &row, err, sizeof(err))) != 0) {
		struct load_row *x;
		struct dir_agency_fields f;

		if (rc < 0) {
			load_csv_error(L, err);
			continue;
		}
		if (L->nrows >= LOAD_MAX_ROWS)
			cli_fail(EX_DATAERR, "%s:%lu: more than %d rows; split the file",
			    L->file_esc, row.line, LOAD_MAX_ROWS);
		if (L->nrows == L->cap) {
			L->cap = L->cap ? L->cap * 2 : 256;
			L->rows = xreallocarray(L->rows, L->cap, sizeof(*L->rows));
		}
		x = &L->rows[L->nrows++];
		memset(x, 0, sizeof(*x));
		x->line = row.line;
		x->have = -1;
		if (row.nfields < need) {
			load_reject(L, x, "expected %zu fields, found %zu", need, row.nfields);
			continue;
		}
		x->code = xstrdup(load_trim(row.fields[col[0]]));
		x->name = xstrdup(load_trim(row.fields[col[1]]));
		x->level = xstrdup(load_trim(row.fields[col[2]]));
		x->parent = xstrdup(load_trim(row.fields[col[3]]));
		dir_agency_code_lower(x->code);
		dir_agency_code_lower(x->parent);
		if (*x->parent == '\0') {
			free(x->parent);
			x->parent = NULL;
		}
		f.code = x->code;
		f.name = x->name;
		f.level = x->level;
		f.parent = x->parent;
		f.domain = NULL;
		if (dir_agency_fields_valid(&f, 1, err, sizeof(err)) != 0) {
			if (dir_agency_code_valid(x->code, e1, sizeof(e1)) == 0)
				load_reject(L, x, "%s: %s", x->code, err);
			else
				load_reject(L, x, "'%s': %s", esc(e1, x->code), err);
		}
	}
	csv_close(r);
	if (ferror(fp))
		cli_fail(EX_IOERR, "%s: read error", L->file_esc);
	fclose(fp);
}

static struct load *load_sort_ctx;

static int
load_cmp_byc(const void *a, const void *b)
{
	const struct load_row *x = &load_sort_ctx->rows[*(const size_t *)a];
	const struct load_row *y = &load_sort_ctx->rows[*(const size_t *)b];
	int c = strcmp(x->code, y->code);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Index the valid rows by code; later rows repeating a code are rejected. */
static void
load_index(struct load *L)
{
	size_t i, k = 0;

	L->byc = xcalloc(L->nrows + 1, sizeof(size_t));
	for (i = 0; i < L->nrows; i++)
		if (!L->rows[i].rejected)
			L->byc[k++] = i;
	load_sort_ctx = L;
	if (k > 1)
		qsort(L->byc, k, sizeof(size_t), load_cmp_byc);
	L->nbyc = 0;
	for (i = 0; i < k; i++) {
		struct load_row *r = &L->rows[L->byc[i]];

		if (L->nbyc > 0 &&
		    strcmp(L->rows[L->byc[L->nbyc - 1]].code, r->code) == 0) {
			load_reject(L, r, "%s: duplicate code (first on line %lu)", r->code,
			    L->rows[L->byc[L->nbyc - 1]].line);
			continue;
		}
		L->byc[L->nbyc++] = L->byc[i];
	}
}

/* The file's row for code (rejected or not), or NULL. */
static struct load_row *
load_row_of(struct load *L, const char *code)
{
	size_t lo = 0, hi = L->nbyc;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct load_row *r = &L->rows[L->byc[mid]];
		int c = strcmp(r->code, code);

		if (c == 0)
			return r;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Whether code will exist after the load, and its parent then. */
static int
load_exists(struct load *L, const char *code, const char **parent)
{
	struct load_row *r = load_row_of(L, code);
	long h;

	if (r != NULL && !r->rejected) {
		*parent = r->parent;
		return 1;
	}
	if ((h = agency_vec_find(&L->have, code)) >= 0) {
		*parent = L->have.v[h].parent;
		return 1;
	}
	*parent = NULL;
	return 0;
}

/*
 * A retired agency (merged away) is left alone by a load: its own row does
 * not change it, and no row may place an agency under it, so re-loading the
 * file a merge made out of date cannot undo the merge. Such rows are
 * reported with "agency A was merged into B".
 */
static void
load_check_retired(struct load *L)
{
	char why[300];
	size_t i;
	long h;

	for (i = 0; i < L->nbyc; i++) {
		struct load_row *r = &L->rows[L->byc[i]];
		const struct dir_agency *a;

		if (r->rejected)
			continue;
		if ((h = agency_vec_find(&L->have, r->code)) >= 0) {
			a = &L->have.v[h];
			if (dir_agency_usable(a->code, a->status, a->merged_into, why,
			    sizeof(why)) != 0) {
				load_reject(L, r, "%s: %s (a load does not change a retired "
				    "agency)", r->code, why);
				continue;
			}
		}
		if (r->parent != NULL && (h = agency_vec_find(&L->have, r->parent)) >= 0) {
			a = &L->have.v[h];
			if (dir_agency_usable(a->code, a->status, a->merged_into, why,
			    sizeof(why)) != 0)
				load_reject(L, r, "%s: parent agency %s: %s (a retired agency "
				    "takes no sub-agencies)", r->code, r->parent, why);
		}
	}
}

/*
 * Check parents on the tree as it will be after the load: each parent must
 * exist (in the directory or as an accepted row), and the walk up from a row
 * must end at a top-level agency within DIR_AGENCY_MAX_DEPTH steps without
 * meeting the row again. Rejecting a row changes the tree, so repeat until
 * nothing more is rejected.
 */
static void
load_check_tree(struct load *L)
{
	int again = 1;
	size_t i;

	while (again) {
		again = 0;
		for (i = 0; i < L->nbyc; i++) {
			struct load_row *r = &L->rows[L->byc[i]], *pr;
			const char *cur, *up;
			int steps;

			if (r->rejected || r->parent == NULL)
				continue;
			if (!load_exists(L, r->parent, &up)) {
				pr = load_row_of(L, r->parent);
				if (pr != NULL)
					load_reject(L, r, "%s: parent agency '%s' (line %lu) was "
					    "rejected", r->code, r->parent, pr->line);
				else
					load_reject(L, r, "%s: unknown parent agency '%s'", r->code,
					    r->parent);
				again = 1;
				continue;
			}
			for (cur = r->parent, steps = 1; cur != NULL; steps++) {
				if (strcmp(cur, r->code) == 0) {
					load_reject(L, r, "%s: parent '%s' would make a cycle (it is "
					    "below '%s')", r->code, r->parent, r->code);
					again = 1;
					break;
				}
				if (steps >= DIR_AGENCY_MAX_DEPTH) {
					load_reject(L, r, "%s: more than %d levels above it (or a "
					    "cycle among its parents)", r->code,
					    DIR_AGENCY_MAX_DEPTH - 1);
					again = 1;
					break;
				}
				if (!load_exists(L, cur, &up))
					break;   /* a dangling parent in the directory: stop */
				cur = up;
			}
		}
	}
}

/* Decide what each accepted row needs: create, update or nothing. */
static void
load_plan(struct load *L)
{
	size_t i, j, n;

	for (i = 0; i < L->nrows; i++) {
		struct load_row *r = &L->rows[i];
		struct dir_agency_fields f;
		struct dir_mods *m;
		const char *names[16];

		if (r->rejected)
			continue;
		r->have = agency_vec_find(&L->have, r->code);
		if (r->have < 0) {
			r->action = LOAD_CREATE;
			continue;
		}
		f.code = r->code;
		f.name = r->name;
		f.level = r->level;
		f.parent = r->parent ? r->parent : "";
		f.domain = NULL;
		m = dir_agency_diff(&L->have.v[r->have], &f);
		n = dir_mods_attr_names(m, names, 16);
		if (n == 0)
			r->action = LOAD_SAME;
		else {
			size_t len = 0;

			r->action = LOAD_UPDATE;
			for (j = 0; j < n; j++)
				len += strlen(names[j]) + 2;
			r->changed = xcalloc(len + 1, 1);
			for (j = 0; j < n; j++) {
				if (j > 0)
					strcat(r->changed, ", ");
				strcat(r->changed, names[j]);
			}
		}
		dir_mods_free(m);
	}
}

/* After a failed write: row errors are reported, anything else stops. */
static void
load_write_failed(struct load *L, struct load_row *r, enum dir_status st,
    const char *err)
{
	r->failed = 1;
	load_reject(L, r, "%s", err);
	if (st == DIR_UNAVAILABLE || st == DIR_DENIED || st == DIR_ERROR) {
		load_report(L);
		if (L->cli->json == NULL)
			printf("agencies: %zu created, %zu updated, %zu unchanged, %zu rejected "
			    "(stopped early)\n", L->created, L->updated, L->unchanged,
			    L->rejected);
		cli_fail(dir_status_exit(st), "stopping the load: %s", err);
	}
}

/* Can r be created now? 1 yes, 0 not yet, -1 never (its parent failed). */
static int
load_ready(struct load *L, const struct load_row *r)
{
	struct load_row *pr;

	if (r->parent == NULL)
		return 1;
	pr = load_row_of(L, r->parent);
	if (pr != NULL && pr->failed)
		return -1;
	/* Not in the file, or its row was set aside: the parent is one that is
	 * in the directory already (load_check_tree made sure of that). */
	if (pr == NULL || pr->rejected || pr->action != LOAD_CREATE)
		return 1;
	return pr->done ? 1 : 0;
}

static void
load_print_change(struct load *L, const struct load_row *r)
{
	char e1[ESC_SIZE];

	if (L->cli->json != NULL)
		return;
	if (r->action == LOAD_CREATE)
		printf("%s %s  %s [%s] under %s (%s:%lu)\n",
		    L->dry_run ? "would create" : "created", r->code, esc(e1, r->name),
		    r->level, r->parent ? r->parent : "-", L->file_esc, r->line);
	else
		printf("%s %s: %s (%s:%lu)\n", L->dry_run ? "would update" : "updated",
		    r->code, r->changed, L->file_esc, r->line);
}

static void
load_apply(struct load *L, struct dir *d)
{
	char err[1024], source[ESC_SIZE + 32];
	int progress = 1, pending = 1;
	size_t i;

	/* Creations in passes: a row waits until its parent has been created. */
	while (progress && pending) {
		progress = pending = 0;
		for (i = 0; i < L->nrows; i++) {
			struct load_row *r = &L->rows[i];
			struct dir_agency_fields f;
			struct dir_mods *mods = NULL;
			enum dir_status st;
			int ready;
			char *dn;

			if (r->rejected || r->action != LOAD_CREATE || r->done)
				continue;
			if ((ready = load_ready(L, r)) == 0) {
				pending = 1;
				continue;
			}
			progress = 1;
			if (ready < 0) {
				r->failed = 1;
				load_reject(L, r, "%s: not created because its parent '%s' could "
				    "not be created", r->code, r->parent);
				continue;
			}
			if (!L->dry_run) {
				f.code = r->code;
				f.name = r->name;
				f.level = r->level;
				f.parent = r->parent;
				f.domain = NULL;
				st = dir_agency_create(d, &f, DIR_AGENCY_TRUSTED_REFS, err,
				    sizeof(err), &mods);
				if (st != DIR_OK) {
					load_write_failed(L, r, st, err);
					continue;
				}
				dn = dir_agency_dn(d, r->code);
				snprintf(source, sizeof(source), "%s:%lu", L->file, r->line);
				cli_audit(L->cli, "agency.add", r->code, dn, mods, source);
				free(dn);
				dir_mods_free(mods);
			}
			r->done = 1;
			L->created++;
			load_print_change(L, r);
		}
	}
	/* Only a cycle could leave rows waiting; load_check_tree prevents that. */
	for (i = 0; i < L->nrows; i++) {
		struct load_row *r = &L->rows[i];

		if (!r->rejected && r->action == LOAD_CREATE && !r->done) {
			r->failed = 1;
			load_reject(L, r, "%s: its parent '%s' was never created", r->code,
			    r->parent ? r->parent : "-");
		}
	}
	/* Updates after all creations, so a new parent exists by then. */
	for (i = 0; i < L->nrows; i++) {
		struct load_row *r = &L->rows[i];
		struct dir_agency_fields f;
		struct dir_mods *mods = NULL;
		enum dir_status st;

		if (r->rejected || r->action != LOAD_UPDATE)
			continue;
		if (load_ready(L, r) < 0) {
			r->failed = 1;
			load_reject(L, r, "%s: not updated because its new parent '%s' could "
			    "not be created", r->code, r->parent);
			continue;
		}
		if (!L->dry_run) {
			f.code = r->code;
			f.name = r->name;
			f.level = r->level;
			f.parent = r->parent ? r->parent : "";
			f.domain = NULL;
			st = dir_agency_modify(d, &L->have.v[r->have], &f,
			    DIR_AGENCY_TRUSTED_REFS, err, sizeof(err), &mods);
			if (st != DIR_OK) {
				load_write_failed(L, r, st, err);
				continue;
			}
			if (dir_mods_count(mods) > 0) {
				snprintf(source, sizeof(source), "%s:%lu", L->file, r->line);
				cli_audit(L->cli, "agency.modify", r->code,
				    L->have.v[r->have].dn, mods, source);
			}
			dir_mods_free(mods);
		}
		r->done = 1;
		L->updated++;
		load_print_change(L, r);
	}
	for (i = 0; i < L->nrows; i++)
		if (!L->rows[i].rejected && L->rows[i].action == LOAD_SAME)
			L->unchanged++;
}

static void
load_json(struct load *L)
{
	struct json_writer *w = L->cli->json;
	size_t i;

	json_begin_object(w);
	json_key(w, "file");
	json_string(w, L->file);
	json_key(w, "dry_run");
	json_bool(w, L->dry_run);
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
		const struct load_row *r = &L->rows[i];

		if (r->rejected || !r->done)
			continue;
		json_begin_object(w);
		json_key(w, "line");
		json_int(w, (long long)r->line);
		json_key(w, "code");
		json_string(w, r->code);
		json_key(w, "action");
		json_string(w, r->action == LOAD_CREATE ? "create" : "update");
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

static void
load_free(struct load *L)
{
	size_t i;

	for (i = 0; i < L->nrows; i++) {
		free(L->rows[i].code);
		free(L->rows[i].name);
		free(L->rows[i].level);
		free(L->rows[i].parent);
		free(L->rows[i].changed);
	}
	free(L->rows);
	free(L->byc);
	for (i = 0; i < L->nerrs; i++)
		free(L->errs[i].msg);
	free(L->errs);
	agency_vec_free(&L->have);
}

int
cmd_agency_load(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct load L;
	struct dir *d;
	char *pos[1];
	int ch, npos = 0, rc;

	memset(&L, 0, sizeof(L));
	L.cli = cli;
	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1)
		if (ch == 'n')
			L.dry_run = 1;
	if (npos != 1)
		cli_usage_fail(cli, "FILE.csv is required");
	L.file = pos[0];
	log_escape(L.file_esc, sizeof(L.file_esc), L.file, ESC_SIZE / 4);

	load_read(&L);
	load_index(&L);
	d = L.dry_run ? cli_dir(cli) : cli_begin_change(cli);
	if (dir_agency_list(d, NULL, NULL, agency_collect, &L.have) != DIR_OK)
		cli_dir_fail(cli, "reading the agencies in the directory");
	if (L.have.n > 1)
		qsort(L.have.v, L.have.n, sizeof(*L.have.v), agency_cmp_code);
	load_check_retired(&L);
	load_check_tree(&L);
	load_plan(&L);
	load_apply(&L, d);

	load_report(&L);
	if (cli->json != NULL)
		load_json(&L);
	else
		printf("agencies: %zu created, %zu updated, %zu unchanged, %zu rejected%s\n",
		    L.created, L.updated, L.unchanged, L.rejected,
		    L.dry_run ? " (dry run: nothing was changed)" : "");
	rc = L.rejected > 0 ? EX_DATAERR : EX_OK;
	load_free(&L);
	return rc;
}
