/*
 * smtp_data.c — the DATA reader state machine (see smtp_data.h).
 *
 * Only CR LF "." CR LF ends a message. A line starts after CR LF (or at
 * the start of the message); only there is a leading dot stuffing to be
 * removed. After a bare LF or bare CR there is no "line start" in SMTP
 * terms: with normalisation on, the break is written as CRLF and a dot
 * that follows stays content (the output side stuffs it again), so
 * "\n.\n" can never become an end-of-data marker downstream.
 *
 * A NUL byte is content for the state machine (so "<CRLF><NUL>.<CRLF>"
 * is a line holding NUL and a dot, never an end here); it is flagged, and
 * either the message is refused or the NUL is left out of the output. A
 * NUL at the start of a line ends the "line start": the dot after it is
 * content and the output side stuffs it again.
 */
#include <stdint.h>
#include <string.h>

#include "smtp_data.h"

/* Eight bytes at a time (a 10 MB attachment is 16 MB of lines to
 * scan): the byte value c in every lane, and whether any lane of v is
 * zero (exact: no false positives, so a word without a hit is skipped). */
#define SMTP_DATA_LANES(c) ((uint64_t)(unsigned char)(c) * 0x0101010101010101ull)
#define SMTP_DATA_HAS_ZERO(v) \
	((((v) - 0x0101010101010101ull) & ~(v) & 0x8080808080808080ull) != 0)

