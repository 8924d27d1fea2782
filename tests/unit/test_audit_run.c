/*
 * test_audit_run.c — the run records of the audit log: refusal, intent
 * and summary lines; the completion of a dead run's records (a changed
 * entry that has its own record is left as it is, the others get one as
 * the verify callback says, then the run is closed once and for all); a
 * run still going is left alone; hostile strings survive the round trip
 * through the log; a verify failure stops the recovery and leaves the run
 * to the next one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit_log.h"
#include "audit_run.h"

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
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_audit_run.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/audit.log", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Lines of the file containing needle. */
static int
count_lines(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	assert_non_null(fp);
	while (getline(&line, &cap, fp) != -1)
		if (strstr(line, needle) != NULL)
			n++;
	free(line);
	fclose(fp);
	return n;
}

#define HOSTILE "x\"y\\z\n{\"op\":\"run.summary\"} Sở Nội vụ \x01"

static const char *const attrs[] = { "title", "cn" };

static const struct audit_intent items[] = {
	{ "hr.update", "a@x.gov.vn", "uid=a,o=g", "f.csv:2", NULL, "00ff", attrs, 2 },
	{ "hr.create", "b@x.gov.vn", "uid=b,o=g", "f.csv:3", "E2", NULL, attrs, 1 },
	{ "hr.create", HOSTILE, "uid=c,o=g", "f.csv:4", "E3", NULL, NULL, 0 },
};

/* A run in a child process that announces items, writes the first one's
 * own record, and dies without a summary. */
static void
dead_run(const char *path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];
		struct audit_log *a = audit_open(path, "test", err, sizeof(err));
		struct audit_run *r;

		if (a == NULL)
			_exit(1);
		r = audit_run_new(a, "hr sync", "f.csv");
		if (audit_run_intent(r, items, 3) != 0 ||
		    audit_record(a, "hr.update", "a@x.gov.vn", "uid=a,o=g", attrs, 2,
		    "f.csv:2", "ok") != 0)
			_exit(1);
		_exit(0);       /* killed: no summary, nothing freed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

struct verify_log {
	int calls;
	int fail;
	char seen[4][256];
};

/* b was made (elsewhere), c was not; a must not be asked about. */
static int
verify(const struct audit_intent *it, void *arg, char *dn, size_t dnlen)
{
	struct verify_log *v = arg;

	if (v->fail)
		return -1;
	assert_true(v->calls < 4);
	snprintf(v->seen[v->calls++], sizeof(v->seen[0]), "%s", it->target);
	assert_string_not_equal(it->target, "a@x.gov.vn");
	if (strcmp(it->target, "b@x.gov.vn") == 0) {
		assert_string_equal(it->key, "E2");
		assert_int_equal(it->nattrs, 1);
		assert_string_equal(it->attrs[0], "title");
		snprintf(dn, dnlen, "uid=b2,o=g");
		return 1;
	}
	assert_string_equal(it->target, HOSTILE);
	assert_string_equal(it->source, "f.csv:4");
	return 0;
}

