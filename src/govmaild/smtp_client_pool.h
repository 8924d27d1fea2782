/*
 * smtp_client_pool.h — idle next-hop connections kept between sessions
 * (like Postfix's smtp connection cache): a session ending gives its
 * connection back, a later session takes it instead of connecting, and
 * saves the connect, greeting, EHLO (and STARTTLS) round trips.
 *
 * A connection is reused only by a session running under the same
 * configuration snapshot it was made under (daemon_conf.gen: a reload
 * never hands out a connection to the old next hop or with old
 * settings), only with no transaction or XFORWARD state left on it
 * (smtp_client_park: RSET accepted, unless the last thing said was the
 * final reply to a message), only if the next hop has not
 * closed it or said anything since, and only within next_hop.pool_max_age
 * of its making. At most next_hop.pool_size are kept, each for at most
 * next_hop.pool_idle_timeout seconds.
 * Not for: what is said on a connection (smtp_client.c, smtp_session.c).
 */
#ifndef GOVMAIL_SMTP_CLIENT_POOL_H
#define GOVMAIL_SMTP_CLIENT_POOL_H

struct daemon_conf;
struct smtp_client;

/* An idle connection made under dc, checked alive, or NULL. */
struct smtp_client *smtp_client_pool_take(const struct daemon_conf *dc);

/* A session is done with c (made under dc): keep it for later sessions
 * if it is fit (see above) and there is room, else close it. */
void smtp_client_pool_give(const struct daemon_conf *dc, struct smtp_client *c);

/* Close the connections idle for too long; called about once a second. */
void smtp_client_pool_expire(void);

/* Close every pooled connection (at exit). */
void smtp_client_pool_flush(void);

#endif
