/*
 * inbound_policy.h — what govmaild does with the SPF, DKIM and DMARC
 * results of a message from outside (the inbound { } keys): governed-
 * domain protection, other domains' published DMARC policy, DNS failures
 * the decision depends on; and the DMARC history line (dmarc.history_file)
 * govmailctl dmarc report reads. Pure functions of their inputs, so the
 * unit tests cover every branch without DNS or a session.
 * Not for: computing the results (spf_check.h, dkim_verify.h,
 * dmarc_check.h) or the session's side (smtp_inbound_auth.c).
 */
#ifndef GOVMAILD_INBOUND_POLICY_H
#define GOVMAILD_INBOUND_POLICY_H

#include <stddef.h>
#include <time.h>

#include "dkim_verify.h"
#include "dmarc_check.h"
#include "spf_check.h"

enum inbound_action {
	INBOUND_ACCEPT = 0,     /* Authentication-Results only */
	INBOUND_HEADER,         /* + the DMARC header field */
	INBOUND_TAG,            /* + the Subject: tag */
	INBOUND_REJECT,         /* 550 */
	INBOUND_TEMPFAIL        /* 451: an answer the decision needs is missing */
};

/* The inbound { } keys, as the decision uses them. */
struct inbound_settings {
	int protect_governed;
	int tag_only;                   /* after the recipients' agencies */
	enum inbound_action on_reject;  /* INBOUND_REJECT, _TAG or _HEADER */
	enum inbound_action on_quarantine;
};

/* What is known of the message. */
struct inbound_facts {
	int governed;           /* From: domain governed: 1, 0, -1 unknown now */
	const char *from_domain;   /* "" when none could be read */
	int allowed;            /* an allowed sender (network or DKIM domain) */
	int governed_dkim;      /* a DKIM signature aligned with the governed
	                           From: domain: 1 verifies, -1 temperror, 0 none */
	const struct spf_check_result *spf;
	const struct dkim_vresult *dkim;
	size_t ndkim;
	const struct dmarc_check_result *dmarc;   /* NULL: not checked */
	int pct_selected;       /* the message fell within pct= (RFC 7489 §6.6.4) */
};

struct inbound_decision {
	enum inbound_action action;
	int code;               /* 250, 451, 550 */
	char enh[12];
	char text[200];
	const char *rule;       /* for the log: "governed-from", "dmarc", "dns" */
	char applied;           /* DMARC policy applied after pct=: 'n', 'q', 'r'; 0 none */
};

void inbound_decide(const struct inbound_settings *set, const struct inbound_facts *f,
    struct inbound_decision *d);

/* "reject" / "tag" / "header" as an action. */
enum inbound_action inbound_action_parse(const char *s);
const char *inbound_action_name(enum inbound_action a);

/*
 * Relaxed alignment (RFC 7489 §3.1): the organisational domains (given,
 * lower case) are equal; strict: the domains are equal (case ignored).
 */
int inbound_aligned(const char *a, const char *a_org, const char *b, const char *b_org,
    int strict);

/* 1 if domain is one of list or a subdomain of one (case ignored). */
int inbound_domain_listed(const char *domain, char *const *list, size_t n);

/*
 * dmarc_tag_only for a message: each recipient agency's "CODE=enforce" or
 * "CODE=tag-only" entry of list (n entries), else global; a refusal hits
 * every recipient, so the message is enforced only when all are.
 * agencies[i] is "" for a recipient without an agency.
 */
int inbound_tag_only(int global, char *const *list, size_t n, const char *const *agencies,
    size_t nagencies);

/* The DMARC history line (one JSON object and "\n", xmalloc'd, *len bytes)
 * of a message whose policy record was found. disposition: what was done
 * ('n' none, 'q' tagged or header, 'r' refused). */
char *inbound_history_line(time_t now, const char *ip, const char *envelope_from,
    const struct inbound_facts *f, char disposition, size_t *len);

#endif
