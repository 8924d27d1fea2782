/*
 * apid_session.c — the web console's sign-in sessions (apid_session.h).
 *
 * Why sessions live in this process and not in a signed cookie: signing
 * out and the idle timeout must take effect at once, which a cookie that
 * carries its own proof cannot do without a shared, writable revocation
 * store (a key file copied to every gateway, plus a list in the directory
 * written on every request to slide the expiry). A table in memory needs
 * no key to distribute or rotate, and a restart simply signs everyone out.
 * The price: several gateways behind one name need sticky load balancing
 * (README "Web console"), and a gateway that stops ends its sessions.
 *
 * What is kept: the SHA-256 of the session id (never the id: a memory
 * dump does not hand out live sessions), the person's entry, the fields
 * GET /v1/session shows, their grants and the times. The CSRF token is not
 * kept at all: it is HMAC-SHA256 under a key drawn at start of the id, so
 * GET /v1/session can give it again to a reloaded page, and nobody without
 * the cookie's value can compute it.
 *
 * Grants are read again (api_person_caller, as a Basic check would) when
 * they are older than apid.auth_cache_ttl or when a change through this
 * govmail-apid made the credential cache forget (apid_authcache.h): a role
 * revoked, an account suspended or locked by an administrator, or its
 * password changed (the ppolicy overlay's pwdChangedTime no longer the one
 * read at sign-in) ends its sessions within that time. A password reset,
 * suspend, disable, lock, rename or purge through this govmail-apid ends
 * the person's sessions at once (apid_sessions_end_person).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_auth.h"
#include "apid_authcache.h"
#include "apid_router.h"
#include "apid_session.h"
#include "dir.h"
#include "dir_account.h"
#include "dir_account_lock.h"
#include "log.h"
#include "xmalloc.h"

#define SESSION_COOKIE APID_SESSION_COOKIE
#define SESSION_ID_BYTES 32     /* 256 random bits */
#define SESSION_ID_LEN 43       /* their base64url, unpadded */
/* A person signing in again and again (a script, many tabs) ends their own
 * least recently used session beyond this, not other people's. */
#define SESSIONS_PER_PERSON 16
#define SESSION_COOKIE_ATTRS APID_SESSION_COOKIE_ATTRS

struct apid_session {
	struct apid_session *next;
	unsigned char key[32];      /* SHA-256 of the id */
	char *dn;                   /* the person's entry */
	char *address, *name, *uid, *agency;
	struct api_caller *caller;  /* grants, without the agency tree */
	double created, used, caller_read;
	unsigned long gen;          /* credential cache generation then */
	char pwchanged[32];         /* pwdChangedTime at sign-in ("" if none) */
	int pw_known;               /* pwchanged was read */
};

struct apid_sessions {
	pthread_mutex_t mu;
	struct apid_session **bucket;
	size_t nbuckets, count, max;
	int idle, lifetime;
	unsigned char csrf_key[32];
};

static double
session_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* base64url without padding of n bytes; out has room for 4n/3 + 2. */
static void
session_b64url(const unsigned char *in, size_t n, char *out)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
		out[o++] = al[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)in[i] << 16;
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
	}
	out[o] = '\0';
}

