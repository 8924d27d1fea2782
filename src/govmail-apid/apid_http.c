/*
 * apid_http.c — libmicrohttpd glue of govmail-apid (apid_http.h).
 *
 * TLS: Debian's libmicrohttpd does HTTPS through GnuTLS. The priority
 * string below keeps it to what OpenSSL's defaults allow on Debian 12 or
 * less: TLS 1.2 and 1.3 only, AEAD ciphers with ECDHE or TLS 1.3 key
 * exchange, at least 112-bit security for keys and groups (OpenSSL's
 * security level 2).
 *
 * A request goes: a path outside /v1/ and /openapi.json is the web
 * console's (apid_web.c), answered at once from memory -> rate per client
 * address (429) -> route (404, 405) -> a change from another site (403,
 * apid_origin.c) -> Content-Length (413) -> body collected up to apid.max_body_size (413) ->
 * a slot among apid.max_requests (503) -> body decoded (400) -> the
 * handler (authentication first, apid_dispatch.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "apid.h"
#include "apid_auth.h"
#include "apid_dispatch.h"
#include "apid_http.h"
#include "apid_json.h"
#include "apid_origin.h"
#include "apid_pool.h"
#include "apid_rate.h"
#include "apid_resources.h"
#include "apid_router.h"
#include "apid_session.h"
#include "apid_web.h"
#include "dir.h"
#include "log.h"
#include "xmalloc.h"

#define APID_TLS_PRIORITIES "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
	"-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:" \
	"-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:%PROFILE_MEDIUM"

#define APID_PROBLEM_BASE "https://govmail.invalid/problems/"

static double
apid_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
apid_reply(struct apid_req *r, unsigned status, json_t *body, const char *hname,
    const char *hvalue)
{
	struct MHD_Response *resp;
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		len = text != NULL ? strlen(text) : 0;
	}
	resp = MHD_create_response_from_buffer(len, text != NULL ? text : (char *)"",
	    text != NULL ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (body != NULL)
		MHD_add_response_header(resp, "Content-Type", status >= 400 ?
		    "application/problem+json" : "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	apid_web_headers(r, resp);
	if (hname != NULL)
		MHD_add_response_header(resp, hname, hvalue);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
	r->status = status;
	return ret;
}

int
apid_problem(struct apid_req *r, unsigned status, const char *slug, const char *title,
    const char *field, const char *rule, unsigned retry, const char *fmt, ...)
{
	struct MHD_Response *resp;
	char detail[1024], type[128], num[32], *text;
	json_t *o, *v;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	snprintf(type, sizeof(type), APID_PROBLEM_BASE "%s", slug);
	o = json_object();
	json_object_set_new(o, "type", apid_jstr(type));
	json_object_set_new(o, "title", apid_jstr(title));
	json_object_set_new(o, "status", json_integer(status));
	/* detail may quote client bytes: only valid UTF-8 reaches here, and
	 * jansson escapes the rest */
	if ((v = apid_jstr(detail)) == NULL)
		v = apid_jstr("(not shown)");
	json_object_set_new(o, "detail", v);
	if (field != NULL) {
		if ((v = apid_jstr(field)) == NULL)
			v = apid_jstr("(not shown)");
		json_object_set_new(o, "field", v);
	}
	if (rule != NULL)
		json_object_set_new(o, "rule", apid_jstr(rule));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "application/problem+json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	apid_web_headers(r, resp);
	/* no Basic challenge to a browser's script: it would open the
	 * browser's own password dialog over the console (apid_session.h) */
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate",
		    apid_session_basic_challenge(r) ?
		    "Bearer realm=\"govmail\", Basic realm=\"govmail\", charset=\"UTF-8\"" :
		    "Bearer realm=\"govmail\"");
	/* a cookie naming no live session: the browser forgets it */
	if (status == 401 && r->clear_cookie)
		MHD_add_response_header(resp, "Set-Cookie", APID_SESSION_COOKIE_CLEAR);
	if (status == 429 || status == 503) {
		snprintf(num, sizeof(num), "%u", retry > 0 ? retry :
		    (unsigned)r->srv->conf->apid_retry_after);
		MHD_add_response_header(resp, "Retry-After", num);
	}
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
	r->status = status;
	return ret;
}

