/*
 * dkim_verify.c — verifying inbound DKIM signatures (RFC 6376, RFC 8463):
 * the DKIM-Signature tag list read with bounds, one streaming body hash
 * per signature, the signed header data rebuilt from the kept fields,
 * keys from DNS through dns_resolve.c. See dkim_verify.h for the bounds
 * and for what l= gives.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "base64.h"
#include "dkim_keys.h"
#include "xmalloc.h"

#include "dkim_keyrec.h"
#include "dkim_sign.h"
#include "dkim_verify.h"
#include "dns_resolve.h"

/* --- the tag list (§3.2) -------------------------------------------------- */

static int
v_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* [p, e) without folding whitespace at both ends. */
static void
v_trim(const char **p, const char **e)
{
	while (*p < *e && v_wsp(**p))
		(*p)++;
	while (*e > *p && v_wsp((*e)[-1]))
		(*e)--;
}

static int
v_copy(char *dst, size_t dstlen, const char *p, const char *e, int lower)
{
	size_t n = (size_t)(e - p), i;

	if (n == 0 || n >= dstlen)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c >= 0x7f)
			return -1;
		dst[i] = lower ? (char)tolower(c) : (char)c;
	}
	dst[n] = '\0';
	return 0;
}

/* Base64 with folding whitespace inside (§2.11). */
static int
v_b64(const char *p, const char *e, unsigned char **out, size_t *outlen, size_t max)
{
	size_t n = (size_t)(e - p), i;
	unsigned char *buf;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '+' && p[i] != '/' &&
		    p[i] != '=' && !v_wsp(p[i]))
			return -1;
	buf = xmalloc(BASE64_DECODED_MAX(n) + 1);
	*outlen = base64_decode_mime(p, n, buf);
	if (*outlen == 0 || *outlen > max) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

static int
v_num(const char *p, const char *e, long long *out)
{
	long long v = 0;

	if (p == e || e - p > 18)
		return -1;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return 0;
}

void
dkim_sig_clear(struct dkim_sig *sig)
{
	size_t i;

	for (i = 0; i < sig->nh; i++)
		free(sig->h[i]);
	free(sig->b);
	memset(sig, 0, sizeof(*sig));
}

