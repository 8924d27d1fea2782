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

/* The lines of a command's --help: "TERM\tdescription", see cli.h. */
#define HELP(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Lines several commands share. */
#define H_ACCOUNT    "ADDRESS\tthe account: any of its addresses (or aliases), its uid, " \
	"its employee id, or its full name (accents optional) if only one has it"
#define H_ACCOUNT_OR "ADDRESS|UID\tthe account: any of its addresses (or aliases), its " \
	"uid, its employee id, or its full name (accents optional) if only one has it"
#define H_AGENCY     "CODE\tthe agency's code (a-z, 0-9 and -, at most 64 characters)"
#define H_JSON       "--json\tJSON output (as the global --json before NOUN)"
#define H_DRY_RUN    "--dry-run\tprint what would be done; change nothing"
#define H_REASON     "--reason TEXT\twhy (stored on the account, at most 512 bytes)"
#define H_FINGERPRINT \
	"FINGERPRINT\tSHA-256 fingerprint (hex, colons allowed) or a unique prefix of >= 8 digits"
#define H_CERT_FILE  "FILE\tPEM (one or more certificates) or DER file; - reads stdin"

static const struct cli_command cli_commands[] = {
	{ "agency", "add", cmd_agency_add, "create an agency",
	  "CODE --name NAME --level LEVEL [--parent CODE] [--domain DOMAIN]",
	  HELP("CODE\tthe new agency's code (a-z, 0-9 and -, at most 64 characters)",
	       "--name NAME\tthe agency's full name (UTF-8)",
	       "--level LEVEL\tprovince, department, district, commune or unit",
	       "--parent CODE\tthe agency it belongs to (none: a top-level agency)",
	       "--domain DOMAIN\tits own mail domain for new accounts (a governed domain)") },
	{ "agency", "show", cmd_agency_show, "show one agency", "CODE",
	  HELP(H_AGENCY) },
	{ "agency", "list", cmd_agency_list, "list agencies (--tree for the hierarchy)",
	  "[--tree] [--parent CODE] [--level LEVEL]",
	  HELP("--tree\tthe hierarchy, indented (with --parent: from that agency down)",
	       "--parent CODE\tonly the agencies directly below CODE",
	       "--level LEVEL\tonly agencies of this level (not with --tree)") },
	{ "agency", "modify", cmd_agency_modify, "change an agency",
	  "CODE [--name NAME] [--level LEVEL] [--parent CODE]\n"
	  "      [--domain DOMAIN|--no-domain]",
	  HELP(H_AGENCY,
	       "--name NAME\tnew full name",
	       "--level LEVEL\tnew level: province, department, district, commune or unit",
	       "--parent CODE\tnew parent agency ('' makes it a top-level agency)",
	       "--domain DOMAIN\tnew own mail domain for new accounts",
	       "--no-domain\tremove its own mail domain (addresses.default_domain applies)") },
	{ "agency", "remove", cmd_agency_remove,
	  "remove an agency (refused while it has accounts or sub-agencies)", "CODE",
	  HELP(H_AGENCY) },
	{ "agency", "load", cmd_agency_load,
	  "create/update agencies from a CSV file (code,name,level,parent_code)",
	  "FILE.csv [--dry-run]",
	  HELP("FILE.csv\tCSV with a header row naming code, name, level and parent_code",
	       H_DRY_RUN) },

	{ "agency", "cert add", cmd_agency_cert_add,
	  "register the agency's signing certificates (PEM, several PEM, or DER)",
	  "CODE FILE [--json]",
	  HELP(H_AGENCY, H_CERT_FILE, H_JSON) },
	{ "agency", "cert list", cmd_agency_cert_list,
	  "list the agency's signing certificates", "CODE [--json]",
	  HELP(H_AGENCY, H_JSON) },
	{ "agency", "cert remove", cmd_agency_cert_remove,
	  "remove a signing certificate of the agency", "CODE FINGERPRINT|--all [--json]",
	  HELP(H_AGENCY, H_FINGERPRINT,
	       "--all\tremove every certificate of the agency (instead of FINGERPRINT)",
	       H_JSON) },

	{ "domain", "add", cmd_domain_add, "add a governed mail domain",
	  "DOMAIN [--description TEXT]",
	  HELP("DOMAIN\tthe mail domain, e.g. haugiang.gov.vn (stored in lower case)",
	       "--description TEXT\ta note stored with the domain") },
	{ "domain", "list", cmd_domain_list, "list mail domains", "", NULL },
	{ "domain", "remove", cmd_domain_remove,
	  "remove a domain (refused while addresses use it)", "DOMAIN",
	  HELP("DOMAIN\tthe mail domain to remove") },

	{ "account", "add", cmd_account_add, "create an account",
	  "--name NAME --agency CODE [--employee-id ID] [--title TITLE]\n"
	  "      [--phone PHONE] [--mobile PHONE] [--domain DOMAIN | --address ADDRESS]\n"
	  "      [--quota SIZE] [--internal-only|--external-allowed]\n"
	  "      [--generate-password|--password-stdin]",
	  HELP("--name NAME\tfull name, surname first; the address is made from it",
	       "--agency CODE\tthe account's agency (an active agency code)",
	       "--employee-id ID\tthe HR employee id (unique; hr sync matches on it)",
	       "--title TITLE\tjob title",
	       "--phone PHONE\toffice telephone number",
	       "--mobile PHONE\tmobile telephone number",
	       "--domain DOMAIN\tdomain of the address (default: the agency's own, else the "
	       "configured one)",
	       "--address ADDRESS\tthis address instead of one made from the name",
	       "--quota SIZE\tmailbox quota, e.g. 5G; 0 = none (default: the configured one)",
	       "--internal-only\tmay send only within the governed domains",
	       "--external-allowed\tmay send outside (default: as its agencies decide)",
	       "--generate-password\tgenerate an initial password, print it once",
	       "--password-stdin\tread the password from stdin (echo off on a terminal)") },
	{ "account", "show", cmd_account_show, "show an account",
	  "ADDRESS|UID|EMPLOYEE-ID|NAME",
	  HELP(H_ACCOUNT_OR) },
	{ "account", "list", cmd_account_list, "list and search accounts",
	  "[--agency CODE [--recursive]] [--status STATUS] [--domain DOMAIN]\n"
	  "      [--name NAME] [--employee-id ID] [--address ADDRESS]\n"
	  "      [--limit N] [--offset N]",
	  HELP("--agency CODE\tonly accounts of this agency",
	       "--recursive\twith --agency: also those of the agencies below it",
	       "--status STATUS\tonly accounts that are active, suspended, disabled or locked",
	       "--domain DOMAIN\tonly accounts whose address is in DOMAIN",
	       "--name NAME\twhose name has these words, in this order, accents and "
	       "case ignored (\"nguyen an\" finds Nguyễn Văn An)",
	       "--employee-id ID\tthe account with this HR employee id",
	       "--address ADDRESS\tthe account with this address or alias",
	       "--limit N\tprint at most N accounts (with --offset: one page)",
	       "--offset N\tskip the first N matches (directory order)") },
	{ "account", "reindex", cmd_account_reindex,
	  "store the search form of every account's name (after an upgrade)", "",
	  NULL },
	{ "account", "modify", cmd_account_modify, "change an account's details",
	  "ADDRESS [--name NAME] [--title TITLE] [--phone PHONE]\n"
	  "      [--mobile PHONE] [--employee-id ID] [--internal-only|--external-allowed]\n"
	  "      [--language LANG]",
	  HELP(H_ACCOUNT,
	       "--name NAME\tnew full name (the address does not change)",
	       "--title TITLE\tnew job title",
	       "--phone PHONE\tnew office telephone number",
	       "--mobile PHONE\tnew mobile telephone number",
	       "--employee-id ID\tnew HR employee id",
	       "--internal-only\tmay send only within the governed domains",
	       "--external-allowed\tmay send outside the governed domains",
	       "--language LANG\tpreferred language, e.g. vi or en") },
	{ "account", "move", cmd_account_move,
	  "transfer an account to another agency (keeps its address)",
	  "ADDRESS --agency CODE",
	  HELP(H_ACCOUNT, "--agency CODE\tthe new agency (an active agency code)") },
	{ "account", "rename", cmd_account_rename,
	  "give an account a new address (the old one stays as an alias)",
	  "ADDRESS NEW-ADDRESS",
	  HELP(H_ACCOUNT,
	       "NEW-ADDRESS\tthe new primary address, in an active governed domain") },
	{ "account", "suspend", cmd_account_suspend, "suspend an account",
	  "ADDRESS --reason TEXT",
	  HELP(H_ACCOUNT, "--reason TEXT\twhy (required; stored on the account, at most "
	       "512 bytes)") },
	{ "account", "resume", cmd_account_resume, "resume a suspended or disabled account",
	  "ADDRESS [--reason TEXT]",
	  HELP(H_ACCOUNT, H_REASON) },
	{ "account", "disable", cmd_account_disable,
	  "disable an account (kept for the retention period)", "ADDRESS [--reason TEXT]",
	  HELP(H_ACCOUNT, H_REASON) },
	{ "account", "purge", cmd_account_purge,
	  "delete a disabled account for good", "ADDRESS [--force]",
	  HELP(H_ACCOUNT,
	       "--force\tpurge before accounts.retention_days have passed") },
	{ "account", "passwd", cmd_account_passwd,
	  "set a password from stdin, or generate one",
	  "ADDRESS [--generate] [--must-change|--no-must-change]",
	  HELP(H_ACCOUNT,
	       "--generate\tgenerate a password and print it once (else read it from stdin)",
	       "--must-change\tthe user must change it at the next login",
	       "--no-must-change\tthe user need not change it (default unless --generate)") },
	{ "account", "lock", cmd_account_lock,
	  "lock a compromised account: no login, mail still delivered",
	  "ADDRESS --reason TEXT",
	  HELP(H_ACCOUNT, "--reason TEXT\twhy (required; stored on the account, at most "
	       "512 bytes)") },
	{ "account", "unlock", cmd_account_unlock,
	  "lift a lock (an administrator's or a lockout after failed logins)", "ADDRESS",
	  HELP(H_ACCOUNT) },

	{ "account", "cert add", cmd_account_cert_add,
	  "register signing certificates (PEM, several PEM, or DER; - = stdin)",
	  "ADDRESS|UID FILE [--json]",
	  HELP(H_ACCOUNT_OR, H_CERT_FILE, H_JSON) },
	{ "account", "cert list", cmd_account_cert_list,
	  "list the account's signing certificates", "ADDRESS|UID [--json]",
	  HELP(H_ACCOUNT_OR, H_JSON) },
	{ "account", "cert remove", cmd_account_cert_remove,
	  "remove a signing certificate (fingerprint or prefix of >= 8 hex digits)",
	  "ADDRESS|UID FINGERPRINT|--all [--json]",
	  HELP(H_ACCOUNT_OR, H_FINGERPRINT,
	       "--all\tremove every certificate of the account (instead of FINGERPRINT)",
	       H_JSON) },

	{ "alias", "add", cmd_alias_add, "add an alias address", "ADDRESS ALIAS",
	  HELP(H_ACCOUNT, "ALIAS\tthe extra address, in an active governed domain") },
	{ "alias", "remove", cmd_alias_remove, "remove an alias address", "ADDRESS ALIAS",
	  HELP(H_ACCOUNT, "ALIAS\tthe alias to remove") },
	{ "forward", "set", cmd_forward_set, "forward mail to these addresses",
	  "ADDRESS TARGET...",
	  HELP(H_ACCOUNT,
	       "TARGET...\tthe addresses to forward to (they replace any earlier ones)") },
	{ "forward", "clear", cmd_forward_clear, "stop forwarding", "ADDRESS",
	  HELP(H_ACCOUNT) },
	{ "quota", "set", cmd_quota_set, "set the mailbox quota", "ADDRESS SIZE",
	  HELP(H_ACCOUNT, "SIZE\tbytes, or a number with K, M, G or T (x1024); 0 = none") },

	{ "address", "suggest", cmd_address_suggest,
	  "print the address the template gives a name",
	  "--name NAME [--name NAME...] [--domain DOMAIN] [--check]",
	  HELP("--name NAME\ta full name, surname first (may be given several times)",
	       "--domain DOMAIN\tthe domain (default addresses.default_domain)",
	       "--check\tthe next address free in the directory (else offline)") },

	{ "hr", "sync", cmd_hr_sync,
	  "bring accounts in step with an HR export (CSV or JSON lines)",
	  "FILE [--dry-run] [--disable-missing] [--force] [--passwords-out FILE]",
	  HELP("FILE\tthe HR export: CSV with a header row, or JSON lines",
	       H_DRY_RUN,
	       "--disable-missing\talso disable HR-managed accounts absent from FILE",
	       "--force\tgo ahead even above hr.max_suspend_percent lock-outs",
	       "--passwords-out FILE\tinitial passwords go here (default hr.passwords_file)") },
	{ "agency", "merge", cmd_agency_merge,
	  "move all accounts and sub-agencies of SRC into DST; SRC is retired",
	  "SRC --into DST [--dry-run]",
	  HELP("SRC\tthe agency merged away (it is retired)",
	       "--into DST\tthe agency that takes its accounts and sub-agencies",
	       H_DRY_RUN) },
	{ "domain", "migrate", cmd_domain_migrate,
	  "give accounts their primary address in NEW, keeping OLD as an alias",
	  "OLD NEW [--agency CODE] [--dry-run]",
	  HELP("OLD\tthe domain the addresses move out of",
	       "NEW\tthe domain they move to (an active governed domain)",
	       "--agency CODE\tonly accounts of CODE and the agencies below it",
	       H_DRY_RUN) },

	{ "token", "add", cmd_token_add,
	  "create an API token for an agency's HR system (shown once)",
	  "--agency CODE --role ROLE --allow-from CIDR... [--expires DATE|Nd|never] "
	  "[--comment TEXT] [--json]",
	  HELP("--agency CODE\tthe agency; the token covers it and its sub-agencies",
	       "--role ROLE\thr, auditor or agency-admin",
	       "--allow-from CIDR\ta network the token may be used from (10.1.2.0/24, "
	       "2001:db8::/48, or one address); repeat or separate with commas",
	       "--expires WHEN\tYYYY-MM-DD (valid through that day), a number of days "
	       "such as 90d, or never (the default)",
	       "--comment TEXT\ta note stored with the token (which system uses it)",
	       H_JSON) },
	{ "token", "list", cmd_token_list, "list API tokens (never their secrets)",
	  "[--agency CODE] [--json]",
	  HELP("--agency CODE\tonly tokens of CODE and the agencies below it", H_JSON) },
	{ "token", "revoke", cmd_token_revoke, "revoke (delete) an API token", "ID [--json]",
	  HELP("ID\tthe token's id, as token list shows it", H_JSON) },

	{ "role", "grant", cmd_role_grant, "give a person an API role",
	  "ADDRESS --role ROLE [--agency CODE] [--json]",
	  HELP(H_ACCOUNT,
	       "--role ROLE\tprovince-admin, agency-admin, hr or auditor",
	       "--agency CODE\tthe agency the role applies to, with its sub-agencies "
	       "(not for province-admin)",
	       H_JSON) },
	{ "role", "revoke", cmd_role_revoke, "take an API role away from a person",
	  "ADDRESS --role ROLE [--agency CODE] [--json]",
	  HELP(H_ACCOUNT,
	       "--role ROLE\tthe role granted",
	       "--agency CODE\tthe agency it was granted over (not for province-admin)",
	       H_JSON) },
	{ "role", "list", cmd_role_list, "list API roles of people",
	  "[ADDRESS] [--json]",
	  HELP("ADDRESS\tonly this person's roles (any address, uid, employee id or name)",
	       H_JSON) },

	{ "config", "show", cmd_config_show,
	  "print every setting's effective value (-d: defaults)", "[-d]",
	  HELP("-d, --defaults\tprint the built-in defaults instead (no file is read)") },

	{ "dkim", "keygen", cmd_dkim_keygen,
	  "make a domain's DKIM key (RSA 2048, optionally Ed25519) and print its DNS record",
	  "DOMAIN [--ed25519] [--selector SELECTOR] [--now TIME]",
	  HELP("DOMAIN\ta governed active domain",
	       "--ed25519\talso an Ed25519 key (selector SELECTOR-ed); alone on a domain "
	       "with keys: add it to the signing selector",
	       "--selector SELECTOR\tthe selector (default dkim.selector_prefix YEAR LETTER)",
	       "--now TIME\tact as at TIME (YYYY-MM-DDTHH:MM:SSZ or @SECONDS)") },
	{ "dkim", "list", cmd_dkim_list, "list the DKIM keys and what each is doing",
	  "[--now TIME]",
	  HELP("--now TIME\tthe states as at TIME (YYYY-MM-DDTHH:MM:SSZ or @SECONDS)") },
	{ "dkim", "rotate", cmd_dkim_rotate,
	  "make a domain's next DKIM key; it signs after dkim.rotate_delay_hours",
	  "DOMAIN [--now TIME]",
	  HELP("DOMAIN\ta governed active domain with a DKIM key",
	       "--now TIME\tact as at TIME (YYYY-MM-DDTHH:MM:SSZ or @SECONDS)") },
	{ "dkim", "dns", cmd_dkim_dns,
	  "print the DNS TXT records a domain's DKIM keys need now",
	  "DOMAIN [--now TIME]",
	  HELP("DOMAIN\ta domain with DKIM keys",
	       "--now TIME\tthe records needed at TIME (YYYY-MM-DDTHH:MM:SSZ or @SECONDS)") },
	{ "dmarc", "report", cmd_dmarc_report,
	  "print a domain's DMARC aggregate report (RFC 7489 XML) from govmaild's history",
	  "--since TIME --domain DOMAIN [--until TIME] [--org-name NAME] [--email ADDRESS] "
	  "[--extra-contact TEXT] [--report-id ID] [--history FILE] [--output FILE]",
	  HELP("--since TIME\tfirst second of the range (YYYY-MM-DD, "
	       "YYYY-MM-DDTHH:MM:SSZ or @SECONDS)",
	       "--until TIME\tend of the range, not included (default now)",
	       "--domain DOMAIN\tthe domain whose published DMARC policy applied",
	       "--org-name NAME\tthe reporting organisation (default the host name)",
	       "--email ADDRESS\twhere the domain owner may reply (default postmaster@HOST)",
	       "--extra-contact TEXT\textra_contact_info of the report",
	       "--report-id ID\tthe report's id (default DOMAIN!BEGIN!END)",
	       "--history FILE\tread FILE instead of dmarc.history_file",
	       "--output FILE\twrite the report gzip'd to FILE instead of standard "
	       "output (also -o FILE)") },
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
	    "Global options (before NOUN):\n"
	    "  -c FILE, --config=FILE  configuration file (default $" CONF_ENV " or "
	    CONF_DEFAULT_PATH ")\n"
	    "  --json         machine-readable (JSON) output\n"
	    "  -v             verbose (e.g. account list counts the accounts on stderr)\n"
	    "  -h, --help     this text\n"
	    "  -V, --version  print the version and exit\n"
	    "\n"
	    "Commands (each takes --help; NOUN --help lists a noun's verbs):\n");
	for (i = 0; i < cli_ncommands; i++)
		fprintf(fp, "  %-8s %-11s %s\n", cli_commands[i].noun, cli_commands[i].verb,
		    cli_commands[i].summary);
	fprintf(fp, "\nExit codes follow sysexits(3): 0 ok, 64 usage, 65 bad data, 66 no input\n"
	    "file, 67 no such account/agency, 69 LDAP unavailable, 70 internal error,\n"
	    "73/74 audit log, 75 try again, 77 permission, 78 config. See govmailctl(8).\n");
}

