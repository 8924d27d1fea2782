/*
 * dkim_sign.h — DKIM signatures (RFC 6376, relaxed/relaxed; rsa-sha256,
 * and ed25519-sha256 of RFC 8463 when the domain has such a key) for the
 * end-of-data pipeline: the final header section is given field by field
 * (or as one block), the body is streamed in chunks of any size and
 * hashed as it goes (no copy of the message is made), and the result is
 * the DKIM-Signature field(s) to put in front of the message.
 *
 * The keys of every domain are read once, as root, into a keyring
 * (dkim_keys.h names the files); a rotation switches to the next
 * selector at its time without a reload, since both keys are loaded.
 *
 * Not for: deciding whether a message is to be signed (the pipeline's
 * policy) or verifying signatures.
 */
#ifndef GOVMAILD_DKIM_SIGN_H
#define GOVMAILD_DKIM_SIGN_H

#include <stddef.h>
#include <time.h>

struct spool;
struct dkim_keyring;
struct dkim_sign;

/* Header bytes kept for signing at most (the signed fields, canonical). */
#define DKIM_SIGN_HEADER_MAX (256 * 1024)

/*
 * Load the keys of every domain with a rotation state (DOMAIN.state) in
 * dir: its signing selector's keys and, during a rotation, the next
 * one's. NULL with a message in err if any of them cannot be read (a
 * domain whose key is broken must not go out unsigned unnoticed). A
 * directory that does not exist gives an empty keyring.
 */
struct dkim_keyring *dkim_keyring_load(const char *dir, char *err, size_t errlen);
void dkim_keyring_free(struct dkim_keyring *kr);
/* Domains in the keyring. */
size_t dkim_keyring_count(const struct dkim_keyring *kr);

/*
 * Start signing a message whose From: domain is from_domain: the keys of
 * that domain, else of its nearest parent domain that has keys (an
 * agency's subdomain signs with its own selector if it has one, else with
 * the province's domain, which DMARC's relaxed alignment accepts). now
 * picks the selector. NULL when no domain of the chain has keys.
 */
struct dkim_sign *dkim_sign_begin(const struct dkim_keyring *kr,
    const char *from_domain, time_t now);

/*
 * Sign the fields named name as well, each instance once (not oversigned:
 * it is absent from most messages), e.g. the signature rule's result
 * field (signature.header). Before the first field is given; a name that
 * is not a plain field name, or one signed anyway, is ignored.
 */
void dkim_sign_also(struct dkim_sign *s, const char *name);

/* The d= domain and the selectors (ed NULL if none) the signer uses. */
const char *dkim_sign_domain(const struct dkim_sign *s);
const char *dkim_sign_selector(const struct dkim_sign *s, int ed25519);

/*
 * One header field as it will be sent: name, colon, value, continuation
 * lines, with or without its final CRLF. Fields must come in message
 * order. 0, or -1 when the signed fields exceed DKIM_SIGN_HEADER_MAX.
 */
int dkim_sign_header(struct dkim_sign *s, const char *field, size_t len);

/*
 * A header section (fields, ending at an empty line or at len): every
 * field given to dkim_sign_header. Returns the bytes read including the
 * empty line (where the body starts), or -1 as dkim_sign_header.
 */
long long dkim_sign_headers(struct dkim_sign *s, const char *p, size_t len);

/* Body bytes, in order, in chunks of any size (CRLF line ends). */
void dkim_sign_body(struct dkim_sign *s, const void *p, size_t n);

/* The body from offset off to the end of the spooled message. 0 or -1. */
int dkim_sign_body_spool(struct dkim_sign *s, struct spool *sp, unsigned long long off);

/*
 * The DKIM-Signature field(s), folded, each ending in CRLF, to be put
 * before the message's first field (xmalloc'd). NULL with a message in
 * err when the message has no From: field or a signature failed.
 */
char *dkim_sign_end(struct dkim_sign *s, char *err, size_t errlen);
void dkim_sign_free(struct dkim_sign *s);

/*
 * Canonicalisation (RFC 6376 §3.4.2) of one header field, for the unit
 * tests and the fuzz target: "name:value\r\n" (xmalloc'd, NUL-terminated),
 * its length in *outlen; NULL when the field has no colon.
 */
char *dkim_canon_header(const char *field, size_t len, size_t *outlen);

/* The relaxed body canonicaliser (§3.4.4), streaming, for the same. */
struct dkim_body_canon;
struct dkim_body_canon *dkim_body_canon_new(void (*out)(void *arg, const char *p,
    size_t n), void *arg);
void dkim_body_canon_add(struct dkim_body_canon *c, const void *p, size_t n);
void dkim_body_canon_end(struct dkim_body_canon *c);
void dkim_body_canon_free(struct dkim_body_canon *c);

#endif
