/*
 * apid_accounts.c — the accounts resource of govmail-apid: list, get,
 * modify (If-Match), suspend / resume / disable, password reset. Each
 * change goes through the account operations govmailctl uses
 * (dir_account.h) and writes the same audit record, with the caller as
 * actor and the client address as source. An account in an agency the
 * caller cannot see is answered as if it did not exist (404).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <openssl/sha.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_account_cache.h"
#include "apid_accounts.h"
#include "apid_auth.h"
#include "apid_dispatch.h"
#include "apid_json.h"
#include "apid_resources.h"
#include "apid_router.h"
#include "audit_log.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_account_lock.h"
#include "dir_agency.h"
#include "dir_schema.h"
#include "log.h"
#include "passwd_hash.h"
#include "xmalloc.h"

static json_t *
apid_strs(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, apid_jstr(v[i]));
	return a;
}

static void
apid_set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v != NULL ? apid_jstr(v) : apid_jnull());
}

/*
 * The login lock as read, null when there is none: "admin" (locked with
 * a reason until unlocked) or "failures" (too many failed logins; when
 * that ends depends on the password policy, not read here, so it shows
 * until the next successful login or an unlock).
 */
static json_t *
apid_lock_json(const struct dir_lock_state *l)
{
	json_t *o;

	if (l->kind == DIR_LOCK_NONE)
		return apid_jnull();
	o = json_object();
	json_object_set_new(o, "kind", apid_jstr(l->kind == DIR_LOCK_ADMIN ? "admin" :
	    l->kind == DIR_LOCK_FAILURES ? "failures" : "expired"));
	apid_set_str(o, "since", l->since[0] != '\0' ? l->since : NULL);
	apid_set_str(o, "reason", l->kind == DIR_LOCK_ADMIN && l->reason[0] != '\0' ?
	    l->reason : NULL);
	return o;
}

/* The account as the API shows it (no secrets, no DNs). */
json_t *
apid_account_json(const struct account *a)
{
	json_t *o = json_object();

	apid_set_str(o, "address", a->address);
	apid_set_str(o, "uid", a->uid);
	json_object_set_new(o, "aliases", apid_strs(a->aliases, a->naliases));
	json_object_set_new(o, "forwards", apid_strs(a->forwards, a->nforwards));
	apid_set_str(o, "name", a->cn);
	apid_set_str(o, "employee_id", a->employee_id);
	apid_set_str(o, "agency", a->agency);
	apid_set_str(o, "title", a->title);
	apid_set_str(o, "phone", a->phone);
	apid_set_str(o, "mobile", a->mobile);
	apid_set_str(o, "status", a->status);
	apid_set_str(o, "status_reason", a->status_reason);
	apid_set_str(o, "status_changed", a->status_changed);
	json_object_set_new(o, "quota", a->quota >= 0 ? json_integer(a->quota) : apid_jnull());
	json_object_set_new(o, "may_send_external", a->may_send_external < 0 ? apid_jnull() :
	    json_boolean(a->may_send_external));
	json_object_set_new(o, "must_change_password", json_boolean(a->must_change_password));
	apid_set_str(o, "language", a->language);
	json_object_set_new(o, "login_lock", apid_lock_json(&a->lock));
	return o;
}

/* Strong validator of an account's representation: a digest of it. */
void
apid_etag(json_t *o, char *out, size_t outlen)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	size_t i;

	SHA256((const unsigned char *)text, strlen(text), md);
	free(text);
	if (outlen < 35)
		return;
	out[0] = '"';
	for (i = 0; i < 16; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
	out[33] = '"';
	out[34] = '\0';
}

/*
 * The account of the path, visible to the caller for op: DIR_OK with *out,
 * or a problem queued (*ret) — 404 when it does not exist or lies outside
 * every grant of the caller (the two look alike), 403 naming the rule
 * when the caller sees it but may not do op.
 */
