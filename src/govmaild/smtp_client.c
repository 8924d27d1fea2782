/*
 * smtp_client.c — next-hop SMTP client (see smtp_client.h). Replies are
 * parsed strictly (three digits, same code on every line, bounded line
 * count and length) and their text reduced to printable ASCII before it
 * goes anywhere else.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "message.h"
#include "smtp_client.h"
#include "smtp_io.h"
#include "smtp_parser.h"
#include "spool.h"
#include "xmalloc.h"

#define SMTP_CLIENT_REPLY_LINE_MAX 2048
#define SMTP_CLIENT_REPLY_LINES_MAX 100
#define SMTP_CLIENT_CMD_MAX 512

/* XFORWARD attributes the next hop offers. */
#define XF_NAME  0x01u
#define XF_ADDR  0x02u
#define XF_PORT  0x04u
#define XF_PROTO 0x08u
#define XF_HELO  0x10u
#define XF_IDENT 0x20u
#define XF_SOURCE 0x40u

struct smtp_client {
	struct smtp_io io;
	int command_timeout, data_timeout;   /* ms */
	int use_xforward;
	int ext_size, ext_8bitmime, ext_pipelining, ext_starttls;
	unsigned int xforward;               /* XF_* offered */
	int in_txn;
	int unread;                          /* replies owed to queued XFORWARDs */
	int dirty;                           /* XFORWARD or MAIL sent since the last
	                                        end of a transaction or RSET */
	int broken;
	uint64_t born_ms;                    /* when it was connected */
	unsigned int uses;                   /* sessions it served (1 = the first) */
};

const char *
smtp_reply_format(const struct smtp_reply *r, char *buf, size_t len)
{
	static const char *const why[] = { "ok", "cannot connect", "timeout",
		"connection lost", "protocol error", "TLS required" };

	if (r->code == 0)
		snprintf(buf, len, "no reply (%s%s%s)", why[r->fail],
		    r->text[0] ? ": " : "", r->text);
	else
		snprintf(buf, len, "%d%s%s %s", r->code, r->enh[0] ? " " : "", r->enh,
		    r->text);
	return buf;
}

static void
smtp_client_set_fail(struct smtp_client *c, struct smtp_reply *r,
    enum smtp_io_status st)
{
	memset(r, 0, sizeof(*r));
	r->fail = st == SMTP_IO_TIMEOUT ? SMTP_CLIENT_TIMEOUT :
	    st == SMTP_IO_TOOLONG ? SMTP_CLIENT_PROTOCOL : SMTP_CLIENT_LOST;
	if (c != NULL)
		c->broken = 1;
}

/* Copy the reply text (printable ASCII only) and split off "x.y.z ". */
static void
smtp_client_take_text(struct smtp_reply *r, const char *t, int code)
{
	size_t i, o = 0;
	int a, b, d, n = 0;

	if (sscanf(t, "%1d.%3d.%3d%n", &a, &b, &d, &n) == 3 && n > 0 &&
	    (t[n] == ' ' || t[n] == '\0') && a == code / 100) {
		snprintf(r->enh, sizeof(r->enh), "%d.%d.%d", a, b, d);
		t += n;
		while (*t == ' ')
			t++;
	} else {
		r->enh[0] = '\0';
	}
	for (i = 0; t[i] != '\0' && o + 1 < sizeof(r->text); i++)
		r->text[o++] = (t[i] >= 0x20 && t[i] < 0x7f) ? t[i] : '?';
	r->text[o] = '\0';
}

typedef void (*smtp_client_line_fn)(struct smtp_client *c, const char *text);

