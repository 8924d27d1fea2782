/*
 * smtp_inbound_auth.h — the end-of-data check of mail from outside
 * (inbound { }): SPF, DKIM and DMARC through govmaild's resolver, the
 * decision of inbound_policy.c, the Authentication-Results field (RFC
 * 8601; incoming ones with our authserv-id left out), the DMARC tag and
 * the DMARC history line; and the process-wide start-up of the libraries
 * it uses.
 *
 * Threads: govmaild serves each session on its own thread. libspf2's
 * message handlers and libopendmarc's library state (the Public Suffix
 * List) are process globals, so smtp_inbound_auth_init sets them up once,
 * in main() before the listener starts any thread, and nothing writes them
 * afterwards; each check then has its own libspf2 server and libopendmarc
 * policy context, and the resolver (dns_resolve.c) has its own lock.
 *
 * Not for: the results' computation (spf_check.c, dkim_verify.c,
 * dmarc_check.c) or the decision (inbound_policy.c).
 */
#ifndef GOVMAIL_SMTP_INBOUND_AUTH_H
#define GOVMAIL_SMTP_INBOUND_AUTH_H

#include <stddef.h>

#include "smtp_eod.h"

struct govmail_conf;
struct smtp_session;
struct smtp_eod_result;

/*
 * Once, before any thread starts and before privileges drop: libspf2's
 * handlers, libopendmarc with the Public Suffix List, and the DMARC
 * history file (opened for appending, created mode 0640, owned by
 * smtpd.user when started as root). 0, or -1 with a message in err.
 */
int smtp_inbound_auth_init(const struct govmail_conf *c, char *err, size_t errlen);
void smtp_inbound_auth_shutdown(void);

/* The check: header fields to add go to h, fields to leave out to res. */
enum smtp_eod_step smtp_inbound_auth(struct smtp_session *s, struct smtp_eod_result *res,
    struct smtp_eod_verdict *v, struct smtp_eod_headers *h);

#endif
