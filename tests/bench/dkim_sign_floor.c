/*
 * dkim_sign_floor.c — the floor of `make bench-auth`'s signing figures:
 * the least work one DKIM signature needs, in a bare OpenSSL loop: SHA-256
 * over a body already in canonical form, then one RSA-2048 signature
 * (rsa-sha256) over a fixed block of header bytes of the size a signature
 * covers. No parsing, canonicalisation, I/O or SMTP: what govmaild's
 * signer does beyond this is its overhead.
 *
 *   dkim_sign_floor KEY.pem BODYFILE N
 * prints "MS_PER_SIGNATURE CPU_MS_PER_SIGNATURE" (means over N).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim_floor.h"

int
main(int argc, char **argv)
{
	/* About what h= covers in a small message, plus the DKIM-Signature field. */
	static const char headers[] =
	    "from:An <annv@haugiang.gov.vn>\r\nto:b@example.com\r\nsubject:bench\r\n"
	    "date:Mon, 12 Jan 2026 10:00:00 +0700\r\nmessage-id:<bench@haugiang.gov.vn>\r\n"
	    "mime-version:1.0\r\ncontent-type:text/plain; charset=utf-8\r\n"
	    "dkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; d=haugiang.gov.vn; "
	    "s=gm2026a; t=1765100000; h=from:from:to:to:subject:subject:date:date:"
	    "message-id:mime-version:content-type; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=";
	unsigned char md[EVP_MAX_MD_SIZE], sig[512];
	unsigned mdlen;
	size_t siglen, len;
	double t0, c0;
	EVP_PKEY *key;
	char *body;
	long n, i;
	int rc;

	if ((rc = dkim_floor_args("dkim_sign_floor", argc, argv, &key, &body, &len, &n)) != 0)
		return rc;

	t0 = now_ms(CLOCK_MONOTONIC);
	c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < n; i++) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();

		if (ctx == NULL || !EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) ||
		    !EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) ||
		    !EVP_DigestSignUpdate(ctx, headers, sizeof(headers) - 1) ||
		    !EVP_DigestSignUpdate(ctx, md, mdlen) ||
		    (siglen = sizeof(sig), !EVP_DigestSignFinal(ctx, sig, &siglen))) {
			fprintf(stderr, "dkim_sign_floor: signing failed\n");
			return 70;
		}
		EVP_MD_CTX_free(ctx);
	}
	printf("%.3f %.3f\n", (now_ms(CLOCK_MONOTONIC) - t0) / n,
	    (now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0) / n);
	EVP_PKEY_free(key);
	free(body);
	return 0;
}