/* Read one (multi-line) reply; returns its code or 0 (r->fail set). */
static int
smtp_client_reply(struct smtp_client *c, int timeout_ms, struct smtp_reply *r,
    smtp_client_line_fn each)
{
	char *line = xmalloc(SMTP_CLIENT_REPLY_LINE_MAX + 1);
	uint64_t deadline = smtp_io_now_ms() + (uint64_t)timeout_ms;
	int code = 0, lines = 0;
	size_t len;

	memset(r, 0, sizeof(*r));
	for (;;) {
		enum smtp_io_status st = smtp_io_read_line(&c->io, line,
		    SMTP_CLIENT_REPLY_LINE_MAX, &len, deadline);
		int this;

		if (st != SMTP_IO_OK) {
			smtp_client_set_fail(c, r, st);
			free(line);
			return 0;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
		    line[1] > '9' || line[2] < '0' || line[2] > '9' ||
		    (len > 3 && line[3] != ' ' && line[3] != '-') ||
		    ++lines > SMTP_CLIENT_REPLY_LINES_MAX) {
			smtp_client_set_fail(c, r, SMTP_IO_TOOLONG);
			snprintf(r->text, sizeof(r->text), "garbled reply");
			free(line);
			return 0;
		}
		this = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (code != 0 && this != code) {
			smtp_client_set_fail(c, r, SMTP_IO_TOOLONG);
			snprintf(r->text, sizeof(r->text), "reply codes differ between lines");
			free(line);
			return 0;
		}
		code = this;
		if (each != NULL)
			each(c, len > 4 ? line + 4 : "");
		if (len == 3 || line[3] == ' ') {
			smtp_client_take_text(r, len > 4 ? line + 4 : "", code);
			r->code = code;
			free(line);
			if (code == 421)
				c->broken = 1;
			return code;
		}
	}
}

/* Send one command line (after any queued ones) and read its reply.
 * Replies to queued commands are read first; one missing makes the
 * connection broken (returns 0). */
static int
smtp_client_command(struct smtp_client *c, const char *cmd, struct smtp_reply *r)
{
	uint64_t deadline = smtp_io_now_ms() + (uint64_t)c->command_timeout;
	enum smtp_io_status st;

	if (c->broken) {
		memset(r, 0, sizeof(*r));
		r->fail = SMTP_CLIENT_LOST;
		return 0;
	}
	if ((st = smtp_io_printf(&c->io, deadline, "%s\r\n", cmd)) != SMTP_IO_OK ||
	    (st = smtp_io_flush(&c->io, deadline)) != SMTP_IO_OK) {
		smtp_client_set_fail(c, r, st);
		return 0;
	}
	for (; c->unread > 0; c->unread--)
		if (smtp_client_reply(c, c->command_timeout, r, NULL) == 0 || c->broken) {
			smtp_client_set_fail(c, r, SMTP_IO_EOF);   /* 421: closing */
			c->unread = 0;
			return 0;
		}
	return smtp_client_reply(c, c->command_timeout, r, NULL);
}

/* XFORWARD line: queued behind the next command when the next hop offers
 * PIPELINING (its reply is read then), else sent and answered now.
 * Returns 0, or -1 if the connection failed (r says why). */
static int
smtp_client_xforward_line(struct smtp_client *c, const char *line, struct smtp_reply *r)
{
	enum smtp_io_status st;

	if (!c->ext_pipelining)
		return smtp_client_command(c, line, r) == 0 ? -1 : 0;
	if ((st = smtp_io_printf(&c->io, smtp_io_now_ms() + (uint64_t)c->command_timeout,
	    "%s\r\n", line)) != SMTP_IO_OK) {
		smtp_client_set_fail(c, r, st);
		return -1;
	}
	c->unread++;
	return 0;
}

static void
smtp_client_ehlo_line(struct smtp_client *c, const char *t)
{
	char word[32];
	size_t n = strcspn(t, " ");

	if (n >= sizeof(word))
		return;
	memcpy(word, t, n);
	word[n] = '\0';
	if (strcasecmp(word, "SIZE") == 0)
		c->ext_size = 1;
	else if (strcasecmp(word, "8BITMIME") == 0)
		c->ext_8bitmime = 1;
	else if (strcasecmp(word, "PIPELINING") == 0)
		c->ext_pipelining = 1;
	else if (strcasecmp(word, "STARTTLS") == 0)
		c->ext_starttls = 1;
	else if (strcasecmp(word, "XFORWARD") == 0) {
		static const struct { const char *n; unsigned int bit; } attrs[] = {
			{ "NAME", XF_NAME }, { "ADDR", XF_ADDR }, { "PORT", XF_PORT },
			{ "PROTO", XF_PROTO }, { "HELO", XF_HELO }, { "IDENT", XF_IDENT },
			{ "SOURCE", XF_SOURCE },
		};
		const char *p = t + n;

		while (*p == ' ')
			p++;
		while (*p != '\0') {
			size_t k = strcspn(p, " "), i;

			for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
				if (strlen(attrs[i].n) == k && strncasecmp(p, attrs[i].n, k) == 0)
					c->xforward |= attrs[i].bit;
			p += k;
			while (*p == ' ')
				p++;
		}
	}
}

