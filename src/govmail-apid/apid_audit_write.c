/*
 * apid_audit_write.c — audit records of govmail-apid's changes that are
 * not account results (apid_accounts.c writes those): a change given as
 * LDAP modifications, as govmailctl records it, and a change whose outcome
 * cannot be known. The latter is the directory falling silent (timeout,
 * connection lost) while a request's operation was under way: its write
 * may have reached the server and been made, or not. The API then says so
 * (503 "outcome-unknown", not "nothing was changed") and the audit log gets
 * the attempt with result "unknown", so that a change made without its
 * answer is not missing from the trail.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_resources.h"
#include "audit_log.h"
#include "dir.h"
#include "log.h"

void
apid_audit_mods(struct apid_req *r, struct audit_log *al, const char *op,
    const char *target, const char *dn, const struct dir_mods *m, const char *extra)
{
	const char *names[64];
	char source[200];
	size_t n = 0;

	if (m != NULL)
		n = dir_mods_attr_names(m, names, 64);
	snprintf(source, sizeof(source), "api %s%s%s", r->client, extra != NULL ? " " : "",
	    extra != NULL ? extra : "");
	if (audit_record(al, op, target, dn, names, n, source, "ok") != 0)
		log_warnx("%s %s was done but the audit log write failed: %s", op, target,
		    strerror(errno));
}

int
apid_write_unknown(struct apid_req *r, struct audit_log *al, const char *op,
    const char *target, const char *dn, int st, int *ret)
{
	char source[96];

	if (st != DIR_UNAVAILABLE)
		return 0;
	snprintf(source, sizeof(source), "api %s", r->client);
	if (audit_record(al, op, target, dn, NULL, 0, source, "unknown") != 0)
		log_warnx("%s %s: outcome unknown, and the audit log write failed: %s", op,
		    target, strerror(errno));
	if (audit_close(al) != 0)
		log_warnx("audit log close failed");
	log_warnx("%s %s by %s from %s: the directory stopped answering during the "
	    "change (%s); it may or may not have been made", op, target, r->caller->actor,
	    r->client, r->dir != NULL ? dir_error(r->dir) : "no connection");
	*ret = apid_problem(r, 503, "outcome-unknown", "Outcome unknown", NULL, NULL, 0,
	    "the directory stopped answering during the change: it may or may not have "
	    "been made; read the %s before sending it again", target);
	return 1;
}
