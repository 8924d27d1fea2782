/*
 * sign_ess.c — ESS signing-certificate(-v2) attributes (see sign_ess.h).
 *
 * The structures are walked with ASN1_get_object, which bounds every
 * length by what is left of the buffer; the pieces that have OpenSSL
 * types (AlgorithmIdentifier, GeneralNames, INTEGER) are read by its
 * d2i functions. Only DER is accepted (definite lengths), as signed
 * attributes are DER by definition (RFC 5652 §5.4).
 *   SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2,
 *       policies SEQUENCE OF PolicyInformation OPTIONAL }
 *   ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier
 *       DEFAULT sha256, certHash OCTET STRING, issuerSerial OPTIONAL }
 *   SigningCertificate, ESSCertID: the same without hashAlgorithm (SHA-1)
 *   IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER }
 */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "sign_ess.h"

struct ess_tlv {
	const unsigned char *start;     /* the tag */
	const unsigned char *p;         /* the contents */
	long len;                       /* of the contents */
	long total;                     /* tag, length and contents */
	int tag, cls, cons;
};

/* The TLV at *pp (before end) into t, *pp after it; 0, or -1. */
static int
ess_tlv(const unsigned char **pp, const unsigned char *end, struct ess_tlv *t)
{
	const unsigned char *p = *pp;
	long len;
	int tag, cls, r;

	if (p >= end)
		return -1;
	r = ASN1_get_object(&p, &len, &tag, &cls, end - p);
	if ((r & 0x80) || (r & 0x01))   /* error, or indefinite length */
		return -1;
	t->start = *pp;
	t->p = p;
	t->len = len;
	t->tag = tag;
	t->cls = cls;
	t->cons = (r & 0x20) != 0;
	*pp = p + len;
	t->total = (long)(*pp - t->start);
	return 0;
}

static int
ess_is(const struct ess_tlv *t, int tag, int cons)
{
	return t->cls == V_ASN1_UNIVERSAL && t->tag == tag && t->cons == cons;
}

/* Does IssuerSerial (the TLV is) name x's issuer and serial? 1, 0, -1. */
static int
ess_issuer_serial(const struct ess_tlv *is, X509 *x)
{
	const unsigned char *p = is->p, *end = is->p + is->len, *q;
	struct ess_tlv names, serial;
	GENERAL_NAMES *gns;
	GENERAL_NAME *gn;
	ASN1_INTEGER *sn;
	int ok;

	if (ess_tlv(&p, end, &names) != 0 || !ess_is(&names, V_ASN1_SEQUENCE, 1) ||
	    ess_tlv(&p, end, &serial) != 0 || !ess_is(&serial, V_ASN1_INTEGER, 0) || p != end)
		return -1;
	q = names.start;
	if ((gns = d2i_GENERAL_NAMES(NULL, &q, names.total)) == NULL)
		return -1;
	q = serial.start;
	if ((sn = d2i_ASN1_INTEGER(NULL, &q, serial.total)) == NULL) {
		GENERAL_NAMES_free(gns);
		return -1;
	}
	/* RFC 5035: the issuer as a single directoryName */
	ok = sk_GENERAL_NAME_num(gns) == 1 && (gn = sk_GENERAL_NAME_value(gns, 0))->type ==
	    GEN_DIRNAME && X509_NAME_cmp(gn->d.directoryName, X509_get_issuer_name(x)) == 0 &&
	    ASN1_INTEGER_cmp(sn, X509_get0_serialNumber(x)) == 0;
	GENERAL_NAMES_free(gns);
	ASN1_INTEGER_free(sn);
	return ok;
}

