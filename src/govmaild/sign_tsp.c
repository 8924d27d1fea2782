/*
 * sign_tsp.c — RFC 3161 time-stamp tokens (see sign_tsp.h).
 *
 * The token is parsed with OpenSSL's PKCS7 reader (what its TS_ functions
 * take), bounded by the caller's signature size limit. Its signature,
 * the ESS signing-certificate attribute, the TSA's chain (now, to the
 * TSA anchors only: a TSA is not a signer of documents) and the
 * timeStamping purpose are checked by TS_RESP_verify_signature, as
 * `openssl ts -verify` does; the version and the messageImprint are
 * compared here, so that the reason is exact. The TSA's certificates are
 * not checked for revocation (there is no TSA CRL setting): a TSA whose
 * key is compromised is removed from signature.tsa_anchors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "conf.h"
#include "sign_pem.h"
#include "sign_tsp.h"
#include "sign_verify.h"
#include "xmalloc.h"

struct sign_tsp {
	X509_STORE *store;              /* the TSA anchors, nothing else */
	STACK_OF(X509) *intermediates;  /* signature.intermediates */
};

struct sign_tsp *
sign_tsp_load(const struct govmail_conf *c, char *err, size_t errlen)
{
	STACK_OF(X509) *anchors;
	struct sign_tsp *t;
	int i;

	err[0] = '\0';
	if (c->signature_tsa_anchors == NULL || c->signature_tsa_anchors[0] == '\0')
		return NULL;
	if ((anchors = sign_pem_read_certs(c->signature_tsa_anchors, err, errlen)) == NULL)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->store = X509_STORE_new();
	for (i = 0; i < sk_X509_num(anchors); i++)
		X509_STORE_add_cert(t->store, sk_X509_value(anchors, i));
	sk_X509_pop_free(anchors, X509_free);
	if (c->signature_intermediates != NULL && c->signature_intermediates[0] != '\0') {
		if ((t->intermediates = sign_pem_read_certs(c->signature_intermediates, err,
		    errlen)) == NULL) {
			sign_tsp_free(t);
			return NULL;
		}
	} else
		t->intermediates = sk_X509_new_null();
	return t;
}

void
sign_tsp_free(struct sign_tsp *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->intermediates, X509_free);
	free(t);
}

/* The token as PKCS7, when it is a SignedData holding a TSTInfo. */
static PKCS7 *
tsp_parse(const unsigned char *der, size_t derlen)
{
	const unsigned char *p = der;
	PKCS7 *p7;

	if (derlen == 0 || derlen > 0x7fffffff)
		return NULL;
	if ((p7 = d2i_PKCS7(NULL, &p, (long)derlen)) == NULL)
		return NULL;
	if (!PKCS7_type_is_signed(p7) || p7->d.sign == NULL || p7->d.sign->contents == NULL ||
	    OBJ_obj2nid(p7->d.sign->contents->type) != NID_id_smime_ct_TSTInfo) {
		PKCS7_free(p7);
		return NULL;
	}
	return p7;
}

int
sign_tsp_is_token(const unsigned char *der, size_t derlen)
{
	PKCS7 *p7 = tsp_parse(der, derlen);
	int yes = p7 != NULL;

	PKCS7_free(p7);
	ERR_clear_error();
	return yes;
}

void
sign_tsp_time(time_t at, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&at, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
}

/* Does the TSTInfo's messageImprint equal the digest of segs? */
static enum sign_tsp_status
tsp_imprint(TS_TST_INFO *tst, const struct sign_segment *segs, size_t nsegs, char *why,
    size_t wlen)
{
	TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(tst);
	X509_ALGOR *alg = mi != NULL ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
	ASN1_OCTET_STRING *want = mi != NULL ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
	const ASN1_OBJECT *obj = NULL;
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	size_t i;
	int ok;

	if (alg == NULL || want == NULL) {
		snprintf(why, wlen, "timestamp has no message imprint");
		return SIGN_TSP_MALFORMED;
	}
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if ((md = EVP_get_digestbyobj(obj)) == NULL) {
		snprintf(why, wlen, "timestamp digest algorithm unknown");
		return SIGN_TSP_MALFORMED;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return SIGN_TSP_MALFORMED;
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1;
	for (i = 0; ok && i < nsegs; i++)
		ok = EVP_DigestUpdate(ctx, segs[i].p, segs[i].len) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, d, &dlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		snprintf(why, wlen, "cannot compute the timestamp's digest");
		return SIGN_TSP_MALFORMED;
	}
	if ((size_t)ASN1_STRING_length(want) != dlen ||
	    memcmp(ASN1_STRING_get0_data(want), d, dlen) != 0) {
		snprintf(why, wlen, "timestamp is not over this signature (message imprint differs)");
		return SIGN_TSP_MISMATCH;
	}
	return SIGN_TSP_VALID;
}

/* The CN of x into buf. */
static void
tsp_cn(X509 *x, char *buf, size_t len)
{
	X509_NAME *n = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1), ul;
	unsigned char *u = NULL;

	buf[0] = '\0';
	if (i < 0)
		return;
	ul = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
	if (ul >= 0)
		snprintf(buf, len, "%.*s", ul, (const char *)u);
	OPENSSL_free(u);
}

