/*
 * dkim_keys.c — DKIM key files and the rotation state of each domain (see
 * dkim_keys.h for the naming). Keys are made with OpenSSL 3's EVP
 * interface; files are created so that a crash never leaves a half-written
 * key under its final name and an existing key is never replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkim_keys.h"
#include "xmalloc.h"

int
dkim_selector_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > DKIM_SELECTOR_MAX || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-'))
			return 0;
	return 1;
}

char *
dkim_key_path(const char *dir, const char *domain, const char *selector)
{
	return xasprintf("%s/%s.%s.key", dir, domain, selector);
}

char *
dkim_state_path(const char *dir, const char *domain)
{
	return xasprintf("%s/%s.state", dir, domain);
}

static void
ssl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();

	snprintf(err, errlen, "%s: %s", what, e ? ERR_reason_error_string(e) :
	    "unknown OpenSSL error");
	ERR_clear_error();
}

/*
 * Write len bytes to a new file final (mode 0600): a temporary file made
 * with O_EXCL beside it, fsync'd, then put in place by link(2), which
 * fails with EEXIST instead of replacing (replace = 1: rename(2) instead).
 */
static int
file_write_new(const char *final, const void *p, size_t len, int replace,
    char *err, size_t errlen)
{
	char *tmp = xasprintf("%s.tmp.%ld", final, (long)getpid());
	const char *q = p;
	size_t off = 0;
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, q + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno ? errno : EIO));
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		snprintf(err, errlen, "%s: fsync: %s", tmp, strerror(errno));
		goto out;
	}
	if (replace ? rename(tmp, final) : link(tmp, final)) {
		snprintf(err, errlen, "%s: %s", final, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	if (!(rc == 0 && replace))
		unlink(tmp);
	free(tmp);
	return rc;
}

int
dkim_key_generate(const char *dir, const char *domain, const char *selector,
    enum dkim_alg alg, char *err, size_t errlen)
{
	EVP_PKEY *key;
	BIO *mem;
	char *path, *pem;
	long len;
	int rc = -1;

	if (!dkim_selector_valid(selector)) {
		snprintf(err, errlen, "invalid selector \"%s\"", selector);
		return -1;
	}
	if (alg == DKIM_ALG_RSA)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)DKIM_RSA_BITS);
	else
		key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (key == NULL) {
		ssl_err(err, errlen, "generating the key");
		return -1;
	}
	mem = BIO_new(BIO_s_mem());
	if (mem == NULL || !PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL)) {
		ssl_err(err, errlen, "encoding the key");
		goto out;
	}
	len = BIO_get_mem_data(mem, &pem);
	path = dkim_key_path(dir, domain, selector);
	rc = file_write_new(path, pem, (size_t)len, 0, err, errlen);
	free(path);
out:
	BIO_free(mem);
	EVP_PKEY_free(key);
	return rc;
}

