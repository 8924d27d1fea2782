/*
 * hr_import.h — reading an HR export (CSV with a header row, or JSON lines
 * with the same keys) into checked rows. Messy exports are accepted (BOM,
 * CRLF, quoted fields, NFD or capitalised names, extra spaces, blank lines);
 * rows that cannot be right are rejected with their line number. Not for:
 * deciding what to change in the directory (hr_sync.h).
 */
#ifndef GOVMAIL_HR_IMPORT_H
#define GOVMAIL_HR_IMPORT_H

#include <stddef.h>

#define HR_MAX_ROWS   200000     /* rows in one export */
#define HR_LINE_MAX   65536      /* bytes in one JSON line */

enum hr_status { HR_WORKING, HR_ON_LEAVE, HR_RETIRED, HR_TRANSFERRED };

struct hr_row {
	unsigned long line;
	char *employee_id;      /* upper-cased: ids compare like LDAP does */
	char *name;             /* display form: NFC, proper case, single spaces */
	char *agency;           /* lowercased code */
	char *position;         /* may be "" */
	char *phone;            /* may be "" */
	enum hr_status status;
};

struct hr_error {
	unsigned long line;
	char *employee_id;      /* the rejected row's id (upper-cased) when it
				 * could be read with confidence, else NULL */
	char *message;
};

struct hr_file {
	char *path;
	struct hr_row *rows;
	size_t nrows;
	struct hr_error *errors;
	size_t nerrors;
	int fatal;              /* the file as a whole is unusable (no header,
				 * empty, rest lost to an unterminated quote):
				 * nothing must be planned from it */
	unsigned long torn_line; /* the last row is cut short (rejected, and
				 * no line end after it): the file may be
				 * truncated there; 0 if not */
};

/*
 * Read and check an export. known_agency(code, arg, why, whylen) says
 * whether an agency code may be used (exists and is active): 1, or 0 with
 * the reason in why ("" for "unknown agency"). Returns NULL (message in
 * err) only when the file cannot be read at all; bad rows become
 * hr->errors. Rows with the same employee id are all rejected, also when
 * one of them was rejected for another reason.
 */
struct hr_file *hr_read(const char *path, size_t max_name,
    int (*known_agency)(const char *code, void *arg, char *why, size_t whylen),
    void *arg, char *err, size_t errlen);
void hr_free(struct hr_file *hr);

const char *hr_status_name(enum hr_status s);

#endif
