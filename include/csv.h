/*
 * csv.h — bounded RFC 4180 reader for HR and agency exports: UTF-8 BOM,
 * CRLF or LF, quoted fields with commas, doubled quotes and newlines, blank
 * lines skipped. Every row carries the line number it starts on so errors
 * can name it. Not for: interpreting columns (callers do that).
 */
#ifndef GOVMAIL_CSV_H
#define GOVMAIL_CSV_H

#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_FIELD  4096   /* bytes in one field */
#define CSV_MAX_FIELDS 64     /* fields in one row */

struct csv_reader;

struct csv_row {
	char **fields;            /* NUL-terminated, owned by the reader */
	size_t nfields;
	unsigned long line;       /* line the row starts on (1-based) */
};

struct csv_reader *csv_open(FILE *fp);
/*
 * Read the next row. Returns 1 with a row, 0 at end of input, -1 for a
 * malformed row (message with the line number in err, and row->line set;
 * the row is skipped and reading may continue, except after an
 * unterminated quote, which runs to the end of the input: then
 * csv_truncated() is true).
 */
int csv_next(struct csv_reader *r, struct csv_row *row, char *err, size_t errlen);
/* 1 if a quoted field ran to the end of the input (the rest is lost). */
int csv_truncated(const struct csv_reader *r);
void csv_close(struct csv_reader *r);

#endif
