/*
 * fuzz_sign_pdfcost.c — libFuzzer target for the parse cost of a PDF's
 * updates (sign_pdfcost.c): any bytes, counted whole and from an offset
 * taken from the first byte, with a limit taken from the next two. The
 * count never exceeds the limit, a larger limit never counts less, and a
 * limit the whole count fits under gives that count. `make fuzz` builds
 * it; PDF updates with object streams and cross-reference streams (made
 * by test_sign_update_cost.sh, or qpdf --object-streams=generate) are
 * good seeds.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/govmaild/sign_pdfcost.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t from, max, all, some;

	if (size < 3)
		return 0;
	from = (size_t)data[0] * size / 256;
	max = (size_t)data[1] << 8 | data[2];
	all = sign_pdfcost_tokens(data, from, size, (size_t)1 << 30);
	some = sign_pdfcost_tokens(data, from, size, max);
	assert(some <= max);
	assert(some <= all);
	assert(all > max || some == all);
	assert(sign_pdfcost_tokens(data, size, size, max) == 0);
	return 0;
}