int
apid_target(struct apid_req *r, int op, struct account **out, int *ret)
{
	struct dir *d = apid_dir(r);
	char rule[256], *adn;
	int st, ok;

	*out = NULL;
	if (d == NULL) {
		*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "account");
		return -1;
	}
	st = dir_account_get(d, r->params[0], out);
	if (st == DIR_NOT_FOUND || (st == DIR_OK && (*out)->agency == NULL))
		goto hidden;
	if (st != DIR_OK) {
		*ret = apid_dir_problem(r, st, "account");
		return -1;
	}
	if ((adn = dir_agency_dn(d, (*out)->agency)) == NULL) {
		if (dir_last_status(d) == DIR_UNAVAILABLE) {
			account_free(*out);
			*out = NULL;
			*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "account");
			return -1;
		}
		goto hidden;
	}
	if (!api_authz_visible(r->caller, adn)) {
		free(adn);
		goto hidden;
	}
	ok = apid_allowed(r, op, adn, rule, sizeof(rule));
	free(adn);
	if (!ok) {
		account_free(*out);
		*out = NULL;
		*ret = apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "%s may not do this to this account", r->caller->actor);
		return -1;
	}
	/* whose sessions a change of credentials ends (apid_dispatch.c) */
	free(r->target_dn);
	r->target_dn = xstrdup((*out)->dn);
	return 0;
hidden:
	account_free(*out);
	*out = NULL;
	*ret = apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0,
	    "no such account");
	return -1;
}

int
apid_account_get(struct apid_req *r)
{
	struct account *a;
	char etag[40];
	json_t *o;
	unsigned long gen;
	int ret;

	/* a read a few seconds old will do (apid_account_cache.h) */
	if (apid_account_cached(r, &ret) == 0)
		return ret;
	gen = apid_account_gen(r);
	if (apid_target(r, API_OP_ACCOUNT_READ, &a, &ret) != 0)
		return ret;
	o = apid_account_json(a);
	apid_etag(o, etag, sizeof(etag));
	apid_account_remember(r, a->agency, o, etag, gen);
	ret = apid_reply(r, 200, o, "ETag", etag);
	json_decref(o);
	account_free(a);
	return ret;
}

/* Open the audit log for one change, as this caller from this address.
 * NULL (a problem queued in *ret) when it cannot: nothing is changed. */
struct audit_log *
apid_audit_open(struct apid_req *r, int *ret)
{
	struct audit_log *al;

	/* the log was opened at start, as root; this handle writes as the
	 * caller */
	if ((al = audit_dup(r->srv->audit, r->caller->actor)) == NULL) {
		log_warn("audit log");
		*ret = apid_problem(r, 500, "audit-unavailable", "Audit log unavailable", NULL,
		    NULL, 0, "the audit log cannot be written; nothing was changed");
	}
	return al;
}

/* The record govmailctl writes for the same operation. */
void
apid_audit_result(struct apid_req *r, struct audit_log *al, const char *op,
    const struct account *a, const struct account_result *res)
{
	struct audit_change ch[32];
	const char *names[64];
	char source[96];
	size_t i, n = 0, nc = 0;

	if (res->mods != NULL)
		n = dir_mods_attr_names(res->mods, names, 64);
	for (i = 0; i < res->n && nc < 32; i++, nc++) {
		ch[nc].field = res->changes[i].field;
		ch[nc].old = res->changes[i].old;
		ch[nc].new = res->changes[i].new;
	}
	snprintf(source, sizeof(source), "api %s", r->client);
	if (audit_record_changes(al, op, a->address, a->dn, names, n, ch, nc, source,
	    "ok") != 0)
		log_warnx("%s %s was done but the audit log write failed: %s", op,
		    a->address, strerror(errno));
	if (audit_close(al) != 0)
		log_warnx("audit log close: %s", strerror(errno));
}

