/*
 * hex.c — lower-case hexadecimal (see hex.h).
 */
#include "hex.h"

void
hex_encode(const unsigned char *b, size_t n, char *out)
{
	static const char digit[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digit[b[i] >> 4];
		out[2 * i + 1] = digit[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}
