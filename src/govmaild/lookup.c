/*
 * lookup.c — directory lookups for govmaild (see lookup.h).
 *
 * One LDAP connection, shared under a mutex: libldap handles are not for
 * concurrent use, and with the cache most policy questions never reach
 * LDAP. The cache is an array of policy.cache_entries slots addressed by
 * a hash of the question ("d:domain", "a:address", "g:agency", "s:uid"
 * for who may sign as the sender); a collision simply replaces the older
 * answer, so its size is bounded without any eviction bookkeeping. Only
 * definite answers (yes/no) are cached, never failures.
 * With several servers (ldap.read_uri, ldap.uri) the connection is opened
 * for reads (dir_open_read): on the first server that answers; when it
 * fails, the retry goes to the next; once the preferred server's
 * ldap.retry_after has passed, the connection is reopened to try it again.
 * Every switch is logged (dir_failover_note -> log_warnx).
 */
#include <ldap.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_cert.h"
#include "dir_domain.h"
#include "dir_failover.h"
#include "log.h"
#include "lookup.h"
#include "xmalloc.h"

/* ---- the shared connection ------------------------------------------------ */

static pthread_mutex_t lookup_dir_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dir *lookup_dir;
static char *lookup_dir_key;     /* the ldap { } settings it was opened with */
/* After a failed connect, answer "unavailable" at once until then, so that
 * sessions do not queue on the lock behind one connect timeout each. */
static uint64_t lookup_down_until;
static char lookup_down_why[300];
/* The server the last connection was on, to log a change of server. */
static char lookup_last_uri[512];

static char *
lookup_settings(const struct govmail_conf *c)
{
	return xasprintf("%s|%s|%s|%d|%s|%d|%d|%d|%s|%s|%s|%d", c->ldap_uri, c->ldap_bind_dn,
	    c->ldap_bind_password_file, c->ldap_sasl_external, c->ldap_base_dn,
	    c->ldap_starttls, c->ldap_timeout, c->ldap_network_timeout,
	    c->ldap_tls_ca_file, c->ldap_tls_require_cert, c->ldap_read_uri,
	    c->ldap_retry_after);
}

static void
lookup_note(const char *msg)
{
	log_warnx("%s", msg);
}

static void
lookup_close_locked(void)
{
	if (lookup_dir != NULL)
		dir_close(lookup_dir);
	lookup_dir = NULL;
	free(lookup_dir_key);
	lookup_dir_key = NULL;
}

static uint64_t lookup_now(void);

static struct dir *
lookup_get_locked(const struct govmail_conf *c, char *why, size_t whylen)
{
	char *key = lookup_settings(c), err[512];
	int code, backoff;

	if (lookup_dir != NULL && strcmp(key, lookup_dir_key) != 0)
		lookup_close_locked();
	/* A preferred server may be back: reopen, which tries it first. */
	if (lookup_dir != NULL && dir_preferred_back(lookup_dir)) {
		log_info("LDAP: trying the preferred server again (now on %s)",
		    dir_uri(lookup_dir));
		lookup_close_locked();
	}
	if (lookup_dir == NULL) {
		dir_failover_set_notify(lookup_note);
		if (lookup_now() < lookup_down_until) {
			snprintf(why, whylen, "%s", lookup_down_why);
			free(key);
			return NULL;
		}
		if ((lookup_dir = dir_open_read(c, err, sizeof(err), &code)) == NULL) {
			snprintf(why, whylen, "directory unavailable: %s", err);
			snprintf(lookup_down_why, sizeof(lookup_down_why), "%s", why);
			/* Once per back-off period at most: an operator must see why
			 * (a certificate that does not verify, a wrong password). */
			log_warnx("%s", why);
			backoff = c->ldap_network_timeout < 1 ? 1 :
			    c->ldap_network_timeout > 10 ? 10 : c->ldap_network_timeout;
			lookup_down_until = lookup_now() + (uint64_t)backoff;
			free(key);
			return NULL;
		}
		lookup_down_until = 0;
		lookup_dir_key = key;
		if (strcmp(lookup_last_uri, dir_uri(lookup_dir)) != 0) {
			if (lookup_last_uri[0] != '\0')
				log_warnx("LDAP: now using %s (was %s)", dir_uri(lookup_dir),
				    lookup_last_uri);
			snprintf(lookup_last_uri, sizeof(lookup_last_uri), "%s",
			    dir_uri(lookup_dir));
		}
		return lookup_dir;
	}
	free(key);
	return lookup_dir;
}

