/*
 * cli.h — shared state and helpers of govmailctl's commands: the loaded
 * configuration, the directory connection and the audit log (both opened
 * on first use), output in text or JSON, and exits with sysexits codes.
 * Each command lives in cmd_<noun>.c and is listed in main.c.
 */
#ifndef GOVMAILCTL_CLI_H
#define GOVMAILCTL_CLI_H

#include <getopt.h>
#include <stdio.h>
#include <sysexits.h>

#include "dir.h"

struct govmail_conf;
struct dir;
struct dir_mods;
struct audit_log;
struct json_writer;
struct account;
struct account_result;

struct cli {
	const char *conf_path;
	struct govmail_conf *conf;
	struct dir *dir;
	struct audit_log *audit;
	struct json_writer *json;   /* non-NULL with --json */
	int verbose;
	const char *cmdname;        /* "account add", for usage messages */
	const struct cli_command *cmd;
};

/*
 * One subcommand: noun + verb, handler, one-line summary, usage text, and
 * the lines --help prints under it: each argument and option as
 * "TERM\tdescription" (NULL-terminated; NULL for none). --help checks the
 * options named there against the getopt table the handler passes, so the
 * help cannot list an option the command does not take, or leave one out.
 */
struct cli_command {
	const char *noun;
	const char *verb;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage;          /* option synopsis after "govmailctl noun verb" */
	const char *const *help;    /* "TERM\tdescription" lines, NULL-terminated */
};

/* Remember the command being run (for usage output). */
void cli_set_command(struct cli *cli, const struct cli_command *cmd);
/* Flush JSON output, close the audit log and the directory. */
void cli_finish(struct cli *cli);
/* The configuration (loaded on first use; exits 78 on a bad file). */
const struct govmail_conf *cli_conf(struct cli *cli);

/* Print "govmailctl: <message>" to stderr and exit with code. */
void cli_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* Print a warning to stderr and continue. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Directory connection for reading (exits 69/77/78 on failure). */
struct dir *cli_dir(struct cli *cli);
/*
 * Before a command changes the directory: opens the audit log (exits 73 if
 * it cannot be written, before anything is changed) and the directory.
 */
struct dir *cli_begin_change(struct cli *cli);
/* Write one audit record for a change that succeeded (exits 74 on failure). */
void cli_audit(struct cli *cli, const char *op, const char *target,
    const char *dn, const struct dir_mods *mods, const char *source);
/* Exit with the directory's last error (server diagnostic included). */
void cli_dir_fail(struct cli *cli, const char *what) __attribute__((noreturn));

/*
 * getopt_long wrapper used by every command: handles --help (prints the
 * command's help, exits 0; 70 if the help and opts disagree) and unknown
 * options (usage, exit 64). Returns the option or -1.
 */
int cli_getopt(struct cli *cli, int argc, char **argv, const struct option *opts);
/*
 * Like cli_getopt, but options may come before or after the positional
 * arguments, which are collected into pos (at most maxpos, else exit 64);
 * everything after "--" is positional. Returns the option, or -1 at the end.
 */
int cli_getopt_pos(struct cli *cli, int argc, char **argv,
    const struct option *opts, char **pos, int maxpos, int *npos);
/* Print this command's usage to fp. */
void cli_usage(struct cli *cli, FILE *fp);
/*
 * Print the command's full help (usage, summary, one line per argument and
 * option) to fp. Returns 0, or -1 with a message in err when the options
 * the help names differ from those in opts (the getopt table).
 */
int cli_help(const struct cli_command *cmd, const struct option *opts, FILE *fp,
    char *err, size_t errlen);
/* Exit 64 with a message and the usage line. */
void cli_usage_fail(struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* The account named by key (address, alias, uid, employee id or name), or
 * exit 67 (none), 65 (a name several accounts share) or 69. */
struct account *cli_account(struct cli *cli, struct dir *d, const char *key);
/* A lowercased, checked address (exit 65 when malformed). */
char *cli_address(const char *s);
/* Exit code for a refused or failed account operation: 67 unknown agency
 * or account, 65 refused, else the directory's (69, 77, ...). */
int cli_account_exit(struct dir *d, enum dir_status st);
/* After an account operation succeeded: audit it (if it wrote), print the
 * summary line and the changes (or the result as JSON), clear r. */
void cli_account_done(struct cli *cli, const char *op, const struct account *a,
    struct account_result *r, const char *summary);
/* Audit a done change of an entry: the attributes of mods, the changed
 * values of r (at most 32), and the source (may be NULL). */
void cli_audit_values(struct cli *cli, const char *op, const char *target,
    const char *dn, const struct dir_mods *mods, const struct account_result *r,
    const char *source);
/* Audit a done account operation: attributes and changed values. */
void cli_audit_result(struct cli *cli, const char *op, const char *target,
    const char *dn, const struct account_result *r);

/* Parse a size like 2147483648, 500M, 2G (binary units); -1 if invalid. */
long long cli_parse_size(const char *s);

/* Read a line (without newline) from stdin, echo off on a terminal. */
char *cli_read_secret(const char *prompt);

#endif
