/*
 * account_lock_output.h — how govmailctl shows an account's login lock
 * (account show, account list), as text or JSON. account_output.c calls it;
 * the lock itself is dir_account_lock.h.
 */
#ifndef GOVMAILCTL_ACCOUNT_LOCK_OUTPUT_H
#define GOVMAILCTL_ACCOUNT_LOCK_OUTPUT_H

#include <stdio.h>

struct account;
struct dir;
struct json_writer;

/* Read the password policy that applies to a and complete its lock state
 * with it, so that the output can say when a lockout ends (without it,
 * the end is not shown). */
void account_lock_prepare(struct dir *d, struct account *a);
/* "locked:" and "failed logins:" lines, when there is something to say. */
void account_lock_print_text(const struct account *a, FILE *fp);
/* "locked" (null or an object) and "failed_logins" members. */
void account_lock_print_json(const struct account *a, struct json_writer *w);
/* "+locked" if a lock is in force, else "" (appended to a list's status). */
const char *account_lock_suffix(const struct account *a);

#endif
