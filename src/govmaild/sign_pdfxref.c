/*
 * sign_pdfxref.c — the objects an incremental update redefined after a
 * signed revision, and the unchanged objects read from their bytes (see
 * sign_pdfxref.h).
 *
 * The final file's cross-reference chain is followed from its startxref
 * through /Prev: every section at or after the revision's end is an
 * update, and the first section before it must be the one the revision's
 * own startxref names — then both readers resolve every object no update
 * names through the same sections, to the same bytes. Only what a strict
 * reader reads the same way is accepted: standard 20-byte entries, no
 * free entry but object 0's, no /XRefStm, no /Encrypt (the key would come
 * from the final trailer's /ID), one generation per object.
 *
 * Cross-reference streams (PDF 1.5, what qpdf writes with object streams
 * and pdfsig appends to such files) are read too: a well-formed
 * "N 0 obj << /Type /XRef ... >> stream" with a direct /Length, /W of at
 * most 8 bytes a field, /Index (or [0 /Size]), unfiltered or /FlateDecode
 * inflated by zlib into exactly the bytes the entries take (never more),
 * with no predictor or the PNG predictor (/Predictor 10-15, /Columns the
 * width of a row; rows filtered None or Up: what qpdf and poppler write).
 * Anything else, or more decoded bytes than PDFXREF_INFLATE_BUDGET for
 * the file, and qpdf reads every object as before. An object stored in an
 * object stream (type 2 entry) is never scanned here; it counts as
 * redefined (qpdf compares it) when a later section names it or the
 * object stream holding it.
 *
 * An unchanged object is read by a small tokenizer that accepts only what
 * is exactly well formed ("N G obj", one value, "endobj", or a stream
 * whose direct /Length ends at "endstream"; no comment, no unbalanced
 * string, no '#00' in a name); its references ("N G R") are collected at
 * any depth. Anything else is "not scanned", and qpdf reads the object,
 * with its warnings, as before.
 * Not for: judging changes (sign_pdfrev.c).
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "sign_pdfxref.h"
#include "xmalloc.h"

#define PDFXREF_MAX_ID (1 << 22)        /* object numbers accepted */
#define PDFXREF_MAX_SECTIONS 4096
#define PDFXREF_MAX_DEPTH 32
#define PDFXREF_MAX_KEYS 128            /* keys of one dictionary (compared pairwise) */
#define PDFXREF_TAIL 1024               /* startxref is looked for this near the end */

struct pdfxref_ent {
	int id, gen;
	size_t off;                 /* 0 for an object in an object stream */
	int stm;                    /* that object stream's number, or 0 */
	int post;                   /* in a section after the revision */
};

/* Decoded cross-reference stream bytes one file may take in all. */
#define PDFXREF_INFLATE_BUDGET(len) (8 * (len) + 65536)
#define PDFXREF_MAX_W 8             /* bytes of one field of an entry */
#define PDFXREF_MAX_SUBSECTIONS 512 /* /Index pairs of an xref stream */

struct sign_pdfxref {
	const unsigned char *buf;
	size_t len, end;
	int maxid;
	unsigned char *redef;       /* [id]: named by a later section */
	size_t *off;                /* [id]: offset in the revision, 0: none */
	int *stm;                   /* [id]: the object stream holding it, 0: none */
	int *gen;
	struct sign_pdfxref_obj **cache;
	unsigned char *tried;
	size_t scanned;             /* bytes tokenized so far (objects may overlap) */
};

/* Bytes the scans of one revision may tokenize in all, past which objects
 * are left to qpdf: objects can overlap (an object's header inside another's
 * string), and every scan must not read the same bytes again. */
#define PDFXREF_SCAN_BUDGET(x) (2 * (x)->end + 65536)

/* ---- bytes ------------------------------------------------------------------- */

static int
pdfxref_ws(int c)
{
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static int
pdfxref_delim(int c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' ||
	    c == '{' || c == '}' || c == '/' || c == '%';
}

struct pdfxref_lex {
	const unsigned char *b;
	size_t p, lim;
};

static void
pdfxref_skip(struct pdfxref_lex *l)
{
	while (l->p < l->lim && pdfxref_ws(l->b[l->p]))
		l->p++;
}

/* Is the keyword kw at p, followed by white space, a delimiter or the end? */
static int
pdfxref_kw(const struct pdfxref_lex *l, const char *kw)
{
	size_t n = strlen(kw);

	if (l->p + n > l->lim || memcmp(l->b + l->p, kw, n) != 0)
		return 0;
	return l->p + n == l->lim || pdfxref_ws(l->b[l->p + n]) || pdfxref_delim(l->b[l->p + n]);
}

/* Digits at p (at most 18): their value, p moved; -1 when none. */
static long long
pdfxref_uint(struct pdfxref_lex *l)
{
	long long v = 0;
	size_t s = l->p;

	while (l->p < l->lim && l->b[l->p] >= '0' && l->b[l->p] <= '9' && l->p - s < 18)
		v = v * 10 + (l->b[l->p++] - '0');
	if (l->p == s || (l->p < l->lim && l->b[l->p] >= '0' && l->b[l->p] <= '9'))
		return -1;
	return v;
}

/* ---- one value ------------------------------------------------------------------ */

/* What a scan of one object found. */
struct pdfxref_scan {
	int *refs;
	size_t nrefs;
	int keys_ok[2];             /* top-level keys all on the allow list: stream, font */
	int type_ok[2];             /* /Type and /Subtype values allowed (or absent): same */
	int numbers_only;           /* a top-level array of numbers only */
	long long length;           /* a direct /Length, -1 otherwise */
	long long prev;             /* a trailer's /Prev, -1 otherwise */
	long long size;             /* a trailer's direct /Size, -1 otherwise */
	int forbidden;              /* a trailer's /XRefStm or /Encrypt */
	long long xrefstm;          /* a trailer's direct /XRefStm, -1 otherwise */
};

/*
 * A lenient reading, for counting what a reader parses (sign_pdfxref_reach):
 * free entries and entries of unknown type are passed over, /XRefStm and
 * /Encrypt accepted; where each section's dictionary starts is kept.
 */
struct pdfxref_lenient {
	size_t *dicts;
	size_t ndicts;
	size_t rows;                /* entries read, passed over ones included */
	long long xrefstm;          /* the last trailer's /XRefStm, -1: none */
};

/* Keys of a large stream the structure analysis never reads. */
static const char *const pdfxref_stream_keys[] = {
	"Length", "Filter", "DecodeParms", "DL", "Length1", "Length2", "Length3", "Width",
	"Height", "BitsPerComponent", "ColorSpace", "SMask", "Mask", "ImageMask", "Decode",
	"Interpolate", "Intent", "BBox", "Matrix", "Resources", "Group", "FormType", "N",
	"Alternate", "Range", "Name", "Type", "Subtype", NULL
};
static const char *const pdfxref_stream_types[] = {
	"XObject", "Metadata", "EmbeddedFile", "Image", "Form", "XML", "Type1C",
	"CIDFontType0C", "OpenType", NULL
};
/* ... and of a font or font descriptor dictionary. */
static const char *const pdfxref_font_keys[] = {
	"Type", "Subtype", "BaseFont", "Encoding", "DescendantFonts", "ToUnicode",
	"FontDescriptor", "W", "DW", "W2", "DW2", "CIDSystemInfo", "CIDToGIDMap", "FirstChar",
	"LastChar", "Widths", "FontBBox", "FontMatrix", "CharProcs", "Resources", "Name",
	"FontName", "Flags", "ItalicAngle", "Ascent", "Descent", "CapHeight", "StemV", "StemH",
	"XHeight", "AvgWidth", "MaxWidth", "MissingWidth", "Leading", "FontFile", "FontFile2",
	"FontFile3", "CharSet", "FontFamily", "FontStretch", "FontWeight", "Style", "Lang",
	"CIDSet", "FD", NULL
};
static const char *const pdfxref_font_types[] = {
	"Font", "FontDescriptor", "Type0", "Type1", "MMType1", "TrueType", "Type3",
	"CIDFontType0", "CIDFontType2", NULL
};

static int
pdfxref_in(const char *const *list, const unsigned char *s, size_t n)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && memcmp(*list, s, n) == 0)
			return 1;
	return 0;
}

