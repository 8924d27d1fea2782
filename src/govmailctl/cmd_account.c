/*
 * cmd_account.c — govmailctl account add|show|list|modify|move|rename|
 * suspend|resume|disable|purge|passwd|reindex. The account model
 * (dir_account.h: account_find.c, account_ops.c, dir_account.c) does the
 * directory work; this file parses options, prints and audits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account_lock_output.h"
#include "account_output.h"
#include "cli.h"
#include "commands.h"
#include "conf.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_schema.h"        /* status values only */
#include "json_writer.h"
#include "passwd_hash.h"
#include "xmalloc.h"

/* Exit on a refused or failed operation. */
static void
account_check(struct dir *d, enum dir_status st, const char *err)
{
	if (st != DIR_OK)
		cli_fail(cli_account_exit(d, st), "%s", err);
}

/*
 * The library's refusal of a taken employee id does not name the holder
 * (govmail-apid passes it on to callers who may not see that account);
 * an administrator on the directory may, so name it here.
 */
static void
account_employee_holder_note(struct dir *d, enum dir_status st, const char *id,
    const char *self, char *err, size_t errlen)
{
	char holder[400];
	size_t n = strlen(err);

	if (st == DIR_EXISTS && id != NULL &&
	    dir_account_employee_holder(d, id, holder, sizeof(holder)) == 1 &&
	    holder[0] != '\0' && (self == NULL || strcasecmp(holder, self) != 0) &&
	    n < errlen)
		snprintf(err + n, errlen - n, " (%s)", holder);
}

static int
account_hash_new_password(struct cli *cli, int generate, char *hash, size_t hlen,
    char *plain, size_t plen)
{
	const struct govmail_conf *c = cli_conf(cli);
	char err[256];

	if (generate) {
		/* High-entropy generated password: fast salted scheme (see passwd_hash.c). */
		if (passwd_generate(plain, (size_t)c->pw_generated_length) != 0 ||
		    passwd_hash_ssha512(plain, hash, hlen) != 0)
			cli_fail(EX_SOFTWARE, "cannot generate a password");
	} else {
		char *pw = cli_read_secret("New password: ");

		if (passwd_check_policy(pw, (size_t)c->pw_min_length, err, sizeof(err)) != 0) {
			explicit_bzero(pw, strlen(pw));
			free(pw);
			cli_fail(EX_DATAERR, "password refused: %s", err);
		}
		if (passwd_hash_yescrypt(pw, hash, hlen) != 0) {
			explicit_bzero(pw, strlen(pw));
			free(pw);
			cli_fail(EX_SOFTWARE, "cannot hash the password");
		}
		explicit_bzero(pw, strlen(pw));
		free(pw);
		(void)plen;
		plain[0] = '\0';
	}
	return 0;
}

