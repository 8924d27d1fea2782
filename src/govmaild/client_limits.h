/*
 * client_limits.h — govmaild's per-client-address limits across
 * sessions (issue #17): concurrent sessions, new sessions and failed AUTH
 * per time unit (smtpd.client_*), with policy.trusted_networks and
 * smtpd.xclient_hosts exempt, like Postfix's smtpd_client_*_limit with
 * smtpd_client_event_limit_exceptions = $mynetworks. One process-wide
 * table (anvil.c) behind a lock: the listener asks at accept, a session
 * at AUTH. Not for: the table itself (anvil.c) or limits within one
 * session (smtp_session.c, smtp_guard.c).
 */
#ifndef GOVMAIL_CLIENT_LIMITS_H
#define GOVMAIL_CLIENT_LIMITS_H

#include <stddef.h>

struct daemon_conf;
struct sockaddr_storage;

/* Make the table (smtpd.client_table_size addresses) at start; free it
 * at exit, once no session is left. */
void client_limits_init(const struct daemon_conf *dc);
void client_limits_shutdown(void);

/*
 * A connection from peer is about to become a session. 0: go on; *counted
 * says whether client_limits_end must be called when the session ends.
 * -1: refuse it with "421 ENH HOST TEXT" (enh and text filled in; logged).
 */
int client_limits_begin(const struct daemon_conf *dc, const struct sockaddr_storage *peer,
    int *counted, char enh[8], char *text, size_t tlen);
void client_limits_end(const struct sockaddr_storage *peer);

/* Forget idle addresses whose time unit is over (about once a second). */
void client_limits_expire(const struct daemon_conf *dc);

/* AUTH from addr (numeric): 1 if it has had smtpd.client_auth_failure_limit
 * failures in this unit (refuse the AUTH with 421 and close). */
int client_limits_auth_blocked(const struct daemon_conf *dc, const char *addr);
/* A failed AUTH from addr; 1 when that reached the limit (then 421 and close). */
int client_limits_auth_failed(const struct daemon_conf *dc, const char *addr);

#endif
