/*
 * apid_account_ops.c — the account operations of govmail-apid beyond
 * status and password: create (with Idempotency-Key: this gateway's
 * answers in memory, apid_idem.h, in front of the claim in the directory
 * every gateway sees, dir_idem.h), move (checked on both agencies), rename,
 * aliases, forwarding, quota, lock and unlock. Each is the operation
 * govmailctl runs, audited with the same record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/sha.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_accounts.h"
#include "apid_auth.h"
#include "apid_dispatch.h"
#include "apid_idem.h"
#include "apid_json.h"
#include "apid_resources.h"
#include "apid_router.h"
#include "apid_web.h"
#include "audit_log.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_account_lock.h"
#include "dir_agency.h"
#include "dir_idem.h"
#include "log.h"
#include "passwd_hash.h"
#include "xmalloc.h"

static const char *
apid_body_str(struct apid_req *r, const char *name)
{
	return json_string_value(json_object_get(r->json, name));
}

/*
 * Whether the caller may do op in the agency with this code: 0, or -1 with
 * a problem queued — 404 naming the field when the agency does not exist
 * or is outside every grant (alike), 403 with the rule otherwise.
 */
int
apid_agency_allowed(struct apid_req *r, int op, const char *code, const char *field,
    int *ret)
{
	char rule[256], *adn;
	int ok;

	if ((adn = dir_agency_dn(r->dir, code)) == NULL) {
		if (dir_last_status(r->dir) == DIR_UNAVAILABLE) {
			*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "agency");
			return -1;
		}
		*ret = apid_problem(r, 404, "not-found", "Not found", field, NULL, 0,
		    "%s: no such agency", field);
		return -1;
	}
	if (!api_authz_visible(r->caller, adn)) {
		free(adn);
		*ret = apid_problem(r, 404, "not-found", "Not found", field, NULL, 0,
		    "%s: no such agency", field);
		return -1;
	}
	ok = apid_allowed(r, op, adn, rule, sizeof(rule));
	free(adn);
	if (!ok) {
		*ret = apid_problem(r, 403, "forbidden", "Forbidden", field, rule, 0,
		    "may not do this in agency %s", code);
		return -1;
	}
	return 0;
}

/* ---- create ------------------------------------------------------------- */

/* The Idempotency-Key: 1 to 200 printable ASCII characters. */
static int
apid_idem_key_ok(const char *k)
{
	size_t i, n = strlen(k);

	if (n == 0 || n > 200)
		return 0;
	for (i = 0; i < n; i++)
		if (k[i] < 0x21 || k[i] > 0x7e)
			return 0;
	return 1;
}

/* *unknown is set when the directory stopped answering during the
 * creation: the account may exist now (a 503 is queued then). With an
 * answer, dn is the new account's DN. */
