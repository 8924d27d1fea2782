/*
 * strbuf.c — the growing text buffer of strbuf.h: doubling growth, so
 * appending n bytes in any number of pieces costs O(n).
 */
#include <string.h>

#include "xmalloc.h"

#include "strbuf.h"

void
strbuf_add(struct strbuf *b, const char *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void
strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}
