/*
 * fuzz_dkim_sign.c — libFuzzer target for what the DKIM signer reads from
 * a message: the header section cut into fields and each canonicalised
 * (dkim_sign_headers, dkim_canon_header), and the body through the relaxed
 * canonicaliser in two chunks cut at a place taken from the input, which
 * must give the same bytes as one chunk, and as RFC 6376 §3.4.4 read
 * literally.
 *   make fuzz && build/fuzz/fuzz_dkim_sign -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/dkim_sign.c"
#include "../../src/govmaild/spool.c"
#include "../unit/dkim_body_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_out {
	EVP_MD_CTX *md;
	unsigned long long n;
};

static void
fz_collect(void *arg, const char *p, size_t n)
{
	struct fz_out *o = arg;

	EVP_DigestUpdate(o->md, p, n);
	o->n += n;
}

static void
fz_body(const char *p, size_t len, size_t cut, unsigned char *md)
{
	struct fz_out o = { EVP_MD_CTX_new(), 0 };
	struct dkim_body_canon *bc = dkim_body_canon_new(fz_collect, &o);
	unsigned mdlen;

	EVP_DigestInit_ex(o.md, EVP_sha256(), NULL);
	dkim_body_canon_add(bc, p, cut);
	dkim_body_canon_add(bc, p + cut, len - cut);
	dkim_body_canon_end(bc);
	dkim_body_canon_free(bc);
	EVP_DigestFinal_ex(o.md, md, &mdlen);
	EVP_MD_CTX_free(o.md);
}

/* The reference canonical body (dkim_body_ref.h), into the digest. */
static void
fz_reference(const char *in, size_t n, unsigned char *md)
{
	size_t len;
	char *out = dkim_body_ref(in, n, &len);
	unsigned mdlen;

	if (out == NULL || !EVP_Digest(out, len, md, &mdlen, EVP_sha256(), NULL))
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	struct dkim_sign s;
	long long off;
	size_t i, cut;

	if (size < 1)
		return 0;
	memset(&s, 0, sizeof(s));
	off = dkim_sign_headers(&s, p + 1, size - 1);
	if (off < 0 && !s.overflow)
		abort();
	if (off > (long long)(size - 1))
		abort();
	for (i = 0; i < s.nf; i++) {
		if (s.f[i].len < 3 || memcmp(s.f[i].canon + s.f[i].len - 2, "\r\n", 2) != 0 ||
		    memchr(s.f[i].canon, ':', s.f[i].len) == NULL)
			abort();
		free(s.f[i].canon);
	}
	free(s.f);
	cut = data[0] % size;
	fz_body(p, size, 0, a);
	fz_body(p, size, cut, b);
	if (memcmp(a, b, 32) != 0)
		abort();
	fz_reference(p, size, b);
	if (memcmp(a, b, 32) != 0)
		abort();
	return 0;
}
