/*
 * apid_dispatch.h — from a decoded request to its handler: the caller is
 * authenticated (apid_auth.c) unless the route is public, paced per caller,
 * then the route's handler runs.
 */
#ifndef GOVMAIL_APID_DISPATCH_H
#define GOVMAIL_APID_DISPATCH_H

struct apid_req;

int apid_dispatch(struct apid_req *r);
/* Release what dispatching attached to r (the caller). */
void apid_dispatch_done(struct apid_req *r);

/* Handlers (apid_accounts.c, apid_agencies.c, apid_openapi.c). */
int apid_openapi_get(struct apid_req *r);
int apid_account_list(struct apid_req *r);
int apid_account_get(struct apid_req *r);
int apid_account_modify(struct apid_req *r);
int apid_account_status(struct apid_req *r, const char *status);
int apid_account_password(struct apid_req *r);
int apid_agency_get(struct apid_req *r);
int apid_account_create(struct apid_req *r);
/* which: move, rename, alias add, alias remove, forwards, quota, lock,
 * unlock (in that order; apid_account_ops.c) */
int apid_account_simple(struct apid_req *r, int which);
/* apid_queries.c */
int apid_agency_list(struct apid_req *r);
int apid_address_suggest(struct apid_req *r);
int apid_audit_query(struct apid_req *r);
/* Only the query parameters in allowed (NULL-terminated), each valid text:
 * 0, or -1 with a 400 queued naming the parameter and *ret its result. */
int apid_query_only(struct apid_req *r, const char *const *allowed, int *ret);

#endif
