/*
 * cmd_dkim.c — `govmailctl dkim keygen|list|rotate|dns`: the DKIM keys of
 * the governed domains and the DNS records to publish for them. Files and
 * the rotation state are dkim_keys.c's; this file checks that a domain is
 * governed (keys only for domains of ours), prints, and audits each change.
 */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit_log.h"
#include "cli.h"
#include "commands.h"
#include "conf.h"
#include "dir_domain.h"
#include "dkim_keys.h"
#include "json_writer.h"
#include "log.h"
#include "xmalloc.h"

/* Options every dkim command takes. */
#define DKIM_OPT_NOW { "now", required_argument, NULL, 'N' }

/* --now 2026-12-07T10:00:00Z or @EPOCH: plan or test at another time. */
static time_t
dkim_parse_now(const char *s)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v;

	if (s[0] == '@') {
		errno = 0;
		v = strtoll(s + 1, &e, 10);
		if (errno == 0 && e != s + 1 && *e == '\0' && v >= 0)
			return (time_t)v;
	} else {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (end != NULL && *end == '\0')
			return timegm(&tm);
	}
	cli_fail(EX_USAGE, "--now: \"%s\" is not YYYY-MM-DDTHH:MM:SSZ or @SECONDS", s);
}

static void
dkim_time_str(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", t);
}

static const char *
dkim_dir(struct cli *cli)
{
	return cli_conf(cli)->dkim_key_dir;
}

/* The DOMAIN argument, normalised; with governed != 0 it must be a governed
 * active domain (read from the directory). */
