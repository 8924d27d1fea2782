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

static double
now_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

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
	FILE *fp;
	char *body;
	long n, i;

	if (argc != 4 || (n = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: dkim_sign_floor KEY.pem BODYFILE N\n");
		return 64;
	}
	if ((fp = fopen(argv[1], "r")) == NULL ||
	    (key = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "dkim_sign_floor: cannot read %s\n", argv[1]);
		return 66;
	}
	fclose(fp);
	if ((fp = fopen(argv[2], "rb")) == NULL) {
		fprintf(stderr, "dkim_sign_floor: cannot read %s\n", argv[2]);
		return 66;
	}
	fseek(fp, 0, SEEK_END);
	len = (size_t)ftell(fp);
	rewind(fp);
	if ((body = malloc(len + 1)) == NULL || fread(body, 1, len, fp) != len)
		return 70;
	fclose(fp);

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
