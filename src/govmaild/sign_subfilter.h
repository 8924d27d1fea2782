/*
 * sign_subfilter.h — the /SubFilter of a PDF signature (the encoding of
 * its value) and whether govmaild accepts it: adbe.pkcs7.detached and
 * ETSI.CAdES.detached (PAdES B-B: signing-certificate-v2 required, see
 * sign_ess.h) are verified; ETSI.RFC3161 (document timestamps) is left
 * to what handles them; adbe.pkcs7.sha1 and adbe.x509.rsa_sha1 are
 * refused as obsolete (SHA-1, Decree 23/2025 and Circular 15/2025); any
 * other name is refused as unsupported. A signature dictionary without a
 * /SubFilter, or one this reader cannot delimit, is taken as
 * adbe.pkcs7.detached: its value is verified as a detached CMS anyway,
 * with the algorithm rules of sign_algo.h.
 * The dictionary is found in the bytes around the signature's value (as
 * sign_pdf.c finds it): back to its "obj" keyword and on to "endobj",
 * each within a bounded window.
 * Not for: anything else in the PDF (sign_pdf.c, sign_pdfrev.c).
 */
#ifndef GOVMAIL_SIGN_SUBFILTER_H
#define GOVMAIL_SIGN_SUBFILTER_H

#include <stddef.h>

#include "sign_verify.h"

enum sign_subfilter {
	SIGN_SF_NONE = 0,           /* absent, or the dictionary not delimited */
	SIGN_SF_PKCS7_DETACHED,
	SIGN_SF_CADES_DETACHED,
	SIGN_SF_RFC3161,
	SIGN_SF_PKCS7_SHA1,
	SIGN_SF_X509_RSA_SHA1,
	SIGN_SF_OTHER,              /* name holds it */
	SIGN_SF_AMBIGUOUS           /* two different /SubFilter in one dictionary */
};

/* Bytes looked at on each side of the signature's value. */
#define SIGN_SF_WINDOW 16384

/* The /SubFilter of the signature dictionary holding the value at
 * buf[gap_off, gap_off + gap_len) (len bytes in all); name receives the
 * name as written, #xx decoded, without the slash ("" if none). */
enum sign_subfilter sign_subfilter_find(const unsigned char *buf, size_t len, size_t gap_off,
    size_t gap_len, char *name, size_t namelen);

/* SIGN_VALID when sf is verified, else the status it fails with (why
 * says why: "obsolete signature format adbe.pkcs7.sha1 (SHA-1)"). */
enum sign_status sign_subfilter_judge(enum sign_subfilter sf, const char *name, char *why,
    size_t len);

#endif
