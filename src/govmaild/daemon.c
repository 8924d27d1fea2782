/*
 * daemon.c — detach, pid file, fd limit, privilege drop (see daemon.h).
 * The drop follows the fixed order Postfix and OpenSMTPD use: look the
 * user up, set groups, set gid, chdir("/"), set uid, then forbid regaining
 * privileges; and it checks that root cannot be regained.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

/* Write end of the pipe the detached parent waits on; -1 when none. */
static int daemon_ready_fd = -1;

void
daemon_detach(void)
{
	int fds[2], fd, status = 0;
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) != 0)
		fatal(71, "pipe");
	if ((pid = fork()) < 0)
		fatal(71, "fork");
	if (pid > 0) {
		close(fds[1]);
		while ((n = read(fds[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n == 1)
			_exit(0);
		/* The child ended before it was ready: its code is ours. */
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				_exit(71);
		_exit(WIFEXITED(status) && WEXITSTATUS(status) != 0 ?
		    WEXITSTATUS(status) : 71);
	}
	close(fds[0]);
	daemon_ready_fd = fds[1];
	if (setsid() < 0)
		fatal(71, "setsid");
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (fd > 2)
			close(fd);
	}
}

void
daemon_ready(void)
{
	int fd;

	if (daemon_ready_fd < 0)
		return;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	(void)!write(daemon_ready_fd, "", 1);
	close(daemon_ready_fd);
	daemon_ready_fd = -1;
}

int
daemon_pidfile_write(const char *path, char *err, size_t errlen)
{
	char tmp[4096], *slash;
	FILE *fp;
	int fd;

	if (*path == '\0')
		return 0;
	/* Its directory (/run/govmail) goes with a reboot or the unit's stop:
	 * made again here, by root, before the privileges are dropped. */
	if (snprintf(tmp, sizeof(tmp), "%s", path) < (int)sizeof(tmp) &&
	    (slash = strrchr(tmp, '/')) != NULL && slash != tmp) {
		*slash = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			return -1;
		}
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void
daemon_pidfile_remove(const char *path)
{
	/* After the privilege drop this may be refused; a stale pid file is
	 * harmless because it is replaced at the next start. */
	if (*path != '\0')
		(void)unlink(path);
}

void
daemon_raise_nofile(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ?
		    want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("cannot raise the open file limit to %lu", want);
	}
}

int
daemon_user_exists(const char *user)
{
	return *user == '\0' || getpwnam(user) != NULL;
}

int
daemon_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (*user != '\0') {
		if ((pw = getpwnam(user)) == NULL) {
			snprintf(err, errlen, "smtpd.user: no such user \"%s\"", user);
			return -1;
		}
		if (geteuid() == 0) {
			if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0) {
				snprintf(err, errlen, "cannot set group of %s: %s", user,
				    strerror(errno));
				return -1;
			}
		}
		if (chdir("/") != 0) {
			snprintf(err, errlen, "chdir /: %s", strerror(errno));
			return -1;
		}
		if (geteuid() == 0 && setuid(pw->pw_uid) != 0) {
			snprintf(err, errlen, "cannot become %s: %s", user, strerror(errno));
			return -1;
		}
		if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid) {
			snprintf(err, errlen, "running as uid %ld, not as %s",
			    (long)geteuid(), user);
			return -1;
		}
		if (pw->pw_uid != 0 && setuid(0) == 0) {
			snprintf(err, errlen, "could regain root after dropping it");
			return -1;
		}
	} else if (chdir("/") != 0) {
		snprintf(err, errlen, "chdir /: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	return 0;
}
