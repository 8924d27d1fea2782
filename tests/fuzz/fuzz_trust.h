/*
 * fuzz_trust.h — for the signature fuzz targets: a trust store holding a
 * throw-away self-signed certificate made at start (no key material in
 * the repository), made by LLVMFuzzerInitialize. Include after
 * sign_verify.c.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static struct sign_trust *fz_trust;

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

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct govmail_conf *c = conf_defaults();
	char err[256], *path = fz_make_anchor();

	(void)argc;
	(void)argv;
	free(c->signature_trust_anchors);
	c->signature_trust_anchors = strdup(path);
	fz_trust = sign_trust_load(c, err, sizeof(err));
	assert(fz_trust != NULL);
	unlink(path);
	conf_free(c);
	return 0;
}

