/*
 * sign_dss.c — a PDF's /DSS validation data (see sign_dss.h).
 *
 * Objects are looked up by scanning for the "obj" keyword once per level
 * of indirection (the DSS dictionary, its streams, their indirect
 * lengths), never once per object, so the work stays a few passes over
 * the file however many entries the dictionary lists. The last
 * definition of an object wins, as with incremental updates.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "sign_dss.h"
#include "sign_revinfo.h"
#include "xmalloc.h"

/* Entries read from each of /OCSPs, /CRLs, /Certs at most. */
#define DSS_MAX_REFS 16
/* Bytes of the DSS dictionary, and of one stream, at most. */
#define DSS_MAX_DICT 65536
#define DSS_MAX_STREAM (1024 * 1024)

struct dss_ref {
	unsigned long num, gen;
	size_t off;             /* just after "obj"; 0: not found */
};

static int
dss_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

static int
dss_delim(unsigned char c)
{
	return dss_ws(c) || c == '/' || c == '<' || c == '>' || c == '[' || c == ']' ||
	    c == '(' || c == ')' || c == '{' || c == '}' || c == '%';
}

static size_t
dss_skip_ws(const unsigned char *b, size_t i, size_t end)
{
	while (i < end && dss_ws(b[i]))
		i++;
	return i;
}

/* An unsigned integer at b[*i] (at most 10 digits); -1 if none. */
static int
dss_uint(const unsigned char *b, size_t *i, size_t end, unsigned long *v)
{
	size_t k = *i;

	*v = 0;
	while (k < end && k - *i < 10 && b[k] >= '0' && b[k] <= '9')
		*v = *v * 10 + (unsigned long)(b[k++] - '0');
	if (k == *i || (k < end && b[k] >= '0' && b[k] <= '9'))
		return -1;
	*i = k;
	return 0;
}

/* "N G R" at b[*i]; moves *i past it. */
static int
dss_ref_at(const unsigned char *b, size_t *i, size_t end, unsigned long *num,
    unsigned long *gen)
{
	size_t k = dss_skip_ws(b, *i, end);

	if (dss_uint(b, &k, end, num) != 0 || (k = dss_skip_ws(b, k, end)) == end ||
	    dss_uint(b, &k, end, gen) != 0 || (k = dss_skip_ws(b, k, end)) == end ||
	    b[k] != 'R' || (k + 1 < end && !dss_delim(b[k + 1])))
		return -1;
	*i = k + 1;
	return 0;
}

/* One pass: the last "N G obj" of each ref, offset after "obj". */
static void
dss_find_objs(const unsigned char *b, size_t len, struct dss_ref *refs, size_t nrefs)
{
	const unsigned char *p = b, *q;
	size_t i, k, at;
	unsigned long num, gen;

	for (i = 0; i < nrefs; i++)
		refs[i].off = 0;
	while ((q = memmem(p, len - (size_t)(p - b), "obj", 3)) != NULL) {
		at = (size_t)(q - b);
		p = q + 3;
		if (at == 0 || !dss_ws(b[at - 1]) || (at + 3 < len && !dss_delim(b[at + 3])))
			continue;
		/* back over " G " and "N" */
		k = at;
		while (k > 0 && dss_ws(b[k - 1]))
			k--;
		while (k > 0 && b[k - 1] >= '0' && b[k - 1] <= '9' && at - k < 16)
			k--;
		while (k > 0 && dss_ws(b[k - 1]))
			k--;
		while (k > 0 && b[k - 1] >= '0' && b[k - 1] <= '9' && at - k < 40)
			k--;
		if (k > 0 && !dss_ws(b[k - 1]))
			continue;
		if (dss_uint(b, &k, at, &num) != 0 || (k = dss_skip_ws(b, k, at)) == at ||
		    dss_uint(b, &k, at, &gen) != 0)
			continue;
		for (i = 0; i < nrefs; i++)
			if (refs[i].num == num && refs[i].gen == gen)
				refs[i].off = at + 3;
	}
}

