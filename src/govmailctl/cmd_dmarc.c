/*
 * cmd_dmarc.c — `govmailctl dmarc report`: the RFC 7489 aggregate report
 * of one domain over a time range, from govmaild's DMARC history file
 * (dmarc.history_file), as XML on standard output or gzip'd into a file.
 * Reading and grouping are dmarc_report.c's; sending the report is the
 * operator's choice. Failure (RUF) reports are never made: they would
 * carry parts of people's messages to whoever a From: domain names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "cli.h"
#include "commands.h"
#include "conf.h"
#include "dir_domain.h"
#include "dmarc_report.h"
#include "log.h"
#include "strbuf.h"
#include "xml_escape.h"
#include "xmalloc.h"

/* --since/--until: YYYY-MM-DD (00:00 UTC), YYYY-MM-DDTHH:MM:SSZ or @SECONDS. */
static long long
dmarc_parse_time(const char *opt, const char *s)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v;

	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &e, 10);
		if (errno == 0 && e != s + 1 && *e == '\0' && v >= 0)
			return v;
	} else {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (end == NULL || *end != '\0') {
			memset(&tm, 0, sizeof(tm));
			end = strptime(s, "%Y-%m-%d", &tm);
		}
		if (end != NULL && *end == '\0')
			return (long long)timegm(&tm);
	}
	cli_fail(EX_USAGE, "%s: \"%s\" is not YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @SECONDS",
	    opt, s);
}

/* A report_metadata value given on the command line: XML-safe, one line. */
static const char *
dmarc_meta_arg(const char *opt, const char *v)
{
	if (v[0] == '\0' || strlen(v) > 1024 || !xml_text_ok(v, strlen(v), 0))
		cli_fail(EX_USAGE, "%s: empty, longer than 1024 bytes, or not one line of UTF-8 "
		    "text", opt);
	return v;
}

static void
dmarc_warn(void *arg, const char *msg)
{
	(void)arg;
	cli_warn("%s", msg);
}

/* Write the report gzip'd to path: a temporary file renamed into place, so
 * a reader never sees half a report. */
