/*
 * test_audit_log.c — audit log records: exact line layout, escaping of
 * hostile strings, refusal of attribute "names" that carry values, open
 * failures with clear messages, and two processes appending 500 records
 * each without a single interleaved line.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit_log.h"

#define ACTOR "root via cn=govmailctl,ou=system,o=govmail"

struct fixture {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_audit_log.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/audit.jsonl", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[192];

	unlink(f->path);
	snprintf(p, sizeof(p), "%s/fifo", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/subdir", f->dir);
	rmdir(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Whole file as a NUL-terminated string (caller frees). */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	assert_non_null(fp);
	for (;;) {
		if (cap - len < 4097) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		if (n == 0)
			break;
		len += n;
	}
	assert_int_equal(ferror(fp), 0);
	fclose(fp);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* Check the "time" member: {"time":"YYYY-MM-DDTHH:MM:SS.mmmZ", ... */
static const char *
check_time_prefix(const char *line)
{
	const char *pat = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t i;

	assert_memory_equal(line, "{\"time\":\"", 9);
	line += 9;
	for (i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == 'd')
			assert_true(line[i] >= '0' && line[i] <= '9');
		else
			assert_int_equal(line[i], pat[i]);
	}
	assert_int_equal(line[i], '"');
	return line + i + 1;
}

