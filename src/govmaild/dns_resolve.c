/*
 * dns_resolve.c — DNS lookups through libunbound (see dns_resolve.h).
 * libunbound resolves in its own thread (ub_ctx_async); a lookup waits on
 * its descriptor with poll(2) up to the timeout and cancels the query when
 * it passes, which the synchronous ub_resolve cannot do. Answers are kept
 * in a map keyed by type and name until their TTL runs out (monotonic
 * clock); when the map is full it is emptied (a bound, not an LRU).
 *
 * libunbound sets itself up (configuration, its worker and thread) in the
 * first query, on the caller's stack, and that needs more than a session
 * thread's small stack holds: the first query is made from a short-lived
 * thread with a stack of its own. Not at start: govmaild forks after
 * reading its configuration, and a thread started before would be lost.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unbound.h>

#include "dns_resolve.h"
#include "strmap.h"
#include "xmalloc.h"

#define DNS_TYPE_TXT 16
#define DNS_CLASS_IN 1
#define DNS_TTL_MAX 86400           /* keep nothing longer than a day */
#define DNS_NAME_MAX 253

struct dns_cached {
	enum dns_status st;
	struct dns_txt txt;
	long long expires;              /* monotonic seconds */
};

struct dns_resolver {
	struct ub_ctx *ctx;
	int timeout;
	size_t cache_max;
	struct strmap *cache;
	pthread_mutex_t lock;
	unsigned long hits, queries;
	int started;                    /* libunbound has set itself up */
};

