/*
 * log.c — stderr/syslog logging with printf-checked formats (see log.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "utf8.h"

static const char *log_progname = "govmail";
static enum log_target log_target_current = LOG_TO_STDERR;
static int log_verbose;

void
log_init(const char *progname, enum log_target target, int verbose)
{
	log_progname = progname;
	log_target_current = target;
	log_verbose = verbose;
	if (target == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

static void
log_vwrite(int prio, const char *fmt, va_list ap, const char *errstr)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_target_current == LOG_TO_SYSLOG) {
		if (errstr)
			syslog(prio, "%s: %s", msg, errstr);
		else
			syslog(prio, "%s", msg);
		/* A fatal error is also told to whoever started the daemon
		 * (stderr is /dev/null once it runs; see daemon_ready). */
		if (prio == LOG_CRIT)
			fprintf(stderr, "%s: %s%s%s\n", log_progname, msg,
			    errstr ? ": " : "", errstr ? errstr : "");
	} else {
		if (errstr)
			fprintf(stderr, "%s: %s: %s\n", log_progname, msg, errstr);
		else
			fprintf(stderr, "%s: %s\n", log_progname, msg);
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(int code, const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, e);
	va_end(ap);
	exit(code);
}

void
fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(code);
}

char *
log_escape(char *dst, size_t dstlen, const char *src, size_t max)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = strlen(src), i = 0, o = 0, seq;
	uint32_t cp;

	if (dstlen == 0)
		return dst;
	if (n > max)
		n = max;
	while (i < n) {
		seq = utf8_seq(s + i, n - i, &cp);
		if (seq == 1 && s[i] >= 0x20 && s[i] < 0x7F && s[i] != '\\') {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)s[i++];
		} else if (seq > 1) {
			if (o + seq >= dstlen)
				break;
			memcpy(dst + o, s + i, seq);
			o += seq;
			i += seq;
		} else {
			if (o + 4 >= dstlen)
				break;
			snprintf(dst + o, 5, "\\x%02X", s[i]);
			o += 4;
			i++;
		}
	}
	dst[o] = '\0';
	if ((i < strlen(src)) && dstlen > 4) {
		if (o + 3 >= dstlen)
			o = dstlen - 4;
		memcpy(dst + o, "...", 4);
	}
	return dst;
}