static int
apid_create_run(struct apid_req *r, char **answer, unsigned *status, int *unknown,
    char *dn, size_t dnlen)
{
	const struct govmail_conf *c = r->srv->conf;
	struct account_new a;
	struct account_created out;
	struct account_result res;
	struct dir_mods *mods = NULL;
	struct audit_log *al;
	struct account *now = NULL;
	json_t *v, *o;
	char hash[256], plain[160], err[1024];
	int ret, st, gen;

	*answer = NULL;
	memset(&a, 0, sizeof(a));
	a.name = apid_body_str(r, "name");
	a.agency = apid_body_str(r, "agency");
	a.employee_id = apid_body_str(r, "employee_id");
	a.title = apid_body_str(r, "title");
	a.phone = apid_body_str(r, "phone");
	a.mobile = apid_body_str(r, "mobile");
	a.domain = apid_body_str(r, "domain");
	a.address = apid_body_str(r, "address");
	v = json_object_get(r->json, "quota");
	a.quota = v != NULL ? (long long)json_integer_value(v) : -1;
	if (v != NULL && a.quota < 0)
		return apid_problem(r, 400, "invalid-body", "Invalid request body", "quota",
		    NULL, 0, "quota: bytes, 0 or more");
	v = json_object_get(r->json, "may_send_external");
	a.may_send_external = v == NULL ? -1 : json_is_true(v);
	v = json_object_get(r->json, "generate_password");
	gen = v == NULL || json_is_true(v);
	if (apid_dir(r) == NULL)
		return apid_dir_problem(r, DIR_UNAVAILABLE, "account create");
	if (apid_agency_allowed(r, API_OP_ACCOUNT_CREATE, a.agency, "agency", &ret) != 0)
		return ret;
	if ((al = apid_audit_open(r, &ret)) == NULL)
		return ret;
	plain[0] = '\0';
	if (gen) {
		if (passwd_generate(plain, (size_t)c->pw_generated_length) != 0 ||
		    passwd_hash_ssha512(plain, hash, sizeof(hash)) != 0) {
			audit_close(al);
			return apid_problem(r, 500, "internal", "Internal error", NULL, NULL, 0,
			    "cannot generate a password");
		}
		a.password_hash = hash;
		a.must_change_password = c->pw_must_change_initial;
	}
	st = dir_account_create(r->dir, c, &a, &out, err, sizeof(err), &mods);
	explicit_bzero(hash, sizeof(hash));
	if (st != DIR_OK) {
		explicit_bzero(plain, sizeof(plain));
		dir_mods_free(mods);
		st = dir_last_status(r->dir) == DIR_UNAVAILABLE ? DIR_UNAVAILABLE : st;
		if (apid_write_unknown(r, al, "account.add", a.address != NULL ? a.address :
		    a.name, NULL, st, &ret)) {
			*unknown = 1;
			return ret;
		}
		audit_close(al);
		if (st == DIR_UNAVAILABLE || st == DIR_ERROR || st == DIR_DENIED)
			return apid_dir_problem(r, st, "account create");
		/* bad name, taken address or employee id: the client's to fix */
		return apid_problem(r, st == DIR_EXISTS ? 409 : 400,
		    st == DIR_EXISTS ? "exists" : "refused",
		    st == DIR_EXISTS ? "Exists" : "Refused", out.field, NULL, 0, "%s", err);
	}
	/* account_result_created initialises res itself */
	account_result_created(&res, &a, out.address, mods);
	if (dir_account_get(r->dir, out.address, &now) == DIR_OK) {
		apid_audit_result(r, al, "account.add", now, &res);
	} else {
		struct account tmp;

		memset(&tmp, 0, sizeof(tmp));
		tmp.address = out.address;
		tmp.dn = out.dn;
		apid_audit_result(r, al, "account.add", &tmp, &res);
	}
	account_result_clear(&res);
	log_info("account.add %s by %s from %s", out.address, r->caller->actor, r->client);
	o = json_object();
	if (now != NULL) {
		json_object_set_new(o, "account", apid_account_json(now));
		account_free(now);
	}
	if (gen)
		json_object_set_new(o, "password", apid_jstr(plain));
	explicit_bzero(plain, sizeof(plain));
	*answer = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	snprintf(dn, dnlen, "%s", out.dn);
	*status = 201;
	return -1;   /* answered by the caller, with Location */
}

static int
apid_send_text(struct apid_req *r, unsigned status, const char *text, int replayed)
{
	struct MHD_Response *resp;
	json_t *o = json_loads(text, 0, NULL);
	json_t *acc = json_object_get(o, "account");
	char loc[600];
	int ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	apid_web_headers(r, resp);
	if (acc != NULL && json_string_value(json_object_get(acc, "address")) != NULL) {
		snprintf(loc, sizeof(loc), "/v1/accounts/%s",
		    json_string_value(json_object_get(acc, "address")));
		MHD_add_response_header(resp, "Location", loc);
	}
	if (replayed)
		MHD_add_response_header(resp, "Idempotency-Replayed", "true");
	json_decref(o);
	ret = MHD_queue_response(r->conn, status, resp);
	r->status = status;
	MHD_destroy_response(resp);
	r->answered = 1;
	return ret;
}

/* A claim in progress for this long (s) is one whose gateway stopped
 * during the create: no create takes that long (every directory step has
 * ldap.timeout). */
#define APID_IDEM_STALE 600

/* The answer to a key whose first request may have made the account. */
static const char apid_outcome_unknown[] =
    "{\"type\":\"https://govmail.invalid/problems/outcome-unknown\","
    "\"title\":\"Outcome unknown\",\"status\":409,\"detail\":\"an "
    "earlier request with this Idempotency-Key may have created the account "
    "(the directory stopped answering during it): look it up, e.g. by "
    "employee_id or name, before creating it with a new key\"}";

