/*
 * sign_pdfcost.h — what the objects of a signed PDF's later updates would
 * cost a PDF reader to parse, counted on their bytes before qpdf reads
 * them (sign_pdfrev.c). qpdf builds an object for every number, name and
 * bracket it parses (about half a microsecond each here), so a few
 * megabytes of "1 1 1 ..." in an update, or a few kilobytes of them
 * deflated in an object stream, cost it seconds. What is counted is what
 * the reader reads: each object at the offset a later cross-reference
 * section gives (sign_pdfxref.h), and the decoded contents of each object
 * stream it takes objects from — never the bytes in between, which a
 * reader does not look at and an attacker could fill with anything.
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
 * dictionary, then its data inflated when /Filter is /FlateDecode (a
 * direct name, or the only name of a direct array), as it is otherwise.
 * Data that does not inflate to its end, or any other /Filter (two
 * filters, another one, one named indirectly), counts max: what it holds
 * cannot be told without decoding it. Decoded text counts an upper bound
 * of a reader's tokens (each run of regular characters and each
 * delimiter) and one more per 64 bytes; with /DecodeParms (a predictor
 * changes the bytes) one per decoded byte. Stops at max (returned).
 */
size_t sign_pdfcost_objstm(const unsigned char *buf, size_t len, size_t off, size_t max);

/* The upper bound above for text p[0 .. n), stopping at max. */
size_t sign_pdfcost_text(const unsigned char *p, size_t n, size_t max);

#endif
