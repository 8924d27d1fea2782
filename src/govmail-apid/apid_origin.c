/*
 * apid_origin.c — cross-site changes refused (apid_origin.h).
 *
 * Why both headers: Sec-Fetch-Site is what a current browser says for
 * itself and cannot be set by a page's script; Origin is what older
 * browsers send on a POST (and current ones too). A request carrying
 * either that says "another site" is refused before its body is read, for
 * every route and every kind of credentials, the public POST /v1/session
 * included (a forged sign-in would put the victim in the attacker's
 * session). Tools send neither header and are not concerned.
 *
 * The plain listener (apid.plain_listen, loopback only) is meant for a TLS
 * proxy on the same host: the browser's Origin there is https:// although
 * the request reaches us in plain HTTP, so both schemes are this server's
 * there; on the TLS listener only https:// is.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "apid.h"
#include "apid_origin.h"
#include "apid_router.h"
#include "log.h"

/* Length of host[:port] without the scheme's default port. */
static size_t
origin_hostlen(const char *h, size_t n, const char *dflt)
{
	size_t d = strlen(dflt);

	if (n > d && memcmp(h + n - d, dflt, d) == 0)
		return n - d;
	return n;
}

/* Whether origin (scheme://host[:port], nothing else) is scheme://host
 * (host: the Host header, [:port] included). */
static int
origin_is(const char *origin, const char *scheme, const char *host)
{
	size_t sl = strlen(scheme), on, hn;
	const char *dflt = strcmp(scheme, "https") == 0 ? ":443" : ":80";

	if (strncasecmp(origin, scheme, sl) != 0 || strncmp(origin + sl, "://", 3) != 0)
		return 0;
	origin += sl + 3;
	on = origin_hostlen(origin, strlen(origin), dflt);
	hn = origin_hostlen(host, strlen(host), dflt);
	return on > 0 && on == hn && strncasecmp(origin, host, on) == 0;
}

static int
origin_refuse(struct apid_req *r, const char *hname, const char *value)
{
	char esc[200];

	log_escape(esc, sizeof(esc), value, 120);
	log_info("%s %s: client %s: cross-site request refused (%s: %s)", r->method,
	    r->route->pattern, r->client, hname, esc);
	return apid_problem(r, 403, "cross-site", "Cross-site request refused", NULL, NULL,
	    0, "a change started by a page of another site is refused (%s)", hname);
}

int
apid_origin_check(struct apid_req *r, int *ret)
{
	const char *site, *origin, *host;

	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return 0;
	site = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
		*ret = origin_refuse(r, "Sec-Fetch-Site", site);
		return -1;
	}
	origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
	if (origin == NULL)
		return 0;
	host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
	if (host != NULL && host[0] != '\0' && (origin_is(origin, "https", host) ||
	    (!r->tls && origin_is(origin, "http", host))))
		return 0;
	*ret = origin_refuse(r, "Origin", origin);
	return -1;
}
