/*
 * smtp_client_pool.c — idle next-hop connections between sessions (see
 * smtp_client_pool.h). One mutex guards a short array kept in the order
 * connections were given back; a session takes the newest one (the
 * others then age out first). Nothing is sent or waited for under the
 * lock: connections dropped by the pool are closed afterwards. They get
 * QUIT at once and are kept on a closing list until the next hop's 221
 * has been read (looked at once a second, from the listener's loop, up to
 * POOL_QUIT_WAIT_MS): closed before it, the next hop would see a reset.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "daemon_conf.h"
#include "smtp_client.h"
#include "smtp_client_pool.h"
#include "smtp_io.h"
#include "xmalloc.h"

/* RSET before a connection goes into the pool waits at most this long. */
#define POOL_PARK_TIMEOUT_MS 10000
/* The 221 after QUIT is waited for at most this long. */
#define POOL_QUIT_WAIT_MS 10000

/* Connections that were sent QUIT, until their 221 came. */
struct pool_closing {
	struct smtp_client *c;
	uint64_t until;              /* ms: given up after this */
};
static struct pool_closing *pool_closing;
static size_t pool_closing_n, pool_closing_cap;

struct pool_entry {
	struct smtp_client *c;
	unsigned long gen;           /* daemon_conf.gen it was made under */
	uint64_t idle_until;         /* ms: closed when idle this long */
	uint64_t reuse_until;        /* ms: not handed out after this */
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pool_entry *pool;
static size_t pool_n, pool_cap;

/* A list of connections to close once the lock is released. */
struct pool_drop {
	struct smtp_client **v;
	size_t n;
};

static void
pool_drop_add(struct pool_drop *d, struct smtp_client *c)
{
	if (d->v == NULL)
		d->v = xcalloc(pool_n + 1, sizeof(*d->v));
	d->v[d->n++] = c;
}

/* QUIT to each, without waiting; they wait for their 221 on the list. */
static void
pool_drop_close(struct pool_drop *d)
{
	uint64_t until = smtp_io_now_ms() + POOL_QUIT_WAIT_MS;
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (smtp_client_quit_begin(d->v[i]) != 0)
			continue;         /* closed at once */
		pthread_mutex_lock(&pool_lock);
		if (pool_closing_n == pool_closing_cap) {
			pool_closing_cap = pool_closing_cap ? 2 * pool_closing_cap : 8;
			pool_closing = xreallocarray(pool_closing, pool_closing_cap,
			    sizeof(*pool_closing));
		}
		pool_closing[pool_closing_n].c = d->v[i];
		pool_closing[pool_closing_n++].until = until;
		pthread_mutex_unlock(&pool_lock);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static void
pool_remove_locked(size_t i)
{
	memmove(pool + i, pool + i + 1, (pool_n - i - 1) * sizeof(*pool));
	pool_n--;
}

/* Move out of the pool (into d) what has expired, what was made under a
 * configuration older than gen_min, and, with check, what the next hop
 * has closed or spoken on while idle. */
static void
pool_sweep_locked(uint64_t now, unsigned long gen_min, int check, struct pool_drop *d)
{
	size_t i = 0;

	while (i < pool_n) {
		struct pool_entry *e = &pool[i];

		if (e->gen < gen_min || now >= e->idle_until || now >= e->reuse_until ||
		    (check && !smtp_client_usable(e->c))) {
			pool_drop_add(d, e->c);
			pool_remove_locked(i);
		} else {
			i++;
		}
	}
}

struct smtp_client *
smtp_client_pool_take(const struct daemon_conf *dc)
{
	for (;;) {
		struct pool_drop d = { NULL, 0 };
		struct smtp_client *c = NULL;
		size_t i;

		pthread_mutex_lock(&pool_lock);
		pool_sweep_locked(smtp_io_now_ms(), dc->gen, 0, &d);
		for (i = pool_n; i > 0; i--)
			if (pool[i - 1].gen == dc->gen) {
				c = pool[i - 1].c;
				pool_remove_locked(i - 1);
				break;
			}
		pthread_mutex_unlock(&pool_lock);
		pool_drop_close(&d);
		if (c == NULL)
			return NULL;
		/* Closed by the next hop (or a 421 waiting) while idle: next. */
		if (smtp_client_usable(c))
			return c;
		d.v = xcalloc(1, sizeof(*d.v));
		d.v[0] = c;
		d.n = 1;
		pool_drop_close(&d);
	}
}

void
smtp_client_pool_give(const struct daemon_conf *dc, struct smtp_client *c)
{
	const struct govmail_conf *conf = dc->conf;
	struct pool_drop d = { NULL, 0 };
	uint64_t now, age, max_age = 1000u * (uint64_t)conf->nh_pool_max_age;

	if (c == NULL)
		return;
	now = smtp_io_now_ms();
	age = smtp_client_age_ms(c, now);
	if (conf->nh_pool_size <= 0 || age >= max_age) {
		smtp_client_close(c);
		return;
	}
	if (smtp_client_park(c, POOL_PARK_TIMEOUT_MS) != 0) {
		smtp_client_close(c);
		return;
	}
	now = smtp_io_now_ms();
	pthread_mutex_lock(&pool_lock);
	pool_sweep_locked(now, dc->gen, 0, &d);
	while (pool_n > 0 && pool_n >= (size_t)conf->nh_pool_size) {
		/* Full: the one given back longest ago makes room. */
		pool_drop_add(&d, pool[0].c);
		pool_remove_locked(0);
	}
	if (pool_n == pool_cap) {
		pool_cap = pool_cap ? 2 * pool_cap : 8;
		pool = xreallocarray(pool, pool_cap, sizeof(*pool));
	}
	pool[pool_n].c = c;
	pool[pool_n].gen = dc->gen;
	pool[pool_n].idle_until = now + 1000u * (uint64_t)conf->nh_pool_idle_timeout;
	pool[pool_n].reuse_until = now - age + max_age;
	pool_n++;
	pthread_mutex_unlock(&pool_lock);
	pool_drop_close(&d);
}

/*
 * Look at the connections waiting for their 221 (wait_until: how long;
 * a past time only looks). Those whose reply came, or whose time is up,
 * are closed. Each is taken off the list while it is looked at, so no
 * other thread waits on the lock meanwhile.
 */
static void
pool_reap_closing(uint64_t wait_until, int all)
{
	size_t i = 0;

	for (;;) {
		struct pool_closing e;
		uint64_t now = smtp_io_now_ms();

		pthread_mutex_lock(&pool_lock);
		if (i >= pool_closing_n) {
			pthread_mutex_unlock(&pool_lock);
			return;
		}
		e = pool_closing[i];
		pool_closing[i] = pool_closing[--pool_closing_n];
		pthread_mutex_unlock(&pool_lock);
		if (smtp_client_quit_poll(e.c, wait_until, all || now >= e.until))
			continue;        /* closed; the slot holds the next one */
		pthread_mutex_lock(&pool_lock);
		if (pool_closing_n == pool_closing_cap) {
			pool_closing_cap = pool_closing_cap ? 2 * pool_closing_cap : 8;
			pool_closing = xreallocarray(pool_closing, pool_closing_cap,
			    sizeof(*pool_closing));
		}
		pool_closing[pool_closing_n] = pool_closing[i];
		pool_closing[i] = e;
		pool_closing_n++;
		pthread_mutex_unlock(&pool_lock);
		i++;
	}
}

void
smtp_client_pool_expire(void)
{
	struct pool_drop d = { NULL, 0 };

	pthread_mutex_lock(&pool_lock);
	pool_sweep_locked(smtp_io_now_ms(), 0, 1, &d);
	pthread_mutex_unlock(&pool_lock);
	pool_drop_close(&d);
	pool_reap_closing(0, 0);
}

void
smtp_client_pool_flush(void)
{
	struct pool_drop d = { NULL, 0 };
	size_t i;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < pool_n; i++)
		pool_drop_add(&d, pool[i].c);
	free(pool);
	pool = NULL;
	pool_n = pool_cap = 0;
	pthread_mutex_unlock(&pool_lock);
	pool_drop_close(&d);
	/* At exit: each waits its turn, all within POOL_QUIT_WAIT_MS. */
	{
		uint64_t until = smtp_io_now_ms() + POOL_QUIT_WAIT_MS;

		while (pool_closing_n > 0 && smtp_io_now_ms() < until)
			pool_reap_closing(smtp_io_now_ms() + 100, 0);
		pool_reap_closing(0, 1);
	}
	pthread_mutex_lock(&pool_lock);
	free(pool_closing);
	pool_closing = NULL;
	pool_closing_n = pool_closing_cap = 0;
	pthread_mutex_unlock(&pool_lock);
}
