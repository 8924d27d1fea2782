/*
 * fuzz_auth_results.c — libFuzzer target for the Authentication-Results
 * writer and reader: untrusted values (envelope sender, d=, s=, header.from,
 * comments) give one well-formed field, no CR or LF other than the folding,
 * that our own reader recognises as ours; and incoming fields are read
 * without going out of bounds.
 *   make fuzz && build/fuzz/fuzz_auth_results -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/auth_results.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *f, *parts[4];
	struct auth_results *a;
	struct ar_prop p[3];
	size_t i, k;

	if (s == NULL)
		return 0;
	(void)auth_results_is_ours((const char *)data, size, "mx.example.gov.vn");
	memcpy(s, data, size);
	s[size] = '\0';
	/* Up to four NUL-separated strings: value, value, comment, id. */
	parts[0] = s;
	for (k = 1, i = 0; k < 4; k++) {
		while (i < size && s[i] != '\0')
			i++;
		parts[k] = i < size ? s + ++i : s + size;
	}
	a = auth_results_new("mx.example.gov.vn");
	p[0] = (struct ar_prop){ "smtp", "mailfrom", parts[0] };
	p[1] = (struct ar_prop){ "header", "d", parts[1] };
	p[2] = (struct ar_prop){ "header", "from", parts[3] };
	auth_results_add(a, "dkim", parts[3], parts[2], p, 3);
	auth_results_add(a, parts[1], "pass", NULL, p, 1);
	f = auth_results_field(a);
	if (!auth_results_is_ours(f, strlen(f), "mx.example.gov.vn"))
		abort();
	for (i = 0; f[i] != '\0'; i++)
		if ((f[i] == '\r' && f[i + 1] != '\n') ||
		    (f[i] == '\n' && f[i + 1] != '\t' && f[i + 1] != '\0'))
			abort();
	free(f);
	auth_results_free(a);
	auth_results_free(auth_results_new(parts[3]));
	free(s);
	return 0;
}
