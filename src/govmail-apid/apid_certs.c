/*
 * apid_certs.c — the signing certificates of an account or an agency in
 * govmail-apid: list, add (PEM or DER as the body, or JSON with the DER in
 * base64; ?preview=true parses and answers without saving, for a console
 * to show what would be registered) and remove by fingerprint. Parsing,
 * fingerprints, the choice of what is new and the LDAP values are
 * govmailctl's (dir_cert.h); each change writes the record `govmailctl
 * account|agency cert add|remove` writes, one per certificate.
 * Who: changing needs account.cert on the owner's agency (agency-admin,
 * province-admin); reading needs that or audit.read (auditor); hr has
 * neither. An owner outside every grant is 404, as a missing one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <openssl/evp.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_accounts.h"
#include "apid_auth.h"
#include "apid_dispatch.h"
#include "apid_json.h"
#include "apid_resources.h"
#include "apid_router.h"
#include "audit_log.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_agency.h"
#include "dir_cert.h"
#include "log.h"
#include "xmalloc.h"

/* The entry whose certificates a request is about. */
struct apid_cert_owner {
	int agency;         /* 0 account, 1 agency */
	char *dn;
	char *target;       /* address or agency code: answers and audit */
};

static void
apid_cert_owner_clear(struct apid_cert_owner *o)
{
	free(o->dn);
	free(o->target);
}

int
apid_body_raw(const struct apid_route *route)
{
	return route->handler == APID_H_CERT_ADD || route->handler == APID_H_AGENCY_CERT_ADD;
}

/*
 * Find the owner (params[0]) and check the caller on its agency: writing
 * needs account.cert, reading account.cert or audit.read. 0, or -1 with a
 * problem queued in *ret.
 */
static int
apid_cert_owner_get(struct apid_req *r, int agency, int write,
    struct apid_cert_owner *o, int *ret)
{
	char rule[256], rule2[256], err[256], *adn = NULL;
	int ok;

	memset(o, 0, sizeof(*o));
	o->agency = agency;
	if (agency) {
		struct dir_agency *a = NULL;
		char *code = xstrdup(r->params[0]);
		int st = DIR_NOT_FOUND;

		dir_agency_code_lower(code);
		if (apid_dir(r) == NULL) {
			free(code);
			*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "agency");
			return -1;
		}
		if (dir_agency_code_valid(code, err, sizeof(err)) == 0)
			st = dir_agency_get(r->dir, code, &a);
		if (st != DIR_OK && st != DIR_NOT_FOUND) {
			free(code);
			*ret = apid_dir_problem(r, st, "agency");
			return -1;
		}
		if (st == DIR_NOT_FOUND || !api_authz_visible(r->caller, a->dn)) {
			free(code);
			dir_agency_free(a);
			*ret = apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0,
			    "no such agency");
			return -1;
		}
		o->dn = xstrdup(a->dn);
		o->target = code;
		adn = xstrdup(a->dn);
		dir_agency_free(a);
	} else {
		struct account *a;

		/* 404 when hidden or missing, as for GET of the account */
		if (apid_target(r, API_OP_ACCOUNT_READ, &a, ret) != 0)
			return -1;
		o->dn = xstrdup(a->dn);
		o->target = xstrdup(a->address != NULL ? a->address : a->uid);
		adn = dir_agency_dn(r->dir, a->agency);
		account_free(a);
		if (adn == NULL) {
			apid_cert_owner_clear(o);
			*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "account");
			return -1;
		}
	}
	ok = apid_allowed(r, API_OP_ACCOUNT_CERT, adn, rule, sizeof(rule));
	if (!ok && !write)
		ok = apid_allowed(r, API_OP_AUDIT_READ, adn, rule2, sizeof(rule2));
	free(adn);
	if (!ok) {
		*ret = apid_problem(r, 403, "forbidden", "Forbidden", NULL, rule, 0,
		    "%s may not %s the certificates of %s", r->caller->actor,
		    write ? "change" : "read", o->target);
		apid_cert_owner_clear(o);
		return -1;
	}
	return 0;
}

/* A string, or null when there is none (or it is not valid UTF-8). */
static json_t *
apid_jstr_or_null(const char *s)
{
	json_t *v = s != NULL ? apid_jstr(s) : NULL;

	return v != NULL ? v : apid_jnull();
}

