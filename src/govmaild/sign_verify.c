/*
 * sign_verify.c — CMS signatures and the trust store (see sign_verify.h).
 *
 * Verification is in two steps so that the reason is exact: CMS_verify
 * without certificate checks says whether the signature matches the
 * content (and finds the signer's certificate among the embedded ones and
 * the configured intermediates); then an X509_STORE_CTX per signer checks
 * the chain, validity, revocation, and the key usage is read from the
 * certificate. The X509_STORE is shared by all sessions (OpenSSL locks
 * it) and replaced as a whole when a CRL file changes; a session holds a
 * reference to the store it started with.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "sign_algo.h"
#include "sign_certcache.h"
#include "sign_ess.h"
#include "sign_tsp.h"
#include "sign_ocsp.h"
#include "sign_pem.h"
#include "sign_revinfo.h"
#include "sign_verify.h"
#include "xmalloc.h"

struct sign_crl_file {
	char *path;
	struct stat st;             /* as last read (st_ino 0: never read) */
};

struct sign_trust {
	pthread_mutex_t lock;
	X509_STORE *store;          /* anchors + CRLs; replaced on CRL change */
	STACK_OF(X509) *anchors;
	STACK_OF(X509) *intermediates;
	struct sign_cert_cache *certs;  /* signers' certificates, parsed */
	struct sign_crl_file *crl;
	size_t ncrl;
	int crl_check;              /* CRL files configured */
	char crl_problem[300];      /* a CRL file could not be read */
	int check_interval;
	time_t checked;
	int stale_warn;             /* crl_stale = warn */
	int missing;                /* crl_missing: 0 fail, 1 warn, 2 leaf-only */
	int eku_any;                /* extended_key_usage = any */
	int unreadable;             /* 0 tempfail, 1 fail, 2 warn */
	struct sign_algo_policy algo;   /* digests and key sizes (sign_algo.h) */
	struct sign_tsp *tsp;       /* trusted TSAs, or NULL (sign_tsp.h) */
	struct sign_ocsp *ocsp;     /* NULL: signature.ocsp = off */
	int unavailable;            /* revocation_unavailable: 0 tempfail, 1 fail, 2 warn */
};

const char *
sign_status_name(enum sign_status st)
{
	switch (st) {
	case SIGN_VALID: return "valid";
	case SIGN_BROKEN: return "signature does not verify (modified after signing)";
	case SIGN_MALFORMED: return "signature is not readable";
	case SIGN_UNTRUSTED: return "certificate not issued by a trusted CA";
	case SIGN_EXPIRED: return "certificate expired";
	case SIGN_REVOKED: return "certificate revoked";
	case SIGN_BAD_USAGE: return "certificate key usage does not allow signing";
	case SIGN_CRL_PROBLEM: return "revocation cannot be checked";
	case SIGN_WEAK: return "signature algorithm, key size or format not accepted";
	}
	return "unknown";
}

const char *
sign_status_word(enum sign_status st)
{
	static const char *const w[] = { "valid", "broken", "malformed", "untrusted",
		"expired", "revoked", "bad-usage", "crl", "weak" };

	return (unsigned)st < sizeof(w) / sizeof(w[0]) ? w[st] : "unknown";
}

