/*
 * sign_pdf.c — the signatures of a PDF, located in its bytes (see
 * sign_pdf.h). Everything is bounded by the buffer: numbers have at most
 * 15 digits, a /ByteRange is read within 200 bytes, at most
 * SIGN_PDF_MAX_HITS of them are read, the search is one pass of memmem
 * over the file, and signature values (gaps) are scanned only where they
 * overlap no other: each byte at most once.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sign_pdf.h"
#include "xmalloc.h"

#define SIGN_PDF_KEY "/ByteRange"
#define SIGN_PDF_CONTENTS "/Contents"
/* "/ByteRange" occurrences looked at in one file, kept or not. */
#define SIGN_PDF_MAX_HITS (4 * SIGN_PDF_MAX_SIGS)

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

/* Each byte as a hex digit (0-15), PDF white space (SIGN_PDF_WS) or
 * anything else (SIGN_PDF_BAD): one table look-up per byte of a value. */
#define SIGN_PDF_WS 16
#define SIGN_PDF_BAD 17
static unsigned char sign_pdf_hex[256];
static pthread_once_t sign_pdf_hex_once = PTHREAD_ONCE_INIT;

static void
sign_pdf_hex_fill(void)
{
	int c;

	for (c = 0; c < 256; c++)
		sign_pdf_hex[c] = c >= '0' && c <= '9' ? (unsigned char)(c - '0') :
		    c >= 'a' && c <= 'f' ? (unsigned char)(c - 'a' + 10) :
		    c >= 'A' && c <= 'F' ? (unsigned char)(c - 'A' + 10) :
		    sign_pdf_space((unsigned char)c) ? SIGN_PDF_WS : SIGN_PDF_BAD;
}

static void
sign_pdf_hex_init(void)
{
	pthread_once(&sign_pdf_hex_once, sign_pdf_hex_fill);
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
		if (sign_pdf_hex[buf[i]] == SIGN_PDF_BAD)
			return 0;
	i = off;
	while (i > 0 && sign_pdf_space(buf[i - 1]))
		i--;
	return i >= k && memcmp(buf + i - k, SIGN_PDF_CONTENTS, k) == 0;
}

/* Fill sig from the ranges r of a file of len bytes: the ranges only, the
 * gap is looked at by sign_pdf_gap (once per file, see sign_pdf_find). */
static void
sign_pdf_check(size_t len, const size_t r[4], struct sign_pdf_sig *sig)
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
	}
}

/* Is the gap of sig (checked ranges) usable next to the signatures found
 * so far? Another signature's value, or part of one, is not; a gap that
 * overlaps none is scanned — so no byte of the file is scanned twice. */
static void
sign_pdf_gap(const unsigned char *buf, const struct sign_pdf_found *out,
    struct sign_pdf_sig *sig)
{
	size_t i, a = sig->gap_off, b = sig->gap_off + sig->gap_len;

	for (i = 0; i < out->nsig; i++) {
		const struct sign_pdf_sig *o = &out->sig[i];

		if (o->problem == NULL && a < o->gap_off + o->gap_len && o->gap_off < b) {
			sig->problem = "ByteRange gap is another signature's value";
			return;
		}
	}
	if (!sign_pdf_gap_is_contents(buf, sig->gap_off, sig->gap_len))
		sig->problem = "ByteRange gap is not exactly the signature value";
}

/* Incremental signing puts each signature's value in its own revision,
 * after everything the earlier signatures cover: sorted by their values,
 * signature k covers up to at most the start of signature k+1's value.
 * One that does not is refused (its ranges overlap another's), which also
 * keeps the hashing of all signatures linear in the file (sign_verify.c
 * digests them in this order, sharing the prefix). */
static void
sign_pdf_order(struct sign_pdf_found *out)
{
	size_t idx[SIGN_PDF_MAX_SIGS], n = 0, i, j, t;

	for (i = 0; i < out->nsig; i++)
		if (out->sig[i].problem == NULL)
			idx[n++] = i;
	for (i = 1; i < n; i++)         /* insertion sort: n <= 32 */
		for (j = i; j > 0 && out->sig[idx[j]].gap_off < out->sig[idx[j - 1]].gap_off; j--) {
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	for (i = 1; i < n; i++) {
		const struct sign_pdf_sig *a = &out->sig[idx[i - 1]];
		struct sign_pdf_sig *b = &out->sig[idx[i]];

		if (a->range[2] + a->range[3] > b->gap_off)
			b->problem = "ByteRange overlaps what another signature covers";
	}
}

void
sign_pdf_find(const unsigned char *buf, size_t len, struct sign_pdf_found *out)
{
	const unsigned char *p = buf, *end = buf + len, *hit;
	size_t klen = sizeof(SIGN_PDF_KEY) - 1, r[4], i, reach = 0, e, hits = 0;
	struct sign_pdf_sig sig;

	memset(out, 0, sizeof(*out));
	sign_pdf_hex_init();
	while (p < end && (hit = memmem(p, (size_t)(end - p), SIGN_PDF_KEY, klen)) != NULL) {
		p = hit + klen;
		/* every occurrence counts, kept or not: the work is bounded */
		if (++hits > SIGN_PDF_MAX_HITS) {
			out->more = 1;
			break;
		}
		memset(&sig, 0, sizeof(sig));
		if (sign_pdf_ranges(p, end - p > 200 ? p + 200 : end, r) != 0) {
			sig.problem = "ByteRange is malformed";
		} else {
			/* The same dictionary written twice is one signature:
			 * recognised before anything else is looked at. */
			for (i = 0; i < out->nsig; i++)
				if (memcmp(out->sig[i].range, r, sizeof(r)) == 0)
					break;
			if (i < out->nsig)
				continue;
			sign_pdf_check(len, r, &sig);
			if (sig.problem == NULL)
				sign_pdf_gap(buf, out, &sig);
		}
		if (out->nsig == SIGN_PDF_MAX_SIGS) {
			out->more = 1;
			break;
		}
		out->sig[out->nsig++] = sig;
	}
	sign_pdf_order(out);
	for (i = 0; i < out->nsig; i++) {
		const struct sign_pdf_sig *s = &out->sig[i];

		if (s->problem == NULL && (e = s->range[2] + s->range[3]) >= reach) {
			reach = e;
			out->last = i;
		}
	}
	out->whole = out->nsig > 0 && out->sig[out->last].problem == NULL && reach == len;
	out->tail_xref = !out->whole && memmem(buf + reach, len - reach, "startxref", 9) != NULL;
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
	sign_pdf_hex_init();
	p = buf + sig->gap_off + 1;
	end = buf + sig->gap_off + sig->gap_len - 1;
	der = xmalloc((size_t)(end - p) / 2 + 1);
	for (; p < end; p++) {
		/* two digits in a row, the usual case, in one step */
		if (hi < 0 && end - p >= 2 && (v = sign_pdf_hex[p[0]]) < 16 &&
		    sign_pdf_hex[p[1]] < 16) {
			der[n++] = (unsigned char)(v << 4 | sign_pdf_hex[p[1]]);
			p++;
			continue;
		}
		if ((v = sign_pdf_hex[*p]) == SIGN_PDF_WS)
			continue;
		if (v == SIGN_PDF_BAD) {
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
