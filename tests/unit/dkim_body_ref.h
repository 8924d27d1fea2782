/*
 * dkim_body_ref.h — RFC 6376 §3.4.4 (relaxed body canonicalisation) read
 * literally, a line (up to CRLF) at a time: the reference the streaming
 * canonicaliser of dkim_sign.c, with its quick path, is compared with by
 * tests/unit/test_dkim_sign.c and tests/fuzz/fuzz_dkim_sign.c. Slow and
 * plain on purpose.
 */
#ifndef GOVMAIL_TESTS_DKIM_BODY_REF_H
#define GOVMAIL_TESTS_DKIM_BODY_REF_H

#include <stdlib.h>
#include <string.h>

/* The canonical body of in (n bytes), NUL-terminated, its length in
 * *outlen; malloc'd, NULL when out of memory. */
static char *
dkim_body_ref(const char *in, size_t n, size_t *outlen)
{
	char *out = malloc(3 * n + 3), *line = malloc(n + 1);
	size_t pos = 0, o = 0, empty = 0, end, i, l;

	if (out == NULL || line == NULL) {
		free(out);
		free(line);
		return NULL;
	}
	while (pos < n) {
		int wsp = 0, crlf = 0;

		for (end = pos; end + 1 < n; end++)
			if (in[end] == '\r' && in[end + 1] == '\n') {
				crlf = 1;
				break;
			}
		if (!crlf)
			end = n;
		/* WSP runs become one SP; WSP at the end of the line goes. */
		for (l = 0, i = pos; i < end; i++) {
			if (in[i] == ' ' || in[i] == '\t') {
				wsp = 1;
				continue;
			}
			if (wsp)
				line[l++] = ' ';
			wsp = 0;
			line[l++] = in[i];
		}
		if (l == 0)
			empty++;            /* empty lines at the end of the body go */
		else {
			for (; empty > 0; empty--) {
				out[o++] = '\r';
				out[o++] = '\n';
			}
			memcpy(out + o, line, l);
			o += l;
			out[o++] = '\r';
			out[o++] = '\n';
		}
		pos = crlf ? end + 2 : n;
	}
	out[o] = '\0';
	*outlen = o;
	free(line);
	return out;
}

#endif
