/*
 * sign_pem.c — certificates of a PEM file (see sign_pem.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "sign_pem.h"

STACK_OF(X509) *
sign_pem_read_certs(const char *path, char *err, size_t errlen)
{
	STACK_OF(X509) *sk;
	X509 *x;
	BIO *b;

	if ((b = BIO_new_file(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ERR_clear_error();
		return NULL;
	}
	sk = sk_X509_new_null();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	ERR_clear_error();      /* the end of the file is reported as an error */
	BIO_free(b);
	if (sk_X509_num(sk) == 0) {
		snprintf(err, errlen, "%s: no PEM certificate in the file", path);
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}
