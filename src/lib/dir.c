/*
 * dir.c — LDAP connection, paged search and writes (see dir.h).
 * All operations are synchronous with the configured timeout; the server's
 * diagnostic message is kept so the CLI can show what slapd said.
 * With several servers configured (ldap.uri, ldap.read_uri) a connection
 * goes to the first one that answers, skipping those that failed lately
 * (dir_failover.c); a server that fails during an operation is marked so,
 * and the caller's reconnect goes to the next one.
 */
#include <errno.h>
#include <ldap.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sasl/sasl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "dir.h"
#include "dir_escape.h"
#include "dir_failover.h"
#include "dir_schema.h"
#include "xmalloc.h"

/*
 * Unbinding writes an UnbindRequest, and writing to a server that died
 * raises SIGPIPE: that must not kill the process (govmailctl keeps
 * SIGPIPE's default action for its own output, so "| head" ends it).
 * SIGPIPE is blocked in this thread for the unbind and one it raised is
 * dropped.
 */
static void
dir_unbind(LDAP *ld)
{
	sigset_t pipe, old;
	struct timespec zero = { 0, 0 };

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	ldap_unbind_ext_s(ld, NULL, NULL);
	if (!sigismember(&old, SIGPIPE)) {
		while (sigtimedwait(&pipe, NULL, &zero) == SIGPIPE)
			;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
}

struct dir {
	LDAP *ld;
	char *uri;              /* the server this connection is on */
	struct dir_uris uris;   /* the servers it may use, preferred first */
	struct dir_uris wuris;  /* the providers (ldap.uri): binds of AUTH */
	int retry_after;        /* ldap.retry_after */
	const char *trying;     /* while connecting elsewhere: blamed by dir_fail */
	char *base;
	char *bound_as;
	int page_size;
	int timeout;
	int network_timeout;
	int starttls;
	int use_tls;            /* ldaps:// or StartTLS: set TLS options */
	char *tls_ca_file;      /* NULL = libldap's default */
	int tls_require_cert;   /* LDAP_OPT_X_TLS_* */
	enum dir_status last;
	char err[1024];
};

struct dir_mod {
	enum dir_mod_op op;
	char *attr;
	char **vals;
	size_t *lens;
	size_t nvals;
};

struct dir_mods {
	struct dir_mod *v;
	size_t n;
};

static enum dir_status
dir_classify(int rc)
{
	switch (rc) {
	case LDAP_SUCCESS:
		return DIR_OK;
	case LDAP_NO_SUCH_OBJECT:
		return DIR_NOT_FOUND;
	case LDAP_ALREADY_EXISTS:
		return DIR_EXISTS;
	case LDAP_CONSTRAINT_VIOLATION:
	case LDAP_OBJECT_CLASS_VIOLATION:
	case LDAP_TYPE_OR_VALUE_EXISTS:
	case LDAP_INVALID_SYNTAX:
	case LDAP_UNDEFINED_TYPE:
	case LDAP_NOT_ALLOWED_ON_NONLEAF:
		return DIR_CONSTRAINT;
	case LDAP_INVALID_CREDENTIALS:
	case LDAP_INSUFFICIENT_ACCESS:
	case LDAP_REFERRAL:                 /* a read-only replica: see dir_fail */
	case LDAP_INAPPROPRIATE_AUTH:
	case LDAP_UNWILLING_TO_PERFORM:     /* e.g. unauthenticated bind refused */
	case LDAP_STRONG_AUTH_REQUIRED:
	case LDAP_CONFIDENTIALITY_REQUIRED:
		return DIR_DENIED;
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
	case LDAP_TIMEOUT:
	case LDAP_TIMELIMIT_EXCEEDED:
	case LDAP_BUSY:
	case LDAP_UNAVAILABLE:
		return DIR_UNAVAILABLE;
	case LDAP_ASSERTION_FAILED:         /* dir_modify_if: changed since read */
		return DIR_CHANGED;
	default:
		return DIR_ERROR;
	}
}

int
dir_status_exit(enum dir_status st)
{
	switch (st) {
	case DIR_OK: return EX_OK;
	case DIR_NOT_FOUND: return EX_NOUSER;
	case DIR_EXISTS: return EX_DATAERR;
	case DIR_CONSTRAINT: return EX_DATAERR;
	case DIR_DENIED: return EX_NOPERM;
	case DIR_UNAVAILABLE: return EX_UNAVAILABLE;
	case DIR_ERROR: return EX_SOFTWARE;
	case DIR_CHANGED: return EX_TEMPFAIL;
	}
	return EX_SOFTWARE;
}

/*
 * The answer to msgid, waited for as "any message" (LDAP_RES_ANY): that is
 * what the ..._s calls of libldap do with msgid itself, except for an RFC
 * 4511 Notice of Disconnection, whose message libldap 2.5 then drops
 * without freeing it (a 117-byte leak at every server that says goodbye
 * that way, issue 17). Waited for as any message, the notice comes back
 * as a message (id 0): freed here and reported with its result code, the
 * connection being closed by the server. Answers to other ids (a request
 * abandoned after a timeout) are freed and skipped. LDAP_SUCCESS with
 * *res (for a search, the whole chain), or the error; tv NULL: the
 * handle's LDAP_OPT_TIMEOUT.
 */
static int
dir_wait(LDAP *ld, int msgid, struct timeval *tv, LDAPMessage **res)
{
	LDAPMessage *m;
	int rc, err;

	*res = NULL;
	for (;;) {
		m = NULL;
		rc = ldap_result(ld, LDAP_RES_ANY, LDAP_MSG_ALL, tv, &m);
		if (rc == 0) {
			ldap_msgfree(m);
			ldap_abandon_ext(ld, msgid, NULL, NULL);
			err = LDAP_TIMEOUT;
			ldap_set_option(ld, LDAP_OPT_RESULT_CODE, &err);
			return LDAP_TIMEOUT;
		}
		if (rc < 0 || m == NULL) {
			ldap_msgfree(m);
			err = LDAP_SERVER_DOWN;
			ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &err);
			return err != LDAP_SUCCESS ? err : LDAP_SERVER_DOWN;
		}
		if (ldap_msgid(m) == msgid) {
			*res = m;
			return LDAP_SUCCESS;
		}
		if (ldap_msgid(m) == LDAP_RES_UNSOLICITED) {
			err = LDAP_UNAVAILABLE;
			if (ldap_parse_result(ld, m, &err, NULL, NULL, NULL, NULL, 1) != LDAP_SUCCESS ||
			    err == LDAP_SUCCESS)
				err = LDAP_UNAVAILABLE;
			ldap_set_option(ld, LDAP_OPT_RESULT_CODE, &err);
			return err;
		}
		ldap_msgfree(m);
	}
}

