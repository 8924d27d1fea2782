/*
 * apid_hrjobs.c — the hr/sync resource of govmail-apid: an HR export
 * uploaded by an agency's HR system becomes a job. The job first plans (a
 * dry run: counts, one line per action, the rejected rows with their line
 * numbers and reasons, the mass lock-out guard's verdict); applying needs
 * a second call naming that plan, and is refused (409) when the plan made
 * again now differs (the directory or the file changed). Progress and
 * result are the job's state; the initial passwords are downloaded once.
 *
 * It is govmailctl hr sync, run as a job: the same reading (hr_import.c),
 * planning and pipelined writes (hr_sync.c), refusals and audit records
 * (hr_run.c), limited to the caller's agency subtree (hr_agencies_limit).
 *
 * Each job works in its own thread with its own directory connection (the
 * request threads of libmicrohttpd only start it and read its state). One
 * job at a time per agency subtree (an overlapping subtree included); a
 * job is kept apid.hr_job_ttl seconds after its last change, at most
 * apid.hr_max_jobs of them. The upload and the passwords are files of
 * apid.hr_job_dir (0600), removed with the job; the passwords file as soon
 * as it was downloaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/evp.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_account_cache.h"
#include "apid_accounts.h"
#include "apid_authcache.h"
#include "apid_auth.h"
#include "apid_dispatch.h"
#include "apid_hrjobs.h"
#include "apid_web.h"
#include "audit_log.h"
#include "audit_run.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "hr_import.h"
#include "hr_passwords.h"
#include "hr_run.h"
#include "hr_sync.h"
#include "log.h"
#include "xmalloc.h"

#define HRJ_MAX_REJECTED 1000     /* rejected rows listed in the job's state */

enum hrj_state { HRJ_QUEUED, HRJ_PLANNING, HRJ_PLANNED, HRJ_APPLYING, HRJ_DONE,
	HRJ_FAILED };

static const char *const hrj_state_names[] = { "queued", "planning", "planned",
	"applying", "done", "failed" };

struct hrjob {
	char id[33];
	char *agency;              /* the subtree's code; NULL: whole directory */
	char *agency_dn;
	char *actor;               /* who uploaded it */
	char *applier;             /* who applied it (may fetch the passwords) */
	char client[64];
	char label[160];           /* "api CLIENT job ID": audit source prefix */
	int disable_missing;
	enum hrj_state state;
	char *upload_path, *pw_path;
	time_t created, updated;
	pthread_t thread;
	int has_thread;
	struct dir *dir;           /* the job's own connection */
	/* the plan (worker only, until published as JSON below) */
	struct hr_agencies *ag;
	struct hr_file *hr;
	struct hr_plan *plan;
	struct hr_passwords *pw;
	struct audit_log *audit;   /* writes as the applier */
	/* published under the lock */
	json_t *summary;           /* rows, rejected, counts, guard */
	json_t *actions;           /* the plan, one object per action */
	json_t *result;
	char plan_hash[65];
	int guard_refused;
	char error[1024];
	size_t done, total;
	int passwords;             /* 0 none, 1 waiting for download, 2 taken */
};

struct apid_hrjobs {
	pthread_mutex_t mu;
	pthread_mutex_t recover_mu;  /* one completion of interrupted runs at once */
	const struct govmail_conf *conf;
	const struct govmail_conf *dirconf;
	struct audit_log *audit;
	struct hrjob **v;
	size_t n;
	struct apid_server *srv;     /* its caches are told when a job wrote */
};

struct apid_hrjobs *
apid_hrjobs_new(struct apid_server *srv, const struct govmail_conf *c,
    const struct govmail_conf *dirconf, struct audit_log *audit)
{
	struct apid_hrjobs *j = xcalloc(1, sizeof(*j));

	j->srv = srv;
	pthread_mutex_init(&j->mu, NULL);
	pthread_mutex_init(&j->recover_mu, NULL);
	j->conf = c;
	j->dirconf = dirconf;
	j->audit = audit;
	return j;
}

static int
hrj_running(const struct hrjob *job)
{
	return job->state == HRJ_QUEUED || job->state == HRJ_PLANNING ||
	    job->state == HRJ_APPLYING;
}

static void
hrj_unlink_pw(struct hrjob *job)
{
	char lock[1100];

	if (job->pw_path == NULL)
		return;
	unlink(job->pw_path);
	snprintf(lock, sizeof(lock), "%s.lock", job->pw_path);
	unlink(lock);
}

/* Free a job that no thread works on (its thread, if any, has ended). */
static void
hrj_free(struct hrjob *job)
{
	if (job->has_thread)
		pthread_join(job->thread, NULL);
	hr_plan_free(job->plan);
	hr_free(job->hr);
	hr_agencies_free(job->ag);
	hr_passwords_free(job->pw);
	if (job->audit != NULL)
		audit_close(job->audit);
	if (job->dir != NULL)
		dir_close(job->dir);
	if (job->upload_path != NULL)
		unlink(job->upload_path);
	hrj_unlink_pw(job);
	json_decref(job->summary);
	json_decref(job->actions);
	json_decref(job->result);
	free(job->upload_path);
	free(job->pw_path);
	free(job->agency);
	free(job->agency_dn);
	free(job->actor);
	free(job->applier);
	free(job);
}

void
apid_hrjobs_free(struct apid_hrjobs *j)
{
	size_t i;

	if (j == NULL)
		return;
	/* a running apply is waited for: its writes are not cut half-way */
	for (i = 0; i < j->n; i++)
		hrj_free(j->v[i]);
	free(j->v);
	pthread_mutex_destroy(&j->mu);
	pthread_mutex_destroy(&j->recover_mu);
	free(j);
}

/* Forget jobs past apid.hr_job_ttl (under the lock). */
static void
hrj_expire(struct apid_hrjobs *j, time_t now)
{
	size_t i = 0;

	while (i < j->n) {
		struct hrjob *job = j->v[i];

		if (!hrj_running(job) && now - job->updated > j->conf->apid_hr_job_ttl) {
			log_info("hr job %s expired", job->id);
			hrj_free(job);
			j->v[i] = j->v[--j->n];
		} else
			i++;
	}
}

