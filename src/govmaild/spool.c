/*
 * spool.c — memory-then-file message buffer (see spool.h). The file is
 * created with O_TMPFILE (never visible in the directory), or with
 * mkstemp and unlinked at once where O_TMPFILE is not supported.
 * Writes to the file go through a buffer of SPOOL_WBUF bytes, taken only
 * while a message is in a file: DATA arrives in pieces of a few kB, and a
 * write() per piece was the largest single cost of relaying a 10 MB
 * message (some 4,000 system calls). It is written out before the file
 * is read or mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spool.h"
#include "xmalloc.h"

struct spool {
	char *dir;
	size_t mem_max;
	char *mem;
	size_t mem_len, mem_cap;
	int fd;                      /* -1 while the message is in memory */
	unsigned long long size;
	char *wbuf;                  /* bytes not yet written to fd */
	size_t wlen;
};

#define SPOOL_WBUF ((size_t)64 * 1024)

static int spool_write_fd(int fd, const char *p, size_t n);

/* Write out what the buffer holds; 0, or -1 with errno. */
static int
spool_flush(struct spool *s)
{
	size_t n = s->wlen;

	s->wlen = 0;
	return n > 0 ? spool_write_fd(s->fd, s->wbuf, n) : 0;
}

struct spool *
spool_new(size_t mem_max, const char *dir)
{
	struct spool *s = xcalloc(1, sizeof(*s));

	s->dir = xstrdup(dir);
	s->mem_max = mem_max;
	s->fd = -1;
	return s;
}

void
spool_reset(struct spool *s)
{
	free(s->mem);
	s->mem = NULL;
	s->mem_len = s->mem_cap = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->size = 0;
	free(s->wbuf);
	s->wbuf = NULL;
	s->wlen = 0;
}

void
spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	spool_reset(s);
	free(s->dir);
	free(s);
}

/* An anonymous file in dir: -1 with errno on failure. */
static int
spool_tmpfile(const char *dir)
{
	char *path;
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	path = xasprintf("%s/govmaild.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	free(path);
	return fd;
}

int
spool_check_dir(const char *dir)
{
	int fd = spool_tmpfile(dir);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int
spool_write_fd(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
spool_write(struct spool *s, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (s->fd < 0 && s->mem_len + n <= s->mem_max) {
		if (s->mem_len + n > s->mem_cap) {
			size_t cap = s->mem_cap ? s->mem_cap : 8192;

			while (cap < s->mem_len + n)
				cap *= 2;
			if (cap > s->mem_max)
				cap = s->mem_max;
			s->mem = xreallocarray(s->mem, cap, 1);
			s->mem_cap = cap;
		}
		memcpy(s->mem + s->mem_len, p, n);
		s->mem_len += n;
		s->size += n;
		return 0;
	}
	if (s->fd < 0) {
		/* Past the memory bound: move what we have to a file. */
		if ((s->fd = spool_tmpfile(s->dir)) < 0)
			return -1;
		if (spool_write_fd(s->fd, s->mem, s->mem_len) != 0)
			return -1;
		free(s->mem);
		s->mem = NULL;
		s->mem_len = s->mem_cap = 0;
	}
	if (s->wbuf == NULL)
		s->wbuf = xmalloc(SPOOL_WBUF);
	if (s->wlen + n > SPOOL_WBUF && spool_flush(s) != 0)
		return -1;
	if (n >= SPOOL_WBUF) {
		if (spool_write_fd(s->fd, p, n) != 0)
			return -1;
	} else {
		memcpy(s->wbuf + s->wlen, p, n);
		s->wlen += n;
	}
	s->size += n;
	return 0;
}

unsigned long long
spool_size(const struct spool *s)
{
	return s->size;
}

int
spool_on_disk(const struct spool *s)
{
	return s->fd >= 0;
}

ssize_t
spool_read(struct spool *s, unsigned long long off, void *buf, size_t n)
{
	ssize_t r;

	if (off >= s->size)
		return 0;
	if (n > s->size - off)
		n = (size_t)(s->size - off);
	if (s->fd < 0) {
		memcpy(buf, s->mem + off, n);
		return (ssize_t)n;
	}
	if (spool_flush(s) != 0)
		return -1;
	do
		r = pread(s->fd, buf, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Size of the mapping for len bytes: whole pages with room for a NUL. */
static size_t
spool_map_size(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (len / page + 1) * page;
}

const char *
spool_map(struct spool *s, size_t *len)
{
	size_t total;
	char *p;

	if (s->size > (unsigned long long)(SIZE_MAX / 2))
		return NULL;
	*len = (size_t)s->size;
	if (s->fd < 0) {
		p = xmalloc(*len + 1);
		if (*len > 0)
			memcpy(p, s->mem, *len);
		p[*len] = '\0';
		return p;
	}
	if (spool_flush(s) != 0)
		return NULL;
	/* Zero pages first, the file over them: the byte after the message
	 * is always a mapped zero, even when the size is a page multiple. */
	total = spool_map_size(*len);
	p = mmap(NULL, total, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (*len > 0 && mmap(p, *len, PROT_READ, MAP_PRIVATE | MAP_FIXED, s->fd, 0) == MAP_FAILED) {
		munmap(p, total);
		return NULL;
	}
	return p;
}

void
spool_unmap(struct spool *s, const char *p, size_t len)
{
	if (p == NULL)
		return;
	if (s->fd < 0)
		free((char *)p);
	else
		munmap((char *)p, spool_map_size(len));
}
