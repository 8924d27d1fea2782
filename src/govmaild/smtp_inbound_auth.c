/*
 * smtp_inbound_auth.c — SPF, DKIM and DMARC of relay mail from outside,
 * as one end-of-data check (see smtp_inbound_auth.h).
 *
 * "From outside": the relay role, no login (AUTH or XCLIENT LOGIN), and a
 * client address not in policy.trusted_networks. The address and HELO are
 * what the front MTA said with XFORWARD (ADDR=, HELO=) or XCLIENT when it
 * did: a front Postfix is itself a trusted client, its XFORWARD names the
 * Internet host the message came from.
 *
 * The header section is split into fields once, over the spool mapped in
 * place; the body is streamed to the DKIM verifier from the same mapping.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api_authz.h"
#include "auth_results.h"
#include "conf.h"
#include "cpu_time.h"
#include "daemon_conf.h"
#include "dkim_verify.h"
#include "dmarc_check.h"
#include "inbound_headers.h"
#include "inbound_policy.h"
#include "log.h"
#include "message.h"
#include "policy.h"
#include "smtp_eod_checks.h"
#include "smtp_inbound_auth.h"
#include "smtp_state.h"
#include "spf_check.h"
#include "spool.h"
#include "xmalloc.h"

/* The DMARC history file: opened once at start (root may own the
 * directory), written with one write() per line; -1 when off. */
static int inbound_history_fd = -1;
static int inbound_dmarc_ready;

/* Governed domains: of a From: domain, its last two labels, three, ...
 * up to this many labels are asked about (the whole name if shorter). */
#define INBOUND_PARENTS_MAX 8
/* The domains a From: field may name (addresses, display names and
 * comments together); more and the message is refused. */
#define INBOUND_FROM_DOMAINS_MAX 16
/* The directory lookups those domains may cost together (each parent
 * asked about counted once); more and the message is refused too, so
 * that one message cannot make 16 x 8 lookups. */
#define INBOUND_LOOKUPS_MAX 32

int
smtp_inbound_auth_init(const struct govmail_conf *c, char *err, size_t errlen)
{
	char why[300];

	spf_check_init();
	/* Also when inbound.verify is off: a reload may turn it on. */
	if (dmarc_check_init(c->inbound_public_suffix_list, why, sizeof(why)) == 0)
		inbound_dmarc_ready = 1;
	else if (c->inbound_verify) {
		snprintf(err, errlen, "inbound.public_suffix_list: %s", why);
		return -1;
	}
	if (c->dmarc_history_file[0] == '\0')
		return 0;
	if ((inbound_history_fd = open(c->dmarc_history_file,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640)) < 0) {
		snprintf(err, errlen, "dmarc.history_file %s: %s", c->dmarc_history_file,
		    strerror(errno));
		return -1;
	}
	/* Started as root for smtpd.user: the file is that user's, so a
	 * restart under the same user can reopen it. */
	if (getuid() == 0 && c->smtpd_user[0] != '\0') {
		struct passwd *pw = getpwnam(c->smtpd_user);

		if (pw != NULL && fchown(inbound_history_fd, pw->pw_uid, pw->pw_gid) != 0)
			log_warn("dmarc.history_file %s: chown", c->dmarc_history_file);
	}
	return 0;
}

void
smtp_inbound_auth_shutdown(void)
{
	if (inbound_history_fd >= 0)
		close(inbound_history_fd);
	inbound_history_fd = -1;
	if (inbound_dmarc_ready)
		dmarc_check_shutdown();
	inbound_dmarc_ready = 0;
}

/* The client as the decision sees it: XFORWARD's, else the session's. */
static void
inbound_client(const struct smtp_session *s, char *ip, size_t iplen, const char **helo)
{
	unsigned char b[16];
	const char *a = s->xf_addr;

	if (strncasecmp(a, "IPV6:", 5) == 0)
		a += 5;
	if (s->xf_set && strlen(a) < iplen &&
	    (inet_pton(AF_INET, a, b) == 1 || inet_pton(AF_INET6, a, b) == 1))
		memcpy(ip, a, strlen(a) + 1);
	else
		snprintf(ip, iplen, "%s", s->client_addr);
	*helo = s->xf_set && s->xf_helo[0] != '\0' && strcmp(s->xf_helo, "[UNAVAILABLE]") != 0 ?
	    s->xf_helo : session_effective_helo(s);
}

