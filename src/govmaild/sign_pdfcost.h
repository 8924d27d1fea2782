/*
 * sign_pdfcost.h — what the objects of a signed PDF's later updates would
 * cost a PDF reader to parse, counted on their bytes before qpdf reads
 * them (sign_pdfrev.c). qpdf builds an object for every number, name and
 * bracket it parses (about half a microsecond each here), so a few
 * megabytes of "1 1 1 ..." in an update, or a few kilobytes of them
 * deflated in an object stream, cost it seconds. What is counted is what
 * the reader reads: each object at the offset a later cross-reference
 * section gives (sign_pdfxref_reach), the sections' own dictionaries, and
 * the objects of each object stream it takes objects from — never the
 * bytes in between, which a reader does not look at and an attacker could
 * fill with anything (unless the sections cannot be read: then all of
 * them, sign_pdfcost_rest).
 * Not for: judging the changes (sign_pdfrev.c) or reading the
 * cross-reference sections (sign_pdfxref.c).
 */
#ifndef GOVMAIL_SIGN_PDFCOST_H
#define GOVMAIL_SIGN_PDFCOST_H

#include <stddef.h>

/*
 * Tokens of the indirect object at buf[off] ("N G obj ... endobj"): each
 * delimiter, number, name, keyword, literal or hexadecimal string, as a
 * reader tokenizes it, and one more per 64 bytes read (white space,
 * comments and long strings included). A stream's data counts nothing
 * here. Counting stops at max (returned), so at most about 64 x max bytes
 * are read.
 */
size_t sign_pdfcost_object(const unsigned char *buf, size_t len, size_t off, size_t max);

/*
 * Tokens of what the object stream at buf[off] holds, decoded: its
 * dictionary, then its data (inflated when /Filter is /FlateDecode: a
 * direct name, or the only name of a direct array; as it is otherwise;
 * with an indirect /Length, up to the end of the file) as a reader parses
 * it: the offset table of /N pairs, then each object from the offset the
 * table gives, to its end (a table that leads many objects to one large
 * array counts it each time). Data that does not inflate to its end, or
 * any other /Filter (two filters, another one, one named indirectly),
 * counts max: what it holds cannot be told without decoding it. Without
 * a direct /N and /First, an upper bound of the decoded text's tokens;
 * with /DecodeParms (a predictor changes the bytes) one per decoded byte.
 * Input read and output made count one more per 64 bytes. Stops at max
 * (returned).
 */
size_t sign_pdfcost_objstm(const unsigned char *buf, size_t len, size_t off, size_t max);

/* Tokens of the one value at buf[off] (a trailer's dictionary), as
 * sign_pdfcost_object counts them. */
size_t sign_pdfcost_value(const unsigned char *buf, size_t len, size_t off, size_t max);

/*
 * An upper bound of what a reader may parse of buf[from .. len) whatever
 * its cross-reference sections say: the text bound below over all of it,
 * and each stream after an "obj" keyword (every object a reader reads
 * starts "N G obj") counted as an object stream above, except that an
 * image filter (DCT, JPX, JBIG2, CCITT fax: no reader decodes an object
 * stream with one) counts nothing more. For updates whose sections
 * sign_pdfxref_reach() cannot read.
 */
size_t sign_pdfcost_rest(const unsigned char *buf, size_t len, size_t from, size_t max);

/* The upper bound above for text p[0 .. n), stopping at max. */
size_t sign_pdfcost_text(const unsigned char *p, size_t n, size_t max);

#endif
