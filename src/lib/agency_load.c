/*
 * agency_load.c — the bulk load of the agency tree (see agency_load.h).
 * The whole tree is planned in memory before anything is written: rows are
 * indexed by code, retired agencies and parents checked against the
 * snapshot, then the tree as it will be after the load (a parent must
 * exist there, the walk up must end at the top within
 * DIR_AGENCY_MAX_DEPTH without a cycle) until no more rows are rejected.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "agency_load.h"
#include "csv.h"
#include "dir_agency.h"
#include "log.h"
#include "xmalloc.h"

static void load_index(struct agency_load *L);

/* The fields of a row, as dir_agency.h takes them; no_parent stands for
 * a top-level row's parent (NULL: none, "": remove it). */
static void
load_fields(const struct agency_load_row *r, const char *no_parent,
    struct dir_agency_fields *f)
{
	f->code = r->code;
	f->name = r->name;
	f->level = r->level;
	f->parent = r->parent ? r->parent : no_parent;
	f->domain = NULL;
}

static void load_error(struct agency_load *L, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep one problem for the report (printed in line order by load_report). */
static void
load_error(struct agency_load *L, unsigned long line, const char *fmt, ...)
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
	const struct agency_load_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
load_reject(struct agency_load *L, struct agency_load_row *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
load_reject(struct agency_load *L, struct agency_load_row *r, const char *fmt, ...)
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
load_csv_error(struct agency_load *L, const char *err)
{
	unsigned long line;
	int off = 0;

	L->rejected++;
	if (sscanf(err, "line %lu: %n", &line, &off) == 1 && off > 0)
		load_error(L, line, "%s", err + off);
	else
		load_error(L, 0, "%s", err);
}

int
agency_load_read(struct agency_load *L, const char *file, char *err, size_t errlen)
{
	static const char *const cols[] = { "code", "name", "level", "parent_code" };
	struct csv_reader *r;
	struct csv_row row;
	char cerr[1024], e1[LOAD_ESC_SIZE];
	int col[4], rc;
	size_t i, need = 0;
	FILE *fp;

	memset(L, 0, sizeof(*L));
	L->file = file;
	log_escape(L->file_esc, sizeof(L->file_esc), file, LOAD_ESC_SIZE / 4);
	if ((fp = fopen(L->file, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", L->file_esc, strerror(errno));
		return EX_NOINPUT;
	}
	r = csv_open(fp);
	rc = csv_next(r, &row, cerr, sizeof(cerr));
	if (rc == 0) {
		snprintf(err, errlen, "%s: empty file; a header row (code,name,level,"
		    "parent_code) is required", L->file_esc);
		goto unusable;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: header: %s", L->file_esc, cerr);
		goto unusable;
	}
	for (i = 0; i < 4; i++) {
		if ((col[i] = load_column(&row, cols[i])) < 0) {
			snprintf(err, errlen, "%s:%lu: header has no '%s' column (the "
			    "header row must name code, name, level and parent_code)",
			    L->file_esc, row.line, cols[i]);
			goto unusable;
		}
		if ((size_t)col[i] + 1 > need)
			need = (size_t)col[i] + 1;
	}
	while ((rc = csv_next(r, &row, cerr, sizeof(cerr))) != 0) {
		struct agency_load_row *x;
		struct dir_agency_fields f;

		if (rc < 0) {
			load_csv_error(L, cerr);
			continue;
		}
		if (L->nrows >= AGENCY_LOAD_MAX_ROWS) {
			snprintf(err, errlen, "%s:%lu: more than %d rows; split the file",
			    L->file_esc, row.line, AGENCY_LOAD_MAX_ROWS);
			goto unusable;
		}
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
		load_fields(x, NULL, &f);
		if (dir_agency_fields_valid(&f, 1, cerr, sizeof(cerr)) != 0) {
			if (dir_agency_code_valid(x->code, e1, sizeof(e1)) == 0)
				load_reject(L, x, "%s: %s", x->code, cerr);
			else
				load_reject(L, x, "'%s': %s", log_escape(e1, sizeof(e1), x->code,
				    LOAD_ESC_SIZE / 4), cerr);
		}
	}
	csv_close(r);
	if (ferror(fp)) {
		fclose(fp);
		snprintf(err, errlen, "%s: read error", L->file_esc);
		return EX_IOERR;
	}
	fclose(fp);
	load_index(L);
	return 0;
unusable:
	csv_close(r);
	fclose(fp);
	return EX_DATAERR;
}

static struct agency_load *load_sort_ctx;

static int
load_cmp_byc(const void *a, const void *b)
{
	const struct agency_load_row *x = &load_sort_ctx->rows[*(const size_t *)a];
	const struct agency_load_row *y = &load_sort_ctx->rows[*(const size_t *)b];
	int c = strcmp(x->code, y->code);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Index the valid rows by code; later rows repeating a code are rejected. */
static void
load_index(struct agency_load *L)
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
		struct agency_load_row *r = &L->rows[L->byc[i]];

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
static struct agency_load_row *
load_row_of(struct agency_load *L, const char *code)
{
	size_t lo = 0, hi = L->nbyc;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct agency_load_row *r = &L->rows[L->byc[mid]];
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
load_exists(struct agency_load *L, const char *code, const char **parent)
{
	struct agency_load_row *r = load_row_of(L, code);
	long h;

	if (r != NULL && !r->rejected) {
		*parent = r->parent;
		return 1;
	}
	if ((h = dir_agency_vec_find(&L->have, code)) >= 0) {
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
load_check_retired(struct agency_load *L)
{
	char why[300];
	size_t i;
	long h;

	for (i = 0; i < L->nbyc; i++) {
		struct agency_load_row *r = &L->rows[L->byc[i]];
		const struct dir_agency *a;

		if (r->rejected)
			continue;
		if ((h = dir_agency_vec_find(&L->have, r->code)) >= 0) {
			a = &L->have.v[h];
			if (dir_agency_usable(a->code, a->status, a->merged_into, why,
			    sizeof(why)) != 0) {
				load_reject(L, r, "%s: %s (a load does not change a retired "
				    "agency)", r->code, why);
				continue;
			}
		}
		if (r->parent != NULL && (h = dir_agency_vec_find(&L->have, r->parent)) >= 0) {
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
load_check_tree(struct agency_load *L)
{
	int again = 1;
	size_t i;

	while (again) {
		again = 0;
		for (i = 0; i < L->nbyc; i++) {
			struct agency_load_row *r = &L->rows[L->byc[i]], *pr;
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
load_decide(struct agency_load *L)
{
	size_t i, j, n;

	for (i = 0; i < L->nrows; i++) {
		struct agency_load_row *r = &L->rows[i];
		struct dir_agency_fields f;
		struct dir_mods *m;
		const char *names[16];

		if (r->rejected)
			continue;
		r->have = dir_agency_vec_find(&L->have, r->code);
		if (r->have < 0) {
			r->action = AGENCY_LOAD_CREATE;
			continue;
		}
		load_fields(r, "", &f);
		m = dir_agency_diff(&L->have.v[r->have], &f);
		n = dir_mods_attr_names(m, names, 16);
		if (n == 0) {
			r->action = AGENCY_LOAD_SAME;
			L->unchanged++;
		}
		else {
			size_t len = 0;

			r->action = AGENCY_LOAD_UPDATE;
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

/* After a failed write: a row error, or (1) a failure that stops the load. */
static int
load_write_failed(struct agency_load *L, struct agency_load_row *r, enum dir_status st,
    const char *err)
{
	r->failed = 1;
	load_reject(L, r, "%s", err);
	return st == DIR_UNAVAILABLE || st == DIR_DENIED || st == DIR_ERROR;
}

/* Can r be created now? 1 yes, 0 not yet, -1 never (its parent failed). */
static int
load_ready(struct agency_load *L, const struct agency_load_row *r)
{
	struct agency_load_row *pr;

	if (r->parent == NULL)
		return 1;
	pr = load_row_of(L, r->parent);
	if (pr != NULL && pr->failed)
		return -1;
	/* Not in the file, or its row was set aside: the parent is one that is
	 * in the directory already (load_check_tree made sure of that). */
	if (pr == NULL || pr->rejected || pr->action != AGENCY_LOAD_CREATE)
		return 1;
	return pr->done ? 1 : 0;
}

enum dir_status
agency_load_apply(struct dir *d, struct agency_load *L, int dry_run,
    agency_load_done_cb done, void *arg, char *err, size_t errlen)
{
	int progress = 1, pending = 1;
	size_t i;

	L->dry_run = dry_run;
	/* Creations in passes: a row waits until its parent has been created. */
	while (progress && pending) {
		progress = pending = 0;
		for (i = 0; i < L->nrows; i++) {
			struct agency_load_row *r = &L->rows[i];
			struct dir_agency_fields f;
			struct dir_mods *mods = NULL;
			enum dir_status st;
			int ready;
			char *dn = NULL;

			if (r->rejected || r->action != AGENCY_LOAD_CREATE || r->done)
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
				load_fields(r, NULL, &f);
				st = dir_agency_create(d, &f, DIR_AGENCY_TRUSTED_REFS, err,
				    errlen, &mods);
				if (st != DIR_OK) {
					dir_mods_free(mods);
					if (load_write_failed(L, r, st, err))
						return st;
					continue;
				}
				dn = dir_agency_dn(d, r->code);
			}
			r->done = 1;
			L->created++;
			if (done != NULL)
				done(L, r, dn, mods, arg);
			free(dn);
			dir_mods_free(mods);
		}
	}
	/* Only a cycle could leave rows waiting; load_check_tree prevents that. */
	for (i = 0; i < L->nrows; i++) {
		struct agency_load_row *r = &L->rows[i];

		if (!r->rejected && r->action == AGENCY_LOAD_CREATE && !r->done) {
			r->failed = 1;
			load_reject(L, r, "%s: its parent '%s' was never created", r->code,
			    r->parent ? r->parent : "-");
		}
	}
	/* Updates after all creations, so a new parent exists by then. */
	for (i = 0; i < L->nrows; i++) {
		struct agency_load_row *r = &L->rows[i];
		struct dir_agency_fields f;
		struct dir_mods *mods = NULL;
		enum dir_status st;

		if (r->rejected || r->action != AGENCY_LOAD_UPDATE)
			continue;
		if (load_ready(L, r) < 0) {
			r->failed = 1;
			load_reject(L, r, "%s: not updated because its new parent '%s' could "
			    "not be created", r->code, r->parent);
			continue;
		}
		if (!L->dry_run) {
			load_fields(r, "", &f);
			st = dir_agency_modify(d, &L->have.v[r->have], &f,
			    DIR_AGENCY_TRUSTED_REFS, err, errlen, &mods);
			if (st != DIR_OK) {
				dir_mods_free(mods);
				if (load_write_failed(L, r, st, err))
					return st;
				continue;
			}
		}
		r->done = 1;
		L->updated++;
		if (done != NULL)
			done(L, r, L->have.v[r->have].dn, mods, arg);
		dir_mods_free(mods);
	}
	return DIR_OK;
}

enum dir_status
agency_load_plan(struct dir *d, struct agency_load *L)
{
	enum dir_status st;

	if ((st = dir_agency_list(d, NULL, NULL, dir_agency_vec_collect, &L->have)) !=
	    DIR_OK)
		return st;
	dir_agency_vec_sort(&L->have);
	load_check_retired(L);
	load_check_tree(L);
	load_decide(L);
	return DIR_OK;
}

void
agency_load_sort_errors(struct agency_load *L)
{
	if (L->nerrs > 1)
		qsort(L->errs, L->nerrs, sizeof(*L->errs), load_cmp_error);
}

void
agency_load_free(struct agency_load *L)
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
	dir_agency_vec_free(&L->have);
	memset(L, 0, sizeof(*L));
}
