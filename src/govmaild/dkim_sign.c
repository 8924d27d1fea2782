/*
 * dkim_sign.c — DKIM signing with OpenSSL (see dkim_sign.h): relaxed
 * header and body canonicalisation (RFC 6376 §3.4.2, §3.4.4), the header
 * fields §5.4.1 recommends with From, To, Subject and Date oversigned
 * (named once more than present, so none can be added after signing),
 * bh= over the streamed body, b= by RSA PKCS#1 v1.5 with SHA-256 or by
 * Ed25519 over the SHA-256 of the signed data (RFC 8463 §3).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "dkim_keys.h"
#include "dkim_sign.h"
#include "spool.h"
#include "strbuf.h"
#include "xmalloc.h"

/* --- keyring ------------------------------------------------------------- */

struct dkim_gen {
	char sel[DKIM_SELECTOR_MAX + 1];
	char edsel[DKIM_SELECTOR_MAX + 1];     /* "" = no Ed25519 key */
	EVP_PKEY *rsa, *ed;
};

struct dkim_kdomain {
	char *domain;
	struct dkim_gen cur, next;             /* next.rsa NULL: no rotation */
	long long next_from;
};

struct dkim_keyring {
	struct dkim_kdomain *v;
	size_t n;
};

static void
gen_free(struct dkim_gen *g)
{
	EVP_PKEY_free(g->rsa);
	EVP_PKEY_free(g->ed);
}

static int
gen_load(const char *dir, const char *domain, const char *sel, int ed,
    struct dkim_gen *g, char *err, size_t errlen)
{
	char *path;

	snprintf(g->sel, sizeof(g->sel), "%s", sel);
	path = dkim_key_path(dir, domain, sel);
	g->rsa = dkim_key_load(path, err, errlen);
	free(path);
	if (g->rsa == NULL)
		return -1;
	if (dkim_key_alg(g->rsa) != DKIM_ALG_RSA) {
		snprintf(err, errlen, "%s: selector %s: not an RSA key", domain, sel);
		return -1;
	}
	if (!ed)
		return 0;
	snprintf(g->edsel, sizeof(g->edsel), "%s%s", sel, DKIM_ED_SUFFIX);
	path = dkim_key_path(dir, domain, g->edsel);
	g->ed = dkim_key_load(path, err, errlen);
	free(path);
	if (g->ed == NULL)
		return -1;
	if (dkim_key_alg(g->ed) != DKIM_ALG_ED25519) {
		snprintf(err, errlen, "%s: selector %s: not an Ed25519 key", domain, g->edsel);
		return -1;
	}
	return 0;
}

struct dkim_keyring *
dkim_keyring_load(const char *dir, char *err, size_t errlen)
{
	struct dkim_keyring *kr = xcalloc(1, sizeof(*kr));
	struct dirent *de;
	size_t cap = 0;
	DIR *dp;

	dp = opendir(dir);
	if (dp == NULL) {
		if (errno == ENOENT)
			return kr;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		free(kr);
		return NULL;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t l = strlen(de->d_name);
		struct dkim_kdomain *k;
		struct dkim_state st;
		char *domain;

		if (l <= 6 || strcmp(de->d_name + l - 6, ".state") != 0 || de->d_name[0] == '.')
			continue;
		domain = xstrndup(de->d_name, l - 6);
		if (dkim_state_load(dir, domain, &st, err, errlen) != 0) {
			free(domain);
			goto fail;
		}
		if (kr->n == cap) {
			cap = cap ? cap * 2 : 8;
			kr->v = xreallocarray(kr->v, cap, sizeof(*kr->v));
		}
		k = &kr->v[kr->n++];
		memset(k, 0, sizeof(*k));
		k->domain = domain;
		if (gen_load(dir, domain, st.active, st.ed25519, &k->cur, err, errlen) != 0)
			goto fail;
		if (st.next[0] != '\0') {
			if (gen_load(dir, domain, st.next, st.ed25519, &k->next, err, errlen) != 0)
				goto fail;
			k->next_from = st.next_from;
		}
	}
	closedir(dp);
	return kr;
fail:
	closedir(dp);
	dkim_keyring_free(kr);
	return NULL;
}

