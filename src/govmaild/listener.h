/*
 * listener.h — govmaild's listening sockets and accept loop: one detached
 * thread (small stack) per session, kept a while for a next session when
 * it ends, the concurrent-session limit (421
 * 4.3.2 beyond it), signals (SIGTERM/SIGINT drain, SIGHUP reload) and the
 * drain on shutdown. Not for: what happens inside a session
 * (smtp_session.c) or process setup (daemon.c).
 */
#ifndef GOVMAIL_LISTENER_H
#define GOVMAIL_LISTENER_H

#include <stddef.h>

struct govmail_conf;

struct listener {
	int *fds;
	int *roles;                /* enum smtp_role of each fd */
	size_t nfds;
};

/* Bind and listen on smtpd.relay_listen and smtpd.submission_listen
 * (backlog smtpd.max_sessions).
 * Returns 0, or -1 with a message in err. */
int listener_open(struct listener *l, const struct govmail_conf *c,
    char *err, size_t errlen);

/* Block the signals the loop handles; call before any thread starts. */
void listener_block_signals(void);

/* Accept until SIGTERM/SIGINT, reloading conf_path on SIGHUP; then stop
 * listening and wait up to smtpd.drain_timeout for sessions. Returns the
 * exit code. */
int listener_run(struct listener *l, const char *conf_path);

/* True once shutdown has begun (sessions between transactions leave). */
int listener_draining(void);

/* Sessions running now. */
int listener_active(void);

#endif
