/*
 * test_sign_algo.c — the signature policy of issue 12, piece by piece:
 * key sizes and types (RSA, RSA-PSS keys, EC curves, others refused), the
 * digest and signature algorithms of a signer info (SHA-1 refused unless
 * allowed, RSA-PSS accepted with SHA-256 and refused with its SHA-1
 * default), the chain (a CA certificate signed with SHA-1; a self-signed
 * anchor's own signature not judged); the ESS signing-certificate-v2
 * attribute (matches, names another certificate, missing where required,
 * and every truncation of it refused, not read past its end); the PDF
 * /SubFilter reader (before or after the value, #xx escapes, repeated,
 * absent, outside an object). Keys, certificates and signatures are made
 * at run time; govmaild's sources are compiled in.
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
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "../../src/govmaild/sign_algo.c"
#include "../../src/govmaild/sign_ess.c"
#include "../../src/govmaild/sign_subfilter.c"

static const struct sign_algo_policy strict = { 0, 2048, 256 };
static const struct sign_algo_policy sha1_ok = { 1, 2048, 256 };
static const char content[] = "Quyet dinh so 123/QD-UBND\r\n";

/* A certificate for key, issued by ikey as iname (self-signed when NULL). */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, long serial, EVP_PKEY *ikey, X509 *issuer,
    const EVP_MD *md)
{
	X509 *x = X509_new();
	X509_NAME *n;

	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n);
	assert_true(X509_sign(x, ikey != NULL ? ikey : key, md) > 0);
	return x;
}

static void
test_key_sizes(void **state)
{
	EVP_PKEY *r1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *r2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *p224 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-224");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	char why[160];

	(void)state;
	assert_int_equal(sign_algo_check_key(&strict, r2048, "signer", why, sizeof(why)), 0);
	assert_int_equal(sign_algo_check_key(&strict, p256, "signer", why, sizeof(why)), 0);
	assert_int_equal(sign_algo_check_key(&strict, p384, "signer", why, sizeof(why)), 0);
	assert_int_equal(sign_algo_check_key(&strict, r1024, "signer", why, sizeof(why)), -1);
	assert_string_equal(why, "signer RSA key of 1024 bits (at least 2048 required)");
	assert_int_equal(sign_algo_check_key(&strict, p224, "CA \"X\"", why, sizeof(why)), -1);
	assert_string_equal(why, "CA \"X\" EC key of 224 bits (at least 256, P-256, required)");
	assert_int_equal(sign_algo_check_key(&strict, ed, "signer", why, sizeof(why)), -1);
	assert_string_equal(why, "signer key type ED25519 not accepted (RSA or ECDSA required)");
	assert_int_equal(sign_algo_check_key(&strict, NULL, "signer", why, sizeof(why)), -1);
	{
		struct sign_algo_policy small = { 0, 1024, 224 };

		assert_int_equal(sign_algo_check_key(&small, r1024, "signer", why, sizeof(why)), 0);
		assert_int_equal(sign_algo_check_key(&small, p224, "signer", why, sizeof(why)), 0);
	}
	EVP_PKEY_free(r1024);
	EVP_PKEY_free(r2048);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p224);
	EVP_PKEY_free(ed);
}

/* A detached CMS by key/cert with digest md (RSA-PSS when pss), and its
 * first signer info through *si (the CMS to free). */
static CMS_ContentInfo *
make_cms(EVP_PKEY *key, X509 *cert, const EVP_MD *md, int pss, int flags, CMS_SignerInfo **si)
{
	BIO *in = BIO_new_mem_buf(content, (int)strlen(content));
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL,
	    CMS_BINARY | CMS_DETACHED | CMS_PARTIAL | flags);
	EVP_PKEY_CTX *pctx;

	assert_non_null(cms);
	*si = CMS_add1_signer(cms, cert, key, md, CMS_BINARY | flags |
	    (pss ? CMS_KEY_PARAM : 0));
	assert_non_null(*si);
	if (pss) {
		pctx = CMS_SignerInfo_get0_pkey_ctx(*si);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
	}
	assert_int_equal(CMS_final(cms, in, NULL, CMS_BINARY | CMS_DETACHED | flags), 1);
	BIO_free(in);
	return cms;
}

