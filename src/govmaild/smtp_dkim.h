/*
 * smtp_dkim.h — DKIM-signing (dkim_sign.c) a message govmaild relays:
 * decides whether the message is to be signed (an authenticated or
 * trusted client, a governed From: domain with a key in the keyring,
 * dkim.sign on) and signs the final message, exactly as the next hop
 * gets it: the header fields govmaild puts in front, then the spooled
 * message without the ranges it leaves out. The spool is read in place.
 * Not for: the signer itself, the keys (dkim_keys.c), sending.
 */
#ifndef GOVMAIL_SMTP_DKIM_H
#define GOVMAIL_SMTP_DKIM_H

#include <stddef.h>

#include "message.h"

struct smtp_session;

enum smtp_dkim_status {
	SMTP_DKIM_UNSIGNED = 0,      /* not to be signed: *sig is NULL */
	SMTP_DKIM_SIGNED,            /* *sig: the field(s) to send first */
	SMTP_DKIM_TEMPFAIL,          /* the directory cannot say if From: is governed */
	SMTP_DKIM_ERROR              /* reading the spool or signing failed (logged) */
};

/* Sign the message of s whose added header fields are hdr (hlen bytes)
 * and whose spooled fields in skip are left out. *sig is xmalloc'd. */
enum smtp_dkim_status smtp_dkim_sign(struct smtp_session *s, const char *hdr,
    size_t hlen, const struct message_range *skip, size_t nskip, char **sig,
    size_t *siglen);

#endif
