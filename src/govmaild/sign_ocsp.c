/*
 * sign_ocsp.c — OCSP queries, verification of answers, and their cache
 * (see sign_ocsp.h).
 *
 * The cache keeps verdicts, not responses: an answer is verified once,
 * when it arrives, and its status is kept under the SHA-256 of the
 * request's CertID until the answer's nextUpdate. A full cache drops the
 * entry that expires first. Only verified answers are cached; a failure
 * is asked again by the next check (a responder back up is noticed at
 * once).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "sign_ocsp.h"
#include "xmalloc.h"

/* Clock skew allowed between us and a responder (thisUpdate in the future,
 * nextUpdate just past), seconds. */
#define SIGN_OCSP_SKEW 300
/* An OCSP answer is a few KB; anything larger is not one. */
#define SIGN_OCSP_MAX_RESPONSE (64 * 1024)
/* A responder that did not answer is not asked again for this many
 * seconds: a message with many signatures waits ocsp_timeout once, not
 * once per certificate, while it is down. Responders remembered at most. */
#define SIGN_OCSP_DOWN_SECS 30
#define SIGN_OCSP_DOWN_SLOTS 16

struct sign_ocsp_down {
	char url[256];
	time_t at;                  /* 0: free */
};

struct sign_ocsp_entry {
	unsigned char key[32];      /* SHA-256 of the CertID (DER) */
	time_t expires;             /* 0: free slot */
	enum sign_ocsp_result status;
};

struct sign_ocsp {
	pthread_mutex_t lock;
	X509_STORE *store;          /* the anchors, no CRL checks: responders */
	char *responder;            /* signature.ocsp_responder, or NULL */
	int timeout;                /* seconds for one exchange */
	int nonce;
	int max_age;                /* seconds, when an answer has no nextUpdate */
	struct sign_ocsp_entry *cache;
	size_t ncache;
	unsigned long fetches;
	struct sign_ocsp_down down[SIGN_OCSP_DOWN_SLOTS];
};

struct sign_ocsp *
sign_ocsp_new(const struct govmail_conf *c, STACK_OF(X509) *anchors)
{
	struct sign_ocsp *o;
	int i;

	if (strcmp(c->signature_ocsp, "off") == 0)
		return NULL;
	o = xcalloc(1, sizeof(*o));
	pthread_mutex_init(&o->lock, NULL);
	o->store = X509_STORE_new();
	for (i = 0; i < sk_X509_num(anchors); i++)
		X509_STORE_add_cert(o->store, sk_X509_value(anchors, i));
	if (c->signature_ocsp_responder[0] != '\0')
		o->responder = xstrdup(c->signature_ocsp_responder);
	o->timeout = c->signature_ocsp_timeout;
	o->nonce = c->signature_ocsp_nonce;
	o->max_age = c->signature_ocsp_max_age;
	o->ncache = (size_t)c->signature_ocsp_cache_size;
	o->cache = xcalloc(o->ncache + 1, sizeof(*o->cache));
	return o;
}