enum dir_status
lookup_with_dir(const struct govmail_conf *c, lookup_fn fn, void *arg, char *why,
    size_t whylen)
{
	enum dir_status st = DIR_UNAVAILABLE;
	struct dir *d;
	int attempt;

	pthread_mutex_lock(&lookup_dir_lock);
	for (attempt = 0; attempt < 2; attempt++) {
		if ((d = lookup_get_locked(c, why, whylen)) == NULL)
			break;
		st = fn(d, arg);
		if (st != DIR_UNAVAILABLE && st != DIR_ERROR) {
			snprintf(why, whylen, "%s", st == DIR_OK ? "ok" : dir_error(d));
			break;
		}
		/* A stale connection (server restarted, idle timeout): reopen once. */
		snprintf(why, whylen, "%s", dir_error(d));
		lookup_close_locked();
		st = DIR_UNAVAILABLE;
	}
	pthread_mutex_unlock(&lookup_dir_lock);
	return st;
}

/* ---- the cache -------------------------------------------------------------- */

struct lookup_slot {
	uint64_t expires;            /* monotonic seconds */
	enum policy_lookup res;
	struct policy_account acct;
	struct lookup_signer *signer;  /* "s:" answers */
	char key[];
};

static pthread_mutex_t lookup_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lookup_slot **lookup_cache;
static size_t lookup_cache_n;

static uint64_t
lookup_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static size_t
lookup_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* A copy of src in dst, with its own arrays. */
static void
lookup_signer_copy(struct lookup_signer *dst, const struct lookup_signer *src)
{
	size_t i;

	*dst = *src;
	dst->addresses = xcalloc(src->naddresses + 1, sizeof(char *));
	for (i = 0; i < src->naddresses; i++)
		dst->addresses[i] = xstrdup(src->addresses[i]);
	dst->account_certs = xcalloc(src->naccount_certs + 1, 32);
	if (src->naccount_certs > 0)
		memcpy(dst->account_certs, src->account_certs, src->naccount_certs * 32);
	dst->agency_certs = xcalloc(src->nagency_certs + 1, 32);
	if (src->nagency_certs > 0)
		memcpy(dst->agency_certs, src->agency_certs, src->nagency_certs * 32);
}

static void
lookup_slot_free(struct lookup_slot *sl)
{
	if (sl == NULL)
		return;
	if (sl->signer != NULL) {
		lookup_signer_clear(sl->signer);
		free(sl->signer);
	}
	free(sl);
}

static void
lookup_cache_clear_locked(void)
{
	size_t i;

	for (i = 0; i < lookup_cache_n; i++)
		lookup_slot_free(lookup_cache[i]);
	free(lookup_cache);
	lookup_cache = NULL;
	lookup_cache_n = 0;
}

void
lookup_cache_clear(void)
{
	pthread_mutex_lock(&lookup_cache_lock);
	lookup_cache_clear_locked();
	pthread_mutex_unlock(&lookup_cache_lock);
}

/* A cached answer for key: 1 (with res, and acct or signer if not NULL,
 * filled), or 0. */
static int
lookup_cache_get(const struct govmail_conf *c, const char *key, enum policy_lookup *res,
    struct policy_account *acct, struct lookup_signer *signer)
{
	struct lookup_slot *sl;
	int hit = 0;

	if (c->policy_cache_ttl <= 0)
		return 0;
	pthread_mutex_lock(&lookup_cache_lock);
	if (lookup_cache_n == (size_t)c->policy_cache_entries) {
		sl = lookup_cache[lookup_hash(key) % lookup_cache_n];
		if (sl != NULL && strcmp(sl->key, key) == 0 && sl->expires > lookup_now()) {
			*res = sl->res;
			if (acct != NULL)
				*acct = sl->acct;
			if (signer != NULL && sl->signer != NULL)
				lookup_signer_copy(signer, sl->signer);
			hit = 1;
		}
	}
	pthread_mutex_unlock(&lookup_cache_lock);
	return hit;
}

