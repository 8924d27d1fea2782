/*
 * dir_agency_external.c — one agency's own answer to "may its people send
 * outside the government domains?" and its parent, the step govmaild takes
 * walking up the agency tree for an account that does not decide itself
 * (see dir_agency.h). Kept apart from dir_agency.c: this is the relay's
 * read path, one base-scope read, no validation.
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "dir_agency.h"
#include "dir_schema.h"

enum dir_status
dir_agency_external(struct dir *d, const char *code, int *may, char *parent,
    size_t plen)
{
	static const char *const attrs[] = { DIR_AT_MAY_SEND_EXTERNAL,
		DIR_AT_PARENT_AGENCY, NULL };
	struct dir_entry *e = NULL;
	enum dir_status st;
	const char *v;
	char *dn;

	*may = -1;
	if (plen > 0)
		*parent = '\0';
	if ((dn = dir_agency_dn(d, code)) == NULL)
		return DIR_OK;
	st = dir_search_one(d, dn, LDAP_SCOPE_BASE, "(objectClass=" DIR_OC_AGENCY ")",
	    attrs, &e);
	free(dn);
	if (st == DIR_OK) {
		if ((v = dir_entry_get(e, DIR_AT_MAY_SEND_EXTERNAL)) != NULL)
			*may = strcasecmp(v, "TRUE") == 0;
		if ((v = dir_entry_get(e, DIR_AT_PARENT_AGENCY)) != NULL)
			snprintf(parent, plen, "%s", v);
	}
	dir_entry_free(e);
	return st == DIR_NOT_FOUND ? DIR_OK : st;
}
