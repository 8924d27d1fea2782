/*
 * apid_json.h — strict decoding of JSON request bodies and query values:
 * jansson parses (UTF-8 and syntax); this adds what an API needs before
 * anything is done with a request: a nesting bound checked on the bytes
 * (jansson has none of its own short of 2048), the fields a route accepts
 * with their types, string lengths, and no control characters. Errors name
 * the field so the client can fix it.
 * Not for: what a value means (the account operations check that).
 */
#ifndef GOVMAIL_APID_JSON_H
#define GOVMAIL_APID_JSON_H

#include <stddef.h>

#include <jansson.h>

enum apid_ftype {
	APID_STRING,
	APID_INT,      /* an integer (no fraction, no exponent) */
	APID_BOOL,
	APID_STRINGS   /* an array of strings */
};

/* One field a body may carry. A spec ends with name NULL. */
struct apid_field {
	const char *name;
	enum apid_ftype type;
	int required;
};

struct apid_json_limits {
	int max_depth;           /* objects and arrays inside each other */
	size_t max_string;       /* bytes of one string (names and values) */
	size_t max_items;        /* elements of an APID_STRINGS array */
};

/*
 * Decode body (len bytes; not NUL-terminated) as one JSON object holding
 * only fields of spec, of their types, with the required ones. 0 with *out
 * (the caller json_decref's it), or -1 with field set to the field at
 * fault ("" when it is the body as a whole) and detail saying what.
 */
int apid_json_decode(const char *body, size_t len, const struct apid_field *spec,
    const struct apid_json_limits *lim, json_t **out, char *field, size_t fieldlen,
    char *detail, size_t detaillen);

/* A string value from a client (body or query): valid UTF-8 of at most max
 * bytes without control characters (C0, DEL, C1). 0, or -1 with detail. */
int apid_text_ok(const char *s, size_t len, size_t max, char *detail,
    size_t detaillen);

/* Nesting depth of a JSON text, counted on its bytes (strings skipped). */
int apid_json_depth(const char *body, size_t len);

#endif
