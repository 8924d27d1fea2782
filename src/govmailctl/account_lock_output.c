/*
 * account_lock_output.c — the login lock of an account as govmailctl shows
 * it (see account_lock_output.h). Times are GeneralizedTime (UTC), as the
 * other times of account show.
 */
#include <string.h>
#include <time.h>

#include "account_lock_output.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_account_lock.h"
#include "json_writer.h"

/* The policy of the account being shown was read (account show). */
static int lock_policy_known;

void
account_lock_prepare(struct dir *d, struct account *a)
{
	struct dir_lock_policy p;

	/* Unknown policy (not readable, none): the lock is still shown. */
	lock_policy_known = dir_lock_policy_at(d, a->policy_dn, &p) == DIR_OK;
	if (lock_policy_known)
		dir_lock_refine(&a->lock, &p, time(NULL));
}

void
account_lock_print_text(const struct account *a, FILE *fp)
{
	const struct dir_lock_state s = a->lock;

	switch (s.kind) {
	case DIR_LOCK_ADMIN:
		fprintf(fp, "%-22sby an administrator since %s: %s\n", "locked:",
		    s.since[0] ? s.since : "(unknown)", s.reason[0] ? s.reason : "(no reason)");
		break;
	case DIR_LOCK_FAILURES:
		fprintf(fp, "%-22safter %zu failed logins, since %s until %s\n", "locked:",
		    s.failures, s.since, s.until[0] ? s.until :
		    (lock_policy_known ? "unlocked (account unlock)" : "(unknown)"));
		break;
	case DIR_LOCK_EXPIRED:
		fprintf(fp, "%-22sno (a lockout of %s ended at %s)\n", "locked:", s.since,
		    s.until);
		break;
	case DIR_LOCK_NONE:
		break;
	}
	if (s.failures > 0)
		fprintf(fp, "%-22s%zu, the last at %s\n", "failed logins:", s.failures,
		    s.last_failure);
}

void
account_lock_print_json(const struct account *a, struct json_writer *w)
{
	const struct dir_lock_state s = a->lock;

	json_key(w, "locked");
	if (s.kind == DIR_LOCK_NONE || s.kind == DIR_LOCK_EXPIRED)
		json_null(w);
	else {
		json_begin_object(w);
		json_key(w, "by");
		json_string(w, s.kind == DIR_LOCK_ADMIN ? "administrator" : "failed-logins");
		json_key(w, "since");
		json_string(w, s.since[0] ? s.since : NULL);
		if (s.kind == DIR_LOCK_ADMIN) {
			json_key(w, "reason");
			json_string(w, s.reason);
		} else {
			json_key(w, "until");
			json_string(w, s.until[0] ? s.until : NULL);
		}
		json_end_object(w);
	}
	json_key(w, "failed_logins");
	json_int(w, (long long)s.failures);
}

const char *
account_lock_suffix(const struct account *a)
{
	return (a->lock.kind == DIR_LOCK_ADMIN || a->lock.kind == DIR_LOCK_FAILURES) ?
	    "+locked" : "";
}
