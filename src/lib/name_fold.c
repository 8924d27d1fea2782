/*
 * name_fold.c — validation, display form, ASCII folding and splitting of
 * people's names (see name_fold.h). Unicode data comes from utf8.c; this
 * file decides which characters a name may contain and what they mean.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name_fold.h"
#include "utf8.h"
#include "xmalloc.h"

/* A letter may carry this many combining marks (Vietnamese needs two). */
#define NAME_MARKS_MAX 3

enum name_class {
	NAME_LETTER,
	NAME_MARK,		/* combining mark U+0300..U+036F */
	NAME_SPACE,
	NAME_PUNCT,		/* hyphen, apostrophe, period: word separators */
	NAME_DIGIT,
	NAME_CONTROL,		/* C0/C1 controls and invisible format chars */
	NAME_OTHER,
};

static enum name_class
name_classify(uint32_t cp)
{
	if (utf8_is_latin_letter(cp))
		return NAME_LETTER;
	if (cp >= '0' && cp <= '9')
		return NAME_DIGIT;
	if (cp == ' ' || cp == 0x00A0)
		return NAME_SPACE;
	if (cp == '-' || cp == '\'' || cp == '.' || cp == 0x2019)
		return NAME_PUNCT;
	/* U+034F COMBINING GRAPHEME JOINER is invisible: not a mark here. */
	if (cp >= 0x0300 && cp <= 0x036F && cp != 0x034F)
		return NAME_MARK;
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
	    cp == 0x00AD || cp == 0x034F || (cp >= 0x200B && cp <= 0x200F) ||
	    (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) ||
	    cp == 0xFEFF)
		return NAME_CONTROL;
	return NAME_OTHER;
}

static int name_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Format an error message into err (if there is room) and return -1. */
static int
name_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
name_check(const char *name, size_t max_chars, char *err, size_t errlen)
{
	const char *p, *end;
	size_t len, bad, pos = 0, marks = 0;
	int letters = 0, nonspace = 0, after_letter = 0;
	uint32_t cp;

	if (name == NULL || *name == '\0')
		return name_err(err, errlen, "name is empty");
	len = strlen(name);
	if (utf8_validate(name, len, &bad) != 0)
		return name_err(err, errlen, "name is not valid UTF-8 at byte "
		    "%zu (legacy TCVN3/VNI encoding?)", bad);

	for (p = name, end = name + len; p < end;) {
		(void)utf8_decode(&p, end, &cp);	/* validated above */
		switch (name_classify(cp)) {
		case NAME_MARK:
			if (!after_letter)
				return name_err(err, errlen, "name contains an "
				    "accent mark without a letter at position "
				    "%zu", pos + 1);
			if (++marks > NAME_MARKS_MAX)
				return name_err(err, errlen, "name has too many "
				    "accent marks on one letter at position %zu",
				    pos);
			continue;	/* part of the previous character */
		case NAME_LETTER:
			letters = 1;
			nonspace = 1;
			after_letter = 1;
			break;
		case NAME_SPACE:
			after_letter = 0;
			break;
		case NAME_PUNCT:
			nonspace = 1;
			after_letter = 0;
			break;
		case NAME_CONTROL:
			return name_err(err, errlen, "name contains a control "
			    "character at position %zu", pos + 1);
		case NAME_DIGIT:
		case NAME_OTHER:
			return name_err(err, errlen, "name contains a character "
			    "that is not allowed at position %zu (U+%04X)",
			    pos + 1, (unsigned)cp);
		}
		marks = 0;
		pos++;
	}
	if (!nonspace)
		return name_err(err, errlen, "name is empty");
	if (pos > max_chars)
		return name_err(err, errlen, "name is longer than %zu "
		    "characters", max_chars);
	if (!letters)
		return name_err(err, errlen, "name contains no letters");
	return 0;
}

