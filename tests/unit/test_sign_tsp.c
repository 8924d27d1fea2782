/*
 * test_sign_tsp.c — the RFC 3161 token reader of sign_tsp.c on input that
 * is not a token (empty, garbage, truncated DER, a SignedData of another
 * content type): refused as malformed, never trusted, no leak; the time
 * format of the header; a TSA file that cannot be read is a config error
 * and an empty setting trusts no TSA. Then tokens made here with
 * OpenSSL's TS_RESP_CTX by a throw-away TSA (no key material in the
 * repository): valid over the right bytes with their genTime, a mismatch
 * over others, untrusted under another anchor or none, refused when
 * dated in the future; and a CMS signer whose unsigned attributes carry
 * the token over its signature value (sign_tsp_signer). The tokens of
 * openssl ts are checked by tests/integration/test_sign_tsp.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "../../src/govmaild/sign_pem.c"
#include "../../src/govmaild/sign_tsp.c"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

/* ---- a throw-away TSA ------------------------------------------------------- */

static EVP_PKEY *tsa_key;
static X509 *tsa_cert;
static long long tsa_when;        /* genTime of the next token */
static char anchor_path[] = "/tmp/test_sign_tsp_XXXXXX";

static void
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;

	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A self-signed TSA certificate (its own anchor) in anchor_path. */
static void
make_tsa(void)
{
	X509_NAME *n;
	FILE *fp;
	int fd;

	tsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	tsa_cert = X509_new();
	assert_non_null(tsa_key);
	X509_set_version(tsa_cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(tsa_cert), 7);
	X509_time_adj_ex(X509_getm_notBefore(tsa_cert), -3650, 0, NULL);
	X509_time_adj_ex(X509_getm_notAfter(tsa_cert), 3650, 0, NULL);
	X509_set_pubkey(tsa_cert, tsa_key);
	n = X509_get_subject_name(tsa_cert);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"unit TSA", -1,
	    -1, 0);
	X509_set_issuer_name(tsa_cert, n);
	add_ext(tsa_cert, NID_key_usage, "critical,digitalSignature");
	add_ext(tsa_cert, NID_ext_key_usage, "critical,timeStamping");
	add_ext(tsa_cert, NID_subject_key_identifier, "hash");
	assert_true(X509_sign(tsa_cert, tsa_key, EVP_sha256()) > 0);
	fd = mkstemp(anchor_path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	PEM_write_X509(fp, tsa_cert);
	fclose(fp);
}

static int
tsa_time(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
	(void)ctx;
	(void)data;
	*sec = (long)tsa_when;
	*usec = 0;
	return 1;
}

/* A token (DER, *len bytes, to free) over data, dated tsa_when. */
static unsigned char *
make_token(const unsigned char *data, size_t dlen, int *len)
{
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.99999.3161.9", 1);
	unsigned char md[32], *der = NULL, *p;
	BIO *b = BIO_new(BIO_s_mem());
	TS_RESP *resp;

	SHA256(data, dlen, md);
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
	TS_MSG_IMPRINT_set_algo(mi, alg);
	TS_MSG_IMPRINT_set_msg(mi, md, sizeof(md));
	TS_REQ_set_version(req, 1);
	TS_REQ_set_msg_imprint(req, mi);
	TS_REQ_set_cert_req(req, 1);
	i2d_TS_REQ_bio(b, req);
	assert_int_equal(TS_RESP_CTX_set_signer_cert(ctx, tsa_cert), 1);
	assert_int_equal(TS_RESP_CTX_set_signer_key(ctx, tsa_key), 1);
	TS_RESP_CTX_set_def_policy(ctx, policy);
	TS_RESP_CTX_add_md(ctx, EVP_sha256());
	TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256());
	TS_RESP_CTX_set_time_cb(ctx, tsa_time, NULL);
	resp = TS_RESP_create_response(ctx, b);
	assert_non_null(resp);
	assert_non_null(TS_RESP_get_token(resp));
	*len = i2d_PKCS7(TS_RESP_get_token(resp), NULL);
	assert_true(*len > 0);
	der = p = malloc((size_t)*len);
	i2d_PKCS7(TS_RESP_get_token(resp), &p);
	TS_RESP_free(resp);
	BIO_free(b);
	ASN1_OBJECT_free(policy);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	TS_RESP_CTX_free(ctx);
	return der;
}

static struct sign_tsp *
load_tsa(void)
{
	struct govmail_conf c;
	struct sign_tsp *t;
	char err[200];

	memset(&c, 0, sizeof(c));
	c.signature_tsa_anchors = anchor_path;
	c.signature_intermediates = (char *)"";
	t = sign_tsp_load(&c, err, sizeof(err));
	assert_non_null(t);
	return t;
}

