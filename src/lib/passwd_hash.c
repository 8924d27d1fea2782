/*
 * passwd_hash.c — password hashing, verification, generation and policy
 * (see passwd_hash.h). Hash formats match what slapd 2.5 verifies: {CRYPT}
 * is its built-in scheme (libxcrypt does the work), {SSHA512} is the
 * contrib pw-sha2 module's format. Randomness comes from OpenSSL RAND_bytes.
 *
 * Which hash for which password:
 *  - A password a human chose has little entropy and is reused elsewhere, so
 *    if the directory leaks it must be expensive to guess: always yescrypt.
 *  - A password from passwd_generate has >= 100 bits of entropy (20+ chars
 *    at 5.83 bits). Guessing 2^100 candidates is infeasible even at billions
 *    of SHA-512 per second, so a fast salted hash loses nothing there. A slow
 *    hash would only slow the bulk HR import: ~10,300 accounts means paying
 *    yescrypt's per-hash time ~10,300 times over, for initial passwords that
 *    must be changed at first login (and then get yescrypt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "passwd_hash.h"
#include "utf8.h"
#include "xmalloc.h"

#define PASSWD_SALT_LEN    16
#define PASSWD_SHA512_LEN  64
#define PASSWD_SSHA_SALT_MAX 64		/* longest salt accepted on verify */

#define PASSWD_PFX_CRYPT   "{CRYPT}"
#define PASSWD_PFX_SSHA512 "{SSHA512}"

static const char passwd_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Unambiguous characters: no 0 O 1 l I. 25 + 24 + 8 = 57. */
static const char passwd_gen_alphabet[] =
    "abcdefghijkmnopqrstuvwxyz"
    "ABCDEFGHJKLMNPQRSTUVWXYZ"
    "23456789";
#define PASSWD_GEN_NCHARS  (sizeof(passwd_gen_alphabet) - 1)

/* Standard base64 with padding; out must hold 4 * ceil(n / 3) + 1 bytes. */
static size_t
passwd_b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;
	unsigned int v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned int)in[i] << 16 | (unsigned int)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = passwd_b64_alphabet[(v >> 18) & 63];
		out[o++] = passwd_b64_alphabet[(v >> 12) & 63];
		out[o++] = passwd_b64_alphabet[(v >> 6) & 63];
		out[o++] = passwd_b64_alphabet[v & 63];
	}
	if (i < n) {
		v = (unsigned int)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned int)in[i + 1] << 8;
		out[o++] = passwd_b64_alphabet[(v >> 18) & 63];
		out[o++] = passwd_b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? passwd_b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
passwd_b64_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(passwd_b64_alphabet, c);
	return p ? (int)(p - passwd_b64_alphabet) : -1;
}

/*
 * Strict base64 decode (length a multiple of 4, '=' only as final padding).
 * Returns the decoded length, or -1 if malformed or longer than outmax.
 */
static long
passwd_b64_decode(const char *in, unsigned char *out, size_t outmax)
{
	size_t n = strlen(in), i, o = 0, pad = 0;
	int v[4], k;

	if (n == 0 || n % 4 != 0)
		return -1;
	if (in[n - 1] == '=')
		pad = in[n - 2] == '=' ? 2 : 1;
	if (n / 4 * 3 - pad > outmax)
		return -1;
	for (i = 0; i < n; i += 4) {
		for (k = 0; k < 4; k++) {
			if (i + 4 == n && k >= 4 - (int)pad) {
				v[k] = 0;
				continue;
			}
			if ((v[k] = passwd_b64_value(in[i + k])) < 0)
				return -1;
		}
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (i + 4 < n || pad < 2)
			out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (i + 4 < n || pad < 1)
			out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	return (long)o;
}

/* SHA-512(password || salt) into md. Returns 0 or -1. */
static int
passwd_sha512_salted(const char *password, const unsigned char *salt,
    size_t saltlen, unsigned char md[PASSWD_SHA512_LEN])
{
	EVP_MD_CTX *ctx;
	unsigned int mdlen = 0;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, password, strlen(password)) == 1 &&
	    EVP_DigestUpdate(ctx, salt, saltlen) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 &&
	    mdlen == PASSWD_SHA512_LEN;
	EVP_MD_CTX_free(ctx);		/* cleanses the digest state */
	return ok ? 0 : -1;
}

