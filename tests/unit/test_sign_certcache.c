/*
 * test_sign_certcache.c — reading a CMS with its certificates from the
 * cache gives what d2i_CMS_ContentInfo gives: the same structure (its DER
 * re-encoding equals the input), the same verdict of CMS_verify, a
 * certificate reused only for the very same bytes, in DER and in BER with
 * indefinite lengths; every other input (no certificates, a large signed
 * content, any truncation or changed byte) read or refused exactly as
 * without the cache. Keys, certificates and
 * signatures are made at run time. sign_certcache.c is part of govmaild,
 * so its source is compiled in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../../src/govmaild/sign_certcache.c"

static const char content[] = "Quyet dinh so 123/QD-UBND\r\n";

struct signer {
	EVP_PKEY *key;
	X509 *cert;
};

static struct signer
make_signer(const char *cn)
{
	struct signer s;
	X509_NAME *n;

	s.key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	s.cert = X509_new();
	assert_non_null(s.key);
	ASN1_INTEGER_set(X509_get_serialNumber(s.cert), 7);
	X509_gmtime_adj(X509_getm_notBefore(s.cert), -60);
	X509_gmtime_adj(X509_getm_notAfter(s.cert), 86400);
	X509_set_pubkey(s.cert, s.key);
	n = X509_get_subject_name(s.cert);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(s.cert, n);
	assert_true(X509_sign(s.cert, s.key, EVP_sha256()) > 0);
	return s;
}

static void
free_signer(struct signer *s)
{
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
}

/* A detached CMS SignedData (DER) by s over content, carrying extra too. */
static unsigned char *
make_cms(const struct signer *s, X509 *extra, int flags, size_t *len)
{
	BIO *in = BIO_new_mem_buf(content, (int)strlen(content));
	STACK_OF(X509) *certs = sk_X509_new_null();
	CMS_ContentInfo *cms;
	unsigned char *der = NULL;
	int n;

	if (extra != NULL)
		sk_X509_push(certs, extra);
	cms = CMS_sign(s->cert, s->key, certs, in, CMS_BINARY | CMS_DETACHED | flags);
	assert_non_null(cms);
	n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	*len = (size_t)n;
	CMS_ContentInfo_free(cms);
	sk_X509_free(certs);
	BIO_free(in);
	return der;
}

/* The DER re-encoding of what was read (NULL stays NULL). */
static unsigned char *
reencode(CMS_ContentInfo *cms, int *len)
{
	unsigned char *der = NULL;

	*len = cms != NULL ? i2d_CMS_ContentInfo(cms, &der) : -1;
	CMS_ContentInfo_free(cms);
	return der;
}

static CMS_ContentInfo *
read_whole(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;

	return d2i_CMS_ContentInfo(NULL, &p, (long)len);
}

/* The cache reads der as d2i does: both refuse it, or both give a CMS
 * with the same DER encoding. */
static void
assert_reads_as_whole(struct sign_cert_cache *c, const unsigned char *der, size_t len)
{
	int la, lb;
	unsigned char *a = reencode(sign_cert_cache_read_cms(c, der, len), &la);
	unsigned char *b = reencode(read_whole(der, len), &lb);

	assert_int_equal(la, lb);
	if (la > 0)
		assert_memory_equal(a, b, (size_t)la);
	OPENSSL_free(a);
	OPENSSL_free(b);
}

static int
verify(CMS_ContentInfo *cms, X509 *anchor, const char *text)
{
	X509_STORE *store = X509_STORE_new();
	BIO *dc = BIO_new_mem_buf(text, (int)strlen(text));
	int ok;

	X509_STORE_add_cert(store, anchor);
	ok = CMS_verify(cms, NULL, store, dc, NULL, CMS_BINARY) == 1;
	ERR_clear_error();
	BIO_free(dc);
	X509_STORE_free(store);
	return ok;
}

/* A cache in which the certificates of these CMS (DER or BER) have slots
 * of their own: the slot comes from a hash, and two certificates sharing
 * one would push each other out, which the counts below do not expect. */
static struct sign_cert_cache *
cache_apart(const unsigned char *const *cms, const size_t *lens, size_t ncms)
{
	const unsigned char *cert[8];
	size_t certlen[8], n = 0, i, k, slots;
	struct cc_layout l;

	for (i = 0; i < ncms; i++) {
		assert_int_equal(cc_layout(cms[i], lens[i], &l), 0);
		for (k = 0; k < l.ncert && n < 8; k++) {
			cert[n] = l.cert[k];
			certlen[n++] = l.certlen[k];
		}
	}
	for (slots = 64;; slots++) {
		struct sign_cert_cache *c = sign_cert_cache_new(slots);
		int apart = 1;

		for (i = 0; i < n && apart; i++)
			for (k = 0; k < i && apart; k++)
				apart = (certlen[i] == certlen[k] && memcmp(cert[i], cert[k],
				    certlen[i]) == 0) || cc_slot_of(c, cert[i], certlen[i]) !=
				    cc_slot_of(c, cert[k], certlen[k]);
		if (apart)
			return c;
		sign_cert_cache_free(c);
	}
}

