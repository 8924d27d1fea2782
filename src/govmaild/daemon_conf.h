/*
 * daemon_conf.h — the configuration govmaild runs with, as one
 * reference-counted snapshot (config + policy + host name). A session
 * takes a reference when it starts and keeps that snapshot to its end;
 * SIGHUP installs a new snapshot for sessions that start later, so a
 * reload never changes the rules under a session in flight.
 * Not for: loading or checking individual keys (src/lib/conf.c).
 */
#ifndef GOVMAIL_DAEMON_CONF_H
#define GOVMAIL_DAEMON_CONF_H

#include <stddef.h>

struct govmail_conf;
struct policy;

struct daemon_conf {
	struct govmail_conf *conf;
	struct policy *policy;
	char hostname[256];        /* smtpd.hostname or the system's name */
	int refs;                  /* guarded by the module's lock */
};

/* Load and check path into a new snapshot (not installed). NULL with
 * "file:line: message" in err on any error. */
struct daemon_conf *daemon_conf_load(const char *path, char *err, size_t errlen);

/* Make dc the current snapshot (takes over the caller's reference). */
void daemon_conf_install(struct daemon_conf *dc);

/* The current snapshot, with a reference the caller must release. */
struct daemon_conf *daemon_conf_acquire(void);
void daemon_conf_release(struct daemon_conf *dc);

/* Drop the current snapshot (at exit). */
void daemon_conf_shutdown(void);

#endif
