/*
 * test_smtp_data.c — the DATA reader fed byte streams, whole and one byte
 * at a time: the end marker, dot-unstuffing, the smuggling variants
 * (bare LF/CR around a dot), normalisation, line and size limits, and the
 * bytes left over after the end for pipelined commands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../src/govmaild/smtp_data.c"

struct capture {
	char buf[8192];
	size_t len;
	int fail;
};

static int
capture_out(void *arg, const char *p, size_t n)
{
	struct capture *c = arg;

	if (c->fail)
		return -1;
	assert_true(c->len + n <= sizeof(c->buf));
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	return 0;
}

struct result {
	struct capture cap;
	unsigned int flags;
	int done;
	size_t consumed;
};

/* Feed input (all at once, or one byte per call) with the given limits. */
static void
run(const char *in, size_t len, int bytewise, int normalize, size_t max_line,
    unsigned long long max_size, struct result *r)
{
	struct smtp_data d;
	struct smtp_data_limits lim = { max_size, max_line, normalize, 0 };
	size_t i;

	memset(r, 0, sizeof(*r));
	smtp_data_init(&d, &lim, capture_out, &r->cap);
	if (!bytewise) {
		r->consumed = smtp_data_feed(&d, in, len, &r->done);
	} else {
		for (i = 0; i < len && !r->done; i++)
			r->consumed += smtp_data_feed(&d, in + i, 1, &r->done);
	}
	r->flags = smtp_data_flags(&d);
}

/* Both ways must give the same result; returns the whole-feed one. */
static void
run_both(const char *in, int normalize, struct result *r)
{
	struct result r2;
	size_t len = strlen(in);

	run(in, len, 0, normalize, 998, 1 << 20, r);
	run(in, len, 1, normalize, 998, 1 << 20, &r2);
	assert_int_equal(r->flags, r2.flags);
	assert_int_equal(r->done, r2.done);
	assert_int_equal(r->consumed, r2.consumed);
	/* output of a rejected message is cut wherever the flag was seen */
	if (normalize || r->flags == 0) {
		assert_int_equal(r->cap.len, r2.cap.len);
		assert_memory_equal(r->cap.buf, r2.cap.buf, r->cap.len);
	}
}

#define CONTENT(r) ((r)->cap.buf[(r)->cap.len] = '\0', (r)->cap.buf)

static void
test_plain(void **state)
{
	struct result r;
	const char in[] = "Subject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n";

	(void)state;
	run_both(in, 0, &r);
	assert_true(r.done);
	assert_int_equal(r.flags, 0);
	assert_string_equal(CONTENT(&r), "Subject: x\r\n\r\nhello\r\n");
	/* the pipelined QUIT is left for the session */
	assert_int_equal(r.consumed, strlen(in) - strlen("QUIT\r\n"));
}

static void
test_empty_message(void **state)
{
	struct result r;

	(void)state;
	run_both(".\r\n", 0, &r);
	assert_true(r.done);
	assert_int_equal(r.cap.len, 0);
	assert_int_equal(r.consumed, 3);
}

static void
test_unstuffing(void **state)
{
	struct result r;

	(void)state;
	run_both("..\r\n..x\r\n.y\r\n...\r\na.b\r\n.\r\n", 0, &r);
	assert_true(r.done);
	assert_int_equal(r.flags, 0);
	assert_string_equal(CONTENT(&r), ".\r\n.x\r\ny\r\n..\r\na.b\r\n");
}

static void
test_not_ended(void **state)
{
	struct result r;

	(void)state;
	run_both("a\r\n.\r", 0, &r);
	assert_false(r.done);
	run_both("a\r\n. \r\n", 0, &r);
	assert_false(r.done);
	assert_string_equal(CONTENT(&r), "a\r\n \r\n");
}

