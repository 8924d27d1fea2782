/*
 * smtp_guard.c — junk commands and session lifetime (see smtp_guard.h).
 * The junk count starts again after each accepted message, as Postfix's
 * does after a delivery: a client that sends mail is never cut off for
 * its NOOPs, one that only talks is.
 */
#include "smtp_guard.h"

int
smtp_guard_command(struct smtp_guard *g, enum smtp_verb verb, unsigned int messages,
    int limit)
{
	if (messages != g->messages) {
		g->messages = messages;
		g->junk = 0;
	}
	switch (verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
	case SMTP_VERB_NOOP:
	case SMTP_VERB_RSET:
	case SMTP_VERB_VRFY:
	case SMTP_VERB_EXPN:
	case SMTP_VERB_HELP:
		g->junk++;
		return limit > 0 && g->junk > (unsigned int)limit;
	default:
		return 0;
	}
}

uint64_t
smtp_guard_deadline(uint64_t start_ms, int max_s, uint64_t deadline)
{
	uint64_t end = start_ms + 1000u * (uint64_t)max_s;

	return max_s > 0 && end < deadline ? end : deadline;
}

int
smtp_guard_expired(uint64_t start_ms, int max_s, uint64_t now)
{
	return max_s > 0 && now >= start_ms + 1000u * (uint64_t)max_s;
}