void
dkim_keyring_free(struct dkim_keyring *kr)
{
	size_t i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->n; i++) {
		free(kr->v[i].domain);
		gen_free(&kr->v[i].cur);
		gen_free(&kr->v[i].next);
	}
	free(kr->v);
	free(kr);
}

size_t
dkim_keyring_count(const struct dkim_keyring *kr)
{
	return kr->n;
}

/* --- relaxed body canonicalisation (§3.4.4), streaming -------------------- */

struct dkim_body_canon {
	void (*out)(void *arg, const char *p, size_t n);
	void *arg;
	unsigned long long blank;  /* empty lines held back (dropped at the end) */
	int wsp;                   /* whitespace seen, not yet written as one SP */
	int cr;                    /* a CR was the last byte */
	int inline_;               /* the line has content written */
	size_t len;
	char buf[16384];
};

struct dkim_body_canon *
dkim_body_canon_new(void (*out)(void *arg, const char *p, size_t n), void *arg)
{
	struct dkim_body_canon *c = xcalloc(1, sizeof(*c));

	c->out = out;
	c->arg = arg;
	return c;
}

static void
bc_put(struct dkim_body_canon *c, const char *p, size_t n)
{
	if (c->len + n > sizeof(c->buf)) {
		c->out(c->arg, c->buf, c->len);
		c->len = 0;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

/* Bytes the canonicaliser must look at (WSP, CR, LF); any other byte is
 * line content. */
static const unsigned char bc_special[256] = {
	['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1,
};

/* A byte of line content (not WSP, not a line end). */
static void
bc_content(struct dkim_body_canon *c, char ch)
{
	for (; c->blank > 0; c->blank--)
		bc_put(c, "\r\n", 2);
	if (c->wsp)
		bc_put(c, " ", 1);
	c->wsp = 0;
	c->inline_ = 1;
	bc_put(c, &ch, 1);
}

static void
bc_eol(struct dkim_body_canon *c)
{
	c->wsp = 0;     /* whitespace at the end of a line is dropped */
	if (c->inline_)
		bc_put(c, "\r\n", 2);
	else
		c->blank++;
	c->inline_ = 0;
}

/* One byte of the body, the general way (WSP, CR, LF, line ends). */
static void
bc_byte(struct dkim_body_canon *c, unsigned char ch)
{
	if (c->cr) {
		c->cr = 0;
		if (ch == '\n') {
			bc_eol(c);
			return;
		}
		bc_content(c, '\r');    /* a CR alone is text */
	}
	if (ch == '\r')
		c->cr = 1;
	else if (ch == ' ' || ch == '\t')
		c->wsp = 1;
	else if (ch == '\n')
		bc_content(c, '\n');    /* so is an LF alone */
	else
		bc_content(c, (char)ch);
}

/*
 * Sixteen bytes at a time (GCC/Clang vector types: SSE2 on amd64, NEON on
 * arm64, plain words elsewhere): how many bytes from p are line content as
 * it is, judged with the byte after each. A byte is not when it is below
 * 0x20 (tab, CR, LF, other controls) or a space before a byte of 0x20 or
 * less (a WSP run, WSP at a line end). p[16] must be readable. What is
 * not is left to the byte-by-byte rules; a control byte is content for
 * them, it only costs the quick path.
 */
typedef unsigned char bc_v16 __attribute__((vector_size(16)));

static size_t
bc_plain_prefix(const unsigned char *p)
{
	bc_v16 v, next;
	uint64_t bad[2];
	size_t k;

	memcpy(&v, p, 16);
	memcpy(&next, p + 1, 16);
	{
		__typeof__(v < 0x20) b = (v < 0x20) | ((v == 0x20) & (next <= 0x20));

		memcpy(bad, &b, 16);
	}
	for (k = 0; k < 2; k++) {
		if (bad[k] == 0)
			continue;
		/* each byte 0xff (not plain) or 0: the first one in memory */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		return k * 8 + (size_t)__builtin_clzll(bad[k]) / 8;
#else
		return k * 8 + (size_t)__builtin_ctzll(bad[k]) / 8;
#endif
	}
	return 16;
}

void
dkim_body_canon_add(struct dkim_body_canon *c, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0, start;
	int line;

	while (i < n) {
		/*
		 * In a clean state (nothing held back) most of a body is its
		 * own canonical form: text, single spaces between words, CRLF
		 * after a line with content. Such a stretch is handed on from
		 * the input as it is, after what the buffer holds; anything
		 * else (WSP runs, tabs, empty lines, a lone CR or LF) takes
		 * the byte-by-byte path below.
		 */
		if (!c->cr && !c->wsp && c->blank == 0) {
			start = i;
			line = c->inline_;
			for (;;) {
				size_t k;

				if (i + 16 < n && (k = bc_plain_prefix(s + i)) > 0) {
					i += k;
					line = 1;
				} else if (i < n && !bc_special[s[i]]) {
					i++;
					line = 1;
				} else if (i + 1 < n && s[i] == ' ' && !bc_special[s[i + 1]]) {
					i += 2;
					line = 1;
				} else if (i + 1 < n && line && s[i] == '\r' && s[i + 1] == '\n') {
					i += 2;
					line = 0;
				} else
					break;
			}
			if (i > start) {
				if (c->len > 0) {
					c->out(c->arg, c->buf, c->len);
					c->len = 0;
				}
				c->out(c->arg, (const char *)s + start, i - start);
				c->inline_ = line;
			}
			if (i >= n)
				break;
		}
		bc_byte(c, s[i++]);
	}
}

void
dkim_body_canon_end(struct dkim_body_canon *c)
{
	if (c->cr) {
		c->cr = 0;
		bc_content(c, '\r');
	}
	/* A last line without CRLF gets one; empty lines at the end go. */
	if (c->inline_)
		bc_put(c, "\r\n", 2);
	c->inline_ = 0;
	c->wsp = 0;
	c->blank = 0;
	if (c->len > 0)
		c->out(c->arg, c->buf, c->len);
	c->len = 0;
}

void
dkim_body_canon_free(struct dkim_body_canon *c)
{
	free(c);
}

/* --- relaxed header canonicalisation (§3.4.2) ----------------------------- */

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

char *
dkim_canon_header(const char *field, size_t len, size_t *outlen)
{
	const char *colon = memchr(field, ':', len);
	size_t i, n = 0, namelen;
	char *out;
	int wsp = 0;

	if (colon == NULL)
		return NULL;
	namelen = (size_t)(colon - field);
	while (namelen > 0 && (is_wsp(field[namelen - 1]) || field[namelen - 1] == '\r' ||
	    field[namelen - 1] == '\n'))
		namelen--;
	out = xmalloc(len + 4);
	for (i = 0; i < namelen; i++) {
		char ch = field[i];

		out[n++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	out[n++] = ':';
	for (i = (size_t)(colon - field) + 1; i < len; i++) {
		char ch = field[i];

		if (ch == '\r' || ch == '\n')
			continue;           /* unfolding: the line breaks go */
		if (is_wsp(ch)) {
			wsp = 1;
			continue;
		}
		/* Runs of WSP become one SP; none right after the field's
		 * colon (a colon inside the value, "Re: x", keeps its SP). */
		if (wsp && n > namelen + 1)
			out[n++] = ' ';
		wsp = 0;
		out[n++] = ch;
	}
	out[n++] = '\r';
	out[n++] = '\n';
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* --- signing -------------------------------------------------------------- */

/*
 * RFC 6376 §5.4.1's recommended fields, and the usual MIME ones (a
 * changed Content-Type would change how the signed body is read).
 * Oversigned ones are named once more than present.
 */
static const struct {
	const char *name;
	int oversign;
} sign_fields[] = {
	{ "from", 1 }, { "to", 1 }, { "subject", 1 }, { "date", 1 },
	{ "cc", 0 }, { "reply-to", 0 }, { "message-id", 0 },
	{ "in-reply-to", 0 }, { "references", 0 },
	{ "resent-date", 0 }, { "resent-from", 0 }, { "resent-to", 0 },
	{ "resent-cc", 0 }, { "list-id", 0 }, { "list-help", 0 },
	{ "list-unsubscribe", 0 }, { "list-subscribe", 0 }, { "list-post", 0 },
	{ "list-owner", 0 }, { "list-archive", 0 },
	{ "mime-version", 0 }, { "content-type", 0 },
	{ "content-transfer-encoding", 0 },
};
#define NSIGN_FIELDS (sizeof(sign_fields) / sizeof(sign_fields[0]))
/* Index of the one field the caller adds (dkim_sign_also), after them. */
#define SIGN_EXTRA NSIGN_FIELDS

struct dkim_field {
	int idx;                   /* into sign_fields */
	char *canon;               /* "name:value\r\n" */
	size_t len;
};

struct dkim_sign {
	const struct dkim_kdomain *k;
	const struct dkim_gen *gen;
	time_t now;
	struct dkim_field *f;
	size_t nf, capf, bytes;
	unsigned count[NSIGN_FIELDS + 1];
	char *extra;               /* dkim_sign_also's name, or NULL */
	int overflow;
	EVP_MD_CTX *body;          /* SHA-256 of the canonical body */
	struct dkim_body_canon *bc;
};

static void
body_digest(void *arg, const char *p, size_t n)
{
	EVP_DigestUpdate(arg, p, n);
}

struct dkim_sign *
dkim_sign_begin(const struct dkim_keyring *kr, const char *from_domain, time_t now)
{
	const char *d = from_domain;
	struct dkim_sign *s;
	size_t i;

	while (d != NULL && *d != '\0') {
		for (i = 0; i < kr->n; i++)
			if (strcasecmp(kr->v[i].domain, d) == 0)
				goto found;
		d = strchr(d, '.');
		if (d != NULL)
			d++;
	}
	return NULL;
found:
	s = xcalloc(1, sizeof(*s));
	s->k = &kr->v[i];
	s->gen = s->k->next.rsa != NULL && (long long)now >= s->k->next_from ?
	    &s->k->next : &s->k->cur;
	s->now = now;
	s->body = EVP_MD_CTX_new();
	if (s->body == NULL || !EVP_DigestInit_ex(s->body, EVP_sha256(), NULL))
		abort();                /* out of memory in OpenSSL */
	s->bc = dkim_body_canon_new(body_digest, s->body);
	return s;
}

const char *
dkim_sign_domain(const struct dkim_sign *s)
{
	return s->k->domain;
}

const char *
dkim_sign_selector(const struct dkim_sign *s, int ed25519)
{
	if (ed25519)
		return s->gen->ed != NULL ? s->gen->edsel : NULL;
	return s->gen->sel;
}

int
dkim_sign_header(struct dkim_sign *s, const char *field, size_t len)
{
	const char *colon = memchr(field, ':', len);
	size_t i, namelen;
	struct dkim_field *f;

	if (colon == NULL)
		return 0;
	namelen = (size_t)(colon - field);
	while (namelen > 0 && is_wsp(field[namelen - 1]))
		namelen--;
	for (i = 0; i < NSIGN_FIELDS; i++)
		if (strlen(sign_fields[i].name) == namelen &&
		    strncasecmp(sign_fields[i].name, field, namelen) == 0)
			break;
	/* Not one of them: the caller's own field (SIGN_EXTRA), or unsigned. */
	if (i == NSIGN_FIELDS && (s->extra == NULL || strlen(s->extra) != namelen ||
	    strncasecmp(s->extra, field, namelen) != 0))
		return 0;
	/* Every instance is kept (only DKIM_SIGN_HEADER_MAX bounds them): a
	 * verifier takes them bottom-up, so leaving out some would break it. */
	if (s->bytes + len > DKIM_SIGN_HEADER_MAX) {
		s->overflow = 1;
		return -1;
	}
	if (s->nf == s->capf) {
		s->capf = s->capf ? s->capf * 2 : 16;
		s->f = xreallocarray(s->f, s->capf, sizeof(*s->f));
	}
	f = &s->f[s->nf++];
	f->idx = (int)i;
	f->canon = dkim_canon_header(field, len, &f->len);
	s->bytes += f->len;
	s->count[i]++;
	return 0;
}

long long
dkim_sign_headers(struct dkim_sign *s, const char *p, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t start = pos, end;
		const char *nl;

		/* An empty line ends the header section. */
		if (p[pos] == '\n')
			return (long long)pos + 1;
		if (p[pos] == '\r' && pos + 1 < len && p[pos + 1] == '\n')
			return (long long)pos + 2;
		/* The field runs to the first line end not followed by WSP. */
		for (;;) {
			nl = memchr(p + pos, '\n', len - pos);
			if (nl == NULL) {
				pos = len;
				break;
			}
			pos = (size_t)(nl - p) + 1;
			if (pos >= len || !is_wsp(p[pos]))
				break;
		}
		end = pos;
		if (dkim_sign_header(s, p + start, end - start) != 0)
			return -1;
	}
	return (long long)len;
}

void
dkim_sign_body(struct dkim_sign *s, const void *p, size_t n)
{
	dkim_body_canon_add(s->bc, p, n);
}

int
dkim_sign_body_spool(struct dkim_sign *s, struct spool *sp, unsigned long long off)
{
	char buf[65536];
	ssize_t r;

	while ((r = spool_read(sp, off, buf, sizeof(buf))) > 0) {
		dkim_sign_body(s, buf, (size_t)r);
		off += (unsigned long long)r;
	}
	return r < 0 ? -1 : 0;
}

/* Base64 of p, folded for a header: a line break every 64 characters. */
static void
sb_b64_folded(struct strbuf *b, const unsigned char *p, size_t n)
{
	char *tmp = xmalloc(n / 3 * 4 + 8);
	size_t len, i;

	len = (size_t)EVP_EncodeBlock((unsigned char *)tmp, p, (int)n);
	for (i = 0; i < len; i += 64) {
		if (i > 0)
			strbuf_str(b, "\r\n\t ");
		strbuf_add(b, tmp + i, len - i < 64 ? len - i : 64);
	}
	free(tmp);
}

/*
 * One signature: the DKIM-Signature field with b= empty, the signed data
 * (canonical signed fields, then that field canonicalised, no CRLF), the
 * signature, and the field with b= filled in, appended to out.
 */
static int
sign_one(struct dkim_sign *s, EVP_PKEY *key, const char *sel, const char *bh,
    struct strbuf *out, char *err, size_t errlen)
{
	int ed = dkim_key_alg(key) == DKIM_ALG_ED25519;
	struct strbuf hdr = { NULL, 0, 0 }, data = { NULL, 0, 0 };
	unsigned char md[EVP_MAX_MD_SIZE], *sig = NULL;
	unsigned mdlen = 0;
	size_t siglen = 0, i, canonlen, col;
	unsigned used[NSIGN_FIELDS + 1];
	char line[512], *canon;
	EVP_MD_CTX *ctx = NULL;
	int rc = -1, first = 1;

	snprintf(line, sizeof(line), "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed;\r\n"
	    "\td=%s; s=%s; t=%lld;\r\n\th=", ed ? "ed25519-sha256" : "rsa-sha256",
	    s->k->domain, sel, (long long)s->now);
	strbuf_str(&hdr, line);
	col = 3;
	/* h=: each present instance once (§5.4.2 takes them bottom-up), and
	 * the oversigned names once more. */
	memset(used, 0, sizeof(used));
	for (i = 0; i < NSIGN_FIELDS + 1; i++) {
		unsigned k, times = s->count[i] +
		    (i < NSIGN_FIELDS && sign_fields[i].oversign ? 1 : 0);
		const char *name = i < NSIGN_FIELDS ? sign_fields[i].name : s->extra;

		for (k = 0; k < times; k++) {
			size_t l = strlen(name) + 1;

			if (col + l > 76) {
				strbuf_str(&hdr, "\r\n\t ");
				col = 2;
			}
			if (!first)
				strbuf_str(&hdr, ":");
			strbuf_str(&hdr, name);
			col += l;
			first = 0;
		}
	}
	strbuf_str(&hdr, ";\r\n\tbh=");
	strbuf_str(&hdr, bh);
	strbuf_str(&hdr, ";\r\n\tb=");

	/* The signed data: for each name in h= order, instances bottom-up. */
	for (i = 0; i < NSIGN_FIELDS + 1; i++) {
		unsigned k, times = s->count[i];
		size_t j;

		for (k = 0; k < times; k++) {
			unsigned seen = 0;

			for (j = s->nf; j-- > 0;) {
				if (s->f[j].idx != (int)i)
					continue;
				if (seen++ == k) {
					strbuf_add(&data, s->f[j].canon, s->f[j].len);
					break;
				}
			}
		}
		/* The oversigned name matches no field: it adds nothing (§5.4.2). */
	}
	canon = dkim_canon_header(hdr.p, hdr.n, &canonlen);
	strbuf_add(&data, canon, canonlen - 2);     /* without its CRLF (§3.7) */
	free(canon);

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		goto fail;
	if (ed) {
		/* RFC 8463 §3: Ed25519 (pure) over the SHA-256 of the data. */
		if (!EVP_Digest(data.p, data.n, md, &mdlen, EVP_sha256(), NULL) ||
		    !EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) ||
		    !EVP_DigestSign(ctx, NULL, &siglen, md, mdlen))
			goto fail;
		sig = xmalloc(siglen);
		if (!EVP_DigestSign(ctx, sig, &siglen, md, mdlen))
			goto fail;
	} else {
		if (!EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) ||
		    !EVP_DigestSign(ctx, NULL, &siglen, (unsigned char *)data.p, data.n))
			goto fail;
		sig = xmalloc(siglen);
		if (!EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)data.p, data.n))
			goto fail;
	}
	strbuf_add(out, hdr.p, hdr.n);
	sb_b64_folded(out, sig, siglen);
	strbuf_str(out, "\r\n");
	rc = 0;
	goto done;
fail:
	snprintf(err, errlen, "signing for %s with selector %s failed", s->k->domain, sel);
done:
	EVP_MD_CTX_free(ctx);
	free(sig);
	free(hdr.p);
	free(data.p);
	return rc;
}

char *
dkim_sign_end(struct dkim_sign *s, char *err, size_t errlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char bh[EVP_MAX_MD_SIZE * 2];
	struct strbuf out = { NULL, 0, 0 };
	unsigned mdlen = 0;

	dkim_body_canon_end(s->bc);
	if (s->overflow) {
		snprintf(err, errlen, "header section too large to sign");
		return NULL;
	}
	if (s->count[0] == 0) {
		snprintf(err, errlen, "no From: field to sign");
		return NULL;
	}
	if (!EVP_DigestFinal_ex(s->body, md, &mdlen)) {
		snprintf(err, errlen, "body hash failed");
		return NULL;
	}
	EVP_EncodeBlock((unsigned char *)bh, md, (int)mdlen);
	if (sign_one(s, s->gen->rsa, s->gen->sel, bh, &out, err, errlen) != 0 ||
	    (s->gen->ed != NULL &&
	    sign_one(s, s->gen->ed, s->gen->edsel, bh, &out, err, errlen) != 0)) {
		free(out.p);
		return NULL;
	}
	return out.p;
}

void
dkim_sign_free(struct dkim_sign *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nf; i++)
		free(s->f[i].canon);
	free(s->f);
	EVP_MD_CTX_free(s->body);
	dkim_body_canon_free(s->bc);
	free(s->extra);
	free(s);
}

void
dkim_sign_also(struct dkim_sign *s, const char *name)
{
	size_t i, n = strlen(name);

	if (s->nf > 0 || s->extra != NULL || n == 0 || n > 64)
		return;
	/* A field name is printable ASCII without ':' (RFC 5322 §3.6.8); h=
	 * holds it as it is, so nothing else may pass. */
	for (i = 0; i < n; i++)
		if (name[i] <= 32 || name[i] >= 127 || name[i] == ':' || name[i] == ';')
			return;
	for (i = 0; i < NSIGN_FIELDS; i++)
		if (strcasecmp(sign_fields[i].name, name) == 0)
			return;              /* signed already */
	s->extra = xstrdup(name);
}
