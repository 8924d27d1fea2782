/*
 * lookup.h — govmaild's view of the directory: is a domain governed, whose
 * account is an address, for the policy (through struct policy_directory),
 * with answers cached for policy.cache_ttl seconds in a bounded table; and
 * the one shared LDAP connection (as govmaild's identity), reopened when
 * it fails or the ldap { } settings change, that AUTH uses too.
 * Not for: the rules themselves (policy.c) or LDAP primitives (src/lib/dir*.c).
 */
#ifndef GOVMAIL_LOOKUP_H
#define GOVMAIL_LOOKUP_H

#include <stddef.h>

#include "dir.h"
#include "policy.h"

struct govmail_conf;

/* The directory callbacks for c (arg is c; it must outlive their use). */
void lookup_policy_directory(const struct govmail_conf *c, struct policy_directory *out);

/* Uncached, for the policy callbacks and tests. */
enum policy_lookup lookup_domain(const struct govmail_conf *c, const char *domain);
enum policy_lookup lookup_account(const struct govmail_conf *c, const char *key,
    struct policy_account *out);

/* Who a sender is, for the signature rule (through the directory's
 * signer callback; release with policy_signer_clear). */
enum policy_lookup lookup_signer(const struct govmail_conf *c, const char *sender,
    struct policy_signer *out);

/*
 * Run fn with the shared connection, under its lock; reconnect and retry
 * once if fn reports DIR_UNAVAILABLE. When no connection can be made,
 * returns DIR_UNAVAILABLE with why. Otherwise fn's status.
 */
typedef enum dir_status (*lookup_fn)(struct dir *d, void *arg);
enum dir_status lookup_with_dir(const struct govmail_conf *c, lookup_fn fn,
    void *arg, char *why, size_t whylen);

/* Forget all cached answers (tests, reload). */
void lookup_cache_clear(void);

/* Close the connection and free the cache (at exit). */
void lookup_shutdown(void);

#endif