/* The result code of the answer to msgid (rc: what sending it gave). */
static int
dir_finish(LDAP *ld, int rc, int msgid, struct timeval *tv)
{
	LDAPMessage *res;
	int err = LDAP_OTHER;

	if (rc != LDAP_SUCCESS)
		return rc;
	if ((rc = dir_wait(ld, msgid, tv, &res)) != LDAP_SUCCESS)
		return rc;
	rc = ldap_parse_result(ld, res, &err, NULL, NULL, NULL, NULL, 1);
	return rc != LDAP_SUCCESS ? rc : err;
}

/* A simple bind, like ldap_sasl_bind_s (see dir_wait). */
static int
dir_simple_bind(LDAP *ld, const char *dn, struct berval *cred)
{
	int msgid = -1, rc;

	rc = ldap_sasl_bind(ld, dn, LDAP_SASL_SIMPLE, cred, NULL, NULL, &msgid);
	return dir_finish(ld, rc, msgid, NULL);
}

/* A search, like ldap_search_ext_s (see dir_wait): LDAP_SUCCESS, or the
 * error, with *res the answer when there is one. */
static int
dir_search_wait(LDAP *ld, const char *base, int scope, const char *filter,
    char **attrs, LDAPControl **ctrls, struct timeval *tv, LDAPMessage **res)
{
	int msgid = -1, rc, err = LDAP_OTHER;

	*res = NULL;
	rc = ldap_search_ext(ld, base, scope, filter, attrs, 0, ctrls, NULL, tv,
	    LDAP_NO_LIMIT, &msgid);
	if (rc != LDAP_SUCCESS)
		return rc;
	if ((rc = dir_wait(ld, msgid, tv, res)) != LDAP_SUCCESS)
		return rc;
	rc = ldap_parse_result(ld, *res, &err, NULL, NULL, NULL, NULL, 0);
	return rc != LDAP_SUCCESS ? rc : err;
}

/* Record rc (with the server's diagnostic) as the last error; returns class. */
static enum dir_status
dir_fail(struct dir *d, LDAP *ld, int rc, const char *what)
{
	const char *uri = d->trying != NULL ? d->trying : d->uri;
	char *diag = NULL;

	if (ld != NULL)
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	snprintf(d->err, sizeof(d->err), "%s: %s%s%s", what, ldap_err2string(rc),
	    diag && *diag ? " (" : "", diag && *diag ? diag : "");
	if (diag && *diag)
		strncat(d->err, ")", sizeof(d->err) - strlen(d->err) - 1);
	ldap_memfree(diag);
	/* A consumer refers writes to a provider; following the referral
	 * blindly would write with our credentials wherever it points. */
	if (rc == LDAP_REFERRAL && uri != NULL) {
		size_t n = strlen(d->err);

		snprintf(d->err + n, sizeof(d->err) - n, " (%s is a read-only replica; "
		    "ldap.uri must list the providers)", uri);
	}
	d->last = dir_classify(rc);
	/* The server failed: the next connection goes to another one. */
	if (d->last == DIR_UNAVAILABLE && uri != NULL && d->uris.n > 1) {
		dir_failover_mark_down(uri, d->retry_after);
		dir_failover_note("LDAP server %s failed (%s): skipped for %d s", uri,
		    ldap_err2string(rc), d->retry_after);
	}
	return d->last;
}

static void
dir_set_ok(struct dir *d)
{
	d->last = DIR_OK;
	d->err[0] = '\0';
}

/*
 * TLS settings of this connection only. A new libldap handle shares the
 * process-wide TLS context made from /etc/ldap/ldap.conf, ~/.ldaprc and
 * LDAPTLS_* variables, which another program's administrator may have
 * set; LDAP_OPT_X_TLS_NEWCTX gives the handle a context of its own, built
 * from scratch from the handle's options: the configured CA file (or, with
 * ldap.tls_ca_file = "", libldap's default CA file and directory), the
 * cipher suite and minimum protocol libldap's defaults name, and always
 * the configured certificate check.
 */
static int
dir_set_tls(struct dir *d, LDAP *ld)
{
	static const int inherit[] = { LDAP_OPT_X_TLS_CACERTFILE, LDAP_OPT_X_TLS_CACERTDIR,
	    LDAP_OPT_X_TLS_CIPHER_SUITE };
	int is_server = 0, rc = LDAP_OPT_SUCCESS, protomin = 0;
	size_t i;
	char *s;

	for (i = 0; rc == LDAP_OPT_SUCCESS && i < sizeof(inherit) / sizeof(inherit[0]); i++) {
		if (d->tls_ca_file != NULL && inherit[i] != LDAP_OPT_X_TLS_CIPHER_SUITE)
			continue;
		s = NULL;
		if (ldap_get_option(NULL, inherit[i], &s) == LDAP_OPT_SUCCESS && s != NULL)
			rc = ldap_set_option(ld, inherit[i], s);
		ldap_memfree(s);
	}
	if (rc == LDAP_OPT_SUCCESS &&
	    ldap_get_option(NULL, LDAP_OPT_X_TLS_PROTOCOL_MIN, &protomin) == LDAP_OPT_SUCCESS &&
	    protomin > 0)
		rc = ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &protomin);
	if (rc == LDAP_OPT_SUCCESS && d->tls_ca_file != NULL)
		rc = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, d->tls_ca_file);
	if (rc == LDAP_OPT_SUCCESS)
		rc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &d->tls_require_cert);
	if (rc == LDAP_OPT_SUCCESS)
		rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
	return rc;
}

/* TLS is used by ldaps:// and by StartTLS on ldap:// (not on ldapi://). */
static int
dir_uri_uses_tls(const struct dir *d, const char *uri)
{
	return (d->starttls && strncmp(uri, "ldap://", 7) == 0) ||
	    strncmp(uri, "ldaps://", 8) == 0;
}

/* New connection handle to uri with protocol v3 and the configured
 * timeouts. */