static void
hrj_set_state(struct apid_hrjobs *j, struct hrjob *job, enum hrj_state st)
{
	pthread_mutex_lock(&j->mu);
	job->state = st;
	job->updated = time(NULL);
	pthread_mutex_unlock(&j->mu);
}

static void
hrj_fail(struct apid_hrjobs *j, struct hrjob *job, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
hrj_fail(struct apid_hrjobs *j, struct hrjob *job, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&j->mu);
	va_start(ap, fmt);
	vsnprintf(job->error, sizeof(job->error), fmt, ap);
	va_end(ap);
	job->state = HRJ_FAILED;
	job->updated = time(NULL);
	pthread_mutex_unlock(&j->mu);
	log_warnx("hr job %s failed: %s", job->id, job->error);
}

/* ---- planning ----------------------------------------------------------- */

static void
hrj_hash_str(EVP_MD_CTX *h, const char *s)
{
	/* with its terminating NUL: ("ab","c") and ("a","bc") differ */
	EVP_DigestUpdate(h, s != NULL ? s : "", strlen(s != NULL ? s : "") + 1);
}

/*
 * What names a plan: the upload, the options and every action as it would
 * be done (kind, row, entry, fields old -> new, why it cannot be done).
 * The values written by a create's password and a status change's time
 * are not part of it: they differ between two computations of the same
 * plan.
 */
static void
hrj_plan_hash(struct hrjob *job, const struct hr_plan *p, char out[65])
{
	unsigned char md[32], buf[65536];
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	char num[64];
	size_t i, k, n;
	FILE *fp;

	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1) {
		/* no hash: a name no apply can give */
		snprintf(out, 65, "unavailable");
		EVP_MD_CTX_free(h);
		return;
	}
	if ((fp = fopen(job->upload_path, "r")) != NULL) {
		while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
			EVP_DigestUpdate(h, buf, n);
		fclose(fp);
	}
	snprintf(num, sizeof(num), "%d", job->disable_missing);
	hrj_hash_str(h, num);
	hrj_hash_str(h, job->agency);
	for (i = 0; i < p->n; i++) {
		const struct hr_action *a = &p->actions[i];

		snprintf(num, sizeof(num), "%d %lu %d", (int)a->kind, a->line, (int)a->result);
		hrj_hash_str(h, num);
		hrj_hash_str(h, a->employee_id);
		hrj_hash_str(h, a->name);
		hrj_hash_str(h, a->address);
		hrj_hash_str(h, a->dn);
		hrj_hash_str(h, a->what);
		hrj_hash_str(h, a->error);
		for (k = 0; a->changes != NULL && k < a->changes->n; k++) {
			hrj_hash_str(h, a->changes->changes[k].field);
			hrj_hash_str(h, a->changes->changes[k].old);
			hrj_hash_str(h, a->changes->changes[k].new);
		}
	}
	EVP_DigestFinal_ex(h, md, NULL);
	EVP_MD_CTX_free(h);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* A string for JSON from the plan (valid UTF-8: checked by hr_read, or
 * read from the directory); NULL shows as null. */
static json_t *
hrj_jstr(const char *s)
{
	json_t *v;

	if (s == NULL)
		return apid_jnull();
	return (v = apid_jstr(s)) != NULL ? v : apid_jstr("(not UTF-8)");
}

static json_t *
hrj_counts_json(const struct hr_plan *p)
{
	json_t *o = json_object();
	int k;

	for (k = HR_ACT_CREATE; k <= HR_ACT_NOACCOUNT; k++)
		json_object_set_new(o, hr_act_name((enum hr_act)k),
		    json_integer((json_int_t)p->count[k]));
	json_object_set_new(o, "unchanged", json_integer((json_int_t)p->unchanged));
	return o;
}

static json_t *
hrj_action_json(const struct hr_action *a, int applied)
{
	json_t *o = json_object();

	json_object_set_new(o, "action", apid_jstr(hr_act_name(a->kind)));
	json_object_set_new(o, "employee_id", hrj_jstr(a->employee_id));
	json_object_set_new(o, "address", hrj_jstr(a->address));
	json_object_set_new(o, "name", hrj_jstr(a->name));
	json_object_set_new(o, "detail", hrj_jstr(a->what));
	json_object_set_new(o, "line", json_integer((json_int_t)a->line));
	if (a->error != NULL)
		json_object_set_new(o, "error", hrj_jstr(a->error));
	if (applied)
		json_object_set_new(o, "result", apid_jstr(a->result == DIR_OK ? "ok" :
		    "failed"));
	return o;
}

/* Publish the plan p as the job's summary and actions (under the lock). */
static void
hrj_publish_plan(struct apid_hrjobs *j, struct hrjob *job, const struct hr_plan *p,
    const char *hash, int guard, const char *guard_why)
{
	const struct hr_file *hr = job->hr;
	json_t *s = json_object(), *rej = json_array(), *acts = json_array(), *g;
	size_t i;

	json_object_set_new(s, "rows", json_integer((json_int_t)(hr->nrows + hr->nerrors)));
	for (i = 0; i < hr->nerrors && i < HRJ_MAX_REJECTED; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "line", json_integer((json_int_t)hr->errors[i].line));
		json_object_set_new(o, "employee_id", hrj_jstr(hr->errors[i].employee_id));
		json_object_set_new(o, "error", hrj_jstr(hr->errors[i].message));
		json_array_append_new(rej, o);
	}
	json_object_set_new(s, "rejected", rej);
	json_object_set_new(s, "rejected_total", json_integer((json_int_t)hr->nerrors));
	if (hr->torn_line != 0)
		json_object_set_new(s, "torn_line", json_integer((json_int_t)hr->torn_line));
	json_object_set_new(s, "counts", hrj_counts_json(p));
	json_object_set_new(s, "invalid", json_integer((json_int_t)p->invalid));
	g = json_object();
	json_object_set_new(g, "refused", json_boolean(guard));
	json_object_set_new(g, "lockouts", json_integer((json_int_t)hr_plan_lockouts(p)));
	json_object_set_new(g, "managed_active", json_integer((json_int_t)p->managed_active));
	json_object_set_new(g, "max_suspend_percent",
	    json_integer(j->conf->hr_max_suspend_percent));
	json_object_set_new(g, "max_suspend_floor",
	    json_integer(j->conf->hr_max_suspend_floor));
	if (guard)
		json_object_set_new(g, "reason", hrj_jstr(guard_why));
	json_object_set_new(s, "guard", g);
	for (i = 0; i < p->n; i++)
		json_array_append_new(acts, hrj_action_json(&p->actions[i], 0));
	pthread_mutex_lock(&j->mu);
	json_decref(job->summary);
	json_decref(job->actions);
	job->summary = s;
	job->actions = acts;
	snprintf(job->plan_hash, sizeof(job->plan_hash), "%s", hash);
	job->guard_refused = guard;
	job->updated = time(NULL);
	pthread_mutex_unlock(&j->mu);
}