/* A name at p ('/' included): its text without the '/'; 0 when malformed. */
static int
pdfxref_name(struct pdfxref_lex *l, const unsigned char **s, size_t *n)
{
	size_t st = ++l->p;

	while (l->p < l->lim && !pdfxref_ws(l->b[l->p]) && !pdfxref_delim(l->b[l->p])) {
		unsigned char c = l->b[l->p];

		if (c < 0x21 || c > 0x7e)
			return 0;
		if (c == '#') {
			if (l->p + 2 >= l->lim || !strchr("0123456789abcdefABCDEF", l->b[l->p + 1]) ||
			    !strchr("0123456789abcdefABCDEF", l->b[l->p + 2]) || l->b[l->p + 1] == 0 ||
			    l->b[l->p + 2] == 0 || (l->b[l->p + 1] == '0' && l->b[l->p + 2] == '0'))
				return 0;
			l->p += 2;
		}
		l->p++;
	}
	*s = l->b + st;
	*n = l->p - st;
	return *n > 0 && *n < 128;
}

/* A number at p; a reference "N G R" when it is one (*ref set). */
static int
pdfxref_number(struct pdfxref_lex *l, struct pdfxref_scan *s, long long *ival, int *is_int)
{
	size_t st = l->p, q;
	int digits = 0, dot = 0;
	long long a, b;

	*is_int = 0;
	if (l->b[l->p] == '+' || l->b[l->p] == '-')
		l->p++;
	for (; l->p < l->lim && ((l->b[l->p] >= '0' && l->b[l->p] <= '9') || l->b[l->p] == '.'); l->p++) {
		if (l->b[l->p] == '.' && dot++)
			return 0;
		if (l->b[l->p] != '.')
			digits++;
	}
	if (digits == 0 || digits > 18 || (l->p < l->lim && !pdfxref_ws(l->b[l->p]) &&
	    !pdfxref_delim(l->b[l->p])))
		return 0;
	if (dot || l->b[st] == '+' || l->b[st] == '-')
		return 1;
	/* an unsigned integer: "N G R"? */
	q = l->p;
	{
		struct pdfxref_lex t = *l;

		t.p = st;
		a = pdfxref_uint(&t);
		*ival = a;
		*is_int = 1;
		t.p = q;
		if (t.p < t.lim && pdfxref_ws(t.b[t.p])) {
			pdfxref_skip(&t);
			if (t.p < t.lim && t.b[t.p] >= '0' && t.b[t.p] <= '9' && (b = pdfxref_uint(&t)) >= 0 &&
			    t.p < t.lim && pdfxref_ws(t.b[t.p])) {
				pdfxref_skip(&t);
				if (pdfxref_kw(&t, "R")) {
					if (a <= 0 || a >= PDFXREF_MAX_ID || b > 65535)
						return 0;
					s->refs = xgrowarray(s->refs, s->nrefs, 2 * sizeof(*s->refs));
					s->refs[2 * s->nrefs] = (int)a;
					s->refs[2 * s->nrefs + 1] = (int)b;
					s->nrefs++;
					l->p = t.p + 1;
					*is_int = 2;
				}
			}
		}
	}
	return 1;
}

/*
 * One value at p (white space skipped before it). depth 0 is the object
 * itself, whose dictionary keys and array items are checked for stand-in
 * use; *kind says what it was (SIGN_PDFXREF_*).
 */
