/*
 * apid_idem_sweep.c — the sweeper thread of expired Idempotency-Key claims
 * (apid_idem_sweep.h). It sleeps on a condition variable, so stopping it
 * does not wait for the interval to pass.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "apid.h"
#include "apid_idem_sweep.h"
#include "apid_pool.h"
#include "dir.h"
#include "dir_idem.h"
#include "log.h"
#include "xmalloc.h"

/* Claims deleted per run at most: a backlog goes over several runs. */
#define APID_IDEM_SWEEP_MAX 500

struct apid_idem_sweep {
	struct apid_server *srv;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
};

static void
apid_idem_sweep_once(struct apid_idem_sweep *s)
{
	const struct govmail_conf *c = s->srv->conf;
	char err[256];
	struct dir *d;
	size_t n = 0;
	int st;

	if ((d = apid_pool_get(s->srv->pool, err, sizeof(err))) == NULL)
		return;   /* the next run will try again */
	st = dir_idem_sweep(d, c->apid_idempotency_ttl, (long long)time(NULL),
	    APID_IDEM_SWEEP_MAX, &n);
	if (st != DIR_OK)
		log_warnx("Idempotency-Key claims: sweep: %s", dir_error(d));
	if (n > 0)
		log_info("Idempotency-Key claims: %zu expired deleted", n);
	apid_pool_put(s->srv->pool, d);
}

static void *
apid_idem_sweep_main(void *arg)
{
	struct apid_idem_sweep *s = arg;
	struct timespec until;
	int stop;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += s->srv->conf->apid_idempotency_sweep;
		pthread_mutex_lock(&s->mu);
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT)
			;
		stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		apid_idem_sweep_once(s);
	}
	return NULL;
}

struct apid_idem_sweep *
apid_idem_sweep_start(struct apid_server *srv)
{
	struct apid_idem_sweep *s;

	if (srv->conf->apid_idempotency_sweep <= 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->srv = srv;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, apid_idem_sweep_main, s) != 0) {
		log_warnx("Idempotency-Key claims: cannot start the sweeper");
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	return s;
}

void
apid_idem_sweep_stop(struct apid_idem_sweep *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
