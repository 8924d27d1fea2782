/*
 * cmd_hr.c — govmailctl hr sync (placeholder: being implemented).
 */
#include "cli.h"
#include "commands.h"

int
cmd_hr_sync(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_fail(EX_SOFTWARE, "%s is not implemented yet", cli->cmdname);
}
