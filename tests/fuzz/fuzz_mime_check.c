/*
 * fuzz_mime_check.c — libFuzzer target for the attachment rule's MIME
 * walk: any bytes as a message, with a small depth and part limit so
 * nesting and counting are reached quickly; the result must be one of the
 * three states and its strings terminated, the reply name plain ASCII.
 * Also the RFC 2047 decoder and the ASCII folding on the raw input.
 * `make fuzz` builds it (with -letpan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/mime_check.c"
#include "../../src/govmaild/mime_tree.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *const fz_exts[] = { "exe", "js", "scr" };
static char *const fz_types[] = { "application/x-msdownload", "text/javascript" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_check_limits lim;
	struct mime_check_result res;
	char *s, ascii[64], *d;
	size_t i;

	if (size > 256 * 1024)
		return 0;
	memset(&lim, 0, sizeof(lim));
	lim.max_depth = 8;
	lim.max_parts = 50;
	lim.max_size = 256 * 1024;
	lim.blocked_ext = fz_exts;
	lim.nblocked_ext = 3;
	lim.blocked_types = fz_types;
	lim.nblocked_types = 2;
	mime_check_buffer((const char *)data, size, &lim, &res);
	if (res.status != MIME_CHECK_OK && res.status != MIME_CHECK_MALFORMED &&
	    res.status != MIME_CHECK_BLOCKED)
		abort();
	if (memchr(res.why, 0, sizeof(res.why)) == NULL ||
	    memchr(res.filename, 0, sizeof(res.filename)) == NULL ||
	    memchr(res.ascii, 0, sizeof(res.ascii)) == NULL)
		abort();
	for (i = 0; res.ascii[i]; i++)
		if ((unsigned char)res.ascii[i] < 0x20 || (unsigned char)res.ascii[i] > 0x7e)
			abort();

	s = xstrndup((const char *)data, size > 4096 ? 4096 : size);
	if ((d = mime_check_decode_2047(s)) != NULL) {
		(void)mime_check_ext_blocked(d, fz_exts, 3);
		free(d);
	}
	mime_check_ascii(s, ascii, sizeof(ascii));
	free(s);
	return 0;
}
