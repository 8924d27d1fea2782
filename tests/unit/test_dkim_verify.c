/*
 * test_dkim_verify.c — inbound DKIM: the DKIM-Signature tag list (required
 * tags, duplicates, a=, c=, l=, x= before t=, i= outside d=, h= without
 * From, too many h= names, bad base64), and a message signed by govmaild's
 * own signer verifying (rsa-sha256 and ed25519-sha256) with the key record
 * served by a fake resolver, failing when changed, and what the fake
 * resolver's temporary failure and missing record give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "../../src/govmaild/dkim_verify.c"
#include "../../src/govmaild/dkim_sign.c"
#include "../../src/govmaild/dkim_keyrec.c"
#include "../../src/govmaild/spool.c"

/* The fake resolver: one name, one record, or a status. */
static char fake_name[256], fake_txt[2048];
static enum dns_status fake_st = DNS_OK;

enum dns_status
dns_lookup_txt(struct dns_resolver *r, const char *name, struct dns_txt *out)
{
	(void)r;
	memset(out, 0, sizeof(*out));
	if (fake_st != DNS_OK)
		return fake_st;
	if (strcmp(name, fake_name) != 0)
		return DNS_NXDOMAIN;
	out->v = xcalloc(2, sizeof(*out->v));
	out->len = xcalloc(2, sizeof(*out->len));
	out->v[0] = xstrdup(fake_txt);
	out->len[0] = strlen(fake_txt);
	out->n = 1;
	return DNS_OK;
}

void
dns_txt_clear(struct dns_txt *t)
{
	xfreev(t->v, t->n);
	free(t->len);
	memset(t, 0, sizeof(*t));
}

#define BH "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; "

static int
parse(const char *f)
{
	struct dkim_sig s;
	char err[128];
	int rc = dkim_sig_parse(f, strlen(f), &s, err, sizeof(err));

	dkim_sig_clear(&s);
	return rc;
}

static void
test_sig_parse(void **state)
{
	struct dkim_sig s;
	char err[128];
	const char *ok = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple;\r\n"
	    "\td=Example.ORG; s=sel1; t=100; x=200; l=5; i=@mail.example.org; z=ignored;\r\n"
	    "\th=From : To:subject; " BH "b=AAAA\r\n BBBB;";

	(void)state;
	assert_int_equal(dkim_sig_parse(ok, strlen(ok), &s, err, sizeof(err)), 0);
	assert_string_equal(s.d, "example.org");
	assert_string_equal(s.s, "sel1");
	assert_int_equal(s.nh, 3);
	assert_string_equal(s.h[0], "from");
	assert_string_equal(s.h[2], "subject");
	assert_int_equal(s.hrelaxed, 1);
	assert_int_equal(s.brelaxed, 0);
	assert_int_equal(s.l, 5);
	assert_int_equal(s.t, 100);
	assert_int_equal(s.x, 200);
	assert_int_equal(s.have_i, 1);
	assert_int_equal(s.blen, 6);
	assert_string_equal(s.b8, "AAAABBBB");
	assert_memory_equal(ok + s.boff - 2, "b=AAAA", 6);   /* boff: the value */
	dkim_sig_clear(&s);

	assert_int_equal(parse("DKIM-Signature: v=1; a=ed25519-sha256; d=a.b; s=x; h=from; " BH "b=AA=="), 0);
	/* Broken ones. */
	assert_int_equal(parse("DKIM-Signature: a=rsa-sha256; d=a.b; s=x; h=from; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=2; a=rsa-sha256; d=a.b; s=x; h=from; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha1; d=a.b; s=x; h=from; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=a.b; d=a.b; s=x; h=from; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=x; h=to:subject; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=x; h=from; " BH "b=A!A=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=x; h=from; bh=AAAA; b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=x; h=from; t=5; x=4; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=x; h=from; i=u@evil.b; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=x; h=from; l=-1; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=x; h=from; c=fancy; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=x; h=from; q=http; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature: v=1; a=rsa-sha256; d=nodot; s=x; h=from; " BH "b=AA=="), -1);
	assert_int_equal(parse("DKIM-Signature v=1"), -1);
	{
		char big[2048];
		int i, n = snprintf(big, sizeof(big), "DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=x; h=from");

		for (i = 0; i < DKIM_SIG_MAX_H; i++)
			n += snprintf(big + n, sizeof(big) - (size_t)n, ":x");
		snprintf(big + n, sizeof(big) - (size_t)n, "; " BH "b=AA==");
		assert_int_equal(parse(big), -1);       /* 65 names */
	}
}

/* Sign msg with a fresh key of type alg (govmaild's signer), serve its
 * record, verify; the results in res (n returned). */
