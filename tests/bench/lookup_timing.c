/*
 * lookup_timing.c — the latency of govmaild's policy lookup of an account,
 * for scripts/bench-scale: the very function govmaild calls on a cache miss
 * (lookup.c lookup_account: the account by address, then the agency chain
 * for may-send-external), over govmaild's own LDAP connection code, for
 * addresses drawn at random from a file. Run it with a configuration whose
 * policy.cache_ttl is 0, so that every call goes to the directory.
 *
 *   lookup_timing CONF ADDRESSES COUNT SEED
 *
 * Prints "lookups=N found=F p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.." on one
 * line. A benchmark helper, not a test: it asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "lookup.h"

static int
lt_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
lt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* splitmix64: a fixed, seedable sequence (rand() differs between libcs). */
static unsigned long long
lt_next(unsigned long long *s)
{
	unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

int
main(int argc, char **argv)
{
	struct govmail_conf *c;
	struct policy_account acct;
	enum policy_lookup res;
	char err[512], line[512], **addr = NULL;
	size_t n = 0, cap = 0, i, count, found = 0;
	unsigned long long seed;
	double *ms, t0;
	FILE *fp;

	if (argc != 5) {
		fprintf(stderr, "usage: lookup_timing CONF ADDRESSES COUNT SEED\n");
		return 2;
	}
	count = strtoul(argv[3], NULL, 10);
	seed = strtoull(argv[4], NULL, 10);
	if ((c = conf_load(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "lookup_timing: %s\n", err);
		return 1;
	}
	if ((fp = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((addr = realloc(addr, cap * sizeof(*addr))) == NULL)
				return 1;
		}
		if ((addr[n++] = strdup(line)) == NULL)
			return 1;
	}
	fclose(fp);
	if (n == 0 || count == 0 || (ms = calloc(count, sizeof(*ms))) == NULL) {
		fprintf(stderr, "lookup_timing: no addresses or no count\n");
		return 1;
	}
	/* The first call opens and binds the connection: not a lookup. */
	(void)lookup_account(c, addr[0], &acct);
	for (i = 0; i < count; i++) {
		const char *a = addr[lt_next(&seed) % n];

		t0 = lt_now_ms();
		res = lookup_account(c, a, &acct);
		ms[i] = lt_now_ms() - t0;
		if (res == POLICY_LOOKUP_YES)
			found++;
		else if (i - found < 5)      /* a few, to tell why */
			fprintf(stderr, "lookup_timing: %s: %s\n", a,
			    res == POLICY_LOOKUP_NO ? "no such account" : "temporary failure");
	}
	qsort(ms, count, sizeof(*ms), lt_cmp);
	printf("lookups=%zu found=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
	    count, found, ms[count / 2], ms[count * 90 / 100], ms[count * 99 / 100],
	    ms[count - 1]);
	lookup_shutdown();
	for (i = 0; i < n; i++)
		free(addr[i]);
	free(addr);
	free(ms);
	conf_free(c);
	return 0;
}
