/*
 * apid_web.h — the web console's files, served by govmail-apid under /
 * (issue #15), and the security headers every response carries, page or
 * API answer (a strict Content-Security-Policy without inline script,
 * nosniff, no referrer, no framing).
 *
 * The files are read once at start from apid.console_dir into memory:
 * a request is answered by an exact match in that table, so no path a
 * client sends ever reaches the filesystem (no "..", no symbolic links,
 * no dot files, no directory listings). Only known extensions are taken,
 * each with a fixed Content-Type. An upgrade of the console needs a
 * restart, as a new configuration does.
 * Not for: the API (everything under /v1/ and /openapi.json).
 */
#ifndef GOVMAIL_APID_WEB_H
#define GOVMAIL_APID_WEB_H

#include <stddef.h>

struct MHD_Response;
struct apid_req;
struct apid_web;

/* The files below dir ("" or NULL: none). A missing or unreadable
 * directory gives an empty table and a reason in err (the API works
 * without a console); NULL never. */
struct apid_web *apid_web_load(const char *dir, char *err, size_t errlen);
void apid_web_free(struct apid_web *w);
size_t apid_web_count(const struct apid_web *w);
/* Whether url (decoded path) is the console's rather than the API's. */
int apid_web_path(const char *url);
/* Answer a request for url from the table: 200, 304, 404 or 405. */
int apid_web_serve(struct apid_req *r, const char *url);
/* Add the security headers of every response to resp (r's listener:
 * Strict-Transport-Security on HTTPS only). */
void apid_web_headers(const struct apid_req *r, struct MHD_Response *resp);

#endif
