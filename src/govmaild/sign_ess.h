/*
 * sign_ess.h — the ESS signing-certificate attributes of a CMS signer
 * (RFC 2634 signing-certificate, RFC 5035 signing-certificate-v2): a
 * signed attribute naming the signer's certificate by its hash (and
 * issuer and serial), so that another certificate with the same key
 * cannot be substituted. When present (S/MIME or PDF), the first
 * certificate identifier must match the signer's certificate; a PAdES
 * signature (SubFilter ETSI.CAdES.detached, EN 319 142-1 B-B) must carry
 * signing-certificate-v2. Other identifiers in the list (the chain's CAs)
 * and the policies are not checked.
 * Not for: verifying the signature over the attributes (sign_verify.c).
 */
#ifndef GOVMAIL_SIGN_ESS_H
#define GOVMAIL_SIGN_ESS_H

#include <stddef.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

/* Check the attributes of si against its certificate x; v2_required for
 * PAdES. 0; -1 with why (one does not match or cannot be read); -2 with
 * why (signing-certificate-v2 required and absent). */
int sign_ess_check(CMS_SignerInfo *si, X509 *x, int v2_required, char *why, size_t len);

/* One attribute value (the DER of a SigningCertificate, v2 when v2)
 * against x: 0 it names x first, -1 with why. Bounded by len. */
int sign_ess_match(const unsigned char *der, size_t derlen, int v2, X509 *x, char *why,
    size_t len);

#endif
