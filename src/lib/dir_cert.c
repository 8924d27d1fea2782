/*
 * dir_cert.c — signing certificates on directory entries (see dir_cert.h):
 * PEM/DER parsing and description with OpenSSL 3, and the reads and
 * writes of userCertificate;binary. It trusts nothing it parses: sizes are
 * bounded before OpenSSL sees the bytes, and every text field taken from a
 * certificate is checked to be UTF-8 before it leaves this module.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ldap.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dir.h"
#include "dir_cert.h"
#include "dir_schema.h"
#include "hex.h"
#include "utf8.h"
#include "xmalloc.h"

#define DIR_CERT_MAX_TEXT 4096   /* bytes of a subject or issuer shown */
#define DIR_CERT_MAX_EMAILS 64   /* SAN e-mail addresses kept */

static const char *const dir_cert_attrs[] = { DIR_AT_CERT_BINARY, NULL };

/* Is s (len bytes) UTF-8 without C0/C1 controls or DEL, safe to print? */
static int
dir_cert_printable(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	uint32_t cp;

	while (p < end) {
		if (utf8_decode(&p, end, &cp) != 0 || cp < 0x20 ||
		    (cp >= 0x7f && cp <= 0x9f))
			return 0;
	}
	return 1;
}

/* A name in RFC 2253 form with UTF-8 kept; when that fails (a string that
 * does not convert, or a C1 control OpenSSL leaves unescaped), the
 * all-ASCII form with \XX escapes. Either is printable as it is. */
static char *
dir_cert_name(const X509_NAME *name)
{
	static const unsigned long flags[2] = {
		XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB, XN_FLAG_RFC2253 };
	size_t f;

	for (f = 0; f < 2; f++) {
		BIO *b = BIO_new(BIO_s_mem());
		char *data = NULL, *s;
		long len;

		if (b == NULL)
			return NULL;
		if (X509_NAME_print_ex(b, name, 0, flags[f]) < 0) {
			BIO_free(b);
			continue;
		}
		len = BIO_get_mem_data(b, &data);
		if (len < 0 || len > DIR_CERT_MAX_TEXT ||
		    !dir_cert_printable(data, (size_t)len)) {
			BIO_free(b);
			continue;
		}
		s = xstrndup(data, (size_t)len);
		BIO_free(b);
		return s;
	}
	return NULL;
}

/* ASN1_TIME as YYYY-MM-DDTHH:MM:SSZ; "?" if it cannot be read. */
static void
dir_cert_time(const ASN1_TIME *t, char *out, size_t outlen)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, outlen, "?");
}

/* The rfc822Name values of subjectAltName (printable ASCII ones only). */
static void
dir_cert_emails(X509 *x, struct dir_cert *c)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i, n;

	if (gens == NULL)
		return;
	n = sk_GENERAL_NAME_num(gens);
	for (i = 0; i < n && c->nemails < DIR_CERT_MAX_EMAILS; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *v;
		int len, k, ok = 1;

		if (g->type != GEN_EMAIL)
			continue;
		v = ASN1_STRING_get0_data(g->d.rfc822Name);
		len = ASN1_STRING_length(g->d.rfc822Name);
		if (len <= 0 || len > 320)
			continue;
		for (k = 0; k < len; k++)
			if (v[k] <= 0x20 || v[k] >= 0x7f)
				ok = 0;
		if (!ok)
			continue;
		c->emails = xgrowarray(c->emails, c->nemails, sizeof(char *));
		c->emails[c->nemails++] = xstrndup((const char *)v, (size_t)len);
	}
	GENERAL_NAMES_free(gens);
}

/* Fill c from a parsed certificate x whose DER encoding is der/len. */
static int
dir_cert_describe(X509 *x, const unsigned char *der, size_t len,
    struct dir_cert *c, char *err, size_t errlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	BIGNUM *bn;

	memset(c, 0, sizeof(*c));
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		snprintf(err, errlen, "cannot compute the SHA-256 fingerprint");
		return -1;
	}
	c->der = xmalloc(len);
	memcpy(c->der, der, len);
	c->der_len = len;
	hex_encode(md, mdlen, c->fingerprint);
	c->subject = dir_cert_name(X509_get_subject_name(x));
	c->issuer = dir_cert_name(X509_get_issuer_name(x));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (bn != NULL) {
		char *h = BN_bn2hex(bn);

		c->serial = xstrdup(h != NULL ? h : "?");
		OPENSSL_free(h);
		BN_free(bn);
	} else
		c->serial = xstrdup("?");
	if (c->subject == NULL)
		c->subject = xstrdup("?");
	if (c->issuer == NULL)
		c->issuer = xstrdup("?");
	dir_cert_time(X509_get0_notBefore(x), c->not_before, sizeof(c->not_before));
	dir_cert_time(X509_get0_notAfter(x), c->not_after, sizeof(c->not_after));
	dir_cert_emails(x, c);
	return 0;
}

