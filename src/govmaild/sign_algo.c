/*
 * sign_algo.c — algorithms and key sizes of signatures (see sign_algo.h).
 *
 * Digests are judged by a list of those accepted (the SHA-2 and SHA-3
 * families, SHA-1 only when allowed), so anything unknown or older is
 * refused by default. The signature algorithm of a signer info is judged
 * by the digest it names: sha1WithRSAEncryption, ecdsa-with-SHA1, or
 * RSA-PSS whose parameters name SHA-1 (their default when absent) are
 * SHA-1 whatever digestAlgorithm says; rsaEncryption and id-ecPublicKey
 * name none (then digestAlgorithm is the one used).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "sign_algo.h"

void
sign_algo_policy_init(struct sign_algo_policy *p, const struct govmail_conf *c)
{
	p->allow_sha1 = c->signature_allow_sha1;
	p->min_rsa_bits = c->signature_min_rsa_bits;
	p->min_ec_bits = c->signature_min_ec_bits;
}

/* Is the digest mdnid acceptable? 0, or -1 with why (what names it). */
static int
sign_algo_digest(const struct sign_algo_policy *p, int mdnid, const char *what, char *why,
    size_t len)
{
	switch (mdnid) {
	case NID_sha224: case NID_sha256: case NID_sha384: case NID_sha512:
	case NID_sha512_224: case NID_sha512_256:
	case NID_sha3_224: case NID_sha3_256: case NID_sha3_384: case NID_sha3_512:
		return 0;
	case NID_sha1:
		if (p->allow_sha1)
			return 0;
		snprintf(why, len, "SHA-1 %s not accepted (signature.allow_sha1 = false)", what);
		return -1;
	default:
		snprintf(why, len, "%s %.40s not accepted", what,
		    mdnid == NID_undef ? "(unknown)" : OBJ_nid2sn(mdnid));
		return -1;
	}
}

int
sign_algo_check_key(const struct sign_algo_policy *p, EVP_PKEY *k, const char *whose,
    char *why, size_t len)
{
	int id, bits;

	if (k == NULL) {
		snprintf(why, len, "%.60s key not readable", whose);
		return -1;
	}
	id = EVP_PKEY_get_base_id(k);
	bits = EVP_PKEY_get_bits(k);
	if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
		if (bits >= p->min_rsa_bits)
			return 0;
		snprintf(why, len, "%.60s RSA key of %d bits (at least %d required)", whose, bits,
		    p->min_rsa_bits);
		return -1;
	}
	if (id == EVP_PKEY_EC) {
		if (bits >= p->min_ec_bits)
			return 0;
		snprintf(why, len, "%.60s EC key of %d bits (at least %d, P-256, required)", whose,
		    bits, p->min_ec_bits);
		return -1;
	}
	snprintf(why, len, "%.60s key type %.20s not accepted (RSA or ECDSA required)", whose,
	    id == NID_undef ? "unknown" : OBJ_nid2sn(id));
	return -1;
}

/* The digest a signature algorithm names: NID_undef when it names none
 * (rsaEncryption ...), -1 when its parameters cannot be read. */
static int
sign_algo_sig_digest(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj;
	RSA_PSS_PARAMS *pss;
	int nid, mdnid = NID_undef, pknid;

	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	nid = OBJ_obj2nid(obj);
	if (nid == NID_rsassaPss) {
		if (alg->parameter == NULL || (pss = ASN1_TYPE_unpack_sequence(
		    ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter)) == NULL) {
			ERR_clear_error();
			return -1;
		}
		/* RFC 4055: hashAlgorithm absent means SHA-1 */
		mdnid = pss->hashAlgorithm == NULL ? NID_sha1 :
		    OBJ_obj2nid(pss->hashAlgorithm->algorithm);
		RSA_PSS_PARAMS_free(pss);
		return mdnid;
	}
	if (OBJ_find_sigid_algs(nid, &mdnid, &pknid) != 1)
		return NID_undef;
	return mdnid;
}

int
sign_algo_check_signer(const struct sign_algo_policy *p, CMS_SignerInfo *si, X509 *x,
    char *why, size_t len)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *obj;
	int mdnid;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	if (dig == NULL || sig == NULL) {
		snprintf(why, len, "signature algorithms not readable");
		return -1;
	}
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	if (sign_algo_digest(p, OBJ_obj2nid(obj), "digest", why, len) != 0)
		return -1;
	if ((mdnid = sign_algo_sig_digest(sig)) == -1) {
		snprintf(why, len, "RSA-PSS parameters not readable");
		return -1;
	}
	if (mdnid != NID_undef && sign_algo_digest(p, mdnid, "signature digest", why, len) != 0)
		return -1;
	return sign_algo_check_key(p, X509_get0_pubkey(x), "signer", why, len);
}

int
sign_algo_check_chain(const struct sign_algo_policy *p, STACK_OF(X509) *chain, char *why,
    size_t len)
{
	char whose[80], cn[64], what[120];
	int i, n = sk_X509_num(chain), mdnid;

	for (i = 0; i < n; i++) {
		X509 *x = sk_X509_value(chain, i);

		if (i == 0)
			snprintf(whose, sizeof(whose), "signer");
		else {
			if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
			    sizeof(cn)) < 0)
				snprintf(cn, sizeof(cn), "?");
			snprintf(whose, sizeof(whose), "CA \"%.60s\"", cn);
		}
		if (sign_algo_check_key(p, X509_get0_pubkey(x), whose, why, len) != 0)
			return -1;
		/* a trust anchor's signature on itself proves nothing */
		if (i == n - 1 && (X509_get_extension_flags(x) & EXFLAG_SS))
			continue;
		if (X509_get_signature_info(x, &mdnid, NULL, NULL, NULL) != 1)
			mdnid = NID_undef;
		snprintf(what, sizeof(what), "digest in the %.80s certificate", whose);
		if (sign_algo_digest(p, mdnid, what, why, len) != 0)
			return -1;
	}
	ERR_clear_error();
	return 0;
}