static int
pdfxref_value(struct pdfxref_lex *l, struct pdfxref_scan *s, int depth, int *kind)
{
	unsigned char c;

	*kind = SIGN_PDFXREF_OTHER;
	pdfxref_skip(l);
	if (l->p >= l->lim || depth > PDFXREF_MAX_DEPTH)
		return 0;
	c = l->b[l->p];
	if (c == '/') {
		const unsigned char *n;
		size_t nl;

		return pdfxref_name(l, &n, &nl);
	}
	if (c == '(') {
		int nest = 0;

		for (; l->p < l->lim; l->p++) {
			if (l->b[l->p] == '\\')
				l->p++;
			else if (l->b[l->p] == '(')
				nest++;
			else if (l->b[l->p] == ')' && --nest == 0) {
				l->p++;
				return 1;
			}
		}
		return 0;
	}
	if (c == '<' && l->p + 1 < l->lim && l->b[l->p + 1] == '<') {
		const unsigned char *kp[PDFXREF_MAX_KEYS];
		size_t kl[PDFXREF_MAX_KEYS];
		int nkeys = 0, j;

		*kind = SIGN_PDFXREF_DICT;
		l->p += 2;
		for (;;) {
			const unsigned char *n;
			size_t nl, vs;
			int k, isint;
			long long iv;

			pdfxref_skip(l);
			if (l->p + 1 < l->lim && l->b[l->p] == '>' && l->b[l->p + 1] == '>') {
				l->p += 2;
				return 1;
			}
			if (l->p >= l->lim || l->b[l->p] != '/' || !pdfxref_name(l, &n, &nl) ||
			    nkeys == PDFXREF_MAX_KEYS || memchr(n, '#', nl) != NULL)
				return 0;
			/* a key given twice (qpdf warns): not exactly well formed */
			for (j = 0; j < nkeys; j++)
				if (kl[j] == nl && memcmp(kp[j], n, nl) == 0)
					return 0;
			kp[nkeys] = n;
			kl[nkeys++] = nl;
			pdfxref_skip(l);
			vs = l->p;
			if (depth == 0 && l->p < l->lim && ((l->b[l->p] >= '0' && l->b[l->p] <= '9'))) {
				/* a direct integer (or a reference) as the value */
				if (!pdfxref_number(l, s, &iv, &isint))
					return 0;
				if (nl == 6 && memcmp(n, "Length", 6) == 0)
					s->length = isint == 1 ? iv : -1;
				if (nl == 4 && memcmp(n, "Prev", 4) == 0)
					s->prev = isint == 1 ? iv : -1;
				if (nl == 4 && memcmp(n, "Size", 4) == 0)
					s->size = isint == 1 ? iv : -1;
				if (nl == 7 && memcmp(n, "XRefStm", 7) == 0)
					s->xrefstm = isint == 1 ? iv : -1;
			} else if (!pdfxref_value(l, s, depth + 1, &k))
				return 0;
			if (depth != 0)
				continue;
			if (!pdfxref_in(pdfxref_stream_keys, n, nl))
				s->keys_ok[0] = 0;
			if (!pdfxref_in(pdfxref_font_keys, n, nl))
				s->keys_ok[1] = 0;
			if ((nl == 7 && memcmp(n, "XRefStm", 7) == 0) || (nl == 7 && memcmp(n, "Encrypt", 7) == 0))
				s->forbidden = 1;
			if ((nl == 4 && memcmp(n, "Type", 4) == 0) || (nl == 7 && memcmp(n, "Subtype", 7) == 0)) {
				struct pdfxref_lex t = *l;
				const unsigned char *tn;
				size_t tl;

				t.p = vs;
				if (t.p >= t.lim || t.b[t.p] != '/' || !pdfxref_name(&t, &tn, &tl))
					s->type_ok[0] = s->type_ok[1] = 0;
				else {
					if (!pdfxref_in(pdfxref_stream_types, tn, tl))
						s->type_ok[0] = 0;
					if (!pdfxref_in(pdfxref_font_types, tn, tl))
						s->type_ok[1] = 0;
				}
			}
		}
	}
	if (c == '<') {
		for (l->p++; l->p < l->lim && l->b[l->p] != '>'; l->p++)
			if (!pdfxref_ws(l->b[l->p]) && !strchr("0123456789abcdefABCDEF", l->b[l->p]))
				return 0;
		if (l->p >= l->lim)
			return 0;
		l->p++;
		return 1;
	}
	if (c == '[') {
		*kind = SIGN_PDFXREF_ARRAY;
		for (l->p++;;) {
			int k, isint;
			long long iv;

			pdfxref_skip(l);
			if (l->p >= l->lim)
				return 0;
			if (l->b[l->p] == ']') {
				l->p++;
				return 1;
			}
			c = l->b[l->p];
			if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
				if (!pdfxref_number(l, s, &iv, &isint))
					return 0;
				if (isint == 2 && depth == 0)
					s->numbers_only = 0;
			} else {
				if (depth == 0)
					s->numbers_only = 0;
				if (!pdfxref_value(l, s, depth + 1, &k))
					return 0;
			}
		}
	}
	if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
		int isint;
		long long iv;

		return pdfxref_number(l, s, &iv, &isint);
	}
	if (pdfxref_kw(l, "true") || pdfxref_kw(l, "null")) {
		l->p += 4;
		return 1;
	}
	if (pdfxref_kw(l, "false")) {
		l->p += 5;
		return 1;
	}
	return 0;       /* a comment, a brace, a stray delimiter or keyword */
}

/* ---- the cross-reference tables ------------------------------------------------------ */

/* The offset startxref names in buf[0 .. n), when the file ends with
 * "startxref N %%EOF" exactly (white space between); -1 otherwise. */
static long long
pdfxref_startxref(const unsigned char *buf, size_t n)
{
	size_t from = n > PDFXREF_TAIL ? n - PDFXREF_TAIL : 0, i;
	struct pdfxref_lex l;
	long long off;

	for (i = n; i >= from + 9; i--)
		if (memcmp(buf + i - 9, "startxref", 9) == 0)
			break;
	if (i < from + 9)
		return -1;
	l.b = buf;
	l.p = i;
	l.lim = n;
	if (l.p >= n || !pdfxref_ws(buf[l.p]))
		return -1;
	pdfxref_skip(&l);
	if ((off = pdfxref_uint(&l)) < 0)
		return -1;
	pdfxref_skip(&l);
	if (l.p + 5 > n || memcmp(buf + l.p, "%%EOF", 5) != 0)
		return -1;
	l.p += 5;
	pdfxref_skip(&l);
	return l.p == n ? off : -1;
}

/* ---- cross-reference streams ------------------------------------------------------- */

/* The next key of the dictionary being walked (l at a key or at ">>"): its
 * name and where its value starts, the value skipped; 0 at the end or on
 * anything malformed (the caller has validated the dictionary). */