int
dir_cert_from_der(const unsigned char *der, size_t len, struct dir_cert *out,
    char *err, size_t errlen)
{
	const unsigned char *p = der;
	X509 *x;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0) {
		snprintf(err, errlen, "empty certificate");
		return -1;
	}
	if (len > DIR_CERT_MAX_DER) {
		snprintf(err, errlen, "certificate of %zu bytes is larger than %d",
		    len, DIR_CERT_MAX_DER);
		return -1;
	}
	ERR_clear_error();
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL) {
		snprintf(err, errlen, "not an X.509 certificate (DER does not parse)");
		ERR_clear_error();
		return -1;
	}
	if ((size_t)(p - der) != len) {
		snprintf(err, errlen, "%zu bytes follow the certificate's DER encoding",
		    len - (size_t)(p - der));
		X509_free(x);
		return -1;
	}
	rc = dir_cert_describe(x, der, len, out, err, errlen);
	X509_free(x);
	return rc;
}

static void
dir_cert_push(struct dir_cert_list *l, struct dir_cert *c)
{
	l->v = xgrowarray(l->v, l->n, sizeof(*l->v));
	l->v[l->n++] = *c;
}

/* Each PEM block of the text: certificates only. */
static int
dir_cert_parse_pem(const unsigned char *buf, size_t len,
    struct dir_cert_list *tmp, char *err, size_t errlen)
{
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	int rc = 0, block = 0;

	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		char *name = NULL, *header = NULL, e1[256];
		unsigned char *data = NULL;
		long dlen = 0;
		struct dir_cert c;
		unsigned long e;

		ERR_clear_error();
		if (PEM_read_bio(b, &name, &header, &data, &dlen) != 1) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE && block > 0)
				break;  /* no further block */
			snprintf(err, errlen, "PEM block %d is damaged (%s)", block + 1,
			    block == 0 && ERR_GET_REASON(e) == PEM_R_NO_START_LINE ?
			    "no BEGIN line" : "bad base64 or no END line");
			rc = -1;
			break;
		}
		block++;
		if (strcmp(name, PEM_STRING_X509) != 0 &&
		    strcmp(name, PEM_STRING_X509_OLD) != 0) {
			char safe[64];
			size_t i;

			for (i = 0; name[i] != '\0' && i + 1 < sizeof(safe); i++)
				safe[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
			safe[i] = '\0';
			snprintf(err, errlen, "PEM block %d is a %s, not a CERTIFICATE",
			    block, safe);
			rc = -1;
		} else if (tmp->n >= DIR_CERT_MAX_COUNT) {
			snprintf(err, errlen, "more than %d certificates in one file",
			    DIR_CERT_MAX_COUNT);
			rc = -1;
		} else if (dir_cert_from_der(data, (size_t)dlen, &c, e1, sizeof(e1)) != 0) {
			snprintf(err, errlen, "PEM block %d: %s", block, e1);
			rc = -1;
		} else
			dir_cert_push(tmp, &c);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		if (rc != 0)
			break;
	}
	BIO_free(b);
	ERR_clear_error();
	return rc;
}

int
dir_cert_parse(const unsigned char *buf, size_t len, struct dir_cert_list *out,
    char *err, size_t errlen)
{
	struct dir_cert_list tmp = { NULL, 0 };
	size_t i;
	int rc;

	if (len == 0) {
		snprintf(err, errlen, "empty input: not a certificate");
		return -1;
	}
	if (len > DIR_CERT_MAX_INPUT) {
		snprintf(err, errlen, "input larger than %d bytes", DIR_CERT_MAX_INPUT);
		return -1;
	}
	/* DER starts with a SEQUENCE tag; PEM is text with a BEGIN line. */
	if (buf[0] == 0x30) {
		struct dir_cert c;

		rc = dir_cert_from_der(buf, len, &c, err, errlen);
		if (rc == 0)
			dir_cert_push(&tmp, &c);
	} else if (memmem(buf, len, "-----BEGIN ", 11) != NULL) {
		rc = dir_cert_parse_pem(buf, len, &tmp, err, errlen);
	} else {
		snprintf(err, errlen, "not an X.509 certificate (neither DER nor PEM)");
		rc = -1;
	}
	if (rc != 0) {
		dir_cert_list_clear(&tmp);
		return -1;
	}
	for (i = 0; i < tmp.n; i++)
		dir_cert_push(out, &tmp.v[i]);
	free(tmp.v);
	return 0;
}

int
dir_cert_fp_normalize(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		char ch = *in;

		if (ch == ':')
			continue;
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return -1;
		if (n >= DIR_CERT_FP_HEX || n + 1 >= outlen)
			return -1;
		out[n++] = ch;
	}
	if (n < DIR_CERT_PREFIX_MIN)
		return -1;
	out[n] = '\0';
	return 0;
}

