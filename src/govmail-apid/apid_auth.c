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
	return apid_problem(r, 401, "unauthenticated", "Authentication required", NULL,
	    NULL, 0, "present an API token (Authorization: Bearer) or your govmail "
	    "address and password (Authorization: Basic)");
}

/* A person: address and password, checked by binding as them. */
static int
apid_auth_basic(struct apid_req *r, const char *b64, int *ret)
{
	unsigned char *raw;
	char *colon, why[256], esc[200];
	struct account *a = NULL;
	struct dir *d;
	size_t n, len = strlen(b64);
	unsigned long gen;
	int st;

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
	/* verified a moment ago with this very password (apid_authcache.h) */
	if (apid_person_cached(r, (char *)raw, colon + 1, &r->caller) == 0) {
		explicit_bzero(raw, n);
		free(raw);
		return 0;
	}
	gen = apid_person_gen(r);
	if ((d = apid_dir(r)) == NULL) {
		explicit_bzero(raw, n);
		free(raw);
		*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "authentication");
		return -1;
	}
	log_escape(esc, sizeof(esc), (char *)raw, 120);
	st = dir_account_get(d, (char *)raw, &a);
	if (st == DIR_OK) {
		st = dir_check_bind(d, a->dn, colon + 1);
		if (st == DIR_OK) {
			st = api_person_caller(d, a->dn, &r->caller, why, sizeof(why));
			if (st == DIR_OK)
				apid_person_remember(r, (char *)raw, colon + 1, r->caller, gen);
		} else
			snprintf(why, sizeof(why), "wrong password");
	} else if (st == DIR_NOT_FOUND) {
		st = DIR_DENIED;
		snprintf(why, sizeof(why), "no such account");
	}
	explicit_bzero(raw, n);
	free(raw);
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
	account_free(a);
	if (st != DIR_OK) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s: %s", esc, why);
		*ret = apid_unauthorized(r, msg);
		return -1;
	}
	return 0;
}

int
apid_authenticate(struct apid_req *r, int *ret)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    "Authorization");
	char why[256];
	int st;

	if (h == NULL) {
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
