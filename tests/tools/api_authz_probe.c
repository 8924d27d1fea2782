/*
 * api_authz_probe.c — test helper (not installed): authenticates a caller
 * of govmail-apid the way the daemon does, through api_token_verify or
 * api_person_caller against the configured directory, and asks
 * api_authz_check about operations on agencies, so the integration tests
 * exercise the library against a real slapd without the daemon.
 *
 *   api_authz_probe -c CONF token TOKEN CLIENTADDR [+SECONDS] [OP CODE]...
 *   api_authz_probe -c CONF person DN [OP CODE]...
 *
 * +SECONDS checks the token that many seconds from now (expiry). Prints
 * "caller ACTOR" and one line per grant, then "allow OP CODE" or
 * "deny OP CODE: RULE" per pair (CODE "-" for no target). Exit 0 when the
 * caller is accepted, 1 when refused ("denied: WHY"), 2 directory
 * unavailable, 64 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_authz.h"
#include "conf.h"
#include "dir.h"
#include "dir_agency.h"

static int
usage(void)
{
	fprintf(stderr, "usage: api_authz_probe -c CONF token TOKEN ADDR [+SECONDS] [OP CODE]...\n"
	    "       api_authz_probe -c CONF person DN [OP CODE]...\n");
	return 64;
}

int
main(int argc, char **argv)
{
	struct govmail_conf *conf;
	struct api_caller *c = NULL;
	struct dir *d;
	char err[1024], why[512], rule[512];
	enum dir_status st;
	int i, ex, next;
	size_t g;

	if (argc < 5 || strcmp(argv[1], "-c") != 0)
		return usage();
	conf = conf_load(argv[2], err, sizeof(err));
	if (conf == NULL) {
		fprintf(stderr, "api_authz_probe: %s\n", err);
		return 78;
	}
	d = dir_open(conf, err, sizeof(err), &ex);
	if (d == NULL) {
		fprintf(stderr, "api_authz_probe: %s\n", err);
		conf_free(conf);
		return 2;
	}
	if (strcmp(argv[3], "token") == 0) {
		time_t now = time(NULL);

		if (argc < 6)
			return usage();
		next = 6;
		if (argc > 6 && argv[6][0] == '+') {
			now += strtol(argv[6] + 1, NULL, 10);
			next = 7;
		}
		st = api_token_verify(d, argv[4], argv[5], now, &c, why, sizeof(why));
	} else if (strcmp(argv[3], "person") == 0) {
		next = 5;
		st = api_person_caller(d, argv[4], &c, why, sizeof(why));
	} else
		return usage();
	if (st != DIR_OK) {
		printf("denied: %s\n", why);
		dir_close(d);
		conf_free(conf);
		return st == DIR_DENIED ? 1 : 2;
	}
	printf("caller %s\n", c->actor);
	for (g = 0; g < c->ngrants; g++)
		printf("grant %s %s\n", api_role_name(c->grants[g].role),
		    c->grants[g].agency_code != NULL ? c->grants[g].agency_code : "-");
	for (i = next; i + 1 < argc; i += 2) {
		enum api_op op = api_op_parse(argv[i]);
		char *dn = strcmp(argv[i + 1], "-") == 0 ? NULL : dir_agency_dn(d, argv[i + 1]);

		if (op == API_OP_COUNT) {
			printf("unknown op %s\n", argv[i]);
		} else if (api_authz_check(c, op, dn, rule, sizeof(rule)))
			printf("allow %s %s\n", argv[i], argv[i + 1]);
		else
			printf("deny %s %s: %s\n", argv[i], argv[i + 1], rule);
		free(dn);
	}
	api_caller_free(c);
	api_agency_tree_invalidate();
	dir_close(d);
	conf_free(conf);
	return 0;
}