/* The dictionary "<< ... >>" starting at b[i] (after whitespace): its
 * bounds [*s, *e) within max bytes; -1 if there is none. */
static int
dss_dict(const unsigned char *b, size_t i, size_t len, size_t max, size_t *s, size_t *e)
{
	size_t k = dss_skip_ws(b, i, len), end;
	int depth = 0;

	if (k + 2 > len || b[k] != '<' || b[k + 1] != '<')
		return -1;
	end = len - k > max ? k + max : len;
	*s = k;
	for (; k + 1 < end; k++) {
		if (b[k] == '<' && b[k + 1] == '<') {
			depth++;
			k++;
		} else if (b[k] == '>' && b[k + 1] == '>') {
			k++;
			if (--depth == 0) {
				*e = k + 1;
				return 0;
			}
		}
	}
	return -1;
}

/* The value after key (e.g. "/OCSPs") in the dictionary [s, e): its
 * offset, or 0 when the key is absent. */
static size_t
dss_key(const unsigned char *b, size_t s, size_t e, const char *key)
{
	size_t kl = strlen(key), i = s;
	const unsigned char *q;

	while (i < e && (q = memmem(b + i, e - i, key, kl)) != NULL) {
		i = (size_t)(q - b) + kl;
		if (i < e && dss_delim(b[i]))
			return i;
	}
	return 0;
}

/* The references of the array value at b[i] into refs (at most max). */
static size_t
dss_array(const unsigned char *b, size_t i, size_t e, struct dss_ref *refs, size_t max)
{
	size_t n = 0;

	i = dss_skip_ws(b, i, e);
	if (i >= e || b[i] != '[')
		return 0;
	i++;
	while (n < max && dss_ref_at(b, &i, e, &refs[n].num, &refs[n].gen) == 0)
		n++;
	return n;
}

enum dss_kind { DSS_OCSP, DSS_CRL, DSS_CERT, DSS_KINDS };

/* data (dlen bytes, zlib/deflate) inflated into a new buffer of at most
 * DSS_MAX_STREAM bytes; NULL when it is not that. */
static unsigned char *
dss_inflate(const unsigned char *data, size_t dlen, size_t *outlen)
{
	unsigned char *out = xmalloc(DSS_MAX_STREAM);
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)dlen;
	z.next_out = out;
	z.avail_out = DSS_MAX_STREAM;
	rc = inflate(&z, Z_FINISH);
	*outlen = DSS_MAX_STREAM - z.avail_out;
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

/* The stream of object ref: its data and length; -1 when it is not a
 * stream within the file, unfiltered or /FlateDecode (*flate set; without
 * decode parameters). lens: the indirect lengths found. */
static int
dss_stream(const unsigned char *b, size_t len, const struct dss_ref *ref,
    const struct dss_ref *lens, size_t nlens, const unsigned char **data, size_t *dlen,
    int *flate, struct dss_ref *want_len)
{
	size_t s, e, v, k;
	unsigned long l = 0, num, gen;

	if (ref->off == 0 || dss_dict(b, ref->off, len, 4096, &s, &e) != 0)
		return -1;
	*flate = 0;
	if ((v = dss_key(b, s, e, "/Filter")) != 0) {
		v = dss_skip_ws(b, v, e);
		if (e - v < 12 || memcmp(b + v, "/FlateDecode", 12) != 0 ||
		    (v + 12 < e && !dss_delim(b[v + 12])) || dss_key(b, s, e, "/DecodeParms") != 0)
			return -1;
		*flate = 1;
	}
	if ((v = dss_key(b, s, e, "/Length")) == 0)
		return -1;
	k = v;
	if (dss_ref_at(b, &k, e, &num, &gen) == 0) {
		if (want_len != NULL) {
			want_len->num = num;
			want_len->gen = gen;
		}
		for (k = 0; k < nlens; k++)
			if (lens[k].num == num && lens[k].gen == gen && lens[k].off != 0)
				break;
		if (k == nlens)
			return -1;
		v = dss_skip_ws(b, lens[k].off, len);
		if (dss_uint(b, &v, len, &l) != 0)
			return -1;
	} else {
		v = dss_skip_ws(b, v, e);
		if (dss_uint(b, &v, e, &l) != 0)
			return -1;
	}
	k = dss_skip_ws(b, e, len);
	if (len - k < 7 || memcmp(b + k, "stream", 6) != 0)
		return -1;
	k += 6;
	if (b[k] == '\r')
		k++;
	if (k >= len || b[k] != '\n')
		return -1;
	k++;
	if (l == 0 || l > DSS_MAX_STREAM || l > len - k)
		return -1;
	*data = b + k;
	*dlen = l;
	return 0;
}

