/*
 * anvil.c — per-client-address counters (see anvil.h).
 *
 * Entries live in one array allocated at the start, chained from a
 * power-of-two bucket array by index; unused entries are on a free list.
 * Memory: capacity * (sizeof(struct anvil_entry) + up to 2 buckets of 4
 * bytes), about 64 bytes per address on x86-64, whatever the traffic.
 *
 * Rates count in fixed windows of one time unit that start at an
 * address's first event (as Postfix's anvil does): at most twice the
 * limit can pass in one unit straddling two windows, never more.
 *
 * An address with a session is never forgotten, or its count would be
 * lost: when every entry has one, a new address is refused (ANVIL_FULL).
 * The table is then as large as the sessions it tracks, which
 * smtpd.max_sessions bounds anyway.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "anvil.h"
#include "xmalloc.h"

#define ANVIL_NONE UINT32_MAX

struct anvil_entry {
	struct anvil_key key;
	uint32_t next;                /* chain or free list; ANVIL_NONE ends it */
	uint32_t sessions;
	uint32_t conns;               /* new sessions in the window */
	uint32_t auth_failures;       /* in the window */
	uint64_t window;              /* ms: start of the current window */
	uint64_t last;                /* ms: last event */
};

struct anvil {
	struct anvil_entry *e;
	uint32_t *bucket;
	size_t cap, used, nbuckets;
	uint32_t free;
	uint64_t seed;
};

int
anvil_key_from_string(const char *addr, struct anvil_key *k)
{
	struct in_addr a4;
	struct in6_addr a6;

	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		k->b[0] = 4;
		memcpy(k->b + 1, &a4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		k->b[0] = 4;
		memcpy(k->b + 1, a6.s6_addr + 12, 4);
	} else {
		k->b[0] = 6;
		memcpy(k->b + 1, a6.s6_addr, 8);       /* the /64 */
	}
	return 0;
}

int
anvil_key_from_sockaddr(const struct sockaddr_storage *ss, struct anvil_key *k)
{
	char text[INET6_ADDRSTRLEN];
	const void *a;

	if (ss->ss_family == AF_INET)
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		return -1;
	if (inet_ntop(ss->ss_family, a, text, sizeof(text)) == NULL)
		return -1;
	return anvil_key_from_string(text, k);
}

struct anvil *
anvil_new(size_t capacity, uint64_t seed)
{
	struct anvil *a = xcalloc(1, sizeof(*a));
	size_t i;

	if (capacity < 1)
		capacity = 1;
	a->cap = capacity;
	a->seed = seed;
	for (a->nbuckets = 1; a->nbuckets < capacity; a->nbuckets <<= 1)
		;
	a->e = xcalloc(capacity, sizeof(*a->e));
	a->bucket = xreallocarray(NULL, a->nbuckets, sizeof(*a->bucket));
	for (i = 0; i < a->nbuckets; i++)
		a->bucket[i] = ANVIL_NONE;
	for (i = 0; i < capacity; i++)
		a->e[i].next = i + 1 < capacity ? (uint32_t)(i + 1) : ANVIL_NONE;
	a->free = 0;
	return a;
}

void
anvil_free(struct anvil *a)
{
	if (a == NULL)
		return;
	free(a->e);
	free(a->bucket);
	free(a);
}