int
cmd_account_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "agency", required_argument, NULL, 'a' },
		{ "employee-id", required_argument, NULL, 'e' },
		{ "title", required_argument, NULL, 't' },
		{ "phone", required_argument, NULL, 'p' },
		{ "mobile", required_argument, NULL, 'm' },
		{ "domain", required_argument, NULL, 'd' },
		{ "address", required_argument, NULL, 'A' },
		{ "quota", required_argument, NULL, 'q' },
		{ "internal-only", no_argument, NULL, 'i' },
		{ "external-allowed", no_argument, NULL, 'x' },
		{ "generate-password", no_argument, NULL, 'g' },
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct account_new a;
	struct account_created out;
	struct account_result r;
	struct dir_mods *m = NULL;
	enum dir_status cst;
	char err[1024], hash[256], plain[160];
	int ch, gen = 0, pwin = 0;
	struct dir *d;

	memset(&a, 0, sizeof(a));
	a.quota = -1;
	a.may_send_external = -1;
	while ((ch = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (ch) {
		case 'n': a.name = optarg; break;
		case 'a': a.agency = optarg; break;
		case 'e': a.employee_id = optarg; break;
		case 't': a.title = optarg; break;
		case 'p': a.phone = optarg; break;
		case 'm': a.mobile = optarg; break;
		case 'd': a.domain = optarg; break;
		case 'A': a.address = optarg; break;
		case 'q':
			if ((a.quota = cli_parse_size(optarg)) < 0)
				cli_usage_fail(cli, "bad quota '%s'", optarg);
			break;
		case 'i': a.may_send_external = 0; break;
		case 'x': a.may_send_external = 1; break;
		case 'g': gen = 1; break;
		case 's': pwin = 1; break;
		}
	}
	if (optind != argc)
		cli_usage_fail(cli, "unexpected argument '%s'", argv[optind]);
	if (a.name == NULL || a.agency == NULL)
		cli_usage_fail(cli, "--name and --agency are required");
	if (gen && pwin)
		cli_usage_fail(cli, "--generate-password and --password-stdin exclude each other");
	if (a.address && a.domain)
		cli_usage_fail(cli, "--address and --domain exclude each other");
	d = cli_begin_change(cli);
	plain[0] = '\0';
	if (gen || pwin) {
		account_hash_new_password(cli, gen, hash, sizeof(hash), plain, sizeof(plain));
		a.password_hash = hash;
		a.must_change_password = gen ? cli_conf(cli)->pw_must_change_initial : 0;
	}
	if ((cst = dir_account_create(d, cli_conf(cli), &a, &out, err, sizeof(err),
	    &m)) != DIR_OK) {
		enum dir_status st = dir_last_status(d);
		int code = EX_DATAERR;

		if (out.field != NULL && strcmp(out.field, "employee_id") == 0)
			account_employee_holder_note(d, cst, a.employee_id, NULL, err,
			    sizeof(err));

		if (st == DIR_UNAVAILABLE || st == DIR_DENIED || st == DIR_ERROR)
			code = dir_status_exit(st);
		if (strncmp(err, "unknown agency", 14) == 0)
			code = EX_NOUSER;
		explicit_bzero(plain, sizeof(plain));
		cli_fail(code, "account not created: %s", err);
	}
	account_result_created(&r, &a, out.address, m);
	cli_audit_result(cli, "account.add", out.address, out.dn, &r);
	account_result_clear(&r);
	if (cli->json) {
		json_begin_object(cli->json);
		json_key(cli->json, "address");
		json_string(cli->json, out.address);
		json_key(cli->json, "uid");
		json_string(cli->json, out.uid);
		json_key(cli->json, "dn");
		json_string(cli->json, out.dn);
		if (plain[0]) {
			json_key(cli->json, "password");
			json_string(cli->json, plain);
		}
		json_end_object(cli->json);
	} else {
		printf("created %s (uid %s)\n", out.address, out.uid);
		if (plain[0])
			printf("initial password (shown once): %s\n", plain);
	}
	explicit_bzero(plain, sizeof(plain));
	return EX_OK;
}

/* Parse options (anywhere) and the one ADDRESS argument. */
static const char *
account_arg(struct cli *cli, int argc, char **argv, const struct option *opts,
    int (*each)(int ch, void *arg), void *arg)
{
	char *pos[1];
	int ch, npos = 0;

	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1)
		if (each != NULL && each(ch, arg) != 0)
			cli_usage_fail(cli, "bad value for an option");
	if (npos != 1)
		cli_usage_fail(cli, "expected one ADDRESS argument");
	return pos[0];
}

int
cmd_account_show(struct cli *cli, int argc, char **argv)
{
	const char *key = account_arg(cli, argc, argv, NULL, NULL, NULL);
	struct dir *d = cli_dir(cli);
	struct account *a = cli_account(cli, d, key);

	account_lock_prepare(d, a);
	if (cli->json)
		account_print_json(a, cli->json);
	else
		account_print_text(a, stdout);
	account_free(a);
	return EX_OK;
}

static int
account_list_cb(const struct account *a, void *arg)
{
	struct cli *cli = arg;

	if (cli->json)
		account_print_json(a, cli->json);
	else
		account_print_line(a, stdout);
	return 0;
}

/* A count for --limit/--offset; exits 64 on anything else. */
static size_t
account_count_arg(struct cli *cli, const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > 1000000000ULL)
		cli_usage_fail(cli, "%s needs a number, not '%s'", opt, s);
	return (size_t)v;
}

