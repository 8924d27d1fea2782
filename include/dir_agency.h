/*
 * dir_agency.h — agencies in the directory: validation of their fields,
 * lookup, listing, creation, change and removal, and the walk of the agency
 * tree (an agency's descendants). Agencies are flat entries under
 * ou=agencies; the tree is held by govmailParentAgency.
 * Not for: output formatting or CSV parsing (govmailctl's cmd_agency.c).
 */
#ifndef GOVMAIL_DIR_AGENCY_H
#define GOVMAIL_DIR_AGENCY_H

#include <stddef.h>

#include "dir.h"

#define DIR_AGENCY_CODE_MAX  64   /* bytes: [a-z0-9-] */
#define DIR_AGENCY_NAME_MAX  256  /* characters (code points) */
#define DIR_AGENCY_MAX_DEPTH 16   /* levels below a root agency */

/* Attributes read for an agency (NULL-terminated). */
extern const char *const dir_agency_attrs[];

/* An agency as read from the directory; strings are owned by the struct. */
struct dir_agency {
	char *dn;
	char *code;
	char *name;
	char *level;
	char *parent;   /* NULL for a top-level agency */
	char *domain;   /* NULL when the agency has no domain of its own */
	char *status;   /* "active" or "retired"; NULL if unset */
	char *merged_into; /* retired by agency merge: the agency it went into */
	char *csn;      /* entryCSN as read: the version DIR_AGENCY_IF_UNCHANGED
	                 * asserts; NULL if the server gave none */
};

/*
 * Wanted values for a creation or a change. For a change, NULL leaves a
 * field alone and "" removes parent or domain; for a creation NULL and ""
 * both mean "none".
 */
struct dir_agency_fields {
	const char *code;
	const char *name;
	const char *level;
	const char *parent;
	const char *domain;
};

/* The note agency merge adds to the retired agency's description:
 * "merged into DST on YYYY-MM-DD". */
#define DIR_AGENCY_MERGED_NOTE "merged into"

/* Checks of one value. 0 if valid, else -1 with a message in err. */
int dir_agency_code_valid(const char *code, char *err, size_t errlen);
int dir_agency_name_valid(const char *name, char *err, size_t errlen);
int dir_agency_level_valid(const char *level, char *err, size_t errlen);
/* Every field that is set; for a creation code, name and level are required. */
int dir_agency_fields_valid(const struct dir_agency_fields *f, int creating,
    char *err, size_t errlen);

/* Lowercase an agency code in place (codes are case-insensitive in LDAP). */
void dir_agency_code_lower(char *code);

/* DN of the agency with this code (xmalloc'd), NULL if the code is unusable. */
char *dir_agency_dn(struct dir *d, const char *code);

/* Fill a from a directory entry (strings copied). 0, or -1 if not an agency. */
int dir_agency_from_entry(const struct dir_entry *e, struct dir_agency *a);
void dir_agency_clear(struct dir_agency *a);

/* DST of the "merged into DST on ..." note among the descriptions of an
 * agency's entry (xmalloc'd, lower case), or NULL if it has none. */
char *dir_agency_merged_into(const struct dir_entry *e);

/*
 * Whether an agency may take sub-agencies and accounts: 0 if its status is
 * active (or unset), else -1 with why = "agency A was merged into B" or
 * "agency A is retired". A retired agency stays so until an administrator
 * sets its status back to active.
 */
int dir_agency_usable(const char *code, const char *status, const char *merged_into,
    char *why, size_t whylen);
void dir_agency_free(struct dir_agency *a);

/* The agency with this code. DIR_NOT_FOUND when there is none. */
enum dir_status dir_agency_get(struct dir *d, const char *code,
    struct dir_agency **out);

/* Agencies, optionally only children of parent and/or of one level (NULL:
 * any). cb returns 0 to go on; a non-zero value stops the listing. */
