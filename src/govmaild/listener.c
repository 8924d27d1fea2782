/*
 * listener.c — sockets, accept loop, session threads, signals, drain
 * (see listener.h). The main thread only accepts and handles signals
 * (through a signalfd); all SMTP work happens in session threads. A
 * thread whose session ended waits a little for the next one (up to
 * LISTENER_IDLE_MAX of them, LISTENER_IDLE_MS each) instead of exiting:
 * with short sessions, creating and tearing down a thread (and its
 * stack) per connection costs more than the SMTP work.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client_limits.h"
#include "conf.h"
#include "daemon_conf.h"
#include "listener.h"
#include "log.h"
#include "smtp_client_pool.h"
#include "smtp_io.h"
#include "smtp_session.h"
#include "xmalloc.h"

/* Session threads block in poll() and keep big buffers on the heap, so a
 * small stack is enough; sanitizers need more room. */
#if defined(__SANITIZE_ADDRESS__)
#define LISTENER_STACK (512 * 1024)
#else
#define LISTENER_STACK (128 * 1024)
#endif

/* Session threads kept waiting for a next session, and for how long. */
#define LISTENER_IDLE_MAX 32
#define LISTENER_IDLE_MS 10000

static atomic_int listener_sessions;
static atomic_int listener_threads;     /* session threads alive */
static atomic_int listener_drain_flag;

struct listener_job {
	int fd;
	int role;
	struct sockaddr_storage peer;
	struct daemon_conf *dc;
	int counted;               /* in client_limits: end it there too */
	struct listener_job *next;
};

/* Sessions handed to waiting threads: a FIFO, and the waiting threads. */
static pthread_mutex_t listener_idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t listener_idle_cond = PTHREAD_COND_INITIALIZER;
static struct listener_job *listener_queue_head, *listener_queue_tail;
static int listener_idle, listener_queued;

int
listener_draining(void)
{
	return atomic_load(&listener_drain_flag);
}

int
listener_active(void)
{
	return atomic_load(&listener_sessions);
}

/* "host:port" or "[v6]:port" into host and port strings. */
static int
listener_split(const char *spec, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(spec, ':');
	size_t n;

	if (colon == NULL)
		return -1;
	n = (size_t)(colon - spec);
	if (spec[0] == '[' && n >= 2 && spec[n - 1] == ']') {
		spec++;
		n -= 2;
	}
	if (n == 0 || n >= hlen)
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	snprintf(port, plen, "%s", colon + 1);
	return 0;
}

/* Bind one "host:port" and add it to l with its role. */
static int
listener_bind(struct listener *l, const char *spec, int role, int backlog,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[16];
	int fd, one = 1, gai;

	if (listener_split(spec, host, sizeof(host), port, sizeof(port)) != 0) {
		snprintf(err, errlen, "bad listen address \"%s\"", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(gai));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (res->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(fd, backlog) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	l->fds = xreallocarray(l->fds, l->nfds + 1, sizeof(int));
	l->roles = xreallocarray(l->roles, l->nfds + 1, sizeof(int));
	l->fds[l->nfds] = fd;
	l->roles[l->nfds++] = role;
	return 0;
}

int
listener_open(struct listener *l, const struct govmail_conf *c, char *err,
    size_t errlen)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < c->smtpd_relay_listen.n; i++)
		if (listener_bind(l, c->smtpd_relay_listen.v[i], SMTP_ROLE_RELAY,
		    c->smtpd_max_sessions, err, errlen) != 0)
			return -1;
	for (i = 0; i < c->smtpd_submission_listen.n; i++)
		if (listener_bind(l, c->smtpd_submission_listen.v[i], SMTP_ROLE_SUBMISSION,
		    c->smtpd_max_sessions, err, errlen) != 0)
			return -1;
	return 0;
}

void
listener_block_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Wait (bounded) for the next session handed to an idle thread: the job,
 * or NULL when this thread should end. */
static struct listener_job *
listener_next_job(void)
{
	struct listener_job *job = NULL;
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += LISTENER_IDLE_MS / 1000;
	pthread_mutex_lock(&listener_idle_lock);
	if (listener_idle < LISTENER_IDLE_MAX && !listener_draining()) {
		listener_idle++;
		while (listener_queue_head == NULL && !listener_draining() &&
		    pthread_cond_timedwait(&listener_idle_cond, &listener_idle_lock,
		    &until) == 0)
			;
		listener_idle--;
	}
	if ((job = listener_queue_head) != NULL) {
		listener_queue_head = job->next;
		if (listener_queue_head == NULL)
			listener_queue_tail = NULL;
		listener_queued--;
	}
	pthread_mutex_unlock(&listener_idle_lock);
	return job;
}