static void
lookup_cache_put(const struct govmail_conf *c, const char *key, enum policy_lookup res,
    const struct policy_account *acct, const struct lookup_signer *signer)
{
	struct lookup_slot *sl;
	size_t i, klen = strlen(key);

	if (c->policy_cache_ttl <= 0 || res == POLICY_LOOKUP_TEMPFAIL)
		return;
	sl = xmalloc(sizeof(*sl) + klen + 1);
	sl->expires = lookup_now() + (uint64_t)c->policy_cache_ttl;
	sl->res = res;
	if (acct != NULL)
		sl->acct = *acct;
	else
		memset(&sl->acct, 0, sizeof(sl->acct));
	sl->signer = NULL;
	if (signer != NULL) {
		sl->signer = xmalloc(sizeof(*sl->signer));
		lookup_signer_copy(sl->signer, signer);
	}
	memcpy(sl->key, key, klen + 1);
	pthread_mutex_lock(&lookup_cache_lock);
	if (lookup_cache_n != (size_t)c->policy_cache_entries) {
		/* first use, or the size changed on a reload */
		lookup_cache_clear_locked();
		lookup_cache_n = (size_t)c->policy_cache_entries;
		lookup_cache = xcalloc(lookup_cache_n, sizeof(*lookup_cache));
	}
	i = lookup_hash(key) % lookup_cache_n;
	lookup_slot_free(lookup_cache[i]);
	lookup_cache[i] = sl;
	pthread_mutex_unlock(&lookup_cache_lock);
}

/* ---- domains ------------------------------------------------------------------ */

struct lookup_domain_q {
	const char *domain;
	int governed;
	char target[256];            /* alias domains: where their addresses live */
};

static enum dir_status
lookup_domain_fn(struct dir *d, void *arg)
{
	struct lookup_domain_q *q = arg;
	struct dir_domain *dom = NULL;
	enum dir_status st = dir_domain_get(d, q->domain, &dom);

	q->governed = 0;
	q->target[0] = '\0';
	if (st == DIR_OK && dom->status != NULL) {
		if (strcmp(dom->status, "active") == 0)
			q->governed = 1;
		else if (strcmp(dom->status, "alias") == 0 && dom->alias_target != NULL) {
			q->governed = 1;
			snprintf(q->target, sizeof(q->target), "%s", dom->alias_target);
		}
	}
	if (dom != NULL)
		dir_domain_free(dom);
	return st == DIR_NOT_FOUND ? DIR_OK : st;
}

/* Governed? *target gets the domain addresses really live in. */
static enum policy_lookup
lookup_domain_target(const struct govmail_conf *c, const char *domain, char *target,
    size_t tlen)
{
	struct lookup_domain_q q;
	struct policy_account a;
	enum policy_lookup res;
	char norm[DIR_DOMAIN_MAX + 1], err[256], key[DIR_DOMAIN_MAX + 8], why[512];

	snprintf(target, tlen, "%s", domain);
	/* address literals and malformed names are never governed */
	if (domain[0] == '[' ||
	    dir_domain_normalize(domain, norm, sizeof(norm), err, sizeof(err)) != 0)
		return POLICY_LOOKUP_NO;
	snprintf(key, sizeof(key), "d:%s", norm);
	if (lookup_cache_get(c, key, &res, &a, NULL)) {
		snprintf(target, tlen, "%s", a.mail[0] ? a.mail : norm);
		return res;
	}
	q.domain = norm;
	if (lookup_with_dir(c, lookup_domain_fn, &q, why, sizeof(why)) != DIR_OK)
		return POLICY_LOOKUP_TEMPFAIL;
	res = q.governed ? POLICY_LOOKUP_YES : POLICY_LOOKUP_NO;
	memset(&a, 0, sizeof(a));
	snprintf(a.mail, sizeof(a.mail), "%s", q.target);   /* alias target, if any */
	lookup_cache_put(c, key, res, &a, NULL);
	snprintf(target, tlen, "%s", q.target[0] ? q.target : norm);
	return res;
}

enum policy_lookup
lookup_domain(const struct govmail_conf *c, const char *domain)
{
	char target[256];

	return lookup_domain_target(c, domain, target, sizeof(target));
}

/* ---- accounts -------------------------------------------------------------------- */

struct lookup_account_q {
	const struct govmail_conf *c;
	const char *key;
	int found;
	struct policy_account acct;
};

/* Agencies followed up the govmailParentAgency chain at most: enough for
 * province > department > district > commune > unit, and a cycle (which
 * dir_agency.c refuses, but LDIF loads do not) ends here too. */
#define LOOKUP_AGENCY_DEPTH 16

/* One agency's own govmailMaySendExternal (1, 0, or -1 if not set) and its
 * parent's code, cached like the other answers ("g:code"; the slot's
 * acct.mail holds the parent). An agency not found is "not set, no parent". */