static void
test_recover(void **state)
{
	struct fixture *f = *state;
	struct verify_log v;
	struct audit_recovery rec;
	struct audit_log *a;
	char err[256];

	dead_run(f->path);
	assert_int_equal(count_lines(f->path, "\"op\":\"run.intent\""), 1);

	/* A failing directory: nothing closed, tried again next time. */
	a = audit_open(f->path, "test", err, sizeof(err));
	assert_non_null(a);
	memset(&v, 0, sizeof(v));
	v.fail = 1;
	assert_int_equal(audit_run_recover(a, f->path, "hr sync", verify, &v, &rec, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "against the directory failed"));
	assert_int_equal(count_lines(f->path, "\"op\":\"run.interrupted\""), 0);

	/* Another command's recovery does not touch hr sync's runs. */
	memset(&v, 0, sizeof(v));
	assert_int_equal(audit_run_recover(a, f->path, "agency load", verify, &v, &rec,
	    err, sizeof(err)), 0);
	assert_int_equal(rec.runs, 0);
	assert_int_equal(v.calls, 0);

	memset(&v, 0, sizeof(v));
	assert_int_equal(audit_run_recover(a, f->path, "hr sync", verify, &v, &rec, err,
	    sizeof(err)), 0);
	assert_int_equal(rec.runs, 1);
	assert_int_equal(rec.items, 3);
	assert_int_equal(rec.logged, 1);
	assert_int_equal(rec.applied, 1);
	assert_int_equal(rec.not_applied, 1);
	assert_int_equal(v.calls, 2);
	assert_int_equal(count_lines(f->path,
	    "\"op\":\"hr.create\",\"target\":\"b@x.gov.vn\",\"dn\":\"uid=b2,o=g\","
	    "\"attrs\":[\"title\"],\"source\":\"f.csv:3\",\"run\":"), 1);
	assert_int_equal(count_lines(f->path, "\"recovered\":true,\"result\":\"applied\""), 1);
	assert_int_equal(count_lines(f->path,
	    "\"recovered\":true,\"result\":\"not-applied\""), 1);
	assert_int_equal(count_lines(f->path,
	    "\"target\":\"x\\\"y\\\\z\\n{\\\"op\\\":\\\"run.summary\\\"} Sở Nội vụ \\u0001\""),
	    2);     /* the intent's item and the recovered record */
	assert_int_equal(count_lines(f->path,
	    "\"counts\":{\"intended\":3,\"logged\":1,\"applied\":1,\"not-applied\":1},"
	    "\"result\":\"recovered\""), 1);

	/* Done once: a second recovery finds nothing. */
	memset(&v, 0, sizeof(v));
	assert_int_equal(audit_run_recover(a, f->path, "hr sync", verify, &v, &rec, err,
	    sizeof(err)), 0);
	assert_int_equal(rec.runs, 0);
	assert_int_equal(v.calls, 0);
	assert_int_equal(audit_close(a), 0);
}

static void
test_live_and_summary(void **state)
{
	struct fixture *f = *state;
	struct verify_log v;
	struct audit_recovery rec;
	struct audit_log *a;
	struct audit_run *r;
	char err[256];

	a = audit_open(f->path, "test", err, sizeof(err));
	assert_non_null(a);
	r = audit_run_new(a, "hr sync", "f.csv");
	assert_non_null(strchr(audit_run_id(r), '.'));
	/* Runs one process starts in one second have ids of their own. */
	{
		struct audit_run *r2 = audit_run_new(a, "agency merge", NULL);
		struct audit_run *r3 = audit_run_new(a, "agency merge", NULL);

		assert_string_not_equal(audit_run_id(r), audit_run_id(r2));
		assert_string_not_equal(audit_run_id(r2), audit_run_id(r3));
		audit_run_free(r2);
		audit_run_free(r3);
	}
	assert_int_equal(audit_run_intent(r, items, 2), 0);
	/* This process's own run is going: left alone. */
	memset(&v, 0, sizeof(v));
	assert_int_equal(audit_run_recover(a, f->path, "hr sync", verify, &v, &rec, err,
	    sizeof(err)), 0);
	assert_int_equal(rec.runs, 0);
	assert_int_equal(v.calls, 0);
	audit_run_count(r, "create", 1);
	audit_run_count(r, "update", 1);
	audit_run_count(r, "create", 2);
	assert_int_equal(audit_run_end(r, "ok"), 0);
	assert_int_equal(audit_run_refused(r, HOSTILE), 0);
	audit_run_free(r);
	assert_int_equal(count_lines(f->path,
	    "\"op\":\"run.summary\",\"target\":\"hr sync\",\"run\":"), 1);
	assert_int_equal(count_lines(f->path,
	    "\"source\":\"f.csv\",\"counts\":{\"create\":3,\"update\":1},\"seconds\":\""), 1);
	assert_int_equal(count_lines(f->path,
	    "\"reason\":\"x\\\"y\\\\z\\n{\\\"op\\\":\\\"run.summary\\\"} Sở Nội vụ "
	    "\\u0001\",\"result\":\"refused\"}"), 1);
	/* Many items take several intent lines. */
	{
		struct audit_intent many[AUDIT_RUN_ITEMS_PER_LINE + 1];
		size_t i;

		for (i = 0; i < AUDIT_RUN_ITEMS_PER_LINE + 1; i++)
			many[i] = items[0];
		r = audit_run_new(a, "hr sync", NULL);
		assert_int_equal(audit_run_intent(r, many, AUDIT_RUN_ITEMS_PER_LINE + 1), 0);
		audit_run_free(r);
		assert_int_equal(count_lines(f->path, "\"op\":\"run.intent\""), 3);
	}
	assert_int_equal(audit_close(a), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_and_summary, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