int
cmd_account_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agency", required_argument, NULL, 'a' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "status", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "employee-id", required_argument, NULL, 'e' },
		{ "address", required_argument, NULL, 'A' },
		{ "limit", required_argument, NULL, 'l' },
		{ "offset", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct account_filter f;
	char err[1024], *addr = NULL;
	size_t matched = 0;
	struct dir *d;
	enum dir_status st;
	int ch;

	memset(&f, 0, sizeof(f));
	while ((ch = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (ch) {
		case 'a': f.agency = optarg; break;
		case 'r': f.recursive = 1; break;
		case 's': f.status = optarg; break;
		case 'd': f.domain = optarg; break;
		case 'n': f.name = optarg; break;
		case 'e': f.employee_id = optarg; break;
		case 'A': free(addr); f.address = addr = cli_address(optarg); break;
		case 'l': f.limit = account_count_arg(cli, "--limit", optarg); break;
		case 'o': f.offset = account_count_arg(cli, "--offset", optarg); break;
		}
	}
	if (optind != argc)
		cli_usage_fail(cli, "unexpected argument '%s'", argv[optind]);
	if (f.recursive && f.agency == NULL)
		cli_usage_fail(cli, "--recursive needs --agency");
	if (f.status && strcmp(f.status, DIR_STATUS_ACTIVE) &&
	    strcmp(f.status, DIR_STATUS_SUSPENDED) && strcmp(f.status, DIR_STATUS_DISABLED) &&
	    strcmp(f.status, ACCOUNT_STATUS_LOCKED))
		cli_usage_fail(cli, "--status must be active, suspended, disabled or locked");
	d = cli_dir(cli);
	if (cli->json)
		json_begin_array(cli->json);
	st = dir_account_list(d, &f, account_list_cb, cli, &matched, err, sizeof(err));
	if (st != DIR_OK)
		cli_fail(cli_account_exit(d, st), "listing accounts: %s", err);
	if (cli->json)
		json_end_array(cli->json);
	else if (cli->verbose)
		fprintf(stderr, "%zu accounts\n", matched);
	free(addr);
	return EX_OK;
}

struct modify_opts {
	struct account_fields f;
	int any;
};

static int
account_modify_opt(int ch, void *arg)
{
	struct modify_opts *o = arg;

	o->any = 1;
	switch (ch) {
	case 'n': o->f.name = optarg; break;
	case 't': o->f.title = optarg; break;
	case 'p': o->f.phone = optarg; break;
	case 'm': o->f.mobile = optarg; break;
	case 'e': o->f.employee_id = optarg; break;
	case 'i': o->f.may_send_external = 0; break;
	case 'x': o->f.may_send_external = 1; break;
	case 'l': o->f.language = optarg; break;
	}
	return 0;
}

int
cmd_account_modify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "title", required_argument, NULL, 't' },
		{ "phone", required_argument, NULL, 'p' },
		{ "mobile", required_argument, NULL, 'm' },
		{ "employee-id", required_argument, NULL, 'e' },
		{ "internal-only", no_argument, NULL, 'i' },
		{ "external-allowed", no_argument, NULL, 'x' },
		{ "language", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct modify_opts o = { .f = { .may_send_external = -1 }, .any = 0 };
	const char *key = account_arg(cli, argc, argv, opts, account_modify_opt, &o);
	struct account_result r;
	struct account *a;
	struct dir *d;
	enum dir_status st;
	char err[1024], *summary;

	if (!o.any)
		cli_usage_fail(cli, "nothing to change");
	d = cli_begin_change(cli);
	a = cli_account(cli, d, key);
	st = account_modify(d, cli_conf(cli), a, &o.f, &r, err, sizeof(err));
	account_employee_holder_note(d, st, o.f.employee_id, a->address, err,
	    sizeof(err));
	account_check(d, st, err);
	summary = r.n > 0 ? xasprintf("modified %s", a->address) :
	    xasprintf("%s already is as asked: nothing changed", a->address);
	cli_account_done(cli, "account.modify", a, &r, summary);
	free(summary);
	account_free(a);
	return EX_OK;
}

static int
move_opt(int ch, void *arg)
{
	if (ch == 'a')
		*(const char **)arg = optarg;
	return 0;
}

