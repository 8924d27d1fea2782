/*
 * api_token.c — API tokens of agency HR systems: creation (the secret is
 * returned once and only its SHA-256 is stored), listing, revocation, and
 * the check of a presented token (hash compared in constant time, expiry,
 * source network).
 *
 * A token reads "gmt_<id>_<secret>": id is 12 base32 characters (public:
 * the RDN of the entry, shown in lists and audit records), secret 32
 * random bytes in base64url (43 characters). The secret has 256 bits of
 * entropy, so a single fast hash is enough: nobody can guess a preimage,
 * and unlike a password there is no dictionary to try. A slow password
 * hash would only cost every API request time.
 */
#include <ldap.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_authz.h"
#include "dir.h"
#include "dir_agency.h"
#include "dir_escape.h"
#include "dir_schema.h"
#include "gentime.h"
#include "hex.h"
#include "xmalloc.h"

#define TOKEN_PREFIX     "gmt_"
#define TOKEN_ID_LEN     12
#define TOKEN_SECRET_RAW 32
#define TOKEN_SECRET_LEN 43          /* base64url of 32 bytes, unpadded */
#define TOKEN_LEN        (4 + TOKEN_ID_LEN + 1 + TOKEN_SECRET_LEN)
#define HASH_PREFIX      "sha256:"
#define HASH_LEN         (7 + 64)
#define COMMENT_MAX      256

static const char *const token_attrs[] = {
	DIR_AT_TOKEN_ID, DIR_AT_TOKEN_HASH, DIR_AT_API_ROLE, DIR_AT_AGENCY,
	DIR_AT_ALLOW_FROM, DIR_AT_TOKEN_CREATED, DIR_AT_TOKEN_EXPIRES,
	DIR_AT_CREATED_BY, DIR_AT_DESCRIPTION, NULL
};

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

