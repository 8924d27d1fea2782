/*
 * mime_tree.c — one libetpan parse of a message (see mime_tree.h).
 * libetpan recurses once per nested multipart or attached message: the
 * parts are counted on the raw text before it sees them, and it parses on
 * a thread whose stack is sized for max_parts levels. The tree is freed
 * without recursion, on any thread.
 */
#include <libetpan/libetpan.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mime_tree.h"
#include "xmalloc.h"

/* Occurrences of "boundary" and "rfc822" (any case) in buf: an upper
 * bound of the multiparts and attached messages libetpan may find. */
static size_t
mime_tree_count_parts(const char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i + 6 <= len; i++)
		if (((buf[i] == 'b' || buf[i] == 'B') && i + 8 <= len &&
		    strncasecmp(buf + i, "boundary", 8) == 0) ||
		    ((buf[i] == 'r' || buf[i] == 'R') && strncasecmp(buf + i, "rfc822", 6) == 0))
			n++;
	return n;
}

struct mime_tree_job {
	void (*fn)(void *);
	void *arg;
	long long cpu_us;
};

static void *
mime_tree_thread(void *arg)
{
	struct mime_tree_job *j = arg;
	struct timespec t0, t1;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	j->fn(j->arg);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	j->cpu_us = (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000;
	return NULL;
}

int
mime_tree_run(void (*fn)(void *), void *arg, int max_parts, long long *cpu_us)
{
	struct mime_tree_job j = { fn, arg, 0 };
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (pthread_attr_init(&attr) != 0)
		return -1;
	rc = pthread_attr_setstacksize(&attr, (size_t)512 * 1024 +
	    (size_t)(max_parts > 0 ? max_parts : 1) * 4096);
	if (rc == 0)
		rc = pthread_create(&t, &attr, mime_tree_thread, &j);
	pthread_attr_destroy(&attr);
	if (rc != 0 || pthread_join(t, NULL) != 0)
		return -1;
	if (cpu_us != NULL)
		*cpu_us = j.cpu_us;
	return 0;
}

static void
mime_tree_parse_job(void *arg)
{
	struct mime_tree *t = arg;
	size_t idx = 0;

	if (mailmime_parse(t->buf, t->len, &idx, &t->root) != MAILIMF_NO_ERROR ||
	    t->root == NULL) {
		t->root = NULL;
		t->status = MIME_TREE_UNPARSEABLE;
	}
}

enum mime_tree_status
mime_tree_parse(struct mime_tree *t, const char *buf, size_t len, int max_parts)
{
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->len = len;
	t->max_parts = max_parts;
	if (mime_tree_count_parts(buf, len) > (size_t)(max_parts > 0 ? max_parts : 0))
		t->status = MIME_TREE_TOO_MANY_PARTS;
	else if (mime_tree_run(mime_tree_parse_job, t, max_parts, &t->parse_cpu_us) != 0)
		t->status = MIME_TREE_NO_THREAD;
	return t->status;
}

void
mime_tree_free(struct mime_tree *t)
{
	struct mailmime **todo = NULL, *m;
	size_t n = 0, cap = 0;
	clistiter *it;

	if (t->root == NULL)
		return;
	/* libetpan's mailmime_free recurses; here each node is freed alone,
	 * after its children are moved to a list of their own. */
	todo = xreallocarray(NULL, cap = 16, sizeof(*todo));
	todo[n++] = t->root;
	t->root = NULL;
	while (n > 0) {
		m = todo[--n];
		if (m->mm_type == MAILMIME_MULTIPLE && m->mm_data.mm_multipart.mm_mp_list != NULL) {
			clist *l = m->mm_data.mm_multipart.mm_mp_list;

			while ((it = clist_begin(l)) != NULL) {
				if (n == cap)
					todo = xreallocarray(todo, cap *= 2, sizeof(*todo));
				todo[n++] = clist_content(it);
				clist_delete(l, it);
			}
		} else if (m->mm_type == MAILMIME_MESSAGE &&
		    m->mm_data.mm_message.mm_msg_mime != NULL) {
			if (n == cap)
				todo = xreallocarray(todo, cap *= 2, sizeof(*todo));
			todo[n++] = m->mm_data.mm_message.mm_msg_mime;
			m->mm_data.mm_message.mm_msg_mime = NULL;
		}
		mailmime_free(m);
	}
	free(todo);
}

const char *
mime_tree_problem(enum mime_tree_status st)
{
	switch (st) {
	case MIME_TREE_OK:
		return "";
	case MIME_TREE_TOO_MANY_PARTS:
		return "too many MIME parts";
	case MIME_TREE_UNPARSEABLE:
		return "MIME structure cannot be parsed";
	case MIME_TREE_NO_THREAD:
		break;
	}
	return "cannot start the check";
}
