/*
 * sign_pdfcost.h — what the incremental updates after a signed revision
 * would cost a PDF reader to parse, counted on their bytes before qpdf
 * reads them (sign_pdfrev.c). qpdf builds an object for every number,
 * name and bracket it parses (about half a microsecond each here), so a
 * few megabytes of "1 1 1 ..." in an update, or a few kilobytes of them
 * deflated in an object stream, cost it seconds; counted first, such an
 * update is refused as too costly to check in one linear pass.
 * Not for: judging the changes (sign_pdfrev.c) or reading the
 * cross-reference tables (sign_pdfxref.c).
 */
#ifndef GOVMAIL_SIGN_PDFCOST_H
#define GOVMAIL_SIGN_PDFCOST_H

#include <stddef.h>

/*
 * The parse cost of buf[from .. to), in tokens: each delimiter, each run
 * of regular characters, each literal or hexadecimal string, and the
 * objects packed in an object stream (inflated when /FlateDecode; one
 * with another filter, or two, counts as max: what it holds cannot be
 * told without decoding it) plus one per 64 bytes it inflates to, and one
 * per 8 bytes of a cross-reference stream. Other stream data, which the
 * analysis compares as raw bytes, counts nothing; comments count nothing.
 * Counting stops at max (returned). Linear in to - from.
 */
size_t sign_pdfcost_tokens(const unsigned char *buf, size_t from, size_t to, size_t max);

#endif