#define PERR(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int
dkim_sig_parse(const char *field, size_t len, struct dkim_sig *sig,
    char *err, size_t errlen)
{
	const char *colon = memchr(field, ':', len), *p, *end = field + len;
	unsigned seen = 0;
	char ibuf[256];
	const char *ip = NULL, *ie = NULL;

	memset(sig, 0, sizeof(*sig));
	sig->l = sig->t = sig->x = -1;
	if (colon == NULL)
		PERR("no colon");
	p = colon + 1;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *te = semi != NULL ? semi : end, *eq, *np, *ne, *vp, *ve;
		static const char *const tags[] = { "v", "a", "b", "bh", "c", "d",
		    "h", "i", "l", "q", "s", "t", "x", "z" };
		size_t k;

		np = p;
		p = semi != NULL ? semi + 1 : end;
		eq = memchr(np, '=', (size_t)(te - np));
		if (eq == NULL) {
			ne = te;
			v_trim(&np, &ne);
			if (np == ne && semi == NULL)
				break;              /* a trailing ';' */
			PERR("a tag without '='");
		}
		ne = eq;
		v_trim(&np, &ne);
		vp = eq + 1;
		ve = te;
		v_trim(&vp, &ve);
		if (np == ne)
			PERR("an empty tag name");
		for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++)
			if ((size_t)(ne - np) == strlen(tags[k]) &&
			    memcmp(np, tags[k], (size_t)(ne - np)) == 0)
				break;
		if (k == sizeof(tags) / sizeof(tags[0]))
			continue;                   /* unknown tags are ignored */
		if (seen & (1u << k))
			PERR("duplicate tag %s=", tags[k]);
		seen |= 1u << k;
		switch (k) {
		case 0:
			if (ve - vp != 1 || *vp != '1')
				PERR("v= is not 1");
			break;
		case 1:
			if (ve - vp == 10 && strncasecmp(vp, "rsa-sha256", 10) == 0)
				sig->ed25519 = 0;
			else if (ve - vp == 14 && strncasecmp(vp, "ed25519-sha256", 14) == 0)
				sig->ed25519 = 1;
			else
				PERR("unsupported a= (only rsa-sha256, ed25519-sha256)");
			break;
		case 2:
			sig->boff = (size_t)(eq + 1 - field);
			sig->bend = (size_t)(te - field);
			if (v_b64(vp, ve, &sig->b, &sig->blen, 1024) != 0)
				PERR("b= is not base64");
			{
				size_t i, n = 0;

				for (i = 0; vp + i < ve && n < 8; i++)
					if (!v_wsp(vp[i]))
						sig->b8[n++] = vp[i];
				sig->b8[n] = '\0';
			}
			break;
		case 3: {
			unsigned char *bh;

			if (v_b64(vp, ve, &bh, &sig->bhlen, sizeof(sig->bh)) != 0)
				PERR("bh= is not base64");
			memcpy(sig->bh, bh, sig->bhlen);
			free(bh);
			break;
		}
		case 4: {
			const char *sl = memchr(vp, '/', (size_t)(ve - vp));
			const char *he = sl != NULL ? sl : ve;

			if (he - vp == 7 && strncasecmp(vp, "relaxed", 7) == 0)
				sig->hrelaxed = 1;
			else if (!(he - vp == 6 && strncasecmp(vp, "simple", 6) == 0))
				PERR("unknown c= header canonicalization");
			if (sl != NULL) {
				if (ve - sl - 1 == 7 && strncasecmp(sl + 1, "relaxed", 7) == 0)
					sig->brelaxed = 1;
				else if (!(ve - sl - 1 == 6 && strncasecmp(sl + 1, "simple", 6) == 0))
					PERR("unknown c= body canonicalization");
			}
			break;
		}
		case 5:
			if (v_copy(sig->d, sizeof(sig->d), vp, ve, 1) != 0 || strchr(sig->d, '.') == NULL)
				PERR("bad d=");
			break;
		case 6: {
			const char *q = vp;

			while (q <= ve) {
				const char *c = memchr(q, ':', (size_t)(ve - q));
				const char *he = c != NULL ? c : ve, *hp = q;
				char name[128];

				v_trim(&hp, &he);
				if (sig->nh == DKIM_SIG_MAX_H)
					PERR("h= names more than %d fields", DKIM_SIG_MAX_H);
				if (v_copy(name, sizeof(name), hp, he, 1) != 0 ||
				    strchr(name, ':') != NULL)
					PERR("bad h=");
				sig->h[sig->nh++] = xstrdup(name);
				if (c == NULL)
					break;
				q = c + 1;
			}
			break;
		}
		case 7:
			ip = vp;
			ie = ve;
			break;
		case 8:
			if (v_num(vp, ve, &sig->l) != 0)
				PERR("bad l=");
			break;
		case 9:
			if (!(ve - vp >= 7 && strncasecmp(vp, "dns/txt", 7) == 0))
				PERR("q= without dns/txt");
			break;
		case 10:
			if (v_copy(sig->s, sizeof(sig->s), vp, ve, 1) != 0)
				PERR("bad s=");
			break;
		case 11:
			if (v_num(vp, ve, &sig->t) != 0)
				PERR("bad t=");
			break;
		case 12:
			if (v_num(vp, ve, &sig->x) != 0)
				PERR("bad x=");
			break;
		default:
			break;
		}
	}
	/* v, a, b, bh, d, h, s are required (§3.5). */
	if ((seen & 0x46f) != 0x46f)
		PERR("a required tag is missing");
	if (sig->bhlen != 32)
		PERR("bh= is not a SHA-256 digest");
	{
		size_t k;
		int from = 0;

		for (k = 0; k < sig->nh; k++)
			from |= strcmp(sig->h[k], "from") == 0;
		if (!from)
			PERR("h= does not include From");
	}
	if (sig->t >= 0 && sig->x >= 0 && sig->x < sig->t)
		PERR("x= before t=");
	if (ip != NULL) {
		/* i= must be in d= or a subdomain of it (§3.5). */
		const char *at = memchr(ip, '@', (size_t)(ie - ip));
		size_t dl = strlen(sig->d), n;

		if (at == NULL || v_copy(ibuf, sizeof(ibuf), at + 1, ie, 1) != 0)
			PERR("bad i=");
		n = strlen(ibuf);
		if (strcmp(ibuf, sig->d) == 0)
			;
		else if (n > dl && ibuf[n - dl - 1] == '.' && strcmp(ibuf + n - dl, sig->d) == 0)
			sig->have_i = 1;
		else
			PERR("i= is not within d=");
	}
	return 0;
}

