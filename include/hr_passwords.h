/*
 * hr_passwords.h — the initial-passwords file of hr sync: one line
 * "employee_id,address,password" per account hr sync created, mode 0600.
 * Held in memory for a run and rewritten whole (a temporary file, fsync,
 * rename, fsync of the directory), so whatever interrupts a run the file is
 * either the old or the new one, never half of each. A lock on PATH.lock
 * keeps two runs from rewriting it at once.
 * Not for: deciding which passwords are needed (hr_sync.c).
 */
#ifndef GOVMAIL_HR_PASSWORDS_H
#define GOVMAIL_HR_PASSWORDS_H

#include <stddef.h>

struct hr_passwords;

/*
 * Lock PATH.lock (created mode 0600) and read the file if it exists (it must then
 * be a regular file of this user with mode 0600). Returns NULL with err
 * (errno_out set: EWOULDBLOCK when another run holds the lock).
 */
struct hr_passwords *hr_passwords_open(const char *path, int *errno_out, char *err,
    size_t errlen);

/* The password on file for an employee id (case-insensitive), or NULL. */
const char *hr_passwords_get(const struct hr_passwords *pw, const char *employee_id);
/* Set (add or replace) the line of an employee id. */
void hr_passwords_set(struct hr_passwords *pw, const char *employee_id,
    const char *address, const char *password);
/* Remove the line of an employee id, if any. */
void hr_passwords_drop(struct hr_passwords *pw, const char *employee_id);
/* Call fn for each employee id on file (fn must not change pw). */
void hr_passwords_each(const struct hr_passwords *pw,
    void (*fn)(const char *employee_id, void *arg), void *arg);
/* 1 if a set or drop changed something since the file was read or saved. */
int hr_passwords_dirty(const struct hr_passwords *pw);
/* Lines on file. */
size_t hr_passwords_count(const struct hr_passwords *pw);

/* Write the file anew, durably (also when nothing changed: the caller asks
 * hr_passwords_dirty). 0, or -1 with err (the old file stays). */
int hr_passwords_save(struct hr_passwords *pw, char *err, size_t errlen);

/* Release the lock and wipe the passwords from memory. */
void hr_passwords_free(struct hr_passwords *pw);

#endif