/* Give job to a waiting thread; -1 if none is free (start one then). */
static int
listener_hand_over(struct listener_job *job)
{
	int rc = -1;

	pthread_mutex_lock(&listener_idle_lock);
	if (listener_idle > listener_queued) {
		job->next = NULL;
		if (listener_queue_tail != NULL)
			listener_queue_tail->next = job;
		else
			listener_queue_head = job;
		listener_queue_tail = job;
		listener_queued++;
		rc = 0;
	}
	pthread_mutex_unlock(&listener_idle_lock);
	/* After the unlock: the woken thread does not block on the mutex. */
	if (rc == 0)
		pthread_cond_signal(&listener_idle_cond);
	return rc;
}

static void *
listener_thread(void *arg)
{
	struct listener_job *job = arg;

	while (job != NULL) {
		smtp_session_run(job->fd, &job->peer, job->role, job->dc);
		if (job->counted)
			client_limits_end(&job->peer);
		daemon_conf_release(job->dc);
		free(job);
		atomic_fetch_sub(&listener_sessions, 1);
		job = listener_next_job();
	}
	/* OpenSSL's per-thread state, now rather than in a key destructor
	 * that may run after the process has decided to exit. */
	OPENSSL_thread_stop();
	atomic_fetch_sub(&listener_threads, 1);
	return NULL;
}

/* Refuse a connection at once, without blocking the accept loop. */
static void
listener_refuse(int fd, const char *enh, const char *hostname, const char *why)
{
	char msg[400];
	int n = snprintf(msg, sizeof(msg), "421 %s %s %s\r\n", enh, hostname, why);

	if (n > 0)
		(void)send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

/* Accept one connection and start its session. Returns 0, or -1 when
 * there is nothing more to accept now. */
static int
listener_accept(int lfd, int role, pthread_attr_t *attr)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	struct daemon_conf *dc;
	struct listener_job *job;
	pthread_t tid;
	char enh[8], why[200];
	int fd, one = 1, counted;

	fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		if (errno == EMFILE || errno == ENFILE)
			usleep(100000);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	dc = daemon_conf_acquire();
	if (atomic_load(&listener_sessions) >= dc->conf->smtpd_max_sessions) {
		log_warnx("refusing connection: %d sessions (smtpd.max_sessions)",
		    atomic_load(&listener_sessions));
		listener_refuse(fd, "4.3.2", dc->hostname,
		    "Error: too many sessions, try again later");
		daemon_conf_release(dc);
		return 0;
	}
	/* Per client address (issue #17): one address cannot take every slot. */
	if (client_limits_begin(dc, &peer, &counted, enh, why, sizeof(why)) != 0) {
		listener_refuse(fd, enh, dc->hostname, why);
		daemon_conf_release(dc);
		return 0;
	}
	job = xcalloc(1, sizeof(*job));
	job->counted = counted;
	job->fd = fd;
	job->role = role;
	job->peer = peer;
	job->dc = dc;
	atomic_fetch_add(&listener_sessions, 1);
	if (listener_hand_over(job) == 0)
		return 0;
	atomic_fetch_add(&listener_threads, 1);
	if (pthread_create(&tid, attr, listener_thread, job) != 0) {
		atomic_fetch_sub(&listener_threads, 1);
		atomic_fetch_sub(&listener_sessions, 1);
		log_warnx("cannot start a session thread");
		if (job->counted)
			client_limits_end(&job->peer);
		listener_refuse(fd, "4.3.2", dc->hostname,
		    "Error: out of resources, try again later");
		daemon_conf_release(dc);
		free(job);
	}
	return 0;
}