/* The stack of the thread making the first query. */
#define DNS_FIRST_STACK (2 * 1024 * 1024)

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct dns_resolver *
dns_resolver_new(const char *server, int timeout, size_t cache_max, char *err,
    size_t errlen)
{
	struct dns_resolver *r = xcalloc(1, sizeof(*r));
	int e;

	r->ctx = ub_ctx_create();
	if (r->ctx == NULL) {
		snprintf(err, errlen, "libunbound: cannot create a context");
		free(r);
		return NULL;
	}
	/* A thread, not a forked process, does the resolving. */
	e = ub_ctx_async(r->ctx, 1);
	if (e == 0 && server[0] != '\0') {
		/* A forwarder on loopback (a local unbound, or a test server). */
		e = ub_ctx_set_option(r->ctx, "do-not-query-localhost:", "no");
		if (e == 0)
			e = ub_ctx_set_fwd(r->ctx, server);
	} else if (e == 0)
		e = ub_ctx_resolvconf(r->ctx, NULL);
	if (e != 0) {
		snprintf(err, errlen, "dns.server \"%s\": %s", server, ub_strerror(e));
		ub_ctx_delete(r->ctx);
		free(r);
		return NULL;
	}
	r->timeout = timeout;
	r->cache_max = cache_max;
	r->cache = strmap_new(cache_max < 1024 ? cache_max : 1024);
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

void
dns_txt_clear(struct dns_txt *t)
{
	xfreev(t->v, t->n);
	free(t->len);
	memset(t, 0, sizeof(*t));
}

static void
cached_free(const char *key, void *value, void *arg)
{
	struct dns_cached *c = value;

	(void)key;
	(void)arg;
	dns_txt_clear(&c->txt);
	free(c);
}

void
dns_resolver_free(struct dns_resolver *r)
{
	if (r == NULL)
		return;
	strmap_each(r->cache, cached_free, NULL);
	strmap_free(r->cache);
	ub_ctx_delete(r->ctx);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void
txt_copy(struct dns_txt *dst, const struct dns_txt *src)
{
	size_t i;

	dst->n = src->n;
	dst->ttl = src->ttl;
	dst->v = xcalloc(src->n + 1, sizeof(*dst->v));
	dst->len = xcalloc(src->n + 1, sizeof(*dst->len));
	for (i = 0; i < src->n; i++) {
		dst->v[i] = xmalloc(src->len[i] + 1);
		memcpy(dst->v[i], src->v[i], src->len[i] + 1);
		dst->len[i] = src->len[i];
	}
}

/* TXT RDATA: character-strings (length byte, bytes), joined. -1 if malformed. */
static int
txt_rdata(const unsigned char *p, size_t n, char **out, size_t *outlen)
{
	char *s = xmalloc(n + 1);
	size_t i = 0, k = 0;

	while (i < n) {
		size_t l = p[i++];

		if (l > n - i) {
			free(s);
			return -1;
		}
		memcpy(s + k, p + i, l);
		k += l;
		i += l;
	}
	s[k] = '\0';
	*out = s;
	*outlen = k;
	return 0;
}

struct dns_query {
	int done, err;
	struct ub_result *res;
};

static void
dns_callback(void *arg, int err, struct ub_result *res)
{
	struct dns_query *q = arg;

	q->done = 1;
	q->err = err;
	q->res = res;
}

struct dns_first {
	struct dns_resolver *r;
	const char *name;
	int type, *id, rc;
	struct dns_query *q;
};

static void *
dns_first_run(void *arg)
{
	struct dns_first *a = arg;

	a->rc = ub_resolve_async(a->r->ctx, a->name, a->type, DNS_CLASS_IN, a->q,
	    dns_callback, a->id);
	return NULL;
}

/* Hands the query to libunbound, the lock held: the first one from a
 * thread with a big enough stack (see the top of this file). */
static int
dns_submit(struct dns_resolver *r, const char *name, int type, struct dns_query *q,
    int *id)
{
	struct dns_first a = { r, name, type, id, -1, q };
	pthread_attr_t attr;
	pthread_t t;
	int e;

	if (r->started)
		return ub_resolve_async(r->ctx, name, type, DNS_CLASS_IN, q, dns_callback, id);
	if (pthread_attr_init(&attr) != 0)
		return -1;
	pthread_attr_setstacksize(&attr, DNS_FIRST_STACK);
	e = pthread_create(&t, &attr, dns_first_run, &a);
	pthread_attr_destroy(&attr);
	if (e != 0 || pthread_join(t, NULL) != 0)
		return -1;
	r->started = a.rc == 0;
	return a.rc;
}

/* One query to the server, the lock held. */
static enum dns_status
dns_ask(struct dns_resolver *r, const char *name, int type, struct dns_txt *out)
{
	struct dns_query q = { 0, 0, NULL };
	long long deadline = mono_ms() + (long long)r->timeout * 1000;
	enum dns_status st = DNS_TEMPFAIL;
	int id, i;

	r->queries++;
	if (dns_submit(r, name, type, &q, &id) != 0)
		return DNS_TEMPFAIL;
	while (!q.done) {
		long long left = deadline - mono_ms();
		struct pollfd p;

		if (left <= 0) {
			ub_cancel(r->ctx, id);
			return DNS_TEMPFAIL;
		}
		p.fd = ub_fd(r->ctx);
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR) {
			ub_cancel(r->ctx, id);
			return DNS_TEMPFAIL;
		}
		if (p.revents & POLLIN)
			ub_process(r->ctx);
	}
	if (q.err != 0 || q.res == NULL)
		goto out;
	out->ttl = q.res->ttl < 0 ? 0 : (unsigned)q.res->ttl;
	if (q.res->nxdomain || q.res->rcode == 3)
		st = DNS_NXDOMAIN;
	else if (q.res->rcode != 0)
		st = DNS_TEMPFAIL;      /* SERVFAIL, REFUSED: the server could not say */
	else if (!q.res->havedata)
		st = DNS_NODATA;
	else {
		for (i = 0; q.res->data[i] != NULL; i++)
			;
		out->v = xcalloc((size_t)i + 1, sizeof(*out->v));
		out->len = xcalloc((size_t)i + 1, sizeof(*out->len));
		for (i = 0; q.res->data[i] != NULL; i++) {
			if (type != DNS_TYPE_TXT) {
				/* Other types: the RDATA as it came (dns_lookup_rr). */
				size_t l = (size_t)q.res->len[i];

				out->v[out->n] = xmalloc(l + 1);
				memcpy(out->v[out->n], q.res->data[i], l);
				out->v[out->n][l] = '\0';
				out->len[out->n++] = l;
			} else if (txt_rdata((unsigned char *)q.res->data[i], (size_t)q.res->len[i],
			    &out->v[out->n], &out->len[out->n]) == 0)
				out->n++;
		}
		st = out->n > 0 ? DNS_OK : DNS_TEMPFAIL;
	}
out:
	ub_resolve_free(q.res);
	return st;
}

static enum dns_status dns_lookup(struct dns_resolver *r, const char *name,
    int type, struct dns_txt *out);

enum dns_status
dns_lookup_txt(struct dns_resolver *r, const char *name, struct dns_txt *out)
{
	return dns_lookup(r, name, DNS_TYPE_TXT, out);
}

enum dns_status
dns_lookup_rr(struct dns_resolver *r, const char *name, int type, struct dns_txt *out)
{
	return dns_lookup(r, name, type, out);
}

static enum dns_status
dns_lookup(struct dns_resolver *r, const char *name, int type, struct dns_txt *out)
{
	struct dns_cached *c;
	enum dns_status st;
	char key[DNS_NAME_MAX + 16];
	long long now;

	memset(out, 0, sizeof(*out));
	if (strlen(name) > DNS_NAME_MAX)
		return DNS_NXDOMAIN;
	snprintf(key, sizeof(key), "%d %s", type, name);
	pthread_mutex_lock(&r->lock);
	now = mono_ms() / 1000;
	c = strmap_get(r->cache, key);
	if (c != NULL && c->expires > now) {
		r->hits++;
		st = c->st;
		txt_copy(out, &c->txt);
		out->ttl = (unsigned)(c->expires - now);
		pthread_mutex_unlock(&r->lock);
		return st;
	}
	st = dns_ask(r, name, type, out);
	if (st != DNS_TEMPFAIL && r->cache_max > 0 && out->ttl > 0) {
		if (c == NULL && strmap_count(r->cache) >= r->cache_max) {
			strmap_each(r->cache, cached_free, NULL);
			strmap_free(r->cache);
			r->cache = strmap_new(1024);
		}
		if (c == NULL) {
			c = xcalloc(1, sizeof(*c));
			strmap_put(r->cache, key, c);
		} else
			dns_txt_clear(&c->txt);
		c->st = st;
		txt_copy(&c->txt, out);
		c->expires = now + (out->ttl < DNS_TTL_MAX ? out->ttl : DNS_TTL_MAX);
	}
	pthread_mutex_unlock(&r->lock);
	return st;
}

void
dns_resolver_stats(struct dns_resolver *r, unsigned long *hits, unsigned long *queries)
{
	pthread_mutex_lock(&r->lock);
	*hits = r->hits;
	*queries = r->queries;
	pthread_mutex_unlock(&r->lock);
}

const char *
dns_status_str(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return "ok";
	case DNS_NXDOMAIN:
		return "nxdomain";
	case DNS_NODATA:
		return "nodata";
	case DNS_TEMPFAIL:
		break;
	}
	return "tempfail";
}
