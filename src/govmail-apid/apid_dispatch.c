/*
 * apid_dispatch.c — authentication, per-caller pace and the handler of a
 * request (apid_dispatch.h).
 */
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_account_cache.h"
#include "apid_auth.h"
#include "apid_authcache.h"
#include "apid_dispatch.h"
#include "apid_hrjobs.h"
#include "apid_rate.h"
#include "apid_resources.h"
#include "apid_router.h"
#include "apid_session.h"
#include "log.h"

static int apid_dispatch_handler(struct apid_req *r);

int
apid_dispatch(struct apid_req *r)
{
	struct timespec ts;
	unsigned retry;
	int ret;

	if (r->route->op != APID_PUBLIC) {
		/* an upload route authenticated before its body (apid_http.c) */
		if (r->caller == NULL && apid_authenticate(r, &ret) != 0)
			return ret;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (!apid_rate_take(r->srv->rate_caller, r->caller->actor,
		    (double)ts.tv_sec + ts.tv_nsec / 1e9, &retry))
			return apid_problem(r, 429, "rate-limited", "Too many requests", NULL,
			    "apid.rate_per_token", retry, "more than %d requests per minute "
			    "of this caller", r->srv->conf->apid_rate_per_token);
	}
	ret = apid_dispatch_handler(r);
	/* whatever an authenticated caller asked to change may have changed:
	 * the caches must not answer from before it (apid_account_cache.h,
	 * apid_authcache.h) */
	if (r->route->op != APID_PUBLIC && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0) {
		apid_account_cache_changed(r->srv);
		switch (r->route->handler) {
		case APID_H_ACCOUNT_PASSWORD:
		case APID_H_ACCOUNT_SUSPEND:
		case APID_H_ACCOUNT_DISABLE:
		case APID_H_LOCK:
		case APID_H_ACCOUNT_RENAME:
		case APID_H_ACCOUNT_PURGE:
			apid_authcache_changed(r->srv);
			/* done: the person's console sessions end now, not at
			 * their next check (a reset password is often the
			 * answer to a stolen one) */
			if (r->status >= 200 && r->status < 300 && r->target_dn != NULL)
				apid_sessions_end_person(r->srv, r->target_dn,
				    r->route->pattern);
			break;
		default:
			break;
		}
	}
	return ret;
}

static int
apid_dispatch_handler(struct apid_req *r)
{
	switch (r->route->handler) {
	case APID_H_OPENAPI:
		return apid_openapi_get(r);
	case APID_H_ACCOUNT_LIST:
		return apid_account_list(r);
	case APID_H_ACCOUNT_GET:
		return apid_account_get(r);
	case APID_H_ACCOUNT_MODIFY:
		return apid_account_modify(r);
	case APID_H_ACCOUNT_SUSPEND:
		return apid_account_status(r, "suspended");
	case APID_H_ACCOUNT_RESUME:
		return apid_account_status(r, "active");
	case APID_H_ACCOUNT_DISABLE:
		return apid_account_status(r, "disabled");
	case APID_H_ACCOUNT_PASSWORD:
		return apid_account_password(r);
	case APID_H_AGENCY_GET:
		return apid_agency_get(r);
	case APID_H_ACCOUNT_CREATE:
		return apid_account_create(r);
	case APID_H_ACCOUNT_MOVE:
		return apid_account_simple(r, 0);
	case APID_H_ACCOUNT_RENAME:
		return apid_account_simple(r, 1);
	case APID_H_ALIAS_ADD:
		return apid_account_simple(r, 2);
	case APID_H_ALIAS_REMOVE:
		return apid_account_simple(r, 3);
	case APID_H_FORWARDS:
		return apid_account_simple(r, 4);
	case APID_H_QUOTA:
		return apid_account_simple(r, 5);
	case APID_H_LOCK:
		return apid_account_simple(r, 6);
	case APID_H_UNLOCK:
		return apid_account_simple(r, 7);
	case APID_H_AGENCY_LIST:
		return apid_agency_list(r);
	case APID_H_ADDRESS_SUGGEST:
		return apid_address_suggest(r);
	case APID_H_AUDIT:
		return apid_audit_query(r);
	/* certificates, agency writes, purge (apid_resources.h) */
	case APID_H_CERT_LIST:
		return apid_cert_list(r, 0);
	case APID_H_CERT_ADD:
		return apid_cert_add(r, 0);
	case APID_H_CERT_REMOVE:
		return apid_cert_remove(r, 0);
	case APID_H_AGENCY_CERT_LIST:
		return apid_cert_list(r, 1);
	case APID_H_AGENCY_CERT_ADD:
		return apid_cert_add(r, 1);
	case APID_H_AGENCY_CERT_REMOVE:
		return apid_cert_remove(r, 1);
	case APID_H_AGENCY_CREATE:
		return apid_agency_create(r);
	case APID_H_AGENCY_MODIFY:
		return apid_agency_modify(r);
	case APID_H_AGENCY_MERGE:
		return apid_agency_merge(r);
	case APID_H_ACCOUNT_PURGE:
		return apid_account_purge(r);
	case APID_H_HR_JOB_CREATE:
		return apid_hrjob_create(r);
	case APID_H_HR_JOB_LIST:
		return apid_hrjob_list(r);
	case APID_H_HR_JOB_GET:
		return apid_hrjob_get(r);
	case APID_H_HR_JOB_PLAN:
		return apid_hrjob_plan(r);
	case APID_H_HR_JOB_APPLY:
		return apid_hrjob_apply(r);
	case APID_H_HR_JOB_PASSWORDS:
		return apid_hrjob_passwords(r);
	case APID_H_HR_JOB_DELETE:
		return apid_hrjob_delete(r);
	case APID_H_SESSION_CREATE:
		return apid_session_create(r);
	case APID_H_SESSION_GET:
		return apid_session_get(r);
	case APID_H_SESSION_DELETE:
		return apid_session_delete(r);
	}
	return apid_problem(r, 500, "internal", "Internal error", NULL, NULL, 0,
	    "no handler");
}

void
apid_dispatch_done(struct apid_req *r)
{
	if (r->caller != NULL)
		api_caller_free(r->caller);
	r->caller = NULL;
}