int
apid_dir_problem(struct apid_req *r, int status, const char *what)
{
	if (status == DIR_UNAVAILABLE) {
		log_warnx("%s %s: directory unavailable: %s", r->method, what,
		    r->dir != NULL ? dir_error(r->dir) : "cannot connect");
		return apid_problem(r, 503, "directory-unavailable", "Directory unavailable",
		    NULL, NULL, 0, "the directory cannot be reached now; nothing was changed");
	}
	log_warnx("%s %s: directory error: %s", r->method, what,
	    r->dir != NULL ? dir_error(r->dir) : "?");
	return apid_problem(r, 500, "directory-error", "Directory error", NULL, NULL, 0,
	    "the directory refused the operation; see the server log");
}

const char *
apid_query(struct apid_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct dir *
apid_dir(struct apid_req *r)
{
	char err[512];

	if (r->dir == NULL && (r->dir = apid_pool_get(r->srv->pool, err, sizeof(err))) == NULL)
		log_warnx("directory: %s", err);
	return r->dir;
}

static void
apid_client_addr(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(buf, len, "unknown");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in), buf, (socklen_t)len, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, len, "unknown");
	/* an IPv4 client of a dual-stack socket: its plain IPv4 form */
	if (strncmp(buf, "::ffff:", 7) == 0 && strchr(buf + 7, ':') == NULL)
		memmove(buf, buf + 7, strlen(buf + 7) + 1);
}

/* Whether the connection came through the TLS listener. */
static int
apid_conn_tls(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	const union MHD_DaemonInfo *di;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
	if (ci == NULL || ci->daemon == NULL)
		return 0;
	di = MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_FLAGS);
	return di != NULL && (di->flags & MHD_USE_TLS) != 0;
}

static void
apid_req_free(struct apid_req *r)
{
	size_t i;

	if (r->dir != NULL)
		apid_pool_put(r->srv->pool, r->dir);
	if (r->slot)
		__atomic_sub_fetch(&r->srv->active, 1, __ATOMIC_SEQ_CST);
	apid_dispatch_done(r);
	for (i = 0; i < APID_MAX_PARAMS; i++)
		free(r->params[i]);
	json_decref(r->json);
	free(r->body);
	free(r->target_dn);
	free(r);
}

static void
apid_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	if (*con_cls != NULL)
		apid_req_free(*con_cls);
	*con_cls = NULL;
}

