/*
 * smtp_auth.h — the SASL mechanisms govmaild offers after STARTTLS on the
 * submission listener: PLAIN (RFC 4616) and LOGIN. Only decoding and
 * validation live here (pure, bounded); checking the credentials is
 * auth_ldap.c, the dialogue is smtp_auth_proto.c.
 */
#ifndef GOVMAIL_SMTP_AUTH_H
#define GOVMAIL_SMTP_AUTH_H

#include <stddef.h>

/* Longest user name and password accepted (bytes). */
#define SMTP_AUTH_USER_MAX 255
#define SMTP_AUTH_PASS_MAX 255

enum smtp_auth_mech { SMTP_AUTH_NONE = 0, SMTP_AUTH_PLAIN, SMTP_AUTH_LOGIN };

/* "PLAIN"/"LOGIN" (any case) -> mechanism; SMTP_AUTH_NONE if unknown. */
enum smtp_auth_mech smtp_auth_mech(const char *name, size_t len);

/*
 * Strict base64 (RFC 4648, padding required, no white space) of
 * [in, in+inlen) into out (outlen bytes). Returns the decoded length, or
 * -1 if malformed or too long.
 */
long smtp_auth_b64decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen);

/* Base64 of s into out; returns 0, or -1 if out is too small. */
int smtp_auth_b64encode(const char *s, char *out, size_t outlen);

/*
 * PLAIN: "authzid NUL authcid NUL password". An authzid other than empty
 * or the authcid is refused (no proxy authorisation). User and password
 * must be non-empty, printable (user) / NUL-free (password), and within
 * the limits. Returns 0 or -1 with *why.
 */
int smtp_auth_plain(const unsigned char *msg, size_t len, char *user,
    size_t ulen, char *pass, size_t plen, const char **why);

/* One LOGIN field (user name or password) from its decoded bytes. */
int smtp_auth_login_field(const unsigned char *msg, size_t len, char *out,
    size_t outlen, int is_user, const char **why);

#endif
