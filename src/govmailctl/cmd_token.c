/*
 * cmd_token.c — `govmailctl token add|list|revoke`: API tokens with which
 * an agency's HR system calls govmail-apid. The token is printed once, at
 * creation; the directory keeps only its hash (api_token.c), and neither
 * the audit log nor any listing ever shows it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_authz.h"
#include "audit_log.h"
#include "cli.h"
#include "commands.h"
#include "dir.h"
#include "json_writer.h"
#include "log.h"
#include "xmalloc.h"

#define ESC 512
#define EXPIRES_MAX_DAYS 3660   /* ten years */

static const char *
esc(char *buf, const char *s)
{
	return log_escape(buf, ESC, s != NULL ? s : "", ESC / 4);
}

/* "2026-12-07T10:00:00Z", or "never" for 0. */
static const char *
iso(char *buf, size_t len, time_t t)
{
	struct tm tm;

	if (t == 0)
		return "never";
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/*
 * --expires: "Nd" (N days from now), "YYYY-MM-DD" (valid through that day,
 * local time: it stops at the midnight that ends it) or "never". 0 for
 * never; -1 if s is none of these or not in the future.
 */
static time_t
parse_expires(const char *s, time_t now)
{
	size_t len = strlen(s);

	if (strcmp(s, "never") == 0)
		return 0;
	if (len >= 2 && len <= 5 && s[len - 1] == 'd') {
		long days = 0;
		size_t i;

		for (i = 0; i + 1 < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			days = days * 10 + (s[i] - '0');
		}
		if (days < 1 || days > EXPIRES_MAX_DAYS)
			return -1;
		return now + (time_t)days * 86400;
	}
	if (len == 10) {
		struct tm tm;
		const char *end;
		time_t t;
		int y, m, d;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (end == NULL || *end != '\0')
			return -1;
		y = tm.tm_year, m = tm.tm_mon, d = tm.tm_mday;
		tm.tm_mday += 1;    /* the midnight after the day */
		tm.tm_isdst = -1;
		t = mktime(&tm);
		/* strptime takes 2026-02-31; mktime would roll it over */
		{
			struct tm chk = { 0 };

			chk.tm_year = y, chk.tm_mon = m, chk.tm_mday = d;
			chk.tm_hour = 12;
			chk.tm_isdst = -1;
			if (mktime(&chk) == (time_t)-1 || chk.tm_mday != d ||
			    chk.tm_mon != m)
				return -1;
		}
		if (t == (time_t)-1 || t <= now || t - now > (time_t)EXPIRES_MAX_DAYS * 86400)
			return -1;
		return t;
	}
	return -1;
}

static const struct option add_opts[] = {
	{ "agency", required_argument, NULL, 'a' },
	{ "role", required_argument, NULL, 'r' },
	{ "allow-from", required_argument, NULL, 'f' },
	{ "expires", required_argument, NULL, 'e' },
	{ "comment", required_argument, NULL, 'm' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_token_add(struct cli *cli, int argc, char **argv)
{
	const char *agency = NULL, *rolename = NULL, *expires_arg = NULL,
	    *comment = NULL;
	char *cidrs[API_TOKEN_MAX_CIDRS + 1], err[1024], e1[ESC], e2[ESC],
	    tbuf[64], *secret = NULL, *pos[1], *actor;
	size_t ncidrs = 0, i;
	struct api_token *tok = NULL;
	struct audit_change ch[5];
	enum api_role role;
	enum dir_status st;
	time_t now = time(NULL), expires = 0;
	struct dir *d;
	int c, npos = 0;
	char *allow_joined;
	size_t alen;

	while ((c = cli_getopt_pos(cli, argc, argv, add_opts, pos, 0, &npos)) != -1) {
		switch (c) {
		case 'a':
			agency = optarg;
			break;
		case 'r':
			rolename = optarg;
			break;
		case 'e':
			expires_arg = optarg;
			break;
		case 'm':
			comment = optarg;
			break;
		case 'j':
			if (cli->json == NULL)
				cli->json = json_writer_new(stdout, 1);
			break;
		case 'f': {
			/* repeatable, and each may be a comma-separated list */
			char *copy = xstrdup(optarg), *save = NULL, *p;

			for (p = strtok_r(copy, ",", &save); p != NULL;
			    p = strtok_r(NULL, ",", &save)) {
				if (ncidrs == API_TOKEN_MAX_CIDRS)
					cli_fail(EX_DATAERR, "at most %d networks per token",
					    API_TOKEN_MAX_CIDRS);
				cidrs[ncidrs++] = xstrdup(p);
			}
			free(copy);
			break;
		}
		}
	}
	if (agency == NULL)
		cli_usage_fail(cli, "--agency is required");
	if (rolename == NULL)
		cli_usage_fail(cli, "--role is required");
	if (ncidrs == 0)
		cli_usage_fail(cli, "--allow-from is required: the networks the HR "
		    "system calls from (e.g. 10.20.0.0/24)");
	role = api_role_parse(rolename);
	if (role == API_ROLE_NONE)
		cli_fail(EX_DATAERR, "--role %s: one of hr, auditor, agency-admin",
		    esc(e1, rolename));
	if (expires_arg != NULL && (expires = parse_expires(expires_arg, now)) == -1)
		cli_fail(EX_DATAERR, "--expires %s: a future date YYYY-MM-DD, a number "
		    "of days such as 90d (at most %dd), or never", esc(e1, expires_arg),
		    EXPIRES_MAX_DAYS);

	d = cli_begin_change(cli);
	actor = audit_default_actor();
	st = api_token_add(d, agency, role, (const char *const *)cidrs, ncidrs, expires,
	    actor, comment, &secret, &tok, err, sizeof(err));
	free(actor);
	if (st != DIR_OK)
		cli_fail(st == DIR_NOT_FOUND ? EX_NOUSER : st == DIR_CONSTRAINT ?
		    EX_DATAERR : dir_status_exit(st), "%s", err);

	alen = 1;
	for (i = 0; i < tok->nallow; i++)
		alen += strlen(tok->allow_from[i]) + 1;
	allow_joined = xmalloc(alen);
	allow_joined[0] = '\0';
	for (i = 0; i < tok->nallow; i++) {
		if (i > 0)
			strcat(allow_joined, ",");
		strcat(allow_joined, tok->allow_from[i]);
	}
	/* The audit record names the token by its id; never the secret. */
	ch[0] = (struct audit_change){ "role", NULL, api_role_name(tok->role) };
	ch[1] = (struct audit_change){ "agency", NULL, tok->agency_code };
	ch[2] = (struct audit_change){ "allow_from", NULL, allow_joined };
	ch[3] = (struct audit_change){ "expires", NULL, iso(tbuf, sizeof(tbuf), tok->expires) };
	ch[4] = (struct audit_change){ "comment", NULL, tok->comment };
	if (audit_record_changes(cli->audit, "token.add", tok->id, NULL, NULL, 0, ch,
	    tok->comment != NULL ? 5 : 4, NULL, "ok") != 0)
		cli_fail(EX_IOERR, "token %s was created but the audit log write failed: "
		    "%s (revoke it with: govmailctl token revoke %s)", tok->id,
		    strerror(errno), tok->id);

	if (cli->json != NULL) {
		json_begin_object(cli->json);
		json_key(cli->json, "id");
		json_string(cli->json, tok->id);
		json_key(cli->json, "token");
		json_string(cli->json, secret);
		json_key(cli->json, "role");
		json_string(cli->json, api_role_name(tok->role));
		json_key(cli->json, "agency");
		json_string(cli->json, tok->agency_code);
		json_key(cli->json, "allow_from");
		json_begin_array(cli->json);
		for (i = 0; i < tok->nallow; i++)
			json_string(cli->json, tok->allow_from[i]);
		json_end_array(cli->json);
		json_key(cli->json, "created");
		json_string(cli->json, iso(tbuf, sizeof(tbuf), tok->created));
		json_key(cli->json, "expires");
		if (tok->expires == 0)
			json_null(cli->json);
		else
			json_string(cli->json, iso(tbuf, sizeof(tbuf), tok->expires));
		json_end_object(cli->json);
	} else {
		printf("token %s created: role %s over agency %s and its sub-agencies, "
		    "from %s, expires %s\n", tok->id, api_role_name(tok->role),
		    tok->agency_code, esc(e2, allow_joined),
		    iso(tbuf, sizeof(tbuf), tok->expires));
		printf("token: %s\n", secret);
	}
	fflush(stdout);
	fprintf(stderr, "govmailctl: this is the only time the token is shown: the "
	    "directory keeps only its hash. Hand it to the HR system over a safe "
	    "channel; if it is lost, revoke it and create another.\n");
	/* wipe before free: the secret must not linger in freed memory */
	memset(secret, 0, strlen(secret));
	free(secret);
	free(allow_joined);
	api_token_free(tok);
	for (i = 0; i < ncidrs; i++)
		free(cidrs[i]);
	return EX_OK;
}

struct token_vec {
	struct api_token **v;
	size_t n;
};

static int
token_collect(const struct api_token *t, void *arg)
{
	struct token_vec *vec = arg;
	struct api_token *x = xcalloc(1, sizeof(*x));
	size_t i;

	x->id = xstrdup(t->id);
	x->role = t->role;
	x->agency_code = xstrdup(t->agency_code);
	x->agency_dn = t->agency_dn != NULL ? xstrdup(t->agency_dn) : NULL;
	x->allow_from = xcalloc(t->nallow + 1, sizeof(*x->allow_from));
	for (i = 0; i < t->nallow; i++)
		x->allow_from[i] = xstrdup(t->allow_from[i]);
	x->nallow = t->nallow;
	x->created = t->created;
	x->expires = t->expires;
	x->created_by = t->created_by != NULL ? xstrdup(t->created_by) : NULL;
	x->comment = t->comment != NULL ? xstrdup(t->comment) : NULL;
	vec->v = xreallocarray(vec->v, vec->n + 1, sizeof(*vec->v));
	vec->v[vec->n++] = x;
	return 0;
}

static int
token_cmp(const void *a, const void *b)
{
	const struct api_token *x = *(struct api_token *const *)a;
	const struct api_token *y = *(struct api_token *const *)b;
	int c = strcmp(x->agency_code, y->agency_code);

	if (c != 0)
		return c;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

static const struct option list_opts[] = {
	{ "agency", required_argument, NULL, 'a' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_token_list(struct cli *cli, int argc, char **argv)
{
	struct token_vec vec = { NULL, 0 };
	const char *agency = NULL;
	char *pos[1], t1[64], t2[64], e1[ESC], e2[ESC];
	time_t now = time(NULL);
	enum dir_status st;
	struct dir *d;
	size_t i, j;
	int c, npos = 0;

	while ((c = cli_getopt_pos(cli, argc, argv, list_opts, pos, 0, &npos)) != -1) {
		if (c == 'a')
			agency = optarg;
		else if (c == 'j' && cli->json == NULL)
			cli->json = json_writer_new(stdout, 1);
	}
	d = cli_dir(cli);
	st = api_token_list(d, agency, token_collect, &vec);
	if (st == DIR_NOT_FOUND)
		cli_fail(EX_NOUSER, "no agency %s", esc(e1, agency));
	if (st != DIR_OK)
		cli_dir_fail(cli, "listing tokens");
	if (vec.n > 1)
		qsort(vec.v, vec.n, sizeof(*vec.v), token_cmp);
	if (cli->json != NULL)
		json_begin_array(cli->json);
	else if (vec.n > 0)
		printf("%-12s  %-16s  %-12s  %-20s  %-20s  %-7s  %s\n", "ID", "AGENCY",
		    "ROLE", "CREATED", "EXPIRES", "EXPIRED", "ALLOW-FROM");
	for (i = 0; i < vec.n; i++) {
		const struct api_token *t = vec.v[i];
		int expired = t->expires != 0 && now >= t->expires;
		const char *role = api_role_name(t->role);

		if (cli->json != NULL) {
			json_begin_object(cli->json);
			json_key(cli->json, "id");
			json_string(cli->json, t->id);
			json_key(cli->json, "agency");
			json_string(cli->json, t->agency_code);
			json_key(cli->json, "role");
			json_string(cli->json, role);
			json_key(cli->json, "allow_from");
			json_begin_array(cli->json);
			for (j = 0; j < t->nallow; j++)
				json_string(cli->json, t->allow_from[j]);
			json_end_array(cli->json);
			json_key(cli->json, "created");
			json_string(cli->json, iso(t1, sizeof(t1), t->created));
			json_key(cli->json, "expires");
			if (t->expires == 0)
				json_null(cli->json);
			else
				json_string(cli->json, iso(t2, sizeof(t2), t->expires));
			json_key(cli->json, "expired");
			json_bool(cli->json, expired);
			json_key(cli->json, "created_by");
			json_string(cli->json, t->created_by);
			json_key(cli->json, "comment");
			json_string(cli->json, t->comment);
			json_end_object(cli->json);
		} else {
			printf("%-12s  %-16s  %-12s  %-20s  %-20s  %-7s  ", t->id,
			    esc(e1, t->agency_code), role != NULL ? role : "?",
			    iso(t1, sizeof(t1), t->created), iso(t2, sizeof(t2), t->expires),
			    expired ? "yes" : "no");
			for (j = 0; j < t->nallow; j++)
				printf("%s%s", j > 0 ? "," : "", esc(e1, t->allow_from[j]));
			if (t->comment != NULL)
				printf("  # %s", esc(e2, t->comment));
			putchar('\n');
		}
	}
	if (cli->json != NULL)
		json_end_array(cli->json);
	for (i = 0; i < vec.n; i++)
		api_token_free(vec.v[i]);
	free(vec.v);
	return EX_OK;
}

static const struct option revoke_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

int
cmd_token_revoke(struct cli *cli, int argc, char **argv)
{
	char *pos[1], e1[ESC], *id;
	enum dir_status st;
	struct dir *d;
	int c, npos = 0;

	while ((c = cli_getopt_pos(cli, argc, argv, revoke_opts, pos, 1, &npos)) != -1)
		if (c == 'j' && cli->json == NULL)
			cli->json = json_writer_new(stdout, 1);
	if (npos != 1)
		cli_usage_fail(cli, "ID is required");
	/* A whole token pasted by mistake: use its id, never echo it. */
	id = api_token_id_of(pos[0]);
	if (id == NULL && strncmp(pos[0], "gmt_", 4) == 0)
		cli_fail(EX_DATAERR, "give the token's id (as token list shows it), "
		    "not the token");
	if (id == NULL)
		id = xstrdup(pos[0]);
	d = cli_begin_change(cli);
	st = api_token_revoke(d, id);
	if (st == DIR_NOT_FOUND)
		cli_fail(EX_NOUSER, "no token %s", esc(e1, id));
	if (st != DIR_OK)
		cli_dir_fail(cli, "revoking the token");
	cli_audit(cli, "token.revoke", id, NULL, NULL, NULL);
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		json_key(cli->json, "id");
		json_string(cli->json, id);
		json_key(cli->json, "revoked");
		json_bool(cli->json, 1);
		json_end_object(cli->json);
	} else
		printf("token %s revoked\n", id);
	free(id);
	return EX_OK;
}
