/*
 * cmd_cert.c — `govmailctl account cert add|list|remove` and
 * `govmailctl agency cert add|list|remove`: the signing certificates
 * registered on a person's account or on an agency, which govmaild uses to
 * say who signed an attachment. Argument handling, the input file and the
 * output; parsing, fingerprints and the LDAP values are in dir_cert.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_cert.h"
#include "json_writer.h"
#include "log.h"
#include "xmalloc.h"

#define ESC_SIZE 2048

/* The entry a command works on: an account or an agency. */
struct cert_owner {
	int agency;             /* 0 account, 1 agency */
	char *dn;
	char *target;           /* address or agency code: messages, audit */
};

/* Options of the cert commands: --json may also follow the verb; --all
 * only for remove. */
static const struct option cert_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};
static const struct option cert_remove_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "all", no_argument, NULL, 'a' },
	{ NULL, 0, NULL, 0 }
};

static const char *
esc(char *buf, const char *s)
{
	return log_escape(buf, ESC_SIZE, s != NULL ? s : "", ESC_SIZE / 4);
}

/*
 * Options and positional arguments; --all only where all is not NULL.
 * Returns -1 at the end (like cli_getopt_pos).
 */
static int
cert_getopt(struct cli *cli, int argc, char **argv, char **pos, int maxpos,
    int *npos, int *all)
{
	int ch = cli_getopt_pos(cli, argc, argv, all != NULL ? cert_remove_opts : cert_opts,
	    pos, maxpos, npos);

	if (ch == 'j' && cli->json == NULL)
		cli->json = json_writer_new(stdout, 1);
	else if (ch == 'a')
		*all = 1;
	return ch;
}

/* Look the account (uid or any address) or agency (code) up; exit 65/67. */
static void
cert_owner_get(struct cli *cli, struct dir *d, int agency, const char *key,
    struct cert_owner *o)
{
	char err[512], e1[ESC_SIZE];

	memset(o, 0, sizeof(*o));
	o->agency = agency;
	if (agency) {
		struct dir_agency *a = NULL;
		char *code = xstrdup(key);
		enum dir_status st;

		dir_agency_code_lower(code);
		if (dir_agency_code_valid(code, err, sizeof(err)) != 0)
			cli_fail(EX_DATAERR, "agency code '%s': %s", esc(e1, key), err);
		st = dir_agency_get(d, code, &a);
		if (st == DIR_NOT_FOUND)
			cli_fail(EX_NOUSER, "unknown agency '%s'", code);
		if (st != DIR_OK)
			cli_dir_fail(cli, "looking up the agency");
		o->dn = xstrdup(a->dn);
		o->target = code;
		dir_agency_free(a);
	} else {
		struct account *a = cli_account(cli, d, key);

		o->dn = xstrdup(a->dn);
		o->target = xstrdup(a->address != NULL ? a->address : a->uid);
		account_free(a);
	}
}

static void
cert_owner_clear(struct cert_owner *o)
{
	free(o->dn);
	free(o->target);
}

/* The certificates now on the owner's entry (exit on LDAP failure). */
static void
cert_owner_read(struct cli *cli, struct dir *d, const struct cert_owner *o,
    struct dir_cert_list *l)
{
	if (dir_cert_read(d, o->dn, l) != DIR_OK)
		cli_dir_fail(cli, "reading the certificates");
}

/* The whole of FILE ("-": stdin), at most DIR_CERT_MAX_INPUT bytes. */
static unsigned char *
cert_read_input(const char *path, size_t *len)
{
	char e1[ESC_SIZE];
	unsigned char *buf = xmalloc(DIR_CERT_MAX_INPUT + 1);
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t n;

	if (fp == NULL)
		cli_fail(EX_NOINPUT, "%s: %s", esc(e1, path), strerror(errno));
	n = fread(buf, 1, DIR_CERT_MAX_INPUT + 1, fp);
	if (ferror(fp))
		cli_fail(EX_NOINPUT, "%s: read error", esc(e1, path));
	if (fp != stdin)
		fclose(fp);
	if (n > DIR_CERT_MAX_INPUT)
		cli_fail(EX_DATAERR, "%s: larger than %d bytes; not a certificate file",
		    esc(e1, path), DIR_CERT_MAX_INPUT);
	*len = n;
	return buf;
}

/* One certificate as JSON; status ("added", ...) may be NULL. */
static void
cert_json(struct json_writer *w, const struct dir_cert *c, const char *status)
{
	size_t i;

	json_begin_object(w);
	json_key(w, "fingerprint");
	json_string(w, c->fingerprint);
	if (status != NULL) {
		json_key(w, "status");
		json_string(w, status);
	}
	json_key(w, "subject");
	json_string(w, c->subject);
	json_key(w, "issuer");
	json_string(w, c->issuer);
	json_key(w, "serial");
	json_string(w, c->serial);
	json_key(w, "not_before");
	json_string(w, c->error ? NULL : c->not_before);
	json_key(w, "not_after");
	json_string(w, c->error ? NULL : c->not_after);
	json_key(w, "emails");
	json_begin_array(w);
	for (i = 0; i < c->nemails; i++)
		json_string(w, c->emails[i]);
	json_end_array(w);
	if (c->error != NULL) {
		json_key(w, "error");
		json_string(w, c->error);
	}
	json_end_object(w);
}