/* A cookie value that could be one of our ids (else it is not looked up). */
static int
session_id_valid(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++) {
		char c = id[i];

		if (i >= SESSION_ID_LEN || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return i == SESSION_ID_LEN;
}

static void
session_key(const char *id, unsigned char key[32])
{
	SHA256((const unsigned char *)id, strlen(id), key);
}

/* The CSRF token of session id: base64url(HMAC-SHA256(key, "csrf " id)). */
static void
session_csrf(const struct apid_sessions *t, const char *id, char out[SESSION_ID_LEN + 1])
{
	unsigned char mac[32], buf[5 + SESSION_ID_LEN];
	unsigned int n = 0;

	memcpy(buf, "csrf ", 5);
	memcpy(buf + 5, id, SESSION_ID_LEN);
	if (HMAC(EVP_sha256(), t->csrf_key, (int)sizeof(t->csrf_key), buf, sizeof(buf), mac,
	    &n) == NULL || n != 32)
		RAND_bytes(mac, sizeof(mac));   /* matches nothing anyone sends */
	session_b64url(mac, sizeof(mac), out);
	OPENSSL_cleanse(mac, sizeof(mac));
}

static size_t
session_bucket(const struct apid_sessions *t, const unsigned char key[32])
{
	/* the key is a digest: any of its bytes are uniform */
	return ((size_t)key[0] << 24 | (size_t)key[1] << 16 | (size_t)key[2] << 8 | key[3]) %
	    t->nbuckets;
}

static void
session_free(struct apid_session *s)
{
	if (s == NULL)
		return;
	free(s->dn);
	free(s->address);
	free(s->name);
	free(s->uid);
	free(s->agency);
	if (s->caller != NULL)
		api_caller_free(s->caller);
	OPENSSL_cleanse(s->key, sizeof(s->key));
	free(s);
}

/* The session of key and the link pointing to it, with t->mu held. */
static struct apid_session *
session_find(struct apid_sessions *t, const unsigned char key[32],
    struct apid_session ***link)
{
	struct apid_session **pp = &t->bucket[session_bucket(t, key)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if (CRYPTO_memcmp((*pp)->key, key, 32) == 0) {
			if (link != NULL)
				*link = pp;
			return *pp;
		}
	return NULL;
}

static void
session_unlink(struct apid_sessions *t, struct apid_session **link)
{
	struct apid_session *s = *link;

	*link = s->next;
	t->count--;
	session_free(s);
}

static int
session_expired(const struct apid_sessions *t, const struct apid_session *s, double now)
{
	return now - s->used > t->idle || now - s->created > t->lifetime;
}

/* Forget every expired session, with t->mu held. */
static void
session_sweep(struct apid_sessions *t, double now)
{
	struct apid_session **pp;
	size_t b;

	for (b = 0; b < t->nbuckets; b++)
		for (pp = &t->bucket[b]; *pp != NULL;) {
			if (session_expired(t, *pp, now))
				session_unlink(t, pp);
			else
				pp = &(*pp)->next;
		}
}

/* Beyond SESSIONS_PER_PERSON sessions of dn: the least recently used one
 * goes, with t->mu held. */
static void
session_person_cap(struct apid_sessions *t, const char *dn)
{
	struct apid_session **pp, **oldest = NULL;
	size_t b, n = 0;

	for (b = 0; b < t->nbuckets; b++)
		for (pp = &t->bucket[b]; *pp != NULL; pp = &(*pp)->next) {
			if (strcmp((*pp)->dn, dn) != 0)
				continue;
			n++;
			if (oldest == NULL || (*pp)->used < (*oldest)->used)
				oldest = pp;
		}
	if (n >= SESSIONS_PER_PERSON && oldest != NULL) {
		log_info("session of %s: ended, more than %d at once", dn,
		    SESSIONS_PER_PERSON);
		session_unlink(t, oldest);
	}
}

/* o[k] = v as a string, or null. */
static void
session_set(json_t *o, const char *k, const char *v)
{
	json_t *j = v != NULL ? apid_jstr(v) : NULL;

	json_object_set_new(o, k, j != NULL ? j : apid_jnull());
}

/* The "user" object of GET and POST /v1/session. */
static json_t *
session_user(const struct apid_session *s)
{
	json_t *o = json_object(), *roles = json_array(), *g;
	const struct api_caller *c = s->caller;
	size_t i;

	session_set(o, "address", s->address);
	session_set(o, "name", s->name);
	session_set(o, "uid", s->uid);
	session_set(o, "agency", s->agency);
	for (i = 0; c != NULL && i < c->ngrants; i++) {
		const char *rn = api_role_name(c->grants[i].role);

		if (rn == NULL)
			continue;
		g = json_object();
		json_object_set_new(g, "role", apid_jstr(rn));
		json_object_set_new(g, "agency", c->grants[i].agency_code != NULL ?
		    apid_jstr(c->grants[i].agency_code) : apid_jnull());
		json_array_append_new(roles, g);
	}
	json_object_set_new(o, "roles", roles);
	return o;
}

/* 200 {"user", "csrf_token", "idle_timeout"} (POST and GET /v1/session). */
static int
session_answer(struct apid_req *r, json_t *user, const char *id, const char *cookie)
{
	char csrf[SESSION_ID_LEN + 1];
	json_t *o = json_object();
	int ret;

	session_csrf(r->srv->sessions, id, csrf);
	json_object_set_new(o, "user", user);
	json_object_set_new(o, "csrf_token", apid_jstr(csrf));
	json_object_set_new(o, "idle_timeout", json_integer(r->srv->sessions->idle));
	ret = apid_reply(r, 200, o, cookie != NULL ? "Set-Cookie" : NULL, cookie);
	json_decref(o);
	OPENSSL_cleanse(csrf, sizeof(csrf));
	return ret;
}

static int
session_gone(struct apid_req *r, const char *why)
{
	log_info("%s %s: client %s: session refused: %s", r->method, r->route->pattern,
	    r->client, why);
	r->clear_cookie = 1;
	return apid_problem(r, 401, "session-expired", "Session expired", NULL, NULL, 0,
	    "the session has ended (signed out, idle too long, or the server restarted): "
	    "sign in again");
}

/* api_person_caller, and DIR_DENIED for an account under an
 * administrative lock. */
static enum dir_status
session_person(struct dir *d, const char *dn, struct api_caller **out, char *why,
    size_t whylen, char *pwc, size_t pwclen)
{
	struct dir_lock_state ls;
	struct dir_entry *e = NULL;
	enum dir_status st;

	*out = NULL;
	if ((st = dir_lock_read(d, dn, &e)) != DIR_OK) {
		snprintf(why, whylen, "%s: cannot read its lock state", dn);
		return st == DIR_NOT_FOUND ? DIR_DENIED : st;
	}
	dir_lock_state(e, NULL, time(NULL), &ls);
	snprintf(pwc, pwclen, "%s", dir_pw_changed(e));
	dir_entry_free(e);
	if (ls.kind == DIR_LOCK_ADMIN) {
		snprintf(why, whylen, "%s is locked", dn);
		return DIR_DENIED;
	}
	return api_person_caller(d, dn, out, why, whylen);
}

/* First 8 hex digits of a session's key: names it in the log, says
 * nothing of its id. */
static void
session_tag(const unsigned char key[32], char tag[9])
{
	snprintf(tag, 9, "%02x%02x%02x%02x", key[0], key[1], key[2], key[3]);
}

/*
 * The session whose id is the cookie value id: checks expiry and, when
 * csrf, the X-CSRF-Token header; slides the expiry; sets r->caller (grants
 * read again when due). With user, also the "user" object. 0, or -1 after
 * a problem was queued (*ret).
 */
static int
session_use(struct apid_req *r, const char *id, int csrf, json_t **user, int *ret)
{
	struct apid_sessions *t = r->srv->sessions;
	struct apid_session *s, **link;
	unsigned char key[32];
	char tag[9], *dn = NULL, why[256], pwc[32];
	struct api_caller *c = NULL;
	unsigned long gen;
	double now;
	struct dir *d;
	int refresh, pwchanged = 0;

	if (!session_id_valid(id)) {
		*ret = session_gone(r, "not a session id");
		return -1;
	}
	session_key(id, key);
	session_tag(key, tag);
	gen = apid_person_gen(r);
	now = session_now();
	pthread_mutex_lock(&t->mu);
	if ((s = session_find(t, key, &link)) == NULL) {
		pthread_mutex_unlock(&t->mu);
		snprintf(why, sizeof(why), "session %s: unknown", tag);
		*ret = session_gone(r, why);
		return -1;
	}
	if (session_expired(t, s, now)) {
		snprintf(why, sizeof(why), "session %s of %s: %s", tag, s->address,
		    now - s->created > t->lifetime ? "older than apid.session_lifetime" :
		    "idle longer than apid.session_idle_timeout");
		session_unlink(t, link);
		pthread_mutex_unlock(&t->mu);
		*ret = session_gone(r, why);
		return -1;
	}
	pthread_mutex_unlock(&t->mu);
	/* the token is checked only for a session that exists: a page left
	 * open across a restart (a new HMAC key) is told its session ended,
	 * not that its token is wrong */
	if (csrf) {
		const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		    "X-CSRF-Token");
		char want[SESSION_ID_LEN + 1];
		int good;

		session_csrf(t, id, want);
		good = h != NULL && strlen(h) == SESSION_ID_LEN &&
		    CRYPTO_memcmp(h, want, SESSION_ID_LEN) == 0;
		OPENSSL_cleanse(want, sizeof(want));
		if (!good) {
			log_info("%s %s: client %s: session %s: %s X-CSRF-Token", r->method,
			    r->route->pattern, r->client, tag, h == NULL ? "no" : "wrong");
			*ret = apid_problem(r, 403, "csrf", "CSRF token missing or wrong", NULL,
			    NULL, 0, "a change made with the session cookie needs the "
			    "session's X-CSRF-Token header");
			return -1;
		}
	}
	pthread_mutex_lock(&t->mu);
	/* signed out or ended meanwhile */
	if ((s = session_find(t, key, &link)) == NULL) {
		pthread_mutex_unlock(&t->mu);
		snprintf(why, sizeof(why), "session %s: unknown", tag);
		*ret = session_gone(r, why);
		return -1;
	}
	s->used = now;
	refresh = s->gen != gen ||
	    now - s->caller_read >= r->srv->conf->apid_auth_cache_ttl;
	if (refresh)
		dn = xstrdup(s->dn);
	else
		c = apid_caller_dup(s->caller);
	if (user != NULL && !refresh)
		*user = session_user(s);
	pthread_mutex_unlock(&t->mu);

	if ((d = apid_dir(r)) == NULL) {
		free(dn);
		if (c != NULL)
			api_caller_free(c);
		if (user != NULL && *user != NULL) {
			json_decref(*user);
			*user = NULL;
		}
		*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "session");
		return -1;
	}
	if (!refresh) {
		/* the scope check walks the current agency tree */
		enum dir_status st = api_agency_tree_current(d, &c->tree);

		if (st != DIR_OK) {
			api_caller_free(c);
			if (user != NULL) {
				json_decref(*user);
				*user = NULL;
			}
			*ret = apid_dir_problem(r, st, "session");
			return -1;
		}
		r->caller = c;
		return 0;
	}
	/* grants read again, as a new Basic check would; and an
	 * administrative lock (govmailctl account lock: a compromised
	 * account), which a Basic caller meets at its next bind, ends the
	 * session too. (A lockout after failed logins does not: anyone could
	 * cause it by guessing.) */
	switch (session_person(d, dn, &c, why, sizeof(why), pwc, sizeof(pwc))) {
	case DIR_OK:
		pthread_mutex_lock(&t->mu);
		s = session_find(t, key, NULL);
		if (s != NULL && !s->pw_known) {
			snprintf(s->pwchanged, sizeof(s->pwchanged), "%s", pwc);
			s->pw_known = 1;
		} else if (s != NULL && strcmp(s->pwchanged, pwc) != 0)
			pwchanged = 1;
		pthread_mutex_unlock(&t->mu);
		if (!pwchanged)
			break;
		/* a new password (set by govmailctl, another gateway, the
		 * person's mail client): what was signed in with the old one
		 * ends, as a Basic caller with the old one is refused */
		api_caller_free(c);
		c = NULL;
		snprintf(why, sizeof(why), "its password was changed");
		/* FALLTHROUGH */
	case DIR_DENIED: {
		char esc[300];

		pthread_mutex_lock(&t->mu);
		if (session_find(t, key, &link) != NULL)
			session_unlink(t, link);
		pthread_mutex_unlock(&t->mu);
		log_escape(esc, sizeof(esc), why, 250);
		log_info("%s %s: client %s: session %s of %s ended: %s", r->method,
		    r->route->pattern, r->client, tag, dn, esc);
		free(dn);
		r->clear_cookie = 1;
		*ret = apid_problem(r, 401, "unauthenticated", "Authentication required", NULL,
		    NULL, 0, "the session has ended: the account is no longer active, has "
		    "no role in the API, or its password was changed");
		return -1;
	}
	default:
		free(dn);
		*ret = apid_dir_problem(r, DIR_UNAVAILABLE, "session");
		return -1;
	}
	free(dn);
	pthread_mutex_lock(&t->mu);
	if ((s = session_find(t, key, NULL)) != NULL) {
		if (s->caller != NULL)
			api_caller_free(s->caller);
		s->caller = apid_caller_dup(c);
		s->caller_read = now;
		s->gen = gen;
		if (user != NULL)
			*user = session_user(s);
	}
	pthread_mutex_unlock(&t->mu);
	if (s == NULL) {
		/* signed out meanwhile */
		api_caller_free(c);
		*ret = session_gone(r, "signed out during the request");
		return -1;
	}
	r->caller = c;
	return 0;
}

