/*
 * inbound_headers.c — the header pass of the inbound check (see
 * inbound_headers.h). A field is its line and the lines after it that
 * start with a blank; the section ends at the first empty line (CRLF or a
 * bare LF) or at INBOUND_HEADERS_MAX bytes.
 */
#include <string.h>
#include <strings.h>

#include "auth_results.h"
#include "inbound_headers.h"

/* Is the field (len bytes at p) named name? */
static int
field_is(const char *p, size_t len, const char *name)
{
	size_t n = strlen(name), i;

	if (len <= n || strncasecmp(p, name, n) != 0)
		return 0;
	for (i = n; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	return i < len && p[i] == ':';
}

void
inbound_headers_scan(const char *buf, size_t len, const char *authserv_id,
    struct inbound_headers *h)
{
	size_t i = 0, start, lim = len < INBOUND_HEADERS_MAX ? len : INBOUND_HEADERS_MAX;

	memset(h, 0, sizeof(*h));
	while (i < lim) {
		if (buf[i] == '\n' || (buf[i] == '\r' && i + 1 < lim && buf[i + 1] == '\n')) {
			i += buf[i] == '\r' ? 2 : 1;     /* the empty line */
			break;
		}
		start = i;
		do {
			while (i < lim && buf[i] != '\n')
				i++;
			if (i < lim)
				i++;
		} while (i < lim && (buf[i] == ' ' || buf[i] == '\t'));
		if (field_is(buf + start, i - start, "from")) {
			h->from.off = start;
			h->from.len = i - start;
			h->nfrom++;
		} else if (field_is(buf + start, i - start, "subject")) {
			if (!h->have_subject) {
				h->subject.off = start;
				h->subject.len = i - start;
				h->have_subject = 1;
			}
		} else if (field_is(buf + start, i - start, "authentication-results") &&
		    auth_results_is_ours(buf + start, i - start, authserv_id)) {
			if (h->nours < SMTP_EOD_MAX_SKIP) {
				h->ours[h->nours].off = start;
				h->ours[h->nours].len = i - start;
			}
			h->nours++;
		}
	}
	h->end = i;
}