/*
 * Read the upload and compute its plan against the directory now (with
 * passwords when pw is given: the plan to apply). The job's agencies, file
 * and plan are replaced. 0, or -1 with err (the job cannot go on).
 */
static int
hrj_compute(struct apid_hrjobs *j, struct hrjob *job, struct hr_passwords *pw,
    char hash[65], int *guard, char *guard_why, size_t whylen, char *err, size_t errlen)
{
	const struct govmail_conf *c = j->conf;
	int code;

	if (job->dir == NULL && (job->dir = dir_open(j->dirconf, err, errlen, &code)) == NULL)
		return -1;
	hr_plan_free(job->plan);
	hr_free(job->hr);
	hr_agencies_free(job->ag);
	job->plan = NULL;
	job->hr = NULL;
	if ((job->ag = hr_agencies_load(job->dir, err, errlen)) == NULL)
		return -1;
	if (job->agency != NULL && hr_agencies_limit(job->ag, job->agency, err, errlen) != 0)
		return -1;
	job->hr = hr_read(job->upload_path, (size_t)c->addr_max_name_length,
	    hr_agency_known, job->ag, err, errlen);
	if (job->hr == NULL)
		return -1;
	/* messages name the upload as the caller knows it, not our file */
	free(job->hr->path);
	job->hr->path = xstrdup(job->label);
	if (hr_run_file_refused(job->hr, job->disable_missing, err, errlen))
		return -1;
	job->plan = hr_plan_build(job->dir, c, job->hr, job->ag, job->disable_missing, pw,
	    err, errlen);
	if (job->plan == NULL)
		return -1;
	*guard = hr_run_guard_refused(job->plan, c, "apply with \"force\": true",
	    guard_why, whylen);
	hrj_plan_hash(job, job->plan, hash);
	return 0;
}

struct hrj_thread_arg {
	struct apid_hrjobs *j;
	struct hrjob *job;
};

static void *
hrj_plan_thread(void *arg)
{
	struct hrj_thread_arg *ta = arg;
	struct apid_hrjobs *j = ta->j;
	struct hrjob *job = ta->job;
	char err[1024], why[1024], hash[65];
	int guard = 0;

	free(ta);
	hrj_set_state(j, job, HRJ_PLANNING);
	if (hrj_compute(j, job, NULL, hash, &guard, why, sizeof(why), err,
	    sizeof(err)) != 0) {
		hrj_fail(j, job, "%s", err);
		return NULL;
	}
	hrj_publish_plan(j, job, job->plan, hash, guard, why);
	/* the dry run's structures and connection are not kept while the job
	 * waits for its apply, which computes the plan again on its own */
	hr_plan_free(job->plan);
	job->plan = NULL;
	dir_close(job->dir);
	job->dir = NULL;
	hrj_set_state(j, job, HRJ_PLANNED);
	log_info("hr job %s planned: plan %.12s", job->id, hash);
	return NULL;
}

/* ---- applying ----------------------------------------------------------- */

struct hrj_apply {
	struct audit_run *run;
	struct apid_hrjobs *j;
	struct hrjob *job;
	size_t reconnects;
};

/* Before each group of writes: a non-zero return sends nothing more. */
static int
hrj_intent(struct hr_action *const *acts, size_t n, void *arg)
{
	struct hrj_apply *ap = arg;

	if (hr_run_intent(ap->run, ap->job->label, acts, n) != 0) {
		log_warn("hr job %s: the audit log's intent record could not be written; "
		    "stopping", ap->job->id);
		return -1;
	}
	return 0;
}

/*
 * The directory went away mid-apply: go on with the next server of
 * ldap.uri that answers, as govmailctl hr sync does (at most as many
 * times as it names servers, so a job never cycles among dying ones);
 * hr_plan_apply first looks there for the writes whose answer was lost.
 */
static int
hrj_reconnect(size_t sent, size_t lost, void *arg)
{
	struct hrj_apply *ap = arg;
	char *was;

	if (ap->reconnects >= dir_server_count(ap->job->dir))
		return -1;
	ap->reconnects++;
	was = xstrdup(dir_uri(ap->job->dir));
	if (dir_reconnect(ap->job->dir, ap->j->dirconf) != DIR_OK) {
		free(was);
		return -1;
	}
	log_warnx("hr job %s: %s failed after %zu of %zu writes; going on with %s (first "
	    "checking there which of the %zu writes in flight took effect)", ap->job->id,
	    was, sent, ap->job->total, dir_uri(ap->job->dir), lost);
	free(was);
	return 0;
}

static void
hrj_done(struct hr_action *a, void *arg)
{
	struct hrj_apply *ap = arg;

	if (hr_run_record(ap->job->audit, ap->job->label, a) != 0)
		log_warn("hr job %s: %s %s was done but the audit log write failed",
		    ap->job->id, hr_audit_op(a->kind), a->address);
	pthread_mutex_lock(&ap->j->mu);
	ap->job->done++;
	pthread_mutex_unlock(&ap->j->mu);
}

