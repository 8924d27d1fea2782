/*
 * dmarc_check.c — DMARC with libopendmarc, records fetched by
 * dns_resolve.c: look up _dmarc.FROM-DOMAIN, then _dmarc.ORG-DOMAIN
 * (RFC 7489 §6.6.3), give the record text and the SPF and DKIM results
 * to libopendmarc, read back its verdict. See dmarc_check.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <opendmarc/dmarc.h>

#include "dns_resolve.h"
#include "dmarc_check.h"

/* In libopendmarc (opendmarc_tld.c) but not in its header. */
int opendmarc_get_tld(u_char *domain, u_char *tld, size_t tld_len);

static OPENDMARC_LIB_T dmarc_lib;

int
dmarc_check_init(const char *psl_path, char *err, size_t errlen)
{
	const char *p = psl_path != NULL && *psl_path != '\0' ? psl_path : DMARC_PSL_DEFAULT;

	memset(&dmarc_lib, 0, sizeof(dmarc_lib));
	dmarc_lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
	if (strlen(p) >= sizeof(dmarc_lib.tld_source_file)) {
		snprintf(err, errlen, "%s: path too long", p);
		return -1;
	}
	memcpy(dmarc_lib.tld_source_file, p, strlen(p) + 1);
	if (opendmarc_policy_library_init(&dmarc_lib) != DMARC_PARSE_OKAY) {
		snprintf(err, errlen, "%s: cannot read the public suffix list", p);
		return -1;
	}
	return 0;
}

void
dmarc_check_shutdown(void)
{
	opendmarc_policy_library_shutdown(&dmarc_lib);
}

/* The one DMARC record at name: 1 found (xstrdup'd in *rec), 0 none, -1
 * temporary failure. Several v=DMARC1 records count as none (§6.6.3). */
static int
fetch_record(struct dns_resolver *dns, const char *domain, char **rec)
{
	char name[300];
	struct dns_txt t;
	enum dns_status st;
	size_t i, found = 0, which = 0;

	*rec = NULL;
	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	st = dns_lookup_txt(dns, name, &t);
	if (st == DNS_TEMPFAIL)
		return -1;
	for (i = 0; st == DNS_OK && i < t.n; i++) {
		const char *v = t.v[i];
		size_t k = 0;

		while (k < t.len[i] && (v[k] == ' ' || v[k] == '\t'))
			k++;
		if (t.len[i] - k >= 8 && strncmp(v + k, "v=DMARC1", 8) == 0 &&
		    (t.len[i] - k == 8 || v[k + 8] == ';' || v[k + 8] == ' ' || v[k + 8] == '\t') &&
		    memchr(v, '\0', t.len[i]) == NULL) {
			found++;
			which = i;
		}
	}
	if (found == 1)
		*rec = strdup(t.v[which]);
	dns_txt_clear(&t);
	return *rec != NULL;
}

