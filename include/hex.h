/*
 * hex.h — bytes as lower-case hexadecimal (digests, fingerprints, ids).
 */
#ifndef GOVMAIL_HEX_H
#define GOVMAIL_HEX_H

#include <stddef.h>

/* The n bytes at b as 2n hex digits and a NUL into out (2n + 1 bytes). */
void hex_encode(const unsigned char *b, size_t n, char *out);

#endif