static void
dmarc_write_gz(const char *path, const struct strbuf *xml)
{
	char *tmp = xmalloc(strlen(path) + 16);
	gzFile gz;
	int fd;

	sprintf(tmp, "%s.tmp%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0)
		cli_fail(EX_CANTCREAT, "%s: %s", tmp, strerror(errno));
	if ((gz = gzdopen(fd, "wb9")) == NULL) {
		close(fd);
		unlink(tmp);
		cli_fail(EX_OSERR, "%s: cannot start gzip", tmp);
	}
	if (gzwrite(gz, xml->p, (unsigned)xml->n) != (int)xml->n) {
		gzclose(gz);
		unlink(tmp);
		cli_fail(EX_IOERR, "%s: write failed", tmp);
	}
	if (gzclose(gz) != Z_OK || rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		cli_fail(EX_IOERR, "%s: %s", path, strerror(e));
	}
	free(tmp);
}

int
cmd_dmarc_report(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "domain", required_argument, NULL, 'd' },
		{ "org-name", required_argument, NULL, 'O' },
		{ "email", required_argument, NULL, 'E' },
		{ "extra-contact", required_argument, NULL, 'X' },
		{ "report-id", required_argument, NULL, 'R' },
		{ "history", required_argument, NULL, 'H' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *since_arg = NULL, *until_arg = NULL, *domain_arg = NULL, *history = NULL,
	    *output = NULL;
	struct dmarc_report_meta meta = { NULL, NULL, NULL, NULL };
	char domain[DIR_DOMAIN_MAX + 1], err[512], host[256], email[300], rid[400], shown[300];
	struct dmarc_report *r;
	struct strbuf xml = { NULL, 0, 0 };
	long long since, until;
	size_t skipped = 0;
	FILE *fp;
	int o, i;

	/* Accept -o as well as --output (the usual spelling for an output
	 * file), but not as the value of an option: every option here takes
	 * one, so "--name" without "=" is followed by its value. */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-o") == 0 && !(strncmp(argv[i - 1], "--", 2) == 0 &&
		    strchr(argv[i - 1], '=') == NULL && i > 1))
			argv[i] = "--output";
	while ((o = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (o) {
		case 'S': since_arg = optarg; break;
		case 'U': until_arg = optarg; break;
		case 'd': domain_arg = optarg; break;
		case 'O': meta.org_name = dmarc_meta_arg("--org-name", optarg); break;
		case 'E': meta.email = dmarc_meta_arg("--email", optarg); break;
		case 'X': meta.extra_contact_info = dmarc_meta_arg("--extra-contact", optarg); break;
		case 'R': meta.report_id = dmarc_meta_arg("--report-id", optarg); break;
		case 'H': history = optarg; break;
		case 'o': output = optarg; break;
		}
	}
	if (optind < argc)
		cli_usage_fail(cli, "unexpected argument \"%s\"",
		    log_escape(shown, sizeof(shown), argv[optind], 256));
	if (since_arg == NULL || domain_arg == NULL)
		cli_usage_fail(cli, "--since and --domain are required");
	since = dmarc_parse_time("--since", since_arg);
	until = until_arg != NULL ? dmarc_parse_time("--until", until_arg) : (long long)time(NULL);
	if (until <= since)
		cli_fail(EX_USAGE, "--until must be after --since");
	if (dir_domain_normalize(domain_arg, domain, sizeof(domain), err, sizeof(err)) != 0)
		cli_fail(EX_USAGE, "--domain %s: %s",
		    log_escape(shown, sizeof(shown), domain_arg, 256), err);
	if (history == NULL)
		history = cli_conf(cli)->dmarc_history_file;
	if (history == NULL || history[0] == '\0')
		cli_fail(EX_CONFIG, "dmarc.history_file is not set (govmaild keeps no DMARC "
		    "history); or give --history FILE");

	/* Who reports: this host unless told (give them: receivers of the
	 * report reply to email). */
	if (meta.org_name == NULL || meta.email == NULL) {
		if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0' ||
		    !xml_text_ok(host, strlen(host), 0))
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		if (meta.org_name == NULL)
			meta.org_name = host;
		if (meta.email == NULL) {
			snprintf(email, sizeof(email), "postmaster@%s", host);
			meta.email = email;
		}
	}
	if (meta.report_id == NULL) {
		snprintf(rid, sizeof(rid), "%s!%lld!%lld", domain, since, until - 1);
		meta.report_id = rid;
	}

	if ((fp = fopen(history, "re")) == NULL)
		cli_fail(EX_NOINPUT, "%s: %s", history, strerror(errno));
	r = dmarc_report_new(domain, since, until);
	if (dmarc_report_read(r, fp, history, &skipped, dmarc_warn, NULL) != 0) {
		int e = errno;

		fclose(fp);
		dmarc_report_free(r);
		cli_fail(EX_IOERR, "%s: %s", history, strerror(e));
	}
	fclose(fp);
	if (skipped > 0)
		cli_warn("%s: %zu malformed line%s skipped", history, skipped,
		    skipped == 1 ? "" : "s");
	if (dmarc_report_xml(r, &meta, &xml) != 0) {
		dmarc_report_free(r);
		cli_fail(1, "no message of %s in the range: no report (RFC 7489 sends none)",
		    domain);
	}
	if (cli->verbose)
		cli_warn("%s: %llu messages in %zu rows", domain, dmarc_report_messages(r),
		    dmarc_report_rows(r));
	dmarc_report_free(r);
	if (output != NULL)
		dmarc_write_gz(output, &xml);
	else if (fwrite(xml.p, 1, xml.n, stdout) != xml.n || fflush(stdout) != 0)
		cli_fail(EX_IOERR, "standard output: %s", strerror(errno));
	free(xml.p);
	return EX_OK;
}
