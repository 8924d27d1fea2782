/*
 * json_writer.h — streaming JSON output to a stdio stream, for the audit log
 * and machine-readable CLI output. The writer inserts commas and (optionally)
 * indentation itself; callers only say what comes next. It is not a parser
 * and does not buffer: values go straight to the FILE, so check ferror() on
 * the stream afterwards.
 *
 * Strings are always emitted as valid JSON: '"', '\\' and control characters
 * (C0, DEL and C1) are escaped, valid UTF-8 passes through unchanged, and each
 * byte that does not belong to a valid UTF-8 sequence becomes U+FFFD.
 *
 * Several values at top level are separated by '\n' (JSON Lines); the writer
 * never writes a trailing newline itself.
 *
 * Misuse (a key outside an object, a value where a key is due, unbalanced
 * end_*, nesting deeper than JSON_MAX_DEPTH) is a programming error: the
 * writer prints a message and abort()s.
 */
#ifndef GOVMAIL_JSON_WRITER_H
#define GOVMAIL_JSON_WRITER_H

#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_writer;

/* New writer on fp; pretty = newline + 2-space indentation, 0 = one line. */
struct json_writer *json_writer_new(FILE *fp, int pretty);
void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);
/* Object member name; the next call must write its value. */
void json_key(struct json_writer *w, const char *key);
/* NUL-terminated string; NULL writes null. */
void json_string(struct json_writer *w, const char *s);
/* n bytes of s (may contain NUL, written as \u0000); NULL writes null. */
void json_string_n(struct json_writer *w, const char *s, size_t n);
void json_int(struct json_writer *w, long long v);
void json_bool(struct json_writer *w, int v);
void json_null(struct json_writer *w);
/* Frees the writer; does not fclose the stream. NULL is ignored. */
void json_writer_free(struct json_writer *w);

#endif