/* Non-blocking connect to one address, bounded by deadline. */
static int
smtp_client_connect_one(const struct addrinfo *ai, uint64_t deadline)
{
	int fd, err = 0, one = 1;
	socklen_t elen = sizeof(err);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		for (;;) {
			uint64_t now = smtp_io_now_ms();
			struct pollfd pfd = { fd, POLLOUT, 0 };
			int r;

			if (now >= deadline) {
				errno = ETIMEDOUT;
				goto fail;
			}
			r = poll(&pfd, 1, (int)(deadline - now));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				errno = r == 0 ? ETIMEDOUT : errno;
				goto fail;
			}
			break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
			errno = err ? err : errno;
			goto fail;
		}
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* The next hop would not talk to us at all: whatever it said, that is a
 * connection failure (the client gets 4xx), never a 5xx to pass back. */
static void
smtp_client_refused(struct smtp_reply *r, const char *stage)
{
	char was[200];

	if (r->code == 0) {
		r->fail = SMTP_CLIENT_CONNECT;
		return;
	}
	snprintf(was, sizeof(was), "%.199s", r->text);
	snprintf(r->text, sizeof(r->text), "%.12s refused: %d %s", stage, r->code, was);
	r->code = 0;
	r->enh[0] = '\0';
	r->fail = SMTP_CLIENT_CONNECT;
}

/*
 * STARTTLS, then EHLO again (what was offered before TLS is forgotten).
 * A refused STARTTLS leaves the connection in plaintext, unless TLS is
 * required (then it is SMTP_CLIENT_TLS); a failed handshake (with
 * tls_required, also a certificate that does not verify) makes it
 * unusable. Returns 0, or -1 with r.
 */
static int
smtp_client_starttls(struct smtp_client *c, const struct smtp_client_opts *o,
    struct smtp_reply *r)
{
	char cmd[SMTP_CLIENT_CMD_MAX], err[256];
	int code;

	code = smtp_client_command(c, "STARTTLS", r);
	if (code == 0) {
		r->fail = SMTP_CLIENT_CONNECT;
		return -1;
	}
	if (code != 220 && o->tls_required) {
		smtp_client_refused(r, "STARTTLS");
		r->fail = SMTP_CLIENT_TLS;
		return -1;
	}
	if (code != 220)
		return 0;
	if (smtp_io_starttls(&c->io, o->tls, 0, smtp_io_now_ms() +
	    (uint64_t)c->command_timeout, err, sizeof(err)) != SMTP_IO_OK) {
		memset(r, 0, sizeof(*r));
		r->fail = o->tls_required ? SMTP_CLIENT_TLS : SMTP_CLIENT_CONNECT;
		snprintf(r->text, sizeof(r->text), "TLS handshake: %.200s", err);
		c->broken = 1;
		return -1;
	}
	c->ext_size = c->ext_8bitmime = c->ext_pipelining = c->ext_starttls = 0;
	c->xforward = 0;
	snprintf(cmd, sizeof(cmd), "EHLO %s", o->helo_name);
	if (smtp_io_printf(&c->io, smtp_io_now_ms() + (uint64_t)c->command_timeout,
	    "%s\r\n", cmd) != SMTP_IO_OK ||
	    smtp_io_flush(&c->io, smtp_io_now_ms() + (uint64_t)c->command_timeout) != SMTP_IO_OK) {
		smtp_client_set_fail(c, r, SMTP_IO_ERROR);
		r->fail = SMTP_CLIENT_CONNECT;
		return -1;
	}
	code = smtp_client_reply(c, c->command_timeout, r, smtp_client_ehlo_line);
	if (code < 200 || code > 299) {
		smtp_client_refused(r, "EHLO after STARTTLS");
		return -1;
	}
	return 0;
}

