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

/* RFC 6376 §3.4.4 read literally, a line (up to CRLF) at a time, into
 * the digest: what the streaming canonicaliser, with its quick path, must
 * give. */
static void
fz_reference(const char *in, size_t n, unsigned char *md)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *line = malloc(n + 1);
	size_t pos = 0, end, i, l, empty = 0;
	unsigned mdlen;

	if (ctx == NULL || line == NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		abort();
	while (pos < n) {
		int wsp = 0, crlf = 0;

		for (end = pos; end + 1 < n; end++)
			if (in[end] == '\r' && in[end + 1] == '\n') {
				crlf = 1;
				break;
			}
		if (!crlf)
			end = n;
		for (l = 0, i = pos; i < end; i++) {
			if (in[i] == ' ' || in[i] == '\t') {
				wsp = 1;
				continue;
			}
			if (wsp)
				line[l++] = ' ';
			wsp = 0;
			line[l++] = in[i];
		}
		if (l == 0)
			empty++;
		else {
			for (; empty > 0; empty--)
				EVP_DigestUpdate(ctx, "\r\n", 2);
			EVP_DigestUpdate(ctx, line, l);
			EVP_DigestUpdate(ctx, "\r\n", 2);
		}
		pos = crlf ? end + 2 : n;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	free(line);
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
