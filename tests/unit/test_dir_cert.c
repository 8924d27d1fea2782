/*
 * test_dir_cert.c — the pure part of dir_cert.c: PEM/DER parsing, the
 * SHA-256 fingerprint, the description fields (RFC 2253 UTF-8 names,
 * serial, dates, SAN e-mails), what is refused, fingerprint prefixes and
 * reading the values of an entry. Certificates are made here with OpenSSL
 * (self-signed, throwaway EC keys); nothing talks to a directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dir.h"
#include "dir_cert.h"

/* A generated certificate in both encodings, and its private key. */
struct made {
	unsigned char *der;
	size_t der_len;
	char *pem;
	size_t pem_len;
	char *key_pem;
	size_t key_pem_len;
	char fp[65];
};

/* Copy a memory BIO's contents into a malloc'd, NUL-terminated buffer. */
static char *
bio_take(BIO *b, size_t *len)
{
	char *data = NULL, *s;
	long n = BIO_get_mem_data(b, &data);

	assert_true(n > 0);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*len = (size_t)n;
	return s;
}

/* Self-signed certificate for cn/org with serial and an optional SAN. */
static void
make_cert(struct made *m, const char *cn, const char *org, long serial,
    const char *san)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	unsigned char md[EVP_MAX_MD_SIZE], *p;
	unsigned int mdlen = 0, i;
	BIO *b;
	int len;

	assert_non_null(key);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, (const unsigned char *)"VN", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, key);
	if (san != NULL) {
		X509V3_CTX ctx;
		X509_EXTENSION *ext;

		X509V3_set_ctx_nodb(&ctx);
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		assert_non_null(ext);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);

	len = i2d_X509(x, NULL);
	assert_true(len > 0);
	m->der = malloc((size_t)len);
	p = m->der;
	i2d_X509(x, &p);
	m->der_len = (size_t)len;
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &mdlen), 1);
	for (i = 0; i < mdlen; i++)
		snprintf(m->fp + 2 * i, 3, "%02x", md[i]);

	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	m->pem = bio_take(b, &m->pem_len);
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	m->key_pem = bio_take(b, &m->key_pem_len);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void
made_free(struct made *m)
{
	free(m->der);
	free(m->pem);
	free(m->key_pem);
}

static struct made an, snv;

