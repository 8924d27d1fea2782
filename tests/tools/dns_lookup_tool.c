/*
 * dns_lookup_tool.c — test driver of govmaild's resolver (dns_resolve.c):
 * reads names on stdin, one a line, and prints for each
 *   NAME STATUS ttl=N "record"...
 * (the records as the resolver joined them, bytes outside printable ASCII
 * as \xHH); a line "stats" prints "hits=H queries=Q". Output is flushed
 * after each line, so a test can stop the DNS server between lookups.
 *   dns_lookup_tool -s SERVER[@PORT] [-t TIMEOUT] [-c CACHE-ENTRIES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/govmaild/dns_resolve.h"

int
main(int argc, char **argv)
{
	const char *server = "";
	int timeout = 5, ch;
	size_t cache = 1000;
	char line[512], err[512];
	struct dns_resolver *r;

	while ((ch = getopt(argc, argv, "s:t:c:")) != -1) {
		if (ch == 's')
			server = optarg;
		else if (ch == 't')
			timeout = atoi(optarg);
		else if (ch == 'c')
			cache = (size_t)atol(optarg);
		else
			return 2;
	}
	r = dns_resolver_new(server, timeout, cache, err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "dns_lookup_tool: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct dns_txt t;
		enum dns_status st;
		size_t i, k;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (strcmp(line, "stats") == 0) {
			unsigned long h, q;

			dns_resolver_stats(r, &h, &q);
			printf("hits=%lu queries=%lu\n", h, q);
			fflush(stdout);
			continue;
		}
		st = dns_lookup_txt(r, line, &t);
		printf("%s %s ttl=%u", line, dns_status_str(st), t.ttl);
		for (i = 0; i < t.n; i++) {
			printf(" \"");
			for (k = 0; k < t.len[i]; k++) {
				unsigned char c = (unsigned char)t.v[i][k];

				if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
					putchar(c);
				else
					printf("\\x%02x", c);
			}
			printf("\"");
		}
		printf("\n");
		fflush(stdout);
		dns_txt_clear(&t);
	}
	dns_resolver_free(r);
	return 0;
}