/* The four smuggling shapes: none ends the message; all are rejected. */
static void
test_smuggling_rejected(void **state)
{
	static const char *const fake[] = { "\n.\n", "\n.\r\n", "\r\n.\r", "\r.\r" };
	char in[256];
	struct result r;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(in, sizeof(in), "Subject: a\r\n\r\nbody%sMAIL FROM:<x@y.z>\r\n"
		    "RCPT TO:<v@haugiang.gov.vn>\r\nDATA\r\nspoof\r\n.\r\nQUIT\r\n", fake[i]);
		run_both(in, 0, &r);
		assert_true(r.done);
		assert_true(r.flags & (SMTP_DATA_BARE_LF | SMTP_DATA_BARE_CR));
		/* ended at the first true CRLF.CRLF, after the smuggled DATA */
		assert_int_equal(r.consumed, strlen(in) - strlen("QUIT\r\n"));
	}
}

static void
test_bare_flags(void **state)
{
	struct result r;
	const char *in_c = "a\r\nb\nc\r\n.\r\n";

	(void)state;
	run_both("a\nb\r\n.\r\n", 0, &r);
	assert_int_equal(r.flags, SMTP_DATA_BARE_LF);
	run_both("a\rb\r\n.\r\n", 0, &r);
	assert_int_equal(r.flags, SMTP_DATA_BARE_CR);
	run_both("a\r\r\n.\r\n", 0, &r);
	assert_int_equal(r.flags, SMTP_DATA_BARE_CR);
	/* rejected messages produce no more output once flagged */
	run(in_c, strlen(in_c), 1, 0, 998, 1 << 20, &r);
	assert_true(r.cap.len <= 4);
	assert_null(memchr(r.cap.buf, 'c', r.cap.len));
}

static void
test_normalize(void **state)
{
	struct result r;

	(void)state;
	run_both("a\nb\rc\r\r\n.\r\n", 1, &r);
	assert_true(r.done);
	assert_string_equal(CONTENT(&r), "a\r\nb\r\nc\r\n\r\n");
	/* a dot after a bare LF stays content; the output side stuffs it */
	run_both("x\n.\nMAIL FROM:<a@b.c>\r\n.\r\n", 1, &r);
	assert_true(r.done);
	assert_string_equal(CONTENT(&r), "x\r\n.\r\nMAIL FROM:<a@b.c>\r\n");
	run_both("x\r\n.\ry\r\n.\r\n", 1, &r);
	assert_string_equal(CONTENT(&r), "x\r\n.\r\ny\r\n");
}

static void
test_line_limit(void **state)
{
	char in[2100];
	struct result r;

	(void)state;
	memset(in, 'a', 998);
	memcpy(in + 998, "\r\n.\r\n", 6);
	run(in, strlen(in), 0, 0, 998, 1 << 20, &r);
	assert_int_equal(r.flags, 0);
	memset(in, 'a', 999);
	memcpy(in + 999, "\r\n.\r\n", 6);
	run(in, strlen(in), 0, 0, 998, 1 << 20, &r);
	assert_int_equal(r.flags, SMTP_DATA_LINE_LONG);
	assert_true(r.done);
	run(in, strlen(in), 1, 0, 998, 1 << 20, &r);
	assert_int_equal(r.flags, SMTP_DATA_LINE_LONG);
}

static void
test_size_limit(void **state)
{
	struct result r;
	const char *in = "0123456789\r\n.\r\n";

	(void)state;
	run(in, strlen(in), 0, 0, 998, 12, &r);
	assert_int_equal(r.flags, 0);
	run(in, strlen(in), 0, 0, 998, 11, &r);
	assert_int_equal(r.flags, SMTP_DATA_TOO_BIG);
	assert_true(r.done);
	run(in, strlen(in), 1, 0, 998, 11, &r);
	assert_int_equal(r.flags, SMTP_DATA_TOO_BIG);
}

static void
test_sink_failure(void **state)
{
	struct smtp_data d;
	struct smtp_data_limits lim = { 1 << 20, 998, 0, 0 };
	struct capture cap = { .fail = 1 };
	int done;

	(void)state;
	smtp_data_init(&d, &lim, capture_out, &cap);
	smtp_data_feed(&d, "abc\r\n.\r\n", 8, &done);
	assert_true(done);
	assert_int_equal(smtp_data_flags(&d), SMTP_DATA_SINK_FAILED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_empty_message),
		cmocka_unit_test(test_unstuffing),
		cmocka_unit_test(test_not_ended),
		cmocka_unit_test(test_smuggling_rejected),
		cmocka_unit_test(test_bare_flags),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_sink_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
