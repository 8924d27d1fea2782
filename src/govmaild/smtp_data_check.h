/*
 * smtp_data_check.h — what the end of DATA makes of the reader's
 * findings that the policy does not see (issue #17): NUL bytes
 * (smtpd.nul_in_data) and 8-bit text against the BODY= the client
 * declared and the next hop's 8BITMIME (smtpd.undeclared_8bit).
 * Pure: no I/O; smtp_session.c asks and replies.
 * Not for: bare CR/LF, sizes, line lengths (smtp_session.c with
 * smtp_data.c) or content policy (policy.c).
 */
#ifndef GOVMAIL_SMTP_DATA_CHECK_H
#define GOVMAIL_SMTP_DATA_CHECK_H

#include <stddef.h>

struct govmail_conf;

struct smtp_data_refusal {
	int code;                 /* 550 */
	char enh[8];              /* "5.6.0", "5.6.3" */
	char text[200];           /* ASCII */
};

/* The reader's NUL setting from the configuration: 1 = strip, 0 = reject. */
int smtp_data_check_strip_nul(const struct govmail_conf *c);

/*
 * flags: smtp_data_flags(); body_8bit: MAIL FROM had BODY=8BITMIME;
 * nh_8bitmime: the next hop advertised 8BITMIME (1), did not (0), or is
 * not connected now (-1: it is asked again when the transaction is
 * replayed). Returns 1 with *why filled when the message must be refused;
 * else 0, with *redeclare set when the next-hop transaction must be begun
 * again with BODY=8BITMIME before the message is sent.
 */
int smtp_data_check(const struct govmail_conf *c, unsigned int flags, int body_8bit,
    int nh_8bitmime, int *redeclare, struct smtp_data_refusal *why);

#endif
