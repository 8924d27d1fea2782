/*
 * test_sign_revinfo.c — revocation data read from untrusted signatures and
 * documents: the OCSP answers of a CMS SignedData's revocationInfoChoices
 * found where they are (and nothing for a CRL choice or another format),
 * BER answered -2, every truncation refused without reading past the end;
 * a PDF's /DSS read from plain streams with direct or indirect lengths,
 * the last definition of an object winning, /FlateDecode streams inflated,
 * other filters (and data that does not inflate) skipped.
 * Certificates are made at run time; sign_revinfo.c and sign_dss.c are
 * part of govmaild, so their sources are compiled in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../../src/govmaild/sign_revinfo.c"
#include "../../src/govmaild/sign_dss.c"

/* out = tag, DER length, body; returns the new end. */
static unsigned char *
tlv(unsigned char *out, unsigned tag, const unsigned char *body, size_t len)
{
	*out++ = (unsigned char)tag;
	if (len < 0x80)
		*out++ = (unsigned char)len;
	else {
		*out++ = 0x82;
		*out++ = (unsigned char)(len >> 8);
		*out++ = (unsigned char)len;
	}
	memmove(out, body, len);
	return out + len;
}

/* ContentInfo { OID, [0] SignedData { version, digestAlgorithms,
 * encapContentInfo, crls [1] { a CRL-like SEQUENCE, other [1] { OID,
 * blob } }, signerInfos } }; the blob's offset in *at. */
static size_t
make_cms(unsigned char *out, const unsigned char *blob, size_t bloblen, int ocsp_oid,
    size_t *at)
{
	static const unsigned char oid_ocsp[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x10, 0x02 };
	static const unsigned char oid_other[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x10, 0x09 };
	static const unsigned char oid_sd[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
	unsigned char a[2048], b[2048], c[2048], *p, *q;
	size_t n;

	/* other [1] { OID, blob } */
	p = tlv(a, 0x06, ocsp_oid ? oid_ocsp : oid_other, sizeof(oid_ocsp));
	memcpy(p, blob, bloblen);
	p += bloblen;
	q = tlv(b, 0x30, (const unsigned char *)"\x02\x01\x01", 3);   /* a CRL-ish SEQUENCE */
	q = tlv(q, 0xa1, a, (size_t)(p - a));
	/* SignedData */
	p = tlv(c, 0x02, (const unsigned char *)"\x01", 1);
	p = tlv(p, 0x31, (const unsigned char *)"", 0);
	p = tlv(p, 0x30, (const unsigned char *)"\x06\x01\x01", 3);
	p = tlv(p, 0xa1, b, (size_t)(q - b));
	p = tlv(p, 0x31, (const unsigned char *)"", 0);
	n = (size_t)(p - c);
	p = tlv(a, 0x30, c, n);
	n = (size_t)(p - a);
	p = tlv(b, 0x06, oid_sd, sizeof(oid_sd));
	p = tlv(p, 0xa0, a, n);
	q = tlv(out, 0x30, b, (size_t)(p - b));
	/* the blob is the last thing before the empty signerInfos */
	*at = (size_t)(q - out) - 2 - bloblen;
	return (size_t)(q - out);
}

struct found {
	const unsigned char *p;
	size_t len, n;
};

static void
on_found(const unsigned char *p, size_t len, void *arg)
{
	struct found *f = arg;

	f->p = p;
	f->len = len;
	f->n++;
}

static void
test_cms_ocsp_found(void **state)
{
	static const unsigned char blob[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
	unsigned char der[4096];
	struct found f = { NULL, 0, 0 };
	size_t at, len = make_cms(der, blob, sizeof(blob), 1, &at);

	(void)state;
	assert_int_equal(sign_revinfo_cms_ocsp(der, len, on_found, &f), 1);
	assert_int_equal(f.n, 1);
	assert_ptr_equal(f.p, der + at);
	assert_int_equal(f.len, sizeof(blob));
	assert_memory_equal(f.p, blob, sizeof(blob));
}

static void
test_cms_other_format_ignored(void **state)
{
	static const unsigned char blob[] = { 0x30, 0x00 };
	unsigned char der[4096];
	struct found f = { NULL, 0, 0 };
	size_t at, len = make_cms(der, blob, sizeof(blob), 0, &at);

	(void)state;
	assert_int_equal(sign_revinfo_cms_ocsp(der, len, on_found, &f), 0);
	assert_int_equal(f.n, 0);
}

static void
test_cms_truncated_and_ber(void **state)
{
	static const unsigned char blob[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
	unsigned char der[4096], *copy;
	struct found f = { NULL, 0, 0 };
	size_t at, len = make_cms(der, blob, sizeof(blob), 1, &at), cut;

	(void)state;
	for (cut = 0; cut < len; cut++) {
		copy = malloc(cut + 1);     /* exactly cut bytes readable (ASan) */
		memcpy(copy, der, cut);
		assert_true(sign_revinfo_cms_ocsp(copy, cut, on_found, &f) < 0);
		free(copy);
	}
	der[1] = 0x80;                  /* indefinite length: BER */
	assert_int_equal(sign_revinfo_cms_ocsp(der, len, on_found, &f), -2);
	assert_int_equal(f.n, 0);
}

static X509 *
make_cert(unsigned char **der, int *len)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	assert_non_null(k);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 9);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"dss", -1, -1, 0);
	X509_set_issuer_name(x, n);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	EVP_PKEY_free(k);
	*der = NULL;
	*len = i2d_X509(x, der);
	assert_true(*len > 0);
	return x;
}