static void
test_records(void **state)
{
	struct fixture *f = *state;
	const char *attrs[] = { "mail", "cn" };
	const char *odd[] = { "userPassword", "userSMIMECertificate;binary",
	    "2.5.4.3" };
	struct audit_log *a;
	char err[256], *buf, *line, *nl;
	struct stat st;
	mode_t old = umask(022);

	a = audit_open(f->path, ACTOR, err, sizeof(err));
	umask(old);
	assert_non_null(a);
	assert_int_equal(audit_record(a, "account.add", "annv@haugiang.gov.vn",
	    "uid=annv,ou=accounts,o=govmail", attrs, 2, "hr-export.csv:17",
	    "ok"), 0);
	assert_int_equal(audit_record(a, "account.suspend", "annv", NULL,
	    NULL, 0, NULL, "ok"), 0);
	assert_int_equal(audit_record(a, "account.passwd", "x\"y\n{\"op\":1}",
	    "cn=Sở Nội vụ,o=govmail", odd, 3, "a\x01\xFF", "failed"), 0);
	assert_int_equal(audit_close(a), 0);

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0640);

	buf = slurp(f->path, NULL);
	line = buf;
	nl = strchr(line, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_string_equal(check_time_prefix(line),
	    ",\"actor\":\"" ACTOR "\",\"op\":\"account.add\","
	    "\"target\":\"annv@haugiang.gov.vn\","
	    "\"dn\":\"uid=annv,ou=accounts,o=govmail\","
	    "\"attrs\":[\"mail\",\"cn\"],\"source\":\"hr-export.csv:17\","
	    "\"result\":\"ok\"}");

	line = nl + 1;
	nl = strchr(line, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_string_equal(check_time_prefix(line),
	    ",\"actor\":\"" ACTOR "\",\"op\":\"account.suspend\","
	    "\"target\":\"annv\",\"attrs\":[],\"result\":\"ok\"}");

	/* Hostile strings stay inside their JSON string, on one line. */
	line = nl + 1;
	nl = strchr(line, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_string_equal(check_time_prefix(line),
	    ",\"actor\":\"" ACTOR "\",\"op\":\"account.passwd\","
	    "\"target\":\"x\\\"y\\n{\\\"op\\\":1}\","
	    "\"dn\":\"cn=Sở Nội vụ,o=govmail\","
	    "\"attrs\":[\"userPassword\",\"userSMIMECertificate;binary\","
	    "\"2.5.4.3\"],\"source\":\"a\\u0001\xEF\xBF\xBD\","
	    "\"result\":\"failed\"}");
	assert_string_equal(nl + 1, "");
	free(buf);
}

/* Changed values: a hostile value stays a JSON string; a bad field name
 * is refused and writes nothing. */
static void
test_record_changes(void **state)
{
	struct fixture *f = *state;
	const char *attrs[] = { "govmailForward" };
	const struct audit_change ch[] = {
		{ "forwards", NULL, "an.personal@gmail.com" },
		{ "status_reason", "x\"y\n", NULL },
	};
	const struct audit_change bad[] = { { "forwards\",\"x", NULL, "a" } };
	struct audit_log *a;
	char err[256], *buf;

	a = audit_open(f->path, ACTOR, err, sizeof(err));
	assert_non_null(a);
	assert_int_equal(audit_record_changes(a, "forward.set", "annv@haugiang.gov.vn",
	    NULL, attrs, 1, ch, 2, NULL, "ok"), 0);
	errno = 0;
	assert_int_equal(audit_record_changes(a, "forward.set", "annv", NULL, NULL, 0,
	    bad, 1, NULL, "ok"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(audit_close(a), 0);
	buf = slurp(f->path, NULL);
	assert_string_equal(check_time_prefix(buf),
	    ",\"actor\":\"" ACTOR "\",\"op\":\"forward.set\","
	    "\"target\":\"annv@haugiang.gov.vn\",\"attrs\":[\"govmailForward\"],"
	    "\"changes\":[{\"field\":\"forwards\",\"old\":null,"
	    "\"new\":\"an.personal@gmail.com\"},{\"field\":\"status_reason\","
	    "\"old\":\"x\\\"y\\n\",\"new\":null}],\"result\":\"ok\"}\n");
	free(buf);
}

static void
test_record_refusals(void **state)
{
	struct fixture *f = *state;
	const char *withval[] = { "mail", "userPassword=secret" };
	const char *spaced[] = { "user Password" };
	const char *empty[] = { "" };
	const char *nul[] = { NULL };
	struct audit_log *a;
	char err[256], *buf, *huge;
	size_t len;

	a = audit_open(f->path, ACTOR, err, sizeof(err));
	assert_non_null(a);
	errno = 0;
	assert_int_equal(audit_record(a, "account.passwd", "annv", NULL,
	    withval, 2, NULL, "ok"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(audit_record(a, "x", "y", NULL, spaced, 1, NULL,
	    "ok"), -1);
	assert_int_equal(audit_record(a, "x", "y", NULL, empty, 1, NULL,
	    "ok"), -1);
	assert_int_equal(audit_record(a, "x", "y", NULL, nul, 1, NULL, "ok"),
	    -1);
	assert_int_equal(audit_record(a, "x", "y", NULL, NULL, 1, NULL, "ok"),
	    -1);
	assert_int_equal(audit_record(a, NULL, "y", NULL, NULL, 0, NULL, "ok"),
	    -1);
	assert_int_equal(audit_record(a, "x", NULL, NULL, NULL, 0, NULL, "ok"),
	    -1);
	assert_int_equal(audit_record(a, "x", "y", NULL, NULL, 0, NULL, NULL),
	    -1);
	assert_int_equal(audit_record(NULL, "x", "y", NULL, NULL, 0, NULL,
	    "ok"), -1);
	assert_int_equal(errno, EINVAL);

	huge = malloc(AUDIT_LINE_MAX + 1);
	assert_non_null(huge);
	memset(huge, 'a', AUDIT_LINE_MAX);
	huge[AUDIT_LINE_MAX] = '\0';
	errno = 0;
	assert_int_equal(audit_record(a, "x", huge, NULL, NULL, 0, NULL, "ok"),
	    -1);
	assert_int_equal(errno, EMSGSIZE);
	/* Short input whose escaping exceeds the limit: caught after build. */
	memset(huge, '\x01', AUDIT_LINE_MAX / 4);
	huge[AUDIT_LINE_MAX / 4] = '\0';
	errno = 0;
	assert_int_equal(audit_record(a, "x", huge, NULL, NULL, 0, NULL, "ok"),
	    -1);
	assert_int_equal(errno, EMSGSIZE);
	free(huge);
	assert_int_equal(audit_close(a), 0);

	/* Nothing at all was written. */
	buf = slurp(f->path, &len);
	assert_int_equal(len, 0);
	free(buf);
	assert_int_equal(audit_close(NULL), 0);
}

static void
expect_open_fails(const char *path, const char *msgpart)
{
	char err[512];
	struct audit_log *a;

	err[0] = '\0';
	a = audit_open(path, ACTOR, err, sizeof(err));
	assert_null(a);
	if (strstr(err, path) == NULL || strstr(err, msgpart) == NULL)
		fail_msg("open error '%s' lacks path or '%s'", err, msgpart);
}

static void
test_open_failures(void **state)
{
	struct fixture *f = *state;
	char p[192], err[64];

	/* A directory. */
	expect_open_fails(f->dir, strerror(EISDIR));
	/* Under a directory that does not exist. */
	snprintf(p, sizeof(p), "%s/missing/audit.jsonl", f->dir);
	expect_open_fails(p, strerror(ENOENT));
	/* A FIFO: refused without blocking (no reader: ENXIO). */
	snprintf(p, sizeof(p), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	expect_open_fails(p, "");
	/* Unwritable directory: only meaningful when not root. */
	if (geteuid() != 0) {
		snprintf(p, sizeof(p), "%s/subdir", f->dir);
		assert_int_equal(mkdir(p, 0500), 0);
		snprintf(p, sizeof(p), "%s/subdir/audit.jsonl", f->dir);
		expect_open_fails(p, strerror(EACCES));
	}
	/* No path configured; NULL err buffer is allowed. */
	assert_null(audit_open("", ACTOR, err, sizeof(err)));
	assert_non_null(strstr(err, "no audit log"));
	assert_null(audit_open(NULL, ACTOR, NULL, 0));
	assert_null(audit_open(f->path, NULL, err, sizeof(err)));
}

static void
writer_child(const char *path, char tag)
{
	const char *attrs[] = { "mail", "cn", "userPassword" };
	struct audit_log *a;
	char err[256], target[3000];
	int i;

	a = audit_open(path, ACTOR, err, sizeof(err));
	if (a == NULL)
		_exit(2);
	for (i = 0; i < 500; i++) {
		/* Long records make a torn or interleaved write visible. */
		snprintf(target, sizeof(target), "%c-%03d-", tag, i);
		memset(target + 6, tag, sizeof(target) - 7);
		target[sizeof(target) - 1] = '\0';
		if (audit_record(a, "account.add", target, NULL, attrs, 3,
		    NULL, "ok") != 0)
			_exit(3);
	}
	_exit(audit_close(a) == 0 ? 0 : 4);
}

static void
test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	char tags[2] = { 'A', 'B' }, *buf, *line, *nl, *t;
	int seen[2][500], status, i, k, lines = 0, idx;
	pid_t pid[2];
	const char *rest;
	size_t j;

	memset(seen, 0, sizeof(seen));
	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0)
			writer_child(f->path, tags[k]);
	}
	for (k = 0; k < 2; k++) {
		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	buf = slurp(f->path, NULL);
	for (line = buf; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		lines++;
		rest = check_time_prefix(line);
		assert_memory_equal(rest, ",\"actor\":\"" ACTOR "\","
		    "\"op\":\"account.add\",\"target\":\"",
		    strlen(",\"actor\":\"" ACTOR "\","
		    "\"op\":\"account.add\",\"target\":\""));
		t = strstr(line, "\"target\":\"") + 10;
		k = t[0] == 'A' ? 0 : t[0] == 'B' ? 1 : -1;
		assert_true(k >= 0);
		assert_int_equal(t[1], '-');
		idx = atoi(t + 2);
		assert_true(idx >= 0 && idx < 500);
		for (j = 6; j < 2999; j++)
			assert_int_equal(t[j], tags[k]);
		assert_string_equal(t + 2999, "\",\"attrs\":[\"mail\",\"cn\","
		    "\"userPassword\"],\"result\":\"ok\"}");
		seen[k][idx]++;
	}
	free(buf);
	assert_int_equal(lines, 1000);
	for (k = 0; k < 2; k++)
		for (i = 0; i < 500; i++)
			assert_int_equal(seen[k][i], 1);
}

static void
test_default_actor(void **state)
{
	char *a, *saved = getenv("SUDO_USER");

	(void)state;
	if (saved != NULL)
		saved = strdup(saved);
	unsetenv("SUDO_USER");
	a = audit_default_actor();
	assert_non_null(a);
	assert_true(strlen(a) > 0);
	assert_null(strstr(a, "(sudo:"));
	if (getuid() == 0)
		assert_string_equal(a, "root");
	free(a);

	setenv("SUDO_USER", "alice", 1);
	a = audit_default_actor();
	assert_non_null(a);
	assert_true(strlen(a) > strlen(" (sudo: alice)"));
	assert_string_equal(a + strlen(a) - strlen(" (sudo: alice)"),
	    " (sudo: alice)");
	free(a);

	/* A forged SUDO_USER cannot inject control characters. */
	setenv("SUDO_USER", "eve\n{\"x\":1}", 1);
	a = audit_default_actor();
	assert_null(strchr(a, '\n'));
	assert_non_null(strstr(a, "(sudo: eve\\x0A{\"x\":1})"));
	free(a);

	if (saved != NULL) {
		setenv("SUDO_USER", saved, 1);
		free(saved);
	} else
		unsetenv("SUDO_USER");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_failures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup,
		    teardown),
		cmocka_unit_test(test_default_actor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
