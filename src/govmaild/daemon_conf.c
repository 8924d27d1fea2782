/*
 * daemon_conf.c — reference-counted configuration snapshots (see
 * daemon_conf.h). One mutex guards the current pointer and the counts;
 * it is taken once per session start and end, never on a hot path.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "daemon_conf.h"
#include "dkim_sign.h"
#include "dns_resolve.h"
#include "policy.h"
#include "sign_verify.h"
#include "tls.h"
#include "xmalloc.h"

static pthread_mutex_t daemon_conf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct daemon_conf *daemon_conf_current;
static unsigned long daemon_conf_gen;
/* The DKIM keys: 0600 root files, so read before the privileges drop and
 * never again (a reload runs as smtpd.user); a new key needs a restart. */
static struct dkim_keyring *daemon_conf_dkim;
static char *daemon_conf_dkim_dir;

static void
daemon_conf_path_fix(struct govmail_conf *c, char **p)
{
	char *abs;

	if (**p == '\0' || **p == '/')
		return;
	abs = conf_resolve_path(c, *p);
	free(*p);
	*p = abs;
}

static void daemon_conf_free(struct daemon_conf *dc);

/* Is any signature requirement other than off (directions, agencies)? */
static int
daemon_conf_signing(const struct govmail_conf *c)
{
	size_t i;

	if (strcmp(c->signature_internal, "off") != 0 ||
	    strcmp(c->signature_outbound, "off") != 0 ||
	    strcmp(c->signature_inbound, "off") != 0)
		return 1;
	for (i = 0; i < c->signature_agency_requirements.n; i++)
		if (strcmp(strchr(c->signature_agency_requirements.v[i], '=') + 1, "off") != 0)
			return 1;
	return 0;
}

/* The signature checks' trust store, when they are on. */
static int
daemon_conf_sign(struct daemon_conf *dc, char *err, size_t errlen)
{
	struct govmail_conf *c = dc->conf;
	size_t i;

	daemon_conf_path_fix(c, &c->signature_trust_anchors);
	daemon_conf_path_fix(c, &c->signature_intermediates);
	daemon_conf_path_fix(c, &c->signature_tsa_anchors);
	for (i = 0; i < c->signature_crl_files.n; i++)
		daemon_conf_path_fix(c, &c->signature_crl_files.v[i]);
	if (!daemon_conf_signing(c) && c->signature_trust_anchors[0] == '\0')
		return 0;
	if (c->signature_trust_anchors[0] == '\0') {
		snprintf(err, errlen, "signature.trust_anchors is needed when a signature "
		    "requirement is not off");
		return -1;
	}
	if ((dc->sign = sign_trust_load(c, err, errlen)) == NULL)
		return -1;
	return 0;
}

/* The DKIM keyring, when dkim.sign is on: loaded by the first load (at
 * start, as root), taken over by reloads. A key that cannot be read stops
 * the start: a domain must not go out unsigned unnoticed. */
static int
daemon_conf_dkim_load(struct daemon_conf *dc, const struct daemon_conf *prev,
    char *err, size_t errlen)
{
	struct govmail_conf *c = dc->conf;
	char why[400];

	if (!c->dkim_sign)
		return 0;
	daemon_conf_path_fix(c, &c->dkim_key_dir);
	if (daemon_conf_dkim == NULL && prev == NULL) {
		if ((daemon_conf_dkim = dkim_keyring_load(c->dkim_key_dir, why,
		    sizeof(why))) == NULL) {
			snprintf(err, errlen, "dkim.key_dir %s: %s", c->dkim_key_dir, why);
			return -1;
		}
		daemon_conf_dkim_dir = xstrdup(c->dkim_key_dir);
	}
	if (daemon_conf_dkim == NULL || strcmp(daemon_conf_dkim_dir, c->dkim_key_dir) != 0) {
		snprintf(err, errlen, "dkim.sign: the keys are read at start only "
		    "(as root); restart govmaild to sign with %s", c->dkim_key_dir);
		return -1;
	}
	dc->dkim = daemon_conf_dkim;
	return 0;
}

/* The STARTTLS context for c: shared with prev if the files are the same. */
static int
daemon_conf_tls(struct daemon_conf *dc, const struct daemon_conf *prev,
    char *err, size_t errlen)
{
	const struct govmail_conf *c = dc->conf;

	if (c->tls_cert_file[0] == '\0' && c->tls_key_file[0] == '\0') {
		if (c->smtpd_submission_listen.n > 0) {
			snprintf(err, errlen, "smtpd.submission_listen needs tls.cert_file and "
			    "tls.key_file (AUTH is offered only after STARTTLS)");
			return -1;
		}
		return 0;
	}
	if (c->tls_cert_file[0] == '\0' || c->tls_key_file[0] == '\0') {
		snprintf(err, errlen, "tls.cert_file and tls.key_file go together");
		return -1;
	}
	if (prev != NULL && prev->tls != NULL &&
	    strcmp(prev->conf->tls_cert_file, c->tls_cert_file) == 0 &&
	    strcmp(prev->conf->tls_key_file, c->tls_key_file) == 0) {
		tls_ctx_ref(prev->tls);
		dc->tls = prev->tls;
		return 0;
	}
	dc->tls = tls_server_ctx(c->tls_cert_file, c->tls_key_file, err, errlen);
	return dc->tls != NULL ? 0 : -1;
}

