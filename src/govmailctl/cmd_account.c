/*
 * cmd_account.c — govmailctl account add|show|list|modify|move|rename|
 * suspend|resume|disable|purge|passwd. Directory logic lives in
 * dir_account.c; this file parses options, prints and audits.
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account_output.h"
#include "address_template.h"
#include "cli.h"
#include "commands.h"
#include "conf.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_escape.h"
#include "dir_schema.h"
#include "json_writer.h"
#include "name_fold.h"
#include "passwd_hash.h"
#include "utf8.h"
#include "xmalloc.h"

/* Apply mods to the account and audit; exits on failure. */
static void
account_apply(struct cli *cli, struct dir *d, const struct dir_entry *e,
    struct dir_mods *m, const char *op)
{
	const char *target = dir_entry_get(e, DIR_AT_MAIL);

	if (dir_modify(d, e->dn, m) != DIR_OK)
		cli_dir_fail(cli, op);
	cli_audit(cli, op, target ? target : e->dn, e->dn, m, NULL);
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
	struct dir_mods *m = NULL;
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
	if (dir_account_create(d, cli_conf(cli), &a, &out, err, sizeof(err), &m) != DIR_OK) {
		enum dir_status st = dir_last_status(d);
		int code = EX_DATAERR;

		if (st == DIR_UNAVAILABLE || st == DIR_DENIED || st == DIR_ERROR)
			code = dir_status_exit(st);
		if (strncmp(err, "unknown agency", 14) == 0)
			code = EX_NOUSER;
		explicit_bzero(plain, sizeof(plain));
		cli_fail(code, "account not created: %s", err);
	}
	cli_audit(cli, "account.add", out.address, out.dn, m, NULL);
	dir_mods_free(m);
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
	struct dir_entry *e = cli_account(cli, d, key);

	if (cli->json)
		account_print_json(e, cli->json);
	else
		account_print_text(e, stdout);
	dir_entry_free(e);
	return EX_OK;
}

struct list_ctx {
	struct cli *cli;
	size_t n;
};

static int
account_list_cb(const struct dir_entry *e, void *arg)
{
	struct list_ctx *c = arg;

	if (c->cli->json)
		account_print_json(e, c->cli->json);
	else
		account_print_line(e, stdout);
	c->n++;
	return 0;
}

int
cmd_account_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agency", required_argument, NULL, 'a' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "status", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char *agency = NULL, *status = NULL, *domain = NULL;
	char *filter, *part, *tmp;
	struct list_ctx ctx = { cli, 0 };
	struct dir *d;
	int ch, recursive = 0;
	char **codes = NULL;
	size_t ncodes = 0, i;

	while ((ch = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (ch) {
		case 'a': agency = optarg; break;
		case 'r': recursive = 1; break;
		case 's': status = optarg; break;
		case 'd': domain = optarg; break;
		}
	}
	if (optind != argc)
		cli_usage_fail(cli, "unexpected argument '%s'", argv[optind]);
	if (recursive && agency == NULL)
		cli_usage_fail(cli, "--recursive needs --agency");
	if (status && strcmp(status, DIR_STATUS_ACTIVE) && strcmp(status, DIR_STATUS_SUSPENDED) &&
	    strcmp(status, DIR_STATUS_DISABLED))
		cli_usage_fail(cli, "--status must be active, suspended or disabled");
	d = cli_dir(cli);
	filter = xstrdup("(&(objectClass=" DIR_OC_ACCOUNT ")");
	if (agency != NULL) {
		size_t known = 0;
		char *af = dir_filter_fmt("(&(objectClass=" DIR_OC_AGENCY ")("
		    DIR_AT_AGENCY_CODE "=%s))", agency);

		if (dir_count(d, dir_base(d), LDAP_SCOPE_SUBTREE, af, 1, &known) != DIR_OK)
			cli_dir_fail(cli, "looking up the agency");
		free(af);
		if (known == 0)
			cli_fail(EX_NOUSER, "unknown agency '%s'", agency);
		if (recursive) {
			if (dir_agency_descendants(d, agency, &codes, &ncodes) != 0)
				cli_dir_fail(cli, "reading the agency tree");
			part = xstrdup("(|");
			for (i = 0; i < ncodes; i++) {
				char *one = dir_filter_fmt("(" DIR_AT_AGENCY "=%s)", codes[i]);

				tmp = xasprintf("%s%s", part, one);
				free(part);
				free(one);
				part = tmp;
				free(codes[i]);
			}
			free(codes);
			tmp = xasprintf("%s)", part);
			free(part);
			part = tmp;
		} else
			part = dir_filter_fmt("(" DIR_AT_AGENCY "=%s)", agency);
		tmp = xasprintf("%s%s", filter, part);
		free(filter);
		free(part);
		filter = tmp;
	}
	if (status != NULL) {
		part = dir_filter_fmt("(" DIR_AT_ACCOUNT_STATUS "=%s)", status);
		tmp = xasprintf("%s%s", filter, part);
		free(filter);
		free(part);
		filter = tmp;
	}
	if (domain != NULL) {
		char *esc = dir_escape_filter(domain);

		part = xasprintf("(" DIR_AT_MAIL "=*@%s)", esc);
		free(esc);
		tmp = xasprintf("%s%s", filter, part);
		free(filter);
		free(part);
		filter = tmp;
	}
	tmp = xasprintf("%s)", filter);
	free(filter);
	filter = tmp;
	if (cli->json)
		json_begin_array(cli->json);
	if (dir_search(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, dir_account_attrs,
	    account_list_cb, &ctx) != DIR_OK) {
		free(filter);
		cli_dir_fail(cli, "listing accounts");
	}
	free(filter);
	if (cli->json)
		json_end_array(cli->json);
	else if (cli->verbose)
		fprintf(stderr, "%zu accounts\n", ctx.n);
	return EX_OK;
}