static const char *
session_cookie_value(struct apid_req *r)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
	    SESSION_COOKIE);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

int
apid_session_authenticate(struct apid_req *r, int *ret)
{
	const char *id = session_cookie_value(r);

	if (id == NULL)
		return 1;
	return session_use(r, id, strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0, NULL, ret);
}

/*
 * A browser that is offered Basic shows its own password box and then
 * sends what was typed there with every request to this server, those
 * that pages of other sites start included: a current browser (it sends
 * Sec-Fetch-* with every request, navigations too) or anything carrying
 * a cookie is never offered Basic. Tools (curl, an HR system's HTTP
 * library, which may wait for the challenge before sending Basic) send
 * neither and keep it.
 */
int
apid_session_basic_challenge(const struct apid_req *r)
{
	static const char *const browser[] = {
		"Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest", "Sec-Fetch-User",
		"Cookie",
	};
	size_t i;

	if (r->route != NULL && (r->route->handler == APID_H_SESSION_CREATE ||
	    r->route->handler == APID_H_SESSION_GET ||
	    r->route->handler == APID_H_SESSION_DELETE))
		return 0;
	for (i = 0; i < sizeof(browser) / sizeof(browser[0]); i++)
		if (MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, browser[i]) != NULL)
			return 0;
	return 1;
}

