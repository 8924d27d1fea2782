/*
 * sign_certcache.h — certificates of recent signatures, kept parsed.
 * The same signers come back all day (every official document carries
 * its agency's signature), and with OpenSSL 3.0 decoding a certificate's
 * public key is most of what reading a CMS SignedData costs (~0.1 ms hot,
 * up to ~0.3 ms after a message has gone through the caches). So the
 * certificates a CMS embeds are looked up here by their exact DER bytes;
 * the CMS is read without them and given the parsed ones. What is
 * verified does not change: a certificate is reused only for the same
 * bytes, and the certificates are not covered by any signature.
 * Not for: trust decisions (sign_verify.c checks every chain each time).
 */
#ifndef GOVMAIL_SIGN_CERTCACHE_H
#define GOVMAIL_SIGN_CERTCACHE_H

#include <stddef.h>

#include <openssl/cms.h>

struct sign_cert_cache;

/* A cache of up to nslots certificates (0: none, every CMS read whole). */
struct sign_cert_cache *sign_cert_cache_new(size_t nslots);
void sign_cert_cache_free(struct sign_cert_cache *c);

/* The CMS ContentInfo in der (as d2i_CMS_ContentInfo would read it), its
 * embedded certificates taken from the cache (and added to it); NULL if
 * it is not readable. c may be NULL. Thread-safe. */
CMS_ContentInfo *sign_cert_cache_read_cms(struct sign_cert_cache *c,
    const unsigned char *der, size_t derlen);

/* Certificates found in and added to the cache so far (for tests). */
void sign_cert_cache_counts(struct sign_cert_cache *c, unsigned long *hits,
    unsigned long *misses);

#endif
