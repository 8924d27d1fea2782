/*
 * sign_algo.h — which algorithms and key sizes a signature may use, as
 * Circular 15/2025/TT-BKHCN asks: no SHA-1 (unless signature.allow_sha1),
 * never MD5 or older, RSA keys of at least signature.min_rsa_bits (2048),
 * ECDSA keys of at least signature.min_ec_bits (256, P-256); RSA-PSS is
 * accepted. Applied to the signer's signature (the digest of its signer
 * info and its signature algorithm, RSA-PSS parameters included), to the
 * signer's key, and to every certificate of the verified chain (each key,
 * and the digest each certificate is signed with, except a trust anchor's
 * signature on itself: it is trusted by configuration, not by that
 * signature). A signer under a 1024-bit CA is no stronger than the CA.
 * Not for: verifying signatures (sign_verify.c) or the PDF SubFilter
 * (sign_subfilter.c).
 */
#ifndef GOVMAIL_SIGN_ALGO_H
#define GOVMAIL_SIGN_ALGO_H

#include <stddef.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

struct govmail_conf;

struct sign_algo_policy {
	int allow_sha1;
	int min_rsa_bits;
	int min_ec_bits;
};

/* The policy of c's signature { } section. */
void sign_algo_policy_init(struct sign_algo_policy *p, const struct govmail_conf *c);

/* Is the key k acceptable? 0, or -1 with why ("RSA key of 1024 bits, at
 * least 2048 required"); whose prefixes it ("signer" or a CA's name). */
int sign_algo_check_key(const struct sign_algo_policy *p, EVP_PKEY *k, const char *whose,
    char *why, size_t len);

/* The digest and signature algorithms of the signer info si and the
 * signer's key (x, its certificate). 0, or -1 with why. */
int sign_algo_check_signer(const struct sign_algo_policy *p, CMS_SignerInfo *si, X509 *x,
    char *why, size_t len);

/* Every certificate of a verified chain (the signer first): keys, and the
 * digest of each certificate's signature. 0, or -1 with why. */
int sign_algo_check_chain(const struct sign_algo_policy *p, STACK_OF(X509) *chain,
    char *why, size_t len);

#endif
