/*
 * main.c — govmailctl entry point: global options, the table of
 * subcommands, and dispatch. The commands themselves are in cmd_*.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "audit_log.h"
#include "cli.h"
#include "commands.h"
#include "conf.h"
#include "dir.h"
#include "json_writer.h"
#include "log.h"

static const struct cli_command cli_commands[] = {
	{ "agency", "add", cmd_agency_add, "create an agency",
	  "CODE --name NAME --level LEVEL [--parent CODE] [--domain DOMAIN]" },
	{ "agency", "show", cmd_agency_show, "show one agency", "CODE" },
	{ "agency", "list", cmd_agency_list, "list agencies (--tree for the hierarchy)",
	  "[--tree] [--parent CODE] [--level LEVEL]" },
	{ "agency", "modify", cmd_agency_modify, "change an agency",
	  "CODE [--name NAME] [--level LEVEL] [--parent CODE] [--domain DOMAIN|--no-domain]" },
	{ "agency", "remove", cmd_agency_remove,
	  "remove an agency (refused while it has accounts or sub-agencies)", "CODE" },
	{ "agency", "load", cmd_agency_load,
	  "create/update agencies from a CSV file (code,name,level,parent_code)",
	  "FILE.csv [--dry-run]" },

	{ "agency", "cert add", cmd_agency_cert_add,
	  "register the agency's signing certificates (PEM, several PEM, or DER)",
	  "CODE FILE [--json]" },
	{ "agency", "cert list", cmd_agency_cert_list,
	  "list the agency's signing certificates", "CODE [--json]" },
	{ "agency", "cert remove", cmd_agency_cert_remove,
	  "remove a signing certificate of the agency", "CODE FINGERPRINT|--all [--json]" },

	{ "domain", "add", cmd_domain_add, "add a governed mail domain",
	  "DOMAIN [--description TEXT]" },
	{ "domain", "list", cmd_domain_list, "list mail domains", "" },
	{ "domain", "remove", cmd_domain_remove,
	  "remove a domain (refused while addresses use it)", "DOMAIN" },

	{ "account", "add", cmd_account_add, "create an account",
	  "--name NAME --agency CODE [--employee-id ID] [--title T] [--phone P]\n"
	  "      [--mobile M] [--domain D | --address ADDR] [--quota SIZE]\n"
	  "      [--internal-only|--external-allowed] [--generate-password | --password-stdin]" },
	{ "account", "show", cmd_account_show, "show an account", "ADDRESS|UID" },
	{ "account", "list", cmd_account_list, "list accounts",
	  "[--agency CODE [--recursive]] [--status S] [--domain D]" },
	{ "account", "modify", cmd_account_modify, "change an account's details",
	  "ADDRESS [--name NAME] [--title T] [--phone P] [--mobile M]\n"
	  "      [--employee-id ID] [--internal-only|--external-allowed] [--language L]" },
	{ "account", "move", cmd_account_move,
	  "transfer an account to another agency (keeps its address)",
	  "ADDRESS --agency CODE" },
	{ "account", "rename", cmd_account_rename,
	  "give an account a new address (the old one stays as an alias)",
	  "ADDRESS NEW-ADDRESS" },
	{ "account", "suspend", cmd_account_suspend, "suspend an account",
	  "ADDRESS --reason TEXT" },
	{ "account", "resume", cmd_account_resume, "resume a suspended or disabled account",
	  "ADDRESS [--reason TEXT]" },
	{ "account", "disable", cmd_account_disable,
	  "disable an account (kept for the retention period)", "ADDRESS [--reason TEXT]" },
	{ "account", "purge", cmd_account_purge,
	  "delete a disabled account for good", "ADDRESS [--force]" },
	{ "account", "passwd", cmd_account_passwd,
	  "set a password from stdin, or generate one",
	  "ADDRESS [--generate] [--must-change|--no-must-change]" },

	{ "account", "cert add", cmd_account_cert_add,
	  "register signing certificates (PEM, several PEM, or DER; - = stdin)",
	  "ADDRESS|UID FILE [--json]" },
	{ "account", "cert list", cmd_account_cert_list,
	  "list the account's signing certificates", "ADDRESS|UID [--json]" },
	{ "account", "cert remove", cmd_account_cert_remove,
	  "remove a signing certificate (fingerprint or prefix of >= 8 hex digits)",
	  "ADDRESS|UID FINGERPRINT|--all [--json]" },

	{ "alias", "add", cmd_alias_add, "add an alias address", "ADDRESS ALIAS" },
	{ "alias", "remove", cmd_alias_remove, "remove an alias address", "ADDRESS ALIAS" },
	{ "forward", "set", cmd_forward_set, "forward mail to these addresses",
	  "ADDRESS TARGET..." },
	{ "forward", "clear", cmd_forward_clear, "stop forwarding", "ADDRESS" },
	{ "quota", "set", cmd_quota_set, "set the mailbox quota",
	  "ADDRESS SIZE (bytes, or with K/M/G/T; 0 = none)" },

	{ "address", "suggest", cmd_address_suggest,
	  "print the address the template gives a name",
	  "--name NAME [--name NAME...] [--domain D] [--check]" },

	{ "hr", "sync", cmd_hr_sync,
	  "bring accounts in step with an HR export (CSV or JSON lines)",
	  "FILE [--dry-run] [--disable-missing] [--force] [--passwords-out FILE]" },
	{ "agency", "merge", cmd_agency_merge,
	  "move all accounts and sub-agencies of SRC into DST; SRC is retired",
	  "SRC --into DST [--dry-run]" },
	{ "domain", "migrate", cmd_domain_migrate,
	  "give accounts their primary address in NEW, keeping OLD as an alias",
	  "OLD NEW [--agency CODE] [--dry-run]" },

	{ "config", "show", cmd_config_show,
	  "print every setting's effective value (-d: defaults)", "[-d]" },
};

static const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

/*
 * Does the table's verb ("add", or two words as in "cert add") match the
 * arguments av[0..ac-1]? Returns the number of words matched, 0 if none.
 */