/* One certificate as one text line (the list format). */
static void
cert_line(const struct dir_cert *c)
{
	char e1[ESC_SIZE], e3[ESC_SIZE];
	size_t i;

	if (c->error != NULL) {
		printf("%s error=\"%s\"\n", c->fingerprint, esc(e1, c->error));
		return;
	}
	/* Subject and issuer are printed as they are: RFC 2253 escapes '"'
	 * and '\', and dir_cert.c lets no control character through. */
	printf("%s subject=\"%s\" issuer=\"%s\" serial=%s not_before=%s not_after=%s email=",
	    c->fingerprint, c->subject, c->issuer, esc(e3, c->serial),
	    c->not_before, c->not_after);
	for (i = 0; i < c->nemails; i++)
		printf("%s%s", i ? "," : "", esc(e1, c->emails[i]));
	printf("%s\n", c->nemails ? "" : "-");
}

/* Subject for a short message (printable as is, see cert_line). */
static const char *
cert_label(char *buf, const struct dir_cert *c)
{
	(void)buf;
	return c->subject != NULL ? c->subject : "(unreadable)";
}

/* Audit one changed certificate; the fingerprint is the source. */
static void
cert_audit(struct cli *cli, const struct cert_owner *o, const char *verb,
    const struct dir_cert *c, const struct dir_mods *m)
{
	char op[48], src[80];

	snprintf(op, sizeof(op), "%s.cert.%s", o->agency ? "agency" : "account", verb);
	snprintf(src, sizeof(src), "sha256:%s", c->fingerprint);
	cli_audit(cli, op, o->target, o->dn, m, src);
}

