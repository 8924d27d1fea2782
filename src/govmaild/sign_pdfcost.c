/*
 * sign_pdfcost.c — the parse cost of the objects a signed PDF's updates
 * make a reader read, in tokens (see sign_pdfcost.h).
 *
 * A small tokenizer reads one object from the offset a cross-reference
 * section gives, as a reader does: literal strings to their balancing ')'
 * (escapes honoured), hexadecimal strings to '>', comments to the end of
 * the line, and "stream" after the object's dictionary ends what is
 * counted of a plain object (its data is compared as bytes, never parsed).
 * For an object stream the dictionary is read for /Filter, /DecodeParms
 * and /Length, its data taken as /Length says (a direct length; else up
 * to "endstream", and then it must inflate to its end) and inflated by
 * zlib a piece at a time, counting as it goes: never more than the count
 * allows is inflated.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "sign_pdfcost.h"
#include "xmalloc.h"

#define PDFCOST_CHUNK 16384         /* inflated at a time */
#define PDFCOST_TEXT_BYTES 64       /* decoded bytes that count one more token */
#define PDFCOST_NAME 32             /* longest name compared */

enum { T_END = 0, T_NAME, T_INT, T_WORD, T_STR, T_DICT, T_DICT_END, T_ARR, T_ARR_END, T_DELIM };

struct pdfcost_tok {
	int kind;
	size_t s, n;                /* its text (for a name, after '/') */
	long long v;                /* T_INT's value (saturated) */
};