/* The parents of domain that are asked about, shortest first: its last
 * two labels, three, ... (the whole name last if it has at most
 * INBOUND_PARENTS_MAX + 1 labels), as pointers into domain. Their number. */
static size_t
inbound_parents(const char *domain, const char *parents[INBOUND_PARENTS_MAX])
{
	size_t i = strlen(domain), n = 0;
	int dots = 0;

	while (n < INBOUND_PARENTS_MAX) {
		while (i > 0 && domain[i - 1] != '.')
			i--;
		/* domain + i: the last dots + 1 labels */
		if (dots > 0)
			parents[n++] = domain + i;
		if (i == 0)
			break;
		i--;    /* onto the dot */
		dots++;
	}
	return n;
}

/* The lookups inbound_governed makes for all of doms, each name once. */
static size_t
inbound_lookups(char (*doms)[MESSAGE_DOMAIN_MAX], size_t nd)
{
	const char *seen[INBOUND_FROM_DOMAINS_MAX * INBOUND_PARENTS_MAX], *p[INBOUND_PARENTS_MAX];
	size_t n = 0, i, j, k, np;

	for (i = 0; i < nd && i < INBOUND_FROM_DOMAINS_MAX; i++) {
		np = inbound_parents(doms[i], p);
		for (j = 0; j < np; j++) {
			for (k = 0; k < n && strcmp(seen[k], p[j]) != 0; k++)
				;
			if (k == n)
				seen[n++] = p[j];
		}
	}
	return n;
}

/* Is domain, or a parent of it (two labels at least), governed? The
 * parents are asked from the shortest up, so however many labels a
 * sender puts in front of a governed domain, it is found. */
static int
inbound_governed(const struct smtp_session *s, const char *domain)
{
	const char *p[INBOUND_PARENTS_MAX];
	char addr[300];
	size_t np = inbound_parents(domain, p), k;
	int g;

	for (k = 0; k < np; k++) {
		snprintf(addr, sizeof(addr), "postmaster@%s", p[k]);
		if ((g = policy_address_governed(s->dc->policy, s->pdir, addr)) != 0)
			return g;
	}
	return 0;
}

/* A DKIM signature aligned (relaxed) with domain: 1 one verifies, -1 one
 * could not be checked now, 0 none. */
static int
inbound_dkim_for(const char *domain, const struct dkim_vresult *r, size_t n)
{
	char org[256], dorg[256];
	size_t i;
	int st = 0;

	dmarc_org_domain(domain, org, sizeof(org));
	for (i = 0; i < n; i++) {
		if (r[i].d[0] == '\0')
			continue;
		dmarc_org_domain(r[i].d, dorg, sizeof(dorg));
		if (!inbound_aligned(domain, org, r[i].d, dorg, 0))
			continue;
		if (r[i].res == DKIM_V_PASS)
			return 1;
		if (r[i].res == DKIM_V_TEMPERROR)
			st = -1;
	}
	return st;
}

/* The governed domains among those the From: field names (doms) and
 * their signatures: f->governed and f->governed_dkim, the domain that
 * decided in gdom. */
static void
inbound_governed_from(struct smtp_session *s, char (*doms)[MESSAGE_DOMAIN_MAX], size_t nd,
    const struct dkim_vresult *r, size_t n, struct inbound_facts *f, char *gdom,
    size_t gdlen)
{
	size_t i;
	int worst = 2;

	f->governed = 0;
	f->governed_dkim = 0;
	for (i = 0; i < nd; i++) {
		int g, a;

		if ((g = inbound_governed(s, doms[i])) < 0) {
			f->governed = -1;
			snprintf(gdom, gdlen, "%s", doms[i]);
			break;
		}
		if (g == 0)
			continue;
		f->governed = 1;
		a = inbound_dkim_for(doms[i], r, n);
		/* The worst of the governed domains decides: no signature (0),
		 * then one not checkable now (-1), then a pass (1). */
		if (worst == 2 || (a == 0 && worst != 0) || (a == -1 && worst == 1)) {
			worst = a;
			snprintf(gdom, gdlen, "%s", doms[i]);
		}
	}
	if (f->governed == 1)
		f->governed_dkim = worst == 2 ? 0 : worst;
}

