/*
 * apid_cache.h — the short-lived answers govmail-apid keeps so that a
 * request need not ask the directory again what it asked a moment ago:
 * verified tokens, verified Basic credentials and account reads
 * (apid_authcache.h, apid_account_cache.h use it). Like govmaild's policy
 * cache: a fixed array of slots addressed by a hash of the key, where a
 * newer answer simply replaces whatever shared its slot, so the size is
 * bounded with no eviction bookkeeping; an entry is used for ttl seconds
 * after it was stored and never after. Thread-safe (one mutex: lookups are
 * short copies).
 */
#ifndef GOVMAIL_APID_CACHE_H
#define GOVMAIL_APID_CACHE_H

#include <stddef.h>

struct apid_cache;

/* ttl 0: a cache that keeps nothing. free_value releases a stored value. */
struct apid_cache *apid_cache_new(int ttl, size_t slots, void (*free_value)(void *));
void apid_cache_free(struct apid_cache *c);
int apid_cache_ttl(const struct apid_cache *c);

/*
 * The value stored for key (klen bytes, compared in constant time), if it
 * is younger than the ttl: copy(value, arg) is called with the lock held
 * (it copies what it needs) and its result returned; -1 when there is none.
 */
int apid_cache_get(struct apid_cache *c, const void *key, size_t klen,
    int (*copy)(const void *value, void *arg), void *arg);
/*
 * The generation: it changes whenever something is forgotten. A request
 * takes it before it asks the directory and hands it to apid_cache_put,
 * which stores nothing when the generation has changed meanwhile: an
 * answer read before a change made through this apid is never kept after
 * that change has made the cache forget.
 */
unsigned long apid_cache_gen(struct apid_cache *c);
/* Store value for key (the cache owns it from now on; freed at once when
 * the ttl is 0 or gen is no longer the generation). */
void apid_cache_put(struct apid_cache *c, const void *key, size_t klen, void *value,
    unsigned long gen);
/* Forget key, or (key NULL) everything. */
void apid_cache_forget(struct apid_cache *c, const void *key, size_t klen);

#endif
