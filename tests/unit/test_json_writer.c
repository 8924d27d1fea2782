/*
 * test_json_writer.c — exact-output tests for the streaming JSON writer:
 * comma placement, nesting, pretty printing, string escaping, U+FFFD for
 * invalid UTF-8 and Vietnamese passthrough.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json_writer.h"

struct mem {
	FILE	*fp;
	char	*buf;
	size_t	 len;
	struct json_writer *w;
};

static void
mem_open(struct mem *m, int pretty)
{
	m->buf = NULL;
	m->len = 0;
	m->fp = open_memstream(&m->buf, &m->len);
	assert_non_null(m->fp);
	m->w = json_writer_new(m->fp, pretty);
	assert_non_null(m->w);
}

/* Close the stream, compare with want, free everything. */
static void
mem_check(struct mem *m, const char *want)
{
	json_writer_free(m->w);
	assert_int_equal(fclose(m->fp), 0);
	assert_string_equal(m->buf, want);
	free(m->buf);
}

static void
test_empty_containers(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, 0);
	json_begin_object(m.w);
	json_end_object(m.w);
	mem_check(&m, "{}");

	mem_open(&m, 1);
	json_begin_array(m.w);
	json_end_array(m.w);
	mem_check(&m, "[]");

	mem_open(&m, 1);
	json_begin_object(m.w);
	json_key(m.w, "a");
	json_begin_array(m.w);
	json_end_array(m.w);
	json_key(m.w, "o");
	json_begin_object(m.w);
	json_end_object(m.w);
	json_end_object(m.w);
	mem_check(&m, "{\n  \"a\": [],\n  \"o\": {}\n}");
}

static void
write_sample(struct json_writer *w)
{
	json_begin_object(w);
	json_key(w, "s");
	json_string(w, "x");
	json_key(w, "n");
	json_int(w, -42);
	json_key(w, "big");
	json_int(w, 9223372036854775807LL);
	json_key(w, "t");
	json_bool(w, 1);
	json_key(w, "f");
	json_bool(w, 0);
	json_key(w, "z");
	json_null(w);
	json_key(w, "ns");
	json_string(w, NULL);
	json_key(w, "arr");
	json_begin_array(w);
	json_int(w, 1);
	json_begin_object(w);
	json_key(w, "k");
	json_begin_array(w);
	json_string(w, "v");
	json_end_array(w);
	json_end_object(w);
	json_int(w, 3);
	json_end_array(w);
	json_end_object(w);
}

static void
test_compact_nesting(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, 0);
	write_sample(m.w);
	mem_check(&m, "{\"s\":\"x\",\"n\":-42,\"big\":9223372036854775807,"
	    "\"t\":true,\"f\":false,\"z\":null,\"ns\":null,"
	    "\"arr\":[1,{\"k\":[\"v\"]},3]}");
}

static void
test_pretty_nesting(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, 1);
	write_sample(m.w);
	mem_check(&m,
	    "{\n"
	    "  \"s\": \"x\",\n"
	    "  \"n\": -42,\n"
	    "  \"big\": 9223372036854775807,\n"
	    "  \"t\": true,\n"
	    "  \"f\": false,\n"
	    "  \"z\": null,\n"
	    "  \"ns\": null,\n"
	    "  \"arr\": [\n"
	    "    1,\n"
	    "    {\n"
	    "      \"k\": [\n"
	    "        \"v\"\n"
	    "      ]\n"
	    "    },\n"
	    "    3\n"
	    "  ]\n"
	    "}");
}

static void
test_top_level_values(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, 0);
	json_begin_object(m.w);
	json_key(m.w, "a");
	json_int(m.w, 1);
	json_end_object(m.w);
	json_begin_array(m.w);
	json_end_array(m.w);
	json_string(m.w, "x");
	mem_check(&m, "{\"a\":1}\n[]\n\"x\"");
}

static void
test_escaping(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, 0);
	json_begin_array(m.w);
	json_string(m.w, "q\"b\\s/");
	json_string(m.w, "\n\t\r\b\f");
	json_string(m.w, "\x01\x1f\x7f");
	json_string(m.w, "c1:\xC2\x85");		/* U+0085 NEL */
	json_string_n(m.w, "a\0b", 3);
	json_string_n(m.w, "abc", 0);
	json_end_array(m.w);
	mem_check(&m, "[\"q\\\"b\\\\s/\",\"\\n\\t\\r\\b\\f\","
	    "\"\\u0001\\u001f\\u007f\",\"c1:\\u0085\",\"a\\u0000b\",\"\"]");
}

static void
test_keys_escaped(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, 0);
	json_begin_object(m.w);
	json_key(m.w, "a\"b\n");
	json_int(m.w, 0);
	json_end_object(m.w);
	mem_check(&m, "{\"a\\\"b\\n\":0}");
}

static void
test_invalid_utf8(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, 0);
	json_begin_array(m.w);
	json_string(m.w, "a\xFF" "b");			/* invalid byte */
	json_string(m.w, "\xC3");			/* truncated 2-byte */
	json_string(m.w, "\xC0\xAF");			/* overlong '/' */
	json_string(m.w, "\xED\xA0\x80");		/* surrogate D800 */
	json_string(m.w, "\xF4\x90\x80\x80");		/* > U+10FFFF */
	json_string(m.w, "\xE1\xBB" "x");		/* cut 3-byte */
	json_end_array(m.w);
	mem_check(&m, "[\"a\xEF\xBF\xBD" "b\","
	    "\"\xEF\xBF\xBD\","
	    "\"\xEF\xBF\xBD\xEF\xBF\xBD\","
	    "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\","
	    "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\","
	    "\"\xEF\xBF\xBD\xEF\xBF\xBD" "x\"]");
}

static void
test_vietnamese_passthrough(void **state)
{
	struct mem m;
	const char *vi = "Sở Nội vụ tỉnh Hậu Giang — Nguyễn Văn Ấn 😀";

	(void)state;
	mem_open(&m, 0);
	json_begin_object(m.w);
	json_key(m.w, "tên");
	json_string(m.w, vi);
	json_end_object(m.w);
	mem_check(&m, "{\"tên\":\"Sở Nội vụ tỉnh Hậu Giang — Nguyễn Văn Ấn 😀\"}");
}

static void
test_max_depth(void **state)
{
	struct mem m;
	char want[2 * JSON_MAX_DEPTH + 1];
	int i;

	(void)state;
	mem_open(&m, 0);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_begin_array(m.w);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_end_array(m.w);
	memset(want, '[', JSON_MAX_DEPTH);
	memset(want + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	want[2 * JSON_MAX_DEPTH] = '\0';
	mem_check(&m, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_containers),
		cmocka_unit_test(test_compact_nesting),
		cmocka_unit_test(test_pretty_nesting),
		cmocka_unit_test(test_top_level_values),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_keys_escaped),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_vietnamese_passthrough),
		cmocka_unit_test(test_max_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
