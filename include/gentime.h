/*
 * gentime.h — LDAP GeneralizedTime (RFC 4517 §3.3.13) as govmail writes
 * and reads it: "YYYYMMDDHHMMSSZ" in UTC, read with an optional fraction
 * of a second (slapd's operational times carry one).
 */
#ifndef GOVMAIL_GENTIME_H
#define GOVMAIL_GENTIME_H

#include <stddef.h>
#include <time.h>

/* t as "YYYYMMDDHHMMSSZ" into buf (16 bytes are enough). */
void gentime_format(time_t t, char *buf, size_t len);
/* Seconds since the epoch of "YYYYMMDDHHMMSS[.fraction]Z", or -1 (NULL,
 * another form, a zone offset, anything after the Z). */
time_t gentime_parse(const char *s);

#endif