static int
pdfxref_dict_next(struct pdfxref_lex *l, const unsigned char **n, size_t *nl, size_t *vs)
{
	struct pdfxref_scan s;
	int kind, ok;

	pdfxref_skip(l);
	if (l->p >= l->lim || l->b[l->p] != '/' || !pdfxref_name(l, n, nl))
		return 0;
	pdfxref_skip(l);
	*vs = l->p;
	memset(&s, 0, sizeof(s));
	ok = pdfxref_value(l, &s, 1, &kind);
	free(s.refs);
	return ok;
}

static int
pdfxref_is(const unsigned char *n, size_t nl, const char *key)
{
	return strlen(key) == nl && memcmp(n, key, nl) == 0;
}

/* An unsigned integer value at vs (not a reference); -1 otherwise. */
static long long
pdfxref_int_at(const unsigned char *buf, size_t lim, size_t vs)
{
	struct pdfxref_lex t = { buf, vs, lim };
	long long v = pdfxref_uint(&t);

	if (v < 0)
		return -1;
	pdfxref_skip(&t);
	/* "N G R": the next token is a number */
	if (t.p < t.lim && t.b[t.p] >= '0' && t.b[t.p] <= '9')
		return -1;
	return v;
}

/* An array of at most max unsigned integers at vs; their count, or -1. */
static int
pdfxref_ints_at(const unsigned char *buf, size_t lim, size_t vs, long long *v, int max)
{
	struct pdfxref_lex t = { buf, vs, lim };
	int n = 0;

	if (t.p >= t.lim || t.b[t.p] != '[')
		return -1;
	for (t.p++;;) {
		pdfxref_skip(&t);
		if (t.p < t.lim && t.b[t.p] == ']')
			return n;
		if (n == max || (v[n++] = pdfxref_uint(&t)) < 0)
			return -1;
		if (t.p < t.lim && !pdfxref_ws(t.b[t.p]) && t.b[t.p] != ']')
			return -1;
	}
}

/* The decoding of an xref stream's data its dictionary asks for. */
struct pdfxref_stm {
	long long w[3], index[2 * PDFXREF_MAX_SUBSECTIONS], size, prev;
	int nindex, flate, predictor, forbidden;
	long long columns;
};

/* /DecodeParms at vs: only /Predictor (none, or PNG) and /Columns; with
 * all, also /Colors 1 and /BitsPerComponent 8 (their defaults). */
static int
pdfxref_stm_parms(const unsigned char *buf, size_t lim, size_t vs, struct pdfxref_stm *x,
    int all)
{
	struct pdfxref_lex t = { buf, vs + 2, lim };
	const unsigned char *n;
	size_t nl, v;

	if (vs + 1 >= lim || buf[vs] != '<' || buf[vs + 1] != '<')
		return 0;
	while (pdfxref_dict_next(&t, &n, &nl, &v)) {
		if (pdfxref_is(n, nl, "Predictor"))
			x->predictor = (int)pdfxref_int_at(buf, lim, v);
		else if (pdfxref_is(n, nl, "Columns"))
			x->columns = pdfxref_int_at(buf, lim, v);
		else if (!all || !((pdfxref_is(n, nl, "Colors") && pdfxref_int_at(buf, lim, v) == 1) ||
		    (pdfxref_is(n, nl, "BitsPerComponent") && pdfxref_int_at(buf, lim, v) == 8)))
			return 0;
	}
	pdfxref_skip(&t);
	return t.p + 1 < lim && buf[t.p] == '>' && buf[t.p + 1] == '>' &&
	    (x->predictor == 1 || (x->predictor >= 10 && x->predictor <= 15));
}

/*
 * Undo the PNG filter of row (its type byte, then rowlen bytes of one byte
 * each) against the row before: None and Up (what qpdf and poppler write);
 * with all, also Sub, Average and Paeth. 0 for another type.
 */
static int
pdfxref_unpredict(unsigned char *row, const unsigned char *prev, size_t rowlen, int all)
{
	size_t m;

	if (row[0] == 0)
		return 1;
	if (row[0] != 2 && (!all || row[0] > 4))
		return 0;
	for (m = 1; m <= rowlen; m++) {
		int a = m > 1 ? row[m - 1] : 0, b = prev[m], c = m > 1 ? prev[m - 1] : 0, p;

		switch (row[0]) {
		case 1:
			row[m] = (unsigned char)(row[m] + a);
			break;
		case 2:
			row[m] = (unsigned char)(row[m] + b);
			break;
		case 3:
			row[m] = (unsigned char)(row[m] + (a + b) / 2);
			break;
		default:
			p = a + b - c;
			row[m] = (unsigned char)(row[m] + (abs(p - a) <= abs(p - b) &&
			    abs(p - a) <= abs(p - c) ? a : abs(p - b) <= abs(p - c) ? b : c));
			break;
		}
	}
	return 1;
}

/* Inflate in[0 .. n) into exactly want bytes of out; 0 when the data is
 * damaged, ends early or holds more (inflation stops at want + 1). */
static int
pdfxref_inflate(const unsigned char *in, size_t n, unsigned char *out, size_t want)
{
	z_stream z;
	unsigned char extra;
	int rc;

	memset(&z, 0, sizeof(z));
	if (n > UINT_MAX || want > UINT_MAX || inflateInit(&z) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)in;
	z.avail_in = (unsigned)n;
	z.next_out = out;
	z.avail_out = (unsigned)want;
	rc = inflate(&z, Z_FINISH);
	if (rc == Z_BUF_ERROR && z.avail_out == 0) {
		/* all it may hold: is there more? */
		z.next_out = &extra;
		z.avail_out = 1;
		rc = inflate(&z, Z_FINISH);
	}
	inflateEnd(&z);
	return rc == Z_STREAM_END && z.total_out == want;
}

/* The xref stream object at off (below lim), its entries appended; as
 * pdfxref_section. *budget: decoded bytes left for the file. */
