/*
 * anvil.h — per-client-address counters across sessions, in the spirit of
 * Postfix's anvil(8) but inside govmaild: concurrent sessions, new
 * sessions and failed AUTH per time unit, for each client address (IPv6
 * by /64: one host owns at least that much). A fixed-capacity hash table:
 * its memory is allocated once (anvil_new) and never grows; addresses
 * without a session are forgotten once their time unit is over, or, when
 * the table is full, the least recently seen one first.
 * Not thread-safe (client_limits.c holds the lock); no configuration, no
 * I/O, so it is unit-tested alone.
 * Not for: which addresses are exempt or what the client is told
 * (client_limits.c).
 */
#ifndef GOVMAIL_ANVIL_H
#define GOVMAIL_ANVIL_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr_storage;

struct anvil_key {
	unsigned char b[17];          /* family (4 or 6), then the address */
};

/* The key of an address, numeric text or a socket address; -1 if neither
 * IPv4 nor IPv6. IPv4-mapped IPv6 counts as IPv4; IPv6 by its /64. */
int anvil_key_from_string(const char *addr, struct anvil_key *k);
int anvil_key_from_sockaddr(const struct sockaddr_storage *ss, struct anvil_key *k);

/* Limits; 0 = none. */
struct anvil_limits {
	unsigned int conn_count;      /* concurrent sessions */
	unsigned int conn_rate;       /* new sessions per unit */
	unsigned int auth_failures;   /* failed AUTH per unit */
	uint64_t unit_ms;             /* the time unit of the rates */
};

enum anvil_verdict {
	ANVIL_OK,                     /* counted: anvil_disconnect at its end */
	ANVIL_CONN_COUNT,             /* too many sessions from the address */
	ANVIL_CONN_RATE,              /* too many new sessions in this unit */
	ANVIL_FULL                    /* no room: every address has a session */
};

struct anvil;

/* A table for at most capacity addresses; seed keys the hash (random in
 * the daemon, so nobody can aim many addresses at one chain). */
struct anvil *anvil_new(size_t capacity, uint64_t seed);
void anvil_free(struct anvil *a);

/* A new session from k at now (ms): counted (ANVIL_OK) or refused (the
 * attempt still counts towards the rate). */
enum anvil_verdict anvil_connect(struct anvil *a, const struct anvil_key *k,
    const struct anvil_limits *lim, uint64_t now);

/* A session counted by anvil_connect has ended. */
void anvil_disconnect(struct anvil *a, const struct anvil_key *k, uint64_t now);

/* A failed AUTH from k: returns 1 when the address has now reached
 * lim->auth_failures in this unit. */
int anvil_auth_failed(struct anvil *a, const struct anvil_key *k,
    const struct anvil_limits *lim, uint64_t now);

/* Has k reached lim->auth_failures in this unit already? */
int anvil_auth_blocked(struct anvil *a, const struct anvil_key *k,
    const struct anvil_limits *lim, uint64_t now);

/* Forget addresses without a session whose unit is over; returns how many. */
size_t anvil_expire(struct anvil *a, uint64_t unit_ms, uint64_t now);

/* Addresses tracked now; sessions counted for k (tests, logs). */
size_t anvil_size(const struct anvil *a);
unsigned int anvil_sessions(const struct anvil *a, const struct anvil_key *k);

#endif