void
sign_ocsp_free(struct sign_ocsp *o)
{
	if (o == NULL)
		return;
	X509_STORE_free(o->store);
	free(o->responder);
	free(o->cache);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

unsigned long
sign_ocsp_fetches(struct sign_ocsp *o)
{
	unsigned long n;

	if (o == NULL)
		return 0;
	pthread_mutex_lock(&o->lock);
	n = o->fetches;
	pthread_mutex_unlock(&o->lock);
	return n;
}

/* ---- the cache ------------------------------------------------------------- */

static int
sign_ocsp_key(OCSP_CERTID *id, unsigned char key[32])
{
	unsigned char *der = NULL;
	unsigned int kl = 0;
	int len = i2d_OCSP_CERTID(id, &der), ok;

	ok = len > 0 && EVP_Digest(der, (size_t)len, key, &kl, EVP_sha256(), NULL) == 1;
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

static int
sign_ocsp_cached(struct sign_ocsp *o, const unsigned char key[32], enum sign_ocsp_result *st)
{
	time_t now = time(NULL);
	size_t i;
	int found = 0;

	pthread_mutex_lock(&o->lock);
	for (i = 0; i < o->ncache; i++)
		if (o->cache[i].expires != 0 && memcmp(o->cache[i].key, key, 32) == 0) {
			if (o->cache[i].expires > now) {
				*st = o->cache[i].status;
				found = 1;
			} else
				o->cache[i].expires = 0;
			break;
		}
	pthread_mutex_unlock(&o->lock);
	return found;
}

static void
sign_ocsp_remember(struct sign_ocsp *o, const unsigned char key[32],
    enum sign_ocsp_result st, time_t expires)
{
	size_t i, slot = 0;

	if (o->ncache == 0)
		return;
	pthread_mutex_lock(&o->lock);
	for (i = 0; i < o->ncache; i++) {
		if (o->cache[i].expires != 0 && memcmp(o->cache[i].key, key, 32) == 0) {
			slot = i;
			break;
		}
		if (o->cache[i].expires < o->cache[slot].expires)
			slot = i;       /* a free slot (0), or the first to expire */
	}
	memcpy(o->cache[slot].key, key, 32);
	o->cache[slot].status = st;
	o->cache[slot].expires = expires;
	pthread_mutex_unlock(&o->lock);
}

/* Did url fail to answer less than SIGN_OCSP_DOWN_SECS ago? */
static int
sign_ocsp_is_down(struct sign_ocsp *o, const char *url)
{
	time_t now = time(NULL);
	size_t i;
	int down = 0;

	pthread_mutex_lock(&o->lock);
	for (i = 0; i < SIGN_OCSP_DOWN_SLOTS; i++)
		if (o->down[i].at != 0 && strcmp(o->down[i].url, url) == 0)
			down = now - o->down[i].at < SIGN_OCSP_DOWN_SECS && now >= o->down[i].at;
	pthread_mutex_unlock(&o->lock);
	return down;
}

/* Remember that url did not answer (down), or that it did. */
static void
sign_ocsp_mark(struct sign_ocsp *o, const char *url, int down)
{
	size_t i, slot = 0;

	if (strlen(url) >= sizeof(o->down[0].url))
		return;
	pthread_mutex_lock(&o->lock);
	for (i = 0; i < SIGN_OCSP_DOWN_SLOTS; i++) {
		if (o->down[i].at != 0 && strcmp(o->down[i].url, url) == 0) {
			slot = i;
			break;
		}
		if (o->down[i].at < o->down[slot].at)
			slot = i;
	}
	if (down) {
		snprintf(o->down[slot].url, sizeof(o->down[slot].url), "%s", url);
		o->down[slot].at = time(NULL);
	} else if (i < SIGN_OCSP_DOWN_SLOTS)
		o->down[slot].at = 0;
	pthread_mutex_unlock(&o->lock);
}

/* ---- one answer ------------------------------------------------------------ */

/*
 * The status of id in bs if bs is a valid answer for it now: signed by
 * the CA or its delegated responder (OCSP_basic_verify checks the
 * responder's chain to the anchors, and that a responder other than the
 * CA was issued by it with id-kp-OCSPSigning), and current. *expires:
 * until when the answer may be reused. -1 with why when it is not usable.
 */
static int
sign_ocsp_answer(struct sign_ocsp *o, OCSP_BASICRESP *bs, OCSP_CERTID *id,
    STACK_OF(X509) *untrusted, enum sign_ocsp_result *st, time_t *expires,
    char *why, size_t whylen)
{
	ASN1_GENERALIZEDTIME *thisupd = NULL, *nextupd = NULL, *rev = NULL;
	int status = -1, reason = -1;
	struct tm tm;

	if (!OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd)) {
		snprintf(why, whylen, "the answer has no status for the certificate");
		return -1;
	}
	if (OCSP_basic_verify(bs, untrusted, o->store, 0) <= 0) {
		snprintf(why, whylen, "the answer's signature is not valid (%s)",
		    ERR_reason_error_string(ERR_peek_last_error()) ?
		    ERR_reason_error_string(ERR_peek_last_error()) : "no reason");
		ERR_clear_error();
		return -1;
	}
	if (!OCSP_check_validity(thisupd, nextupd, SIGN_OCSP_SKEW, -1)) {
		snprintf(why, whylen, "the answer is out of date");
		ERR_clear_error();
		return -1;
	}
	*st = status == V_OCSP_CERTSTATUS_GOOD ? SIGN_OCSP_GOOD :
	    status == V_OCSP_CERTSTATUS_REVOKED ? SIGN_OCSP_REVOKED : SIGN_OCSP_UNKNOWN;
	if (nextupd != NULL && ASN1_TIME_to_tm(nextupd, &tm) == 1)
		*expires = timegm(&tm);
	else
		*expires = time(NULL) + o->max_age;
	return 0;
}

/* ---- HTTP ------------------------------------------------------------------ */

/* The responder to ask about x: the configured one, else the first
 * http:// OCSP URL of its AIA; NULL when there is none. */
static char *
sign_ocsp_url(struct sign_ocsp *o, X509 *x)
{
	STACK_OF(OPENSSL_STRING) *urls;
	char *url = NULL;
	int i;

	if (o->responder != NULL)
		return xstrdup(o->responder);
	if ((urls = X509_get1_ocsp(x)) == NULL)
		return NULL;
	for (i = 0; i < sk_OPENSSL_STRING_num(urls) && url == NULL; i++) {
		const char *u = sk_OPENSSL_STRING_value(urls, i);

		if (strncasecmp(u, "http://", 7) == 0)
			url = xstrdup(u);
	}
	X509_email_free(urls);
	return url;
}

/* POST req to url; the basic response, or NULL with why (*down: the
 * responder did not answer at all). */
static OCSP_BASICRESP *
sign_ocsp_fetch(struct sign_ocsp *o, const char *url, OCSP_REQUEST *req, char *why,
    size_t whylen, int *down)
{
	char *host = NULL, *port = NULL, *path = NULL;
	unsigned char *der = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	BIO *rq = NULL, *rs = NULL;
	int ssl = 0, len, rst;

	if (OSSL_HTTP_parse_url(url, &ssl, NULL, &host, &port, NULL, &path, NULL, NULL) != 1) {
		snprintf(why, whylen, "%.80s: not a URL", url);
		goto done;
	}
	if (ssl) {
		snprintf(why, whylen, "%.80s: only http:// responders are asked", url);
		goto done;
	}
	if ((len = i2d_OCSP_REQUEST(req, &der)) <= 0 ||
	    (rq = BIO_new_mem_buf(der, len)) == NULL) {
		snprintf(why, whylen, "cannot encode the request");
		goto done;
	}
	/* proxy "": a daemon connects directly, whatever http_proxy says */
	rs = OSSL_HTTP_transfer(NULL, host, port, path, 0, "", NULL, NULL, NULL, NULL, NULL,
	    0, NULL, "application/ocsp-request", rq, "application/ocsp-response", 1,
	    SIGN_OCSP_MAX_RESPONSE, o->timeout, 0);
	if (rs == NULL) {
		const char *e = ERR_reason_error_string(ERR_peek_last_error());

		*down = 1;
		snprintf(why, whylen, "%.80s: %s", url, e != NULL ? e : "no answer");
		goto done;
	}
	if ((resp = d2i_OCSP_RESPONSE_bio(rs, NULL)) == NULL) {
		snprintf(why, whylen, "%.80s: the answer is not an OCSP response", url);
		goto done;
	}
	if ((rst = OCSP_response_status(resp)) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(why, whylen, "%.80s: responder says %s", url, OCSP_response_status_str(rst));
		goto done;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL)
		snprintf(why, whylen, "%.80s: not a basic OCSP response", url);
	else if (o->nonce && OCSP_check_nonce(req, bs) != 1) {
		snprintf(why, whylen, "%.80s: the answer does not echo our nonce", url);
		OCSP_BASICRESP_free(bs);
		bs = NULL;
	}
done:
	OCSP_RESPONSE_free(resp);
	BIO_free(rs);
	BIO_free(rq);
	OPENSSL_free(der);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	ERR_clear_error();
	return bs;
}

/* ---- the status of one certificate ----------------------------------------- */

enum sign_ocsp_result
sign_ocsp_check(struct sign_ocsp *o, X509 *x, X509 *issuer, STACK_OF(X509) *untrusted,
    STACK_OF(OCSP_BASICRESP) *embedded, char *why, size_t whylen)
{
	enum sign_ocsp_result st = SIGN_OCSP_UNAVAILABLE;
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, x, issuer);
	int down = 0;
	OCSP_REQUEST *req = NULL;
	OCSP_BASICRESP *bs = NULL;
	unsigned char key[32];
	char *url = NULL, bad[160] = "";
	time_t expires;
	int i;

	why[0] = '\0';
	if (id == NULL || sign_ocsp_key(id, key) != 0) {
		snprintf(why, whylen, "cannot make an OCSP request");
		goto done;
	}
	/* embedded answers (the signature's, the document's DSS) first */
	for (i = 0; i < sk_OCSP_BASICRESP_num(embedded); i++) {
		if (sign_ocsp_answer(o, sk_OCSP_BASICRESP_value(embedded, i), id, untrusted, &st,
		    &expires, bad, sizeof(bad)) == 0) {
			snprintf(why, whylen, "OCSP answer embedded in the signature or document");
			goto done;
		}
	}
	if (sign_ocsp_cached(o, key, &st)) {
		snprintf(why, whylen, "OCSP (cached)");
		goto done;
	}
	if ((url = sign_ocsp_url(o, x)) == NULL) {
		st = SIGN_OCSP_NO_RESPONDER;
		snprintf(why, whylen, "%s", bad[0] ? bad : "no OCSP responder");
		goto done;
	}
	st = SIGN_OCSP_UNAVAILABLE;
	if (sign_ocsp_is_down(o, url)) {
		snprintf(why, whylen, "%.60s: did not answer (asked again after %d s)", url,
		    SIGN_OCSP_DOWN_SECS);
		goto done;
	}
	if ((req = OCSP_REQUEST_new()) == NULL ||
	    OCSP_request_add0_id(req, OCSP_CERTID_dup(id)) == NULL ||
	    (o->nonce && OCSP_request_add1_nonce(req, NULL, -1) != 1)) {
		snprintf(why, whylen, "cannot make an OCSP request");
		goto done;
	}
	bs = sign_ocsp_fetch(o, url, req, why, whylen, &down);
	pthread_mutex_lock(&o->lock);
	o->fetches++;
	pthread_mutex_unlock(&o->lock);
	sign_ocsp_mark(o, url, down);
	if (bs == NULL)
		goto done;
	if (sign_ocsp_answer(o, bs, id, untrusted, &st, &expires, bad, sizeof(bad)) != 0) {
		st = SIGN_OCSP_UNAVAILABLE;
		snprintf(why, whylen, "%.80s: %s", url, bad);
		goto done;
	}
	snprintf(why, whylen, "OCSP %.80s", url);
	if (expires > time(NULL))
		sign_ocsp_remember(o, key, st, expires);
done:
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	OCSP_CERTID_free(id);
	free(url);
	ERR_clear_error();
	return st;
}
