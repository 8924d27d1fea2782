/*
 * sign_revinfo.c — revocation data carried by signatures and documents
 * (see sign_revinfo.h).
 *
 * OpenSSL reads a SignedData's revocationInfoChoices but gives only the
 * CRL choice back (CMS_get1_crls); the OCSP responses of the "other"
 * choice are found here by walking the DER of the SignedData down to its
 * crls [1] field, every length checked against what encloses it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "sign_revinfo.h"
#include "xmalloc.h"

struct sign_revinfo *
sign_revinfo_new(void)
{
	struct sign_revinfo *r = xcalloc(1, sizeof(*r));

	r->crls = sk_X509_CRL_new_null();
	r->ocsp = sk_OCSP_BASICRESP_new_null();
	r->certs = sk_X509_new_null();
	return r;
}

void
sign_revinfo_free(struct sign_revinfo *r)
{
	if (r == NULL)
		return;
	sk_X509_CRL_pop_free(r->crls, X509_CRL_free);
	sk_OCSP_BASICRESP_pop_free(r->ocsp, OCSP_BASICRESP_free);
	sk_X509_pop_free(r->certs, X509_free);
	free(r);
}

int
sign_revinfo_add_ocsp(struct sign_revinfo *r, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs = NULL;

	if (sk_OCSP_BASICRESP_num(r->ocsp) >= SIGN_REVINFO_MAX || len > 0x7fffffff)
		return -1;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) != NULL &&
	    OCSP_response_status(resp) == OCSP_RESPONSE_STATUS_SUCCESSFUL)
		bs = OCSP_response_get1_basic(resp);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	if (bs == NULL)
		return -1;
	sk_OCSP_BASICRESP_push(r->ocsp, bs);
	return 0;
}

int
sign_revinfo_add_crl(struct sign_revinfo *r, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509_CRL *crl;

	if (sk_X509_CRL_num(r->crls) >= SIGN_REVINFO_MAX || len > 0x7fffffff)
		return -1;
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	ERR_clear_error();
	if (crl == NULL)
		return -1;
	sk_X509_CRL_push(r->crls, crl);
	return 0;
}

int
sign_revinfo_add_cert(struct sign_revinfo *r, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (sk_X509_num(r->certs) >= SIGN_REVINFO_MAX || len > 0x7fffffff)
		return -1;
	x = d2i_X509(NULL, &p, (long)len);
	ERR_clear_error();
	if (x == NULL)
		return -1;
	sk_X509_push(r->certs, x);
	return 0;
}

/* ---- a DER walk -------------------------------------------------------------- */

/* The TLV at *p (before end): its tag byte, contents and their length;
 * *p moves past it. 0, -1 when it is not DER within bounds, -2 when its
 * length is indefinite (BER). Tags above 30 do not occur on this path. */
static int
revinfo_tlv(const unsigned char **p, const unsigned char *end, unsigned *tag,
    const unsigned char **c, size_t *clen)
{
	const unsigned char *q = *p;
	size_t len = 0, n, i;

	if (end - q < 2 || (q[0] & 0x1f) == 0x1f)
		return -1;
	*tag = q[0];
	if (q[1] == 0x80)
		return -2;
	if (q[1] & 0x80) {
		n = q[1] & 0x7f;
		q += 2;
		if (n > 4 || (size_t)(end - q) < n)
			return -1;
		for (i = 0; i < n; i++)
			len = len << 8 | q[i];
		q += n;
	} else {
		len = q[1];
		q += 2;
	}
	if ((size_t)(end - q) < len)
		return -1;
	*c = q;
	*clen = len;
	*p = q + len;
	return 0;
}

/* Step into the next TLV, which must have tag want. */
static int
revinfo_expect(const unsigned char **p, const unsigned char *end, unsigned want,
    const unsigned char **c, size_t *clen)
{
	unsigned tag;
	int rc = revinfo_tlv(p, end, &tag, c, clen);

	if (rc != 0)
		return rc;
	return tag == want ? 0 : -1;
}

/* id-ri-ocsp-response, 1.3.6.1.5.5.7.16.2 (contents of the OID) */
static const unsigned char revinfo_ocsp_oid[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x10, 0x02 };