/* Add the CRLs of path (PEM, one or several, or DER) to store. */
static int
sign_add_crls(X509_STORE *store, const char *path, char *err, size_t errlen)
{
	STACK_OF(X509_INFO) *infos;
	X509_CRL *crl;
	BIO *b;
	int i, n = 0;

	if ((b = BIO_new_file(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ERR_clear_error();
		return -1;
	}
	if ((infos = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL)) != NULL) {
		for (i = 0; i < sk_X509_INFO_num(infos); i++) {
			X509_INFO *xi = sk_X509_INFO_value(infos, i);

			if (xi->crl != NULL && X509_STORE_add_crl(store, xi->crl) == 1)
				n++;
		}
		sk_X509_INFO_pop_free(infos, X509_INFO_free);
	}
	ERR_clear_error();
	if (n == 0) {
		(void)BIO_reset(b);
		if ((crl = d2i_X509_CRL_bio(b, NULL)) != NULL) {
			if (X509_STORE_add_crl(store, crl) == 1)
				n++;
			X509_CRL_free(crl);
		}
	}
	BIO_free(b);
	if (n == 0) {
		snprintf(err, errlen, "%s: no CRL in the file (PEM or DER)", path);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* A new store: the anchors, and the CRLs as they are now on disk. */
static X509_STORE *
sign_build_store(struct sign_trust *t)
{
	X509_STORE *store = X509_STORE_new();
	char why[300];
	size_t i;
	int k;

	for (k = 0; k < sk_X509_num(t->anchors); k++)
		X509_STORE_add_cert(store, sk_X509_value(t->anchors, k));
	t->crl_problem[0] = '\0';
	for (i = 0; i < t->ncrl; i++) {
		if (stat(t->crl[i].path, &t->crl[i].st) != 0) {
			memset(&t->crl[i].st, 0, sizeof(t->crl[i].st));
			snprintf(t->crl_problem, sizeof(t->crl_problem), "%s: %s",
			    t->crl[i].path, strerror(errno));
			continue;
		}
		if (sign_add_crls(store, t->crl[i].path, why, sizeof(why)) != 0)
			snprintf(t->crl_problem, sizeof(t->crl_problem), "%s", why);
	}
	/* crl_unreadable = warn: check without revocation while a file is bad.
	 * Every certificate of the chain is checked against its issuer's CRL
	 * (a revoked intermediate CA), unless crl_missing = leaf-only. */
	if (t->crl_check && !(t->crl_problem[0] != '\0' && t->unreadable == 2))
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK |
		    (t->missing == 2 ? 0 : X509_V_FLAG_CRL_CHECK_ALL));
	return store;
}

struct sign_trust *
sign_trust_load(const struct govmail_conf *c, char *err, size_t errlen)
{
	struct sign_trust *t;
	size_t i;

	if (c->signature_trust_anchors[0] == '\0') {
		snprintf(err, errlen, "signature.trust_anchors is not set");
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	if ((t->anchors = sign_pem_read_certs(c->signature_trust_anchors, err, errlen)) == NULL)
		goto fail;
	if (c->signature_intermediates[0] != '\0') {
		if ((t->intermediates = sign_pem_read_certs(c->signature_intermediates, err,
		    errlen)) == NULL)
			goto fail;
	} else
		t->intermediates = sk_X509_new_null();
	t->ncrl = c->signature_crl_files.n;
	t->crl = xcalloc(t->ncrl + 1, sizeof(*t->crl));
	for (i = 0; i < t->ncrl; i++)
		t->crl[i].path = xstrdup(c->signature_crl_files.v[i]);
	t->crl_check = t->ncrl > 0;
	t->check_interval = c->signature_crl_check_interval;
	t->stale_warn = strcmp(c->signature_crl_stale, "warn") == 0;
	t->missing = strcmp(c->signature_crl_missing, "warn") == 0 ? 1 :
	    strcmp(c->signature_crl_missing, "leaf-only") == 0 ? 2 : 0;
	t->eku_any = strcmp(c->signature_extended_key_usage, "any") == 0;
	t->unreadable = strcmp(c->signature_crl_unreadable, "fail") == 0 ? 1 :
	    strcmp(c->signature_crl_unreadable, "warn") == 0 ? 2 : 0;
	sign_algo_policy_init(&t->algo, c);
	t->store = sign_build_store(t);
	t->checked = time(NULL);
	t->certs = sign_cert_cache_new((size_t)c->signature_cert_cache_size);
	if ((t->tsp = sign_tsp_load(c, err, errlen)) == NULL && err[0] != '\0')
		goto fail;
	t->ocsp = sign_ocsp_new(c, t->anchors);
	t->unavailable = strcmp(c->signature_revocation_unavailable, "fail") == 0 ? 1 :
	    strcmp(c->signature_revocation_unavailable, "warn") == 0 ? 2 : 0;
	return t;
fail:
	sign_trust_free(t);
	return NULL;
}

void
sign_trust_free(struct sign_trust *t)
{
	size_t i;

	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->anchors, X509_free);
	sk_X509_pop_free(t->intermediates, X509_free);
	sign_cert_cache_free(t->certs);
	sign_tsp_free(t->tsp);
	sign_ocsp_free(t->ocsp);
	for (i = 0; i < t->ncrl; i++)
		free(t->crl[i].path);
	free(t->crl);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Has a CRL file changed since it was read? */
static int
sign_crl_changed(const struct sign_crl_file *f)
{
	struct stat st;

	if (stat(f->path, &st) != 0)
		return f->st.st_ino != 0;
	return st.st_ino != f->st.st_ino || st.st_dev != f->st.st_dev ||
	    st.st_size != f->st.st_size || st.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec;
}

/* The current store, with a reference; CRLs re-read if they changed. */
static X509_STORE *
sign_trust_store(struct sign_trust *t, char *problem, size_t plen)
{
	X509_STORE *s, *old = NULL;
	time_t now = time(NULL);
	size_t i;

	pthread_mutex_lock(&t->lock);
	if (t->ncrl > 0 && now - t->checked >= t->check_interval) {
		t->checked = now;
		for (i = 0; i < t->ncrl; i++)
			if (sign_crl_changed(&t->crl[i]))
				break;
		if (i < t->ncrl || t->crl_problem[0] != '\0') {
			old = t->store;
			t->store = sign_build_store(t);
		}
	}
	s = t->store;
	X509_STORE_up_ref(s);
	snprintf(problem, plen, "%s", t->crl_problem);
	pthread_mutex_unlock(&t->lock);
	X509_STORE_free(old);
	return s;
}

void
sign_trust_crl_state(struct sign_trust *t, char *buf, size_t len)
{
	X509_STORE_free(sign_trust_store(t, buf, len));
}

/* ---- content as segments, read through a BIO ------------------------------- */

struct sign_seg_reader {
	const struct sign_segment *segs;
	size_t nsegs, i, off;
};

static int
sign_seg_read(BIO *b, char *out, int outl)
{
	struct sign_seg_reader *r = BIO_get_data(b);
	size_t want = outl > 0 ? (size_t)outl : 0, got = 0, n;

	while (got < want && r->i < r->nsegs) {
		const struct sign_segment *s = &r->segs[r->i];

		n = s->len - r->off;
		if (n > want - got)
			n = want - got;
		memcpy(out + got, s->p + r->off, n);
		got += n;
		r->off += n;
		if (r->off == s->len) {
			r->i++;
			r->off = 0;
		}
	}
	return (int)got;
}

static long
sign_seg_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct sign_seg_reader *r = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_EOF:
		return r->i >= r->nsegs;
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

static BIO_METHOD *sign_seg_method;
static pthread_once_t sign_seg_once = PTHREAD_ONCE_INIT;

static void
sign_seg_method_init(void)
{
	sign_seg_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "govmail segments");
	BIO_meth_set_read(sign_seg_method, sign_seg_read);
	BIO_meth_set_ctrl(sign_seg_method, sign_seg_ctrl);
}

/* ---- one signer's certificate ------------------------------------------------ */

struct sign_verify_cb_state {
	int stale_warn;
	int missing_warn;
	int crl_warning;            /* SIGN_CRL_WARN_* bits */
	time_t at;                  /* a timestamp's time, or 0 (see sign_check_cert) */
	int revoked_later;          /* revoked, but after at */
	int ocsp;                   /* no CRL: noted in nocrl, asked by OCSP after */
	unsigned long long nocrl;   /* depths of the chain without a CRL */
};

static int sign_cb_index = -1;
static pthread_once_t sign_cb_once = PTHREAD_ONCE_INIT;

static void
sign_cb_index_init(void)
{
	sign_cb_index = X509_STORE_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* A stale CRL (crl_stale = warn) or none for an issuer (crl_missing =
 * warn) may be accepted with a warning; everything else stands. */
static int
sign_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct sign_verify_cb_state *st = X509_STORE_CTX_get_ex_data(ctx, sign_cb_index);
	int e;

	if (ok || st == NULL)
		return ok;
	e = X509_STORE_CTX_get_error(ctx);
	if (st->at != 0) {
		X509_CRL *crl = X509_STORE_CTX_get0_current_crl(ctx);
		X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
		X509_REVOKED *rev = NULL;

		/* validity is checked at st->at by the second pass */
		if (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID)
			return 1;
		/* revoked after the timestamp: the signature was made before */
		if (e == X509_V_ERR_CERT_REVOKED && crl != NULL && cur != NULL &&
		    X509_CRL_get0_by_cert(crl, &rev, cur) == 1 && rev != NULL &&
		    X509_cmp_time(X509_REVOKED_get0_revocationDate(rev), &st->at) > 0) {
			st->revoked_later = 1;
			return 1;
		}
	}
	if (st->stale_warn && (e == X509_V_ERR_CRL_HAS_EXPIRED ||
	    e == X509_V_ERR_CRL_NOT_YET_VALID)) {
		st->crl_warning |= SIGN_CRL_WARN_STALE;
		return 1;
	}
	if (st->ocsp && e == X509_V_ERR_UNABLE_TO_GET_CRL &&
	    X509_STORE_CTX_get_error_depth(ctx) < 64) {
		st->nocrl |= 1ULL << X509_STORE_CTX_get_error_depth(ctx);
		return 1;
	}
	if (st->missing_warn && e == X509_V_ERR_UNABLE_TO_GET_CRL) {
		st->crl_warning |= SIGN_CRL_WARN_MISSING;
		return 1;
	}
	return 0;
}

/* Subject field nid as UTF-8 into buf ("" if absent). */
static void
sign_subject_field(X509 *x, int nid, char *buf, size_t len)
{
	X509_NAME *n = X509_get_subject_name(x);
	unsigned char *u = NULL;
	int i = X509_NAME_get_index_by_NID(n, nid, -1), ul;

	buf[0] = '\0';
	if (i < 0)
		return;
	ul = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
	if (ul >= 0)
		snprintf(buf, len, "%.*s", ul, (const char *)u);
	OPENSSL_free(u);
}

static void
sign_add_email(struct sign_signer *s, const unsigned char *p, int len)
{
	size_t i;

	if (len <= 0 || (size_t)len >= sizeof(s->email[0]) || s->nemail == SIGN_MAX_EMAILS)
		return;
	if (memchr(p, '\0', (size_t)len) != NULL)
		return;     /* an embedded NUL: never an address */
	memcpy(s->email[s->nemail], p, (size_t)len);
	s->email[s->nemail][len] = '\0';
	for (i = 0; i < s->nemail; i++)
		if (strcasecmp(s->email[i], s->email[s->nemail]) == 0)
			return;
	s->nemail++;
}

/* Who the certificate names: CN, O, e-mail addresses, fingerprint. */
static void
sign_describe(X509 *x, struct sign_signer *s)
{
	GENERAL_NAMES *gens;
	unsigned int fl = 0;
	char mail[256];
	int i;

	s->have_cert = 1;
	sign_subject_field(x, NID_commonName, s->cn, sizeof(s->cn));
	sign_subject_field(x, NID_organizationName, s->org, sizeof(s->org));
	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) != NULL) {
		for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

			if (g->type == GEN_EMAIL)
				sign_add_email(s, ASN1_STRING_get0_data(g->d.rfc822Name),
				    ASN1_STRING_length(g->d.rfc822Name));
		}
		GENERAL_NAMES_free(gens);
	}
	sign_subject_field(x, NID_pkcs9_emailAddress, mail, sizeof(mail));
	if (mail[0] != '\0')
		sign_add_email(s, (const unsigned char *)mail, (int)strlen(mail));
	X509_digest(x, EVP_sha256(), s->fingerprint, &fl);
}

