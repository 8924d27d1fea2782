/*
 * opendkim_verify.c — a second verifier nobody here wrote, for the DKIM
 * tests: libopendkim (Debian's libopendkim-dev) verifies every signature
 * of the message on stdin. Its stock resolver can only ask port 53
 * (res_setservers is not in glibc), so this driver gives it a query
 * function that sends the same DNS query (res_mkquery) over UDP, then TCP
 * if truncated, to the test's server at 127.0.0.1:PORT and hands back the
 * raw reply: parsing the reply and the key record, canonicalisation and
 * the signature checks stay libopendkim's. Prints one line per signature,
 *   N a=ALG s=SELECTOR pass|fail (REASON)
 * and exits 0 when there is at least one and all pass, 1 otherwise.
 *   opendkim_verify PORT < message
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <opendkim/dkim.h>

struct ov_query {
	size_t len;
};

static int ov_port;

/* Send q (qlen bytes) to 127.0.0.1:ov_port; the reply's length in buf or -1. */
static ssize_t
ov_exchange(int tcp, const unsigned char *q, int qlen, unsigned char *buf, size_t buflen)
{
	struct sockaddr_in sa;
	struct timeval tv = { 120, 0 };     /* a hang guard: the server is local */
	unsigned char lenbuf[2];
	ssize_t n = -1, got;
	size_t want, off = 0;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)ov_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out;
	if (!tcp) {
		if (send(fd, q, (size_t)qlen, 0) == qlen)
			n = recv(fd, buf, buflen, 0);
		goto out;
	}
	lenbuf[0] = (unsigned char)(qlen >> 8);
	lenbuf[1] = (unsigned char)qlen;
	if (send(fd, lenbuf, 2, 0) != 2 || send(fd, q, (size_t)qlen, 0) != qlen ||
	    recv(fd, lenbuf, 2, MSG_WAITALL) != 2)
		goto out;
	want = (size_t)lenbuf[0] << 8 | lenbuf[1];
	if (want > buflen)
		goto out;
	while (off < want && (got = recv(fd, buf + off, want - off, 0)) > 0)
		off += (size_t)got;
	if (off == want)
		n = (ssize_t)want;
out:
	close(fd);
	return n;
}

static int
ov_start(void *srv, int type, unsigned char *query, unsigned char *buf, size_t buflen,
    void **qh)
{
	unsigned char q[512];
	struct ov_query *h;
	ssize_t n;
	int qlen;

	(void)srv;
	qlen = res_mkquery(QUERY, (const char *)query, C_IN, type, NULL, 0, NULL, q,
	    sizeof(q));
	if (qlen <= 0)
		return DKIM_DNS_ERROR;
	n = ov_exchange(0, q, qlen, buf, buflen);
	if (n >= (ssize_t)HFIXEDSZ && ((HEADER *)buf)->tc)
		n = ov_exchange(1, q, qlen, buf, buflen);
	if (n < (ssize_t)HFIXEDSZ)
		return DKIM_DNS_ERROR;
	h = malloc(sizeof(*h));
	if (h == NULL)
		return DKIM_DNS_ERROR;
	h->len = (size_t)n;
	*qh = h;
	return DKIM_DNS_SUCCESS;
}

static int
ov_cancel(void *srv, void *qh)
{
	(void)srv;
	free(qh);
	return DKIM_DNS_SUCCESS;
}

static int
ov_wait(void *srv, void *qh, struct timeval *to, size_t *bytes, int *error, int *dnssec)
{
	(void)srv;
	(void)to;
	if (bytes != NULL)
		*bytes = ((struct ov_query *)qh)->len;
	if (error != NULL)
		*error = 0;
	if (dnssec != NULL)
		*dnssec = DKIM_DNSSEC_UNKNOWN;
	return DKIM_DNS_SUCCESS;
}

int
main(int argc, char **argv)
{
	static unsigned char buf[65536];
	static int svc;
	DKIM_SIGINFO **sigs;
	DKIM_STAT st;
	DKIM_LIB *lib;
	DKIM *dkim;
	size_t n;
	int nsigs = 0, i, ok;
	_Bool testkey;

	if (argc != 2 || (ov_port = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: opendkim_verify PORT < message\n");
		return 2;
	}
	lib = dkim_init(NULL, NULL);
	if (lib == NULL) {
		fprintf(stderr, "opendkim_verify: dkim_init failed\n");
		return 2;
	}
	dkim_dns_set_init(lib, NULL);
	dkim_dns_set_close(lib, NULL);
	dkim_dns_set_query_service(lib, &svc);
	dkim_dns_set_query_start(lib, ov_start);
	dkim_dns_set_query_cancel(lib, ov_cancel);
	dkim_dns_set_query_waitreply(lib, ov_wait);
	dkim = dkim_verify(lib, (const unsigned char *)"test", NULL, &st);
	if (dkim == NULL) {
		fprintf(stderr, "opendkim_verify: dkim_verify: %s\n", dkim_getresultstr(st));
		return 2;
	}
	st = DKIM_STAT_OK;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if ((st = dkim_chunk(dkim, buf, n)) != DKIM_STAT_OK)
			break;
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(dkim, NULL, 0);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(dkim, &testkey);
	ok = dkim_getsiglist(dkim, &sigs, &nsigs) == DKIM_STAT_OK && nsigs > 0;
	if (!ok)
		fprintf(stderr, "opendkim_verify: no signature (%s)\n", dkim_getresultstr(st));
	for (i = 0; i < nsigs; i++) {
		const unsigned char *alg, *sel;
		int pass;

		/* dkim_eom may stop after the first good one; check each. */
		if ((dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_PROCESSED) == 0)
			dkim_sig_process(dkim, sigs[i]);
		pass = DKIM_SIG_CHECK(sigs[i]);
		alg = dkim_sig_getalgorithm(sigs[i]);
		sel = dkim_sig_getselector(sigs[i]);
		printf("%d a=%s s=%s %s", i, alg ? (const char *)alg : "?",
		    sel ? (const char *)sel : "?", pass ? "pass" : "fail");
		if (!pass)
			printf(" (%s)", dkim_sig_geterrorstr(dkim_sig_geterror(sigs[i])));
		printf("\n");
		ok = ok && pass;
	}
	dkim_free(dkim);
	dkim_close(lib);
	return ok ? 0 : 1;
}
