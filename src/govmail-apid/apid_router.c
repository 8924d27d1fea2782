/*
 * apid_router.c — the route table of govmail-apid and its matching
 * (apid_router.h). Patterns are compared segment by segment; a {name}
 * segment takes one whole non-empty segment of the path.
 */
#include <stdlib.h>
#include <string.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_router.h"

/* Bodies of the routes that take one. */
static const struct apid_field apid_body_modify[] = {
	{ "name", APID_STRING, 0 },
	{ "title", APID_STRING, 0 },
	{ "phone", APID_STRING, 0 },
	{ "mobile", APID_STRING, 0 },
	{ "employee_id", APID_STRING, 0 },
	{ "language", APID_STRING, 0 },
	{ "may_send_external", APID_BOOL, 0 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_status[] = {
	{ "reason", APID_STRING, 0 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_password[] = {
	{ "must_change", APID_BOOL, 0 },
	{ NULL, APID_STRING, 0 }
};

static const struct apid_field apid_body_create[] = {
	{ "name", APID_STRING, 1 },
	{ "agency", APID_STRING, 1 },
	{ "address", APID_STRING, 0 },
	{ "domain", APID_STRING, 0 },
	{ "employee_id", APID_STRING, 0 },
	{ "title", APID_STRING, 0 },
	{ "phone", APID_STRING, 0 },
	{ "mobile", APID_STRING, 0 },
	{ "quota", APID_INT, 0 },
	{ "may_send_external", APID_BOOL, 0 },
	{ "generate_password", APID_BOOL, 0 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_move[] = {
	{ "agency", APID_STRING, 1 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_rename[] = {
	{ "address", APID_STRING, 1 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_alias[] = {
	{ "alias", APID_STRING, 1 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_forwards[] = {
	{ "forwards", APID_STRINGS, 1 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_quota[] = {
	{ "quota", APID_INT, 1 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_none[] = {
	{ NULL, APID_STRING, 0 }
};
/* certificates, agency writes, purge (apid_resources.h); a certificate
 * body is decoded by its handler (PEM, DER or JSON with base64) */
static const struct apid_field apid_body_cert[] = {
	{ "certificate", APID_STRING, 1 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_agency_create[] = {
	{ "code", APID_STRING, 1 },
	{ "name", APID_STRING, 1 },
	{ "level", APID_STRING, 1 },
	{ "parent", APID_STRING, 0 },
	{ "domain", APID_STRING, 0 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_agency_modify[] = {
	{ "name", APID_STRING, 0 },
	{ "level", APID_STRING, 0 },
	{ "parent", APID_STRING, 0 },
	{ "domain", APID_STRING, 0 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_agency_merge[] = {
	{ "into", APID_STRING, 1 },
	{ "dry_run", APID_BOOL, 0 },
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_purge[] = {
	{ "force", APID_BOOL, 0 },
	{ NULL, APID_STRING, 0 }
};
/* hr/sync jobs (apid_hrjobs.c) */
const struct apid_field apid_body_upload[] = {
	{ NULL, APID_STRING, 0 }
};
static const struct apid_field apid_body_hr_apply[] = {
	{ "plan", APID_STRING, 1 },
	{ "force", APID_BOOL, 0 },
	{ NULL, APID_STRING, 0 }
};

/* console sign-in (apid_session.c) */
static const struct apid_field apid_body_session[] = {
	{ "user", APID_STRING, 1 },
	{ "password", APID_STRING, 1 },
	{ NULL, APID_STRING, 0 }
};

long long
apid_route_body_max(const struct apid_route *route, const struct govmail_conf *c)
{
	return route->body == apid_body_upload ? c->apid_hr_max_upload_size :
	    c->apid_max_body_size;
}

const struct apid_route apid_routes[] = {
	{ "GET", "/openapi.json", APID_H_OPENAPI, APID_PUBLIC, NULL },
	{ "GET", "/v1/accounts", APID_H_ACCOUNT_LIST, API_OP_ACCOUNT_READ, NULL },
	{ "GET", "/v1/accounts/{address}", APID_H_ACCOUNT_GET, API_OP_ACCOUNT_READ, NULL },
	{ "PATCH", "/v1/accounts/{address}", APID_H_ACCOUNT_MODIFY, API_OP_ACCOUNT_MODIFY,
	  apid_body_modify },
	{ "POST", "/v1/accounts/{address}/suspend", APID_H_ACCOUNT_SUSPEND,
	  API_OP_ACCOUNT_SUSPEND, apid_body_status },
	{ "POST", "/v1/accounts/{address}/resume", APID_H_ACCOUNT_RESUME,
	  API_OP_ACCOUNT_SUSPEND, apid_body_status },
	{ "POST", "/v1/accounts/{address}/disable", APID_H_ACCOUNT_DISABLE,
	  API_OP_ACCOUNT_DISABLE, apid_body_status },
	{ "POST", "/v1/accounts/{address}/password", APID_H_ACCOUNT_PASSWORD,
	  API_OP_ACCOUNT_PASSWORD, apid_body_password },
	{ "GET", "/v1/agencies/{code}", APID_H_AGENCY_GET, API_OP_AGENCY_READ, NULL },
	{ "POST", "/v1/accounts", APID_H_ACCOUNT_CREATE, API_OP_ACCOUNT_CREATE,
	  apid_body_create },
	{ "POST", "/v1/accounts/{address}/move", APID_H_ACCOUNT_MOVE, API_OP_ACCOUNT_MOVE,
	  apid_body_move },
	{ "POST", "/v1/accounts/{address}/rename", APID_H_ACCOUNT_RENAME,
	  API_OP_ACCOUNT_RENAME, apid_body_rename },
	{ "POST", "/v1/accounts/{address}/aliases", APID_H_ALIAS_ADD, API_OP_ACCOUNT_ALIAS,
	  apid_body_alias },
	{ "DELETE", "/v1/accounts/{address}/aliases/{alias}", APID_H_ALIAS_REMOVE,
	  API_OP_ACCOUNT_ALIAS, NULL },
	{ "PUT", "/v1/accounts/{address}/forwards", APID_H_FORWARDS, API_OP_ACCOUNT_FORWARD,
	  apid_body_forwards },
	{ "PUT", "/v1/accounts/{address}/quota", APID_H_QUOTA, API_OP_ACCOUNT_QUOTA,
	  apid_body_quota },
	{ "POST", "/v1/accounts/{address}/lock", APID_H_LOCK, API_OP_ACCOUNT_LOCK,
	  apid_body_status },
	{ "POST", "/v1/accounts/{address}/unlock", APID_H_UNLOCK, API_OP_ACCOUNT_LOCK,
	  apid_body_none },
	{ "GET", "/v1/agencies", APID_H_AGENCY_LIST, API_OP_AGENCY_READ, NULL },
	{ "GET", "/v1/address-suggestions", APID_H_ADDRESS_SUGGEST, API_OP_ACCOUNT_CREATE,
	  NULL },
	{ "GET", "/v1/audit", APID_H_AUDIT, API_OP_AUDIT_READ, NULL },
	/* certificates, agency writes, purge (apid_resources.h) */
	{ "GET", "/v1/accounts/{address}/certificates", APID_H_CERT_LIST,
	  API_OP_ACCOUNT_READ, NULL },
	{ "POST", "/v1/accounts/{address}/certificates", APID_H_CERT_ADD,
	  API_OP_ACCOUNT_CERT, apid_body_cert },
	{ "DELETE", "/v1/accounts/{address}/certificates/{fingerprint}",
	  APID_H_CERT_REMOVE, API_OP_ACCOUNT_CERT, NULL },
	{ "GET", "/v1/agencies/{code}/certificates", APID_H_AGENCY_CERT_LIST,
	  API_OP_AGENCY_READ, NULL },
	{ "POST", "/v1/agencies/{code}/certificates", APID_H_AGENCY_CERT_ADD,
	  API_OP_ACCOUNT_CERT, apid_body_cert },
	{ "DELETE", "/v1/agencies/{code}/certificates/{fingerprint}",
	  APID_H_AGENCY_CERT_REMOVE, API_OP_ACCOUNT_CERT, NULL },
	{ "POST", "/v1/agencies", APID_H_AGENCY_CREATE, API_OP_AGENCY_WRITE,
	  apid_body_agency_create },
	{ "PATCH", "/v1/agencies/{code}", APID_H_AGENCY_MODIFY, API_OP_AGENCY_WRITE,
	  apid_body_agency_modify },
	{ "POST", "/v1/agencies/{code}/merge", APID_H_AGENCY_MERGE, API_OP_AGENCY_WRITE,
	  apid_body_agency_merge },
	{ "POST", "/v1/accounts/{address}/purge", APID_H_ACCOUNT_PURGE,
	  API_OP_ACCOUNT_PURGE, apid_body_purge },
	{ "POST", "/v1/hr/sync/jobs", APID_H_HR_JOB_CREATE, API_OP_HR_SYNC,
	  apid_body_upload },
	{ "GET", "/v1/hr/sync/jobs", APID_H_HR_JOB_LIST, API_OP_HR_SYNC, NULL },
	{ "GET", "/v1/hr/sync/jobs/{id}", APID_H_HR_JOB_GET, API_OP_HR_SYNC, NULL },
	{ "DELETE", "/v1/hr/sync/jobs/{id}", APID_H_HR_JOB_DELETE, API_OP_HR_SYNC, NULL },
	{ "GET", "/v1/hr/sync/jobs/{id}/plan", APID_H_HR_JOB_PLAN, API_OP_HR_SYNC, NULL },
	{ "POST", "/v1/hr/sync/jobs/{id}/apply", APID_H_HR_JOB_APPLY, API_OP_HR_SYNC,
	  apid_body_hr_apply },
	{ "GET", "/v1/hr/sync/jobs/{id}/passwords", APID_H_HR_JOB_PASSWORDS,
	  API_OP_HR_SYNC, NULL },
	/* console sign-in: public routes, the handler checks the password
	 * or the session cookie itself (apid_session.c) */
	{ "POST", "/v1/session", APID_H_SESSION_CREATE, APID_PUBLIC, apid_body_session },
	{ "GET", "/v1/session", APID_H_SESSION_GET, APID_PUBLIC, NULL },
	{ "DELETE", "/v1/session", APID_H_SESSION_DELETE, APID_PUBLIC, NULL },
};
const size_t apid_nroutes = sizeof(apid_routes) / sizeof(apid_routes[0]);

/* Does path match pattern? Fills params with the {x} segments. */
static int
apid_pattern_match(const char *pattern, const char *path, char params[][256],
    size_t nparams)
{
	const char *p = pattern, *s = path;
	size_t np = 0;

	while (*p != '\0' && *s != '\0') {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		if (*p == '{') {
			size_t n = strcspn(s, "/");

			if (n == 0 || n >= 256 || np >= nparams)
				return 0;
			memcpy(params[np], s, n);
			params[np][n] = '\0';
			np++;
			s += n;
			p = strchr(p, '}');
			if (p == NULL)
				return 0;
			p++;
		} else {
			size_t n = strcspn(p, "/"), m = strcspn(s, "/");

			if (n != m || memcmp(p, s, n) != 0)
				return 0;
			p += n;
			s += m;
		}
	}
	return *p == '\0' && *s == '\0';
}

const struct apid_route *
apid_route_match(const char *method, const char *path, char params[][256],
    size_t nparams, int *path_known, char *allow, size_t allowlen)
{
	size_t i, used = 0;

	*path_known = 0;
	if (allowlen > 0)
		allow[0] = '\0';
	for (i = 0; i < apid_nroutes; i++) {
		if (!apid_pattern_match(apid_routes[i].pattern, path, params, nparams))
			continue;
		if (strcmp(apid_routes[i].method, method) == 0)
			return &apid_routes[i];
		*path_known = 1;
		if (used < allowlen) {
			int n = snprintf(allow + used, allowlen - used, "%s%s",
			    used > 0 ? ", " : "", apid_routes[i].method);

			if (n > 0)
				used += (size_t)n;
		}
	}
	return NULL;
}

static int
apid_route_cmp(const void *a, const void *b)
{
	const struct apid_route *x = *(const struct apid_route *const *)a;
	const struct apid_route *y = *(const struct apid_route *const *)b;
	int c = strcmp(x->pattern, y->pattern);

	return c != 0 ? c : strcmp(x->method, y->method);
}

void
apid_routes_print(FILE *fp)
{
	const struct apid_route *sorted[sizeof(apid_routes) / sizeof(apid_routes[0])];
	size_t i;

	for (i = 0; i < apid_nroutes; i++)
		sorted[i] = &apid_routes[i];
	qsort(sorted, apid_nroutes, sizeof(sorted[0]), apid_route_cmp);
	for (i = 0; i < apid_nroutes; i++)
		fprintf(fp, "%s %s\n", sorted[i]->method, sorted[i]->pattern);
}