static long long
pdfxref_stream_section(const unsigned char *buf, size_t lim, size_t off, int post,
    struct pdfxref_ent **ents, size_t *nents, size_t *budget, long long *size,
    struct pdfxref_lenient *len)
{
	struct pdfxref_lex l = { buf, off, lim }, t;
	struct pdfxref_scan s;
	struct pdfxref_stm x;
	const unsigned char *n;
	size_t nl, vs, dstart, data, rowlen, rows = 0, want, i, k;
	unsigned char *dec = NULL, *row, *prevrow = NULL;
	long long id, v;
	int kind, j, type_ok = 0, entry_ok = 1;

	if ((id = pdfxref_uint(&l)) <= 0 || id >= PDFXREF_MAX_ID || l.p >= lim || !pdfxref_ws(buf[l.p]))
		return -2;
	pdfxref_skip(&l);
	if (pdfxref_uint(&l) != 0 || l.p >= lim || !pdfxref_ws(buf[l.p]))
		return -2;
	pdfxref_skip(&l);
	if (!pdfxref_kw(&l, "obj"))
		return -2;
	l.p += 3;
	pdfxref_skip(&l);
	dstart = l.p;
	memset(&s, 0, sizeof(s));
	s.length = s.prev = -1;
	if (!pdfxref_value(&l, &s, 0, &kind) || kind != SIGN_PDFXREF_DICT || s.length < 0) {
		free(s.refs);
		return -2;
	}
	free(s.refs);
	/* the dictionary's keys */
	memset(&x, 0, sizeof(x));
	x.size = x.prev = x.w[0] = -1;
	x.predictor = 1;
	x.columns = 1;
	t.b = buf;
	t.p = dstart + 2;
	t.lim = lim;
	while (pdfxref_dict_next(&t, &n, &nl, &vs)) {
		if (pdfxref_is(n, nl, "Type")) {
			struct pdfxref_lex u = { buf, vs, lim };
			const unsigned char *tn;
			size_t tl;

			type_ok = vs < lim && buf[vs] == '/' && pdfxref_name(&u, &tn, &tl) &&
			    pdfxref_is(tn, tl, "XRef");
		} else if (pdfxref_is(n, nl, "W")) {
			if (pdfxref_ints_at(buf, lim, vs, x.w, 3) != 3)
				return -2;
		} else if (pdfxref_is(n, nl, "Index")) {
			if ((x.nindex = pdfxref_ints_at(buf, lim, vs, x.index, 2 * PDFXREF_MAX_SUBSECTIONS)) <= 0 ||
			    x.nindex % 2 != 0)
				return -2;
		} else if (pdfxref_is(n, nl, "Size")) {
			if ((x.size = pdfxref_int_at(buf, lim, vs)) < 0)
				return -2;
		} else if (pdfxref_is(n, nl, "Prev")) {
			if ((x.prev = pdfxref_int_at(buf, lim, vs)) < 0)
				return -2;
		} else if (pdfxref_is(n, nl, "Filter")) {
			struct pdfxref_lex u = { buf, vs, lim };
			const unsigned char *fn;
			size_t fl;

			/* (leniently, also the one name of an array) */
			if (len != NULL && vs < lim && buf[vs] == '[') {
				u.p++;
				pdfxref_skip(&u);
			}
			if (u.p >= lim || buf[u.p] != '/' || !pdfxref_name(&u, &fn, &fl) ||
			    !pdfxref_is(fn, fl, "FlateDecode"))
				return -2;
			if (buf[vs] == '[') {
				pdfxref_skip(&u);
				if (u.p >= lim || buf[u.p] != ']')
					return -2;
			}
			x.flate = 1;
		} else if (pdfxref_is(n, nl, "DecodeParms")) {
			if (!pdfxref_stm_parms(buf, lim, vs, &x, len != NULL))
				return -2;
		} else if (((pdfxref_is(n, nl, "Encrypt") || pdfxref_is(n, nl, "XRefStm")) &&
		    len == NULL) || pdfxref_is(n, nl, "DL") || pdfxref_is(n, nl, "F") ||
		    pdfxref_is(n, nl, "FFilter") || pdfxref_is(n, nl, "FDecodeParms"))
			return -2;
	}
	if (!type_ok || x.size <= 0 || x.size > PDFXREF_MAX_ID || x.w[0] < 0)
		return -2;
	*size = x.size;
	if (x.nindex == 0) {
		x.index[0] = 0;
		x.index[1] = x.size;
		x.nindex = 2;
	}
	for (j = 0; j < 3; j++)
		if (x.w[j] > PDFXREF_MAX_W)
			return -2;
	if (x.w[1] == 0)
		return -2;
	rowlen = (size_t)(x.w[0] + x.w[1] + x.w[2]);
	for (j = 0; j < x.nindex; j += 2) {
		if (x.index[j] + x.index[j + 1] > x.size)
			return -2;
		rows += (size_t)x.index[j + 1];
	}
	if (x.predictor >= 10 && (size_t)x.columns != rowlen)
		return -2;
	want = rows * (rowlen + (x.predictor >= 10));
	if (want > *budget)
		return -2;
	*budget -= want;
	/* the stream's data, then "endstream endobj" */
	pdfxref_skip(&l);
	if (!pdfxref_kw(&l, "stream"))
		return -2;
	l.p += 6;
	if (l.p + 1 < lim && buf[l.p] == '\r' && buf[l.p + 1] == '\n')
		l.p += 2;
	else if (l.p < lim && buf[l.p] == '\n')
		l.p++;
	else
		return -2;
	data = l.p;
	if ((unsigned long long)s.length > lim - l.p)
		return -2;
	l.p += (size_t)s.length;
	pdfxref_skip(&l);
	if (!pdfxref_kw(&l, "endstream"))
		return -2;
	l.p += 9;
	pdfxref_skip(&l);
	if (!pdfxref_kw(&l, "endobj"))
		return -2;
	dec = xmalloc(want + 1);
	if (x.flate ? !pdfxref_inflate(buf + data, (size_t)s.length, dec, want) :
	    (size_t)s.length != want) {
		free(dec);
		return -2;
	}
	if (!x.flate && want > 0)
		memcpy(dec, buf + data, want);
	/* the rows, undoing the PNG predictor (None and Up only) */
	if (x.predictor >= 10)
		prevrow = xcalloc(rowlen + 1, 1);
	row = dec;
	for (j = 0, k = 0; j < x.nindex && entry_ok; j += 2) {
		for (i = 0; i < (size_t)x.index[j + 1]; i++, k++) {
			uint64_t f[3];
			int q, m;
			long long num = x.index[j] + (long long)i;
			unsigned char *e = row;

			if (x.predictor >= 10) {
				if (!pdfxref_unpredict(row, prevrow, rowlen, len != NULL)) {
					entry_ok = 0;
					break;
				}
				memcpy(prevrow, row, rowlen + 1);
				e = row + 1;
				row += rowlen + 1;
			} else
				row += rowlen;
			for (q = 0; q < 3; q++) {
				f[q] = 0;
				for (m = 0; m < (int)x.w[q]; m++)
					f[q] = f[q] << 8 | *e++;
			}
			if (x.w[0] == 0)
				f[0] = 1;
			if (len != NULL)
				len->rows++;
			if (num == 0) {
				if (f[0] != 0 && len == NULL)
					entry_ok = 0;
				continue;
			}
			/* a free entry (a deleted object) or an unknown type: left to
			 * qpdf; passed over when counting (a reader parses nothing) */
			if ((f[0] != 1 && f[0] != 2) ||
			    (f[0] == 1 && (f[1] == 0 || f[1] >= (uint64_t)lim || f[2] > 65535)) ||
			    (f[0] == 2 && (f[1] == 0 || f[1] >= PDFXREF_MAX_ID || f[1] == (uint64_t)num))) {
				if (len != NULL)
					continue;
				entry_ok = 0;
				break;
			}
			*ents = xgrowarray(*ents, *nents, sizeof(**ents));
			(*ents)[*nents].id = (int)num;
			(*ents)[*nents].gen = f[0] == 1 ? (int)f[2] : 0;
			(*ents)[*nents].off = f[0] == 1 ? (size_t)f[1] : 0;
			(*ents)[*nents].stm = f[0] == 2 ? (int)f[1] : 0;
			(*ents)[*nents].post = post;
			(*nents)++;
		}
	}
	free(prevrow);
	free(dec);
	if (!entry_ok)
		return -2;
	if (len != NULL && post) {
		len->dicts = xgrowarray(len->dicts, len->ndicts, sizeof(*len->dicts));
		len->dicts[len->ndicts++] = off;
	}
	v = x.prev;
	return v;
}

