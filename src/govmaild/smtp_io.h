/*
 * smtp_io.h — buffered line I/O on a non-blocking socket with absolute
 * deadlines (poll-based), used by both sides of govmaild: the session
 * with its client and the client to the next hop. Buffers are allocated
 * on first use so an idle connection costs almost nothing.
 * Not for: SMTP semantics (smtp_session.c, smtp_client.c).
 */
#ifndef GOVMAIL_SMTP_IO_H
#define GOVMAIL_SMTP_IO_H

#include <stddef.h>
#include <stdint.h>

enum smtp_io_status {
	SMTP_IO_OK = 0,
	SMTP_IO_EOF,        /* peer closed */
	SMTP_IO_TIMEOUT,    /* the deadline passed */
	SMTP_IO_ERROR,      /* socket error (errno kept) */
	SMTP_IO_TOOLONG,    /* line longer than allowed; rest skipped */
	SMTP_IO_ABORT       /* the abort callback asked to stop waiting */
};

/* Asked about once a second while waiting for input; non-zero stops it. */
typedef int (*smtp_io_abort_fn)(void *arg);

struct ssl_st;
struct ssl_ctx_st;

struct smtp_io {
	int fd;
	char *rbuf;
	size_t rpos, rlen;         /* unread bytes are rbuf[rpos..rlen) */
	char *wbuf;
	size_t wlen;
	smtp_io_abort_fn abort_fn; /* optional */
	void *abort_arg;
	uint64_t bytes_in, bytes_out;
	struct ssl_st *ssl;        /* NULL until STARTTLS */
};

#define SMTP_IO_RBUF 16384
#define SMTP_IO_WBUF 16384

/* Milliseconds on the monotonic clock. */
uint64_t smtp_io_now_ms(void);

/* Take over fd (made non-blocking); nothing allocated yet. */
void smtp_io_init(struct smtp_io *io, int fd);
/* Free the buffers and close the socket. */
void smtp_io_close(struct smtp_io *io);

/*
 * Read one line ending in LF into line (NUL-terminated, LF removed, a CR
 * before it kept so the caller can insist on CRLF). More than max bytes
 * before the LF: the rest of the line is read and dropped (until the
 * deadline) and SMTP_IO_TOOLONG returned. line must hold max + 1 bytes.
 */
enum smtp_io_status smtp_io_read_line(struct smtp_io *io, char *line,
    size_t max, size_t *len, uint64_t deadline);

/*
 * Make buffered input available: returns at once if some is, else waits
 * for the socket until the deadline. *p and *n describe the unread bytes;
 * consume what you used with smtp_io_consume.
 */
enum smtp_io_status smtp_io_fill(struct smtp_io *io, uint64_t deadline,
    const char **p, size_t *n);
void smtp_io_consume(struct smtp_io *io, size_t n);

/* Unread input: what is buffered plus whatever the socket has right now
 * (read without waiting). Used to catch commands pipelined where they
 * must not be (before the 354 of DATA). */
size_t smtp_io_pending(struct smtp_io *io);

/* Is the peer gone or has it sent something (readable without waiting)? */
int smtp_io_readable(struct smtp_io *io);

/*
 * Start TLS (server or client side) once all plaintext input has been
 * consumed; the handshake is bounded by deadline. Returns SMTP_IO_OK, or
 * an error with the reason in err.
 */
enum smtp_io_status smtp_io_starttls(struct smtp_io *io, struct ssl_ctx_st *ctx,
    int server, uint64_t deadline, char *err, size_t errlen);

/* "TLSv1.3:TLS_AES_256_GCM_SHA384", or "" without TLS. */
const char *smtp_io_tls_info(const struct smtp_io *io, char *buf, size_t len);

/* Queue output (flushed when the buffer fills or by smtp_io_flush). */
enum smtp_io_status smtp_io_write(struct smtp_io *io, const void *p, size_t n,
    uint64_t deadline);
enum smtp_io_status smtp_io_printf(struct smtp_io *io, uint64_t deadline,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
enum smtp_io_status smtp_io_flush(struct smtp_io *io, uint64_t deadline);

#endif