enum dir_cert_match
dir_cert_lookup(const struct dir_cert_list *l, const char *prefix, size_t *index)
{
	size_t i, plen = strlen(prefix), found = 0;

	for (i = 0; i < l->n; i++)
		if (strncmp(l->v[i].fingerprint, prefix, plen) == 0) {
			if (found++ == 0)
				*index = i;
		}
	return found == 0 ? DIR_CERT_NONE : found == 1 ? DIR_CERT_FOUND :
	    DIR_CERT_AMBIGUOUS;
}

int
dir_cert_select_new(const struct dir_cert_list *have, const struct dir_cert_list *in,
    const struct dir_cert **add, size_t *nadd, char *status, char *err, size_t errlen)
{
	size_t i, j;

	*nadd = 0;
	for (i = 0; i < in->n; i++) {
		int dup = 0;

		for (j = 0; j < have->n && !dup; j++)
			dup = strcmp(have->v[j].fingerprint, in->v[i].fingerprint) == 0;
		for (j = 0; j < *nadd && !dup; j++)
			dup = strcmp(add[j]->fingerprint, in->v[i].fingerprint) == 0;
		if (!dup && have->n + *nadd >= DIR_CERT_MAX_COUNT) {
			snprintf(err, errlen, "would have more than %d certificates",
			    DIR_CERT_MAX_COUNT);
			*nadd = 0;
			return -1;
		}
		status[i] = dup ? 'r' : 'a';
		if (!dup)
			add[(*nadd)++] = &in->v[i];
	}
	return 0;
}

/* Is this attribute description userCertificate (any transfer option)? */
static int
dir_cert_is_attr(const char *name)
{
	size_t n = strlen(DIR_AT_CERT);

	return strncasecmp(name, DIR_AT_CERT, n) == 0 &&
	    (name[n] == '\0' || name[n] == ';');
}

void
dir_cert_from_entry(const struct dir_entry *e, struct dir_cert_list *out)
{
	size_t i, j;

	for (i = 0; i < e->nattrs; i++) {
		const struct dir_attr *a = &e->attrs[i];

		if (!dir_cert_is_attr(a->name))
			continue;
		for (j = 0; j < a->nvals && out->n < DIR_CERT_MAX_COUNT; j++) {
			const unsigned char *v = (const unsigned char *)a->vals[j];
			size_t len = a->lens != NULL ? a->lens[j] : strlen(a->vals[j]);
			struct dir_cert c;
			char err[256];

			if (dir_cert_from_der(v, len, &c, err, sizeof(err)) != 0) {
				unsigned char md[EVP_MAX_MD_SIZE];
				unsigned int mdlen = 0;

				memset(&c, 0, sizeof(c));
				c.der = xmalloc(len ? len : 1);
				memcpy(c.der, v, len);
				c.der_len = len;
				if (EVP_Digest(v, len, md, &mdlen, EVP_sha256(), NULL) == 1)
					hex_encode(md, mdlen, c.fingerprint);
				c.error = xstrdup(err);
			}
			dir_cert_push(out, &c);
		}
	}
}

enum dir_status
dir_cert_read(struct dir *d, const char *dn, struct dir_cert_list *out)
{
	struct dir_entry *e = NULL;
	enum dir_status st;

	st = dir_search_one(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    dir_cert_attrs, &e);
	if (st != DIR_OK)
		return st;
	dir_cert_from_entry(e, out);
	dir_entry_free(e);
	return DIR_OK;
}

/* One modify adding (op ADD) or removing (op DELETE) the n values. */
static enum dir_status
dir_cert_write(struct dir *d, const char *dn, enum dir_mod_op op,
    const struct dir_cert *const *certs, size_t n, struct dir_mods **mods_out)
{
	struct dir_mods *m = dir_mods_new();
	enum dir_status st;
	size_t i;

	if (n == 0)
		dir_mods_put(m, op, DIR_AT_CERT_BINARY, NULL);
	for (i = 0; i < n; i++)
		dir_mods_put_len(m, op, DIR_AT_CERT_BINARY, certs[i]->der,
		    certs[i]->der_len);
	st = dir_modify(d, dn, m);
	if (mods_out != NULL)
		*mods_out = m;
	else
		dir_mods_free(m);
	return st;
}

enum dir_status
dir_cert_add(struct dir *d, const char *dn, const struct dir_cert *const *certs,
    size_t n, struct dir_mods **mods_out)
{
	if (mods_out != NULL)
		*mods_out = NULL;
	if (n == 0)
		return DIR_OK;
	return dir_cert_write(d, dn, DIR_MOD_ADD, certs, n, mods_out);
}

enum dir_status
dir_cert_remove(struct dir *d, const char *dn, const struct dir_cert *const *certs,
    size_t n, struct dir_mods **mods_out)
{
	return dir_cert_write(d, dn, DIR_MOD_DELETE, certs, n, mods_out);
}

void
dir_cert_clear(struct dir_cert *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->der);
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	for (i = 0; i < c->nemails; i++)
		free(c->emails[i]);
	free(c->emails);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

void
dir_cert_list_clear(struct dir_cert_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		dir_cert_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
