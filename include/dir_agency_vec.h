/*
 * dir_agency_vec.h — agencies read from the directory kept in memory,
 * sorted by code for lookups: what agency list --tree and the agency load
 * work on.
 */
#ifndef GOVMAIL_DIR_AGENCY_VEC_H
#define GOVMAIL_DIR_AGENCY_VEC_H

#include <stddef.h>

#include "dir_agency.h"

struct dir_agency_vec {
	struct dir_agency *v;
	size_t n, cap;
};

/* A dir_agency_cb for dir_agency_list: appends a copy to arg's vector. */
int dir_agency_vec_collect(const struct dir_agency *a, void *arg);
/* Sort by code (before dir_agency_vec_find). */
void dir_agency_vec_sort(struct dir_agency_vec *vec);
/* Index of code in a vector sorted by code, or -1. */
long dir_agency_vec_find(const struct dir_agency_vec *vec, const char *code);
void dir_agency_vec_free(struct dir_agency_vec *vec);

#endif
