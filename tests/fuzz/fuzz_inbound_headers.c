/*
 * fuzz_inbound_headers.c — libFuzzer target for the header pass of the
 * inbound check (inbound_headers.c): any bytes give ranges inside the
 * input, in order, each starting at a line start, the From: and Subject:
 * fields named so, the body start within the input.
 *   make fuzz && build/fuzz/fuzz_inbound_headers -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../src/govmaild/auth_results.c"
#include "../../src/govmaild/inbound_headers.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
field_ok(const char *buf, size_t size, size_t off, size_t len, const char *name)
{
	if (off + len > size || len == 0 || (off > 0 && buf[off - 1] != '\n') ||
	    (name != NULL && strncasecmp(buf + off, name, strlen(name)) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct inbound_headers h;
	size_t i, prev = 0;

	inbound_headers_scan(buf, size, "mx.example.gov.vn", &h);
	if (h.end > size)
		abort();
	if (h.nfrom > 0)
		field_ok(buf, size, h.from.off, h.from.len, "from");
	if (h.have_subject)
		field_ok(buf, size, h.subject.off, h.subject.len, "subject");
	for (i = 0; i < h.nours && i < SMTP_EOD_MAX_SKIP; i++) {
		field_ok(buf, size, (size_t)h.ours[i].off, (size_t)h.ours[i].len,
		    "authentication-results");
		if (h.ours[i].off < prev || h.ours[i].off + h.ours[i].len > h.end)
			abort();
		prev = (size_t)(h.ours[i].off + h.ours[i].len);
	}
	return 0;
}
