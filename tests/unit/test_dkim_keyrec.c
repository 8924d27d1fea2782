/*
 * test_dkim_keyrec.c — DKIM key records: what govmailctl dkim dns
 * publishes reads back as the same key (RSA and Ed25519), revoked keys,
 * the tag-list rules (v= first, duplicates, whitespace) and the tags that
 * refuse a key (k=, h=, s=, bad base64, short keys); the records kept
 * once parsed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/dkim_keyrec.c"
#include "xmalloc.h"

static int
parse(const char *txt, struct dkim_keyrec *k)
{
	char err[256];

	return dkim_keyrec_parse(txt, strlen(txt), k, err, sizeof(err));
}

static void
roundtrip(const char *type, int alg)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, type, (size_t)2048);
	struct dkim_keyrec k;
	char *txt;

	if (alg == DKIM_ALG_ED25519) {
		EVP_PKEY_free(key);
		key = EVP_PKEY_Q_keygen(NULL, NULL, type);
	}
	assert_non_null(key);
	txt = dkim_key_txt(key);
	assert_non_null(txt);
	assert_int_equal(parse(txt, &k), 0);
	assert_int_equal(k.alg, alg);
	assert_false(k.revoked);
	assert_int_equal(EVP_PKEY_eq(k.key, key), 1);
	dkim_keyrec_clear(&k);
	free(txt);
	EVP_PKEY_free(key);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	roundtrip("RSA", DKIM_ALG_RSA);
	roundtrip("ED25519", DKIM_ALG_ED25519);
}

/* An Ed25519 record with a valid 32-byte key, around which tags are varied. */
#define ED_P "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static void
test_tags(void **state)
{
	struct dkim_keyrec k;

	(void)state;
	assert_int_equal(parse("v=DKIM1; k=ed25519; " ED_P, &k), 0);
	dkim_keyrec_clear(&k);
	assert_int_equal(parse(" k = ed25519 ;\t" "p = 11qYAYKxCrfVS/7TyWQH\r\n\tOg7hcvPapiMlrwIaaPcHURo= ;", &k), 0);
	assert_non_null(k.key);
	dkim_keyrec_clear(&k);
	assert_int_equal(parse("k=ed25519; t=y:s; h=sha1:sha256; s=email; x_new=1; " ED_P, &k), 0);
	assert_true(k.testing);
	assert_true(k.strict);
	dkim_keyrec_clear(&k);
	assert_int_equal(parse("v=DKIM1; p=", &k), 0);
	assert_true(k.revoked);
	assert_null(k.key);
	dkim_keyrec_clear(&k);

	assert_int_equal(parse("k=ed25519; v=DKIM1; " ED_P, &k), -1);    /* v= not first */
	assert_int_equal(parse("v=DKIM2; k=ed25519; " ED_P, &k), -1);
	assert_int_equal(parse("k=ed25519; k=ed25519; " ED_P, &k), -1);  /* duplicate */
	assert_int_equal(parse("k=dsa; " ED_P, &k), -1);
	assert_int_equal(parse("k=ed25519; h=sha1; " ED_P, &k), -1);
	assert_int_equal(parse("k=ed25519; s=tlsrpt; " ED_P, &k), -1);
	assert_int_equal(parse("k=ed25519", &k), -1);                    /* no p= */
	assert_int_equal(parse("k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR==", &k), -1);
	assert_int_equal(parse("k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=A", &k), -1);
	assert_int_equal(parse("k=ed25519; p=11qYAYKx!rfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", &k), -1);
	assert_int_equal(parse("k=ed25519; 1p=x; " ED_P, &k), -1);       /* tag name */
	assert_int_equal(parse("k=ed25519; novalue; " ED_P, &k), -1);
	assert_int_equal(parse("k=ed25519; n=caf\xc3\xa9; " ED_P, &k), -1); /* 8-bit */
	assert_int_equal(parse("p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", &k), -1);
}

static void
test_short_rsa(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	struct dkim_keyrec k;
	char *txt;

	(void)state;
	assert_non_null(key);
	txt = dkim_key_txt(key);
	assert_int_equal(parse(txt, &k), -1);
	free(txt);
	EVP_PKEY_free(key);
}

static void
test_bounds(void **state)
{
	char *big = xmalloc(DKIM_KEYREC_MAX + 2), err[256];
	struct dkim_keyrec k;

	(void)state;
	memset(big, 'a', DKIM_KEYREC_MAX + 1);
	big[DKIM_KEYREC_MAX + 1] = '\0';
	assert_int_equal(dkim_keyrec_parse(big, DKIM_KEYREC_MAX + 1, &k, err, sizeof(err)), -1);
	/* Many empty tags are fine; too many real ones are not. */
	memset(big, 0, DKIM_KEYREC_MAX + 2);
	for (int i = 0; i < 40; i++)
		snprintf(big + strlen(big), 16, "a%d=1;", i);
	assert_int_equal(parse(big, &k), -1);
	free(big);
}

/* dkim_keyrec_parse_cached: the same result as parsing, the key shared
 * between callers (each its own reference), failures not kept, and more
 * records than it keeps. */
static void
test_cached(void **state)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	struct dkim_keyrec a, b, c;
	char err[256], *txt, many[128];
	int i;

	(void)state;
	assert_non_null(key);
	txt = dkim_key_txt(key);
	assert_non_null(txt);
	assert_int_equal(dkim_keyrec_parse_cached(txt, strlen(txt), &a, err, sizeof(err)), 0);
	assert_int_equal(dkim_keyrec_parse_cached(txt, strlen(txt), &b, err, sizeof(err)), 0);
	assert_int_equal(EVP_PKEY_eq(a.key, key), 1);
	assert_ptr_equal(a.key, b.key);
	assert_int_equal(a.alg, DKIM_ALG_RSA);
	/* each its own verification context, of the same key */
	assert_non_null(a.vctx);
	assert_non_null(b.vctx);
	assert_ptr_not_equal(a.vctx, b.vctx);
	dkim_keyrec_clear(&a);
	assert_int_equal(EVP_PKEY_eq(b.key, key), 1);    /* still held by b */
	dkim_keyrec_clear(&b);
	assert_int_equal(dkim_keyrec_parse_cached("v=DKIM1; k=rsa; p=!!", 20, &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "base64"));
	dkim_keyrec_clear(&c);
	assert_int_equal(dkim_keyrec_parse_cached("v=DKIM1; p=", 11, &c, err, sizeof(err)), 0);
	assert_true(c.revoked);
	dkim_keyrec_clear(&c);
	/* t=y and t=s come from the record text, kept with the key. */
	for (i = 0; i < KEYREC_CACHE_MAX + 5; i++) {
		snprintf(many, sizeof(many), "k=ed25519; t=%s; x=%d; " ED_P, i % 2 ? "y" : "s", i);
		assert_int_equal(dkim_keyrec_parse_cached(many, strlen(many), &c, err,
		    sizeof(err)), 0);
		assert_int_equal(c.testing, i % 2);
		assert_int_equal(c.strict, !(i % 2));
		assert_non_null(c.key);
		assert_null(c.vctx);            /* Ed25519: none */
		dkim_keyrec_clear(&c);
	}
	assert_int_equal(dkim_keyrec_parse_cached(txt, strlen(txt), &a, err, sizeof(err)), 0);
	assert_int_equal(EVP_PKEY_eq(a.key, key), 1);
	dkim_keyrec_clear(&a);
	dkim_keyrec_cache_clear();
	free(txt);
	EVP_PKEY_free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_short_rsa),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_cached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
