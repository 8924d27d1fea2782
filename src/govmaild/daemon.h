/*
 * daemon.h — process-level chores of govmaild: detaching from the
 * terminal, the pid file, the file-descriptor limit, and giving up root
 * after the listeners are bound. Not for: configuration (daemon_conf.c)
 * or sockets (listener.c).
 */
#ifndef GOVMAIL_DAEMON_H
#define GOVMAIL_DAEMON_H

#include <stddef.h>

/*
 * fork, setsid, stdin and stdout to /dev/null. The parent stays until the
 * child calls daemon_ready() and then exits 0, or, if the child exits
 * first, exits with the child's code: whoever started govmaild (systemd's
 * Type=forking, an init script, a shell) learns whether start-up worked.
 * stderr stays open until daemon_ready(), so start-up errors are seen.
 */
void daemon_detach(void);
/* Start-up is complete: release the waiting parent, stderr to /dev/null.
 * Does nothing when govmaild did not detach. */
void daemon_ready(void);

/* Write our pid to path (created 0644, replaced atomically). 0 or -1. */
int daemon_pidfile_write(const char *path, char *err, size_t errlen);
void daemon_pidfile_remove(const char *path);

/* Raise the soft RLIMIT_NOFILE to at least want (up to the hard limit). */
void daemon_raise_nofile(unsigned long want);

/* Become user (groups, gid, uid; chdir("/"); no new privileges). An empty
 * user only sets no-new-privileges. Returns 0, or -1 with err. */
int daemon_drop_privileges(const char *user, char *err, size_t errlen);

/* Does user exist (for -t)? "" counts as existing. */
int daemon_user_exists(const char *user);

#endif
