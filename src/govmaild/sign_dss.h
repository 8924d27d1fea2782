/*
 * sign_dss.h — the validation data of a PDF's Document Security Store
 * (PAdES, ETSI EN 319 142-1 §5.4: the catalog's /DSS dictionary with
 * /OCSPs, /CRLs and /Certs arrays of streams), read from the file's bytes
 * for the revocation checks of its signatures (sign_verify.c, through
 * sign_revinfo). Found like sign_pdf.c finds signatures, without a PDF
 * parser: the last "/DSS N G R", the last definition of each object it
 * names, streams with a direct or indirect /Length, unfiltered or
 * /FlateDecode (inflated to 1 MB at most); objects inside object streams
 * and other filters are not read, and the status of the certificates
 * they concern is then asked of the responder. /VRI is not needed: every answer names
 * the certificate it is about and is verified before it is used.
 * Not for: deciding anything; what a later revision may add (sign_pdfrev.c).
 */
#ifndef GOVMAIL_SIGN_DSS_H
#define GOVMAIL_SIGN_DSS_H

#include <stddef.h>

struct sign_revinfo;

/* The DSS of buf (len bytes) as a new sign_revinfo, or NULL when the file
 * has none that could be read. Work: a few passes over buf. */
struct sign_revinfo *sign_dss_read(const unsigned char *buf, size_t len);

#endif
