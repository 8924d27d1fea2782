/*
 * smtp_io.c — buffered, deadline-bounded socket I/O (see smtp_io.h).
 * Every wait is a poll() with the time left until an absolute deadline,
 * so a peer that trickles bytes cannot stretch an operation past it.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "smtp_io.h"
#include "xmalloc.h"

uint64_t
smtp_io_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
smtp_io_init(struct smtp_io *io, int fd)
{
	int fl;

	memset(io, 0, sizeof(*io));
	io->fd = fd;
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void
smtp_io_close(struct smtp_io *io)
{
	if (io->ssl != NULL) {
		(void)SSL_shutdown(io->ssl);   /* best effort close_notify */
		SSL_free(io->ssl);
		io->ssl = NULL;
		ERR_clear_error();
	}
	free(io->rbuf);
	free(io->wbuf);
	io->rbuf = io->wbuf = NULL;
	io->rpos = io->rlen = io->wlen = 0;
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

/* Wait until fd is ready for events or the deadline passes. Waiting for
 * input (abortable) also asks the abort callback about once a second. */
static enum smtp_io_status
smtp_io_wait(struct smtp_io *io, short events, uint64_t deadline, int abortable)
{
	for (;;) {
		uint64_t now = smtp_io_now_ms(), left;
		struct pollfd pfd;
		int r;

		if (now >= deadline)
			return SMTP_IO_TIMEOUT;
		left = deadline - now;
		if (abortable && io->abort_fn != NULL) {
			if (io->abort_fn(io->abort_arg))
				return SMTP_IO_ABORT;
			if (left > 1000)
				left = 1000;
		}
		if (left > 60000)
			left = 60000;
		pfd.fd = io->fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return SMTP_IO_ERROR;
		}
		if (r > 0)
			return SMTP_IO_OK;
	}
}

/* One read from the socket or TLS into buf: bytes (> 0), or 0 with *st. */
static ssize_t
smtp_io_recv(struct smtp_io *io, char *buf, size_t len, uint64_t deadline,
    int wait, enum smtp_io_status *st)
{
	for (;;) {
		ssize_t n;
		short ev = POLLIN;

		if (io->ssl == NULL) {
			n = recv(io->fd, buf, len, 0);
			if (n > 0)
				return n;
			if (n == 0) {
				*st = SMTP_IO_EOF;
				return 0;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				*st = SMTP_IO_ERROR;
				return 0;
			}
		} else {
			int r = SSL_read(io->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);

			if (r > 0)
				return r;
			switch (SSL_get_error(io->ssl, r)) {
			case SSL_ERROR_WANT_READ:
				break;
			case SSL_ERROR_WANT_WRITE:
				ev = POLLOUT;
				break;
			case SSL_ERROR_ZERO_RETURN:
				*st = SMTP_IO_EOF;
				return 0;
			default:
				/* includes a TCP close without close_notify */
				ERR_clear_error();
				*st = SMTP_IO_EOF;
				return 0;
			}
		}
		if (!wait) {
			*st = SMTP_IO_TIMEOUT;
			return 0;
		}
		if ((*st = smtp_io_wait(io, ev, deadline, ev == POLLIN)) != SMTP_IO_OK)
			return 0;
	}
}

/* Read whatever the socket has into the buffer, waiting if needed. */
static enum smtp_io_status
smtp_io_read_more(struct smtp_io *io, uint64_t deadline, int wait)
{
	ssize_t n;
	enum smtp_io_status st;

	if (io->rbuf == NULL) {
		/* Idle connections own no buffer until they send something. */
		if (wait && io->ssl == NULL &&
		    (st = smtp_io_wait(io, POLLIN, deadline, 1)) != SMTP_IO_OK)
			return st;
		io->rbuf = xmalloc(SMTP_IO_RBUF);
	}
	if (io->rpos == io->rlen) {
		io->rpos = io->rlen = 0;
	} else if (io->rlen == SMTP_IO_RBUF) {
		memmove(io->rbuf, io->rbuf + io->rpos, io->rlen - io->rpos);
		io->rlen -= io->rpos;
		io->rpos = 0;
	}
	if (io->rlen == SMTP_IO_RBUF)
		return SMTP_IO_OK;
	n = smtp_io_recv(io, io->rbuf + io->rlen, SMTP_IO_RBUF - io->rlen, deadline,
	    wait, &st);
	if (n <= 0)
		return st;
	io->rlen += (size_t)n;
	io->bytes_in += (uint64_t)n;
	return SMTP_IO_OK;
}

enum smtp_io_status
smtp_io_read_line(struct smtp_io *io, char *line, size_t max, size_t *len,
    uint64_t deadline)
{
	size_t o = 0;
	int toolong = 0;
	enum smtp_io_status st;

	*len = 0;
	line[0] = '\0';
	for (;;) {
		while (io->rpos < io->rlen) {
			char *start = io->rbuf + io->rpos, *lf;
			size_t avail = io->rlen - io->rpos, take;

			lf = memchr(start, '\n', avail);
			take = lf ? (size_t)(lf - start) : avail;
			if (!toolong && o + take <= max) {
				memcpy(line + o, start, take);
				o += take;
			} else {
				toolong = 1;
			}
			io->rpos += take;
			if (lf != NULL) {
				io->rpos++;
				line[o] = '\0';
				*len = o;
				return toolong ? SMTP_IO_TOOLONG : SMTP_IO_OK;
			}
		}
		if ((st = smtp_io_read_more(io, deadline, 1)) != SMTP_IO_OK)
			return st;
	}
}

