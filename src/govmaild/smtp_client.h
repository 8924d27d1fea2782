/*
 * smtp_client.h — the SMTP client towards the next hop: connect, EHLO
 * (extensions: SIZE, 8BITMIME, PIPELINING, XFORWARD, STARTTLS), STARTTLS
 * when offered and wanted, XFORWARD, MAIL,
 * RCPT, DATA with dot-stuffing restored, RSET, QUIT; every wait bounded
 * by a timeout. One transaction at a time; only XFORWARD is pipelined
 * (with MAIL, when PIPELINING is offered).
 * Not for: deciding what the client of govmaild is told (smtp_session.c).
 */
#ifndef GOVMAIL_SMTP_CLIENT_H
#define GOVMAIL_SMTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct spool;
struct ssl_ctx_st;

/* Why there is no reply. */
enum smtp_client_fail {
	SMTP_CLIENT_OK = 0,
	SMTP_CLIENT_CONNECT,   /* could not connect or no greeting */
	SMTP_CLIENT_TIMEOUT,   /* no reply in time */
	SMTP_CLIENT_LOST,      /* connection closed or broken */
	SMTP_CLIENT_PROTOCOL,  /* garbled reply */
	SMTP_CLIENT_TLS        /* TLS required, but not offered or not verified */
};

/* A reply from the next hop, made safe to log and to pass back. */
struct smtp_reply {
	int code;                  /* 0 when there is no reply (see fail) */
	enum smtp_client_fail fail;
	char enh[16];              /* "5.1.1", or "" when none was given */
	char text[256];            /* printable ASCII, last line, no codes */
};

struct smtp_client_opts {
	const char *host;
	int port;
	const char *helo_name;
	int connect_timeout;       /* seconds, each */
	int command_timeout;
	int data_timeout;
	int use_xforward;          /* send XFORWARD if offered */
	struct ssl_ctx_st *tls;    /* STARTTLS when offered; NULL = never */
	int tls_required;          /* no STARTTLS or a failed one: SMTP_CLIENT_TLS */
};

/* What the next hop hears about the original client (NULL = unknown). */
struct smtp_client_xforward {
	const char *name, *addr, *port, *proto, *helo, *ident, *source;
};

struct smtp_client;

/* Connect, read the greeting, EHLO (HELO as fallback). NULL on failure
 * with the reason in r. */
struct smtp_client *smtp_client_open(const struct smtp_client_opts *o,
    struct smtp_reply *r);

/* Send XFORWARD with every attribute the next hop offers, unknown ones
 * (NULL) as [UNAVAILABLE] (no-op if it offers none or use_xforward is off).
 * With PIPELINING it goes out together with the MAIL that must follow. Returns 0, or -1 if the
 * connection failed (r says why). */
int smtp_client_xforward(struct smtp_client *c,
    const struct smtp_client_xforward *x, struct smtp_reply *r);

/* MAIL FROM:<from> [SIZE=] [BODY=8BITMIME]; size < 0: none. Returns the
 * reply code (0 = no reply, see r->fail). */
int smtp_client_mail(struct smtp_client *c, const char *from, long long size,
    int body_8bit, struct smtp_reply *r);
int smtp_client_rcpt(struct smtp_client *c, const char *to, struct smtp_reply *r);

/* DATA, then header (already CRLF-terminated lines, may be empty) and the
 * spooled content with dot-stuffing restored, leaving out the nskip byte
 * ranges skip (in order, not overlapping), then ".". Returns the final
 * reply code (or the refusal of DATA itself; 0 = no reply). */
struct message_range;
int smtp_client_data(struct smtp_client *c, const char *header, size_t hlen,
    struct spool *content, const struct message_range *skip, size_t nskip,
    struct smtp_reply *r);

/* Abort an open transaction (RSET). Returns 0, or -1 (connection unusable). */
int smtp_client_rset(struct smtp_client *c);

/* Still usable for another command: not broken, and the server has not
 * sent anything unasked (a 421 or EOF while idle). */
int smtp_client_usable(struct smtp_client *c);
/* Did the next hop offer 8BITMIME? 1 or 0; -1 for no connection (NULL). */
int smtp_client_8bitmime(const struct smtp_client *c);

/* "TLSv1.3:cipher" when the connection is encrypted, else "". */
const char *smtp_client_tls_info(const struct smtp_client *c, char *buf, size_t len);

/* Is a transaction (MAIL accepted, not finished) open? */
int smtp_client_in_transaction(const struct smtp_client *c);

/* Make an idle connection fit to be kept for another session: not
 * broken, nothing unread, and no transaction or XFORWARD state left —
 * RSET (waiting at most timeout_ms) unless the last thing said on it was
 * the final reply to a message. Returns 0, or -1 (close it). */
int smtp_client_park(struct smtp_client *c, int timeout_ms);

/* Milliseconds since the connection was made (now: smtp_io_now_ms()). */
uint64_t smtp_client_age_ms(const struct smtp_client *c, uint64_t now);

/* Count one more session served by c; returns the new count (2 = the
 * first reuse). */
unsigned int smtp_client_reused(struct smtp_client *c);

/* QUIT (briefly) if the connection is healthy, then close and free. */
void smtp_client_close(struct smtp_client *c);

/* Close and free without waiting for anything (QUIT sent only if the
 * socket takes it at once): for idle connections dropped by the pool. */
void smtp_client_close_now(struct smtp_client *c);

/* "451 4.4.1 text" style summary of a reply for logs (into buf). */
const char *smtp_reply_format(const struct smtp_reply *r, char *buf, size_t len);

#endif
