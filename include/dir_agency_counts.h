/*
 * dir_agency_counts.h — how many accounts each agency has, read in one
 * paged search of the accounts' agency attribute (10,000+ accounts over
 * 700 agencies: one search, not one per agency). For the agency tree of
 * govmail-apid (GET /v1/agencies?counts=true) and anything else that
 * shows the tree with its people.
 * The totals of a subtree are added up along the agency tree the caller
 * has read anyway (dir_agency_counts_totals).
 */
#ifndef GOVMAIL_DIR_AGENCY_COUNTS_H
#define GOVMAIL_DIR_AGENCY_COUNTS_H

#include <stddef.h>

#include "dir.h"

/* One agency code and its accounts (any status). */
struct dir_agency_count {
	char *code;             /* lower case, as stored */
	size_t accounts;
};

struct dir_agency_counts {
	struct dir_agency_count *v;   /* sorted by code */
	size_t n;
	size_t total;           /* every account counted */
	size_t without_agency;  /* accounts naming no agency (not in v) */
};

/* Count the accounts per agency code. DIR_OK with *out (free with
 * dir_agency_counts_free), or the failure of the search. */
enum dir_status dir_agency_counts_read(struct dir *d, struct dir_agency_counts **out);

/* Accounts of the agency with this code (0 when none or not counted). */
size_t dir_agency_counts_get(const struct dir_agency_counts *c, const char *code);

/*
 * totals[i] = the accounts of vec->v[i] and of every agency below it
 * (through the parent codes; a stored cycle or a missing parent ends the
 * walk up). totals has vec->n elements; vec is sorted by code.
 */
struct dir_agency_vec;
void dir_agency_counts_totals(const struct dir_agency_vec *vec,
    const struct dir_agency_counts *c, size_t *totals);

void dir_agency_counts_free(struct dir_agency_counts *c);

#endif
