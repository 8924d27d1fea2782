/*
 * test_csv.c — the CSV reader on the shapes real exports take: BOM,
 * CRLF, quoted commas/quotes/newlines, blank lines, malformed rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

struct rows {
	int n, errors;
	char text[4096];
	char err[512];
};

/* Read everything; rows joined as "f1|f2;" with "@line" of each row. */
static void
read_all(const char *input, size_t len, struct rows *out)
{
	FILE *fp = fmemopen((void *)input, len, "r");
	struct csv_reader *r;
	struct csv_row row;
	char err[256];
	int rc;

	memset(out, 0, sizeof(*out));
	assert_non_null(fp);
	r = csv_open(fp);
	while ((rc = csv_next(r, &row, err, sizeof(err))) != 0) {
		size_t i, o = strlen(out->text);

		if (rc < 0) {
			out->errors++;
			snprintf(out->err, sizeof(out->err), "%s", err);
			continue;
		}
		out->n++;
		o += (size_t)snprintf(out->text + o, sizeof(out->text) - o, "@%lu:", row.line);
		for (i = 0; i < row.nfields; i++)
			o += (size_t)snprintf(out->text + o, sizeof(out->text) - o, "%s%s",
			    row.fields[i], i + 1 < row.nfields ? "|" : ";");
	}
	csv_close(r);
	fclose(fp);
}

static void
test_simple(void **state)
{
	struct rows r;
	const char in[] = "a,b,c\n1,2,3\n";

	(void)state;
	read_all(in, sizeof(in) - 1, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.text, "@1:a|b|c;@2:1|2|3;");
}

static void
test_bom_crlf_blank_lines(void **state)
{
	struct rows r;
	const char in[] = "\xEF\xBB\xBF" "code,name\r\n\r\nsnv,S\xE1\xBB\x9F N\xE1\xBB\x99i v\xE1\xBB\xA5\r\n\n";

	(void)state;
	read_all(in, sizeof(in) - 1, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.text, "@1:code|name;@3:snv|S\xE1\xBB\x9F N\xE1\xBB\x99i v\xE1\xBB\xA5;");
}

static void
test_quoted(void **state)
{
	struct rows r;
	const char in[] = "x,\"Nguy\xE1\xBB\x85n, V\xC4\x83n \"\"An\"\"\",y\n\"multi\nline\",2\nlast,row";

	(void)state;
	read_all(in, sizeof(in) - 1, &r);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.text,
	    "@1:x|Nguy\xE1\xBB\x85n, V\xC4\x83n \"An\"|y;@2:multi\nline|2;@4:last|row;");
}

static void
test_empty_fields(void **state)
{
	struct rows r;
	const char in[] = ",,\n\"\",x\n";

	(void)state;
	read_all(in, sizeof(in) - 1, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.text, "@1:||;@2:|x;");
}

static void
test_malformed_rows_are_skipped(void **state)
{
	struct rows r;
	const char in[] = "a,b\nbad\"quote,x\nc,d\n\"closed\"junk,1\ne,f\n";

	(void)state;
	read_all(in, sizeof(in) - 1, &r);
	assert_int_equal(r.errors, 2);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.text, "@1:a|b;@3:c|d;@5:e|f;");
	assert_non_null(strstr(r.err, "line 4"));
}

static void
test_unterminated_quote(void **state)
{
	struct rows r;
	const char in[] = "a,b\n\"never closed,x\n";

	(void)state;
	read_all(in, sizeof(in) - 1, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.errors, 1);
	assert_non_null(strstr(r.err, "line 2: unterminated"));
}

static void
test_limits(void **state)
{
	struct rows r;
	size_t n = CSV_MAX_FIELD + 10, i;
	char *in = malloc(n + 16);

	(void)state;
	for (i = 0; i < n; i++)
		in[i] = 'x';
	memcpy(in + n, "\nok,1\n", 6);
	read_all(in, n + 6, &r);
	assert_int_equal(r.errors, 1);
	assert_non_null(strstr(r.err, "longer than"));
	assert_int_equal(r.n, 1);
	assert_string_equal(r.text, "@2:ok|1;");
	free(in);

	in = malloc(CSV_MAX_FIELDS * 2 + 16);
	for (i = 0; i < CSV_MAX_FIELDS + 1; i++) {
		in[2 * i] = 'a';
		in[2 * i + 1] = ',';
	}
	memcpy(in + 2 * (CSV_MAX_FIELDS + 1), "a\n", 2);
	read_all(in, 2 * (CSV_MAX_FIELDS + 1) + 2, &r);
	assert_int_equal(r.errors, 1);
	assert_non_null(strstr(r.err, "more than"));
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_bom_crlf_blank_lines),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_malformed_rows_are_skipped),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
