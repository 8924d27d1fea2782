/*
 * mime_tree.c — one libetpan parse of a message (see mime_tree.h).
 * libetpan recurses once per nested multipart or attached message: the
 * parts are counted on the raw text before it sees them, and a message
 * with many of them is parsed on a thread whose stack is sized for
 * max_parts levels. The tree is freed without recursion, on any thread.
 */
#include <libetpan/libetpan.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mime_tree.h"
#include "xmalloc.h"

/*
 * Up to this many multiparts and attached messages, libetpan parses on
 * the caller's stack. Measured with libetpan 1.9: about 8 KiB, plus 0.3
 * KiB per nested level (500 levels: 155 KiB), so 32 levels need some
 * 18 KiB of a session thread's 128 KiB. Beyond it, a thread with a stack
 * sized for max_parts levels does it.
 */
#define MIME_TREE_INLINE_PARTS 32

/* Is "boundary" or "rfc822" (any case) at buf + i? */
static int
mime_tree_part_word(const char *buf, size_t len, size_t i)
{
	return (i + 8 <= len && strncasecmp(buf + i, "boundary", 8) == 0) ||
	    (i + 6 <= len && strncasecmp(buf + i, "rfc822", 6) == 0);
}

/* Occurrences of "boundary" and "rfc822" (any case) in buf: an upper
 * bound of the multiparts and attached messages libetpan may find. With
 * SSE2, 16 positions at a time are screened for "bo" or "rf" (any case),
 * and only those are compared in full: a 10 MB message is counted in a
 * few milliseconds. */
static size_t
mime_tree_count_parts(const char *buf, size_t len)
{
	size_t i = 0, n = 0;

#ifdef __SSE2__
	const __m128i lower = _mm_set1_epi8(0x20);
	const __m128i b = _mm_set1_epi8('b'), o = _mm_set1_epi8('o');
	const __m128i r = _mm_set1_epi8('r'), f = _mm_set1_epi8('f');

	for (; i + 17 <= len; i += 16) {
		__m128i v0 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(buf + i)), lower);
		__m128i v1 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(buf + i + 1)), lower);
		__m128i hit = _mm_or_si128(
		    _mm_and_si128(_mm_cmpeq_epi8(v0, b), _mm_cmpeq_epi8(v1, o)),
		    _mm_and_si128(_mm_cmpeq_epi8(v0, r), _mm_cmpeq_epi8(v1, f)));
		unsigned int mask = (unsigned int)_mm_movemask_epi8(hit);

		while (mask != 0) {
			n += (size_t)mime_tree_part_word(buf, len, i + (size_t)__builtin_ctz(mask));
			mask &= mask - 1;
		}
	}
#endif
	for (; i < len; i++)
		n += (size_t)mime_tree_part_word(buf, len, i);
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
	size_t nparts;

	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->len = len;
	t->max_parts = max_parts;
	nparts = mime_tree_count_parts(buf, len);
	if (nparts > (size_t)(max_parts > 0 ? max_parts : 0))
		t->status = MIME_TREE_TOO_MANY_PARTS;
	else if (nparts <= MIME_TREE_INLINE_PARTS)
		mime_tree_parse_job(t);    /* few levels: on the caller's stack */
	else if (mime_tree_run(mime_tree_parse_job, t, max_parts, &t->thread_cpu_us) != 0)
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