static json_t *
apid_cert_json(const struct dir_cert *c, const char *status)
{
	json_t *o = json_object(), *em = json_array();
	size_t i;

	json_object_set_new(o, "fingerprint", apid_jstr(c->fingerprint));
	if (status != NULL)
		json_object_set_new(o, "status", apid_jstr(status));
	/* text fields are UTF-8 without controls (dir_cert.c); jansson
	 * refuses anything else, which then shows as null */
	json_object_set_new(o, "subject", apid_jstr_or_null(c->subject));
	json_object_set_new(o, "issuer", apid_jstr_or_null(c->issuer));
	json_object_set_new(o, "serial", apid_jstr_or_null(c->serial));
	json_object_set_new(o, "not_before", c->error == NULL ? apid_jstr(c->not_before) :
	    apid_jnull());
	json_object_set_new(o, "not_after", c->error == NULL ? apid_jstr(c->not_after) :
	    apid_jnull());
	for (i = 0; i < c->nemails; i++) {
		json_t *e = apid_jstr(c->emails[i]);

		if (e != NULL)
			json_array_append_new(em, e);
	}
	json_object_set_new(o, "emails", em);
	if (c->error != NULL)
		json_object_set_new(o, "error", apid_jstr_or_null(c->error));
	return o;
}

int
apid_cert_list(struct apid_req *r, int owner)
{
	static const char *const none[] = { NULL };
	struct dir_cert_list have = { NULL, 0 };
	struct apid_cert_owner o;
	json_t *body, *arr;
	size_t i;
	int ret, st;

	if (apid_query_only(r, none, &ret) != 0)
		return ret;
	if (apid_cert_owner_get(r, owner, 0, &o, &ret) != 0)
		return ret;
	if ((st = dir_cert_read(r->dir, o.dn, &have)) != DIR_OK) {
		apid_cert_owner_clear(&o);
		return apid_dir_problem(r, st, "certificates");
	}
	arr = json_array();
	for (i = 0; i < have.n; i++)
		json_array_append_new(arr, apid_cert_json(&have.v[i], NULL));
	body = json_object();
	json_object_set_new(body, owner ? "agency" : "address", apid_jstr(o.target));
	json_object_set_new(body, "certificates", arr);
	ret = apid_reply(r, 200, body, NULL, NULL);
	json_decref(body);
	dir_cert_list_clear(&have);
	apid_cert_owner_clear(&o);
	return ret;
}

/* Strict base64 (RFC 4648 alphabet, padded, nothing else) of at most
 * DIR_CERT_MAX_INPUT decoded bytes: the decoded bytes (xmalloc'd), or NULL. */
static unsigned char *
apid_base64_strict(const char *s, size_t len, size_t *outlen)
{
	unsigned char *out;
	size_t i, pad = 0;
	int n;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > DIR_CERT_MAX_INPUT)
		return NULL;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '=') {
			if (i < len - 2)
				return NULL;
			pad++;
		} else if (pad > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return NULL;
	}
	out = xmalloc(len / 4 * 3 + 1);
	n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(out);
		return NULL;
	}
	*outlen = (size_t)n - pad;
	return out;
}

/* The media types a certificate may come as, besides JSON. Not text/plain:
 * an HTML form of any site can POST that without asking (no CORS
 * preflight), with credentials a browser attaches. */
static int
apid_cert_media_ok(const char *ct)
{
	static const char *const types[] = { "application/x-pem-file",
	    "application/pkix-cert", "application/x-x509-ca-cert",
	    "application/octet-stream", NULL };
	size_t i, n = strcspn(ct, "; \t");

	for (i = 0; types[i] != NULL; i++)
		if (strlen(types[i]) == n && strncasecmp(ct, types[i], n) == 0)
			return 1;
	return 0;
}

/*
 * The certificates of the body, parsed: 0, or -1 with a 400/415 queued
 * naming the field (the JSON member, "certificate" for the body itself, or
 * Content-Type).
 */