int
cmd_account_move(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agency", required_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
	const char *agency = NULL, *key;
	struct account_result r;
	struct account *a;
	struct dir *d;
	char err[1024], *summary;

	key = account_arg(cli, argc, argv, opts, move_opt, &agency);
	if (agency == NULL)
		cli_usage_fail(cli, "--agency is required");
	d = cli_begin_change(cli);
	a = cli_account(cli, d, key);
	account_check(d, account_move(d, a, agency, &r, err, sizeof(err)), err);
	summary = xasprintf("moved %s to %s (address unchanged)", a->address, agency);
	cli_account_done(cli, "account.move", a, &r, summary);
	free(summary);
	account_free(a);
	return EX_OK;
}

int
cmd_account_rename(struct cli *cli, int argc, char **argv)
{
	struct account_result r;
	struct account *a;
	struct dir *d;
	char err[1024], *summary, *addr, *pos[2];
	int npos = 0;

	while (cli_getopt_pos(cli, argc, argv, NULL, pos, 2, &npos) != -1)
		;
	if (npos != 2)
		cli_usage_fail(cli, "expected ADDRESS NEW-ADDRESS");
	addr = cli_address(pos[1]);
	d = cli_begin_change(cli);
	a = cli_account(cli, d, pos[0]);
	account_check(d, account_readdress(d, a, addr, &r, err, sizeof(err)), err);
	summary = xasprintf("renamed %s to %s (%s stays as an alias)", a->address, addr,
	    a->address);
	cli_account_done(cli, "account.rename", a, &r, summary);
	free(summary);
	account_free(a);
	free(addr);
	return EX_OK;
}

static int
reason_opt(int ch, void *arg)
{
	if (ch == 'r')
		*(const char **)arg = optarg;
	return 0;
}

/* suspend / resume / disable share this: new status, reason, time. */
static int
account_status_cmd(struct cli *cli, int argc, char **argv, const char *status,
    int reason_required, const char *op)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 } };
	const char *reason = NULL, *key;
	struct account_result r;
	struct account *a;
	struct dir *d;
	char err[1024], *summary;

	key = account_arg(cli, argc, argv, opts, reason_opt, &reason);
	if (reason_required && (reason == NULL || *reason == '\0'))
		cli_usage_fail(cli, "--reason is required");
	d = cli_begin_change(cli);
	a = cli_account(cli, d, key);
	account_check(d, account_set_status(d, a, status, reason, &r, err, sizeof(err)), err);
	summary = xasprintf(r.n > 0 ? "%s is now %s" : "%s is already %s", a->address,
	    status);
	cli_account_done(cli, op, a, &r, summary);
	free(summary);
	account_free(a);
	return EX_OK;
}

int
cmd_account_suspend(struct cli *cli, int argc, char **argv)
{
	return account_status_cmd(cli, argc, argv, DIR_STATUS_SUSPENDED, 1,
	    "account.suspend");
}

int
cmd_account_resume(struct cli *cli, int argc, char **argv)
{
	return account_status_cmd(cli, argc, argv, DIR_STATUS_ACTIVE, 0, "account.resume");
}

int
cmd_account_disable(struct cli *cli, int argc, char **argv)
{
	return account_status_cmd(cli, argc, argv, DIR_STATUS_DISABLED, 0,
	    "account.disable");
}

static int
force_opt(int ch, void *arg)
{
	if (ch == 'f')
		*(int *)arg = 1;
	return 0;
}

int
cmd_account_purge(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
	int force = 0;
	const char *key = account_arg(cli, argc, argv, opts, force_opt, &force);
	struct dir *d = cli_begin_change(cli);
	struct account *a = cli_account(cli, d, key);
	const char *target = a->address;
	char err[1024];
	enum dir_status st;

	st = account_purge(d, a, cli_conf(cli)->acct_retention_days, force, err,
	    sizeof(err));
	if (st == DIR_CONSTRAINT)
		cli_fail(EX_DATAERR, "%s (%s)", err, a->status != NULL &&
		    strcmp(a->status, DIR_STATUS_DISABLED) == 0 ?
		    "use --force to purge now" : "govmailctl account disable first");
	if (st != DIR_OK)
		cli_dir_fail(cli, "purging the account");
	cli_audit(cli, "account.purge", target, a->dn, NULL, NULL);
	if (!cli->json)
		printf("purged %s\n", target);
	account_free(a);
	return EX_OK;
}

struct passwd_opts {
	int generate;
	int must_change;            /* -1 default */
};