static void
dkim_domain_arg(struct cli *cli, struct dir *d, const char *arg, char *out,
    size_t outlen, int governed)
{
	char err[512], shown[300];
	int r;

	if (dir_domain_normalize(arg, out, outlen, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "%s: %s", log_escape(shown, sizeof(shown), arg, 256), err);
	if (!governed)
		return;
	r = dir_domain_is_active(d, out);
	if (r < 0)
		cli_dir_fail(cli, "looking up the domain");
	if (r == 0)
		cli_fail(EX_DATAERR, "%s is not a governed active domain (govmailctl domain "
		    "list); DKIM keys are made only for the province's own domains", out);
}

static void
dkim_mkdir(const char *dir)
{
	struct stat sb;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		cli_fail(EX_CANTCREAT, "%s: %s", dir, strerror(errno));
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		cli_fail(EX_CANTCREAT, "%s: not a directory", dir);
	if (sb.st_mode & 022)
		cli_fail(EX_CANTCREAT, "%s: writable by group or others (chmod 700)", dir);
}

static void
dkim_gen(const char *dir, const char *domain, const char *sel, enum dkim_alg alg)
{
	char err[1024];

	if (dkim_key_generate(dir, domain, sel, alg, err, sizeof(err)) != 0)
		cli_fail(EX_CANTCREAT, "%s", err);
}

static void
dkim_audit(struct cli *cli, const char *op, const char *domain,
    const struct audit_change *ch, size_t n)
{
	if (audit_record_changes(cli->audit, op, domain, NULL, NULL, 0, ch, n, NULL,
	    "ok") != 0)
		cli_fail(EX_IOERR, "%s %s was done but the audit log write failed: %s", op,
		    domain, strerror(errno));
}

static void
dkim_load_state(struct cli *cli, const char *domain, struct dkim_state *st, int need)
{
	char err[1024];
	int r = dkim_state_load(dkim_dir(cli), domain, st, err, sizeof(err));

	if (r < 0)
		cli_fail(EX_DATAERR, "%s", err);
	if (r == 1 && need)
		cli_fail(EX_DATAERR, "%s has no DKIM key yet (govmailctl dkim keygen %s)",
		    domain, domain);
}

static void
dkim_save_state(struct cli *cli, const char *domain, const struct dkim_state *st)
{
	char err[1024];

	if (dkim_state_save(dkim_dir(cli), domain, st, err, sizeof(err)) != 0)
		cli_fail(EX_CANTCREAT, "%s", err);
}

/* Print the record(s) of one generation (selector, and -ed if it has one). */
static void dkim_print_records(struct cli *cli, const char *domain, const char *sel,
    const char *note);

int
cmd_dkim_keygen(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ed25519", no_argument, NULL, 'e' },
		{ "selector", required_argument, NULL, 's' },
		DKIM_OPT_NOW,
		{ NULL, 0, NULL, 0 }
	};
	char domain[DIR_DOMAIN_MAX + 1], sel[DKIM_SELECTOR_MAX + 1], ed[DKIM_SELECTOR_MAX + 8];
	char err[1024], *pos[1];
	const char *want_sel = NULL;
	struct dkim_state st;
	struct audit_change ch[2];
	struct dir *d;
	time_t now = time(NULL);
	const char *now_arg = NULL;
	int c, npos = 0, want_ed = 0, have, nch = 0;

	while ((c = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1) {
		if (c == 'e')
			want_ed = 1;
		else if (c == 's')
			want_sel = optarg;
		else if (c == 'N')
			now_arg = optarg;
	}
	/* --help goes first: the time is read once every option is. */
	if (now_arg != NULL)
		now = dkim_parse_now(now_arg);
	if (npos != 1)
		cli_usage_fail(cli, "DOMAIN is required");
	d = cli_begin_change(cli);
	dkim_domain_arg(cli, d, pos[0], domain, sizeof(domain), 1);
	dkim_mkdir(dkim_dir(cli));
	have = dkim_state_load(dkim_dir(cli), domain, &st, err, sizeof(err));
	if (have < 0)
		cli_fail(EX_DATAERR, "%s", err);
	if (have == 0) {
		/* Keys exist: only an Ed25519 key may be added to the signing generation. */
		if (!want_ed || st.ed25519)
			cli_fail(EX_DATAERR, "%s has DKIM keys already (selector %s); use "
			    "govmailctl dkim rotate %s for a new key", domain, st.active, domain);
		if (st.next[0] != '\0')
			cli_fail(EX_TEMPFAIL, "%s: a rotation to %s is under way; add the "
			    "Ed25519 key after it (dkim rotate)", domain, st.next);
		snprintf(ed, sizeof(ed), "%s%s", st.active, DKIM_ED_SUFFIX);
		dkim_gen(dkim_dir(cli), domain, ed, DKIM_ALG_ED25519);
		st.ed25519 = 1;
		dkim_save_state(cli, domain, &st);
		ch[nch++] = (struct audit_change){ "ed_selector", NULL, ed };
		dkim_audit(cli, "dkim.keygen", domain, ch, (size_t)nch);
		snprintf(sel, sizeof(sel), "%s", st.active);
	} else {
		if (want_sel != NULL) {
			if (!dkim_selector_valid(want_sel) ||
			    strlen(want_sel) + strlen(DKIM_ED_SUFFIX) > DKIM_SELECTOR_MAX)
				cli_fail(EX_USAGE, "--selector: \"%s\" is not a selector (a-z, 0-9, "
				    "'-', at most %d)", want_sel,
				    DKIM_SELECTOR_MAX - (int)strlen(DKIM_ED_SUFFIX));
			snprintf(sel, sizeof(sel), "%s", want_sel);
		} else if (dkim_selector_next(dkim_dir(cli), domain,
		    cli_conf(cli)->dkim_selector_prefix, now, NULL, sel, sizeof(sel), err,
		    sizeof(err)) != 0)
			cli_fail(EX_DATAERR, "%s", err);
		dkim_gen(dkim_dir(cli), domain, sel, DKIM_ALG_RSA);
		ch[nch++] = (struct audit_change){ "selector", NULL, sel };
		if (want_ed) {
			snprintf(ed, sizeof(ed), "%s%s", sel, DKIM_ED_SUFFIX);
			dkim_gen(dkim_dir(cli), domain, ed, DKIM_ALG_ED25519);
			ch[nch++] = (struct audit_change){ "ed_selector", NULL, ed };
		}
		memset(&st, 0, sizeof(st));
		snprintf(st.active, sizeof(st.active), "%s", sel);
		st.ed25519 = want_ed;
		dkim_save_state(cli, domain, &st);
		dkim_audit(cli, "dkim.keygen", domain, ch, (size_t)nch);
	}
	if (cli->json == NULL && have == 0)
		printf("%s: DKIM key made: selector %s (Ed25519)\n", domain, ed);
	else if (cli->json == NULL)
		printf("%s: DKIM key made: selector %s (RSA 2048)%s%s%s\n", domain, sel,
		    want_ed ? ", selector " : "", want_ed ? ed : "", want_ed ? " (Ed25519)" : "");
	if (cli->json == NULL)
		printf("; publish in DNS before govmaild signs with it:\n");
	else
		json_begin_array(cli->json);
	dkim_print_records(cli, domain, sel, NULL);
	if (cli->json != NULL)
		json_end_array(cli->json);
	return EX_OK;
}

int
cmd_dkim_rotate(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		DKIM_OPT_NOW,
		{ NULL, 0, NULL, 0 }
	};
	char domain[DIR_DOMAIN_MAX + 1], sel[DKIM_SELECTOR_MAX + 1], ed[DKIM_SELECTOR_MAX + 8];
	char err[1024], *pos[1], from[32], until[32];
	const struct govmail_conf *c = cli_conf(cli);
	long long delay = (long long)c->dkim_rotate_delay_hours * 3600;
	long long retire = (long long)c->dkim_retire_after_hours * 3600;
	struct audit_change ch[3];
	struct dkim_state st;
	struct dir *d;
	time_t now = time(NULL);
	const char *now_arg = NULL;
	int o, npos = 0;

	while ((o = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1)
		if (o == 'N')
			now_arg = optarg;
	if (now_arg != NULL)
		now = dkim_parse_now(now_arg);
	if (npos != 1)
		cli_usage_fail(cli, "DOMAIN is required");
	d = cli_begin_change(cli);
	dkim_domain_arg(cli, d, pos[0], domain, sizeof(domain), 1);
	dkim_load_state(cli, domain, &st, 1);
	if (st.next[0] != '\0' && (long long)now < st.next_from) {
		dkim_time_str(st.next_from, from, sizeof(from));
		cli_fail(EX_TEMPFAIL, "%s: the rotation to %s is under way (it signs from %s); "
		    "rotate again after that", domain, st.next, from);
	}
	/* Settling forgets the previous selector: not while its record must stay. */
	if (st.next[0] != '\0' && st.previous[0] != '\0' && (long long)now < st.previous_until) {
		dkim_time_str(st.previous_until, until, sizeof(until));
		cli_fail(EX_TEMPFAIL, "%s: the record of %s must stay published until %s; "
		    "rotate again after that", domain, st.previous, until);
	}
	dkim_state_settle(&st, now, retire);
	if (dkim_selector_next(c->dkim_key_dir, domain, c->dkim_selector_prefix, now, &st,
	    sel, sizeof(sel), err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "%s", err);
	dkim_gen(c->dkim_key_dir, domain, sel, DKIM_ALG_RSA);
	if (st.ed25519) {
		snprintf(ed, sizeof(ed), "%s%s", sel, DKIM_ED_SUFFIX);
		dkim_gen(c->dkim_key_dir, domain, ed, DKIM_ALG_ED25519);
	}
	snprintf(st.next, sizeof(st.next), "%s", sel);
	st.next_from = (long long)now + delay;
	dkim_save_state(cli, domain, &st);
	dkim_time_str(st.next_from, from, sizeof(from));
	dkim_time_str(st.next_from + retire, until, sizeof(until));
	ch[0] = (struct audit_change){ "selector", st.active, sel };
	ch[1] = (struct audit_change){ "signs_from", NULL, from };
	ch[2] = (struct audit_change){ "old_record_until", NULL, until };
	dkim_audit(cli, "dkim.rotate", domain, ch, 3);
	if (cli->json != NULL) {
		json_begin_object(cli->json);
		json_key(cli->json, "domain");
		json_string(cli->json, domain);
		json_key(cli->json, "selector");
		json_string(cli->json, sel);
		json_key(cli->json, "previous_selector");
		json_string(cli->json, st.active);
		json_key(cli->json, "signs_from");
		json_string(cli->json, from);
		json_key(cli->json, "old_record_until");
		json_string(cli->json, until);
		json_end_object(cli->json);
		return EX_OK;
	}
	printf("%s: new DKIM key, selector %s. Publish its record now:\n", domain, sel);
	dkim_print_records(cli, domain, sel, NULL);
	printf("; %s signs from %s (dkim.rotate_delay_hours = %d); %s signs until then.\n",
	    sel, from, c->dkim_rotate_delay_hours, st.active);
	printf("; %s's record may be removed after %s (dkim.retire_after_hours = %d).\n",
	    st.active, until, c->dkim_retire_after_hours);
	return EX_OK;
}

static void
dkim_print_records(struct cli *cli, const char *domain, const char *sel, const char *note)
{
	char ed[DKIM_SELECTOR_MAX + 8], err[1024];
	const char *sels[2];
	int i, n = 0;

	sels[n++] = sel;
	snprintf(ed, sizeof(ed), "%s%s", sel, DKIM_ED_SUFFIX);
	{
		char *p = dkim_key_path(dkim_dir(cli), domain, ed);
		struct stat sb;

		if (stat(p, &sb) == 0)
			sels[n++] = ed;
		free(p);
	}
	for (i = 0; i < n; i++) {
		char *path = dkim_key_path(dkim_dir(cli), domain, sels[i]), *txt, *line;
		EVP_PKEY *k = dkim_key_load(path, err, sizeof(err));

		free(path);
		if (k == NULL)
			cli_fail(EX_NOINPUT, "%s", err);
		txt = dkim_key_txt(k);
		EVP_PKEY_free(k);
		if (txt == NULL)
			cli_fail(EX_SOFTWARE, "cannot encode the public key of %s", sels[i]);
		line = dkim_key_zone_line(domain, sels[i], txt);
		if (cli->json != NULL) {
			json_begin_object(cli->json);
			json_key(cli->json, "domain");
			json_string(cli->json, domain);
			json_key(cli->json, "selector");
			json_string(cli->json, sels[i]);
			json_key(cli->json, "name");
			{
				char *name = xasprintf("%s._domainkey.%s.", sels[i], domain);

				json_string(cli->json, name);
				free(name);
			}
			json_key(cli->json, "txt");
			json_string(cli->json, txt);
			json_key(cli->json, "state");
			json_string(cli->json, note);
			json_end_object(cli->json);
		} else {
			if (note != NULL)
				printf("; %s: %s\n", sels[i], note);
			printf("%s\n", line);
		}
		free(line);
		free(txt);
	}
}

/* What a generation of st is at now, for list and dns; NULL: not in st. */
static const char *
dkim_gen_status(const struct dkim_state *st, const char *sel, time_t now,
    long long retire, char *buf, size_t len, int *publish)
{
	char t[32];

	*publish = 1;
	if (strcmp(sel, st->active) == 0) {
		if (st->next[0] != '\0' && (long long)now >= st->next_from) {
			long long until = st->next_from + retire;

			dkim_time_str(until, t, sizeof(t));
			*publish = (long long)now < until;
			snprintf(buf, len, *publish ? "retiring, keep the record until %s" :
			    "retired, the record may be removed (since %s)", t);
		} else
			snprintf(buf, len, "signing");
	} else if (st->next[0] != '\0' && strcmp(sel, st->next) == 0) {
		dkim_time_str(st->next_from, t, sizeof(t));
		if ((long long)now >= st->next_from)
			snprintf(buf, len, "signing (since %s)", t);
		else
			snprintf(buf, len, "next, publish now, signs from %s", t);
	} else if (st->previous[0] != '\0' && strcmp(sel, st->previous) == 0) {
		dkim_time_str(st->previous_until, t, sizeof(t));
		*publish = (long long)now < st->previous_until;
		snprintf(buf, len, *publish ? "retiring, keep the record until %s" :
		    "retired, the record may be removed (since %s)", t);
	} else
		return NULL;
	return buf;
}

int
cmd_dkim_dns(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		DKIM_OPT_NOW,
		{ NULL, 0, NULL, 0 }
	};
	char domain[DIR_DOMAIN_MAX + 1], *pos[1], buf[128];
	const char *gens[3];
	struct dkim_state st;
	time_t now = time(NULL);
	const char *now_arg = NULL;
	int o, npos = 0, i, publish;

	while ((o = cli_getopt_pos(cli, argc, argv, opts, pos, 1, &npos)) != -1)
		if (o == 'N')
			now_arg = optarg;
	if (now_arg != NULL)
		now = dkim_parse_now(now_arg);
	if (npos != 1)
		cli_usage_fail(cli, "DOMAIN is required");
	dkim_domain_arg(cli, NULL, pos[0], domain, sizeof(domain), 0);
	dkim_load_state(cli, domain, &st, 1);
	gens[0] = st.previous;
	gens[1] = st.active;
	gens[2] = st.next;
	if (cli->json != NULL)
		json_begin_array(cli->json);
	for (i = 0; i < 3; i++) {
		const char *s;

		if (gens[i][0] == '\0')
			continue;
		s = dkim_gen_status(&st, gens[i], now,
		    (long long)cli_conf(cli)->dkim_retire_after_hours * 3600, buf, sizeof(buf),
		    &publish);
		if (s != NULL && publish)
			dkim_print_records(cli, domain, gens[i], s);
	}
	if (cli->json != NULL)
		json_end_array(cli->json);
	return EX_OK;
}

static int
dkim_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
cmd_dkim_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		DKIM_OPT_NOW,
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = dkim_dir(cli);
	char *pos[1], **names = NULL, buf[128];
	size_t n = 0, cap = 0, i;
	time_t now = time(NULL);
	const char *now_arg = NULL;
	long long retire = (long long)cli_conf(cli)->dkim_retire_after_hours * 3600;
	struct dirent *de;
	DIR *dp;
	int o, npos = 0;

	while ((o = cli_getopt_pos(cli, argc, argv, opts, pos, 0, &npos)) != -1)
		if (o == 'N')
			now_arg = optarg;
	if (now_arg != NULL)
		now = dkim_parse_now(now_arg);
	dp = opendir(dir);
	if (dp == NULL && errno != ENOENT)
		cli_fail(EX_NOINPUT, "%s: %s", dir, strerror(errno));
	while (dp != NULL && (de = readdir(dp)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l <= 4 || strcmp(de->d_name + l - 4, ".key") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrndup(de->d_name, l - 4);
	}
	if (dp != NULL)
		closedir(dp);
	qsort(names, n, sizeof(*names), dkim_strcmp);
	if (cli->json != NULL)
		json_begin_array(cli->json);
	for (i = 0; i < n; i++) {
		/* DOMAIN.SELECTOR: selectors have no dot, so the last dot splits. */
		char *dot = strrchr(names[i], '.'), gen[DKIM_SELECTOR_MAX + 1], err[1024];
		const char *status = NULL, *alg = "?";
		struct dkim_state st;
		char *path;
		EVP_PKEY *k;
		size_t gl;
		int publish, r;

		if (dot == NULL)
			continue;
		*dot = '\0';
		gl = strlen(dot + 1);
		if (gl > strlen(DKIM_ED_SUFFIX) && strcmp(dot + 1 + gl - strlen(DKIM_ED_SUFFIX),
		    DKIM_ED_SUFFIX) == 0)
			gl -= strlen(DKIM_ED_SUFFIX);
		snprintf(gen, sizeof(gen), "%.*s", (int)gl, dot + 1);
		r = dkim_state_load(dir, names[i], &st, err, sizeof(err));
		if (r == 0)
			status = dkim_gen_status(&st, gen, now, retire, buf, sizeof(buf), &publish);
		else if (r < 0)
			cli_warn("%s", err);
		if (status == NULL)
			status = "unused (in no rotation state)";
		path = dkim_key_path(dir, names[i], dot + 1);
		k = dkim_key_load(path, err, sizeof(err));
		if (k == NULL) {
			cli_warn("%s", err);
			alg = "unreadable";
		} else
			alg = dkim_key_alg(k) == DKIM_ALG_RSA ? "rsa-sha256" : "ed25519-sha256";
		EVP_PKEY_free(k);
		free(path);
		if (cli->json != NULL) {
			json_begin_object(cli->json);
			json_key(cli->json, "domain");
			json_string(cli->json, names[i]);
			json_key(cli->json, "selector");
			json_string(cli->json, dot + 1);
			json_key(cli->json, "algorithm");
			json_string(cli->json, alg);
			json_key(cli->json, "state");
			json_string(cli->json, status);
			json_end_object(cli->json);
		} else
			printf("%-32s %-14s %-15s %s\n", names[i], dot + 1, alg, status);
		free(names[i]);
	}
	if (cli->json != NULL)
		json_end_array(cli->json);
	free(names);
	return EX_OK;
}