static uint64_t
smtp_data_word(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Is any byte of p[0 .. n) 8-bit? */
static int
smtp_data_has_8bit(const char *p, size_t n)
{
	size_t i = 0;
	uint64_t acc = 0;

	for (; i + 8 <= n; i += 8)
		acc |= smtp_data_word(p + i);
	if (acc & 0x8080808080808080ull)
		return 1;
	for (; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

/* Bytes of p[0 .. n) before the first CR, LF or NUL. */
static size_t
smtp_data_span(const char *p, size_t n)
{
	const uint64_t cr = SMTP_DATA_LANES('\r'), lf = SMTP_DATA_LANES('\n');
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w = smtp_data_word(p + i), a = w ^ cr, b = w ^ lf;

		if (SMTP_DATA_HAS_ZERO(w) || SMTP_DATA_HAS_ZERO(a) || SMTP_DATA_HAS_ZERO(b))
			break;
	}
	for (; i < n && p[i] != '\r' && p[i] != '\n' && p[i] != '\0'; i++)
		;
	return i;
}

enum {
	SMTP_DATA_ST_BOL,     /* at the start of a line (after CRLF) */
	SMTP_DATA_ST_DOT,     /* "." at the start of a line */
	SMTP_DATA_ST_DOT_CR,  /* ".\r" at the start of a line */
	SMTP_DATA_ST_MID,     /* inside a line */
	SMTP_DATA_ST_CR       /* "\r" inside a line */
};

void
smtp_data_init(struct smtp_data *d, const struct smtp_data_limits *lim,
    smtp_data_out_fn out, void *out_arg)
{
	memset(d, 0, sizeof(*d));
	d->lim = *lim;
	d->out = out;
	d->out_arg = out_arg;
	d->state = SMTP_DATA_ST_BOL;
}

/* Once one of these is set the message will not be relayed: stop output. */
static int
smtp_data_stopped(const struct smtp_data *d)
{
	unsigned int mask = SMTP_DATA_LINE_LONG | SMTP_DATA_TOO_BIG |
	    SMTP_DATA_SINK_FAILED;

	if (!d->lim.normalize_bare)
		mask |= SMTP_DATA_BARE_LF | SMTP_DATA_BARE_CR;
	if (!d->lim.strip_nul)
		mask |= SMTP_DATA_NUL;
	return (d->flags & mask) != 0;
}

static void
smtp_data_flush(struct smtp_data *d)
{
	if (d->olen > 0 && !smtp_data_stopped(d) &&
	    d->out(d->out_arg, d->obuf, d->olen) != 0)
		d->flags |= SMTP_DATA_SINK_FAILED;
	d->olen = 0;
}

static void
smtp_data_emit(struct smtp_data *d, const char *p, size_t n)
{
	/* 8-bit text: the end of DATA must know (BODY=8BITMIME). */
	if (!(d->flags & SMTP_DATA_8BIT) && smtp_data_has_8bit(p, n))
		d->flags |= SMTP_DATA_8BIT;
	d->size += n;
	if (d->size > d->lim.max_size)
		d->flags |= SMTP_DATA_TOO_BIG;
	if (smtp_data_stopped(d)) {
		d->olen = 0;
		return;
	}
	while (n > 0) {
		size_t room = sizeof(d->obuf) - d->olen, k = n < room ? n : room;

		memcpy(d->obuf + d->olen, p, k);
		d->olen += k;
		p += k;
		n -= k;
		if (d->olen == sizeof(d->obuf))
			smtp_data_flush(d);
	}
}

/* A bare CR or LF: flag it and, when normalising, end the line with CRLF. */
static void
smtp_data_bare(struct smtp_data *d, unsigned int what)
{
	d->flags |= what;
	smtp_data_emit(d, "\r\n", 2);
	d->line_len = 0;
	d->state = SMTP_DATA_ST_MID;
}

static void
smtp_data_count_line(struct smtp_data *d, size_t n)
{
	d->line_len += n;
	if (d->line_len > d->lim.max_line)
		d->flags |= SMTP_DATA_LINE_LONG;
}

size_t
smtp_data_feed(struct smtp_data *d, const char *buf, size_t len, int *done)
{
	size_t i, j;

	*done = 0;
	for (i = 0; i < len; i++) {
		char c = buf[i];
again:
		switch (d->state) {
		case SMTP_DATA_ST_BOL:
			if (c == '.') {
				smtp_data_count_line(d, 1);
				d->state = SMTP_DATA_ST_DOT;
				break;
			}
			d->state = SMTP_DATA_ST_MID;
			goto again;
		case SMTP_DATA_ST_DOT:
			if (c == '\r') {
				d->state = SMTP_DATA_ST_DOT_CR;
				break;
			}
			if (c == '\n') {
				/* "." then a bare LF: content, not an end. */
				smtp_data_emit(d, ".", 1);
				smtp_data_bare(d, SMTP_DATA_BARE_LF);
				break;
			}
			/* The stuffed dot is dropped; c is content. */
			d->state = SMTP_DATA_ST_MID;
			goto again;
		case SMTP_DATA_ST_DOT_CR:
			if (c == '\n') {
				d->wire += i + 1;
				smtp_data_flush(d);
				*done = 1;
				return i + 1;
			}
			/* ".\r" then something else: a bare CR, not an end. */
			smtp_data_emit(d, ".", 1);
			smtp_data_bare(d, SMTP_DATA_BARE_CR);
			goto again;
		case SMTP_DATA_ST_MID:
			if (c == '\r') {
				d->state = SMTP_DATA_ST_CR;
				break;
			}
			if (c == '\n') {
				smtp_data_bare(d, SMTP_DATA_BARE_LF);
				break;
			}
			if (c == '\0') {
				d->flags |= SMTP_DATA_NUL;
				smtp_data_count_line(d, 1);
				if (!d->lim.strip_nul)
					smtp_data_emit(d, "", 1);
				break;
			}
			j = i + smtp_data_span(buf + i, len - i);
			smtp_data_count_line(d, j - i);
			smtp_data_emit(d, buf + i, j - i);
			i = j - 1;
			break;
		case SMTP_DATA_ST_CR:
			if (c == '\n') {
				smtp_data_emit(d, "\r\n", 2);
				d->line_len = 0;
				d->state = SMTP_DATA_ST_BOL;
				break;
			}
			smtp_data_bare(d, SMTP_DATA_BARE_CR);
			goto again;
		}
	}
	d->wire += len;
	smtp_data_flush(d);
	return len;
}

unsigned int
smtp_data_flags(const struct smtp_data *d)
{
	return d->flags;
}

unsigned long long
smtp_data_size(const struct smtp_data *d)
{
	return d->size;
}