int
apid_session_create(struct apid_req *r)
{
	struct apid_sessions *t = r->srv->sessions;
	const char *login = json_string_value(json_object_get(r->json, "user"));
	const char *pw = json_string_value(json_object_get(r->json, "password"));
	unsigned char raw[SESSION_ID_BYTES];
	char id[SESSION_ID_LEN + 1], tag[9], cookie[128];
	struct account *a = NULL;
	struct apid_session *s;
	json_t *user;
	size_t b;
	double now;
	int ret;

	if (login == NULL || pw == NULL || login[0] == '\0' || pw[0] == '\0') {
		/* an empty password would be an unauthenticated LDAP bind, which
		 * succeeds: never tried; answered as a wrong password */
		log_info("%s %s: client %s: empty user or password", r->method,
		    r->route->pattern, r->client);
		return apid_problem(r, 401, "unauthenticated", "Authentication required",
		    NULL, NULL, 0, "the address or the password is wrong");
	}
	if (apid_auth_person(r, login, pw, &a, &ret) != 0)
		return ret;
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		account_free(a);
		return apid_problem(r, 500, "internal", "Internal error", NULL, NULL, 0,
		    "no random session id could be drawn");
	}
	session_b64url(raw, sizeof(raw), id);
	OPENSSL_cleanse(raw, sizeof(raw));
	s = xcalloc(1, sizeof(*s));
	session_key(id, s->key);
	session_tag(s->key, tag);
	s->dn = xstrdup(a->dn);
	s->address = a->address != NULL ? xstrdup(a->address) : NULL;
	s->name = a->cn != NULL ? xstrdup(a->cn) : NULL;
	s->uid = a->uid != NULL ? xstrdup(a->uid) : NULL;
	s->agency = a->agency != NULL ? xstrdup(a->agency) : NULL;
	account_free(a);
	s->caller = apid_caller_dup(r->caller);
	/* when the password was last changed: a later change ends the session
	 * (session_use); unread, the first check records it */
	{
		struct dir *d = apid_dir(r);
		struct dir_entry *e = NULL;

		if (d != NULL && dir_lock_read(d, s->dn, &e) == DIR_OK) {
			snprintf(s->pwchanged, sizeof(s->pwchanged), "%s", dir_pw_changed(e));
			s->pw_known = 1;
		}
		dir_entry_free(e);
	}
	now = session_now();
	s->created = s->used = s->caller_read = now;
	s->gen = apid_person_gen(r);

	user = session_user(s);   /* while s is still only ours */

	pthread_mutex_lock(&t->mu);
	session_sweep(t, now);
	session_person_cap(t, s->dn);
	if (t->count >= t->max) {
		pthread_mutex_unlock(&t->mu);
		log_warnx("session for %s refused: apid.session_max (%zu) sessions are open",
		    s->address != NULL ? s->address : s->dn, t->max);
		session_free(s);
		json_decref(user);
		OPENSSL_cleanse(id, sizeof(id));
		return apid_problem(r, 503, "sessions-full", "Too many sessions", NULL,
		    "apid.session_max", 0, "all %zu sessions are in use", t->max);
	}
	b = session_bucket(t, s->key);
	s->next = t->bucket[b];
	t->bucket[b] = s;
	t->count++;
	pthread_mutex_unlock(&t->mu);
	/* s is the table's now (another sign-in may end it): not used below */
	log_info("session %s: %s signed in from %s", tag,
	    r->caller->actor != NULL ? r->caller->actor : "?", r->client);
	snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s; " SESSION_COOKIE_ATTRS, id);
	ret = session_answer(r, user, id, cookie);
	OPENSSL_cleanse(cookie, sizeof(cookie));
	OPENSSL_cleanse(id, sizeof(id));
	return ret;
}