enum smtp_io_status
smtp_io_fill(struct smtp_io *io, uint64_t deadline, const char **p, size_t *n)
{
	enum smtp_io_status st;

	if (io->rpos == io->rlen &&
	    (st = smtp_io_read_more(io, deadline, 1)) != SMTP_IO_OK)
		return st;
	*p = io->rbuf + io->rpos;
	*n = io->rlen - io->rpos;
	return SMTP_IO_OK;
}

void
smtp_io_consume(struct smtp_io *io, size_t n)
{
	if (n > io->rlen - io->rpos)
		n = io->rlen - io->rpos;
	io->rpos += n;
}

size_t
smtp_io_pending(struct smtp_io *io)
{
	if (io->rpos == io->rlen)
		(void)smtp_io_read_more(io, 0, 0);
	return io->rlen - io->rpos;
}

int
smtp_io_readable(struct smtp_io *io)
{
	struct pollfd pfd = { io->fd, POLLIN, 0 };

	if (io->rpos < io->rlen || (io->ssl != NULL && SSL_pending(io->ssl) > 0))
		return 1;
	return poll(&pfd, 1, 0) > 0;
}

enum smtp_io_status
smtp_io_flush(struct smtp_io *io, uint64_t deadline)
{
	size_t off = 0;
	enum smtp_io_status st;

	while (off < io->wlen) {
		ssize_t n;
		short ev = POLLOUT;

		if (io->ssl == NULL) {
			n = send(io->fd, io->wbuf + off, io->wlen - off, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				n = -2;
		} else {
			size_t left = io->wlen - off;
			int r = SSL_write(io->ssl, io->wbuf + off,
			    left > INT32_MAX ? INT32_MAX : (int)left);

			n = r;
			if (r <= 0) {
				int e = SSL_get_error(io->ssl, r);

				if (e == SSL_ERROR_WANT_READ)
					ev = POLLIN;
				else if (e != SSL_ERROR_WANT_WRITE) {
					ERR_clear_error();
					n = -2;
				}
			}
		}
		if (n > 0) {
			off += (size_t)n;
			io->bytes_out += (uint64_t)n;
			continue;
		}
		if (n == -2) {
			io->wlen = 0;
			return SMTP_IO_ERROR;
		}
		if ((st = smtp_io_wait(io, ev, deadline, 0)) != SMTP_IO_OK) {
			io->wlen = 0;
			return st;
		}
	}
	io->wlen = 0;
	return SMTP_IO_OK;
}

enum smtp_io_status
smtp_io_starttls(struct smtp_io *io, struct ssl_ctx_st *ctx, int server,
    uint64_t deadline, char *err, size_t errlen)
{
	SSL *ssl;
	enum smtp_io_status st;

	if (io->rpos != io->rlen || io->ssl != NULL) {
		snprintf(err, errlen, "plaintext pending or TLS already active");
		return SMTP_IO_ERROR;
	}
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, io->fd) != 1) {
		snprintf(err, errlen, "cannot create a TLS session");
		SSL_free(ssl);
		ERR_clear_error();
		return SMTP_IO_ERROR;
	}
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	for (;;) {
		int r = SSL_do_handshake(ssl), e;
		unsigned long code;

		if (r == 1)
			break;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			st = smtp_io_wait(io, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
			    deadline, 0);
			if (st == SMTP_IO_OK)
				continue;
			snprintf(err, errlen, "TLS handshake %s",
			    st == SMTP_IO_TIMEOUT ? "timed out" : "failed");
		} else {
			code = ERR_get_error();
			if (code != 0)
				ERR_error_string_n(code, err, errlen);
			else
				snprintf(err, errlen, "TLS handshake failed (connection closed)");
			st = SMTP_IO_ERROR;
		}
		ERR_clear_error();
		SSL_free(ssl);
		return st == SMTP_IO_OK ? SMTP_IO_ERROR : st;
	}
	io->ssl = ssl;
	return SMTP_IO_OK;
}

const char *
smtp_io_tls_info(const struct smtp_io *io, char *buf, size_t len)
{
	if (io->ssl == NULL)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%s:%s", SSL_get_version(io->ssl),
		    SSL_get_cipher_name(io->ssl));
	return buf;
}

enum smtp_io_status
smtp_io_write(struct smtp_io *io, const void *p, size_t n, uint64_t deadline)
{
	const char *s = p;
	enum smtp_io_status st;

	if (io->wbuf == NULL)
		io->wbuf = xmalloc(SMTP_IO_WBUF);
	while (n > 0) {
		size_t room = SMTP_IO_WBUF - io->wlen, k = n < room ? n : room;

		memcpy(io->wbuf + io->wlen, s, k);
		io->wlen += k;
		s += k;
		n -= k;
		if (io->wlen == SMTP_IO_WBUF &&
		    (st = smtp_io_flush(io, deadline)) != SMTP_IO_OK)
			return st;
	}
	return SMTP_IO_OK;
}

enum smtp_io_status
smtp_io_printf(struct smtp_io *io, uint64_t deadline, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return SMTP_IO_ERROR;
	if ((size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	return smtp_io_write(io, buf, (size_t)n, deadline);
}
