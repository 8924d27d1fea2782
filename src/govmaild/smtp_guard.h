/*
 * smtp_guard.h — limits on a session that moves no mail (issue #17):
 * junk commands (HELO/EHLO, NOOP, RSET, VRFY, EXPN, HELP) between
 * accepted messages, as Postfix's smtpd_junk_command_limit, and the
 * session's lifetime (smtpd.max_session_time), enforced between
 * transactions so that a message in progress is never cut. Without them
 * a client sending a line every command_timeout keeps a session for ever.
 * Pure: smtp_session.c asks and replies 421.
 * Not for: errors (smtpd.max_errors) or limits across sessions
 * (client_limits.c).
 */
#ifndef GOVMAIL_SMTP_GUARD_H
#define GOVMAIL_SMTP_GUARD_H

#include <stdint.h>

#include "smtp_parser.h"

struct smtp_guard {
	unsigned int junk;            /* junk commands since the last message */
	unsigned int messages;        /* accepted messages when last counted */
};

/* Count a command (parsed as verb) of a session that has had messages
 * accepted so far; 1 when that makes more than limit junk commands. */
int smtp_guard_command(struct smtp_guard *g, enum smtp_verb verb, unsigned int messages,
    int limit);

/* The deadline for the next command line outside a transaction: deadline,
 * or the end of the session's lifetime if sooner (max_s 0 = none). */
uint64_t smtp_guard_deadline(uint64_t start_ms, int max_s, uint64_t deadline);

/* Has the session outlived max_s seconds at now (0 = never)? */
int smtp_guard_expired(uint64_t start_ms, int max_s, uint64_t now);

#endif
