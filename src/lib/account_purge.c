/*
 * account_purge.c — removing an account for good (dir_account.h): only a
 * disabled account, and only once accounts.retention_days have passed
 * since it was disabled unless the caller forces it. The rule lives here
 * so govmailctl and govmail-apid refuse alike.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dir_account.h"
#include "dir_schema.h"
#include "gentime.h"

/* Seconds from a GeneralizedTime YYYYMMDDHHMMSSZ to now, or -1. */
static long long
account_age_seconds(const char *gt, time_t now)
{
	time_t t = gentime_parse(gt);

	return t == (time_t)-1 ? -1 : (long long)(now - t);
}

int
account_purge_allowed(const struct account *a, int retention_days, int force,
    time_t now, char *err, size_t errlen)
{
	long long age = account_age_seconds(a->status_changed, now);
	long long keep = (long long)retention_days * 86400;

	if (a->status == NULL || strcmp(a->status, DIR_STATUS_DISABLED) != 0) {
		snprintf(err, errlen, "%s is %s: only disabled accounts can be purged",
		    a->address, a->status != NULL ? a->status : "?");
		return -1;
	}
	if (!force && (age < 0 || age < keep)) {
		snprintf(err, errlen, "%s was disabled %lld days ago; the retention period "
		    "is %d days", a->address, age < 0 ? 0 : age / 86400, retention_days);
		return -1;
	}
	return 0;
}

enum dir_status
account_purge(struct dir *d, const struct account *a, int retention_days, int force,
    char *err, size_t errlen)
{
	enum dir_status st;

	if (account_purge_allowed(a, retention_days, force, time(NULL), err, errlen) != 0)
		return DIR_CONSTRAINT;
	if ((st = dir_delete(d, a->dn)) != DIR_OK)
		snprintf(err, errlen, "%s", dir_error(d));
	return st;
}