/* The certificate the chain check failed on, named for the reason:
 * " (issuing CA: CN)" when it is not the signer's own, else "". */
static void
sign_failed_ca(X509_STORE_CTX *ctx, char *buf, size_t len)
{
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	char cn[128];

	buf[0] = '\0';
	if (X509_STORE_CTX_get_error_depth(ctx) <= 0 || x == NULL)
		return;
	sign_subject_field(x, NID_commonName, cn, sizeof(cn));
	snprintf(buf, len, " (issuing CA: %.80s)", cn[0] ? cn : "unnamed");
}

/* Does the certificate's extended key usage, when it has one, allow
 * signing documents or mail (e-mail protection, document signing, any)? */
static int
sign_eku_allows_signing(X509 *x)
{
	/* id-kp-documentSigning (RFC 9336), Adobe Authentic Documents Trust,
	 * Microsoft Document Signing */
	static const char *const doc_oids[] = { "1.3.6.1.5.5.7.3.36",
		"1.2.840.113583.1.1.5", "1.3.6.1.4.1.311.10.3.12" };
	EXTENDED_KEY_USAGE *eku;
	int i, ok = 0;
	size_t k;
	char oid[80];

	if (!(X509_get_extension_flags(x) & EXFLAG_XKUSAGE))
		return 1;
	if ((eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL)) == NULL)
		return 0;
	for (i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++) {
		ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		int nid = OBJ_obj2nid(o);

		if (nid == NID_email_protect || nid == NID_anyExtendedKeyUsage)
			ok = 1;
		else if (OBJ_obj2txt(oid, sizeof(oid), o, 1) > 0)
			for (k = 0; k < sizeof(doc_oids) / sizeof(doc_oids[0]); k++)
				if (strcmp(oid, doc_oids[k]) == 0)
					ok = 1;
	}
	EXTENDED_KEY_USAGE_free(eku);
	return ok;
}