/* dmarc_tag_only for this message's recipients (inbound.agency_dmarc). */
static int
inbound_tag_only_for(struct smtp_session *s)
{
	const struct govmail_conf *c = s->conf;
	struct policy_account acct;
	char **ag;
	size_t i;
	int t;

	if (c->inbound_agency_dmarc.n == 0 || s->pdir == NULL || s->nrcpts == 0)
		return c->inbound_dmarc_tag_only;
	ag = xcalloc(s->nrcpts, sizeof(*ag));
	for (i = 0; i < s->nrcpts; i++) {
		memset(&acct, 0, sizeof(acct));
		/* A recipient the directory cannot place now keeps the global
		 * setting (tag_only is the safe side of it). */
		if (s->pdir->account(s->pdir->arg, s->rcpts[i], &acct) == POLICY_LOOKUP_YES)
			ag[i] = xstrdup(acct.agency);
		else
			ag[i] = xstrdup("");
	}
	t = inbound_tag_only(c->inbound_dmarc_tag_only, c->inbound_agency_dmarc.v,
	    c->inbound_agency_dmarc.n, (const char *const *)ag, s->nrcpts);
	for (i = 0; i < s->nrcpts; i++)
		free(ag[i]);
	free(ag);
	return t;
}

/* Is the client an allowed sender (inbound.allowed_*)? */
static int
inbound_allowed(const struct govmail_conf *c, const char *ip, const struct dkim_vresult *r,
    size_t n)
{
	size_t i;

	for (i = 0; i < c->inbound_allowed_networks.n; i++)
		if (api_cidr_match(c->inbound_allowed_networks.v[i], ip) == 1)
			return 1;
	for (i = 0; i < n; i++)
		if (r[i].res == DKIM_V_PASS && inbound_domain_listed(r[i].d,
		    c->inbound_allowed_dkim_domains.v, c->inbound_allowed_dkim_domains.n))
			return 1;
	return 0;
}

/* The Authentication-Results field of the results. */
static char *
inbound_ar_field(const char *authserv_id, const char *mailfrom, const char *helo,
    const struct inbound_facts *f)
{
	const struct spf_check_result *spf = f->spf;
	const struct dmarc_check_result *dm = f->dmarc;
	struct auth_results *ar;
	char comment[160], *field;
	size_t i;

	if ((ar = auth_results_new(authserv_id)) == NULL)
		return NULL;
	{
		struct ar_prop p[] = { { "smtp", spf->helo ? "helo" : "mailfrom",
		    spf->helo ? helo : mailfrom } };

		auth_results_add(ar, "spf", spf_check_res_str(spf->res),
		    spf->res == SPF_CHECK_PERMERROR || spf->res == SPF_CHECK_TEMPERROR ?
		    spf->reason : NULL, p, 1);
	}
	if (f->ndkim == 0)
		auth_results_add(ar, "dkim", "none", NULL, NULL, 0);
	for (i = 0; i < f->ndkim; i++) {
		const struct dkim_vresult *r = &f->dkim[i];
		struct ar_prop p[] = { { "header", "d", r->d }, { "header", "s", r->s },
		    { "header", "a", r->ed25519 ? "ed25519-sha256" : "rsa-sha256" },
		    { "header", "b", r->b8 } };

		auth_results_add(ar, "dkim", dkim_vres_str(r->res),
		    r->res == DKIM_V_PASS ? NULL : r->reason, p, 4);
	}
	if (dm != NULL) {
		struct ar_prop p[] = { { "header", "from", dm->from_domain } };
		const char *pn = dm->published_p == 'r' ? "reject" : dm->published_p == 'q' ?
		    "quarantine" : dm->published_p == 'n' ? "none" : NULL;

		comment[0] = '\0';
		if (pn != NULL)
			snprintf(comment, sizeof(comment), "p=%s pct=%d adkim=%c aspf=%c", pn,
			    dm->pct, dm->adkim, dm->aspf);
		else if (dm->reason[0] != '\0')
			snprintf(comment, sizeof(comment), "%s", dm->reason);
		auth_results_add(ar, "dmarc", dmarc_check_res_str(dm->res),
		    comment[0] ? comment : NULL, p, 1);
	} else
		auth_results_add(ar, "dmarc", "permerror", "no single From: address", NULL, 0);
	field = auth_results_field(ar);
	auth_results_free(ar);
	return field;
}