static int
dir_connect(struct dir *d, const char *uri, LDAP **out)
{
	struct timeval ntv = { d->network_timeout, 0 }, otv = { d->timeout, 0 };
	int v3 = LDAP_VERSION3, rc;
	LDAP *ld;

	*out = NULL;
	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS)
		return rc;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &ntv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &otv);
	if (dir_uri_uses_tls(d, uri) && dir_set_tls(d, ld) != LDAP_OPT_SUCCESS) {
		/* Reported like a failed TLS handshake: nothing was sent. */
		ldap_set_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE,
		    "cannot set up TLS with ldap.tls_ca_file / ldap.tls_require_cert");
		*out = ld;
		return LDAP_CONNECT_ERROR;
	}
	if (d->starttls && strncmp(uri, "ldap://", 7) == 0) {
		if ((rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
			*out = ld;
			return rc;
		}
	}
	*out = ld;
	return LDAP_SUCCESS;
}

/* Read the first line of a password file into a malloc'd string. */
static char *
dir_read_password(const char *path, char *err, size_t errlen)
{
	char buf[512];
	FILE *fp;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot read LDAP bind password file %s: %s",
		    path, strerror(errno));
		return NULL;
	}
	if (fgets(buf, sizeof(buf), fp) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "LDAP bind password file %s is empty", path);
		return NULL;
	}
	fclose(fp);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "the first line of LDAP bind password file %s is empty",
		    path);
		return NULL;
	}
	{
		char *pw = xstrdup(buf);

		OPENSSL_cleanse(buf, sizeof(buf));
		return pw;
	}
}

/* SASL interaction for EXTERNAL: no prompts, take the defaults. */
static int
dir_sasl_interact(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	sasl_interact_t *it = in;

	(void)ld;
	(void)flags;
	(void)defaults;
	for (; it != NULL && it->id != SASL_CB_LIST_END; it++) {
		it->result = it->defresult ? it->defresult : "";
		it->len = (unsigned)strlen(it->result);
	}
	return LDAP_SUCCESS;
}

/* ldap.tls_require_cert (checked by the loader) as libldap's constant. */
static int
dir_tls_require_cert(const char *s)
{
	if (strcmp(s, "never") == 0)
		return LDAP_OPT_X_TLS_NEVER;
	if (strcmp(s, "allow") == 0)
		return LDAP_OPT_X_TLS_ALLOW;
	if (strcmp(s, "try") == 0)
		return LDAP_OPT_X_TLS_TRY;
	if (strcmp(s, "hard") == 0)
		return LDAP_OPT_X_TLS_HARD;
	return LDAP_OPT_X_TLS_DEMAND;
}

/* Connect to uri and bind as configured (pw: the password, or NULL for SASL
 * EXTERNAL); 0, or -1 with the failure recorded in d (dir_fail). */
static int
dir_open_one(struct dir *d, const struct govmail_conf *c, const char *uri, const char *pw)
{
	struct berval cred = { 0, NULL };
	char what[700];
	LDAP *ld = NULL;
	int rc;

	d->trying = uri;
	rc = dir_connect(d, uri, &ld);
	if (rc == LDAP_SUCCESS) {
		if (c->ldap_sasl_external) {
			rc = ldap_sasl_interactive_bind_s(ld, NULL, "EXTERNAL", NULL, NULL,
			    LDAP_SASL_QUIET, dir_sasl_interact, NULL);
		} else {
			cred.bv_val = (char *)pw;
			cred.bv_len = strlen(pw);
			rc = dir_simple_bind(ld, c->ldap_bind_dn, &cred);
		}
	}
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "LDAP bind to %s as %s", uri,
		    c->ldap_sasl_external ? "SASL EXTERNAL" : c->ldap_bind_dn);
		dir_fail(d, ld, rc, what);
		d->trying = NULL;
		if (ld != NULL)
			dir_unbind(ld);
		return -1;
	}
	d->trying = NULL;
	d->ld = ld;
	free(d->uri);
	d->uri = xstrdup(uri);
	return 0;
}

/*
 * Open on the first server of d->uris that answers: those not marked as
 * failed first, in order, then the marked ones (better than giving up
 * without trying). Each failure is noted and marked; a connection on a
 * server that is not the first choice is noted too. The error reported
 * when none answers is the first that is not "unavailable" (a refused
 * password says more), else the last.
 */
static int
dir_open_any(struct dir *d, const struct govmail_conf *c, const char *pw)
{
	char first_err[sizeof(d->err)] = "";
	enum dir_status first_st = DIR_UNAVAILABLE;
	size_t pass, i;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d->uris.n; i++) {
			const char *u = d->uris.v[i];

			if (dir_failover_is_down(u) != (pass == 1))
				continue;
			if (dir_open_one(d, c, u, pw) == 0) {
				dir_failover_mark_up(u);
				if (i > 0)
					dir_failover_note("LDAP: using %s (%s is the first choice)",
					    u, d->uris.v[0]);
				return 0;
			}
			if (d->uris.n > 1 && d->last != DIR_UNAVAILABLE) {
				/* dir_fail marked only unavailable servers */
				dir_failover_mark_down(u, d->retry_after);
				dir_failover_note("LDAP server %s refused us (%s): skipped for %d s",
				    u, d->err, d->retry_after);
			}
			if (first_err[0] == '\0' && d->last != DIR_UNAVAILABLE) {
				snprintf(first_err, sizeof(first_err), "%s", d->err);
				first_st = d->last;
			}
		}
	if (first_err[0] != '\0') {
		snprintf(d->err, sizeof(d->err), "%s", first_err);
		d->last = first_st;
	}
	return -1;
}

