/*
 * gentime.c — GeneralizedTime written and read (see gentime.h).
 */
#include <string.h>
#include <time.h>

#include "gentime.h"

void
gentime_format(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d%H%M%SZ", &tm);
}

time_t
gentime_parse(const char *s)
{
	struct tm tm;
	const char *end;
	size_t i;

	/* strptime would take fewer digits per field: fourteen are required */
	for (i = 0; s != NULL && i < 14; i++)
		if (s[i] < '0' || s[i] > '9')
			return (time_t)-1;
	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y%m%d%H%M%S", &tm)) != s + 14)
		return (time_t)-1;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++)
			;
	if (strcmp(end, "Z") != 0)
		return (time_t)-1;
	return timegm(&tm);
}
