/*
 * smtp_session.h — one SMTP connection from greeting to close: command
 * sequencing, limits, the DATA phase, and the next-hop transaction that
 * mirrors the client's (so no 250 is given for anything the next hop has
 * not accepted). Runs in its own thread with blocking, deadline-bounded
 * I/O. The session's parts: smtp_state.h (its state), smtp_eod_checks.c
 * (after the final dot), smtp_nexthop.c, smtp_auth_proto.c,
 * smtp_xclient.c, smtp_policy_req.c.
 * Not for: accepting connections (listener.c), the policy rules
 * (policy.c), byte-level parsing (smtp_parser.c, smtp_data.c).
 */
#ifndef GOVMAIL_SMTP_SESSION_H
#define GOVMAIL_SMTP_SESSION_H

#include <sys/socket.h>

struct daemon_conf;

/* What a listener is for. */
enum smtp_role {
	SMTP_ROLE_RELAY,        /* front MTA, trusted networks; policy decides */
	SMTP_ROLE_SUBMISSION    /* mail clients: STARTTLS, then AUTH, then MAIL */
};

/* Serve the connection fd from peer until it ends; closes fd. */
void smtp_session_run(int fd, const struct sockaddr_storage *peer,
    enum smtp_role role, struct daemon_conf *dc);

/* A new random id (12 upper-case hex digits) for sessions and messages. */
void smtp_session_new_id(char out[13]);

#endif
