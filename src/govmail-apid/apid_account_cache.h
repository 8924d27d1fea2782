/*
 * apid_account_cache.h — GET /v1/accounts/{key} from a read at most
 * apid.account_cache_ttl seconds old: the account's representation and
 * ETag as this govmail-apid last read them, keyed by the key as given
 * (address, alias or uid, lower-cased). The caller's scope is checked on
 * every request against the cached account's agency, as for a read from
 * the directory. Every change made through this govmail-apid (any request
 * other than GET that reached its handler) forgets every account at once,
 * so its own writes show immediately; changes made elsewhere (govmailctl,
 * hr sync, another gateway) show within the ttl. Only GET reads the cache:
 * a modify compares If-Match with the entry in the directory, and a 412
 * is itself a change request, after which the next GET reads again.
 */
#ifndef GOVMAIL_APID_ACCOUNT_CACHE_H
#define GOVMAIL_APID_ACCOUNT_CACHE_H

#include <jansson.h>

struct apid_req;
struct apid_server;

void apid_account_cache_init(struct apid_server *srv);
void apid_account_cache_free(struct apid_server *srv);

/* Answer r from the cache: 0 with the MHD result in *ret, or -1 when the
 * key is not there (then read the directory). */
int apid_account_cached(struct apid_req *r, int *ret);
/* The generation to pass to apid_account_remember (take it before the read). */
unsigned long apid_account_gen(struct apid_req *r);
/* Keep what a GET read: the account's agency, representation and ETag. */
void apid_account_remember(struct apid_req *r, const char *agency, json_t *o,
    const char *etag, unsigned long gen);

/* Something was changed through this govmail-apid: forget every account
 * (and the agency tree's account counts, apid_agency_counts.h). */
void apid_account_cache_changed(struct apid_server *srv);

#endif
