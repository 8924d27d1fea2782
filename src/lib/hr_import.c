/*
 * hr_import.c — HR export reader (see hr_import.h). Two input forms share
 * one row check: CSV (csv.c) and JSON lines (a small bounded parser of flat
 * objects here). Duplicated employee ids reject every row carrying them:
 * the file cannot say which one is right.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "hr_import.h"
#include "name_fold.h"
#include "strmap.h"
#include "utf8.h"
#include "xmalloc.h"

/* The columns govmail reads; others (gender, birth_date, ...) are ignored. */
enum hr_col { COL_ID, COL_NAME, COL_AGENCY, COL_POSITION, COL_PHONE, COL_STATUS, NCOLS };
static const char *const hr_col_names[NCOLS] = {
	"employee_id", "full_name", "agency_code", "position", "phone", "status"
};
static const int hr_col_required[NCOLS] = { 1, 1, 1, 0, 0, 1 };

const char *
hr_status_name(enum hr_status s)
{
	switch (s) {
	case HR_WORKING: return "working";
	case HR_ON_LEAVE: return "on_leave";
	case HR_RETIRED: return "retired";
	case HR_TRANSFERRED: return "transferred";
	}
	return "?";
}

/* A rejected row (employee_id: its id when known, else NULL). */
static void
hr_error(struct hr_file *hr, unsigned long line, const char *employee_id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
hr_error(struct hr_file *hr, unsigned long line, const char *employee_id,
    const char *fmt, ...)
{
	va_list ap;
	char msg[600];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hr->errors = xgrowarray(hr->errors, hr->nerrors, sizeof(*hr->errors));
	hr->errors[hr->nerrors].line = line;
	hr->errors[hr->nerrors].employee_id = employee_id ? xstrdup(employee_id) : NULL;
	hr->errors[hr->nerrors].message = xstrdup(msg);
	hr->nerrors++;
}

/*
 * The employee id of a row, upper-cased into out (33 bytes), if v is a
 * usable one: 0, else -1. A rejected row with a readable id keeps that
 * employee's account from being taken for absent.
 */
static int
hr_row_id(const char *v, char out[33])
{
	size_t i;

	if (v == NULL || *v == '\0' || strlen(v) > 32)
		return -1;
	for (i = 0; v[i]; i++) {
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_' && v[i] != '.')
			return -1;
		out[i] = (char)toupper((unsigned char)v[i]);
	}
	out[i] = '\0';
	return 0;
}

/* Trim spaces (ASCII and no-break) at both ends; returns a new string. */
static char *
hr_trim(const char *s)
{
	const char *e;

	while (*s == ' ' || *s == '\t' || ((unsigned char)s[0] == 0xC2 &&
	    (unsigned char)s[1] == 0xA0))
		s += (*s == ' ' || *s == '\t') ? 1 : 2;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

/* NFC with whitespace runs collapsed to one space (positions, titles). */
static char *
hr_clean_text(const char *s)
{
	char *nfc = utf8_nfc_vietnamese(s), *o = nfc, *p;
	int space = 0;

	for (p = nfc; *p; p++) {
		if (*p == ' ' || *p == '\t') {
			space = o != nfc;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = 0;
		*o++ = *p;
	}
	*o = '\0';
	return nfc;
}

struct hr_reader {
	struct hr_file *hr;
	size_t max_name;
	int (*known_agency)(const char *, void *, char *, size_t);
	void *arg;
	unsigned long last;     /* line of the last row read (rejected or not) */
};

/* Check one row given its column values (NULL = absent); append it or an error. */
static void
hr_take_row(struct hr_reader *r, unsigned long line, char *const vals[NCOLS])
{
	struct hr_file *hr = r->hr;
	struct hr_row row;
	char err[300], idbuf[33];
	const char *id = hr_row_id(vals[COL_ID], idbuf) == 0 ? idbuf : NULL;
	size_t bad, i;
	const unsigned char *p;

	for (i = 0; i < NCOLS; i++) {
		if (vals[i] == NULL)
			continue;
		if (utf8_validate(vals[i], strlen(vals[i]), &bad) != 0) {
			hr_error(hr, line, id, "%s is not valid UTF-8 at byte %zu "
			    "(a legacy TCVN3/VNI export? convert it to UTF-8)",
			    hr_col_names[i], bad);
			return;
		}
	}
	memset(&row, 0, sizeof(row));
	row.line = line;
	if (vals[COL_ID] == NULL || vals[COL_ID][0] == '\0') {
		hr_error(hr, line, id, "missing employee_id");
		return;
	}
	for (p = (const unsigned char *)vals[COL_ID]; *p; p++)
		if (!isalnum(*p) && *p != '-' && *p != '_' && *p != '.') {
			hr_error(hr, line, id, "employee_id '%.40s' may only contain letters, "
			    "digits, '-', '_' and '.'", vals[COL_ID]);
			return;
		}
	if (strlen(vals[COL_ID]) > 32) {
		hr_error(hr, line, id, "employee_id is longer than 32 characters");
		return;
	}
	if (vals[COL_NAME] == NULL ||
	    name_check(vals[COL_NAME], r->max_name, err, sizeof(err)) != 0) {
		hr_error(hr, line, id, "%s: %s", vals[COL_ID],
		    vals[COL_NAME] ? err : "missing full_name");
		return;
	}
	if (vals[COL_STATUS] == NULL) {
		hr_error(hr, line, id, "%s: missing status", vals[COL_ID]);
		return;
	}
	if (strcasecmp(vals[COL_STATUS], "working") == 0)
		row.status = HR_WORKING;
	else if (strcasecmp(vals[COL_STATUS], "on_leave") == 0)
		row.status = HR_ON_LEAVE;
	else if (strcasecmp(vals[COL_STATUS], "retired") == 0)
		row.status = HR_RETIRED;
	else if (strcasecmp(vals[COL_STATUS], "transferred") == 0)
		row.status = HR_TRANSFERRED;
	else {
		hr_error(hr, line, id, "%s: status '%.40s' is not one of working, on_leave, "
		    "retired, transferred", vals[COL_ID], vals[COL_STATUS]);
		return;
	}
	if (vals[COL_AGENCY] == NULL || vals[COL_AGENCY][0] == '\0') {
		hr_error(hr, line, id, "%s: missing agency_code", vals[COL_ID]);
		return;
	}
	row.agency = xstrdup(vals[COL_AGENCY]);
	err[0] = '\0';
	for (i = 0; row.agency[i]; i++)
		row.agency[i] = (char)tolower((unsigned char)row.agency[i]);
	if (!r->known_agency(row.agency, r->arg, err, sizeof(err))) {
		if (err[0] != '\0')
			hr_error(hr, line, id, "%s: %s", vals[COL_ID], err);
		else
			hr_error(hr, line, id, "%s: unknown agency '%.64s'", vals[COL_ID],
			    row.agency);
		free(row.agency);
		return;
	}
	for (i = COL_POSITION; i <= COL_PHONE; i++) {
		if (vals[i] == NULL)
			continue;
		for (p = (const unsigned char *)vals[i]; *p; p++)
			if (*p < 0x20 || *p == 0x7F) {
				hr_error(hr, line, id, "%s: %s contains a control character",
				    vals[COL_ID], hr_col_names[i]);
				free(row.agency);
				return;
			}
		if (strlen(vals[i]) > 256) {
			hr_error(hr, line, id, "%s: %s is longer than 256 bytes", vals[COL_ID],
			    hr_col_names[i]);
			free(row.agency);
			return;
		}
	}
	if (hr->nrows >= HR_MAX_ROWS) {
		hr_error(hr, line, id, "more than %d rows", HR_MAX_ROWS);
		free(row.agency);
		return;
	}
	row.employee_id = xstrdup(vals[COL_ID]);
	for (i = 0; row.employee_id[i]; i++)
		row.employee_id[i] = (char)toupper((unsigned char)row.employee_id[i]);
	row.name = name_display(vals[COL_NAME]);
	row.position = vals[COL_POSITION] ? hr_clean_text(vals[COL_POSITION]) : xstrdup("");
	row.phone = vals[COL_PHONE] ? xstrdup(vals[COL_PHONE]) : xstrdup("");
	hr->rows = xgrowarray(hr->rows, hr->nrows, sizeof(*hr->rows));
	hr->rows[hr->nrows++] = row;
}

static int
hr_read_csv(struct hr_reader *r, FILE *fp)
{
	struct csv_reader *csv = csv_open(fp);
	struct csv_row row;
	int col[NCOLS], rc, i, header = 1;
	size_t ncols = 0, j;
	char err[300];

	for (i = 0; i < NCOLS; i++)
		col[i] = -1;
	while ((rc = csv_next(csv, &row, err, sizeof(err))) != 0) {
		char *vals[NCOLS];

		if (rc < 0) {
			/* err already starts with "line N: " */
			const char *msg = strncmp(err, "line ", 5) == 0 && strchr(err, ':') ?
			    strchr(err, ':') + 2 : err;

			hr_error(r->hr, row.line, NULL, "%s", msg);
			r->last = row.line;
			if (csv_truncated(csv))
				r->hr->fatal = 1;
			continue;
		}
		if (header) {
			header = 0;
			ncols = row.nfields;
			for (j = 0; j < row.nfields; j++) {
				char *name = hr_trim(row.fields[j]);

				for (i = 0; i < NCOLS; i++)
					if (strcasecmp(name, hr_col_names[i]) == 0)
						col[i] = (int)j;
				free(name);
			}
			for (i = 0; i < NCOLS; i++)
				if (hr_col_required[i] && col[i] < 0) {
					hr_error(r->hr, row.line, NULL, "header has no '%s' column "
					    "(expected: employee_id, full_name, gender, birth_date, "
					    "agency_code, position, phone, status)", hr_col_names[i]);
					r->hr->fatal = 1;
					csv_close(csv);
					return -1;
				}
			continue;
		}
		r->last = row.line;
		if (row.nfields != ncols) {
			/* The id is known only when it comes first: a comma too many
			 * or too few before it would shift it. */
			char idbuf[33], *v = col[COL_ID] == 0 && row.nfields > 0 ?
			    hr_trim(row.fields[0]) : NULL;

			hr_error(r->hr, row.line, hr_row_id(v, idbuf) == 0 ? idbuf : NULL,
			    "%zu fields, the header has %zu", row.nfields, ncols);
			free(v);
			continue;
		}
		for (i = 0; i < NCOLS; i++)
			vals[i] = col[i] >= 0 ? hr_trim(row.fields[col[i]]) : NULL;
		hr_take_row(r, row.line, vals);
		for (i = 0; i < NCOLS; i++)
			free(vals[i]);
	}
	csv_close(csv);
	if (header) {
		hr_error(r->hr, 1, NULL, "the file is empty (no header row)");
		r->hr->fatal = 1;
		return -1;
	}
	return 0;
}

/* --- JSON lines: one flat object per line, values strings/numbers/null. --- */

static void
json_skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
		(*p)++;
}

/* Parse a JSON string at *p (after the quote check); xmalloc'd or NULL. */
static char *
json_parse_string(const char **p, char *err, size_t errlen)
{
	const char *s = *p;
	char *out = xmalloc(strlen(s) + 1), *o = out;

	if (*s++ != '"')
		goto bad;
	while (*s != '"') {
		unsigned char c = (unsigned char)*s;

		if (c == '\0' || c < 0x20)
			goto bad;
		if (c != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"': case '\\': case '/': *o++ = *s++; break;
		case 'b': *o++ = '\b'; s++; break;
		case 'f': *o++ = '\f'; s++; break;
		case 'n': *o++ = '\n'; s++; break;
		case 'r': *o++ = '\r'; s++; break;
		case 't': *o++ = '\t'; s++; break;
		case 'u': {
			unsigned cp = 0, lo = 0;
			int i;

			for (i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)s[i]))
					goto bad;
			cp = (unsigned)strtoul((char[]){ s[1], s[2], s[3], s[4], 0 }, NULL, 16);
			s += 5;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (s[0] != '\\' || s[1] != 'u')
					goto bad;
				for (i = 2; i <= 5; i++)
					if (!isxdigit((unsigned char)s[i]))
						goto bad;
				lo = (unsigned)strtoul((char[]){ s[2], s[3], s[4], s[5], 0 }, NULL, 16);
				if (lo < 0xDC00 || lo > 0xDFFF)
					goto bad;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				s += 6;
			} else if (cp >= 0xDC00 && cp <= 0xDFFF)
				goto bad;
			if (cp == 0)
				goto bad;
			o += utf8_encode(cp, o);
			break;
		}
		default:
			goto bad;
		}
	}
	*o = '\0';
	*p = s + 1;
	return out;
