/*
 * csv.c — RFC 4180 reader with named limits (see csv.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "xmalloc.h"

struct csv_reader {
	FILE *fp;
	unsigned long line;       /* current physical line */
	int first;                /* BOM not yet checked */
	char *fields[CSV_MAX_FIELDS];
	size_t nfields;
	char *buf;                /* current field being built */
	size_t len;
	int truncated;            /* an unterminated quote ate the rest */
};

struct csv_reader *
csv_open(FILE *fp)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));

	r->fp = fp;
	r->line = 1;
	r->first = 1;
	r->buf = xmalloc(CSV_MAX_FIELD + 1);
	return r;
}

static void
csv_clear(struct csv_reader *r)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		free(r->fields[i]);
	r->nfields = 0;
	r->len = 0;
}

int
csv_truncated(const struct csv_reader *r)
{
	return r->truncated;
}

void
csv_close(struct csv_reader *r)
{
	if (r == NULL)
		return;
	csv_clear(r);
	free(r->buf);
	free(r);
}

/* Skip to the end of the current physical line after an error. */
static void
csv_skip_line(struct csv_reader *r)
{
	int ch;

	while ((ch = getc(r->fp)) != EOF && ch != '\n')
		;
	if (ch == '\n')
		r->line++;
}

static int
csv_push(struct csv_reader *r, unsigned long start, char *err, size_t errlen)
{
	if (r->nfields >= CSV_MAX_FIELDS) {
		snprintf(err, errlen, "line %lu: more than %d fields", start, CSV_MAX_FIELDS);
		return -1;
	}
	r->buf[r->len] = '\0';
	r->fields[r->nfields++] = xstrndup(r->buf, r->len);
	r->len = 0;
	return 0;
}

int
csv_next(struct csv_reader *r, struct csv_row *row, char *err, size_t errlen)
{
	unsigned long start;
	int ch, quoted, after_quote, any;

	csv_clear(r);
	if (r->first) {
		r->first = 0;
		ch = getc(r->fp);
		if (ch == 0xEF) {
			if (getc(r->fp) != 0xBB || getc(r->fp) != 0xBF) {
				snprintf(err, errlen, "line 1: invalid byte order mark");
				row->line = 1;
				csv_skip_line(r);
				return -1;
			}
		} else if (ch != EOF)
			ungetc(ch, r->fp);
	}
again:
	start = r->line;
	quoted = after_quote = any = 0;
	for (;;) {
		ch = getc(r->fp);
		if (ch == EOF) {
			if (quoted) {
				snprintf(err, errlen, "line %lu: unterminated quoted field "
				    "(everything after it up to line %lu is lost)", start, r->line);
				r->truncated = 1;
				row->line = start;
				csv_clear(r);
				return -1;
			}
			if (!any && r->nfields == 0)
				return 0;
			break;
		}
		if (quoted) {
			if (ch == '"') {
				int next = getc(r->fp);

				if (next == '"')
					goto store;
				if (next != EOF)
					ungetc(next, r->fp);
				quoted = 0;
				after_quote = 1;
				continue;
			}
			if (ch == '\n')
				r->line++;
			goto store;
		}
		if (ch == '\r') {
			int next = getc(r->fp);

			if (next != '\n' && next != EOF)
				ungetc(next, r->fp);
			ch = '\n';
		}
		if (ch == '\n') {
			r->line++;
			if (!any && r->nfields == 0)
				goto again;          /* blank line */
			break;
		}
		if (ch == ',') {
			if (csv_push(r, start, err, errlen) != 0)
				goto bad;
			after_quote = 0;
			any = 1;
			continue;
		}
		if (after_quote) {
			snprintf(err, errlen, "line %lu: text after a closing quote", start);
			goto bad;
		}
		if (ch == '"') {
			if (r->len != 0) {
				snprintf(err, errlen, "line %lu: quote inside an unquoted field", start);
				goto bad;
			}
			quoted = 1;
			any = 1;
			continue;
		}
store:
		any = 1;
		if (r->len >= CSV_MAX_FIELD) {
			snprintf(err, errlen, "line %lu: field longer than %d bytes", start,
			    CSV_MAX_FIELD);
			goto bad;
		}
		r->buf[r->len++] = (char)ch;
	}
	if (csv_push(r, start, err, errlen) != 0) {
		row->line = start;
		csv_clear(r);
		return -1;
	}
	row->fields = r->fields;
	row->nfields = r->nfields;
	row->line = start;
	return 1;
bad:
	row->line = start;
	if (!quoted)
		csv_skip_line(r);
	else {
		/* Inside quotes we cannot resync reliably: skip to a line end. */
		csv_skip_line(r);
	}
	csv_clear(r);
	return -1;
}
