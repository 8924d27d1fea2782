/*
 * fuzz_trust.h — for the signature fuzz targets: a trust store holding a
 * throw-away self-signed certificate made at start (no key material in
 * the repository), made by LLVMFuzzerInitialize. Include after
 * sign_verify.c.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_anchor.h"

static struct sign_trust *fz_trust;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct govmail_conf *c = conf_defaults();
	char err[256], *path = fz_make_anchor();

	(void)argc;
	(void)argv;
	free(c->signature_trust_anchors);
	c->signature_trust_anchors = strdup(path);
	fz_trust = sign_trust_load(c, err, sizeof(err));
	assert(fz_trust != NULL);
	unlink(path);
	conf_free(c);
	return 0;
}