/*
 * crypt_rn(password, setting) into a heap crypt_data (it is ~32 KiB).
 * Returns the xmalloc'd hash, or NULL if libxcrypt rejected the setting.
 */
static char *
passwd_crypt(const char *password, const char *setting)
{
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	char *res, *hash = NULL;

	res = crypt_rn(password, setting, cd, (int)sizeof(*cd));
	if (res != NULL && res[0] != '*')
		hash = xstrdup(res);
	OPENSSL_cleanse(cd, sizeof(*cd));	/* holds a copy of the input */
	free(cd);
	return hash;
}

int
passwd_hash_yescrypt(const char *password, char *out, size_t outlen)
{
	unsigned char rbytes[PASSWD_SALT_LEN];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	char *hash;
	int n;

	if (password == NULL || *password == '\0' || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (RAND_bytes(rbytes, sizeof(rbytes)) != 1) {
		errno = EIO;
		return -1;
	}
	if (crypt_gensalt_rn("$y$", 0, (const char *)rbytes,
	    (int)sizeof(rbytes), setting, (int)sizeof(setting)) == NULL) {
		errno = EIO;
		return -1;
	}
	if ((hash = passwd_crypt(password, setting)) == NULL) {
		errno = EIO;
		return -1;
	}
	n = snprintf(out, outlen, "%s%s", PASSWD_PFX_CRYPT, hash);
	free(hash);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		errno = ERANGE;
		return -1;
	}
	return 0;
}

