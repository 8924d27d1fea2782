/*
 * fuzz_sign_revinfo.c — libFuzzer target for the revocation data govmaild
 * reads from untrusted signatures and documents: any bytes as a CMS
 * ContentInfo whose revocationInfoChoices are walked for OCSP answers
 * (sign_revinfo_cms_ocsp; each answer found must lie inside the input),
 * as an OCSPResponse, a CRL and a certificate (sign_revinfo_add_*), and as
 * a PDF whose /DSS is read (sign_dss_read). Nothing may read out of
 * bounds or leak. `make fuzz` builds it; good seeds are the *.resp files
 * and the PDFs of DIR/ocsp made by scripts/test-pki.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/govmaild/sign_revinfo.c"
#include "../../src/govmaild/sign_dss.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_span {
	const uint8_t *base;
	size_t size, n;
};

static void
fz_found(const unsigned char *p, size_t len, void *arg)
{
	struct fz_span *s = arg;

	assert(p >= s->base && len <= s->size && (size_t)(p - s->base) <= s->size - len);
	s->n++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_span span = { data, size, 0 };
	struct sign_revinfo *r = sign_revinfo_new();
	int n = sign_revinfo_cms_ocsp(data, size, fz_found, &span);

	assert(n < 0 || (size_t)n == span.n);
	(void)sign_revinfo_add_ocsp(r, data, size);
	(void)sign_revinfo_add_crl(r, data, size);
	(void)sign_revinfo_add_cert(r, data, size);
	sign_revinfo_free(r);
	sign_revinfo_free(sign_dss_read(data, size));
	return 0;
}
