/*
 * cmd_role.c — `govmailctl role grant|revoke|list`: which people may use
 * govmail-apid with their own account, and over which agency subtree
 * (api_role.c keeps the grants on the account entries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_authz.h"
#include "audit_log.h"
#include "cli.h"
#include "commands.h"
#include "dir.h"
#include "dir_account.h"
#include "json_writer.h"
#include "log.h"
#include "xmalloc.h"

#define ESC 512

static const char *
esc(char *buf, const char *s)
{
	return log_escape(buf, ESC, s != NULL ? s : "", ESC / 4);
}

static const struct option change_opts[] = {
	{ "role", required_argument, NULL, 'r' },
	{ "agency", required_argument, NULL, 'a' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

/* grant (1) or revoke (0) */
static int
role_change(struct cli *cli, int argc, char **argv, int grant)
{
	const char *rolename = NULL, *agency = NULL;
	char *pos[1], err[1024], e1[ESC], e2[ESC], *value, *address;
	struct account *a = NULL;
	struct audit_change ch;
	enum api_role role;
	enum dir_status st;
	struct dir *d;
	int c, npos = 0;

	while ((c = cli_getopt_pos(cli, argc, argv, change_opts, pos, 1, &npos)) != -1) {
		if (c == 'r')
			rolename = optarg;
		else if (c == 'a')
			agency = optarg;
		else if (c == 'j' && cli->json == NULL)
			cli->json = json_writer_new(stdout, 1);
	}
	if (npos != 1)
		cli_usage_fail(cli, "ADDRESS is required");
	if (rolename == NULL)
		cli_usage_fail(cli, "--role is required");
	role = api_role_parse(rolename);
	if (role == API_ROLE_NONE)
		cli_fail(EX_DATAERR, "--role %s: one of province-admin, agency-admin, hr, "
		    "auditor", esc(e1, rolename));
	d = cli_begin_change(cli);
	/* The person as an administrator names them (address, uid, employee
	 * id, unique name); the grant is stored on the account's entry,
	 * whose DN never changes. */
	a = cli_account(cli, d, pos[0]);
	address = xstrdup(a->address);
	st = grant ? api_role_grant(d, a->address, role, agency, err, sizeof(err)) :
	    api_role_revoke(d, a->address, role, agency, err, sizeof(err));
	account_free(a);
	if (st != DIR_OK)
		cli_fail(st == DIR_NOT_FOUND ? EX_NOUSER : st == DIR_CONSTRAINT ?
		    EX_DATAERR : dir_status_exit(st), "%s", err);
	value = agency != NULL ? xasprintf("%s %s", api_role_name(role), agency) :
	    xstrdup(api_role_name(role));
	dir_lower(value);
	ch.field = "role";
	ch.old = grant ? NULL : value;
	ch.new = grant ? value : NULL;
	if (audit_record_changes(cli->audit, grant ? "role.grant" : "role.revoke",
	    address, NULL, NULL, 0, &ch, 1, NULL, "ok") != 0)
		cli_fail(EX_IOERR, "the role was %s but the audit log write failed",
		    grant ? "granted" : "revoked");
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		json_key(cli->json, "address");
		json_string(cli->json, address);
		json_key(cli->json, "role");
		json_string(cli->json, api_role_name(role));
		json_key(cli->json, "agency");
		json_string(cli->json, agency != NULL ? value + strlen(api_role_name(role)) + 1 :
		    NULL);
		json_key(cli->json, grant ? "granted" : "revoked");
		json_bool(cli->json, 1);
		json_end_object(cli->json);
	} else
		printf("%s: role %s %s\n", esc(e1, address), esc(e2, value),
		    grant ? "granted" : "revoked");
	free(value);
	free(address);
	return EX_OK;
}

int
cmd_role_grant(struct cli *cli, int argc, char **argv)
{
	return role_change(cli, argc, argv, 1);
}

int
cmd_role_revoke(struct cli *cli, int argc, char **argv)
{
	return role_change(cli, argc, argv, 0);
}

struct role_row {
	char *address;
	char *role;
	char *agency;
};

struct role_vec {
	struct role_row *v;
	size_t n;
};

static int
role_collect(const char *address, const struct api_grant *g, void *arg)
{
	struct role_vec *vec = arg;
	struct role_row *r;

	vec->v = xreallocarray(vec->v, vec->n + 1, sizeof(*vec->v));
	r = &vec->v[vec->n++];
	r->address = xstrdup(address);
	r->role = xstrdup(api_role_name(g->role));
	r->agency = g->agency_code != NULL ? xstrdup(g->agency_code) : NULL;
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct role_row *x = a, *y = b;
	int c = strcmp(x->address, y->address);

	if (c == 0)
		c = strcmp(x->role, y->role);
	if (c == 0)
		c = strcmp(x->agency != NULL ? x->agency : "", y->agency != NULL ? y->agency : "");
	return c;
}

static const struct option list_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_role_list(struct cli *cli, int argc, char **argv)
{
	struct role_vec vec = { NULL, 0 };
	char *pos[1], e1[ESC], e2[ESC];
	struct account *a = NULL;
	enum dir_status st;
	struct dir *d;
	size_t i;
	int c, npos = 0;

	while ((c = cli_getopt_pos(cli, argc, argv, list_opts, pos, 1, &npos)) != -1)
		if (c == 'j' && cli->json == NULL)
			cli->json = json_writer_new(stdout, 1);
	d = cli_dir(cli);
	if (npos == 1)
		a = cli_account(cli, d, pos[0]);
	st = api_role_list(d, a != NULL ? a->uid : NULL, role_collect, &vec);
	account_free(a);
	if (st != DIR_OK)
		cli_dir_fail(cli, "listing roles");
	if (vec.n > 1)
		qsort(vec.v, vec.n, sizeof(*vec.v), row_cmp);
	if (cli->json != NULL)
		json_begin_array(cli->json);
	for (i = 0; i < vec.n; i++) {
		const struct role_row *r = &vec.v[i];

		if (cli->json != NULL) {
			json_begin_object(cli->json);
			json_key(cli->json, "address");
			json_string(cli->json, r->address);
			json_key(cli->json, "role");
			json_string(cli->json, r->role);
			json_key(cli->json, "agency");
			json_string(cli->json, r->agency);
			json_end_object(cli->json);
		} else
			printf("%-40s %-15s %s\n", esc(e1, r->address), r->role,
			    r->agency != NULL ? esc(e2, r->agency) : "(all)");
		free(r->address);
		free(r->role);
		free(r->agency);
	}
	if (cli->json != NULL)
		json_end_array(cli->json);
	free(vec.v);
	return EX_OK;
}
