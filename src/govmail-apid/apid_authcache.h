/*
 * apid_authcache.h — authentication of govmail-apid without asking the
 * directory on every request, as govmaild's policy cache spares it its
 * lookups:
 *   tokens  keyed by the token id, holding the token as read and its
 *           stored hash, kept apid.token_cache_ttl seconds after a
 *           successful check. Each request still hashes its secret and
 *           compares it with that hash (constant time), and checks expiry
 *           and allowed networks; a revocation is seen once the entry is
 *           older than the ttl.
 *   people  keyed by HMAC-SHA256(secret salt drawn at start, address NUL
 *           password) — never the password, nor a digest anyone could
 *           test guesses against without the salt — holding the caller
 *           (DN, grants) a successful bind made, apid.auth_cache_ttl
 *           seconds. Another password is another key: a wrong password
 *           never matches, and a failed bind is never stored.
 * Changes through this govmail-apid that concern credentials (password
 * reset, suspend, disable, lock, rename) make it forget every person at
 * once (apid_authcache_changed); changes made elsewhere take effect within
 * the ttl.
 */
#ifndef GOVMAIL_APID_AUTHCACHE_H
#define GOVMAIL_APID_AUTHCACHE_H

#include <stddef.h>

#include "dir.h"

struct apid_req;
struct apid_server;
struct api_caller;

/* The caches of srv from its configuration (salt drawn here). 0, or -1
 * when no random salt could be drawn. */
int apid_authcache_init(struct apid_server *srv);
void apid_authcache_free(struct apid_server *srv);

/* api_token_verify through the token cache: DIR_OK with *out, DIR_DENIED
 * (why says why), DIR_UNAVAILABLE. */
enum dir_status apid_token_check(struct apid_req *r, const char *presented,
    struct api_caller **out, char *why, size_t whylen);

/* A person's caller for (login, password) verified within the ttl: 0 with
 * *out (its agency tree attached), -1 when there is none. */
int apid_person_cached(struct apid_req *r, const char *login, const char *password,
    struct api_caller **out);
/* The generation to pass to apid_person_remember (take it before binding). */
unsigned long apid_person_gen(struct apid_req *r);
/* Remember a caller whose bind with (login, password) succeeded. */
void apid_person_remember(struct apid_req *r, const char *login,
    const char *password, const struct api_caller *c, unsigned long gen);

/* A copy of c without its agency tree (attached when used). */
struct api_caller *apid_caller_dup(const struct api_caller *c);

/* Something that may change who can sign in was done: forget every person. */
void apid_authcache_changed(struct apid_server *srv);

#endif
