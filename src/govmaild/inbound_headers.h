/*
 * inbound_headers.h — one pass over the header section of an inbound
 * message for the mail authentication check: where the body starts, the
 * From: field (for DMARC, RFC 7489 §6.6.1: exactly one), the first
 * Subject: field (for the DMARC tag), and the Authentication-Results
 * fields that carry our authserv-id (to be removed, RFC 8601 §5).
 * Field names are matched without case, with blanks allowed before the
 * colon (RFC 5322 obsolete syntax), as the next hop's reader would.
 * Not for: parsing addresses (dmarc_check.c, message.c) or deciding.
 */
#ifndef GOVMAILD_INBOUND_HEADERS_H
#define GOVMAILD_INBOUND_HEADERS_H

#include <stddef.h>

#include "message.h"
#include "smtp_eod_checks.h"

/* The header bytes looked at, at most (as the DKIM verifier keeps). */
#define INBOUND_HEADERS_MAX (256 * 1024)

/* One header field: its first byte and length, the line end included. */
struct inbound_field {
	size_t off, len;
};

struct inbound_headers {
	size_t end;                         /* where the body starts */
	struct inbound_field from;          /* the last From: field seen */
	size_t nfrom;                       /* From: fields (1 is right) */
	struct inbound_field subject;       /* the first Subject: field */
	int have_subject;
	struct message_range ours[SMTP_EOD_MAX_SKIP];   /* A-R with our authserv-id */
	size_t nours;                       /* may exceed SMTP_EOD_MAX_SKIP */
};

/* Scan buf (len bytes, the message) into h. */
void inbound_headers_scan(const char *buf, size_t len, const char *authserv_id,
    struct inbound_headers *h);

#endif