/*
 * A key another gateway (or this one, beyond its memory) finished: the
 * account it made, read again as GET does, with the first status. The
 * initial password was only in the first answer and is not kept anywhere.
 */
static int
apid_idem_dir_replay(struct apid_req *r, const struct dir_idem_claim *c)
{
	struct account *a;
	json_t *o, *v;
	char *text;
	int ret;

	log_info("account.add replayed from the directory for %s (Idempotency-Key)",
	    r->caller->actor);
	if (c->status != 201 || c->account_uid == NULL)
		return apid_send_text(r, 409, apid_outcome_unknown, 1);
	free(r->params[0]);
	r->params[0] = xstrdup(c->account_uid);
	if (apid_target(r, API_OP_ACCOUNT_READ, &a, &ret) != 0)
		return ret;   /* gone or out of sight since: 404 (or 403) */
	o = json_object();
	json_object_set_new(o, "account", apid_account_json(a));
	account_free(a);
	v = json_object_get(r->json, "generate_password");
	if (v == NULL || json_is_true(v)) {
		json_object_set_new(o, "password", apid_jnull());
		json_object_set_new(o, "password_note", apid_jstr("the initial password "
		    "was given only in the first answer to this Idempotency-Key and is not "
		    "kept: if it was lost, set a new one with POST "
		    "/v1/accounts/{address}/password"));
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	ret = apid_send_text(r, c->status, text, 1);
	free(text);
	return ret;
}

/*
 * Claim the key in the directory, for every gateway: 0 when this request
 * has it (*claimed 1; 0 when the directory has no place for claims yet),
 * else -1 with the answer queued in *ret: the first request's, 422 for
 * another body, 409 while it is at work (outcome-unknown once the claim
 * is APID_IDEM_STALE seconds old), 503 when the directory cannot
 * say. This gateway's reservation is dropped then.
 */
static int
apid_idem_dir_claim(struct apid_req *r, const char *key,
    const unsigned char digest[SHA256_DIGEST_LENGTH], char *id, int *claimed, int *ret)
{
	struct dir_idem_claim found;
	char body[DIR_IDEM_BODY_LEN + 1];
	int st;

	*claimed = 0;
	dir_idem_id(r->caller->actor, key, id);
	dir_idem_body_hash(digest, body);
	if (apid_dir(r) == NULL)
		st = DIR_UNAVAILABLE;
	else
		st = dir_idem_claim(r->dir, id, body, r->caller->actor,
		    r->srv->conf->apid_idempotency_ttl, (long long)time(NULL), &found);
	if (st == DIR_OK) {
		*claimed = 1;
		return 0;
	}
	if (st == DIR_NOT_FOUND) {
		/* no ou=idempotency: a directory not yet set up for it */
		log_warnx("Idempotency-Key: no claim container in the directory (%s): "
		    "keys are kept by this gateway only; run govmail-ldap-setup",
		    dir_error(r->dir));
		return 0;
	}
	apid_idem_drop(r->srv->idem, r->caller->actor, key);
	if (st != DIR_EXISTS) {
		*ret = apid_dir_problem(r, st, "Idempotency-Key claim");
		return -1;
	}
	if (strcmp(found.body_hash, body) != 0)
		*ret = apid_problem(r, 422, "key-reused", "Idempotency-Key reused",
		    "Idempotency-Key", NULL, 0, "this key was used with another body");
	else if (!found.done && (long long)time(NULL) - found.claimed >= APID_IDEM_STALE)
		/* claimed long ago and never finished: the gateway that had it
		 * stopped (or lost the directory) during the create */
		*ret = apid_send_text(r, 409, apid_outcome_unknown, 1);
	else if (!found.done)
		*ret = apid_problem(r, 409, "in-progress", "In progress",
		    "Idempotency-Key", NULL, 0, "a request with this key is still being "
		    "worked on; retry later");
	else
		*ret = apid_idem_dir_replay(r, &found);
	dir_idem_claim_clear(&found);
	return -1;
}

/* The claim's outcome for the other gateways: done with the account made
 * (dn), or removed (NULL: nothing made, the key may be used again). A
 * failure leaves it in progress (409 until it expires), never wrong. */
static void
apid_idem_dir_done(struct apid_req *r, const char *id, unsigned status, const char *dn)
{
	int st = dn != NULL ? dir_idem_finish(r->dir, id, status, dn) :
	    dir_idem_drop(r->dir, id);

	if (st != DIR_OK)
		log_warnx("Idempotency-Key claim %.12s...: cannot %s it: %s", id,
		    dn != NULL ? "complete" : "remove", dir_error(r->dir));
}

int
apid_account_create(struct apid_req *r)
{
	const char *key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    "Idempotency-Key");
	unsigned char digest[SHA256_DIGEST_LENGTH];
	unsigned status = 0;
	char *text = NULL, *answer = NULL, id[DIR_IDEM_ID_LEN + 1], dn[512];
	struct timespec ts;
	int ret, unknown = 0, claimed = 0;

	if (key != NULL && !apid_idem_key_ok(key))
		return apid_problem(r, 400, "invalid-header", "Invalid header",
		    "Idempotency-Key", NULL, 0, "Idempotency-Key: 1 to 200 visible ASCII "
		    "characters");
	if (key != NULL) {
		SHA256((const unsigned char *)(r->body != NULL ? r->body : ""), r->len, digest);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		switch (apid_idem_begin(r->srv->idem, r->caller->actor, key, digest,
		    (long)ts.tv_sec, &status, &text)) {
		case APID_IDEM_REPLAY:
			log_info("account.add replayed for %s (Idempotency-Key)", r->caller->actor);
			ret = apid_send_text(r, status, text, 1);
			explicit_bzero(text, strlen(text));
			free(text);
			return ret;
		case APID_IDEM_BUSY:
			return apid_problem(r, 409, "in-progress", "In progress",
			    "Idempotency-Key", NULL, 0, "a request with this key is still being "
			    "worked on; retry later");
		case APID_IDEM_MISMATCH:
			return apid_problem(r, 422, "key-reused", "Idempotency-Key reused",
			    "Idempotency-Key", NULL, 0, "this key was used with another body");
		case APID_IDEM_NEW:
			break;
		}
		/* new here: the other gateways may know it */
		if (apid_idem_dir_claim(r, key, digest, id, &claimed, &ret) != 0)
			return ret;
	}
	dn[0] = '\0';
	ret = apid_create_run(r, &answer, &status, &unknown, dn, sizeof(dn));
	if (unknown && key != NULL) {
		/* A retry must not make a second account: the key now answers
		 * that the first request may have made it. */
		apid_idem_finish(r->srv->idem, r->caller->actor, key, 409,
		    apid_outcome_unknown);
		/* The claim stays in progress (409 on the other gateways until
		 * it expires): the directory just stopped answering on this
		 * connection, and another write would only wait for it again. */
		return ret;
	}
	if (answer == NULL) {
		/* refused or failed: nothing made, the key may be used again */
		if (key != NULL)
			apid_idem_drop(r->srv->idem, r->caller->actor, key);
		if (claimed)
			apid_idem_dir_done(r, id, 0, NULL);
		return ret;
	}
	if (key != NULL)
		apid_idem_finish(r->srv->idem, r->caller->actor, key, status, answer);
	if (claimed)
		apid_idem_dir_done(r, id, status, dn);
	ret = apid_send_text(r, status, answer, 0);
	explicit_bzero(answer, strlen(answer));
	free(answer);
	return ret;
}