static void
test_tokens(void **state)
{
	static const unsigned char data[] = "the signature value", other[] = "other bytes";
	struct sign_segment seg = { data, sizeof(data) - 1 }, oseg = { other, sizeof(other) - 1 };
	struct sign_segment halves[2] = { { data, 5 }, { data + 5, sizeof(data) - 6 } };
	struct sign_tsp *t = load_tsa();
	struct sign_tsp_result r;
	unsigned char *tok;
	int len;

	(void)state;
	tsa_when = 1714557600;          /* 2024-05-01T10:00:00Z */
	tok = make_token(data, sizeof(data) - 1, &len);
	assert_true(sign_tsp_is_token(tok, (size_t)len));
	sign_tsp_verify(t, tok, (size_t)len, &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_VALID);
	assert_int_equal(r.gen_time, 1714557600);
	assert_string_equal(r.tsa, "unit TSA");
	/* the same bytes in two segments (a PDF's byte ranges) */
	sign_tsp_verify(t, tok, (size_t)len, halves, 2, &r);
	assert_int_equal(r.status, SIGN_TSP_VALID);
	sign_tsp_verify(t, tok, (size_t)len, &oseg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MISMATCH);
	sign_tsp_verify(NULL, tok, (size_t)len, &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_UNTRUSTED);
	/* one byte of the signed TSTInfo changed: its signature breaks */
	tok[len / 2] ^= 0x01;
	sign_tsp_verify(t, tok, (size_t)len, &seg, 1, &r);
	assert_int_not_equal(r.status, SIGN_TSP_VALID);
	free(tok);
	/* dated tomorrow: not believed */
	tsa_when = (long long)time(NULL) + 86400;
	tok = make_token(data, sizeof(data) - 1, &len);
	sign_tsp_verify(t, tok, (size_t)len, &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MALFORMED);
	assert_string_equal(r.why, "timestamp is in the future");
	free(tok);
	sign_tsp_free(t);
}

/* A CMS signer with the token over its signature value as an unsigned
 * attribute, as a signing tool adds it (CAdES-T). */
static void
test_signer_attribute(void **state)
{
	static const unsigned char content[] = "Quyet dinh so 123/QD-SNV";
	struct sign_tsp *t = load_tsa();
	struct sign_tsp_result r;
	BIO *in = BIO_new_mem_buf(content, sizeof(content) - 1);
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *sig;
	ASN1_STRING *seq;
	unsigned char *tok;
	int len;

	(void)state;
	cms = CMS_sign(tsa_cert, tsa_key, NULL, in, CMS_BINARY | CMS_DETACHED);
	assert_non_null(cms);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	assert_int_equal(sign_tsp_signer(t, si, &r), 0);    /* no token yet */
	sig = CMS_SignerInfo_get0_signature(si);
	tsa_when = 1714557600;
	tok = make_token(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), &len);
	seq = ASN1_STRING_new();
	ASN1_STRING_set(seq, tok, len);
	assert_int_equal(CMS_unsigned_add1_attr_by_txt(si, SIGN_TSP_ATTR_OID, V_ASN1_SEQUENCE,
	    seq, -1), 1);
	assert_int_equal(sign_tsp_signer(t, si, &r), 1);
	assert_int_equal(r.status, SIGN_TSP_VALID);
	assert_int_equal(r.gen_time, 1714557600);
	ASN1_STRING_free(seq);
	free(tok);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	sign_tsp_free(t);
}

static void
test_not_tokens(void **state)
{
	/* a SEQUENCE holding the pkcs7-signedData OID and nothing else */
	static const unsigned char signed_oid[] = { 0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48,
		0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
	static const unsigned char garbage[] = "not a token at all";
	static const unsigned char huge_len[] = { 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06 };
	struct sign_segment seg = { garbage, sizeof(garbage) };
	struct sign_tsp_result r;

	(void)state;
	sign_tsp_verify(NULL, garbage, 0, &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MALFORMED);
	sign_tsp_verify(NULL, garbage, sizeof(garbage), &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MALFORMED);
	assert_non_null(memchr(r.why, '\0', sizeof(r.why)));
	sign_tsp_verify(NULL, signed_oid, sizeof(signed_oid), &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MALFORMED);
	sign_tsp_verify(NULL, huge_len, sizeof(huge_len), &seg, 1, &r);
	assert_int_equal(r.status, SIGN_TSP_MALFORMED);
	assert_false(sign_tsp_is_token(garbage, sizeof(garbage)));
	assert_false(sign_tsp_is_token(signed_oid, sizeof(signed_oid)));
}

static void
test_time(void **state)
{
	char buf[32];

	(void)state;
	sign_tsp_time((time_t)1714557600, buf, sizeof(buf));
	assert_string_equal(buf, "2024-05-01T10:00:00Z");
}

static void
test_load(void **state)
{
	struct govmail_conf c;
	char err[200];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.signature_tsa_anchors = (char *)"";
	assert_null(sign_tsp_load(&c, err, sizeof(err)));
	assert_string_equal(err, "");
	c.signature_tsa_anchors = (char *)"/nonexistent/tsa.pem";
	assert_null(sign_tsp_load(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/tsa.pem"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_tokens),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_signer_attribute),
	};
	int rc;

	make_tsa();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(anchor_path);
	X509_free(tsa_cert);
	EVP_PKEY_free(tsa_key);
	return rc;
}