static int
id_valid(const char *id, size_t len)
{
	size_t i;

	if (len != TOKEN_ID_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (strchr(b32, id[i]) == NULL || id[i] == '\0')
			return 0;
	return 1;
}

static int
secret_valid(const char *s, size_t len)
{
	size_t i;

	if (len != TOKEN_SECRET_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* Split "gmt_<id>_<secret>"; 0 with pointers into s, or -1. */
static int
token_split(const char *s, const char **id, const char **secret)
{
	size_t len;

	if (s == NULL)
		return -1;
	len = strnlen(s, TOKEN_LEN + 1);
	if (len != TOKEN_LEN || strncmp(s, TOKEN_PREFIX, 4) != 0 ||
	    s[4 + TOKEN_ID_LEN] != '_')
		return -1;
	if (!id_valid(s + 4, TOKEN_ID_LEN) ||
	    !secret_valid(s + 5 + TOKEN_ID_LEN, TOKEN_SECRET_LEN))
		return -1;
	*id = s + 4;
	*secret = s + 5 + TOKEN_ID_LEN;
	return 0;
}

char *
api_token_id_of(const char *presented)
{
	const char *id, *secret;

	if (token_split(presented, &id, &secret) != 0)
		return NULL;
	return xstrndup(id, TOKEN_ID_LEN);
}

/* "sha256:<hex>" of the secret, into out (HASH_LEN + 1 bytes). */
static int
secret_hash(const char *secret, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(secret, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	memcpy(out, HASH_PREFIX, 7);
	hex_encode(md, mdlen, out + 7);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

static char *
token_dn(struct dir *d, const char *id)
{
	char *parent = xasprintf("%s,%s", DIR_OU_TOKENS, dir_base(d));
	char *dn = dir_make_rdn_dn(DIR_AT_TOKEN_ID, id, parent);

	free(parent);
	return dn;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
api_token_free(struct api_token *t)
{
	if (t == NULL)
		return;
	free(t->id);
	free(t->agency_code);
	free(t->agency_dn);
	xfreev(t->allow_from, t->nallow);
	free(t->created_by);
	free(t->comment);
	free(t);
}

/* A token from its entry (NULL when an attribute it needs is missing). */
static struct api_token *
token_from_entry(struct dir *d, const struct dir_entry *e)
{
	const struct dir_attr *af = dir_entry_attr(e, DIR_AT_ALLOW_FROM);
	const char *id = dir_entry_get(e, DIR_AT_TOKEN_ID);
	const char *agency = dir_entry_get(e, DIR_AT_AGENCY);
	const char *exp = dir_entry_get(e, DIR_AT_TOKEN_EXPIRES);
	struct api_token *t;
	size_t i;

	if (id == NULL || agency == NULL)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->id = xstrdup(id);
	t->role = api_role_parse(dir_entry_get(e, DIR_AT_API_ROLE));
	t->agency_code = xstrdup(agency);
	dir_agency_code_lower(t->agency_code);
	t->agency_dn = dir_agency_dn(d, t->agency_code);
	if (af != NULL && af->nvals > 0) {
		t->allow_from = xcalloc(af->nvals, sizeof(*t->allow_from));
		for (i = 0; i < af->nvals; i++)
			t->allow_from[i] = xstrdup(af->vals[i]);
		t->nallow = af->nvals;
	}
	t->created = gentime_parse(dir_entry_get(e, DIR_AT_TOKEN_CREATED));
	if (t->created == (time_t)-1)
		t->created = 0;
	t->expires = exp != NULL ? gentime_parse(exp) : 0;
	if (t->expires == (time_t)-1)
		t->expires = 1;   /* unreadable expiry: treat as long expired */
	t->created_by = dup_or_null(dir_entry_get(e, DIR_AT_CREATED_BY));
	t->comment = dup_or_null(dir_entry_get(e, DIR_AT_DESCRIPTION));
	return t;
}

static int
comment_ok(const char *s, char *err, size_t errlen)
{
	size_t i, n = strlen(s);

	if (n > COMMENT_MAX) {
		snprintf(err, errlen, "the comment is longer than %d bytes", COMMENT_MAX);
		return 0;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(err, errlen, "the comment contains a control character");
			return 0;
		}
	return 1;
}

static void
base64url(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	unsigned char tmp[64];
	int n, i;

	n = EVP_EncodeBlock(tmp, in, (int)len);
	for (i = 0; i < n && (size_t)i + 1 < outlen; i++) {
		if (tmp[i] == '=')
			break;
		out[i] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : (char)tmp[i];
	}
	out[i] = '\0';
	OPENSSL_cleanse(tmp, sizeof(tmp));
}

enum dir_status
api_token_add(struct dir *d, const char *agency_code, enum api_role role,
    const char *const *cidrs, size_t ncidrs, time_t expires,
    const char *created_by, const char *comment, char **secret,
    struct api_token **out, char *err, size_t errlen)
{
	struct dir_agency *ag = NULL;
	enum dir_status st;
	unsigned char raw[TOKEN_SECRET_RAW], idraw[TOKEN_ID_LEN];
	char id[TOKEN_ID_LEN + 1], sec[TOKEN_SECRET_LEN + 8];
	char hash[HASH_LEN + 1], created[32], expbuf[32], *code;
	time_t now = time(NULL);
	size_t i;
	int attempt;

	*secret = NULL;
	if (out != NULL)
		*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (role != API_ROLE_HR && role != API_ROLE_AUDITOR &&
	    role != API_ROLE_AGENCY_ADMIN) {
		snprintf(err, errlen, "a token's role is hr, auditor or agency-admin"
		    " (province-wide access is for people, with their own account)");
		return DIR_CONSTRAINT;
	}
	if (ncidrs == 0) {
		snprintf(err, errlen, "a token needs at least one network it may be "
		    "used from (--allow-from)");
		return DIR_CONSTRAINT;
	}
	if (ncidrs > API_TOKEN_MAX_CIDRS) {
		snprintf(err, errlen, "at most %d networks per token", API_TOKEN_MAX_CIDRS);
		return DIR_CONSTRAINT;
	}
	for (i = 0; i < ncidrs; i++)
		if (api_cidr_valid(cidrs[i], err, errlen) != 0)
			return DIR_CONSTRAINT;
	if (expires != 0 && expires <= now) {
		snprintf(err, errlen, "the expiry is in the past");
		return DIR_CONSTRAINT;
	}
	if (comment != NULL && !comment_ok(comment, err, errlen))
		return DIR_CONSTRAINT;
	if (agency_code == NULL) {
		snprintf(err, errlen, "a token belongs to an agency");
		return DIR_CONSTRAINT;
	}
	code = xstrdup(agency_code);
	dir_agency_code_lower(code);
	if (dir_agency_code_valid(code, err, errlen) != 0) {
		free(code);
		return DIR_CONSTRAINT;
	}
	st = dir_agency_get(d, code, &ag);
	if (st != DIR_OK) {
		if (st == DIR_NOT_FOUND)
			snprintf(err, errlen, "no agency %s", code);
		else
			snprintf(err, errlen, "%s", dir_error(d));
		free(code);
		return st;
	}
	if (dir_agency_usable(ag->code, ag->status, ag->merged_into, err, errlen) != 0) {
		dir_agency_free(ag);
		free(code);
		return DIR_CONSTRAINT;
	}
	dir_agency_free(ag);

	gentime_format(now, created, sizeof(created));
	if (expires != 0)
		gentime_format(expires, expbuf, sizeof(expbuf));
	st = DIR_ERROR;
	/* 60 random bits of id: a collision is improbable but handled. */
	for (attempt = 0; attempt < 3; attempt++) {
		struct dir_mods *m;
		char *dn;

		if (RAND_bytes(idraw, sizeof(idraw)) != 1 ||
		    RAND_bytes(raw, sizeof(raw)) != 1) {
			snprintf(err, errlen, "no random bytes from OpenSSL");
			st = DIR_ERROR;
			break;
		}
		for (i = 0; i < TOKEN_ID_LEN; i++)
			id[i] = b32[idraw[i] & 31];
		id[TOKEN_ID_LEN] = '\0';
		base64url(raw, sizeof(raw), sec, sizeof(sec));
		OPENSSL_cleanse(raw, sizeof(raw));
		if (strlen(sec) != TOKEN_SECRET_LEN ||
		    secret_hash(sec, TOKEN_SECRET_LEN, hash) != 0) {
			snprintf(err, errlen, "cannot hash the token");
			st = DIR_ERROR;
			break;
		}
		dn = token_dn(d, id);
		m = dir_mods_new();
		dir_mods_put(m, DIR_MOD_ADD, "objectClass", DIR_OC_API_TOKEN);
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_TOKEN_ID, id);
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_TOKEN_HASH, hash);
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_API_ROLE, api_role_name(role));
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_AGENCY, code);
		for (i = 0; i < ncidrs; i++)
			dir_mods_put(m, DIR_MOD_ADD, DIR_AT_ALLOW_FROM, cidrs[i]);
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_TOKEN_CREATED, created);
		if (expires != 0)
			dir_mods_put(m, DIR_MOD_ADD, DIR_AT_TOKEN_EXPIRES, expbuf);
		if (created_by != NULL && *created_by != '\0')
			dir_mods_put(m, DIR_MOD_ADD, DIR_AT_CREATED_BY, created_by);
		if (comment != NULL && *comment != '\0')
			dir_mods_put(m, DIR_MOD_ADD, DIR_AT_DESCRIPTION, comment);
		st = dn != NULL ? dir_add(d, dn, m) : DIR_ERROR;
		dir_mods_free(m);
		free(dn);
		if (st != DIR_EXISTS)
			break;
		OPENSSL_cleanse(sec, sizeof(sec));
	}
	if (st != DIR_OK) {
		OPENSSL_cleanse(sec, sizeof(sec));
		if (err != NULL && errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "%s", dir_error(d));
		free(code);
		return st;
	}
	*secret = xasprintf(TOKEN_PREFIX "%s_%s", id, sec);
	OPENSSL_cleanse(sec, sizeof(sec));
	if (out != NULL) {
		struct api_token *t = xcalloc(1, sizeof(*t));

		t->id = xstrdup(id);
		t->role = role;
		t->agency_code = xstrdup(code);
		t->agency_dn = dir_agency_dn(d, code);
		t->allow_from = xcalloc(ncidrs, sizeof(*t->allow_from));
		for (i = 0; i < ncidrs; i++)
			t->allow_from[i] = xstrdup(cidrs[i]);
		t->nallow = ncidrs;
		t->created = now;
		t->expires = expires;
		t->created_by = dup_or_null(created_by);
		t->comment = comment != NULL && *comment != '\0' ? xstrdup(comment) : NULL;
		*out = t;
	}
	free(code);
	return DIR_OK;
}

struct list_ctx {
	struct dir *d;
	char **codes;        /* the agency subtree, NULL: all */
	size_t ncodes;
	api_token_cb cb;
	void *arg;
	int stopped;
};

static int
list_one(const struct dir_entry *e, void *arg)
{
	struct list_ctx *lc = arg;
	struct api_token *t = token_from_entry(lc->d, e);
	int r = 0;
	size_t i;

	if (t == NULL)
		return 0;
	if (lc->codes != NULL) {
		for (i = 0; i < lc->ncodes; i++)
			if (strcmp(lc->codes[i], t->agency_code) == 0)
				break;
		if (i == lc->ncodes) {
			api_token_free(t);
			return 0;
		}
	}
	r = lc->cb(t, lc->arg);
	api_token_free(t);
	if (r != 0)
		lc->stopped = 1;
	return r;
}

enum dir_status
api_token_list(struct dir *d, const char *agency_code, api_token_cb cb, void *arg)
{
	struct list_ctx lc = { d, NULL, 0, cb, arg, 0 };
	enum dir_status st;
	char *base;

	if (agency_code != NULL) {
		char *code = xstrdup(agency_code);
		int r;

		dir_agency_code_lower(code);
		r = dir_agency_descendants(d, code, &lc.codes, &lc.ncodes);
		free(code);
		if (r != DIR_OK)
			return (enum dir_status)r;
	}
	base = xasprintf("%s,%s", DIR_OU_TOKENS, dir_base(d));
	st = dir_search(d, base, LDAP_SCOPE_ONELEVEL,
	    "(objectClass=" DIR_OC_API_TOKEN ")", token_attrs, list_one, &lc);
	free(base);
	if (lc.codes != NULL)
		dir_agency_codes_free(lc.codes, lc.ncodes);
	if (st == DIR_ERROR && lc.stopped)
		return DIR_OK;
	return st;
}

enum dir_status
api_token_revoke(struct dir *d, const char *id)
{
	char *dn;
	enum dir_status st;

	if (id == NULL || !id_valid(id, strlen(id)))
		return DIR_NOT_FOUND;
	dn = token_dn(d, id);
	if (dn == NULL)
		return DIR_NOT_FOUND;
	st = dir_delete(d, dn);
	free(dn);
	return st;
}

enum dir_status
api_token_read(struct dir *d, const char *presented, struct api_token **out,
    char **stored_hash, char *why, size_t whylen)
{
	const char *idp, *secret, *stored;
	char id[TOKEN_ID_LEN + 1], *dn;
	struct dir_entry *e = NULL;
	struct api_token *t;
	enum dir_status st;

	*out = NULL;
	*stored_hash = NULL;
	if (whylen > 0)
		why[0] = '\0';
	if (token_split(presented, &idp, &secret) != 0) {
		snprintf(why, whylen, "malformed token");
		return DIR_DENIED;
	}
	memcpy(id, idp, TOKEN_ID_LEN);
	id[TOKEN_ID_LEN] = '\0';
	dn = token_dn(d, id);
	if (dn == NULL) {
		snprintf(why, whylen, "malformed token");
		return DIR_DENIED;
	}
	st = dir_search_one(d, dn, LDAP_SCOPE_BASE, "(objectClass=" DIR_OC_API_TOKEN ")",
	    token_attrs, &e);
	free(dn);
	if (st == DIR_NOT_FOUND) {
		snprintf(why, whylen, "token %s: unknown (revoked?)", id);
		return DIR_DENIED;
	}
	if (st != DIR_OK) {
		snprintf(why, whylen, "token %s: directory: %s", id, dir_error(d));
		return DIR_UNAVAILABLE;
	}
	stored = dir_entry_get(e, DIR_AT_TOKEN_HASH);
	t = token_from_entry(d, e);
	if (stored == NULL || strlen(stored) != HASH_LEN || t == NULL) {
		api_token_free(t);
		dir_entry_free(e);
		snprintf(why, whylen, "token %s: incomplete entry", id);
		return DIR_DENIED;
	}
	*stored_hash = xstrdup(stored);
	dir_entry_free(e);
	*out = t;
	return DIR_OK;
}

enum dir_status
api_token_accept(struct dir *d, const struct api_token *t, const char *stored_hash,
    const char *presented, const char *client_addr, time_t now,
    struct api_caller **out, char *why, size_t whylen)
{
	const char *idp, *secret;
	char hash[HASH_LEN + 1];
	struct api_caller *c;
	enum dir_status st;
	size_t i;
	int inside = 0;

	*out = NULL;
	if (whylen > 0)
		why[0] = '\0';
	if (token_split(presented, &idp, &secret) != 0 ||
	    strncmp(idp, t->id, TOKEN_ID_LEN) != 0 || t->id[TOKEN_ID_LEN] != '\0') {
		snprintf(why, whylen, "malformed token");
		return DIR_DENIED;
	}
	if (secret_hash(secret, TOKEN_SECRET_LEN, hash) != 0 || stored_hash == NULL ||
	    strlen(stored_hash) != HASH_LEN ||
	    CRYPTO_memcmp(hash, stored_hash, HASH_LEN) != 0) {
		OPENSSL_cleanse(hash, sizeof(hash));
		snprintf(why, whylen, "token %s: wrong secret", t->id);
		return DIR_DENIED;
	}
	OPENSSL_cleanse(hash, sizeof(hash));
	if (t->role == API_ROLE_NONE || t->role == API_ROLE_PROVINCE_ADMIN ||
	    t->agency_dn == NULL) {
		snprintf(why, whylen, "token %s: incomplete entry", t->id);
		return DIR_DENIED;
	}
	if (t->expires != 0 && now >= t->expires) {
		snprintf(why, whylen, "token %s: expired", t->id);
		return DIR_DENIED;
	}
	for (i = 0; i < t->nallow && !inside; i++)
		inside = api_cidr_match(t->allow_from[i], client_addr) == 1;
	if (!inside) {
		snprintf(why, whylen, "token %s: client %.64s is outside its allowed "
		    "networks", t->id, client_addr != NULL ? client_addr : "(none)");
		return DIR_DENIED;
	}
	c = xcalloc(1, sizeof(*c));
	st = api_agency_tree_current(d, &c->tree);
	if (st != DIR_OK) {
		api_caller_free(c);
		snprintf(why, whylen, "token %s: agency tree: %s", t->id, dir_error(d));
		return DIR_UNAVAILABLE;
	}
	c->actor = xasprintf("token:%s", t->id);
	c->token_id = xstrdup(t->id);
	c->grants = xcalloc(1, sizeof(*c->grants));
	c->grants[0].role = t->role;
	c->grants[0].agency_code = xstrdup(t->agency_code);
	c->grants[0].agency_dn = xstrdup(t->agency_dn);
	c->ngrants = 1;
	*out = c;
	return DIR_OK;
}

enum dir_status
api_token_verify(struct dir *d, const char *presented, const char *client_addr,
    time_t now, struct api_caller **out, char *why, size_t whylen)
{
	struct api_token *t = NULL;
	char *stored = NULL;
	enum dir_status st;

	*out = NULL;
	st = api_token_read(d, presented, &t, &stored, why, whylen);
	if (st == DIR_OK)
		st = api_token_accept(d, t, stored, presented, client_addr, now, out, why,
		    whylen);
	api_token_free(t);
	free(stored);
	return st;
}
