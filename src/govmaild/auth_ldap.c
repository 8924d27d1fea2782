/*
 * auth_ldap.c — AUTH against LDAP (see auth_ldap.h). The account is found
 * on govmaild's shared directory connection (lookup.c), never from the
 * cache: the status must be current. The bind as the user is a separate
 * short connection (dir_check_bind).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_ldap.h"
#include "conf.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_schema.h"     /* status values only */
#include "lookup.h"

struct auth_ldap_q {
	const char *login, *password;
	int found;
	enum dir_status bind;
	char dn[512], mail[256], status[16], error[256];
};

static enum dir_status
auth_ldap_fn(struct dir *d, void *arg)
{
	struct auth_ldap_q *q = arg;
	struct account *a = NULL;
	enum dir_status st = dir_account_get(d, q->login, &a);

	q->found = 0;
	if (st == DIR_NOT_FOUND)
		return DIR_OK;
	if (st != DIR_OK)
		return st;
	q->found = 1;
	snprintf(q->dn, sizeof(q->dn), "%s", a->dn);
	snprintf(q->mail, sizeof(q->mail), "%s", a->address);
	snprintf(q->status, sizeof(q->status), "%s", a->status ? a->status : "unknown");
	account_free(a);
	q->bind = dir_check_bind(d, q->dn, q->password);
	snprintf(q->error, sizeof(q->error), "%s", q->bind == DIR_OK ? "" : dir_error(d));
	/* the lookup itself worked; the bind's outcome is in q->bind */
	return DIR_OK;
}

enum auth_result
auth_ldap_check(const struct govmail_conf *c, const char *login,
    const char *password, char *account, size_t alen, char *why, size_t whylen)
{
	struct auth_ldap_q q;
	char err[512];

	account[0] = '\0';
	if (*password == '\0') {
		/* An empty password would be an anonymous bind, which succeeds. */
		snprintf(why, whylen, "empty password");
		return AUTH_DENIED;
	}
	memset(&q, 0, sizeof(q));
	q.login = login;
	q.password = password;
	if (lookup_with_dir(c, auth_ldap_fn, &q, err, sizeof(err)) != DIR_OK) {
		snprintf(why, whylen, "account lookup failed: %s", err);
		return AUTH_TEMPFAIL;
	}
	if (!q.found) {
		snprintf(why, whylen, "no such account");
		return AUTH_DENIED;
	}
	if (q.bind == DIR_OK && strcmp(q.status, DIR_STATUS_ACTIVE) == 0) {
		snprintf(why, whylen, "ok");
		snprintf(account, alen, "%s", q.mail[0] ? q.mail : login);
		return AUTH_OK;
	}
	if (q.bind == DIR_OK || q.bind == DIR_DENIED) {
		snprintf(why, whylen, "%s (account status %s)",
		    q.bind == DIR_OK ? "account not active" : "bind refused", q.status);
		return AUTH_DENIED;
	}
	snprintf(why, whylen, "bind check failed: %s", q.error);
	return AUTH_TEMPFAIL;
}
