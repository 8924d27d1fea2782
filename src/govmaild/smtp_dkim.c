/*
 * smtp_dkim.c — signing what govmaild relays (see smtp_dkim.h). Only
 * mail the province sends is signed: the client authenticated (AUTH, or
 * XCLIENT LOGIN from the front MTA) or is in policy.trusted_networks.
 * Mail from outside is never signed, whatever its From: says: signing it
 * would vouch for a forgery.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "cpu_time.h"
#include "daemon_conf.h"
#include "dkim_sign.h"
#include "log.h"
#include "message.h"
#include "policy.h"
#include "smtp_dkim.h"
#include "smtp_state.h"
#include "spool.h"
#include "xmalloc.h"

/* Is the client one of ours (authenticated or trusted)? */
static int
dkim_client_internal(const struct smtp_session *s)
{
	return session_login(s) != NULL ||
	    policy_client_trusted(s->dc->policy, s->client_addr);
}

/* The spooled header section without the skip ranges, then the body. */
static int
dkim_sign_spool(struct dkim_sign *ds, struct spool *sp, const struct message_range *skip,
    size_t nskip)
{
	const char *buf;
	size_t len, off = 0, k;
	long long n = 0;
	int rc = 0;

	if ((buf = spool_map(sp, &len)) == NULL)
		return -1;
	for (k = 0; k <= nskip; k++) {
		size_t end = k < nskip ? (size_t)skip[k].off : len;

		if (end > len || end < off)
			end = off;
		if ((n = dkim_sign_headers(ds, buf + off, end - off)) < 0) {
			rc = -1;
			break;
		}
		if (k < nskip) {
			off = (size_t)(skip[k].off + skip[k].len);
			if (off > len)
				off = len;
		} else
			off += (size_t)n;
	}
	/* The body read into a buffer rather than faulted in through the
	 * mapping: on a virtual machine the page faults cost four times the
	 * copy (bench-auth, 1 MB messages). */
	spool_unmap(sp, buf, len);
	if (rc == 0)
		rc = dkim_sign_body_spool(ds, sp, (unsigned long long)off);
	return rc;
}

enum smtp_dkim_status
smtp_dkim_sign(struct smtp_session *s, const char *hdr, size_t hlen,
    const struct message_range *skip, size_t nskip, char **sig, size_t *siglen)
{
	struct message_from mf;
	struct dkim_sign *ds;
	const char *addr, *domain;
	char err[256];
	long long cpu0;
	int g;

	*sig = NULL;
	*siglen = 0;
	if (s->dc->dkim == NULL || !dkim_client_internal(s))
		return SMTP_DKIM_UNSIGNED;
	memset(&mf, 0, sizeof(mf));
	if (message_header_from(s->spool, &mf) != 0) {
		log_warn("%s: cannot read the spooled message", s->qid);
		return SMTP_DKIM_ERROR;
	}
	/* One From: with one address, else nothing to align a signature with. */
	if (mf.problem != NULL || mf.naddrs != 1 ||
	    (domain = strrchr((addr = mf.addrs[0]), '@')) == NULL) {
		message_from_clear(&mf);
		return SMTP_DKIM_UNSIGNED;
	}
	domain++;
	if ((g = policy_address_governed(s->dc->policy, s->pdir, addr)) <= 0 ||
	    (ds = dkim_sign_begin(s->dc->dkim, domain, time(NULL))) == NULL) {
		message_from_clear(&mf);
		return g < 0 ? SMTP_DKIM_TEMPFAIL : SMTP_DKIM_UNSIGNED;
	}
	message_from_clear(&mf);
	/* The signature rule's verdict (added by the checks, before signing)
	 * is vouched for too: a receiver can tell it was not added later. */
	dkim_sign_also(ds, s->conf->signature_header);
	cpu0 = cpu_thread_us();
	if (dkim_sign_headers(ds, hdr, hlen) < 0 ||
	    dkim_sign_spool(ds, s->spool, skip, nskip) != 0) {
		log_warnx("%s: dkim cannot read the message to sign", s->qid);
		dkim_sign_free(ds);
		return SMTP_DKIM_ERROR;
	}
	if ((*sig = dkim_sign_end(ds, err, sizeof(err))) == NULL) {
		log_warnx("%s: dkim signing failed: %s", s->qid, err);
		dkim_sign_free(ds);
		return SMTP_DKIM_ERROR;
	}
	*siglen = strlen(*sig);
	log_info("%s: dkim signed d=%s s=%s%s%s cpu_us=%lld", s->qid, dkim_sign_domain(ds),
	    dkim_sign_selector(ds, 0), dkim_sign_selector(ds, 1) ? " s_ed25519=" : "",
	    dkim_sign_selector(ds, 1) ? dkim_sign_selector(ds, 1) : "", cpu_thread_us() - cpu0);
	dkim_sign_free(ds);
	return SMTP_DKIM_SIGNED;
}