static enum dir_status
lookup_agency_get(struct dir *d, const struct govmail_conf *c, const char *code,
    int *may, char *parent, size_t plen)
{
	struct policy_account a;
	enum policy_lookup res;
	enum dir_status st;
	char key[264];

	snprintf(key, sizeof(key), "g:%s", code);
	if (lookup_cache_get(c, key, &res, &a, NULL)) {
		*may = a.may_send_external;
		snprintf(parent, plen, "%s", a.mail);
		return DIR_OK;
	}
	st = dir_agency_external(d, code, may, parent, plen);
	if (st == DIR_OK) {
		memset(&a, 0, sizeof(a));
		a.may_send_external = *may;
		snprintf(a.mail, sizeof(a.mail), "%s", parent);
		lookup_cache_put(c, key, POLICY_LOOKUP_YES, &a, NULL);
	}
	return st;
}

/* An account without its own govmailMaySendExternal: the nearest agency up
 * the parent chain that sets it decides; *may keeps the default if none. */
static enum dir_status
lookup_agency_external(struct dir *d, const struct govmail_conf *c, const char *code,
    int *may)
{
	char cur[256], parent[256];   /* as policy_account.mail, where it is cached */
	enum dir_status st;
	int depth, set;

	snprintf(cur, sizeof(cur), "%s", code);
	for (depth = 0; depth < LOOKUP_AGENCY_DEPTH && cur[0] != '\0'; depth++) {
		if ((st = lookup_agency_get(d, c, cur, &set, parent, sizeof(parent))) != DIR_OK)
			return st;
		if (set >= 0) {
			*may = set;
			break;
		}
		snprintf(cur, sizeof(cur), "%s", parent);
	}
	return DIR_OK;
}

static enum dir_status
lookup_account_fn(struct dir *d, void *arg)
{
	struct lookup_account_q *q = arg;
	struct account *a = NULL;
	enum dir_status st = dir_account_get(d, q->key, &a);

	q->found = 0;
	memset(&q->acct, 0, sizeof(q->acct));
	if (st == DIR_NOT_FOUND)
		return DIR_OK;
	if (st != DIR_OK)
		return st;
	q->found = 1;
	snprintf(q->acct.uid, sizeof(q->acct.uid), "%s", a->uid ? a->uid : "");
	snprintf(q->acct.mail, sizeof(q->acct.mail), "%s", a->address);
	snprintf(q->acct.status, sizeof(q->acct.status), "%s",
	    a->status ? a->status : "unknown");
	snprintf(q->acct.agency, sizeof(q->acct.agency), "%s", a->agency ? a->agency : "");
	/* the account's own setting, else its agencies', else the default */
	q->acct.may_send_external = q->c->acct_default_may_send_external;
	if (a->may_send_external >= 0)
		q->acct.may_send_external = a->may_send_external;
	else if (q->acct.agency[0] != '\0')
		st = lookup_agency_external(d, q->c, q->acct.agency,
		    &q->acct.may_send_external);
	account_free(a);
	return st;
}

enum policy_lookup
lookup_account(const struct govmail_conf *c, const char *key,
    struct policy_account *out)
{
	struct lookup_account_q q;
	enum policy_lookup res;
	char ckey[610], addr[600], target[256], why[512];
	const char *at = strrchr(key, '@');
	size_t i;

	memset(out, 0, sizeof(*out));
	if (strlen(key) > 400)
		return POLICY_LOOKUP_NO;
	snprintf(addr, sizeof(addr), "%s", key);
	/* An address in an alias domain is the same local part in its target. */
	if (at != NULL) {
		res = lookup_domain_target(c, at + 1, target, sizeof(target));
		if (res == POLICY_LOOKUP_TEMPFAIL)
			return res;
		snprintf(addr, sizeof(addr), "%.*s@%s", (int)(at - key), key, target);
	}
	for (i = 0; addr[i]; i++)
		if (addr[i] >= 'A' && addr[i] <= 'Z')
			addr[i] = (char)(addr[i] + 32);
	snprintf(ckey, sizeof(ckey), "a:%s", addr);
	if (lookup_cache_get(c, ckey, &res, out, NULL))
		return res;
	q.c = c;
	q.key = addr;
	if (lookup_with_dir(c, lookup_account_fn, &q, why, sizeof(why)) != DIR_OK)
		return POLICY_LOOKUP_TEMPFAIL;
	res = q.found ? POLICY_LOOKUP_YES : POLICY_LOOKUP_NO;
	*out = q.acct;
	lookup_cache_put(c, ckey, res, out, NULL);
	return res;
}

/* ---- signers ------------------------------------------------------------------------ */

struct lookup_signer_q {
	const char *key;
	int found;
	struct lookup_signer *out;
};

