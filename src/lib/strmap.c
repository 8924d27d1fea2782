/*
 * strmap.c — open-addressing hash map from strings to pointers (FNV-1a,
 * linear probing, grown at 70 % load). No deletion: snapshots only grow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xmalloc.h"

struct strmap_slot {
	char *key;
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;             /* power of two */
	size_t n;
};

static uint64_t
strmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct strmap *
strmap_new(size_t expected)
{
	struct strmap *m = xcalloc(1, sizeof(*m));

	m->cap = 64;
	while (m->cap < expected * 2)
		m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

static struct strmap_slot *
strmap_find(const struct strmap *m, const char *key)
{
	size_t i = (size_t)strmap_hash(key) & (m->cap - 1);

	while (m->slots[i].key != NULL && strcmp(m->slots[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

static void
strmap_grow(struct strmap *m)
{
	struct strmap_slot *old = m->slots;
	size_t oldcap = m->cap, i;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*strmap_find(m, old[i].key) = old[i];
	free(old);
}

void *
strmap_put(struct strmap *m, const char *key, void *value)
{
	struct strmap_slot *s;
	void *prev;

	if ((m->n + 1) * 10 > m->cap * 7)
		strmap_grow(m);
	s = strmap_find(m, key);
	if (s->key != NULL) {
		prev = s->value;
		s->value = value;
		return prev;
	}
	s->key = xstrdup(key);
	s->value = value;
	m->n++;
	return NULL;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_slot *s = strmap_find(m, key);

	return s->key != NULL ? s->value : NULL;
}

int
strmap_has(const struct strmap *m, const char *key)
{
	return strmap_find(m, key)->key != NULL;
}

size_t
strmap_count(const struct strmap *m)
{
	return m->n;
}

void
strmap_each(const struct strmap *m, void (*fn)(const char *, void *, void *),
    void *arg)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL)
			fn(m->slots[i].key, m->slots[i].value, arg);
}

void
strmap_free(struct strmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	free(m);
}
