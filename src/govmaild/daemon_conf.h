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
struct ssl_ctx_st;
struct sign_trust;
struct dkim_keyring;
struct dns_resolver;

struct daemon_conf {
	struct govmail_conf *conf;
	struct policy *policy;
	struct ssl_ctx_st *tls;    /* STARTTLS server context, or NULL */
	struct ssl_ctx_st *tls_client;  /* to the next hop (next_hop.starttls) */
	struct sign_trust *sign;   /* signature checks' trust store, or NULL (all off) */
	/* DKIM signing keys (dkim.sign), or NULL. Read once, at start, as root:
	 * shared by every snapshot, kept by reloads (see daemon_conf.c). */
	const struct dkim_keyring *dkim;
	/* The resolver of inbound mail authentication (dns { }), or NULL
	 * (inbound.verify off); its cache lives as long as the snapshot. */
	struct dns_resolver *dns;
	char hostname[256];        /* smtpd.hostname or the system's name */
	int refs;                  /* guarded by the module's lock */
	unsigned long gen;         /* 1, 2, ... in the order snapshots were loaded */
};

/* Load and check path into a new snapshot (not installed). NULL with
 * "file:line: message" in err on any error. With prev (a reload), the TLS
 * context is taken over from prev when the certificate and key files are
 * the same: the key is readable only by root, and root is gone by then. */
struct daemon_conf *daemon_conf_load(const char *path, const struct daemon_conf *prev,
    char *err, size_t errlen);

/* Make dc the current snapshot (takes over the caller's reference). */
void daemon_conf_install(struct daemon_conf *dc);

/* The current snapshot, with a reference the caller must release. */
struct daemon_conf *daemon_conf_acquire(void);
void daemon_conf_release(struct daemon_conf *dc);

/* Drop the current snapshot (at exit). */
void daemon_conf_shutdown(void);

#endif
