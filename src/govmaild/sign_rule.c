/*
 * sign_rule.c — the signature rule for one message (see sign_rule.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "daemon_conf.h"
#include "policy.h"
#include "sign_check.h"
#include "sign_rule.h"
#include "xmalloc.h"

/* The value of a "CODE=VALUE" entry if CODE is agency, or NULL. */
static const char *
sign_rule_agency_entry(const char *entry, const char *agency)
{
	size_t n = strlen(agency);

	return strncasecmp(entry, agency, n) == 0 && entry[n] == '=' ? entry + n + 1 : NULL;
}

/* The value of the first "CODE=VALUE" entry of l for agency, or NULL. */
static const char *
sign_rule_agency_value(const struct conf_strlist *l, const char *agency)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < l->n && v == NULL; i++)
		v = sign_rule_agency_entry(l->v[i], agency);
	return v;
}

enum sign_rule_status
sign_rule_run(const struct daemon_conf *dc, const char *sender, char *const *rcpts,
    size_t nrcpts, const struct policy_directory *pdir, const struct mime_tree *tree,
    struct sign_check_result *res, const char **direction)
{
	const struct govmail_conf *c = dc->conf;
	struct policy_signer who;
	struct sign_identity id;
	struct sign_check_limits lim;
	const char *req_name, *v, **orgs = NULL;
	const char *addr1[1] = { sender };
	size_t i, norgs = 0;
	int g, req;

	*direction = "inbound";
	memset(&who, 0, sizeof(who));
	if (dc->sign == NULL)
		return SIGN_RULE_OFF;
	if (*sender != '\0' && (g = policy_address_governed(dc->policy, pdir, sender)) != 0) {
		if (g < 0)
			return SIGN_RULE_DIR_TEMPFAIL;
		*direction = "internal";
		for (i = 0; i < nrcpts; i++) {
			if ((g = policy_address_governed(dc->policy, pdir, rcpts[i])) < 0)
				return SIGN_RULE_DIR_TEMPFAIL;
			if (g == 0) {
				*direction = "outbound";
				break;
			}
		}
	}
	req_name = strcmp(*direction, "internal") == 0 ? c->signature_internal :
	    strcmp(*direction, "outbound") == 0 ? c->signature_outbound : c->signature_inbound;
	/* Our sender: who it is in the directory (and its agency's override);
	 * not asked when no requirement can apply to the message. */
	if (strcmp(*direction, "inbound") != 0 && pdir != NULL && pdir->signer != NULL &&
	    (sign_requirement_parse(req_name) > SIGN_REQ_OFF ||
	    c->signature_agency_requirements.n > 0)) {
		switch (pdir->signer(pdir->arg, sender, &who)) {
		case POLICY_LOOKUP_TEMPFAIL:
			return SIGN_RULE_DIR_TEMPFAIL;
		case POLICY_LOOKUP_NO:
		case POLICY_LOOKUP_YES:
			break;
		}
		if (who.agency[0] != '\0' && (v = sign_rule_agency_value(
		    &c->signature_agency_requirements, who.agency)) != NULL)
			req_name = v;
	}
	if ((req = sign_requirement_parse(req_name)) <= SIGN_REQ_OFF) {
		policy_signer_clear(&who);
		return SIGN_RULE_OFF;
	}
	memset(&id, 0, sizeof(id));
	if (who.naddresses > 0) {
		id.addresses = (const char *const *)who.addresses;
		id.naddresses = who.naddresses;
	} else {
		id.addresses = addr1;
		id.naddresses = *sender != '\0';
	}
	id.account_certs = (const unsigned char (*)[32])who.account_certs;
	id.naccount_certs = who.naccount_certs;
	id.agency_certs = (const unsigned char (*)[32])who.agency_certs;
	id.nagency_certs = who.nagency_certs;
	if (who.agency[0] != '\0') {
		id.agency = who.agency;
		orgs = xcalloc(c->signature_agency_org_names.n + 1, sizeof(char *));
		for (i = 0; i < c->signature_agency_org_names.n; i++)
			if ((v = sign_rule_agency_entry(c->signature_agency_org_names.v[i],
			    who.agency)) != NULL)
				orgs[norgs++] = v;
		id.org_names = orgs;
		id.norg_names = norgs;
	}
	memset(&lim, 0, sizeof(lim));
	lim.documents = c->signature_documents.v;
	lim.ndocuments = c->signature_documents.n;
	lim.max_document_size = (size_t)c->signature_max_document_size;
	lim.max_signature_size = (size_t)c->signature_max_signature_size;
	lim.max_depth = c->policy_max_mime_depth;
	lim.max_parts = c->policy_max_mime_parts;
	lim.max_cpu_us = (long long)c->signature_max_cpu_time * 1000;
	sign_check_tree(dc->sign, tree, &lim, (enum sign_requirement)req, &id, res);
	free(orgs);
	policy_signer_clear(&who);
	return SIGN_RULE_CHECKED;
}

char *
sign_rule_headers(const struct govmail_conf *c, const struct sign_check_result *res,
    size_t *len)
{
	const char *name = c->signature_header;
	/* checked when the configuration is read (conf_keys.c) */
	enum sign_lang lang = sign_lang_parse(c->signature_language) == SIGN_LANG_EN ?
	    SIGN_LANG_EN : SIGN_LANG_VI;
	char value[4096], *out = NULL;
	size_t i, o = 0, n;

	for (i = 0; i < res->ndocs; i++) {
		sign_check_header_value(&res->docs[i], lang, c->signature_ascii_fallback, value,
		    sizeof(value));
		n = strlen(name) + strlen(value) + 5;
		out = xreallocarray(out, o + n, 1);
		o += (size_t)snprintf(out + o, n, "%s: %s\r\n", name, value);
	}
	*len = o;
	return out;
}
