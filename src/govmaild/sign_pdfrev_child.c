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
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sign_pdfrev.h"
#include "sign_pdfrev_child.h"

/* ASan reserves terabytes of shadow memory: an address-space limit would
 * fail every allocation of a sanitizer build (the tests' build), and its
 * allocator is not glibc's (pdfrev_child_heap). */
#if defined(__SANITIZE_ADDRESS__)
#define PDFREV_CHILD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PDFREV_CHILD_SANITIZED 1
#endif
#endif
#ifndef PDFREV_CHILD_SANITIZED
#define PDFREV_CHILD_SANITIZED 0
#endif
#define PDFREV_CHILD_LIMIT_AS (!PDFREV_CHILD_SANITIZED)

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

/*
 * The child's heap in 2 MB pages. qpdf makes a few small allocations per
 * number it reads (a signature appearance's font has tens of thousands in
 * its /W widths) and copies stream data into growing buffers; in a fresh
 * child every 4 kB page they touch is a page fault, which was most of the
 * analysis's CPU (11,500 faults for a 2 MB document signed by pdfsig).
 * As glibc's glibc.malloc.hugetlb=1 tunable does for a whole process (it
 * cannot be set after fork), PDFREV_HEAP_CHUNKS blocks of 30 MB are taken
 * from malloc, marked MADV_HUGEPAGE (transparent huge pages: one fault
 * where there were 512) and given back; a small block taken after them
 * and never freed keeps malloc from returning them to the system (in a
 * thread's arena it unmaps a heap left empty, whatever the trim
 * threshold). Large buffers are served from them too (mmap threshold
 * 32 MB). This memory counts toward the child's RLIMIT_AS like any other
 * and is backed only where touched. Best effort: without THP, nothing
 * changes.
 */
#define PDFREV_HEAP_CHUNKS 4
#define PDFREV_HEAP_CHUNK ((size_t)30 << 20)

static void
pdfrev_child_heap(void)
{
	void *p[PDFREV_HEAP_CHUNKS];
	long page = sysconf(_SC_PAGESIZE);
	int i, n;

	if (PDFREV_CHILD_SANITIZED || page <= 0)
		return;
	(void)mallopt(M_TRIM_THRESHOLD, 1 << 30);
	(void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
	for (n = 0; n < PDFREV_HEAP_CHUNKS; n++) {
		uintptr_t a, b;

		if ((p[n] = malloc(PDFREV_HEAP_CHUNK)) == NULL)
			break;
		a = ((uintptr_t)p[n] + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
		b = ((uintptr_t)p[n] + PDFREV_HEAP_CHUNK) & ~((uintptr_t)page - 1);
		if (b > a)
			(void)madvise((void *)a, b - a, MADV_HUGEPAGE);
	}
	/* the fence after them, left to the exit */
	if (n > 0 && malloc(64) != NULL)
		for (i = 0; i < n; i++)
			free(p[i]);
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
		/* what the parent had buffered is its own to write, not the
		 * child's (qpdf flushes the standard streams when it ends) */
		__fpurge(stdout);
		__fpurge(stderr);
		signal(SIGPIPE, SIG_IGN);
		pdfrev_child_limits(cpu_us_left);
		pdfrev_child_heap();
		b.cpu_us = cpu_us_left;
		sign_pdfrev_check_exiting(buf, len, revs, nrevs, pdfrev_child_over, &b);
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