struct daemon_conf *
daemon_conf_load(const char *path, const struct daemon_conf *prev, char *err,
    size_t errlen)
{
	struct daemon_conf *dc;
	struct govmail_conf *c;
	struct policy *p;
	char why[512];

	if ((c = conf_load(path, err, errlen)) == NULL)
		return NULL;
	if ((p = policy_new(c, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		conf_free(c);
		return NULL;
	}
	/* Relative paths are relative to the configuration file. */
	daemon_conf_path_fix(c, &c->smtpd_spool_dir);
	daemon_conf_path_fix(c, &c->smtpd_pid_file);
	daemon_conf_path_fix(c, &c->tls_cert_file);
	daemon_conf_path_fix(c, &c->tls_key_file);
	daemon_conf_path_fix(c, &c->nh_tls_ca_file);
	dc = xcalloc(1, sizeof(*dc));
	dc->conf = c;
	dc->policy = p;
	dc->refs = 1;
	pthread_mutex_lock(&daemon_conf_lock);
	dc->gen = ++daemon_conf_gen;
	pthread_mutex_unlock(&daemon_conf_lock);
	if ((c->nh_starttls || c->nh_tls_verify) &&
	    (dc->tls_client = tls_client_ctx(c->nh_tls_verify, c->nh_tls_ca_file,
	    c->nh_tls_verify_name[0] ? c->nh_tls_verify_name : c->nh_host,
	    why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		daemon_conf_free(dc);
		return NULL;
	}
	if (daemon_conf_sign(dc, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		daemon_conf_free(dc);
		return NULL;
	}
	if (daemon_conf_dkim_load(dc, prev, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		daemon_conf_free(dc);
		return NULL;
	}
	if (c->inbound_verify && (dc->dns = dns_resolver_new(c->dns_server, c->dns_timeout,
	    (size_t)c->dns_cache_entries, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: dns: %s", path, why);
		daemon_conf_free(dc);
		return NULL;
	}
	if (daemon_conf_tls(dc, prev, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		daemon_conf_free(dc);
		return NULL;
	}
	if (c->smtpd_hostname[0] != '\0')
		snprintf(dc->hostname, sizeof(dc->hostname), "%s", c->smtpd_hostname);
	else if (gethostname(dc->hostname, sizeof(dc->hostname) - 1) != 0 ||
	    dc->hostname[0] == '\0')
		snprintf(dc->hostname, sizeof(dc->hostname), "localhost");
	return dc;
}

static void
daemon_conf_free(struct daemon_conf *dc)
{
	tls_ctx_free(dc->tls);
	tls_ctx_free(dc->tls_client);
	sign_trust_free(dc->sign);
	dns_resolver_free(dc->dns);
	policy_free(dc->policy);
	conf_free(dc->conf);
	free(dc);
}

void
daemon_conf_install(struct daemon_conf *dc)
{
	struct daemon_conf *old;

	pthread_mutex_lock(&daemon_conf_lock);
	old = daemon_conf_current;
	daemon_conf_current = dc;
	pthread_mutex_unlock(&daemon_conf_lock);
	if (old != NULL)
		daemon_conf_release(old);
}

struct daemon_conf *
daemon_conf_acquire(void)
{
	struct daemon_conf *dc;

	pthread_mutex_lock(&daemon_conf_lock);
	dc = daemon_conf_current;
	dc->refs++;
	pthread_mutex_unlock(&daemon_conf_lock);
	return dc;
}

void
daemon_conf_release(struct daemon_conf *dc)
{
	int last;

	pthread_mutex_lock(&daemon_conf_lock);
	last = --dc->refs == 0;
	pthread_mutex_unlock(&daemon_conf_lock);
	if (last)
		daemon_conf_free(dc);
}

void
daemon_conf_shutdown(void)
{
	struct daemon_conf *old;

	pthread_mutex_lock(&daemon_conf_lock);
	old = daemon_conf_current;
	daemon_conf_current = NULL;
	pthread_mutex_unlock(&daemon_conf_lock);
	if (old != NULL)
		daemon_conf_release(old);
}
