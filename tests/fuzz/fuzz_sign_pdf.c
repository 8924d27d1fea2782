/*
 * fuzz_sign_pdf.c — libFuzzer target for the PDF signature locator: any
 * bytes as a PDF; every signature found must lie inside the buffer, a
 * usable one must have its gap inside it and start with '<', and the
 * value decoder must stay within its bound. `make fuzz` builds it.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../src/govmaild/sign_pdf.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_pdf_found f;
	unsigned char *der;
	size_t i, dl;

	(void)sign_pdf_is_pdf(data, size);
	sign_pdf_find(data, size, &f);
	assert(f.nsig <= SIGN_PDF_MAX_SIGS);
	for (i = 0; i < f.nsig; i++) {
		if (f.sig[i].problem != NULL)
			continue;
		assert(f.sig[i].gap_off + f.sig[i].gap_len <= size);
		assert(data[f.sig[i].gap_off] == '<');
		if ((der = sign_pdf_value(data, &f.sig[i], 4096, &dl)) != NULL) {
			assert(dl > 0 && dl <= 4096);
			free(der);
		}
	}
	return 0;
}