bad:
	snprintf(err, errlen, "malformed JSON string");
	free(out);
	return NULL;
}

/* Parse one line into vals; returns 0 or -1 with err. */
static int
json_parse_line(const char *line, char *vals[NCOLS], char *err, size_t errlen)
{
	const char *p = line;
	int i;

	json_skip_ws(&p);
	if (*p++ != '{') {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	json_skip_ws(&p);
	if (*p == '}')
		goto end;
	for (;;) {
		char *key, *val = NULL;

		json_skip_ws(&p);
		if ((key = json_parse_string(&p, err, errlen)) == NULL)
			return -1;
		json_skip_ws(&p);
		if (*p++ != ':') {
			snprintf(err, errlen, "expected ':' after \"%.40s\"", key);
			free(key);
			return -1;
		}
		json_skip_ws(&p);
		if (*p == '"') {
			if ((val = json_parse_string(&p, err, errlen)) == NULL) {
				free(key);
				return -1;
			}
		} else if (strncmp(p, "null", 4) == 0) {
			p += 4;
		} else if (*p == '-' || isdigit((unsigned char)*p)) {
			const char *s = p;

			while (*p == '-' || *p == '+' || *p == '.' || *p == 'e' || *p == 'E' ||
			    isdigit((unsigned char)*p))
				p++;
			val = xstrndup(s, (size_t)(p - s));
		} else {
			free(key);
			snprintf(err, errlen, "values must be strings, numbers or null");
			return -1;
		}
		for (i = 0; i < NCOLS; i++)
			if (strcmp(key, hr_col_names[i]) == 0) {
				free(vals[i]);
				vals[i] = val;
				val = NULL;
			}
		free(val);
		free(key);
		json_skip_ws(&p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}')
			break;
		snprintf(err, errlen, "expected ',' or '}'");
		return -1;
	}
end:
	p++;
	json_skip_ws(&p);
	if (*p != '\0') {
		snprintf(err, errlen, "text after the JSON object");
		return -1;
	}
	return 0;
}

/* Read one line of at most HR_LINE_MAX bytes into buf (NUL-terminated,
 * without the newline). Returns its length, -1 at end of input, -2 when the
 * line was longer (the rest of it is skipped). */
static ssize_t
hr_getline(FILE *fp, char *buf, int *had_nul)
{
	size_t n = 0;
	int c, over = 0;

	*had_nul = 0;
	while ((c = getc(fp)) != EOF && c != '\n') {
		if (c == '\0')
			*had_nul = 1;
		if (n < HR_LINE_MAX)
			buf[n++] = (char)c;
		else
			over = 1;
	}
	if (c == EOF && n == 0 && !over)
		return -1;
	buf[n] = '\0';
	return over ? -2 : (ssize_t)n;
}

static int
hr_read_jsonl(struct hr_reader *r, FILE *fp)
{
	char *line = xmalloc(HR_LINE_MAX + 1), err[200];
	unsigned long lineno = 0;
	int i, had_nul;
	ssize_t n;

	while ((n = hr_getline(fp, line, &had_nul)) != -1) {
		char *vals[NCOLS] = { NULL };
		char *p = line, *q;

		lineno++;
		if (n == -2) {
			r->last = lineno;
			hr_error(r->hr, lineno, NULL, "line longer than %d bytes", HR_LINE_MAX);
			continue;
		}
		if (had_nul) {
			r->last = lineno;
			hr_error(r->hr, lineno, NULL, "NUL byte in line");
			continue;
		}
		if (lineno == 1 && (unsigned char)p[0] == 0xEF &&
		    (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
			p += 3;
		for (q = p; *q == ' ' || *q == '\t' || *q == '\r'; q++)
			;
		if (*q == '\0')
			continue;       /* blank line */
		r->last = lineno;
		if (json_parse_line(p, vals, err, sizeof(err)) != 0) {
			hr_error(r->hr, lineno, NULL, "%s", err);
		} else {
			for (i = 0; i < NCOLS; i++)
				if (vals[i] != NULL) {
					char *t = hr_trim(vals[i]);

					free(vals[i]);
					vals[i] = t;
				}
			hr_take_row(r, lineno, vals);
		}
		for (i = 0; i < NCOLS; i++)
			free(vals[i]);
	}
	free(line);
	return 0;
}

/*
 * Reject every row whose employee id appears more than once, counting the
 * rows already rejected for another reason: the file cannot say which row
 * is right.
 */
static void
hr_reject_duplicates(struct hr_file *hr)
{
	struct strmap *first = strmap_new(hr->nrows);
	struct strmap *rejected = strmap_new(hr->nerrors + 1);
	size_t i, o = 0, nerrors = hr->nerrors;
	char *dup = xcalloc(hr->nrows ? hr->nrows : 1, 1);

	/* Line of the first rejected row of each id read from one. */
	for (i = 0; i < nerrors; i++)
		if (hr->errors[i].employee_id != NULL &&
		    !strmap_has(rejected, hr->errors[i].employee_id))
			strmap_put(rejected, hr->errors[i].employee_id,
			    (void *)(uintptr_t)hr->errors[i].line);
	for (i = 0; i < hr->nrows; i++) {
		unsigned long *prev = strmap_get(first, hr->rows[i].employee_id);
		uintptr_t bad = (uintptr_t)strmap_get(rejected, hr->rows[i].employee_id);

		if (bad != 0) {
			dup[i] = 3;
			hr_error(hr, hr->rows[i].line, hr->rows[i].employee_id, "%s: duplicate "
			    "employee_id (also on line %lu, rejected); every row with it is "
			    "skipped", hr->rows[i].employee_id, (unsigned long)bad);
			continue;
		}
		if (prev == NULL) {
			strmap_put(first, hr->rows[i].employee_id, &hr->rows[i].line);
			continue;
		}
		dup[i] = 1;
		hr_error(hr, hr->rows[i].line, hr->rows[i].employee_id, "%s: duplicate "
		    "employee_id (also on line %lu); every row with it is skipped",
		    hr->rows[i].employee_id, *prev);
	}
	for (i = 0; i < hr->nrows; i++)
		if (dup[i] == 1) {
			size_t j;

			for (j = 0; j < i; j++)
				if (!dup[j] && strcmp(hr->rows[j].employee_id,
				    hr->rows[i].employee_id) == 0) {
					dup[j] = 2;
					hr_error(hr, hr->rows[j].line, hr->rows[j].employee_id,
					    "%s: duplicate employee_id; every row with it is "
					    "skipped", hr->rows[j].employee_id);
				}
		}
	for (i = 0; i < hr->nrows; i++) {
		if (dup[i]) {
			free(hr->rows[i].employee_id);
			free(hr->rows[i].name);
			free(hr->rows[i].agency);
			free(hr->rows[i].position);
			free(hr->rows[i].phone);
			continue;
		}
		hr->rows[o++] = hr->rows[i];
	}
	hr->nrows = o;
	free(dup);
	strmap_free(first);
	strmap_free(rejected);
}

/*
 * Whether the last row read (line last) is torn: it was rejected and the
 * file does not end with a line end, as a file cut short in the middle of
 * a row. A complete last row without a final newline is fine.
 */
static int
hr_torn_end(struct hr_file *hr, FILE *fp, unsigned long last)
{
	int c;

	if (last == 0 || hr->nerrors == 0 || hr->errors[hr->nerrors - 1].line != last)
		return 0;
	if (fseek(fp, -1L, SEEK_END) != 0 || (c = getc(fp)) == EOF)
		return 0;
	return c != '\n' && c != '\r';
}

static int
hr_error_cmp(const void *a, const void *b)
{
	const struct hr_error *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

struct hr_file *
hr_read(const char *path, size_t max_name,
    int (*known_agency)(const char *, void *, char *, size_t), void *arg, char *err,
    size_t errlen)
{
	struct hr_file *hr;
	struct hr_reader r;
	FILE *fp;
	int c, json;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	hr = xcalloc(1, sizeof(*hr));
	hr->path = xstrdup(path);
	r.hr = hr;
	r.max_name = max_name;
	r.known_agency = known_agency;
	r.arg = arg;
	r.last = 0;
	/* JSON lines when the first non-blank character (after a BOM) is '{'. */
	do {
		c = getc(fp);
	} while (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xEF ||
	    c == 0xBB || c == 0xBF);
	json = c == '{';
	rewind(fp);
	if (json)
		hr_read_jsonl(&r, fp);
	else
		hr_read_csv(&r, fp);
	if (hr_torn_end(hr, fp, r.last))
		hr->torn_line = r.last;
	fclose(fp);
	hr_reject_duplicates(hr);
	if (hr->nerrors > 1)
		qsort(hr->errors, hr->nerrors, sizeof(*hr->errors), hr_error_cmp);
	return hr;
}

void
hr_free(struct hr_file *hr)
{
	size_t i;

	if (hr == NULL)
		return;
	for (i = 0; i < hr->nrows; i++) {
		free(hr->rows[i].employee_id);
		free(hr->rows[i].name);
		free(hr->rows[i].agency);
		free(hr->rows[i].position);
		free(hr->rows[i].phone);
	}
	for (i = 0; i < hr->nerrors; i++) {
		free(hr->errors[i].employee_id);
		free(hr->errors[i].message);
	}
	free(hr->rows);
	free(hr->errors);
	free(hr->path);
	free(hr);
}
