/*
 * utf8.c — strict UTF-8 and NFC/case/ASCII folding for Latin and Vietnamese
 * letters (see utf8.h). The Unicode data comes from the generated
 * utf8_viet_table.h; this file only holds the algorithms.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "utf8_viet_table.h"
#include "xmalloc.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int
utf8_decode(const char **p, const char *end, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)*p;
	const unsigned char *e = (const unsigned char *)end;
	unsigned char lo = 0x80, hi = 0xBF;
	uint32_t c;
	size_t need, i;

	if (s >= e) {
		*cp = UTF8_REPLACEMENT;
		return -1;
	}
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		*p += 1;
		return 0;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;	/* overlong */
		else if (c == 0xED)
			hi = 0x9F;	/* surrogates */
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;	/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;	/* above U+10FFFF */
		c &= 0x07;
	} else {
		/* continuation byte, C0/C1 overlong lead, or F5..FF */
		*cp = UTF8_REPLACEMENT;
		*p += 1;
		return -1;
	}
	for (i = 1; i <= need; i++) {
		if (s + i >= e || s[i] < lo || s[i] > hi) {
			/* Skip the lead and the continuation bytes seen so far. */
			*cp = UTF8_REPLACEMENT;
			*p += i;
			return -1;
		}
		c = (c << 6) | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = c;
	*p += need + 1;
	return 0;
}

size_t
utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp <= 0x10FFFF) {
		o[0] = (unsigned char)(0xF0 | (cp >> 18));
		o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (unsigned char)(0x80 | (cp & 0x3F));
		return 4;
	}
	return 0;
}

int
utf8_validate(const char *s, size_t len, size_t *bad_offset)
{
	const char *p = s, *end = s + len, *start;
	uint32_t cp;

	while (p < end) {
		start = p;
		if (utf8_decode(&p, end, &cp) != 0) {
			if (bad_offset != NULL)
				*bad_offset = (size_t)(start - s);
			return -1;
		}
	}
	return 0;
}

/* --- table lookups (all tables are sorted by their first field) --- */

