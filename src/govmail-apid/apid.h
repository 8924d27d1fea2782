/*
 * apid.h — what the parts of govmail-apid share: the server (configuration,
 * directory pool, rate limits, listeners) and one request as it goes
 * through the router, decoding, authentication and its handler.
 * Not for: the route table (apid_routes.h) or body decoding (apid_json.h).
 */
#ifndef GOVMAIL_APID_H
#define GOVMAIL_APID_H

#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include "conf.h"

#define APID_MAX_PARAMS 2

/*
 * jansson's json_string() and json_null() share their names with
 * json_writer.h's (libgovmail, linked first): govmail-apid calls neither,
 * but these. json_stringn gives NULL for invalid UTF-8 (never a client's
 * bytes here: those are checked before).
 */
static inline json_t *
apid_jstr(const char *s)
{
	return json_stringn(s, strlen(s));
}

static inline json_t *
apid_jnull(void)
{
	return json_pack("n");
}

struct MHD_Connection;
struct MHD_Daemon;
struct apid_pool;
struct apid_rate;
struct apid_idem;
struct apid_cache;
struct apid_hrjobs;
struct apid_sessions;
struct apid_web;
struct audit_log;
struct apid_route;
struct api_caller;
struct dir;

struct apid_server {
	const struct govmail_conf *conf;
	struct apid_pool *pool;
	struct apid_rate *rate_addr;    /* per client address */
	struct apid_rate *rate_caller;  /* per token or person */
	struct apid_idem *idem;         /* Idempotency-Key answers */
	/* short-lived answers (apid_authcache.h, apid_account_cache.h) */
	struct apid_cache *tokens, *creds, *accounts;
	struct apid_cache *agency_counts;   /* apid_agency_counts.h */
	unsigned char cred_key[32];     /* secret salt of the credential keys */
	struct audit_log *audit;        /* opened at start (as root) */
	struct apid_hrjobs *hrjobs;     /* hr/sync jobs (apid_hrjobs.c) */
	struct apid_sessions *sessions; /* console sign-ins (apid_session.h) */
	struct apid_web *web;           /* console files (apid_web.h) */
	int active;                     /* requests being worked on */
	struct MHD_Daemon *tls, *plain;
	int tls_fd, plain_fd;             /* bound by apid_http_prepare */
	char *cert, *key;               /* PEM read as root, until started */
};

struct apid_req {
	struct apid_server *srv;
	struct MHD_Connection *conn;
	const struct apid_route *route;
	char method[16];
	char *params[APID_MAX_PARAMS];  /* {x} parts of the path, decoded */
	char client[64];                /* numeric address of the peer */
	char *body;
	size_t len, cap;
	int too_large;                  /* body beyond apid.max_body_size */
	int answered;                   /* a response is queued */
	int slot;                       /* holds one of apid.max_requests */
	json_t *json;                   /* decoded body, or NULL */
	struct api_caller *caller;
	struct dir *dir;                /* borrowed from the pool */
	int tls;                        /* came through apid.listen (HTTPS) */
	int clear_cookie;               /* a 401 also clears the session cookie */
	unsigned status;                /* of the response queued, 0 before */
	char *target_dn;                /* the account apid_target found */
};

/* Queue a JSON response (takes a reference of body; NULL: no body). The
 * extra header (name, value) is optional. Returns the MHD result. */
int apid_reply(struct apid_req *r, unsigned status, json_t *body,
    const char *hname, const char *hvalue);

/*
 * An RFC 9457 problem (application/problem+json): type derived from slug,
 * title, status, detail (printf), plus "field" and "rule" when not NULL.
 * 401 adds WWW-Authenticate; 429 and 503 add Retry-After (retry seconds).
 */
int apid_problem(struct apid_req *r, unsigned status, const char *slug,
    const char *title, const char *field, const char *rule, unsigned retry,
    const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* The answer for a failed directory operation: 503 with Retry-After for
 * DIR_UNAVAILABLE, else 500 (the detail is logged, not sent). */
int apid_dir_problem(struct apid_req *r, int status, const char *what);

/* A query parameter (decoded), or NULL. */
const char *apid_query(struct apid_req *r, const char *name);

/* The request's directory connection from the pool (kept until the end
 * of the request); NULL when the directory is unavailable. */
struct dir *apid_dir(struct apid_req *r);

#endif