/* SIGHUP: load the file again; keep the old configuration on error. */
static void
listener_reload(const char *conf_path)
{
	struct daemon_conf *cur, *dc;
	char err[1024];

	cur = daemon_conf_acquire();
	if ((dc = daemon_conf_load(conf_path, cur, err, sizeof(err))) == NULL) {
		log_warnx("reload failed, keeping the running configuration: %s", err);
		daemon_conf_release(cur);
		return;
	}
	if (strcmp(cur->conf->smtpd_user, dc->conf->smtpd_user) != 0 ||
	    cur->conf->smtpd_relay_listen.n != dc->conf->smtpd_relay_listen.n ||
	    cur->conf->smtpd_submission_listen.n != dc->conf->smtpd_submission_listen.n)
		log_warnx("reload: smtpd.user and the listen addresses take effect at restart");
	daemon_conf_release(cur);
	daemon_conf_install(dc);
	log_info("configuration reloaded from %s", conf_path);
}

/* After SIGTERM: no new sessions; wait for those in flight. */
static int
listener_drain(struct listener *l, int sfd)
{
	struct daemon_conf *dc = daemon_conf_acquire();
	uint64_t deadline = smtp_io_now_ms() + 1000u * (uint64_t)dc->conf->smtpd_drain_timeout;
	size_t i;

	daemon_conf_release(dc);
	for (i = 0; i < l->nfds; i++)
		close(l->fds[i]);
	l->nfds = 0;
	atomic_store(&listener_drain_flag, 1);
	/* Threads waiting for a next session end now. */
	pthread_mutex_lock(&listener_idle_lock);
	pthread_cond_broadcast(&listener_idle_cond);
	pthread_mutex_unlock(&listener_idle_lock);
	log_info("shutting down: %d sessions in flight", listener_active());
	/* Also until the session threads are gone (idle ones leave at once). */
	while (listener_active() > 0 || atomic_load(&listener_threads) > 0) {
		struct pollfd pfd = { sfd, POLLIN, 0 };
		struct signalfd_siginfo si;

		if (smtp_io_now_ms() >= deadline) {
			log_warnx("drain deadline passed with %d sessions open; exiting",
			    listener_active());
			return 0;
		}
		if (poll(&pfd, 1, listener_active() > 0 ? 100 : 10) > 0 &&
		    read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
		    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)) {
			log_warnx("second signal: exiting with %d sessions open",
			    listener_active());
			return 0;
		}
	}
	log_info("all sessions finished; exiting");
	return 0;
}

int
listener_run(struct listener *l, const char *conf_path)
{
	struct pollfd *pfds = xcalloc(l->nfds + 1, sizeof(*pfds));
	pthread_attr_t attr;
	sigset_t set;
	uint64_t next_expire = 0;
	int sfd, rc;
	size_t i;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		fatal(71, "signalfd");
	{
		struct daemon_conf *dc = daemon_conf_acquire();

		client_limits_init(dc);
		daemon_conf_release(dc);
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, LISTENER_STACK);
	for (;;) {
		int stop = 0;

		pfds[0].fd = sfd;
		pfds[0].events = POLLIN;
		for (i = 0; i < l->nfds; i++) {
			pfds[i + 1].fd = l->fds[i];
			pfds[i + 1].events = POLLIN;
		}
		/* Woken at least once a second to close idle next-hop connections. */
		if (smtp_io_now_ms() >= next_expire) {
			struct daemon_conf *dc = daemon_conf_acquire();

			client_limits_expire(dc);
			daemon_conf_release(dc);
			smtp_client_pool_expire();
			next_expire = smtp_io_now_ms() + 1000;
		}
		if (poll(pfds, l->nfds + 1, 1000) < 0) {
			if (errno == EINTR)
				continue;
			fatal(71, "poll");
		}
		if (pfds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					listener_reload(conf_path);
				else
					stop = 1;
			}
		}
		if (stop)
			break;
		for (i = 0; i < l->nfds; i++) {
			int k;

			/* a burst of connections is taken in one go */
			for (k = 0; (pfds[i + 1].revents & POLLIN) && k < 64; k++)
				if (listener_accept(l->fds[i], l->roles[i], &attr) != 0)
					break;
		}
	}
	rc = listener_drain(l, sfd);
	/* Sessions left after the drain deadline may still use the table. */
	if (listener_active() == 0 && atomic_load(&listener_threads) == 0)
		client_limits_shutdown();
	pthread_attr_destroy(&attr);
	close(sfd);
	free(pfds);
	free(l->fds);
	free(l->roles);
	l->fds = NULL;
	l->roles = NULL;
	return rc;
}
