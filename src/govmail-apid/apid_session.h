/*
 * apid_session.h — sign-in sessions of the web console (issue #15): a
 * person signs in once with the HTTP Basic check (POST /v1/session), gets
 * a cookie __Host-govmail_session (HttpOnly; Secure; SameSite=Strict) and a CSRF
 * token, and then calls the API with the cookie; every change (any method
 * but GET and HEAD) must also carry X-CSRF-Token. A session ends when the
 * person signs out (DELETE /v1/session), after apid.session_idle_timeout
 * seconds without a request, apid.session_lifetime seconds after sign-in,
 * or when the person loses their role or their account stops being active.
 *
 * Sessions are kept in the memory of this govmail-apid only, by the
 * SHA-256 of their id: several gateways behind one name need a load
 * balancer that keeps a browser on one gateway (README "Web console").
 * Not for: the password check itself (apid_auth.c), tokens.
 */
#ifndef GOVMAIL_APID_SESSION_H
#define GOVMAIL_APID_SESSION_H

#include <stddef.h>

struct apid_req;
struct apid_server;

/* __Host-: a browser keeps it only when set Secure, Path=/, without
 * Domain, by this very host, so a sibling name (another agency's site
 * under the same domain) can neither plant nor shadow it. */
#define APID_SESSION_COOKIE "__Host-govmail_session"
#define APID_SESSION_COOKIE_ATTRS "Path=/; Secure; HttpOnly; SameSite=Strict"
/* The Set-Cookie that makes the browser forget the cookie. */
#define APID_SESSION_COOKIE_CLEAR \
	APID_SESSION_COOKIE "=; " APID_SESSION_COOKIE_ATTRS "; Max-Age=0"

/* The session table of srv from its configuration (its CSRF key drawn
 * here). 0, or -1 when no random key could be drawn. */
int apid_sessions_init(struct apid_server *srv);
void apid_sessions_free(struct apid_server *srv);

/*
 * The caller of a request without an Authorization header, from its
 * session cookie: 0 with r->caller set; 1 when the request has no session
 * cookie (the caller answers 401 as it does without credentials); -1 after
 * a problem was queued (*ret: the MHD result): 401 session-expired, 403
 * csrf, 503.
 */
int apid_session_authenticate(struct apid_req *r, int *ret);

/* Whether a 401 of r may offer HTTP Basic in WWW-Authenticate: never to a
 * browser (no Sec-Fetch-* header and no Cookie: its password box would
 * store credentials that other sites' pages then use). */
int apid_session_basic_challenge(const struct apid_req *r);

/* End at once every session of the person whose entry is dn (their
 * password was reset, their account suspended, renamed...); why is
 * logged. */
void apid_sessions_end_person(struct apid_server *srv, const char *dn,
    const char *why);

/* POST /v1/session, GET /v1/session, DELETE /v1/session. */
int apid_session_create(struct apid_req *r);
int apid_session_get(struct apid_req *r);
int apid_session_delete(struct apid_req *r);

#endif