/* The answer to a change: the changes made, the account as it is now. */
int
apid_change_reply(struct apid_req *r, const struct account_result *res,
    const char *secret)
{
	struct account *now = NULL;
	json_t *o = json_object(), *chg = json_array();
	char etag[40];
	size_t i;
	int ret;

	for (i = 0; i < res->n; i++) {
		json_t *c = json_object();

		apid_set_str(c, "field", res->changes[i].field);
		apid_set_str(c, "old", res->changes[i].old);
		apid_set_str(c, "new", res->changes[i].new);
		json_array_append_new(chg, c);
	}
	json_object_set_new(o, "changes", chg);
	if (secret != NULL)
		json_object_set_new(o, "password", apid_jstr(secret));
	etag[0] = '\0';
	if (dir_account_get(r->dir, r->params[0], &now) == DIR_OK) {
		json_t *acc = apid_account_json(now);

		apid_etag(acc, etag, sizeof(etag));
		json_object_set_new(o, "account", acc);
		account_free(now);
	}
	ret = apid_reply(r, 200, o, etag[0] ? "ETag" : NULL, etag[0] ? etag : NULL);
	json_decref(o);
	return ret;
}

/* A refusal of an account operation: 409 for what the directory's rules
 * refuse (the reason is the client's to read), 503/500 otherwise. */
int
apid_op_problem(struct apid_req *r, int st, const char *err)
{
	if (st == DIR_CONSTRAINT || st == DIR_EXISTS || st == DIR_NOT_FOUND)
		return apid_problem(r, 409, "refused", "Refused", NULL, NULL, 0, "%s", err);
	return apid_dir_problem(r, st, "account");
}

int
apid_account_status(struct apid_req *r, const char *status)
{
	const char *op = strcmp(status, DIR_STATUS_SUSPENDED) == 0 ? "account.suspend" :
	    strcmp(status, DIR_STATUS_DISABLED) == 0 ? "account.disable" : "account.resume";
	const char *reason = json_string_value(json_object_get(r->json, "reason"));
	struct account_result res;
	struct audit_log *al;
	struct account *a;
	char err[1024];
	int ret, st;

	if (strcmp(status, DIR_STATUS_SUSPENDED) == 0 && (reason == NULL || *reason == '\0'))
		return apid_problem(r, 400, "invalid-body", "Invalid request body", "reason",
		    NULL, 0, "reason: required to suspend");
	if (apid_target(r, r->route->op, &a, &ret) != 0)
		return ret;
	if ((al = apid_audit_open(r, &ret)) == NULL) {
		account_free(a);
		return ret;
	}
	st = account_set_status(r->dir, a, status, reason, &res, err, sizeof(err));
	if (st != DIR_OK) {
		/* the operation filled res (its mods at least) either way */
		account_result_clear(&res);
		if (apid_write_unknown(r, al, op, a->address, a->dn, st, &ret)) {
			account_free(a);
			return ret;
		}
		audit_close(al);
		account_free(a);
		return apid_op_problem(r, st, err);
	}
	apid_audit_result(r, al, op, a, &res);
	log_info("%s %s by %s from %s: %zu change(s)", op, a->address, r->caller->actor,
	    r->client, res.n);
	ret = apid_change_reply(r, &res, NULL);
	account_result_clear(&res);
	account_free(a);
	return ret;
}

int
apid_account_password(struct apid_req *r)
{
	const struct govmail_conf *c = r->srv->conf;
	json_t *mc = json_object_get(r->json, "must_change");
	struct account_result res;
	struct audit_log *al;
	struct account *a;
	char hash[256], plain[160], err[1024];
	int ret, st, must = mc != NULL ? json_is_true(mc) : c->pw_must_change_initial;

	if (apid_target(r, API_OP_ACCOUNT_PASSWORD, &a, &ret) != 0)
		return ret;
	if ((al = apid_audit_open(r, &ret)) == NULL) {
		account_free(a);
		return ret;
	}
	/* generated, high entropy: the fast salted scheme, as govmailctl */
	if (passwd_generate(plain, (size_t)c->pw_generated_length) != 0 ||
	    passwd_hash_ssha512(plain, hash, sizeof(hash)) != 0) {
		audit_close(al);
		account_free(a);
		return apid_problem(r, 500, "internal", "Internal error", NULL, NULL, 0,
		    "cannot generate a password");
	}
	st = account_password_set(r->dir, a, hash, must, &res, err, sizeof(err));
	explicit_bzero(hash, sizeof(hash));
	if (st != DIR_OK) {
		explicit_bzero(plain, sizeof(plain));
		account_result_clear(&res);
		if (apid_write_unknown(r, al, "account.passwd", a->address, a->dn, st, &ret)) {
			account_free(a);
			return ret;
		}
		audit_close(al);
		account_free(a);
		return apid_op_problem(r, st, err);
	}
	apid_audit_result(r, al, "account.passwd", a, &res);
	log_info("account.passwd %s by %s from %s", a->address, r->caller->actor, r->client);
	ret = apid_change_reply(r, &res, plain);
	explicit_bzero(plain, sizeof(plain));
	account_result_clear(&res);
	account_free(a);
	return ret;
}