/* The section at off (below lim): its entries appended; its /Prev, -1 when
 * none; -2 when it is not one this reader relies on. */
static long long
pdfxref_section(const unsigned char *buf, size_t lim, size_t off, int post,
    struct pdfxref_ent **ents, size_t *nents, size_t *budget, long long *size,
    struct pdfxref_lenient *len)
{
	struct pdfxref_lex l = { buf, off, lim };
	struct pdfxref_scan s;
	size_t dict;
	int kind;

	if (l.p < lim && buf[l.p] >= '1' && buf[l.p] <= '9')
		return pdfxref_stream_section(buf, lim, off, post, ents, nents, budget, size, len);
	if (!pdfxref_kw(&l, "xref"))
		return -2;
	l.p += 4;
	pdfxref_skip(&l);
	while (!pdfxref_kw(&l, "trailer")) {
		long long first, count, i;

		if ((first = pdfxref_uint(&l)) < 0 || l.p >= lim || l.b[l.p] != ' ')
			return -2;
		l.p++;
		if ((count = pdfxref_uint(&l)) < 0 || first + count > PDFXREF_MAX_ID)
			return -2;
		if (l.p < lim && l.b[l.p] == ' ')
			l.p++;
		if (l.p + 1 < lim && l.b[l.p] == '\r' && l.b[l.p + 1] == '\n')
			l.p += 2;
		else if (l.p < lim && (l.b[l.p] == '\n' || l.b[l.p] == '\r'))
			l.p++;
		else
			return -2;
		if ((size_t)count > (lim - l.p) / 20)
			return -2;
		for (i = 0; i < count; i++, l.p += 20) {
			const unsigned char *e = buf + l.p;
			struct pdfxref_lex t = { buf, l.p, l.p + 10 };
			long long o, g;
			int k;

			for (k = 0; k < 20; k++)
				if ((k < 10 || (k > 10 && k < 16)) && !(e[k] >= '0' && e[k] <= '9'))
					return -2;
			if (e[10] != ' ' || e[16] != ' ' || (e[17] != 'n' && e[17] != 'f') ||
			    !((e[18] == ' ' && (e[19] == '\n' || e[19] == '\r')) || (e[18] == '\r' && e[19] == '\n')))
				return -2;
			o = pdfxref_uint(&t);
			t.p = l.p + 11;
			t.lim = l.p + 16;
			g = pdfxref_uint(&t);
			if (len != NULL)
				len->rows++;
			if (first + i == 0) {
				if (e[17] != 'f' && len == NULL)
					return -2;
				continue;
			}
			if (e[17] == 'f' || o <= 0 || g > 65535) {
				if (len != NULL)
					continue;
				return -2;      /* a deleted object: left to qpdf */
			}
			*ents = xgrowarray(*ents, *nents, sizeof(**ents));
			(*ents)[*nents].id = (int)(first + i);
			(*ents)[*nents].gen = (int)g;
			(*ents)[*nents].off = (size_t)o;
			(*ents)[*nents].stm = 0;
			(*ents)[*nents].post = post;
			(*nents)++;
		}
		pdfxref_skip(&l);
	}
	l.p += 7;
	dict = l.p;
	memset(&s, 0, sizeof(s));
	s.length = s.prev = s.size = s.xrefstm = -1;
	if (!pdfxref_value(&l, &s, 0, &kind) || kind != SIGN_PDFXREF_DICT ||
	    (s.forbidden && len == NULL)) {
		free(s.refs);
		return -2;
	}
	free(s.refs);
	*size = s.size;
	if (len != NULL) {
		len->xrefstm = s.xrefstm;
		if (post) {
			len->dicts = xgrowarray(len->dicts, len->ndicts, sizeof(*len->dicts));
			len->dicts[len->ndicts++] = dict;
		}
	}
	return s.prev;
}

