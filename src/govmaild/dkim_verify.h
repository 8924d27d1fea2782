/*
 * dkim_verify.h — verifying the DKIM signatures (RFC 6376; rsa-sha256,
 * and ed25519-sha256 of RFC 8463) of an inbound message for the
 * end-of-data pipeline: the header section is given once, the body is
 * streamed in chunks of any size and hashed as it goes (no copy), and the
 * result is one verdict per signature with its d= and s=, for DMARC and
 * the Authentication-Results field.
 *
 * Bounds (the message is untrusted): the first DKIM_VERIFY_MAX_SIGS
 * signatures are verified, later ones are ignored; at most
 * DKIM_VERIFY_MAX_FIELDS header fields and DKIM_VERIFY_HEADER_MAX header
 * bytes are kept; h= may name at most DKIM_SIG_MAX_H fields. Work is
 * thus at most signatures x h= names x fields, all bounded.
 *
 * l= (body length): the signature is verified over the first l bytes of
 * the canonical body; when the body has more than that (content anyone
 * could have appended, RFC 6376 §8.2) the result is neutral, never pass.
 *
 * Key records are fetched with dns_resolve.h and read with dkim_keyrec.h.
 * Not for: deciding what to do with the results (DMARC, the policy).
 */
#ifndef GOVMAILD_DKIM_VERIFY_H
#define GOVMAILD_DKIM_VERIFY_H

#include <stddef.h>
#include <time.h>

struct dns_resolver;
struct dkim_verify;

#define DKIM_VERIFY_MAX_SIGS 5
#define DKIM_VERIFY_MAX_FIELDS 1000
#define DKIM_VERIFY_HEADER_MAX (256 * 1024)
#define DKIM_SIG_MAX_H 64

enum dkim_vres {
	DKIM_V_PASS,
	DKIM_V_FAIL,        /* the body hash or the signature does not verify */
	DKIM_V_NEUTRAL,     /* verified, but over part of the body only (l=) */
	DKIM_V_TEMPERROR,   /* the key record could not be fetched now */
	DKIM_V_PERMERROR,   /* a broken signature, no key, an expired one */
};

struct dkim_vresult {
	enum dkim_vres res;
	char d[256];        /* d= (lower case), "" if it could not be read */
	char s[64];         /* s= */
	char b8[9];         /* the first 8 characters of b= (RFC 6008) */
	int ed25519;        /* a=ed25519-sha256 */
	char reason[128];    /* why, for the comment and the log */
};

/* A parsed DKIM-Signature field (public for the fuzz target and tests). */
struct dkim_sig {
	int ed25519;
	int hrelaxed, brelaxed;     /* c= header/body: relaxed (1) or simple */
	char d[256], s[64], b8[9];
	char *h[DKIM_SIG_MAX_H];    /* lower-case names, xmalloc'd */
	size_t nh;
	unsigned char bh[64];
	size_t bhlen;
	unsigned char *b;           /* the signature, xmalloc'd */
	size_t blen;
	int have_i;                 /* i= given and not equal to d= (a subdomain) */
	long long l, t, x;          /* -1 when absent */
	size_t boff, bend;          /* where b='s value is in the field text */
};

/*
 * Parse a DKIM-Signature field (the whole field, "DKIM-Signature:" and
 * all, len bytes). 0, or -1 with the reason in err (permerror). Clear
 * with dkim_sig_clear, also after a failure.
 */
int dkim_sig_parse(const char *field, size_t len, struct dkim_sig *sig,
    char *err, size_t errlen);
void dkim_sig_clear(struct dkim_sig *sig);

/* dns: where key records are asked; now: for x=. */
struct dkim_verify *dkim_verify_begin(struct dns_resolver *dns, time_t now);

/*
 * The header section (fields, ending at an empty line or at len). Returns
 * the bytes read including the empty line (where the body starts).
 */
long long dkim_verify_headers(struct dkim_verify *v, const char *p, size_t len);

/* Body bytes, in order, in chunks of any size (CRLF line ends). */
void dkim_verify_body(struct dkim_verify *v, const void *p, size_t n);

/*
 * Verify: fetch the keys, check each signature. *n is the number of
 * results (0: the message has no DKIM-Signature field). The array stays
 * valid until dkim_verify_free.
 */
const struct dkim_vresult *dkim_verify_end(struct dkim_verify *v, size_t *n);
void dkim_verify_free(struct dkim_verify *v);

const char *dkim_vres_str(enum dkim_vres r);

#endif