/* The DMARC tag: our header field, and the Subject: with the tag in
 * front (the original left out). */
static void
inbound_tag(struct smtp_session *s, const char *buf, const struct inbound_headers *hd,
    const struct dmarc_check_result *dm, char applied, enum inbound_action act,
    struct smtp_eod_result *res, struct smtp_eod_headers *h)
{
	const struct govmail_conf *c = s->conf;
	char line[600];
	int n;

	n = snprintf(line, sizeof(line), "%s: fail; policy=%s; domain=%s\r\n",
	    c->inbound_dmarc_header, applied == 'r' ? "reject" : "quarantine",
	    dm != NULL ? dm->from_domain : "");
	if (n > 0 && (size_t)n < sizeof(line))
		smtp_eod_headers_add(h, line, (size_t)n);
	if (act != INBOUND_TAG || c->inbound_subject_tag[0] == '\0' ||
	    res->nskip >= SMTP_EOD_MAX_SKIP)
		return;
	if (!hd->have_subject) {
		n = snprintf(line, sizeof(line), "Subject: %s\r\n", c->inbound_subject_tag);
		if (n > 0 && (size_t)n < sizeof(line))
			smtp_eod_headers_add(h, line, (size_t)n);
		return;
	}
	{
		/* the value: after the colon (blanks may come before it) */
		const char *f = buf + hd->subject.off;
		const char *v = (const char *)memchr(f, ':', hd->subject.len) + 1;
		size_t vl = hd->subject.len - (size_t)(v - f);

		if (vl > 0 && *v == ' ') {
			v++;
			vl--;
		}
		n = snprintf(line, sizeof(line), "Subject: %s ", c->inbound_subject_tag);
		smtp_eod_headers_add(h, line, (size_t)n);
		smtp_eod_headers_add(h, v, vl);
		if (vl == 0 || v[vl - 1] != '\n')
			smtp_eod_headers_add(h, "\r\n", 2);
		res->skip[res->nskip].off = hd->subject.off;
		res->skip[res->nskip].len = hd->subject.len;
		res->nskip++;
	}
}

static const char *
inbound_dkim_summary(char *out, size_t outlen, const struct dkim_vresult *r, size_t n)
{
	size_t i, o = 0;

	out[0] = '\0';
	if (n == 0)
		snprintf(out, outlen, "none");
	for (i = 0; i < n && o < outlen; i++) {
		int k = snprintf(out + o, outlen - o, "%s%s:%s", i ? "," : "",
		    r[i].d[0] ? r[i].d : "-", dkim_vres_str(r[i].res));

		if (k < 0)
			break;
		o += (size_t)k;
	}
	return out;
}

enum smtp_eod_step
smtp_inbound_auth(struct smtp_session *s, struct smtp_eod_result *res,
    struct smtp_eod_verdict *v, struct smtp_eod_headers *h)
{
	const struct govmail_conf *c = s->conf;
	const char *authserv_id = c->inbound_authserv_id[0] ? c->inbound_authserv_id :
	    s->dc->hostname;
	char ip[INET6_ADDRSTRLEN + 8], fromdom[256], gdom[256], dsum[300], esc[300];
	const char *buf, *helo, *why, *text;
	struct inbound_headers *hd;
	struct dkim_verify *dv = NULL;
	const struct dkim_vresult *dr = NULL;
	struct spf_check_result spf;
	struct dmarc_check_result dm;
	struct inbound_facts f;
	struct inbound_settings set;
	struct inbound_decision d;
	struct message_from mf;
	char (*doms)[MESSAGE_DOMAIN_MAX] = NULL;
	enum smtp_eod_step step = SMTP_EOD_PASS;
	size_t len, nd = 0, i, ndoms = 0;
	long long cpu0, dkim_cpu;
	char *field;

