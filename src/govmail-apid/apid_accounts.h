/*
 * apid_accounts.h — what the account handlers of govmail-apid share
 * (apid_accounts.c, apid_account_ops.c): the account's JSON form and
 * ETag, finding the target within the caller's scope, the audit record
 * and the answer to a change.
 */
#ifndef GOVMAIL_APID_ACCOUNTS_H
#define GOVMAIL_APID_ACCOUNTS_H

#include <stddef.h>

#include <jansson.h>

struct apid_req;
struct account;
struct account_result;
struct audit_log;

json_t *apid_account_json(const struct account *a);
void apid_etag(json_t *o, char *out, size_t outlen);
/* The account of the path (params[0]) if the caller may do op on it: 0,
 * or -1 with a problem queued in *ret (404 hidden or missing, 403). */
int apid_target(struct apid_req *r, int op, struct account **out, int *ret);
/* A handle on the audit log (opened at start) writing as the caller;
 * NULL with a problem queued (nothing may be changed then). */
struct audit_log *apid_audit_open(struct apid_req *r, int *ret);
/* Write govmailctl's record for op and close the log. */
void apid_audit_result(struct apid_req *r, struct audit_log *al, const char *op,
    const struct account *a, const struct account_result *res);
/* 200 with the changes, the account now (read by key) and a secret once. */
int apid_change_reply(struct apid_req *r, const struct account_result *res,
    const char *secret);
/* Whether the caller may do op in the agency with this code: 0, or -1 with
 * a problem queued in *ret (404 naming field when missing or hidden, 403). */
int apid_agency_allowed(struct apid_req *r, int op, const char *code,
    const char *field, int *ret);
/* 409 for a refusal of the directory's rules, else 503/500. */
int apid_op_problem(struct apid_req *r, int st, const char *err);

#endif