/* Why TS_RESP_verify_signature refused the token. */
static enum sign_tsp_status
tsp_signature_failed(char *why, size_t wlen)
{
	const char *data = NULL;
	int flags = 0;
	unsigned long e = ERR_peek_last_error_data(&data, &flags);

	if (ERR_GET_LIB(e) == ERR_LIB_TS && ERR_GET_REASON(e) == TS_R_CERTIFICATE_VERIFY_ERROR) {
		if (data == NULL || !(flags & ERR_TXT_STRING))
			data = "no chain";
		else if (strncmp(data, "Verify error:", 13) == 0)
			data += 13;
		snprintf(why, wlen, "timestamp authority not trusted (%.70s)", data);
		return SIGN_TSP_UNTRUSTED;
	}
	if (ERR_GET_LIB(e) == ERR_LIB_TS && ERR_GET_REASON(e) == TS_R_SIGNATURE_FAILURE) {
		snprintf(why, wlen, "timestamp signature does not verify");
		return SIGN_TSP_BROKEN;
	}
	snprintf(why, wlen, "timestamp not readable (%.80s)",
	    ERR_reason_error_string(e) != NULL ? ERR_reason_error_string(e) : "signer");
	return SIGN_TSP_MALFORMED;
}

void
sign_tsp_verify(const struct sign_tsp *t, const unsigned char *der, size_t derlen,
    const struct sign_segment *segs, size_t nsegs, struct sign_tsp_result *r)
{
	STACK_OF(X509) *untrusted = NULL, *embedded;
	TS_TST_INFO *tst = NULL;
	const ASN1_GENERALIZEDTIME *gt;
	X509 *signer = NULL;
	PKCS7 *p7;
	struct tm tm;
	int i;

	memset(r, 0, sizeof(*r));
	if ((p7 = tsp_parse(der, derlen)) == NULL || (tst = PKCS7_to_TS_TST_INFO(p7)) == NULL) {
		r->status = SIGN_TSP_MALFORMED;
		snprintf(r->why, sizeof(r->why), "timestamp is not a readable RFC 3161 token");
		goto done;
	}
	if (TS_TST_INFO_get_version(tst) != 1) {
		r->status = SIGN_TSP_MALFORMED;
		snprintf(r->why, sizeof(r->why), "timestamp version is not 1");
		goto done;
	}
	if ((gt = TS_TST_INFO_get_time(tst)) == NULL || ASN1_TIME_to_tm(gt, &tm) != 1) {
		r->status = SIGN_TSP_MALFORMED;
		snprintf(r->why, sizeof(r->why), "timestamp time not readable");
		goto done;
	}
	r->gen_time = timegm(&tm);
	if (t == NULL) {
		r->status = SIGN_TSP_UNTRUSTED;
		snprintf(r->why, sizeof(r->why),
		    "no timestamp authority trusted (signature.tsa_anchors)");
		goto done;
	}
	/* intermediates: ours, and those the token carries */
	untrusted = sk_X509_dup(t->intermediates);
	embedded = p7->d.sign->cert;
	for (i = 0; embedded != NULL && i < sk_X509_num(embedded); i++)
		sk_X509_push(untrusted, sk_X509_value(embedded, i));
	ERR_clear_error();
	if (TS_RESP_verify_signature(p7, untrusted, t->store, &signer) != 1) {
		r->status = tsp_signature_failed(r->why, sizeof(r->why));
		goto done;
	}
	tsp_cn(signer, r->tsa, sizeof(r->tsa));
	if ((r->status = tsp_imprint(tst, segs, nsegs, r->why, sizeof(r->why))) != SIGN_TSP_VALID)
		goto done;
	if (r->gen_time > time(NULL) + 300) {
		r->status = SIGN_TSP_MALFORMED;
		snprintf(r->why, sizeof(r->why), "timestamp is in the future");
	}
done:
	X509_free(signer);
	sk_X509_free(untrusted);
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	ERR_clear_error();
}

int
sign_tsp_signer(const struct sign_tsp *t, CMS_SignerInfo *si, struct sign_tsp_result *r)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SIGN_TSP_ATTR_OID, 1);
	X509_ATTRIBUTE *attr;
	ASN1_TYPE *v;
	ASN1_OCTET_STRING *sig;
	struct sign_segment seg;
	int i;

	i = oid != NULL ? CMS_unsigned_get_attr_by_OBJ(si, oid, -1) : -1;
	ASN1_OBJECT_free(oid);
	if (i < 0) {
		ERR_clear_error();
		return 0;
	}
	memset(r, 0, sizeof(*r));
	attr = CMS_unsigned_get_attr(si, i);
	v = attr != NULL ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
	sig = CMS_SignerInfo_get0_signature(si);
	if (v == NULL || v->type != V_ASN1_SEQUENCE || v->value.sequence == NULL ||
	    sig == NULL) {
		r->status = SIGN_TSP_MALFORMED;
		snprintf(r->why, sizeof(r->why), "timestamp attribute is not a token");
		ERR_clear_error();
		return 1;
	}
	/* RFC 3161 appendix A: the imprint is over the signature value */
	seg.p = ASN1_STRING_get0_data(sig);
	seg.len = (size_t)ASN1_STRING_length(sig);
	sign_tsp_verify(t, ASN1_STRING_get0_data(v->value.sequence),
	    (size_t)ASN1_STRING_length(v->value.sequence), &seg, 1, r);
	return 1;
}
