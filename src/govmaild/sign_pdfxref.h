/*
 * sign_pdfxref.h — which objects of a signed PDF an incremental update
 * redefined, read from the cross-reference tables, so that the revision
 * analysis (sign_pdfrev.c) compares only those and reads the others'
 * references from their bytes instead of having qpdf parse (and copy)
 * every object twice. A signed revision is a prefix of the file: an
 * object that no later cross-reference section names is read by both the
 * revision's reader and the final file's from the same bytes.
 * Strict on purpose: anything but classic cross-reference tables or
 * cross-reference streams (FlateDecode, PNG Up predictor at most) chained
 * by /Prev (hybrid /XRefStm, encryption, free entries, odd spacing)
 * makes sign_pdfxref_open() return NULL, and the caller reads every
 * object with qpdf as before. An object whose bytes are not exactly what
 * a strict reader expects is not "scanned" either, nor is one stored in
 * an object stream.
 * Not for: judging changes (sign_pdfrev.c).
 */
#ifndef GOVMAIL_SIGN_PDFXREF_H
#define GOVMAIL_SIGN_PDFXREF_H

#include <stddef.h>

struct sign_pdfxref;

/* An unchanged object, read from its bytes. */
struct sign_pdfxref_obj {
	int kind;               /* SIGN_PDFXREF_* */
	int standin;            /* large, and has no key the structure is read from */
	size_t size;            /* bytes, stream data included */
	int *refs;              /* (object, generation) pairs of its references */
	size_t nrefs;
};

enum { SIGN_PDFXREF_OTHER = 0, SIGN_PDFXREF_DICT, SIGN_PDFXREF_ARRAY, SIGN_PDFXREF_STREAM };

/* Objects at least this large (bytes) may be stood in for. */
#define SIGN_PDFXREF_STANDIN_MIN 2048

/* The revision buf[0 .. end) of the file buf[0 .. len), or NULL when the
 * cross-reference tables are not simple enough to rely on. */
struct sign_pdfxref *sign_pdfxref_open(const unsigned char *buf, size_t len, size_t end);
void sign_pdfxref_free(struct sign_pdfxref *x);

/* Did a cross-reference section after the revision name object id? */
int sign_pdfxref_redefined(const struct sign_pdfxref *x, int id);

/* Object (id, gen), not redefined after the revision, read from its bytes
 * in the revision; NULL when it is redefined, absent, or not exactly well
 * formed (the caller then has qpdf read it). Cached; owned by x. */
const struct sign_pdfxref_obj *sign_pdfxref_scan(struct sign_pdfxref *x, int id, int gen);

/* The next object number after id defined in the revision (0: none), and
 * its generation. */
int sign_pdfxref_next(const struct sign_pdfxref *x, int id, int *gen);

/* What the final file's reader resolves object id to when a section
 * after the revision names it: 1 and its offset (*stm 0), or the object
 * stream holding it (*off 0); 0 when no later section names it. */
int sign_pdfxref_update(const struct sign_pdfxref *x, int id, size_t *off, int *stm);

/* Where the final file's reader finds object id as a plain object (a
 * later section's entry, else the revision's); 0 when it is in an object
 * stream or nowhere. */
size_t sign_pdfxref_final_offset(const struct sign_pdfxref *x, int id);

/* Is id an object stream the final file's reader decodes for objects the
 * later sections name (or moved, by replacing the stream)? */
int sign_pdfxref_objstm_read(const struct sign_pdfxref *x, int id);

/* Entries of the sections after the revision, and the largest object
 * number of any section. */
size_t sign_pdfxref_update_entries(const struct sign_pdfxref *x);
int sign_pdfxref_max_id(const struct sign_pdfxref *x);

#endif
