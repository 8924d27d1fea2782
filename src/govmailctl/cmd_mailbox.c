/*
 * cmd_mailbox.c — govmailctl alias add|remove, forward set|clear, quota set:
 * the delivery-related attributes of an account, changed through the
 * account model (account_ops.c); this file parses, prints and audits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dir.h"
#include "dir_account.h"
#include "xmalloc.h"

/* Positional arguments after --help handling; exits 64 unless count fits. */
static void
mailbox_args(struct cli *cli, int argc, char **argv, int min, int max)
{
	while (cli_getopt(cli, argc, argv, NULL) != -1)
		;
	if (argc - optind < min || (max > 0 && argc - optind > max))
		cli_usage_fail(cli, "wrong number of arguments");
}

/* Exit on a refused or failed operation. */
static void
mailbox_check(struct dir *d, enum dir_status st, const char *err)
{
	if (st != DIR_OK)
		cli_fail(cli_account_exit(d, st), "%s", err);
}

static int
mailbox_alias(struct cli *cli, int argc, char **argv, int add)
{
	struct account_result r;
	struct account *a;
	struct dir *d;
	char err[1024], *alias, *summary;

	mailbox_args(cli, argc, argv, 2, 2);
	alias = cli_address(argv[optind + 1]);
	d = cli_begin_change(cli);
	a = cli_account(cli, d, argv[optind]);
	mailbox_check(d, add ? account_alias_add(d, a, alias, &r, err, sizeof(err)) :
	    account_alias_remove(d, a, alias, &r, err, sizeof(err)), err);
	summary = add ? xasprintf("%s now also receives mail for %s", a->address, alias) :
	    xasprintf("removed alias %s from %s", alias, a->address);
	cli_account_done(cli, add ? "alias.add" : "alias.remove", a, &r, summary);
	free(summary);
	account_free(a);
	free(alias);
	return EX_OK;
}

int
cmd_alias_add(struct cli *cli, int argc, char **argv)
{
	return mailbox_alias(cli, argc, argv, 1);
}

int
cmd_alias_remove(struct cli *cli, int argc, char **argv)
{
	return mailbox_alias(cli, argc, argv, 0);
}

static int
mailbox_forward(struct cli *cli, const char *key, const char *const *addrs, size_t n,
    const char *op)
{
	struct account_result r;
	struct account *a;
	struct dir *d;
	char err[1024], *summary;

	d = cli_begin_change(cli);
	a = cli_account(cli, d, key);
	mailbox_check(d, account_forward_set(d, a, addrs, n, &r, err, sizeof(err)), err);
	summary = n > 0 ? xasprintf("mail for %s is forwarded to %zu address(es)",
	    a->address, n) : xasprintf("forwarding cleared for %s", a->address);
	cli_account_done(cli, op, a, &r, summary);
	free(summary);
	account_free(a);
	return EX_OK;
}

int
cmd_forward_set(struct cli *cli, int argc, char **argv)
{
	int i;

	mailbox_args(cli, argc, argv, 2, 0);
	/* Checked before connecting: a typo costs no directory round trip. */
	for (i = optind + 1; i < argc; i++)
		free(cli_address(argv[i]));
	return mailbox_forward(cli, argv[optind], (const char *const *)argv + optind + 1,
	    (size_t)(argc - optind - 1), "forward.set");
}

int
cmd_forward_clear(struct cli *cli, int argc, char **argv)
{
	mailbox_args(cli, argc, argv, 1, 1);
	return mailbox_forward(cli, argv[optind], NULL, 0, "forward.clear");
}

int
cmd_quota_set(struct cli *cli, int argc, char **argv)
{
	struct account_result r;
	struct account *a;
	struct dir *d;
	long long q;
	char err[1024], *summary;

	mailbox_args(cli, argc, argv, 2, 2);
	if ((q = cli_parse_size(argv[optind + 1])) < 0)
		cli_fail(EX_DATAERR, "bad size '%s' (bytes, or a number with K, M, G or T)",
		    argv[optind + 1]);
	d = cli_begin_change(cli);
	a = cli_account(cli, d, argv[optind]);
	mailbox_check(d, account_quota_set(d, a, q, &r, err, sizeof(err)), err);
	summary = q > 0 ? xasprintf("quota of %s is %lld", a->address, q) :
	    xasprintf("quota of %s is unlimited", a->address);
	cli_account_done(cli, "quota.set", a, &r, summary);
	free(summary);
	account_free(a);
	return EX_OK;
}
