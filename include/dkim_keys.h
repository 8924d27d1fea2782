/*
 * dkim_keys.h — the DKIM signing keys of the governed domains, on disk:
 * one PEM file per key in dkim.key_dir, DOMAIN.SELECTOR.key (mode 0600,
 * created with O_EXCL and linked into place, never overwritten), plus one
 * rotation state file per domain, DOMAIN.state, saying which selector
 * signs now, which one signs next and from when, and until when the
 * previous one's DNS record must stay published.
 *
 * Selectors: PREFIX YEAR LETTER (dkim.selector_prefix "gm": gm2026a, then
 * gm2026b at the next rotation in the same year, gm2027a the year after).
 * A generation may also have an Ed25519 key (RFC 8463) under the selector
 * "<selector>-ed" (gm2026a-ed), since one DNS record holds one key.
 *
 * Not for: signing messages (govmaild's dkim_sign.c) or deciding which
 * domains are governed (dir_domain.h).
 */
#ifndef GOVMAIL_DKIM_KEYS_H
#define GOVMAIL_DKIM_KEYS_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#define DKIM_SELECTOR_MAX 63        /* one DNS label */
#define DKIM_ED_SUFFIX "-ed"        /* selector of a generation's Ed25519 key */
#define DKIM_RSA_BITS 2048

enum dkim_alg { DKIM_ALG_RSA, DKIM_ALG_ED25519 };

/* DOMAIN.state: the rotation of one domain. Times are Unix seconds. */
struct dkim_state {
	char active[DKIM_SELECTOR_MAX + 1];    /* signs until next_from */
	char next[DKIM_SELECTOR_MAX + 1];      /* "" = no rotation under way */
	long long next_from;                   /* when next starts signing */
	char previous[DKIM_SELECTOR_MAX + 1];  /* "" = none */
	long long previous_until;              /* its record may go after this */
	int ed25519;                           /* generations have "-ed" keys */
};

/* Does s follow the selector rules (1 to 63 of [a-z0-9-], not starting or
 * ending with '-')? 1 or 0. */
int dkim_selector_valid(const char *s);

/* "DIR/DOMAIN.SELECTOR.key" (xmalloc'd). */
char *dkim_key_path(const char *dir, const char *domain, const char *selector);

/*
 * Generate a key (RSA 2048 or Ed25519) and write it as PKCS#8 PEM to its
 * path: written to a temporary file (O_EXCL, 0600), synced, then linked to
 * the final name, which must not exist (EEXIST: never overwritten).
 * 0, or -1 with a message in err.
 */
int dkim_key_generate(const char *dir, const char *domain, const char *selector,
    enum dkim_alg alg, char *err, size_t errlen);

/*
 * Read a private key. Refused when the file is readable or writable by
 * group or others (a key anyone can read signs as the province). NULL with
 * a message in err. The caller frees it with EVP_PKEY_free.
 */
EVP_PKEY *dkim_key_load(const char *path, char *err, size_t errlen);

/* The DKIM algorithm of a key, or -1 for a type DKIM does not sign with. */
int dkim_key_alg(const EVP_PKEY *key);

/*
 * The DNS TXT value publishing key's public half:
 * "v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>" or
 * "v=DKIM1; k=ed25519; p=<base64 of the 32 raw bytes>" (xmalloc'd), NULL
 * if the key cannot be encoded.
 */
char *dkim_key_txt(EVP_PKEY *key);

/*
 * The zone file line for it: SELECTOR._domainkey.DOMAIN. IN TXT "..." "..."
 * with the value split into strings of at most 255 bytes (RFC 1035 §3.3),
 * no newline (xmalloc'd).
 */
char *dkim_key_zone_line(const char *domain, const char *selector, const char *txt);

/* "DIR/DOMAIN.state" (xmalloc'd). */
char *dkim_state_path(const char *dir, const char *domain);

/* Read DOMAIN.state: 0, 1 if there is none, -1 with a message in err
 * (unreadable, or a line that is not "key value" of a known key). */
int dkim_state_load(const char *dir, const char *domain, struct dkim_state *st,
    char *err, size_t errlen);

/* Write it atomically (temporary file, fsync, rename), mode 0600. */
int dkim_state_save(const char *dir, const char *domain, const struct dkim_state *st,
    char *err, size_t errlen);

/* The selector that signs at now (active, or next once next_from has come). */
const char *dkim_state_signing(const struct dkim_state *st, time_t now);

/*
 * Before a rotation: when next has started signing (now >= next_from),
 * make it active and the old active the previous one, its record kept
 * until next_from + retire_after seconds. Returns 1 if st changed.
 */
int dkim_state_settle(struct dkim_state *st, time_t now, long long retire_after);

/*
 * The first free selector of the year of now: PREFIX YEAR a..z, skipping
 * those named in st and those with a key file in dir. 0, or -1 (all 26
 * used this year, or an invalid prefix) with a message in err.
 */
int dkim_selector_next(const char *dir, const char *domain, const char *prefix,
    time_t now, const struct dkim_state *st, char *out, size_t outlen,
    char *err, size_t errlen);

#endif
