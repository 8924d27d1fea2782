/*
 * sign_pdfcost.c — the parse cost of a PDF's incremental updates, in
 * tokens (see sign_pdfcost.h).
 *
 * One pass of a small lexer. What a reader would parse is counted; what
 * it takes as bytes is skipped, but only where a reader would: a literal
 * string is one token to its balancing ')' (escapes honoured), a comment
 * runs to the end of its line, and "stream" starts stream data only right
 * after a dictionary that is the object's whole value — so "(stream)",
 * "% stream" or "[<< >> stream" cannot hide what follows from the count.
 * Stream data ends at the first "endstream" (a reader taking /Length
 * instead stops earlier, or finds no "endstream" and fails the file).
 * Names are compared after decoding "#xx" escapes, so /Obj#53tm is
 * /ObjStm. An object stream's or cross-reference stream's data is
 * inflated by zlib in pieces, counting as it goes, and stops with the
 * count at max: never more than a few hundred kilobytes are inflated.
 */
#include <limits.h>
#include <string.h>

#include <zlib.h>

#include "sign_pdfcost.h"

#define PDFCOST_NAME 32             /* longest name classified */
#define PDFCOST_CHUNK 16384         /* inflated at a time */
#define PDFCOST_OBJSTM_BYTES 64     /* an object stream's bytes per token */
#define PDFCOST_XREF_BYTES 8        /* a cross-reference stream's bytes per token */

struct pdfcost {
	const unsigned char *b;
	size_t i, to;
	size_t n, max;
	int depth;          /* [ and << nesting in the current object */
	int dict_closed;    /* the last token was a ">>" back at depth 0 */
	/* names seen since the object began */
	int objstm, xref, filter, flate, other;
};

static int
pdfcost_ws(int c)
{
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static int
pdfcost_delim(int c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' ||
	    c == '{' || c == '}' || c == '/' || c == '%';
}

static int
pdfcost_regular(int c)
{
	return !pdfcost_ws(c) && !pdfcost_delim(c);
}

static int
pdfcost_count(struct pdfcost *k, size_t add)
{
	k->n = add >= k->max - k->n ? k->max : k->n + add;
	return k->n < k->max;
}

static void
pdfcost_object_start(struct pdfcost *k)
{
	k->depth = 0;
	k->dict_closed = 0;
	k->objstm = k->xref = k->filter = k->flate = k->other = 0;
}

static int
pdfcost_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A name's text s[0 .. n) after '/', "#xx" decoded, noted if it matters. */
static void
pdfcost_name(struct pdfcost *k, const unsigned char *s, size_t n)
{
	static const char *const others[] = {
		"ASCIIHexDecode", "AHx", "ASCII85Decode", "A85", "LZWDecode", "LZW",
		"RunLengthDecode", "RL", "CCITTFaxDecode", "CCF", "JBIG2Decode",
		"DCTDecode", "DCT", "JPXDecode", "Crypt", NULL
	};
	char name[PDFCOST_NAME + 1];
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < n; i++) {
		if (o == PDFCOST_NAME)
			return;         /* longer than any name that matters */
		if (s[i] == '#' && i + 2 < n &&
		    (h = pdfcost_hex(s[i + 1])) >= 0 && (l = pdfcost_hex(s[i + 2])) >= 0) {
			name[o++] = (char)(h * 16 + l);
			i += 2;
		} else
			name[o++] = (char)s[i];
	}
	name[o] = '\0';
	if (strcmp(name, "ObjStm") == 0)
		k->objstm = 1;
	else if (strcmp(name, "XRef") == 0)
		k->xref = 1;
	else if (strcmp(name, "Filter") == 0)
		k->filter = 1;
	else if (strcmp(name, "FlateDecode") == 0 || strcmp(name, "Fl") == 0)
		k->flate++;
	else
		for (i = 0; others[i] != NULL; i++)
			if (strcmp(name, others[i]) == 0)
				k->other = 1;
}

/* Tokens of inflated object-stream text: runs and delimiters (a string's
 * words each count; an over-count, which is safe). *prev: the class of
 * the byte before p, kept between pieces. */
static size_t
pdfcost_text_tokens(const unsigned char *p, size_t n, int *prev)
{
	size_t i, t = 0;
	int r;

	for (i = 0; i < n; i++) {
		r = pdfcost_regular(p[i]);
		t += (size_t)(pdfcost_delim(p[i]) || (r && !*prev));
		*prev = r;
	}
	return t;
}

/* The data of an object stream (text) or a cross-reference stream,
 * inflated piece by piece and counted; 0 when the count reached max. */
