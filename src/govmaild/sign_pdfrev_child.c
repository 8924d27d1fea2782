/*
 * sign_pdfrev_child.c — the revision analysis of a signed PDF
 * (sign_pdfrev.c) run in a child process of its own, like Postfix keeps
 * risky parsers out of the process that holds the mail. qpdf is a large
 * C++ parser of untrusted input, and its C API cannot bound the memory
 * it takes: an update appended to a genuinely signed PDF with millions
 * of numbers, or an object stream that inflates to them, costs qpdf
 * about 250 bytes per number before the step budget can stop it. The
 * child gets an address-space limit (SIGN_PDFREV_MAX_MEMORY above what it
 * inherits) and the CPU left of the message's budget; running out of
 * either, or crashing, costs one verdict ("unchecked": the signatures of
 * the revisions it judged are not credited), never govmaild.
 * Not for: the analysis itself (sign_pdfrev.c), the verdict (sign_check.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sign_pdfrev.h"
#include "sign_pdfrev_child.h"

/* ASan reserves terabytes of shadow memory: an address-space limit would
 * fail every allocation of a sanitizer build (the tests' build). */
#if defined(__SANITIZE_ADDRESS__)
#define PDFREV_CHILD_LIMIT_AS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PDFREV_CHILD_LIMIT_AS 0
#endif
#endif
#ifndef PDFREV_CHILD_LIMIT_AS
#define PDFREV_CHILD_LIMIT_AS 1
#endif

struct pdfrev_child_budget {
	long long cpu_us;       /* the CPU the child may use; <= 0: no limit */
};

static long long
pdfrev_child_cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int
pdfrev_child_over(void *arg)
{
	const struct pdfrev_child_budget *b = arg;

	return b->cpu_us > 0 && pdfrev_child_cpu_us() > b->cpu_us;
}

/* The child's limits: memory above what it has now, CPU left (+1 s for
 * the kernel's coarse accounting; the step budget stops it first). */
static void
pdfrev_child_limits(long long cpu_us)
{
	struct rlimit rl;

	if (PDFREV_CHILD_LIMIT_AS) {
		unsigned long pages = 0;
		FILE *f = fopen("/proc/self/statm", "r");

		if (f != NULL) {
			if (fscanf(f, "%lu", &pages) != 1)
				pages = 0;
			fclose(f);
		}
		rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) +
		    SIGN_PDFREV_MAX_MEMORY;
		(void)setrlimit(RLIMIT_AS, &rl);
	}
	if (cpu_us > 0) {
		/* SIGXCPU at the soft limit ("too costly"), SIGKILL a second later */
		rl.rlim_cur = (rlim_t)(cpu_us / 1000000 + 2);
		rl.rlim_max = rl.rlim_cur + 1;
		(void)setrlimit(RLIMIT_CPU, &rl);
	}
}

static int
pdfrev_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static size_t
pdfrev_read_all(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, c + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* Every revision the child was to judge: unchecked, for why. */
static void
pdfrev_child_failed(struct sign_pdfrev_rev *revs, size_t nrevs, size_t len, const char *why)
{
	size_t i;

	for (i = 0; i < nrevs; i++) {
		if (revs[i].end >= len)
			continue;
		revs[i].verdict = SIGN_PDFREV_UNCHECKED;
		snprintf(revs[i].change, sizeof(revs[i].change), "%s", why);
	}
}

long long
sign_pdfrev_child_check(const unsigned char *buf, size_t len, struct sign_pdfrev_rev *revs,
    size_t nrevs, long long cpu_us_left)
{
	struct pdfrev_child_budget b;
	struct rusage ru;
	size_t i, got;
	int fd[2], status = 0;
	pid_t pid;
	char why[64];

	for (i = 0; i < nrevs; i++) {
		revs[i].verdict = SIGN_PDFREV_CREDITED;
		revs[i].differs = 0;
		revs[i].certified = 0;
		revs[i].change[0] = '\0';
	}
	for (i = 0; i < nrevs && revs[i].end >= len; i++)
		;
	if (i == nrevs)
		return 0;           /* nothing follows any signed revision */
	if (pipe(fd) != 0) {
		pdfrev_child_failed(revs, nrevs, len, "not checked (no pipe)");
		return 0;
	}
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		pdfrev_child_failed(revs, nrevs, len, "not checked (cannot fork)");
		return 0;
	}
	if (pid == 0) {
		/* the child: one thread (the caller's), nothing but the analysis */
		close(fd[0]);
		signal(SIGPIPE, SIG_IGN);
		pdfrev_child_limits(cpu_us_left);
		b.cpu_us = cpu_us_left;
		sign_pdfrev_check(buf, len, revs, nrevs, pdfrev_child_over, &b);
		_exit(pdfrev_write_all(fd[1], revs, nrevs * sizeof(*revs)) == 0 ? 0 : 1);
	}
	close(fd[1]);
	got = pdfrev_read_all(fd[0], revs, nrevs * sizeof(*revs));
	close(fd[0]);
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	if (got != nrevs * sizeof(*revs) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU ||
		    (WTERMSIG(status) == SIGKILL && cpu_us_left > 0 &&
		    (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 >= cpu_us_left)))
			snprintf(why, sizeof(why), "too costly to check");
		else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
			snprintf(why, sizeof(why), "not checked (the analysis died: signal %d)",
			    WTERMSIG(status));
		else
			snprintf(why, sizeof(why), "too large to check");
		pdfrev_child_failed(revs, nrevs, len, why);
	}
	return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}
