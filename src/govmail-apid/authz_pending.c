/*
 * authz_pending.c — TEMPORARY, until the authorisation layer of src/lib
 * (api_authz.h, built on its own branch) is merged: every caller is
 * refused (tokens and people alike are unauthenticated or have no role),
 * so nothing beyond the public routes can be reached. Deleted by the merge
 * that brings src/lib/api_authz*.c.
 */
#include <stdio.h>

#include "api_authz.h"

void
api_caller_free(struct api_caller *c)
{
	(void)c;
}

int
api_authz_check(const struct api_caller *c, enum api_op op,
    const char *target_agency_dn, char *rule, size_t rulelen)
{
	(void)c;
	(void)op;
	(void)target_agency_dn;
	snprintf(rule, rulelen, "authorisation not built in");
	return 0;
}

int
api_authz_visible(const struct api_caller *c, const char *agency_dn)
{
	(void)c;
	(void)agency_dn;
	return 0;
}

enum dir_status
api_token_verify(struct dir *d, const char *presented, const char *client_addr,
    time_t now, struct api_caller **out, char *why, size_t whylen)
{
	(void)d;
	(void)presented;
	(void)client_addr;
	(void)now;
	*out = NULL;
	snprintf(why, whylen, "tokens not built in");
	return DIR_DENIED;
}

enum dir_status
api_person_caller(struct dir *d, const char *person_dn, struct api_caller **out,
    char *why, size_t whylen)
{
	(void)d;
	(void)person_dn;
	*out = NULL;
	snprintf(why, whylen, "roles not built in");
	return DIR_DENIED;
}