static void *
hrj_apply_thread(void *arg)
{
	struct hrj_thread_arg *ta = arg;
	struct apid_hrjobs *j = ta->j;
	struct hrjob *job = ta->job;
	const struct govmail_conf *c = j->conf;
	struct hr_plan *p = job->plan;
	struct hrj_apply ap;
	enum dir_status st;
	char err[1024];
	json_t *res, *fails;
	size_t i;

	free(ta);
	memset(&ap, 0, sizeof(ap));
	ap.run = audit_run_new(job->audit, HR_RUN_COMMAND, job->label);
	ap.j = j;
	ap.job = job;
	/* every planned password is on disk before any account is made */
	hr_plan_passwords_before(p, job->pw);
	if (hr_passwords_dirty(job->pw) && hr_passwords_save(job->pw, err, sizeof(err)) != 0) {
		audit_run_free(ap.run);
		hrj_fail(j, job, "%s; nothing was changed", err);
		return NULL;
	}
	hr_plan_on_intent(p, hrj_intent, &ap);
	hr_plan_on_reconnect(p, hrj_reconnect, &ap);
	st = hr_plan_apply(job->dir, c, p, c->hr_pipeline_window, hrj_done, &ap);
	/* accounts made, changed, suspended: no cached read or credential
	 * may answer from before (apid_account_cache.h, apid_authcache.h) */
	apid_account_cache_changed(j->srv);
	apid_authcache_changed(j->srv);
	hr_plan_passwords_after(p, job->pw);
	if (hr_passwords_dirty(job->pw) && hr_passwords_save(job->pw, err, sizeof(err)) != 0)
		log_warnx("hr job %s: initial passwords: %s", job->id, err);
	if (st == DIR_UNAVAILABLE)
		log_warnx("hr job %s: no LDAP server answers: the outcome of the writes in "
		    "flight is unknown; the next hr sync completes their audit records",
		    job->id);
	else if (job->total > 0 && hr_run_summary(ap.run, job->hr, p, st) != 0)
		log_warn("hr job %s: the run's summary could not be written", job->id);
	audit_run_free(ap.run);
	res = json_object();
	json_object_set_new(res, "counts", hrj_counts_json(p));
	json_object_set_new(res, "writes", json_integer((json_int_t)p->writes));
	json_object_set_new(res, "failed", json_integer((json_int_t)p->failed));
	json_object_set_new(res, "invalid", json_integer((json_int_t)p->invalid));
	json_object_set_new(res, "rejected", json_integer((json_int_t)job->hr->nerrors));
	fails = json_array();
	for (i = 0; i < p->n && json_array_size(fails) < HRJ_MAX_REJECTED; i++)
		if (p->actions[i].result != DIR_OK)
			json_array_append_new(fails, hrj_action_json(&p->actions[i], 1));
	json_object_set_new(res, "failures", fails);
	json_object_set_new(res, "outcome", apid_jstr(st != DIR_OK || p->failed > 0 ?
	    "failed" : job->hr->nerrors > 0 || p->invalid > 0 ? "partial" : "ok"));
	pthread_mutex_lock(&j->mu);
	job->result = res;
	job->passwords = hr_passwords_count(job->pw) > 0 ? 1 : 0;
	if (st != DIR_OK)
		snprintf(job->error, sizeof(job->error), "the directory became unavailable "
		    "during the apply: %s", dir_error(job->dir));
	job->state = st == DIR_OK ? HRJ_DONE : HRJ_FAILED;
	job->updated = time(NULL);
	pthread_mutex_unlock(&j->mu);
	/* the job is finished: its connection, plan and passwords in memory go */
	hr_passwords_free(job->pw);
	job->pw = NULL;
	dir_close(job->dir);
	job->dir = NULL;
	audit_close(job->audit);
	job->audit = NULL;
	log_info("hr job %s applied: %zu writes, %zu failed", job->id, p->writes, p->failed);
	return NULL;
}

/* ---- requests ----------------------------------------------------------- */

/* A time as RFC 3339 UTC. */
static json_t *
hrj_time_json(time_t t)
{
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return apid_jnull();
	return apid_jstr(buf);
}

/* The job's state as JSON (under the lock). */
static json_t *
hrj_json(const struct hrjob *job)
{
	json_t *o = json_object(), *pr;
	const char *pw[] = { "none", "available", "downloaded" };

	json_object_set_new(o, "id", apid_jstr(job->id));
	json_object_set_new(o, "agency", hrj_jstr(job->agency));
	json_object_set_new(o, "state", apid_jstr(hrj_state_names[job->state]));
	json_object_set_new(o, "created_by", hrj_jstr(job->actor));
	json_object_set_new(o, "created", hrj_time_json(job->created));
	json_object_set_new(o, "updated", hrj_time_json(job->updated));
	json_object_set_new(o, "disable_missing", json_boolean(job->disable_missing));
	if (job->summary != NULL) {
		/* a copy: the answer is written out after the lock is released */
		json_t *copy = json_deep_copy(job->summary);

		json_object_set_new(o, "plan", apid_jstr(job->plan_hash));
		json_object_update(o, copy);
		json_decref(copy);
	}
	pr = json_object();
	json_object_set_new(pr, "done", json_integer((json_int_t)job->done));
	json_object_set_new(pr, "total", json_integer((json_int_t)job->total));
	json_object_set_new(o, "progress", pr);
	if (job->result != NULL)
		json_object_set_new(o, "result", json_deep_copy(job->result));
	json_object_set_new(o, "passwords", apid_jstr(pw[job->passwords]));
	if (job->error[0] != '\0')
		json_object_set_new(o, "error", hrj_jstr(job->error));
	return o;
}

/* A caller with a grant over the whole directory (province-admin). */
static int
hrj_whole(const struct api_caller *c)
{
	size_t i;

	for (i = 0; i < c->ngrants; i++)
		if (c->grants[i].agency_dn == NULL)
			return 1;
	return 0;
}

