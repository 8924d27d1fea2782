/*
 * base64.h — decoding base64 bodies of MIME parts (RFC 2045 §6.8): what
 * is outside the alphabet (line breaks, spaces, junk) is skipped, and the
 * first '=' ends the data. Fast enough for 10 MB documents: groups of four
 * characters are decoded at once between line breaks.
 * Not for: strict decoding of a single token (passwd_hash.c, SASL).
 */
#ifndef GOVMAIL_BASE64_H
#define GOVMAIL_BASE64_H

#include <stddef.h>

/* Bytes base64_decode_mime may write for len input bytes. */
#define BASE64_DECODED_MAX(len) ((len) / 4 * 3 + 3)

/* Decode len bytes of in into out (BASE64_DECODED_MAX(len) bytes);
 * returns the number of bytes written. Thread-safe. */
size_t base64_decode_mime(const char *in, size_t len, unsigned char *out);

#endif