struct modify_opts {
	struct cli *cli;
	struct dir_mods *m;
	const char *name;
	int any;
};

static int
account_modify_opt(int ch, void *arg)
{
	struct modify_opts *o = arg;
	char err[256];

	o->any = 1;
	switch (ch) {
	case 'n':
		if (name_check(optarg, (size_t)cli_conf(o->cli)->addr_max_name_length,
		    err, sizeof(err)) != 0)
			cli_fail(EX_DATAERR, "%s", err);
		o->name = optarg;
		break;
	case 't': dir_mods_put(o->m, DIR_MOD_REPLACE, DIR_AT_TITLE, optarg); break;
	case 'p': dir_mods_put(o->m, DIR_MOD_REPLACE, DIR_AT_PHONE, optarg); break;
	case 'm': dir_mods_put(o->m, DIR_MOD_REPLACE, DIR_AT_MOBILE, optarg); break;
	case 'e': dir_mods_put(o->m, DIR_MOD_REPLACE, DIR_AT_EMPLOYEENUMBER, optarg); break;
	case 'i': dir_mods_put(o->m, DIR_MOD_REPLACE, DIR_AT_MAY_SEND_EXTERNAL, "FALSE"); break;
	case 'x': dir_mods_put(o->m, DIR_MOD_REPLACE, DIR_AT_MAY_SEND_EXTERNAL, "TRUE"); break;
	case 'l': dir_mods_put(o->m, DIR_MOD_REPLACE, DIR_AT_LANG, optarg); break;
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
	struct modify_opts o = { cli, dir_mods_new(), NULL, 0 };
	const char *key = account_arg(cli, argc, argv, opts, account_modify_opt, &o);
	struct dir *d;
	struct dir_entry *e;

	if (!o.any)
		cli_usage_fail(cli, "nothing to change");
	for (int i = 0; i < argc; i++) {
		const unsigned char *p;

		for (p = (const unsigned char *)argv[i]; *p; p++)
			if (*p < 0x20 || *p == 0x7F)
				cli_fail(EX_DATAERR, "argument %d contains a control character", i);
		if (utf8_validate(argv[i], strlen(argv[i]), NULL) != 0)
			cli_fail(EX_DATAERR, "argument %d is not valid UTF-8", i);
	}
	if (o.name != NULL) {
		char *display = name_display(o.name);
		const char *sp = strchr(display, ' '), *last = strrchr(display, ' ');
		char *sn = sp ? xstrndup(display, (size_t)(sp - display)) : xstrdup(display);

		dir_mods_put(o.m, DIR_MOD_REPLACE, DIR_AT_CN, display);
		dir_mods_put(o.m, DIR_MOD_REPLACE, DIR_AT_DISPLAYNAME, display);
		dir_mods_put(o.m, DIR_MOD_REPLACE, DIR_AT_SN, sn);
		dir_mods_put(o.m, DIR_MOD_REPLACE, DIR_AT_GIVENNAME, last ? last + 1 : display);
		free(sn);
		free(display);
	}
	d = cli_begin_change(cli);
	e = cli_account(cli, d, key);
	account_apply(cli, d, e, o.m, "account.modify");
	if (!cli->json)
		printf("modified %s\n", dir_entry_get(e, DIR_AT_MAIL));
	dir_mods_free(o.m);
	dir_entry_free(e);
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
	struct dir_agency *ag = NULL;
	struct dir_entry *e;
	struct dir_mods *m;
	struct dir *d;
	char why[300];
	enum dir_status st;

	key = account_arg(cli, argc, argv, opts, move_opt, &agency);
	if (agency == NULL)
		cli_usage_fail(cli, "--agency is required");
	d = cli_begin_change(cli);
	e = cli_account(cli, d, key);
	st = dir_agency_get(d, agency, &ag);
	if (st == DIR_NOT_FOUND)
		cli_fail(EX_NOUSER, "unknown agency '%s'", agency);
	if (st != DIR_OK)
		cli_dir_fail(cli, "looking up the agency");
	if (dir_agency_usable(agency, ag->status, ag->merged_into, why, sizeof(why)) != 0)
		cli_fail(EX_DATAERR, "%s: it takes no accounts", why);
	dir_agency_free(ag);
	m = dir_mods_new();
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_AGENCY, agency);
	account_apply(cli, d, e, m, "account.move");
	if (!cli->json)
		printf("moved %s to %s (address unchanged)\n", dir_entry_get(e, DIR_AT_MAIL),
		    agency);
	dir_mods_free(m);
	dir_entry_free(e);
	return EX_OK;
}