/*
 * The chain elements the CRLs did not cover (cbs->nocrl), by OCSP: 0 when
 * each has a status or the policy accepts it without one (warnings into
 * cbs), else -1 with s's status and reason set. crl_configured: CRLs are
 * checked (crl_files); without them a certificate no responder answers
 * for is not checked for revocation, as without OCSP.
 */
static int
sign_check_ocsp(struct sign_trust *t, X509_STORE_CTX *ctx, struct sign_verify_cb_state *cbs,
    int crl_configured, STACK_OF(X509) *untrusted, const struct sign_revinfo *rev,
    struct sign_signer *s)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	char why[200], ca[120], cn[128];
	int d, n = sk_X509_num(chain);

	for (d = 0; d + 1 < n && d < 64; d++) {
		X509 *x = sk_X509_value(chain, d);

		if (!(cbs->nocrl & (1ULL << d)))
			continue;
		ca[0] = '\0';
		if (d > 0) {
			sign_subject_field(x, NID_commonName, cn, sizeof(cn));
			snprintf(ca, sizeof(ca), " (issuing CA: %.80s)", cn[0] ? cn : "unnamed");
		}
		switch (sign_ocsp_check(t->ocsp, x, sk_X509_value(chain, d + 1), untrusted,
		    rev != NULL ? rev->ocsp : NULL, why, sizeof(why))) {
		case SIGN_OCSP_GOOD:
			continue;
		case SIGN_OCSP_REVOKED:
			s->status = SIGN_REVOKED;
			snprintf(s->reason, sizeof(s->reason), "certificate revoked%.120s (OCSP)", ca);
			return -1;
		case SIGN_OCSP_UNKNOWN:
			if (t->unavailable == 2) {
				cbs->crl_warning |= SIGN_CRL_WARN_UNAVAILABLE;
				continue;
			}
			s->status = SIGN_CRL_PROBLEM;
			snprintf(s->reason, sizeof(s->reason),
			    "certificate unknown to its OCSP responder%.100s", ca);
			return -1;
		case SIGN_OCSP_UNAVAILABLE:
			if (t->unavailable == 2) {
				cbs->crl_warning |= SIGN_CRL_WARN_UNAVAILABLE;
				continue;
			}
			s->status = SIGN_CRL_PROBLEM;
			s->tempfail = t->unavailable == 0;
			snprintf(s->reason, sizeof(s->reason), "revocation status unavailable%.40s: %.85s",
			    ca, why);
			return -1;
		case SIGN_OCSP_NO_RESPONDER:
			if (!crl_configured || (t->missing == 2 && d > 0))
				continue;
			if (t->missing == 1) {
				cbs->crl_warning |= SIGN_CRL_WARN_MISSING;
				continue;
			}
			s->status = SIGN_CRL_PROBLEM;
			snprintf(s->reason, sizeof(s->reason), "no revocation list for the issuer%.120s",
			    ca);
			return -1;
		}
	}
	return 0;
}

/*
 * Chain, validity, revocation and key usage of one signer certificate.
 * rev: revocation data the signature and its document carry, or NULL.
 * at: 0, or the time of a trusted timestamp of the signature. Then there
 * are two passes: the CRLs as they are now (their freshness judged now,
 * as always) and OCSP with validity periods left aside and a revocation
 * dated after at not counted (the signature existed before it, RFC 3161
 * §4; an OCSP answer of revoked counts whatever its date); then the
 * chain and validity periods at at, without CRLs (OpenSSL would judge a
 * CRL's own dates at at too, and take any listed certificate as revoked
 * whatever the date).
 */
static void
sign_check_cert(struct sign_trust *t, X509_STORE *store, const char *crl_problem,
    X509 *x, STACK_OF(X509) *untrusted, const struct sign_revinfo *rev,
    struct sign_signer *s, time_t at)
{
	struct sign_verify_cb_state cbs = { t->stale_warn, t->missing == 1, 0, at, 0,
		t->ocsp != NULL, 0 };
	int ok;
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	/* the store checks CRLs (crl_files, none unreadable under warn) */
	int crl_configured = t->crl_check && !(crl_problem[0] != '\0' && t->unreadable == 2);
	char ca[120];
	int e;