static const struct utf8_decomp *
utf8_find_decomp(uint32_t cp)
{
	size_t lo = 0, hi = NELEM(utf8_decompose_table), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (utf8_decompose_table[mid].cp == cp)
			return &utf8_decompose_table[mid];
		if (utf8_decompose_table[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Primary composite of first + second, or 0 if there is none. */
static uint32_t
utf8_compose_pair(uint32_t first, uint32_t second)
{
	size_t lo = 0, hi = NELEM(utf8_compose_table), mid;
	const struct utf8_pair *e;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		e = &utf8_compose_table[mid];
		if (e->first == first && e->second == second)
			return e->composite;
		if (e->first < first ||
		    (e->first == first && e->second < second))
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
utf8_combining_class(uint32_t cp)
{
	size_t lo = 0, hi = NELEM(utf8_ccc_table), mid;

	if (cp < 0x0300)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (utf8_ccc_table[mid].cp == cp)
			return utf8_ccc_table[mid].ccc;
		if (utf8_ccc_table[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static const struct utf8_letter *
utf8_find_letter(uint32_t cp)
{
	size_t lo = 0, hi = NELEM(utf8_letter_table), mid;

	if (cp < 0x00C0)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (utf8_letter_table[mid].cp == cp)
			return &utf8_letter_table[mid];
		if (utf8_letter_table[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
utf8_is_latin_letter(uint32_t cp)
{
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
		return 1;
	return utf8_find_letter(cp) != NULL;
}

uint32_t
utf8_latin_lower(uint32_t cp)
{
	const struct utf8_letter *l;

	if (cp >= 'A' && cp <= 'Z')
		return cp + ('a' - 'A');
	if ((l = utf8_find_letter(cp)) != NULL && l->lower != 0)
		return l->lower;
	return cp;
}

uint32_t
utf8_latin_upper(uint32_t cp)
{
	const struct utf8_letter *l;

	if (cp >= 'a' && cp <= 'z')
		return cp - ('a' - 'A');
	if ((l = utf8_find_letter(cp)) != NULL && l->upper != 0)
		return l->upper;
	return cp;
}

const char *
utf8_latin_ascii(uint32_t cp)
{
	static const char ascii[26][2] = {
		"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
		"n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
	};
	const struct utf8_letter *l;

	if (cp >= 'A' && cp <= 'Z')
		return ascii[cp - 'A'];
	if (cp >= 'a' && cp <= 'z')
		return ascii[cp - 'a'];
	if ((l = utf8_find_letter(cp)) != NULL)
		return l->ascii;
	return NULL;
}

/* --- NFC --- */

struct utf8_cpbuf {
	uint32_t *cp;
	uint8_t *ccc;
	size_t n, cap;
};

static void
utf8_cpbuf_push(struct utf8_cpbuf *b, uint32_t cp)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->cp = xreallocarray(b->cp, b->cap, sizeof(*b->cp));
		b->ccc = xreallocarray(b->ccc, b->cap, sizeof(*b->ccc));
	}
	b->cp[b->n] = cp;
	b->ccc[b->n] = (uint8_t)utf8_combining_class(cp);
	b->n++;
}

/* Append the full canonical decomposition of cp (depth is tiny in data). */
static void
utf8_push_decomposed(struct utf8_cpbuf *b, uint32_t cp, int depth)
{
	const struct utf8_decomp *d;

	if (depth < 8 && (d = utf8_find_decomp(cp)) != NULL) {
		utf8_push_decomposed(b, d->first, depth + 1);
		if (d->second != 0)
			utf8_push_decomposed(b, d->second, depth + 1);
		return;
	}
	utf8_cpbuf_push(b, cp);
}

/*
 * Stable sort of b[from..to) by combining class: insertion sort for the
 * usual one or two marks, counting sort for long (hostile) runs so the
 * cost stays linear.
 */
static void
utf8_sort_marks(struct utf8_cpbuf *b, size_t from, size_t to)
{
	size_t count[257], i, j, k = to - from;
	uint32_t *tmp, c;
	uint8_t cc;

	if (k <= 8) {
		for (i = from + 1; i < to; i++) {
			c = b->cp[i];
			cc = b->ccc[i];
			for (j = i; j > from && b->ccc[j - 1] > cc; j--) {
				b->cp[j] = b->cp[j - 1];
				b->ccc[j] = b->ccc[j - 1];
			}
			b->cp[j] = c;
			b->ccc[j] = cc;
		}
		return;
	}
	memset(count, 0, sizeof(count));
	for (i = from; i < to; i++)
		count[b->ccc[i] + 1]++;
	for (i = 1; i < 257; i++)
		count[i] += count[i - 1];
	tmp = xreallocarray(NULL, k, sizeof(*tmp));
	for (i = from; i < to; i++)
		tmp[count[b->ccc[i]]++] = b->cp[i];
	for (i = 0; i < k; i++) {
		b->cp[from + i] = tmp[i];
		b->ccc[from + i] = (uint8_t)utf8_combining_class(tmp[i]);
	}
	free(tmp);
}

/* Canonical composition in place (UAX #15), limited to the table's pairs. */
static void
utf8_compose(struct utf8_cpbuf *b)
{
	size_t i, n = 0, starter = 0;
	int have_starter = 0, last_cc = -1;	/* -1: nothing after starter */
	uint32_t comp;
	int cc;

	for (i = 0; i < b->n; i++) {
		cc = b->ccc[i];
		if (have_starter && (last_cc == -1 ||
		    (last_cc != 0 && last_cc < cc)) &&
		    (comp = utf8_compose_pair(b->cp[starter], b->cp[i])) != 0) {
			b->cp[starter] = comp;
			continue;
		}
		if (cc == 0) {
			starter = n;
			have_starter = 1;
			last_cc = -1;
		} else
			last_cc = cc;
		b->cp[n] = b->cp[i];
		b->ccc[n] = b->ccc[i];
		n++;
	}
	b->n = n;
}

char *
utf8_nfc_vietnamese(const char *s)
{
	struct utf8_cpbuf b = { NULL, NULL, 0, 0 };
	const char *p = s, *end = s + strlen(s);
	size_t i, j, len = 0;
	uint32_t cp;
	char *out;

	while (p < end) {
		(void)utf8_decode(&p, end, &cp);	/* bad bytes -> U+FFFD */
		utf8_push_decomposed(&b, cp, 0);
	}
	for (i = 0; i < b.n; i = j) {
		if (b.ccc[i] == 0) {
			j = i + 1;
			continue;
		}
		for (j = i; j < b.n && b.ccc[j] != 0; j++)
			;
		if (j - i > 1)
			utf8_sort_marks(&b, i, j);
	}
	utf8_compose(&b);

	out = xreallocarray(NULL, b.n + 1, UTF8_MAX_BYTES);
	for (i = 0; i < b.n; i++)
		len += utf8_encode(b.cp[i], out + len);
	out[len] = '\0';
	free(b.cp);
	free(b.ccc);
	return out;
}

size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	const char *p = (const char *)s, *start = p;

	if (n == 0 || utf8_decode(&p, start + n, cp) != 0)
		return 0;
	return (size_t)(p - start);
}
