/*
 * dkim_keyrec.c — DKIM key records (see dkim_keyrec.h): the tag-list
 * syntax of RFC 6376 §3.2 (tag names case-sensitive, whitespace around
 * names, '=' and values ignored, unknown tags ignored, duplicates an
 * error), then the tags of §3.6.1 that decide how a key may be used.
 * Also the records already parsed, kept by their text
 * (dkim_keyrec_parse_cached).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "dkim_keyrec.h"
#include "dkim_keys.h"
#include "xmalloc.h"

#define KEYREC_TAGS 32      /* tags in one record at most */

struct tag {
	const char *name, *val;
	size_t nlen, vlen;
};

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The tags of s into t (at most max); their number, or -1 on a syntax error. */
static int
tag_list(const char *s, size_t len, struct tag *t, int max, char *err, size_t errlen)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		size_t a, b, c, d;
		int k;

		while (i < len && is_ws(s[i]))
			i++;
		if (i == len)
			break;
		if (s[i] == ';') {      /* an empty tag-spec (e.g. a trailing ';') */
			i++;
			continue;
		}
		a = i;
		/* tag-name = ALPHA *ALNUMPUNC (letters, digits, '_') */
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) {
			snprintf(err, errlen, "key record: a tag name must start with a letter");
			return -1;
		}
		while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			i++;
		b = i;
		while (i < len && is_ws(s[i]))
			i++;
		if (i == len || s[i] != '=') {
			snprintf(err, errlen, "key record: tag \"%.*s\" without '='",
			    (int)(b - a > 32 ? 32 : b - a), s + a);
			return -1;
		}
		i++;
		while (i < len && is_ws(s[i]))
			i++;
		c = i;
		while (i < len && s[i] != ';') {
			/* tval characters: printable ASCII but ';', and whitespace. */
			if (!is_ws(s[i]) && ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)) {
				snprintf(err, errlen, "key record: a control or 8-bit byte in a value");
				return -1;
			}
			i++;
		}
		d = i;
		while (d > c && is_ws(s[d - 1]))
			d--;
		for (k = 0; k < n; k++)
			if (t[k].nlen == b - a && memcmp(t[k].name, s + a, b - a) == 0) {
				snprintf(err, errlen, "key record: tag \"%.*s\" twice",
				    (int)(b - a > 32 ? 32 : b - a), s + a);
				return -1;
			}
		if (n == max) {
			snprintf(err, errlen, "key record: more than %d tags", max);
			return -1;
		}
		t[n].name = s + a;
		t[n].nlen = b - a;
		t[n].val = s + c;
		t[n].vlen = d - c;
		n++;
		if (i < len)
			i++;            /* the ';' */
	}
	return n;
}

static const struct tag *
tag_get(const struct tag *t, int n, const char *name)
{
	int k;

	for (k = 0; k < n; k++)
		if (t[k].nlen == strlen(name) && memcmp(t[k].name, name, t[k].nlen) == 0)
			return &t[k];
	return NULL;
}

/* Is word one of the colon-separated items of v (whitespace around each)? */
static int
list_has(const char *v, size_t len, const char *word)
{
	size_t i = 0, wl = strlen(word);

	while (i <= len) {
		size_t a = i, b;

		while (i < len && v[i] != ':')
			i++;
		b = i;
		while (a < b && is_ws(v[a]))
			a++;
		while (b > a && is_ws(v[b - 1]))
			b--;
		if (b - a == wl && memcmp(v + a, word, wl) == 0)
			return 1;
		i++;
	}
	return 0;
}

/* Base64 of the p= value (whitespace inside allowed): bytes, or -1. */
static int
b64_decode(const char *v, size_t len, unsigned char *out, size_t outmax)
{
	char clean[DKIM_KEYREC_MAX + 4];
	size_t i, n = 0, pad = 0;
	int got;

	for (i = 0; i < len; i++) {
		char c = v[i];

		if (is_ws(c))
			continue;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
			return -1;
		if (c == '=')
			pad++;
		else if (pad > 0)
			return -1;          /* data after padding */
		clean[n++] = c;
	}
	if (n == 0 || n % 4 != 0 || pad > 2 || n / 4 * 3 > outmax)
		return -1;
	got = EVP_DecodeBlock(out, (unsigned char *)clean, (int)n);
	if (got < 0)
		return -1;
	return got - (int)pad;
}