/* The common part of dir_open and dir_open_read. */
static struct dir *
dir_open_list(const struct govmail_conf *c, int for_read, char *err, size_t errlen,
    int *exit_code)
{
	struct dir *d = xcalloc(1, sizeof(*d));
	char *pw = NULL, *pwfile;
	size_t i;
	int rc;

	if (for_read && c->ldap_read_uri != NULL)
		dir_uris_add(&d->uris, c->ldap_read_uri);
	dir_uris_add(&d->uris, c->ldap_uri);
	dir_uris_add(&d->wuris, c->ldap_uri);
	if (d->uris.n == 0) {
		snprintf(err, errlen, "ldap.uri lists no server");
		*exit_code = EX_CONFIG;
		dir_close(d);
		return NULL;
	}
	d->retry_after = c->ldap_retry_after > 0 ? c->ldap_retry_after : 60;
	d->base = xstrdup(c->ldap_base_dn);
	d->page_size = c->ldap_page_size;
	d->timeout = c->ldap_timeout;
	d->network_timeout = c->ldap_network_timeout;
	d->starttls = c->ldap_starttls;
	for (i = 0; i < d->uris.n; i++)
		d->use_tls |= dir_uri_uses_tls(d, d->uris.v[i]);
	d->tls_require_cert = dir_tls_require_cert(c->ldap_tls_require_cert);
	if (*c->ldap_tls_ca_file != '\0') {
		d->tls_ca_file = conf_resolve_path(c, c->ldap_tls_ca_file);
		/* A typo in the path would otherwise look like a bad certificate. */
		if (d->use_tls && access(d->tls_ca_file, R_OK) != 0) {
			snprintf(err, errlen, "cannot read LDAP TLS CA file %s (ldap.tls_ca_file): %s",
			    d->tls_ca_file, strerror(errno));
			*exit_code = EX_CONFIG;
			dir_close(d);
			return NULL;
		}
	}

	if (!c->ldap_sasl_external) {
		pwfile = conf_resolve_path(c, c->ldap_bind_password_file);
		pw = dir_read_password(pwfile, err, errlen);
		free(pwfile);
		if (pw == NULL) {
			*exit_code = EX_CONFIG;
			dir_close(d);
			return NULL;
		}
	}
	rc = dir_open_any(d, c, pw);
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s", d->err);
		*exit_code = dir_status_exit(d->last);
		dir_close(d);
		return NULL;
	}
	d->bound_as = xstrdup(c->ldap_sasl_external ? "SASL EXTERNAL" : c->ldap_bind_dn);
	dir_set_ok(d);
	*exit_code = EX_OK;
	return d;
}

struct dir *
dir_open(const struct govmail_conf *c, char *err, size_t errlen, int *exit_code)
{
	return dir_open_list(c, 0, err, errlen, exit_code);
}

struct dir *
dir_open_read(const struct govmail_conf *c, char *err, size_t errlen, int *exit_code)
{
	return dir_open_list(c, 1, err, errlen, exit_code);
}

const char *dir_uri(const struct dir *d) { return d->uri; }

int
dir_preferred_back(const struct dir *d)
{
	size_t i;

	for (i = 0; i < d->uris.n && strcmp(d->uris.v[i], d->uri) != 0; i++)
		if (!dir_failover_is_down(d->uris.v[i]))
			return 1;
	return 0;
}

/*
 * A new connection for a run whose server failed under it: the same
 * server list, the failed server now skipped (dir_fail marked it). The
 * old handle is kept when no server answers, so the caller's later calls
 * fail cleanly instead of finding no connection.
 */
enum dir_status
dir_reconnect(struct dir *d, const struct govmail_conf *c)
{
	LDAP *old = d->ld;
	char *pw = NULL, *pwfile;
	int rc;

	if (!c->ldap_sasl_external) {
		pwfile = conf_resolve_path(c, c->ldap_bind_password_file);
		pw = dir_read_password(pwfile, d->err, sizeof(d->err));
		free(pwfile);
		if (pw == NULL)
			return d->last = DIR_ERROR;
	}
	d->ld = NULL;
	rc = dir_open_any(d, c, pw);
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
	if (rc != 0) {
		d->ld = old;
		return d->last;
	}
	if (old != NULL)
		dir_unbind(old);
	dir_set_ok(d);
	return DIR_OK;
}

size_t
dir_server_count(const struct dir *d)
{
	return d->wuris.n;
}

void
dir_close(struct dir *d)
{
	if (d == NULL)
		return;
	if (d->ld != NULL)
		dir_unbind(d->ld);
	free(d->uri);
	dir_uris_free(&d->uris);
	dir_uris_free(&d->wuris);
	free(d->base);
	free(d->bound_as);
	free(d->tls_ca_file);
	free(d);
}

const char *dir_base(const struct dir *d) { return d->base; }
const char *dir_bound_as(const struct dir *d) { return d->bound_as; }
const char *dir_error(const struct dir *d) { return d->err; }
enum dir_status dir_last_status(const struct dir *d) { return d->last; }

/* Copy an LDAP entry into a dir_entry (all requested attributes). */
static void
dir_entry_fill(LDAP *ld, LDAPMessage *m, struct dir_entry *e)
{
	BerElement *ber = NULL;
	char *a, *dn;

	memset(e, 0, sizeof(*e));
	dn = ldap_get_dn(ld, m);
	e->dn = xstrdup(dn ? dn : "");
	ldap_memfree(dn);
	for (a = ldap_first_attribute(ld, m, &ber); a != NULL;
	    a = ldap_next_attribute(ld, m, ber)) {
		struct berval **bv = ldap_get_values_len(ld, m, a);
		struct dir_attr *at;
		size_t i, n = bv ? (size_t)ldap_count_values_len(bv) : 0;

		e->attrs = xreallocarray(e->attrs, e->nattrs + 1, sizeof(*e->attrs));
		at = &e->attrs[e->nattrs++];
		at->name = xstrdup(a);
		at->nvals = n;
		at->vals = xcalloc(n + 1, sizeof(char *));
		at->lens = xcalloc(n + 1, sizeof(size_t));
		for (i = 0; i < n; i++) {
			/* Whole value, NUL bytes included (binary attributes). */
			at->vals[i] = xmalloc(bv[i]->bv_len + 1);
			memcpy(at->vals[i], bv[i]->bv_val, bv[i]->bv_len);
			at->vals[i][bv[i]->bv_len] = '\0';
			at->lens[i] = bv[i]->bv_len;
		}
		ldap_value_free_len(bv);
		ldap_memfree(a);
	}
	ber_free(ber, 0);
}

static void
dir_entry_clear(struct dir_entry *e)
{
	size_t i, j;

	for (i = 0; i < e->nattrs; i++) {
		for (j = 0; j < e->attrs[i].nvals; j++)
			free(e->attrs[i].vals[j]);
		free(e->attrs[i].vals);
		free(e->attrs[i].lens);
		free(e->attrs[i].name);
	}
	free(e->attrs);
	free(e->dn);
}

void
dir_entry_free(struct dir_entry *e)
{
	if (e == NULL)
		return;
	dir_entry_clear(e);
	free(e);
}

