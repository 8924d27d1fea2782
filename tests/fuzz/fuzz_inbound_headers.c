/*
 * fuzz_inbound_headers.c — libFuzzer target for the header pass of the
 * inbound check (inbound_headers.c): any bytes give ranges inside the
 * input, in order, each starting at a line start, the From: and Subject:
 * fields named so, the body start within the input; then the From: field
 * read (message.c): its DMARC domain a host name, the domains it names
 * at most the cap plus one, each a dotted lower-case name.
 *   make fuzz && build/fuzz/fuzz_inbound_headers -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../src/govmaild/auth_results.c"
#include "../../src/govmaild/inbound_headers.c"
#include "../../src/govmaild/message.c"
#include "../../src/govmaild/spool.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
field_ok(const char *buf, size_t size, size_t off, size_t len, const char *name)
{
	if (off + len > size || len == 0 || (off > 0 && buf[off - 1] != '\n') ||
	    (name != NULL && strncasecmp(buf + off, name, strlen(name)) != 0))
		abort();
}

static void
from_ok(const char *field, size_t len)
{
	char (*doms)[MESSAGE_DOMAIN_MAX] = calloc(4, sizeof(*doms));
	char dom[MESSAGE_DOMAIN_MAX];
	struct message_from mf;
	size_t n, i;

	if (doms == NULL)
		abort();
	message_from_field(field, len, &mf);
	if (message_from_domain(&mf, dom, sizeof(dom)) == 0 &&
	    (dom[0] == '\0' || strlen(dom) >= sizeof(dom) || strchr(dom, '@') != NULL))
		abort();
	n = message_from_named(field, len, &mf, doms, 4);
	if (n > 5)
		abort();
	for (i = 0; i < n && n <= 4; i++)   /* (too many: out is filled in part) */
		if (strchr(doms[i], '.') == NULL || strlen(doms[i]) >= MESSAGE_DOMAIN_MAX)
			abort();
	message_from_clear(&mf);
	free(doms);
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
	if (h.nfrom > 0)
		from_ok(buf + h.from.off, h.from.len);
	return 0;
}