static int
apid_cert_body(struct apid_req *r, struct dir_cert_list *in, int *ret)
{
	static const struct apid_field spec[] = {
		{ "certificate", APID_STRING, 1 },
		{ NULL, APID_STRING, 0 }
	};
	const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    "Content-Type");
	char field[300], detail[512], err[512];
	unsigned char *der = NULL;
	size_t len = 0;
	int rc;

	if (ct == NULL)
		ct = "";
	if (strncasecmp(ct, "application/json", 16) == 0 &&
	    (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ')) {
		struct apid_json_limits lim;
		json_t *v;

		lim.max_depth = r->srv->conf->apid_max_json_depth;
		/* the one string is a whole certificate: bounded by the body */
		lim.max_string = (size_t)r->srv->conf->apid_max_body_size;
		lim.max_items = 1;
		if (apid_json_decode(r->body != NULL ? r->body : "", r->len, spec, &lim,
		    &r->json, field, sizeof(field), detail, sizeof(detail)) != 0) {
			*ret = apid_problem(r, 400, "invalid-body", "Invalid request body",
			    field[0] != '\0' ? field : NULL, NULL, 0, "%s%s%s", field,
			    field[0] != '\0' ? ": " : "", detail);
			return -1;
		}
		v = json_object_get(r->json, "certificate");
		der = apid_base64_strict(json_string_value(v), json_string_length(v), &len);
		if (der == NULL) {
			*ret = apid_problem(r, 400, "invalid-body", "Invalid request body",
			    "certificate", NULL, 0, "certificate: not base64 (RFC 4648, "
			    "padded, no line breaks) of at most %d bytes", DIR_CERT_MAX_INPUT);
			return -1;
		}
		rc = dir_cert_parse(der, len, in, err, sizeof(err));
		free(der);
	} else if (apid_cert_media_ok(ct)) {
		if (r->len == 0) {
			*ret = apid_problem(r, 400, "invalid-body", "Invalid request body",
			    "certificate", NULL, 0, "certificate: the body is empty");
			return -1;
		}
		rc = dir_cert_parse((const unsigned char *)r->body, r->len, in, err,
		    sizeof(err));
	} else {
		*ret = apid_problem(r, 415, "unsupported-media-type",
		    "Unsupported media type", "Content-Type", NULL, 0, "Content-Type: "
		    "application/json, application/x-pem-file or application/pkix-cert");
		return -1;
	}
	if (rc != 0) {
		/* dir_cert.c's messages quote no input bytes */
		*ret = apid_problem(r, 400, "invalid-certificate", "Invalid certificate",
		    "certificate", NULL, 0, "certificate: %s; nothing registered", err);
		return -1;
	}
	return 0;
}

/* ?preview=true|false: 0/1 in *preview, or -1 with a 400 queued. */
static int
apid_cert_preview(struct apid_req *r, int *preview, int *ret)
{
	static const char *const allowed[] = { "preview", NULL };
	const char *p;

	*preview = 0;
	if (apid_query_only(r, allowed, ret) != 0)
		return -1;
	if ((p = apid_query(r, "preview")) == NULL)
		return 0;
	if (strcmp(p, "true") == 0 || strcmp(p, "1") == 0)
		*preview = 1;
	else if (strcmp(p, "false") != 0 && strcmp(p, "0") != 0) {
		*ret = apid_problem(r, 400, "invalid-query", "Invalid query", "preview", NULL,
		    0, "preview: true or false");
		return -1;
	}
	return 0;
}

int
apid_cert_add(struct apid_req *r, int owner)
{
	struct dir_cert_list in = { NULL, 0 }, have = { NULL, 0 };
	const struct dir_cert **add = NULL;
	struct apid_cert_owner o;
	struct dir_mods *m = NULL;
	struct audit_log *al;
	char err[512], src[80], op[48], *status = NULL;
	size_t i, nadd = 0;
	json_t *body, *arr;
	int ret, st, preview;

	if (apid_cert_preview(r, &preview, &ret) != 0)
		return ret;
	/* the body is checked before anything else is looked at */
	if (apid_cert_body(r, &in, &ret) != 0)
		return ret;
	if (apid_cert_owner_get(r, owner, 1, &o, &ret) != 0) {
		dir_cert_list_clear(&in);
		return ret;
	}
	if ((st = dir_cert_read(r->dir, o.dn, &have)) != DIR_OK) {
		ret = apid_dir_problem(r, st, "certificates");
		goto out;
	}
	add = xcalloc(in.n, sizeof(*add));
	status = xcalloc(in.n, 1);
	if (dir_cert_select_new(&have, &in, add, &nadd, status, err, sizeof(err)) != 0) {
		ret = apid_problem(r, 409, "refused", "Refused", "certificate", NULL, 0,
		    "%s %s; nothing registered", o.target, err);
		goto out;
	}
	if (!preview && nadd > 0) {
		if ((al = apid_audit_open(r, &ret)) == NULL)
			goto out;
		snprintf(op, sizeof(op), "%s.cert.add", owner ? "agency" : "account");
		if ((st = dir_cert_add(r->dir, o.dn, add, nadd, &m)) != DIR_OK) {
			if (apid_write_unknown(r, al, op, o.target, o.dn, st, &ret))
				goto out;
			audit_close(al);
			ret = st == DIR_CONSTRAINT ? apid_problem(r, 409, "refused", "Refused",
			    "certificate", NULL, 0, "the directory refused the certificates: %s",
			    dir_error(r->dir)) : apid_dir_problem(r, st, "certificates");
			goto out;
		}
		for (i = 0; i < nadd; i++) {
			snprintf(src, sizeof(src), "sha256:%s", add[i]->fingerprint);
			apid_audit_mods(r, al, op, o.target, o.dn, m, src);
		}
		if (audit_close(al) != 0)
			log_warnx("audit log close failed");
		log_info("%s %s by %s from %s: %zu certificate(s)", op, o.target,
		    r->caller->actor, r->client, nadd);
	}
	arr = json_array();
	for (i = 0; i < in.n; i++)
		json_array_append_new(arr, apid_cert_json(&in.v[i], status[i] == 'r' ?
		    "already registered" : preview ? "would be added" : "added"));
	body = json_object();
	json_object_set_new(body, owner ? "agency" : "address", apid_jstr(o.target));
	json_object_set_new(body, "preview", json_boolean(preview));
	json_object_set_new(body, "certificates", arr);
	ret = apid_reply(r, !preview && nadd > 0 ? 201 : 200, body, NULL, NULL);
	json_decref(body);
out:
	dir_mods_free(m);
	free(status);
	free(add);
	dir_cert_list_clear(&have);
	dir_cert_list_clear(&in);
	apid_cert_owner_clear(&o);
	return ret;
}

