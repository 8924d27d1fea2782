/*
 * conf_keys.c — every configuration key of govmail, declared once:
 * path, type, default, bounds, and where it is stored. etc/govmail.conf must
 * show each key with the default written here (a test checks it).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"

#define OFF(f) offsetof(struct govmail_conf, f)

static int
conf_check_ldap_uri(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value;

	if (strncmp(s, "ldap://", 7) != 0 && strncmp(s, "ldaps://", 8) != 0 &&
	    strncmp(s, "ldapi://", 8) != 0) {
		snprintf(err, errlen, "must start with ldap://, ldaps:// or ldapi://");
		return -1;
	}
	return 0;
}

static int
conf_check_nonempty(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value;

	if (*s == '\0') {
		snprintf(err, errlen, "must not be empty");
		return -1;
	}
	return 0;
}

const struct conf_key conf_keys[] = {
	{ "ldap.uri", CONF_STR, "ldapi:///", 0, 0, OFF(ldap_uri),
	  conf_check_ldap_uri, "LDAP server URI(s), space separated" },
	{ "ldap.bind_dn", CONF_STR, "cn=govmailctl,ou=system,o=govmail", 0, 0,
	  OFF(ldap_bind_dn), NULL, "DN for simple bind (ignored with sasl_external)" },
	{ "ldap.bind_password_file", CONF_STR, "/etc/govmail/ldap.pw", 0, 0,
	  OFF(ldap_bind_password_file), NULL,
	  "file holding the bind password (first line); keep it mode 0600" },
	{ "ldap.sasl_external", CONF_BOOL, "false", 0, 1, OFF(ldap_sasl_external),
	  NULL, "bind with SASL EXTERNAL (ldapi:// peer credentials) instead" },
	{ "ldap.base_dn", CONF_STR, "o=govmail", 0, 0, OFF(ldap_base_dn),
	  conf_check_nonempty, "base of the govmail DIT" },
	{ "ldap.network_timeout", CONF_INT, "5", 1, 300, OFF(ldap_network_timeout),
	  NULL, "seconds to wait for a connection" },
	{ "ldap.timeout", CONF_INT, "30", 1, 3600, OFF(ldap_timeout), NULL,
	  "seconds to wait for one LDAP operation" },
	{ "ldap.page_size", CONF_INT, "500", 10, 10000, OFF(ldap_page_size), NULL,
	  "entries per page of a paged search (RFC 2696)" },
	{ "ldap.starttls", CONF_BOOL, "false", 0, 1, OFF(ldap_starttls), NULL,
	  "issue StartTLS on ldap:// connections (required on networks)" },

	{ "addresses.default_domain", CONF_STR, "haugiang.gov.vn", 0, 0,
	  OFF(addr_default_domain), conf_check_nonempty,
	  "domain for new addresses when --domain is not given" },
	{ "addresses.template", CONF_STR, "{given}{initials}", 0, 0,
	  OFF(addr_template), conf_check_nonempty,
	  "local part template: {given} {surname} {middle} {initials} {g} {s} {m}" },
	{ "addresses.max_name_length", CONF_INT, "128", 8, 256,
	  OFF(addr_max_name_length), NULL, "longest full name accepted (characters)" },

	{ "accounts.default_quota", CONF_SIZE, "2G", 0, 1099511627776LL,
	  OFF(acct_default_quota), NULL,
	  "mailbox quota for new accounts, e.g. \"2G\" (0 = none)" },
	{ "accounts.retention_days", CONF_INT, "365", 0, 3650,
	  OFF(acct_retention_days), NULL,
	  "days a disabled account is kept before purge is allowed" },
	{ "accounts.may_send_external", CONF_BOOL, "true", 0, 1,
	  OFF(acct_default_may_send_external), NULL,
	  "whether new accounts may send outside governed domains" },

	{ "passwords.min_length", CONF_INT, "12", 8, 128, OFF(pw_min_length), NULL,
	  "shortest password a person may choose" },
	{ "passwords.generated_length", CONF_INT, "20", 16, 128,
	  OFF(pw_generated_length), NULL, "length of generated passwords" },
	{ "passwords.must_change_initial", CONF_BOOL, "true", 0, 1,
	  OFF(pw_must_change_initial), NULL,
	  "generated passwords must be changed at first login" },

	{ "audit.log_file", CONF_STR, "/var/log/govmail/audit.log", 0, 0,
	  OFF(audit_log_file), conf_check_nonempty,
	  "append-only log of every directory change (JSON lines)" },
};

const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);
