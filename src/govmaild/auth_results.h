/*
 * auth_results.h — the Authentication-Results header field (RFC 8601)
 * govmaild adds to every inbound message: one resinfo per method result
 * (spf, dkim per signature, dmarc), under govmaild's authserv-id; and
 * the test that finds incoming fields carrying that authserv-id, which
 * must be removed before ours is added (RFC 8601 §5), since anyone could
 * have written them.
 *
 * Property values come from the message and the envelope (untrusted):
 * they are written as tokens when they are, else as quoted strings with
 * control characters replaced, each cut at AR_VALUE_MAX bytes.
 *
 * Not for: computing the results (spf_check.h, dkim_verify.h, dmarc_check.h).
 */
#ifndef GOVMAILD_AUTH_RESULTS_H
#define GOVMAILD_AUTH_RESULTS_H

#include <stddef.h>

#define AR_VALUE_MAX 256
#define AR_MAX_RESULTS 16

struct ar_prop {
	const char *ptype;      /* "smtp", "header", "policy" */
	const char *name;       /* "mailfrom", "d", ... */
	const char *value;      /* NULL or "": the property is left out */
};

struct auth_results;

/* authserv_id: a domain name (checked); NULL if it is not one. */
struct auth_results *auth_results_new(const char *authserv_id);
void auth_results_free(struct auth_results *a);

/*
 * One result: method ("spf"), result ("pass"), an optional comment
 * (NULL; its parentheses and backslashes are dropped) and n properties.
 * Results beyond AR_MAX_RESULTS are not written.
 */
void auth_results_add(struct auth_results *a, const char *method,
    const char *result, const char *comment, const struct ar_prop *props, size_t n);

/* The whole field, "Authentication-Results: ...\r\n", folded (xmalloc'd). */
char *auth_results_field(const struct auth_results *a);

/* 1 if this header field (name, colon, value, with or without CRLF) is an
 * Authentication-Results field whose authserv-id is authserv_id. */
int auth_results_is_ours(const char *field, size_t len, const char *authserv_id);

/* 1 if s is usable as an authserv-id (a domain name). */
int auth_results_valid_id(const char *s);

#endif