struct pdfcost {
	const unsigned char *b;
	size_t i, len;
	size_t n, max;
	size_t carry;               /* bytes passed over, not yet a token's worth */
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

/* The next token from k->i, whitespace and comments skipped; T_END at the
 * end of the bytes. Each call is linear in what it passes over. */
/* Bytes passed over (white space, comments, a token's own bytes): one
 * token more per PDFCOST_TEXT_BYTES, so that reading is never more than
 * the count allows — objects whose offsets all lead into one long run of
 * blanks would otherwise cost a pass over it each, and nothing. */
/* add more tokens, stopping at max */
static void
pdfcost_add(struct pdfcost *k, size_t add)
{
	k->n = add >= k->max - k->n ? k->max : k->n + add;
}

static void
pdfcost_passed(struct pdfcost *k, size_t bytes)
{
	k->carry += bytes;
	pdfcost_add(k, k->carry / PDFCOST_TEXT_BYTES);
	k->carry %= PDFCOST_TEXT_BYTES;
}

static int
pdfcost_next(struct pdfcost *k, struct pdfcost_tok *t)
{
	const unsigned char *b = k->b;
	size_t i = k->i;

	for (;;) {
		while (i < k->len && pdfcost_ws(b[i]))
			i++;
		if (i < k->len && b[i] == '%') {
			while (i < k->len && b[i] != '\r' && b[i] != '\n')
				i++;
			continue;
		}
		break;
	}
	memset(t, 0, sizeof(*t));
	t->s = i;
	if (i >= k->len) {
		pdfcost_passed(k, i - k->i);
		k->i = i;
		return t->kind = T_END;
	}
	if (b[i] == '(') {
		int nest = 0;

		for (; i < k->len; i++) {
			if (b[i] == '\\')
				i++;
			else if (b[i] == '(')
				nest++;
			else if (b[i] == ')' && --nest == 0) {
				i++;
				break;
			}
		}
		t->kind = T_STR;
	} else if (b[i] == '<' && i + 1 < k->len && b[i + 1] == '<') {
		i += 2;
		t->kind = T_DICT;
	} else if (b[i] == '<') {
		const unsigned char *e = memchr(b + i, '>', k->len - i);

		i = e != NULL ? (size_t)(e - b) + 1 : k->len;
		t->kind = T_STR;
	} else if (b[i] == '>' && i + 1 < k->len && b[i + 1] == '>') {
		i += 2;
		t->kind = T_DICT_END;
	} else if (b[i] == '[' || b[i] == ']') {
		t->kind = b[i++] == '[' ? T_ARR : T_ARR_END;
	} else if (b[i] == '/') {
		t->s = ++i;
		while (i < k->len && pdfcost_regular(b[i]))
			i++;
		t->kind = T_NAME;
	} else if (pdfcost_delim(b[i])) {
		i++;
		t->kind = T_DELIM;
	} else {
		size_t d;

		while (i < k->len && pdfcost_regular(b[i]))
			i++;
		t->kind = T_WORD;
		for (d = t->s; d < i && b[d] >= '0' && b[d] <= '9'; d++)
			t->v = t->v < LLONG_MAX / 10 - 10 ? t->v * 10 + (b[d] - '0') : LLONG_MAX / 10;
		if (d == i)
			t->kind = T_INT;
	}
	t->n = i - t->s;
	pdfcost_passed(k, i - k->i);
	k->i = i;
	return t->kind;
}

static int
pdfcost_word(const struct pdfcost *k, const struct pdfcost_tok *t, const char *w)
{
	return t->kind == T_WORD && t->n == strlen(w) && memcmp(k->b + t->s, w, t->n) == 0;
}

/* Is the name t, "#xx" escapes decoded, one of names? */
static int
pdfcost_name_in(const struct pdfcost *k, const struct pdfcost_tok *t, const char *const *names)
{
	char name[PDFCOST_NAME + 1];
	const unsigned char *s = k->b + t->s;
	size_t i, o = 0;

	if (t->kind != T_NAME)
		return 0;
	for (i = 0; i < t->n; i++) {
		if (o == PDFCOST_NAME)
			return 0;
		if (s[i] == '#' && i + 2 < t->n) {
			static const char hex[] = "0123456789abcdef0123456789ABCDEF";
			const char *h = memchr(hex, s[i + 1], sizeof(hex) - 1);
			const char *l = memchr(hex, s[i + 2], sizeof(hex) - 1);

			if (h != NULL && l != NULL) {
				name[o++] = (char)((h - hex) % 16 * 16 + (l - hex) % 16);
				i += 2;
				continue;
			}
		}
		name[o++] = (char)s[i];
	}
	name[o] = '\0';
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* One more token; 0 when the count reached max. */
static int
pdfcost_one(struct pdfcost *k)
{
	if (k->n < k->max)
		k->n++;
	return k->n < k->max;
}

/* "N G obj" at k->i, counted; 0 when it is not there. */
static int
pdfcost_header(struct pdfcost *k)
{
	struct pdfcost_tok t;

	if (pdfcost_next(k, &t) != T_INT || !pdfcost_one(k) ||
	    pdfcost_next(k, &t) != T_INT || !pdfcost_one(k))
		return 0;
	pdfcost_next(k, &t);
	pdfcost_one(k);
	return pdfcost_word(k, &t, "obj") && k->n < k->max;
}

size_t
sign_pdfcost_object(const unsigned char *buf, size_t len, size_t off, size_t max)
{
	struct pdfcost k = { buf, off, len, 0, max, 0 };
	struct pdfcost_tok t;
	int depth = 0, closed = 0;

	if (max == 0 || off >= len || !pdfcost_header(&k))
		return k.n;
	while (pdfcost_next(&k, &t) != T_END && k.n < k.max) {
		if (closed && pdfcost_word(&k, &t, "stream"))
			break;          /* the data: bytes, not tokens */
		if (!pdfcost_one(&k) || (depth == 0 && pdfcost_word(&k, &t, "endobj")))
			break;
		if (t.kind == T_DICT || t.kind == T_ARR)
			depth++;
		else if ((t.kind == T_DICT_END || t.kind == T_ARR_END) && depth > 0)
			depth--;
		closed = t.kind == T_DICT_END && depth == 0;
	}
	return k.n;
}

size_t
sign_pdfcost_text(const unsigned char *p, size_t n, size_t max)
{
	size_t i, t = 0;
	int prev = 0, r;

	for (i = 0; i < n && t < max; i++) {
		r = pdfcost_regular(p[i]);
		t += (size_t)(pdfcost_delim(p[i]) || (r && !prev));
		prev = r;
	}
	return t < max ? t : max;
}

/* How an object stream's data is to be decoded. */
struct pdfcost_stm {
	int flate;                  /* /FlateDecode */
	int unknown;                /* a filter that cannot be told: counts max */
	int image;                  /* ... one no reader decodes an object stream with */
	int parms;                  /* /DecodeParms given */
	long long length;           /* a direct /Length, or -1 */
	long long count, first;     /* direct /N and /First, or -1 */
};

/* Skip the value that starts with t (a composite to its end, "N G R" as
 * one); each token counted. 0 when the count reached max or the bytes
 * ended. */
static int
pdfcost_skip_value(struct pdfcost *k, const struct pdfcost_tok *t)
{
	struct pdfcost_tok u;
	int depth;
	size_t save;

	if (t->kind == T_DICT || t->kind == T_ARR) {
		for (depth = 1; depth > 0;) {
			if (pdfcost_next(k, &u) == T_END || !pdfcost_one(k))
				return 0;
			if (u.kind == T_DICT || u.kind == T_ARR)
				depth++;
			else if (u.kind == T_DICT_END || u.kind == T_ARR_END)
				depth--;
		}
		return 1;
	}
	if (t->kind == T_INT) {     /* a reference? */
		save = k->i;
		if (pdfcost_next(k, &u) == T_INT && pdfcost_next(k, &u) == T_WORD &&
		    pdfcost_word(k, &u, "R"))
			return pdfcost_one(k) && pdfcost_one(k);
		k->i = save;
	}
	return 1;
}

/* The object stream's dictionary (after "N G obj"), into *x: 1, and the
 * data follows; 0 when it is no dictionary followed by "stream" (a reader
 * then fails on it) or the count reached max; x->unknown when what it
 * says cannot be read here (a reader might). */
static int
pdfcost_stm_dict(struct pdfcost *k, struct pdfcost_stm *x)
{
	static const char *const flate[] = { "FlateDecode", "Fl", NULL };
	static const char *const image[] = { "DCTDecode", "DCT", "JPXDecode", "JBIG2Decode",
		"CCITTFaxDecode", "CCF", NULL };
	static const char *const filter[] = { "Filter", NULL };
	static const char *const parms[] = { "DecodeParms", NULL };
	static const char *const length[] = { "Length", NULL };
	static const char *const count[] = { "N", NULL };
	static const char *const first[] = { "First", NULL };
	struct pdfcost_tok t, v;

	memset(x, 0, sizeof(*x));
	x->length = x->count = x->first = -1;
	if (pdfcost_next(k, &t) != T_DICT || !pdfcost_one(k))
		return 0;
	for (;;) {
		if (pdfcost_next(k, &t) == T_DICT_END) {
			if (!pdfcost_one(k))
				return 0;
			break;
		}
		if (t.kind != T_NAME || !pdfcost_one(k)) {
			x->unknown = 1;
			return 1;
		}
		if (pdfcost_next(k, &v) == T_END || !pdfcost_one(k))
			return 0;
		if (pdfcost_name_in(k, &t, filter)) {
			if (v.kind == T_NAME) {
				x->flate = pdfcost_name_in(k, &v, flate);
				x->unknown = !x->flate;
				x->image = pdfcost_name_in(k, &v, image);
			} else if (v.kind == T_ARR) {
				struct pdfcost_tok u;
				int names = 0;

				while (pdfcost_next(k, &u) == T_NAME && pdfcost_one(k)) {
					names++;
					x->flate = pdfcost_name_in(k, &u, flate);
					x->image |= pdfcost_name_in(k, &u, image);
				}
				if (u.kind != T_ARR_END || !pdfcost_one(k)) {
					x->unknown = 1;     /* e.g. a filter named indirectly */
					return 1;
				}
				x->unknown = names > 1 || (names == 1 && !x->flate);
			} else {
				x->unknown = 1;     /* named indirectly, or not a name */
				return 1;
			}
			if (x->unknown)
				return 1;
			continue;
		}
		if (pdfcost_name_in(k, &t, parms))
			x->parms = 1;
		if (v.kind == T_INT) {
			long long *into = pdfcost_name_in(k, &t, length) ? &x->length :
			    pdfcost_name_in(k, &t, count) ? &x->count :
			    pdfcost_name_in(k, &t, first) ? &x->first : NULL;
			size_t save = k->i;
			struct pdfcost_tok u;

			if (into != NULL) {
				*into = v.v;
				if (pdfcost_next(k, &u) == T_INT && pdfcost_next(k, &u) == T_WORD &&
				    pdfcost_word(k, &u, "R"))
					*into = -1;     /* indirect */
				k->i = save;
			}
		}
		if (!pdfcost_skip_value(k, &v))
			return 0;
	}
	return pdfcost_next(k, &t) == T_WORD && pdfcost_word(k, &t, "stream");
}

/*
 * Inflate in[0 .. n) into a buffer (returned, *outlen its bytes), the
 * count charged as it goes: one token per PDFCOST_TEXT_BYTES of input
 * read and of output made (so that neither empty deflate blocks nor a
 * long output cost more than the count allows), and the count reaching
 * max stops it. NULL, the count at max, unless the data inflates to its
 * end.
 */
static unsigned char *
pdfcost_inflate(struct pdfcost *k, const unsigned char *in, size_t n, size_t *outlen)
{
	unsigned char *out = NULL;
	size_t cap = 0, got = 0;
	z_stream z;
	int rc = Z_OK;

	*outlen = 0;
	memset(&z, 0, sizeof(z));
	if (n > UINT_MAX || inflateInit(&z) != Z_OK) {
		k->n = k->max;
		return NULL;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = (unsigned)n;
	while (rc == Z_OK && k->n < k->max) {
		size_t before = got, was = z.avail_in;

		if (cap - got < PDFCOST_CHUNK) {
			cap = cap ? 2 * cap : 4 * PDFCOST_CHUNK;
			out = xreallocarray(out, cap, 1);
		}
		z.next_out = out + got;
		z.avail_out = (unsigned)(cap - got < UINT_MAX ? cap - got : UINT_MAX);
		rc = inflate(&z, Z_NO_FLUSH);
		got = (size_t)(z.next_out - out);
		pdfcost_passed(k, (got - before) + (was - z.avail_in));
		if (rc == Z_OK && got == before && z.avail_in == 0)
			break;      /* the data ended before the stream did */
	}
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		k->n = k->max;
		return NULL;
	}
	*outlen = got;
	return out;
}

/*
 * The objects of an object stream's decoded data d[0 .. n): its offset
 * table of count pairs before first, then each object from its offset, as
 * a reader parses them (one at a time, each to its end: offsets that all
 * lead to the same large array count it each time). Without a direct /N
 * and /First the text's upper bound.
 */
static void
pdfcost_objstm_objects(struct pdfcost *k, const unsigned char *d, size_t n,
    long long count, long long first)
{
	struct pdfcost o = { d, 0, n, k->n, k->max, 0 };
	struct pdfcost_tok t, v;
	long long i;

	if (count < 0 || first < 0 || (unsigned long long)first > n) {
		pdfcost_add(k, sign_pdfcost_text(d, n, k->max) + n / PDFCOST_TEXT_BYTES);
		return;
	}
	for (i = 0; i < count && o.n < o.max; i++) {
		size_t at;

		o.len = (size_t)first;
		if (pdfcost_next(&o, &t) != T_INT || !pdfcost_one(&o) ||
		    pdfcost_next(&o, &v) != T_INT || !pdfcost_one(&o))
			break;      /* a reader stops at a damaged table */
		at = o.i;
		o.len = n;
		if ((unsigned long long)v.v < n - (size_t)first) {
			o.i = (size_t)first + (size_t)v.v;
			if (pdfcost_next(&o, &t) != T_END && pdfcost_one(&o))
				(void)pdfcost_skip_value(&o, &t);
		}
		o.i = at;
	}
	k->n = o.n;
}

/*
 * The stream object whose "obj" keyword k has just passed, counted as an
 * object stream. With images, a filter no reader decodes an object stream
 * with (DCT, JPX, JBIG2, CCITT fax) counts nothing more rather than max.
 */
static void
pdfcost_objstm_body(struct pdfcost *k, int images)
{
	const unsigned char *buf = k->b;
	struct pdfcost_stm x;
	unsigned char *dec;
	size_t data, end, n, len = k->len, max = k->max;
	int ok;

	ok = pdfcost_stm_dict(k, &x);
	if (x.unknown && !(images && x.image))
		k->n = max;
	if (!ok || x.unknown)
		return;
	data = k->i;
	if (data < len && buf[data] == '\r')
		data++;
	if (data < len && buf[data] == '\n')
		data++;
	/* an indirect /Length: the reader's may say anything, up to the end */
	if (x.length >= 0 && (unsigned long long)x.length <= len - data)
		end = data + (size_t)x.length;
	else
		end = len;
	if (x.flate) {
		if ((dec = pdfcost_inflate(k, buf + data, end - data, &n)) == NULL)
			return;
		if (x.parms)        /* a predictor changes the bytes: each counts */
			pdfcost_add(k, n);
		else
			pdfcost_objstm_objects(k, dec, n, x.count, x.first);
		free(dec);
	} else if (x.parms)
		pdfcost_add(k, end - data);
	else
		pdfcost_objstm_objects(k, buf + data, end - data, x.count, x.first);
}

size_t
sign_pdfcost_objstm(const unsigned char *buf, size_t len, size_t off, size_t max)
{
	struct pdfcost k = { buf, off, len, 0, max, 0 };

	if (max == 0 || off >= len || !pdfcost_header(&k))
		return k.n;
	pdfcost_objstm_body(&k, 0);
	return k.n;
}

size_t
sign_pdfcost_value(const unsigned char *buf, size_t len, size_t off, size_t max)
{
	struct pdfcost k = { buf, off, len, 0, max, 0 };
	struct pdfcost_tok t;

	if (max == 0 || off >= len)
		return 0;
	if (pdfcost_next(&k, &t) != T_END && pdfcost_one(&k))
		(void)pdfcost_skip_value(&k, &t);
	return k.n;
}

size_t
sign_pdfcost_rest(const unsigned char *buf, size_t len, size_t from, size_t max)
{
	struct pdfcost k = { buf, from, len, 0, max, 0 };
	const unsigned char *e;
	size_t p, add;

	if (max == 0 || from >= len)
		return 0;
	add = sign_pdfcost_text(buf + from, len - from, max) + (len - from) / PDFCOST_TEXT_BYTES;
	k.n = add < max ? add : max;
	/*
	 * Every object a reader reads starts "N G obj" where its table says:
	 * after each "obj" keyword, a stream is counted as an object stream
	 * (its offset table followed when it has one), whatever the table.
	 */
	for (p = from; k.n < max && (e = memmem(buf + p, len - p, "obj", 3)) != NULL;) {
		p = (size_t)(e - buf) + 3;
		if (p < len && pdfcost_regular(buf[p]))
			continue;
		k.i = p;
		k.carry = 0;
		pdfcost_objstm_body(&k, 1);
	}
	return k.n;
}