/* Whether two jobs' subtrees overlap (NULL: the whole directory). */
static int
hrj_overlap(const struct api_agency_tree *t, const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return 1;
	return api_agency_within(t, a, b) || api_agency_within(t, b, a);
}

/*
 * The job of the path, when the caller may work on it; called and
 * returning with the lock held. NULL with a problem queued in *ret: 404
 * when there is none or it lies outside every grant of the caller (alike),
 * 403 when the caller's role may not run hr sync there.
 */
static struct hrjob *
hrj_find(struct apid_req *r, struct apid_hrjobs *j, int *ret)
{
	struct hrjob *job = NULL;
	char rule[256];
	size_t i;

	hrj_expire(j, time(NULL));
	for (i = 0; i < j->n; i++)
		if (strcmp(j->v[i]->id, r->params[0]) == 0)
			job = j->v[i];
	if (job == NULL || !(job->agency_dn != NULL ?
	    api_authz_visible(r->caller, job->agency_dn) : hrj_whole(r->caller))) {
		*ret = apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0,
		    "no such HR sync job");
		return NULL;
	}
	if (!apid_allowed(r, API_OP_HR_SYNC, job->agency_dn, rule, sizeof(rule))) {
		*ret = apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "may not run hr sync on this job's agency");
		return NULL;
	}
	return job;
}

/* Make room for one more job (under the lock): the oldest finished job
 * whose passwords are not waiting goes. 0, or -1 when all are needed. */
static int
hrj_room(struct apid_hrjobs *j)
{
	size_t i, old = (size_t)-1;

	if (j->n < (size_t)j->conf->apid_hr_max_jobs)
		return 0;
	for (i = 0; i < j->n; i++) {
		const struct hrjob *job = j->v[i];

		if ((job->state == HRJ_DONE || job->state == HRJ_FAILED) &&
		    job->passwords != 1 && (old == (size_t)-1 ||
		    job->updated < j->v[old]->updated))
			old = i;
	}
	if (old == (size_t)-1)
		return -1;
	hrj_free(j->v[old]);
	j->v[old] = j->v[--j->n];
	return 0;
}

