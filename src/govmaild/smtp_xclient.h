/*
 * smtp_xclient.h — XCLIENT and XFORWARD from a trusted front MTA
 * (smtpd.xclient_hosts; Postfix semantics): XCLIENT makes the session
 * start over as the original client, XFORWARD records that client for
 * the log and the next hop; and the XFORWARD attributes passed on to the
 * next hop (what it was told, else what this session knows).
 * Not for: the next-hop dialogue (smtp_nexthop.c, smtp_client.c).
 */
#ifndef GOVMAIL_SMTP_XCLIENT_H
#define GOVMAIL_SMTP_XCLIENT_H

struct smtp_session;
struct smtp_client_xforward;

/* The commands (parsed into s->cmd); replies queued. */
void smtp_xclient_cmd(struct smtp_session *s);
void smtp_xforward_cmd(struct smtp_session *s);

/* The attributes for XFORWARD at the next hop (pointing into s). */
void smtp_xforward_attrs(const struct smtp_session *s, struct smtp_client_xforward *x);

#endif
