/*
 * apid_idem.c — remembered answers of creations by Idempotency-Key
 * (apid_idem.h). A list under one mutex: creations are few, and the table
 * is bounded (the oldest entry makes room).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid_idem.h"
#include "xmalloc.h"

struct apid_idem_entry {
	char *id;                   /* caller "\n" key */
	unsigned char digest[32];
	long expires;
	int done;
	unsigned status;
	char *text;
	struct apid_idem_entry *next;
};

struct apid_idem {
	pthread_mutex_t mu;
	int ttl;
	size_t max, n;
	struct apid_idem_entry *head;
};

struct apid_idem *
apid_idem_new(int ttl, size_t max)
{
	struct apid_idem *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->mu, NULL);
	t->ttl = ttl;
	t->max = max;
	return t;
}

static void
apid_idem_entry_free(struct apid_idem_entry *e)
{
	if (e->text != NULL)
		explicit_bzero(e->text, strlen(e->text));   /* may hold a password */
	free(e->text);
	free(e->id);
	free(e);
}

void
apid_idem_free(struct apid_idem *t)
{
	struct apid_idem_entry *e, *next;

	if (t == NULL)
		return;
	for (e = t->head; e != NULL; e = next) {
		next = e->next;
		apid_idem_entry_free(e);
	}
	pthread_mutex_destroy(&t->mu);
	free(t);
}

/* Drop expired entries, and the oldest while full (under the lock). */
static void
apid_idem_expire(struct apid_idem *t, long now)
{
	struct apid_idem_entry **pp = &t->head, *e, **oldest = NULL;

	while ((e = *pp) != NULL) {
		if (e->done && e->expires <= now) {
			*pp = e->next;
			apid_idem_entry_free(e);
			t->n--;
			continue;
		}
		pp = &e->next;
	}
	while (t->n >= t->max && t->head != NULL) {
		/* entries are added at the head: the last is the oldest */
		for (pp = &t->head; (*pp)->next != NULL; pp = &(*pp)->next)
			;
		oldest = pp;
		e = *oldest;
		*oldest = NULL;
		apid_idem_entry_free(e);
		t->n--;
	}
}

static struct apid_idem_entry *
apid_idem_find(struct apid_idem *t, const char *id)
{
	struct apid_idem_entry *e;

	for (e = t->head; e != NULL; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

enum apid_idem_state
apid_idem_begin(struct apid_idem *t, const char *caller, const char *key,
    const unsigned char digest[32], long now, unsigned *status, char **text)
{
	char *id = xasprintf("%s\n%s", caller, key);
	struct apid_idem_entry *e;
	enum apid_idem_state st;

	*text = NULL;
	pthread_mutex_lock(&t->mu);
	apid_idem_expire(t, now);
	if ((e = apid_idem_find(t, id)) == NULL) {
		e = xcalloc(1, sizeof(*e));
		e->id = id;
		id = NULL;
		memcpy(e->digest, digest, 32);
		e->next = t->head;
		t->head = e;
		t->n++;
		st = APID_IDEM_NEW;
	} else if (memcmp(e->digest, digest, 32) != 0)
		st = APID_IDEM_MISMATCH;
	else if (!e->done)
		st = APID_IDEM_BUSY;
	else {
		*status = e->status;
		*text = xstrdup(e->text);
		st = APID_IDEM_REPLAY;
	}
	pthread_mutex_unlock(&t->mu);
	free(id);
	return st;
}

void
apid_idem_finish(struct apid_idem *t, const char *caller, const char *key,
    unsigned status, const char *text)
{
	char *id = xasprintf("%s\n%s", caller, key);
	struct apid_idem_entry *e;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&t->mu);
	if ((e = apid_idem_find(t, id)) != NULL) {
		e->done = 1;
		e->status = status;
		e->text = xstrdup(text);
		e->expires = (long)ts.tv_sec + t->ttl;
	}
	pthread_mutex_unlock(&t->mu);
	free(id);
}

void
apid_idem_drop(struct apid_idem *t, const char *caller, const char *key)
{
	char *id = xasprintf("%s\n%s", caller, key);
	struct apid_idem_entry **pp, *e;

	pthread_mutex_lock(&t->mu);
	for (pp = &t->head; (e = *pp) != NULL; pp = &e->next)
		if (strcmp(e->id, id) == 0) {
			*pp = e->next;
			apid_idem_entry_free(e);
			t->n--;
			break;
		}
	pthread_mutex_unlock(&t->mu);
	free(id);
}
