/*
 * test_smtp_data_nul.c — NUL bytes in DATA (issue #17): "<CRLF><NUL>.<CRLF>"
 * is never an end of data, a NUL is flagged wherever it is, no output
 * after a NUL when NULs are refused (the message is not relayed), and with stripping the content has no NUL
 * and a dot that followed one is plain content (re-stuffed on output).
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
	char buf[4096];
	size_t len;
};

static int
capture_out(void *arg, const char *p, size_t n)
{
	struct capture *c = arg;

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

static void
run(const char *in, size_t len, int bytewise, int strip, struct result *r)
{
	struct smtp_data d;
	struct smtp_data_limits lim = { .max_size = 1 << 20, .max_line = 998,
		.normalize_bare = 0, .strip_nul = strip };
	size_t i;

	memset(r, 0, sizeof(*r));
	smtp_data_init(&d, &lim, capture_out, &r->cap);
	if (!bytewise)
		r->consumed = smtp_data_feed(&d, in, len, &r->done);
	else
		for (i = 0; i < len && !r->done; i++)
			r->consumed += smtp_data_feed(&d, in + i, 1, &r->done);
	r->flags = smtp_data_flags(&d);
}

/* The smuggling payload of the issue: a NUL line with a dot, then commands. */
static const char smuggle[] =
    "From: a@x.vn\r\n\r\nhello\r\n\0.\r\nMAIL FROM:<b@x.vn>\r\n"
    "RCPT TO:<c@y.vn>\r\nDATA\r\nFrom: boss@x.vn\r\n\r\nforged\r\n.\r\nQUIT\r\n";

static void
test_reject_reads_to_true_end(void **state)
{
	size_t len = sizeof(smuggle) - 1, end = strstr(smuggle + 30, "forged\r\n.\r\n") -
	    smuggle + strlen("forged\r\n.\r\n");
	int bytewise;

	(void)state;
	for (bytewise = 0; bytewise < 2; bytewise++) {
		struct result r;

		run(smuggle, len, bytewise, 0, &r);
		assert_true(r.done);
		assert_int_equal(r.consumed, end);   /* QUIT left for the caller */
		assert_int_equal(r.flags, SMTP_DATA_NUL);
		/* output (to the spool, never relayed) stops at the NUL */
		assert_true(r.cap.len <= 23);
		assert_null(memchr(r.cap.buf, '\0', r.cap.len));
	}
}

static void
test_strip(void **state)
{
	static const char want[] =
	    "From: a@x.vn\r\n\r\nhello\r\n.\r\nMAIL FROM:<b@x.vn>\r\n"
	    "RCPT TO:<c@y.vn>\r\nDATA\r\nFrom: boss@x.vn\r\n\r\nforged\r\n";
	int bytewise;

	(void)state;
	for (bytewise = 0; bytewise < 2; bytewise++) {
		struct result r;

		run(smuggle, sizeof(smuggle) - 1, bytewise, 1, &r);
		assert_true(r.done);
		assert_int_equal(r.flags, SMTP_DATA_NUL);
		/* one message: the dot after the NUL is content, not an end */
		assert_int_equal(r.cap.len, sizeof(want) - 1);
		assert_memory_equal(r.cap.buf, want, r.cap.len);
		assert_null(memchr(r.cap.buf, '\0', r.cap.len));
	}
}

/* NUL in every position of the line machine: start, after a stuffing
 * dot, mid-line, after CR. */
static void
test_positions(void **state)
{
	static const struct { const char *in; size_t len; const char *strip; } t[] = {
		{ "\0abc\r\n.\r\n", 9, "abc\r\n" },
		{ ".\0.\r\n.\r\n", 8, ".\r\n" },
		{ "a\0b\r\n.\r\n", 8, "ab\r\n" },
		{ "ab\0\0\r\n.\r\n", 9, "ab\r\n" },
		{ "\0\r\n.\r\n", 6, "\r\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct result r;

		run(t[i].in, t[i].len, 0, 1, &r);
		assert_true(r.done);
		assert_int_equal(r.consumed, t[i].len);
		assert_int_equal(r.flags, SMTP_DATA_NUL);
		assert_int_equal(r.cap.len, strlen(t[i].strip));
		assert_memory_equal(r.cap.buf, t[i].strip, r.cap.len);
		run(t[i].in, t[i].len, 1, 0, &r);
		assert_int_equal(r.flags, SMTP_DATA_NUL);
		assert_null(memchr(r.cap.buf, '\0', r.cap.len));
		run(t[i].in, t[i].len, 0, 0, &r);
		assert_int_equal(r.flags, SMTP_DATA_NUL);
		assert_int_equal(r.cap.len, 0);   /* one feed: the NUL came first */
	}
}

static void
test_no_nul_unchanged(void **state)
{
	struct result r;

	(void)state;
	run("abc\r\n..x\r\n.\r\n", 14, 0, 0, &r);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.cap.len, 9);
	assert_memory_equal(r.cap.buf, "abc\r\n.x\r\n", 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reject_reads_to_true_end),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_no_nul_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