static void
test_same_cms_and_verdict(void **state)
{
	struct sign_cert_cache *c;
	struct signer person = make_signer("Nguyễn Văn An"), org = make_signer("Sở Nội vụ");
	unsigned char *der, *again;
	unsigned long hits, misses;
	CMS_ContentInfo *cms;
	size_t len;
	int i, alen;

	(void)state;
	der = make_cms(&person, org.cert, 0, &len);     /* two certificates */
	c = cache_apart((const unsigned char *const[]){ der }, (size_t[]){ len }, 1);
	for (i = 0; i < 3; i++) {
		cms = sign_cert_cache_read_cms(c, der, len);
		assert_non_null(cms);
		assert_true(verify(cms, person.cert, content));
		assert_false(verify(cms, person.cert, "Quyet dinh so 124/QD-UBND\r\n"));
		again = reencode(cms, &alen);
		assert_int_equal(alen, (int)len);
		assert_memory_equal(again, der, len);
		OPENSSL_free(again);
	}
	sign_cert_cache_counts(c, &hits, &misses);
	assert_int_equal(misses, 2);
	assert_int_equal(hits, 4);
	OPENSSL_free(der);
	free_signer(&person);
	free_signer(&org);
	sign_cert_cache_free(c);
}

/* One byte of the certificate's signature changed: not the cached one. */
static void
test_changed_certificate_is_not_reused(void **state)
{
	struct sign_cert_cache *c;
	struct signer s = make_signer("Trần Thị Bích");
	struct cc_layout l;
	unsigned char *der, *changed;
	unsigned long hits, misses;
	size_t len, at;

	(void)state;
	der = make_cms(&s, NULL, 0, &len);
	assert_int_equal(cc_layout(der, len, &l), 0);
	assert_int_equal(l.ncert, 1);
	at = (size_t)(l.cert[0] - der) + l.certlen[0] - 1;
	changed = malloc(len);
	memcpy(changed, der, len);
	changed[at] ^= 0x01;
	c = cache_apart((const unsigned char *const[]){ der, changed }, (size_t[]){ len, len }, 2);
	assert_reads_as_whole(c, der, len);
	assert_reads_as_whole(c, changed, len);
	assert_reads_as_whole(c, der, len);
	sign_cert_cache_counts(c, &hits, &misses);
	assert_int_equal(misses, 2);
	assert_int_equal(hits, 1);
	free(changed);
	OPENSSL_free(der);
	free_signer(&s);
	sign_cert_cache_free(c);
}

/* The same CMS in BER with indefinite lengths, as NSS (pdfsig) writes. */
static unsigned char *
make_cms_ber(const struct signer *s, X509 *extra, size_t *len)
{
	BIO *in = BIO_new_mem_buf(content, (int)strlen(content)), *out = BIO_new(BIO_s_mem());
	STACK_OF(X509) *certs = sk_X509_new_null();
	int flags = CMS_BINARY | CMS_DETACHED | CMS_STREAM;
	CMS_ContentInfo *cms;
	BUF_MEM *bm;
	unsigned char *ber;

	if (extra != NULL)
		sk_X509_push(certs, extra);
	cms = CMS_sign(s->cert, s->key, certs, NULL, flags);
	assert_non_null(cms);
	assert_int_equal(i2d_CMS_bio_stream(out, cms, in, flags), 1);
	BIO_get_mem_ptr(out, &bm);
	assert_true(bm->length > 4 && bm->data[1] == (char)0x80);
	*len = bm->length;
	ber = OPENSSL_malloc(bm->length);
	memcpy(ber, bm->data, bm->length);
	CMS_ContentInfo_free(cms);
	sk_X509_free(certs);
	BIO_free(in);
	BIO_free(out);
	return ber;
}

/* Indefinite lengths: the certificates still come from the cache. */
static void
test_ber_uses_the_cache(void **state)
{
	struct sign_cert_cache *c;
	struct signer s = make_signer("Lê Văn Cường"), o = make_signer("Sở Tài chính");
	unsigned long hits, misses;
	CMS_ContentInfo *cms;
	unsigned char *ber;
	size_t len;
	int i;

	(void)state;
	ber = make_cms_ber(&s, o.cert, &len);
	c = cache_apart((const unsigned char *const[]){ ber }, (size_t[]){ len }, 1);
	for (i = 0; i < 2; i++) {
		cms = sign_cert_cache_read_cms(c, ber, len);
		assert_non_null(cms);
		assert_true(verify(cms, s.cert, content));
		assert_false(verify(cms, s.cert, "Quyet dinh so 124/QD-UBND\r\n"));
		CMS_ContentInfo_free(cms);
		assert_reads_as_whole(c, ber, len);
	}
	sign_cert_cache_counts(c, &hits, &misses);
	assert_int_equal(misses, 2);
	assert_int_equal(hits, 6);
	OPENSSL_free(ber);
	free_signer(&s);
	free_signer(&o);
	sign_cert_cache_free(c);
}

