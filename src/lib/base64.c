/*
 * base64.c — lenient base64 decoding of MIME bodies (see base64.h).
 *
 * Four tables give each character's six bits already shifted to where it
 * lands in a 24-bit group, and a bit (BASE64_BAD) for characters outside
 * the alphabet; OR-ing the four lookups of a group decodes it, and the
 * bad bit sends the group to the character-at-a-time path, which skips
 * line breaks and stops at '='. After a line of whole groups (76
 * characters in practice) the fast path resumes.
 */
#include <pthread.h>
#include <stdint.h>

#include "base64.h"

#define BASE64_BAD 0x01000000u

static uint32_t base64_t0[256], base64_t1[256], base64_t2[256], base64_t3[256];
static pthread_once_t base64_once = PTHREAD_ONCE_INIT;

static void
base64_init(void)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;
	int c;

	for (c = 0; c < 256; c++)
		base64_t0[c] = base64_t1[c] = base64_t2[c] = base64_t3[c] = BASE64_BAD;
	for (v = 0; v < 64; v++) {
		c = (unsigned char)alphabet[v];
		base64_t0[c] = v << 18;
		base64_t1[c] = v << 12;
		base64_t2[c] = v << 6;
		base64_t3[c] = v;
	}
}

size_t
base64_decode_mime(const char *in, size_t len, unsigned char *out)
{
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	uint32_t acc = 0, x;
	size_t o = 0;
	int bits = 0;

	pthread_once(&base64_once, base64_init);
	while (p < end) {
		/* whole groups while nothing is left over from a previous one */
		if (bits == 0) {
			while (end - p >= 4) {
				x = base64_t0[p[0]] | base64_t1[p[1]] | base64_t2[p[2]] |
				    base64_t3[p[3]];
				if (x & BASE64_BAD)
					break;
				out[o] = (unsigned char)(x >> 16);
				out[o + 1] = (unsigned char)(x >> 8);
				out[o + 2] = (unsigned char)x;
				o += 3;
				p += 4;
			}
			if (p == end)
				break;
		}
		x = base64_t3[*p];
		if (x & BASE64_BAD) {
			if (*p == '=')
				break;
			p++;
			continue;
		}
		p++;
		acc = acc << 6 | x;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}
