/*
 * smtp_eod_checks.h — govmaild's checks after the final dot, in their
 * order: size, bare newlines, NUL bytes and 8-bit text, line length, the spool, the header From:,
 * the MIME structure and attachments, the policy's DATA rules, mail
 * authentication of mail from outside (SPF, DKIM, DMARC:
 * smtp_inbound_auth.c), the signature rule (the costly one, last of the
 * content rules) and our own result header fields in the message. Each is
 * an entry of one table run by the end-of-data pipeline (smtp_eod.c); a
 * new content check is a new entry. What they find is logged here.
 * Not for: reading DATA or replying (smtp_session.c), the rules
 * (policy.c, sign_rule.c), the next hop (smtp_nexthop.c).
 */
#ifndef GOVMAIL_SMTP_EOD_CHECKS_H
#define GOVMAIL_SMTP_EOD_CHECKS_H

#include "message.h"
#include "smtp_eod.h"

/* Result header fields a message may bring, to be removed, at most. */
#define SMTP_EOD_MAX_SKIP 32

struct smtp_session;

/* What the pipeline leaves for the next hop once it accepts. */
struct smtp_eod_result {
	struct smtp_eod_verdict verdict;
	struct smtp_eod_headers headers;        /* fields to add, after Received: */
	struct message_range skip[SMTP_EOD_MAX_SKIP];   /* fields to leave out */
	size_t nskip;
	int redeclare_8bit;                     /* MAIL again with BODY=8BITMIME */
};

/*
 * Check the message of s spooled with the smtp_data flags and size.
 * Returns POLICY_ACCEPT, or the action of the refusal in res->verdict.
 * Release res with smtp_eod_result_free.
 */
enum policy_action smtp_eod_check_message(struct smtp_session *s, unsigned int flags,
    unsigned long long size, struct smtp_eod_result *res);
void smtp_eod_result_free(struct smtp_eod_result *res);

#endif
