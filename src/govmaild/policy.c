/*
 * policy.c — govmaild's decision point (see policy.h). Rules run in a
 * fixed order per stage; the first that does not accept decides.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "mime_check.h"
#include "policy.h"
#include "sign_check.h"
#include "sign_text.h"
#include "xmalloc.h"

struct policy_net {
	int family;
	unsigned char addr[16];
	int prefix;
};

struct policy_netlist {
	struct policy_net *v;
	size_t n;
};

struct policy_delegation {
	char *address;               /* may be used as sender ... */
	char *login;                 /* ... by this account (address or uid) */
};

/* Limits for senders of one agency (policy.agency_limits); 0 = not set. */
struct policy_agency_limit {
	char *agency;
	long long max_size;
	size_t max_recipients;
};

struct policy {
	long long max_size;
	size_t max_recipients;
	long long outbound_max_size, internal_max_size;       /* 0 = none */
	size_t outbound_max_recipients, internal_max_recipients;
	struct policy_agency_limit *agency_limits;
	size_t nagency_limits;
	char **relay_domains;
	size_t nrelay_domains;
	char **external_allow, **external_deny;
	size_t nexternal_allow, nexternal_deny;
	struct policy_delegation *delegations;
	size_t ndelegations;
	struct policy_netlist trusted, xclient;
	char *reply_mime_malformed, *reply_attachment_blocked;
	char *reply_relay, *reply_sender_unknown, *reply_recipient_unknown;
	char *reply_internal_only;
	int sign_tag;                /* signature.on_failure = tag */
	int sign_error_tempfail;     /* signature.on_error = tempfail */
	enum sign_lang sign_lang;    /* signature.language of the refusals */
	char *reply_sender_inactive, *reply_recipient_inactive;
	char *reply_sender_owner, *reply_header_from;
	char *reply_message_too_large, *reply_too_many_recipients;
};

/* A copy of a string list, lower-cased. */
static char **
policy_list_copy(const struct conf_strlist *l, size_t *n)
{
	char **v = xcalloc(l->n + 1, sizeof(char *));
	size_t i, k;

	for (i = 0; i < l->n; i++) {
		v[i] = xstrdup(l->v[i]);
		for (k = 0; v[i][k]; k++)
			if (v[i][k] >= 'A' && v[i][k] <= 'Z')
				v[i][k] = (char)(v[i][k] + 32);
	}
	*n = l->n;
	return v;
}

/* "a.b.c.d[/n]" or "v6[/n]" into net; 0 or -1. */
static int
policy_parse_net(const char *s, struct policy_net *net)
{
	char buf[64], *slash, *end;
	long prefix;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	memset(net, 0, sizeof(*net));
	net->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	prefix = net->family == AF_INET6 ? 128 : 32;
	if ((slash = strchr(buf, '/')) != NULL) {
		long max = prefix;

		*slash = '\0';
		prefix = strtol(slash + 1, &end, 10);
		if (*end != '\0' || slash[1] == '\0' || prefix < 0 || prefix > max)
			return -1;
	}
	if (inet_pton(net->family, buf, net->addr) != 1)
		return -1;
	net->prefix = (int)prefix;
	return 0;
}

static int
policy_netlist_load(struct policy_netlist *l, const struct conf_strlist *src,
    const char *key, char *err, size_t errlen)
{
	size_t i;

	l->v = xcalloc(src->n ? src->n : 1, sizeof(*l->v));
	for (i = 0; i < src->n; i++) {
		if (policy_parse_net(src->v[i], &l->v[l->n]) != 0) {
			snprintf(err, errlen, "%s: \"%s\" is not an address or address/prefix",
			    key, src->v[i]);
			return -1;
		}
		l->n++;
	}
	return 0;
}

