/*
 * dir_verify.h — whether a change announced by an intent record
 * (audit_run.h) is in the directory: a fingerprint of the values a modify
 * writes, so an intent can be checked later without the log holding the
 * values, and the check of an intent against the directory as it is now.
 */
#ifndef GOVMAIL_DIR_VERIFY_H
#define GOVMAIL_DIR_VERIFY_H

#include <stddef.h>

#include "dir.h"

struct audit_intent;

#define DIR_FINGERPRINT_LEN 64   /* hex SHA-256 */

/*
 * Fingerprint of what a modification list leaves in the entry: the values
 * of each attribute it replaces (none for one it removes). -1 when it
 * holds an add or delete of values, whose result the values alone do not
 * say. out must hold DIR_FINGERPRINT_LEN + 1 bytes.
 */
int dir_mods_fingerprint(const struct dir_mods *m, char *out);

/*
 * An audit_verify_cb (arg: the struct dir *). A create (it->key set: the
 * employee id of the account made) is applied when an account with that
 * employee id exists, wherever it is (its DN into dn); another change when
 * the entry at it->dn exists and, with it->check, its values of it->attrs
 * have that fingerprint now. 1 applied, 0 not, -1 the directory failed.
 */
int dir_verify_intent(const struct audit_intent *it, void *arg, char *dn,
    size_t dnlen);

#endif