struct dir_entry *
dir_entry_dup(const struct dir_entry *e)
{
	struct dir_entry *c = xcalloc(1, sizeof(*c));
	size_t i, j;

	c->dn = xstrdup(e->dn);
	c->nattrs = e->nattrs;
	c->attrs = xcalloc(e->nattrs ? e->nattrs : 1, sizeof(*c->attrs));
	for (i = 0; i < e->nattrs; i++) {
		c->attrs[i].name = xstrdup(e->attrs[i].name);
		c->attrs[i].nvals = e->attrs[i].nvals;
		c->attrs[i].vals = xcalloc(e->attrs[i].nvals + 1, sizeof(char *));
		c->attrs[i].lens = xcalloc(e->attrs[i].nvals + 1, sizeof(size_t));
		for (j = 0; j < e->attrs[i].nvals; j++) {
			size_t len = e->attrs[i].lens != NULL ? e->attrs[i].lens[j] :
			    strlen(e->attrs[i].vals[j]);

			c->attrs[i].vals[j] = xmalloc(len + 1);
			memcpy(c->attrs[i].vals[j], e->attrs[i].vals[j], len + 1);
			c->attrs[i].lens[j] = len;
		}
	}
	return c;
}

const struct dir_attr *
dir_entry_attr(const struct dir_entry *e, const char *attr)
{
	size_t i;

	for (i = 0; i < e->nattrs; i++)
		if (strcasecmp(e->attrs[i].name, attr) == 0)
			return &e->attrs[i];
	return NULL;
}

const char *
dir_entry_get(const struct dir_entry *e, const char *attr)
{
	const struct dir_attr *a = dir_entry_attr(e, attr);

	return a && a->nvals ? a->vals[0] : NULL;
}

enum dir_status
dir_search(struct dir *d, const char *base, int scope, const char *filter,
    const char *const *attrs, dir_entry_cb cb, void *arg)
{
	struct berval *cookie = NULL;
	struct timeval tv = { d->timeout, 0 };
	enum dir_status st = DIR_OK;
	int rc, stop = 0;

	dir_set_ok(d);
	do {
		LDAPControl *page = NULL, *ctrls[2] = { NULL, NULL }, **rctrls = NULL;
		LDAPMessage *res = NULL, *m;
		int err = LDAP_SUCCESS;

		rc = ldap_create_page_control(d->ld, (ber_int_t)d->page_size, cookie, 0, &page);
		if (rc != LDAP_SUCCESS) {
			st = dir_fail(d, d->ld, rc, "LDAP paged search");
			break;
		}
		ctrls[0] = page;
		rc = dir_search_wait(d->ld, base, scope, filter, (char **)attrs, ctrls, &tv, &res);
		ldap_control_free(page);
		if (rc != LDAP_SUCCESS && res == NULL) {
			st = dir_fail(d, d->ld, rc, "LDAP search");
			break;
		}
		for (m = ldap_first_entry(d->ld, res); m != NULL && !stop;
		    m = ldap_next_entry(d->ld, m)) {
			struct dir_entry e;

			dir_entry_fill(d->ld, m, &e);
			stop = cb(&e, arg);
			dir_entry_clear(&e);
		}
		rc = ldap_parse_result(d->ld, res, &err, NULL, NULL, NULL, &rctrls, 0);
		ldap_msgfree(res);
		if (rc == LDAP_SUCCESS)
			rc = err;
		if (cookie != NULL) {
			ber_bvfree(cookie);
			cookie = NULL;
		}
		if (rc == LDAP_SUCCESS && rctrls != NULL) {
			LDAPControl *pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
			ber_int_t est;
			struct berval c = { 0, NULL };

			if (pr != NULL &&
			    ldap_parse_pageresponse_control(d->ld, pr, &est, &c) == LDAP_SUCCESS) {
				if (c.bv_len > 0) {
					cookie = ber_bvdup(&c);
				}
				ber_memfree(c.bv_val);
			}
		}
		ldap_controls_free(rctrls);
		if (rc != LDAP_SUCCESS) {
			st = dir_fail(d, d->ld, rc, "LDAP search");
			break;
		}
		if (stop) {
			st = DIR_ERROR;
			if (d->err[0] == '\0')
				snprintf(d->err, sizeof(d->err), "search stopped");
			d->last = st;
			break;
		}
	} while (cookie != NULL);
	if (cookie != NULL) {
		/* Abandon the paged search on the server: size 0 with the cookie. */
		LDAPControl *page = NULL, *ctrls[2] = { NULL, NULL };
		LDAPMessage *res = NULL;

		if (ldap_create_page_control(d->ld, 0, cookie, 0, &page) == LDAP_SUCCESS) {
			ctrls[0] = page;
			dir_search_wait(d->ld, base, scope, filter, (char **)attrs, ctrls, &tv, &res);
			ldap_msgfree(res);
			ldap_control_free(page);
		}
		ber_bvfree(cookie);
	}
	return st;
}

struct dir_one_ctx {
	struct dir_entry *found;
	size_t n;
};

static int
dir_one_cb(const struct dir_entry *e, void *arg)
{
	struct dir_one_ctx *c = arg;

	if (c->n++ == 0)
		c->found = dir_entry_dup(e);
	return 0;
}

enum dir_status
dir_search_one(struct dir *d, const char *base, int scope, const char *filter,
    const char *const *attrs, struct dir_entry **out)
{
	struct dir_one_ctx c = { NULL, 0 };
	enum dir_status st;

	*out = NULL;
	st = dir_search(d, base, scope, filter, attrs, dir_one_cb, &c);
	if (st != DIR_OK) {
		dir_entry_free(c.found);
		return st;
	}
	if (c.n == 0) {
		d->last = DIR_NOT_FOUND;
		snprintf(d->err, sizeof(d->err), "no entry matches %s", filter);
		return DIR_NOT_FOUND;
	}
	if (c.n > 1) {
		dir_entry_free(c.found);
		d->last = DIR_CONSTRAINT;
		snprintf(d->err, sizeof(d->err), "%zu entries match %s (expected one)",
		    c.n, filter);
		return DIR_CONSTRAINT;
	}
	*out = c.found;
	return DIR_OK;
}

struct dir_count_ctx {
	size_t n, limit;
};

static int
dir_count_cb(const struct dir_entry *e, void *arg)
{
	struct dir_count_ctx *c = arg;

	(void)e;
	c->n++;
	return c->limit > 0 && c->n >= c->limit;
}