static int
passwd_opt(int ch, void *arg)
{
	struct passwd_opts *o = arg;

	if (ch == 'g')
		o->generate = 1;
	else if (ch == 'M')
		o->must_change = 1;
	else if (ch == 'N')
		o->must_change = 0;
	return 0;
}

int
cmd_account_passwd(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "generate", no_argument, NULL, 'g' },
		{ "must-change", no_argument, NULL, 'M' },
		{ "no-must-change", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct passwd_opts o = { 0, -1 };
	const char *key = account_arg(cli, argc, argv, opts, passwd_opt, &o);
	char hash[256], plain[160], err[1024];
	struct account_result r;
	struct account *a;
	struct dir *d;
	enum dir_status st;
	int must, locked;

	d = cli_begin_change(cli);
	a = cli_account(cli, d, key);
	account_hash_new_password(cli, o.generate, hash, sizeof(hash), plain, sizeof(plain));
	must = o.must_change >= 0 ? o.must_change :
	    (o.generate ? cli_conf(cli)->pw_must_change_initial : 0);
	st = account_password_set(d, a, hash, must, &r, err, sizeof(err));
	explicit_bzero(hash, sizeof(hash));
	locked = account_lock_held(a);
	if (st != DIR_OK) {
		explicit_bzero(plain, sizeof(plain));
		cli_fail(cli_account_exit(d, st), "account.passwd: %s", err);
	}
	cli_audit_result(cli, "account.passwd", a->address, a->dn, &r);
	account_result_clear(&r);
	if (locked)
		account_lock_keep(cli, d, a);
	if (cli->json) {
		json_begin_object(cli->json);
		json_key(cli->json, "address");
		json_string(cli->json, a->address);
		if (plain[0]) {
			json_key(cli->json, "password");
			json_string(cli->json, plain);
		}
		json_key(cli->json, "must_change_password");
		json_bool(cli->json, must);
		json_end_object(cli->json);
	} else if (plain[0])
		printf("new password for %s (shown once): %s\n", a->address, plain);
	else
		printf("password set for %s\n", a->address);
	explicit_bzero(plain, sizeof(plain));
	account_free(a);
	return EX_OK;
}

struct reindex_ctx {
	struct cli *cli;
	struct dir *d;
	size_t done, failed;
};

static int
account_reindex_cb(const struct account *a, void *arg)
{
	struct reindex_ctx *c = arg;
	struct account_result r;
	char err[1024];

	if (account_reindex(c->d, a, &r, err, sizeof(err)) != DIR_OK) {
		cli_warn("%s: %s", a->address, err);
		c->failed++;
	} else if (r.n > 0) {
		cli_audit_result(c->cli, "account.reindex", a->address, a->dn, &r);
		c->done++;
	}
	account_result_clear(&r);
	return 0;
}

int
cmd_account_reindex(struct cli *cli, int argc, char **argv)
{
	struct account_filter f;
	struct reindex_ctx c = { cli, NULL, 0, 0 };
	struct dir *d;
	char err[1024];
	size_t matched = 0;
	enum dir_status st;

	while (cli_getopt(cli, argc, argv, NULL) != -1)
		;
	if (optind != argc)
		cli_usage_fail(cli, "unexpected argument '%s'", argv[optind]);
	d = cli_begin_change(cli);
	/* Writes go on a second connection: the list's paged search is still
	 * open on the first. */
	c.d = dir_open(cli_conf(cli), err, sizeof(err), &(int){ 0 });
	if (c.d == NULL)
		cli_fail(EX_UNAVAILABLE, "%s", err);
	memset(&f, 0, sizeof(f));
	st = dir_account_list(d, &f, account_reindex_cb, &c, &matched, err, sizeof(err));
	dir_close(c.d);
	if (st != DIR_OK)
		cli_fail(cli_account_exit(d, st), "reading the accounts: %s", err);
	if (cli->json) {
		json_begin_object(cli->json);
		json_key(cli->json, "accounts");
		json_int(cli->json, (long long)matched);
		json_key(cli->json, "updated");
		json_int(cli->json, (long long)c.done);
		json_key(cli->json, "failed");
		json_int(cli->json, (long long)c.failed);
		json_end_object(cli->json);
	} else
		printf("%zu accounts, %zu updated, %zu failed\n", matched, c.done, c.failed);
	return c.failed ? EX_DATAERR : EX_OK;
}
