/*
 * main.c — govmail-apid entry point: options, configuration check (-t),
 * the route table (--routes), start-up in govmaild's order (listeners
 * bound and keys read as root, detach, pid file, drop privileges), then
 * serving until SIGTERM.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apid.h"
#include "apid_account_cache.h"
#include "apid_authcache.h"
#include "apid_http.h"
#include "apid_hrjobs.h"
#include "apid_idem.h"
#include "apid_idem_sweep.h"
#include "apid_pool.h"
#include "apid_rate.h"
#include "apid_router.h"
#include "apid_session.h"
#include "apid_web.h"
#include "audit_log.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"

#define EX_USAGE 64
#define EX_OSERR 71
#define EX_CANTCREAT 73
#define EX_CONFIG 78

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: govmail-apid [-c FILE] [-f] [-t] [-v]\n"
	    "       govmail-apid --routes | -h | --help | -V | --version\n"
	    "\n"
	    "The govmail provisioning API: HTTPS with JSON (see govmail-apid(8)).\n"
	    "  -c FILE   configuration (default $GOVMAIL_CONF or %s)\n"
	    "  -f        stay in the foreground and log to stderr\n"
	    "  -t        check the configuration and exit (0 ok, 78 not)\n"
	    "  -v        verbose (debug) logging\n"
	    "  --routes  print the routes (METHOD PATH) and exit\n"
	    "  -h, --help     this text\n"
	    "  -V, --version  print the version and exit\n"
	    "Signals: SIGTERM and SIGINT stop (requests under way are finished).\n",
	    CONF_DEFAULT_PATH);
}

/* The keys that only make sense together (each alone is checked by
 * conf_load with its line). */