int
sign_revinfo_cms_ocsp(const unsigned char *der, size_t len,
    void (*fn)(const unsigned char *, size_t, void *), void *arg)
{
	const unsigned char *p = der, *end = der + len, *c, *sd, *sdend, *item, *iend;
	size_t clen;
	unsigned tag;
	int rc, n = 0;

	if ((rc = revinfo_expect(&p, end, 0x30, &c, &clen)) != 0)   /* ContentInfo */
		return rc;
	p = c;
	end = c + clen;
	if ((rc = revinfo_expect(&p, end, 0x06, &c, &clen)) != 0 ||  /* contentType */
	    (rc = revinfo_expect(&p, end, 0xa0, &c, &clen)) != 0)     /* [0] content */
		return rc;
	p = c;
	end = c + clen;
	if ((rc = revinfo_expect(&p, end, 0x30, &sd, &clen)) != 0)   /* SignedData */
		return rc;
	sdend = sd + clen;
	p = sd;
	if ((rc = revinfo_expect(&p, sdend, 0x02, &c, &clen)) != 0 ||    /* version */
	    (rc = revinfo_expect(&p, sdend, 0x31, &c, &clen)) != 0 ||    /* digestAlgorithms */
	    (rc = revinfo_expect(&p, sdend, 0x30, &c, &clen)) != 0)      /* encapContentInfo */
		return rc;
	while (p < sdend) {
		if ((rc = revinfo_tlv(&p, sdend, &tag, &c, &clen)) != 0)
			return rc;
		if (tag == 0xa0)            /* certificates */
			continue;
		if (tag != 0xa1)            /* signerInfos: no crls */
			return 0;
		item = c;
		iend = c + clen;
		while (item < iend) {
			const unsigned char *oc, *oid, *resp;
			size_t olen, oidlen;

			if ((rc = revinfo_tlv(&item, iend, &tag, &oc, &olen)) != 0)
				return rc;
			if (tag != 0xa1)    /* a CertificateList: CMS_get1_crls has it */
				continue;
			resp = oc;
			if ((rc = revinfo_expect(&resp, oc + olen, 0x06, &oid, &oidlen)) != 0)
				return rc;
			if (oidlen != sizeof(revinfo_ocsp_oid) ||
			    memcmp(oid, revinfo_ocsp_oid, oidlen) != 0)
				continue;
			if (resp < oc + olen) {
				fn(resp, (size_t)(oc + olen - resp), arg);
				n++;
			}
		}
		return n;
	}
	return 0;
}

static void
revinfo_add_ocsp_cb(const unsigned char *der, size_t len, void *arg)
{
	(void)sign_revinfo_add_ocsp(arg, der, len);
}

size_t
sign_revinfo_from_cms(struct sign_revinfo *r, CMS_ContentInfo *cms,
    const unsigned char *der, size_t len)
{
	STACK_OF(X509_CRL) *crls = CMS_get1_crls(cms);
	size_t before = (size_t)(sk_X509_CRL_num(r->crls) + sk_OCSP_BASICRESP_num(r->ocsp));
	unsigned char *re = NULL;
	int i, relen;

	for (i = 0; i < sk_X509_CRL_num(crls); i++)
		if (sk_X509_CRL_num(r->crls) < SIGN_REVINFO_MAX && X509_CRL_up_ref(sk_X509_CRL_value(crls, i)))
			sk_X509_CRL_push(r->crls, sk_X509_CRL_value(crls, i));
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	/* BER (NSS writes indefinite lengths): re-encoded, but only when an
	 * OCSP answer may be there at all */
	if (sign_revinfo_cms_ocsp(der, len, revinfo_add_ocsp_cb, r) == -2 &&
	    memmem(der, len, revinfo_ocsp_oid, sizeof(revinfo_ocsp_oid)) != NULL &&
	    (relen = i2d_CMS_ContentInfo(cms, &re)) > 0)
		(void)sign_revinfo_cms_ocsp(re, (size_t)relen, revinfo_add_ocsp_cb, r);
	OPENSSL_free(re);
	ERR_clear_error();
	return (size_t)(sk_X509_CRL_num(r->crls) + sk_OCSP_BASICRESP_num(r->ocsp)) - before;
}