enum dir_status
dir_count(struct dir *d, const char *base, int scope, const char *filter,
    size_t limit, size_t *count)
{
	static const char *const noattrs[] = { LDAP_NO_ATTRS, NULL };
	struct dir_count_ctx c = { 0, limit };
	enum dir_status st;

	st = dir_search(d, base, scope, filter, noattrs, dir_count_cb, &c);
	*count = c.n;
	if (st == DIR_ERROR && limit > 0 && c.n >= limit) {
		dir_set_ok(d);
		return DIR_OK;
	}
	return st;
}

struct dir_mods *
dir_mods_new(void)
{
	return xcalloc(1, sizeof(struct dir_mods));
}

void
dir_mods_put(struct dir_mods *m, enum dir_mod_op op, const char *attr,
    const char *value)
{
	dir_mods_put_len(m, op, attr, value, value != NULL ? strlen(value) : 0);
}

void
dir_mods_put_len(struct dir_mods *m, enum dir_mod_op op, const char *attr,
    const void *value, size_t len)
{
	struct dir_mod *x = NULL;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->v[i].op == op && strcasecmp(m->v[i].attr, attr) == 0) {
			x = &m->v[i];
			break;
		}
	if (x == NULL) {
		m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
		x = &m->v[m->n++];
		x->op = op;
		x->attr = xstrdup(attr);
		x->vals = NULL;
		x->lens = NULL;
		x->nvals = 0;
	}
	if (value != NULL) {
		x->vals = xreallocarray(x->vals, x->nvals + 1, sizeof(char *));
		x->lens = xreallocarray(x->lens, x->nvals + 1, sizeof(size_t));
		x->vals[x->nvals] = xmalloc(len + 1);
		memcpy(x->vals[x->nvals], value, len);
		x->vals[x->nvals][len] = '\0';
		x->lens[x->nvals++] = len;
	}
}

size_t
dir_mods_count(const struct dir_mods *m)
{
	return m->n;
}

void
dir_mods_at(const struct dir_mods *m, size_t i, enum dir_mod_op *op,
    const char **attr, char *const **vals, const size_t **lens, size_t *nvals)
{
	*op = m->v[i].op;
	*attr = m->v[i].attr;
	*vals = m->v[i].vals;
	*lens = m->v[i].lens;
	*nvals = m->v[i].nvals;
}

size_t
dir_mods_attr_names(const struct dir_mods *m, const char **names, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < m->n && n < max; i++) {
		for (j = 0; j < n; j++)
			if (strcasecmp(names[j], m->v[i].attr) == 0)
				break;
		if (j == n)
			names[n++] = m->v[i].attr;
	}
	return n;
}

void
dir_mods_free(struct dir_mods *m)
{
	size_t i, j;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		for (j = 0; j < m->v[i].nvals; j++) {
			/* Values may include password hashes: wipe before free. */
			OPENSSL_cleanse(m->v[i].vals[j], m->v[i].lens[j]);
			free(m->v[i].vals[j]);
		}
		free(m->v[i].vals);
		free(m->v[i].lens);
		free(m->v[i].attr);
	}
	free(m->v);
	free(m);
}

/* Build the libldap LDAPMod array (pointers into m; free with dir_ldapmods_free). */
static LDAPMod **
dir_ldapmods(const struct dir_mods *m)
{
	LDAPMod **mods = xcalloc(m->n + 1, sizeof(LDAPMod *));
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		LDAPMod *x = xcalloc(1, sizeof(*x));
		struct berval **bv = NULL;

		x->mod_op = LDAP_MOD_BVALUES | (m->v[i].op == DIR_MOD_ADD ? LDAP_MOD_ADD :
		    m->v[i].op == DIR_MOD_REPLACE ? LDAP_MOD_REPLACE : LDAP_MOD_DELETE);
		x->mod_type = m->v[i].attr;
		if (m->v[i].nvals > 0) {
			bv = xcalloc(m->v[i].nvals + 1, sizeof(*bv));
			for (j = 0; j < m->v[i].nvals; j++) {
				bv[j] = xcalloc(1, sizeof(struct berval));
				bv[j]->bv_val = m->v[i].vals[j];
				bv[j]->bv_len = m->v[i].lens[j];
			}
		}
		x->mod_bvalues = bv;
		mods[i] = x;
	}
	return mods;
}

static void
dir_ldapmods_free(LDAPMod **mods)
{
	size_t i, j;

	for (i = 0; mods[i] != NULL; i++) {
		if (mods[i]->mod_bvalues != NULL) {
			for (j = 0; mods[i]->mod_bvalues[j] != NULL; j++)
				free(mods[i]->mod_bvalues[j]);
			free(mods[i]->mod_bvalues);
		}
		free(mods[i]);
	}
	free(mods);
}

enum dir_status
dir_add(struct dir *d, const char *dn, const struct dir_mods *m)
{
	LDAPMod **mods = dir_ldapmods(m);
	int rc, msgid = -1;

	rc = ldap_add_ext(d->ld, dn, mods, NULL, NULL, &msgid);
	rc = dir_finish(d->ld, rc, msgid, NULL);
	dir_ldapmods_free(mods);
	if (rc != LDAP_SUCCESS)
		return dir_fail(d, d->ld, rc, "LDAP add");
	dir_set_ok(d);
	return DIR_OK;
}

enum dir_status
dir_modify(struct dir *d, const char *dn, const struct dir_mods *m)
{
	LDAPMod **mods = dir_ldapmods(m);
	int rc, msgid = -1;

	rc = ldap_modify_ext(d->ld, dn, mods, NULL, NULL, &msgid);
	rc = dir_finish(d->ld, rc, msgid, NULL);
	dir_ldapmods_free(mods);
	if (rc != LDAP_SUCCESS)
		return dir_fail(d, d->ld, rc, "LDAP modify");
	dir_set_ok(d);
	return DIR_OK;
}

/*
 * A modify applied only while the entry's entryCSN is still csn (RFC 4528
 * assertion control, critical): checked and written by the server in one
 * operation. DIR_CHANGED when someone changed the entry meanwhile.
 */