/* FNV-1a over the seed and the key. */
static size_t
anvil_hash(const struct anvil *a, const struct anvil_key *k)
{
	uint64_t h = 14695981039346656037ULL ^ a->seed;
	size_t i;

	for (i = 0; i < sizeof(k->b); i++) {
		h ^= k->b[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	return (size_t)(h & (a->nbuckets - 1));
}

static uint32_t
anvil_find(const struct anvil *a, const struct anvil_key *k)
{
	uint32_t i;

	for (i = a->bucket[anvil_hash(a, k)]; i != ANVIL_NONE; i = a->e[i].next)
		if (memcmp(a->e[i].key.b, k->b, sizeof(k->b)) == 0)
			return i;
	return ANVIL_NONE;
}

static void
anvil_remove(struct anvil *a, uint32_t idx)
{
	uint32_t *p = &a->bucket[anvil_hash(a, &a->e[idx].key)];

	while (*p != idx)
		p = &a->e[*p].next;
	*p = a->e[idx].next;
	memset(&a->e[idx].key, 0, sizeof(a->e[idx].key));
	a->e[idx].next = a->free;
	a->free = idx;
	a->used--;
}

/* Room for one more: the least recently seen address without a session
 * goes. 0, or -1 when every address has a session. */
static int
anvil_make_room(struct anvil *a)
{
	uint32_t i, best = ANVIL_NONE;

	if (a->free != ANVIL_NONE)
		return 0;
	for (i = 0; i < a->cap; i++)
		if (a->e[i].sessions == 0 && (best == ANVIL_NONE || a->e[i].last < a->e[best].last))
			best = i;
	if (best == ANVIL_NONE)
		return -1;
	anvil_remove(a, best);
	return 0;
}

/* The entry of k, made if need be (ANVIL_NONE: no room), its window
 * started again if its unit is over. */
static uint32_t
anvil_get(struct anvil *a, const struct anvil_key *k, uint64_t unit_ms, uint64_t now)
{
	uint32_t i = anvil_find(a, k);
	size_t h;

	if (i == ANVIL_NONE) {
		if (anvil_make_room(a) != 0)
			return ANVIL_NONE;
		i = a->free;
		a->free = a->e[i].next;
		memset(&a->e[i], 0, sizeof(a->e[i]));
		a->e[i].key = *k;
		a->e[i].window = now;
		h = anvil_hash(a, k);
		a->e[i].next = a->bucket[h];
		a->bucket[h] = i;
		a->used++;
	}
	if (now - a->e[i].window >= unit_ms || now < a->e[i].window) {
		a->e[i].window = now;
		a->e[i].conns = 0;
		a->e[i].auth_failures = 0;
	}
	a->e[i].last = now;
	return i;
}

enum anvil_verdict
anvil_connect(struct anvil *a, const struct anvil_key *k, const struct anvil_limits *lim,
    uint64_t now)
{
	uint32_t i = anvil_get(a, k, lim->unit_ms, now);
	struct anvil_entry *e;

	if (i == ANVIL_NONE)
		return ANVIL_FULL;
	e = &a->e[i];
	if (e->conns < UINT32_MAX)
		e->conns++;
	if (lim->conn_count > 0 && e->sessions >= lim->conn_count)
		return ANVIL_CONN_COUNT;
	if (lim->conn_rate > 0 && e->conns > lim->conn_rate)
		return ANVIL_CONN_RATE;
	e->sessions++;
	return ANVIL_OK;
}

void
anvil_disconnect(struct anvil *a, const struct anvil_key *k, uint64_t now)
{
	uint32_t i = anvil_find(a, k);

	if (i != ANVIL_NONE && a->e[i].sessions > 0) {
		a->e[i].sessions--;
		a->e[i].last = now;
	}
}

int
anvil_auth_failed(struct anvil *a, const struct anvil_key *k,
    const struct anvil_limits *lim, uint64_t now)
{
	uint32_t i = anvil_get(a, k, lim->unit_ms, now);

	if (i == ANVIL_NONE)
		return lim->auth_failures > 0;   /* no room to count: fail closed */
	if (a->e[i].auth_failures < UINT32_MAX)
		a->e[i].auth_failures++;
	return lim->auth_failures > 0 && a->e[i].auth_failures >= lim->auth_failures;
}

int
anvil_auth_blocked(struct anvil *a, const struct anvil_key *k,
    const struct anvil_limits *lim, uint64_t now)
{
	uint32_t i = anvil_find(a, k);

	if (lim->auth_failures == 0 || i == ANVIL_NONE)
		return 0;
	if (now - a->e[i].window >= lim->unit_ms || now < a->e[i].window)
		return 0;                        /* a new unit: counted again */
	return a->e[i].auth_failures >= lim->auth_failures;
}

size_t
anvil_expire(struct anvil *a, uint64_t unit_ms, uint64_t now)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < a->cap; i++) {
		struct anvil_entry *e = &a->e[i];

		/* free entries have no family; a window in the future: clock
		 * went back, the entry stays until its next event */
		if (e->key.b[0] == 0 || e->sessions > 0 || now < e->window ||
		    now - e->window < unit_ms)
			continue;
		anvil_remove(a, i);
		n++;
	}
	return n;
}

size_t
anvil_size(const struct anvil *a)
{
	return a->used;
}

unsigned int
anvil_sessions(const struct anvil *a, const struct anvil_key *k)
{
	uint32_t i = anvil_find(a, k);

	return i == ANVIL_NONE ? 0 : a->e[i].sessions;
}