/* The fingerprints of l as bytes, appended to *v (*n of them). */
static void
lookup_fingerprints(const struct dir_cert_list *l, unsigned char (**v)[32], size_t *n)
{
	size_t i, k;
	unsigned int b;

	*v = xcalloc(l->n + 1, 32);
	for (i = 0; i < l->n; i++) {
		if (l->v[i].error != NULL)
			continue;
		for (k = 0; k < 32; k++) {
			if (sscanf(l->v[i].fingerprint + 2 * k, "%2x", &b) != 1)
				break;
			(*v)[*n][k] = (unsigned char)b;
		}
		if (k == 32)
			(*n)++;
	}
}

static enum dir_status
lookup_signer_fn(struct dir *d, void *arg)
{
	struct lookup_signer_q *q = arg;
	struct lookup_signer *out = q->out;
	struct dir_cert_list certs;
	struct account *a = NULL;
	enum dir_status st = dir_account_get(d, q->key, &a);
	char *dn;
	size_t i;

	lookup_signer_clear(out);
	q->found = 0;
	if (st == DIR_NOT_FOUND)
		return DIR_OK;
	if (st != DIR_OK)
		return st;
	q->found = 1;
	out->addresses = xcalloc(a->naliases + 2, sizeof(char *));
	out->addresses[out->naddresses++] = xstrdup(a->address);
	for (i = 0; i < a->naliases; i++)
		out->addresses[out->naddresses++] = xstrdup(a->aliases[i]);
	snprintf(out->agency, sizeof(out->agency), "%s", a->agency ? a->agency : "");
	memset(&certs, 0, sizeof(certs));
	st = dir_cert_read(d, a->dn, &certs);
	account_free(a);
	if (st != DIR_OK && st != DIR_NOT_FOUND)
		return st;
	lookup_fingerprints(&certs, &out->account_certs, &out->naccount_certs);
	dir_cert_list_clear(&certs);
	if (out->agency[0] == '\0' || (dn = dir_agency_dn(d, out->agency)) == NULL)
		return DIR_OK;
	st = dir_cert_read(d, dn, &certs);
	free(dn);
	if (st != DIR_OK && st != DIR_NOT_FOUND)
		return st;
	lookup_fingerprints(&certs, &out->agency_certs, &out->nagency_certs);
	dir_cert_list_clear(&certs);
	return DIR_OK;
}

enum policy_lookup
lookup_signer(const struct govmail_conf *c, const char *sender, struct lookup_signer *out)
{
	struct lookup_signer_q q;
	struct policy_account acct;
	enum policy_lookup res;
	char why[512], key[sizeof(acct.uid) + 3];

	memset(out, 0, sizeof(*out));
	/* The account's uid, through the cache and alias domains. */
	if ((res = lookup_account(c, sender, &acct)) != POLICY_LOOKUP_YES)
		return res;
	snprintf(key, sizeof(key), "s:%s", acct.uid);
	if (lookup_cache_get(c, key, &res, NULL, out))
		return res;
	q.key = acct.uid;
	q.out = out;
	if (lookup_with_dir(c, lookup_signer_fn, &q, why, sizeof(why)) != DIR_OK) {
		lookup_signer_clear(out);
		return POLICY_LOOKUP_TEMPFAIL;
	}
	res = q.found ? POLICY_LOOKUP_YES : POLICY_LOOKUP_NO;
	lookup_cache_put(c, key, res, NULL, out);
	return res;
}

void
lookup_signer_clear(struct lookup_signer *s)
{
	size_t i;

	for (i = 0; i < s->naddresses; i++)
		free(s->addresses[i]);
	free(s->addresses);
	free(s->account_certs);
	free(s->agency_certs);
	memset(s, 0, sizeof(*s));
}

/* ---- the policy's view ------------------------------------------------------------ */

static enum policy_lookup
lookup_cb_domain(void *arg, const char *domain)
{
	return lookup_domain(arg, domain);
}

static enum policy_lookup
lookup_cb_account(void *arg, const char *key, struct policy_account *out)
{
	return lookup_account(arg, key, out);
}

void
lookup_policy_directory(const struct govmail_conf *c, struct policy_directory *out)
{
	out->domain = lookup_cb_domain;
	out->account = lookup_cb_account;
	out->arg = (void *)(uintptr_t)c;
}

void
lookup_shutdown(void)
{
	pthread_mutex_lock(&lookup_dir_lock);
	lookup_close_locked();
	pthread_mutex_unlock(&lookup_dir_lock);
	lookup_cache_clear();
}
