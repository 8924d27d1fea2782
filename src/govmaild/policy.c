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
#include "policy.h"
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

struct policy {
	long long max_size;
	size_t max_recipients;
	char **relay_domains;
	size_t nrelay_domains;
	struct policy_netlist trusted, xclient;
};

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
	p->relay_domains = xcalloc(c->policy_relay_domains.n + 1, sizeof(char *));
	for (i = 0; i < c->policy_relay_domains.n; i++)
		p->relay_domains[p->nrelay_domains++] = xstrdup(c->policy_relay_domains.v[i]);
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
	for (i = 0; i < p->nrelay_domains; i++)
		free(p->relay_domains[i]);
	free(p->relay_domains);
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

/* Rule "size": declared or actual size within smtpd.max_message_size. */
static int
policy_rule_size(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	if (rq->size >= 0 && rq->size > p->max_size) {
		policy_set(v, POLICY_REJECT, 552, "5.3.4", "size",
		    "Message size exceeds fixed limit of %lld bytes", p->max_size);
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
		policy_set(v, POLICY_TEMPFAIL, 452, "4.5.3", "recipients",
		    "Too many recipients (at most %zu per message), send the rest later",
		    p->max_recipients);
		return 1;
	}
	return 0;
}

/* Rule "relay": no open relay. A bare local part (postmaster) is local. */
static int
policy_rule_relay(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	const char *domain = policy_domain_of(rq->recipient);

	if (*domain == '\0' || policy_is_relay_domain(p, domain) ||
	    policy_client_trusted(p, rq->client_addr) || rq->login != NULL)
		return 0;
	policy_set(v, POLICY_REJECT, 550, "5.7.1", "relay",
	    "<%s>: Relay access denied", rq->recipient);
	return 1;
}

void
policy_check(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v)
{
	policy_set(v, POLICY_ACCEPT, 250, "2.0.0", "default", "Ok");
	switch (rq->stage) {
	case POLICY_CONNECT:
		break;
	case POLICY_MAIL:
		(void)policy_rule_size(p, rq, v);
		break;
	case POLICY_RCPT:
		if (!policy_rule_recipients(p, rq, v))
			(void)policy_rule_relay(p, rq, v);
		break;
	case POLICY_DATA:
		(void)policy_rule_size(p, rq, v);
		break;
	}
}
