/*
 * cmd_reorg.c — govmailctl agency merge and domain migrate (placeholder:
 * being implemented).
 */
#include "cli.h"
#include "commands.h"

int
cmd_agency_merge(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_fail(EX_SOFTWARE, "%s is not implemented yet", cli->cmdname);
}

int
cmd_domain_migrate(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_fail(EX_SOFTWARE, "%s is not implemented yet", cli->cmdname);
}
