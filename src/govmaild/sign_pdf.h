/*
 * sign_pdf.h — where the signatures of a PDF are and what they cover,
 * found in the file's bytes without interpreting the document: every
 * "/ByteRange [a b c d]" whose gap is exactly the hex string that follows
 * "/Contents" (a signature dictionary as written by pdfsig, Adobe and
 * other signers), checked to start at 0, stay inside the file and not
 * overlap. The cryptography is not here (sign_verify.c).
 * Not for: PDF rendering, object streams or form fields.
 */
#ifndef GOVMAIL_SIGN_PDF_H
#define GOVMAIL_SIGN_PDF_H

#include <stddef.h>

/* At most this many signatures are read from one file. */
#define SIGN_PDF_MAX_SIGS 32

struct sign_pdf_sig {
	size_t range[4];        /* /ByteRange: offset, length, offset, length */
	size_t gap_off;         /* the "<hex>" value between the two ranges */
	size_t gap_len;
	const char *problem;    /* NULL, or why the ByteRange is not usable */
};

struct sign_pdf_found {
	struct sign_pdf_sig sig[SIGN_PDF_MAX_SIGS];
	size_t nsig;
	int more;               /* more than SIGN_PDF_MAX_SIGS were present */
	size_t last;            /* index of the signature reaching furthest */
	int whole;              /* that signature covers the file to its end */
	int tail_xref;          /* when it does not, "startxref" is in the bytes after
	                         * it: they may be an update a PDF reader reads */
};

/* Does the buffer look like a PDF ("%PDF-" in its first 1024 bytes)? */
int sign_pdf_is_pdf(const unsigned char *buf, size_t len);

/* Locate the signatures of buf (see above); 0 found is not an error. */
void sign_pdf_find(const unsigned char *buf, size_t len, struct sign_pdf_found *out);

/* The signature value (the DER of a CMS SignedData, zero padding kept)
 * of a usable signature, hex-decoded into a new buffer of *derlen bytes;
 * NULL if the hex is invalid or longer than max_len bytes decoded. */
unsigned char *sign_pdf_value(const unsigned char *buf, const struct sign_pdf_sig *sig,
    size_t max_len, size_t *derlen);

#endif
