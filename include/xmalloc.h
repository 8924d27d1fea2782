/*
 * xmalloc.h — allocation that cannot fail from the caller's view.
 * On out-of-memory these print a message and abort(); library code that must
 * report errors instead of dying uses plain malloc.
 */
#ifndef GOVMAIL_XMALLOC_H
#define GOVMAIL_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
/* Room for element n of an array grown one element at a time (doubling). */
void *xgrowarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s);
/* Free the n strings of v, then v. */
void xfreev(char **v, size_t n);
char *xstrndup(const char *s, size_t n);
/* asprintf that aborts on failure; returns the new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
