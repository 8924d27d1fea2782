/*
 * dir_idem.c — Idempotency-Key claims in the directory (dir_idem.h). The
 * LDAP add of the claim entry is the lock: the server refuses a second
 * entry of the same name (entryAlreadyExists) on every gateway at once,
 * and on a replicated directory the name is the same on every provider.
 */
#include <ldap.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dir.h"
#include "dir_escape.h"
#include "dir_idem.h"
#include "dir_schema.h"
#include "gentime.h"
#include "hex.h"
#include "xmalloc.h"

#define IDEM_PENDING "pending"
#define IDEM_DONE    "done"

static const char *const idem_attrs[] = {
	DIR_AT_IDEM_BODY, DIR_AT_IDEM_STATE, DIR_AT_IDEM_STATUS, DIR_AT_IDEM_ACCOUNT,
	DIR_AT_IDEM_CLAIMED, NULL
};

void
dir_idem_id(const char *caller, const char *key, char out[DIR_IDEM_ID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	/* "\n" cannot occur in a key (visible ASCII), so (caller, key) pairs
	 * never run into each other */
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, caller, strlen(caller)) != 1 ||
	    EVP_DigestUpdate(ctx, "\n", 1) != 1 ||
	    EVP_DigestUpdate(ctx, key, strlen(key)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
		fprintf(stderr, "govmail: SHA-256 failed\n");
		abort();
	}
	EVP_MD_CTX_free(ctx);
	hex_encode(md, 32, out);
}

void
dir_idem_body_hash(const unsigned char digest[32], char out[DIR_IDEM_BODY_LEN + 1])
{
	memcpy(out, "sha256:", 7);
	hex_encode(digest, 32, out + 7);
}

int
dir_idem_expired(long long claimed, int ttl, long long now)
{
	return claimed < 0 || claimed + ttl <= now;
}

char *
dir_idem_dn_uid(const char *dn)
{
	LDAPDN parsed = NULL;
	LDAPAVA *ava;
	char *uid = NULL;

	if (dn == NULL || ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return NULL;
	if (parsed != NULL && parsed[0] != NULL && (ava = parsed[0][0]) != NULL &&
	    parsed[0][1] == NULL && strcasecmp(ava->la_attr.bv_val, DIR_AT_UID) == 0 &&
	    ava->la_value.bv_len > 0 && memchr(ava->la_value.bv_val, '\0',
	    ava->la_value.bv_len) == NULL)
		uid = xstrndup(ava->la_value.bv_val, ava->la_value.bv_len);
	ldap_dnfree(parsed);
	return uid;
}

static char *
idem_dn(struct dir *d, const char *id)
{
	char *parent = xasprintf("%s,%s", DIR_OU_IDEM, dir_base(d));
	char *dn = dir_make_rdn_dn(DIR_AT_IDEM_ID, id, parent);

	free(parent);
	return dn;
}

void
dir_idem_claim_clear(struct dir_idem_claim *c)
{
	free(c->account_dn);
	free(c->account_uid);
	memset(c, 0, sizeof(*c));
}

static enum dir_status
idem_read(struct dir *d, const char *dn, struct dir_idem_claim *c)
{
	struct dir_entry *e = NULL;
	enum dir_status st;
	const char *v;
	char *filter = dir_filter_fmt("(objectClass=%s)", DIR_OC_IDEM_CLAIM);

	memset(c, 0, sizeof(*c));
	st = dir_search_one(d, dn, LDAP_SCOPE_BASE, filter, idem_attrs, &e);
	free(filter);
	if (st != DIR_OK)
		return st;
	if ((v = dir_entry_get(e, DIR_AT_IDEM_BODY)) != NULL)
		snprintf(c->body_hash, sizeof(c->body_hash), "%s", v);
	v = dir_entry_get(e, DIR_AT_IDEM_STATE);
	c->done = v != NULL && strcasecmp(v, IDEM_DONE) == 0;
	if ((v = dir_entry_get(e, DIR_AT_IDEM_STATUS)) != NULL) {
		long s = strtol(v, NULL, 10);

		c->status = s >= 100 && s <= 599 ? (unsigned)s : 0;
	}
	if ((v = dir_entry_get(e, DIR_AT_IDEM_ACCOUNT)) != NULL) {
		c->account_dn = xstrdup(v);
		c->account_uid = dir_idem_dn_uid(v);
	}
	c->claimed = (long long)gentime_parse(dir_entry_get(e, DIR_AT_IDEM_CLAIMED));
	dir_entry_free(e);
	return DIR_OK;
}

enum dir_status
dir_idem_claim(struct dir *d, const char *id, const char *body_hash, const char *actor,
    int ttl, long long now, struct dir_idem_claim *found)
{
	char *dn = idem_dn(d, id), when[32];
	struct dir_mods *m;
	enum dir_status st = DIR_ERROR;
	int attempt;

	memset(found, 0, sizeof(*found));
	if (dn == NULL)
		return DIR_ERROR;
	gentime_format((time_t)now, when, sizeof(when));
	m = dir_mods_new();
	dir_mods_put(m, DIR_MOD_ADD, "objectClass", DIR_OC_IDEM_CLAIM);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_IDEM_ID, id);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_IDEM_BODY, body_hash);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_IDEM_STATE, IDEM_PENDING);
	dir_mods_put(m, DIR_MOD_ADD, DIR_AT_IDEM_CLAIMED, when);
	if (actor != NULL && actor[0] != '\0')
		dir_mods_put(m, DIR_MOD_ADD, DIR_AT_CREATED_BY, actor);
	/* the add, and once more after an expired claim was removed */
	for (attempt = 0; attempt < 2; attempt++) {
		if ((st = dir_add(d, dn, m)) != DIR_EXISTS)
			goto out;
		st = idem_read(d, dn, found);
		if (st == DIR_NOT_FOUND)
			continue;   /* finished and dropped meanwhile: try again */
		if (st != DIR_OK)
			goto out;
		if (!dir_idem_expired(found->claimed, ttl, now)) {
			st = DIR_EXISTS;
			goto out;
		}
		dir_idem_claim_clear(found);
		st = dir_delete(d, dn);
		if (st != DIR_OK && st != DIR_NOT_FOUND)
			goto out;
	}
	/* Another request took the name again in between: it is at work. */
	st = idem_read(d, dn, found);
	if (st == DIR_OK || st == DIR_NOT_FOUND) {
		if (st == DIR_NOT_FOUND) {
			memset(found, 0, sizeof(*found));
			snprintf(found->body_hash, sizeof(found->body_hash), "%s", body_hash);
			found->claimed = now;
		}
		st = DIR_EXISTS;
	}