const char *
smtp_client_tls_info(const struct smtp_client *c, char *buf, size_t len)
{
	return smtp_io_tls_info(&c->io, buf, len);
}

struct smtp_client *
smtp_client_open(const struct smtp_client_opts *o, struct smtp_reply *r)
{
	struct addrinfo hints, *res = NULL, *ai;
	uint64_t deadline = smtp_io_now_ms() + (uint64_t)o->connect_timeout * 1000;
	struct smtp_client *c;
	char port[16], cmd[SMTP_CLIENT_CMD_MAX];
	int fd = -1, gai, code;

	memset(r, 0, sizeof(*r));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", o->port);
	if ((gai = getaddrinfo(o->host, port, &hints, &res)) != 0) {
		r->fail = SMTP_CLIENT_CONNECT;
		snprintf(r->text, sizeof(r->text), "%s: %s", o->host, gai_strerror(gai));
		return NULL;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = smtp_client_connect_one(ai, deadline);
	freeaddrinfo(res);
	if (fd < 0) {
		r->fail = SMTP_CLIENT_CONNECT;
		snprintf(r->text, sizeof(r->text), "%s:%d: %s", o->host, o->port,
		    strerror(errno));
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	smtp_io_init(&c->io, fd);
	c->command_timeout = o->command_timeout * 1000;
	c->data_timeout = o->data_timeout * 1000;
	c->use_xforward = o->use_xforward;
	c->born_ms = smtp_io_now_ms();
	c->uses = 1;
	code = smtp_client_reply(c, (int)(deadline > smtp_io_now_ms() ?
	    deadline - smtp_io_now_ms() : 1), r, NULL);
	if (code != 220) {
		smtp_client_refused(r, "greeting");
		smtp_client_close(c);
		return NULL;
	}
	snprintf(cmd, sizeof(cmd), "EHLO %s", o->helo_name);
	if (smtp_io_printf(&c->io, deadline, "%s\r\n", cmd) != SMTP_IO_OK ||
	    smtp_io_flush(&c->io, deadline) != SMTP_IO_OK) {
		smtp_client_set_fail(c, r, SMTP_IO_ERROR);
		smtp_client_close(c);
		return NULL;
	}
	code = smtp_client_reply(c, c->command_timeout, r, smtp_client_ehlo_line);
	if (code >= 500 && code < 600) {
		snprintf(cmd, sizeof(cmd), "HELO %s", o->helo_name);
		code = smtp_client_command(c, cmd, r);
	}
	if (code < 200 || code > 299) {
		smtp_client_refused(r, "EHLO/HELO");
		smtp_client_close(c);
		return NULL;
	}
	if (o->tls_required && (o->tls == NULL || !c->ext_starttls)) {
		memset(r, 0, sizeof(*r));
		r->fail = SMTP_CLIENT_TLS;
		snprintf(r->text, sizeof(r->text), "STARTTLS not offered, TLS is required");
		smtp_client_close(c);
		return NULL;
	}
	if (o->tls != NULL && c->ext_starttls && smtp_client_starttls(c, o, r) != 0) {
		smtp_client_close(c);
		return NULL;
	}
	return c;
}

/* Append " NAME=xtext" to line if it fits; returns 0 or -1. */
static int
smtp_client_xattr(char *line, size_t size, const char *name, const char *value)
{
	char enc[SMTP_CLIENT_CMD_MAX];
	size_t used = strlen(line);
	int n;

	if (smtp_xtext_encode(value && *value ? value : "[UNAVAILABLE]", enc,
	    sizeof(enc)) != 0)
		return -1;
	n = snprintf(line + used, size - used, " %s=%s", name, enc);
	if (n < 0 || (size_t)n >= size - used) {
		line[used] = '\0';
		return -1;
	}
	return 0;
}

int
smtp_client_xforward(struct smtp_client *c, const struct smtp_client_xforward *x,
    struct smtp_reply *r)
{
	const struct { unsigned int bit; const char *name; const char *value; } a[] = {
		{ XF_NAME, "NAME", x->name }, { XF_ADDR, "ADDR", x->addr },
		{ XF_PORT, "PORT", x->port }, { XF_PROTO, "PROTO", x->proto },
		{ XF_HELO, "HELO", x->helo }, { XF_IDENT, "IDENT", x->ident },
		{ XF_SOURCE, "SOURCE", x->source },
	};
	char line[SMTP_CLIENT_CMD_MAX];
	size_t i;

	memset(r, 0, sizeof(*r));
	if (!c->use_xforward || c->xforward == 0)
		return 0;
	c->dirty = 1;
	/* Every attribute offered, unknown ones as [UNAVAILABLE]: nothing is
	 * left over from an earlier session on a reused connection. Several
	 * commands if the attributes do not fit in one line. */
	snprintf(line, sizeof(line), "XFORWARD");
	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		if (!(c->xforward & a[i].bit))
			continue;
		if (smtp_client_xattr(line, sizeof(line), a[i].name, a[i].value) == 0)
			continue;
		if (strlen(line) > 8 && smtp_client_xforward_line(c, line, r) != 0)
			return -1;
		snprintf(line, sizeof(line), "XFORWARD");
		(void)smtp_client_xattr(line, sizeof(line), a[i].name, a[i].value);
	}
	if (strlen(line) > 8 && smtp_client_xforward_line(c, line, r) != 0)
		return -1;
	return 0;
}

int
smtp_client_mail(struct smtp_client *c, const char *from, long long size,
    int body_8bit, struct smtp_reply *r)
{
	char cmd[SMTP_CLIENT_CMD_MAX], sz[40] = "";
	int code;

	if (size >= 0 && c->ext_size)
		snprintf(sz, sizeof(sz), " SIZE=%lld", size);
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>%s%s", from, sz,
	    body_8bit && c->ext_8bitmime ? " BODY=8BITMIME" : "");
	c->dirty = 1;
	code = smtp_client_command(c, cmd, r);
	if (code >= 200 && code < 300)
		c->in_txn = 1;
	return code;
}

