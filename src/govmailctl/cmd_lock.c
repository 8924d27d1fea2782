/*
 * cmd_lock.c — govmailctl account lock|unlock: the login lock of a
 * compromised account (it cannot log in, it still receives mail) and the
 * release of a lock of either kind, the administrator's or the automatic
 * lockout after too many failed logins. The lock is slapd's password
 * policy (dir_account_lock.c); this file parses, prints and audits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_account_lock.h"
#include "json_writer.h"

static int
lock_reason_opt(int ch, void *arg)
{
	if (ch == 'r')
		*(const char **)arg = optarg;
	return 0;
}

/* The one ADDRESS argument, options anywhere; the account. */
static struct account *
lock_account(struct cli *cli, int argc, char **argv, const struct option *opts,
    const char **reason, struct dir **dp)
{
	char *pos[1];
	int ch, npos = 0;
	char err[256];

	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1)
		lock_reason_opt(ch, reason);
	if (npos != 1)
		cli_usage_fail(cli, "expected one ADDRESS argument");
	if (opts != NULL && (*reason == NULL || **reason == '\0'))
		cli_usage_fail(cli, "--reason is required");
	if (opts != NULL && dir_lock_reason_check(*reason, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "--reason: %s", err);
	*dp = cli_begin_change(cli);
	return cli_account(cli, *dp, pos[0]);
}

static void
lock_result(struct cli *cli, const char *address, int locked, int changed,
    const char *text)
{
	if (cli->json) {
		json_begin_object(cli->json);
		json_key(cli->json, "address");
		json_string(cli->json, address);
		json_key(cli->json, "locked");
		json_bool(cli->json, locked);
		json_key(cli->json, "changed");
		json_bool(cli->json, changed);
		json_end_object(cli->json);
	} else
		printf("%s %s\n", address, text);
}

int
cmd_account_lock(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 } };
	const char *reason = NULL;
	struct account_result r;
	struct account *a;
	enum dir_status st;
	struct dir *d;
	char now[32], err[1024];

	a = lock_account(cli, argc, argv, opts, &reason, &d);
	dir_generalized_time(now, sizeof(now));
	if ((st = account_lock_set(d, a, reason, now, &r, err, sizeof(err))) != DIR_OK)
		cli_fail(cli_account_exit(d, st), "locking the account: %s", err);
	if (r.n == 0)
		/* The first reason and time stay: they date the compromise. */
		lock_result(cli, a->address, 1, 0, "is already locked (account show says why)");
	else {
		cli_audit_result(cli, "account.lock", a->address, a->dn, &r);
		lock_result(cli, a->address, 1, 1,
		    "is now locked: it cannot log in; mail to it is still delivered");
	}
	account_result_clear(&r);
	account_free(a);
	return EX_OK;
}

int
cmd_account_unlock(struct cli *cli, int argc, char **argv)
{
	const char *reason = NULL;
	struct account_result r;
	struct account *a;
	enum dir_status st;
	struct dir *d;
	char text[160], err[1024];

	a = lock_account(cli, argc, argv, NULL, &reason, &d);
	if ((st = account_lock_clear(d, a, &r, err, sizeof(err))) != DIR_OK)
		cli_fail(cli_account_exit(d, st), "unlocking the account: %s", err);
	if (r.n == 0)
		lock_result(cli, a->address, 0, 0, "is not locked");
	else {
		cli_audit_result(cli, "account.unlock", a->address, a->dn, &r);
		/* a->lock: as read before the unlock */
		if (a->lock.kind == DIR_LOCK_ADMIN)
			snprintf(text, sizeof(text),
			    "is unlocked (it was locked by an administrator)");
		else if (a->lock.kind == DIR_LOCK_FAILURES)
			snprintf(text, sizeof(text),
			    "is unlocked (it was locked after %zu failed logins)", a->lock.failures);
		else
			snprintf(text, sizeof(text), "is unlocked (%zu failed logins forgotten)",
			    a->lock.failures);
		lock_result(cli, a->address, 0, 1, text);
	}
	account_result_clear(&r);
	account_free(a);
	return EX_OK;
}

int
account_lock_held(const struct account *a)
{
	return a->lock.kind == DIR_LOCK_ADMIN;
}

void
account_lock_keep(struct cli *cli, struct dir *d, const struct account *a)
{
	struct dir_mods *m = dir_lock_relock_mods();

	/* The new password was set a moment ago by the administrator, who
	 * alone knows it: the instant between the two writes gives nobody
	 * else a way in. */
	if (dir_modify(d, a->dn, m) != DIR_OK)
		cli_dir_fail(cli, "the password is set, but locking the account again failed "
		    "(run govmailctl account lock)");
	cli_audit(cli, "account.lock", a->address, a->dn, m, "account passwd");
	if (!cli->json)
		printf("%s stays locked (govmailctl account unlock lifts it)\n", a->address);
	dir_mods_free(m);
}