int
sign_ess_match(const unsigned char *der, size_t derlen, int v2, X509 *x, char *why,
    size_t len)
{
	const char *attr = v2 ? "signing-certificate-v2" : "signing-certificate";
	const unsigned char *p = der, *end, *q;
	struct ess_tlv sc, certs, id, t;
	const EVP_MD *md = v2 ? EVP_sha256() : EVP_sha1();
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;
	X509_ALGOR *alg;
	int r;

	if (derlen > 1 << 20 || ess_tlv(&p, der + derlen, &sc) != 0 ||
	    !ess_is(&sc, V_ASN1_SEQUENCE, 1) || p != der + derlen)
		goto malformed;
	p = sc.p;
	end = sc.p + sc.len;
	if (ess_tlv(&p, end, &certs) != 0 || !ess_is(&certs, V_ASN1_SEQUENCE, 1))
		goto malformed;
	/* the first ESSCertID(v2) names the signer's certificate */
	p = certs.p;
	if (ess_tlv(&p, certs.p + certs.len, &id) != 0 || !ess_is(&id, V_ASN1_SEQUENCE, 1))
		goto malformed;
	p = id.p;
	end = id.p + id.len;
	if (ess_tlv(&p, end, &t) != 0)
		goto malformed;
	if (v2 && ess_is(&t, V_ASN1_SEQUENCE, 1)) {
		q = t.start;
		if ((alg = d2i_X509_ALGOR(NULL, &q, t.total)) == NULL)
			goto malformed;
		md = EVP_get_digestbyobj(alg->algorithm);
		X509_ALGOR_free(alg);
		if (md == NULL) {
			snprintf(why, len, "%s attribute: unknown hash algorithm", attr);
			ERR_clear_error();
			return -1;
		}
		if (ess_tlv(&p, end, &t) != 0)
			goto malformed;
	}
	if (!ess_is(&t, V_ASN1_OCTET_STRING, 0))
		goto malformed;
	if (X509_digest(x, md, h, &hlen) != 1) {
		snprintf(why, len, "%s attribute: cannot hash the certificate", attr);
		ERR_clear_error();
		return -1;
	}
	if ((long)hlen != t.len || memcmp(h, t.p, hlen) != 0) {
		snprintf(why, len, "%s attribute names another certificate than the signer's", attr);
		return -1;
	}
	if (p < end) {
		if (ess_tlv(&p, end, &t) != 0 || !ess_is(&t, V_ASN1_SEQUENCE, 1) || p != end ||
		    (r = ess_issuer_serial(&t, x)) < 0)
			goto malformed;
		if (r == 0) {
			snprintf(why, len, "%s attribute names another issuer or serial number "
			    "than the signer's certificate", attr);
			return -1;
		}
	}
	ERR_clear_error();
	return 0;
malformed:
	snprintf(why, len, "%s attribute is malformed", attr);
	ERR_clear_error();
	return -1;
}

/* The attribute nid of si: 0 absent, 1 found (*der into it), -1 not
 * usable (several, or not one SEQUENCE value). */
static int
ess_attr(CMS_SignerInfo *si, int nid, const unsigned char **der, size_t *derlen)
{
	X509_ATTRIBUTE *a;
	ASN1_TYPE *v;
	int i = CMS_signed_get_attr_by_NID(si, nid, -1);

	if (i < 0)
		return 0;
	if (CMS_signed_get_attr_by_NID(si, nid, i) >= 0 ||
	    (a = CMS_signed_get_attr(si, i)) == NULL || X509_ATTRIBUTE_count(a) != 1 ||
	    (v = X509_ATTRIBUTE_get0_type(a, 0)) == NULL || v->type != V_ASN1_SEQUENCE)
		return -1;
	*der = ASN1_STRING_get0_data(v->value.sequence);
	*derlen = (size_t)ASN1_STRING_length(v->value.sequence);
	return 1;
}

int
sign_ess_check(CMS_SignerInfo *si, X509 *x, int v2_required, char *why, size_t len)
{
	static const struct { int nid, v2; const char *name; } attrs[] = {
		{ NID_id_smime_aa_signingCertificateV2, 1, "signing-certificate-v2" },
		{ NID_id_smime_aa_signingCertificate, 0, "signing-certificate" },
	};
	const unsigned char *der = NULL;
	size_t derlen = 0, k;
	int r;

	for (k = 0; k < sizeof(attrs) / sizeof(attrs[0]); k++) {
		r = ess_attr(si, attrs[k].nid, &der, &derlen);
		if (r < 0) {
			snprintf(why, len, "%s attribute is malformed", attrs[k].name);
			return -1;
		}
		if (r == 0) {
			if (attrs[k].v2 && v2_required) {
				snprintf(why, len, "PAdES signature (ETSI.CAdES.detached) without "
				    "the signing-certificate-v2 attribute");
				return -2;
			}
			continue;
		}
		if (sign_ess_match(der, derlen, attrs[k].v2, x, why, len) != 0)
			return -1;
	}
	return 0;
}
