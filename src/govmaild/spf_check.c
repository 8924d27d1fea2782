/*
 * spf_check.c — SPF (RFC 7208) with libspf2 over govmaild's resolver:
 * a libspf2 DNS layer whose lookup asks dns_resolve.c and converts the
 * answer into libspf2's records. See spf_check.h.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "dns_resolve.h"
#include "spf_check.h"

struct spf_layer {
	struct dns_resolver *dns;
	int voids;              /* answers without records, RFC 7208 §4.6.4 */
	int tempfails;          /* lookups that failed for now (§5: temperror) */
};

/* A domain name in wire format (uncompressed, as libunbound gives RDATA)
 * as text without the final dot. -1 if malformed. */
static int
wire_name(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	size_t i = 0, k = 0;

	if (outlen == 0)
		return -1;
	while (i < n) {
		size_t l = p[i++];

		if (l == 0) {
			out[k > 0 ? k - 1 : 0] = '\0';     /* no final dot */
			return 0;
		}
		if (l > 63 || l > n - i || k + l + 1 >= outlen)
			return -1;
		memcpy(out + k, p + i, l);
		k += l;
		out[k++] = '.';
		i += l;
	}
	return -1;
}

static SPF_dns_rr_t *
layer_lookup(SPF_dns_server_t *ds, const char *domain, ns_type type, int should_cache)
{
	struct spf_layer *l = ds->hook;
	struct dns_txt t;
	enum dns_status st;
	SPF_dns_rr_t *rr;
	size_t i;
	int herr, n = 0;

	(void)should_cache;
	if (type == ns_t_spf)       /* type SPF is obsolete (RFC 7208 §3.1) */
		return SPF_dns_rr_new_init(ds, domain, type, 0, NO_DATA);
	st = dns_lookup_rr(l->dns, domain, (int)type, &t);
	switch (st) {
	case DNS_OK: herr = NETDB_SUCCESS; break;
	case DNS_NXDOMAIN: herr = HOST_NOT_FOUND; break;
	case DNS_NODATA: herr = NO_DATA; break;
	default: herr = TRY_AGAIN; break;
	}
	if (st == DNS_NXDOMAIN || st == DNS_NODATA)
		l->voids++;
	else if (st == DNS_TEMPFAIL)
		l->tempfails++;
	rr = SPF_dns_rr_new_init(ds, domain, type, (int)t.ttl, herr);
	if (rr == NULL || st != DNS_OK) {
		dns_txt_clear(&t);
		return rr;
	}
	for (i = 0; i < t.n && n < 1000; i++) {
		const unsigned char *p = (const unsigned char *)t.v[i];
		size_t len = t.len[i];
		char name[300];

		switch (type) {
		case ns_t_a:
			if (len != 4 || SPF_dns_rr_buf_realloc(rr, n, sizeof(struct in_addr)))
				continue;
			memcpy(&rr->rr[n++]->a, p, 4);
			break;
		case ns_t_aaaa:
			if (len != 16 || SPF_dns_rr_buf_realloc(rr, n, sizeof(struct in6_addr)))
				continue;
			memcpy(&rr->rr[n++]->aaaa, p, 16);
			break;
		case ns_t_mx:
		case ns_t_ptr: {
			size_t skip = type == ns_t_mx ? 2 : 0;

			if (len <= skip || wire_name(p + skip, len - skip, name, sizeof(name)) != 0 ||
			    SPF_dns_rr_buf_realloc(rr, n, strlen(name) + 1))
				continue;
			memcpy(type == ns_t_mx ? rr->rr[n]->mx : rr->rr[n]->ptr, name,
			    strlen(name) + 1);
			n++;
			break;
		}
		case ns_t_txt:
			/* A record with a NUL cannot be an SPF record: left out. */
			if (memchr(p, '\0', len) != NULL ||
			    SPF_dns_rr_buf_realloc(rr, n, len + 1))
				continue;
			memcpy(rr->rr[n]->txt, p, len);
			rr->rr[n++]->txt[len] = '\0';
			break;
		default:
			break;
		}
	}
	rr->num_rr = n;
	if (n == 0)
		rr->herrno = NO_DATA;
	dns_txt_clear(&t);
	return rr;
}

