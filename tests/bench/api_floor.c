/*
 * api_floor.c — the floor of scripts/bench-api: the LDAP search govmail-apid
 * makes to answer GET /v1/accounts/{address} (dir_account_find: the same
 * base, scope, filter and attributes), issued in a plain loop with libldap
 * over the same kind of connection (the same URI, bound as the same
 * identity), with no HTTP, no JSON, no authentication in front. THREADS
 * loops run at once, each on its own connection (as apid's pooled
 * connections are), for SECONDS seconds; every value of every attribute
 * returned is read, as apid decodes the entry.
 *
 *   api_floor URI BIND_DN PASSWORD_FILE BASE ADDRESS THREADS SECONDS
 *
 * Prints "searches=N rps=R p50_ms=.. p99_ms=.." on one line. A benchmark
 * helper, not a test: it asserts nothing (it fails only when a search does).
 */
#include <ldap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir.h"
#include "dir_account.h"
#include "dir_escape.h"
#include "dir_schema.h"

struct af_thread {
	pthread_t tid;
	LDAP *ld;
	const char *base, *filter;
	double until;
	double *ms;
	size_t n, cap;
	int failed;
};

static double
af_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
af_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *
af_loop(void *arg)
{
	struct af_thread *t = arg;
	double t0;

	while ((t0 = af_now_ms()) < t->until) {
		LDAPMessage *res = NULL, *m;
		BerElement *ber;
		char *a;
		int rc, n = 0;

		rc = ldap_search_ext_s(t->ld, t->base, LDAP_SCOPE_SUBTREE, t->filter,
		    (char **)dir_account_attrs, 0, NULL, NULL, NULL, LDAP_NO_LIMIT, &res);
		for (m = ldap_first_entry(t->ld, res); m != NULL; m = ldap_next_entry(t->ld, m)) {
			n++;
			for (a = ldap_first_attribute(t->ld, m, &ber); a != NULL;
			    a = ldap_next_attribute(t->ld, m, ber)) {
				struct berval **v = ldap_get_values_len(t->ld, m, a);

				ldap_value_free_len(v);
				ldap_memfree(a);
			}
			ber_free(ber, 0);
		}
		ldap_msgfree(res);
		if (rc != LDAP_SUCCESS || n != 1) {
			fprintf(stderr, "api_floor: search: %s, %d entries\n", ldap_err2string(rc), n);
			t->failed = 1;
			break;
		}
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 4096;
			if ((t->ms = realloc(t->ms, t->cap * sizeof(*t->ms))) == NULL) {
				t->failed = 1;
				break;
			}
		}
		t->ms[t->n++] = af_now_ms() - t0;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct af_thread *th;
	struct berval cred;
	char pw[512], *filter, *lower;
	double start, secs, *all;
	size_t total = 0, i, k;
	int nthreads, v3 = LDAP_VERSION3, rc = 0;
	FILE *fp;

	if (argc != 8) {
		fprintf(stderr, "usage: api_floor URI BIND_DN PASSWORD_FILE BASE ADDRESS "
		    "THREADS SECONDS\n");
		return 64;
	}
	nthreads = atoi(argv[6]);
	secs = atof(argv[7]);
	if (nthreads < 1 || nthreads > 1000 || secs <= 0)
		return 64;
	if ((fp = fopen(argv[3], "r")) == NULL || fgets(pw, sizeof(pw), fp) == NULL) {
		fprintf(stderr, "api_floor: cannot read %s\n", argv[3]);
		return 1;
	}
	fclose(fp);
	pw[strcspn(pw, "\r\n")] = '\0';
	cred.bv_val = pw;
	cred.bv_len = strlen(pw);
	/* the filter dir_account_find builds, for the address as given */
	lower = strdup(argv[5]);
	for (i = 0; lower[i] != '\0'; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	filter = dir_filter_fmt("(&(objectClass=" DIR_OC_ACCOUNT ")(|(" DIR_AT_MAIL
	    "=%s)(" DIR_AT_ALIAS "=%s)(" DIR_AT_UID "=%s)))", lower, lower, lower);
	th = calloc((size_t)nthreads, sizeof(*th));
	for (i = 0; i < (size_t)nthreads; i++) {
		if (ldap_initialize(&th[i].ld, argv[1]) != LDAP_SUCCESS)
			return 1;
		ldap_set_option(th[i].ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
		ldap_set_option(th[i].ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
		if ((rc = ldap_sasl_bind_s(th[i].ld, argv[2], LDAP_SASL_SIMPLE, &cred, NULL,
		    NULL, NULL)) != LDAP_SUCCESS) {
			fprintf(stderr, "api_floor: bind: %s\n", ldap_err2string(rc));
			return 1;
		}
		th[i].base = argv[4];
		th[i].filter = filter;
	}
	start = af_now_ms();
	for (i = 0; i < (size_t)nthreads; i++) {
		th[i].until = start + secs * 1e3;
		pthread_create(&th[i].tid, NULL, af_loop, &th[i]);
	}
	for (i = 0; i < (size_t)nthreads; i++) {
		pthread_join(th[i].tid, NULL);
		total += th[i].n;
		rc |= th[i].failed;
	}
	secs = (af_now_ms() - start) / 1e3;
	all = malloc((total ? total : 1) * sizeof(*all));
	for (i = 0, k = 0; i < (size_t)nthreads; i++) {
		memcpy(all + k, th[i].ms, th[i].n * sizeof(*all));
		k += th[i].n;
		free(th[i].ms);
		ldap_unbind_ext_s(th[i].ld, NULL, NULL);
	}
	qsort(all, total, sizeof(*all), af_cmp);
	printf("searches=%zu rps=%.1f p50_ms=%.3f p99_ms=%.3f\n", total,
	    (double)total / secs, total ? all[total / 2] : 0.0,
	    total ? all[(size_t)((double)total * 0.99)] : 0.0);
	explicit_bzero(pw, sizeof(pw));
	free(all);
	free(th);
	free(filter);
	free(lower);
	return rc ? 1 : 0;
}
