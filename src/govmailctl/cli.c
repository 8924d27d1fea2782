/*
 * cli.c — helpers shared by govmailctl's commands (see cli.h).
 */
#include <errno.h>
#include <ldap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "account_output.h"
#include "audit_log.h"
#include "cli.h"
#include "conf.h"
#include "address_template.h"
#include "dir.h"
#include "dir_account.h"
#include "json_writer.h"
#include "xmalloc.h"

/* The command being run, so cli_fail can close the audit log. */
static struct cli *cli_current;

/*
 * Error exit: the audit log is synced and closed (records already written
 * stay), then _exit() — a failed command's half-built objects are left to
 * the kernel instead of unwinding every caller, so leak checkers look only
 * at the success paths, where freeing matters.
 */
void
cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("govmailctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cli_current != NULL && cli_current->audit != NULL)
		audit_close(cli_current->audit);
	fflush(NULL);
	_exit(code);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("govmailctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_set_command(struct cli *cli, const struct cli_command *cmd)
{
	cli->cmd = cmd;
	cli_current = cli;
}

const struct govmail_conf *
cli_conf(struct cli *cli)
{
	char err[1024];

	if (cli->conf == NULL) {
		cli->conf = conf_load(conf_choose_path(cli->conf_path), err, sizeof(err));
		if (cli->conf == NULL)
			cli_fail(EX_CONFIG, "%s", err);
	}
	return cli->conf;
}

struct dir *
cli_dir(struct cli *cli)
{
	char err[1024];
	int code;

	if (cli->dir == NULL) {
		cli->dir = dir_open(cli_conf(cli), err, sizeof(err), &code);
		if (cli->dir == NULL)
			cli_fail(code, "%s", err);
	}
	return cli->dir;
}

struct dir *
cli_begin_change(struct cli *cli)
{
	const struct govmail_conf *c = cli_conf(cli);
	char err[1024], *actor, *path;

	if (cli->audit == NULL) {
		actor = audit_default_actor();
		path = conf_resolve_path(c, c->audit_log_file);
		cli->audit = audit_open(path, actor, err, sizeof(err));
		free(actor);
		free(path);
		if (cli->audit == NULL)
			cli_fail(EX_CANTCREAT, "refusing to change the directory: "
			    "cannot write the audit log: %s", err);
	}
	return cli_dir(cli);
}

void
cli_audit(struct cli *cli, const char *op, const char *target, const char *dn,
    const struct dir_mods *mods, const char *source)
{
	const char *names[64];
	size_t n = 0;

	if (mods != NULL)
		n = dir_mods_attr_names(mods, names, 64);
	if (audit_record(cli->audit, op, target, dn, names, n, source, "ok") != 0)
		cli_fail(EX_IOERR, "%s %s was done but the audit log write failed: %s",
		    op, target, strerror(errno));
}

void
cli_dir_fail(struct cli *cli, const char *what)
{
	struct dir *d = cli->dir;

	cli_fail(dir_status_exit(dir_last_status(d)), "%s: %s", what, dir_error(d));
}

void
cli_finish(struct cli *cli)
{
	if (cli->json != NULL) {
		json_writer_free(cli->json);
		cli->json = NULL;
		fputc('\n', stdout);
	}
	if (cli->audit != NULL && audit_close(cli->audit) != 0)
		cli_warn("closing the audit log: %s", strerror(errno));
	cli->audit = NULL;
	dir_close(cli->dir);
	cli->dir = NULL;
	conf_free(cli->conf);
	cli->conf = NULL;
}

void
cli_usage(struct cli *cli, FILE *fp)
{
	const char *usage = cli->cmd ? cli->cmd->usage : "";

	fprintf(fp, "usage: govmailctl %s%s%s\n  %s\n", cli->cmdname, *usage ? " " : "",
	    usage, cli->cmd ? cli->cmd->summary : "");
}

/* Characters of a long option name. */
static int
help_optchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * The next "--name" in the TERM part of a help line (before the tab), from
 * *p on: its start and length, or 0 at the end. A bare "--" is skipped.
 */
static size_t
help_next_option(const char **p, const char *end, const char **name)
{
	const char *s;

	for (s = *p; s + 2 < end; s++) {
		size_t n = 0;

		if (s[0] != '-' || s[1] != '-' || (s > *p && help_optchar(s[-1])))
			continue;
		while (s + 2 + n < end && help_optchar(s[2 + n]))
			n++;
		if (n == 0)
			continue;
		*name = s + 2;
		*p = s + 2 + n;
		return n;
	}
	*p = end;
	return 0;
}

/* Is --name (n bytes) in the getopt table? */
static int
help_opts_have(const struct option *opts, const char *name, size_t n)
{
	size_t i;

	for (i = 0; opts != NULL && opts[i].name != NULL; i++)
		if (strlen(opts[i].name) == n && strncmp(opts[i].name, name, n) == 0)
			return 1;
	return 0;
}

/* Does some help line's TERM name --name? */
static int
help_lines_have(const char *const *help, const char *name)
{
	size_t i, n, want = strlen(name);
	const char *p, *end, *got;

	for (i = 0; help != NULL && help[i] != NULL; i++) {
		if ((end = strchr(help[i], '\t')) == NULL)
			continue;
		for (p = help[i]; (n = help_next_option(&p, end, &got)) > 0;)
			if (n == want && strncmp(got, name, n) == 0)
				return 1;
	}
	return 0;
}

int
cli_help(const struct cli_command *cmd, const struct option *opts, FILE *fp,
    char *err, size_t errlen)
{
	const char *const *help = cmd->help;
	size_t i, n, width = strlen("-h, --help");
	const char *p, *end, *name;
	int rc = 0;

	err[0] = '\0';
	for (i = 0; help != NULL && help[i] != NULL; i++) {
		end = strchr(help[i], '\t');
		if (end == NULL || end == help[i] || end[1] == '\0' ||
		    strchr(help[i], '\n') != NULL) {
			snprintf(err, errlen, "line %zu is not \"TERM<tab>description\"", i + 1);
			rc = -1;
			continue;
		}
		if ((size_t)(end - help[i]) > width)
			width = (size_t)(end - help[i]);
		for (p = help[i]; rc == 0 && (n = help_next_option(&p, end, &name)) > 0;)
			if (!help_opts_have(opts, name, n)) {
				snprintf(err, errlen, "it lists --%.*s, which the command does "
				    "not take", (int)n, name);
				rc = -1;
			}
	}
	for (i = 0; rc == 0 && opts != NULL && opts[i].name != NULL; i++)
		if (!help_lines_have(help, opts[i].name)) {
			snprintf(err, errlen, "option --%s is not described", opts[i].name);
			rc = -1;
		}

	fprintf(fp, "usage: govmailctl %s %s%s%s\n  %s\n\n", cmd->noun, cmd->verb,
	    *cmd->usage ? " " : "", cmd->usage, cmd->summary);
	if (width > 28)
		width = 28;
	for (i = 0; help != NULL && help[i] != NULL; i++) {
		if ((end = strchr(help[i], '\t')) == NULL)
			continue;
		fprintf(fp, "  %-*.*s  %s\n", (int)width, (int)(end - help[i]), help[i],
		    end + 1);
	}
	fprintf(fp, "  %-*s  %s\n", (int)width, "-h, --help", "print this help and exit");
	fprintf(fp, "\nGlobal options (-c FILE, --json, -v) go before NOUN; see "
	    "govmailctl(8).\n");
	return rc;
}

void
cli_usage_fail(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "govmailctl %s: ", cli->cmdname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage(cli, stderr);
	fprintf(stderr, "  (govmailctl %s --help describes every option)\n", cli->cmdname);
	fflush(NULL);
	_exit(EX_USAGE);
}

int
cli_getopt(struct cli *cli, int argc, char **argv, const struct option *opts)
{
	static const struct option help_only[] = {
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct option all[48];
	size_t n = 0;
	int ch;

	for (; opts != NULL && opts[n].name != NULL && n < 46; n++)
		all[n] = opts[n];
	all[n++] = help_only[0];
	all[n] = help_only[1];
	opterr = 0;
	ch = getopt_long(argc, argv, "+h", all, NULL);
	if (ch == 'h') {
		char err[256];

		if (cli->cmd == NULL)
			cli_usage(cli, stdout);
		else if (cli_help(cli->cmd, opts, stdout, err, sizeof(err)) != 0)
			cli_fail(EX_SOFTWARE, "the help of '%s' is out of step with its "
			    "options: %s", cli->cmdname, err);
		cli_finish(cli);
		exit(EX_OK);
	}
	if (ch == '?') {
		if (optopt != 0)
			cli_usage_fail(cli, "option -%c is unknown or needs a value", optopt);
		cli_usage_fail(cli, "unknown option or missing value: %s", argv[optind - 1]);
	}
	if (ch == ':')
		cli_usage_fail(cli, "option needs a value: %s", argv[optind - 1]);
	return ch;
}

int
cli_getopt_pos(struct cli *cli, int argc, char **argv, const struct option *opts,
    char **pos, int maxpos, int *npos)
{
	for (;;) {
		int before = optind, ch = cli_getopt(cli, argc, argv, opts);

		if (ch != -1)
			return ch;
		if (optind == before + 1 && before < argc && strcmp(argv[before], "--") == 0) {
			while (optind < argc) {
				if (*npos >= maxpos)
					cli_usage_fail(cli, "unexpected argument '%s'", argv[optind]);
				pos[(*npos)++] = argv[optind++];
			}
		}
		if (optind >= argc)
			return -1;
		if (*npos >= maxpos)
			cli_usage_fail(cli, "unexpected argument '%s'", argv[optind]);
		pos[(*npos)++] = argv[optind++];
	}
}

struct account *
cli_account(struct cli *cli, struct dir *d, const char *key)
{
	struct account *a = NULL;
	size_t n = 0;
	enum dir_status st = dir_account_lookup(d, key, &a, &n);

	if (st == DIR_NOT_FOUND)
		cli_fail(EX_NOUSER, "no account has the address, uid, employee id or name '%s'",
		    key);
	if (st == DIR_CONSTRAINT && n > 1)
		cli_fail(EX_DATAERR, "%zu accounts are named '%s': name one by its address "
		    "(govmailctl account list --name '%s' lists them)", n, key, key);
	if (st != DIR_OK)
		cli_dir_fail(cli, "looking up the account");
	return a;
}

char *
cli_address(const char *s)
{
	char err[256], *a = xstrdup(s);

	dir_lower(a);
	if (address_check(a, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "invalid address '%s': %s", s, err);
	return a;
}

int
cli_account_exit(struct dir *d, enum dir_status st)
{
	(void)d;
	if (st == DIR_NOT_FOUND)
		return EX_NOUSER;
	if (st == DIR_CONSTRAINT || st == DIR_EXISTS)
		return EX_DATAERR;
	return dir_status_exit(st);
}

void
cli_account_done(struct cli *cli, const char *op, const struct account *a,
    struct account_result *r, const char *summary)
{
	if (dir_mods_count(r->mods) > 0)
		cli_audit_result(cli, op, a->address, a->dn, r);
	if (cli->json)
		account_print_result_json(op, a, r, cli->json);
	else {
		if (summary != NULL)
			printf("%s\n", summary);
		account_print_changes(r, stdout);
	}
	account_result_clear(r);
}

void
cli_audit_values(struct cli *cli, const char *op, const char *target, const char *dn,
    const struct dir_mods *mods, const struct account_result *r, const char *source)
{
	struct audit_change ch[32];
	const char *names[64];
	size_t i, n = 0, nc = 0;

	if (mods != NULL)
		n = dir_mods_attr_names(mods, names, 64);
	for (i = 0; i < r->n && nc < 32; i++, nc++) {
		ch[nc].field = r->changes[i].field;
		ch[nc].old = r->changes[i].old;
		ch[nc].new = r->changes[i].new;
	}
	if (audit_record_changes(cli->audit, op, target, dn, names, n, ch, nc, source,
	    "ok") != 0)
		cli_fail(EX_IOERR, "%s %s was done but the audit log write failed: %s",
		    op, target, strerror(errno));
}

void
cli_audit_result(struct cli *cli, const char *op, const char *target, const char *dn,
    const struct account_result *r)
{
	cli_audit_values(cli, op, target, dn, r->mods, r, NULL);
}

long long
cli_parse_size(const char *s)
{
	return conf_parse_size(s);
}

char *
cli_read_secret(const char *prompt)
{
	struct termios old, quiet;
	char buf[1024], c;
	int tty = isatty(STDIN_FILENO);
	size_t n = 0;
	ssize_t r;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	/* read(2) byte by byte: no stdio buffer keeps a copy of the secret. */
	while ((r = read(STDIN_FILENO, &c, 1)) == 1 && c != '\n') {
		if (n + 1 < sizeof(buf) && c != '\r')
			buf[n++] = c;
	}
	buf[n] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	{
		char *s = xstrdup(buf);

		explicit_bzero(buf, sizeof(buf));
		return s;
	}
}
