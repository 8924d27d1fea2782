/*
 * sign_floor.c — the floor for `make bench-sign`: only the OpenSSL work of
 * checking one signature, in a loop. For a signed PDF: the DER of each
 * signature and the bytes its /ByteRange covers are prepared once (not
 * timed), then CMS_verify runs over them with the trust store (chain,
 * CRL) — the digest of the covered bytes is most of it. For an S/MIME
 * message (.eml): the first part and the signature are cut out once, then
 * CMS_verify. Prints "MEDIAN_MS_PER_MESSAGE CPU_MS_PER_MESSAGE" (the
 * median of the iterations' times; the CPU time is the mean).
 *   sign_floor ROOT.pem INTERMEDIATES.pem CRLS.pem FILE ITERATIONS
 * (CRLS.pem: every CA's CRL, concatenated)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct job {
	unsigned char *der, *content;
	size_t derlen, clen;
};

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *b;
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0)
		exit(2);
	rewind(fp);
	b = malloc((size_t)n + 1);
	if (b == NULL || fread(b, 1, (size_t)n, fp) != (size_t)n)
		exit(2);
	fclose(fp);
	b[n] = 0;
	*len = (size_t)n;
	return b;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The signatures of a PDF: each /ByteRange [a b c d] and its <hex>. */
static size_t
pdf_jobs(unsigned char *f, size_t len, struct job *jobs, size_t max)
{
	unsigned char *p = f;
	size_t n = 0, r[4], i;

	while (n < max && (p = memmem(p, len - (size_t)(p - f), "/ByteRange", 10)) != NULL) {
		p += 10;
		if (sscanf((char *)p, " [%zu %zu %zu %zu]", &r[0], &r[1], &r[2], &r[3]) != 4)
			continue;
		jobs[n].clen = r[1] + r[3];
		jobs[n].content = malloc(jobs[n].clen);
		memcpy(jobs[n].content, f + r[0], r[1]);
		memcpy(jobs[n].content + r[1], f + r[2], r[3]);
		jobs[n].der = malloc((r[2] - r[1]) / 2);
		jobs[n].derlen = 0;
		for (i = r[1] + 1; i + 1 < r[2] - 1; i += 2) {
			if (hexval(f[i]) < 0 || hexval(f[i + 1]) < 0)
				break;
			jobs[n].der[jobs[n].derlen++] =
			    (unsigned char)(hexval(f[i]) << 4 | hexval(f[i + 1]));
		}
		n++;
	}
	return n;
}

/* An S/MIME multipart/signed message: the first part and the signature. */
static size_t
smime_job(unsigned char *f, size_t len, struct job *j)
{
	BIO *in = BIO_new_mem_buf(f, (int)len), *cont = NULL;
	CMS_ContentInfo *cms = SMIME_read_CMS(in, &cont);
	BUF_MEM *bm;
	unsigned char *p = NULL;
	int n;

	if (cms == NULL || cont == NULL)
		exit(3);
	n = i2d_CMS_ContentInfo(cms, &p);
	j->der = p;
	j->derlen = (size_t)n;
	BIO_get_mem_ptr(cont, &bm);
	j->clen = bm->length;
	j->content = malloc(j->clen);
	memcpy(j->content, bm->data, j->clen);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(cont);
	return 1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct job jobs[8];
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *inter = sk_X509_new_null();
	X509 *x;
	BIO *b;
	unsigned char *f;
	size_t len, n, i;
	int it, iters;
	double t0, c0, *per;

	if (argc != 6)
		return 64;
	if ((iters = atoi(argv[5])) < 1)
		return 64;
	X509_STORE_load_file(store, argv[1]);
	b = BIO_new_file(argv[2], "r");
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		sk_X509_push(inter, x);
	BIO_free(b);
	X509_STORE_load_file(store, argv[3]);
	/* as govmaild: every certificate of the chain against its issuer's CRL */
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	ERR_clear_error();
	f = slurp(argv[4], &len);
	n = strstr(argv[4], ".eml") ? smime_job(f, len, jobs) : pdf_jobs(f, len, jobs, 8);
	per = calloc((size_t)iters, sizeof(*per));
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (it = 0; it < iters; it++) {
		t0 = now(CLOCK_MONOTONIC);
		for (i = 0; i < n; i++) {
			const unsigned char *p = jobs[i].der;
			CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)jobs[i].derlen);
			BIO *dc = BIO_new_mem_buf(jobs[i].content, (int)jobs[i].clen);

			for (int k = 0; cms != NULL && k < sk_X509_num(inter); k++) {
				X509_up_ref(sk_X509_value(inter, k));
				CMS_add0_cert(cms, sk_X509_value(inter, k));
			}
			if (cms == NULL || CMS_verify(cms, inter, store, dc, NULL,
			    CMS_BINARY | CMS_NOCRL) != 1) {
				ERR_print_errors_fp(stderr);
				return 1;
			}
			BIO_free(dc);
			CMS_ContentInfo_free(cms);
		}
		per[it] = now(CLOCK_MONOTONIC) - t0;
	}
	qsort(per, (size_t)iters, sizeof(*per), cmp_double);
	printf("%.3f %.3f\n", per[iters / 2], (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / iters);
	free(per);
	return 0;
}