int
cmd_account_rename(struct cli *cli, int argc, char **argv)
{
	struct dir_entry *e;
	struct dir_mods *m;
	struct dir *d;
	const char *old;
	char *addr;
	int used;

	char *pos[2];
	int npos = 0;

	while (cli_getopt_pos(cli, argc, argv, NULL, pos, 2, &npos) != -1)
		;
	if (npos != 2)
		cli_usage_fail(cli, "expected ADDRESS NEW-ADDRESS");
	addr = cli_address(pos[1]);
	d = cli_begin_change(cli);
	e = cli_account(cli, d, pos[0]);
	old = dir_entry_get(e, DIR_AT_MAIL);
	if (strcasecmp(old, addr) == 0)
		cli_fail(EX_DATAERR, "%s already is the account's address", addr);
	cli_require_governed(cli, d, addr);
	m = dir_mods_new();
	if (cli_entry_has(e, DIR_AT_ALIAS, addr)) {
		/* Promote an existing alias: swap it with the primary address. */
		dir_mods_put(m, DIR_MOD_DELETE, DIR_AT_ALIAS, addr);
	} else {
		if ((used = dir_account_address_used(d, addr)) < 0)
			cli_dir_fail(cli, "checking the new address");
		if (used)
			cli_fail(EX_DATAERR, "address %s is already used by another account", addr);
	}
	/* One modify operation: either all of it applies or nothing does. */
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_MAIL, addr);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_ALIAS, old);
	account_apply(cli, d, e, m, "account.rename");
	if (!cli->json)
		printf("renamed %s to %s (%s stays as an alias)\n", old, addr, old);
	dir_mods_free(m);
	dir_entry_free(e);
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
	const char *reason = NULL, *key, *cur;
	struct dir_entry *e;
	struct dir_mods *m;
	struct dir *d;
	char now[32];

	key = account_arg(cli, argc, argv, opts, reason_opt, &reason);
	if (reason_required && (reason == NULL || *reason == '\0'))
		cli_usage_fail(cli, "--reason is required");
	if (reason != NULL) {
		const unsigned char *p;

		if (strlen(reason) > 512 || utf8_validate(reason, strlen(reason), NULL) != 0)
			cli_fail(EX_DATAERR, "--reason must be UTF-8 text of at most 512 bytes");
		for (p = (const unsigned char *)reason; *p; p++)
			if (*p < 0x20 || *p == 0x7F)
				cli_fail(EX_DATAERR, "--reason contains a control character");
	}
	d = cli_begin_change(cli);
	e = cli_account(cli, d, key);
	cur = dir_entry_get(e, DIR_AT_ACCOUNT_STATUS);
	if (cur != NULL && strcmp(cur, status) == 0) {
		/* Same state: nothing to do, and the retention clock keeps running. */
		if (!cli->json)
			printf("%s is already %s\n", dir_entry_get(e, DIR_AT_MAIL), status);
		dir_entry_free(e);
		return EX_OK;
	}
	if (strcmp(status, DIR_STATUS_SUSPENDED) == 0 && cur != NULL &&
	    strcmp(cur, DIR_STATUS_DISABLED) == 0)
		cli_fail(EX_DATAERR, "%s is disabled; resume it before suspending it",
		    dir_entry_get(e, DIR_AT_MAIL));
	m = dir_mods_new();
	dir_generalized_time(now, sizeof(now));
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_ACCOUNT_STATUS, status);
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_STATUS_CHANGED, now);
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_STATUS_REASON, reason);
	account_apply(cli, d, e, m, op);
	if (!cli->json)
		printf("%s is now %s\n", dir_entry_get(e, DIR_AT_MAIL), status);
	dir_mods_free(m);
	dir_entry_free(e);
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

