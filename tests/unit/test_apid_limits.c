/*
 * test_apid_limits.c — govmail-apid's pure parts: the token buckets (a
 * minute's worth, then paced, Retry-After whole seconds, keys apart), the
 * Idempotency-Key table (new, busy, replay, another body, dropped,
 * expired) and strict body decoding (depth on the bytes, unknown fields,
 * types, controls, required fields).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apid_idem.h"
#include "apid_json.h"
#include "apid_rate.h"

static void
test_rate(void **state)
{
	struct apid_rate *r = apid_rate_new(60, 16);
	unsigned retry;
	int i;

	(void)state;
	for (i = 0; i < 60; i++)
		assert_true(apid_rate_take(r, "10.0.0.1", 100.0, &retry));
	assert_false(apid_rate_take(r, "10.0.0.1", 100.0, &retry));
	assert_int_equal(retry, 1);
	assert_true(apid_rate_take(r, "10.0.0.2", 100.0, &retry));   /* its own bucket */
	assert_true(apid_rate_take(r, "10.0.0.1", 101.0, &retry));   /* one per second */
	assert_false(apid_rate_take(r, "10.0.0.1", 101.0, &retry));
	apid_rate_free(r);

	r = apid_rate_new(0, 16);                                  /* no limit */
	for (i = 0; i < 1000; i++)
		assert_true(apid_rate_take(r, "x", 0.0, &retry));
	apid_rate_free(r);

	r = apid_rate_new(1, 16);                                  /* 1 a minute */
	assert_true(apid_rate_take(r, "y", 0.0, &retry));
	assert_false(apid_rate_take(r, "y", 0.0, &retry));
	assert_int_equal(retry, 60);
	apid_rate_free(r);
}

static void
test_rate_many_keys(void **state)
{
	struct apid_rate *r = apid_rate_new(2, 16);
	char key[32];
	unsigned retry;
	int i;

	(void)state;
	/* more clients than the table holds: none is refused for that */
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		assert_true(apid_rate_take(r, key, (double)i, &retry));
	}
	apid_rate_free(r);
}

static void
test_idem(void **state)
{
	struct apid_idem *t = apid_idem_new(60, 8);
	unsigned char d1[32] = { 1 }, d2[32] = { 2 };
	struct timespec ts;
	unsigned status = 0;
	char *text;
	long now;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long)ts.tv_sec;
	assert_int_equal(apid_idem_begin(t, "token:a", "k1", d1, now, &status, &text),
	    APID_IDEM_NEW);
	assert_int_equal(apid_idem_begin(t, "token:a", "k1", d1, now, &status, &text),
	    APID_IDEM_BUSY);
	assert_int_equal(apid_idem_begin(t, "token:b", "k1", d1, now, &status, &text),
	    APID_IDEM_NEW);                                      /* per caller */
	apid_idem_finish(t, "token:a", "k1", 201, "{\"x\":1}");
	assert_int_equal(apid_idem_begin(t, "token:a", "k1", d1, now, &status, &text),
	    APID_IDEM_REPLAY);
	assert_int_equal(status, 201);
	assert_string_equal(text, "{\"x\":1}");
	free(text);
	assert_int_equal(apid_idem_begin(t, "token:a", "k1", d2, now, &status, &text),
	    APID_IDEM_MISMATCH);
	apid_idem_drop(t, "token:b", "k1");
	assert_int_equal(apid_idem_begin(t, "token:b", "k1", d2, now, &status, &text),
	    APID_IDEM_NEW);
	/* past the ttl the answer is forgotten */
	assert_int_equal(apid_idem_begin(t, "token:a", "k1", d1, now + 61, &status, &text),
	    APID_IDEM_NEW);
	apid_idem_free(t);
}

static const struct apid_field spec[] = {
	{ "name", APID_STRING, 1 },
	{ "quota", APID_INT, 0 },
	{ "ok", APID_BOOL, 0 },
	{ "forwards", APID_STRINGS, 0 },
	{ NULL, APID_STRING, 0 }
};

static int
decode(const char *body, char *field, char *detail)
{
	struct apid_json_limits lim = { 3, 10, 4 };
	json_t *o = NULL;
	int rc;

	rc = apid_json_decode(body, strlen(body), spec, &lim, &o, field, 64, detail, 256);
	json_decref(o);
	return rc;
}

static void
test_decode(void **state)
{
	char f[64], d[256];

	(void)state;
	assert_int_equal(decode("{\"name\":\"An\",\"quota\":5,\"ok\":true,"
	    "\"forwards\":[\"a@b\"]}", f, d), 0);
	assert_int_equal(decode("{\"quota\":5}", f, d), -1);
	assert_string_equal(f, "name");
	assert_int_equal(decode("{\"name\":\"An\",\"x\":1}", f, d), -1);
	assert_string_equal(f, "x");
	assert_int_equal(decode("{\"name\":1}", f, d), -1);
	assert_string_equal(f, "name");
	assert_int_equal(decode("{\"name\":\"An\",\"quota\":1.5}", f, d), -1);
	assert_string_equal(f, "quota");
	assert_int_equal(decode("{\"name\":\"a\\u0007b\"}", f, d), -1);
	assert_string_equal(f, "name");
	assert_int_equal(decode("{\"name\":\"a\\u009fb\"}", f, d), -1);  /* C1 */
	assert_int_equal(decode("{\"name\":\"0123456789a\"}", f, d), -1); /* > 10 bytes */
	assert_int_equal(decode("{\"name\":\"An\",\"forwards\":[\"a\",2]}", f, d), -1);
	assert_string_equal(f, "forwards[1]");
	assert_int_equal(decode("{\"name\":\"An\",\"forwards\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}",
	    f, d), -1);
	assert_int_equal(decode("{\"name\":[[[\"x\"]]]}", f, d), -1);     /* depth 4 > 3 */
	assert_string_equal(f, "");
	assert_int_equal(decode("{\"name\":\"[[[[\"}", f, d), 0);         /* inside a string */
	assert_int_equal(decode("{\"name\":\"An\"", f, d), -1);
	assert_int_equal(decode("[1]", f, d), -1);
	assert_int_equal(decode("{\"name\":\"a\",\"name\":\"b\"}", f, d), -1);
	assert_int_equal(decode("{\"name\":\"\xff\"}", f, d), -1);
	assert_int_equal(apid_json_depth("{\"a\":\"\\\"[[[\"}", 12), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_rate_many_keys),
		cmocka_unit_test(test_idem),
		cmocka_unit_test(test_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
