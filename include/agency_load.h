/*
 * agency_load.h — the bulk load of the agency tree from a CSV file
 * (code,name,level,parent_code), in the shape of hr_sync.h and
 * dir_reorg.h: the file is read and every row checked, a plan is made
 * against one snapshot of the directory's agencies (create, update,
 * unchanged, or rejected with why: a malformed row, a duplicate code, an
 * unknown or rejected parent, a cycle, a tree too deep, a retired agency
 * as the row's agency or its parent), then applied one entry per write,
 * the caller hearing of each change through a callback (audit, output).
 * Rows may come in any order (a parent is created before its children) and
 * loading the same file twice changes nothing the second time.
 */
#ifndef GOVMAIL_AGENCY_LOAD_H
#define GOVMAIL_AGENCY_LOAD_H

#include <stddef.h>

#include "dir.h"
#include "dir_agency_vec.h"

#define AGENCY_LOAD_MAX_ROWS 100000      /* data rows in one CSV file */
#define LOAD_ESC_SIZE        2048

enum agency_load_act {
	AGENCY_LOAD_NONE,       /* rejected */
	AGENCY_LOAD_CREATE,
	AGENCY_LOAD_UPDATE,
	AGENCY_LOAD_SAME        /* the directory already agrees */
};

struct agency_load_row {
	unsigned long line;
	char *code, *name, *level, *parent;   /* parent NULL: top level */
	int rejected;
	enum agency_load_act action;
	long have;                            /* index into have, or -1 */
	int done, failed;
	char *changed;                        /* attributes an update changes */
};

struct agency_load_error {
	unsigned long line;                   /* 0: about the file as a whole */
	size_t seq;                           /* order found, for equal lines */
	char *msg;
};

struct agency_load {
	const char *file;
	char file_esc[LOAD_ESC_SIZE];         /* file, escaped for messages */
	struct agency_load_row *rows;
	size_t nrows, cap;
	size_t *byc;                          /* valid rows sorted by code */
	size_t nbyc;
	struct dir_agency_vec have;           /* agencies now in the directory */
	struct agency_load_error *errs;       /* problems, for the report */
	size_t nerrs;
	size_t rejected;                      /* rows, including malformed ones */
	size_t created, updated, unchanged;
	int dry_run;
};

/*
 * Read and check every row of file (kept by pointer) into L. 0, or when
 * the file as a whole cannot be used a sysexits code (EX_NOINPUT,
 * EX_DATAERR, EX_IOERR) with the message in err; free L either way.
 */
int agency_load_read(struct agency_load *L, const char *file, char *err,
    size_t errlen);

/* Read the agencies in the directory and decide each row's action. */
enum dir_status agency_load_plan(struct dir *d, struct agency_load *L);

/*
 * Called after each change (in a dry run, for each change planned): the
 * row, the entry's DN and what was written (both NULL in a dry run; mods
 * may be empty for an update that found nothing left to change).
 */
typedef void (*agency_load_done_cb)(struct agency_load *L,
    const struct agency_load_row *r, const char *dn, const struct dir_mods *mods,
    void *arg);

/*
 * Apply the plan (nothing is written with dry_run): creations first, each
 * after its parent, then updates. A row the directory refuses is rejected
 * (its error among L->errs) and the load goes on; a failure of the
 * directory itself (unavailable, denied, other) stops it, returned with
 * the message in err. DIR_OK otherwise.
 */
enum dir_status agency_load_apply(struct dir *d, struct agency_load *L, int dry_run,
    agency_load_done_cb done, void *arg, char *err, size_t errlen);

/* Sort L->errs by line (then by order found), for the report. */
void agency_load_sort_errors(struct agency_load *L);
void agency_load_free(struct agency_load *L);

#endif