/* No certificates, or a large signed content inside (it would have to be
 * copied): read whole, the cache untouched. */
static void
test_read_whole_when_not_worth_it(void **state)
{
	struct sign_cert_cache *c = sign_cert_cache_new(64);
	struct signer s = make_signer("Hồ Thị Lan");
	unsigned long hits, misses;
	unsigned char *nocerts, *opaque = NULL;
	size_t nlen;
	char *big = malloc(70 * 1024);
	BIO *in;
	CMS_ContentInfo *cms;
	int olen;

	(void)state;
	nocerts = make_cms(&s, NULL, CMS_NOCERTS, &nlen);
	assert_reads_as_whole(c, nocerts, nlen);
	memset(big, 'x', 70 * 1024);
	in = BIO_new_mem_buf(big, 70 * 1024);
	cms = CMS_sign(s.cert, s.key, NULL, in, CMS_BINARY);
	assert_non_null(cms);
	olen = i2d_CMS_ContentInfo(cms, &opaque);
	assert_true(olen > 70 * 1024);
	assert_reads_as_whole(c, opaque, (size_t)olen);
	sign_cert_cache_counts(c, &hits, &misses);
	assert_int_equal(hits + misses, 0);
	/* and without a cache at all */
	assert_reads_as_whole(NULL, nocerts, nlen);
	assert_null(sign_cert_cache_new(0));
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	free(big);
	OPENSSL_free(opaque);
	OPENSSL_free(nocerts);
	free_signer(&s);
	sign_cert_cache_free(c);
}

/* Every truncation and every changed byte: read or refused as whole. */
static void
damage(struct sign_cert_cache *c, const unsigned char *der, size_t len)
{
	static const unsigned char flips[] = { 0x01, 0x80, 0xff };
	unsigned char *d = malloc(len);
	size_t i, f;

	for (i = 0; i < len; i++)
		assert_reads_as_whole(c, der, i);
	for (i = 0; i < len; i++) {
		for (f = 0; f < sizeof(flips); f++) {
			memcpy(d, der, len);
			d[i] ^= flips[f];
			assert_reads_as_whole(c, d, len);
		}
	}
	free(d);
}

static void
test_damaged_input_reads_as_whole(void **state)
{
	struct sign_cert_cache *c = sign_cert_cache_new(8);
	struct signer s = make_signer("Phạm Minh Đức"), o = make_signer("UBND xã Vị Thanh");
	unsigned char *der, *ber;
	size_t len, blen;

	(void)state;
	der = make_cms(&s, o.cert, 0, &len);
	ber = make_cms_ber(&s, o.cert, &blen);
	damage(c, der, len);
	damage(c, ber, blen);
	OPENSSL_free(der);
	OPENSSL_free(ber);
	free_signer(&s);
	free_signer(&o);
	sign_cert_cache_free(c);
}

/* A one-slot cache with two signers taking turns: always the right one. */
static void
test_slot_taken_by_another_signer(void **state)
{
	struct sign_cert_cache *c = sign_cert_cache_new(1);
	struct signer a = make_signer("Võ Thị Hoa"), b = make_signer("Đặng Quốc Bảo");
	unsigned char *da, *db;
	unsigned long hits, misses;
	size_t la, lb;
	int i;

	(void)state;
	da = make_cms(&a, NULL, 0, &la);
	db = make_cms(&b, NULL, 0, &lb);
	for (i = 0; i < 4; i++) {
		CMS_ContentInfo *x = sign_cert_cache_read_cms(c, da, la);
		CMS_ContentInfo *y = sign_cert_cache_read_cms(c, db, lb);

		assert_true(verify(x, a.cert, content));
		assert_false(verify(x, b.cert, content));
		assert_true(verify(y, b.cert, content));
		CMS_ContentInfo_free(x);
		CMS_ContentInfo_free(y);
	}
	sign_cert_cache_counts(c, &hits, &misses);
	assert_int_equal(misses, 8);
	assert_int_equal(hits, 0);
	OPENSSL_free(da);
	OPENSSL_free(db);
	free_signer(&a);
	free_signer(&b);
	sign_cert_cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_cms_and_verdict),
		cmocka_unit_test(test_changed_certificate_is_not_reused),
		cmocka_unit_test(test_ber_uses_the_cache),
		cmocka_unit_test(test_read_whole_when_not_worth_it),
		cmocka_unit_test(test_damaged_input_reads_as_whole),
		cmocka_unit_test(test_slot_taken_by_another_signer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
