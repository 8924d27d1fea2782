/*
 * dir_failover.h — which LDAP server a connection goes to when the
 * configuration lists several (ldap.uri, ldap.read_uri): the lists in
 * order, the servers that failed lately (skipped for ldap.retry_after
 * seconds, process-wide, so every connection of a daemon learns at once),
 * and the note told when the server in use changes (govmaild logs it,
 * the CLI writes it to stderr).
 * Not for: connecting or binding (dir.c).
 */
#ifndef GOVMAIL_DIR_FAILOVER_H
#define GOVMAIL_DIR_FAILOVER_H

#include <stddef.h>

/* An ordered list of server URIs without duplicates. */
struct dir_uris {
	char **v;
	size_t n;
};

/* Append the whitespace-separated URIs of list (duplicates dropped). */
void dir_uris_add(struct dir_uris *u, const char *list);
void dir_uris_free(struct dir_uris *u);
/* Index of uri in u, or -1. */
int dir_uris_find(const struct dir_uris *u, const char *uri);

/* A server failed: skip it for secs seconds. It answered: forget that. */
void dir_failover_mark_down(const char *uri, int secs);
void dir_failover_mark_up(const char *uri);
/* 1 while uri is being skipped. */
int dir_failover_is_down(const char *uri);

/* Where notes go: fn(msg), or (fn NULL, the default) stderr, prefixed with
 * the program's name. */
void dir_failover_set_notify(void (*fn)(const char *msg));
void dir_failover_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
