/*
 * sign_certcache.c — certificates of recent signatures, kept parsed (see
 * sign_certcache.h).
 *
 * A ContentInfo is DER: SEQUENCE { contentType OID, [0] EXPLICIT
 * SignedData SEQUENCE { version, digestAlgorithms, encapContentInfo,
 * certificates [0] IMPLICIT SET OF Certificate OPTIONAL, crls [1]
 * OPTIONAL, signerInfos } } (RFC 5652 §5.1), or the same in BER with
 * indefinite lengths. When the certificates are plain X.509 ones, the
 * CMS without its certificates field is written to a small buffer (the
 * three enclosing lengths re-encoded), read with d2i_CMS_ContentInfo, and
 * given the certificates from the cache in their order. Anything else
 * (attribute certificates, a large opaque content that would have to be
 * copied, a structure that does not parse) is read whole, as without a
 * cache.
 *
 * The cache is direct-mapped: a certificate's slot comes from a hash of
 * its length and its last bytes (the signature value), and a newcomer
 * replaces whoever was there. Lookups compare the whole DER, so a
 * collision costs a parse, never a wrong certificate.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "sign_certcache.h"
#include "xmalloc.h"

#define CC_MAX_CERTS   16              /* certificates in one CMS */
#define CC_MAX_CERT    (64 * 1024)     /* DER bytes of one cached certificate */
#define CC_MAX_REST    (64 * 1024)     /* bytes of the CMS besides its certificates */
#define CC_MAX_DEPTH   16              /* indefinite lengths in indefinite lengths */

struct cc_slot {
	X509 *x;
	unsigned char *der;
	size_t len;
};

struct sign_cert_cache {
	pthread_mutex_t lock;
	struct cc_slot *slot;
	size_t nslots;
	unsigned long hits, misses;
};

