/*
 * apid_resources.h — the handlers of govmail-apid for signing
 * certificates (apid_certs.c), agency creation and change
 * (apid_agencies_write.c) and account purge (apid_account_purge.c), and
 * what they share: an audit record for a change given as LDAP
 * modifications, written as govmailctl writes it with the caller as actor
 * and the client address in the source.
 */
#ifndef GOVMAIL_APID_RESOURCES_H
#define GOVMAIL_APID_RESOURCES_H

#include <jansson.h>

struct apid_req;
struct apid_route;
struct audit_log;
struct dir_mods;

/* owner: 0 an account ({address}), 1 an agency ({code}). */
int apid_cert_list(struct apid_req *r, int owner);
int apid_cert_add(struct apid_req *r, int owner);
int apid_cert_remove(struct apid_req *r, int owner);
/* 1 when the route's body is decoded by its handler, not before it (a
 * certificate may come as PEM or DER, or as JSON with a long base64 value). */
int apid_body_raw(const struct apid_route *route);

struct dir_agency;
/* The agency as the API shows it (apid_agencies.c); its digest is the ETag. */
json_t *apid_agency_json(const struct dir_agency *a);
int apid_agency_create(struct apid_req *r);
int apid_agency_modify(struct apid_req *r);
/* POST /v1/agencies/{code}/merge (apid_agency_merge.c) */
int apid_agency_merge(struct apid_req *r);

int apid_account_purge(struct apid_req *r);

/* 1 when a province-wide grant of the caller allows op (enum api_op). */
int apid_province_wide(const struct apid_req *r, int op);

/* govmailctl's record (audit_record) of op on target/dn with the
 * attributes of m (may be NULL); source "api CLIENT[ extra]". Does not
 * close al. (apid_audit_write.c) */
void apid_audit_mods(struct apid_req *r, struct audit_log *al, const char *op,
    const char *target, const char *dn, const struct dir_mods *m, const char *extra);
/* After a change's operation failed with status st: when the directory
 * stopped answering (DIR_UNAVAILABLE) the outcome is unknown — a record
 * with result "unknown" is written, al closed, a 503 "outcome-unknown"
 * queued in *ret, and 1 returned. 0 (nothing done) for any other st. */
int apid_write_unknown(struct apid_req *r, struct audit_log *al, const char *op,
    const char *target, const char *dn, int st, int *ret);

#endif