int
apid_account_modify(struct apid_req *r)
{
	const char *im = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-Match");
	struct account_fields f;
	struct account_result res;
	struct audit_log *al;
	struct account *a;
	json_t *o, *v;
	char etag[40], err[1024];
	int ret, st;

	if (im == NULL)
		return apid_problem(r, 428, "precondition-required", "Precondition required",
		    NULL, NULL, 0, "send If-Match with the ETag of the account as read");
	if (apid_target(r, API_OP_ACCOUNT_MODIFY, &a, &ret) != 0)
		return ret;
	o = apid_account_json(a);
	apid_etag(o, etag, sizeof(etag));
	json_decref(o);
	if (strcmp(im, etag) != 0 && strcmp(im, "*") != 0) {
		account_free(a);
		return apid_problem(r, 412, "stale", "Precondition failed", NULL, NULL, 0,
		    "the account changed since it was read (ETag %s); read it again", etag);
	}
	memset(&f, 0, sizeof(f));
	f.name = json_string_value(json_object_get(r->json, "name"));
	f.title = json_string_value(json_object_get(r->json, "title"));
	f.phone = json_string_value(json_object_get(r->json, "phone"));
	f.mobile = json_string_value(json_object_get(r->json, "mobile"));
	f.employee_id = json_string_value(json_object_get(r->json, "employee_id"));
	f.language = json_string_value(json_object_get(r->json, "language"));
	v = json_object_get(r->json, "may_send_external");
	f.may_send_external = v == NULL ? -1 : json_is_true(v);
	/* the version the ETag was checked on: the server writes only while
	 * the entry is still at it, so a change between this check and the
	 * write is a 412 too (a "*" If-Match asks for no such check) */
	if (strcmp(im, "*") != 0)
		f.if_csn = a->csn;
	if ((al = apid_audit_open(r, &ret)) == NULL) {
		account_free(a);
		return ret;
	}
	st = account_modify(r->dir, r->srv->conf, a, &f, &res, err, sizeof(err));
	if (st == DIR_CHANGED) {
		account_result_clear(&res);
		audit_close(al);
		account_free(a);
		return apid_problem(r, 412, "stale", "Precondition failed", NULL, NULL, 0,
		    "the account changed while it was being modified; read it again");
	}
	if (st != DIR_OK) {
		/* the operation filled res (its mods at least) either way */
		account_result_clear(&res);
		if (apid_write_unknown(r, al, "account.modify", a->address, a->dn, st, &ret)) {
			account_free(a);
			return ret;
		}
		audit_close(al);
		account_free(a);
		return apid_op_problem(r, st, err);
	}
	apid_audit_result(r, al, "account.modify", a, &res);
	ret = apid_change_reply(r, &res, NULL);
	account_result_clear(&res);
	account_free(a);
	return ret;
}

/* ---- list ---------------------------------------------------------------- */

struct apid_list {
	json_t *items;
};

static int
apid_list_cb(const struct account *a, void *arg)
{
	struct apid_list *l = arg;

	json_array_append_new(l->items, apid_account_json(a));
	return 0;
}

static const char *const apid_list_params[] = {
	"agency", "status", "name", "employee_id", "address", "limit", "cursor", NULL
};

