/*
 * fuzz_anchor.h — for the signature fuzz targets: a throw-away self-signed
 * certificate made at start (no key material in the repository), to be a
 * trust anchor (fuzz_trust.h) or a TSA anchor (fuzz_sign_tsp.c).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* A self-signed certificate in a temporary PEM file; its path. */
static char *
fz_make_anchor(void)
{
	static char path[] = "/tmp/fuzz_trust_XXXXXX";
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	FILE *fp;
	int fd = mkstemp(path);

	assert(k != NULL && x != NULL && fd >= 0);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"fuzz", -1,
	    -1, 0);
	X509_set_issuer_name(x, n);
	X509_sign(x, k, EVP_sha256());
	fp = fdopen(fd, "w");
	PEM_write_X509(fp, x);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(k);
	return path;
}