void
dmarc_check(struct dns_resolver *dns, const char *from_domain, const char *ip,
    const struct spf_check_result *spf, const struct dkim_vresult *dkim, size_t ndkim,
    struct dmarc_check_result *out)
{
	char org[256], ipbuf[64];
	char *rec = NULL;
	DMARC_POLICY_T *pctx = NULL;
	int r, dal = 0, sal = 0, v;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->res = DMARC_CHECK_PERMERROR;
	out->pct = 100;
	out->adkim = out->aspf = 'r';
	for (i = 0; from_domain[i] != '\0' && i + 1 < sizeof(out->from_domain); i++)
		out->from_domain[i] = (char)tolower((unsigned char)from_domain[i]);
	out->from_domain[i] = '\0';
	if (i == 0 || from_domain[i] != '\0' || strchr(out->from_domain, '.') == NULL) {
		snprintf(out->reason, sizeof(out->reason), "no usable From: domain");
		return;
	}
	if (opendmarc_get_tld((u_char *)out->from_domain, (u_char *)org, sizeof(org)) != 0 ||
	    org[0] == '\0')
		snprintf(org, sizeof(org), "%s", out->from_domain);
	r = fetch_record(dns, out->from_domain, &rec);
	snprintf(out->policy_domain, sizeof(out->policy_domain), "%s", out->from_domain);
	if (r == 0 && strcasecmp(org, out->from_domain) != 0) {
		r = fetch_record(dns, org, &rec);
		snprintf(out->policy_domain, sizeof(out->policy_domain), "%s", org);
	}
	if (r < 0) {
		out->res = DMARC_CHECK_TEMPERROR;
		snprintf(out->reason, sizeof(out->reason), "policy record lookup failed");
		return;
	}
	if (r == 0) {
		out->res = DMARC_CHECK_NONE;
		out->policy_domain[0] = '\0';
		return;
	}
	snprintf(ipbuf, sizeof(ipbuf), "%s", ip);
	pctx = opendmarc_policy_connect_init((u_char *)ipbuf,
	    strchr(ip, ':') != NULL ? DMARC_POLICY_IP_TYPE_IPV6 : DMARC_POLICY_IP_TYPE_IPV4);
	if (pctx == NULL) {
		snprintf(out->reason, sizeof(out->reason), "libopendmarc: no context");
		free(rec);
		return;
	}
	if (opendmarc_policy_store_from_domain(pctx, (u_char *)out->from_domain) != DMARC_PARSE_OKAY ||
	    opendmarc_policy_store_dmarc(pctx, (u_char *)rec, (u_char *)out->from_domain,
	    strcmp(out->policy_domain, out->from_domain) != 0 ? (u_char *)org : NULL) !=
	    DMARC_PARSE_OKAY) {
		snprintf(out->reason, sizeof(out->reason), "broken policy record");
		goto done;
	}
	if (spf != NULL && spf->domain[0] != '\0') {
		int o = spf->res == SPF_CHECK_PASS ? DMARC_POLICY_SPF_OUTCOME_PASS :
		    spf->res == SPF_CHECK_TEMPERROR ? DMARC_POLICY_SPF_OUTCOME_TMPFAIL :
		    spf->res == SPF_CHECK_NONE ? DMARC_POLICY_SPF_OUTCOME_NONE :
		    DMARC_POLICY_SPF_OUTCOME_FAIL;

		opendmarc_policy_store_spf(pctx, (u_char *)spf->domain, o,
		    spf->helo ? DMARC_POLICY_SPF_ORIGIN_HELO : DMARC_POLICY_SPF_ORIGIN_MAILFROM,
		    NULL);
	}
	for (i = 0; i < ndkim; i++) {
		int o = dkim[i].res == DKIM_V_PASS ? DMARC_POLICY_DKIM_OUTCOME_PASS :
		    dkim[i].res == DKIM_V_TEMPERROR ? DMARC_POLICY_DKIM_OUTCOME_TMPFAIL :
		    DMARC_POLICY_DKIM_OUTCOME_FAIL;

		if (dkim[i].d[0] != '\0')
			opendmarc_policy_store_dkim(pctx, (u_char *)dkim[i].d,
			    (u_char *)dkim[i].s, o, NULL);
	}
	r = opendmarc_get_policy_to_enforce(pctx);
	opendmarc_policy_fetch_alignment(pctx, &dal, &sal);
	out->dkim_aligned = dal == DMARC_POLICY_DKIM_ALIGNMENT_PASS;
	out->spf_aligned = sal == DMARC_POLICY_SPF_ALIGNMENT_PASS;
	if (opendmarc_policy_fetch_p(pctx, &v) == DMARC_PARSE_OKAY)
		out->published_p = (char)v;
	if (opendmarc_policy_fetch_sp(pctx, &v) == DMARC_PARSE_OKAY)
		out->published_sp = (char)v;
	out->pct = opendmarc_policy_fetch_pct(pctx, &v) == DMARC_PARSE_OKAY &&
	    v >= 0 && v <= 100 ? v : 100;
	out->adkim = opendmarc_policy_fetch_adkim(pctx, &v) == DMARC_PARSE_OKAY &&
	    v == DMARC_RECORD_A_STRICT ? 's' : 'r';
	out->aspf = opendmarc_policy_fetch_aspf(pctx, &v) == DMARC_PARSE_OKAY &&
	    v == DMARC_RECORD_A_STRICT ? 's' : 'r';
	switch (r) {
	case DMARC_POLICY_PASS:
		out->res = DMARC_CHECK_PASS;
		break;
	case DMARC_POLICY_REJECT:
		out->res = DMARC_CHECK_FAIL;
		out->p = 'r';
		break;
	case DMARC_POLICY_QUARANTINE:
		out->res = DMARC_CHECK_FAIL;
		out->p = 'q';
		break;
	case DMARC_POLICY_NONE:
		out->res = DMARC_CHECK_FAIL;
		out->p = 'n';
		break;
	default:
		snprintf(out->reason, sizeof(out->reason), "libopendmarc: %s",
		    opendmarc_policy_status_to_str(r));
		break;
	}
done:
	opendmarc_policy_connect_shutdown(pctx);
	free(rec);
}

const char *
dmarc_check_res_str(enum dmarc_check_res r)
{
	static const char *const s[] = { "none", "pass", "fail", "temperror", "permerror" };

	return (unsigned)r < sizeof(s) / sizeof(s[0]) ? s[r] : "permerror";
}

void
dmarc_org_domain(const char *domain, char *out, size_t outlen)
{
	char low[256], org[256];
	size_t i;

	for (i = 0; domain[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)domain[i]);
	low[i] = '\0';
	if (opendmarc_get_tld((u_char *)low, (u_char *)org, sizeof(org)) != 0 || org[0] == '\0')
		snprintf(out, outlen, "%s", low);
	else
		snprintf(out, outlen, "%s", org);
}
