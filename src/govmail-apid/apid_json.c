/*
 * apid_json.c — strict JSON body decoding for govmail-apid (apid_json.h).
 */
#include <stdio.h>
#include <string.h>

#include "apid_json.h"
#include "utf8.h"

int
apid_json_depth(const char *body, size_t len)
{
	int depth = 0, max = 0, instr = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = body[i];

		if (instr) {
			if (c == '\\')
				i++;
			else if (c == '"')
				instr = 0;
			continue;
		}
		if (c == '"')
			instr = 1;
		else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']')
			depth--;
	}
	return max;
}

int
apid_text_ok(const char *s, size_t len, size_t max, char *detail, size_t detaillen)
{
	size_t i;

	if (len > max) {
		snprintf(detail, detaillen, "longer than %zu bytes", max);
		return -1;
	}
	if (utf8_validate(s, len, NULL) != 0) {
		snprintf(detail, detaillen, "not valid UTF-8");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* C0 controls, DEL, and C1 controls (U+0080..U+009F: C2 80..9F) */
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] < 0xa0)) {
			snprintf(detail, detaillen, "control character at byte %zu", i);
			return -1;
		}
	}
	return 0;
}

static int
apid_json_string_ok(json_t *v, const struct apid_json_limits *lim, char *detail,
    size_t detaillen)
{
	return apid_text_ok(json_string_value(v), json_string_length(v), lim->max_string,
	    detail, detaillen);
}

int
apid_json_decode(const char *body, size_t len, const struct apid_field *spec,
    const struct apid_json_limits *lim, json_t **out, char *field, size_t fieldlen,
    char *detail, size_t detaillen)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	const struct apid_field *f;
	char why[128];
	int depth;

	*out = NULL;
	field[0] = '\0';
	if ((depth = apid_json_depth(body, len)) > lim->max_depth) {
		snprintf(detail, detaillen, "JSON nested %d deep; at most %d", depth,
		    lim->max_depth);
		return -1;
	}
	/* Duplicate keys are refused: which one counts is ambiguous. */
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(detail, detaillen, "malformed JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(detail, detaillen, "the body must be a JSON object");
		goto fail;
	}
	json_object_foreach(root, key, v) {
		if (apid_text_ok(key, strlen(key), lim->max_string, why, sizeof(why)) != 0) {
			snprintf(field, fieldlen, "(a name)");
			snprintf(detail, detaillen, "field name: %s", why);
			goto fail;
		}
		for (f = spec; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		snprintf(field, fieldlen, "%s", key);
		if (f->name == NULL) {
			snprintf(detail, detaillen, "unknown field");
			goto fail;
		}
		switch (f->type) {
		case APID_STRING:
			if (!json_is_string(v)) {
				snprintf(detail, detaillen, "must be a string");
				goto fail;
			}
			if (apid_json_string_ok(v, lim, why, sizeof(why)) != 0) {
				snprintf(detail, detaillen, "%s", why);
				goto fail;
			}
			break;
		case APID_INT:
			if (!json_is_integer(v)) {
				snprintf(detail, detaillen, "must be an integer");
				goto fail;
			}
			break;
		case APID_BOOL:
			if (!json_is_boolean(v)) {
				snprintf(detail, detaillen, "must be true or false");
				goto fail;
			}
			break;
		case APID_STRINGS: {
			size_t i;
			json_t *e;

			if (!json_is_array(v)) {
				snprintf(detail, detaillen, "must be an array of strings");
				goto fail;
			}
			if (json_array_size(v) > lim->max_items) {
				snprintf(detail, detaillen, "more than %zu elements",
				    lim->max_items);
				goto fail;
			}
			json_array_foreach(v, i, e) {
				if (!json_is_string(e)) {
					snprintf(field, fieldlen, "%s[%zu]", key, i);
					snprintf(detail, detaillen, "must be a string");
					goto fail;
				}
				if (apid_json_string_ok(e, lim, why, sizeof(why)) != 0) {
					snprintf(field, fieldlen, "%s[%zu]", key, i);
					snprintf(detail, detaillen, "%s", why);
					goto fail;
				}
			}
			break;
		}
		}
	}
	for (f = spec; f->name != NULL; f++)
		if (f->required && json_object_get(root, f->name) == NULL) {
			snprintf(field, fieldlen, "%s", f->name);
			snprintf(detail, detaillen, "required");
			goto fail;
		}
	field[0] = '\0';
	*out = root;
	return 0;
fail:
	json_decref(root);
	return -1;
}
