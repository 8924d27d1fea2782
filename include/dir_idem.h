/*
 * dir_idem.h — Idempotency-Key claims in the directory, shared by every
 * govmail-apid gateway: before a creation runs, the gateway adds an entry
 * named by the SHA-256 of (caller, key) below ou=idempotency; the add is
 * atomic, so of two gateways working on the same key only one makes the
 * account, and a retry that reaches any gateway finds the first one's
 * outcome (the account's DN and the first answer's status).
 * The entry holds hashes, a state, a status, a time and a DN: never the
 * key itself, never a password. A claim older than the TTL is not honoured
 * (deleted when met, and by dir_idem_sweep).
 * Not for: the in-memory table of one gateway (src/govmail-apid/apid_idem.h).
 */
#ifndef GOVMAIL_DIR_IDEM_H
#define GOVMAIL_DIR_IDEM_H

#include <stddef.h>

#include "dir.h"

#define DIR_IDEM_ID_LEN   64                 /* hex of SHA-256 */
#define DIR_IDEM_BODY_LEN (7 + 64)           /* "sha256:" hex */

/* A claim found in the directory. */
struct dir_idem_claim {
	char body_hash[DIR_IDEM_BODY_LEN + 1]; /* of the body first sent */
	int done;                  /* 0: the first request is still at work */
	unsigned status;           /* of the first answer, when done */
	char *account_dn;          /* the account it made, or NULL */
	char *account_uid;         /* that account's uid (RDN value), or NULL */
	long long claimed;         /* when (seconds since the epoch) */
};

/* The claim's name: SHA-256 hex of caller "\n" key (both any bytes). */
void dir_idem_id(const char *caller, const char *key, char out[DIR_IDEM_ID_LEN + 1]);
/* "sha256:<hex>" of a body's SHA-256 digest. */
void dir_idem_body_hash(const unsigned char digest[32], char out[DIR_IDEM_BODY_LEN + 1]);
/* 1 when a claim made at claimed is no longer honoured at now. */
int dir_idem_expired(long long claimed, int ttl, long long now);
/* The uid of "uid=X,..." (X unescaped), or NULL; malloc'd. */
char *dir_idem_dn_uid(const char *dn);

/*
 * Claim id for a body at time now (the in-progress entry is added).
 * DIR_OK: claimed, run the creation, then dir_idem_finish or dir_idem_drop.
 * DIR_EXISTS: another request has it; *found describes it (an expired
 * claim is deleted and the add tried once more first). Else the failure
 * (DIR_UNAVAILABLE...): nothing claimed.
 */
enum dir_status dir_idem_claim(struct dir *d, const char *id, const char *body_hash,
    const char *actor, int ttl, long long now, struct dir_idem_claim *found);
/* Mark a claim done with the first answer's status and the account made
 * (account_dn may be NULL: the outcome is not known). */
enum dir_status dir_idem_finish(struct dir *d, const char *id, unsigned status,
    const char *account_dn);
/* Remove a claim (the creation failed in a way worth retrying). */
enum dir_status dir_idem_drop(struct dir *d, const char *id);
/* Delete at most max claims made ttl seconds or more before now; *deleted
 * says how many. */
enum dir_status dir_idem_sweep(struct dir *d, int ttl, long long now, size_t max,
    size_t *deleted);
void dir_idem_claim_clear(struct dir_idem_claim *c);

#endif
