/*
 * mime_tree.h — one libetpan parse of a message, shared by the rules that
 * look at its structure (the attachment rule, mime_check.c, and the
 * signature rule, sign_check.c), so a message is parsed once.
 */
#ifndef GOVMAIL_MIME_TREE_H
#define GOVMAIL_MIME_TREE_H

#include <stddef.h>

struct mailmime;

enum mime_tree_status {
	MIME_TREE_OK = 0,
	MIME_TREE_TOO_MANY_PARTS,   /* more than max_parts, counted before parsing */
	MIME_TREE_UNPARSEABLE,      /* libetpan gave up */
	MIME_TREE_NO_THREAD         /* the parsing thread could not start */
};

struct mime_tree {
	const char *buf;            /* the message; the tree points into it */
	size_t len;
	int max_parts;
	enum mime_tree_status status;
	struct mailmime *root;      /* MIME_TREE_OK only */
	long long thread_cpu_us;    /* CPU libetpan took on a thread of its own
	                               (0 when it parsed on the caller's) */
};

/* Parse buf (which must outlive the tree). Refuses, before parsing, a text
 * with more than max_parts multiparts or attached messages: that also
 * bounds libetpan's recursion. Returns t->status. */
enum mime_tree_status mime_tree_parse(struct mime_tree *t, const char *buf, size_t len,
    int max_parts);

/* Free what mime_tree_parse made (any status; twice is harmless); it does
 * not recurse, so any thread may do it. */
void mime_tree_free(struct mime_tree *t);

/* What a status means, for a log line or a reply. */
const char *mime_tree_problem(enum mime_tree_status st);

/* Run fn(arg) on a thread whose stack fits max_parts levels of libetpan
 * recursion, and wait for it. *cpu_us (if not NULL) gets the CPU time the
 * thread used. 0, or -1 if the thread cannot start. */
int mime_tree_run(void (*fn)(void *), void *arg, int max_parts, long long *cpu_us);

#endif
