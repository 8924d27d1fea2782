/*
 * auth_ldap.c — AUTH against LDAP (see auth_ldap.h). One directory
 * connection, as govmaild's identity, is shared by all sessions under a
 * mutex (libldap handles are not for concurrent use) and reopened when it
 * fails or the ldap { } settings change on reload; the bind as the user
 * is a separate short connection (dir_check_bind).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_ldap.h"
#include "conf.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_schema.h"
#include "xmalloc.h"

static pthread_mutex_t auth_ldap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dir *auth_ldap_dir;
static char *auth_ldap_key;      /* the ldap { } settings it was opened with */

/* What identifies the directory settings (reopen when it changes). */
static char *
auth_ldap_settings(const struct govmail_conf *c)
{
	return xasprintf("%s|%s|%s|%d|%s|%d", c->ldap_uri, c->ldap_bind_dn,
	    c->ldap_bind_password_file, c->ldap_sasl_external, c->ldap_base_dn,
	    c->ldap_starttls);
}

static void
auth_ldap_close_locked(void)
{
	if (auth_ldap_dir != NULL)
		dir_close(auth_ldap_dir);
	auth_ldap_dir = NULL;
	free(auth_ldap_key);
	auth_ldap_key = NULL;
}

/* The shared connection, (re)opened if needed. NULL with why. */
static struct dir *
auth_ldap_get_locked(const struct govmail_conf *c, char *why, size_t whylen)
{
	char *key = auth_ldap_settings(c), err[512];
	int code;

	if (auth_ldap_dir != NULL && strcmp(key, auth_ldap_key) != 0)
		auth_ldap_close_locked();
	if (auth_ldap_dir == NULL) {
		auth_ldap_dir = dir_open(c, err, sizeof(err), &code);
		if (auth_ldap_dir == NULL) {
			snprintf(why, whylen, "directory unavailable: %s", err);
			free(key);
			return NULL;
		}
		auth_ldap_key = key;
		return auth_ldap_dir;
	}
	free(key);
	return auth_ldap_dir;
}

enum auth_result
auth_ldap_check(const struct govmail_conf *c, const char *login,
    const char *password, char *account, size_t alen, char *why, size_t whylen)
{
	struct dir_entry *e = NULL;
	enum dir_status st = DIR_UNAVAILABLE;
	enum auth_result res;
	const char *status, *mail;
	struct dir *d;
	int attempt;

	account[0] = '\0';
	if (*password == '\0') {
		/* An empty password would be an anonymous bind, which succeeds. */
		snprintf(why, whylen, "empty password");
		return AUTH_DENIED;
	}
	pthread_mutex_lock(&auth_ldap_lock);
	for (attempt = 0; attempt < 2; attempt++) {
		if ((d = auth_ldap_get_locked(c, why, whylen)) == NULL) {
			pthread_mutex_unlock(&auth_ldap_lock);
			return AUTH_TEMPFAIL;
		}
		st = dir_account_find(d, login, &e);
		if (st != DIR_UNAVAILABLE)
			break;
		auth_ldap_close_locked();   /* stale connection: reopen once */
	}
	if (st == DIR_NOT_FOUND) {
		snprintf(why, whylen, "no such account");
		res = AUTH_DENIED;
	} else if (st != DIR_OK) {
		snprintf(why, whylen, "account lookup failed: %s",
		    d != NULL ? dir_error(d) : "?");
		if (st == DIR_UNAVAILABLE)
			auth_ldap_close_locked();
		res = AUTH_TEMPFAIL;
	} else {
		status = dir_entry_get(e, DIR_AT_ACCOUNT_STATUS);
		mail = dir_entry_get(e, DIR_AT_MAIL);
		st = dir_check_bind(d, e->dn, password);
		if (st == DIR_OK && status != NULL && strcmp(status, DIR_STATUS_ACTIVE) == 0) {
			snprintf(why, whylen, "ok");
			snprintf(account, alen, "%s", mail ? mail : login);
			res = AUTH_OK;
		} else if (st == DIR_OK || st == DIR_DENIED) {
			snprintf(why, whylen, "%s (account status %s)",
			    st == DIR_OK ? "account not active" : "bind refused",
			    status ? status : "unknown");
			res = AUTH_DENIED;
		} else {
			snprintf(why, whylen, "bind check failed: %s", dir_error(d));
			res = AUTH_TEMPFAIL;
		}
	}
	pthread_mutex_unlock(&auth_ldap_lock);
	dir_entry_free(e);
	return res;
}

void
auth_ldap_shutdown(void)
{
	pthread_mutex_lock(&auth_ldap_lock);
	auth_ldap_close_locked();
	pthread_mutex_unlock(&auth_ldap_lock);
}
