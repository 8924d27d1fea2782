/*
 * fuzz_sign_tsp.c — libFuzzer target for RFC 3161 time-stamp tokens
 * (sign_tsp.c): any bytes as a token, checked over a fixed content with
 * no TSA trusted and with a throw-away TSA anchor (made at start, no key
 * material in the repository); and any bytes as a CMS SignedData whose
 * signers' signature-time-stamp attributes are read (sign_tsp_signer, the
 * path of a signature that verified, reached here without a signature).
 * The outcome must be a known status with a terminated reason. `make
 * fuzz` builds it; tsp/*.token.der of scripts/test-pki seed the corpus.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../../src/govmaild/sign_pem.c"
#include "../../src/govmaild/sign_tsp.c"
#include "fuzz_anchor.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sign_tsp *fz_tsp;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct govmail_conf c;
	char err[256], *path = fz_make_anchor();

	(void)argc;
	(void)argv;
	memset(&c, 0, sizeof(c));
	c.signature_tsa_anchors = path;
	c.signature_intermediates = (char *)"";
	fz_tsp = sign_tsp_load(&c, err, sizeof(err));
	assert(fz_tsp != NULL);
	unlink(path);
	return 0;
}

static void
fz_check(const struct sign_tsp_result *r)
{
	assert(r->status <= SIGN_TSP_MISMATCH);
	assert(memchr(r->why, '\0', sizeof(r->why)) != NULL);
	assert(memchr(r->tsa, '\0', sizeof(r->tsa)) != NULL);
	assert(r->status != SIGN_TSP_VALID);    /* nobody holds the anchor's key */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char content[] = "govmail fuzz content";
	struct sign_segment seg = { content, sizeof(content) - 1 };
	struct sign_tsp_result r;
	const unsigned char *p = data;
	CMS_ContentInfo *cms;
	STACK_OF(CMS_SignerInfo) *sis;
	int i;

	sign_tsp_verify(NULL, data, size, &seg, 1, &r);
	fz_check(&r);
	sign_tsp_verify(fz_tsp, data, size, &seg, 1, &r);
	fz_check(&r);
	(void)sign_tsp_is_token(data, size);
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)size)) != NULL) {
		sis = CMS_get0_SignerInfos(cms);
		for (i = 0; sis != NULL && i < sk_CMS_SignerInfo_num(sis) && i < 4; i++)
			if (sign_tsp_signer(fz_tsp, sk_CMS_SignerInfo_value(sis, i), &r))
				fz_check(&r);
		CMS_ContentInfo_free(cms);
	}
	ERR_clear_error();
	return 0;
}
