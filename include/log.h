/*
 * log.h — logging for govmail programs, after OpenSMTPD's log.c.
 * log_warn* append strerror(errno); the *x variants do not. fatal/fatalx log
 * and exit with the given sysexits code. Programs choose stderr or syslog
 * once at start with log_init(). User-supplied strings must be passed through
 * log_escape() (or printed with %s only after escaping) — never raw.
 */
#ifndef GOVMAIL_LOG_H
#define GOVMAIL_LOG_H

#include <stddef.h>

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG };

void log_init(const char *progname, enum log_target target, int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void fatalx(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * Copy at most max bytes of src into dst (size dstlen) with control bytes,
 * backslash and non-UTF-8 bytes shown as \xHH; printable UTF-8 is kept.
 * Always NUL-terminates; marks truncation with "...". Returns dst.
 */
char *log_escape(char *dst, size_t dstlen, const char *src, size_t max);

#endif
