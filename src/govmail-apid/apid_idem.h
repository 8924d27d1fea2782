/*
 * apid_idem.h — Idempotency-Key of govmail-apid's creations: the first
 * answer to a key is kept (in memory, apid.idempotency_ttl seconds, per
 * caller) and a retry with the same key and body gets it again instead of
 * a second account; the same key with another body is refused, and a retry
 * while the first is still being worked on is told to wait.
 * One instance keeps its own keys: behind several gateways a retry that
 * reaches another one is still kept from making a second account by the
 * employee id (unique in the directory; HR systems always send it) or an
 * explicit address. See README (Idempotency).
 */
#ifndef GOVMAIL_APID_IDEM_H
#define GOVMAIL_APID_IDEM_H

#include <stddef.h>

struct apid_idem;

enum apid_idem_state {
	APID_IDEM_NEW,       /* reserved for this request: finish or drop it */
	APID_IDEM_REPLAY,    /* *status and *text: the first answer */
	APID_IDEM_BUSY,      /* the first request is still being worked on */
	APID_IDEM_MISMATCH   /* the key was used with another body */
};

struct apid_idem *apid_idem_new(int ttl, size_t max);
void apid_idem_free(struct apid_idem *t);

/* Look up (caller, key) for a body with this digest at time now. With
 * APID_IDEM_REPLAY, *text is a copy the caller frees. */
enum apid_idem_state apid_idem_begin(struct apid_idem *t, const char *caller,
    const char *key, const unsigned char digest[32], long now, unsigned *status,
    char **text);
/* The answer to remember for a reserved key (text is copied). */
void apid_idem_finish(struct apid_idem *t, const char *caller, const char *key,
    unsigned status, const char *text);
/* Forget a reservation (the request failed in a way worth retrying). */
void apid_idem_drop(struct apid_idem *t, const char *caller, const char *key);

#endif
