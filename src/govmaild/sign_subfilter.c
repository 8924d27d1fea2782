/*
 * sign_subfilter.c — a PDF signature's /SubFilter (see sign_subfilter.h).
 *
 * The signature dictionary is a direct object around its /Contents
 * value: from the value back to the nearest "obj" keyword (an "endobj"
 * first means it is not in an indirect object: nothing is found), and
 * from the value's end to the next "endobj". In those two spans every
 * "/SubFilter" key followed by a name is read; nested dictionaries of a
 * signature (/Reference, /Prop_Build) hold no /SubFilter. Each span is
 * at most SIGN_SF_WINDOW bytes, scanned once.
 */
#include <stdio.h>
#include <string.h>

#include "sign_subfilter.h"

#define SF_KEY "/SubFilter"

static int
sf_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\0';
}

static int
sf_delim(unsigned char c)
{
	return sf_space(c) || strchr("()<>[]{}/%", c) != NULL;
}

static int
sf_hex(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The name after "/SubFilter" at p (up to end) into name; 0, or -1. */
static int
sf_name(const unsigned char *p, const unsigned char *end, char *name, size_t namelen)
{
	size_t n = 0;
	int a, b;

	while (p < end && sf_space(*p))
		p++;
	if (p >= end || *p++ != '/')
		return -1;
	while (p < end && !sf_delim(*p)) {
		unsigned char c = *p++;

		if (c == '#' && end - p >= 2 && (a = sf_hex(p[0])) >= 0 && (b = sf_hex(p[1])) >= 0) {
			c = (unsigned char)(a << 4 | b);
			p += 2;
		}
		if (n + 1 >= namelen || c < 0x21 || c > 0x7e)
			return -1;
		name[n++] = (char)c;
	}
	name[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Every /SubFilter in [a, e): 0 none, 1 one name (or the same name
 * again) in name, -1 different names or one unreadable. */
static int
sf_scan(const unsigned char *a, const unsigned char *e, char *name, size_t namelen, int found)
{
	size_t k = sizeof(SF_KEY) - 1;
	const unsigned char *p = a, *hit;
	char one[64];

	while (p < e && (hit = memmem(p, (size_t)(e - p), SF_KEY, k)) != NULL) {
		p = hit + k;
		if (p < e && !sf_delim(*p))
			continue;       /* "/SubFilterX" is another key */
		if (sf_name(p, e, one, sizeof(one)) != 0)
			return -1;
		if (found && strcmp(one, name) != 0)
			return -1;
		snprintf(name, namelen, "%s", one);
		found = 1;
	}
	return found;
}

/* The start of the nearest "obj" keyword before off (not "endobj"),
 * within the window; NULL if none or an "endobj" comes first. */
static const unsigned char *
sf_obj_start(const unsigned char *buf, size_t off)
{
	size_t lo = off > SIGN_SF_WINDOW ? off - SIGN_SF_WINDOW : 0, i;

	for (i = off; i >= lo + 3; i--) {
		const unsigned char *q = buf + i - 3;

		if (memcmp(q, "obj", 3) != 0 || (i < off && !sf_delim(buf[i])))
			continue;
		if (q - buf >= 3 && memcmp(q - 3, "end", 3) == 0)
			return NULL;
		if (q > buf && !sf_delim(q[-1]))
			continue;       /* part of a longer word */
		return q + 3;
	}
	return NULL;
}

enum sign_subfilter
sign_subfilter_find(const unsigned char *buf, size_t len, size_t gap_off, size_t gap_len,
    char *name, size_t namelen)
{
	static const struct { const char *name; enum sign_subfilter sf; } known[] = {
		{ "adbe.pkcs7.detached", SIGN_SF_PKCS7_DETACHED },
		{ "ETSI.CAdES.detached", SIGN_SF_CADES_DETACHED },
		{ "ETSI.RFC3161", SIGN_SF_RFC3161 },
		{ "adbe.pkcs7.sha1", SIGN_SF_PKCS7_SHA1 },
		{ "adbe.x509.rsa_sha1", SIGN_SF_X509_RSA_SHA1 },
	};
	const unsigned char *start, *end, *after;
	size_t k, rest;
	int r;

	name[0] = '\0';
	if (gap_off > len || gap_len > len - gap_off ||
	    (start = sf_obj_start(buf, gap_off)) == NULL)
		return SIGN_SF_NONE;
	after = buf + gap_off + gap_len;
	rest = len - (gap_off + gap_len);
	if (rest > SIGN_SF_WINDOW)
		rest = SIGN_SF_WINDOW;
	if ((end = memmem(after, rest, "endobj", 6)) == NULL)
		return SIGN_SF_NONE;
	if ((r = sf_scan(start, buf + gap_off, name, namelen, 0)) < 0 ||
	    (r = sf_scan(after, end, name, namelen, r)) < 0)
		return SIGN_SF_AMBIGUOUS;
	if (r == 0)
		return SIGN_SF_NONE;
	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (strcmp(name, known[k].name) == 0)
			return known[k].sf;
	return SIGN_SF_OTHER;
}

enum sign_status
sign_subfilter_judge(enum sign_subfilter sf, const char *name, char *why, size_t len)
{
	switch (sf) {
	case SIGN_SF_NONE:
	case SIGN_SF_PKCS7_DETACHED:
	case SIGN_SF_CADES_DETACHED:
	case SIGN_SF_RFC3161:
		return SIGN_VALID;
	case SIGN_SF_PKCS7_SHA1:
	case SIGN_SF_X509_RSA_SHA1:
		snprintf(why, len, "obsolete signature format %s (SHA-1)", name);
		return SIGN_WEAK;
	case SIGN_SF_AMBIGUOUS:
		snprintf(why, len, "signature dictionary with an unreadable or repeated SubFilter");
		return SIGN_MALFORMED;
	case SIGN_SF_OTHER:
		break;
	}
	snprintf(why, len, "unsupported signature format %.60s", name);
	return SIGN_MALFORMED;
}