static int
cert_add(struct cli *cli, int argc, char **argv, int agency)
{
	struct dir_cert_list in = { NULL, 0 }, have = { NULL, 0 };
	const struct dir_cert **add;
	struct cert_owner o;
	struct dir_mods *m = NULL;
	unsigned char *buf;
	char err[512], e1[ESC_SIZE], e2[ESC_SIZE], *pos[2];
	size_t len, i, nadd = 0;
	char *status;
	struct dir *d;
	int npos = 0;

	while (cert_getopt(cli, argc, argv, pos, 2, &npos, NULL) != -1)
		;
	if (npos != 2)
		cli_usage_fail(cli, "%s and FILE are required", agency ? "CODE" : "ACCOUNT");
	/* The file is read and checked before anything else is touched. */
	buf = cert_read_input(pos[1], &len);
	if (dir_cert_parse(buf, len, &in, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "%s: %s; nothing registered", esc(e1, pos[1]), err);
	free(buf);
	d = cli_begin_change(cli);
	cert_owner_get(cli, d, agency, pos[0], &o);
	cert_owner_read(cli, d, &o, &have);

	add = xcalloc(in.n, sizeof(*add));
	status = xcalloc(in.n, 1);        /* 'a' added, 'r' already registered */
	if (dir_cert_select_new(&have, &in, add, &nadd, status, err, sizeof(err)) != 0)
		cli_fail(EX_DATAERR, "%s %s; nothing registered", esc(e1, o.target), err);
	if (nadd > 0) {
		if (dir_cert_add(d, o.dn, add, nadd, &m) != DIR_OK)
			cli_dir_fail(cli, "registering the certificates");
		for (i = 0; i < nadd; i++)
			cert_audit(cli, &o, "add", add[i], m);
	}
	if (cli->json != NULL)
		json_begin_array(cli->json);
	for (i = 0; i < in.n; i++) {
		const char *what = status[i] == 'a' ? "added" : "already registered";

		if (cli->json != NULL)
			cert_json(cli->json, &in.v[i], what);
		else if (status[i] == 'a')
			printf("registered %s (%s) on %s\n", in.v[i].fingerprint,
			    cert_label(e1, &in.v[i]), esc(e2, o.target));
		else
			printf("already registered: %s (%s) on %s\n", in.v[i].fingerprint,
			    cert_label(e1, &in.v[i]), esc(e2, o.target));
	}
	if (cli->json != NULL)
		json_end_array(cli->json);
	dir_mods_free(m);
	free(status);
	free(add);
	dir_cert_list_clear(&have);
	dir_cert_list_clear(&in);
	cert_owner_clear(&o);
	return EX_OK;
}

static int
cert_list(struct cli *cli, int argc, char **argv, int agency)
{
	struct dir_cert_list have = { NULL, 0 };
	struct cert_owner o;
	char *pos[1];
	struct dir *d;
	size_t i;
	int npos = 0;

	while (cert_getopt(cli, argc, argv, pos, 1, &npos, NULL) != -1)
		;
	if (npos != 1)
		cli_usage_fail(cli, "%s is required", agency ? "CODE" : "ACCOUNT");
	d = cli_dir(cli);
	cert_owner_get(cli, d, agency, pos[0], &o);
	cert_owner_read(cli, d, &o, &have);
	if (cli->json != NULL)
		json_begin_array(cli->json);
	for (i = 0; i < have.n; i++) {
		if (cli->json != NULL)
			cert_json(cli->json, &have.v[i], NULL);
		else
			cert_line(&have.v[i]);
	}
	if (cli->json != NULL)
		json_end_array(cli->json);
	dir_cert_list_clear(&have);
	cert_owner_clear(&o);
	return EX_OK;
}

static int
cert_remove(struct cli *cli, int argc, char **argv, int agency)
{
	struct dir_cert_list have = { NULL, 0 };
	const struct dir_cert **del = NULL;
	struct cert_owner o;
	struct dir_mods *m = NULL;
	char fp[DIR_CERT_FP_HEX + 1], e1[ESC_SIZE], e2[ESC_SIZE], *pos[2];
	size_t i, idx = 0, ndel = 0;
	struct dir *d;
	int npos = 0, all = 0;

	while (cert_getopt(cli, argc, argv, pos, 2, &npos, &all) != -1)
		;
	if (npos != (all ? 1 : 2))
		cli_usage_fail(cli, "give %s and either FINGERPRINT or --all",
		    agency ? "CODE" : "ACCOUNT");
	if (!all && dir_cert_fp_normalize(pos[1], fp, sizeof(fp)) != 0)
		cli_fail(EX_DATAERR, "'%s' is not a SHA-256 fingerprint or a prefix of "
		    "at least %d hex digits", esc(e1, pos[1]), DIR_CERT_PREFIX_MIN);
	d = cli_begin_change(cli);
	cert_owner_get(cli, d, agency, pos[0], &o);
	cert_owner_read(cli, d, &o, &have);
	if (all) {
		if (have.n == 0) {
			if (cli->json != NULL) {
				json_begin_array(cli->json);
				json_end_array(cli->json);
			} else
				printf("%s has no certificates\n", esc(e1, o.target));
			cert_owner_clear(&o);
			return EX_OK;
		}
		del = xcalloc(have.n, sizeof(*del));
		for (ndel = 0; ndel < have.n; ndel++)
			del[ndel] = &have.v[ndel];
		/* Removing the attribute also removes values that do not parse. */
		if (dir_cert_remove(d, o.dn, NULL, 0, &m) != DIR_OK)
			cli_dir_fail(cli, "removing the certificates");
	} else {
		switch (dir_cert_lookup(&have, fp, &idx)) {
		case DIR_CERT_NONE:
			cli_fail(EX_DATAERR, "no certificate with fingerprint %s%s is "
			    "registered on %s", fp, strlen(fp) < DIR_CERT_FP_HEX ? "..." : "",
			    esc(e1, o.target));
		case DIR_CERT_AMBIGUOUS:
			cli_fail(EX_DATAERR, "fingerprint prefix %s matches several "
			    "certificates of %s; give more digits", fp, esc(e1, o.target));
		case DIR_CERT_FOUND:
			break;
		}
		del = xcalloc(1, sizeof(*del));
		del[ndel++] = &have.v[idx];
		if (dir_cert_remove(d, o.dn, del, 1, &m) != DIR_OK)
			cli_dir_fail(cli, "removing the certificate");
	}
	for (i = 0; i < ndel; i++)
		cert_audit(cli, &o, "remove", del[i], m);
	if (cli->json != NULL)
		json_begin_array(cli->json);
	for (i = 0; i < ndel; i++) {
		if (cli->json != NULL)
			cert_json(cli->json, del[i], "removed");
		else
			printf("removed %s (%s) from %s\n", del[i]->fingerprint,
			    cert_label(e1, del[i]), esc(e2, o.target));
	}
	if (cli->json != NULL)
		json_end_array(cli->json);
	dir_mods_free(m);
	free(del);
	dir_cert_list_clear(&have);
	cert_owner_clear(&o);
	return EX_OK;
}

int
cmd_account_cert_add(struct cli *cli, int argc, char **argv)
{
	return cert_add(cli, argc, argv, 0);
}

int
cmd_account_cert_list(struct cli *cli, int argc, char **argv)
{
	return cert_list(cli, argc, argv, 0);
}

int
cmd_account_cert_remove(struct cli *cli, int argc, char **argv)
{
	return cert_remove(cli, argc, argv, 0);
}

int
cmd_agency_cert_add(struct cli *cli, int argc, char **argv)
{
	return cert_add(cli, argc, argv, 1);
}

int
cmd_agency_cert_list(struct cli *cli, int argc, char **argv)
{
	return cert_list(cli, argc, argv, 1);
}

int
cmd_agency_cert_remove(struct cli *cli, int argc, char **argv)
{
	return cert_remove(cli, argc, argv, 1);
}
