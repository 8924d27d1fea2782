/*
 * apid_router.h — the routes of govmail-apid: method and path pattern to
 * the handler, the API operation it is (api_authz.h, what the caller's
 * grants are checked against) and the body it accepts. The one table;
 * `govmail-apid --routes` prints it and the test compares it with
 * openapi.json.
 * Not for: what a handler does (apid_accounts.c, ...).
 */
#ifndef GOVMAIL_APID_ROUTER_H
#define GOVMAIL_APID_ROUTER_H

#include <stddef.h>
#include <stdio.h>

#include "apid_json.h"

enum apid_handler_id {
	APID_H_OPENAPI,
	APID_H_ACCOUNT_LIST,
	APID_H_ACCOUNT_GET,
	APID_H_ACCOUNT_MODIFY,
	APID_H_ACCOUNT_SUSPEND,
	APID_H_ACCOUNT_RESUME,
	APID_H_ACCOUNT_DISABLE,
	APID_H_ACCOUNT_PASSWORD,
	APID_H_AGENCY_GET,
	APID_H_ACCOUNT_CREATE,
	APID_H_ACCOUNT_MOVE,
	APID_H_ACCOUNT_RENAME,
	APID_H_ALIAS_ADD,
	APID_H_ALIAS_REMOVE,
	APID_H_FORWARDS,
	APID_H_QUOTA,
	APID_H_LOCK,
	APID_H_UNLOCK,
	APID_H_AGENCY_LIST,
	APID_H_ADDRESS_SUGGEST,
	APID_H_AUDIT,
	/* certificates, agency writes, purge (apid_resources.h) */
	APID_H_CERT_LIST,
	APID_H_CERT_ADD,
	APID_H_CERT_REMOVE,
	APID_H_AGENCY_CERT_LIST,
	APID_H_AGENCY_CERT_ADD,
	APID_H_AGENCY_CERT_REMOVE,
	APID_H_AGENCY_CREATE,
	APID_H_AGENCY_MODIFY,
	APID_H_AGENCY_MERGE,        /* apid_agency_merge.c */
	APID_H_ACCOUNT_PURGE,
	APID_H_HR_JOB_CREATE,
	APID_H_HR_JOB_LIST,
	APID_H_HR_JOB_GET,
	APID_H_HR_JOB_PLAN,
	APID_H_HR_JOB_APPLY,
	APID_H_HR_JOB_PASSWORDS,
	APID_H_HR_JOB_DELETE,
	/* console sign-in (apid_session.h) */
	APID_H_SESSION_CREATE,
	APID_H_SESSION_GET,
	APID_H_SESSION_DELETE
};

#define APID_PUBLIC (-1)   /* op of a route that needs no caller */

struct apid_route {
	const char *method;
	const char *pattern;       /* "/v1/accounts/{address}"; {x}: one segment */
	enum apid_handler_id handler;
	int op;                    /* enum api_op, or APID_PUBLIC */
	const struct apid_field *body;  /* accepted fields; NULL: no body */
};

/* The body of a route that takes an upload as it is (not JSON), up to
 * apid.hr_max_upload_size. */
extern const struct apid_field apid_body_upload[];
/* Bytes the body of route may have. */
long long apid_route_body_max(const struct apid_route *route,
    const struct govmail_conf *c);

extern const struct apid_route apid_routes[];
extern const size_t apid_nroutes;

/*
 * The route for method and path (already percent-decoded), with the {x}
 * parts copied into params (each paramlen bytes, APID_MAX_PARAMS of them).
 * NULL when none: *path_known is then 1 when the path exists with other
 * methods (405, allow holds them, comma-separated), else 0 (404).
 */
const struct apid_route *apid_route_match(const char *method, const char *path,
    char params[][256], size_t nparams, int *path_known, char *allow,
    size_t allowlen);

/* "METHOD PATTERN" per line, sorted, for the OpenAPI comparison. */
void apid_routes_print(FILE *fp);

#endif
