/*
 * utf8.h — strict UTF-8 decoding/validation and the small amount of Unicode
 * govmail needs for people's names: NFC composition, case mapping and ASCII
 * folding of Latin and Vietnamese letters (Latin-1, Latin Extended-A/B and
 * Latin Extended Additional). It is not a general Unicode library: other
 * scripts pass through untouched.
 */
#ifndef GOVMAIL_UTF8_H
#define GOVMAIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Largest number of bytes one code point takes in UTF-8. */
#define UTF8_MAX_BYTES 4
#define UTF8_REPLACEMENT 0xFFFDu

/*
 * Decode one code point from [*p, end) (requires *p < end). On success
 * stores it in *cp, advances *p past it and returns 0. On an invalid or
 * truncated sequence (overlong, surrogate, > U+10FFFF, bad continuation)
 * stores U+FFFD, advances *p past the maximal invalid subpart (at least one
 * byte) and returns -1.
 */
int utf8_decode(const char **p, const char *end, uint32_t *cp);

/*
 * Encode cp into out (room for UTF8_MAX_BYTES, not NUL-terminated).
 * Returns the number of bytes written, or 0 for a surrogate or a value
 * above U+10FFFF.
 */
size_t utf8_encode(uint32_t cp, char *out);

/*
 * Length (1..4) of the well-formed UTF-8 sequence at s, reading at most n
 * bytes, with its code point in *cp; 0 if s does not start one (overlongs,
 * surrogates, values above U+10FFFF and truncated sequences are refused).
 */
size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Strict UTF-8 check of s[0..len). Returns 0 if valid; otherwise -1 and,
 * if bad_offset is not NULL, the byte offset (0-based) where the first
 * invalid sequence starts.
 */
int utf8_validate(const char *s, size_t len, size_t *bad_offset);

/*
 * NFC of s for Latin and Vietnamese text: base letters and combining marks
 * (in any canonically equivalent order) are composed into precomposed code
 * points; precomposed input is returned unchanged. Invalid UTF-8 bytes are
 * replaced by U+FFFD. Returns a new xmalloc'd string, never NULL.
 */
char *utf8_nfc_vietnamese(const char *s);

/* Canonical combining class of cp (0 for starters and unknown code points). */
int utf8_combining_class(uint32_t cp);

/* Nonzero if cp is an ASCII letter or a letter of the covered Latin blocks. */
int utf8_is_latin_letter(uint32_t cp);

/* Simple lower/upper case of a Latin letter; other code points unchanged. */
uint32_t utf8_latin_lower(uint32_t cp);
uint32_t utf8_latin_upper(uint32_t cp);

/*
 * Lowercase ASCII spelling of a Latin letter without its diacritics
 * ("ệ" -> "e", "Đ" -> "d", "ß" -> "ss"). Returns a static string, "" for a
 * Latin letter with no ASCII equivalent, NULL if cp is not a Latin letter.
 */
const char *utf8_latin_ascii(uint32_t cp);

#endif
