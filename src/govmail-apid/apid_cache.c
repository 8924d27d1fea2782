/*
 * apid_cache.c — govmail-apid's fixed-size TTL caches (apid_cache.h).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "apid_cache.h"
#include "xmalloc.h"

struct apid_cache_slot {
	unsigned char *key;
	size_t klen;
	double stored;        /* CLOCK_MONOTONIC seconds */
	void *value;
};

struct apid_cache {
	pthread_mutex_t mu;
	int ttl;
	size_t n;
	unsigned long gen;    /* see apid_cache_gen */
	struct apid_cache_slot *slots;
	void (*free_value)(void *);
};

static double
apid_cache_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* FNV-1a: the slot of a key (keys are ids, digests and addresses; a
 * collision costs only a directory read). */
static size_t
apid_cache_index(const struct apid_cache *c, const void *key, size_t klen)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < klen; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h % c->n);
}

static void
apid_cache_slot_clear(struct apid_cache *c, struct apid_cache_slot *s)
{
	if (s->value != NULL)
		c->free_value(s->value);
	free(s->key);
	memset(s, 0, sizeof(*s));
}

struct apid_cache *
apid_cache_new(int ttl, size_t slots, void (*free_value)(void *))
{
	struct apid_cache *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	c->ttl = ttl < 0 ? 0 : ttl;
	c->n = slots < 1 ? 1 : slots;
	c->free_value = free_value;
	if (c->ttl > 0)
		c->slots = xcalloc(c->n, sizeof(*c->slots));
	return c;
}

void
apid_cache_free(struct apid_cache *c)
{
	if (c == NULL)
		return;
	apid_cache_forget(c, NULL, 0);
	free(c->slots);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int
apid_cache_ttl(const struct apid_cache *c)
{
	return c->ttl;
}

static int
apid_cache_match(const struct apid_cache_slot *s, const void *key, size_t klen)
{
	return s->key != NULL && s->klen == klen && CRYPTO_memcmp(s->key, key, klen) == 0;
}

int
apid_cache_get(struct apid_cache *c, const void *key, size_t klen,
    int (*copy)(const void *value, void *arg), void *arg)
{
	struct apid_cache_slot *s;
	double now;
	int r = -1;

	if (c->ttl == 0)
		return -1;
	now = apid_cache_now();
	pthread_mutex_lock(&c->mu);
	s = &c->slots[apid_cache_index(c, key, klen)];
	if (apid_cache_match(s, key, klen)) {
		/* "within the ttl" means strictly younger: an entry stored
		 * ttl seconds ago is gone */
		if (now - s->stored < (double)c->ttl)
			r = copy(s->value, arg);
		else
			apid_cache_slot_clear(c, s);
	}
	pthread_mutex_unlock(&c->mu);
	return r;
}

unsigned long
apid_cache_gen(struct apid_cache *c)
{
	unsigned long g;

	pthread_mutex_lock(&c->mu);
	g = c->gen;
	pthread_mutex_unlock(&c->mu);
	return g;
}

void
apid_cache_put(struct apid_cache *c, const void *key, size_t klen, void *value,
    unsigned long gen)
{
	struct apid_cache_slot *s;

	if (c->ttl == 0) {
		c->free_value(value);
		return;
	}
	pthread_mutex_lock(&c->mu);
	if (gen != c->gen) {
		pthread_mutex_unlock(&c->mu);
		c->free_value(value);
		return;
	}
	s = &c->slots[apid_cache_index(c, key, klen)];
	apid_cache_slot_clear(c, s);
	s->key = xmalloc(klen > 0 ? klen : 1);
	memcpy(s->key, key, klen);
	s->klen = klen;
	s->value = value;
	s->stored = apid_cache_now();
	pthread_mutex_unlock(&c->mu);
}

void
apid_cache_forget(struct apid_cache *c, const void *key, size_t klen)
{
	size_t i;

	if (c->ttl == 0)
		return;
	pthread_mutex_lock(&c->mu);
	c->gen++;
	if (key == NULL) {
		for (i = 0; i < c->n; i++)
			apid_cache_slot_clear(c, &c->slots[i]);
	} else {
		struct apid_cache_slot *s = &c->slots[apid_cache_index(c, key, klen)];

		if (apid_cache_match(s, key, klen))
			apid_cache_slot_clear(c, s);
	}
	pthread_mutex_unlock(&c->mu);
}
