/*
 * sign_pdfrev.h — the revisions of a signed PDF and what changed between
 * them. A PDF signature covers the file as it was when it was signed (a
 * prefix of the file: its revision); later incremental updates may add
 * what PDF allows after signing — more signatures, form-field values,
 * validation data — but also replace a page. For each signature that
 * verified, the revision it signs and the final file are read with qpdf's
 * C API (a real PDF object parser), every object the final file reaches
 * is compared with the same object in the revision (only those a later
 * cross-reference section redefined, when the tables allow telling:
 * sign_pdfxref.h), and each change is
 * judged by the object's role against what is allowed after that
 * signature: the certification's DocMDP permission
 * and the FieldMDP locks when present, else signatures, form-field
 * values and DSS/timestamp data only (see README, "Signed official
 * documents").
 * Not for: locating signatures or their cryptography (sign_pdf.c,
 * sign_verify.c), or the verdict on a document (sign_check.c).
 */
#ifndef GOVMAIL_SIGN_PDFREV_H
#define GOVMAIL_SIGN_PDFREV_H

#include <stddef.h>

/* At most this many signed revisions are analysed per document (the
 * others are reported SIGN_PDFREV_UNCHECKED). */
#define SIGN_PDFREV_MAX_REVS 16

/* Steps (objects visited, dictionary entries and array items read) one
 * revision's analysis may take; beyond it the revisions left are
 * SIGN_PDFREV_UNCHECKED. A step is a bounded amount of work, so the
 * analysis of a document is linear in its size. */
#define SIGN_PDFREV_MAX_STEPS (8u * 1000 * 1000)

/* Tokens the updates after a revision may cost a reader to parse
 * (sign_pdfcost.h); a revision followed by more is SIGN_PDFREV_UNCHECKED
 * ("updates too large to check") without running qpdf. A signature's
 * update (dictionary, widget, form, page, validation data) is a few
 * hundred, or 66,000 when it embeds a whole font for the appearance (as
 * pdfsig does): two such updates fit. A first filter, not the bound:
 * counted where sign_pdfxref.c reads the cross-reference sections, and
 * not yet the later sections' trailers, object-stream headers pointing
 * many objects at the same bytes, or older generations (README); the
 * bound is the child's limits (sign_pdfrev_child.h). */
#define SIGN_PDFREV_MAX_UPDATE_TOKENS 131072

enum sign_pdfrev_verdict {
	SIGN_PDFREV_CREDITED = 0,   /* nothing changed after it that is not allowed */
	SIGN_PDFREV_MODIFIED,       /* a change that is not allowed: change says what */
	SIGN_PDFREV_UNREADABLE,     /* the structure cannot be read: change says why */
	SIGN_PDFREV_UNCHECKED       /* too costly or complex to check: change says why */
};

struct sign_pdfrev_rev {
	size_t end;                 /* in: the signed revision is the file's first end bytes */
	enum sign_pdfrev_verdict verdict;   /* out */
	int differs;                /* out: the final file differs from this revision (in
	                             * qpdf's reading: objects, root, encryption, info) */
	int certified;              /* out: the DocMDP permission in force after it, 1-3, or 0 */
	char change[120];           /* out: ASCII, e.g. "page 1 content replaced" */
};

/*
 * Judge what changed after each revision revs[0 .. nrevs - 1] (ends in
 * increasing order, each at most len) in the final file buf of len bytes.
 * A revision ending at len is credited without reading anything. The
 * bytes are not copied and must not change during the call. over_budget
 * (may be NULL) is called between revisions and every few hundred
 * objects; when it returns non-zero the revisions not yet judged are
 * SIGN_PDFREV_UNCHECKED. Thread-safe: nothing is shared between calls.
 */
void sign_pdfrev_check(const unsigned char *buf, size_t len, struct sign_pdfrev_rev *revs,
    size_t nrevs, int (*over_budget)(void *arg), void *arg);

/* The same, in a process that exits right after (with _exit): what qpdf
 * read last is left for the exit to free. */
void sign_pdfrev_check_exiting(const unsigned char *buf, size_t len,
    struct sign_pdfrev_rev *revs, size_t nrevs, int (*over_budget)(void *arg), void *arg);

/* A word for a verdict: "credited", "modified", "malformed", "unchecked". */
const char *sign_pdfrev_word(enum sign_pdfrev_verdict v);

#endif