int
apid_cert_remove(struct apid_req *r, int owner)
{
	static const char *const none[] = { NULL };
	struct dir_cert_list have = { NULL, 0 };
	const struct dir_cert *del[1];
	struct apid_cert_owner o;
	struct dir_mods *m = NULL;
	struct audit_log *al;
	char fp[DIR_CERT_FP_HEX + 1], src[80], op[48];
	size_t idx = 0;
	json_t *body, *arr;
	int ret, st;

	if (apid_query_only(r, none, &ret) != 0)
		return ret;
	if (dir_cert_fp_normalize(r->params[1], fp, sizeof(fp)) != 0)
		return apid_problem(r, 400, "invalid-path", "Invalid path", "fingerprint", NULL,
		    0, "fingerprint: a SHA-256 fingerprint or a prefix of at least %d hex "
		    "digits", DIR_CERT_PREFIX_MIN);
	if (apid_cert_owner_get(r, owner, 1, &o, &ret) != 0)
		return ret;
	if ((st = dir_cert_read(r->dir, o.dn, &have)) != DIR_OK) {
		ret = apid_dir_problem(r, st, "certificates");
		goto out;
	}
	switch (dir_cert_lookup(&have, fp, &idx)) {
	case DIR_CERT_NONE:
		ret = apid_problem(r, 404, "not-found", "Not found", "fingerprint", NULL, 0,
		    "no certificate with fingerprint %s%s is registered on %s", fp,
		    strlen(fp) < DIR_CERT_FP_HEX ? "..." : "", o.target);
		goto out;
	case DIR_CERT_AMBIGUOUS:
		ret = apid_problem(r, 409, "ambiguous", "Ambiguous", "fingerprint", NULL, 0,
		    "fingerprint prefix %s matches several certificates; give more digits",
		    fp);
		goto out;
	case DIR_CERT_FOUND:
		break;
	}
	if ((al = apid_audit_open(r, &ret)) == NULL)
		goto out;
	del[0] = &have.v[idx];
	snprintf(op, sizeof(op), "%s.cert.remove", owner ? "agency" : "account");
	if ((st = dir_cert_remove(r->dir, o.dn, del, 1, &m)) != DIR_OK) {
		if (apid_write_unknown(r, al, op, o.target, o.dn, st, &ret))
			goto out;
		audit_close(al);
		ret = apid_dir_problem(r, st, "certificates");
		goto out;
	}
	snprintf(src, sizeof(src), "sha256:%s", del[0]->fingerprint);
	apid_audit_mods(r, al, op, o.target, o.dn, m, src);
	if (audit_close(al) != 0)
		log_warnx("audit log close failed");
	log_info("%s %s by %s from %s", op, o.target, r->caller->actor, r->client);
	arr = json_array();
	json_array_append_new(arr, apid_cert_json(del[0], "removed"));
	body = json_object();
	json_object_set_new(body, owner ? "agency" : "address", apid_jstr(o.target));
	json_object_set_new(body, "certificates", arr);
	ret = apid_reply(r, 200, body, NULL, NULL);
	json_decref(body);
out:
	dir_mods_free(m);
	dir_cert_list_clear(&have);
	apid_cert_owner_clear(&o);
	return ret;
}