typedef int (*dir_agency_cb)(const struct dir_agency *a, void *arg);
enum dir_status dir_agency_list(struct dir *d, const char *parent,
    const char *level, dir_agency_cb cb, void *arg);

/* Skip the directory checks of parent and domain (the caller, e.g. a bulk
 * load working on the whole tree in memory, has done them). */
#define DIR_AGENCY_TRUSTED_REFS 0x1
/* dir_agency_modify writes only while the entry is still at the version cur
 * was read at (cur->csn; an RFC 4528 assertion slapd checks with the write):
 * DIR_CHANGED if it changed since. An HTTP If-Match made atomic. */
#define DIR_AGENCY_IF_UNCHANGED 0x2

/*
 * Checks against the directory for an agency code placed under parent with
 * domain (either may be NULL/""): the parent exists, is not the agency
 * itself nor one of its descendants nor retired (merged away), and the tree stays within
 * DIR_AGENCY_MAX_DEPTH; the domain is an active governed domain.
 * DIR_OK, DIR_NOT_FOUND (unknown parent), DIR_CONSTRAINT (invalid), or the
 * LDAP failure; message in err.
 */
enum dir_status dir_agency_check_refs(struct dir *d, const char *code,
    const char *parent, const char *domain, char *err, size_t errlen);

/*
 * Create an agency (status active). DIR_EXISTS if the code is taken.
 * On success *mods_out (if not NULL) gets the attributes written, for the
 * audit log; the caller frees it with dir_mods_free.
 */
enum dir_status dir_agency_create(struct dir *d, const struct dir_agency_fields *f,
    unsigned flags, char *err, size_t errlen, struct dir_mods **mods_out);

/*
 * The modifications that turn cur into what f asks for (may be empty:
 * dir_mods_count() == 0). Does not validate f.
 */
struct dir_mods *dir_agency_diff(const struct dir_agency *cur,
    const struct dir_agency_fields *f);

/*
 * Change the agency cur->code as f asks (f->code is ignored). Writes only if
 * something differs; *mods_out gets the modifications (possibly none).
 * With DIR_AGENCY_IF_UNCHANGED: DIR_CHANGED if the entry changed since cur
 * was read (nothing written).
 */
enum dir_status dir_agency_modify(struct dir *d, const struct dir_agency *cur,
    const struct dir_agency_fields *f, unsigned flags, char *err, size_t errlen,
    struct dir_mods **mods_out);

/* Number of accounts whose govmailAgency is code. */
enum dir_status dir_agency_count_accounts(struct dir *d, const char *code, size_t *n);
/* Number of agencies whose parent is code. */
enum dir_status dir_agency_count_children(struct dir *d, const char *code, size_t *n);

/*
 * Remove an agency; refused (DIR_CONSTRAINT, with the counts in err) while
 * accounts or sub-agencies remain. DIR_NOT_FOUND if there is no such agency.
 * *dn_out (if not NULL) gets the removed entry's DN (free()).
 */
enum dir_status dir_agency_remove(struct dir *d, const char *code, char *err,
    size_t errlen, char **dn_out);

/*
 * Codes of the agency and all agencies below it (breadth-first, the agency
 * itself first), at most DIR_AGENCY_MAX_DEPTH levels down; a cycle in the
 * stored tree does not loop. *codes is an array of *n malloc'd strings, free
 * with dir_agency_codes_free. Returns a dir_status value: DIR_OK (0),
 * DIR_NOT_FOUND if the agency does not exist, or the LDAP failure.
 */
int dir_agency_descendants(struct dir *d, const char *code,
    char ***codes, size_t *n);
void dir_agency_codes_free(char **codes, size_t n);

/* The agency's own govmailMaySendExternal (*may: 1, 0, or -1 if it does
 * not set it) and its parent's code (parent "" for none). An unknown
 * agency is "not set, no parent" (DIR_OK). (dir_agency_external.c) */
enum dir_status dir_agency_external(struct dir *d, const char *code, int *may,
    char *parent, size_t plen);

#endif
