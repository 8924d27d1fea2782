/*
 * strmap.h — a string-keyed hash map (open addressing) for in-memory
 * snapshots of the directory: employee id -> account, taken addresses and
 * uids. Keys are copied; values are caller-owned pointers.
 */
#ifndef GOVMAIL_STRMAP_H
#define GOVMAIL_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(size_t expected);
/* Insert or replace; returns the previous value or NULL. */
void *strmap_put(struct strmap *m, const char *key, void *value);
/* The value, or NULL when absent (store non-NULL values). */
void *strmap_get(const struct strmap *m, const char *key);
int strmap_has(const struct strmap *m, const char *key);
size_t strmap_count(const struct strmap *m);
/* Call fn for each entry (any order). */
void strmap_each(const struct strmap *m, void (*fn)(const char *key, void *value,
    void *arg), void *arg);
void strmap_free(struct strmap *m);

#endif