struct sign_pdfxref *
sign_pdfxref_open(const unsigned char *buf, size_t len, size_t end)
{
	struct pdfxref_ent *ents = NULL;
	size_t nents = 0, i, budget = PDFXREF_INFLATE_BUDGET(len);
	long long off, roff, prev, size = -1, newest = -1;
	int nsec = 0, maxid = 0;
	struct sign_pdfxref *x = NULL;

	if (end == 0 || end >= len || len > SIZE_MAX / 2)
		return NULL;
	off = pdfxref_startxref(buf, len);
	roff = pdfxref_startxref(buf, end);
	if (off < 0 || roff < 0)
		return NULL;
	/* the updates: sections at or after the revision's end */
	while (off >= (long long)end) {
		if ((size_t)off >= len || ++nsec > PDFXREF_MAX_SECTIONS)
			goto out;
		prev = pdfxref_section(buf, len, (size_t)off, 1, &ents, &nents, &budget, &size, NULL);
		if (prev < 0 || prev >= off)
			goto out;
		if (newest < 0)
			newest = size;
		off = prev;
	}
	if (off != roff)
		goto out;
	/* the revision's own sections */
	for (;;) {
		if (++nsec > PDFXREF_MAX_SECTIONS)
			goto out;
		prev = pdfxref_section(buf, end, (size_t)off, 0, &ents, &nents, &budget, &size, NULL);
		if (prev == -2 || (prev >= 0 && prev >= off))
			goto out;
		if (prev < 0)
			break;
		off = prev;
	}
	for (i = 0; i < nents; i++)
		if (ents[i].id > maxid)
			maxid = ents[i].id;
	/* the final trailer's /Size past every object: a reader that drops
	 * objects numbered beyond it would see fewer than the revision */
	if (newest <= maxid)
		goto out;
	/* the tables are indexed by object number: sparse numbering is left to qpdf */
	if ((size_t)maxid > 4 * nents + 1024)
		goto out;
	x = xcalloc(1, sizeof(*x));
	x->buf = buf;
	x->len = len;
	x->end = end;
	x->maxid = maxid;
	x->redef = xcalloc((size_t)maxid + 1, 1);
	x->off = xcalloc((size_t)maxid + 1, sizeof(*x->off));
	x->gen = xcalloc((size_t)maxid + 1, sizeof(*x->gen));
	x->cache = xcalloc((size_t)maxid + 1, sizeof(*x->cache));
	x->tried = xcalloc((size_t)maxid + 1, 1);
	x->stm = xcalloc((size_t)maxid + 1, sizeof(*x->stm));
	/* newest first: the first definition of an object is the one read */
	for (i = 0; i < nents; i++) {
		struct pdfxref_ent *e = &ents[i];

		if (e->post)
			x->redef[e->id] = 1;
		else if (x->off[e->id] == 0 && x->stm[e->id] == 0) {
			x->off[e->id] = e->off;
			x->stm[e->id] = e->stm;
			x->gen[e->id] = e->gen;
		} else if (x->gen[e->id] != e->gen) {
			sign_pdfxref_free(x);   /* two generations: left to qpdf */
			x = NULL;
			goto out;
		}
	}
	/* an object in an object stream is read through it: redefined with it
	 * (or when it is no plain object of the revision); never scanned */
	for (i = 1; i <= (size_t)maxid; i++) {
		int st = x->stm[i];

		if (st != 0 && !x->redef[i] && (st > maxid || x->redef[st] || x->off[st] == 0))
			x->redef[i] = 1;
	}
out:
	free(ents);
	return x;
}

void
sign_pdfxref_free(struct sign_pdfxref *x)
{
	int i;

	if (x == NULL)
		return;
	for (i = 0; i <= x->maxid; i++) {
		if (x->cache[i] != NULL) {
			free(x->cache[i]->refs);
			free(x->cache[i]);
		}
	}
	free(x->cache);
	free(x->tried);
	free(x->redef);
	free(x->off);
	free(x->stm);
	free(x->gen);
	free(x);
}

int
sign_pdfxref_redefined(const struct sign_pdfxref *x, int id)
{
	return id <= 0 || id > x->maxid || x->redef[id];
}

int
sign_pdfxref_next(const struct sign_pdfxref *x, int id, int *gen)
{
	for (id = id < 0 ? 1 : id + 1; id <= x->maxid; id++) {
		if (x->off[id] != 0 && !x->redef[id]) {
			*gen = x->gen[id];
			return id;
		}
	}
	return 0;
}

const struct sign_pdfxref_obj *
sign_pdfxref_scan(struct sign_pdfxref *x, int id, int gen)
{
	struct pdfxref_lex l;
	struct pdfxref_scan s;
	struct sign_pdfxref_obj *o;
	long long v;
	int kind;
	size_t start;

	if (id <= 0 || id > x->maxid || x->redef[id] || x->off[id] == 0 || x->gen[id] != gen)
		return NULL;
	if (x->tried[id])
		return x->cache[id];
	if (x->scanned > PDFXREF_SCAN_BUDGET(x))
		return NULL;
	x->tried[id] = 1;
	start = x->off[id];
	l.b = x->buf;
	l.p = start;
	l.lim = x->end;
	if (l.p >= l.lim || (v = pdfxref_uint(&l)) != id || l.p >= l.lim || !pdfxref_ws(l.b[l.p]))
		return NULL;
	pdfxref_skip(&l);
	if ((v = pdfxref_uint(&l)) != gen || l.p >= l.lim || !pdfxref_ws(l.b[l.p]))
		return NULL;
	pdfxref_skip(&l);
	if (!pdfxref_kw(&l, "obj"))
		return NULL;
	l.p += 3;
	memset(&s, 0, sizeof(s));
	s.length = s.prev = -1;
	s.keys_ok[0] = s.keys_ok[1] = s.type_ok[0] = s.type_ok[1] = s.numbers_only = 1;
	if (!pdfxref_value(&l, &s, 0, &kind)) {
		x->scanned += l.p - start;
		goto bad;
	}
	x->scanned += l.p - start;
	pdfxref_skip(&l);
	if (kind == SIGN_PDFXREF_DICT && pdfxref_kw(&l, "stream")) {
		kind = SIGN_PDFXREF_STREAM;
		l.p += 6;
		if (l.p + 1 < l.lim && l.b[l.p] == '\r' && l.b[l.p + 1] == '\n')
			l.p += 2;
		else if (l.p < l.lim && l.b[l.p] == '\n')
			l.p++;
		else
			goto bad;
		if (s.length < 0 || (unsigned long long)s.length > l.lim - l.p)
			goto bad;
		l.p += (size_t)s.length;
		pdfxref_skip(&l);
		if (!pdfxref_kw(&l, "endstream"))
			goto bad;
		l.p += 9;
		pdfxref_skip(&l);
	}
	if (!pdfxref_kw(&l, "endobj"))
		goto bad;
	o = xcalloc(1, sizeof(*o));
	o->kind = kind;
	o->size = l.p - start;
	o->refs = s.refs;
	o->nrefs = s.nrefs;
	if (o->size >= SIGN_PDFXREF_STANDIN_MIN) {
		if (kind == SIGN_PDFXREF_STREAM)
			o->standin = s.keys_ok[0] && s.type_ok[0];
		else if (kind == SIGN_PDFXREF_DICT)
			o->standin = s.keys_ok[1] && s.type_ok[1];
		else if (kind == SIGN_PDFXREF_ARRAY)
			o->standin = s.numbers_only && s.nrefs == 0;
	}
	x->cache[id] = o;
	return o;
bad:
	free(s.refs);
	return NULL;
}