struct sign_cert_cache *
sign_cert_cache_new(size_t nslots)
{
	struct sign_cert_cache *c;

	if (nslots == 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->slot = xcalloc(nslots, sizeof(*c->slot));
	c->nslots = nslots;
	return c;
}

void
sign_cert_cache_free(struct sign_cert_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nslots; i++) {
		X509_free(c->slot[i].x);
		free(c->slot[i].der);
	}
	free(c->slot);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
sign_cert_cache_counts(struct sign_cert_cache *c, unsigned long *hits,
    unsigned long *misses)
{
	*hits = *misses = 0;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	pthread_mutex_unlock(&c->lock);
}

/* ---- DER ------------------------------------------------------------------------ */

/* One element at p, before end: a single-byte tag, then a definite length
 * (*len content bytes after *hdr header bytes) or, for a constructed
 * element, an indefinite one (*indef set, *len 0: the content ends with
 * 00 00). -1 for anything else. */
static int
cc_element(const unsigned char *p, const unsigned char *end, unsigned *tag,
    size_t *hdr, size_t *len, int *indef)
{
	size_t avail = (size_t)(end - p), n, i, l;

	if (avail < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;
	*tag = p[0];
	*indef = 0;
	if (p[1] == 0x80) {
		if (!(p[0] & 0x20))
			return -1;
		*indef = 1;
		*hdr = 2;
		*len = 0;
		return 0;
	}
	if (p[1] < 0x80) {
		l = p[1];
		n = 0;
	} else {
		n = p[1] & 0x7f;
		if (n > 4 || avail < 2 + n)
			return -1;
		for (i = 0, l = 0; i < n; i++)
			l = l << 8 | p[2 + i];
	}
	*hdr = 2 + n;
	if (l > avail - *hdr)
		return -1;
	*len = l;
	return 0;
}

/* Where the element at p ends (after its 00 00 when its length is
 * indefinite); NULL if it does not end well before end. */
static const unsigned char *
cc_skip(const unsigned char *p, const unsigned char *end, int depth)
{
	unsigned tag;
	size_t hdr, len;
	int indef;

	if (cc_element(p, end, &tag, &hdr, &len, &indef) != 0)
		return NULL;
	if (!indef)
		return p + hdr + len;
	if (depth == CC_MAX_DEPTH)
		return NULL;
	for (p += hdr; p != NULL; p = cc_skip(p, end, depth + 1))
		if (end - p >= 2 && p[0] == 0 && p[1] == 0)
			return p + 2;
	return NULL;
}

/* The constructed element of tag want at p: its content is [*c, *cend),
 * and the element ends at *next. */
static int
cc_enter(const unsigned char *p, const unsigned char *end, unsigned want, int *indef,
    const unsigned char **c, const unsigned char **cend, const unsigned char **next)
{
	unsigned tag;
	size_t hdr, len;

	if (cc_element(p, end, &tag, &hdr, &len, indef) != 0 || tag != want)
		return -1;
	*c = p + hdr;
	if (!*indef) {
		*cend = *next = *c + len;
		return 0;
	}
	if ((*next = cc_skip(p, end, 0)) == NULL)
		return -1;
	*cend = *next - 2;
	return 0;
}

/* Header bytes, content and end-of-contents of an element. */
static size_t
cc_element_size(size_t content, int indef)
{
	size_t n = 0, l;

	if (indef)
		return 2 + content + 2;
	for (l = content; content >= 0x80 && l > 0; l >>= 8)
		n++;
	return 2 + n + content;
}

static unsigned char *
cc_put_header(unsigned char *o, unsigned tag, size_t len, int indef)
{
	size_t n = cc_element_size(len, 0) - len - 2, i;

	*o++ = (unsigned char)tag;
	if (indef)
		*o++ = 0x80;
	else if (n == 0)
		*o++ = (unsigned char)len;
	else {
		*o++ = (unsigned char)(0x80 | n);
		for (i = n; i > 0; i--)
			*o++ = (unsigned char)(len >> (8 * (i - 1)));
	}
	return o;
}

/* Where the parts of a SignedData are: the certificates, and the bytes
 * before and after them inside the SignedData; whether the ContentInfo,
 * the [0] around the SignedData and the SignedData have indefinite
 * lengths (NSS, hence pdfsig and many PDF signers, writes them so). */
struct cc_layout {
	int indef[3];
	const unsigned char *before, *after;
	size_t beforelen, afterlen;
	const unsigned char *cert[CC_MAX_CERTS];
	size_t certlen[CC_MAX_CERTS];
	size_t ncert;
};

/* The contentType of a SignedData: OID 1.2.840.113549.1.7.2. */
static const unsigned char cc_signed_data[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
};

/* 0 when der can be read without its certificates (they are in l). Each
 * level must exactly fill the one around it; else d2i decides. */
static int
cc_layout(const unsigned char *der, size_t derlen, struct cc_layout *l)
{
	const unsigned char *end = der + derlen, *ci, *ci_end, *ex, *ex_end, *sd, *sd_end;
	const unsigned char *next, *f, *c, *c_end;
	unsigned tag;
	size_t hdr, len;
	int indef;

	memset(l, 0, sizeof(*l));
	/* bytes after the ContentInfo are ignored, as by d2i */
	if (cc_enter(der, end, 0x30, &l->indef[0], &ci, &ci_end, &next) != 0 ||
	    (size_t)(ci_end - ci) < sizeof(cc_signed_data) ||
	    memcmp(ci, cc_signed_data, sizeof(cc_signed_data)) != 0)
		return -1;
	if (cc_enter(ci + sizeof(cc_signed_data), ci_end, 0xa0, &l->indef[1], &ex, &ex_end,
	    &next) != 0 || next != ci_end)
		return -1;
	if (cc_enter(ex, ex_end, 0x30, &l->indef[2], &sd, &sd_end, &next) != 0 || next != ex_end)
		return -1;
	for (f = sd; f < sd_end; f = next) {
		if (cc_element(f, sd_end, &tag, &hdr, &len, &indef) != 0 ||
		    (next = cc_skip(f, sd_end, 0)) == NULL)
			return -1;
		if (tag == 0xa0)
			break;
	}
	if (f >= sd_end)
		return -1;              /* no certificates: nothing to save */
	if (cc_enter(f, sd_end, 0xa0, &indef, &c, &c_end, &next) != 0)
		return -1;
	l->before = sd;
	l->beforelen = (size_t)(f - sd);
	l->after = next;
	l->afterlen = (size_t)(sd_end - next);
	if (l->beforelen + l->afterlen > CC_MAX_REST)
		return -1;
	for (; c < c_end; c += hdr + len) {
		if (cc_element(c, c_end, &tag, &hdr, &len, &indef) != 0 || tag != 0x30 || indef ||
		    l->ncert == CC_MAX_CERTS || hdr + len > CC_MAX_CERT)
			return -1;
		l->cert[l->ncert] = c;
		l->certlen[l->ncert++] = hdr + len;
	}
	return 0;
}

/* The ContentInfo of l without its certificates field, in a new buffer,
 * with the lengths of l (indefinite ones stay so). */
static unsigned char *
cc_without_certs(const struct cc_layout *l, size_t *outlen)
{
	size_t sd = l->beforelen + l->afterlen;
	size_t ex = cc_element_size(sd, l->indef[2]);
	size_t ci = sizeof(cc_signed_data) + cc_element_size(ex, l->indef[1]);
	unsigned char *buf, *o;
	int i;

	*outlen = cc_element_size(ci, l->indef[0]);
	o = buf = xmalloc(*outlen);
	o = cc_put_header(o, 0x30, ci, l->indef[0]);
	memcpy(o, cc_signed_data, sizeof(cc_signed_data));
	o += sizeof(cc_signed_data);
	o = cc_put_header(o, 0xa0, ex, l->indef[1]);
	o = cc_put_header(o, 0x30, sd, l->indef[2]);
	memcpy(o, l->before, l->beforelen);
	o += l->beforelen;
	memcpy(o, l->after, l->afterlen);
	o += l->afterlen;
	for (i = 2; i >= 0; i--)
		if (l->indef[i]) {
			*o++ = 0;
			*o++ = 0;
		}
	return buf;
}

/* ---- the cache ---------------------------------------------------------------------- */

static size_t
cc_slot_of(const struct sign_cert_cache *c, const unsigned char *der, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ len;
	size_t i = len > 32 ? len - 32 : 0;

	for (; i < len; i++)
		h = (h ^ der[i]) * 1099511628211ULL;
	return (size_t)(h % c->nslots);
}

/* The parsed certificate of these DER bytes, with a reference; NULL if
 * they are not one. */
static X509 *
cc_get(struct sign_cert_cache *c, const unsigned char *der, size_t len)
{
	struct cc_slot *s = &c->slot[cc_slot_of(c, der, len)];
	const unsigned char *p = der;
	X509 *x = NULL;

	pthread_mutex_lock(&c->lock);
	if (s->x != NULL && s->len == len && memcmp(s->der, der, len) == 0) {
		x = s->x;
		X509_up_ref(x);
		c->hits++;
	}
	pthread_mutex_unlock(&c->lock);
	if (x != NULL)
		return x;
	/* parsed outside the lock; the slot is filled by whoever comes last */
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return NULL;
	}
	X509_up_ref(x);
	pthread_mutex_lock(&c->lock);
	c->misses++;
	X509_free(s->x);
	free(s->der);
	s->x = x;
	s->der = xmalloc(len);
	memcpy(s->der, der, len);
	s->len = len;
	pthread_mutex_unlock(&c->lock);
	return x;
}

static CMS_ContentInfo *
cc_read_whole(const unsigned char *der, size_t derlen)
{
	const unsigned char *p = der;

	return derlen <= 0x7fffffff ? d2i_CMS_ContentInfo(NULL, &p, (long)derlen) : NULL;
}

CMS_ContentInfo *
sign_cert_cache_read_cms(struct sign_cert_cache *c, const unsigned char *der,
    size_t derlen)
{
	struct cc_layout *l;
	X509 *x[CC_MAX_CERTS];
	CMS_ContentInfo *cms = NULL;
	const unsigned char *p;
	unsigned char *rest;
	size_t restlen, i, n;

	if (c == NULL || derlen > 0x7fffffff)
		return cc_read_whole(der, derlen);
	l = xmalloc(sizeof(*l));
	if (cc_layout(der, derlen, l) != 0) {
		free(l);
		return cc_read_whole(der, derlen);
	}
	for (n = 0; n < l->ncert; n++)
		if ((x[n] = cc_get(c, l->cert[n], l->certlen[n])) == NULL)
			break;
	if (n == l->ncert) {
		rest = cc_without_certs(l, &restlen);
		p = rest;
		cms = d2i_CMS_ContentInfo(NULL, &p, (long)restlen);
		free(rest);
	}
	for (i = 0; i < n; i++) {
		/* a certificate twice in the CMS is refused by CMS_add0_cert:
		 * one copy is as good as two */
		if (cms != NULL && CMS_add0_cert(cms, x[i]) == 1)
			continue;
		X509_free(x[i]);
	}
	free(l);
	ERR_clear_error();
	return cms != NULL ? cms : cc_read_whole(der, derlen);
}