int
smtp_client_rcpt(struct smtp_client *c, const char *to, struct smtp_reply *r)
{
	char cmd[SMTP_CLIENT_CMD_MAX];

	snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>", to);
	return smtp_client_command(c, cmd, r);
}

/* Write content with a dot doubled at the start of every line. */
static enum smtp_io_status
smtp_client_stuff(struct smtp_client *c, const char *p, size_t n, int *bol)
{
	uint64_t deadline = smtp_io_now_ms() + (uint64_t)c->command_timeout;
	enum smtp_io_status st;

	while (n > 0) {
		const char *lf;
		size_t k;

		if (*bol && *p == '.' &&
		    (st = smtp_io_write(&c->io, ".", 1, deadline)) != SMTP_IO_OK)
			return st;
		lf = memchr(p, '\n', n);
		k = lf ? (size_t)(lf - p) + 1 : n;
		if ((st = smtp_io_write(&c->io, p, k, deadline)) != SMTP_IO_OK)
			return st;
		*bol = lf != NULL;
		p += k;
		n -= k;
	}
	return SMTP_IO_OK;
}

int
smtp_client_data(struct smtp_client *c, const char *header, size_t hlen,
    struct spool *content, const struct message_range *skip, size_t nskip,
    struct smtp_reply *r)
{
	size_t want, k = 0;
	char *buf;
	unsigned long long off = 0, total = spool_size(content);
	enum smtp_io_status st = SMTP_IO_OK;
	int code, bol = 1;
	char last[2] = { '\r', '\n' };
	uint64_t deadline;

