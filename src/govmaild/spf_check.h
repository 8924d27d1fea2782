/*
 * spf_check.h — the SPF check (RFC 7208) of an inbound SMTP transaction:
 * libspf2 evaluates the records, and every DNS lookup it makes goes
 * through govmaild's resolver (dns_resolve.h: the configured server and
 * timeout, answers cached for their TTL) by a DNS layer of our own given
 * to libspf2 (SPF_server_new_dns), so it never asks the system resolver.
 *
 * Limits: libspf2's 10 DNS-querying mechanisms (max_dns_mech), and the 2
 * void lookups of RFC 7208 §4.6.4, which libspf2 does not count: the
 * layer counts answers with no records and the result becomes permerror
 * when there were more than 2.
 *
 * Not for: what to do with the result (the policy) or DMARC.
 */
#ifndef GOVMAILD_SPF_CHECK_H
#define GOVMAILD_SPF_CHECK_H

struct dns_resolver;

enum spf_check_res {
	SPF_CHECK_NONE,
	SPF_CHECK_NEUTRAL,
	SPF_CHECK_PASS,
	SPF_CHECK_FAIL,
	SPF_CHECK_SOFTFAIL,
	SPF_CHECK_TEMPERROR,
	SPF_CHECK_PERMERROR,
};

#define SPF_CHECK_VOID_MAX 2

struct spf_check_result {
	enum spf_check_res res;
	char domain[256];       /* the domain checked (MAIL FROM's, or HELO's) */
	int helo;               /* 1: the null sender, HELO identity checked */
	char reason[160];
};

/*
 * Once per process, before the first check and before any thread that
 * checks starts: libspf2's warning, info and debug handlers are process
 * globals (the default ones print to stderr), so they are set here and
 * never by a check. Each check then has its own SPF_server_t and DNS
 * layer: nothing else of libspf2 is shared between threads.
 */
void spf_check_init(void);

/*
 * ip: the client's address (IPv4 or IPv6 text); helo: its HELO/EHLO
 * name; mailfrom: the envelope sender without <>, "" for the null sender
 * (then postmaster@HELO is checked, RFC 7208 §2.4). Always fills out.
 */
void spf_check(struct dns_resolver *dns, const char *ip, const char *helo,
    const char *mailfrom, struct spf_check_result *out);

const char *spf_check_res_str(enum spf_check_res r);

#endif
