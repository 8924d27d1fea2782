/*
 * dir_account.h — accounts in the directory: find by any address or uid,
 * create with a unique generated address, and the attribute lists used to
 * read them. Shared by govmailctl and (later) HR sync and govmaild.
 * Not for: output formatting (govmailctl) or policy decisions (govmaild).
 */
#ifndef GOVMAIL_DIR_ACCOUNT_H
#define GOVMAIL_DIR_ACCOUNT_H

#include <stddef.h>

#include "dir.h"

struct govmail_conf;

/* Attributes read for an account (NULL-terminated). */
extern const char *const dir_account_attrs[];

/* DN of the account with this uid. xmalloc'd. */
char *dir_account_dn(struct dir *d, const char *uid);

/* Find the account owning ADDRESS (primary or alias) or with that uid. */
enum dir_status dir_account_find(struct dir *d, const char *key, struct dir_entry **out);

/* 1 if an address is used by any account (mail or alias), 0 if free, -1 on error. */
int dir_account_address_used(struct dir *d, const char *address);

/* What a new account is made of. Unset optional fields are NULL. */
struct account_new {
	const char *name;          /* full name as given (validated here) */
	const char *agency;        /* agency code (must exist and be active) */
	const char *employee_id;
	const char *title;
	const char *phone;
	const char *mobile;
	const char *domain;        /* NULL: agency's domain, else default_domain */
	const char *address;       /* explicit address, overrides the template */
	long long quota;           /* -1: configured default */
	int may_send_external;     /* -1: configured default, 0, 1 */
	const char *password_hash; /* userPassword value, or NULL for none */
	int must_change_password;
};

/* Result of a creation. */
struct account_created {
	char uid[96];
	char address[400];
	char dn[512];
};

/* The attributes of a new account entry (display = name in display form). */
struct dir_mods *dir_account_entry(const struct govmail_conf *c,
    const struct account_new *a, const char *display, const char *uid,
    const char *address);

/*
 * Create an account. The address comes from the configured template with
 * the next free number (annv, annv2, ...); the uid (RDN) is reserved
 * atomically by the add itself, so concurrent creations of the same name get
 * distinct addresses. On failure returns the status and a message in err;
 * nothing is left behind.
 */
enum dir_status dir_account_create(struct dir *d, const struct govmail_conf *c,
    const struct account_new *a, struct account_created *out, char *err,
    size_t errlen, struct dir_mods **mods_out);

/*
 * The next free address for a name without creating anything (address
 * suggest --check). Returns DIR_OK with out filled.
 */
enum dir_status dir_account_next_free(struct dir *d, const struct govmail_conf *c,
    const char *name, const char *domain, char *out, size_t outlen, char *err,
    size_t errlen);

/* Current time as LDAP GeneralizedTime (YYYYMMDDHHMMSSZ). */
void dir_generalized_time(char *buf, size_t len);

/* Lowercase an address in place (ASCII only). */
void dir_lower(char *s);

/* err: why no account can be made in domain, migrated to target (an
 * alias of it now), and what to change. */
void dir_account_migrated_advice(const char *domain, const char *target, char *err,
    size_t errlen);

#endif
