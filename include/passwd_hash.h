/*
 * passwd_hash.h — userPassword values for the directory: hashing in the
 * formats slapd verifies ({CRYPT} yescrypt, {SSHA512} from pw-sha2),
 * verification, random initial passwords and the policy for passwords people
 * choose. It does not talk to LDAP and never logs or stores plaintext.
 *
 * Use passwd_hash_yescrypt for every password a human chose; use
 * passwd_hash_ssha512 only for passwd_generate output (see passwd_hash.c).
 * All functions are thread-safe (no static buffers).
 */
#ifndef GOVMAIL_PASSWD_HASH_H
#define GOVMAIL_PASSWD_HASH_H

#include <stddef.h>

/* Big enough for any hash this module produces, with "{SCHEME}" and NUL. */
#define PASSWD_HASH_MAX        256
/* Bounds for passwd_generate's length argument. */
#define PASSWD_GEN_MIN         16
#define PASSWD_GEN_MAX         128
/* Longest password (in bytes) passwd_check_policy accepts. */
#define PASSWD_POLICY_MAX_BYTES 256

/*
 * "{CRYPT}$y$..." (yescrypt, libxcrypt default cost, 16 random salt bytes)
 * into out. Returns 0, or -1 with errno set (EINVAL empty/NULL password,
 * ERANGE out too small, EIO no randomness or crypt failure).
 */
int passwd_hash_yescrypt(const char *password, char *out, size_t outlen);

/*
 * "{SSHA512}" base64(SHA-512(password || salt) || salt), 16-byte random
 * salt, as OpenLDAP's pw-sha2 module verifies. Only for generated passwords.
 * Returns 0 or -1 with errno set as for passwd_hash_yescrypt.
 */
int passwd_hash_ssha512(const char *password, char *out, size_t outlen);

/*
 * Random password of exactly len characters (PASSWD_GEN_MIN..PASSWD_GEN_MAX)
 * from 57 unambiguous letters and digits (no 0 O 1 l I; ~5.83 bits each, so
 * 20 characters carry > 116 bits), with at least one lowercase, uppercase
 * and digit. out must hold len + 1 bytes. Returns 0, or -1 (bad len, no
 * randomness) with out wiped.
 */
int passwd_generate(char *out, size_t len);

/*
 * Check password against a stored userPassword value ({CRYPT} or {SSHA512},
 * scheme name case-insensitive). Returns 1 match, 0 no match, -1 unsupported
 * scheme or malformed value.
 */
int passwd_verify(const char *password, const char *stored);

/*
 * Policy for passwords a human chose: at least min_len characters (UTF-8
 * characters, not bytes), at most PASSWD_POLICY_MAX_BYTES bytes, valid UTF-8,
 * no control characters, and, when shorter than 16 characters, not made of
 * a single class (ASCII lowercase / ASCII uppercase / digits / anything
 * else). Returns 0 if acceptable, else -1 with a message in err.
 */
int passwd_check_policy(const char *pw, size_t min_len, char *err,
    size_t errlen);

#endif
