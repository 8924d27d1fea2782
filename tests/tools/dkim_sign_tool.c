/*
 * dkim_sign_tool.c — test driver of govmaild's DKIM signer (dkim_sign.c):
 * reads a message (CRLF line ends) on stdin into a spool as govmaild holds
 * it, signs it the way the end-of-data pipeline will (the header section
 * field by field, the body streamed from the spool), and writes the
 * DKIM-Signature field(s) followed by the message to stdout.
 *   dkim_sign_tool -k KEYDIR -d FROM-DOMAIN [-t UNIXTIME] [-s SPOOLDIR]
 * Exit 0 signed, 1 not signed (message on stderr), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/govmaild/dkim_sign.h"
#include "../../src/govmaild/spool.h"
#include "xmalloc.h"

int
main(int argc, char **argv)
{
	const char *keydir = NULL, *domain = NULL, *spooldir = "/tmp";
	time_t now = time(NULL);
	char buf[65536], err[1024], *hdr, *sig;
	struct dkim_keyring *kr;
	struct dkim_sign *s = NULL;
	struct spool *sp;
	unsigned long long off = 0, size;
	long long body;
	ssize_t n;
	size_t r;
	int ch, rc = 1;

	while ((ch = getopt(argc, argv, "k:d:t:s:")) != -1) {
		if (ch == 'k')
			keydir = optarg;
		else if (ch == 'd')
			domain = optarg;
		else if (ch == 't')
			now = (time_t)strtoll(optarg, NULL, 10);
		else if (ch == 's')
			spooldir = optarg;
		else
			return 2;
	}
	if (keydir == NULL || domain == NULL) {
		fprintf(stderr, "usage: dkim_sign_tool -k KEYDIR -d FROM-DOMAIN "
		    "[-t UNIXTIME] [-s SPOOLDIR]\n");
		return 2;
	}
	/* Keys first, as govmaild does before it drops privileges. */
	kr = dkim_keyring_load(keydir, err, sizeof(err));
	if (kr == NULL) {
		fprintf(stderr, "dkim_sign_tool: %s\n", err);
		return 1;
	}
	sp = spool_new(256 * 1024, spooldir);
	while ((r = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (spool_write(sp, buf, r) != 0) {
			perror("dkim_sign_tool: spool");
			goto out;
		}
	size = spool_size(sp);
	s = dkim_sign_begin(kr, domain, now);
	if (s == NULL) {
		fprintf(stderr, "dkim_sign_tool: no DKIM key for %s\n", domain);
		goto out;
	}
	/* The header section: at most the first 256 KiB (MESSAGE_HEADER_MAX). */
	hdr = xmalloc(256 * 1024);
	n = spool_read(sp, 0, hdr, 256 * 1024);
	body = n < 0 ? -1 : dkim_sign_headers(s, hdr, (size_t)n);
	free(hdr);
	if (body < 0 || dkim_sign_body_spool(s, sp, (unsigned long long)body) != 0) {
		fprintf(stderr, "dkim_sign_tool: reading the message failed\n");
		goto out;
	}
	sig = dkim_sign_end(s, err, sizeof(err));
	if (sig == NULL) {
		fprintf(stderr, "dkim_sign_tool: %s\n", err);
		goto out;
	}
	fputs(sig, stdout);
	while (off < size && (n = spool_read(sp, off, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		off += (unsigned long long)n;
	}
	free(sig);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	dkim_sign_free(s);
	dkim_keyring_free(kr);
	spool_free(sp);
	return rc;
}
