/*
 * mail_auth_tool.c — test driver of govmaild's inbound verification
 * modules: reads a message (CRLF line ends) on stdin into a spool as
 * govmaild holds it, runs SPF (spf_check.c), DKIM verification
 * (dkim_verify.c, the header section once, the body streamed from the
 * spool) and DMARC (dmarc_check.c) with one resolver (dns_resolve.c), and
 * prints the Authentication-Results field govmaild would add, then one
 * "removed: N" line counting incoming fields with our authserv-id.
 *   mail_auth_tool -S ADDR@PORT -i CLIENT-IP -H HELO -f MAIL-FROM
 *       -a AUTHSERV-ID [-T TIMEOUT] [-t UNIXTIME] [-P PSL-FILE]
 * Exit 0, or 1 on a setup error, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../../src/govmaild/auth_results.h"
#include "../../src/govmaild/dkim_verify.h"
#include "../../src/govmaild/dmarc_check.h"
#include "../../src/govmaild/dns_resolve.h"
#include "../../src/govmaild/message.h"
#include "../../src/govmaild/spf_check.h"
#include "../../src/govmaild/spool.h"
#include "xmalloc.h"

#define HEADER_MAX (256 * 1024)

int
main(int argc, char **argv)
{
	const char *server = "", *ip = NULL, *helo = "", *from = NULL, *id = NULL, *psl = "";
	int timeout = 5, ch, rc = 1, removed = 0;
	time_t now = time(NULL);
	char buf[65536], err[256], fromdom[256] = "", comment[160], *hdr = NULL, *f;
	struct dns_resolver *dns = NULL;
	struct spool *sp = NULL;
	struct dkim_verify *v = NULL;
	const struct dkim_vresult *dr;
	struct spf_check_result spf;
	struct dmarc_check_result dm;
	struct auth_results *ar = NULL;
	unsigned long long off;
	long long body;
	ssize_t n;
	size_t r, nd, i, start;

	while ((ch = getopt(argc, argv, "S:i:H:f:a:T:t:P:")) != -1) {
		switch (ch) {
		case 'S': server = optarg; break;
		case 'i': ip = optarg; break;
		case 'H': helo = optarg; break;
		case 'f': from = optarg; break;
		case 'a': id = optarg; break;
		case 'T': timeout = atoi(optarg); break;
		case 't': now = (time_t)strtoll(optarg, NULL, 10); break;
		case 'P': psl = optarg; break;
		default: return 2;
		}
	}
	if (ip == NULL || from == NULL || id == NULL) {
		fprintf(stderr, "usage: mail_auth_tool -S ADDR@PORT -i IP -H HELO -f MAIL-FROM "
		    "-a AUTHSERV-ID [-T TIMEOUT] [-t UNIXTIME] [-P PSL]\n");
		return 2;
	}
	spf_check_init();
	if (dmarc_check_init(psl, err, sizeof(err)) != 0 ||
	    (dns = dns_resolver_new(server, timeout, 1000, err, sizeof(err))) == NULL ||
	    (ar = auth_results_new(id)) == NULL) {
		fprintf(stderr, "mail_auth_tool: %s\n", ar == NULL && dns != NULL ?
		    "bad authserv-id" : err);
		goto out;
	}
	sp = spool_new(256 * 1024, "/tmp");
	while ((r = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (spool_write(sp, buf, r) != 0) {
			perror("mail_auth_tool: spool");
			goto out;
		}

	/* SPF first: it needs only the envelope (govmaild may run it at MAIL). */
	spf_check(dns, ip, helo, from, &spf);

	/* DKIM: the header section once, then the body from the spool. */
	v = dkim_verify_begin(dns, now);
	hdr = xmalloc(HEADER_MAX);
	n = spool_read(sp, 0, hdr, HEADER_MAX);
	if (n < 0)
		goto out;
	body = dkim_verify_headers(v, hdr, (size_t)n);
	for (off = (unsigned long long)body; (n = spool_read(sp, off, buf, sizeof(buf))) > 0;
	    off += (unsigned long long)n)
		dkim_verify_body(v, buf, (size_t)n);
	dr = dkim_verify_end(v, &nd);

	/* The From: domain, and incoming fields claiming our authserv-id. */
	for (i = 0, start = 0; i <= (size_t)body && i < (size_t)body + 1; i++) {
		int end = i == (size_t)body || (i > 0 && hdr[i - 1] == '\n' && hdr[i] != ' ' &&
		    hdr[i] != '\t');

		if (!end || i == start)
			continue;
		if (i - start > 5 && strncasecmp(hdr + start, "from:", 5) == 0) {
			struct message_from mf;

			message_from_field(hdr + start, i - start, &mf);
			if (fromdom[0] != '\0' ||
			    message_from_domain(&mf, fromdom, sizeof(fromdom)) != 0)
				snprintf(fromdom, sizeof(fromdom), "-");  /* several, or none */
			message_from_clear(&mf);
		}
		if (auth_results_is_ours(hdr + start, i - start, id))
			removed++;
		start = i;
	}
	if (fromdom[0] != '\0' && strcmp(fromdom, "-") != 0)
		dmarc_check(dns, fromdom, ip, &spf, dr, nd, &dm);
	else {
		memset(&dm, 0, sizeof(dm));
		dm.res = DMARC_CHECK_PERMERROR;
	}

	{
		struct ar_prop p[] = { { "smtp", spf.helo ? "helo" : "mailfrom",
		    spf.helo ? helo : from } };

		auth_results_add(ar, "spf", spf_check_res_str(spf.res),
		    spf.res == SPF_CHECK_PERMERROR || spf.res == SPF_CHECK_TEMPERROR ?
		    spf.reason : NULL, p, 1);
	}
	if (nd == 0)
		auth_results_add(ar, "dkim", "none", NULL, NULL, 0);
	for (i = 0; i < nd; i++) {
		struct ar_prop p[] = { { "header", "d", dr[i].d }, { "header", "s", dr[i].s },
		    { "header", "a", dr[i].ed25519 ? "ed25519-sha256" : "rsa-sha256" },
		    { "header", "b", dr[i].b8 } };

		auth_results_add(ar, "dkim", dkim_vres_str(dr[i].res), dr[i].reason, p, 4);
	}
	{
		struct ar_prop p[] = { { "header", "from", strcmp(fromdom, "-") ? fromdom : "" } };
		const char *pn = dm.published_p == 'r' ? "reject" : dm.published_p == 'q' ?
		    "quarantine" : dm.published_p == 'n' ? "none" : NULL;
		const char *dis = dm.p == 'r' ? "reject" : dm.p == 'q' ? "quarantine" : "none";

		comment[0] = '\0';
		if (pn != NULL)
			snprintf(comment, sizeof(comment), "p=%s dis=%s", pn,
			    dm.res == DMARC_CHECK_PASS ? "none" : dis);
		else if (dm.reason[0] != '\0')
			snprintf(comment, sizeof(comment), "%s", dm.reason);
		auth_results_add(ar, "dmarc", dmarc_check_res_str(dm.res), comment, p, 1);
	}
	f = auth_results_field(ar);
	fputs(f, stdout);
	free(f);
	printf("removed: %d\n", removed);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	free(hdr);
	dkim_verify_free(v);
	spool_free(sp);
	auth_results_free(ar);
	dns_resolver_free(dns);
	dmarc_check_shutdown();
	return rc;
}
