/*
 * sign_tsp.h — RFC 3161 time-stamp tokens in signatures: the TSA trust
 * (signature.tsa_anchors, with signature.intermediates and the
 * certificates a token carries), and the check of one token over some
 * bytes: a CMS SignedData holding a TSTInfo, signed by a certificate with
 * the timeStamping extended key usage (critical) that chains to a TSA
 * anchor now, named by the token's ESS signing-certificate attribute,
 * whose messageImprint is the digest of the bytes. Its genTime is then
 * what sign_verify.c checks a signer's certificate at.
 * Used for the signature-time-stamp attribute of a signer (the bytes are
 * the signature value) and for PDF document timestamps (/SubFilter
 * /ETSI.RFC3161; the bytes are the /ByteRange).
 * Not for: the signer's own certificate checks (sign_verify.c) or what a
 * timestamp means for a document's verdict (sign_check.c).
 */
#ifndef GOVMAIL_SIGN_TSP_H
#define GOVMAIL_SIGN_TSP_H

#include <stddef.h>
#include <time.h>

struct govmail_conf;
struct sign_segment;
struct sign_tsp;

/* id-aa-signatureTimeStampToken (RFC 3161 appendix A) */
#define SIGN_TSP_ATTR_OID "1.2.840.113549.1.9.16.2.14"

enum sign_tsp_status {
	SIGN_TSP_VALID = 0,
	SIGN_TSP_MALFORMED,     /* not a time-stamp token */
	SIGN_TSP_UNTRUSTED,     /* no TSA anchors, or no chain to one, or not a TSA */
	SIGN_TSP_BROKEN,        /* its signature does not verify */
	SIGN_TSP_MISMATCH       /* its messageImprint is not the bytes' digest */
};

struct sign_tsp_result {
	enum sign_tsp_status status;
	time_t gen_time;        /* VALID: the time the TSA vouches for */
	char why[120];          /* "" when valid */
	char tsa[128];          /* the TSA certificate's CN, when known */
};

/* The TSA trust of c (signature.tsa_anchors; NULL without error when it
 * is empty: then no timestamp is trusted); NULL with err when a file
 * cannot be read. */
struct sign_tsp *sign_tsp_load(const struct govmail_conf *c, char *err, size_t errlen);
void sign_tsp_free(struct sign_tsp *t);

/* Is der (derlen bytes) a CMS SignedData whose content is a TSTInfo? */
int sign_tsp_is_token(const unsigned char *der, size_t derlen);

/* Check the token der over the bytes of segs (t may be NULL: untrusted). */
void sign_tsp_verify(const struct sign_tsp *t, const unsigned char *der, size_t derlen,
    const struct sign_segment *segs, size_t nsegs, struct sign_tsp_result *r);

/* The signature-time-stamp attribute of the CMS signer si, checked over
 * its signature value: 0 if si has none, else 1 and r says what it is
 * worth (a second token in the attribute is not looked at). */
struct CMS_SignerInfo_st;
int sign_tsp_signer(const struct sign_tsp *t, struct CMS_SignerInfo_st *si,
    struct sign_tsp_result *r);

/* "2024-05-01T10:00:00Z" into buf (at least 21 bytes). */
void sign_tsp_time(time_t at, char *buf, size_t len);

#endif