int
apid_account_list(struct apid_req *r)
{
	const struct govmail_conf *c = r->srv->conf;
	struct account_filter f;
	struct apid_list l;
	struct dir *d;
	const char *lim = apid_query(r, "limit"), *cur = apid_query(r, "cursor");
	char err[512], rule[256], next[64], *adn = NULL, *end;
	size_t matched = 0, i;
	long long limit = c->apid_page_size, offset = 0;
	int st, ret;
	json_t *o;

	if (apid_query_only(r, apid_list_params, &ret) != 0)
		return ret;
	if (lim != NULL) {
		limit = strtoll(lim, &end, 10);
		if (*end != '\0' || limit < 1 || limit > c->apid_max_page_size)
			return apid_problem(r, 400, "invalid-query", "Invalid query", "limit",
			    "apid.max_page_size", 0, "limit: 1 to %d", c->apid_max_page_size);
	}
	/* the cursor is opaque to clients: "o" and the offset of the next page */
	if (cur != NULL) {
		offset = cur[0] == 'o' ? strtoll(cur + 1, &end, 10) : -1;
		if (offset < 0 || cur[1] == '\0' || *end != '\0')
			return apid_problem(r, 400, "invalid-query", "Invalid query", "cursor",
			    NULL, 0, "cursor: not one this server gave");
	}
	memset(&f, 0, sizeof(f));
	f.agency = apid_query(r, "agency");
	f.status = apid_query(r, "status");
	f.name = apid_query(r, "name");
	f.employee_id = apid_query(r, "employee_id");
	f.address = apid_query(r, "address");
	f.recursive = 1;
	f.offset = (size_t)offset;
	f.limit = (size_t)limit;
	if ((d = apid_dir(r)) == NULL)
		return apid_dir_problem(r, DIR_UNAVAILABLE, "account list");
	if (f.agency == NULL) {
		/* a caller without a province-wide grant lists its one agency */
		int province = 0;

		for (i = 0; i < r->caller->ngrants; i++)
			if (r->caller->grants[i].agency_dn == NULL)
				province = 1;
		if (!province && r->caller->ngrants == 1)
			f.agency = r->caller->grants[0].agency_code;
		else if (!province)
			return apid_problem(r, 400, "invalid-query", "Invalid query", "agency",
			    NULL, 0, "agency: required (the caller has grants on several "
			    "agencies)");
	}
	if (f.agency != NULL) {
		if ((adn = dir_agency_dn(d, f.agency)) == NULL ||
		    !api_authz_visible(r->caller, adn)) {
			st = dir_last_status(d);
			free(adn);
			if (st == DIR_UNAVAILABLE)
				return apid_dir_problem(r, st, "account list");
			return apid_problem(r, 404, "not-found", "Not found", "agency", NULL, 0,
			    "no such agency");
		}
		if (!apid_allowed(r, API_OP_ACCOUNT_READ, adn, rule, sizeof(rule))) {
			free(adn);
			return apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
			    "may not list these accounts");
		}
		free(adn);
	} else if (!apid_allowed(r, API_OP_ACCOUNT_READ, NULL, rule, sizeof(rule)))
		return apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "may not list accounts");
	l.items = json_array();
	err[0] = '\0';
	st = dir_account_list(d, &f, apid_list_cb, &l, &matched, err, sizeof(err));
	if (st != DIR_OK) {
		json_decref(l.items);
		if (st == DIR_NOT_FOUND || st == DIR_CONSTRAINT)
			return apid_problem(r, 400, "invalid-query", "Invalid query", NULL, NULL,
			    0, "%s", err);
		return apid_dir_problem(r, st, "account list");
	}
	o = json_object();
	json_object_set_new(o, "items", l.items);
	json_object_set_new(o, "total", json_integer((json_int_t)matched));
	if ((size_t)offset + json_array_size(l.items) < matched) {
		snprintf(next, sizeof(next), "o%lld",
		    offset + (long long)json_array_size(l.items));
		json_object_set_new(o, "next_cursor", apid_jstr(next));
	} else
		json_object_set_new(o, "next_cursor", apid_jnull());
	ret = apid_reply(r, 200, o, NULL, NULL);
	json_decref(o);
	return ret;
}
