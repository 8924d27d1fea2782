/*
 * apid_authcache.c — the token and credential caches of govmail-apid
 * (apid_authcache.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_authcache.h"
#include "apid_cache.h"
#include "xmalloc.h"

/* ---- copies ------------------------------------------------------------ */

static char *
apid_dup0(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static struct api_token *
apid_token_dup(const struct api_token *t)
{
	struct api_token *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->id = apid_dup0(t->id);
	c->role = t->role;
	c->agency_code = apid_dup0(t->agency_code);
	c->agency_dn = apid_dup0(t->agency_dn);
	if (t->nallow > 0) {
		c->allow_from = xcalloc(t->nallow, sizeof(*c->allow_from));
		for (i = 0; i < t->nallow; i++)
			c->allow_from[i] = xstrdup(t->allow_from[i]);
	}
	c->nallow = t->nallow;
	c->created = t->created;
	c->expires = t->expires;
	c->created_by = apid_dup0(t->created_by);
	c->comment = apid_dup0(t->comment);
	return c;
}

struct api_caller *
apid_caller_dup(const struct api_caller *c)
{
	struct api_caller *n = xcalloc(1, sizeof(*n));
	size_t i;

	n->actor = apid_dup0(c->actor);
	n->token_id = apid_dup0(c->token_id);
	n->person_dn = apid_dup0(c->person_dn);
	if (c->ngrants > 0) {
		n->grants = xcalloc(c->ngrants, sizeof(*n->grants));
		for (i = 0; i < c->ngrants; i++) {
			n->grants[i].role = c->grants[i].role;
			n->grants[i].agency_code = apid_dup0(c->grants[i].agency_code);
			n->grants[i].agency_dn = apid_dup0(c->grants[i].agency_dn);
		}
	}
	n->ngrants = c->ngrants;
	return n;
}

/* ---- tokens ------------------------------------------------------------ */

struct apid_tok_val {
	struct api_token *t;
	char *hash;           /* as stored in the directory */
};

static struct apid_tok_val *
apid_tok_val_new(struct api_token *t, char *hash)
{
	struct apid_tok_val *v = xcalloc(1, sizeof(*v));

	v->t = t;
	v->hash = hash;
	return v;
}

static void
apid_tok_val_free(void *p)
{
	struct apid_tok_val *v = p;

	api_token_free(v->t);
	free(v->hash);
	free(v);
}

static int
apid_tok_copy(const void *value, void *arg)
{
	const struct apid_tok_val *v = value;
	struct apid_tok_val *out = arg;

	out->t = apid_token_dup(v->t);
	out->hash = xstrdup(v->hash);
	return 0;
}

enum dir_status
apid_token_check(struct apid_req *r, const char *presented, struct api_caller **out,
    char *why, size_t whylen)
{
	struct apid_cache *tc = r->srv->tokens;
	struct apid_tok_val v = { NULL, NULL };
	struct dir *d;
	enum dir_status st;
	unsigned long gen;
	char *id;

	*out = NULL;
	why[0] = '\0';
	if ((d = apid_dir(r)) == NULL)
		return DIR_UNAVAILABLE;
	if ((id = api_token_id_of(presented)) == NULL)
		return api_token_verify(d, presented, r->client, time(NULL), out, why, whylen);
	if (apid_cache_get(tc, id, strlen(id), apid_tok_copy, &v) == 0) {
		st = api_token_accept(d, v.t, v.hash, presented, r->client, time(NULL), out,
		    why, whylen);
		api_token_free(v.t);
		free(v.hash);
		free(id);
		return st;
	}
	gen = apid_cache_gen(tc);
	st = api_token_read(d, presented, &v.t, &v.hash, why, whylen);
	if (st == DIR_OK)
		st = api_token_accept(d, v.t, v.hash, presented, r->client, time(NULL), out,
		    why, whylen);
	if (st == DIR_OK)
		apid_cache_put(tc, id, strlen(id), apid_tok_val_new(v.t, v.hash), gen);
	else {
		api_token_free(v.t);
		free(v.hash);
	}
	free(id);
	return st;
}

/* ---- people ------------------------------------------------------------ */

static void
apid_caller_val_free(void *p)
{
	api_caller_free(p);
}

static int
apid_caller_copy(const void *value, void *arg)
{
	*(struct api_caller **)arg = apid_caller_dup(value);
	return 0;
}

/* HMAC-SHA256(salt, login NUL password). */
static void
apid_cred_key(const struct apid_server *s, const char *login, const char *password,
    unsigned char key[32])
{
	size_t ll = strlen(login), pl = strlen(password);
	unsigned char *buf = xmalloc(ll + 1 + pl + 1);
	unsigned int n = 0;

	memcpy(buf, login, ll + 1);
	memcpy(buf + ll + 1, password, pl);
	if (HMAC(EVP_sha256(), s->cred_key, (int)sizeof(s->cred_key), buf, ll + 1 + pl,
	    key, &n) == NULL || n != 32) {
		/* a key no other credentials will ever have: a miss */
		RAND_bytes(key, 32);
	}
	OPENSSL_cleanse(buf, ll + 1 + pl);
	free(buf);
}

int
apid_person_cached(struct apid_req *r, const char *login, const char *password,
    struct api_caller **out)
{
	unsigned char key[32];
	struct api_caller *c = NULL;
	struct dir *d;

	*out = NULL;
	if (apid_cache_ttl(r->srv->creds) == 0)
		return -1;
	apid_cred_key(r->srv, login, password, key);
	if (apid_cache_get(r->srv->creds, key, sizeof(key), apid_caller_copy, &c) != 0) {
		OPENSSL_cleanse(key, sizeof(key));
		return -1;
	}
	OPENSSL_cleanse(key, sizeof(key));
	/* the scope check needs the agency tree: the current snapshot */
	if ((d = apid_dir(r)) == NULL || api_agency_tree_current(d, &c->tree) != DIR_OK) {
		api_caller_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

unsigned long
apid_person_gen(struct apid_req *r)
{
	return apid_cache_gen(r->srv->creds);
}

void
apid_person_remember(struct apid_req *r, const char *login, const char *password,
    const struct api_caller *c, unsigned long gen)
{
	unsigned char key[32];

	if (apid_cache_ttl(r->srv->creds) == 0)
		return;
	apid_cred_key(r->srv, login, password, key);
	apid_cache_put(r->srv->creds, key, sizeof(key), apid_caller_dup(c), gen);
	OPENSSL_cleanse(key, sizeof(key));
}

void
apid_authcache_changed(struct apid_server *srv)
{
	apid_cache_forget(srv->creds, NULL, 0);
}

/* ---- set-up ------------------------------------------------------------- */

int
apid_authcache_init(struct apid_server *srv)
{
	const struct govmail_conf *c = srv->conf;
	size_t n = (size_t)c->apid_cache_entries;

	if (RAND_bytes(srv->cred_key, sizeof(srv->cred_key)) != 1)
		return -1;
	srv->tokens = apid_cache_new(c->apid_token_cache_ttl, n, apid_tok_val_free);
	srv->creds = apid_cache_new(c->apid_auth_cache_ttl, n, apid_caller_val_free);
	return 0;
}

void
apid_authcache_free(struct apid_server *srv)
{
	apid_cache_free(srv->tokens);
	apid_cache_free(srv->creds);
	srv->tokens = srv->creds = NULL;
	OPENSSL_cleanse(srv->cred_key, sizeof(srv->cred_key));
}
