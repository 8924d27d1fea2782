/*
 * dir_failover.c — server lists and the table of servers that failed (see
 * dir_failover.h). The table is small and fixed: a deployment names a
 * handful of servers; when it is full the entry that expires first is
 * reused, so at worst a failed server is tried again early.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir_failover.h"
#include "xmalloc.h"

#define DIR_FAILOVER_SLOTS 32
#define DIR_FAILOVER_URI_MAX 512

struct dir_failover_slot {
	char uri[DIR_FAILOVER_URI_MAX];
	time_t until;            /* monotonic seconds; 0 = free */
};

static pthread_mutex_t dir_failover_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dir_failover_slot dir_failover_slots[DIR_FAILOVER_SLOTS];
static void (*dir_failover_notify)(const char *);

static time_t
dir_failover_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1;    /* never 0, the "free" mark */
}

void
dir_uris_add(struct dir_uris *u, const char *list)
{
	const char *p = list, *start;
	char *one;

	while (*p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		start = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (p == start)
			break;
		one = xstrndup(start, (size_t)(p - start));
		if (dir_uris_find(u, one) >= 0) {
			free(one);
			continue;
		}
		u->v = xreallocarray(u->v, u->n + 1, sizeof(*u->v));
		u->v[u->n++] = one;
	}
}

void
dir_uris_free(struct dir_uris *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		free(u->v[i]);
	free(u->v);
	u->v = NULL;
	u->n = 0;
}

int
dir_uris_find(const struct dir_uris *u, const char *uri)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->v[i], uri) == 0)
			return (int)i;
	return -1;
}

/* The slot of uri, or NULL; with the lock held. */
static struct dir_failover_slot *
dir_failover_find_locked(const char *uri)
{
	size_t i;

	for (i = 0; i < DIR_FAILOVER_SLOTS; i++)
		if (dir_failover_slots[i].until != 0 &&
		    strcmp(dir_failover_slots[i].uri, uri) == 0)
			return &dir_failover_slots[i];
	return NULL;
}

void
dir_failover_mark_down(const char *uri, int secs)
{
	struct dir_failover_slot *s;
	time_t now = dir_failover_now();
	size_t i;

	if (strlen(uri) >= DIR_FAILOVER_URI_MAX)
		return;
	pthread_mutex_lock(&dir_failover_lock);
	if ((s = dir_failover_find_locked(uri)) == NULL) {
		s = &dir_failover_slots[0];
		for (i = 0; i < DIR_FAILOVER_SLOTS; i++) {
			if (dir_failover_slots[i].until == 0 || dir_failover_slots[i].until <= now) {
				s = &dir_failover_slots[i];
				break;
			}
			if (dir_failover_slots[i].until < s->until)
				s = &dir_failover_slots[i];
		}
		snprintf(s->uri, sizeof(s->uri), "%s", uri);
	}
	s->until = now + (secs > 0 ? secs : 1);
	pthread_mutex_unlock(&dir_failover_lock);
}

void
dir_failover_mark_up(const char *uri)
{
	struct dir_failover_slot *s;

	pthread_mutex_lock(&dir_failover_lock);
	if ((s = dir_failover_find_locked(uri)) != NULL)
		s->until = 0;
	pthread_mutex_unlock(&dir_failover_lock);
}

int
dir_failover_is_down(const char *uri)
{
	struct dir_failover_slot *s;
	int down = 0;

	pthread_mutex_lock(&dir_failover_lock);
	if ((s = dir_failover_find_locked(uri)) != NULL)
		down = s->until > dir_failover_now();
	pthread_mutex_unlock(&dir_failover_lock);
	return down;
}

void
dir_failover_set_notify(void (*fn)(const char *msg))
{
	dir_failover_notify = fn;
}

void
dir_failover_note(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dir_failover_notify != NULL)
		dir_failover_notify(msg);
	else
		fprintf(stderr, "%s: note: %s\n", program_invocation_short_name, msg);
}
