/*
 * apid_agency_counts.h — the account counts of GET /v1/agencies?counts=true:
 * read in one search of the directory (dir_agency_counts.h) and kept for
 * apid.account_cache_ttl seconds, like account reads. Every change made
 * through this govmail-apid forgets them (with the account cache), so the
 * tree shows its own writes at once; changes made elsewhere (govmailctl,
 * hr sync) show within the ttl.
 */
#ifndef GOVMAIL_APID_AGENCY_COUNTS_H
#define GOVMAIL_APID_AGENCY_COUNTS_H

struct apid_req;
struct apid_server;
struct dir;
struct dir_agency_counts;

void apid_agency_counts_init(struct apid_server *srv);
void apid_agency_counts_free(struct apid_server *srv);
/* Something changed through this govmail-apid. */
void apid_agency_counts_changed(struct apid_server *srv);

/* The counts, from the cache or read through d: DIR_OK with *out (free
 * with dir_agency_counts_free), or the directory's failure. */
int apid_agency_counts(struct apid_req *r, struct dir *d, struct dir_agency_counts **out);

#endif
