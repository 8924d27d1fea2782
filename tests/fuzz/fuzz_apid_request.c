/*
 * fuzz_apid_request.c — libFuzzer target for what govmail-apid does with a
 * request before any caller is known: the router (method and path to a
 * route, {x} parameters) and the strict decoding of a JSON body against the
 * route's fields. The input is "METHOD PATH\n" then the body. Checks the
 * promises: a match's parameters are non-empty segments without '/'; a
 * refusal says why; a decoded body is an object holding only the route's
 * fields, with strings that are valid UTF-8 without control characters.
 *
 *   make build/fuzz/fuzz_apid_request && build/fuzz/fuzz_apid_request
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apid.h"
#include "apid_json.h"
#include "apid_router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_body(json_t *o, const struct apid_field *spec)
{
	const char *key;
	json_t *v;
	char why[128];

	if (!json_is_object(o))
		abort();
	json_object_foreach(o, key, v) {
		const struct apid_field *f;

		for (f = spec; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL)
			abort();
		if (json_is_string(v) && apid_text_ok(json_string_value(v),
		    json_string_length(v), 100, why, sizeof(why)) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[512], method[16], params[APID_MAX_PARAMS][256], allow[128];
	char field[300], detail[512];
	const char *nl = memchr(data, '\n', size), *sp;
	const struct apid_route *rt;
	struct apid_json_limits lim = { 4, 100, 50 };
	size_t n, i;
	int known;
	json_t *o;

	if (nl == NULL || (n = (size_t)(nl - (const char *)data)) >= sizeof(line))
		return 0;
	memcpy(line, data, n);
	line[n] = '\0';
	if (memchr(line, '\0', n) != NULL || (sp = strchr(line, ' ')) == NULL ||
	    (size_t)(sp - line) >= sizeof(method))
		return 0;
	memcpy(method, line, (size_t)(sp - line));
	method[sp - line] = '\0';
	rt = apid_route_match(method, sp + 1, params, APID_MAX_PARAMS, &known, allow,
	    sizeof(allow));
	if (rt == NULL) {
		if (known && allow[0] == '\0')
			abort();
		/* decode the body anyway, as the account modification's */
		for (i = 0; i < apid_nroutes; i++)
			if (apid_routes[i].handler == APID_H_ACCOUNT_MODIFY)
				rt = &apid_routes[i];
	} else if (strchr(rt->pattern, '{') != NULL &&
	    (params[0][0] == '\0' || strchr(params[0], '/') != NULL))
		abort();
	if (rt->body == NULL)
		return 0;
	if (apid_json_decode((const char *)nl + 1, size - n - 1, rt->body, &lim, &o,
	    field, sizeof(field), detail, sizeof(detail)) == 0) {
		fuzz_check_body(o, rt->body);
		json_decref(o);
	} else if (detail[0] == '\0')
		abort();
	return 0;
}
