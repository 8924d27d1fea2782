/*
 * dkim_floor.h — what the two DKIM floors of `make bench-auth`
 * (dkim_sign_floor.c, dkim_verify_floor.c) share: the clock, and reading
 * their arguments KEY.pem BODYFILE N. Static functions, one program each.
 */
#ifndef GOVMAIL_DKIM_FLOOR_H
#define GOVMAIL_DKIM_FLOOR_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

static double
now_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* prog KEY.pem BODYFILE N: the private key, the body (len bytes, room for
 * a NUL) and N. 0, or the exit code after a message on stderr. */
static int
dkim_floor_args(const char *prog, int argc, char **argv, EVP_PKEY **key, char **body,
    size_t *len, long *n)
{
	FILE *fp;

	if (argc != 4 || (*n = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: %s KEY.pem BODYFILE N\n", prog);
		return 64;
	}
	if ((fp = fopen(argv[1], "r")) == NULL ||
	    (*key = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "%s: cannot read %s\n", prog, argv[1]);
		return 66;
	}
	fclose(fp);
	if ((fp = fopen(argv[2], "rb")) == NULL) {
		fprintf(stderr, "%s: cannot read %s\n", prog, argv[2]);
		return 66;
	}
	fseek(fp, 0, SEEK_END);
	*len = (size_t)ftell(fp);
	rewind(fp);
	if ((*body = malloc(*len + 1)) == NULL || fread(*body, 1, *len, fp) != *len)
		return 70;
	fclose(fp);
	return 0;
}

#endif