static int
name_is_space(uint32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x00A0 ||
	    (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
	    cp == 0x3000;
}

char *
name_display(const char *name)
{
	char *nfc, *buf, *out;
	const char *p, *end;
	size_t len = 0;
	int prev_letter = 0, pending_space = 0;
	enum name_class cl;
	uint32_t cp;

	nfc = utf8_nfc_vietnamese(name);
	end = nfc + strlen(nfc);
	/* Each code point at most doubles in bytes (case mapping, eth fix). */
	buf = xmalloc((size_t)(end - nfc) * 2 + 1);
	for (p = nfc; p < end;) {
		(void)utf8_decode(&p, end, &cp);
		cl = name_classify(cp);
		if (name_is_space(cp) || (cl == NAME_CONTROL && cp < 0xA0)) {
			pending_space = len > 0;
			prev_letter = 0;
			continue;
		}
		if (cl == NAME_CONTROL)		/* invisible format character */
			continue;
		if (cp == 0x00D0)
			cp = 0x0110;		/* Ð eth -> Đ */
		else if (cp == 0x00F0)
			cp = 0x0111;		/* ð eth -> đ */
		if (pending_space) {
			buf[len++] = ' ';
			pending_space = 0;
		}
		if (cl == NAME_LETTER) {
			cp = prev_letter ? utf8_latin_lower(cp) :
			    utf8_latin_upper(cp);
			prev_letter = 1;
		} else if (cl != NAME_MARK && utf8_combining_class(cp) == 0)
			prev_letter = 0;
		len += utf8_encode(cp, buf + len);
	}
	buf[len] = '\0';
	free(nfc);
	/* Case mapping can make new pairs composable (ı + U+0301 -> Í). */
	out = utf8_nfc_vietnamese(buf);
	free(buf);
	return out;
}

int
name_fold_ascii(const char *in, char *out, size_t outlen)
{
	static const char digits[10][2] = {
		"0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
	};
	const char *p = in, *end = in + strlen(in), *a;
	size_t len = 0, n;
	int pending_space = 0;
	enum name_class cl;
	uint32_t cp;

	if (outlen == 0)
		return -1;
	while (p < end) {
		/* A bad byte, like the U+FFFD NFC puts there, splits words. */
		if (utf8_decode(&p, end, &cp) != 0 || cp == UTF8_REPLACEMENT) {
			pending_space = len > 0;
			continue;
		}
		if (cp >= '0' && cp <= '9')
			a = digits[cp - '0'];
		else if ((a = utf8_latin_ascii(cp)) == NULL) {
			/* Spaces, separators and C0/C1 controls split words;
			 * marks, invisible and other characters vanish. */
			cl = name_classify(cp);
			if (name_is_space(cp) || cl == NAME_PUNCT ||
			    (cl == NAME_CONTROL && cp < 0xA0))
				pending_space = len > 0;
			continue;
		}
		if ((n = strlen(a)) == 0)
			continue;
		if (len + (size_t)pending_space + n >= outlen) {
			out[0] = '\0';
			return -1;
		}
		if (pending_space) {
			out[len++] = ' ';
			pending_space = 0;
		}
		memcpy(out + len, a, n);
		len += n;
	}
	out[len] = '\0';
	return 0;
}

int
name_split(const char *folded, struct name_parts *np)
{
	char words[NAME_WORDS_MAX][NAME_PART_MAX];
	size_t nwords = 0, i, n;
	const char *p = folded, *w;

	memset(np, 0, sizeof(*np));
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p != '\0' && *p != ' '; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
				return -1;
		n = (size_t)(p - w);
		if (nwords == NAME_WORDS_MAX || n >= NAME_PART_MAX)
			return -1;
		memcpy(words[nwords], w, n);
		words[nwords][n] = '\0';
		nwords++;
	}
	if (nwords == 0)
		return -1;
	memcpy(np->given, words[nwords - 1], NAME_PART_MAX);
	if (nwords > 1)
		memcpy(np->surname, words[0], NAME_PART_MAX);
	for (i = 1; i + 1 < nwords; i++)
		memcpy(np->middle[np->nmiddle++], words[i], NAME_PART_MAX);
	return 0;
}