/* ---- what a reader parses after a revision, read leniently ---------------- */

struct pdfxref_byid {
	int id;
	size_t i;               /* the entry's place: lower is newer */
};

static int
pdfxref_byid_cmp(const void *a, const void *b)
{
	const struct pdfxref_byid *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The newest plain-object entry of id in by[0 .. n) (sorted), or NULL. */
static const struct pdfxref_byid *
pdfxref_newest(const struct pdfxref_byid *by, size_t n, int id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (by[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && by[lo].id == id ? &by[lo] : NULL;
}

static void
pdfxref_push(size_t **v, size_t *n, size_t val)
{
	*v = xgrowarray(*v, *n, sizeof(**v));
	(*v)[(*n)++] = val;
}

void
sign_pdfxref_reach(const unsigned char *buf, size_t len, size_t end, struct sign_pdfxref_reach *r)
{
	struct pdfxref_ent *ents = NULL;
	struct pdfxref_lenient le;
	struct pdfxref_byid *by = NULL;
	size_t nents = 0, nby = 0, npost, i, budget = PDFXREF_INFLATE_BUDGET(len);
	long long off, prev = -1, size;
	int nsec = 0, *ids = NULL;
	size_t nids = 0;

	memset(r, 0, sizeof(*r));
	memset(&le, 0, sizeof(le));
	if (end == 0 || end >= len || len > SIZE_MAX / 2 || (off = pdfxref_startxref(buf, len)) < 0)
		goto unread;
	/* the later sections, each with a hybrid file's cross-reference stream */
	while (off >= (long long)end) {
		if ((size_t)off >= len || ++nsec > PDFXREF_MAX_SECTIONS)
			goto unread;
		le.xrefstm = -1;
		prev = pdfxref_section(buf, len, (size_t)off, 1, &ents, &nents, &budget, &size, &le);
		if (prev == -2 || prev >= off)
			goto unread;
		if (le.xrefstm >= (long long)end && (size_t)le.xrefstm < len &&
		    pdfxref_stream_section(buf, len, (size_t)le.xrefstm, 1, &ents, &nents, &budget,
		    &size, &le) == -2)
			goto unread;
		off = prev;
	}
	npost = nents;
	r->entries = le.rows;
	/* the revision's sections, for where its object streams are (what
	 * cannot be read there is the signer's, and not counted) */
	for (; off >= 0 && ++nsec <= PDFXREF_MAX_SECTIONS; off = prev) {
		le.xrefstm = -1;
		prev = pdfxref_section(buf, end, (size_t)off, 0, &ents, &nents, &budget, &size, &le);
		if (prev == -2 || prev >= off)
			break;
	}
	r->dicts = le.dicts;
	r->ndicts = le.ndicts;
	le.dicts = NULL;
	/* every object a later section places, whatever its generation */
	by = xcalloc(nents ? nents : 1, sizeof(*by));
	for (i = 0; i < nents; i++) {
		if (ents[i].off == 0)
			continue;
		if (i < npost)
			pdfxref_push(&r->objs, &r->nobjs, ents[i].off);
		by[nby].id = ents[i].id;
		by[nby++].i = i;
	}
	qsort(by, nby, sizeof(*by), pdfxref_byid_cmp);
	/* the object streams the final reader decodes where the revision's
	 * does not: one a later section takes an object from, or one it
	 * replaces that holds an object of the revision */
	for (i = 0; i < nents; i++) {
		const struct pdfxref_byid *s;

		if (ents[i].stm == 0)
			continue;
		s = pdfxref_newest(by, nby, ents[i].stm);
		if (s != NULL && (i < npost || s->i < npost)) {
			ids = xgrowarray(ids, nids, sizeof(*ids));
			ids[nids++] = ents[i].stm;
		}
	}
	if (nids > 0) {
		struct pdfxref_byid *u = xcalloc(nids, sizeof(*u));

		for (i = 0; i < nids; i++)
			u[i].id = ids[i];
		qsort(u, nids, sizeof(*u), pdfxref_byid_cmp);
		for (i = 0; i < nids; i++)
			if (i == 0 || u[i].id != u[i - 1].id)
				pdfxref_push(&r->stms, &r->nstms,
				    ents[pdfxref_newest(by, nby, u[i].id)->i].off);
		free(u);
	}
	free(ids);
	free(by);
	free(ents);
	return;
unread:
	free(le.dicts);
	free(ents);
	sign_pdfxref_reach_free(r);
	r->unread = 1;
}

void
sign_pdfxref_reach_free(struct sign_pdfxref_reach *r)
{
	free(r->objs);
	free(r->stms);
	free(r->dicts);
	memset(r, 0, sizeof(*r));
}
