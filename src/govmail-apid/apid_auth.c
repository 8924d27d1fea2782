/*
 * apid_auth.c — authentication of govmail-apid's callers (apid_auth.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_auth.h"
#include "apid_authcache.h"
#include "apid_router.h"
#include "apid_session.h"
#include "base64.h"
#include "dir.h"
#include "dir_account.h"
#include "log.h"
#include "xmalloc.h"

static int
apid_unauthorized(struct apid_req *r, const char *why)
{
	/* the log says why; the answer does not (no oracle for guessers) */
	log_info("%s %s: client %s: not authenticated: %s", r->method, r->route->pattern,
	    r->client, why);
	if (r->route != NULL && r->route->handler == APID_H_SESSION_CREATE)
		return apid_problem(r, 401, "unauthenticated", "Authentication required",
		    NULL, NULL, 0, "the address or the password is wrong");
	return apid_problem(r, 401, "unauthenticated", "Authentication required", NULL,
	    NULL, 0, "present an API token (Authorization: Bearer) or your govmail "
	    "address and password (Authorization: Basic)");
}

/*
 * A person: login (address, alias or uid) and password, checked by binding
 * as them, then their roles. With acct NULL (HTTP Basic, once per request)
 * a check made a moment ago with this very password is taken from the
 * credential cache (apid_authcache.h); with acct (a session being opened,
 * apid_session.c) the bind is always done and the account is returned.
 */
int
apid_auth_person(struct apid_req *r, const char *login, const char *password,
    struct account **acct, int *ret)
{
	char why[256], esc[200];
	struct account *a = NULL;
	struct dir *d;
	unsigned long gen;
	int st;

	if (acct != NULL)
		*acct = NULL;
	/* verified a moment ago with this very password (apid_authcache.h) */
	if (acct == NULL && apid_person_cached(r, login, password, &r->caller) == 0)
		return 0;
	gen = apid_person_gen(r);
	if ((d = apid_dir(r)) == NULL) {
		*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "authentication");
		return -1;
	}
	log_escape(esc, sizeof(esc), login, 120);
	st = dir_account_get(d, login, &a);
	if (st == DIR_OK) {
		st = dir_check_bind(d, a->dn, password);
		if (st == DIR_OK) {
			st = api_person_caller(d, a->dn, &r->caller, why, sizeof(why));
			if (st == DIR_OK)
				apid_person_remember(r, login, password, r->caller, gen);
		} else
			snprintf(why, sizeof(why), "wrong password");
	} else if (st == DIR_NOT_FOUND) {
		st = DIR_DENIED;
		snprintf(why, sizeof(why), "no such account");
	}
	if (st == DIR_UNAVAILABLE) {
		account_free(a);
		*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "authentication");
		return -1;
	}
	if (st == DIR_DENIED && r->caller == NULL && a != NULL &&
	    strcmp(why, "wrong password") != 0) {
		/* the password was right but the person has no role */
		log_info("%s %s: client %s: %s: %s", r->method, r->route->pattern, r->client,
		    esc, why);
		account_free(a);
		*ret = apid_problem(r, 403, "forbidden", "Forbidden", NULL, "no-role", 0,
		    "this account has no role in the API");
		return -1;
	}
	if (st != DIR_OK) {
		char msg[512];

		account_free(a);
		snprintf(msg, sizeof(msg), "%s: %s", esc, why);
		*ret = apid_unauthorized(r, msg);
		return -1;
	}
	if (acct != NULL)
		*acct = a;
	else
		account_free(a);
	return 0;
}

/* HTTP Basic: base64 of "login:password". */
static int
apid_auth_basic(struct apid_req *r, const char *b64, int *ret)
{
	unsigned char *raw;
	char *colon;
	size_t n, len = strlen(b64);
	int rc;

	if (len > 4096) {
		*ret = apid_unauthorized(r, "Basic credentials too long");
		return -1;
	}
	raw = xmalloc(BASE64_DECODED_MAX(len) + 1);
	n = base64_decode_mime(b64, len, raw);
	raw[n] = '\0';
	if (memchr(raw, '\0', n) != NULL || (colon = strchr((char *)raw, ':')) == NULL ||
	    colon == (char *)raw || colon[1] == '\0') {
		explicit_bzero(raw, n);
		free(raw);
		*ret = apid_unauthorized(r, "malformed Basic credentials");
		return -1;
	}
	*colon = '\0';
	rc = apid_auth_person(r, (char *)raw, colon + 1, NULL, ret);
	explicit_bzero(raw, n);
	free(raw);
	return rc;
}

int
apid_authenticate(struct apid_req *r, int *ret)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    "Authorization");
	char why[256];
	int st;

	if (h == NULL) {
		/* a browser's console: the session cookie (apid_session.h) */
		if ((st = apid_session_authenticate(r, ret)) <= 0)
			return st;
		*ret = apid_unauthorized(r, "no Authorization header");
		return -1;
	}
	if (strncasecmp(h, "Basic ", 6) == 0)
		return apid_auth_basic(r, h + 6, ret);
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		*ret = apid_unauthorized(r, "unknown Authorization scheme");
		return -1;
	}
	why[0] = '\0';
	st = apid_token_check(r, h + 7, &r->caller, why, sizeof(why));
	if (st == DIR_UNAVAILABLE) {
		*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "authentication");
		return -1;
	}
	if (st != DIR_OK) {
		char esc[300];

		log_escape(esc, sizeof(esc), why, 250);
		*ret = apid_unauthorized(r, esc);
		return -1;
	}
	return 0;
}

int
apid_allowed(struct apid_req *r, int op, const char *agency_dn, char *rule,
    size_t rulelen)
{
	rule[0] = '\0';
	return api_authz_check(r->caller, (enum api_op)op, agency_dn, rule, rulelen);
}
