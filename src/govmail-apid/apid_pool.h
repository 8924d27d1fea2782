/*
 * apid_pool.h — the directory connections of govmail-apid: a fixed number
 * kept open and bound as the daemon's identity, lent to one request at a
 * time, so a request costs no connect and no bind. A connection that lost
 * its server is closed when returned and opened again when next needed.
 * Not for: binding as a person to check a password (dir_check_bind uses
 * its own short connection).
 */
#ifndef GOVMAIL_APID_POOL_H
#define GOVMAIL_APID_POOL_H

#include <stddef.h>

struct dir;
struct govmail_conf;
struct apid_pool;

/* c must outlive the pool (its LDAP settings are used to reconnect). */
struct apid_pool *apid_pool_new(const struct govmail_conf *c, int size);
void apid_pool_free(struct apid_pool *p);

/* A connection, waiting while all are lent; NULL (err says why) when the
 * directory cannot be reached now. */
struct dir *apid_pool_get(struct apid_pool *p, char *err, size_t errlen);
/* Give it back; one whose last operation found the server gone is closed. */
void apid_pool_put(struct apid_pool *p, struct dir *d);

#endif
