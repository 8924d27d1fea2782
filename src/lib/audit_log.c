/*
 * audit_log.c — JSON Lines audit trail of directory changes (see
 * audit_log.h). Each record is built in memory with json_writer and then
 * appended with one write(2): on a local regular file opened O_APPEND the
 * kernel positions and writes it as a unit, so records from concurrent
 * govmailctl runs never interleave. Durability is per session (fsync at
 * close), not per record, so a bulk import does not fsync thousands of times.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_log.h"
#include "json_writer.h"
#include "log.h"
#include "xmalloc.h"

#define AUDIT_ATTR_MAX   128	/* longest attribute description accepted */
#define AUDIT_SUDO_MAX   64	/* bytes of SUDO_USER kept */

struct audit_log {
	int	 fd;
	char	*actor;
};

static void __attribute__((format(printf, 3, 4)))
audit_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

struct audit_log *
audit_open(const char *path, const char *actor, char *err, size_t errlen)
{
	struct audit_log *a;
	struct stat st;
	char epath[512];
	int fd, fl, saved;

	if (path == NULL || *path == '\0') {
		audit_err(err, errlen, "no audit log file configured");
		return NULL;
	}
	log_escape(epath, sizeof(epath), path, 400);
	if (actor == NULL) {
		audit_err(err, errlen, "%s: no actor given", epath);
		return NULL;
	}
	/* O_NONBLOCK so a FIFO at path cannot hang us before the check. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK, 0640);
	if (fd == -1) {
		audit_err(err, errlen, "%s: %s", epath, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		audit_err(err, errlen, "%s: %s", epath, strerror(saved));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		audit_err(err, errlen, "%s: not a regular file", epath);
		return NULL;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		saved = errno;
		close(fd);
		audit_err(err, errlen, "%s: %s", epath, strerror(saved));
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->fd = fd;
	a->actor = xstrdup(actor);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return a;
}

/* 1 if s looks like an attribute description (name or OID, options). */
static int
audit_attr_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > AUDIT_ATTR_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.' || s[i] == ';'))
			return 0;
	return 1;
}

/* "2026-11-24T19:30:00.123Z" (UTC, milliseconds) into buf; 0 or -1. */
static int
audit_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL)
		return -1;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0 || n + 6 > len) {
		errno = ERANGE;
		return -1;
	}
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return 0;
}

/*
 * Write one built record (consumed: freed here) with a single write(2);
 * EINTR means nothing was written.
 */
static int
audit_emit(struct audit_log *a, char *line, size_t len)
{
	ssize_t n;

	if (len > AUDIT_LINE_MAX) {
		free(line);
		errno = EMSGSIZE;
		return -1;
	}
	do
		n = write(a->fd, line, len);
	while (n == -1 && errno == EINTR);
	free(line);
	if (n == -1)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* 1 if s is a model field name: lowercase letters and '_', at most 64. */
static int
audit_field_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == n;
}

static void
audit_json_value(struct json_writer *w, const char *v)
{
	if (v != NULL)
		json_string(w, v);
	else
		json_null(w);
}

/* The members of a change record after "target". */
struct audit_entry_body {
	const char *dn, *source;
	const char *const *attrs;
	size_t nattrs;
	const struct audit_change *changes;
	size_t nchanges;
};

static void
audit_entry_body(struct json_writer *w, void *arg)
{
	const struct audit_entry_body *c = arg;
	size_t i;

	if (c->dn != NULL) {
		json_key(w, "dn");
		json_string(w, c->dn);
	}
	json_key(w, "attrs");
	json_begin_array(w);
	for (i = 0; i < c->nattrs; i++)
		json_string(w, c->attrs[i]);
	json_end_array(w);
	if (c->nchanges > 0) {
		json_key(w, "changes");
		json_begin_array(w);
		for (i = 0; i < c->nchanges; i++) {
			json_begin_object(w);
			json_key(w, "field");
			json_string(w, c->changes[i].field);
			json_key(w, "old");
			audit_json_value(w, c->changes[i].old);
			json_key(w, "new");
			audit_json_value(w, c->changes[i].new);
			json_end_object(w);
		}
		json_end_array(w);
	}
	if (c->source != NULL) {
		json_key(w, "source");
		json_string(w, c->source);
	}
}

int
audit_record(struct audit_log *a, const char *op, const char *target,
    const char *dn, const char *const *attrs, size_t nattrs,
    const char *source, const char *result)
{
	return audit_record_changes(a, op, target, dn, attrs, nattrs, NULL, 0, source,
	    result);
}