/* Whether a Content-Type is application/json (parameters allowed). */
static int
apid_is_json(const char *ct)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	if (ct == NULL || strncasecmp(ct, json, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* 413, naming the limit of the route (apid_route_body_max). */
static enum MHD_Result
apid_body_too_large(struct apid_req *r)
{
	const struct govmail_conf *c = r->srv->conf;
	int up = r->route->body == apid_body_upload;

	return apid_problem(r, 413, "body-too-large", "Body too large", NULL,
	    up ? "apid.hr_max_upload_size" : "apid.max_body_size", 0,
	    "the body may have at most %lld bytes", apid_route_body_max(r->route, c));
}

/* First call for a request: everything that needs no body. */
static enum MHD_Result
apid_begin(struct apid_req *r, const char *url)
{
	const struct govmail_conf *c = r->srv->conf;
	char params[APID_MAX_PARAMS][256], allow[128], esc[200], why[128];
	const char *cl;
	unsigned retry;
	int known;
	size_t i;

	if (apid_text_ok(url, strlen(url), 2048, why, sizeof(why)) != 0)
		return apid_problem(r, 400, "bad-path", "Bad path", NULL, NULL, 0,
		    "the path: %s", why);
	/* the web console's files: everything but /v1/ and /openapi.json.
	 * Answered from memory, before the rate limit: a page view is many
	 * files, and an office behind one NAT address opens many pages */
	if (apid_web_path(url))
		return apid_web_serve(r, url) == MHD_YES ? MHD_YES : MHD_NO;
	if (!apid_rate_take(r->srv->rate_addr, r->client, apid_now(), &retry)) {
		log_info("rate limit: client %s", r->client);
		return apid_problem(r, 429, "rate-limited", "Too many requests", NULL,
		    "apid.rate_per_address", retry,
		    "more than %d requests per minute from %s", c->apid_rate_per_address,
		    r->client);
	}
	r->route = apid_route_match(r->method, url, params, APID_MAX_PARAMS, &known,
	    allow, sizeof(allow));
	if (r->route == NULL && known)
		return apid_reply(r, 405, NULL, "Allow", allow) == MHD_YES ?
		    MHD_YES : MHD_NO;
	if (r->route == NULL) {
		log_escape(esc, sizeof(esc), url, 150);
		return apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0,
		    "no resource at this path");
	}
	for (i = 0; i < APID_MAX_PARAMS; i++)
		r->params[i] = xstrdup(params[i]);
	/* a change a page of another site started: refused before its body */
	{
		int ret;

		if (apid_origin_check(r, &ret) != 0)
			return ret == MHD_YES ? MHD_YES : MHD_NO;
	}
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
	if (cl != NULL && strtoull(cl, NULL, 10) >
	    (unsigned long long)apid_route_body_max(r->route, c))
		return apid_body_too_large(r);
	/*
	 * An upload route (an HR export, up to apid.hr_max_upload_size) reads
	 * its body only for a caller already authenticated: no stranger can
	 * make govmail-apid hold that much per connection. The pooled
	 * connection used for that goes back at once, not after a slow upload.
	 */
	if (r->route->op != APID_PUBLIC && r->route->body == apid_body_upload) {
		int ret;

		if (apid_authenticate(r, &ret) != 0)
			return ret == MHD_YES ? MHD_YES : MHD_NO;
		if (r->dir != NULL) {
			apid_pool_put(r->srv->pool, r->dir);
			r->dir = NULL;
		}
	}
	return MHD_YES;
}

static enum MHD_Result
apid_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload, size_t *upload_size,
    void **con_cls)
{
	struct apid_server *s = cls;
	struct apid_req *r = *con_cls;
	const struct govmail_conf *c = s->conf;

	(void)version;
	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->srv = s;
		r->conn = conn;
		snprintf(r->method, sizeof(r->method), "%s", method);
		apid_client_addr(conn, r->client, sizeof(r->client));
		r->tls = apid_conn_tls(conn);
		*con_cls = r;
		return apid_begin(r, url);
	}
	if (r->answered) {
		/* answered early: the body is read and dropped */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t max = (size_t)apid_route_body_max(r->route, c);

		if (r->len + *upload_size > max)
			r->too_large = 1;
		if (!r->too_large) {
			if (r->len + *upload_size > r->cap) {
				r->cap = (r->len + *upload_size) * 2;
				if (r->cap > max)
					r->cap = max;
				r->body = xreallocarray(r->body, r->cap, 1);
			}
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	/* the whole request is here */
	if (r->too_large)
		return apid_body_too_large(r);
	if (__atomic_add_fetch(&s->active, 1, __ATOMIC_SEQ_CST) > c->apid_max_requests) {
		__atomic_sub_fetch(&s->active, 1, __ATOMIC_SEQ_CST);
		return apid_problem(r, 503, "busy", "Busy", NULL, "apid.max_requests", 0,
		    "all %d request slots are busy", c->apid_max_requests);
	}
	r->slot = 1;
	if (r->route->body == NULL && r->len > 0)
		return apid_problem(r, 400, "unexpected-body", "Unexpected body", NULL, NULL,
		    0, "%s %s takes no body", r->route->method, r->route->pattern);
	/* the handler decodes a raw body: certificates (apid_resources.h),
	 * HR exports (apid_hrjobs.c) */
	if (r->route->body != NULL && !apid_body_raw(r->route) &&
	    r->route->body != apid_body_upload) {
		struct apid_json_limits lim;
		char field[300], detail[512];

		lim.max_depth = c->apid_max_json_depth;
		lim.max_string = (size_t)c->apid_max_string_length;
		lim.max_items = 1000;
		/* JSON only as JSON: a form of any site can POST text/plain or
		 * a urlencoded body without asking the browser's permission
		 * (CORS), never application/json */
		if (r->len > 0 && !apid_is_json(MHD_lookup_connection_value(r->conn,
		    MHD_HEADER_KIND, "Content-Type")))
			return apid_problem(r, 415, "unsupported-media-type",
			    "Unsupported media type", "Content-Type", NULL, 0,
			    "%s %s takes Content-Type: application/json", r->route->method,
			    r->route->pattern);
		if (r->len == 0) {
			r->json = json_object();
		} else if (apid_json_decode(r->body, r->len, r->route->body, &lim, &r->json,
		    field, sizeof(field), detail, sizeof(detail)) != 0) {
			/* field and detail quote client bytes only when they
			 * are valid UTF-8 without controls (apid_json.c) */
			return apid_problem(r, 400, "invalid-body", "Invalid request body",
			    field[0] != '\0' ? field : NULL, NULL, 0, "%s%s%s",
			    field[0] != '\0' ? field : "", field[0] != '\0' ? ": " : "", detail);
		}
	}
	return apid_dispatch(r) == MHD_YES ? MHD_YES : MHD_NO;
}

/* A listening socket for "host:port" (bound now, as root). -1 with err. */
static int
apid_bind(const char *spec, int backlog, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon = strrchr(spec, ':'), *h = spec;
	size_t n = (size_t)(colon - spec);
	int fd, on = 1, rc;

	if (spec[0] == '[') {
		h++;
		n -= 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)n, h);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
		snprintf(err, errlen, "%s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The whole of a small file (a PEM), NUL-terminated; NULL with err. */
static char *
apid_read_pem(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	size_t n;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(1048576 + 1);
	n = fread(buf, 1, 1048576, fp);
	fclose(fp);
	buf[n] = '\0';
	if (n == 0 || n == 1048576) {
		snprintf(err, errlen, "%s: empty or larger than 1 MB", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static void
apid_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512], esc[600];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_escape(esc, sizeof(esc), buf, 500);
	log_info("http: %s", esc);
}

static struct MHD_Daemon *
apid_daemon(struct apid_server *s, int fd, const char *cert, const char *key)
{
	const struct govmail_conf *c = s->conf;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG;

	if (cert != NULL) {
		flags |= MHD_USE_TLS;
		return MHD_start_daemon(flags, 0, NULL, NULL, apid_access, s,
		    MHD_OPTION_EXTERNAL_LOGGER, apid_mhd_log, NULL,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_HTTPS_MEM_CERT, cert,
		    MHD_OPTION_HTTPS_MEM_KEY, key,
		    MHD_OPTION_HTTPS_PRIORITIES, APID_TLS_PRIORITIES,
		    MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->apid_max_connections,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->apid_connection_timeout,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->apid_max_header_size,
		    MHD_OPTION_NOTIFY_COMPLETED, apid_completed, s,
		    MHD_OPTION_END);
	}
	return MHD_start_daemon(flags, 0, NULL, NULL, apid_access, s,
	    MHD_OPTION_EXTERNAL_LOGGER, apid_mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->apid_max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->apid_connection_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->apid_max_header_size,
	    MHD_OPTION_NOTIFY_COMPLETED, apid_completed, s,
	    MHD_OPTION_END);
}

int
apid_http_prepare(struct apid_server *s, char *err, size_t errlen)
{
	const struct govmail_conf *c = s->conf;

	s->tls_fd = s->plain_fd = -1;
	if (c->apid_listen[0] != '\0') {
		const char *cf = c->apid_tls_cert_file[0] ? c->apid_tls_cert_file :
		    c->tls_cert_file;
		const char *kf = c->apid_tls_key_file[0] ? c->apid_tls_key_file :
		    c->tls_key_file;
		char *cpath, *kpath;

		if (cf[0] == '\0' || kf[0] == '\0') {
			snprintf(err, errlen, "apid.listen needs apid.tls_cert_file and "
			    "apid.tls_key_file (or tls.cert_file and tls.key_file)");
			return -1;
		}
		cpath = conf_resolve_path(c, cf);
		kpath = conf_resolve_path(c, kf);
		s->cert = apid_read_pem(cpath, err, errlen);
		s->key = s->cert != NULL ? apid_read_pem(kpath, err, errlen) : NULL;
		free(cpath);
		free(kpath);
		if (s->key == NULL)
			return -1;
		if ((s->tls_fd = apid_bind(c->apid_listen, 128, err, errlen)) < 0)
			return -1;
	}
	if (c->apid_plain_listen[0] != '\0' &&
	    (s->plain_fd = apid_bind(c->apid_plain_listen, 128, err, errlen)) < 0)
		return -1;
	if (s->tls_fd < 0 && s->plain_fd < 0) {
		snprintf(err, errlen, "neither apid.listen nor apid.plain_listen is set");
		return -1;
	}
	return 0;
}

int
apid_http_start(struct apid_server *s, char *err, size_t errlen)
{
	const struct govmail_conf *c = s->conf;

	if (s->tls_fd >= 0) {
		s->tls = apid_daemon(s, s->tls_fd, s->cert, s->key);
		/* GnuTLS has its own copy in its credentials now */
		explicit_bzero(s->key, strlen(s->key));
		free(s->key);
		free(s->cert);
		s->key = s->cert = NULL;
		if (s->tls == NULL) {
			snprintf(err, errlen, "apid.listen %s: cannot start HTTPS (certificate "
			    "or key not usable?)", c->apid_listen);
			return -1;
		}
	}
	if (s->plain_fd >= 0 && (s->plain = apid_daemon(s, s->plain_fd, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "apid.plain_listen %s: cannot start",
		    c->apid_plain_listen);
		return -1;
	}
	return 0;
}

void
apid_http_stop(struct apid_server *s)
{
	if (s->tls != NULL)
		MHD_stop_daemon(s->tls);
	if (s->plain != NULL)
		MHD_stop_daemon(s->plain);
	s->tls = s->plain = NULL;
}