int
passwd_hash_ssha512(const char *password, char *out, size_t outlen)
{
	unsigned char buf[PASSWD_SHA512_LEN + PASSWD_SALT_LEN];
	char b64[(sizeof(buf) + 2) / 3 * 4 + 1];
	size_t need;

	if (password == NULL || *password == '\0' || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	need = strlen(PASSWD_PFX_SSHA512) + (sizeof(buf) + 2) / 3 * 4 + 1;
	if (outlen < need) {
		if (outlen > 0)
			out[0] = '\0';
		errno = ERANGE;
		return -1;
	}
	if (RAND_bytes(buf + PASSWD_SHA512_LEN, PASSWD_SALT_LEN) != 1 ||
	    passwd_sha512_salted(password, buf + PASSWD_SHA512_LEN,
	    PASSWD_SALT_LEN, buf) != 0) {
		errno = EIO;
		return -1;
	}
	passwd_b64_encode(buf, sizeof(buf), b64);
	snprintf(out, outlen, "%s%s", PASSWD_PFX_SSHA512, b64);
	return 0;
}

int
passwd_generate(char *out, size_t len)
{
	/* Largest multiple of 57 below 256: bytes >= it are rejected. */
	const unsigned int limit = 256 / PASSWD_GEN_NCHARS * PASSWD_GEN_NCHARS;
	unsigned char rnd[64];
	size_t o, r;
	int attempt, lower, upper, digit;

	if (out == NULL || len < PASSWD_GEN_MIN || len > PASSWD_GEN_MAX)
		return -1;
	/*
	 * Draw a uniform password and start over if a class is missing: the
	 * result is uniform over passwords that contain all three classes.
	 * A miss happens for ~9% of 16-char draws, 100 in a row never.
	 */
	for (attempt = 0; attempt < 100; attempt++) {
		o = 0;
		r = sizeof(rnd);
		while (o < len) {
			if (r == sizeof(rnd)) {
				if (RAND_bytes(rnd, sizeof(rnd)) != 1)
					goto fail;
				r = 0;
			}
			if (rnd[r] < limit)
				out[o++] = passwd_gen_alphabet[rnd[r] %
				    PASSWD_GEN_NCHARS];
			r++;
		}
		out[len] = '\0';
		lower = upper = digit = 0;
		for (o = 0; o < len; o++) {
			lower |= out[o] >= 'a' && out[o] <= 'z';
			upper |= out[o] >= 'A' && out[o] <= 'Z';
			digit |= out[o] >= '0' && out[o] <= '9';
		}
		if (lower && upper && digit) {
			OPENSSL_cleanse(rnd, sizeof(rnd));
			return 0;
		}
	}
fail:
	OPENSSL_cleanse(rnd, sizeof(rnd));
	OPENSSL_cleanse(out, len + 1);
	return -1;
}

/* {CRYPT}: re-run crypt with the stored value as setting and compare. */
static int
passwd_verify_crypt(const char *password, const char *setting)
{
	char *hash;
	size_t n = strlen(setting);
	int match;

	if (n == 0 || n >= CRYPT_OUTPUT_SIZE)
		return -1;
	if ((hash = passwd_crypt(password, setting)) == NULL)
		return -1;
	match = strlen(hash) == n && CRYPTO_memcmp(hash, setting, n) == 0;
	free(hash);
	return match;
}

/* {SSHA512}: digest is the first 64 decoded bytes, the rest is salt. */
static int
passwd_verify_ssha512(const char *password, const char *b64)
{
	unsigned char buf[PASSWD_SHA512_LEN + PASSWD_SSHA_SALT_MAX];
	unsigned char md[PASSWD_SHA512_LEN];
	long n;
	int match;

	n = passwd_b64_decode(b64, buf, sizeof(buf));
	if (n <= PASSWD_SHA512_LEN)
		return -1;
	if (passwd_sha512_salted(password, buf + PASSWD_SHA512_LEN,
	    (size_t)n - PASSWD_SHA512_LEN, md) != 0)
		return -1;
	match = CRYPTO_memcmp(md, buf, PASSWD_SHA512_LEN) == 0;
	OPENSSL_cleanse(md, sizeof(md));
	return match;
}

int
passwd_verify(const char *password, const char *stored)
{
	size_t lc = strlen(PASSWD_PFX_CRYPT), ls = strlen(PASSWD_PFX_SSHA512);

	if (password == NULL || stored == NULL)
		return -1;
	if (strncasecmp(stored, PASSWD_PFX_CRYPT, lc) == 0)
		return passwd_verify_crypt(password, stored + lc);
	if (strncasecmp(stored, PASSWD_PFX_SSHA512, ls) == 0)
		return passwd_verify_ssha512(password, stored + ls);
	return -1;
}

static int
passwd_policy_fail(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

int
passwd_check_policy(const char *pw, size_t min_len, char *err, size_t errlen)
{
	const unsigned char *s = (const unsigned char *)pw;
	size_t n, i = 0, len, nchars = 0;
	uint32_t cp;
	unsigned int classes = 0;
	char msg[128];

	if (pw == NULL || *pw == '\0')
		return passwd_policy_fail(err, errlen, "password is empty");
	n = strlen(pw);
	if (n > PASSWD_POLICY_MAX_BYTES) {
		snprintf(msg, sizeof(msg), "password is too long (more than "
		    "%d bytes)", PASSWD_POLICY_MAX_BYTES);
		return passwd_policy_fail(err, errlen, msg);
	}
	while (i < n) {
		if ((len = utf8_seq(s + i, n - i, &cp)) == 0)
			return passwd_policy_fail(err, errlen,
			    "password is not valid UTF-8");
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return passwd_policy_fail(err, errlen,
			    "password contains a control character");
		if (cp >= 'a' && cp <= 'z')
			classes |= 1;
		else if (cp >= 'A' && cp <= 'Z')
			classes |= 2;
		else if (cp >= '0' && cp <= '9')
			classes |= 4;
		else
			classes |= 8;	/* symbols, spaces, non-ASCII letters */
		nchars++;
		i += len;
	}
	if (nchars < min_len) {
		snprintf(msg, sizeof(msg), "password is too short: %zu "
		    "characters, at least %zu required", nchars, min_len);
		return passwd_policy_fail(err, errlen, msg);
	}
	if (nchars < 16 && (classes & (classes - 1)) == 0)
		return passwd_policy_fail(err, errlen, "password shorter than "
		    "16 characters must mix character kinds (lowercase, "
		    "uppercase, digits, other)");
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return 0;
}