enum dir_status
dir_modify_if(struct dir *d, const char *dn, const struct dir_mods *m,
    const char *csn)
{
	LDAPMod **mods;
	LDAPControl *ctrl = NULL, *ctrls[2] = { NULL, NULL };
	char *esc, *assertion;
	int rc, msgid = -1;

	esc = dir_escape_filter(csn);
	assertion = xasprintf("(%s=%s)", DIR_AT_ENTRY_CSN, esc);
	free(esc);
	rc = ldap_create_assertion_control(d->ld, assertion, 1, &ctrl);
	free(assertion);
	if (rc != LDAP_SUCCESS)
		return dir_fail(d, d->ld, rc, "LDAP assertion control");
	ctrls[0] = ctrl;
	mods = dir_ldapmods(m);
	rc = ldap_modify_ext(d->ld, dn, mods, ctrls, NULL, &msgid);
	rc = dir_finish(d->ld, rc, msgid, NULL);
	dir_ldapmods_free(mods);
	ldap_control_free(ctrl);
	if (rc != LDAP_SUCCESS)
		return dir_fail(d, d->ld, rc, "LDAP modify");
	dir_set_ok(d);
	return DIR_OK;
}

enum dir_status
dir_delete(struct dir *d, const char *dn)
{
	int msgid = -1, rc;

	rc = ldap_delete_ext(d->ld, dn, NULL, NULL, &msgid);
	rc = dir_finish(d->ld, rc, msgid, NULL);

	if (rc != LDAP_SUCCESS)
		return dir_fail(d, d->ld, rc, "LDAP delete");
	dir_set_ok(d);
	return DIR_OK;
}

/* One bind as dn/password on a new connection to uri: the LDAP result. */
static int
dir_check_bind_on(struct dir *d, const char *uri, const char *dn, const char *password)
{
	struct berval cred;
	LDAP *ld = NULL;
	int rc;

	d->trying = uri;
	rc = dir_connect(d, uri, &ld);
	if (rc == LDAP_SUCCESS) {
		cred.bv_val = (char *)password;
		cred.bv_len = strlen(password);
		rc = dir_simple_bind(ld, dn, &cred);
	}
	if (rc != LDAP_SUCCESS)
		dir_fail(d, ld, rc, "LDAP bind check");
	else
		dir_set_ok(d);
	d->trying = NULL;
	if (ld != NULL)
		dir_unbind(ld);
	return rc;
}

/*
 * On a provider when one answers: the password policy records failed
 * binds (pwdFailureTime, lockout) where the bind happens, and a read-only
 * consumer cannot record them. Else on this connection's server, so that
 * AUTH still works while every provider is down.
 */
enum dir_status
dir_check_bind(struct dir *d, const char *dn, const char *password)
{
	char *cur = xstrdup(d->uri);
	size_t i;

	for (i = 0; i < d->wuris.n; i++) {
		if (dir_failover_is_down(d->wuris.v[i]))
			continue;
		dir_check_bind_on(d, d->wuris.v[i], dn, password);
		if (d->last != DIR_UNAVAILABLE || strcmp(d->wuris.v[i], cur) == 0)
			goto done;
	}
	dir_check_bind_on(d, cur, dn, password);
done:
	free(cur);
	return d->last;
}

/* One outstanding pipelined operation. */
struct dir_pipe_op {
	int msgid;              /* 0 = free slot */
	dir_pipe_cb cb;
	void *cookie;
};

/* A write waiting for its transaction batch. */
struct dir_pipe_queued {
	int is_add;
	const char *dn;
	const struct dir_mods *m;
	dir_pipe_cb cb;
	void *cookie;
};

struct dir_pipe {
	struct dir *d;
	struct dir_pipe_op *ops;
	int window;
	int outstanding;
	int broken;             /* connection lost: fail everything */
	int batch;              /* > 1: RFC 5805 transactions of this size */
	struct dir_pipe_queued *queue;
	int nqueued;
};

struct dir_pipe *
dir_pipe_new(struct dir *d, int window)
{
	struct dir_pipe *p = xcalloc(1, sizeof(*p));

	p->d = d;
	p->window = window < 1 ? 1 : window;
	p->ops = xcalloc((size_t)p->window, sizeof(*p->ops));
	return p;
}

static struct dir_pipe_op *
dir_pipe_find(struct dir_pipe *p, int msgid)
{
	int i;

	for (i = 0; i < p->window; i++)
		if (p->ops[i].msgid == msgid)
			return &p->ops[i];
	return NULL;
}

static void
dir_pipe_complete(struct dir_pipe *p, struct dir_pipe_op *op, enum dir_status st,
    const char *msg)
{
	dir_pipe_cb cb = op->cb;
	void *cookie = op->cookie;

	op->msgid = 0;
	p->outstanding--;
	if (cb != NULL)
		cb(cookie, st, msg);
}

/* Fail every outstanding operation (connection lost). */
static void
dir_pipe_fail_all(struct dir_pipe *p, int rc)
{
	int i;

	p->broken = 1;
	dir_fail(p->d, p->d->ld, rc, "LDAP pipelined write");
	for (i = 0; i < p->window; i++)
		if (p->ops[i].msgid != 0)
			dir_pipe_complete(p, &p->ops[i], DIR_UNAVAILABLE, p->d->err);
}

/* Wait for one result and dispatch it. */
static enum dir_status
dir_pipe_wait_one(struct dir_pipe *p)
{
	struct timeval tv = { p->d->timeout, 0 };
	LDAPMessage *res = NULL;
	struct dir_pipe_op *op;
	char *diag = NULL, msg[1024];
	int rc, err = LDAP_SUCCESS;

	rc = ldap_result(p->d->ld, LDAP_RES_ANY, LDAP_MSG_ALL, &tv, &res);
	if (rc <= 0) {
		ldap_msgfree(res);
		dir_pipe_fail_all(p, rc == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN);
		return DIR_UNAVAILABLE;
	}
	op = dir_pipe_find(p, ldap_msgid(res));
	if (ldap_parse_result(p->d->ld, res, &err, NULL, &diag, NULL, NULL, 1) !=
	    LDAP_SUCCESS)
		err = LDAP_OTHER;
	if (op != NULL) {
		snprintf(msg, sizeof(msg), "%s%s%s%s", ldap_err2string(err),
		    diag && *diag ? " (" : "", diag && *diag ? diag : "",
		    diag && *diag ? ")" : "");
		dir_pipe_complete(p, op, dir_classify(err), err == LDAP_SUCCESS ? "" : msg);
	}
	ldap_memfree(diag);
	return DIR_OK;
}

static enum dir_status dir_pipe_send(struct dir_pipe *p, int is_add, const char *dn,
    const struct dir_mods *m, dir_pipe_cb cb, void *cookie);

void
dir_pipe_use_transactions(struct dir_pipe *p, int batch)
{
	p->batch = batch > 1 ? batch : 0;
	free(p->queue);
	p->queue = p->batch ? xcalloc((size_t)batch, sizeof(*p->queue)) : NULL;
	p->nqueued = 0;
}