int
audit_record_changes(struct audit_log *a, const char *op, const char *target,
    const char *dn, const char *const *attrs, size_t nattrs,
    const struct audit_change *changes, size_t nchanges, const char *source,
    const char *result)
{
	struct audit_entry_body c = { dn, source, attrs, nattrs, changes, nchanges };
	size_t i, total;

	if (a == NULL || op == NULL || target == NULL || result == NULL ||
	    (nattrs > 0 && attrs == NULL) || (nchanges > 0 && changes == NULL)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < nattrs; i++) {
		if (attrs[i] == NULL || !audit_attr_ok(attrs[i])) {
			errno = EINVAL;
			return -1;
		}
	}
	/* Escaping never shrinks a string: reject the hopeless early. */
	total = strlen(op) + strlen(target) + strlen(result) +
	    (dn ? strlen(dn) : 0) + (source ? strlen(source) : 0);
	for (i = 0; i < nattrs; i++)
		total += strlen(attrs[i]);
	for (i = 0; i < nchanges; i++) {
		if (changes[i].field == NULL || !audit_field_ok(changes[i].field)) {
			errno = EINVAL;
			return -1;
		}
		total += strlen(changes[i].field) +
		    (changes[i].old ? strlen(changes[i].old) : 0) +
		    (changes[i].new ? strlen(changes[i].new) : 0);
	}
	if (total > AUDIT_LINE_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	return audit_record_with(a, op, target, audit_entry_body, &c, result);
}

int
audit_record_with(struct audit_log *a, const char *op, const char *target,
    void (*body)(struct json_writer *w, void *arg), void *arg, const char *result)
{
	struct json_writer *w;
	char tbuf[64], *line = NULL;
	size_t len = 0;
	FILE *fp;
	int bad;

	if (a == NULL || op == NULL || target == NULL || result == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (audit_timestamp(tbuf, sizeof(tbuf)) == -1)
		return -1;
	if ((fp = open_memstream(&line, &len)) == NULL)
		return -1;
	w = json_writer_new(fp, 0);
	json_begin_object(w);
	json_key(w, "time");
	json_string(w, tbuf);
	json_key(w, "actor");
	json_string(w, a->actor);
	json_key(w, "op");
	json_string(w, op);
	json_key(w, "target");
	json_string(w, target);
	if (body != NULL)
		body(w, arg);
	json_key(w, "result");
	json_string(w, result);
	json_end_object(w);
	json_writer_free(w);
	putc('\n', fp);
	bad = ferror(fp);
	if (fclose(fp) != 0 || bad) {
		free(line);
		errno = ENOMEM;
		return -1;
	}
	return audit_emit(a, line, len);
}

int
audit_sync(struct audit_log *a)
{
	int rc;

	if (a == NULL) {
		errno = EINVAL;
		return -1;
	}
	do
		rc = fdatasync(a->fd);
	while (rc == -1 && errno == EINTR);
	return rc;
}

struct audit_log *
audit_dup(const struct audit_log *a, const char *actor)
{
	struct audit_log *d;
	int fd;

	if (a == NULL || actor == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((fd = fcntl(a->fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->fd = fd;
	d->actor = xstrdup(actor);
	return d;
}

int
audit_close(struct audit_log *a)
{
	int rc = 0, saved = 0;

	if (a == NULL)
		return 0;
	if (fsync(a->fd) == -1) {
		rc = -1;
		saved = errno;
	}
	if (close(a->fd) == -1 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	free(a->actor);
	free(a);
	if (rc == -1)
		errno = saved;
	return rc;
}

char *
audit_default_actor(void)
{
	struct passwd pw, *res = NULL;
	char *buf, *actor, sudo[4 * AUDIT_SUDO_MAX + 8], who[64];
	const char *name, *s;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	uid_t uid = getuid();

	if (sz < 1024)
		sz = 16384;
	buf = xmalloc((size_t)sz);
	if (getpwuid_r(uid, &pw, buf, (size_t)sz, &res) == 0 && res != NULL &&
	    res->pw_name != NULL && res->pw_name[0] != '\0')
		name = res->pw_name;
	else {
		snprintf(who, sizeof(who), "uid %lu", (unsigned long)uid);
		name = who;
	}
	/* Unauthenticated (any user can set it) and so escaped and capped. */
	s = secure_getenv("SUDO_USER");
	if (s != NULL && *s != '\0') {
		log_escape(sudo, sizeof(sudo), s, AUDIT_SUDO_MAX);
		actor = xasprintf("%s (sudo: %s)", name, sudo);
	} else
		actor = xstrdup(name);
	free(buf);
	return actor;
}
