/*
 * sign_pdfrev_child.h — the revision analysis of a signed PDF run in a
 * child process with memory and CPU limits (see sign_pdfrev_child.c).
 * Not for: the analysis itself (sign_pdfrev.h).
 */
#ifndef GOVMAIL_SIGN_PDFREV_CHILD_H
#define GOVMAIL_SIGN_PDFREV_CHILD_H

#include <stddef.h>

#include "sign_pdfrev.h"

/* Memory the analysis may take above what the child inherits. */
#define SIGN_PDFREV_MAX_MEMORY ((size_t)256 << 20)

/*
 * sign_pdfrev_check() in a child process (fork; no other thread of the
 * caller runs there) limited to SIGN_PDFREV_MAX_MEMORY more memory and
 * cpu_us_left microseconds of CPU (<= 0: no CPU limit). When the child
 * fails, runs out of either or crashes, the revisions it was to judge are
 * SIGN_PDFREV_UNCHECKED with the reason in change. Returns the CPU the
 * child used, in microseconds, for the caller's budget.
 */
long long sign_pdfrev_child_check(const unsigned char *buf, size_t len,
    struct sign_pdfrev_rev *revs, size_t nrevs, long long cpu_us_left);

#endif
