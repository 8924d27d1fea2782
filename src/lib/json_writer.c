/*
 * json_writer.c — streaming JSON writer (see json_writer.h). Keeps a small
 * stack of open containers so it knows when a comma or a newline is due; it
 * never holds more than that, so output size is bounded only by the stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "utf8.h"
#include "xmalloc.h"

enum json_ctx { JSON_CTX_TOP, JSON_CTX_OBJECT, JSON_CTX_ARRAY };

struct json_level {
	enum json_ctx	ctx;
	size_t		count;		/* members / elements written so far */
};

struct json_writer {
	FILE			*fp;
	int			 pretty;
	int			 depth;		/* 0 = top level */
	int			 after_key;	/* a key was written, value due */
	struct json_level	 st[JSON_MAX_DEPTH + 1];
};

/* Internal inconsistency in the caller: not recoverable, dump core. */
static void __attribute__((noreturn))
json_bug(const char *what)
{
	fprintf(stderr, "govmail: json_writer misuse: %s\n", what);
	abort();
}

struct json_writer *
json_writer_new(FILE *fp, int pretty)
{
	struct json_writer *w = xcalloc(1, sizeof(*w));

	w->fp = fp;
	w->pretty = pretty != 0;
	w->st[0].ctx = JSON_CTX_TOP;
	return w;
}

void
json_writer_free(struct json_writer *w)
{
	free(w);
}

static void
json_indent(struct json_writer *w, int level)
{
	int i;

	putc('\n', w->fp);
	for (i = 0; i < level; i++)
		fputs("  ", w->fp);
}

/* Separator and indentation before a value (not a key). */
static void
json_before_value(struct json_writer *w)
{
	struct json_level *l = &w->st[w->depth];

	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (l->ctx == JSON_CTX_OBJECT)
		json_bug("value inside an object without a key");
	if (l->count > 0)
		putc(l->ctx == JSON_CTX_TOP ? '\n' : ',', w->fp);
	if (w->pretty && l->ctx == JSON_CTX_ARRAY)
		json_indent(w, w->depth);
	l->count++;
}

static void
json_begin(struct json_writer *w, enum json_ctx ctx)
{
	json_before_value(w);
	if (w->depth >= JSON_MAX_DEPTH)
		json_bug("nesting deeper than JSON_MAX_DEPTH");
	putc(ctx == JSON_CTX_OBJECT ? '{' : '[', w->fp);
	w->depth++;
	w->st[w->depth].ctx = ctx;
	w->st[w->depth].count = 0;
}

static void
json_end(struct json_writer *w, enum json_ctx ctx)
{
	if (w->depth == 0 || w->st[w->depth].ctx != ctx)
		json_bug("end of a container that is not open");
	if (w->after_key)
		json_bug("object closed after a key without value");
	if (w->pretty && w->st[w->depth].count > 0)
		json_indent(w, w->depth - 1);
	putc(ctx == JSON_CTX_OBJECT ? '}' : ']', w->fp);
	w->depth--;
}

void
json_begin_object(struct json_writer *w)
{
	json_begin(w, JSON_CTX_OBJECT);
}

void
json_end_object(struct json_writer *w)
{
	json_end(w, JSON_CTX_OBJECT);
}

void
json_begin_array(struct json_writer *w)
{
	json_begin(w, JSON_CTX_ARRAY);
}

void
json_end_array(struct json_writer *w)
{
	json_end(w, JSON_CTX_ARRAY);
}

static void
json_put_string(FILE *fp, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;
	size_t i = 0, len;

	putc('"', fp);
	while (i < n) {
		len = utf8_seq(s + i, n - i, &cp);
		if (len == 0) {
			fputs("\xEF\xBF\xBD", fp);	/* U+FFFD */
			i++;
			continue;
		}
		switch (cp) {
		case '"':  fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\b': fputs("\\b", fp); break;
		case '\f': fputs("\\f", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			/* C0, DEL and C1 controls: escaped so logs stay inert. */
			if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
				fprintf(fp, "\\u%04x", cp);
			else
				fwrite(s + i, 1, len, fp);
			break;
		}
		i += len;
	}
	putc('"', fp);
}

void
json_key(struct json_writer *w, const char *key)
{
	struct json_level *l = &w->st[w->depth];

	if (l->ctx != JSON_CTX_OBJECT)
		json_bug("key outside an object");
	if (key == NULL)
		json_bug("NULL key");
	if (w->after_key)
		json_bug("key after a key");
	if (l->count > 0)
		putc(',', w->fp);
	if (w->pretty)
		json_indent(w, w->depth);
	json_put_string(w->fp, key, strlen(key));
	fputs(w->pretty ? ": " : ":", w->fp);
	l->count++;
	w->after_key = 1;
}

void
json_string(struct json_writer *w, const char *s)
{
	if (s == NULL) {
		json_null(w);
		return;
	}
	json_string_n(w, s, strlen(s));
}

void
json_string_n(struct json_writer *w, const char *s, size_t n)
{
	if (s == NULL) {
		json_null(w);
		return;
	}
	json_before_value(w);
	json_put_string(w->fp, s, n);
}

void
json_int(struct json_writer *w, long long v)
{
	json_before_value(w);
	fprintf(w->fp, "%lld", v);
}

void
json_bool(struct json_writer *w, int v)
{
	json_before_value(w);
	fputs(v ? "true" : "false", w->fp);
}

void
json_null(struct json_writer *w)
{
	json_before_value(w);
	fputs("null", w->fp);
}