static enum spf_check_res
map_result(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_PASS: return SPF_CHECK_PASS;
	case SPF_RESULT_FAIL: return SPF_CHECK_FAIL;
	case SPF_RESULT_SOFTFAIL: return SPF_CHECK_SOFTFAIL;
	case SPF_RESULT_NEUTRAL: return SPF_CHECK_NEUTRAL;
	case SPF_RESULT_NONE: return SPF_CHECK_NONE;
	case SPF_RESULT_TEMPERROR: return SPF_CHECK_TEMPERROR;
	default: return SPF_CHECK_PERMERROR;
	}
}

/* libspf2 logs to stderr by default; govmaild reports results itself. */
static void
quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

/* libspf2's message handlers are process globals: set once, before any
 * thread runs a check, never written again (see spf_check.h). */
void
spf_check_init(void)
{
	SPF_warning_handler = quiet;
	SPF_info_handler = quiet;
	SPF_debug_handler = quiet;
}

void
spf_check(struct dns_resolver *dns, const char *ip, const char *helo,
    const char *mailfrom, struct spf_check_result *out)
{
	struct spf_layer l = { dns, 0, 0 };
	SPF_dns_server_t ds;
	SPF_server_t *srv = NULL;
	SPF_request_t *req = NULL;
	SPF_response_t *resp = NULL;
	const char *at;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	out->res = SPF_CHECK_PERMERROR;
	memset(&ds, 0, sizeof(ds));
	ds.lookup = layer_lookup;
	ds.name = "govmaild";
	ds.hook = &l;
	at = strrchr(mailfrom, '@');
	out->helo = mailfrom[0] == '\0';
	snprintf(out->domain, sizeof(out->domain), "%s",
	    out->helo ? helo : at != NULL ? at + 1 : mailfrom);
	srv = SPF_server_new_dns(&ds, 0);
	if (srv == NULL) {
		snprintf(out->reason, sizeof(out->reason), "libspf2: no server");
		return;
	}
	SPF_server_set_max_dns_mech(srv, 10);
	req = SPF_request_new(srv);
	if (strchr(ip, ':') != NULL)
		bad = SPF_request_set_ipv6_str(req, ip) != SPF_E_SUCCESS;
	else
		bad = SPF_request_set_ipv4_str(req, ip) != SPF_E_SUCCESS;
	if (!bad && helo[0] != '\0')
		bad = SPF_request_set_helo_dom(req, helo) != SPF_E_SUCCESS;
	if (!bad)
		bad = SPF_request_set_env_from(req, mailfrom) != 0;
	if (bad) {
		out->res = SPF_CHECK_NONE;
		snprintf(out->reason, sizeof(out->reason), "no identity to check");
		goto done;
	}
	SPF_request_query_mailfrom(req, &resp);
	if (resp == NULL) {
		snprintf(out->reason, sizeof(out->reason), "libspf2: no response");
		goto done;
	}
	out->res = map_result(SPF_response_result(resp));
	/* A lookup that failed for now ends the check with temperror (RFC
	 * 7208 §5), whatever libspf2 made of it. */
	if (l.tempfails > 0) {
		out->res = SPF_CHECK_TEMPERROR;
		snprintf(out->reason, sizeof(out->reason), "DNS lookup failed");
	} else if (l.voids > SPF_CHECK_VOID_MAX && out->res != SPF_CHECK_TEMPERROR) {
		out->res = SPF_CHECK_PERMERROR;
		snprintf(out->reason, sizeof(out->reason), "more than %d void lookups",
		    SPF_CHECK_VOID_MAX);
	} else
		snprintf(out->reason, sizeof(out->reason), "%s",
		    SPF_strreason(SPF_response_reason(resp)));
done:
	if (resp != NULL)
		SPF_response_free(resp);
	if (req != NULL)
		SPF_request_free(req);
	SPF_server_free(srv);
}

const char *
spf_check_res_str(enum spf_check_res r)
{
	static const char *const s[] = { "none", "neutral", "pass", "fail",
	    "softfail", "temperror", "permerror" };

	return (unsigned)r < sizeof(s) / sizeof(s[0]) ? s[r] : "permerror";
}
