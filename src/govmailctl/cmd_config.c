/*
 * cmd_config.c — govmailctl config show [-d]: every setting with its
 * effective value, or (-d) its default, in the syntax of govmail.conf.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "conf.h"

int
cmd_config_show(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "defaults", no_argument, NULL, 'd' }, { NULL, 0, NULL, 0 } };
	int ch, defaults = 0;

	/* Accept -d as well as --defaults. */
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] == 'd' && argv[i][2] == '\0')
			argv[i] = "--defaults";
	while ((ch = cli_getopt(cli, argc, argv, opts)) != -1)
		if (ch == 'd')
			defaults = 1;
	if (optind != argc)
		cli_usage_fail(cli, "unexpected argument '%s'", argv[optind]);
	conf_print(defaults ? NULL : cli_conf(cli), stdout, defaults);
	return EX_OK;
}