/* --- the message -------------------------------------------------------- */

/* Simple body canonicalisation (§3.4.3), streaming: empty lines at the
 * end are held back and dropped; an empty body is one CRLF. */
struct simple_canon {
	unsigned long long blank;
	int cr, inline_, any;
};

struct vsig {
	struct dkim_sig sig;
	struct dkim_vresult r;
	int parsed;
	size_t field;               /* its index in the kept fields */
	EVP_MD_CTX *md;
	unsigned long long hashed, total;
	struct dkim_body_canon *rc;
	struct simple_canon sc;
};

struct vfield {
	char *p;                    /* raw, with its CRLF */
	size_t len;
	size_t namelen;
};

struct dkim_verify {
	struct dns_resolver *dns;
	time_t now;
	struct vfield *f;
	size_t nf, capf, bytes;
	struct vsig sig[DKIM_VERIFY_MAX_SIGS];
	size_t nsig;
	struct dkim_vresult res[DKIM_VERIFY_MAX_SIGS];
};

/* SHA-256, fetched from the provider once: EVP_sha256() is looked up
 * again at every use, which costs as much as hashing a small body. */
static EVP_MD *v_sha256_md;
static pthread_once_t v_sha256_once = PTHREAD_ONCE_INIT;

static void
v_sha256_fetch(void)
{
	v_sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
v_sha256(void)
{
	pthread_once(&v_sha256_once, v_sha256_fetch);
	return v_sha256_md != NULL ? v_sha256_md : EVP_sha256();
}

static void
hash_out(void *arg, const char *p, size_t n)
{
	struct vsig *s = arg;

	s->total += n;
	if (s->sig.l >= 0) {
		unsigned long long room = (unsigned long long)s->sig.l > s->hashed ?
		    (unsigned long long)s->sig.l - s->hashed : 0;

		if (n > room)
			n = (size_t)room;
	}
	if (n > 0)
		EVP_DigestUpdate(s->md, p, n);
	s->hashed += n;
}

static void
sc_add(struct vsig *s, const unsigned char *p, size_t n)
{
	struct simple_canon *c = &s->sc;
	size_t i;

	for (i = 0; i < n; i++) {
		if (c->cr && p[i] == '\n') {
			c->cr = 0;
			if (c->inline_)
				hash_out(s, "\r\n", 2);
			else
				c->blank++;
			c->inline_ = 0;
			continue;
		}
		if (c->cr) {
			c->cr = 0;
			goto content_cr;
		}
		if (p[i] == '\r') {
			c->cr = 1;
			continue;
		}
		for (; c->blank > 0; c->blank--)
			hash_out(s, "\r\n", 2);
		hash_out(s, (const char *)p + i, 1);
		c->inline_ = c->any = 1;
		continue;
content_cr:
		for (; c->blank > 0; c->blank--)
			hash_out(s, "\r\n", 2);
		hash_out(s, "\r", 1);
		c->inline_ = c->any = 1;
		i--;                        /* this byte again, after the CR */
	}
}

static void
sc_end(struct vsig *s)
{
	struct simple_canon *c = &s->sc;

	if (c->cr) {
		for (; c->blank > 0; c->blank--)
			hash_out(s, "\r\n", 2);
		hash_out(s, "\r", 1);
		c->inline_ = c->any = 1;
	}
	if (c->inline_ || !c->any)
		hash_out(s, "\r\n", 2);
}

struct dkim_verify *
dkim_verify_begin(struct dns_resolver *dns, time_t now)
{
	struct dkim_verify *v = xcalloc(1, sizeof(*v));

	v->dns = dns;
	v->now = now;
	return v;
}

static void
keep_field(struct dkim_verify *v, const char *p, size_t len)
{
	const char *colon = memchr(p, ':', len);
	size_t nl;

	if (colon == NULL || v->nf == DKIM_VERIFY_MAX_FIELDS ||
	    v->bytes + len > DKIM_VERIFY_HEADER_MAX)
		return;
	nl = (size_t)(colon - p);
	while (nl > 0 && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
		nl--;
	if (v->nf == v->capf) {
		v->capf = v->capf ? v->capf * 2 : 32;
		v->f = xreallocarray(v->f, v->capf, sizeof(*v->f));
	}
	v->f[v->nf].p = xmalloc(len + 1);
	memcpy(v->f[v->nf].p, p, len);
	v->f[v->nf].p[len] = '\0';
	v->f[v->nf].len = len;
	v->f[v->nf].namelen = nl;
	v->bytes += len;
	if (nl == 14 && strncasecmp(p, "dkim-signature", 14) == 0 &&
	    v->nsig < DKIM_VERIFY_MAX_SIGS) {
		struct vsig *s = &v->sig[v->nsig++];
		char err[96];

		s->field = v->nf;
		s->r.res = DKIM_V_PERMERROR;
		if (dkim_sig_parse(p, len, &s->sig, err, sizeof(err)) != 0) {
			snprintf(s->r.reason, sizeof(s->r.reason), "%s", err);
		} else {
			s->parsed = 1;
			s->md = EVP_MD_CTX_new();
			if (s->md == NULL || !EVP_DigestInit_ex(s->md, v_sha256(), NULL))
				abort();
			if (s->sig.brelaxed)
				s->rc = dkim_body_canon_new(hash_out, s);
		}
		memcpy(s->r.d, s->sig.d, sizeof(s->r.d));
		memcpy(s->r.s, s->sig.s, sizeof(s->r.s));
		memcpy(s->r.b8, s->sig.b8, sizeof(s->r.b8));
		s->r.ed25519 = s->sig.ed25519;
	}
	v->nf++;
}

long long
dkim_verify_headers(struct dkim_verify *v, const char *p, size_t len)
{
	size_t i = 0, start = 0;

	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t next = nl != NULL ? (size_t)(nl - p) + 1 : len;

		/* An empty line ends the header section. */
		if (next - i <= 2 && (p[i] == '\n' || (p[i] == '\r' && next - i == 2))) {
			if (i > start)
				keep_field(v, p + start, i - start);
			return (long long)next;
		}
		/* A line not starting with WSP starts a new field. */
		if (i > start && p[i] != ' ' && p[i] != '\t') {
			keep_field(v, p + start, i - start);
			start = i;
		}
		i = next;
	}
	if (i > start)
		keep_field(v, p + start, i - start);
	return (long long)len;
}

void
dkim_verify_body(struct dkim_verify *v, const void *p, size_t n)
{
	size_t k;

	for (k = 0; k < v->nsig; k++) {
		struct vsig *s = &v->sig[k];

		if (!s->parsed)
			continue;
		if (s->rc != NULL)
			dkim_body_canon_add(s->rc, p, n);
		else
			sc_add(s, p, n);
	}
}

struct vbuf {
	char *p;
	size_t n, cap;
};

static void
vb_add(struct vbuf *b, const char *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
vb_field(struct vbuf *b, const char *p, size_t len, int relaxed, int last)
{
	if (relaxed) {
		size_t cl;
		char *c = dkim_canon_header(p, len, &cl);

		if (c == NULL)
			return;
		vb_add(b, c, last ? cl - 2 : cl);
		free(c);
	} else {
		if (last && len >= 2 && p[len - 2] == '\r' && p[len - 1] == '\n')
			len -= 2;
		else if (last && len >= 1 && p[len - 1] == '\n')
			len -= 1;
		vb_add(b, p, len);
	}
}

static void
set_res(struct vsig *s, enum dkim_vres r, const char *why)
{
	s->r.res = r;
	snprintf(s->r.reason, sizeof(s->r.reason), "%s", why);
}

/* The key of a signature, from its record. 0, or -1 with the result set. */
static int
fetch_key(struct dkim_verify *v, struct vsig *s, struct dkim_keyrec *key)
{
	char name[400], err[128];
	struct dns_txt txt;
	enum dns_status st;
	size_t k, nrec;

	snprintf(name, sizeof(name), "%s._domainkey.%s", s->sig.s, s->sig.d);
	st = dns_lookup_txt(v->dns, name, &txt);
	if (st == DNS_TEMPFAIL) {
		set_res(s, DKIM_V_TEMPERROR, "key record lookup failed");
		return -1;
	}
	if (st != DNS_OK || txt.n == 0) {
		dns_txt_clear(&txt);
		set_res(s, DKIM_V_PERMERROR, "no key record");
		return -1;
	}
	snprintf(err, sizeof(err), "bad key record");
	for (k = 0; k < txt.n; k++)
		if (dkim_keyrec_parse_cached(txt.v[k], txt.len[k], key, err, sizeof(err)) == 0)
			break;
	nrec = txt.n;
	dns_txt_clear(&txt);
	if (k == nrec) {
		set_res(s, DKIM_V_PERMERROR, err);
		return -1;
	}
	if (key->revoked) {
		set_res(s, DKIM_V_PERMERROR, "key revoked");
		return -1;
	}
	if ((key->alg == DKIM_ALG_ED25519) != s->sig.ed25519) {
		set_res(s, DKIM_V_PERMERROR, "key type does not match a=");
		return -1;
	}
	if (key->strict && s->sig.have_i) {
		set_res(s, DKIM_V_PERMERROR, "i= is a subdomain but the key has t=s");
		return -1;
	}
	return 0;
}

static void
verify_one(struct dkim_verify *v, struct vsig *s)
{
	unsigned char bh[EVP_MAX_MD_SIZE], md[EVP_MAX_MD_SIZE];
	unsigned bhlen = 0, mdlen = 0;
	struct dkim_keyrec key;
	struct vbuf data = { NULL, 0, 0 };
	unsigned char used[DKIM_VERIFY_MAX_FIELDS];
	struct vfield *sf = &v->f[s->field];
	EVP_MD_CTX *ctx = NULL;
	size_t k, j;
	int ok;

	if (s->rc != NULL)
		dkim_body_canon_end(s->rc);
	else
		sc_end(s);
	EVP_DigestFinal_ex(s->md, bh, &bhlen);
	if (s->sig.x >= 0 && (long long)v->now > s->sig.x) {
		set_res(s, DKIM_V_PERMERROR, "signature expired");
		return;
	}
	if (s->sig.l >= 0 && s->hashed < (unsigned long long)s->sig.l) {
		set_res(s, DKIM_V_FAIL, "body shorter than l=");
		return;
	}
	if (bhlen != s->sig.bhlen || memcmp(bh, s->sig.bh, bhlen) != 0) {
		set_res(s, DKIM_V_FAIL, "body hash did not verify");
		return;
	}
	memset(&key, 0, sizeof(key));
	if (fetch_key(v, s, &key) != 0) {
		dkim_keyrec_clear(&key);
		return;
	}
	/* The signed fields: for each h= name the next instance bottom-up
	 * (§5.4.2); a name with no instance left adds nothing. */
	memset(used, 0, sizeof(used));
	for (k = 0; k < s->sig.nh; k++) {
		size_t nl = strlen(s->sig.h[k]);

		for (j = v->nf; j-- > 0;) {
			if (used[j] || j == s->field || v->f[j].namelen != nl ||
			    strncasecmp(v->f[j].p, s->sig.h[k], nl) != 0)
				continue;
			used[j] = 1;
			vb_field(&data, v->f[j].p, v->f[j].len, s->sig.hrelaxed, 0);
			break;
		}
	}
	/* The signature field itself with b='s value empty, no final CRLF. */
	{
		struct vbuf own = { NULL, 0, 0 };

		vb_add(&own, sf->p, s->sig.boff);
		vb_add(&own, sf->p + s->sig.bend, sf->len - s->sig.bend);
		vb_field(&data, own.p, own.n, s->sig.hrelaxed, 1);
		free(own.p);
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		abort();
	if (s->sig.ed25519)
		ok = EVP_Digest(data.p, data.n, md, &mdlen, v_sha256(), NULL) &&
		    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key.key) &&
		    EVP_DigestVerify(ctx, s->sig.b, s->sig.blen, md, mdlen) == 1;
	else if (key.vctx != NULL)
		/* the same check as EVP_DigestVerify's, with the context the
		 * key record had ready (dkim_keyrec.h) */
		ok = EVP_Digest(data.p, data.n, md, &mdlen, v_sha256(), NULL) &&
		    EVP_PKEY_verify(key.vctx, s->sig.b, s->sig.blen, md, mdlen) == 1;
	else
		ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key.key) &&
		    EVP_DigestVerify(ctx, s->sig.b, s->sig.blen,
		    (const unsigned char *)data.p, data.n) == 1;
	ERR_clear_error();
	if (!ok)
		set_res(s, DKIM_V_FAIL, "signature did not verify");
	else if (s->sig.l >= 0 && s->total > s->hashed)
		set_res(s, DKIM_V_NEUTRAL, "l= covers part of the body only");
	else
		set_res(s, DKIM_V_PASS, "");
	EVP_MD_CTX_free(ctx);
	free(data.p);
	dkim_keyrec_clear(&key);
}

const struct dkim_vresult *
dkim_verify_end(struct dkim_verify *v, size_t *n)
{
	size_t k;

	for (k = 0; k < v->nsig; k++) {
		if (v->sig[k].parsed)
			verify_one(v, &v->sig[k]);
		v->res[k] = v->sig[k].r;
	}
	*n = v->nsig;
	return v->res;
}

void
dkim_verify_free(struct dkim_verify *v)
{
	size_t k;

	if (v == NULL)
		return;
	for (k = 0; k < v->nsig; k++) {
		dkim_sig_clear(&v->sig[k].sig);
		EVP_MD_CTX_free(v->sig[k].md);
		dkim_body_canon_free(v->sig[k].rc);
	}
	for (k = 0; k < v->nf; k++)
		free(v->f[k].p);
	free(v->f);
	free(v);
}

const char *
dkim_vres_str(enum dkim_vres r)
{
	switch (r) {
	case DKIM_V_PASS: return "pass";
	case DKIM_V_FAIL: return "fail";
	case DKIM_V_NEUTRAL: return "neutral";
	case DKIM_V_TEMPERROR: return "temperror";
	case DKIM_V_PERMERROR: return "permerror";
	}
	return "permerror";
}
