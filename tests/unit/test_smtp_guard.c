/*
 * test_smtp_guard.c — junk commands and session lifetime (smtp_guard.c):
 * which commands count, the limit, the count starting again after an
 * accepted message, and the lifetime as a read deadline that only
 * shortens (smtp_session.c applies it only outside a transaction).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/govmaild/smtp_guard.c"

static void
test_junk(void **state)
{
	struct smtp_guard g;
	static const enum smtp_verb junk[] = { SMTP_VERB_HELO, SMTP_VERB_EHLO,
		SMTP_VERB_NOOP, SMTP_VERB_RSET, SMTP_VERB_VRFY, SMTP_VERB_EXPN, SMTP_VERB_HELP };
	static const enum smtp_verb work[] = { SMTP_VERB_MAIL, SMTP_VERB_RCPT,
		SMTP_VERB_DATA, SMTP_VERB_QUIT, SMTP_VERB_STARTTLS, SMTP_VERB_AUTH,
		SMTP_VERB_XCLIENT, SMTP_VERB_XFORWARD };
	size_t i;
	int k;

	(void)state;
	memset(&g, 0, sizeof(g));
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_false(smtp_guard_command(&g, junk[i], 0, 7));
	for (k = 0; k < 1000; k++)
		for (i = 0; i < sizeof(work) / sizeof(work[0]); i++)
			assert_false(smtp_guard_command(&g, work[i], 0, 7));
	assert_true(smtp_guard_command(&g, SMTP_VERB_NOOP, 0, 7));
	/* a message was accepted: counted from zero again */
	for (k = 0; k < 7; k++)
		assert_false(smtp_guard_command(&g, SMTP_VERB_NOOP, 1, 7));
	assert_true(smtp_guard_command(&g, SMTP_VERB_RSET, 1, 7));
}

static void
test_lifetime(void **state)
{
	(void)state;
	/* off */
	assert_int_equal(smtp_guard_deadline(1000, 0, 999999), 999999);
	assert_false(smtp_guard_expired(1000, 0, UINT64_MAX / 2));
	/* sooner than the command deadline: it wins; later: it does not */
	assert_int_equal(smtp_guard_deadline(1000, 10, 500000), 11000);
	assert_int_equal(smtp_guard_deadline(1000, 3600, 500000), 500000);
	assert_false(smtp_guard_expired(1000, 10, 10999));
	assert_true(smtp_guard_expired(1000, 10, 11000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_lifetime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