/* ---- the others ------------------------------------------------------------ */

enum apid_simple {
	APID_OP_MOVE, APID_OP_RENAME, APID_OP_ALIAS_ADD, APID_OP_ALIAS_REMOVE,
	APID_OP_FORWARDS, APID_OP_QUOTA, APID_OP_LOCK, APID_OP_UNLOCK
};

/* Forwarding outside the governed domains is another operation (hr may
 * forward inside, not out). -1 when the directory cannot say. */
static int
apid_forwards_external(struct apid_req *r, json_t *list)
{
	char err[256];
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e) {
		const char *at = strrchr(json_string_value(e), '@');
		int st;

		if (at == NULL)
			continue;   /* refused by the operation itself */
		st = dir_account_domain_ok(r->dir, at + 1, err, sizeof(err));
		if (st == DIR_UNAVAILABLE)
			return -1;
		if (st != DIR_OK)
			return 1;
	}
	return 0;
}

int
apid_account_simple(struct apid_req *r, int which)
{
	static const char *const ops[] = { "account.move", "account.rename",
	    "alias.add", "alias.remove", "forward.set", "quota.set", "account.lock",
	    "account.unlock" };
	struct account_result res;
	struct audit_log *al;
	struct account *a;
	json_t *fw = NULL;
	char err[1024], now[32];
	const char **addrs = NULL;
	size_t n = 0, i;
	int ret, st, op = r->route->op;

	if (which == APID_OP_FORWARDS) {
		fw = json_object_get(r->json, "forwards");
		if (fw == NULL)
			return apid_problem(r, 400, "invalid-body", "Invalid request body",
			    "forwards", NULL, 0, "forwards: required ([] stops forwarding)");
		if (apid_dir(r) == NULL)
			return apid_dir_problem(r, DIR_UNAVAILABLE, "forwards");
		if ((st = apid_forwards_external(r, fw)) < 0)
			return apid_dir_problem(r, DIR_UNAVAILABLE, "forwards");
		if (st)
			op = API_OP_ACCOUNT_FORWARD_EXTERNAL;
	}
	if (which == APID_OP_QUOTA && (json_object_get(r->json, "quota") == NULL ||
	    json_integer_value(json_object_get(r->json, "quota")) < 0))
		return apid_problem(r, 400, "invalid-body", "Invalid request body", "quota",
		    NULL, 0, "quota: required, bytes (0: unlimited)");
	if (apid_target(r, op, &a, &ret) != 0)
		return ret;
	if (which == APID_OP_MOVE && apid_agency_allowed(r, API_OP_ACCOUNT_MOVE,
	    apid_body_str(r, "agency"), "agency", &ret) != 0) {
		account_free(a);
		return ret;
	}
	if ((al = apid_audit_open(r, &ret)) == NULL) {
		account_free(a);
		return ret;
	}
	switch (which) {
	case APID_OP_MOVE:
		st = account_move(r->dir, a, apid_body_str(r, "agency"), &res, err, sizeof(err));
		break;
	case APID_OP_RENAME:
		st = account_readdress(r->dir, a, apid_body_str(r, "address"), &res, err,
		    sizeof(err));
		break;
	case APID_OP_ALIAS_ADD:
		st = account_alias_add(r->dir, a, apid_body_str(r, "alias"), &res, err,
		    sizeof(err));
		break;
	case APID_OP_ALIAS_REMOVE:
		st = account_alias_remove(r->dir, a, r->params[1], &res, err, sizeof(err));
		break;
	case APID_OP_FORWARDS:
		n = json_array_size(fw);
		addrs = xcalloc(n + 1, sizeof(*addrs));
		for (i = 0; i < n; i++)
			addrs[i] = json_string_value(json_array_get(fw, i));
		st = account_forward_set(r->dir, a, addrs, n, &res, err, sizeof(err));
		free(addrs);
		break;
	case APID_OP_QUOTA:
		st = account_quota_set(r->dir, a,
		    (long long)json_integer_value(json_object_get(r->json, "quota")), &res,
		    err, sizeof(err));
		break;
	case APID_OP_LOCK:
		dir_generalized_time(now, sizeof(now));
		st = account_lock_set(r->dir, a, apid_body_str(r, "reason"), now, &res, err,
		    sizeof(err));
		break;
	default:
		st = account_lock_clear(r->dir, a, &res, err, sizeof(err));
		break;
	}
	if (st != DIR_OK) {
		/* the operation filled res (its mods at least) either way */
		account_result_clear(&res);
		if (apid_write_unknown(r, al, ops[which], a->address, a->dn, st, &ret)) {
			account_free(a);
			return ret;
		}
		audit_close(al);
		account_free(a);
		return apid_op_problem(r, st, err);
	}
	if (res.n > 0)
		apid_audit_result(r, al, ops[which], a, &res);
	else
		audit_close(al);
	log_info("%s %s by %s from %s: %zu change(s)", ops[which], a->address,
	    r->caller->actor, r->client, res.n);
	if (which == APID_OP_RENAME) {
		/* the answer reads the account by its new address */
		free(r->params[0]);
		r->params[0] = xstrdup(apid_body_str(r, "address"));
	}
	ret = apid_change_reply(r, &res, NULL);
	account_result_clear(&res);
	account_free(a);
	return ret;
}
