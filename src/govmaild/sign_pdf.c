/*
 * sign_pdf.c — the signatures of a PDF, located in its bytes (see
 * sign_pdf.h). Everything is bounded by the buffer: numbers have at most
 * 15 digits, a /ByteRange is read within 200 bytes, and the scan is one
 * pass of memmem over the file.
 */
#include <stdlib.h>
#include <string.h>

#include "sign_pdf.h"
#include "xmalloc.h"

#define SIGN_PDF_KEY "/ByteRange"
#define SIGN_PDF_CONTENTS "/Contents"

int
sign_pdf_is_pdf(const unsigned char *buf, size_t len)
{
	return memmem(buf, len < 1024 ? len : 1024, "%PDF-", 5) != NULL;
}

static int
sign_pdf_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\0';
}

static int
sign_pdf_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "[a b c d]" at p (up to end) into r; 0, or -1 if it is not that. */
static int
sign_pdf_ranges(const unsigned char *p, const unsigned char *end, size_t r[4])
{
	int i, digits;

	while (p < end && sign_pdf_space(*p))
		p++;
	if (p >= end || *p++ != '[')
		return -1;
	for (i = 0; i < 4; i++) {
		while (p < end && sign_pdf_space(*p))
			p++;
		r[i] = 0;
		for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits == 15)
				return -1;
			r[i] = r[i] * 10 + (size_t)(*p - '0');
		}
		if (digits == 0)
			return -1;
	}
	while (p < end && sign_pdf_space(*p))
		p++;
	return p < end && *p == ']' ? 0 : -1;
}

/* Is buf[off, off+len) a hex string "<...>" preceded by "/Contents"? */
static int
sign_pdf_gap_is_contents(const unsigned char *buf, size_t off, size_t len)
{
	size_t i, k = sizeof(SIGN_PDF_CONTENTS) - 1;

	if (len < 2 || buf[off] != '<' || buf[off + len - 1] != '>')
		return 0;
	for (i = off + 1; i < off + len - 1; i++)
		if (sign_pdf_hexval(buf[i]) < 0 && !sign_pdf_space(buf[i]))
			return 0;
	i = off;
	while (i > 0 && sign_pdf_space(buf[i - 1]))
		i--;
	return i >= k && memcmp(buf + i - k, SIGN_PDF_CONTENTS, k) == 0;
}

/* Fill sig from the ranges r of a file of len bytes. */
static void
sign_pdf_check(const unsigned char *buf, size_t len, const size_t r[4],
    struct sign_pdf_sig *sig)
{
	memcpy(sig->range, r, sizeof(sig->range));
	sig->problem = NULL;
	if (r[0] != 0)
		sig->problem = "ByteRange does not start at the beginning of the file";
	else if (r[1] > len || r[2] > len || r[3] > len - r[2])
		sig->problem = "ByteRange goes beyond the end of the file";
	else if (r[2] <= r[1])
		sig->problem = "ByteRange ranges overlap or are out of order";
	else {
		sig->gap_off = r[1];
		sig->gap_len = r[2] - r[1];
		if (!sign_pdf_gap_is_contents(buf, sig->gap_off, sig->gap_len))
			sig->problem = "ByteRange gap is not exactly the signature value";
	}
}

void
sign_pdf_find(const unsigned char *buf, size_t len, struct sign_pdf_found *out)
{
	const unsigned char *p = buf, *end = buf + len, *hit;
	size_t klen = sizeof(SIGN_PDF_KEY) - 1, r[4], i, reach = 0, e;
	struct sign_pdf_sig sig;

	memset(out, 0, sizeof(*out));
	while (p < end && (hit = memmem(p, (size_t)(end - p), SIGN_PDF_KEY, klen)) != NULL) {
		p = hit + klen;
		memset(&sig, 0, sizeof(sig));
		if (sign_pdf_ranges(p, end - p > 200 ? p + 200 : end, r) != 0) {
			sig.problem = "ByteRange is malformed";
		} else {
			sign_pdf_check(buf, len, r, &sig);
			/* The same dictionary written twice is one signature. */
			for (i = 0; i < out->nsig; i++)
				if (memcmp(out->sig[i].range, sig.range, sizeof(sig.range)) == 0)
					break;
			if (i < out->nsig)
				continue;
		}
		if (out->nsig == SIGN_PDF_MAX_SIGS) {
			out->more = 1;
			break;
		}
		out->sig[out->nsig] = sig;
		if (sig.problem == NULL && (e = sig.range[2] + sig.range[3]) >= reach) {
			reach = e;
			out->last = out->nsig;
		}
		out->nsig++;
	}
	out->whole = out->nsig > 0 && out->sig[out->last].problem == NULL && reach == len;
}

unsigned char *
sign_pdf_value(const unsigned char *buf, const struct sign_pdf_sig *sig, size_t max_len,
    size_t *derlen)
{
	const unsigned char *p, *end;
	unsigned char *der;
	size_t n = 0;
	int hi = -1, v;

	if (sig->problem != NULL || sig->gap_len < 2 || (sig->gap_len - 2) / 2 > max_len)
		return NULL;
	p = buf + sig->gap_off + 1;
	end = buf + sig->gap_off + sig->gap_len - 1;
	der = xmalloc((size_t)(end - p) / 2 + 1);
	for (; p < end; p++) {
		if (sign_pdf_space(*p))
			continue;
		if ((v = sign_pdf_hexval(*p)) < 0) {
			free(der);
			return NULL;
		}
		if (hi < 0)
			hi = v;
		else {
			der[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)    /* an odd digit count: the last is followed by 0 */
		der[n++] = (unsigned char)(hi << 4);
	if (n == 0) {
		free(der);
		return NULL;
	}
	*derlen = n;
	return der;
}
