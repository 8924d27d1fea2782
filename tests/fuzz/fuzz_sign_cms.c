/*
 * fuzz_sign_cms.c — libFuzzer target for the CMS path of signature checks:
 * any bytes as a DER SignedData, verified detached over a fixed content,
 * as opaque, and as two signatures of one document sharing a digest
 * prefix (sign_verify_detached); and read through the certificate cache
 * (sign_certcache.c), which must read it exactly as d2i_CMS_ContentInfo
 * does (both refuse it, or both give the same DER); and as the value of an
 * ESS signing-certificate(-v2) attribute (sign_ess.c's parser, which a
 * verified CMS reaches only with a valid signature). The trust store holds
 * a throw-away self-signed certificate made at start (no key material in
 * the repository). The outcome must be a known status with a terminated
 * reason. `make fuzz` builds it; a .p7s from scripts/test-pki is a good
 * seed for the corpus.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../src/govmaild/sign_pem.c"
#include "../../src/govmaild/sign_algo.c"
#include "../../src/govmaild/sign_certcache.c"
#include "../../src/govmaild/sign_ess.c"
#include "../../src/govmaild/sign_tsp.c"
#include "../../src/govmaild/sign_ocsp.c"
#include "../../src/govmaild/sign_revinfo.c"
#include "../../src/govmaild/sign_verify.c"
#include "fuzz_trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The CMS read through the cache equals the CMS read whole. */
static void
fz_check_cache(const uint8_t *data, size_t size)
{
	static struct sign_cert_cache *c;
	const unsigned char *p = data;
	CMS_ContentInfo *a, *b;
	unsigned char *da = NULL, *db = NULL;
	int la, lb;

	if (c == NULL)
		c = sign_cert_cache_new(4);
	a = sign_cert_cache_read_cms(c, data, size);
	b = d2i_CMS_ContentInfo(NULL, &p, (long)size);
	assert((a == NULL) == (b == NULL));
	la = a != NULL ? i2d_CMS_ContentInfo(a, &da) : 0;
	lb = b != NULL ? i2d_CMS_ContentInfo(b, &db) : 0;
	assert(la == lb && (la <= 0 || memcmp(da, db, (size_t)la) == 0));
	OPENSSL_free(da);
	OPENSSL_free(db);
	CMS_ContentInfo_free(a);
	CMS_ContentInfo_free(b);
	ERR_clear_error();
}

/* The bytes as a signing-certificate(-v2) value, against the anchor. */
static void
fz_check_ess(const uint8_t *data, size_t size)
{
	X509 *x = sk_X509_value(fz_trust->anchors, 0);
	char why[160];
	int v2;

	for (v2 = 0; v2 < 2; v2++) {
		why[0] = '\0';
		if (sign_ess_match(data, size, v2, x, why, sizeof(why)) != 0)
			assert(why[0] != '\0' && memchr(why, '\0', sizeof(why)) != NULL);
	}
}

static void
fz_check(const struct sign_signer *out, size_t n)
{
	size_t i;

	assert(n >= 1 && n <= 4);
	for (i = 0; i < n; i++) {
		assert(out[i].status <= SIGN_WEAK);
		assert(memchr(out[i].reason, '\0', sizeof(out[i].reason)) != NULL);
		assert(out[i].nemail <= SIGN_MAX_EMAILS);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char content[] = "Quyet dinh so 123\r\n";
	struct sign_segment seg = { content, sizeof(content) - 1 };
	struct sign_segment segs2[2] = { { content, 10 }, { content + 12, sizeof(content) - 13 } };
	struct sign_signer out[4], out2[4];
	struct sign_detached jobs[2] = {
		{ data, size, &seg, 1, out, 4, 0, 0 }, { data, size, segs2, 2, out2, 4, 0, 1 }
	};
	unsigned char *inner = NULL;
	size_t n, ilen = 0;

	if (size > 64 * 1024)
		return 0;
	fz_check_cache(data, size);
	n = sign_verify_cms(fz_trust, data, size, &seg, 1, out, 4, NULL, NULL);
	fz_check(out, n);
	n = sign_verify_cms(fz_trust, data, size, NULL, 0, out, 4, &inner, &ilen);
	fz_check(out, n);
	free(inner);
	fz_check_ess(data, size);
	/* the same DER as two signatures of one document (shared prefix) */
	sign_verify_detached(fz_trust, jobs, 2);
	fz_check(out, jobs[0].n);
	fz_check(out2, jobs[1].n);
	return 0;
}