out:
	if (st != DIR_EXISTS)
		dir_idem_claim_clear(found);
	dir_mods_free(m);
	free(dn);
	return st;
}

enum dir_status
dir_idem_finish(struct dir *d, const char *id, unsigned status, const char *account_dn)
{
	char *dn = idem_dn(d, id), sbuf[16];
	struct dir_mods *m;
	enum dir_status st;

	if (dn == NULL)
		return DIR_ERROR;
	snprintf(sbuf, sizeof(sbuf), "%u", status);
	m = dir_mods_new();
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_IDEM_STATE, IDEM_DONE);
	dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_IDEM_STATUS, sbuf);
	if (account_dn != NULL)
		dir_mods_put(m, DIR_MOD_REPLACE, DIR_AT_IDEM_ACCOUNT, account_dn);
	st = dir_modify(d, dn, m);
	dir_mods_free(m);
	free(dn);
	return st;
}

enum dir_status
dir_idem_drop(struct dir *d, const char *id)
{
	char *dn = idem_dn(d, id);
	enum dir_status st;

	if (dn == NULL)
		return DIR_ERROR;
	st = dir_delete(d, dn);
	free(dn);
	return st == DIR_NOT_FOUND ? DIR_OK : st;
}

struct idem_sweep {
	char **dns;
	size_t n, max;
};

static int
idem_sweep_cb(const struct dir_entry *e, void *arg)
{
	struct idem_sweep *s = arg;

	s->dns[s->n++] = xstrdup(e->dn);
	return s->n >= s->max;   /* bounded: the rest waits for the next run */
}

enum dir_status
dir_idem_sweep(struct dir *d, int ttl, long long now, size_t max, size_t *deleted)
{
	static const char *const no_attrs[] = { "1.1", NULL };
	struct idem_sweep s;
	char before[32], *base, *filter;
	enum dir_status st, dst;
	size_t i;

	*deleted = 0;
	if (max == 0)
		return DIR_OK;
	/* claims made at or before now - ttl have expired */
	gentime_format((time_t)(now - ttl), before, sizeof(before));
	base = xasprintf("%s,%s", DIR_OU_IDEM, dir_base(d));
	filter = dir_filter_fmt("(&(objectClass=%s)(%s<=%s))", DIR_OC_IDEM_CLAIM,
	    DIR_AT_IDEM_CLAIMED, before);
	s.dns = xcalloc(max, sizeof(*s.dns));
	s.n = 0;
	s.max = max;
	st = dir_search(d, base, LDAP_SCOPE_ONELEVEL, filter, no_attrs, idem_sweep_cb, &s);
	if (st == DIR_ERROR && s.n >= max)
		st = DIR_OK;   /* stopped at the bound, not a failure */
	if (st == DIR_NOT_FOUND)
		st = DIR_OK;   /* no container (yet): nothing to sweep */
	for (i = 0; i < s.n; i++) {
		if (st == DIR_OK) {
			dst = dir_delete(d, s.dns[i]);
			if (dst == DIR_OK)
				(*deleted)++;
			else if (dst != DIR_NOT_FOUND)
				st = dst;   /* another gateway may have been first */
		}
		free(s.dns[i]);
	}
	free(s.dns);
	free(filter);
	free(base);
	return st;
}
