/*
 * cmd_mailbox.c — govmailctl alias add|remove, forward set|clear, quota set:
 * the delivery-related attributes of an account.
 */
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address_template.h"
#include "cli.h"
#include "commands.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_escape.h"
#include "dir_schema.h"
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

static void
mailbox_apply(struct cli *cli, struct dir *d, const struct dir_entry *e,
    struct dir_mods *m, const char *op)
{
	if (dir_modify(d, e->dn, m) != DIR_OK)
		cli_dir_fail(cli, op);
	cli_audit(cli, op, dir_entry_get(e, DIR_AT_MAIL), e->dn, m, NULL);
}

int
cmd_alias_add(struct cli *cli, int argc, char **argv)
{
	struct dir_entry *e;
	struct dir_mods *m;
	struct dir *d;
	char *alias;
	int used;

	mailbox_args(cli, argc, argv, 2, 2);
	alias = cli_address(argv[optind + 1]);
	d = cli_begin_change(cli);
	e = cli_account(cli, d, argv[optind]);
	cli_require_governed(cli, d, alias);
	if ((used = dir_account_address_used(d, alias)) < 0)
		cli_dir_fail(cli, "checking the alias");
	if (used)
		cli_fail(EX_DATAERR, "address %s is already used (as an address or alias)", alias);
	m = dir_mods_new();
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_ALIAS, alias);
	mailbox_apply(cli, d, e, m, "alias.add");
	if (!cli->json)
		printf("%s now also receives mail for %s\n", dir_entry_get(e, DIR_AT_MAIL), alias);
	dir_mods_free(m);
	dir_entry_free(e);
	free(alias);
	return EX_OK;
}

int
cmd_alias_remove(struct cli *cli, int argc, char **argv)
{
	struct dir_entry *e;
	struct dir_mods *m;
	struct dir *d;
	char *alias;

	mailbox_args(cli, argc, argv, 2, 2);
	alias = cli_address(argv[optind + 1]);
	d = cli_begin_change(cli);
	e = cli_account(cli, d, argv[optind]);
	if (!cli_entry_has(e, DIR_AT_ALIAS, alias))
		cli_fail(EX_DATAERR, "%s is not an alias of %s", alias,
		    dir_entry_get(e, DIR_AT_MAIL));
	m = dir_mods_new();
	dir_mods_put(m, DIR_MOD_DELETE, DIR_AT_ALIAS, alias);
	mailbox_apply(cli, d, e, m, "alias.remove");
	if (!cli->json)
		printf("removed alias %s from %s\n", alias, dir_entry_get(e, DIR_AT_MAIL));
	dir_mods_free(m);
	dir_entry_free(e);
	free(alias);
	return EX_OK;
}

int
cmd_forward_set(struct cli *cli, int argc, char **argv)
{
	struct dir_entry *e;
	struct dir_mods *m;
	struct dir *d;
	int i;

	mailbox_args(cli, argc, argv, 2, 0);
	m = dir_mods_new();
	for (i = optind + 1; i < argc; i++) {
		char *a = cli_address(argv[i]);

		dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_FORWARD, a);
		free(a);
	}
	d = cli_begin_change(cli);
	e = cli_account(cli, d, argv[optind]);
	for (i = optind + 1; i < argc; i++)
		if (strcasecmp(argv[i], dir_entry_get(e, DIR_AT_MAIL)) == 0 ||
		    cli_entry_has(e, DIR_AT_ALIAS, argv[i]))
			cli_fail(EX_DATAERR, "%s is the account's own address: that would loop",
			    argv[i]);
	mailbox_apply(cli, d, e, m, "forward.set");
	if (!cli->json)
		printf("mail for %s is forwarded to %d address(es)\n",
		    dir_entry_get(e, DIR_AT_MAIL), argc - optind - 1);
	dir_mods_free(m);
	dir_entry_free(e);
	return EX_OK;
}

int
cmd_forward_clear(struct cli *cli, int argc, char **argv)
{
	struct dir_entry *e;
	struct dir_mods *m;
	struct dir *d;

	mailbox_args(cli, argc, argv, 1, 1);
	d = cli_begin_change(cli);
	e = cli_account(cli, d, argv[optind]);
	m = dir_mods_new();
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_FORWARD, NULL);
	mailbox_apply(cli, d, e, m, "forward.clear");
	if (!cli->json)
		printf("forwarding cleared for %s\n", dir_entry_get(e, DIR_AT_MAIL));
	dir_mods_free(m);
	dir_entry_free(e);
	return EX_OK;
}

int
cmd_quota_set(struct cli *cli, int argc, char **argv)
{
	struct dir_entry *e;
	struct dir_mods *m;
	struct dir *d;
	long long q;
	char buf[32];

	mailbox_args(cli, argc, argv, 2, 2);
	if ((q = cli_parse_size(argv[optind + 1])) < 0)
		cli_fail(EX_DATAERR, "bad size '%s' (bytes, or a number with K, M, G or T)",
		    argv[optind + 1]);
	d = cli_begin_change(cli);
	e = cli_account(cli, d, argv[optind]);
	m = dir_mods_new();
	snprintf(buf, sizeof(buf), "%lld", q);
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_QUOTA, q > 0 ? buf : NULL);
	mailbox_apply(cli, d, e, m, "quota.set");
	if (!cli->json)
		printf("quota of %s is %s\n", dir_entry_get(e, DIR_AT_MAIL),
		    q > 0 ? buf : "unlimited");
	dir_mods_free(m);
	dir_entry_free(e);
	return EX_OK;
}