	if (!c->inbound_verify || s->dc->dns == NULL || !inbound_dmarc_ready)
		return SMTP_EOD_PASS;
	cpu0 = cpu_thread_us();
	memset(&mf, 0, sizeof(mf));
	doms = xcalloc(INBOUND_FROM_DOMAINS_MAX, sizeof(*doms));
	if ((buf = spool_map(s->spool, &len)) == NULL) {
		free(doms);
		log_warn("%s: cannot read the spooled message", s->qid);
		return smtp_eod_refuse(v, POLICY_TEMPFAIL, 451, "4.3.0", 0, "local",
		    "Error: local error in processing, try again later");
	}
	hd = xmalloc(sizeof(*hd));
	inbound_headers_scan(buf, len, authserv_id, hd);
	/* Our authserv-id's fields are removed from every message: anyone
	 * could have written them (RFC 8601 §5). */
	if (hd->nours + res->nskip > SMTP_EOD_MAX_SKIP) {
		step = smtp_eod_refuse(v, POLICY_REJECT, 550, "5.7.1", 0, "inbound-auth",
		    "Message refused: too many Authentication-Results header fields");
		goto out;
	}
	for (i = 0; i < hd->nours; i++)
		res->skip[res->nskip++] = hd->ours[i];
	inbound_client(s, ip, sizeof(ip), &helo);
	if (s->role != SMTP_ROLE_RELAY || session_login(s) != NULL ||
	    policy_client_trusted(s->dc->policy, ip))
		goto out;

	/* Several From: fields (RFC 5322 allows one): which one a reader
	 * shows is anyone's guess, so no governed domain could be protected
	 * (RFC 7489 §6.6.1 lets such mail be refused). */
	if (c->inbound_protect_governed && hd->nfrom > 1) {
		log_info("%s: inbound-auth session=%s client=[%s] from_fields=%zu action=reject "
		    "rule=from-fields", s->qid, s->sid, ip, hd->nfrom);
		step = smtp_eod_refuse(v, POLICY_REJECT, 550, "5.7.1", 0, "from-fields",
		    "Message refused: it has more than one From: header field");
		goto out;
	}
	if (hd->nfrom == 1) {
		message_from_field(buf + hd->from.off, hd->from.len, &mf);
		ndoms = message_from_named(buf + hd->from.off, hd->from.len, &mf, doms,
		    INBOUND_FROM_DOMAINS_MAX);
	}
	/* No From:, one that is not a list of addresses with domains, or one
	 * naming more domains than are checked: a reader may still show a
	 * governed address in it, and it could not all be checked (refused,
	 * as large receivers refuse mail that is not RFC 5322 in this). */
	why = text = NULL;
	if (c->inbound_protect_governed) {
		if (hd->nfrom == 0) {
			why = "none";
			text = "it has no From: header field";
		} else if (mf.problem != NULL || mf.naddrs == 0) {
			why = "malformed";
			text = "its From: header field is not a list of addresses (RFC 5322)";
		} else if (ndoms > INBOUND_FROM_DOMAINS_MAX ||
		    inbound_lookups(doms, ndoms) > INBOUND_LOOKUPS_MAX) {
			why = "many-domains";
			text = "its From: header field names too many domains";
		}
	}
	if (why != NULL) {
		log_info("%s: inbound-auth session=%s client=[%s] from_field=%s action=reject "
		    "rule=from-field", s->qid, s->sid, ip, why);
		step = smtp_eod_refuse(v, POLICY_REJECT, 550, "5.7.1", 0, "from-field",
		    "Message refused: %s", text);
		goto out;
	}
	/* DKIM: the header section, then the body in place. */
	dkim_cpu = cpu_thread_us();
	dv = dkim_verify_begin(s->dc->dns, time(NULL));
	dkim_verify_headers(dv, buf, hd->end);
	if (len > hd->end)
		dkim_verify_body(dv, buf + hd->end, len - hd->end);
	dr = dkim_verify_end(dv, &nd);
	dkim_cpu = cpu_thread_us() - dkim_cpu;
	spf_check(s->dc->dns, ip, helo, s->sender, &spf);
	if (message_from_domain(&mf, fromdom, sizeof(fromdom)) != 0)
		fromdom[0] = '\0';
	memset(&f, 0, sizeof(f));
	f.spf = &spf;
	f.dkim = dr;
	f.ndkim = nd;
	if (fromdom[0] != '\0') {
		dmarc_check(s->dc->dns, fromdom, ip, &spf, dr, nd, &dm);
		f.dmarc = &dm;
		f.pct_selected = dm.pct >= 100 || (int)arc4random_uniform(100) < dm.pct;
	}
	gdom[0] = '\0';
	if (c->inbound_protect_governed)
		inbound_governed_from(s, doms, ndoms, dr, nd, &f, gdom, sizeof(gdom));
	f.from_domain = gdom[0] ? gdom : fromdom;
	f.allowed = f.governed == 1 && inbound_allowed(c, ip, dr, nd);
	memset(&set, 0, sizeof(set));
	set.protect_governed = c->inbound_protect_governed;
	set.on_reject = inbound_action_parse(c->inbound_dmarc_reject_action);
	set.on_quarantine = inbound_action_parse(c->inbound_dmarc_quarantine_action);
	set.tag_only = f.dmarc != NULL && dm.res != DMARC_CHECK_PASS &&
	    dm.res != DMARC_CHECK_NONE ? inbound_tag_only_for(s) : c->inbound_dmarc_tag_only;
	inbound_decide(&set, &f, &d);

