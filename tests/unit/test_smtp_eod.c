/*
 * test_smtp_eod.c — the end-of-data pipeline: checks run in table order,
 * the first refusal is the one verdict and stops the rest, the header
 * fields of the checks that passed are collected in order, the policy's
 * verdict is taken over as it is (an error from 5xx), and a check that
 * stops without a verdict is still a refusal.
 * smtp_eod.c is part of govmaild, so its source is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/govmaild/smtp_eod.c"

/* What the fake checks see: the order they ran in, and what each does. */
struct fake {
	char ran[16];
	size_t nran;
	const char *refuse;        /* the check (by letter) that refuses */
};

static enum smtp_eod_step
fake_step(struct fake *f, char me, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	char field[32];
	int n;

	f->ran[f->nran++] = me;
	if (f->refuse != NULL && strchr(f->refuse, me) != NULL) {
		if (me == 'c')
			return smtp_eod_refuse(v, POLICY_TEMPFAIL, 451, "4.3.0", 0, "c-rule",
			    "check %c cannot tell now", me);
		return smtp_eod_refuse(v, POLICY_REJECT, 550, "5.7.1", 1, "x-rule",
		    "refused by %c", me);
	}
	n = snprintf(field, sizeof(field), "X-Check-%c: pass\r\n", me);
	smtp_eod_headers_add(h, field, (size_t)n);
	return SMTP_EOD_PASS;
}

static enum smtp_eod_step
check_a(void *ctx, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	return fake_step(ctx, 'a', v, h);
}

static enum smtp_eod_step
check_b(void *ctx, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	return fake_step(ctx, 'b', v, h);
}

static enum smtp_eod_step
check_c(void *ctx, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	return fake_step(ctx, 'c', v, h);
}

static enum smtp_eod_step
check_d(void *ctx, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	return fake_step(ctx, 'd', v, h);
}

static const struct smtp_eod_check table[] = {
	{ "a", check_a }, { "b", check_b }, { "c", check_c }, { "d", check_d },
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static void
test_all_pass(void **state)
{
	struct fake f = { .nran = 0 };
	struct smtp_eod_verdict v;
	struct smtp_eod_headers h;

	(void)state;
	assert_int_equal(smtp_eod_run(table, NTABLE, &f, &v, &h), POLICY_ACCEPT);
	assert_int_equal(f.nran, 4);
	assert_memory_equal(f.ran, "abcd", 4);
	assert_int_equal(v.v.action, POLICY_ACCEPT);
	assert_int_equal(v.v.code, 250);
	assert_null(v.check);
	assert_int_equal(h.len, strlen(h.buf));
	assert_string_equal(h.buf, "X-Check-a: pass\r\nX-Check-b: pass\r\n"
	    "X-Check-c: pass\r\nX-Check-d: pass\r\n");
	smtp_eod_headers_free(&h);
	assert_null(h.buf);
	assert_int_equal(h.len, 0);
}

static void
test_first_refusal_wins(void **state)
{
	struct fake f = { .nran = 0, .refuse = "bd" };
	struct smtp_eod_verdict v;
	struct smtp_eod_headers h;

	(void)state;
	assert_int_equal(smtp_eod_run(table, NTABLE, &f, &v, &h), POLICY_REJECT);
	/* b refused: c and d never ran. */
	assert_int_equal(f.nran, 2);
	assert_memory_equal(f.ran, "ab", 2);
	assert_string_equal(v.check, "b");
	assert_int_equal(v.v.code, 550);
	assert_string_equal(v.v.enh, "5.7.1");
	assert_string_equal(v.v.text, "refused by b");
	assert_string_equal(v.v.rule, "x-rule");
	assert_int_equal(v.client_error, 1);
	/* What passed before is still there (the caller drops it). */
	assert_string_equal(h.buf, "X-Check-a: pass\r\n");
	smtp_eod_headers_free(&h);
}

static void
test_tempfail(void **state)
{
	struct fake f = { .nran = 0, .refuse = "cd" };
	struct smtp_eod_verdict v;
	struct smtp_eod_headers h;

	(void)state;
	assert_int_equal(smtp_eod_run(table, NTABLE, &f, &v, &h), POLICY_TEMPFAIL);
	assert_memory_equal(f.ran, "abc", 3);
	assert_int_equal(f.nran, 3);
	assert_string_equal(v.check, "c");
	assert_int_equal(v.v.code, 451);
	assert_string_equal(v.v.text, "check c cannot tell now");
	assert_int_equal(v.client_error, 0);
	smtp_eod_headers_free(&h);
}

static void
test_order_is_the_table(void **state)
{
	static const struct smtp_eod_check reversed[] = {
		{ "d", check_d }, { "c", check_c }, { "b", check_b }, { "a", check_a },
	};
	struct fake f = { .nran = 0, .refuse = "a" };
	struct smtp_eod_verdict v;
	struct smtp_eod_headers h;

	(void)state;
	assert_int_equal(smtp_eod_run(reversed, 4, &f, &v, &h), POLICY_REJECT);
	assert_memory_equal(f.ran, "dcba", 4);
	assert_string_equal(v.check, "a");
	assert_string_equal(h.buf, "X-Check-d: pass\r\nX-Check-c: pass\r\nX-Check-b: pass\r\n");
	smtp_eod_headers_free(&h);
	/* An empty table accepts, with nothing to add. */
	assert_int_equal(smtp_eod_run(reversed, 0, &f, &v, &h), POLICY_ACCEPT);
	assert_null(h.buf);
	assert_int_equal(h.len, 0);
}

static enum smtp_eod_step
check_policy(void *ctx, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	const struct policy_verdict *pv = ctx;

	(void)h;
	return smtp_eod_refuse_policy(v, pv);
}

static enum smtp_eod_step
check_silent(void *ctx, struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	(void)ctx;
	(void)v;
	(void)h;
	return SMTP_EOD_REFUSE;
}

static void
test_policy_verdict(void **state)
{
	static const struct smtp_eod_check one[] = { { "policy", check_policy } };
	static const struct smtp_eod_check silent[] = { { "silent", check_silent } };
	struct policy_verdict pv = { .action = POLICY_REJECT, .code = 550, .enh = "5.7.1",
		.text = "Message refused: attachment", .rule = "attachment" };
	struct smtp_eod_verdict v;
	struct smtp_eod_headers h;

	(void)state;
	assert_int_equal(smtp_eod_run(one, 1, &pv, &v, &h), POLICY_REJECT);
	assert_string_equal(v.v.text, "Message refused: attachment");
	assert_string_equal(v.v.rule, "attachment");
	assert_string_equal(v.check, "policy");
	assert_int_equal(v.client_error, 1);
	pv.action = POLICY_TEMPFAIL;
	pv.code = 451;
	assert_int_equal(smtp_eod_run(one, 1, &pv, &v, &h), POLICY_TEMPFAIL);
	assert_int_equal(v.client_error, 0);
	/* A check that stops without saying why still refuses. */
	assert_int_equal(smtp_eod_run(silent, 1, NULL, &v, &h), POLICY_REJECT);
	assert_string_equal(v.check, "silent");
	smtp_eod_headers_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_pass),
		cmocka_unit_test(test_first_refusal_wins),
		cmocka_unit_test(test_tempfail),
		cmocka_unit_test(test_order_is_the_table),
		cmocka_unit_test(test_policy_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
