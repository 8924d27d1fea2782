/*
 * hr_passwords.c — the initial-passwords file of hr sync (see
 * hr_passwords.h). Lines keep their order; a line that is not
 * "employee_id,address,password" is kept as it is. When an employee id has
 * several lines (files written by versions that appended), the last one
 * counts, as those versions documented.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hr_passwords.h"
#include "strmap.h"
#include "xmalloc.h"

#define HR_PW_MAX_BYTES (64u << 20)   /* a file larger than this is refused */
#define HR_PW_ID_MAX    64            /* bytes of an employee id (key) */

struct hr_pw_line {
	char *employee_id;      /* NULL: a line kept as it is (raw) */
	char *address;
	char *password;
	char *raw;
	int dropped;
};

struct hr_passwords {
	char *path;
	int dirfd;              /* the file's directory (fsync after rename) */
	int lockfd;             /* PATH.lock, locked while this run holds it */
	struct hr_pw_line *v;
	size_t n;
	struct strmap *by_id;   /* upper-cased id -> index + 1 */
	int dirty;              /* changed since read or saved */
};

static void
hr_pw_key(const char *id, char key[HR_PW_ID_MAX + 1])
{
	size_t i;

	for (i = 0; id[i] && i < HR_PW_ID_MAX; i++)
		key[i] = (char)toupper((unsigned char)id[i]);
	key[i] = '\0';
}