int
apid_session_get(struct apid_req *r)
{
	const char *id = session_cookie_value(r);
	json_t *user = NULL;
	int ret;

	if (id == NULL) {
		log_info("%s %s: client %s: no session cookie", r->method, r->route->pattern,
		    r->client);
		return apid_problem(r, 401, "unauthenticated", "Authentication required", NULL,
		    NULL, 0, "not signed in");
	}
	if (session_use(r, id, 0, &user, &ret) != 0)
		return ret;
	if (user == NULL)
		user = json_object();
	return session_answer(r, user, id, NULL);
}

int
apid_session_delete(struct apid_req *r)
{
	struct apid_sessions *t = r->srv->sessions;
	const char *id = session_cookie_value(r);
	struct apid_session **link;
	unsigned char key[32];
	char tag[9];
	int ret;

	if (id == NULL)
		return apid_problem(r, 401, "unauthenticated", "Authentication required", NULL,
		    NULL, 0, "not signed in");
	if (session_use(r, id, 1, NULL, &ret) != 0)
		return ret;
	session_key(id, key);
	session_tag(key, tag);
	pthread_mutex_lock(&t->mu);
	if (session_find(t, key, &link) != NULL)
		session_unlink(t, link);
	pthread_mutex_unlock(&t->mu);
	log_info("session %s: %s signed out from %s", tag, r->caller->actor, r->client);
	return apid_reply(r, 204, NULL, "Set-Cookie", APID_SESSION_COOKIE_CLEAR);
}

