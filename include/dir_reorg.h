/*
 * dir_reorg.h — administrative reorganisations of the directory: merging
 * an agency into another (accounts and sub-agencies move, the old agency is
 * retired) and migrating accounts to a new mail domain (primary address in
 * the new domain, the old one kept as an alias).
 *
 * Both work in two steps. A plan is read from the directory (nothing is
 * written) and lists every entry still to change; applying it changes one
 * entry per modify operation, so an interrupted run leaves each entry
 * either done or untouched. A later plan sees only what is left, which
 * makes both operations restartable, and a plan of a finished
 * reorganisation is empty.
 * Not for: output or the audit log — the caller hears of every change
 * through a callback (govmailctl's cmd_reorg.c).
 */
#ifndef GOVMAIL_DIR_REORG_H
#define GOVMAIL_DIR_REORG_H

#include <stddef.h>

#include "dir.h"
#include "dir_agency.h"

enum dir_reorg_kind {
	DIR_REORG_MERGE,        /* agency merge SRC --into DST */
	DIR_REORG_MIGRATE       /* domain migrate OLD NEW */
};

/* The closing step: retire SRC, or make OLD an alias domain of NEW. */
enum dir_reorg_final {
	DIR_REORG_FINAL_NONE,    /* not part of this run (migrate --agency) */
	DIR_REORG_FINAL_DONE,    /* in its final state (already, or by apply) */
	DIR_REORG_FINAL_TODO,    /* to be done after the accounts and agencies */
	DIR_REORG_FINAL_BLOCKED  /* migrate: held back, see plan->blocked_why */
};

/* One account the plan changes. Strings are owned by the plan. */
struct dir_reorg_account {
	char *dn;
	char *uid;
	char *address;          /* its primary address now */
	char *agency;           /* its agency now */
	/* migrate only: */
	char *new_address;      /* the primary address it gets in NEW */
	int promote;            /* new_address is one of its aliases already */
	char **add_aliases;     /* aliases added: the old primary address, then
	                         * the NEW forms of its aliases in OLD */
	size_t nadd_aliases;
	char **skipped;         /* NEW forms not added: another account has them */
	size_t nskipped;
	char *conflict_why;     /* non-NULL: left unchanged, and why */
	char *conflict_uid;     /* the other account holding new_address, */
	char *conflict_address; /* and its primary address (may be NULL) */
	int done;               /* set by dir_reorg_apply */
};

/* One agency the plan changes: a sub-agency of SRC to re-parent (merge),
 * or an agency whose own mail domain is OLD (migrate). */
struct dir_reorg_agency {
	char *dn;
	char *code;
	char *from;             /* its parent (merge) or mail domain (migrate) now */
	int done;
};

struct dir_reorg_plan {
	enum dir_reorg_kind kind;
	char *from;             /* SRC agency code or OLD domain (lower case) */
	char *to;               /* DST agency code or NEW domain */
	char *scope;            /* migrate --agency CODE, else NULL */
	char *source;           /* audit source, e.g. "merge snv->stp" */
	struct dir_reorg_account *accounts;   /* sorted by uid */
	size_t naccounts;
	struct dir_reorg_agency *agencies;    /* sorted by code */
	size_t nagencies;
	size_t nconflicts;      /* accounts left unchanged (migrate) */
	enum dir_reorg_final final;
	char *final_dn;         /* SRC's or OLD's entry */
	int final_status;       /* apply must set SRC retired / OLD alias */
	int final_note;         /* merge: apply must add the "merged into" note */
	char blocked_why[256];
};

/* The note added to SRC's description: "merged into DST on YYYY-MM-DD". */
#define DIR_REORG_MERGED_NOTE DIR_AGENCY_MERGED_NOTE

/*
 * Plan merging agency src into dst (codes in lower case, valid). Refused
 * with DIR_NOT_FOUND when either agency does not exist, DIR_CONSTRAINT when
 * src == dst, dst is retired, dst is src or below it (a cycle), or the tree
 * would get deeper than DIR_AGENCY_MAX_DEPTH; the reason is in err. SRC may
 * already be retired (a run that was interrupted, or repeated).
 */
enum dir_status dir_reorg_merge_plan(struct dir *d, const char *src,
    const char *dst, struct dir_reorg_plan **out, char *err, size_t errlen);

/*
 * Plan migrating the accounts whose primary address is in old_domain to
 * new_domain (both normalized), all of them, or with agency != NULL only
 * those of that agency and the agencies below it. new_domain must be an
 * active governed domain, old_domain a governed one that is active or
 * already an alias of new_domain. With agency != NULL, the agencies in
 * scope that have no mail domain of their own while default_domain (the
 * configured addresses.default_domain) is old_domain get new_domain as
 * theirs, so their new accounts are made in new_domain too.
 * DIR_NOT_FOUND: unknown agency; DIR_CONSTRAINT: the domains do not
 * qualify (err says why).
 */
enum dir_status dir_reorg_migrate_plan(struct dir *d, const char *old_domain,
    const char *new_domain, const char *agency, const char *default_domain,
    struct dir_reorg_plan **out, char *err, size_t errlen);

/* 1 if applying the plan would change something, else 0. */
int dir_reorg_has_work(const struct dir_reorg_plan *p);

/* What dir_reorg_apply reports after each step. */
enum dir_reorg_step {
	DIR_REORG_STEP_ACCOUNT,
	DIR_REORG_STEP_AGENCY,
	DIR_REORG_STEP_FINAL
};

struct dir_reorg_event {
	enum dir_reorg_step step;
	size_t index;                 /* into accounts or agencies */
	/* DIR_OK: written (mods is what was written); DIR_CONSTRAINT: a
	 * migrating account whose new address is taken, left unchanged
	 * (mods NULL). */
	enum dir_status status;
	const char *dn;
	const struct dir_mods *mods;
};

/* Return 0 to go on; non-zero stops dir_reorg_apply (DIR_ERROR). */
typedef int (*dir_reorg_cb)(const struct dir_reorg_plan *p,
    const struct dir_reorg_event *ev, void *arg);

/*
 * Apply a plan: accounts, then agencies, then the final step, each entry
 * in one modify, cb called after each. A migrating account whose new
 * address another account took meanwhile is a conflict, not a failure;
 * any conflict holds back OLD becoming an alias domain (plan->final is
 * then DIR_REORG_FINAL_BLOCKED). Returns DIR_OK when every step was done
 * or reported as a conflict, otherwise the failure (message in err) with
 * the steps not reached left undone.
 */
enum dir_status dir_reorg_apply(struct dir *d, struct dir_reorg_plan *p,
    dir_reorg_cb cb, void *arg, char *err, size_t errlen);

void dir_reorg_plan_free(struct dir_reorg_plan *p);

/* What applying the plan changed on account a, as the account model says
 * it (agency for a merge; address and aliases added for a migration),
 * for the audit log. r->mods stays NULL; account_result_clear frees it. */
struct account_result;
void dir_reorg_account_changes(const struct dir_reorg_plan *p,
    const struct dir_reorg_account *a, struct account_result *r);

#endif