static int
apid_conf_check(const struct govmail_conf *c, const char *path)
{
	int rc = 0;

	if (c->apid_listen[0] == '\0' && c->apid_plain_listen[0] == '\0') {
		fprintf(stderr, "govmail-apid: %s: apid.listen (HTTPS) or apid.plain_listen "
		    "(loopback HTTP) must be set\n", path);
		rc = EX_CONFIG;
	}
	if (c->apid_listen[0] != '\0' &&
	    (c->apid_tls_cert_file[0] ? c->apid_tls_cert_file : c->tls_cert_file)[0] == '\0') {
		fprintf(stderr, "govmail-apid: %s: apid.listen needs apid.tls_cert_file "
		    "(or tls.cert_file)\n", path);
		rc = EX_CONFIG;
	}
	if (c->apid_listen[0] != '\0' &&
	    (c->apid_tls_key_file[0] ? c->apid_tls_key_file : c->tls_key_file)[0] == '\0') {
		fprintf(stderr, "govmail-apid: %s: apid.listen needs apid.tls_key_file "
		    "(or tls.key_file)\n", path);
		rc = EX_CONFIG;
	}
	if (c->apid_page_size > c->apid_max_page_size) {
		fprintf(stderr, "govmail-apid: %s: apid.page_size %d is above "
		    "apid.max_page_size %d\n", path, c->apid_page_size, c->apid_max_page_size);
		rc = EX_CONFIG;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "routes", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cpath = NULL, *path;
	struct govmail_conf *conf, dirconf;
	struct apid_server srv;
	struct apid_idem_sweep *sweep = NULL;
	char err[1024];
	int ch, foreground = 0, test = 0, verbose = 0, sig, rc;
	sigset_t set;

	while ((ch = getopt_long(argc, argv, "c:ftvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': cpath = optarg; break;
		case 'f': foreground = 1; break;
		case 't': test = 1; break;
		case 'v': verbose = 1; break;
		case 'R': apid_routes_print(stdout); return 0;
		case 'h': usage(stdout); return 0;
		case 'V': printf("govmail-apid %s\n", GOVMAIL_VERSION); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	path = conf_choose_path(cpath);
	if ((conf = conf_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "govmail-apid: %s\n", err);
		return EX_CONFIG;
	}
	rc = apid_conf_check(conf, path);
	if (test && rc == 0 && !daemon_user_exists(conf->apid_user)) {
		fprintf(stderr, "govmail-apid: %s: apid.user: no such user \"%s\"\n", path,
		    conf->apid_user);
		rc = EX_CONFIG;
	}
	if (test || rc != 0) {
		if (test && rc == 0)
			printf("govmail-apid: configuration file %s is valid\n", path);
		conf_free(conf);
		return rc;
	}
	/* the daemon's own directory identity, when it has one */
	dirconf = *conf;
	if (conf->apid_ldap_bind_dn[0] != '\0')
		dirconf.ldap_bind_dn = conf->apid_ldap_bind_dn;
	if (conf->apid_ldap_bind_password_file[0] != '\0')
		dirconf.ldap_bind_password_file = conf->apid_ldap_bind_password_file;

	log_init("govmail-apid", foreground ? LOG_TO_STDERR : LOG_TO_SYSLOG, verbose);
	memset(&srv, 0, sizeof(srv));
	srv.conf = conf;
	srv.pool = apid_pool_new(&dirconf, conf->apid_ldap_connections);
	srv.rate_addr = apid_rate_new(conf->apid_rate_per_address, 65536);
	srv.rate_caller = apid_rate_new(conf->apid_rate_per_token, 65536);
	srv.idem = apid_idem_new(conf->apid_idempotency_ttl, 100000);
	if (apid_authcache_init(&srv) != 0)
		fatalx(EX_OSERR, "cannot draw the credential cache's salt");
	apid_account_cache_init(&srv);
	if (apid_sessions_init(&srv) != 0)
		fatalx(EX_OSERR, "cannot draw the session CSRF key");
	/* the console's files, read once (apid_web.h) */
	{
		char *cd = conf->apid_console_dir[0] != '\0' ?
		    conf_resolve_path(conf, conf->apid_console_dir) : NULL;

		srv.web = apid_web_load(cd, err, sizeof(err));
		if (err[0] != '\0')
			log_warnx("%s: no web console, the API alone is served", err);
		else if (cd != NULL)
			log_info("web console: %zu files from %s", apid_web_count(srv.web), cd);
		free(cd);
	}
	daemon_raise_nofile(2u * (unsigned long)conf->apid_max_connections +
	    (unsigned long)conf->apid_ldap_connections + 64);
	/* signals are taken by sigwait below, not by the serving threads */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!foreground)
		daemon_detach();
	/* the listeners are bound and the key read as root */
	if (apid_http_prepare(&srv, err, sizeof(err)) != 0)
		fatalx(EX_OSERR, "%s", err);
	/* and the audit log opened (its directory is root's): a change is
	 * never made without its record, so no log, no start */
	{
		char *ap = conf_resolve_path(conf, conf->audit_log_file);

		srv.audit = audit_open(ap, "govmail-apid", err, sizeof(err));
		free(ap);
		if (srv.audit == NULL)
			fatalx(EX_CANTCREAT, "audit.log_file: %s", err);
	}
	srv.hrjobs = apid_hrjobs_new(&srv, conf, &dirconf, srv.audit);
	if (daemon_pidfile_write(conf->apid_pid_file, err, sizeof(err)) != 0)
		fatalx(EX_CANTCREAT, "pid file: %s", err);
	if (daemon_drop_privileges(conf->apid_user, err, sizeof(err)) != 0)
		fatalx(EX_OSERR, "%s", err);
	if (!dirconf.ldap_sasl_external) {
		char *pw = conf_resolve_path(&dirconf, dirconf.ldap_bind_password_file);

		if (access(pw, R_OK) != 0)
			fatal(EX_CONFIG, "%s %s must be readable by apid.user \"%s\"",
			    conf->apid_ldap_bind_password_file[0] ?
			    "apid.ldap_bind_password_file" : "ldap.bind_password_file", pw,
			    conf->apid_user);
		free(pw);
	}
	if (apid_http_start(&srv, err, sizeof(err)) != 0)
		fatalx(EX_OSERR, "%s", err);
	sweep = apid_idem_sweep_start(&srv);
	daemon_ready();
	log_info("started pid=%ld https=%s http=%s user=%s ldap_connections=%d",
	    (long)getpid(), conf->apid_listen[0] ? conf->apid_listen : "-",
	    conf->apid_plain_listen[0] ? conf->apid_plain_listen : "-",
	    conf->apid_user[0] ? conf->apid_user : "(unchanged)",
	    conf->apid_ldap_connections);
	do {
		if (sigwait(&set, &sig) != 0)
			sig = SIGTERM;
		if (sig == SIGHUP)
			log_info("SIGHUP: the configuration is read at start only; restart "
			    "to apply changes");
	} while (sig == SIGHUP);
	log_info("stopping on signal %d", sig);
	apid_http_stop(&srv);
	apid_idem_sweep_stop(sweep);
	apid_hrjobs_free(srv.hrjobs);
	apid_pool_free(srv.pool);
	apid_rate_free(srv.rate_addr);
	apid_rate_free(srv.rate_caller);
	apid_idem_free(srv.idem);
	apid_authcache_free(&srv);
	apid_account_cache_free(&srv);
	apid_sessions_free(&srv);
	apid_web_free(srv.web);
	audit_close(srv.audit);
	daemon_pidfile_remove(conf->apid_pid_file);
	conf_free(conf);
	return 0;
}
