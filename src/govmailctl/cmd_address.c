/*
 * cmd_address.c — govmailctl address suggest: what address the template
 * gives a name, offline, or (--check) the next free one in the directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address_template.h"
#include "cli.h"
#include "commands.h"
#include "conf.h"
#include "dir.h"
#include "dir_account.h"
#include "json_writer.h"
#include "xmalloc.h"

int
cmd_address_suggest(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "domain", required_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char **names = NULL;
	const char *domain = NULL;
	const struct govmail_conf *c;
	size_t nnames = 0, i;
	int ch, check = 0, rc = EX_OK;
	char err[512], local[128], addr[400], dom[256];

	while ((ch = cli_getopt(cli, argc, argv, opts)) != -1) {
		switch (ch) {
		case 'n':
			names = xreallocarray(names, nnames + 1, sizeof(*names));
			names[nnames++] = optarg;
			break;
		case 'd': domain = optarg; break;
		case 'c': check = 1; break;
		}
	}
	if (optind != argc)
		cli_usage_fail(cli, "unexpected argument '%s'", argv[optind]);
	if (nnames == 0)
		cli_usage_fail(cli, "at least one --name is required");
	c = cli_conf(cli);
	snprintf(dom, sizeof(dom), "%s", domain ? domain : c->addr_default_domain);
	dir_lower(dom);
	if (address_domain_check(dom, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "invalid domain '%s': %s", dom, err);
	if (cli->json)
		json_begin_array(cli->json);
	for (i = 0; i < nnames; i++) {
		int ok;

		if (check)
			ok = dir_account_next_free(cli_dir(cli), c, names[i], dom, addr,
			    sizeof(addr), err, sizeof(err)) == DIR_OK;
		else {
			ok = address_local_from_name(c->addr_template, names[i], local,
			    sizeof(local), err, sizeof(err)) == 0;
			snprintf(addr, sizeof(addr), "%s@%s", local, dom);
		}
		if (!ok) {
			if (check && cli->dir && dir_last_status(cli->dir) != DIR_OK &&
			    dir_last_status(cli->dir) != DIR_CONSTRAINT)
				cli_dir_fail(cli, "checking addresses");
			cli_warn("%s: %s", names[i], err);
			rc = EX_DATAERR;
			if (cli->json) {
				json_begin_object(cli->json);
				json_key(cli->json, "name");
				json_string(cli->json, names[i]);
				json_key(cli->json, "error");
				json_string(cli->json, err);
				json_end_object(cli->json);
			}
			continue;
		}
		if (cli->json) {
			json_begin_object(cli->json);
			json_key(cli->json, "name");
			json_string(cli->json, names[i]);
			json_key(cli->json, "address");
			json_string(cli->json, addr);
			json_end_object(cli->json);
		} else
			printf("%s\n", addr);
	}
	if (cli->json)
		json_end_array(cli->json);
	free(names);
	return rc;
}