static size_t
sign_verify(const char *msg, const char *type, char *tamper_from, char *tamper_to,
    struct dkim_vresult *res)
{
	char dir[] = "/tmp/test_dkim_verify.XXXXXX", err[256], path[512], *sig, *txt, *full;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, type, (size_t)2048);
	int ed = strcmp(type, "ED25519") == 0;
	struct dkim_keyring *kr;
	struct dkim_sign *s;
	struct dkim_verify *v;
	const struct dkim_vresult *r;
	long long body;
	size_t n, i;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/example.org.sel1%s.key", dir, ed ? "-ed" : "");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	chmod(path, 0600);
	if (ed) {
		/* An RSA key too: a generation always has one. */
		EVP_PKEY *rk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

		snprintf(path, sizeof(path), "%s/example.org.sel1.key", dir);
		f = fopen(path, "w");
		PEM_write_PrivateKey(f, rk, NULL, NULL, 0, NULL, NULL);
		fclose(f);
		chmod(path, 0600);
		EVP_PKEY_free(rk);
	}
	snprintf(path, sizeof(path), "%s/example.org.state", dir);
	f = fopen(path, "w");
	fprintf(f, "active sel1\ned25519 %s\n", ed ? "yes" : "no");
	fclose(f);
	kr = dkim_keyring_load(dir, err, sizeof(err));
	assert_non_null(kr);
	s = dkim_sign_begin(kr, "example.org", 1000);
	body = dkim_sign_headers(s, msg, strlen(msg));
	dkim_sign_body(s, msg + body, strlen(msg) - (size_t)body);
	sig = dkim_sign_end(s, err, sizeof(err));
	assert_non_null(sig);
	dkim_sign_free(s);
	dkim_keyring_free(kr);
	full = xasprintf("%s%s", sig, msg);
	if (tamper_from != NULL) {
		char *p = strstr(full, tamper_from);

		assert_non_null(p);
		memcpy(p, tamper_to, strlen(tamper_to));
	}
	txt = dkim_key_txt(key);
	snprintf(fake_txt, sizeof(fake_txt), "%s", txt);
	snprintf(fake_name, sizeof(fake_name), "sel1%s._domainkey.example.org", ed ? "-ed" : "");

	v = dkim_verify_begin(NULL, 2000);
	body = dkim_verify_headers(v, full, strlen(full));
	/* The body in small pieces, as it streams from the spool. */
	for (i = (size_t)body; i < strlen(full); i += 7)
		dkim_verify_body(v, full + i, strlen(full) - i < 7 ? strlen(full) - i : 7);
	r = dkim_verify_end(v, &n);
	memcpy(res, r, n * sizeof(*r));
	dkim_verify_free(v);
	free(txt);
	free(full);
	free(sig);
	EVP_PKEY_free(key);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
	return n;
}

static const char msg[] = "From: A <a@example.org>\r\nTo: b@haugiang.gov.vn\r\n"
    "Subject:  Hello \r\n  world\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\n"
    "Line one \t \r\nLine two\r\n\r\n\r\n";

static void
test_sign_then_verify(void **state)
{
	struct dkim_vresult r[DKIM_VERIFY_MAX_SIGS];
	size_t n;

	(void)state;
	fake_st = DNS_OK;
	n = sign_verify(msg, "RSA", NULL, NULL, r);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].res, DKIM_V_PASS);
	assert_string_equal(r[0].d, "example.org");
	assert_string_equal(r[0].s, "sel1");

	n = sign_verify(msg, "ED25519", NULL, NULL, r);
	assert_int_equal(n, 2);     /* the RSA signature has no record here */
	assert_int_equal(r[1].res, DKIM_V_PASS);
	assert_int_equal(r[1].ed25519, 1);
	assert_int_equal(r[0].res, DKIM_V_PERMERROR);
	assert_string_equal(r[0].reason, "no key record");

	n = sign_verify(msg, "RSA", "Line two", "Line 2!!", r);
	assert_int_equal(r[0].res, DKIM_V_FAIL);
	assert_string_equal(r[0].reason, "body hash did not verify");
	n = sign_verify(msg, "RSA", "Hello", "Jello", r);
	assert_int_equal(r[0].res, DKIM_V_FAIL);
	assert_string_equal(r[0].reason, "signature did not verify");
	/* Whitespace changes that relaxed canonicalisation forgives. */
	n = sign_verify(msg, "RSA", "Line one \t ", "Line one\t\t\t", r);
	assert_int_equal(r[0].res, DKIM_V_PASS);

	fake_st = DNS_TEMPFAIL;
	n = sign_verify(msg, "RSA", NULL, NULL, r);
	assert_int_equal(r[0].res, DKIM_V_TEMPERROR);
	fake_st = DNS_OK;
	(void)n;
}

/* Relaxed header canonicalisation (shared with the signer): only the
 * field's own colon loses the whitespace after it. */
static void
test_canon_colon_in_value(void **state)
{
	const char f[] = "Subject:  Re:   hello:\tworld \r\n";
	size_t n;
	char *c = dkim_canon_header(f, sizeof(f) - 1, &n);

	(void)state;
	assert_string_equal(c, "subject:Re: hello: world\r\n");
	free(c);
}

static void
test_no_signature_and_bounds(void **state)
{
	struct dkim_verify *v = dkim_verify_begin(NULL, 0);
	const struct dkim_vresult *r;
	char *m;
	size_t n, i, len = 0, cap = 100 * 1024;

	(void)state;
	dkim_verify_headers(v, msg, strlen(msg));
	r = dkim_verify_end(v, &n);
	assert_int_equal(n, 0);
	(void)r;
	dkim_verify_free(v);

	/* 8 signatures: 5 are looked at, the rest ignored. */
	m = xmalloc(cap);
	for (i = 0; i < 8; i++)
		len += (size_t)snprintf(m + len, cap - len, "DKIM-Signature: v=1; a=rsa-sha256; "
		    "d=a.b; s=s%zu; h=from; " BH "b=AA==\r\n", i);
	len += (size_t)snprintf(m + len, cap - len, "%s", msg);
	v = dkim_verify_begin(NULL, 0);
	dkim_verify_headers(v, m, len);
	r = dkim_verify_end(v, &n);
	assert_int_equal(n, DKIM_VERIFY_MAX_SIGS);
	assert_int_equal(r[0].res, DKIM_V_FAIL);    /* bh= is the empty body's */
	dkim_verify_free(v);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_parse),
		cmocka_unit_test(test_sign_then_verify),
		cmocka_unit_test(test_canon_colon_in_value),
		cmocka_unit_test(test_no_signature_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
