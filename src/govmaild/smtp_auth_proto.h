/*
 * smtp_auth_proto.h — the AUTH command's exchange (RFC 4954) on the
 * submission listener after STARTTLS: when it is allowed, the 334
 * challenges and their base64 answers for PLAIN and LOGIN, checking the
 * credentials (auth_ldap.c) and the replies and log lines. Secrets are
 * wiped from every buffer they passed through.
 * Not for: decoding the mechanisms (smtp_auth.c).
 */
#ifndef GOVMAIL_SMTP_AUTH_PROTO_H
#define GOVMAIL_SMTP_AUTH_PROTO_H

struct smtp_session;

/* AUTH mechanism [initial-response], parsed into s->cmd; the session
 * ends (s->quit) when the exchange cannot go on. */
void smtp_auth_proto_cmd(struct smtp_session *s);

#endif
