/*
 * dkim_keyrec.h — reading a DKIM key record (the TXT record at
 * SELECTOR._domainkey.DOMAIN, RFC 6376 §3.6.1, and k=ed25519 of RFC
 * 8463) into a public key, for verifying inbound signatures. The record is
 * untrusted input: bounded, every tag checked, duplicates refused.
 * Not for: fetching it (dns_resolve.h) or verifying a signature.
 */
#ifndef GOVMAILD_DKIM_KEYREC_H
#define GOVMAILD_DKIM_KEYREC_H

#include <stddef.h>

#include <openssl/evp.h>

#define DKIM_KEYREC_MAX 8192        /* bytes of a record read at most */

struct dkim_keyrec {
	int alg;            /* DKIM_ALG_RSA or DKIM_ALG_ED25519 (dkim_keys.h) */
	EVP_PKEY *key;      /* NULL when revoked */
	/* RSA: a context of key ready for EVP_PKEY_verify of a SHA-256
	 * digest (PKCS #1 v1.5), this record's own; else NULL. Setting one
	 * up costs a third of the verification, so the records kept have
	 * one made once and copied (dkim_keyrec_parse_cached). */
	EVP_PKEY_CTX *vctx;
	int revoked;        /* p= empty: the key was withdrawn (§3.6.1) */
	int testing;        /* t=y: the domain is testing DKIM */
	int strict;         /* t=s: i= must be d= exactly, no subdomain */
};

/*
 * Parse the record txt (len bytes, the strings of the TXT record joined).
 * 0, or -1 with the reason in err (a permanent failure: a syntax error,
 * v= not DKIM1 or not first, a duplicate tag, an unknown k=, h= without
 * sha256, s= not for e-mail, a key that does not decode, an RSA key of
 * fewer than 1024 bits). Free with dkim_keyrec_clear.
 */
int dkim_keyrec_parse(const char *txt, size_t len, struct dkim_keyrec *out,
    char *err, size_t errlen);
void dkim_keyrec_clear(struct dkim_keyrec *k);

/*
 * dkim_keyrec_parse, with the records already parsed kept (by their text,
 * a bounded number, shared by all threads): the same result, the key a
 * reference of its own (dkim_keyrec_clear as usual). dkim_keyrec_cache_clear
 * drops them all.
 */
int dkim_keyrec_parse_cached(const char *txt, size_t len, struct dkim_keyrec *out,
    char *err, size_t errlen);
void dkim_keyrec_cache_clear(void);

#endif
