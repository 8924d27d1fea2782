/*
 * apid_origin.h — refusal of changes a browser makes on behalf of another
 * site (cross-site request forgery), whatever the credentials: a browser
 * attaches a session cookie and HTTP Basic credentials it once stored to
 * requests that any page starts, and a form can POST text/plain.
 * Not for: the session's own X-CSRF-Token check (apid_session.c).
 */
#ifndef GOVMAIL_APID_ORIGIN_H
#define GOVMAIL_APID_ORIGIN_H

struct apid_req;

/*
 * For a method other than GET and HEAD: 0 when the request is not marked
 * by a browser as coming from another site; else -1 after a 403 problem
 * (type .../cross-site) was queued (*ret: the MHD result). Refused:
 * Sec-Fetch-Site other than same-origin or none; an Origin header that is
 * not this server's own (scheme of the listener, Host of the request;
 * "null" included). A client that sends neither (curl, an HR system) is
 * not concerned.
 */
int apid_origin_check(struct apid_req *r, int *ret);

#endif
