/*
 * apid_hrjobs.h — the hr/sync jobs of govmail-apid (apid_hrjobs.c): an
 * uploaded HR export planned, then applied on a second call naming the
 * plan, in a worker thread with its own directory connection.
 */
#ifndef GOVMAIL_APID_HRJOBS_H
#define GOVMAIL_APID_HRJOBS_H

struct apid_req;
struct apid_hrjobs;
struct apid_server;
struct audit_log;
struct govmail_conf;

/* srv: the server whose caches a job's writes make stale; c: the
 * configuration; dirconf: the same with the daemon's directory
 * identity (the jobs' connections); audit: the log opened at start. All
 * must outlive the jobs. */
struct apid_hrjobs *apid_hrjobs_new(struct apid_server *srv, const struct govmail_conf *c,
    const struct govmail_conf *dirconf, struct audit_log *audit);
/* Waits for a job being applied to finish, then forgets every job. */
void apid_hrjobs_free(struct apid_hrjobs *j);

/* POST /v1/hr/sync/jobs, GET /v1/hr/sync/jobs (the caller's), GET
 * /v1/hr/sync/jobs/{id}, GET .../plan,
 * POST .../apply, GET .../passwords, DELETE /v1/hr/sync/jobs/{id}. */
int apid_hrjob_create(struct apid_req *r);
int apid_hrjob_list(struct apid_req *r);
int apid_hrjob_get(struct apid_req *r);
int apid_hrjob_plan(struct apid_req *r);
int apid_hrjob_apply(struct apid_req *r);
int apid_hrjob_passwords(struct apid_req *r);
int apid_hrjob_delete(struct apid_req *r);

#endif
