/*
 * spool.h — one message in flight: kept in memory up to a bound, then in
 * an unlinked temporary file in the spool directory, so memory use does
 * not grow with concurrency × message size and nothing is left on disk
 * if the process dies. Not for: queueing (govmaild never queues; the
 * next hop does) or parsing the message.
 */
#ifndef GOVMAIL_SPOOL_H
#define GOVMAIL_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

struct spool;

/* mem_max: bytes kept in memory; dir: where temporary files go. */
struct spool *spool_new(size_t mem_max, const char *dir);
void spool_free(struct spool *s);

/* Append n bytes; 0, or -1 with errno when the temporary file failed. */
int spool_write(struct spool *s, const void *p, size_t n);

/* Bytes held. */
unsigned long long spool_size(const struct spool *s);

/* Is the message in a file (for logs and tests)? */
int spool_on_disk(const struct spool *s);

/* Copy up to n bytes from offset off into buf; bytes copied or -1. */
ssize_t spool_read(struct spool *s, unsigned long long off, void *buf, size_t n);

/* The whole message as one read-only, NUL-terminated buffer: a copy when
 * it is in memory, a mapping of the file otherwise (so a large message
 * costs page cache, not heap). NULL on failure. Release with spool_unmap. */
const char *spool_map(struct spool *s, size_t *len);
void spool_unmap(struct spool *s, const char *p, size_t len);

/* Forget the message, release memory and the file; ready for the next. */
void spool_reset(struct spool *s);

/* Can a temporary file be created in dir? 0, or -1 with errno. */
int spool_check_dir(const char *dir);

#endif
