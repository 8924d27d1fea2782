/*
 * smtp_nexthop.h — the next-hop transaction that mirrors the client's:
 * MAIL and each RCPT are forwarded before the client gets its reply, and
 * the message once every check has passed, so nothing gets 250 that the
 * next hop has not accepted. A connection comes from the pool or is made
 * anew; one that turns out dead is replaced, and the transaction so far
 * resent on a new one, in one place (smtp_nexthop_step).
 * Not for: the SMTP client itself (smtp_client.c), the pool
 * (smtp_client_pool.c), deciding about the message (smtp_eod_checks.c).
 */
#ifndef GOVMAIL_SMTP_NEXTHOP_H
#define GOVMAIL_SMTP_NEXTHOP_H

#include <stddef.h>

struct smtp_session;
struct smtp_reply;
struct message_range;

/* MAIL at the next hop (XFORWARD first when offered), on a new
 * connection once more if a reused one turns out dead. Returns the reply
 * code, 0 for none (r->fail says why). */
int smtp_nexthop_mail(struct smtp_session *s, struct smtp_reply *r);

/* RCPT for the command's recipient; the transaction is resent on a new
 * connection first if it was lost since MAIL. Returns the reply code,
 * 0 for none. */
int smtp_nexthop_rcpt(struct smtp_session *s, const char *rcpt, struct smtp_reply *r);

/* DATA with header (hlen bytes, added before the message) and the
 * spooled message without the nskip ranges skip; resent on a new
 * connection first if the idle one died before anything was sent.
 * Returns the final reply code, 0 for none (the connection is dropped). */
int smtp_nexthop_data(struct smtp_session *s, const char *header, size_t hlen,
    const struct message_range *skip, size_t nskip, struct smtp_reply *r);

/* 8-bit text MAIL did not declare: the next-hop transaction is begun
 * again with BODY=8BITMIME by the next smtp_nexthop_data, on the same
 * connection if it goes through the pool intact. */
void smtp_nexthop_redeclare_8bit(struct smtp_session *s);

/* Abort an open next-hop transaction (RSET), or drop the connection if
 * that fails. */
void smtp_nexthop_reset(struct smtp_session *s);

/* Pass a next-hop reply (4xx/5xx), or the lack of one, to the client. */
void smtp_nexthop_reply(struct smtp_session *s, const struct smtp_reply *r);

/* The session is over: its connection goes back to the pool (or is
 * closed while the daemon drains). */
void smtp_nexthop_release(struct smtp_session *s);

#endif