static void
test_signer_algorithms(void **state)
{
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	X509 *xec = make_cert(ec, "ec", 1, NULL, NULL, EVP_sha256());
	X509 *xrsa = make_cert(rsa, "rsa", 2, NULL, NULL, EVP_sha256());
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	char why[160];

	(void)state;
	cms = make_cms(ec, xec, EVP_sha256(), 0, 0, &si);
	assert_int_equal(sign_algo_check_signer(&strict, si, xec, why, sizeof(why)), 0);
	CMS_ContentInfo_free(cms);
	cms = make_cms(ec, xec, EVP_sha1(), 0, 0, &si);
	assert_int_equal(sign_algo_check_signer(&strict, si, xec, why, sizeof(why)), -1);
	assert_string_equal(why, "SHA-1 digest not accepted (signature.allow_sha1 = false)");
	assert_int_equal(sign_algo_check_signer(&sha1_ok, si, xec, why, sizeof(why)), 0);
	CMS_ContentInfo_free(cms);
	/* RSA-PSS with SHA-256: accepted */
	cms = make_cms(rsa, xrsa, EVP_sha256(), 1, 0, &si);
	{
		X509_ALGOR *sig;
		const ASN1_OBJECT *o;

		CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sig);
		X509_ALGOR_get0(&o, NULL, NULL, sig);
		assert_int_equal(OBJ_obj2nid(o), NID_rsassaPss);
	}
	assert_int_equal(sign_algo_check_signer(&strict, si, xrsa, why, sizeof(why)), 0);
	CMS_ContentInfo_free(cms);
	/* RSA-PSS whose parameters are absent: SHA-1 by RFC 4055's default */
	{
		X509_ALGOR *alg = X509_ALGOR_new();
		RSA_PSS_PARAMS *pss = RSA_PSS_PARAMS_new();
		ASN1_STRING *seq = NULL;

		assert_non_null(ASN1_item_pack(pss, ASN1_ITEM_rptr(RSA_PSS_PARAMS), &seq));
		X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, seq);
		assert_int_equal(sign_algo_sig_digest(alg), NID_sha1);
		X509_ALGOR_free(alg);
		RSA_PSS_PARAMS_free(pss);
	}
	X509_free(xec);
	X509_free(xrsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
}

static void
test_chain(void **state)
{
	EVP_PKEY *ca = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *leaf = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *root1 = make_cert(ca, "Root SHA-1", 1, NULL, NULL, EVP_sha1());
	X509 *good = make_cert(leaf, "leaf", 2, ca, root1, EVP_sha256());
	X509 *bad = make_cert(leaf, "leaf", 3, ca, root1, EVP_sha1());
	STACK_OF(X509) *chain = sk_X509_new_null();
	char why[160];

	(void)state;
	/* the anchor's own SHA-1 self-signature is not judged */
	sk_X509_push(chain, good);
	sk_X509_push(chain, root1);
	assert_int_equal(sign_algo_check_chain(&strict, chain, why, sizeof(why)), 0);
	sk_X509_set(chain, 0, bad);
	assert_int_equal(sign_algo_check_chain(&strict, chain, why, sizeof(why)), -1);
	assert_string_equal(why, "SHA-1 digest in the signer certificate not accepted "
	    "(signature.allow_sha1 = false)");
	assert_int_equal(sign_algo_check_chain(&sha1_ok, chain, why, sizeof(why)), 0);
	sk_X509_free(chain);
	X509_free(root1);
	X509_free(good);
	X509_free(bad);
	EVP_PKEY_free(ca);
	EVP_PKEY_free(leaf);
}

/* The signing-certificate-v2 value of si (DER, a new copy) */
static unsigned char *
ess_value(CMS_SignerInfo *si, size_t *len)
{
	const unsigned char *der;
	unsigned char *copy;

	assert_int_equal(ess_attr(si, NID_id_smime_aa_signingCertificateV2, &der, len), 1);
	copy = malloc(*len);
	memcpy(copy, der, *len);
	return copy;
}

