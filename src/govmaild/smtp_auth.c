/*
 * smtp_auth.c — SASL PLAIN and LOGIN decoding (see smtp_auth.h).
 */
#include <string.h>
#include <strings.h>

#include "smtp_auth.h"

static const char smtp_auth_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

enum smtp_auth_mech
smtp_auth_mech(const char *name, size_t len)
{
	if (len == 5 && strncasecmp(name, "PLAIN", 5) == 0)
		return SMTP_AUTH_PLAIN;
	if (len == 5 && strncasecmp(name, "LOGIN", 5) == 0)
		return SMTP_AUTH_LOGIN;
	return SMTP_AUTH_NONE;
}

static int
smtp_auth_b64val(char c)
{
	const char *p = c ? strchr(smtp_auth_b64, c) : NULL;

	return p ? (int)(p - smtp_auth_b64) : -1;
}

long
smtp_auth_b64decode(const char *in, size_t inlen, unsigned char *out, size_t outlen)
{
	size_t i, o = 0;

	if (inlen % 4 != 0)
		return -1;
	for (i = 0; i < inlen; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == inlen && k >= 2) {
				pad++;
				v[k] = 0;
				continue;
			}
			if (pad > 0 || (v[k] = smtp_auth_b64val(in[i + k])) < 0)
				return -1;
		}
		if (o + 3 - (size_t)pad > outlen)
			return -1;
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
		/* bits dropped by padding must be zero (canonical encoding) */
		if ((pad == 2 && (v[1] & 15) != 0) || (pad == 1 && (v[2] & 3) != 0))
			return -1;
	}
	return (long)o;
}

int
smtp_auth_b64encode(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, o = 0;

	if ((n + 2) / 3 * 4 + 1 > outlen)
		return -1;
	for (i = 0; i < n; i += 3) {
		unsigned int v = (unsigned int)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned int)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = smtp_auth_b64[v >> 18 & 63];
		out[o++] = smtp_auth_b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? smtp_auth_b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? smtp_auth_b64[v & 63] : '=';
	}
	out[o] = '\0';
	return 0;
}

int
smtp_auth_login_field(const unsigned char *msg, size_t len, char *out,
    size_t outlen, int is_user, const char **why)
{
	size_t i;

	if (len == 0) {
		*why = is_user ? "empty user name" : "empty password";
		return -1;
	}
	if (len >= outlen || len > (is_user ? SMTP_AUTH_USER_MAX : SMTP_AUTH_PASS_MAX)) {
		*why = is_user ? "user name too long" : "password too long";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (msg[i] == 0 || (is_user && (msg[i] <= 0x20 || msg[i] >= 0x7f))) {
			*why = is_user ? "bad character in user name" : "NUL in password";
			return -1;
		}
	}
	memcpy(out, msg, len);
	out[len] = '\0';
	return 0;
}

int
smtp_auth_plain(const unsigned char *msg, size_t len, char *user, size_t ulen,
    char *pass, size_t plen, const char **why)
{
	const unsigned char *nul1, *nul2, *authcid, *pw;
	size_t zlen, clen;

	nul1 = memchr(msg, 0, len);
	if (nul1 == NULL || (nul2 = memchr(nul1 + 1, 0,
	    len - (size_t)(nul1 + 1 - msg))) == NULL) {
		*why = "malformed PLAIN response";
		return -1;
	}
	zlen = (size_t)(nul1 - msg);
	authcid = nul1 + 1;
	clen = (size_t)(nul2 - authcid);
	pw = nul2 + 1;
	if (smtp_auth_login_field(authcid, clen, user, ulen, 1, why) != 0 ||
	    smtp_auth_login_field(pw, len - (size_t)(pw - msg), pass, plen, 0, why) != 0)
		return -1;
	if (zlen != 0 && (zlen != clen || memcmp(msg, authcid, zlen) != 0)) {
		*why = "authorization identity must be empty or the user name";
		return -1;
	}
	return 0;
}
