/*
 * message.h — reading a spooled message's header section for the policy:
 * the addresses of its From: field (or of one From: field already
 * found), parsed with libetpan's RFC 5322 parser. Not for: MIME
 * structure or attachments (mime_tree.c), or deciding anything
 * (policy.c).
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

/* Fill mf from one From: field (its name, colon, value and line end: len
 * bytes at field), as libetpan reads it; mf->problem unless the whole
 * field is a mailbox list whose every address has a domain. */
void message_from_field(const char *field, size_t len, struct message_from *mf);

/* The domain of mf's one address, lower-cased, into out (for DMARC,
 * RFC 7489 §6.6.1): 0, or -1 if mf has a problem, not exactly one
 * address, or a domain that is not an ASCII host name (a domain literal,
 * a U-label) or longer than outlen - 1. */
int message_from_domain(const struct message_from *mf, char *out, size_t outlen);

/* A host name's room, its NUL included. */
#define MESSAGE_DOMAIN_MAX 256

/*
 * The domains a From: field (len bytes at field, parsed into mf) names
 * anywhere: the host name after each '@' of its text (in an address, a
 * display name or a comment alike: what a reader may show) and of the
 * decoded text of its RFC 2047 encoded words, then the domains of mf's
 * addresses (libetpan reads obsolete syntax, so
 * "a@b.example c" is the address a@b.examplec). Lower-cased, trailing
 * dots dropped, names without a dot left out, each once, into out[max].
 * Their number, or max + 1 when there are more (or one is longer than
 * MESSAGE_DOMAIN_MAX - 1). Linear in the field's length.
 */
size_t message_from_named(const char *field, size_t len, const struct message_from *mf,
    char (*out)[MESSAGE_DOMAIN_MAX], size_t max);

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
