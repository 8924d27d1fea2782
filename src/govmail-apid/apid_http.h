/*
 * apid_http.h — govmail-apid's HTTP side on libmicrohttpd: the listeners
 * (HTTPS with the certificate read as root, plain HTTP on loopback), the
 * bounds every request meets before a handler sees it (rate per client
 * address, header size, body size, requests at once, JSON decoding), and
 * the responses.
 * Not for: authentication (apid_auth.c) or resources (apid_accounts.c).
 */
#ifndef GOVMAIL_APID_HTTP_H
#define GOVMAIL_APID_HTTP_H

#include <stddef.h>

struct apid_server;

/* Bind the listeners of the configuration and read the certificate and
 * key (as root, before the privileges are dropped). 0, or -1 with err. */
int apid_http_prepare(struct apid_server *s, char *err, size_t errlen);
/* Serve the prepared listeners, each connection in its own thread (after
 * the drop: no request is ever worked on as root). 0, or -1 with err. */
int apid_http_start(struct apid_server *s, char *err, size_t errlen);
void apid_http_stop(struct apid_server *s);

#endif