	log_info("%s: inbound-auth session=%s client=[%s] helo=%s spf=%s dkim=%s "
	    "dmarc=%s from_domain=%s governed=%d allowed=%d action=%s%s%s cpu_us=%lld "
	    "dkim_cpu_us=%lld",
	    s->qid, s->sid, ip, session_esc(esc, sizeof(esc), helo),
	    spf_check_res_str(spf.res), inbound_dkim_summary(dsum, sizeof(dsum), dr, nd),
	    f.dmarc != NULL ? dmarc_check_res_str(dm.res) : "none",
	    f.from_domain[0] ? f.from_domain : "-", f.governed, f.allowed,
	    inbound_action_name(d.action), d.action == INBOUND_ACCEPT ? "" : " rule=",
	    d.action == INBOUND_ACCEPT ? "" : d.rule, cpu_thread_us() - cpu0, dkim_cpu);

	/* The history, for aggregate reports: messages whose record was found,
	 * once (a 451 is retried and counted then). */
	if (inbound_history_fd >= 0 && f.dmarc != NULL && d.action != INBOUND_TEMPFAIL &&
	    (dm.res == DMARC_CHECK_PASS || dm.res == DMARC_CHECK_FAIL)) {
		char dis = d.action == INBOUND_REJECT ? 'r' :
		    d.action == INBOUND_TAG || d.action == INBOUND_HEADER ? 'q' : 'n';
		size_t ll;
		char *line = inbound_history_line(time(NULL), ip, s->sender, &f, dis, &ll);

		if (line == NULL || write(inbound_history_fd, line, ll) != (ssize_t)ll)
			log_warn("%s: dmarc.history_file: write", s->qid);
		free(line);
	}
	switch (d.action) {
	case INBOUND_REJECT:
		step = smtp_eod_refuse(v, POLICY_REJECT, d.code, d.enh, 0, d.rule, "%s", d.text);
		goto out;
	case INBOUND_TEMPFAIL:
		step = smtp_eod_refuse(v, POLICY_TEMPFAIL, d.code, d.enh, 0, d.rule, "%s",
		    d.text);
		goto out;
	default:
		break;
	}
	if ((field = inbound_ar_field(authserv_id, s->sender, helo, &f)) != NULL) {
		smtp_eod_headers_add(h, field, strlen(field));
		free(field);
	}
	if (d.action == INBOUND_TAG || d.action == INBOUND_HEADER)
		inbound_tag(s, buf, hd, f.dmarc, d.applied, d.action, res, h);
out:
	message_from_clear(&mf);
	free(doms);
	dkim_verify_free(dv);
	spool_unmap(s->spool, buf, len);
	free(hd);
	return step;
}
