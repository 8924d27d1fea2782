/*
 * api_cidr.c — source address restrictions of API tokens: whether an IPv4
 * or IPv6 client address lies inside a network written as CIDR text, and
 * the strict check of a network an administrator types. Parsing is
 * inet_pton's; an IPv4-mapped IPv6 client (::ffff:a.b.c.d, what a daemon
 * listening on an IPv6 socket sees) matches IPv4 networks.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_authz.h"

#define CIDR_TEXT_MAX 64

struct ipaddr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char b[16];     /* 4 or 16 bytes used */
};

static int
addr_parse(const char *s, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		static const unsigned char mapped[12] =
		    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		a->family = AF_INET6;
		if (memcmp(a->b, mapped, sizeof(mapped)) == 0) {
			memmove(a->b, a->b + 12, 4);
			memset(a->b + 4, 0, 12);
			a->family = AF_INET;
		}
		return 0;
	}
	return -1;
}

/* Network and prefix length; a bare address is a host (/32, /128).
 * The length is decimal digits only, no sign, no blanks, at most 3. */
static int
cidr_parse(const char *cidr, struct ipaddr *net, int *plen)
{
	char buf[CIDR_TEXT_MAX];
	const char *slash;
	size_t alen;
	int max;

	if (cidr == NULL || strlen(cidr) >= sizeof(buf))
		return -1;
	slash = strchr(cidr, '/');
	alen = slash != NULL ? (size_t)(slash - cidr) : strlen(cidr);
	memcpy(buf, cidr, alen);
	buf[alen] = '\0';
	/* No mapped-address folding for the network: "::ffff:0:0/96" is an
	 * IPv6 network, written as such. */
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, buf, net->b) == 1)
		net->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, net->b) == 1)
		net->family = AF_INET6;
	else
		return -1;
	max = net->family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		*plen = max;
		return 0;
	}
	{
		const char *p = slash + 1;
		int v = 0, n = 0;

		for (; *p >= '0' && *p <= '9' && n < 4; p++, n++)
			v = v * 10 + (*p - '0');
		if (n == 0 || n > 3 || *p != '\0' || v > max)
			return -1;
		*plen = v;
	}
	return 0;
}

static int
prefix_eq(const unsigned char *a, const unsigned char *b, int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (full > 0 && memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest != 0) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));

		if ((a[full] & mask) != (b[full] & mask))
			return 0;
	}
	return 1;
}

/* IPv4-mapped form of an IPv4 address, to compare with IPv6 networks. */
static void
to_mapped(const struct ipaddr *v4, struct ipaddr *v6)
{
	memset(v6, 0, sizeof(*v6));
	v6->family = AF_INET6;
	v6->b[10] = 0xff;
	v6->b[11] = 0xff;
	memcpy(v6->b + 12, v4->b, 4);
}

int
api_cidr_match(const char *cidr, const char *addr)
{
	struct ipaddr net, a, m;
	int plen;

	if (addr == NULL || cidr_parse(cidr, &net, &plen) != 0 ||
	    strlen(addr) >= CIDR_TEXT_MAX || addr_parse(addr, &a) != 0)
		return -1;
	if (net.family == a.family)
		return prefix_eq(net.b, a.b, plen);
	if (net.family == AF_INET6 && a.family == AF_INET) {
		/* a client that arrived mapped, against an IPv6 network that
		 * covers the mapped range (e.g. ::/0 or ::ffff:0:0/96) */
		to_mapped(&a, &m);
		return prefix_eq(net.b, m.b, plen);
	}
	return 0;
}

int
api_cidr_valid(const char *cidr, char *err, size_t errlen)
{
	struct ipaddr net;
	int plen, i;

	if (cidr == NULL || cidr_parse(cidr, &net, &plen) != 0) {
		snprintf(err, errlen, "'%.64s' is not an IPv4 or IPv6 address or "
		    "network (ADDRESS/PREFIXLENGTH)", cidr != NULL ? cidr : "");
		return -1;
	}
	/* 10.1.2.3/24 is most likely a typo for 10.1.2.0/24 or 10.1.2.3/32;
	 * refuse it rather than guess. */
	for (i = plen; i < (net.family == AF_INET ? 32 : 128); i++)
		if (net.b[i / 8] & (0x80 >> (i % 8))) {
			snprintf(err, errlen, "'%.64s' has host bits set after the "
			    "/%d prefix: write the network address", cidr, plen);
			return -1;
		}
	return 0;
}