/* A context of an RSA key ready to verify an rsa-sha256 signature of a
 * digest, or NULL. */
static EVP_PKEY_CTX *
keyrec_vctx(EVP_PKEY *key)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);

	if (c == NULL || EVP_PKEY_verify_init(c) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) <= 0) {
		EVP_PKEY_CTX_free(c);
		return NULL;
	}
	return c;
}

int
dkim_keyrec_parse(const char *txt, size_t len, struct dkim_keyrec *out, char *err,
    size_t errlen)
{
	struct tag t[KEYREC_TAGS];
	const struct tag *v, *k, *h, *s, *p, *fl;
	unsigned char der[DKIM_KEYREC_MAX];
	const unsigned char *q;
	int n, dl;

	memset(out, 0, sizeof(*out));
	if (len > DKIM_KEYREC_MAX) {
		snprintf(err, errlen, "key record longer than %d bytes", DKIM_KEYREC_MAX);
		return -1;
	}
	n = tag_list(txt, len, t, KEYREC_TAGS, err, errlen);
	if (n < 0)
		return -1;
	v = tag_get(t, n, "v");
	if (v != NULL && (v != &t[0] || v->vlen != 5 || memcmp(v->val, "DKIM1", 5) != 0)) {
		snprintf(err, errlen, "key record: v= must be first and DKIM1");
		return -1;
	}
	k = tag_get(t, n, "k");
	if (k == NULL || (k->vlen == 3 && memcmp(k->val, "rsa", 3) == 0))
		out->alg = DKIM_ALG_RSA;
	else if (k->vlen == 7 && memcmp(k->val, "ed25519", 7) == 0)
		out->alg = DKIM_ALG_ED25519;
	else {
		snprintf(err, errlen, "key record: unknown key type k=%.*s",
		    (int)(k->vlen > 16 ? 16 : k->vlen), k->val);
		return -1;
	}
	h = tag_get(t, n, "h");
	if (h != NULL && !list_has(h->val, h->vlen, "sha256")) {
		snprintf(err, errlen, "key record: h= does not allow sha256");
		return -1;
	}
	s = tag_get(t, n, "s");
	if (s != NULL && !list_has(s->val, s->vlen, "*") && !list_has(s->val, s->vlen, "email")) {
		snprintf(err, errlen, "key record: s= is not for e-mail");
		return -1;
	}
	fl = tag_get(t, n, "t");
	if (fl != NULL) {
		out->testing = list_has(fl->val, fl->vlen, "y");
		out->strict = list_has(fl->val, fl->vlen, "s");
	}
	p = tag_get(t, n, "p");
	if (p == NULL) {
		snprintf(err, errlen, "key record: no p= tag");
		return -1;
	}
	if (p->vlen == 0) {
		out->revoked = 1;
		return 0;
	}
	dl = b64_decode(p->val, p->vlen, der, sizeof(der));
	if (dl <= 0) {
		snprintf(err, errlen, "key record: p= is not base64");
		return -1;
	}
	if (out->alg == DKIM_ALG_ED25519) {
		if (dl != 32) {
			snprintf(err, errlen, "key record: an Ed25519 key is 32 bytes, not %d", dl);
			return -1;
		}
		out->key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, 32);
	} else {
		q = der;
		out->key = d2i_PUBKEY(NULL, &q, dl);
		if (out->key != NULL && (q != der + dl || !EVP_PKEY_is_a(out->key, "RSA") ||
		    EVP_PKEY_get_bits(out->key) < 1024)) {
			EVP_PKEY_free(out->key);
			out->key = NULL;
			ERR_clear_error();
			snprintf(err, errlen, "key record: not an RSA key of 1024 bits or more");
			return -1;
		}
	}
	if (out->key == NULL) {
		ERR_clear_error();
		snprintf(err, errlen, "key record: p= does not decode to a public key");
		return -1;
	}
	if (out->alg == DKIM_ALG_RSA && (out->vctx = keyrec_vctx(out->key)) == NULL) {
		EVP_PKEY_free(out->key);
		out->key = NULL;
		ERR_clear_error();
		snprintf(err, errlen, "key record: the key cannot verify");
		return -1;
	}
	return 0;
}