static void
test_ess(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = make_cert(k, "person", 10, NULL, NULL, EVP_sha256());
	X509 *same_key = make_cert(k, "person", 11, NULL, NULL, EVP_sha256());
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	unsigned char *v;
	size_t len, cut;
	char why[160];

	(void)state;
	/* with the attribute (CAdES): it names x */
	cms = make_cms(k, x, EVP_sha256(), 0, CMS_CADES, &si);
	assert_int_equal(sign_ess_check(si, x, 1, why, sizeof(why)), 0);
	assert_int_equal(sign_ess_check(si, same_key, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "signing-certificate-v2 attribute names another certificate "
	    "than the signer's");
	v = ess_value(si, &len);
	assert_int_equal(sign_ess_match(v, len, 1, x, why, sizeof(why)), 0);
	/* every truncation, and every byte changed in the hash or structure,
	 * refused without reading past the end */
	for (cut = 0; cut < len; cut++) {
		unsigned char *t = malloc(cut + 1);

		memcpy(t, v, cut);
		assert_int_equal(sign_ess_match(t, cut, 1, x, why, sizeof(why)), -1);
		free(t);
	}
	for (cut = 0; cut < len; cut++) {
		v[cut] ^= 0x01;
		assert_int_equal(sign_ess_match(v, len, 1, x, why, sizeof(why)), -1);
		v[cut] ^= 0x01;
	}
	free(v);
	CMS_ContentInfo_free(cms);
	/* without: required only for PAdES */
	cms = make_cms(k, x, EVP_sha256(), 0, 0, &si);
	assert_int_equal(sign_ess_check(si, x, 0, why, sizeof(why)), 0);
	assert_int_equal(sign_ess_check(si, x, 1, why, sizeof(why)), -2);
	assert_string_equal(why, "PAdES signature (ETSI.CAdES.detached) without the "
	    "signing-certificate-v2 attribute");
	CMS_ContentInfo_free(cms);
	X509_free(x);
	X509_free(same_key);
	EVP_PKEY_free(k);
}

/* sign_subfilter_find on text whose value is the first "<00>" */
static enum sign_subfilter
sf_of(const char *pdf, char *name, size_t namelen)
{
	const char *v = strstr(pdf, "<00>");

	assert_non_null(v);
	return sign_subfilter_find((const unsigned char *)pdf, strlen(pdf), (size_t)(v - pdf), 4,
	    name, namelen);
}

static void
test_subfilter(void **state)
{
	char name[64], why[120];

	(void)state;
	assert_int_equal(sf_of("%PDF-1.7\n7 0 obj\n<< /Type /Sig /SubFilter /ETSI.CAdES.detached "
	    "/ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n", name, sizeof(name)),
	    SIGN_SF_CADES_DETACHED);
	assert_int_equal(sf_of("7 0 obj<</Contents <00>/SubFilter/adbe.pkcs7.detached>>endobj",
	    name, sizeof(name)), SIGN_SF_PKCS7_DETACHED);
	assert_int_equal(sf_of("7 0 obj << /SubFilter /ETSI#2ECAdES#2edetached /Contents <00> >> "
	    "endobj", name, sizeof(name)), SIGN_SF_CADES_DETACHED);
	assert_int_equal(sf_of("7 0 obj << /SubFilter /adbe.pkcs7.sha1 /Contents <00> >> endobj",
	    name, sizeof(name)), SIGN_SF_PKCS7_SHA1);
	assert_int_equal(sign_subfilter_judge(SIGN_SF_PKCS7_SHA1, name, why, sizeof(why)), SIGN_WEAK);
	assert_string_equal(why, "obsolete signature format adbe.pkcs7.sha1 (SHA-1)");
	assert_int_equal(sf_of("7 0 obj << /SubFilter /adbe.x509.rsa_sha1 /Contents <00> >> endobj",
	    name, sizeof(name)), SIGN_SF_X509_RSA_SHA1);
	assert_int_equal(sf_of("7 0 obj << /SubFilter /ETSI.RFC3161 /Contents <00> >> endobj",
	    name, sizeof(name)), SIGN_SF_RFC3161);
	assert_int_equal(sign_subfilter_judge(SIGN_SF_RFC3161, name, why, sizeof(why)), SIGN_VALID);
	assert_int_equal(sf_of("7 0 obj << /SubFilter /x.y /Contents <00> >> endobj",
	    name, sizeof(name)), SIGN_SF_OTHER);
	assert_int_equal(sign_subfilter_judge(SIGN_SF_OTHER, name, why, sizeof(why)),
	    SIGN_MALFORMED);
	assert_string_equal(why, "unsupported signature format x.y");
	/* a longer key is another key; absent is none */
	assert_int_equal(sf_of("7 0 obj << /SubFilterX /x.y /Contents <00> >> endobj",
	    name, sizeof(name)), SIGN_SF_NONE);
	/* repeated: the same name is one, two names are refused */
	assert_int_equal(sf_of("7 0 obj << /SubFilter /ETSI.CAdES.detached /Contents <00> "
	    "/SubFilter /ETSI.CAdES.detached >> endobj", name, sizeof(name)),
	    SIGN_SF_CADES_DETACHED);
	assert_int_equal(sf_of("7 0 obj << /SubFilter /ETSI.CAdES.detached /Contents <00> "
	    "/SubFilter /adbe.pkcs7.sha1 >> endobj", name, sizeof(name)), SIGN_SF_AMBIGUOUS);
	/* the previous object's SubFilter is not this one's */
	assert_int_equal(sf_of("6 0 obj << /SubFilter /adbe.pkcs7.sha1 >> endobj\n"
	    "7 0 obj << /Contents <00> >> endobj", name, sizeof(name)), SIGN_SF_NONE);
	/* not in an object, or no end: none */
	assert_int_equal(sf_of("<< /SubFilter /adbe.pkcs7.sha1 /Contents <00> >> endobj",
	    name, sizeof(name)), SIGN_SF_NONE);
	assert_int_equal(sf_of("7 0 obj << /SubFilter /adbe.pkcs7.sha1 /Contents <00> >>",
	    name, sizeof(name)), SIGN_SF_NONE);
	/* a name with a character outside 0x21-0x7e (#00) is unreadable */
	assert_int_equal(sf_of("7 0 obj << /SubFilter /a#00b /Contents <00> >> endobj",
	    name, sizeof(name)), SIGN_SF_AMBIGUOUS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_sizes),
		cmocka_unit_test(test_signer_algorithms),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_ess),
		cmocka_unit_test(test_subfilter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
