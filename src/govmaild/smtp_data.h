/*
 * smtp_data.h — the DATA reader: a byte-at-a-time state machine that finds
 * the one true end of the message (<CRLF>.<CRLF>, nothing else), removes
 * dot-stuffing, and flags what must not be relayed: bare CR or bare LF
 * (the SMTP smuggling vector), NUL bytes (a next hop that drops them
 * would see "<NUL>.<CRLF>" as an end), over-long lines, oversize messages.
 * Pure: it never reads a socket; the caller feeds bytes and gets content
 * through a callback. Not for: spooling (spool.c) or replies (smtp_session.c).
 */
#ifndef GOVMAIL_SMTP_DATA_H
#define GOVMAIL_SMTP_DATA_H

#include <stddef.h>

/* Problems found in a message (a bit set). */
#define SMTP_DATA_BARE_LF     0x01u  /* LF not preceded by CR */
#define SMTP_DATA_BARE_CR     0x02u  /* CR not followed by LF */
#define SMTP_DATA_LINE_LONG   0x04u  /* a line longer than max_line */
#define SMTP_DATA_TOO_BIG     0x08u  /* content longer than max_size */
#define SMTP_DATA_SINK_FAILED 0x10u  /* the output callback failed */
#define SMTP_DATA_NUL         0x20u  /* a NUL byte in the text */
#define SMTP_DATA_8BIT        0x40u  /* a byte >= 0x80 (information only) */

struct smtp_data_limits {
	unsigned long long max_size;  /* content bytes after unstuffing */
	size_t max_line;              /* bytes per line on the wire, without CRLF */
	int normalize_bare;           /* 1: bare CR/LF become CRLF; 0: reject */
	int strip_nul;                /* 1: NUL bytes are dropped; 0: reject */
};

/* Receives content; returns 0, or -1 to stop output (flags SINK_FAILED). */
typedef int (*smtp_data_out_fn)(void *arg, const char *buf, size_t len);

struct smtp_data {
	struct smtp_data_limits lim;
	smtp_data_out_fn out;
	void *out_arg;
	int state;
	unsigned int flags;
	size_t line_len;
	unsigned long long size;      /* content bytes produced (or counted) */
	unsigned long long wire;      /* bytes consumed */
	size_t olen;
	char obuf[4096];
};

void smtp_data_init(struct smtp_data *d, const struct smtp_data_limits *lim,
    smtp_data_out_fn out, void *out_arg);

/*
 * Feed len bytes. Consumes bytes up to and including the end-of-data
 * marker and sets *done when it has been seen (the rest of buf, e.g. a
 * pipelined QUIT, is left for the caller). Returns the bytes consumed.
 */
size_t smtp_data_feed(struct smtp_data *d, const char *buf, size_t len, int *done);

/* Problems seen so far (SMTP_DATA_* bits); 0 means relayable. */
unsigned int smtp_data_flags(const struct smtp_data *d);

/* Content size so far (after unstuffing and normalisation). */
unsigned long long smtp_data_size(const struct smtp_data *d);

#endif