	sign_describe(x, s);
	if (crl_problem[0] != '\0' && t->unreadable != 2) {
		s->status = SIGN_CRL_PROBLEM;
		s->tempfail = t->unreadable == 0;
		snprintf(s->reason, sizeof(s->reason), "revocation list unreadable");
		X509_STORE_CTX_free(ctx);
		return;
	}
	pthread_once(&sign_cb_once, sign_cb_index_init);
	if (ctx == NULL || X509_STORE_CTX_init(ctx, store, x, untrusted) != 1) {
		s->status = SIGN_CRL_PROBLEM;
		s->tempfail = 1;
		snprintf(s->reason, sizeof(s->reason), "cannot check the certificate");
		X509_STORE_CTX_free(ctx);
		ERR_clear_error();
		return;
	}
	X509_STORE_CTX_set_ex_data(ctx, sign_cb_index, &cbs);
	X509_STORE_CTX_set_verify_cb(ctx, sign_verify_cb);
	/* embedded CRLs are verified like configured ones; with OCSP every
	 * element is looked up, those without a CRL asked by OCSP below */
	if (rev != NULL && sk_X509_CRL_num(rev->crls) > 0)
		X509_STORE_CTX_set0_crls(ctx, rev->crls);
	if (t->ocsp != NULL)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	ok = X509_verify_cert(ctx) == 1;
	if (ok && cbs.nocrl != 0 && sign_check_ocsp(t, ctx, &cbs, crl_configured, untrusted, rev,
	    s) != 0) {
		X509_STORE_CTX_free(ctx);
		ERR_clear_error();
		return;
	}
	if (ok && at != 0) {
		X509_STORE_CTX_cleanup(ctx);
		if (X509_STORE_CTX_init(ctx, store, x, untrusted) != 1)
			ok = 0;
		else {
			X509_STORE_CTX_set_time(ctx, 0, at);
			X509_VERIFY_PARAM_clear_flags(X509_STORE_CTX_get0_param(ctx),
			    X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
			ok = X509_verify_cert(ctx) == 1;
		}
	}
	if (!ok) {
		e = X509_STORE_CTX_get_error(ctx);
		sign_failed_ca(ctx, ca, sizeof(ca));
		switch (e) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
		case X509_V_ERR_CERT_NOT_YET_VALID:
			s->status = SIGN_EXPIRED;
			snprintf(s->reason, sizeof(s->reason), "%s%s%.100s",
			    e == X509_V_ERR_CERT_HAS_EXPIRED ? "certificate expired" :
			    "certificate not yet valid", at != 0 ? " at the timestamp" : "", ca);
			break;
		case X509_V_ERR_CERT_REVOKED:
			s->status = SIGN_REVOKED;
			snprintf(s->reason, sizeof(s->reason), "certificate revoked%s%.100s",
			    at != 0 ? " before the timestamp" : "", ca);
			break;
		case X509_V_ERR_CRL_HAS_EXPIRED:
		case X509_V_ERR_CRL_NOT_YET_VALID:
		case X509_V_ERR_UNABLE_TO_GET_CRL:
			s->status = SIGN_CRL_PROBLEM;
			snprintf(s->reason, sizeof(s->reason), "%.36s%.120s",
			    e == X509_V_ERR_UNABLE_TO_GET_CRL ? "no revocation list for the issuer" :
			    "revocation list is out of date", ca);
			break;
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		case X509_V_ERR_CERT_UNTRUSTED:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
			s->status = SIGN_UNTRUSTED;
			snprintf(s->reason, sizeof(s->reason), "certificate not issued by a trusted CA");
			break;
		default:
			s->status = SIGN_UNTRUSTED;
			snprintf(s->reason, sizeof(s->reason), "certificate not valid (%s)",
			    X509_verify_cert_error_string(e));
		}
		X509_STORE_CTX_free(ctx);
		ERR_clear_error();
		return;
	}
	if (sign_algo_check_chain(&t->algo, X509_STORE_CTX_get0_chain(ctx), s->reason,
	    sizeof(s->reason)) != 0) {
		s->status = SIGN_WEAK;
		X509_STORE_CTX_free(ctx);
		return;
	}
	X509_STORE_CTX_free(ctx);
	s->crl_warning = cbs.crl_warning;
	if (cbs.revoked_later)
		snprintf(s->ts_note, sizeof(s->ts_note),
		    "certificate revoked after the timestamp");
	if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(x) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		s->status = SIGN_BAD_USAGE;
		snprintf(s->reason, sizeof(s->reason),
		    "certificate key usage does not allow signing");
		return;
	}
	if (!t->eku_any && !sign_eku_allows_signing(x)) {
		s->status = SIGN_BAD_USAGE;
		snprintf(s->reason, sizeof(s->reason),
		    "certificate extended key usage does not allow signing");
		return;
	}
	s->status = SIGN_VALID;
	snprintf(s->reason, sizeof(s->reason), "%s",
	    (s->crl_warning & SIGN_CRL_WARN_STALE) ? "valid (revocation list out of date)" :
	    (s->crl_warning & SIGN_CRL_WARN_UNAVAILABLE) ? "valid (revocation status unavailable)" :
	    s->crl_warning ? "valid (no revocation list for an issuer)" : "valid");
}

/* ---- the CMS --------------------------------------------------------------- */

/* What the signer info itself must satisfy, whatever its certificate's
 * status: accepted algorithms and key (sign_algo.h), and the ESS
 * signing-certificate attributes (sign_ess.h). A failure here replaces
 * the certificate's verdict, a temporary one included: no CRL makes a
 * SHA-1 signature acceptable. */
static void
sign_check_signer_info(struct sign_trust *t, CMS_SignerInfo *si, X509 *x, int ess_v2,
    struct sign_signer *s)
{
	char why[sizeof(s->reason)];
	enum sign_status st = SIGN_VALID;
	int r;

	if (si == NULL)
		return;
	if (sign_algo_check_signer(&t->algo, si, x, why, sizeof(why)) != 0)
		st = SIGN_WEAK;
	else if ((r = sign_ess_check(si, x, ess_v2, why, sizeof(why))) != 0)
		/* bound to another certificate; or not PAdES as it claims */
		st = r == -2 ? SIGN_MALFORMED : SIGN_BROKEN;
	if (st == SIGN_VALID)
		return;
	s->status = st;
	s->tempfail = 0;
	s->crl_warning = 0;
	snprintf(s->reason, sizeof(s->reason), "%s", why);
}

/* The time si's certificate is checked at: its trusted signature
 * timestamp's, or 0 (now; s->ts_note says why a timestamp is not used). */
static time_t
sign_signer_time(struct sign_trust *t, CMS_SignerInfo *si, struct sign_signer *s)
{
	struct sign_tsp_result r;

	if (si == NULL || !sign_tsp_signer(t->tsp, si, &r))
		return 0;
	if (r.status == SIGN_TSP_VALID) {
		s->at = r.gen_time;
		return r.gen_time;
	}
	snprintf(s->ts_note, sizeof(s->ts_note), "timestamp ignored: %.100s", r.why);
	return 0;
}

/* A PDF document timestamp (RFC 3161 token over the byte ranges) as the
 * one "signer" of out: the TSA, doc_timestamp set, valid when sign_tsp
 * says so. */