static int
is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/*
 * A noun without a known verb: "NOUN --help" (or "NOUN WORD --help" for
 * two-word verbs such as "account cert") lists its verbs on stdout, exit 0;
 * anything else is a usage error listing them on stderr.
 */
static int
noun_usage(int ac, char **av)
{
	const char *prefix = NULL;
	FILE *fp = stderr;
	size_t k, plen = 0;
	int shown = 0;

	if (ac == 2 && is_help(av[1]))
		fp = stdout;
	else if (ac == 3 && is_help(av[2])) {
		prefix = av[1];
		plen = strlen(prefix);
		for (k = 0; k < cli_ncommands; k++)
			if (strcmp(cli_commands[k].noun, av[0]) == 0 &&
			    strncmp(cli_commands[k].verb, prefix, plen) == 0 &&
			    cli_commands[k].verb[plen] == ' ')
				fp = stdout;
		if (fp == stderr)
			prefix = NULL;
	}
	if (fp == stderr)
		fprintf(stderr, "govmailctl: %s: unknown or missing verb\n", av[0]);
	fprintf(fp, "usage:\n");
	for (k = 0; k < cli_ncommands; k++) {
		const struct cli_command *c = &cli_commands[k];

		if (strcmp(c->noun, av[0]) != 0 || (prefix != NULL &&
		    (strncmp(c->verb, prefix, plen) != 0 || c->verb[plen] != ' ')))
			continue;
		fprintf(fp, "  govmailctl %s %s%s%s\n      %s\n", c->noun, c->verb,
		    *c->usage ? " " : "", c->usage, c->summary);
		shown++;
	}
	fprintf(fp, "Each verb takes --help; global options are in govmailctl --help.\n");
	return fp == stdout && shown > 0 ? EX_OK : EX_USAGE;
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
		if (known_noun)
			return noun_usage(argc - i, argv + i);
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
