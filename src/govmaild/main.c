/*
 * main.c — govmaild entry point: options, configuration check (-t),
 * start-up order (bind as root, detach, pid file, drop privileges, check
 * the spool), then the accept loop until SIGTERM.
 */
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "daemon_conf.h"
#include "listener.h"
#include "log.h"
#include "lookup.h"
#include "spool.h"

#define EX_USAGE 64
#define EX_OSERR 71
#define EX_CANTCREAT 73
#define EX_CONFIG 78

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: govmaild [-c FILE] [-f] [-t] [-v]\n"
	    "  -c FILE  configuration (default $GOVMAIL_CONF or %s)\n"
	    "  -f       stay in the foreground and log to stderr\n"
	    "  -t       check the configuration and exit (0 ok, 78 not)\n"
	    "  -v       verbose (debug) logging\n", CONF_DEFAULT_PATH);
}

/* -t: the file, plus what can be checked without starting. */
static int
check_config(const char *path)
{
	struct daemon_conf *dc;
	struct stat st;
	char err[1024];
	int rc = 0;

	if ((dc = daemon_conf_load(path, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "govmaild: %s\n", err);
		return EX_CONFIG;
	}
	if (!daemon_user_exists(dc->conf->smtpd_user)) {
		fprintf(stderr, "govmaild: %s: smtpd.user: no such user \"%s\"\n", path,
		    dc->conf->smtpd_user);
		rc = EX_CONFIG;
	}
	if (stat(dc->conf->smtpd_spool_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "govmaild: %s: smtpd.spool_dir: \"%s\" is not a directory\n",
		    path, dc->conf->smtpd_spool_dir);
		rc = EX_CONFIG;
	}
	if (rc == 0)
		printf("govmaild: configuration file %s is valid\n", path);
	daemon_conf_release(dc);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *cpath = NULL, *path;
	char abspath[PATH_MAX], err[1024];
	int ch, foreground = 0, test = 0, verbose = 0, rc;
	struct daemon_conf *dc;
	struct listener l;

	while ((ch = getopt(argc, argv, "c:ftvh")) != -1) {
		switch (ch) {
		case 'c': cpath = optarg; break;
		case 'f': foreground = 1; break;
		case 't': test = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	path = conf_choose_path(cpath);
	if (test)
		return check_config(path);
	/* SIGHUP reloads after chdir("/"): remember the absolute path. */
	if (realpath(path, abspath) != NULL)
		path = abspath;
	if ((dc = daemon_conf_load(path, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "govmaild: %s\n", err);
		return EX_CONFIG;
	}
	log_init("govmaild", foreground ? LOG_TO_STDERR : LOG_TO_SYSLOG, verbose);
	/* Many threads, little memory each: few malloc arenas. */
	mallopt(M_ARENA_MAX, 4);
	daemon_raise_nofile(4u * (unsigned long)dc->conf->smtpd_max_sessions + 64);
	if (listener_open(&l, dc->conf, err, sizeof(err)) != 0)
		fatalx(EX_OSERR, "%s", err);
	if (!foreground)
		daemon_detach();
	if (daemon_pidfile_write(dc->conf->smtpd_pid_file, err, sizeof(err)) != 0)
		fatalx(EX_CANTCREAT, "pid file: %s", err);
	listener_block_signals();
	if (daemon_drop_privileges(dc->conf->smtpd_user, err, sizeof(err)) != 0)
		fatalx(EX_OSERR, "%s", err);
	/* The directory connection is reopened after failures, as this user. */
	if ((dc->conf->policy_use_directory || dc->conf->smtpd_submission_listen.n > 0) &&
	    !dc->conf->ldap_sasl_external) {
		char *pw = conf_resolve_path(dc->conf, dc->conf->ldap_bind_password_file);

		if (access(pw, R_OK) != 0)
			fatal(EX_CONFIG, "ldap.bind_password_file %s must be readable by "
			    "smtpd.user \"%s\"", pw, dc->conf->smtpd_user);
		free(pw);
	}
	if (spool_check_dir(dc->conf->smtpd_spool_dir) != 0)
		fatal(EX_CANTCREAT, "smtpd.spool_dir %s is not writable",
		    dc->conf->smtpd_spool_dir);
	daemon_conf_install(dc);
	dc = daemon_conf_acquire();
	log_info("started pid=%ld listen=%s next_hop=%s:%d user=%s max_sessions=%d",
	    (long)getpid(), dc->conf->smtpd_relay_listen.v[0], dc->conf->nh_host,
	    dc->conf->nh_port, dc->conf->smtpd_user[0] ? dc->conf->smtpd_user : "(unchanged)",
	    dc->conf->smtpd_max_sessions);
	daemon_conf_release(dc);
	rc = listener_run(&l, path);
	dc = daemon_conf_acquire();
	daemon_pidfile_remove(dc->conf->smtpd_pid_file);
	daemon_conf_release(dc);
	daemon_conf_shutdown();
	lookup_shutdown();
	return rc;
}