void
apid_sessions_end_person(struct apid_server *srv, const char *dn, const char *why)
{
	struct apid_sessions *t = srv->sessions;
	struct apid_session **pp;
	size_t b, n = 0;

	if (t == NULL || dn == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	for (b = 0; b < t->nbuckets; b++)
		for (pp = &t->bucket[b]; *pp != NULL;) {
			if (strcasecmp((*pp)->dn, dn) == 0) {
				session_unlink(t, pp);
				n++;
			} else
				pp = &(*pp)->next;
		}
	pthread_mutex_unlock(&t->mu);
	if (n > 0)
		log_info("%zu session%s of %s ended: %s", n, n == 1 ? "" : "s", dn, why);
}

int
apid_sessions_init(struct apid_server *srv)
{
	const struct govmail_conf *c = srv->conf;
	struct apid_sessions *t = xcalloc(1, sizeof(*t));

	if (RAND_bytes(t->csrf_key, sizeof(t->csrf_key)) != 1) {
		free(t);
		return -1;
	}
	pthread_mutex_init(&t->mu, NULL);
	t->max = (size_t)c->apid_session_max;
	t->nbuckets = t->max / 4 + 1;
	t->bucket = xcalloc(t->nbuckets, sizeof(*t->bucket));
	t->idle = c->apid_session_idle_timeout;
	t->lifetime = c->apid_session_lifetime;
	srv->sessions = t;
	return 0;
}

void
apid_sessions_free(struct apid_server *srv)
{
	struct apid_sessions *t = srv->sessions;
	struct apid_session *s, *n;
	size_t b;

	if (t == NULL)
		return;
	for (b = 0; b < t->nbuckets; b++)
		for (s = t->bucket[b]; s != NULL; s = n) {
			n = s->next;
			session_free(s);
		}
	free(t->bucket);
	OPENSSL_cleanse(t->csrf_key, sizeof(t->csrf_key));
	pthread_mutex_destroy(&t->mu);
	free(t);
	srv->sessions = NULL;
}
