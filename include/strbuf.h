/*
 * strbuf.h — a growing, always NUL-terminated byte buffer for building
 * header fields and other text whose length is not known in advance.
 * Allocation failure exits (xmalloc.h). Not for: bounded output (callers
 * check their own limits before appending).
 */
#ifndef GOVMAIL_STRBUF_H
#define GOVMAIL_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *p;        /* NULL until the first append; then NUL-terminated */
	size_t n, cap;  /* bytes used (without the NUL), bytes allocated */
};

/* Append n bytes of p. */
void strbuf_add(struct strbuf *b, const char *p, size_t n);
/* Append a NUL-terminated string. */
void strbuf_str(struct strbuf *b, const char *s);

#endif
