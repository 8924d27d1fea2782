/*
 * fuzz_sign_pdfcost.c — libFuzzer target for the parse cost of the
 * objects a PDF's updates make a reader read (sign_pdfcost.c): any bytes,
 * one object, one object stream, one value and all the bytes read from an
 * offset taken from the first byte, with a limit taken from the next two,
 * and the text bound over all of it. A count never exceeds its limit, a
 * larger limit never counts less, and a limit the whole count fits under
 * gives that count. The lenient reading of the later sections after that
 * offset (sign_pdfxref_reach) gives offsets inside the bytes only.
 * `make fuzz` builds it; objects and object streams as PDF updates write
 * them (test_sign_update_cost.sh makes some) are good seeds.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/govmaild/sign_pdfcost.c"
#include "../../src/govmaild/sign_pdfxref.c"

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
	struct sign_pdfxref_reach r;
	size_t off, max, i;

	if (size < 3)
		return 0;
	off = 3 + (size_t)data[0] * (size - 3) / 256;
	max = (size_t)data[1] << 8 | data[2];
	check(sign_pdfcost_object, data, size, off, max);
	check(sign_pdfcost_objstm, data, size, off, max);
	check(sign_pdfcost_value, data, size, off, max);
	check(sign_pdfcost_rest, data, size, off, max);
	sign_pdfxref_reach(data, size, off, &r);
	for (i = 0; i < r.nobjs; i++)
		assert(r.objs[i] < size);
	for (i = 0; i < r.nstms; i++)
		assert(r.stms[i] < size);
	for (i = 0; i < r.ndicts; i++)
		assert(r.dicts[i] < size);
	assert(!r.unread || (r.nobjs == 0 && r.nstms == 0 && r.ndicts == 0));
	sign_pdfxref_reach_free(&r);
	assert(sign_pdfcost_text(data, size, max) <= max);
	assert(sign_pdfcost_object(data, size, size, max) == 0);
	return 0;
}