static int
verb_matches(const char *verb, int ac, char **av)
{
	const char *sp = strchr(verb, ' ');

	if (ac < 1)
		return 0;
	if (sp == NULL)
		return strcmp(verb, av[0]) == 0;
	if (ac < 2 || strlen(av[0]) != (size_t)(sp - verb) ||
	    strncmp(verb, av[0], (size_t)(sp - verb)) != 0)
		return 0;
	return strcmp(sp + 1, av[1]) == 0 ? 2 : 0;
}

static void
main_usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
	    "usage: govmailctl [-c FILE] [--json] [-v] NOUN VERB [options]\n"
	    "       govmailctl -h | --help | -V | --version\n"
	    "\n"
	    "Manage govmail's domains, agencies and accounts in LDAP.\n"
	    "  -c FILE   configuration file (default $" CONF_ENV " or " CONF_DEFAULT_PATH ")\n"
	    "  --json    machine-readable output\n"
	    "  -v        verbose\n"
	    "  -h, --help     this text\n"
	    "  -V, --version  print the version and exit\n"
	    "\n"
	    "Commands (each takes --help):\n");
	for (i = 0; i < cli_ncommands; i++)
		fprintf(fp, "  %-8s %-11s %s\n", cli_commands[i].noun, cli_commands[i].verb,
		    cli_commands[i].summary);
	fprintf(fp, "\nExit codes follow sysexits(3): 64 usage, 65 bad data, 67 no such\n"
	    "account/agency, 69 LDAP unavailable, 73/74 audit log, 77 permission, 78 config.\n");
}

int
main(int argc, char **argv)
{
	struct cli cli;
	const struct cli_command *cmd = NULL;
	char cmdname[64];
	int i, rc, json = 0;
	size_t k;
	int nverb = 0;

	memset(&cli, 0, sizeof(cli));
	log_init("govmailctl", LOG_TO_STDERR, 0);
	{
		/* Passwords pass through this process: never into a core file. */
		struct rlimit nocore = { 0, 0 };

		setrlimit(RLIMIT_CORE, &nocore);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			cli.conf_path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			cli.conf_path = argv[i] + 9;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-v") == 0)
			cli.verbose = 1;
		else if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
			printf("govmailctl %s\n", GOVMAIL_VERSION);
			return EX_OK;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			main_usage(stdout);
			return EX_OK;
		} else {
			fprintf(stderr, "govmailctl: unknown option %s\n", argv[i]);
			main_usage(stderr);
			return EX_USAGE;
		}
	}
	if (i >= argc) {
		main_usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		main_usage(stdout);
		return EX_OK;
	}
	for (k = 0; k < cli_ncommands; k++) {
		if (strcmp(cli_commands[k].noun, argv[i]) != 0)
			continue;
		nverb = verb_matches(cli_commands[k].verb, argc - i - 1, argv + i + 1);
		if (nverb > 0) {
			cmd = &cli_commands[k];
			break;
		}
	}
	if (cmd == NULL) {
		int known_noun = 0;

		for (k = 0; k < cli_ncommands; k++)
			if (strcmp(cli_commands[k].noun, argv[i]) == 0)
				known_noun = 1;
		if (known_noun) {
			FILE *fp = (i + 1 < argc && strcmp(argv[i + 1], "--help") == 0) ?
			    stdout : stderr;

			if (fp == stderr)
				fprintf(stderr, "govmailctl: %s: unknown or missing verb\n", argv[i]);
			fprintf(fp, "usage:\n");
			for (k = 0; k < cli_ncommands; k++)
				if (strcmp(cli_commands[k].noun, argv[i]) == 0)
					fprintf(fp, "  govmailctl %s %s %s\n      %s\n",
					    cli_commands[k].noun, cli_commands[k].verb,
					    cli_commands[k].usage, cli_commands[k].summary);
			return fp == stdout ? EX_OK : EX_USAGE;
		}
		fprintf(stderr, "govmailctl: unknown command '%s'\n", argv[i]);
		main_usage(stderr);
		return EX_USAGE;
	}
	snprintf(cmdname, sizeof(cmdname), "%s %s", cmd->noun, cmd->verb);
	cli.cmdname = cmdname;
	cli_set_command(&cli, cmd);
	if (json)
		cli.json = json_writer_new(stdout, 1);
	/* The handler sees argv[0] = (last word of the) verb, then its own
	 * arguments. */
	rc = cmd->run(&cli, argc - i - nverb, argv + i + nverb);
	cli_finish(&cli);
	return rc;
}