/* Is addr (text, IPv4, IPv6 or IPv4-mapped IPv6) inside one of l? */
static int
policy_netlist_match(const struct policy_netlist *l, const char *addr)
{
	unsigned char a[16];
	int family;
	size_t i;

	if (addr == NULL)
		return 0;
	if (strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, a) != 1)
		return 0;
	if (family == AF_INET6 && memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(a, a + 12, 4);
		family = AF_INET;
	}
	for (i = 0; i < l->n; i++) {
		const struct policy_net *n = &l->v[i];
		int full = n->prefix / 8, rest = n->prefix % 8;

		if (n->family != family)
			continue;
		if (memcmp(a, n->addr, (size_t)full) != 0)
			continue;
		if (rest != 0 &&
		    ((a[full] ^ n->addr[full]) & (unsigned char)(0xff << (8 - rest))) != 0)
			continue;
		return 1;
	}
	return 0;
}

struct policy *
policy_new(const struct govmail_conf *c, char *err, size_t errlen)
{
	struct policy *p = xcalloc(1, sizeof(*p));
	size_t i;

	p->max_size = c->smtpd_max_message_size;
	p->max_recipients = (size_t)c->smtpd_max_recipients;
	p->relay_domains = policy_list_copy(&c->policy_relay_domains, &p->nrelay_domains);
	p->external_allow = policy_list_copy(&c->policy_external_allow, &p->nexternal_allow);
	p->external_deny = policy_list_copy(&c->policy_external_deny, &p->nexternal_deny);
	p->reply_mime_malformed = xstrdup(c->policy_reply_mime_malformed);
	p->sign_tag = strcmp(c->signature_on_failure, "tag") == 0;
	p->sign_error_tempfail = strcmp(c->signature_on_error, "tempfail") == 0;
	p->sign_lang = sign_lang_parse(c->signature_language) == SIGN_LANG_EN ? SIGN_LANG_EN :
	    SIGN_LANG_VI;
	p->reply_attachment_blocked = xstrdup(c->policy_reply_attachment_blocked);
	p->reply_relay = xstrdup(c->policy_reply_relay);
	p->reply_sender_unknown = xstrdup(c->policy_reply_sender_unknown);
	p->reply_recipient_unknown = xstrdup(c->policy_reply_recipient_unknown);
	p->reply_internal_only = xstrdup(c->policy_reply_internal_only);
	p->reply_sender_inactive = xstrdup(c->policy_reply_sender_inactive);
	p->reply_recipient_inactive = xstrdup(c->policy_reply_recipient_inactive);
	p->reply_sender_owner = xstrdup(c->policy_reply_sender_owner);
	p->reply_header_from = xstrdup(c->policy_reply_header_from);
	p->reply_message_too_large = xstrdup(c->policy_reply_message_too_large);
	p->reply_too_many_recipients = xstrdup(c->policy_reply_too_many_recipients);
	p->outbound_max_size = c->policy_outbound_max_size;
	p->internal_max_size = c->policy_internal_max_size;
	p->outbound_max_recipients = (size_t)c->policy_outbound_max_recipients;
	p->internal_max_recipients = (size_t)c->policy_internal_max_recipients;
	p->agency_limits = xcalloc(c->policy_agency_limits.n + 1, sizeof(*p->agency_limits));
	for (i = 0; i < c->policy_agency_limits.n; i++) {
		char code[65], size[32];
		unsigned long r;

		/* conf_keys.c checked the form */
		if (sscanf(c->policy_agency_limits.v[i], "%64s %31s %lu", code, size, &r) != 3 ||
		    conf_parse_size(size) < 0) {
			snprintf(err, errlen, "policy.agency_limits: \"%s\" is not "
			    "\"AGENCY SIZE RECIPIENTS\"", c->policy_agency_limits.v[i]);
			policy_free(p);
			return NULL;
		}
		p->agency_limits[i].agency = xstrdup(code);
		p->agency_limits[i].max_size = conf_parse_size(size);
		p->agency_limits[i].max_recipients = (size_t)r;
		p->nagency_limits++;
	}
	p->delegations = xcalloc(c->policy_delegations.n + 1, sizeof(*p->delegations));
	for (i = 0; i < c->policy_delegations.n; i++) {
		const char *d = c->policy_delegations.v[i], *sp = strchr(d, ' ');

		if (sp == NULL) {
			snprintf(err, errlen, "policy.delegations: \"%s\" is not \"ADDRESS LOGIN\"", d);
			policy_free(p);
			return NULL;
		}
		p->delegations[i].address = xstrndup(d, (size_t)(sp - d));
		p->delegations[i].login = xstrdup(sp + 1);
		p->ndelegations++;
	}
	if (policy_netlist_load(&p->trusted, &c->policy_trusted_networks,
	    "policy.trusted_networks", err, errlen) != 0 ||
	    policy_netlist_load(&p->xclient, &c->smtpd_xclient_hosts,
	    "smtpd.xclient_hosts", err, errlen) != 0) {
		policy_free(p);
		return NULL;
	}
	return p;
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	xfreev(p->relay_domains, p->nrelay_domains);
	xfreev(p->external_allow, p->nexternal_allow);
	xfreev(p->external_deny, p->nexternal_deny);
	for (i = 0; i < p->ndelegations; i++) {
		free(p->delegations[i].address);
		free(p->delegations[i].login);
	}
	free(p->delegations);
	free(p->reply_mime_malformed);
	free(p->reply_attachment_blocked);
	free(p->reply_relay);
	free(p->reply_sender_unknown);
	free(p->reply_recipient_unknown);
	free(p->reply_internal_only);
	free(p->reply_sender_inactive);
	free(p->reply_recipient_inactive);
	free(p->reply_sender_owner);
	free(p->reply_header_from);
	free(p->reply_message_too_large);
	free(p->reply_too_many_recipients);
	for (i = 0; i < p->nagency_limits; i++)
		free(p->agency_limits[i].agency);
	free(p->agency_limits);
	free(p->trusted.v);
	free(p->xclient.v);
	free(p);
}

