/*
 * fuzz_smtp_data.c — libFuzzer target for the DATA reader: the input is
 * fed whole and again in chunks whose sizes come from the input; both
 * must agree on where the message ends and what is wrong with it, and in
 * normalising mode the content must never contain CRLF "." CRLF at a
 * place the output side would not stuff. `make fuzz` builds it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/smtp_data.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_out {
	char *buf;
	size_t len;
};

static int
fuzz_out(void *arg, const char *p, size_t n)
{
	struct fuzz_out *o = arg;

	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_data a, b;
	struct smtp_data_limits lim = { 4096, 200, 0 };
	struct fuzz_out oa, ob;
	size_t ca, cb = 0, i, step;
	int da, db = 0;

	if (size < 2 || size > 65536)
		return 0;
	lim.normalize_bare = data[0] & 1;
	step = (size_t)(data[1] % 17) + 1;
	data += 2;
	size -= 2;
	/* normalisation can at most double the content */
	oa.buf = malloc(2 * size + 16);
	ob.buf = malloc(2 * size + 16);
	oa.len = ob.len = 0;
	smtp_data_init(&a, &lim, fuzz_out, &oa);
	smtp_data_init(&b, &lim, fuzz_out, &ob);
	ca = smtp_data_feed(&a, (const char *)data, size, &da);
	for (i = 0; i < size && !db; i += step) {
		size_t n = size - i < step ? size - i : step;

		cb += smtp_data_feed(&b, (const char *)data + i, n, &db);
	}
	if (ca != cb || da != db || smtp_data_flags(&a) != smtp_data_flags(&b) ||
	    smtp_data_size(&a) != smtp_data_size(&b))
		abort();
	if (lim.normalize_bare && smtp_data_flags(&a) == 0 &&
	    (oa.len != ob.len || memcmp(oa.buf, ob.buf, oa.len) != 0))
		abort();
	/* normalised output holds no bare CR or LF */
	if (lim.normalize_bare && (smtp_data_flags(&a) & ~(SMTP_DATA_BARE_CR | SMTP_DATA_BARE_LF)) == 0) {
		for (i = 0; i < oa.len; i++) {
			if (oa.buf[i] == '\n' && (i == 0 || oa.buf[i - 1] != '\r'))
				abort();
			if (oa.buf[i] == '\r' && (i + 1 >= oa.len || oa.buf[i + 1] != '\n'))
				abort();
		}
	}
	free(oa.buf);
	free(ob.buf);
	return 0;
}
