/*
 * cmd_domain.c — `govmailctl domain add|list|remove`: the mail domains the
 * gateway governs. The rules (lower case, syntax, removal only when unused)
 * are in dir_domain.c; this file parses arguments and prints results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dir.h"
#include "dir_domain.h"
#include "json_writer.h"
#include "log.h"
#include "xmalloc.h"

/* The one DOMAIN argument, lowercased and checked (exit 65 if invalid). */
static void
domain_arg(const char *arg, char *out, size_t outlen)
{
	char err[512], shown[300];

	if (dir_domain_normalize(arg, out, outlen, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "%s: %s", log_escape(shown, sizeof(shown), arg, 256),
		    err);
}

int
cmd_domain_add(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "description", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	char name[DIR_DOMAIN_MAX + 1], err[1024], *pos[1], *dn = NULL;
	const char *description = NULL;
	struct dir_mods *mods = NULL;
	struct dir *d;
	enum dir_status st;
	int ch, npos = 0;

	while ((ch = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1) {
		if (ch == 'd')
			description = optarg;
	}
	if (npos != 1)
		cli_usage_fail(cli, "DOMAIN is required");
	domain_arg(pos[0], name, sizeof(name));

	d = cli_begin_change(cli);
	st = dir_domain_add(d, name, description, err, sizeof(err), &mods, &dn);
	if (st != DIR_OK)
		cli_fail(dir_status_exit(st), "%s", err);
	cli_audit(cli, "domain.add", name, dn, mods, NULL);
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		json_key(cli->json, "domain");
		json_string(cli->json, name);
		json_key(cli->json, "status");
		json_string(cli->json, "active");
		json_key(cli->json, "dn");
		json_string(cli->json, dn);
		json_end_object(cli->json);
	} else
		printf("domain %s added\n", name);
	dir_mods_free(mods);
	free(dn);
	return EX_OK;
}

struct domain_vec {
	struct dir_domain *v;
	size_t n, cap;
};

static int
domain_collect(const struct dir_domain *dom, void *arg)
{
	struct domain_vec *vec = arg;
	struct dir_domain *x;

	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 16;
		vec->v = xreallocarray(vec->v, vec->cap, sizeof(*vec->v));
	}
	x = &vec->v[vec->n++];
	memset(x, 0, sizeof(*x));
	x->dn = xstrdup(dom->dn);
	x->name = xstrdup(dom->name);
	x->status = dom->status ? xstrdup(dom->status) : NULL;
	x->alias_target = dom->alias_target ? xstrdup(dom->alias_target) : NULL;
	x->description = dom->description ? xstrdup(dom->description) : NULL;
	return 0;
}

static int
domain_cmp(const void *a, const void *b)
{
	const struct dir_domain *x = a, *y = b;

	return strcasecmp(x->name, y->name);
}

int
cmd_domain_list(struct cli *cli, int argc, char **argv)
{
	struct domain_vec vec = { NULL, 0, 0 };
	char *pos[1];
	struct dir *d;
	enum dir_status st;
	size_t i;
	int npos = 0;

	while (cli_getopt_pos(cli, argc, argv, NULL, pos, 0, &npos) != -1)
		;
	d = cli_dir(cli);
	st = dir_domain_list(d, domain_collect, &vec);
	if (st != DIR_OK)
		cli_dir_fail(cli, "listing domains");
	if (vec.n > 1)
		qsort(vec.v, vec.n, sizeof(*vec.v), domain_cmp);
	if (cli->json != NULL)
		json_begin_array(cli->json);
	for (i = 0; i < vec.n; i++) {
		const struct dir_domain *x = &vec.v[i];

		if (cli->json != NULL) {
			json_begin_object(cli->json);
			json_key(cli->json, "domain");
			json_string(cli->json, x->name);
			json_key(cli->json, "status");
			json_string(cli->json, x->status ? x->status : "active");
			json_key(cli->json, "alias_target");
			json_string(cli->json, x->alias_target);
			json_key(cli->json, "description");
			json_string(cli->json, x->description);
			json_end_object(cli->json);
		} else {
			char name[600], desc[1200], target[600];

			log_escape(name, sizeof(name), x->name, 256);
			log_escape(desc, sizeof(desc), x->description ? x->description : "",
			    1024);
			log_escape(target, sizeof(target), x->alias_target ?
			    x->alias_target : "", 256);
			printf("%-32s %-8s%s%s%s%s\n", name, x->status ? x->status : "active",
			    target[0] ? " -> " : "", target, desc[0] ? "  " : "", desc);
		}
	}
	if (cli->json != NULL)
		json_end_array(cli->json);
	for (i = 0; i < vec.n; i++)
		dir_domain_clear(&vec.v[i]);
	free(vec.v);
	return EX_OK;
}

int
cmd_domain_remove(struct cli *cli, int argc, char **argv)
{
	char name[DIR_DOMAIN_MAX + 1], err[1024], *pos[1], *dn = NULL;
	struct dir *d;
	enum dir_status st;
	int npos = 0;

	while (cli_getopt_pos(cli, argc, argv, NULL, pos, 1, &npos) != -1)
		;
	if (npos != 1)
		cli_usage_fail(cli, "DOMAIN is required");
	domain_arg(pos[0], name, sizeof(name));

	d = cli_begin_change(cli);
	st = dir_domain_remove(d, name, err, sizeof(err), &dn);
	if (st == DIR_NOT_FOUND)
		cli_fail(EX_DATAERR, "%s", err);
	if (st != DIR_OK)
		cli_fail(dir_status_exit(st), "%s", err);
	cli_audit(cli, "domain.remove", name, dn, NULL, NULL);
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		json_key(cli->json, "domain");
		json_string(cli->json, name);
		json_key(cli->json, "removed");
		json_bool(cli->json, 1);
		json_end_object(cli->json);
	} else
		printf("domain %s removed\n", name);
	free(dn);
	return EX_OK;
}