	code = smtp_client_command(c, "DATA", r);
	if (code != 354) {
		if (code >= 200 && code < 300) {
			/* 2xx to DATA is nonsense: treat as a broken peer. */
			smtp_client_set_fail(c, r, SMTP_IO_TOOLONG);
			return 0;
		}
		return code;
	}
	buf = xmalloc(SMTP_IO_WBUF);
	if (hlen > 0)
		st = smtp_client_stuff(c, header, hlen, &bol);
	while (st == SMTP_IO_OK && off < total) {
		ssize_t n;

		if (k < nskip && off >= skip[k].off) {
			off = skip[k].off + skip[k].len;
			k++;
			continue;
		}
		want = SMTP_IO_WBUF;
		if (k < nskip && skip[k].off - off < want)
			want = (size_t)(skip[k].off - off);
		n = spool_read(content, off, buf, want);

		if (n <= 0) {
			/* The spool failed under us: never send a cut message. */
			free(buf);
			smtp_client_set_fail(c, r, SMTP_IO_ERROR);
			snprintf(r->text, sizeof(r->text), "cannot read spooled message");
			return 0;
		}
		if (n >= 2)
			memcpy(last, buf + n - 2, 2);
		else
			last[0] = last[1], last[1] = buf[0];
		st = smtp_client_stuff(c, buf, (size_t)n, &bol);
		off += (unsigned long long)n;
	}
	free(buf);
	deadline = smtp_io_now_ms() + (uint64_t)c->command_timeout;
	if (st == SMTP_IO_OK && total > 0 && (last[0] != '\r' || last[1] != '\n'))
		st = smtp_io_write(&c->io, "\r\n", 2, deadline);
	if (st == SMTP_IO_OK)
		st = smtp_io_write(&c->io, ".\r\n", 3, deadline);
	if (st == SMTP_IO_OK)
		st = smtp_io_flush(&c->io, deadline);
	if (st != SMTP_IO_OK) {
		smtp_client_set_fail(c, r, st);
		return 0;
	}
	code = smtp_client_reply(c, c->data_timeout, r, NULL);
	c->in_txn = 0;
	/* A final reply to the message ends the transaction at the next hop
	 * (and its XFORWARD attributes), whatever the code. */
	if (code != 0)
		c->dirty = 0;
	return code;
}

int
smtp_client_rset(struct smtp_client *c)
{
	struct smtp_reply r;

	if (c->broken)
		return -1;
	if (smtp_client_command(c, "RSET", &r) != 250) {
		c->broken = 1;
		return -1;
	}
	c->in_txn = 0;
	c->dirty = 0;
	return 0;
}

int
smtp_client_usable(struct smtp_client *c)
{
	return !c->broken && !smtp_io_readable(&c->io);
}

int
smtp_client_8bitmime(const struct smtp_client *c)
{
	return c == NULL ? -1 : c->ext_8bitmime;
}

int
smtp_client_in_transaction(const struct smtp_client *c)
{
	return c->in_txn;
}

int
smtp_client_park(struct smtp_client *c, int timeout_ms)
{
	int saved = c->command_timeout, rc;

	if (c->broken || smtp_io_readable(&c->io))
		return -1;
	/* After a message's final reply the state is clean already: no RSET
	 * round trip then. */
	if (!c->in_txn && !c->dirty)
		return 0;
	if (timeout_ms < c->command_timeout)
		c->command_timeout = timeout_ms;
	rc = smtp_client_rset(c);
	c->command_timeout = saved;
	if (rc != 0 || smtp_io_readable(&c->io))
		return -1;
	return 0;
}

uint64_t
smtp_client_age_ms(const struct smtp_client *c, uint64_t now)
{
	return now > c->born_ms ? now - c->born_ms : 0;
}

unsigned int
smtp_client_reused(struct smtp_client *c)
{
	return ++c->uses;
}

void
smtp_client_close_now(struct smtp_client *c)
{
	if (c == NULL)
		return;
	/* QUIT if it fits in the socket buffer at once; no wait for the reply. */
	if (!c->broken && smtp_io_write(&c->io, "QUIT\r\n", 6, 0) == SMTP_IO_OK)
		(void)smtp_io_flush(&c->io, 0);
	smtp_io_close(&c->io);
	free(c);
}

void
smtp_client_close(struct smtp_client *c)
{
	if (c == NULL)
		return;
	if (!c->broken) {
		struct smtp_reply r;

		c->command_timeout = 2000;
		(void)smtp_client_command(c, "QUIT", &r);
	}
	smtp_io_close(&c->io);
	free(c);
}
