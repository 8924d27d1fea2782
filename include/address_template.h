/*
 * address_template.h — mail addresses for accounts: the template language
 * that turns a person's name into a local part, collision numbering, and
 * validation of addresses and domains typed by an admin. Results are safe
 * to put in LDAP values and filters by construction (lowercase ASCII
 * [a-z0-9._-+] only), but callers still escape them as usual. Name rules
 * live in name_fold.h.
 *
 * Template tokens: {given} {surname} {middle} (all middle names joined)
 * {initials} (surname then middle initials) {s} {m} {g} (initials of
 * surname, middle names, given name); literals between tokens: a-z 0-9 . - _
 */
#ifndef GOVMAIL_ADDRESS_TEMPLATE_H
#define GOVMAIL_ADDRESS_TEMPLATE_H

#include <stddef.h>

#define ADDRESS_DEFAULT_TEMPLATE "{given}{initials}"
#define ADDRESS_TEMPLATE_MAX	64	/* bytes in a template */
#define ADDRESS_NAME_MAX	128	/* characters in a full name */
#define ADDRESS_GENERATED_MAX	60	/* generated local part, before suffix */
#define ADDRESS_LOCAL_MAX	64	/* RFC 5321 local part */
#define ADDRESS_DOMAIN_MAX	253
#define ADDRESS_MAX		254	/* RFC 5321 path limit minus <> */

/* Validate a template. Returns 0, or -1 with a message in err. */
int address_template_check(const char *tmpl, char *err, size_t errlen);

/*
 * Local part for fullname with template tmpl (NULL: the default template;
 * "Nguyễn Văn An" with the default template gives "annv"). Runs name_check (ADDRESS_NAME_MAX
 * characters), name_fold_ascii and name_split, expands the template, then
 * collapses runs of the same separator (".", "-", "_") to one and strips
 * separators at both ends, so an empty token leaves no stray dot
 * ("{given}.{surname}" for "An" gives "an"). The result is a dot-atom of
 * [a-z0-9._-], 1..ADDRESS_GENERATED_MAX characters. Returns 0, or -1 with
 * a message in err (out is then "").
 */
int address_local_from_name(const char *tmpl, const char *fullname,
    char *out, size_t outlen, char *err, size_t errlen);

/*
 * Candidate n (n >= 1) for a local part when earlier ones are taken:
 * n == 1 gives local itself, n >= 2 appends n ("annv", "annv2", ...).
 * Returns 0, or -1 if n is 0, local is empty, the result would exceed
 * ADDRESS_LOCAL_MAX characters or does not fit in out.
 */
int address_candidate(const char *local, unsigned n, char *out, size_t outlen);

/*
 * Validate a full address typed by an admin: exactly one '@', a local part
 * of 1..ADDRESS_LOCAL_MAX characters from [a-z0-9._-+] in dot-atom form
 * (no leading, trailing or double dot), a domain accepted by
 * address_domain_check, at most ADDRESS_MAX characters in all. Uppercase
 * is rejected (lowercasing is the caller's job). Returns 0, or -1 with a
 * message in err.
 */
int address_check(const char *addr, char *err, size_t errlen);

/*
 * Validate a domain: dot-separated LDH labels (lowercase a-z, 0-9, '-',
 * not at either end of a label) of 1..63 characters, at most
 * ADDRESS_DOMAIN_MAX characters, no trailing dot, last label not all
 * digits. Returns 0, or -1 with a message in err.
 */
int address_domain_check(const char *domain, char *err, size_t errlen);

#endif
