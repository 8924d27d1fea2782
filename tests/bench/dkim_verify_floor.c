/*
 * dkim_verify_floor.c — the floor of `make bench-auth`'s verification
 * figures: the least work checking one rsa-sha256 DKIM signature needs,
 * in a bare OpenSSL loop: SHA-256 over a body already in canonical form
 * (compared with the expected body hash), SHA-256 of a fixed block of
 * header bytes of the size a signature covers and one RSA-2048
 * verification of it, with the public key parsed once before the loop.
 * No DNS, parsing, canonicalisation or SMTP: what govmaild's verifier
 * does beyond this is its overhead.
 *
 *   dkim_verify_floor KEY.pem BODYFILE N
 * KEY.pem is the signer's private key: the signature the loop checks is
 * made with it first, and only its public half is used in the loop.
 * Prints "MS_PER_VERIFICATION CPU_MS_PER_VERIFICATION" (the mean wall
 * time, and the median CPU time of one iteration over N).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkim_floor.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	/* About what h= covers in a small message, plus the DKIM-Signature
	 * field with b= empty, as a verifier rebuilds it. */
	static const char headers[] =
	    "from:Sender <someone@example.org>\r\nto:annv@haugiang.gov.vn\r\nsubject:bench\r\n"
	    "date:Mon, 12 Jan 2026 10:00:00 +0700\r\nmessage-id:<bench@example.org>\r\n"
	    "dkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; "
	    "i=@example.org; q=dns/txt; s=sel1; t=1765100000; h=from : to : subject : "
	    "date : message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=";
	unsigned char md[EVP_MAX_MD_SIZE], bh[EVP_MAX_MD_SIZE], sig[512], *der = NULL;
	const unsigned char *dp;
	unsigned mdlen, bhlen;
	size_t siglen = sizeof(sig), len;
	double t0, *cpu;
	EVP_PKEY *priv, *pub;
	EVP_MD_CTX *ctx;
	char *body;
	long n, i;
	int rc;
	int derlen;

	if ((rc = dkim_floor_args("dkim_verify_floor", argc, argv, &priv, &body, &len, &n)) != 0)
		return rc;
	if ((cpu = calloc((size_t)n, sizeof(*cpu))) == NULL)
		return 70;

	/* The signature to check, and the public key as a verifier has it
	 * (SubjectPublicKeyInfo, what p= holds), parsed once. */
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    !EVP_Digest(body, len, bh, &bhlen, EVP_sha256(), NULL) ||
	    !EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, priv) ||
	    !EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)headers,
	    sizeof(headers) - 1) ||
	    (derlen = i2d_PUBKEY(priv, &der)) <= 0 ||
	    (dp = der, pub = d2i_PUBKEY(NULL, &dp, derlen)) == NULL) {
		fprintf(stderr, "dkim_verify_floor: signing failed\n");
		return 70;
	}
	EVP_MD_CTX_free(ctx);

	t0 = now_ms(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);

		if ((ctx = EVP_MD_CTX_new()) == NULL ||
		    !EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) ||
		    mdlen != bhlen || memcmp(md, bh, mdlen) != 0 ||
		    !EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) ||
		    EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)headers,
		    sizeof(headers) - 1) != 1) {
			fprintf(stderr, "dkim_verify_floor: verification failed\n");
			return 70;
		}
		EVP_MD_CTX_free(ctx);
		cpu[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	t0 = (now_ms(CLOCK_MONOTONIC) - t0) / n;
	qsort(cpu, (size_t)n, sizeof(*cpu), cmp_double);
	printf("%.3f %.3f\n", t0, cpu[(n - 1) / 2]);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
	OPENSSL_free(der);
	free(cpu);
	free(body);
	return 0;
}
