/*
 * apid_web.c — the console's files and the security headers (apid_web.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/sha.h>

#include "apid.h"
#include "apid_web.h"
#include "log.h"
#include "xmalloc.h"

/* Bounds of what is read at start: a console is a few hundred kB. */
#define WEB_MAX_FILES 2048
#define WEB_MAX_FILE (8 * 1024 * 1024)
#define WEB_MAX_TOTAL (64 * 1024 * 1024)
#define WEB_MAX_DEPTH 6
#define WEB_MAX_PATH 256

#define WEB_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; form-action 'self'; " \
	"base-uri 'none'; frame-ancestors 'none'"

struct web_file {
	char *path;             /* below the directory, "js/core.js" */
	const char *type;
	char *data;
	size_t len;
	char etag[20];          /* "\"" 16 hex digits "\"" */
};

struct apid_web {
	struct web_file *f;
	size_t n, total;
};

static const struct {
	const char *ext, *type;
} web_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const char *
web_type(const char *name)
{
	size_t i, n = strlen(name), e;

	for (i = 0; i < sizeof(web_types) / sizeof(web_types[0]); i++) {
		e = strlen(web_types[i].ext);
		if (n > e && strcmp(name + n - e, web_types[i].ext) == 0)
			return web_types[i].type;
	}
	return NULL;
}

void
apid_web_headers(const struct apid_req *r, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", WEB_CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	/* a browser that met this name over HTTPS never tries plain HTTP
	 * (where the cookie could be planted or read) for a year; not on the
	 * plain listener: RFC 6797 ignores it there, and a TLS proxy in front
	 * of it sets its own */
	if (r != NULL && r->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security",
		    "max-age=31536000");
}

/* Read the regular file name below dirfd into the table. */
static void
web_add(struct apid_web *w, int dirfd, const char *name, const char *rel,
    const char *type, const char *top)
{
	struct web_file *f;
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct stat st;
	size_t got = 0;
	ssize_t k;
	char *buf;
	int fd;

	if (w->n >= WEB_MAX_FILES) {
		log_warnx("apid.console_dir %s: more than %d files, %s not served", top,
		    WEB_MAX_FILES, rel);
		return;
	}
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		log_warn("apid.console_dir %s: %s", top, rel);
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > WEB_MAX_FILE ||
	    w->total + (size_t)st.st_size > WEB_MAX_TOTAL) {
		log_warnx("apid.console_dir %s: %s: not a regular file or too large, not "
		    "served", top, rel);
		close(fd);
		return;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size &&
	    (k = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)k;
	close(fd);
	w->f = xreallocarray(w->f, w->n + 1, sizeof(*w->f));
	f = &w->f[w->n++];
	f->path = xstrdup(rel);
	f->type = type;
	f->data = buf;
	f->len = got;
	SHA256((unsigned char *)buf, got, md);
	snprintf(f->etag, sizeof(f->etag), "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", md[0],
	    md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
	w->total += got;
}

/* Every served file below the directory fd (owned: closed here). */
static void
web_walk(struct apid_web *w, int fd, const char *prefix, int depth, const char *top)
{
	DIR *dp = fdopendir(fd);
	struct dirent *de;
	struct stat st;
	char rel[WEB_MAX_PATH];
	const char *type;

	if (dp == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		/* no dot files, nor . and .. */
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(rel, sizeof(rel), "%s%s", prefix, de->d_name) >=
		    sizeof(rel))
			continue;
		/* symbolic links are not followed: whatever they point to */
		if (fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub;

			if (depth >= WEB_MAX_DEPTH)
				continue;
			sub = openat(dirfd(dp), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				char p2[WEB_MAX_PATH];

				if ((size_t)snprintf(p2, sizeof(p2), "%s/", rel) < sizeof(p2))
					web_walk(w, sub, p2, depth + 1, top);
				else
					close(sub);
			}
			continue;
		}
		if (S_ISREG(st.st_mode) && (type = web_type(de->d_name)) != NULL)
			web_add(w, dirfd(dp), de->d_name, rel, type, top);
	}
	closedir(dp);
}

static int
web_cmp(const void *a, const void *b)
{
	return strcmp(((const struct web_file *)a)->path, ((const struct web_file *)b)->path);
}

struct apid_web *
apid_web_load(const char *dir, char *err, size_t errlen)
{
	struct apid_web *w = xcalloc(1, sizeof(*w));
	int fd;

	err[0] = '\0';
	if (dir == NULL || dir[0] == '\0')
		return w;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "apid.console_dir %s: %s", dir, strerror(errno));
		return w;
	}
	web_walk(w, fd, "", 0, dir);
	if (w->n > 1)
		qsort(w->f, w->n, sizeof(*w->f), web_cmp);
	return w;
}

void
apid_web_free(struct apid_web *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++) {
		free(w->f[i].path);
		free(w->f[i].data);
	}
	free(w->f);
	free(w);
}

size_t
apid_web_count(const struct apid_web *w)
{
	return w != NULL ? w->n : 0;
}

int
apid_web_path(const char *url)
{
	return strncmp(url, "/v1/", 4) != 0 && strcmp(url, "/v1") != 0 &&
	    strcmp(url, "/openapi.json") != 0;
}

/* The table's file for a request path, or NULL. Only "/" stands for
 * index.html; a path with an empty or dot-led segment is nobody's. */
static const struct web_file *
web_find(const struct apid_web *w, const char *url)
{
	struct web_file key;
	const char *p, *seg;

	if (w == NULL || w->n == 0 || url[0] != '/')
		return NULL;
	p = url + 1;
	if (*p == '\0')
		p = "index.html";
	for (seg = p;;) {
		if (*seg == '.' || *seg == '/' || *seg == '\0')
			return NULL;
		if ((seg = strchr(seg, '/')) == NULL)
			break;
		seg++;
	}
	if (strlen(p) >= WEB_MAX_PATH || strchr(p, '\\') != NULL)
		return NULL;
	key.path = (char *)p;
	return bsearch(&key, w->f, w->n, sizeof(*w->f), web_cmp);
}

int
apid_web_serve(struct apid_req *r, const char *url)
{
	const struct web_file *f = web_find(r->srv->web, url);
	struct MHD_Response *resp;
	const char *inm;
	unsigned status = 200;
	int ret;

	if (f == NULL)
		return apid_problem(r, 404, "not-found", "Not found", NULL, NULL, 0,
		    "no resource at this path");
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
		return apid_reply(r, 405, NULL, "Allow", "GET, HEAD");
	inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
	if (inm != NULL && strstr(inm, f->etag) != NULL) {
		status = 304;
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else
		resp = MHD_create_response_from_buffer(f->len, f->data,
		    MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type", f->type);
	/* the browser asks again each time (a 304 while unchanged): a new
	 * console after a restart is used at once */
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "ETag", f->etag);
	apid_web_headers(r, resp);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
	return ret;
}
