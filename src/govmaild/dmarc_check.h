/*
 * dmarc_check.h — DMARC (RFC 7489) of an inbound message: the policy
 * record of the From: domain (or of its organisational domain) fetched
 * through govmaild's resolver (dns_resolve.h) and handed as text to
 * libopendmarc, which parses it and judges alignment (relaxed or strict)
 * of the SPF and DKIM results given. libopendmarc never queries DNS here.
 *
 * The organisational domain comes from the Public Suffix List: by default
 * Debian's publicsuffix package file, DMARC_PSL_DEFAULT.
 *
 * Not for: acting on the policy (reject, quarantine, tag: the policy
 * module) or aggregate reports.
 */
#ifndef GOVMAILD_DMARC_CHECK_H
#define GOVMAILD_DMARC_CHECK_H

#include <stddef.h>

#include "dkim_verify.h"
#include "spf_check.h"

#define DMARC_PSL_DEFAULT "/usr/share/publicsuffix/public_suffix_list.dat"

struct dns_resolver;

enum dmarc_check_res {
	DMARC_CHECK_NONE,       /* no policy record */
	DMARC_CHECK_PASS,
	DMARC_CHECK_FAIL,
	DMARC_CHECK_TEMPERROR,  /* the record could not be fetched now */
	DMARC_CHECK_PERMERROR,  /* a broken record, or no usable From: domain */
};

struct dmarc_check_result {
	enum dmarc_check_res res;
	char from_domain[256];
	char policy_domain[256];    /* where the record was found */
	char p;                     /* policy to apply: 'n'one, 'q'uarantine, 'r'eject; 0 none */
	char published_p;           /* p= of the record ('n', 'q', 'r'; or 0) */
	char published_sp;          /* sp= ('n', 'q', 'r'; or 0) */
	int pct;                    /* pct= (100 when absent) */
	char adkim, aspf;           /* 'r' or 's' ('r' when absent) */
	int spf_aligned, dkim_aligned;
	char reason[128];
};

/*
 * Once per process, before any check: load the Public Suffix List
 * (psl_path, "" for DMARC_PSL_DEFAULT). 0, or -1 with a message in err.
 */
int dmarc_check_init(const char *psl_path, char *err, size_t errlen);
/* At exit: the list is freed. */
void dmarc_check_shutdown(void);

/*
 * from_domain: the domain of the message's single From: address; ip:
 * the client address; spf: the SPF result (its domain is MAIL FROM's or
 * HELO's); dkim: the signature results.
 */
void dmarc_check(struct dns_resolver *dns, const char *from_domain, const char *ip,
    const struct spf_check_result *spf, const struct dkim_vresult *dkim, size_t ndkim,
    struct dmarc_check_result *out);

const char *dmarc_check_res_str(enum dmarc_check_res r);

/* The organisational domain of domain (RFC 7489 §3.2, the Public Suffix
 * List loaded by dmarc_check_init), lower case, into out; domain itself
 * when the list says nothing. */
void dmarc_org_domain(const char *domain, char *out, size_t outlen);

#endif