static size_t
sign_doc_timestamp(struct sign_trust *t, const unsigned char *der, size_t derlen,
    const struct sign_segment *segs, size_t nsegs, struct sign_signer *out)
{
	static const enum sign_status st[] = { SIGN_VALID, SIGN_MALFORMED, SIGN_UNTRUSTED,
		SIGN_BROKEN, SIGN_BROKEN };
	struct sign_tsp_result r;

	sign_tsp_verify(t->tsp, der, derlen, segs, nsegs, &r);
	memset(out, 0, sizeof(*out));
	out->doc_timestamp = 1;
	out->status = st[r.status];
	snprintf(out->reason, sizeof(out->reason), "%s",
	    r.status == SIGN_TSP_VALID ? "valid" : r.why);
	snprintf(out->cn, sizeof(out->cn), "%s", r.tsa);
	if (r.status == SIGN_TSP_VALID)
		out->at = r.gen_time;
	return 1;
}

static size_t
sign_fail(struct sign_signer *out, enum sign_status st, const char *why)
{
	memset(out, 0, sizeof(*out));
	out->status = st;
	snprintf(out->reason, sizeof(out->reason), "%s", why);
	return 1;
}

/* A CMS SignedData from DER (its certificates through the cache), or NULL. */
static CMS_ContentInfo *
sign_cms_read(struct sign_trust *t, const unsigned char *der, size_t derlen)
{
	CMS_ContentInfo *cms = sign_cert_cache_read_cms(t->certs, der, derlen);

	if (cms != NULL && OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		cms = NULL;
	}
	ERR_clear_error();
	return cms;
}

/* Name the first signer of a CMS that did not verify, for the header
 * and the log: from the certificates it carries or the intermediates. */
static void
sign_describe_failed(CMS_ContentInfo *cms, struct sign_signer *out)
{
	STACK_OF(X509) *signers = CMS_get0_signers(cms), *embedded;
	STACK_OF(CMS_SignerInfo) *sis;
	X509 *x = NULL;
	int i;

	if (signers != NULL && sk_X509_num(signers) > 0) {
		sign_describe(sk_X509_value(signers, 0), out);
		sk_X509_free(signers);
		return;
	}
	sk_X509_free(signers);
	sis = CMS_get0_SignerInfos(cms);
	embedded = CMS_get1_certs(cms);
	if (sis != NULL && sk_CMS_SignerInfo_num(sis) > 0 && embedded != NULL)
		for (i = 0; i < sk_X509_num(embedded) && x == NULL; i++)
			if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, 0),
			    sk_X509_value(embedded, i)) == 0)
				x = sk_X509_value(embedded, i);
	if (x != NULL)
		sign_describe(x, out);
	sk_X509_pop_free(embedded, X509_free);
}

/* Does every signer's messageDigest attribute equal digest? */
static int
sign_digest_matches(CMS_ContentInfo *cms, const unsigned char *digest, size_t dlen)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	ASN1_OCTET_STRING *md;
	int i;

	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		md = CMS_signed_get0_data_by_OBJ(sk_CMS_SignerInfo_value(sis, i),
		    OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
		if (md == NULL || (size_t)ASN1_STRING_length(md) != dlen ||
		    memcmp(ASN1_STRING_get0_data(md), digest, dlen) != 0)
			return 0;
	}
	return i > 0;
}

/*
 * CMS_verify of a parsed SignedData, then each signer's certificate.
 * dcont: the detached content, or NULL. digest (dlen bytes), when not
 * NULL, is the content's digest computed by the caller: CMS_verify then
 * checks the signers' signatures over their signed attributes only, and
 * the messageDigest attributes are compared here (RFC 5652 §5.4).
 */
/* The revocation data of the SignedData cms (der) and of its document
 * (docrev, or NULL) together, in view; NULL when there is none. The view
 * owns the signature's items (sign_rev_view_free). */
static struct sign_revinfo *
sign_rev_view(CMS_ContentInfo *cms, const unsigned char *der, size_t derlen,
    const struct sign_revinfo *docrev, struct sign_revinfo *view)
{
	struct sign_revinfo *own = sign_revinfo_new();
	int i;

	(void)sign_revinfo_from_cms(own, cms, der, derlen);
	view->crls = sk_X509_CRL_dup(own->crls);
	view->ocsp = sk_OCSP_BASICRESP_dup(own->ocsp);
	view->certs = sk_X509_dup(own->certs);
	for (i = 0; docrev != NULL && i < sk_X509_CRL_num(docrev->crls); i++)
		sk_X509_CRL_push(view->crls, sk_X509_CRL_value(docrev->crls, i));
	for (i = 0; docrev != NULL && i < sk_OCSP_BASICRESP_num(docrev->ocsp); i++)
		sk_OCSP_BASICRESP_push(view->ocsp, sk_OCSP_BASICRESP_value(docrev->ocsp, i));
	for (i = 0; docrev != NULL && i < sk_X509_num(docrev->certs); i++)
		sk_X509_push(view->certs, sk_X509_value(docrev->certs, i));
	return own;
}

static void
sign_rev_view_free(struct sign_revinfo *own, struct sign_revinfo *view)
{
	sk_X509_CRL_free(view->crls);
	sk_OCSP_BASICRESP_free(view->ocsp);
	sk_X509_free(view->certs);
	sign_revinfo_free(own);
}

