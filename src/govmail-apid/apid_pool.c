/*
 * apid_pool.c — the directory connection pool of govmail-apid
 * (apid_pool.h).
 */
#include <pthread.h>
#include <stdlib.h>

#include "apid_pool.h"
#include "dir.h"
#include "log.h"
#include "xmalloc.h"

struct apid_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct govmail_conf *conf;
	struct dir **idle;    /* open, not lent */
	size_t nidle;
	int lent, size;       /* lent + nidle + opening <= size */
};

struct apid_pool *
apid_pool_new(const struct govmail_conf *c, int size)
{
	struct apid_pool *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->conf = c;
	p->size = size;
	p->idle = xcalloc((size_t)size, sizeof(*p->idle));
	return p;
}

void
apid_pool_free(struct apid_pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nidle; i++)
		dir_close(p->idle[i]);
	free(p->idle);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

struct dir *
apid_pool_get(struct apid_pool *p, char *err, size_t errlen)
{
	struct dir *d = NULL;
	int code;

	pthread_mutex_lock(&p->mu);
	while (p->nidle == 0 && p->lent >= p->size)
		pthread_cond_wait(&p->cv, &p->mu);
	p->lent++;
	if (p->nidle > 0)
		d = p->idle[--p->nidle];
	pthread_mutex_unlock(&p->mu);
	if (d != NULL)
		return d;
	/* connect outside the lock: other requests keep their connections */
	if ((d = dir_open(p->conf, err, errlen, &code)) == NULL) {
		pthread_mutex_lock(&p->mu);
		p->lent--;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return d;
}

void
apid_pool_put(struct apid_pool *p, struct dir *d)
{
	if (d != NULL && dir_last_status(d) == DIR_UNAVAILABLE) {
		dir_close(d);
		d = NULL;
	}
	pthread_mutex_lock(&p->mu);
	p->lent--;
	if (d != NULL)
		p->idle[p->nidle++] = d;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}