static int
setup(void **state)
{
	(void)state;
	make_cert(&an, "Nguyễn Văn An", "Sở Nội vụ Hậu Giang", 0x1234ABCDL,
	    "email:annv@haugiang.gov.vn,DNS:example.org,email:an.nguyen@haugiang.gov.vn");
	make_cert(&snv, "Sở Nội vụ", "UBND tỉnh Hậu Giang, \"Hậu Giang\"", 7, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	made_free(&an);
	made_free(&snv);
	return 0;
}

static void
test_der(void **state)
{
	struct dir_cert c;
	char err[256];

	(void)state;
	assert_int_equal(dir_cert_from_der(an.der, an.der_len, &c, err, sizeof(err)), 0);
	assert_string_equal(c.fingerprint, an.fp);
	assert_int_equal(c.der_len, an.der_len);
	assert_memory_equal(c.der, an.der, an.der_len);
	assert_string_equal(c.subject, "CN=Nguyễn Văn An,O=Sở Nội vụ Hậu Giang,C=VN");
	assert_string_equal(c.issuer, c.subject);
	assert_string_equal(c.serial, "1234ABCD");
	assert_int_equal(strlen(c.not_before), 20);
	assert_true(c.not_before[4] == '-' && c.not_before[10] == 'T' && c.not_before[19] == 'Z');
	assert_true(strcmp(c.not_after, c.not_before) > 0);
	assert_int_equal(c.nemails, 2);
	assert_string_equal(c.emails[0], "annv@haugiang.gov.vn");
	assert_string_equal(c.emails[1], "an.nguyen@haugiang.gov.vn");
	assert_null(c.error);
	dir_cert_clear(&c);
}

static void
test_parse_pem_and_der(void **state)
{
	struct dir_cert_list l = { NULL, 0 };
	char err[256], *two, *text;
	size_t n;

	(void)state;
	assert_int_equal(dir_cert_parse(an.der, an.der_len, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].fingerprint, an.fp);
	assert_int_equal(dir_cert_parse((unsigned char *)an.pem, an.pem_len, &l, err,
	    sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1].fingerprint, an.fp);
	dir_cert_list_clear(&l);

	/* Two PEM blocks, text around them (as `openssl x509 -text` gives). */
	n = an.pem_len + snv.pem_len + 64;
	two = malloc(n);
	snprintf(two, n, "Certificate:\n    blah\n%s\nsecond one:\n%s", an.pem, snv.pem);
	assert_int_equal(dir_cert_parse((unsigned char *)two, strlen(two), &l, err,
	    sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].fingerprint, an.fp);
	assert_string_equal(l.v[1].fingerprint, snv.fp);
	/* RFC 2253 escapes ',' and '"' in a value. */
	assert_string_equal(l.v[1].subject,
	    "CN=Sở Nội vụ,O=UBND tỉnh Hậu Giang\\, \\\"Hậu Giang\\\",C=VN");
	assert_int_equal(l.v[1].nemails, 0);
	dir_cert_list_clear(&l);
	free(two);

	/* CRLF line ends. */
	text = malloc(an.pem_len * 2 + 1);
	{
		const char *s;
		char *o = text;

		for (s = an.pem; *s; s++) {
			if (*s == '\n')
				*o++ = '\r';
			*o++ = *s;
		}
		*o = '\0';
	}
	assert_int_equal(dir_cert_parse((unsigned char *)text, strlen(text), &l, err,
	    sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].fingerprint, an.fp);
	dir_cert_list_clear(&l);
	free(text);
}

/* Refused input leaves the list as it was and says why. */
static void
refused(const void *buf, size_t len, const char *want)
{
	struct dir_cert_list l = { NULL, 0 };
	char err[256] = "";

	assert_int_equal(dir_cert_parse(buf, len, &l, err, sizeof(err)), -1);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void
test_refused(void **state)
{
	unsigned char junk[600], *der2;
	char *mixed, *damaged;
	size_t i, n;

	(void)state;
	refused("", 0, "empty");
	refused("hello, not a certificate\n", 25, "not an X.509 certificate");
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	junk[0] = 0x30;                  /* looks like DER, is not */
	refused(junk, sizeof(junk), "not an X.509 certificate");
	refused(an.der, an.der_len - 1, "not an X.509 certificate");

	der2 = malloc(an.der_len + 3);
	memcpy(der2, an.der, an.der_len);
	memcpy(der2 + an.der_len, "abc", 3);
	refused(der2, an.der_len + 3, "3 bytes follow");
	free(der2);

	/* A key next to the certificate: refused as a whole. */
	n = an.key_pem_len + an.pem_len + 1;
	mixed = malloc(n);
	snprintf(mixed, n, "%s%s", an.pem, an.key_pem);
	refused(mixed, strlen(mixed), "PEM block 2 is a PRIVATE KEY, not a CERTIFICATE");
	free(mixed);

	/* A damaged base64 body. */
	damaged = strdup(an.pem);
	damaged[40] = '!';
	refused(damaged, strlen(damaged), "PEM block 1");
	free(damaged);
	/* No END line. */
	damaged = strdup(an.pem);
	*strstr(damaged, "-----END") = '\0';
	refused(damaged, strlen(damaged), "PEM block 1");
	free(damaged);
}

/* A C1 control in a name falls back to the escaped ASCII form. */
static void
test_name_controls(void **state)
{
	struct made m;
	struct dir_cert c;
	char err[256];

	(void)state;
	make_cert(&m, "evil\xc2\x9b" "2J", "\x01ctl", 1, NULL);
	assert_int_equal(dir_cert_from_der(m.der, m.der_len, &c, err, sizeof(err)), 0);
	assert_null(strchr(c.subject, 0x01));
	assert_null(strstr(c.subject, "\xc2\x9b"));
	assert_non_null(strstr(c.subject, "CN=evil\\C2\\9B2J"));
	dir_cert_clear(&c);
	made_free(&m);
}

static void
test_fp_normalize(void **state)
{
	char out[65], colon[200];
	size_t i, o = 0;

	(void)state;
	for (i = 0; i < 64; i += 2)
		o += (size_t)snprintf(colon + o, sizeof(colon) - o, "%s%c%c",
		    i ? ":" : "", an.fp[i] - (an.fp[i] >= 'a' ? 32 : 0),
		    an.fp[i + 1] - (an.fp[i + 1] >= 'a' ? 32 : 0));
	assert_int_equal(dir_cert_fp_normalize(colon, out, sizeof(out)), 0);
	assert_string_equal(out, an.fp);
	assert_int_equal(dir_cert_fp_normalize("ABCDEF01", out, sizeof(out)), 0);
	assert_string_equal(out, "abcdef01");
	assert_int_equal(dir_cert_fp_normalize("abcdef0", out, sizeof(out)), -1);
	assert_int_equal(dir_cert_fp_normalize("abcdefg1", out, sizeof(out)), -1);
	assert_int_equal(dir_cert_fp_normalize("", out, sizeof(out)), -1);
	assert_int_equal(dir_cert_fp_normalize("abcdef01 ", out, sizeof(out)), -1);
	snprintf(colon, sizeof(colon), "%s0", an.fp);      /* 65 digits */
	assert_int_equal(dir_cert_fp_normalize(colon, out, sizeof(out)), -1);
}

static void
test_lookup(void **state)
{
	struct dir_cert v[3];
	struct dir_cert_list l = { v, 3 };
	size_t idx = 99;

	(void)state;
	memset(v, 0, sizeof(v));
	snprintf(v[0].fingerprint, sizeof(v[0].fingerprint), "%064d", 0);
	memcpy(v[0].fingerprint, "abcdef01", 8);
	snprintf(v[1].fingerprint, sizeof(v[1].fingerprint), "%064d", 0);
	memcpy(v[1].fingerprint, "abcdef02", 8);
	snprintf(v[2].fingerprint, sizeof(v[2].fingerprint), "%064d", 0);
	memcpy(v[2].fingerprint, "12345678", 8);
	assert_int_equal(dir_cert_lookup(&l, "abcdef0", &idx), DIR_CERT_AMBIGUOUS);
	assert_int_equal(dir_cert_lookup(&l, "abcdef02", &idx), DIR_CERT_FOUND);
	assert_int_equal(idx, 1);
	assert_int_equal(dir_cert_lookup(&l, v[2].fingerprint, &idx), DIR_CERT_FOUND);
	assert_int_equal(idx, 2);
	assert_int_equal(dir_cert_lookup(&l, "ffffffff", &idx), DIR_CERT_NONE);
}

/* Values as dir.c reads them: binary, with lengths (DER holds NUL bytes). */
static void
test_from_entry(void **state)
{
	char *vals[3], name[] = "userCertificate;binary", other[] = "mail",
	    mail[] = "annv@haugiang.gov.vn", *mvals[1] = { mail }, bad[] = "nope";
	size_t lens[3], mlens[1] = { sizeof(mail) - 1 };
	struct dir_attr attrs[2];
	struct dir_entry e = { "uid=annv,ou=accounts,o=govmail", attrs, 2 };
	struct dir_cert_list l = { NULL, 0 };

	(void)state;
	assert_non_null(memchr(an.der, 0, an.der_len));    /* the point of lens */
	vals[0] = (char *)an.der;
	lens[0] = an.der_len;
	vals[1] = bad;
	lens[1] = 4;
	vals[2] = (char *)snv.der;
	lens[2] = snv.der_len;
	attrs[0] = (struct dir_attr){ other, mvals, mlens, 1 };
	attrs[1] = (struct dir_attr){ name, vals, lens, 3 };
	dir_cert_from_entry(&e, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].fingerprint, an.fp);
	assert_null(l.v[0].error);
	assert_non_null(l.v[1].error);
	assert_null(l.v[1].subject);
	assert_int_equal(strlen(l.v[1].fingerprint), 64);   /* still removable */
	assert_string_equal(l.v[2].fingerprint, snv.fp);
	dir_cert_list_clear(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der),
		cmocka_unit_test(test_parse_pem_and_der),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_name_controls),
		cmocka_unit_test(test_fp_normalize),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_from_entry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
