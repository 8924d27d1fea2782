/*
 * sign_ocsp.h — certificate status by OCSP (RFC 6960) for the chain
 * checks of sign_verify.c: a status is taken from responses embedded in
 * the signature or the document first (verified like fetched ones), then
 * from the cache of verified answers (kept until nextUpdate, or
 * signature.ocsp_max_age when the responder gives none), then asked of
 * the responder (signature.ocsp_responder, else the certificate's
 * Authority Information Access) over plain HTTP with a timeout for the
 * whole exchange and a bounded answer. Every answer is verified: signed
 * by the issuer itself or by a responder certificate the issuer gave
 * id-kp-OCSPSigning, chained to the configured anchors, thisUpdate and
 * nextUpdate around now (a few minutes of clock skew), the nonce echoed
 * when signature.ocsp_nonce asks for one.
 * A query blocks only the session thread that makes it (govmaild runs one
 * thread per session), for at most signature.ocsp_timeout seconds, and a
 * responder that did not answer is not asked again for 30 seconds; the
 * cache lock is never held across the network.
 * Not for: CRLs or the policy when no status is obtained (sign_verify.c).
 */
#ifndef GOVMAIL_SIGN_OCSP_H
#define GOVMAIL_SIGN_OCSP_H

#include <stddef.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

struct govmail_conf;
struct sign_ocsp;

/* OpenSSL has no stack of basic responses; answers embedded in
 * signatures and documents come as one. */
#ifndef GOVMAIL_SK_OCSP_BASICRESP
#define GOVMAIL_SK_OCSP_BASICRESP
DEFINE_STACK_OF(OCSP_BASICRESP)
#endif

enum sign_ocsp_result {
	SIGN_OCSP_GOOD = 0,
	SIGN_OCSP_REVOKED,
	SIGN_OCSP_UNKNOWN,       /* the responder does not know the certificate */
	SIGN_OCSP_UNAVAILABLE,   /* asked, but no usable answer (down, timeout, bad) */
	SIGN_OCSP_NO_RESPONDER   /* nothing embedded, cached, and no URL to ask */
};

/* OCSP for c's signature { } section with the trust anchors (responder
 * certificates must chain to them); NULL when signature.ocsp = off. */
struct sign_ocsp *sign_ocsp_new(const struct govmail_conf *c, STACK_OF(X509) *anchors);
void sign_ocsp_free(struct sign_ocsp *o);

/*
 * The status of x, issued by issuer. untrusted: certificates that may
 * complete a responder's chain (the signature's, the intermediates).
 * embedded: basic responses carried by the signature or the document, or
 * NULL. why (for the reason and the log) says where the answer came from
 * or why there is none.
 */
enum sign_ocsp_result sign_ocsp_check(struct sign_ocsp *o, X509 *x, X509 *issuer,
    STACK_OF(X509) *untrusted, STACK_OF(OCSP_BASICRESP) *embedded, char *why,
    size_t whylen);

/* Answers fetched from responders since start (for tests and -t). */
unsigned long sign_ocsp_fetches(struct sign_ocsp *o);

#endif
