/*
 * message.h — reading a spooled message's header section for the policy:
 * the addresses of its From: field, parsed with libetpan's RFC 5322
 * parser. Not for: MIME structure or attachments (later), or deciding
 * anything (policy.c).
 */
#ifndef GOVMAIL_MESSAGE_H
#define GOVMAIL_MESSAGE_H

#include <stddef.h>

struct spool;

/* The header section read for this, at most (bytes). */
#define MESSAGE_HEADER_MAX (256 * 1024)

struct message_from {
	char **addrs;              /* addr-specs of the From: field */
	size_t naddrs;
	size_t nfields;            /* From: fields present (should be 1) */
	const char *problem;       /* NULL, or why From: cannot be trusted */
};

/* Fill mf from the message in sp. Returns 0, or -1 if the spool could not
 * be read. A malformed or repeated From: is reported in mf->problem. */
int message_header_from(struct spool *sp, struct message_from *mf);
void message_from_clear(struct message_from *mf);

/* A byte range of the spooled message. */
struct message_range {
	unsigned long long off, len;
};

/* The fields named name (with their continuation lines) in the header
 * section of sp, in order, at most max in out; their number (which may be
 * more than max), or -1 if the spool could not be read. For removing fields we add ourselves (so a sender
 * cannot forge them). */
int message_header_ranges(struct spool *sp, const char *name,
    struct message_range *out, size_t max);

#endif
