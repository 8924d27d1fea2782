/*
 * dir_domain.h — the governed mail domains (entries under ou=domains):
 * add, look up, list, remove (refused while addresses or agencies use the
 * domain), and "is this domain ours and active" for the gateway and the CLI.
 * Domain names are stored and compared in lower case.
 * Not for: syntax rules of domain names (address_template.h) or output.
 */
#ifndef GOVMAIL_DIR_DOMAIN_H
#define GOVMAIL_DIR_DOMAIN_H

#include <stddef.h>

#include "dir.h"

#define DIR_DOMAIN_MAX 253          /* bytes in a domain name */
#define DIR_DOMAIN_DESCRIPTION_MAX 1024

/* Attributes read for a domain (NULL-terminated). */
extern const char *const dir_domain_attrs[];

struct dir_domain {
	char *dn;
	char *name;
	char *status;       /* active|alias|disabled; NULL if unset */
	char *alias_target; /* for alias domains */
	char *description;
};

/*
 * Lowercase and check a domain name into out (size outlen). 0, or -1 with
 * a message in err.
 */
int dir_domain_normalize(const char *domain, char *out, size_t outlen,
    char *err, size_t errlen);

/* DN of the domain (lowercased; xmalloc'd), NULL if unusable in a DN. */
char *dir_domain_dn(struct dir *d, const char *domain);

int dir_domain_from_entry(const struct dir_entry *e, struct dir_domain *dom);
void dir_domain_clear(struct dir_domain *dom);
void dir_domain_free(struct dir_domain *dom);

/* The domain entry; DIR_NOT_FOUND when the domain is not governed. */
enum dir_status dir_domain_get(struct dir *d, const char *domain,
    struct dir_domain **out);

/* Every domain, in directory order. cb returns non-zero to stop. */
typedef int (*dir_domain_cb)(const struct dir_domain *dom, void *arg);
enum dir_status dir_domain_list(struct dir *d, dir_domain_cb cb, void *arg);

/*
 * Add a governed domain with status active. DIR_EXISTS if it is there
 * already, DIR_CONSTRAINT for an invalid name. *mods_out (if not NULL) gets
 * the attributes written; *dn_out (if not NULL) the new DN.
 */
enum dir_status dir_domain_add(struct dir *d, const char *domain,
    const char *description, char *err, size_t errlen,
    struct dir_mods **mods_out, char **dn_out);

/*
 * Remove a domain. Refused (DIR_CONSTRAINT, counts in err) while any
 * account has its mail or an alias in the domain, any agency uses it as
 * its mail domain, or an alias domain points at it.
 */
enum dir_status dir_domain_remove(struct dir *d, const char *domain,
    char *err, size_t errlen, char **dn_out);

/* 1 if the domain is governed and active, 0 if not, -1 on an LDAP error. */
int dir_domain_is_active(struct dir *d, const char *domain);

#endif
