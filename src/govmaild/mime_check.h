/*
 * mime_check.h — the MIME structure of a spooled message, walked with
 * libetpan for the attachment rule: every part's file names (RFC 2231
 * parameters with charset and continuations, RFC 2047 encoded-words, all
 * decoded to UTF-8) and declared type, against the blocked extensions and
 * types; and a structure that cannot be read one way only (duplicate
 * boundary, multipart without boundary or without closing delimiter,
 * nesting or part count over the limits) is reported as malformed.
 * Not for: deciding or wording the reply (policy.c), signatures (later).
 */
#ifndef GOVMAIL_MIME_CHECK_H
#define GOVMAIL_MIME_CHECK_H

#include <stddef.h>


struct mime_check_limits {
	int max_depth;                    /* nested multiparts/messages */
	int max_parts;                    /* parts in all */
	unsigned long long max_size;      /* bytes read at most */
	char *const *blocked_ext;         /* without dot, compared without case */
	size_t nblocked_ext;
	char *const *blocked_types;       /* "type/subtype", without case */
	size_t nblocked_types;
};

enum mime_check_status { MIME_CHECK_OK = 0, MIME_CHECK_MALFORMED, MIME_CHECK_BLOCKED };

struct mime_check_result {
	enum mime_check_status status;
	char why[160];         /* MALFORMED: what is wrong; BLOCKED: "extension .exe" */
	char filename[512];    /* BLOCKED: the file name in UTF-8 (may be "") */
	char type[128];        /* BLOCKED: the declared type */
	char ascii[80];        /* BLOCKED: filename for a reply (mime_check_ascii) */
};

/* Check a parsed message (mime_tree.h); the walk is bounded by
 * lim->max_depth, so it runs on the caller's stack. */
struct mime_tree;
void mime_check_tree(const struct mime_tree *t, const struct mime_check_limits *lim,
    struct mime_check_result *res);

/* The same on a buffer, parsed here (unit tests, fuzzing). */
void mime_check_buffer(const char *buf, size_t len, const struct mime_check_limits *lim,
    struct mime_check_result *res);

/* The value of parameter base ("filename", "name") from RFC 2231 pieces
 * (base*, base*0, base*0*, base*1 ...) or the plain one (RFC 2047
 * encoded-words decoded), in UTF-8; names[i]/values[i] as in the header,
 * values unquoted. A new string, or NULL if absent or undecodable. */
char *mime_check_param(const char *base, const char *const *names,
    const char *const *values, size_t n);

/* Text with RFC 2047 encoded-words decoded to UTF-8 (a new string). */
char *mime_check_decode_2047(const char *s);

/* The extension of filename (after the last dot, trailing dots and
 * spaces ignored) if it is in list; NULL otherwise. */
const char *mime_check_ext_blocked(const char *filename, char *const *list, size_t n);

/* For other walkers of a libetpan tree (sign_check.c): the declared
 * type of m ("type/subtype", lower case) into buf, and its file name
 * (Content-Disposition filename, else Content-Type name) decoded to
 * UTF-8 as a new string, or NULL. */
struct mailmime;
void mime_check_part_type(const struct mailmime *m, char *buf, size_t len);
char *mime_check_part_filename(struct mailmime *m);

/* filename made ASCII-safe for a reply: Vietnamese letters lose their
 * diacritics, other non-ASCII and control characters become '?'. */
void mime_check_ascii(const char *utf8, char *out, size_t outlen);

#endif
