/*
 * apid_auth.h — who is calling govmail-apid. HR systems present an API
 * token (Authorization: Bearer), checked by api_token_verify against its
 * hash, expiry and source networks. People present their govmail address
 * and password (Authorization: Basic, over TLS only) once per request: the
 * password is checked by binding as them, and their roles are read from
 * the directory (api_person_caller). Both checks are kept a short while
 * (apid_authcache.h). A browser (the console) signs in once with the same
 * check and then presents a session cookie (apid_session.h). Secrets are
 * never logged.
 */
#ifndef GOVMAIL_APID_AUTH_H
#define GOVMAIL_APID_AUTH_H

struct apid_req;
struct account;

/* 0 with r->caller set, or -1 after a problem was queued (401, 403, 503);
 * *ret then holds the MHD result. */
int apid_authenticate(struct apid_req *r, int *ret);

/* The person check of HTTP Basic for login (address, alias or uid) and
 * password: 0 with r->caller set (and *acct, the account, when acct is not
 * NULL: then the credential cache is not consulted), or -1 after a problem
 * was queued (401 alike for an unknown login and a wrong password, 403 for
 * a person without a role, 503). */
int apid_auth_person(struct apid_req *r, const char *login, const char *password,
    struct account **acct, int *ret);

/* Whether the caller may do op on the agency whose DN is agency_dn; when
 * not, rule says which rule refused. */
int apid_allowed(struct apid_req *r, int op, const char *agency_dn, char *rule,
    size_t rulelen);

#endif