/* Seconds since a GeneralizedTime YYYYMMDDHHMMSSZ, or -1. */
static long long
age_seconds(const char *gt)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (gt == NULL || strptime(gt, "%Y%m%d%H%M%SZ", &tm) == NULL)
		return -1;
	return (long long)(time(NULL) - timegm(&tm));
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
	struct dir_entry *e = cli_account(cli, d, key);
	const char *status = dir_entry_get(e, DIR_AT_ACCOUNT_STATUS);
	long long age = age_seconds(dir_entry_get(e, DIR_AT_STATUS_CHANGED));
	long long keep = (long long)cli_conf(cli)->acct_retention_days * 86400;
	char *target = xstrdup(dir_entry_get(e, DIR_AT_MAIL));

	if (status == NULL || strcmp(status, DIR_STATUS_DISABLED) != 0)
		cli_fail(EX_DATAERR, "%s is %s: only disabled accounts can be purged "
		    "(govmailctl account disable %s first)", target, status ? status : "?",
		    target);
	if (!force && (age < 0 || age < keep))
		cli_fail(EX_DATAERR, "%s was disabled %lld days ago; the retention period is "
		    "%d days (use --force to purge now)", target, age < 0 ? 0 : age / 86400,
		    cli_conf(cli)->acct_retention_days);
	if (dir_delete(d, e->dn) != DIR_OK)
		cli_dir_fail(cli, "purging the account");
	cli_audit(cli, "account.purge", target, e->dn, NULL, NULL);
	if (!cli->json)
		printf("purged %s\n", target);
	free(target);
	dir_entry_free(e);
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
	char hash[256], plain[160];
	struct dir_entry *e;
	struct dir_mods *m;
	struct dir *d;
	int must;

	d = cli_begin_change(cli);
	e = cli_account(cli, d, key);
	account_hash_new_password(cli, o.generate, hash, sizeof(hash), plain, sizeof(plain));
	must = o.must_change >= 0 ? o.must_change :
	    (o.generate ? cli_conf(cli)->pw_must_change_initial : 0);
	m = dir_mods_new();
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_PASSWORD, hash);
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_MUST_CHANGE_PW, must ? "TRUE" : "FALSE");
	explicit_bzero(hash, sizeof(hash));
	account_apply(cli, d, e, m, "account.passwd");
	if (cli->json) {
		json_begin_object(cli->json);
		json_key(cli->json, "address");
		json_string(cli->json, dir_entry_get(e, DIR_AT_MAIL));
		if (plain[0]) {
			json_key(cli->json, "password");
			json_string(cli->json, plain);
		}
		json_key(cli->json, "must_change_password");
		json_bool(cli->json, must);
		json_end_object(cli->json);
	} else if (plain[0])
		printf("new password for %s (shown once): %s\n", dir_entry_get(e, DIR_AT_MAIL),
		    plain);
	else
		printf("password set for %s\n", dir_entry_get(e, DIR_AT_MAIL));
	explicit_bzero(plain, sizeof(plain));
	dir_mods_free(m);
	dir_entry_free(e);
	return EX_OK;
}
