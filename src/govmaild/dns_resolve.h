/*
 * dns_resolve.h — the one DNS resolver of govmaild's mail authentication
 * (DKIM key records, and SPF and DMARC lookups of every type): libunbound,
 * forwarding to a configured server (dns.server) or to the servers of
 * /etc/resolv.conf, each lookup bounded by dns.timeout, answers kept for
 * their TTL (negative ones too, for the TTL the server gave).
 *
 * Lookups are serialised by a mutex (one in flight per resolver): simple
 * and correct for the first users; a slow server delays the other
 * sessions' lookups by at most dns.timeout.
 *
 * Not for: address lookups of the next hop (getaddrinfo) or deciding
 * anything from the answers.
 */
#ifndef GOVMAILD_DNS_RESOLVE_H
#define GOVMAILD_DNS_RESOLVE_H

#include <stddef.h>

struct dns_resolver;

enum dns_status {
	DNS_OK,          /* records found */
	DNS_NXDOMAIN,    /* the name does not exist */
	DNS_NODATA,      /* it exists, without records of that type */
	DNS_TEMPFAIL,    /* timeout, server failure, unreachable: try later */
};

/* The TXT records of a name: each record's strings joined (RFC 7208 §3.3,
 * RFC 6376 §3.6.2.2), in the order the server gave. */
struct dns_txt {
	char **v;
	size_t *len;     /* bytes of each (records may hold NULs) */
	size_t n;
	unsigned ttl;    /* seconds the answer may be kept */
};

/*
 * server: "" (the servers of /etc/resolv.conf) or "ADDRESS" or
 * "ADDRESS@PORT"; timeout: seconds per lookup; cache_max: answers kept
 * (0: none). NULL with a message in err.
 */
struct dns_resolver *dns_resolver_new(const char *server, int timeout,
    size_t cache_max, char *err, size_t errlen);
void dns_resolver_free(struct dns_resolver *r);

/* TXT records of name into out (cleared first; free with dns_txt_clear). */
enum dns_status dns_lookup_txt(struct dns_resolver *r, const char *name,
    struct dns_txt *out);
void dns_txt_clear(struct dns_txt *t);

/*
 * Records of another type (numeric: 1 A, 28 AAAA, 15 MX, 12 PTR, for
 * SPF) as their RDATA, uncompressed as libunbound gives it, one per v[]
 * entry; cached the same way (the key includes the type).
 */
enum dns_status dns_lookup_rr(struct dns_resolver *r, const char *name, int type,
    struct dns_txt *out);

/* Lookups answered from the cache, and sent to the server, so far. */
void dns_resolver_stats(struct dns_resolver *r, unsigned long *hits,
    unsigned long *queries);

const char *dns_status_str(enum dns_status st);

#endif
