/*
 * fuzz_sign_pdfcost.c — libFuzzer target for the parse cost of the
 * objects a PDF's updates make a reader read (sign_pdfcost.c): any bytes,
 * one object and one object stream read from an offset taken from the
 * first byte, with a limit taken from the next two, and the text bound
 * over all of it. A count never exceeds its limit, a larger limit never
 * counts less, and a limit the whole count fits under gives that count.
 * `make fuzz` builds it; objects and object streams as PDF updates write
 * them (test_sign_update_cost.sh makes some) are good seeds.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/govmaild/sign_pdfcost.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(size_t (*f)(const unsigned char *, size_t, size_t, size_t), const uint8_t *data,
    size_t size, size_t off, size_t max)
{
	size_t all = f(data, size, off, (size_t)1 << 30), some = f(data, size, off, max);

	assert(some <= max);
	assert(some <= all);
	assert(all > max || some == all);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off, max;

	if (size < 3)
		return 0;
	off = 3 + (size_t)data[0] * (size - 3) / 256;
	max = (size_t)data[1] << 8 | data[2];
	check(sign_pdfcost_object, data, size, off, max);
	check(sign_pdfcost_objstm, data, size, off, max);
	assert(sign_pdfcost_text(data, size, max) <= max);
	assert(sign_pdfcost_object(data, size, size, max) == 0);
	return 0;
}
