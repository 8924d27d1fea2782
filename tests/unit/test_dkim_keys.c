/*
 * test_dkim_keys.c — DKIM key files and rotation state: selector rules,
 * the next free selector of the year, keys written 0600 and never
 * overwritten, keys others may read refused, the state file read back as
 * written and its errors named with the line, which selector signs when,
 * settling a rotation, and zone lines split into 255-byte strings.
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

#include "dkim_keys.h"
#include "xmalloc.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_dkim_keys.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	free(p);
}

static void
test_selectors(void **state)
{
	char out[64], err[256];
	struct dkim_state st;
	time_t jan2026 = 1768003200;    /* 2026-01-10 */

	(void)state;
	assert_true(dkim_selector_valid("gm2026a"));
	assert_true(dkim_selector_valid("gm2026a-ed"));
	assert_false(dkim_selector_valid(""));
	assert_false(dkim_selector_valid("-gm"));
	assert_false(dkim_selector_valid("gm-"));
	assert_false(dkim_selector_valid("GM2026a"));
	assert_false(dkim_selector_valid("gm.2026"));
	assert_int_equal(dkim_selector_next(dir, "haugiang.gov.vn", "gm", jan2026, NULL, out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "gm2026a");
	/* Taken by a key file (or its Ed25519 twin) or by the state: skipped. */
	write_file("haugiang.gov.vn.gm2026a.key", "x");
	write_file("haugiang.gov.vn.gm2026b-ed.key", "x");
	memset(&st, 0, sizeof(st));
	strcpy(st.active, "gm2026c");
	assert_int_equal(dkim_selector_next(dir, "haugiang.gov.vn", "gm", jan2026, &st, out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "gm2026d");
	/* Another domain's files do not count. */
	assert_int_equal(dkim_selector_next(dir, "cantho.gov.vn", "gm", jan2026, NULL, out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "gm2026a");
}

static void
test_key_files(void **state)
{
	char err[256], *path;
	struct stat sb;
	EVP_PKEY *k;

	(void)state;
	assert_int_equal(dkim_key_generate(dir, "haugiang.gov.vn", "k1", DKIM_ALG_ED25519, err,
	    sizeof(err)), 0);
	path = dkim_key_path(dir, "haugiang.gov.vn", "k1");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* Never overwritten. */
	assert_int_equal(dkim_key_generate(dir, "haugiang.gov.vn", "k1", DKIM_ALG_ED25519, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "File exists"));
	k = dkim_key_load(path, err, sizeof(err));
	assert_non_null(k);
	assert_int_equal(dkim_key_alg(k), DKIM_ALG_ED25519);
	EVP_PKEY_free(k);
	chmod(path, 0640);
	assert_null(dkim_key_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "mode 0640"));
	free(path);
	assert_int_equal(dkim_key_generate(dir, "haugiang.gov.vn", "Bad", DKIM_ALG_RSA, err,
	    sizeof(err)), -1);
}

static void
test_state(void **state)
{
	struct dkim_state st, back;
	char err[256];

	(void)state;
	assert_int_equal(dkim_state_load(dir, "none.gov.vn", &st, err, sizeof(err)), 1);
	memset(&st, 0, sizeof(st));
	strcpy(st.active, "gm2026a");
	strcpy(st.next, "gm2026b");
	st.next_from = 1000;
	st.ed25519 = 1;
	assert_int_equal(dkim_state_save(dir, "haugiang.gov.vn", &st, err, sizeof(err)), 0);
	assert_int_equal(dkim_state_load(dir, "haugiang.gov.vn", &back, err, sizeof(err)), 0);
	assert_memory_equal(&st, &back, sizeof(st));

	assert_string_equal(dkim_state_signing(&st, 999), "gm2026a");
	assert_string_equal(dkim_state_signing(&st, 1000), "gm2026b");
	assert_int_equal(dkim_state_settle(&st, 999, 50), 0);
	assert_int_equal(dkim_state_settle(&st, 1000, 50), 1);
	assert_string_equal(st.active, "gm2026b");
	assert_string_equal(st.previous, "gm2026a");
	assert_int_equal(st.previous_until, 1050);
	assert_string_equal(st.next, "");

	write_file("a.gov.vn.state", "active gm2026a\nbogus 1\n");
	assert_int_equal(dkim_state_load(dir, "a.gov.vn", &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a.gov.vn.state:2: unknown key"));
	write_file("b.gov.vn.state", "active ../etc\n");
	assert_int_equal(dkim_state_load(dir, "b.gov.vn", &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: invalid selector"));
	write_file("c.gov.vn.state", "active gm2026a\nnext_from soon\n");
	assert_int_equal(dkim_state_load(dir, "c.gov.vn", &st, err, sizeof(err)), -1);
	write_file("d.gov.vn.state", "# nothing\n");
	assert_int_equal(dkim_state_load(dir, "d.gov.vn", &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no active selector"));
}

static void
test_zone_line(void **state)
{
	char txt[600], *line;
	size_t i;

	(void)state;
	for (i = 0; i < 599; i++)
		txt[i] = (char)('a' + i % 26);
	txt[599] = '\0';
	line = dkim_key_zone_line("haugiang.gov.vn", "gm2026a", txt);
	assert_int_equal(strncmp(line, "gm2026a._domainkey.haugiang.gov.vn. IN TXT \"", 44), 0);
	/* 599 bytes: strings of 255, 255 and 89. */
	assert_non_null(strstr(line, "\" \""));
	assert_int_equal(strlen(line), strlen("gm2026a._domainkey.haugiang.gov.vn. IN TXT") +
	    599 + 3 * 3);
	assert_int_equal(line[strlen("gm2026a._domainkey.haugiang.gov.vn. IN TXT") + 2 + 255], '"');
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_zone_line),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