int
policy_client_trusted(const struct policy *p, const char *addr)
{
	return policy_netlist_match(&p->trusted, addr);
}

int
policy_xclient_allowed(const struct policy *p, const char *addr)
{
	return policy_netlist_match(&p->xclient, addr);
}

void
policy_reply_text(char *buf, size_t len, const char *tmpl, const char *arg)
{
	const char *pc = strstr(tmpl, "%s");

	if (pc == NULL)
		snprintf(buf, len, "%s", tmpl);
	else
		snprintf(buf, len, "%.*s%s%s", (int)(pc - tmpl), tmpl, arg, pc + 2);
}

const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_ACCEPT: return "accept";
	case POLICY_REJECT: return "reject";
	case POLICY_TEMPFAIL: return "tempfail";
	}
	return "?";
}

static void
policy_set(struct policy_verdict *v, enum policy_action a, int code,
    const char *enh, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
policy_set(struct policy_verdict *v, enum policy_action a, int code,
    const char *enh, const char *rule, const char *fmt, ...)
{
	va_list ap;

	v->action = a;
	v->code = code;
	snprintf(v->enh, sizeof(v->enh), "%s", enh);
	v->rule = rule;
	va_start(ap, fmt);
	vsnprintf(v->text, sizeof(v->text), fmt, ap);
	va_end(ap);
}

/* Domain part of an address ("" for a bare local part like postmaster). */
static const char *
policy_domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

static int
policy_is_relay_domain(const struct policy *p, const char *domain)
{
	size_t i;

	for (i = 0; i < p->nrelay_domains; i++)
		if (strcasecmp(p->relay_domains[i], domain) == 0)
			return 1;
	return 0;
}

/* 552 5.3.4 with the configured text and the limit. */
static void
policy_set_size(const struct policy *p, struct policy_verdict *v, const char *rule,
    long long limit)
{
	char num[32], text[sizeof(v->text)];

	snprintf(num, sizeof(num), "%lld", limit);
	policy_reply_text(text, sizeof(text), p->reply_message_too_large, num);
	policy_set(v, POLICY_REJECT, 552, "5.3.4", rule, "%s", text);
}

/* 452 4.5.3 (RFC 5321 4.5.3.1.10: a temporary failure, the client sends
 * the rest later) with the configured text and the limit. */
static void
policy_set_recipients(const struct policy *p, struct policy_verdict *v, const char *rule,
    size_t limit)
{
	char num[32], text[sizeof(v->text)];

	snprintf(num, sizeof(num), "%zu", limit);
	policy_reply_text(text, sizeof(text), p->reply_too_many_recipients, num);
	policy_set(v, POLICY_TEMPFAIL, 452, "4.5.3", rule, "%s", text);
}

/* Rule "size": declared or actual size within smtpd.max_message_size. */
static int
policy_rule_size(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	if (rq->size >= 0 && rq->size > p->max_size) {
		policy_set_size(p, v, "size", p->max_size);
		return 1;
	}
	return 0;
}

/* Rule "recipients": at most smtpd.max_recipients per message. */
static int
policy_rule_recipients(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	if (rq->nrcpt >= p->max_recipients) {
		policy_set_recipients(p, v, "recipients", p->max_recipients);
		return 1;
	}
	return 0;
}

static void
policy_tempfail_dir(struct policy_verdict *v)
{
	policy_set(v, POLICY_TEMPFAIL, 451, "4.3.0", "directory",
	    "Directory temporarily unavailable, try again later");
}

/* Is domain governed (configured relay domain or in the directory)?
 * 1 yes, 0 no, -1 unknown now (v is a tempfail). "" (a bare local part
 * such as postmaster) counts as ours. */
static int
policy_governed(const struct policy *p, const struct policy_request *rq,
    const char *domain, struct policy_verdict *v)
{
	if (*domain == '\0' || policy_is_relay_domain(p, domain))
		return 1;
	if (rq->dir == NULL)
		return 0;
	switch (rq->dir->domain(rq->dir->arg, domain)) {
	case POLICY_LOOKUP_YES:
		return 1;
	case POLICY_LOOKUP_NO:
		return 0;
	case POLICY_LOOKUP_TEMPFAIL:
		break;
	}
	policy_tempfail_dir(v);
	return -1;
}

int
policy_address_governed(const struct policy *p, const struct policy_directory *dir,
    const char *addr)
{
	struct policy_request rq;
	struct policy_verdict v;

	memset(&rq, 0, sizeof(rq));
	rq.dir = dir;
	return policy_governed(p, &rq, policy_domain_of(addr), &v);
}

/* Why an account may not send or receive, for a person to read (ASCII,
 * English with Vietnamese without diacritics). */
static const char *
policy_status_text(const char *status)
{
	if (strcmp(status, "suspended") == 0)
		return "the account is suspended (tai khoan dang bi tam ngung)";
	if (strcmp(status, "disabled") == 0)
		return "the account is disabled (tai khoan da ngung su dung)";
	return "the account is not active (tai khoan khong hoat dong)";
}

/* Is domain (or a parent of it) in the list? */
static int
policy_domain_listed(char *const *list, size_t n, const char *domain)
{
	size_t i, dl = strlen(domain);

	for (i = 0; i < n; i++) {
		size_t el = strlen(list[i]);

		if (strcasecmp(list[i], domain) == 0 ||
		    (dl > el && domain[dl - el - 1] == '.' &&
		    strcasecmp(domain + dl - el, list[i]) == 0))
			return 1;
	}
	return 0;
}

/* May login (whose account is la, if found) send as address? */
static int
policy_delegated(const struct policy *p, const char *address, const char *login,
    const struct policy_account *la)
{
	size_t i;

	for (i = 0; i < p->ndelegations; i++) {
		const struct policy_delegation *d = &p->delegations[i];

		if (strcasecmp(d->address, address) != 0)
			continue;
		if (strcasecmp(d->login, login) == 0 || (la != NULL &&
		    (strcasecmp(d->login, la->mail) == 0 || strcasecmp(d->login, la->uid) == 0)))
			return 1;
	}
	return 0;
}

/* Does address belong to the authenticated login (same account, or a
 * delegation)? 1 yes, 0 no, -1 directory unavailable (v is a tempfail). */
static int
policy_owned(const struct policy *p, const struct policy_request *rq,
    const char *address, struct policy_verdict *v)
{
	struct policy_account sa, la;
	enum policy_lookup rs, rl;

	rl = rq->dir->account(rq->dir->arg, rq->login, &la);
	rs = rq->dir->account(rq->dir->arg, address, &sa);
	if (rl == POLICY_LOOKUP_TEMPFAIL || rs == POLICY_LOOKUP_TEMPFAIL) {
		policy_tempfail_dir(v);
		return -1;
	}
	if (rl == POLICY_LOOKUP_YES && rs == POLICY_LOOKUP_YES && strcmp(la.uid, sa.uid) == 0)
		return 1;
	return policy_delegated(p, address, rq->login, rl == POLICY_LOOKUP_YES ? &la : NULL);
}

/* Rule "header-from": what the recipient sees as the author must also be
 * the authenticated user's (anti-spoofing). No From: at all is allowed;
 * a From: that cannot be read reliably, or two of them, is not. */
static int
policy_rule_header_from(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	size_t i;
	int owned;

	if (rq->login == NULL || rq->dir == NULL)
		return 0;
	if (rq->header_problem != NULL) {
		policy_set(v, POLICY_REJECT, 550, "5.7.1", "header-from",
		    "Message refused: %s", rq->header_problem);
		return 1;
	}
	for (i = 0; i < rq->nheader_from; i++) {
		if ((owned = policy_owned(p, rq, rq->header_from[i], v)) < 0)
			return 1;
		if (owned == 0) {
			char text[sizeof(v->text)];

			policy_reply_text(text, sizeof(text), p->reply_header_from, rq->login);
			policy_set(v, POLICY_REJECT, 550, "5.7.1", "header-from", "<%s>: %s",
			    rq->header_from[i], text);
			return 1;
		}
	}
	return 0;
}

/* Rule "sender": an authenticated client sends only as its own addresses
 * (or a delegation); anyone else with a sender in a governed domain must
 * name an active account or alias. The null sender (bounces) passes. */
static int
policy_rule_sender(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	struct policy_account sa;
	char text[sizeof(v->text)];
	int g;

	if (*rq->sender == '\0')
		return 0;
	if (rq->login != NULL) {
		if (rq->dir == NULL)
			return 0;
		if ((g = policy_owned(p, rq, rq->sender, v)) != 0)
			return g < 0;
		policy_reply_text(text, sizeof(text), p->reply_sender_owner, rq->login);
		policy_set(v, POLICY_REJECT, 553, "5.7.1", "sender-owner", "<%s>: %s",
		    rq->sender, text);
		return 1;
	}
	if ((g = policy_governed(p, rq, policy_domain_of(rq->sender), v)) < 0)
		return 1;
	if (g == 0 || rq->dir == NULL)
		return 0;
	switch (rq->dir->account(rq->dir->arg, rq->sender, &sa)) {
	case POLICY_LOOKUP_TEMPFAIL:
		policy_tempfail_dir(v);
		return 1;
	case POLICY_LOOKUP_NO:
		policy_set(v, POLICY_REJECT, 550, "5.7.1", "sender-unknown",
		    "<%s>: %s", rq->sender, p->reply_sender_unknown);
		return 1;
	case POLICY_LOOKUP_YES:
		break;
	}
	if (strcmp(sa.status, "active") != 0) {
		policy_reply_text(text, sizeof(text), p->reply_sender_inactive,
		    policy_status_text(sa.status));
		policy_set(v, POLICY_REJECT, 550, "5.7.1", "sender-inactive", "<%s>: %s",
		    rq->sender, text);
		return 1;
	}
	return 0;
}

/* Rule "recipient": in a governed domain it must be an active account or
 * alias; outside, only trusted or authenticated clients may send (no open
 * relay), within the external allow/deny lists, and not from an
 * internal-only account. */
static int
policy_rule_recipient(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	const char *domain = policy_domain_of(rq->recipient);
	struct policy_account ra, sa;
	int g;

	if ((g = policy_governed(p, rq, domain, v)) < 0)
		return 1;
	if (g == 1) {
		if (*domain == '\0' || rq->dir == NULL)
			return 0;
		switch (rq->dir->account(rq->dir->arg, rq->recipient, &ra)) {
		case POLICY_LOOKUP_TEMPFAIL:
			policy_tempfail_dir(v);
			return 1;
		case POLICY_LOOKUP_NO:
			policy_set(v, POLICY_REJECT, 550, "5.1.1", "recipient-unknown",
			    "<%s>: %s", rq->recipient, p->reply_recipient_unknown);
			return 1;
		case POLICY_LOOKUP_YES:
			break;
		}
		if (strcmp(ra.status, "active") != 0) {
			char text[sizeof(v->text)];

			policy_reply_text(text, sizeof(text), p->reply_recipient_inactive,
			    policy_status_text(ra.status));
			policy_set(v, POLICY_REJECT, 550, "5.1.1", "recipient-inactive",
			    "<%s>: %s", rq->recipient, text);
			return 1;
		}
		return 0;
	}
	v->outside = 1;
	if (!policy_client_trusted(p, rq->client_addr) && rq->login == NULL) {
		policy_set(v, POLICY_REJECT, 550, "5.7.1", "relay",
		    "<%s>: %s", rq->recipient, p->reply_relay);
		return 1;
	}
	if (policy_domain_listed(p->external_deny, p->nexternal_deny, domain) ||
	    (p->nexternal_allow > 0 &&
	    !policy_domain_listed(p->external_allow, p->nexternal_allow, domain))) {
		policy_set(v, POLICY_REJECT, 550, "5.7.1", "external-list",
		    "<%s>: Mail to %s is not allowed by policy", rq->recipient, domain);
		return 1;
	}
	if (rq->dir != NULL && *rq->sender != '\0') {
		if ((g = policy_governed(p, rq, policy_domain_of(rq->sender), v)) < 0)
			return 1;
		if (g == 1 && *policy_domain_of(rq->sender) != '\0') {
			switch (rq->dir->account(rq->dir->arg, rq->sender, &sa)) {
			case POLICY_LOOKUP_TEMPFAIL:
				policy_tempfail_dir(v);
				return 1;
			case POLICY_LOOKUP_YES:
				if (!sa.may_send_external) {
					policy_set(v, POLICY_REJECT, 550, "5.7.1", "internal-only",
					    "<%s>: %s", rq->sender, p->reply_internal_only);
					return 1;
				}
				break;
			case POLICY_LOOKUP_NO:
				break;
			}
		}
	}
	return 0;
}

/* The agency of the sender's account, "" if none; asked only when
 * policy.agency_limits is set. 0, or -1 if the directory is unavailable
 * (v is a tempfail). */
static int
policy_sender_agency(const struct policy *p, const struct policy_request *rq,
    char *agency, size_t len, struct policy_verdict *v)
{
	const char *domain = policy_domain_of(rq->sender);
	struct policy_account sa;
	int g;

	*agency = '\0';
	if (p->nagency_limits == 0 || rq->dir == NULL || *rq->sender == '\0' ||
	    *domain == '\0')
		return 0;
	if ((g = policy_governed(p, rq, domain, v)) <= 0)
		return g;
	switch (rq->dir->account(rq->dir->arg, rq->sender, &sa)) {
	case POLICY_LOOKUP_TEMPFAIL:
		policy_tempfail_dir(v);
		return -1;
	case POLICY_LOOKUP_YES:
		snprintf(agency, len, "%s", sa.agency);
		break;
	case POLICY_LOOKUP_NO:
		break;
	}
	return 0;
}

/* Rule "limits": size and recipient count of the sender's agency
 * (policy.agency_limits), else of the message's direction: outbound
 * (some recipient outside the governed domains) or internal. At MAIL
 * (direction < 0, not known yet) a declared size is refused only beyond
 * both. 0 = no limit here (smtpd's, checked before, still applies). */
static int
policy_rule_limits(const struct policy *p, const struct policy_request *rq,
    int direction, struct policy_verdict *v)
{
	const char *srule = "internal-size", *rrule = "internal-recipients";
	long long size = p->internal_max_size;
	size_t rcpts = p->internal_max_recipients, i;
	char agency[sizeof(((struct policy_account *)0)->agency)];

	if (policy_sender_agency(p, rq, agency, sizeof(agency), v) < 0)
		return 1;
	if (direction > 0) {
		srule = "outbound-size";
		rrule = "outbound-recipients";
		size = p->outbound_max_size;
		rcpts = p->outbound_max_recipients;
	} else if (direction < 0) {
		srule = "policy-size";
		if (p->outbound_max_size == 0 || p->internal_max_size == 0)
			size = 0;
		else if (p->outbound_max_size > size)
			size = p->outbound_max_size;
	}
	for (i = 0; *agency != '\0' && i < p->nagency_limits; i++) {
		const struct policy_agency_limit *al = &p->agency_limits[i];

		if (strcasecmp(al->agency, agency) != 0)
			continue;
		if (al->max_size > 0) {
			size = al->max_size;
			srule = "agency-size";
		}
		if (al->max_recipients > 0) {
			rcpts = al->max_recipients;
			rrule = "agency-recipients";
		}
		break;
	}
	if (rq->stage == POLICY_RCPT && rcpts > 0 && rq->nrcpt >= rcpts) {
		policy_set_recipients(p, v, rrule, rcpts);
		return 1;
	}
	if (size > 0 && rq->size >= 0 && rq->size > size) {
		policy_set_size(p, v, srule, size);
		return 1;
	}
	return 0;
}

/* Rule "attachment": no part with a blocked extension or declared type
 * (550 5.7.1 naming the file, made ASCII), and no MIME structure that
 * could be read more than one way (550 5.6.0). */
static int
policy_rule_attachment(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	if (rq->mime == NULL)
		return 0;
	switch (rq->mime->status) {
	case MIME_CHECK_OK:
		return 0;
	case MIME_CHECK_MALFORMED:
		policy_set(v, POLICY_REJECT, 550, "5.6.0", "mime-malformed", "%s",
		    p->reply_mime_malformed);
		return 1;
	case MIME_CHECK_BLOCKED:
		break;
	}
	if (rq->mime->ascii[0] != '\0')
		policy_set(v, POLICY_REJECT, 550, "5.7.1", "attachment", "%s: \"%s\"",
		    p->reply_attachment_blocked, rq->mime->ascii);
	else
		policy_set(v, POLICY_REJECT, 550, "5.7.1", "attachment", "%s: %s",
		    p->reply_attachment_blocked, rq->mime->why);
	return 1;
}

/* The reply text for a signature refusal, in the configured language
 * and ASCII (govmaild offers no SMTPUTF8, RFC 6531): the English text
 * made here is the catalog's key (sign_text.c). */
static void
policy_sign_text(const struct policy *p, struct policy_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
policy_sign_text(const struct policy *p, struct policy_verdict *v, const char *fmt, ...)
{
	char en[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(en, sizeof(en), fmt, ap);
	va_end(ap);
	sign_text_reply(en, p->sign_lang, v->text, sizeof(v->text));
}

/* A document's name for a reply: a file is named as it is, ASCII; what
 * is no file ("S/MIME signature") is a label, translated. */
static void
policy_sign_label(const struct policy *p, const struct sign_doc *d, char *buf, size_t len)
{
	if (d->filename[0] != '\0')
		sign_text_ascii(d->ascii, buf, len);
	else
		sign_text_reply(d->ascii, p->sign_lang, buf, len);
}

/* "FILE: reason" for a document: the label and the reason translated
 * apart, a file name being any text. */
static void
policy_sign_doc_text(const struct policy *p, struct policy_verdict *v, const struct sign_doc *d)
{
	size_t o;

	policy_sign_label(p, d, v->text, sizeof(v->text) - 80);
	o = strlen(v->text);
	memcpy(v->text + o, ": ", 3);
	o += 2;
	sign_text_reply(d->reason, p->sign_lang, v->text + o, sizeof(v->text) - o);
}

/* Rule "signature": official documents meet the signature requirement
 * (sign_check.c). Our side cannot tell (CRL unreadable): 451 4.7.5. A
 * broken signature or a document altered after signing: 550 5.7.7; not
 * signed, or not by whom it must be: 550 5.7.1; both naming the file and
 * the reason, in signature.language. With signature.on_failure = tag,
 * failures are only tagged. Checks stopped at signature.max_cpu_time:
 * signature.on_error, 550 5.7.1 or 451 4.7.5. */
static int
policy_rule_signature(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	const struct sign_check_result *r = rq->sign;
	const struct sign_doc *d;
	size_t i;

	if (r == NULL)
		return 0;
	for (i = 0; r->tempfail && i < r->ndocs; i++)
		if (r->docs[i].tempfail) {
			char label[120];

			d = &r->docs[i];
			policy_sign_label(p, d, label, sizeof(label));
			policy_set(v, POLICY_TEMPFAIL, 451, "4.7.5", "signature", "tempfail");
			policy_sign_text(p, v,
			    "%s: cannot check the signature now (%s), try again later", label, d->reason);
			return 1;
		}
	if (p->sign_tag || r->req < SIGN_REQ_SIGNED)
		return 0;
	if (r->over_cpu && p->sign_error_tempfail) {
		policy_set(v, POLICY_TEMPFAIL, 451, "4.7.5", "signature", "tempfail");
		policy_sign_text(p, v,
		    "signatures cannot be checked now (%s), try again later", r->problem);
		return 1;
	}
	if (r->problem[0] != '\0') {
		policy_set(v, POLICY_REJECT, 550, "5.7.1", "signature", "refused");
		policy_sign_text(p, v, "Message refused: signatures cannot be checked (%s)",
		    r->problem);
		return 1;
	}
	if (r->failed < 0)
		return 0;
	d = &r->docs[r->failed];
	policy_set(v, POLICY_REJECT, 550, d->integrity ? "5.7.7" : "5.7.1", "signature", "refused");
	policy_sign_doc_text(p, v, d);
	return 1;
}

void
policy_check(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	policy_set(v, POLICY_ACCEPT, 250, "2.0.0", "default", "Ok");
	v->outside = 0;
	switch (rq->stage) {
	case POLICY_CONNECT:
		break;
	case POLICY_MAIL:
		if (!policy_rule_size(p, rq, v) && !policy_rule_sender(p, rq, v))
			(void)policy_rule_limits(p, rq, -1, v);
		break;
	case POLICY_RCPT:
		if (!policy_rule_recipients(p, rq, v) && !policy_rule_recipient(p, rq, v))
			(void)policy_rule_limits(p, rq, rq->outbound || v->outside, v);
		break;
	case POLICY_DATA:
		if (!policy_rule_size(p, rq, v) && !policy_rule_limits(p, rq, rq->outbound, v) &&
		    !policy_rule_header_from(p, rq, v) && !policy_rule_attachment(p, rq, v))
			(void)policy_rule_signature(p, rq, v);
		break;
	case POLICY_SIGNATURE:
		(void)policy_rule_signature(p, rq, v);
		break;
	}
}

void
policy_signer_clear(struct policy_signer *s)
{
	size_t i;

	for (i = 0; i < s->naddresses; i++)
		free(s->addresses[i]);
	free(s->addresses);
	free(s->account_certs);
	free(s->agency_certs);
	memset(s, 0, sizeof(*s));
}