/* A PDF-ish file: objects 1 (catalog naming DSS 2), 2 (the DSS),
 * 3 and 4 (streams of the certificate), 5 (an indirect length), then an
 * update redefining the DSS as dss2. */
static size_t
make_pdf(unsigned char *out, const char *dss1, const char *dss2, const unsigned char *cert,
    int certlen, const char *filter)
{
	unsigned char *p = out;

	p += sprintf((char *)p, "%%PDF-1.7\n1 0 obj\n<< /Type /Catalog /DSS 2 0 R >>\nendobj\n"
	    "2 0 obj\n%s\nendobj\n3 0 obj\n<< /Length %d%s >>\nstream\n", dss1, certlen, filter);
	memcpy(p, cert, (size_t)certlen);
	p += certlen;
	p += sprintf((char *)p, "\nendstream\nendobj\n4 0 obj\n<< /Length 5 0 R >>\nstream\r\n");
	memcpy(p, cert, (size_t)certlen);
	p += certlen;
	p += sprintf((char *)p, "\nendstream\nendobj\n5 0 obj\n%d\nendobj\n", certlen);
	if (dss2 != NULL)
		p += sprintf((char *)p, "2 0 obj\n%s\nendobj\n", dss2);
	p += sprintf((char *)p, "trailer\n<< /Root 1 0 R >>\n%%%%EOF\n");
	return (size_t)(p - out);
}

static void
test_dss_certs(void **state)
{
	unsigned char *cert, *pdf = malloc(16384);
	int certlen;
	X509 *x = make_cert(&cert, &certlen);
	struct sign_revinfo *r;
	size_t len;

	(void)state;
	/* direct and indirect length */
	len = make_pdf(pdf, "<< /Certs [3 0 R 4 0 R] >>", NULL, cert, certlen, "");
	assert_non_null(r = sign_dss_read(pdf, len));
	assert_int_equal(sk_X509_num(r->certs), 2);
	assert_int_equal(X509_cmp(sk_X509_value(r->certs, 0), x), 0);
	sign_revinfo_free(r);
	/* the last definition of the DSS wins */
	len = make_pdf(pdf, "<< /Certs [3 0 R 4 0 R] >>", "<< /Certs [4 0 R] >>", cert, certlen, "");
	assert_non_null(r = sign_dss_read(pdf, len));
	assert_int_equal(sk_X509_num(r->certs), 1);
	sign_revinfo_free(r);
	/* "/FlateDecode" over data that does not inflate is not read; an OCSP
	 * entry that is no answer neither */
	len = make_pdf(pdf, "<< /Certs [3 0 R] /OCSPs [4 0 R] >>", NULL, cert, certlen,
	    " /Filter /FlateDecode");
	assert_null(sign_dss_read(pdf, len));
	/* no DSS, a DSS naming nothing, truncated anywhere: nothing, no overread */
	assert_null(sign_dss_read((const unsigned char *)"%PDF-1.7\n", 9));
	len = make_pdf(pdf, "<< /Certs [7 0 R] >>", NULL, cert, certlen, "");
	assert_null(sign_dss_read(pdf, len));
	len = make_pdf(pdf, "<< /Certs [3 0 R 4 0 R] >>", NULL, cert, certlen, "");
	for (size_t cut = 0; cut < len; cut += 7) {
		unsigned char *copy = malloc(cut + 1);

		memcpy(copy, pdf, cut);
		sign_revinfo_free(sign_dss_read(copy, cut));
		free(copy);
	}
	OPENSSL_free(cert);
	X509_free(x);
	free(pdf);
}

static void
test_dss_flate(void **state)
{
	unsigned char *cert, *pdf = malloc(16384), z[4096], *p;
	uLongf zlen = sizeof(z);
	int certlen;
	X509 *x = make_cert(&cert, &certlen);
	struct sign_revinfo *r;
	size_t len;

	(void)state;
	assert_int_equal(compress(z, &zlen, cert, (uLong)certlen), Z_OK);
	for (int other = 0; other < 2; other++) {
		p = pdf + sprintf((char *)pdf, "%%PDF-1.7\n1 0 obj\n<< /DSS 2 0 R >>\nendobj\n"
		    "2 0 obj\n<< /Certs [3 0 R] >>\nendobj\n3 0 obj\n<< /Length %lu /Filter %s >>\n"
		    "stream\n", (unsigned long)zlen, other ? "/LZWDecode" : "/FlateDecode");
		memcpy(p, z, zlen);
		p += zlen;
		p += sprintf((char *)p, "\nendstream\nendobj\n%%%%EOF\n");
		len = (size_t)(p - pdf);
		r = sign_dss_read(pdf, len);
		if (other) {
			assert_null(r);
			continue;
		}
		assert_non_null(r);
		assert_int_equal(sk_X509_num(r->certs), 1);
		assert_int_equal(X509_cmp(sk_X509_value(r->certs, 0), x), 0);
		sign_revinfo_free(r);
	}
	OPENSSL_free(cert);
	X509_free(x);
	free(pdf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cms_ocsp_found),
		cmocka_unit_test(test_cms_other_format_ignored),
		cmocka_unit_test(test_cms_truncated_and_ber),
		cmocka_unit_test(test_dss_certs),
		cmocka_unit_test(test_dss_flate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
