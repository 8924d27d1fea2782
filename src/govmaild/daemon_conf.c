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
#include "policy.h"
#include "xmalloc.h"

static pthread_mutex_t daemon_conf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct daemon_conf *daemon_conf_current;

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

struct daemon_conf *
daemon_conf_load(const char *path, char *err, size_t errlen)
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
	dc = xcalloc(1, sizeof(*dc));
	dc->conf = c;
	dc->policy = p;
	dc->refs = 1;
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