struct sign_revinfo *
sign_dss_read(const unsigned char *buf, size_t len)
{
	static const char *const keys[DSS_KINDS] = { "/OCSPs", "/CRLs", "/Certs" };
	struct dss_ref dss = { 0, 0, 0 }, refs[DSS_KINDS * DSS_MAX_REFS], lens[DSS_KINDS * DSS_MAX_REFS];
	size_t nrefs[DSS_KINDS], n = 0, nlens = 0, i, k, s, e, v;
	const unsigned char *p = buf, *q, *data;
	struct sign_revinfo *r;
	unsigned char *inflated;
	size_t dlen;
	int found = 0, kind, added = 0, flate;

	/* the catalog of the last revision that has one names the DSS */
	while ((q = memmem(p, len - (size_t)(p - buf), "/DSS", 4)) != NULL) {
		size_t at = (size_t)(q - buf) + 4;
		unsigned long num, gen;

		p = q + 4;
		if (at < len && dss_ws(buf[at]) && dss_ref_at(buf, &at, len, &num, &gen) == 0) {
			dss.num = num;
			dss.gen = gen;
			found = 1;
		}
	}
	if (!found)
		return NULL;
	dss_find_objs(buf, len, &dss, 1);
	if (dss.off == 0 || dss_dict(buf, dss.off, len, DSS_MAX_DICT, &s, &e) != 0)
		return NULL;
	for (kind = 0; kind < DSS_KINDS; kind++) {
		nrefs[kind] = (v = dss_key(buf, s, e, keys[kind])) != 0 ?
		    dss_array(buf, v, e, refs + n, DSS_MAX_REFS) : 0;
		n += nrefs[kind];
	}
	if (n == 0)
		return NULL;
	dss_find_objs(buf, len, refs, n);
	/* indirect lengths: found in one more pass */
	for (i = 0; i < n; i++) {
		struct dss_ref want = { 0, 0, 0 };

		if (dss_stream(buf, len, &refs[i], NULL, 0, &data, &dlen, &flate, &want) != 0 &&
		    want.num != 0 && nlens < sizeof(lens) / sizeof(lens[0]))
			lens[nlens++] = want;
	}
	if (nlens > 0)
		dss_find_objs(buf, len, lens, nlens);
	r = sign_revinfo_new();
	for (kind = 0, i = 0; kind < DSS_KINDS; kind++)
		for (k = 0; k < nrefs[kind]; k++, i++) {
			if (dss_stream(buf, len, &refs[i], lens, nlens, &data, &dlen, &flate,
			    NULL) != 0)
				continue;
			inflated = NULL;
			if (flate && (data = inflated = dss_inflate(data, dlen, &dlen)) == NULL)
				continue;
			if ((kind == DSS_OCSP ? sign_revinfo_add_ocsp(r, data, dlen) :
			    kind == DSS_CRL ? sign_revinfo_add_crl(r, data, dlen) :
			    sign_revinfo_add_cert(r, data, dlen)) == 0)
				added++;
			free(inflated);
		}
	if (added == 0) {
		sign_revinfo_free(r);
		return NULL;
	}
	return r;
}