void
dkim_keyrec_clear(struct dkim_keyrec *k)
{
	EVP_PKEY_CTX_free(k->vctx);
	EVP_PKEY_free(k->key);
	memset(k, 0, sizeof(*k));
}

/* --- records already parsed ----------------------------------------------- */

/*
 * Decoding a public key (base64, then OpenSSL's DER decoders) costs ten
 * times the RSA verification it serves, and a domain's mail all comes
 * with the same record. What a record gives depends on its text alone,
 * so the text is the key: a record that changes is a new entry (the DNS
 * cache decides how long a text is used). Records that failed are not
 * kept (they are rare, and their reason is rebuilt each time). Bounded:
 * when full, the oldest entry makes room.
 */
#define KEYREC_CACHE_MAX 128

struct keyrec_cached {
	char *txt;
	size_t len;
	struct dkim_keyrec k;
};

static struct keyrec_cached keyrec_cache[KEYREC_CACHE_MAX];
static size_t keyrec_ncache, keyrec_oldest;
static pthread_mutex_t keyrec_lock = PTHREAD_MUTEX_INITIALIZER;

/* The entry for txt, or NULL; the lock held. */
static struct keyrec_cached *
keyrec_find(const char *txt, size_t len)
{
	size_t i;

	for (i = 0; i < keyrec_ncache; i++)
		if (keyrec_cache[i].len == len && memcmp(keyrec_cache[i].txt, txt, len) == 0)
			return &keyrec_cache[i];
	return NULL;
}

/* A copy of k sharing the key (a reference of its own), with a copy of
 * its own of the verification context. 0, or -1 when OpenSSL is out of
 * memory. */
static int
keyrec_share(const struct dkim_keyrec *k, struct dkim_keyrec *out)
{
	*out = *k;
	out->vctx = NULL;
	if (k->vctx != NULL && (out->vctx = EVP_PKEY_CTX_dup(k->vctx)) == NULL) {
		out->key = NULL;
		return -1;
	}
	if (out->key != NULL && EVP_PKEY_up_ref(out->key) != 1)
		abort();                /* a reference count cannot fail to rise */
	return 0;
}

int
dkim_keyrec_parse_cached(const char *txt, size_t len, struct dkim_keyrec *out,
    char *err, size_t errlen)
{
	struct keyrec_cached *e;
	struct dkim_keyrec copy;

	pthread_mutex_lock(&keyrec_lock);
	if ((e = keyrec_find(txt, len)) != NULL && keyrec_share(&e->k, out) == 0) {
		pthread_mutex_unlock(&keyrec_lock);
		return 0;
	}
	pthread_mutex_unlock(&keyrec_lock);
	ERR_clear_error();
	/* Parsed without the lock: another thread may do the same meanwhile. */
	if (dkim_keyrec_parse(txt, len, out, err, errlen) != 0)
		return -1;
	/* The entry's copy made first: out of memory, nothing is kept. */
	if (keyrec_share(out, &copy) != 0) {
		ERR_clear_error();
		return 0;
	}
	pthread_mutex_lock(&keyrec_lock);
	if (keyrec_find(txt, len) != NULL)
		dkim_keyrec_clear(&copy);
	else {
		if (keyrec_ncache < KEYREC_CACHE_MAX)
			e = &keyrec_cache[keyrec_ncache++];
		else {
			e = &keyrec_cache[keyrec_oldest];
			keyrec_oldest = (keyrec_oldest + 1) % KEYREC_CACHE_MAX;
			free(e->txt);
			dkim_keyrec_clear(&e->k);
		}
		e->txt = xmalloc(len + 1);
		memcpy(e->txt, txt, len);
		e->txt[len] = '\0';
		e->len = len;
		e->k = copy;
	}
	pthread_mutex_unlock(&keyrec_lock);
	return 0;
}

void
dkim_keyrec_cache_clear(void)
{
	size_t i;

	pthread_mutex_lock(&keyrec_lock);
	for (i = 0; i < keyrec_ncache; i++) {
		free(keyrec_cache[i].txt);
		dkim_keyrec_clear(&keyrec_cache[i].k);
	}
	keyrec_ncache = keyrec_oldest = 0;
	pthread_mutex_unlock(&keyrec_lock);
}
