/*
 * sign_text.h — the words of signature results for people: the catalog
 * of reasons in English and Vietnamese, and how a reason is written into
 * an SMTP reply (ASCII: govmaild offers no SMTPUTF8) and into a parameter
 * of the result header (RFC 2231 when it is not ASCII).
 *
 * The code that finds a reason writes it in English, as before (the log
 * and govmaild -s keep English: operators grep them); the English text is
 * the key of the catalog, as a msgid is gettext's. An entry's English
 * pattern is matched against the whole reason, its arguments carried
 * over into the Vietnamese text. A reason no entry matches stays English.
 * Patterns: %s (a name or a file, copied), %d (a number), %r (a reason of
 * its own, translated in turn), %% (a percent sign).
 * Not for: deciding anything (sign_check.c), or the reply codes (policy.c).
 */
#ifndef GOVMAIL_SIGN_TEXT_H
#define GOVMAIL_SIGN_TEXT_H

#include <stddef.h>

enum sign_lang { SIGN_LANG_EN = 0, SIGN_LANG_VI };

struct sign_text_entry {
	const char *id;     /* stable name, e.g. "cert.revoked" */
	const char *en;     /* the English pattern, as the code writes it */
	const char *vi;     /* Vietnamese, the same conversions in the same order */
};

extern const struct sign_text_entry sign_text_catalog[];
extern const size_t sign_text_ncatalog;

/* "en" or "vi" into a language; -1 if not one. */
int sign_lang_parse(const char *s);

/* The entry whose English pattern matches en, or NULL. */
const struct sign_text_entry *sign_text_lookup(const char *en);

/* The reason en (English, UTF-8) in lang into out (UTF-8, cut at a
 * character). Returns 1 when the catalog had it, else 0 (copied as is). */
int sign_text_translate(const char *en, enum sign_lang lang, char *out, size_t len);

/* UTF-8 folded to printable ASCII: Latin letters without their
 * diacritics ("chữ ký" -> "chu ky", "Đ" -> "D"), other characters '?'. */
void sign_text_ascii(const char *utf8, char *out, size_t len);

/* A name from a certificate as it may be shown: valid UTF-8 kept with
 * its diacritics, controls and invalid bytes dropped, cut at a character
 * to fit len. */
void sign_text_clean(const char *in, char *out, size_t len);

/* A reason for an SMTP reply: translated, then folded to ASCII. */
void sign_text_reply(const char *en, enum sign_lang lang, char *out, size_t len);

/*
 * Append the parameter ";" CRLF TAB name=value to the header value in
 * buf (n bytes of len used; returns the new length, or len when it did
 * not fit: then what follows buf[n] is unspecified, and the caller cuts
 * the value back to n). An ASCII value is a quoted string
 * ('"' and '\' escaped, controls dropped), folded at its spaces so that
 * lines stay within 78 characters; other UTF-8 is an RFC 2231 extended
 * value, name*0*=utf-8''%E1%BB%AF...; name*1*=..., one section a line,
 * cut between characters. ascii: fold the value to ASCII instead.
 */
size_t sign_text_param(char *buf, size_t len, size_t n, const char *name,
    const char *value, int ascii);

#endif
