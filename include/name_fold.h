/*
 * name_fold.h — people's names as typed by an admin or found in an HR
 * export: validation, a display form, folding to lowercase ASCII and
 * splitting into Vietnamese order (surname, middle names, given name).
 * Only Latin/Vietnamese names are handled; this module knows nothing about
 * mail addresses (see address_template.h) or LDAP.
 */
#ifndef GOVMAIL_NAME_FOLD_H
#define GOVMAIL_NAME_FOLD_H

#include <stddef.h>

#define NAME_PART_MAX	64	/* bytes per word in struct name_parts, with NUL */
#define NAME_MIDDLE_MAX	8	/* middle names kept in struct name_parts */
#define NAME_WORDS_MAX	10	/* surname + NAME_MIDDLE_MAX + given */

/*
 * Validate a full name. Allowed: Latin/Vietnamese letters (precomposed or
 * followed by combining marks), spaces (also no-break space), hyphen,
 * apostrophe (' or U+2019) and period. max_chars counts characters as a
 * reader sees them (a letter and its combining marks are one character),
 * so NFC and NFD spellings count alike. Returns 0, or -1 with a message in
 * err: positions are 1-based characters, "byte N" is a 0-based offset.
 */
int name_check(const char *name, size_t max_chars, char *err, size_t errlen);

/*
 * Display form: NFC, trimmed, whitespace runs collapsed to one space, each
 * word in proper case ("NGUYỄN văn AN" -> "Nguyễn Văn An"; a letter after
 * a hyphen, apostrophe or period starts a new word). Ð/ð (eth, a common
 * stand-in for Đ/đ in HR data) become Đ/đ. Meant for names that passed
 * name_check; other input gives harmless output (bad bytes become U+FFFD,
 * control characters act as spaces). Returns a new xmalloc'd string.
 */
char *name_display(const char *name);

/*
 * Fold a name to lowercase ASCII letters, digits and single spaces,
 * without leading or trailing spaces: diacritics are stripped from
 * precomposed and decomposed letters alike, Đ/đ -> d, other Latin letters
 * -> their base letters ("ß" -> "ss"); whitespace, hyphen, apostrophe and
 * period (and invalid UTF-8 bytes) separate words; combining marks and
 * other characters are dropped.
 * Returns 0, or -1 (out set to "" if outlen > 0) if out is too small.
 */
int name_fold_ascii(const char *in, char *out, size_t outlen);

struct name_parts {
	char surname[NAME_PART_MAX];			/* họ */
	char middle[NAME_MIDDLE_MAX][NAME_PART_MAX];	/* tên đệm */
	size_t nmiddle;
	char given[NAME_PART_MAX];			/* tên */
};

/*
 * Split a folded name (output of name_fold_ascii) in Vietnamese order:
 * first word surname, last word given name, words between middle names;
 * a single word is the given name (surname empty). Returns 0, or -1 if
 * there are no words, more than NAME_WORDS_MAX words, a word of
 * NAME_PART_MAX bytes or more, or a byte other than a-z 0-9 and space.
 */
int name_split(const char *folded, struct name_parts *np);

#endif
