/*
 * main.c — govmaild entry point: options, configuration check (-t),
 * start-up order (bind as root, detach, pid file, drop privileges, check
 * the spool), then the accept loop until SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "daemon.h"
#include "daemon_conf.h"
#include "listener.h"
#include "log.h"
#include "lookup.h"
#include "sign_check.h"
#include "sign_pdf.h"
#include "sign_verify.h"
#include "smtp_client_pool.h"
#include "smtp_inbound_auth.h"
#include "spool.h"

#define EX_USAGE 64
#define EX_NOINPUT 66
#define EX_OSERR 71
#define EX_TEMPFAIL 75
#define EX_CANTCREAT 73
#define EX_CONFIG 78

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: govmaild [-c FILE] [-f] [-t] [-v]\n"
	    "       govmaild [-c FILE] -s [-r REQUIREMENT] [-S SENDER] FILE...\n"
	    "       govmaild -h | --help | -V | --version\n"
	    "\n"
	    "The govmail SMTP relay filter (see govmaild(8), govmail.conf(5)).\n"
	    "  -c FILE  configuration (default $GOVMAIL_CONF or %s)\n"
	    "  -f       stay in the foreground and log to stderr\n"
	    "  -t       check the configuration and exit (0 ok, 78 not)\n"
	    "  -v       verbose (debug) logging\n"
	    "  -s       check the signatures in each FILE (a message, one document or a\n"
	    "           .p7s) with the signature { } trust store, print one line per\n"
	    "           document; exit 0 if all pass, 1 if one fails, 75 if one cannot\n"
	    "           be checked now\n"
	    "  -r REQ   requirement for -s (default verify)\n"
	    "  -S ADDR  the sender for -s (for require-person-and-org)\n"
	    "  -h, --help     this text\n"
	    "  -V, --version  print the version and exit\n"
	    "Signals: SIGHUP reloads the configuration, SIGTERM drains and stops.\n",
	    CONF_DEFAULT_PATH);
}

/* The whole of a file (NUL added); NULL with errno. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (fp == NULL)
		return NULL;
	do {
		if (*len + 65536 + 1 > cap)
			buf = realloc(buf, cap = (cap + 65536) * 2);
		if (buf == NULL)
			break;
		n = fread(buf + *len, 1, cap - *len - 1, fp);
		*len += n;
	} while (n > 0);
	fclose(fp);
	if (buf != NULL)
		buf[*len] = '\0';
	return buf;
}

/* -s: the signature rule on files, for operators and the tests' oracle. */
static int
check_signatures(const char *path, const char *req_name, const char *sender,
    char *const *files, int nfiles)
{
	static const char *const results[] = { "none", "pass", "fail" };
	struct daemon_conf *dc;
	struct sign_check_limits lim;
	struct sign_identity id;
	struct sign_check_result *res;
	const char *addrs[1] = { sender };
	char err[1024], *buf, *msg;
	size_t len, i, nl;
	int req = sign_requirement_parse(req_name), k, rc = 0, p7s, worst = 0;

	if (req < 0) {
		fprintf(stderr, "govmaild: -r: not a requirement: %s\n", req_name);
		return EX_USAGE;
	}
	if ((dc = daemon_conf_load(path, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "govmaild: %s\n", err);
		return EX_CONFIG;
	}
	if (dc->sign == NULL) {
		fprintf(stderr, "govmaild: %s: signature.trust_anchors is not set\n", path);
		daemon_conf_release(dc);
		return EX_CONFIG;
	}
	memset(&lim, 0, sizeof(lim));
	lim.documents = dc->conf->signature_documents.v;
	lim.ndocuments = dc->conf->signature_documents.n;
	lim.max_document_size = (size_t)dc->conf->signature_max_document_size;
	lim.max_signature_size = (size_t)dc->conf->signature_max_signature_size;
	lim.max_depth = dc->conf->policy_max_mime_depth;
	lim.max_parts = dc->conf->policy_max_mime_parts;
	lim.max_cpu_us = (long long)dc->conf->signature_max_cpu_time * 1000;
	memset(&id, 0, sizeof(id));
	id.addresses = addrs;
	id.naddresses = sender != NULL;
	res = malloc(sizeof(*res));
	for (k = 0; k < nfiles && res != NULL; k++) {
		if ((buf = read_file(files[k], &len)) == NULL) {
			fprintf(stderr, "govmaild: %s: %s\n", files[k], strerror(errno));
			rc = EX_NOINPUT;
			continue;
		}
		msg = buf;
		nl = strlen(files[k]);
		p7s = nl > 4 && strcasecmp(files[k] + nl - 4, ".p7s") == 0;
		if (p7s || sign_pdf_is_pdf((const unsigned char *)buf, len)) {
			/* one document, or a lone detached signature: as the only
			 * attachment of a message */
			const char *base = strrchr(files[k], '/');
			size_t mlen = len + 1024;

			msg = malloc(mlen);
			len = (size_t)snprintf(msg, mlen, "MIME-Version: 1.0\r\nContent-Type: "
			    "%s\r\nContent-Disposition: attachment; filename=\"%.500s\"\r\n"
			    "Content-Transfer-Encoding: binary\r\n\r\n",
			    p7s ? "application/pkcs7-signature" : "application/pdf",
			    base ? base + 1 : files[k]);
			memcpy(msg + len, buf, mlen - 1024);
			len += mlen - 1024;
		}
		sign_check_buffer(dc->sign, msg, len, &lim, (enum sign_requirement)req, &id, res);
		if (res->problem[0] != '\0') {
			printf("%s: problem=\"%s\"\n", files[k], res->problem);
			worst = worst > 1 ? worst : 1;
		}
		for (i = 0; i < res->ndocs; i++) {
			const struct sign_doc *d = &res->docs[i];

			printf("%s: file=\"%s\" result=%s meets=%s sigs=%s signer=\"%s\" "
			    "org=\"%s\" time=%s doc-timestamp=%s reason=\"%s\"\n", files[k],
			    d->ascii, results[d->result],
			    d->tempfail ? "tempfail" : d->meets ? "yes" : "no",
			    d->statuses[0] ? d->statuses : "-", d->signer, d->org,
			    d->times[0] ? d->times : "-",
			    d->doc_timestamps[0] ? d->doc_timestamps : "-", d->reason);
			if (d->tempfail)
				worst = 2;
			else if ((d->result == SIGN_DOC_FAIL || !d->meets) && worst < 1)
				worst = 1;
		}
		if (msg != buf)
			free(msg);
		free(buf);
	}
	free(res);
	daemon_conf_release(dc);
	/* 0: every document passed or met the requirement; 1: one failed (or
	 * the message could not be checked); 75: one could not be checked now */
	if (rc == 0)
		rc = worst == 2 ? EX_TEMPFAIL : worst;
	return rc;
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
	if (dc->sign != NULL) {
		char crl[300];

		sign_trust_crl_state(dc->sign, crl, sizeof(crl));
		if (crl[0] != '\0')
			fprintf(stderr, "govmaild: %s: signature.crl_files: %s (signature checks "
			    "will follow signature.crl_unreadable)\n", path, crl);
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
	int ch, foreground = 0, test = 0, verbose = 0, sigcheck = 0, rc;
	const char *req = "verify", *sender = NULL;
	struct daemon_conf *dc;
	struct listener l;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};

	while ((ch = getopt_long(argc, argv, "c:ftvhVsr:S:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': cpath = optarg; break;
		case 'f': foreground = 1; break;
		case 't': test = 1; break;
		case 'v': verbose = 1; break;
		case 's': sigcheck = 1; break;
		case 'r': req = optarg; break;
		case 'S': sender = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("govmaild %s\n", GOVMAIL_VERSION); return 0;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if ((optind != argc) != sigcheck) {
		usage(stderr);
		return EX_USAGE;
	}
	path = conf_choose_path(cpath);
	if (sigcheck)
		return check_signatures(path, req, sender, argv + optind, argc - optind);
	if (test)
		return check_config(path);
	/* SIGHUP reloads after chdir("/"): remember the absolute path. */
	if (realpath(path, abspath) != NULL)
		path = abspath;
	if ((dc = daemon_conf_load(path, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "govmaild: %s\n", err);
		return EX_CONFIG;
	}
	/* Installed at once: the snapshot stays reachable if start-up fails. */
	daemon_conf_install(dc);
	dc = daemon_conf_acquire();
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
	/* Before the first thread and while root: the mail authentication
	 * libraries' process-wide state, the DMARC history file. */
	if (smtp_inbound_auth_init(dc->conf, err, sizeof(err)) != 0)
		fatalx(EX_CONFIG, "%s", err);
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
	daemon_ready();
	log_info("started pid=%ld listen=%s next_hop=%s:%d user=%s max_sessions=%d",
	    (long)getpid(), dc->conf->smtpd_relay_listen.v[0], dc->conf->nh_host,
	    dc->conf->nh_port, dc->conf->smtpd_user[0] ? dc->conf->smtpd_user : "(unchanged)",
	    dc->conf->smtpd_max_sessions);
	daemon_conf_release(dc);
	rc = listener_run(&l, path);
	smtp_client_pool_flush();
	dc = daemon_conf_acquire();
	daemon_pidfile_remove(dc->conf->smtpd_pid_file);
	daemon_conf_release(dc);
	daemon_conf_shutdown();
	smtp_inbound_auth_shutdown();
	lookup_shutdown();
	return rc;
}
