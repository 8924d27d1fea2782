/*
 * sign_revinfo.h — revocation data a signature or a document carries:
 * the CRLs and OCSP responses of a CMS SignedData's revocationInfoChoices
 * (RFC 5652; OCSP as id-ri-ocsp-response, RFC 5940) and those of a PDF's
 * /DSS dictionary (PAdES, ETSI EN 319 142-1: /OCSPs, /CRLs, /Certs).
 * Nothing here is trusted: sign_verify.c hands the CRLs to the chain
 * check (OpenSSL verifies their signature and dates like configured
 * ones) and sign_ocsp.c verifies each OCSP answer like a fetched one.
 * Not for: fetching (sign_ocsp.c) or deciding anything.
 */
#ifndef GOVMAIL_SIGN_REVINFO_H
#define GOVMAIL_SIGN_REVINFO_H

#include <stddef.h>

#include <openssl/cms.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "sign_ocsp.h"

/* Most items of each kind kept from one signature or document. */
#define SIGN_REVINFO_MAX 64

struct sign_revinfo {
	STACK_OF(X509_CRL) *crls;
	STACK_OF(OCSP_BASICRESP) *ocsp;     /* successful basic responses */
	STACK_OF(X509) *certs;              /* may complete a responder's chain */
};

struct sign_revinfo *sign_revinfo_new(void);
void sign_revinfo_free(struct sign_revinfo *r);

/* Add one DER item; -1 (nothing added) when it is not one, or too many. */
int sign_revinfo_add_ocsp(struct sign_revinfo *r, const unsigned char *der, size_t len);
int sign_revinfo_add_crl(struct sign_revinfo *r, const unsigned char *der, size_t len);
int sign_revinfo_add_cert(struct sign_revinfo *r, const unsigned char *der, size_t len);

/* Add what the SignedData cms (read from der, len bytes) carries: its
 * CRLs, and the OCSP responses of its other revocation info (found in
 * der, or in a DER re-encoding of cms when der is BER). Returns the
 * number of items added. */
size_t sign_revinfo_from_cms(struct sign_revinfo *r, CMS_ContentInfo *cms,
    const unsigned char *der, size_t len);

/* The OCSP responses (DER OCSPResponse) in the revocationInfoChoices of
 * the ContentInfo der: calls fn for each, returns how many; -1 when der
 * is not a SignedData as DER, -2 when it uses BER indefinite lengths. */
int sign_revinfo_cms_ocsp(const unsigned char *der, size_t len,
    void (*fn)(const unsigned char *, size_t, void *), void *arg);

#endif