/* Write the upload to a new file of the job directory, 0600. */
static char *
hrj_store(struct apid_req *r, const char *id, char *err, size_t errlen)
{
	const struct govmail_conf *c = r->srv->conf;
	char *dirpath = conf_resolve_path(c, c->apid_hr_job_dir);
	char *path = xasprintf("%s/%s.upload", dirpath, id);
	size_t off = 0;
	ssize_t n;
	int fd;

	/* made by the first job (as apid.user, so it is the daemon's) */
	if (mkdir(dirpath, 0700) != 0 && errno != EEXIST)
		log_warn("%s", dirpath);
	free(dirpath);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	while (off < r->len) {
		if ((n = write(fd, r->body + off, r->len - off)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			free(path);
			return NULL;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

static int
hrj_start(struct apid_hrjobs *j, struct hrjob *job, void *(*fn)(void *))
{
	struct hrj_thread_arg *ta = xmalloc(sizeof(*ta));

	if (job->has_thread)
		pthread_join(job->thread, NULL);
	job->has_thread = 0;
	ta->j = j;
	ta->job = job;
	if (pthread_create(&job->thread, NULL, fn, ta) != 0) {
		free(ta);
		return -1;
	}
	job->has_thread = 1;
	return 0;
}

int
apid_hrjob_create(struct apid_req *r)
{
	static const char *const allowed[] = { "agency", "disable_missing", NULL };
	struct apid_hrjobs *j = r->srv->hrjobs;
	const char *agency = apid_query(r, "agency"), *dm = apid_query(r, "disable_missing");
	char code[80], id[33], err[1024];
	unsigned char rnd[16];
	struct hrjob *job;
	char *adn = NULL, *upload;
	size_t i;
	int ret;

	if (apid_query_only(r, allowed, &ret) != 0)
		return ret;
	if (dm != NULL && strcmp(dm, "true") != 0 && strcmp(dm, "false") != 0)
		return apid_problem(r, 400, "invalid-query", "Invalid query", "disable_missing",
		    NULL, 0, "disable_missing: true or false");
	if (r->len == 0)
		return apid_problem(r, 400, "empty-upload", "Empty upload", NULL, NULL, 0,
		    "the body must be the HR export (CSV with a header row, or JSON lines)");
	if (agency != NULL) {
		snprintf(code, sizeof(code), "%s", agency);
		dir_agency_code_lower(code);
		if (apid_dir(r) == NULL)
			return apid_dir_problem(r, DIR_UNAVAILABLE, "hr job");
		if (apid_agency_allowed(r, API_OP_HR_SYNC, code, "agency", &ret) != 0)
			return ret;
		if ((adn = dir_agency_dn(r->dir, code)) == NULL)
			return apid_dir_problem(r, dir_last_status(r->dir), "hr job");
	} else if (!hrj_whole(r->caller))
		return apid_problem(r, 403, "forbidden", "Forbidden", "agency",
		    "a job for the whole directory needs province-admin", 0,
		    "name the agency whose subtree the export covers: ?agency=CODE");
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		free(adn);
		return apid_problem(r, 500, "internal", "Internal error", NULL, NULL, 0,
		    "no randomness for a job id");
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	if ((upload = hrj_store(r, id, err, sizeof(err))) == NULL) {
		log_warnx("hr job: storing the upload: %s", err);
		free(adn);
		return apid_problem(r, 500, "job-storage", "Job storage unavailable", NULL,
		    "apid.hr_job_dir", 0, "the upload cannot be stored; see the server log");
	}
	pthread_mutex_lock(&j->mu);
	hrj_expire(j, time(NULL));
	for (i = 0; i < j->n; i++) {
		const struct hrjob *o = j->v[i];

		if ((hrj_running(o) || o->state == HRJ_PLANNED) &&
		    hrj_overlap(r->caller->tree, o->agency_dn, adn)) {
			pthread_mutex_unlock(&j->mu);
			unlink(upload);
			free(upload);
			free(adn);
			return apid_problem(r, 409, "job-running", "Another job runs on this "
			    "subtree", NULL, "one hr sync job per agency subtree", 0,
			    "job %s (%s, agency %s) is %s; wait for it, or DELETE it when it is "
			    "only planned", o->id, o->actor, o->agency ? o->agency :
			    "(whole directory)", hrj_state_names[o->state]);
		}
	}
	if (hrj_room(j) != 0) {
		pthread_mutex_unlock(&j->mu);
		unlink(upload);
		free(upload);
		free(adn);
		return apid_problem(r, 503, "too-many-jobs", "Too many jobs", NULL,
		    "apid.hr_max_jobs", 0, "%d HR sync jobs are kept already",
		    j->conf->apid_hr_max_jobs);
	}
	job = xcalloc(1, sizeof(*job));
	memcpy(job->id, id, sizeof(job->id));
	job->agency = agency != NULL ? xstrdup(code) : NULL;
	job->agency_dn = adn;
	job->actor = xstrdup(r->caller->actor);
	snprintf(job->client, sizeof(job->client), "%s", r->client);
	snprintf(job->label, sizeof(job->label), "api %s job %s", r->client, id);
	job->disable_missing = dm != NULL && strcmp(dm, "true") == 0;
	job->upload_path = upload;
	job->pw_path = xasprintf("%.*s.passwords", (int)(strlen(upload) - strlen(".upload")),
	    upload);
	job->state = HRJ_QUEUED;
	job->created = job->updated = time(NULL);
	if (hrj_start(j, job, hrj_plan_thread) != 0) {
		pthread_mutex_unlock(&j->mu);
		hrj_free(job);
		return apid_problem(r, 503, "busy", "Busy", NULL, NULL, 0,
		    "no thread for the job now");
	}
	j->v = xreallocarray(j->v, j->n + 1, sizeof(*j->v));
	j->v[j->n++] = job;
	{
		json_t *o = hrj_json(job);
		char loc[80];

		pthread_mutex_unlock(&j->mu);
		log_info("hr job %s created by %s from %s for %s (%zu bytes)", id,
		    r->caller->actor, r->client, agency != NULL ? code : "the whole directory",
		    r->len);
		snprintf(loc, sizeof(loc), "/v1/hr/sync/jobs/%s", id);
		ret = apid_reply(r, 202, o, "Location", loc);
		json_decref(o);
	}
	return ret;
}

int
apid_hrjob_get(struct apid_req *r)
{
	struct apid_hrjobs *j = r->srv->hrjobs;
	struct hrjob *job;
	json_t *o;
	int ret;

	pthread_mutex_lock(&j->mu);
	if ((job = hrj_find(r, j, &ret)) == NULL) {
		pthread_mutex_unlock(&j->mu);
		return ret;
	}
	o = hrj_json(job);
	pthread_mutex_unlock(&j->mu);
	ret = apid_reply(r, 200, o, NULL, NULL);
	json_decref(o);
	return ret;
}

/* Newest first; the id breaks ties so the order is stable. */
static int
hrj_newest_first(const void *a, const void *b)
{
	const struct hrjob *x = *(struct hrjob *const *)a, *y = *(struct hrjob *const *)b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * GET /v1/hr/sync/jobs: the jobs the caller could GET one by one (as
 * hrj_find decides: within its grants, and its role may run hr sync
 * there), newest first. There are at most apid.hr_max_jobs, so no paging;
 * each is the single job's state without the rejected rows (the job's own
 * GET lists those).
 */
int
apid_hrjob_list(struct apid_req *r)
{
	static const char *const allowed[] = { NULL };
	struct apid_hrjobs *j = r->srv->hrjobs;
	struct hrjob **v;
	json_t *o, *items;
	char rule[256];
	size_t i, n = 0;
	int ret;

	if (apid_query_only(r, allowed, &ret) != 0)
		return ret;
	/* a role that may run hr sync nowhere: 403, as on each job */
	if (!apid_allowed(r, API_OP_HR_SYNC, NULL, rule, sizeof(rule)))
		return apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "may not run hr sync");
	items = json_array();
	pthread_mutex_lock(&j->mu);
	hrj_expire(j, time(NULL));
	v = xcalloc(j->n + 1, sizeof(*v));
	for (i = 0; i < j->n; i++) {
		struct hrjob *job = j->v[i];

		if ((job->agency_dn != NULL ? api_authz_visible(r->caller, job->agency_dn) :
		    hrj_whole(r->caller)) &&
		    apid_allowed(r, API_OP_HR_SYNC, job->agency_dn, rule, sizeof(rule)))
			v[n++] = job;
	}
	qsort(v, n, sizeof(*v), hrj_newest_first);
	for (i = 0; i < n; i++) {
		json_t *one = hrj_json(v[i]);

		json_object_del(one, "rejected");
		json_array_append_new(items, one);
	}
	pthread_mutex_unlock(&j->mu);
	free(v);
	o = json_object();
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "total", json_integer((json_int_t)n));
	ret = apid_reply(r, 200, o, NULL, NULL);
	json_decref(o);
	return ret;
}

int
apid_hrjob_plan(struct apid_req *r)
{
	static const char *const allowed[] = { "offset", "limit", NULL };
	struct apid_hrjobs *j = r->srv->hrjobs;
	const struct govmail_conf *c = r->srv->conf;
	const char *so = apid_query(r, "offset"), *sl = apid_query(r, "limit");
	size_t off = 0, lim = (size_t)c->apid_page_size, i, n;
	struct hrjob *job;
	json_t *o, *items;
	char *end;
	int ret;

	if (apid_query_only(r, allowed, &ret) != 0)
		return ret;
	if (so != NULL) {
		unsigned long long v = strtoull(so, &end, 10);

		if (*so < '0' || *so > '9' || *end != '\0' || v > 10000000)
			return apid_problem(r, 400, "invalid-query", "Invalid query", "offset",
			    NULL, 0, "offset: a number of actions");
		off = (size_t)v;
	}
	if (sl != NULL) {
		unsigned long long v = strtoull(sl, &end, 10);

		if (*sl < '0' || *sl > '9' || *end != '\0' || v < 1 ||
		    v > (unsigned long long)c->apid_max_page_size)
			return apid_problem(r, 400, "invalid-query", "Invalid query", "limit",
			    "apid.max_page_size", 0, "limit: 1 to %d", c->apid_max_page_size);
		lim = (size_t)v;
	}
	pthread_mutex_lock(&j->mu);
	if ((job = hrj_find(r, j, &ret)) == NULL) {
		pthread_mutex_unlock(&j->mu);
		return ret;
	}
	if (job->actions == NULL) {
		const char *st = hrj_state_names[job->state];

		pthread_mutex_unlock(&j->mu);
		return apid_problem(r, 409, "not-planned", "No plan yet", NULL, NULL, 0,
		    "the job is %s and has no plan", st);
	}
	n = json_array_size(job->actions);
	items = json_array();
	for (i = off; i < n && i < off + lim; i++)
		json_array_append_new(items, json_deep_copy(json_array_get(job->actions, i)));
	o = json_object();
	json_object_set_new(o, "id", apid_jstr(job->id));
	json_object_set_new(o, "plan", apid_jstr(job->plan_hash));
	json_object_set_new(o, "total", json_integer((json_int_t)n));
	json_object_set_new(o, "offset", json_integer((json_int_t)off));
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "next_offset", off + lim < n ?
	    json_integer((json_int_t)(off + lim)) : apid_jnull());
	pthread_mutex_unlock(&j->mu);
	ret = apid_reply(r, 200, o, NULL, NULL);
	json_decref(o);
	return ret;
}

/* Back to planned after an apply that did not start (under no lock). */
static void
hrj_unapply(struct apid_hrjobs *j, struct hrjob *job, struct hr_passwords *pw)
{
	hr_passwords_free(pw);
	hrj_unlink_pw(job);
	hr_plan_free(job->plan);
	job->plan = NULL;
	if (job->audit != NULL)
		audit_close(job->audit);
	job->audit = NULL;
	hrj_set_state(j, job, HRJ_PLANNED);
}

int
apid_hrjob_apply(struct apid_req *r)
{
	struct apid_hrjobs *j = r->srv->hrjobs;
	const char *named = json_string_value(json_object_get(r->json, "plan"));
	int force = json_is_true(json_object_get(r->json, "force"));
	struct audit_recovery rec;
	struct hr_passwords *pw = NULL;
	char err[1024], why[1024], hash[65];
	struct hrjob *job;
	int ret, guard = 0, e;
	size_t i;

	pthread_mutex_lock(&j->mu);
	if ((job = hrj_find(r, j, &ret)) == NULL) {
		pthread_mutex_unlock(&j->mu);
		return ret;
	}
	if (job->state != HRJ_PLANNED) {
		const char *st = hrj_state_names[job->state];

		pthread_mutex_unlock(&j->mu);
		return apid_problem(r, 409, "not-planned", "Not ready to apply", NULL, NULL, 0,
		    "the job is %s: only a planned job can be applied", st);
	}
	if (strcmp(named, job->plan_hash) != 0) {
		pthread_mutex_unlock(&j->mu);
		return apid_problem(r, 409, "stale-plan", "Stale plan", "plan", NULL, 0,
		    "this job's plan is %s, not the one named: read the job again", job->plan_hash);
	}
	/* taken: no second apply, no delete, while it is checked */
	job->state = HRJ_APPLYING;
	job->updated = time(NULL);
	free(job->applier);
	job->applier = xstrdup(r->caller->actor);
	pthread_mutex_unlock(&j->mu);

	if ((job->audit = audit_dup(r->srv->audit, r->caller->actor)) == NULL) {
		log_warn("hr job %s: audit log", job->id);
		hrj_unapply(j, job, NULL);
		return apid_problem(r, 500, "audit-unavailable", "Audit log unavailable", NULL,
		    NULL, 0, "the audit log cannot be written; nothing was changed");
	}
	if (job->dir == NULL && (job->dir = dir_open(j->dirconf, err, sizeof(err), &e)) == NULL) {
		log_warnx("hr job %s: %s", job->id, err);
		hrj_unapply(j, job, NULL);
		return apid_problem(r, 503, "directory-unavailable", "Directory unavailable",
		    NULL, NULL, 0, "the directory cannot be reached now; nothing was changed");
	}
	/* interrupted runs (a govmailctl killed, an apid restarted) first */
	pthread_mutex_lock(&j->recover_mu);
	ret = hr_run_recover(job->audit, j->conf, job->dir, &rec, err, sizeof(err));
	pthread_mutex_unlock(&j->recover_mu);
	if (ret != 0) {
		log_warnx("hr job %s: completing the audit log of an interrupted hr sync: %s",
		    job->id, err);
		hrj_unapply(j, job, NULL);
		return apid_problem(r, 503, "directory-unavailable", "Directory unavailable",
		    NULL, NULL, 0, "the audit records of an interrupted hr sync cannot be "
		    "completed now; nothing was changed");
	}
	if (rec.runs > 0)
		log_info("hr job %s: the audit log held %zu interrupted hr sync runs: of %zu "
		    "announced changes, %zu had their record, %zu were found made and %zu "
		    "not made (recorded now)", job->id, rec.runs, rec.items, rec.logged,
		    rec.applied, rec.not_applied);
	if ((pw = hr_passwords_open(job->pw_path, &e, err, sizeof(err))) == NULL) {
		log_warnx("hr job %s: %s", job->id, err);
		hrj_unapply(j, job, NULL);
		return apid_problem(r, 500, "job-storage", "Job storage unavailable", NULL,
		    "apid.hr_job_dir", 0, "the initial passwords cannot be kept; nothing was "
		    "changed");
	}
	/* the plan again, now, with passwords: the one applied */
	if (hrj_compute(j, job, pw, hash, &guard, why, sizeof(why), err, sizeof(err)) != 0) {
		log_warnx("hr job %s: %s", job->id, err);
		hrj_unapply(j, job, pw);
		if (job->dir != NULL && dir_last_status(job->dir) != DIR_OK) {
			dir_close(job->dir);
			job->dir = NULL;
			return apid_problem(r, 503, "directory-unavailable",
			    "Directory unavailable", NULL, NULL, 0, "the plan cannot be made "
			    "again now; nothing was changed");
		}
		/* the directory answered: the upload cannot be planned any more
		 * (e.g. its agency was removed meanwhile) */
		return apid_problem(r, 409, "stale-plan", "Stale plan", "plan", NULL, 0,
		    "the plan cannot be made again: %s; nothing was changed", err);
	}
	if (strcmp(hash, named) != 0) {
		hrj_publish_plan(j, job, job->plan, hash, guard, why);
		hrj_unapply(j, job, pw);
		log_info("hr job %s: plan %.12s is stale, now %.12s", job->id, named, hash);
		return apid_problem(r, 409, "stale-plan", "Stale plan", "plan", NULL, 0,
		    "the directory or the export changed since plan %s was made: nothing was "
		    "changed; the job's plan is now %s: review it, then apply naming it",
		    named, hash);
	}
	if (guard && !force) {
		struct audit_run *run = audit_run_new(job->audit, HR_RUN_COMMAND, job->label);

		if (audit_run_refused(run, why) != 0)
			log_warn("hr job %s: the audit log write failed", job->id);
		audit_run_free(run);
		hrj_unapply(j, job, pw);
		return apid_problem(r, 409, "guard-refused", "Refused by the lock-out guard",
		    "force", "hr.max_suspend_percent", 0, "%s", why);
	}
	pthread_mutex_lock(&j->mu);
	job->pw = pw;
	job->done = job->total = 0;
	for (i = 0; i < job->plan->n; i++)
		if (job->plan->actions[i].mods != NULL && job->plan->actions[i].result == DIR_OK)
			job->total++;
	if (hrj_start(j, job, hrj_apply_thread) != 0) {
		job->pw = NULL;
		pthread_mutex_unlock(&j->mu);
		hrj_unapply(j, job, pw);
		return apid_problem(r, 503, "busy", "Busy", NULL, NULL, 0,
		    "no thread for the job now");
	}
	{
		json_t *o = hrj_json(job);

		pthread_mutex_unlock(&j->mu);
		log_info("hr job %s applied by %s from %s: %zu writes", job->id,
		    r->caller->actor, r->client, job->total);
		ret = apid_reply(r, 202, o, NULL, NULL);
		json_decref(o);
	}
	return ret;
}

/* libmicrohttpd frees the passwords' buffer through this: wiped first. */
static void
hrj_wipe_free(void *p)
{
	explicit_bzero(p, strlen(p));
	free(p);
}

int
apid_hrjob_passwords(struct apid_req *r)
{
	struct apid_hrjobs *j = r->srv->hrjobs;
	struct MHD_Response *resp;
	struct hrjob *job;
	char *buf;
	size_t n;
	FILE *fp;
	int ret;

	pthread_mutex_lock(&j->mu);
	if ((job = hrj_find(r, j, &ret)) == NULL) {
		pthread_mutex_unlock(&j->mu);
		return ret;
	}
	if (job->passwords != 1) {
		const char *why = job->passwords == 2 ? "were downloaded already" :
		    job->state == HRJ_DONE || job->state == HRJ_FAILED ?
		    "were never made: the job created no account" :
		    "are made when the job is applied";

		pthread_mutex_unlock(&j->mu);
		return apid_problem(r, job->passwords == 2 ? 410 : 404, "no-passwords",
		    "No initial passwords", NULL, NULL, 0, "this job's initial passwords %s",
		    why);
	}
	if (job->applier == NULL || strcmp(job->applier, r->caller->actor) != 0) {
		pthread_mutex_unlock(&j->mu);
		return apid_problem(r, 403, "forbidden", "Forbidden", NULL,
		    "only the caller who applied a job fetches its initial passwords", 0,
		    "the job was applied by another caller");
	}
	buf = NULL;
	if ((fp = fopen(job->pw_path, "r")) != NULL) {
		buf = xmalloc(16u * 1024 * 1024 + 1);
		n = fread(buf, 1, 16u * 1024 * 1024, fp);
		buf[n] = '\0';
		fclose(fp);
	}
	if (buf == NULL) {
		pthread_mutex_unlock(&j->mu);
		log_warn("hr job %s: %s", job->id, job->pw_path);
		return apid_problem(r, 500, "job-storage", "Job storage unavailable", NULL,
		    "apid.hr_job_dir", 0, "the initial passwords cannot be read");
	}
	/* once: the file goes now */
	hrj_unlink_pw(job);
	job->passwords = 2;
	job->updated = time(NULL);
	log_info("hr job %s: initial passwords downloaded by %s from %s", job->id,
	    r->caller->actor, r->client);
	pthread_mutex_unlock(&j->mu);
	resp = MHD_create_response_from_buffer_with_free_callback(strlen(buf), buf,
	    hrj_wipe_free);
	MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	apid_web_headers(r, resp);
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
	return ret;
}

int
apid_hrjob_delete(struct apid_req *r)
{
	struct apid_hrjobs *j = r->srv->hrjobs;
	struct hrjob *job;
	size_t i;
	int ret;

	pthread_mutex_lock(&j->mu);
	if ((job = hrj_find(r, j, &ret)) == NULL) {
		pthread_mutex_unlock(&j->mu);
		return ret;
	}
	if (hrj_running(job)) {
		const char *st = hrj_state_names[job->state];

		pthread_mutex_unlock(&j->mu);
		return apid_problem(r, 409, "job-running", "Job running", NULL, NULL, 0,
		    "the job is %s; it can be deleted when it is planned, done or failed", st);
	}
	for (i = 0; i < j->n; i++)
		if (j->v[i] == job)
			j->v[i] = j->v[--j->n];
	log_info("hr job %s deleted by %s", job->id, r->caller->actor);
	hrj_free(job);
	pthread_mutex_unlock(&j->mu);
	return apid_reply(r, 204, NULL, NULL, NULL);
}