static void
hr_pw_wipe(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static struct hr_pw_line *
hr_pw_find(const struct hr_passwords *pw, const char *employee_id)
{
	char key[HR_PW_ID_MAX + 1];
	uintptr_t i;

	hr_pw_key(employee_id, key);
	i = (uintptr_t)strmap_get(pw->by_id, key);
	return i != 0 ? &pw->v[i - 1] : NULL;
}

const char *
hr_passwords_get(const struct hr_passwords *pw, const char *employee_id)
{
	const struct hr_pw_line *l = hr_pw_find(pw, employee_id);

	return l != NULL && !l->dropped ? l->password : NULL;
}

void
hr_passwords_set(struct hr_passwords *pw, const char *employee_id,
    const char *address, const char *password)
{
	struct hr_pw_line *l = hr_pw_find(pw, employee_id);
	char key[HR_PW_ID_MAX + 1];

	if (l != NULL && !l->dropped && strcmp(l->address, address) == 0 &&
	    strcmp(l->password, password) == 0)
		return;
	pw->dirty = 1;
	if (l == NULL) {
		pw->v = xgrowarray(pw->v, pw->n, sizeof(*pw->v));
		l = &pw->v[pw->n++];
		memset(l, 0, sizeof(*l));
		l->employee_id = xstrdup(employee_id);
		hr_pw_key(employee_id, key);
		strmap_put(pw->by_id, key, (void *)(uintptr_t)pw->n);
	}
	free(l->address);
	hr_pw_wipe(l->password);
	l->address = xstrdup(address);
	l->password = xstrdup(password);
	l->dropped = 0;
}

void
hr_passwords_drop(struct hr_passwords *pw, const char *employee_id)
{
	struct hr_pw_line *l = hr_pw_find(pw, employee_id);

	if (l != NULL && !l->dropped) {
		l->dropped = 1;
		pw->dirty = 1;
	}
}

void
hr_passwords_each(const struct hr_passwords *pw,
    void (*fn)(const char *employee_id, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < pw->n; i++)
		if (pw->v[i].employee_id != NULL && !pw->v[i].dropped)
			fn(pw->v[i].employee_id, arg);
}

int
hr_passwords_dirty(const struct hr_passwords *pw)
{
	return pw->dirty;
}

size_t
hr_passwords_count(const struct hr_passwords *pw)
{
	size_t i, n = 0;

	for (i = 0; i < pw->n; i++)
		n += !pw->v[i].dropped;
	return n;
}

/* Take one line of the file (NUL-terminated, without its line end). */
static void
hr_pw_take(struct hr_passwords *pw, char *line)
{
	char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;

	if (*line == '\0')
		return;
	if (c1 == NULL || c2 == NULL || c1 == line || (size_t)(c1 - line) > HR_PW_ID_MAX) {
		pw->v = xgrowarray(pw->v, pw->n, sizeof(*pw->v));
		memset(&pw->v[pw->n], 0, sizeof(pw->v[pw->n]));
		pw->v[pw->n++].raw = xstrdup(line);
		return;
	}
	*c1 = *c2 = '\0';
	hr_passwords_set(pw, line, c1 + 1, c2 + 1);
}

static int
hr_pw_read(struct hr_passwords *pw, char *err, size_t errlen, int *errno_out)
{
	struct stat st;
	char *buf, *p, *e;
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(pw->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		*errno_out = errno;
		snprintf(err, errlen, "cannot read the initial-passwords file %s: %s",
		    pw->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 ||
	    st.st_uid != geteuid() || st.st_size < 0 || st.st_size > HR_PW_MAX_BYTES) {
		*errno_out = EPERM;
		snprintf(err, errlen, "%s must be a regular file of yours with mode 0600 "
		    "(and under %u MB)", pw->path, HR_PW_MAX_BYTES >> 20);
		close(fd);
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size &&
	    (n = read(fd, buf + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*errno_out = errno;
			snprintf(err, errlen, "reading %s: %s", pw->path, strerror(errno));
			explicit_bzero(buf, got);
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	for (p = buf; p < buf + got; p = e + 1) {
		e = memchr(p, '\n', (size_t)(buf + got - p));
		if (e == NULL)
			e = buf + got;
		*e = '\0';
		if (e > p && e[-1] == '\r')
			e[-1] = '\0';
		hr_pw_take(pw, p);
	}
	explicit_bzero(buf, got);
	free(buf);
	return 0;
}

struct hr_passwords *
hr_passwords_open(const char *path, int *errno_out, char *err, size_t errlen)
{
	struct hr_passwords *pw = xcalloc(1, sizeof(*pw));
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") :
	    slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	char *lock = xasprintf("%s.lock", path);

	*errno_out = 0;
	pw->path = xstrdup(path);
	pw->by_id = strmap_new(1024);
	pw->lockfd = -1;
	pw->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pw->dirfd < 0) {
		*errno_out = errno;
		snprintf(err, errlen, "cannot open the directory %s of the "
		    "initial-passwords file: %s", dir, strerror(errno));
		goto fail;
	}
	pw->lockfd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (pw->lockfd < 0) {
		*errno_out = errno;
		snprintf(err, errlen, "cannot open %s: %s", lock, strerror(errno));
		goto fail;
	}
	if (flock(pw->lockfd, LOCK_EX | LOCK_NB) != 0) {
		*errno_out = errno;
		snprintf(err, errlen, "%s is locked: is another hr sync writing the "
		    "initial-passwords file?", lock);
		goto fail;
	}
	if (hr_pw_read(pw, err, errlen, errno_out) != 0)
		goto fail;
	pw->dirty = 0;
	free(dir);
	free(lock);
	return pw;
fail:
	free(dir);
	free(lock);
	hr_passwords_free(pw);
	return NULL;
}

static int
hr_pw_write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int
hr_passwords_save(struct hr_passwords *pw, char *err, size_t errlen)
{
	char *tmp = xasprintf("%s.tmp", pw->path), *line;
	size_t i;
	int fd, rc = 0, e;

	if (unlink(tmp) != 0 && errno != ENOENT)
		goto fail_tmp;
	/* O_EXCL: never through a link planted under the temporary name. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail_tmp;
	for (i = 0; i < pw->n && rc == 0; i++) {
		const struct hr_pw_line *l = &pw->v[i];

		if (l->dropped)
			continue;
		if (l->raw != NULL)
			line = xasprintf("%s\n", l->raw);
		else
			line = xasprintf("%s,%s,%s\n", l->employee_id, l->address, l->password);
		rc = hr_pw_write_all(fd, line, strlen(line));
		hr_pw_wipe(line);
	}
	if (rc != 0 || fsync(fd) != 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		goto fail_tmp;
	}
	if (close(fd) != 0 || rename(tmp, pw->path) != 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		goto fail_tmp;
	}
	pw->dirty = 0;
	if (fsync(pw->dirfd) != 0) {
		snprintf(err, errlen, "syncing the directory of %s: %s", pw->path,
		    strerror(errno));
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
fail_tmp:
	snprintf(err, errlen, "cannot write the initial-passwords file %s: %s", tmp,
	    strerror(errno));
	free(tmp);
	return -1;
}

void
hr_passwords_free(struct hr_passwords *pw)
{
	size_t i;

	if (pw == NULL)
		return;
	for (i = 0; i < pw->n; i++) {
		free(pw->v[i].employee_id);
		free(pw->v[i].address);
		hr_pw_wipe(pw->v[i].password);
		hr_pw_wipe(pw->v[i].raw);
	}
	free(pw->v);
	strmap_free(pw->by_id);
	if (pw->dirfd >= 0)
		close(pw->dirfd);
	if (pw->lockfd >= 0)
		close(pw->lockfd);  /* releases the lock */
	free(pw->path);
	free(pw);
}