static size_t
sign_verify_parsed(struct sign_trust *t, CMS_ContentInfo *cms, const unsigned char *der,
    size_t derlen, const struct sign_revinfo *docrev, BIO *dcont,
    const unsigned char *digest, size_t dlen, struct sign_signer *out, size_t max,
    unsigned char **content, size_t *content_len, int ess_v2)
{
	struct sign_revinfo view, *own = NULL;
	STACK_OF(X509) *signers = NULL, *untrusted = NULL, *embedded = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	CMS_SignerInfo *si;
	X509_STORE *store;
	BIO *cout = NULL, *none = NULL;
	char problem[300];
	unsigned int flags = CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY;
	size_t n = 0;
	int ok, i;

	if (digest != NULL) {
		flags |= CMS_NO_CONTENT_VERIFY;
		dcont = none = BIO_new_mem_buf("", 0);
	} else if (dcont == NULL && CMS_is_detached(cms))
		return sign_fail(out, SIGN_MALFORMED, "detached signature without its content");
	else if (dcont == NULL && content != NULL)
		cout = BIO_new(BIO_s_mem());
	ok = CMS_verify(cms, t->intermediates, NULL, dcont, cout, flags);
	if (ok && digest != NULL && !sign_digest_matches(cms, digest, dlen)) {
		ok = 0;
		ERR_raise(ERR_LIB_CMS, CMS_R_VERIFICATION_FAILURE);
	}
	if (!ok) {
		unsigned long e = ERR_peek_last_error();

		if (ERR_GET_LIB(e) == ERR_LIB_CMS &&
		    ERR_GET_REASON(e) == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND)
			n = sign_fail(out, SIGN_UNTRUSTED, "signer certificate not included "
			    "and not among the configured intermediates");
		else if (ERR_GET_LIB(e) == ERR_LIB_CMS &&
		    ERR_GET_REASON(e) == CMS_R_NO_CONTENT)
			n = sign_fail(out, SIGN_MALFORMED, "signature has no content");
		else
			n = sign_fail(out, SIGN_BROKEN, sign_status_name(SIGN_BROKEN));
		ERR_clear_error();
		sign_describe_failed(cms, out);
		goto done;
	}
	store = sign_trust_store(t, problem, sizeof(problem));
	signers = CMS_get0_signers(cms);
	sis = CMS_get0_SignerInfos(cms);
	untrusted = sk_X509_dup(t->intermediates);
	if ((embedded = CMS_get1_certs(cms)) != NULL)
		for (i = 0; i < sk_X509_num(embedded); i++)
			sk_X509_push(untrusted, sk_X509_value(embedded, i));
	own = sign_rev_view(cms, der, derlen, docrev, &view);
	for (i = 0; i < sk_X509_num(view.certs); i++)
		sk_X509_push(untrusted, sk_X509_value(view.certs, i));
	for (i = 0; signers != NULL && i < sk_X509_num(signers) && n < max; i++, n++) {
		memset(&out[n], 0, sizeof(out[n]));
		/* after CMS_verify, signer i is the certificate of SignerInfo i */
		si = sk_X509_num(signers) == sk_CMS_SignerInfo_num(sis) ?
		    sk_CMS_SignerInfo_value(sis, i) : NULL;
		sign_check_cert(t, store, problem, sk_X509_value(signers, i), untrusted, &view,
		    &out[n], sign_signer_time(t, si, &out[n]));
		sign_check_signer_info(t, si, sk_X509_value(signers, i), ess_v2, &out[n]);
	}
	sign_rev_view_free(own, &view);
	if (n == 0)
		n = sign_fail(out, SIGN_MALFORMED, "signature has no signer");
	sk_X509_free(signers);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	if (cout != NULL) {
		BUF_MEM *bm = NULL;

		BIO_get_mem_ptr(cout, &bm);
		if (bm != NULL) {
			*content = xmalloc(bm->length + 1);
			memcpy(*content, bm->data, bm->length);
			(*content)[bm->length] = '\0';
			*content_len = bm->length;
		}
	}
done:
	sk_X509_pop_free(embedded, X509_free);
	BIO_free(cout);
	BIO_free(none);
	ERR_clear_error();
	return n;
}

static size_t
sign_verify_cms_ess(struct sign_trust *t, const unsigned char *der, size_t derlen,
    const struct sign_segment *segs, size_t nsegs, struct sign_signer *out, size_t max,
    unsigned char **content, size_t *content_len, int ess_v2,
    const struct sign_revinfo *docrev)
{
	struct sign_seg_reader rd;
	CMS_ContentInfo *cms;
	BIO *dcont = NULL;
	size_t n;

	if (content != NULL)
		*content = NULL;
	if (max == 0)
		return 0;
	if ((cms = sign_cms_read(t, der, derlen)) == NULL)
		return sign_fail(out, SIGN_MALFORMED, "signature is not a readable CMS SignedData");
	if (nsegs > 0 && OBJ_obj2nid(CMS_get0_eContentType(cms)) == NID_id_smime_ct_TSTInfo) {
		CMS_ContentInfo_free(cms);
		return sign_doc_timestamp(t, der, derlen, segs, nsegs, out);
	}
	if (nsegs > 0) {
		pthread_once(&sign_seg_once, sign_seg_method_init);
		rd.segs = segs;
		rd.nsegs = nsegs;
		rd.i = rd.off = 0;
		dcont = BIO_new(sign_seg_method);
		BIO_set_data(dcont, &rd);
		BIO_set_init(dcont, 1);
	}
	n = sign_verify_parsed(t, cms, der, derlen, docrev, dcont, NULL, 0, out, max, content,
	    content_len, ess_v2);
	BIO_free(dcont);
	CMS_ContentInfo_free(cms);
	return n;
}

size_t
sign_verify_cms(struct sign_trust *t, const unsigned char *der, size_t derlen,
    const struct sign_segment *segs, size_t nsegs, struct sign_signer *out, size_t max,
    unsigned char **content, size_t *content_len)
{
	return sign_verify_cms_ess(t, der, derlen, segs, nsegs, out, max, content, content_len,
	    0, NULL);
}

/* ---- several detached signatures over one document ------------------------- */

/* The digest every signer of cms uses, if the content can be checked
 * through messageDigest attributes (each signer has signed attributes
 * and all use one digest); else NULL (the whole CMS_verify is done). */
static const EVP_MD *
sign_attr_digest(CMS_ContentInfo *cms)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	const EVP_MD *md = NULL, *m;
	X509_ALGOR *alg;
	const ASN1_OBJECT *obj;
	int i;

	if (!CMS_is_detached(cms) || sis == NULL || sk_CMS_SignerInfo_num(sis) == 0)
		return NULL;
	for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);

		if (CMS_signed_get_attr_count(si) <= 0 ||
		    CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3,
		    V_ASN1_OCTET_STRING) == NULL)
			return NULL;
		CMS_SignerInfo_get0_algs(si, NULL, NULL, &alg, NULL);
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
		if ((m = EVP_get_digestbyobj(obj)) == NULL || (md != NULL && m != md))
			return NULL;
		md = m;
	}
	return md;
}

