/*
 * smtp_state.h — the state of one SMTP session (struct smtp_session), as
 * shared by the modules that serve it: the command loop (smtp_session.c),
 * the end-of-data checks (smtp_eod_checks.c), the next-hop mirror
 * (smtp_nexthop.c), AUTH (smtp_auth_proto.c), XCLIENT/XFORWARD
 * (smtp_xclient.c) and the policy requests (smtp_policy_req.c); the
 * explicit protocol state with its checked transitions, and the reply
 * and log helpers they all use (smtp_session.c).
 * Not for: anything outside a session (listener.c, daemon.c).
 */
#ifndef GOVMAIL_SMTP_STATE_H
#define GOVMAIL_SMTP_STATE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "smtp_auth.h"
#include "smtp_guard.h"
#include "smtp_io.h"
#include "smtp_parser.h"
#include "smtp_session.h"

#define SMTP_ID_LEN 12

/*
 * Where the client is in the protocol (RFC 5321 4.1.4). The transitions
 * (smtp_state_set) are: CONNECTED -> GREETED (HELO/EHLO), GREETED ->
 * GREETED (HELO/EHLO again), GREETED -> MAIL (MAIL accepted), MAIL ->
 * GREETED (end of the transaction: DATA done, RSET, an abort), and any ->
 * CONNECTED (STARTTLS and XCLIENT start over; the transaction is reset
 * first). Whether the session ends is apart (quit): a transaction may be
 * open when it does, and is then logged as aborted.
 */
enum smtp_state {
	SMTP_STATE_CONNECTED = 0,   /* greeting sent; HELO/EHLO needed */
	SMTP_STATE_GREETED,         /* HELO/EHLO done; no transaction */
	SMTP_STATE_MAIL             /* MAIL accepted: RCPT, DATA allowed */
};

struct smtp_client;
struct spool;
struct daemon_conf;
struct govmail_conf;

struct smtp_session {
	struct smtp_io io;
	enum smtp_role role;
	struct daemon_conf *dc;
	const struct govmail_conf *conf;
	struct policy_directory dir;     /* the policy's view of LDAP ... */
	const struct policy_directory *pdir;   /* ... or NULL (policy.use_directory) */
	char sid[SMTP_ID_LEN + 1];
	uint64_t start_ms;
	enum smtp_state state;           /* change only with smtp_state_set */

	/* The connection as seen by the kernel. */
	char peer_addr[INET6_ADDRSTRLEN];
	char peer_port[8];
	int xclient_ok;                  /* peer may send XCLIENT/XFORWARD */

	/* The client as it counts for policy and logs (XCLIENT may set it). */
	char client_addr[INET6_ADDRSTRLEN + 8];
	char client_name[SMTP_XATTR_VALUE_MAX + 1];
	char client_port[8];
	char client_login[SMTP_XATTR_VALUE_MAX + 1];
	char client_helo[SMTP_XATTR_VALUE_MAX + 1];  /* from XCLIENT HELO= */

	char helo[SMTP_ARG_MAX + 1];
	int esmtp;                       /* the greeting was EHLO */

	/* SMTP AUTH (submission, after STARTTLS): the login and its account. */
	char auth_login[SMTP_AUTH_USER_MAX + 1];
	char auth_account[SMTP_ADDR_MAX + 1];

	/* XFORWARD attributes, for the next transaction. */
	char xf_name[SMTP_XATTR_VALUE_MAX + 1], xf_addr[SMTP_XATTR_VALUE_MAX + 1];
	char xf_port[SMTP_XATTR_VALUE_MAX + 1], xf_proto[SMTP_XATTR_VALUE_MAX + 1];
	char xf_helo[SMTP_XATTR_VALUE_MAX + 1], xf_ident[SMTP_XATTR_VALUE_MAX + 1];
	char xf_source[SMTP_XATTR_VALUE_MAX + 1];
	int xf_set;

	/* The mail transaction (state SMTP_STATE_MAIL). */
	char qid[SMTP_ID_LEN + 1];
	char sender[SMTP_ADDR_MAX + 1];
	long long declared_size;
	int outbound;                    /* an accepted recipient is outside */
	int body_8bit;
	char **rcpts;
	size_t nrcpts, rcpt_cmds;
	uint64_t txn_start, txn_deadline;

	struct smtp_client *nh;
	struct spool *spool;

	unsigned int commands, messages;
	struct smtp_guard guard;         /* junk commands, lifetime (issue #17) */
	int errors;
	int quit;                        /* the session ends after this command */
	const char *end_reason;

	struct smtp_command cmd;
	char *line;
	char last_reply[320];
};

/* Move to state to; a transition not listed above is a bug (logged, abort). */
void smtp_state_set(struct smtp_session *s, enum smtp_state to);

static inline int
smtp_state_greeted(const struct smtp_session *s)
{
	return s->state != SMTP_STATE_CONNECTED;
}

static inline int
smtp_state_in_mail(const struct smtp_session *s)
{
	return s->state == SMTP_STATE_MAIL;
}

/* HELO as XCLIENT gave it, else as the client said it. */
static inline const char *
session_effective_helo(const struct smtp_session *s)
{
	return s->client_helo[0] ? s->client_helo : s->helo;
}

/* The login the policy sees: our own AUTH, or XCLIENT LOGIN= from the
 * front MTA. NULL when the client is not authenticated. */
static inline const char *
session_login(const struct smtp_session *s)
{
	if (s->auth_login[0] != '\0')
		return s->auth_login;
	return s->client_login[0] ? s->client_login : NULL;
}

/* The reply and log helpers (smtp_session.c). */
void session_reply(struct smtp_session *s, int code, const char *enh,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A reply for something the client did wrong: counts towards max_errors. */
void session_error(struct smtp_session *s, int code, const char *enh,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A policy verdict as the reply (an error from 500 on). */
void session_reply_verdict(struct smtp_session *s, const struct policy_verdict *v);
/* Log a refused command with the session or message id. */
void session_log_reject(struct smtp_session *s, const char *what, const char *rule);
/* One line in the log for a message, whatever became of it. */
void session_log_message(struct smtp_session *s, const char *verdict,
    unsigned long long size, const char *nexthop);
/* Escape a user string for a log field. */
const char *session_esc(char *buf, size_t len, const char *s);
/* RFC 3848 "with" protocol: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA. */
const char *session_proto(const struct smtp_session *s);
/* Abort the transaction here and at the next hop; keep the session. */
void session_reset_txn(struct smtp_session *s);

#endif