static int
pdfcost_inflate(struct pdfcost *k, const unsigned char *in, size_t n, int text)
{
	unsigned char out[PDFCOST_CHUNK];
	z_stream z;
	int rc, prev = 0, go = 1;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return pdfcost_count(k, k->max);
	z.next_in = (unsigned char *)in;
	z.avail_in = n > UINT_MAX ? UINT_MAX : (unsigned)n;
	do {
		size_t got;

		z.next_out = out;
		z.avail_out = sizeof(out);
		rc = inflate(&z, Z_NO_FLUSH);
		got = sizeof(out) - z.avail_out;
		if (text)
			go = pdfcost_count(k, pdfcost_text_tokens(out, got, &prev) +
			    got / PDFCOST_OBJSTM_BYTES);
		else
			go = pdfcost_count(k, got / PDFCOST_XREF_BYTES);
	} while (go && rc == Z_OK && z.avail_out == 0);
	inflateEnd(&z);
	return go;
}

/* Stream data at k->i (just after "stream"): skipped to "endstream",
 * what a reader decodes counted. 0 when the count reached max. */
static int
pdfcost_stream(struct pdfcost *k)
{
	const unsigned char *e;
	size_t data = k->i, end;
	int decoded = k->objstm || k->xref, prev = 0;

	if (data < k->to && k->b[data] == '\r')
		data++;
	if (data < k->to && k->b[data] == '\n')
		data++;
	e = memmem(k->b + data, k->to - data, "endstream", 9);
	end = e != NULL ? (size_t)(e - k->b) : k->to;
	k->i = e != NULL ? end + 9 : k->to;
	if (!decoded)
		return 1;
	/* another filter, two, or one named indirectly: not told without decoding */
	if (k->other || k->flate > 1 || (k->filter && k->flate == 0))
		return pdfcost_count(k, k->max);
	if (k->flate)
		return pdfcost_inflate(k, k->b + data, end - data, k->objstm);
	if (k->objstm)
		return pdfcost_count(k, pdfcost_text_tokens(k->b + data, end - data, &prev) +
		    (end - data) / PDFCOST_OBJSTM_BYTES);
	return pdfcost_count(k, (end - data) / PDFCOST_XREF_BYTES);
}

/* A literal string from k->i (at '('), to its balancing ')'. */
static void
pdfcost_string(struct pdfcost *k)
{
	int nest = 0;

	for (; k->i < k->to; k->i++) {
		unsigned char c = k->b[k->i];

		if (c == '\\')
			k->i++;
		else if (c == '(')
			nest++;
		else if (c == ')' && --nest == 0) {
			k->i++;
			return;
		}
	}
}

static int
pdfcost_word(const unsigned char *s, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(s, w, n) == 0;
}

size_t
sign_pdfcost_tokens(const unsigned char *buf, size_t from, size_t to, size_t max)
{
	struct pdfcost k;

	memset(&k, 0, sizeof(k));
	k.b = buf;
	k.i = from;
	k.to = to;
	k.max = max;
	if (max == 0)
		return 0;
	while (k.i < k.to && k.n < k.max) {
		unsigned char c = buf[k.i];
		int closed = 0;

		if (pdfcost_ws(c)) {
			k.i++;
			continue;
		}
		if (c == '%') {         /* a comment, to the end of its line */
			while (k.i < k.to && buf[k.i] != '\r' && buf[k.i] != '\n')
				k.i++;
			continue;
		}
		if (c == '(')
			pdfcost_string(&k);
		else if (c == '<' && k.i + 1 < k.to && buf[k.i + 1] == '<') {
			k.depth++;
			k.i += 2;
		} else if (c == '<') {  /* a hexadecimal string */
			const unsigned char *e = memchr(buf + k.i, '>', k.to - k.i);

			k.i = e != NULL ? (size_t)(e - buf) + 1 : k.to;
		} else if (c == '>' && k.i + 1 < k.to && buf[k.i + 1] == '>') {
			if (k.depth > 0)
				k.depth--;
			closed = k.depth == 0;
			k.i += 2;
		} else if (c == '[') {
			k.depth++;
			k.i++;
		} else if (c == ']') {
			if (k.depth > 0)
				k.depth--;
			k.i++;
		} else if (c == '/') {
			size_t s = ++k.i;

			while (k.i < k.to && pdfcost_regular(buf[k.i]))
				k.i++;
			pdfcost_name(&k, buf + s, k.i - s);
		} else if (pdfcost_delim(c))
			k.i++;              /* ) > { } alone */
		else {
			size_t s = k.i;

			while (k.i < k.to && pdfcost_regular(buf[k.i]))
				k.i++;
			if (pdfcost_word(buf + s, k.i - s, "obj") || pdfcost_word(buf + s, k.i - s, "endobj"))
				pdfcost_object_start(&k);
			else if (pdfcost_word(buf + s, k.i - s, "stream") && k.dict_closed) {
				if (!pdfcost_stream(&k))
					break;
				pdfcost_object_start(&k);
				continue;
			}
		}
		k.dict_closed = closed;
		if (!pdfcost_count(&k, 1))
			break;
	}
	return k.n;
}