EVP_PKEY *
dkim_key_load(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *key;
	struct stat sb;
	FILE *fp;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (sb.st_mode & 077) {
		snprintf(err, errlen, "%s: mode %04o, refusing a private key others may "
		    "read or change (chmod 600)", path, (unsigned)(sb.st_mode & 07777));
		close(fd);
		return NULL;
	}
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (key == NULL) {
		ssl_err(err, errlen, path);
		return NULL;
	}
	if (dkim_key_alg(key) < 0 ||
	    (dkim_key_alg(key) == DKIM_ALG_RSA && EVP_PKEY_get_bits(key) < 1024)) {
		snprintf(err, errlen, "%s: not an RSA (1024 bits or more) or Ed25519 key",
		    path);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

int
dkim_key_alg(const EVP_PKEY *key)
{
	if (EVP_PKEY_is_a(key, "RSA"))
		return DKIM_ALG_RSA;
	if (EVP_PKEY_is_a(key, "ED25519"))
		return DKIM_ALG_ED25519;
	return -1;
}

char *
dkim_key_txt(EVP_PKEY *key)
{
	unsigned char *der = NULL, raw[32];
	size_t rawlen = sizeof(raw);
	char *b64, *txt;
	int len;

	if (dkim_key_alg(key) == DKIM_ALG_RSA) {
		len = i2d_PUBKEY(key, &der);
		if (len <= 0)
			return NULL;
		b64 = xmalloc((size_t)len / 3 * 4 + 8);
		EVP_EncodeBlock((unsigned char *)b64, der, len);
		OPENSSL_free(der);
		txt = xasprintf("v=DKIM1; k=rsa; p=%s", b64);
	} else if (dkim_key_alg(key) == DKIM_ALG_ED25519) {
		/* RFC 8463 §4: the bare 32-byte public key, not a SubjectPublicKeyInfo. */
		if (!EVP_PKEY_get_raw_public_key(key, raw, &rawlen) || rawlen != 32)
			return NULL;
		b64 = xmalloc(64);
		EVP_EncodeBlock((unsigned char *)b64, raw, (int)rawlen);
		txt = xasprintf("v=DKIM1; k=ed25519; p=%s", b64);
	} else
		return NULL;
	free(b64);
	return txt;
}

char *
dkim_key_zone_line(const char *domain, const char *selector, const char *txt)
{
	size_t n = strlen(txt), i, cap, len;
	char *out;

	cap = strlen(domain) + strlen(selector) + 64 + n + (n / 255 + 1) * 3;
	out = xmalloc(cap);
	len = (size_t)snprintf(out, cap, "%s._domainkey.%s. IN TXT", selector, domain);
	/* The value holds no '"' or '\\' (letters, digits, "=;/+ "), so no escapes. */
	for (i = 0; i < n; i += 255) {
		size_t k = n - i < 255 ? n - i : 255;

		len += (size_t)snprintf(out + len, cap - len, " \"%.*s\"", (int)k, txt + i);
	}
	return out;
}

static void
state_clear(struct dkim_state *st)
{
	memset(st, 0, sizeof(*st));
}

int
dkim_state_load(const char *dir, const char *domain, struct dkim_state *st,
    char *err, size_t errlen)
{
	char *path = dkim_state_path(dir, domain), line[256];
	unsigned lineno = 0;
	FILE *fp;
	int rc = 0;

	state_clear(st);
	fp = fopen(path, "re");
	if (fp == NULL) {
		rc = errno == ENOENT ? 1 : -1;
		if (rc < 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char key[32], val[DKIM_SELECTOR_MAX + 2], *nl = strchr(line, '\n');
		char *dst = NULL;
		long long *num = NULL;

		lineno++;
		if (nl == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			rc = -1;
			break;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		val[0] = '\0';
		if (sscanf(line, "%31s %64s", key, val) < 1) {
			snprintf(err, errlen, "%s:%u: not \"key value\"", path, lineno);
			rc = -1;
			break;
		}
		if (strcmp(key, "active") == 0)
			dst = st->active;
		else if (strcmp(key, "next") == 0)
			dst = st->next;
		else if (strcmp(key, "previous") == 0)
			dst = st->previous;
		else if (strcmp(key, "next_from") == 0)
			num = &st->next_from;
		else if (strcmp(key, "previous_until") == 0)
			num = &st->previous_until;
		else if (strcmp(key, "ed25519") == 0) {
			st->ed25519 = strcmp(val, "yes") == 0;
			continue;
		} else {
			snprintf(err, errlen, "%s:%u: unknown key \"%s\"", path, lineno, key);
			rc = -1;
			break;
		}
		if (dst != NULL) {
			if (!dkim_selector_valid(val)) {
				snprintf(err, errlen, "%s:%u: invalid selector", path, lineno);
				rc = -1;
				break;
			}
			memcpy(dst, val, strlen(val) + 1);
		} else {
			char *end;

			errno = 0;
			*num = strtoll(val, &end, 10);
			if (errno != 0 || end == val || *end != '\0' || *num < 0) {
				snprintf(err, errlen, "%s:%u: %s is not a time", path, lineno, key);
				rc = -1;
				break;
			}
		}
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	if (rc == 0 && st->active[0] == '\0') {
		snprintf(err, errlen, "%s: no active selector", path);
		rc = -1;
	}
	fclose(fp);
	free(path);
	return rc;
}

int
dkim_state_save(const char *dir, const char *domain, const struct dkim_state *st,
    char *err, size_t errlen)
{
	char *path = dkim_state_path(dir, domain), buf[1024];
	size_t n = 0;
	int rc;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	    "# DKIM rotation state, written by govmailctl dkim (see dkim_keys.h)\n"
	    "active %s\n", st->active);
	if (st->next[0])
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "next %s\nnext_from %lld\n", st->next, st->next_from);
	if (st->previous[0])
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "previous %s\nprevious_until %lld\n", st->previous, st->previous_until);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "ed25519 %s\n",
	    st->ed25519 ? "yes" : "no");
	rc = file_write_new(path, buf, n, 1, err, errlen);
	free(path);
	return rc;
}

const char *
dkim_state_signing(const struct dkim_state *st, time_t now)
{
	if (st->next[0] != '\0' && (long long)now >= st->next_from)
		return st->next;
	return st->active;
}

int
dkim_state_settle(struct dkim_state *st, time_t now, long long retire_after)
{
	if (st->next[0] == '\0' || (long long)now < st->next_from)
		return 0;
	memcpy(st->previous, st->active, sizeof(st->previous));
	st->previous_until = st->next_from + retire_after;
	memcpy(st->active, st->next, sizeof(st->active));
	st->next[0] = '\0';
	st->next_from = 0;
	return 1;
}

int
dkim_selector_next(const char *dir, const char *domain, const char *prefix,
    time_t now, const struct dkim_state *st, char *out, size_t outlen,
    char *err, size_t errlen)
{
	struct tm tm;
	char c;

	if (gmtime_r(&now, &tm) == NULL) {
		snprintf(err, errlen, "bad time");
		return -1;
	}
	for (c = 'a'; c <= 'z'; c++) {
		char *path, *edpath, ed[DKIM_SELECTOR_MAX + 8];
		int taken;

		if ((size_t)snprintf(out, outlen, "%s%04d%c", prefix, tm.tm_year + 1900, c) >=
		    outlen || !dkim_selector_valid(out) ||
		    strlen(out) + strlen(DKIM_ED_SUFFIX) > DKIM_SELECTOR_MAX) {
			snprintf(err, errlen, "selector prefix \"%s\" makes no valid selector",
			    prefix);
			return -1;
		}
		if (st != NULL && (strcmp(out, st->active) == 0 ||
		    strcmp(out, st->next) == 0 || strcmp(out, st->previous) == 0))
			continue;
		snprintf(ed, sizeof(ed), "%s%s", out, DKIM_ED_SUFFIX);
		path = dkim_key_path(dir, domain, out);
		edpath = dkim_key_path(dir, domain, ed);
		taken = access(path, F_OK) == 0 || access(edpath, F_OK) == 0;
		free(path);
		free(edpath);
		if (!taken)
			return 0;
	}
	snprintf(err, errlen, "every selector %s%04da..z is used already", prefix,
	    tm.tm_year + 1900);
	return -1;
}
