/*
 * smtp_io.c — buffered, deadline-bounded socket I/O (see smtp_io.h).
 * Every wait is a poll() with the time left until an absolute deadline,
 * so a peer that trickles bytes cannot stretch an operation past it.
 */
#include <errno.h>
#include <fcntl.h>
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
	free(io->rbuf);
	free(io->wbuf);
	io->rbuf = io->wbuf = NULL;
	io->rpos = io->rlen = io->wlen = 0;
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

/* Wait until fd is ready for events or the deadline passes. */
static enum smtp_io_status
smtp_io_wait(struct smtp_io *io, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = smtp_io_now_ms(), left;
		struct pollfd pfd;
		int r;

		if (now >= deadline)
			return SMTP_IO_TIMEOUT;
		left = deadline - now;
		if (events == POLLIN && io->abort_fn != NULL) {
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

/* Read whatever the socket has into the buffer, waiting if needed. */
static enum smtp_io_status
smtp_io_read_more(struct smtp_io *io, uint64_t deadline, int wait)
{
	ssize_t n;
	enum smtp_io_status st;

	if (io->rbuf == NULL) {
		/* Idle connections own no buffer until they send something. */
		if (wait && (st = smtp_io_wait(io, POLLIN, deadline)) != SMTP_IO_OK)
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
	for (;;) {
		n = recv(io->fd, io->rbuf + io->rlen, SMTP_IO_RBUF - io->rlen, 0);
		if (n > 0) {
			io->rlen += (size_t)n;
			io->bytes_in += (uint64_t)n;
			return SMTP_IO_OK;
		}
		if (n == 0)
			return SMTP_IO_EOF;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return SMTP_IO_ERROR;
		if (!wait)
			return SMTP_IO_TIMEOUT;
		if ((st = smtp_io_wait(io, POLLIN, deadline)) != SMTP_IO_OK)
			return st;
	}
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

	if (io->rpos < io->rlen)
		return 1;
	return poll(&pfd, 1, 0) > 0;
}

enum smtp_io_status
smtp_io_flush(struct smtp_io *io, uint64_t deadline)
{
	size_t off = 0;
	enum smtp_io_status st;

	while (off < io->wlen) {
		ssize_t n = send(io->fd, io->wbuf + off, io->wlen - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			io->bytes_out += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((st = smtp_io_wait(io, POLLOUT, deadline)) != SMTP_IO_OK) {
				io->wlen = 0;
				return st;
			}
			continue;
		}
		io->wlen = 0;
		return SMTP_IO_ERROR;
	}
	io->wlen = 0;
	return SMTP_IO_OK;
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
