/*
 * apid_rate.c — token buckets per key for govmail-apid (apid_rate.h).
 * An open-addressing table of fixed size under one mutex: a request does a
 * hash and a few compares, nothing that would matter next to its LDAP work.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "apid_rate.h"
#include "xmalloc.h"

#define APID_RATE_KEY 64

struct apid_bucket {
	char key[APID_RATE_KEY];   /* "" = free slot */
	double tokens;
	double last;
};

struct apid_rate {
	pthread_mutex_t mu;
	double per_second, capacity;
	struct apid_bucket *b;
	size_t n, used;
};

struct apid_rate *
apid_rate_new(int per_minute, unsigned max_keys)
{
	struct apid_rate *r = xcalloc(1, sizeof(*r));

	pthread_mutex_init(&r->mu, NULL);
	r->capacity = per_minute;
	r->per_second = per_minute / 60.0;
	r->n = max_keys < 16 ? 16 : max_keys;
	r->b = xcalloc(r->n, sizeof(*r->b));
	return r;
}

void
apid_rate_free(struct apid_rate *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r->b);
	free(r);
}

static size_t
apid_rate_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* Drop the buckets that have filled up again (their clients went quiet). */
static void
apid_rate_sweep(struct apid_rate *r, double now)
{
	struct apid_bucket *old = r->b;
	size_t i, n = r->n;

	r->b = xcalloc(n, sizeof(*r->b));
	r->used = 0;
	for (i = 0; i < n; i++) {
		struct apid_bucket *o = &old[i];
		size_t j;

		if (o->key[0] == '\0' ||
		    o->tokens + (now - o->last) * r->per_second >= r->capacity)
			continue;
		for (j = apid_rate_hash(o->key) % n; r->b[j].key[0] != '\0'; j = (j + 1) % n)
			;
		r->b[j] = *o;
		r->used++;
	}
	free(old);
}

int
apid_rate_take(struct apid_rate *r, const char *key, double now, unsigned *retry_after)
{
	struct apid_bucket *b = NULL;
	size_t i;
	int ok;

	*retry_after = 0;
	if (r->capacity <= 0)
		return 1;
	pthread_mutex_lock(&r->mu);
	for (i = apid_rate_hash(key) % r->n; r->b[i].key[0] != '\0'; i = (i + 1) % r->n)
		if (strncmp(r->b[i].key, key, APID_RATE_KEY - 1) == 0) {
			b = &r->b[i];
			break;
		}
	if (b == NULL) {
		/* keep the table at most 3/4 full; if the sweep frees nothing,
		 * every key is busy and the newcomer shares no bucket: allow it
		 * (the per-caller limit still applies after authentication) */
		if (r->used + 1 > r->n * 3 / 4)
			apid_rate_sweep(r, now);
		if (r->used + 1 > r->n * 3 / 4) {
			pthread_mutex_unlock(&r->mu);
			return 1;
		}
		for (i = apid_rate_hash(key) % r->n; r->b[i].key[0] != '\0'; i = (i + 1) % r->n)
			;
		b = &r->b[i];
		strncpy(b->key, key, APID_RATE_KEY - 1);
		b->tokens = r->capacity;
		b->last = now;
		r->used++;
	}
	b->tokens += (now - b->last) * r->per_second;
	if (b->tokens > r->capacity)
		b->tokens = r->capacity;
	b->last = now;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		ok = 1;
	} else {
		*retry_after = (unsigned)ceil((1.0 - b->tokens) / r->per_second);
		if (*retry_after == 0)
			*retry_after = 1;
		ok = 0;
	}
	pthread_mutex_unlock(&r->mu);
	return ok;
}
