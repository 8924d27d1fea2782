/*
 * fuzz_sign_pdfrev.c — libFuzzer target for what changed after a PDF
 * signature (sign_pdfrev.c, qpdf): any bytes as the final file, split
 * into signed revisions where the input says so — after each "%%EOF" (and
 * its end of line), and at an offset taken from the input's last bytes.
 * The budget callback stops the analysis after a number of calls taken
 * from the first byte, so that path is fuzzed too. Every verdict must be
 * one of the four, its text terminated, a revision reaching the end
 * credited. `make fuzz` builds it; small PDFs with incremental updates
 * (scripts/test-pki's pdfupd.py on pdf/unsigned.pdf, no pdfsig font) are
 * good seeds.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../src/govmaild/sign_pdfcost.c"
#include "../../src/govmaild/sign_pdfxref.c"
#include "../../src/govmaild/sign_pdfrev.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
budget(void *arg)
{
	int *left = arg;

	return (*left)-- <= 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_pdfrev_rev revs[SIGN_PDFREV_MAX_REVS + 2];
	size_t n = 0, i, k, cut;
	const uint8_t *p = data, *hit;
	int left;

	if (size < 8 || size > 4 * 1024 * 1024)
		return 0;
	/* ends after each %%EOF, in order */
	while (n < SIGN_PDFREV_MAX_REVS + 1 &&
	    (hit = memmem(p, size - (size_t)(p - data), "%%EOF", 5)) != NULL) {
		size_t end = (size_t)(hit - data) + 5;

		if (end < size && data[end] == '\r')
			end++;
		if (end < size && data[end] == '\n')
			end++;
		revs[n++].end = end;
		p = hit + 5;
	}
	/* and one anywhere, kept in order */
	cut = ((size_t)data[size - 1] << 16 | (size_t)data[size - 2] << 8 | data[size - 3]) % size;
	for (k = n; k > 0 && revs[k - 1].end > cut; k--)
		revs[k] = revs[k - 1];
	revs[k].end = cut;
	n++;
	left = data[0] & 0x80 ? data[0] & 0x0f : 1 << 30;
	sign_pdfrev_check(data, size, revs, n, budget, &left);
	for (i = 0; i < n; i++) {
		assert(revs[i].verdict == SIGN_PDFREV_CREDITED || revs[i].verdict == SIGN_PDFREV_MODIFIED ||
		    revs[i].verdict == SIGN_PDFREV_UNREADABLE || revs[i].verdict == SIGN_PDFREV_UNCHECKED);
		assert(memchr(revs[i].change, '\0', sizeof(revs[i].change)) != NULL);
		assert(revs[i].differs == 0 || revs[i].differs == 1);
		assert(revs[i].certified >= 0 && revs[i].certified <= 3);
		if (revs[i].end >= size)
			assert(revs[i].verdict == SIGN_PDFREV_CREDITED);
		if (revs[i].verdict == SIGN_PDFREV_CREDITED)
			assert(revs[i].change[0] == '\0');
		else
			assert(revs[i].change[0] != '\0');
	}
	return 0;
}
