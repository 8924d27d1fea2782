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

/*
 * What the final file's reader may parse beyond the revision buf[0 .. end),
 * for counting it (sign_pdfcost.h), read leniently from the later
 * sections (followed by /Prev, a hybrid file's /XRefStm with them; free
 * entries and entries of unknown type passed over; /Encrypt accepted):
 * every object they place, whatever its generation; the object streams the
 * final reader decodes for an object they name, or that they replace; and
 * their own dictionaries. unread: a later section is not readable here
 * (a reader then rebuilds the table from all the bytes).
 */
struct sign_pdfxref_reach {
	size_t *objs, nobjs;        /* offsets of the objects the later sections place */
	size_t *stms, nstms;        /* offsets of the object streams decoded for them */
	size_t *dicts, ndicts;      /* a trailer's dictionary, or an xref stream object */
	size_t entries;             /* entries of the later sections */
	int unread;
};

void sign_pdfxref_reach(const unsigned char *buf, size_t len, size_t end,
    struct sign_pdfxref_reach *r);
void sign_pdfxref_reach_free(struct sign_pdfxref_reach *r);

#endif