/* Run the queued writes as one transaction; replay them one by one if the
 * server refuses the transaction. */
static enum dir_status
dir_pipe_commit_batch(struct dir_pipe *p)
{
	struct dir *d = p->d;
	struct berval *txnid = NULL;
	int i, rc, ok = 1, retid = -1, n = p->nqueued;

	p->nqueued = 0;
	if (n == 0)
		return DIR_OK;
	rc = ldap_txn_start_s(d->ld, NULL, NULL, &txnid);
	if (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT) {
		dir_pipe_fail_all(p, rc);
		for (i = 0; i < n; i++)
			if (p->queue[i].cb)
				p->queue[i].cb(p->queue[i].cookie, DIR_UNAVAILABLE, d->err);
		return DIR_UNAVAILABLE;
	}
	if (rc == LDAP_SUCCESS && txnid != NULL) {
		LDAPControl spec, *ctrls[2] = { &spec, NULL };

		spec.ldctl_oid = LDAP_CONTROL_TXN_SPEC;
		spec.ldctl_value = *txnid;
		spec.ldctl_iscritical = 1;
		/*
		 * One operation at a time: slapd 2.5.13 queues transaction
		 * operations on a per-connection list without a lock, and several
		 * of them in flight on one connection crash it (SIGSEGV in
		 * do_add). Each answer only says "queued", so waiting is cheap.
		 */
		for (i = 0; i < n && ok; i++) {
			LDAPMod **mods = dir_ldapmods(p->queue[i].m);
			struct timeval tv = { d->timeout, 0 };
			LDAPMessage *res = NULL;
			int msgid, err = LDAP_OTHER;

			if (p->queue[i].is_add)
				rc = ldap_add_ext(d->ld, p->queue[i].dn, mods, ctrls, NULL, &msgid);
			else
				rc = ldap_modify_ext(d->ld, p->queue[i].dn, mods, ctrls, NULL, &msgid);
			dir_ldapmods_free(mods);
			if (rc != LDAP_SUCCESS || dir_wait(d->ld, msgid, &tv, &res) != LDAP_SUCCESS) {
				ok = 0;
				break;
			}
			ldap_parse_result(d->ld, res, &err, NULL, NULL, NULL, NULL, 1);
			if (err != LDAP_SUCCESS)
				ok = 0;
		}
		rc = ldap_txn_end_s(d->ld, ok, txnid, NULL, NULL, &retid);
		ber_bvfree(txnid);
		if (ok && rc == LDAP_SUCCESS) {
			for (i = 0; i < n; i++)
				if (p->queue[i].cb)
					p->queue[i].cb(p->queue[i].cookie, DIR_OK, "");
			return DIR_OK;
		}
	}
	/* Refused as a whole (or transactions unsupported): one by one. */
	{
		int batch = p->batch;

		p->batch = 0;
		for (i = 0; i < n; i++)
			if (dir_pipe_send(p, p->queue[i].is_add, p->queue[i].dn, p->queue[i].m,
			    p->queue[i].cb, p->queue[i].cookie) != DIR_OK)
				break;
		for (i = i + 1; i < n; i++)
			if (p->queue[i].cb)
				p->queue[i].cb(p->queue[i].cookie, DIR_UNAVAILABLE, d->err);
		while (!p->broken && p->outstanding > 0)
			dir_pipe_wait_one(p);
		p->batch = batch;
	}
	return p->broken ? DIR_UNAVAILABLE : DIR_OK;
}

static enum dir_status
dir_pipe_send(struct dir_pipe *p, int is_add, const char *dn,
    const struct dir_mods *m, dir_pipe_cb cb, void *cookie)
{
	struct dir_pipe_op *op;
	LDAPMod **mods;
	int rc, msgid = 0;

	if (p->broken) {
		if (cb != NULL)
			cb(cookie, DIR_UNAVAILABLE, p->d->err);
		return DIR_UNAVAILABLE;
	}
	if (p->batch > 1) {
		struct dir_pipe_queued *q = &p->queue[p->nqueued++];

		q->is_add = is_add;
		q->dn = dn;
		q->m = m;
		q->cb = cb;
		q->cookie = cookie;
		return p->nqueued == p->batch ? dir_pipe_commit_batch(p) : DIR_OK;
	}
	while (!p->broken && p->outstanding >= p->window)
		dir_pipe_wait_one(p);
	if (p->broken) {
		if (cb != NULL)
			cb(cookie, DIR_UNAVAILABLE, p->d->err);
		return DIR_UNAVAILABLE;
	}
	mods = dir_ldapmods(m);
	if (is_add)
		rc = ldap_add_ext(p->d->ld, dn, mods, NULL, NULL, &msgid);
	else
		rc = ldap_modify_ext(p->d->ld, dn, mods, NULL, NULL, &msgid);
	dir_ldapmods_free(mods);
	if (rc != LDAP_SUCCESS) {
		dir_pipe_fail_all(p, rc);
		if (cb != NULL)
			cb(cookie, DIR_UNAVAILABLE, p->d->err);
		return DIR_UNAVAILABLE;
	}
	op = dir_pipe_find(p, 0);
	op->msgid = msgid;
	op->cb = cb;
	op->cookie = cookie;
	p->outstanding++;
	return DIR_OK;
}

enum dir_status
dir_pipe_add(struct dir_pipe *p, const char *dn, const struct dir_mods *m,
    dir_pipe_cb cb, void *cookie)
{
	return dir_pipe_send(p, 1, dn, m, cb, cookie);
}

enum dir_status
dir_pipe_modify(struct dir_pipe *p, const char *dn, const struct dir_mods *m,
    dir_pipe_cb cb, void *cookie)
{
	return dir_pipe_send(p, 0, dn, m, cb, cookie);
}

enum dir_status
dir_pipe_flush(struct dir_pipe *p)
{
	if (p->batch > 1 && p->nqueued > 0 && dir_pipe_commit_batch(p) != DIR_OK)
		return DIR_UNAVAILABLE;
	while (!p->broken && p->outstanding > 0)
		dir_pipe_wait_one(p);
	return p->broken ? DIR_UNAVAILABLE : DIR_OK;
}

void
dir_pipe_free(struct dir_pipe *p)
{
	if (p == NULL)
		return;
	free(p->ops);
	free(p->queue);
	free(p);
}
