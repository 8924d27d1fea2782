/*
 * sign_verify.h — the cryptography of signature checks, with OpenSSL and
 * one trust store: a CMS SignedData (from a PDF, an S/MIME part or a
 * .p7s file) is verified over its content (CMS_verify, content given as
 * byte ranges so nothing is copied), then each signer's certificate is
 * checked: chain to the configured trust anchors (with the configured
 * intermediates, since signers often embed only their own certificate),
 * validity now (or at the time of a trusted RFC 3161 timestamp of the
 * signature, sign_tsp.h), revocation (CRLs the signature or its document
 * carries and the configured CRL files; for a certificate no CRL covers,
 * OCSP: sign_ocsp.c), and a key usage that allows signing; the algorithms
 * and key sizes (sign_algo.h) and the ESS signing-certificate attributes
 * (sign_ess.h). The CRL files are re-read when they change
 * (checked at most every signature.crl_check_interval seconds) and on
 * SIGHUP (a new trust store with the new configuration).
 * Not for: finding signatures (sign_pdf.c, sign_check.c) or deciding
 * whether a signer is the sender (sign_check.c).
 */
#ifndef GOVMAIL_SIGN_VERIFY_H
#define GOVMAIL_SIGN_VERIFY_H

#include <stddef.h>

struct govmail_conf;
struct sign_trust;

/* The outcome for one signer, worst first among failures. */
enum sign_status {
	SIGN_VALID = 0,
	SIGN_BROKEN,        /* the signature does not verify over its content */
	SIGN_MALFORMED,     /* not a readable CMS SignedData */
	SIGN_UNTRUSTED,     /* no chain to a trust anchor */
	SIGN_EXPIRED,       /* certificate expired or not yet valid */
	SIGN_REVOKED,
	SIGN_BAD_USAGE,     /* key usage does not allow signing */
	SIGN_CRL_PROBLEM,   /* revocation cannot be checked (policy: fail) */
	SIGN_WEAK           /* an algorithm, key size or format not accepted (sign_algo.h) */
};

#define SIGN_MAX_EMAILS 4

/* Accepted with a warning: a CRL out of date (crl_stale = warn), no CRL
 * for an issuer (crl_missing = warn). */
#define SIGN_CRL_WARN_STALE 1
#define SIGN_CRL_WARN_MISSING 2
/* no usable OCSP answer (revocation_unavailable = warn) */
#define SIGN_CRL_WARN_UNAVAILABLE 4

struct sign_signer {
	enum sign_status status;
	char reason[160];           /* for people: "certificate revoked" ... */
	int crl_warning;            /* valid, but: SIGN_CRL_WARN_* bits */
	int tempfail;               /* our side failed (unreadable CRL, policy) */
	char cn[128];               /* subject CN, UTF-8 */
	char org[128];              /* subject O, UTF-8 */
	char email[SIGN_MAX_EMAILS][256];  /* SAN rfc822Name and subject emailAddress */
	size_t nemail;
	unsigned char fingerprint[32];     /* SHA-256 of the certificate (DER) */
	int have_cert;
	/* RFC 3161 (sign_tsp.h): the time the certificate was checked at —
	 * 0 for now, else the genTime of the signer's trusted timestamp, or
	 * of a document timestamp (doc_timestamp: the "signer" is a TSA);
	 * ts_note: a timestamp that was not used and why, or what the
	 * timestamp changed ("certificate revoked after the timestamp"). */
	long long at;
	int doc_timestamp;
	char ts_note[120];
};

/* Content as byte ranges of buffers that outlive the call. */
struct sign_segment {
	const unsigned char *p;
	size_t len;
};

/* The trust store of c's signature { } section; NULL with err when the
 * trust anchors or intermediates cannot be read. An unreadable CRL file is
 * not an error here: it makes checks fail or tempfail as configured. */
struct sign_trust *sign_trust_load(const struct govmail_conf *c, char *err, size_t errlen);
void sign_trust_free(struct sign_trust *t);

/* Why the CRLs are not usable ("" when they are), for -t and the log. */
void sign_trust_crl_state(struct sign_trust *t, char *buf, size_t len);

/*
 * Verify the CMS SignedData der (DER) over the content segs (detached), or
 * over its own content when nsegs is 0 (opaque; then *content, if asked,
 * receives a new copy of it and *content_len its size, to look inside).
 * Up to max signers are described in out; returns their number (0 when
 * the CMS cannot be read: then out[0] says why and 1 is returned).
 */
size_t sign_verify_cms(struct sign_trust *t, const unsigned char *der, size_t derlen,
    const struct sign_segment *segs, size_t nsegs, struct sign_signer *out, size_t max,
    unsigned char **content, size_t *content_len);

/* One detached signature over segments, for sign_verify_detached. */
struct sign_detached {
	const unsigned char *der;   /* CMS SignedData */
	size_t derlen;
	const struct sign_segment *segs;
	size_t nsegs;               /* at least 1 */
	struct sign_signer *out;    /* max entries; n of them filled */
	size_t max, n;
	int ess_v2;                 /* PAdES: signing-certificate-v2 required (sign_ess.h) */
};

/* The same as sign_verify_cms on each job, faster: the content digest is
 * computed here in one pass over the segments in place (no copy through
 * a BIO) and compared with each signer's messageDigest attribute, while
 * CMS_verify checks the signature over the signed attributes. The bytes
 * the jobs share from the start of the same buffer are hashed once: the
 * signatures of a PDF (incremental updates) each cover the file as it
 * was, so the person's and the organisation's signature over a 10 MB
 * file cost one pass over it instead of two. A signer without signed
 * attributes (then the signature is over the content itself) gets the
 * whole CMS_verify. Used for PDF and multipart/signed signatures. */
void sign_verify_detached(struct sign_trust *t, struct sign_detached *jobs, size_t njobs);

/* The same, with the revocation data of the document the signatures are
 * in (a PDF's /DSS), docrev, used like what each signature carries:
 * first, and verified (sign_revinfo.h). docrev may be NULL. */
struct sign_revinfo;
void sign_verify_detached_rev(struct sign_trust *t, struct sign_detached *jobs, size_t njobs,
    const struct sign_revinfo *docrev);

/* A person-readable phrase for a status ("does not verify", ...), and
 * one word for it ("valid", "broken", "untrusted" ...). */
const char *sign_status_name(enum sign_status st);
const char *sign_status_word(enum sign_status st);

#endif