/* Hash segs into ctx, skipping the first skip bytes. */
static int
sign_hash_segments(EVP_MD_CTX *ctx, const struct sign_segment *segs, size_t nsegs,
    size_t skip)
{
	size_t i;

	for (i = 0; i < nsegs; i++) {
		if (skip >= segs[i].len) {
			skip -= segs[i].len;
			continue;
		}
		if (EVP_DigestUpdate(ctx, segs[i].p + skip, segs[i].len - skip) != 1)
			return -1;
		skip = 0;
	}
	return 0;
}

void
sign_verify_detached(struct sign_trust *t, struct sign_detached *jobs, size_t njobs)
{
	sign_verify_detached_rev(t, jobs, njobs, NULL);
}

void
sign_verify_detached_rev(struct sign_trust *t, struct sign_detached *jobs, size_t njobs,
    const struct sign_revinfo *docrev)
{
	CMS_ContentInfo **cms = xcalloc(njobs + 1, sizeof(*cms));
	const EVP_MD **md = xcalloc(njobs + 1, sizeof(*md));
	size_t *order = xcalloc(njobs + 1, sizeof(*order)), *skip = xcalloc(njobs + 1,
	    sizeof(*skip));
	EVP_MD_CTX **state = xcalloc(njobs + 1, sizeof(*state));
	EVP_MD_CTX *prefix = EVP_MD_CTX_new(), *ctx = EVP_MD_CTX_new();
	const unsigned char *base = NULL;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	size_t i, k, n, at;

	for (i = 0; i < njobs; i++) {
		jobs[i].n = 0;
		if (jobs[i].max == 0)
			continue;
		if ((cms[i] = sign_cms_read(t, jobs[i].der, jobs[i].derlen)) == NULL) {
			jobs[i].n = sign_fail(jobs[i].out, SIGN_MALFORMED,
			    "signature is not a readable CMS SignedData");
			continue;
		}
		if (jobs[i].nsegs > 0)
			md[i] = sign_attr_digest(cms[i]);
		if (md[i] != NULL && base == NULL)
			base = jobs[i].segs[0].p;
	}
	/*
	 * The jobs whose first segment starts at the same place (the
	 * signatures of one PDF, each over the file as it was) share one
	 * running digest per algorithm: taken in the order of their first
	 * segment's length, the digest of the common start is carried from
	 * one to the next and each job adds only the rest of its segments.
	 * With the signatures' ranges in order (sign_pdf.c refuses others),
	 * the whole file is hashed at most twice however many sign it.
	 */
	for (i = 0, n = 0; i < njobs; i++)
		if (md[i] != NULL && jobs[i].segs[0].p == base)
			order[n++] = i;
	for (i = 1; i < n; i++)         /* insertion sort: a few jobs */
		for (k = i; k > 0 && jobs[order[k]].segs[0].len < jobs[order[k - 1]].segs[0].len;
		    k--) {
			at = order[k];
			order[k] = order[k - 1];
			order[k - 1] = at;
		}
	while (n > 0 && prefix != NULL && ctx != NULL) {
		const EVP_MD *m = md[order[0]];

		at = 0;
		if (EVP_DigestInit_ex(prefix, m, NULL) != 1)
			break;
		for (k = 0, i = 0; k < n; k++) {
			size_t j = order[k], upto = jobs[j].segs[0].len;

			if (md[j] != m) {
				order[i++] = j;     /* another algorithm: next round */
				continue;
			}
			if (EVP_DigestUpdate(prefix, base + at, upto - at) != 1 ||
			    (state[j] = EVP_MD_CTX_new()) == NULL ||
			    EVP_MD_CTX_copy_ex(state[j], prefix) != 1)
				break;
			at = upto;
			skip[j] = upto;
		}
		n = i;
		ERR_clear_error();
	}
	for (i = 0; i < njobs; i++) {
		if (cms[i] == NULL)
			continue;
		if (md[i] == NULL || ctx == NULL) {
			/* the whole CMS_verify over the segments */
			CMS_ContentInfo_free(cms[i]);
			cms[i] = NULL;
			jobs[i].n = sign_verify_cms_ess(t, jobs[i].der, jobs[i].derlen, jobs[i].segs,
			    jobs[i].nsegs, jobs[i].out, jobs[i].max, NULL, NULL, jobs[i].ess_v2, docrev);
			continue;
		}
		if ((state[i] != NULL ? EVP_MD_CTX_copy_ex(ctx, state[i]) :
		    EVP_DigestInit_ex(ctx, md[i], NULL)) != 1 ||
		    sign_hash_segments(ctx, jobs[i].segs, jobs[i].nsegs,
		    state[i] != NULL ? skip[i] : 0) != 0 ||
		    EVP_DigestFinal_ex(ctx, digest, &dlen) != 1) {
			jobs[i].n = sign_fail(jobs[i].out, SIGN_CRL_PROBLEM, "cannot compute a digest");
			jobs[i].out[0].tempfail = 1;
			ERR_clear_error();
		} else
			jobs[i].n = sign_verify_parsed(t, cms[i], jobs[i].der, jobs[i].derlen, docrev,
			    NULL, digest, dlen, jobs[i].out, jobs[i].max, NULL, NULL, jobs[i].ess_v2);
		CMS_ContentInfo_free(cms[i]);
	}
	for (i = 0; i < njobs; i++)
		EVP_MD_CTX_free(state[i]);
	free(state);
	EVP_MD_CTX_free(prefix);
	EVP_MD_CTX_free(ctx);
	free(order);
	free(skip);
	free(md);
	free(cms);
}
