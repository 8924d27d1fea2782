/*
 * conf_keys.c — every configuration key of govmail, declared once:
 * path, type, default, bounds, and where it is stored. etc/govmail.conf must
 * show each key with the default written here (a test checks it).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define OFF(f) offsetof(struct govmail_conf, f)

/* A list of LDAP URIs separated by blanks; with empty_ok, or none. */
static int
conf_check_ldap_uris(const char *s, int empty_ok, char *err, size_t errlen)
{
	int n = 0;

	for (;;) {
		s += strspn(s, " \t\r\n");
		if (*s == '\0')
			break;
		if (strncmp(s, "ldap://", 7) != 0 && strncmp(s, "ldaps://", 8) != 0 &&
		    strncmp(s, "ldapi://", 8) != 0) {
			snprintf(err, errlen, "must start with ldap://, ldaps:// or ldapi://%s",
			    n > 0 ? " (each URI of the list)" : "");
			return -1;
		}
		s += strcspn(s, " \t\r\n");
		n++;
	}
	if (n == 0 && !empty_ok) {
		snprintf(err, errlen, "must start with ldap://, ldaps:// or ldapi://");
		return -1;
	}
	return 0;
}

static int
conf_check_ldap_uri(const void *value, char *err, size_t errlen)
{
	return conf_check_ldap_uris(*(char *const *)value, 0, err, errlen);
}

static int
conf_check_ldap_read_uri(const void *value, char *err, size_t errlen)
{
	return conf_check_ldap_uris(*(char *const *)value, 1, err, errlen);
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

/* govmaild: "host:port" or "[v6]:port" entries. */
static int
conf_check_listen_optional(const void *value, char *err, size_t errlen)
{
	const struct conf_strlist *l = value;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *colon = strrchr(l->v[i], ':'), *host = l->v[i];
		char *end;
		long port;

		if (colon == NULL || colon == host ||
		    (host[0] == '[' && colon[-1] != ']')) {
			snprintf(err, errlen, "\"%s\" is not \"host:port\"", l->v[i]);
			return -1;
		}
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || colon[1] == '\0' || port < 1 || port > 65535) {
			snprintf(err, errlen, "\"%s\": bad port", l->v[i]);
			return -1;
		}
	}
	return 0;
}

/* govmaild: as above, at least one. */
static int
conf_check_listen(const void *value, char *err, size_t errlen)
{
	if (((const struct conf_strlist *)value)->n == 0) {
		snprintf(err, errlen, "at least one \"host:port\" is needed");
		return -1;
	}
	return conf_check_listen_optional(value, err, errlen);
}

/* govmail-apid: "" or one "host:port" / "[v6]:port". */
static int
conf_check_apid_listen(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value;
	struct conf_strlist l;
	char *v[1];

	if (*s == '\0')
		return 0;
	v[0] = (char *)s;
	l.v = v;
	l.n = 1;
	return conf_check_listen_optional(&l, err, errlen);
}

/* govmail-apid: plain HTTP only on a loopback address (127.0.0.0/8, ::1). */
static int
conf_check_apid_plain_listen(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value, *colon;
	char host[64];
	unsigned char bin[16];
	size_t n;

	if (*s == '\0')
		return 0;
	if (conf_check_apid_listen(value, err, errlen) != 0)
		return -1;
	colon = strrchr(s, ':');
	n = (size_t)(colon - s);
	if (s[0] == '[') {
		s++;
		n -= 2;
	}
	if (n >= sizeof(host))
		n = sizeof(host) - 1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (!((inet_pton(AF_INET, host, bin) == 1 && bin[0] == 127) ||
	    strcmp(host, "::1") == 0)) {
		snprintf(err, errlen, "plain HTTP only on a loopback address (127.0.0.1, "
		    "[::1]), not \"%s\": use apid.listen (HTTPS)", host);
		return -1;
	}
	return 0;
}

/* govmaild: "addr" or "addr/prefix", IPv4 or IPv6. */
static int
conf_check_networks(const void *value, char *err, size_t errlen)
{
	const struct conf_strlist *l = value;
	size_t i;

	for (i = 0; i < l->n; i++) {
		char buf[64], *slash, *end;
		unsigned char bin[16];
		long prefix = 0;
		int v6, ok = strlen(l->v[i]) < sizeof(buf);

		snprintf(buf, sizeof(buf), "%s", l->v[i]);
		if ((slash = strchr(buf, '/')) != NULL) {
			*slash = '\0';
			prefix = strtol(slash + 1, &end, 10);
			if (*end != '\0' || slash[1] == '\0' || prefix < 0)
				ok = 0;
		}
		v6 = strchr(buf, ':') != NULL;
		if (!ok || inet_pton(v6 ? AF_INET6 : AF_INET, buf, bin) != 1 ||
		    prefix > (v6 ? 128 : 32)) {
			snprintf(err, errlen, "\"%s\" is not an address or address/prefix",
			    l->v[i]);
			return -1;
		}
	}
	return 0;
}

/* govmaild: plain domain names (letters, digits, dots, hyphens). */
static int
conf_check_domains(const void *value, char *err, size_t errlen)
{
	const struct conf_strlist *l = value;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *s = l->v[i];
		size_t n = strlen(s);

		if (n == 0 || n > 255 || s[0] == '.' || s[n - 1] == '.' ||
		    strstr(s, "..") != NULL ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n) {
			snprintf(err, errlen, "\"%s\" is not a domain name", s);
			return -1;
		}
	}
	return 0;
}

/* govmaild: an SMTP reply text: printable ASCII, not empty, short enough
 * for a reply line with a file name after it. */
static int
conf_check_ascii_reply(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value;
	size_t i;

	if (*s == '\0' || strlen(s) > 120) {
		snprintf(err, errlen, "must be 1 to 120 characters");
		return -1;
	}
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) {
			snprintf(err, errlen, "must be printable ASCII");
			return -1;
		}
	return 0;
}

/* govmaild: a reply template: as above, and '%' only in one "%s" (the
 * rule's address, login, limit ... goes there). */
static int
conf_check_reply_template(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value, *pc;
	int n = 0;

	if (conf_check_ascii_reply(value, err, errlen) != 0)
		return -1;
	for (pc = strchr(s, '%'); pc != NULL; pc = strchr(pc + 2, '%')) {
		if (pc[1] != 's' || ++n > 1) {
			snprintf(err, errlen, "only one %%s may be used, and no other %%");
			return -1;
		}
	}
	return 0;
}

/* govmaild: "CODE SIZE RECIPIENTS" per agency, e.g. "snv 20M 50"
 * (0 = that limit is not overridden). */
static int
conf_check_agency_limits(const void *value, char *err, size_t errlen)
{
	const struct conf_strlist *l = value;
	size_t i;

	for (i = 0; i < l->n; i++) {
		char code[65], size[32], rcpts[16], extra[2];
		long long sz;
		char *end;
		long r;

		if (sscanf(l->v[i], "%64s %31s %15s %1s", code, size, rcpts, extra) != 3 ||
		    (sz = conf_parse_size(size)) < 0 || sz > 4294967296LL ||
		    (r = strtol(rcpts, &end, 10)) < 0 || r > 10000 || *end != '\0' ||
		    rcpts[0] < '0' || rcpts[0] > '9') {
			snprintf(err, errlen, "\"%s\" is not \"AGENCY SIZE RECIPIENTS\" "
			    "(e.g. \"snv 20M 50\", 0 = no override)", l->v[i]);
			return -1;
		}
	}
	return 0;
}

/* govmaild: "ADDRESS LOGIN" pairs (one space, no other blanks). */
static int
conf_check_delegations(const void *value, char *err, size_t errlen)
{
	const struct conf_strlist *l = value;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *s = l->v[i], *sp = strchr(s, ' ');

		if (sp == NULL || sp == s || sp[1] == '\0' || strchr(sp + 1, ' ') != NULL ||
		    memchr(s, '@', (size_t)(sp - s)) == NULL || strchr(s, '\t') != NULL) {
			snprintf(err, errlen, "\"%s\" is not \"ADDRESS LOGIN\"", s);
			return -1;
		}
	}
	return 0;
}

/* govmaild: what to do with a bare CR or LF in DATA. */
static int
conf_check_bare_newline(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value;

	if (strcmp(s, "reject") != 0 && strcmp(s, "normalize") != 0) {
		snprintf(err, errlen, "must be \"reject\" or \"normalize\"");
		return -1;
	}
	return 0;
}

/* govmaild: a signature requirement. */
static int
conf_is_requirement(const char *s)
{
	return strcmp(s, "off") == 0 || strcmp(s, "verify") == 0 ||
	    strcmp(s, "require-signed") == 0 || strcmp(s, "require-person-and-org") == 0;
}

static int
conf_check_requirement(const void *value, char *err, size_t errlen)
{
	if (!conf_is_requirement(*(char *const *)value)) {
		snprintf(err, errlen, "must be off, verify, require-signed or "
		    "require-person-and-org");
		return -1;
	}
	return 0;
}

/* govmaild: "AGENCYCODE=VALUE" entries; requirements when want_req. */
static int
conf_check_agency_pairs(const struct conf_strlist *l, int want_req, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *eq = strchr(l->v[i], '=');

		if (eq == NULL || eq == l->v[i] || eq[1] == '\0') {
			snprintf(err, errlen, "\"%s\" is not \"AGENCYCODE=%s\"", l->v[i],
			    want_req ? "REQUIREMENT" : "NAME");
			return -1;
		}
		if (want_req && !conf_is_requirement(eq + 1)) {
			snprintf(err, errlen, "\"%s\": the requirement must be off, verify, "
			    "require-signed or require-person-and-org", l->v[i]);
			return -1;
		}
	}
	return 0;
}

static int
conf_check_agency_requirements(const void *value, char *err, size_t errlen)
{
	return conf_check_agency_pairs(value, 1, err, errlen);
}

static int
conf_check_agency_names(const void *value, char *err, size_t errlen)
{
	return conf_check_agency_pairs(value, 0, err, errlen);
}

/* govmaild: one of a few words, listed in the message. */
static int
conf_check_word(const char *s, const char *const *words, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return 0;
	if (words[2] != NULL)
		snprintf(err, errlen, "must be %s, %s or %s", words[0], words[1], words[2]);
	else
		snprintf(err, errlen, "must be %s or %s", words[0], words[1]);
	return -1;
}

static int
conf_check_on_failure(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "reject", "tag", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

static int
conf_check_crl_stale(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "fail", "warn", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

static int
conf_check_crl_missing(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "fail", "warn", "leaf-only", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

static int
conf_check_eku(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "signing", "any", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

static int
conf_check_on_error(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "reject", "tempfail", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

/* govmaild: NUL bytes and undeclared 8-bit text in DATA (issue #17). */
static int
conf_check_nul_in_data(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "reject", "strip", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

static int
conf_check_undeclared_8bit(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "declare", "reject", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

static int
conf_check_sign_language(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "vi", "en", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

static int
conf_check_crl_unreadable(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "tempfail", "fail", "warn", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

/* govmaild: OCSP (sign_ocsp.c) and when no revocation status is obtained. */
static int
conf_check_ocsp(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "fallback", "off", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

static int
conf_check_ocsp_url(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value;

	if (s[0] != '\0' && strncmp(s, "http://", 7) != 0) {
		snprintf(err, errlen, "must be empty or an http:// URL (OCSP is plain HTTP)");
		return -1;
	}
	return 0;
}

/* ldap.tls_require_cert: libldap's TLS_REQCERT levels (ldap.conf(5)). */
static int
conf_check_tls_require_cert(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "never", "allow", "try", "demand", "hard", NULL };
	const char *s = *(char *const *)value;
	size_t i;

	for (i = 0; w[i] != NULL; i++)
		if (strcmp(s, w[i]) == 0)
			return 0;
	snprintf(err, errlen, "must be never, allow, try, demand or hard");
	return -1;
}

/* govmaild: a header field name (RFC 5322 ftext). */
static int
conf_check_header_name(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value;
	size_t i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] > 0x7e || s[i] == ':')
			break;
	if (i == 0 || s[i] != '\0' || i > 60) {
		snprintf(err, errlen, "must be a header name (1 to 60 printable characters, "
		    "no space or colon)");
		return -1;
	}
	return 0;
}

/* dkim.selector_prefix: the start of a DNS label (selectors add a year and a letter). */
static int
conf_check_selector_prefix(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value;
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] == '-' && i > 0)))
			break;
	if (i == 0 || s[i] != '\0' || i > 20) {
		snprintf(err, errlen, "must be 1 to 20 of a-z, 0-9 and '-' (not first)");
		return -1;
	}
	return 0;
}

/* dns.server: "" or an IPv4/IPv6 address, optionally "@PORT". */
static int
conf_check_dns_server(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value, *at = strchr(s, '@');
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char buf[16];
	size_t n = at ? (size_t)(at - s) : strlen(s);
	char *end;
	long port;

	if (*s == '\0')
		return 0;
	if (n >= sizeof(addr))
		goto bad;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, buf) != 1 && inet_pton(AF_INET6, addr, buf) != 1)
		goto bad;
	if (at != NULL) {
		port = strtol(at + 1, &end, 10);
		if (at[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "must be \"\" or an IP address, optionally @PORT");
	return -1;
}

/* inbound.dmarc_*_action. */
static int
conf_check_dmarc_action(const void *value, char *err, size_t errlen)
{
	static const char *const w[] = { "reject", "tag", "header", NULL };

	return conf_check_word(*(char *const *)value, w, err, errlen);
}

/* inbound.authserv_id: "" or a domain name (RFC 8601 §2.5). */
static int
conf_check_authserv_id(const void *value, char *err, size_t errlen)
{
	const char *s = *(char *const *)value;
	size_t n = strlen(s);

	if (n == 0)
		return 0;
	if (n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || strstr(s, "..") != NULL ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n) {
		snprintf(err, errlen, "must be \"\" or a domain name");
		return -1;
	}
	return 0;
}

/* inbound.subject_tag: printable, one line, short. */
static int
conf_check_subject_tag(const void *value, char *err, size_t errlen)
{
	const unsigned char *s = *(unsigned char *const *)value;
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			break;
	if (s[i] != '\0' || i > 60) {
		snprintf(err, errlen, "must be at most 60 printable characters on one line");
		return -1;
	}
	return 0;
}

/* inbound.agency_dmarc: "AGENCYCODE=enforce" or "AGENCYCODE=tag-only". */
static int
conf_check_agency_dmarc(const void *value, char *err, size_t errlen)
{
	const struct conf_strlist *l = value;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *eq = strchr(l->v[i], '=');

		if (eq == NULL || eq == l->v[i] ||
		    (strcmp(eq + 1, "enforce") != 0 && strcmp(eq + 1, "tag-only") != 0)) {
			snprintf(err, errlen, "\"%s\" is not \"AGENCYCODE=enforce\" or "
			    "\"AGENCYCODE=tag-only\"", l->v[i]);
			return -1;
		}
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
	{ "ldap.tls_ca_file", CONF_STR, "", 0, 0, OFF(ldap_tls_ca_file), NULL,
	  "PEM CA certificates the LDAP server's certificate must chain to "
	  "(\"\" = libldap's default, TLS_CACERT of ldap.conf)" },
	{ "ldap.tls_require_cert", CONF_STR, "demand", 0, 0, OFF(ldap_tls_require_cert),
	  conf_check_tls_require_cert,
	  "check of the LDAP server's certificate: never, allow, try, demand or hard" },
	{ "ldap.read_uri", CONF_STR, "", 0, 0, OFF(ldap_read_uri), conf_check_ldap_read_uri,
	  "servers govmaild reads from first, space separated, e.g. a read-only "
	  "replica (\"\" = only ldap.uri); ldap.uri follows them" },
	{ "ldap.retry_after", CONF_INT, "60", 1, 3600, OFF(ldap_retry_after), NULL,
	  "seconds a server that failed is skipped; then it is tried again and, "
	  "if it comes first in the list, used again" },

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
	{ "passwords.generated_length", CONF_INT, "20", 20, 128,
	  OFF(pw_generated_length), NULL, "length of generated passwords" },
	{ "passwords.must_change_initial", CONF_BOOL, "true", 0, 1,
	  OFF(pw_must_change_initial), NULL,
	  "generated passwords must be changed at first login" },

	{ "audit.log_file", CONF_STR, "/var/log/govmail/audit.log", 0, 0,
	  OFF(audit_log_file), conf_check_nonempty,
	  "append-only log of every directory change (JSON lines)" },

	{ "hr.max_suspend_percent", CONF_INT, "5", 0, 100,
	  OFF(hr_max_suspend_percent), NULL,
	  "hr sync refuses to suspend/disable more than this share of accounts" },
	{ "hr.max_suspend_floor", CONF_INT, "10", 0, 100000,
	  OFF(hr_max_suspend_floor), NULL,
	  "lock-outs allowed in any run, whatever the share (small directories)" },
	{ "hr.passwords_file", CONF_STR, "/var/lib/govmail/initial-passwords.csv", 0, 0,
	  OFF(hr_passwords_file), conf_check_nonempty,
	  "hr sync keeps new accounts' initial passwords here (mode 0600)" },
	{ "hr.pipeline_window", CONF_INT, "64", 1, 1024, OFF(hr_pipeline_window), NULL,
	  "LDAP writes hr sync keeps outstanding on its connection" },
	{ "hr.transaction_size", CONF_INT, "0", 0, 5000, OFF(hr_transaction_size), NULL,
	  "writes grouped in one LDAP transaction (RFC 5805); 0 = none (slapd's "
	  "transactions crash it under load)" },

	/* govmaild: smtpd { }, next_hop { }, policy { } */
	{ "smtpd.relay_listen", CONF_STRLIST, "127.0.0.1:10025", 0, 0,
	  OFF(smtpd_relay_listen), conf_check_listen,
	  "addresses of the relay listener, \"host:port\" or \"[v6]:port\"" },
	{ "smtpd.submission_listen", CONF_STRLIST, "", 0, 0,
	  OFF(smtpd_submission_listen), conf_check_listen_optional,
	  "addresses of the submission listener (STARTTLS, then AUTH); none by default" },
	{ "smtpd.hostname", CONF_STR, "", 0, 0, OFF(smtpd_hostname), NULL,
	  "name in the greeting and Received: headers (\"\" = system host name)" },
	{ "smtpd.max_sessions", CONF_INT, "1000", 1, 100000, OFF(smtpd_max_sessions),
	  NULL, "concurrent SMTP sessions (421 4.3.2 beyond); also the listen backlog" },
	{ "smtpd.max_command_line", CONF_INT, "512", 512, 65536,
	  OFF(smtpd_max_command_line), NULL,
	  "longest command line in bytes without CRLF (500 5.5.2 beyond)" },
	{ "smtpd.max_line_length", CONF_INT, "998", 78, 1048576,
	  OFF(smtpd_max_line_length), NULL,
	  "longest message text line in bytes without CRLF (550 5.5.2 beyond)" },
	{ "smtpd.max_message_size", CONF_SIZE, "25M", 1024, 4294967296LL,
	  OFF(smtpd_max_message_size), NULL,
	  "largest message, advertised in SIZE (552 5.3.4 beyond)" },
	{ "smtpd.max_recipients", CONF_INT, "100", 1, 10000, OFF(smtpd_max_recipients),
	  NULL, "recipients per message (452 4.5.3 beyond)" },
	{ "smtpd.max_errors", CONF_INT, "10", 1, 1000, OFF(smtpd_max_errors), NULL,
	  "client errors in one session before 421 and disconnect" },
	{ "smtpd.command_timeout", CONF_INT, "300", 1, 3600, OFF(smtpd_command_timeout),
	  NULL, "seconds to receive one command line or one read of DATA" },
	{ "smtpd.transaction_deadline", CONF_INT, "1800", 1, 86400,
	  OFF(smtpd_transaction_deadline), NULL,
	  "seconds from MAIL FROM to the end of DATA, whatever the client does" },
	{ "smtpd.min_data_rate", CONF_INT, "1024", 0, 104857600,
	  OFF(smtpd_min_data_rate), NULL,
	  "bytes per second a client must keep up during DATA (0 = no check)" },
	{ "smtpd.min_data_rate_grace", CONF_INT, "30", 0, 3600,
	  OFF(smtpd_min_data_rate_grace), NULL,
	  "seconds of DATA before min_data_rate is enforced" },
	{ "smtpd.bare_newline", CONF_STR, "reject", 0, 0, OFF(smtpd_bare_newline),
	  conf_check_bare_newline,
	  "bare CR or LF in DATA: \"reject\" (550 5.5.2) or \"normalize\" to CRLF" },
	{ "smtpd.memory_spool", CONF_SIZE, "256K", 0, 67108864,
	  OFF(smtpd_memory_spool), NULL,
	  "bytes of a message held in memory before it goes to a temporary file" },
	{ "smtpd.spool_dir", CONF_STR, "/var/spool/govmail", 0, 0,
	  OFF(smtpd_spool_dir), conf_check_nonempty,
	  "directory for unlinked temporary files of larger messages" },
	{ "smtpd.user", CONF_STR, "govmail", 0, 0, OFF(smtpd_user), NULL,
	  "unprivileged user govmaild runs as after binding (\"\" = stay as started)" },
	{ "smtpd.pid_file", CONF_STR, "/run/govmail/govmaild.pid", 0, 0,
	  OFF(smtpd_pid_file), NULL, "pid file written at start (\"\" = none)" },
	{ "smtpd.drain_timeout", CONF_INT, "60", 0, 3600, OFF(smtpd_drain_timeout), NULL,
	  "seconds SIGTERM waits for sessions in flight before exiting" },
	{ "smtpd.add_received", CONF_BOOL, "true", 0, 1, OFF(smtpd_add_received), NULL,
	  "prepend a Received: header to relayed messages" },
	{ "smtpd.xclient_hosts", CONF_STRLIST, "", 0, 0, OFF(smtpd_xclient_hosts),
	  conf_check_networks, "networks allowed to send XCLIENT and XFORWARD" },
	/* issue #17 defects: NUL and 8-bit data, per-address limits, junk */
	{ "smtpd.nul_in_data", CONF_STR, "reject", 0, 0, OFF(smtpd_nul_in_data),
	  conf_check_nul_in_data,
	  "NUL bytes in DATA: \"reject\" (550 5.6.0) or \"strip\" them" },
	{ "smtpd.undeclared_8bit", CONF_STR, "declare", 0, 0, OFF(smtpd_undeclared_8bit),
	  conf_check_undeclared_8bit,
	  "8-bit text without BODY=8BITMIME: \"declare\" it to the next hop or \"reject\" (550 5.6.0)" },
	{ "smtpd.client_connection_count_limit", CONF_INT, "50", 0, 100000,
	  OFF(smtpd_client_connection_count_limit), NULL,
	  "concurrent sessions from one client address (421 4.7.0 beyond; 0 = no limit)" },
	{ "smtpd.client_connection_rate_limit", CONF_INT, "300", 0, 1000000,
	  OFF(smtpd_client_connection_rate_limit), NULL,
	  "new sessions from one client address per client_rate_time_unit (0 = no limit)" },
	{ "smtpd.client_auth_failure_limit", CONF_INT, "10", 0, 1000000,
	  OFF(smtpd_client_auth_failure_limit), NULL,
	  "failed AUTH from one client address per client_rate_time_unit, all sessions (0 = no limit)" },
	{ "smtpd.client_rate_time_unit", CONF_INT, "60", 1, 3600,
	  OFF(smtpd_client_rate_time_unit), NULL,
	  "seconds over which the client rate limits count" },
	{ "smtpd.client_table_size", CONF_INT, "10000", 100, 1000000,
	  OFF(smtpd_client_table_size), NULL,
	  "client addresses the per-address limits track at most (read at start)" },
	{ "smtpd.junk_command_limit", CONF_INT, "100", 1, 100000,
	  OFF(smtpd_junk_command_limit), NULL,
	  "HELO/EHLO, NOOP, RSET, VRFY, EXPN, HELP without a message (421 4.7.0 beyond)" },
	{ "smtpd.max_session_time", CONF_INT, "3600", 0, 604800,
	  OFF(smtpd_max_session_time), NULL,
	  "seconds a session may last; checked between transactions (0 = no limit)" },
	{ "policy.reply_nul_in_data", CONF_STR,
	  "Message refused: NUL character in message text", 0, 0,
	  OFF(policy_reply_nul_in_data), conf_check_reply_template,
	  "reply (ASCII) for 550 5.6.0, NUL in DATA (no %s)" },

	{ "tls.cert_file", CONF_STR, "", 0, 0, OFF(tls_cert_file), NULL,
	  "PEM certificate chain for STARTTLS (\"\" = STARTTLS not offered)" },
	{ "tls.key_file", CONF_STR, "", 0, 0, OFF(tls_key_file), NULL,
	  "PEM private key for tls.cert_file (read as root at start; mode 0600)" },

	{ "next_hop.host", CONF_STR, "127.0.0.1", 0, 0, OFF(nh_host), conf_check_nonempty,
	  "host name or address of the next hop (normally the local Postfix)" },
	{ "next_hop.port", CONF_INT, "10026", 1, 65535, OFF(nh_port), NULL,
	  "TCP port of the next hop" },
	{ "next_hop.helo_name", CONF_STR, "", 0, 0, OFF(nh_helo_name), NULL,
	  "name sent in EHLO to the next hop (\"\" = smtpd.hostname)" },
	{ "next_hop.connect_timeout", CONF_INT, "30", 1, 600, OFF(nh_connect_timeout),
	  NULL, "seconds to connect and get the next hop's greeting" },
	{ "next_hop.command_timeout", CONF_INT, "300", 1, 3600, OFF(nh_command_timeout),
	  NULL, "seconds to wait for the next hop's reply to a command" },
	{ "next_hop.data_timeout", CONF_INT, "600", 1, 3600, OFF(nh_data_timeout), NULL,
	  "seconds to wait for the next hop's reply after the end of a message" },
	{ "next_hop.xforward", CONF_BOOL, "true", 0, 1, OFF(nh_xforward), NULL,
	  "pass the client's name, address and HELO with XFORWARD when offered" },
	{ "next_hop.starttls", CONF_BOOL, "true", 0, 1, OFF(nh_starttls), NULL,
	  "use STARTTLS when the next hop offers it (certificate checked only with tls_verify)" },
	{ "next_hop.tls_verify", CONF_BOOL, "false", 0, 1, OFF(nh_tls_verify), NULL,
	  "require STARTTLS and a verified next-hop certificate (else 451 4.7.5)" },
	{ "next_hop.tls_ca_file", CONF_STR, "", 0, 0, OFF(nh_tls_ca_file), NULL,
	  "PEM CA certificates for tls_verify (\"\" = the system's trusted CAs)" },
	{ "next_hop.tls_verify_name", CONF_STR, "", 0, 0, OFF(nh_tls_verify_name), NULL,
	  "name (or address) the certificate must match (\"\" = next_hop.host)" },
	{ "next_hop.pool_size", CONF_INT, "64", 0, 1000, OFF(nh_pool_size), NULL,
	  "idle next-hop connections kept for later sessions (0 = none)" },
	{ "next_hop.pool_idle_timeout", CONF_INT, "2", 1, 300, OFF(nh_pool_idle_timeout),
	  NULL, "seconds an idle pooled connection is kept before it is closed" },
	{ "next_hop.pool_max_age", CONF_INT, "300", 1, 3600, OFF(nh_pool_max_age), NULL,
	  "seconds after connecting that a connection is no longer reused" },

	{ "policy.relay_domains", CONF_STRLIST, "haugiang.gov.vn", 0, 0,
	  OFF(policy_relay_domains), conf_check_domains,
	  "recipient domains any client may send to (others: trusted networks only)" },
	{ "policy.use_directory", CONF_BOOL, "true", 0, 1, OFF(policy_use_directory), NULL,
	  "check governed domains, senders and recipients in the directory (ldap { })" },
	{ "policy.delegations", CONF_STRLIST, "", 0, 0, OFF(policy_delegations),
	  conf_check_delegations,
	  "\"ADDRESS LOGIN\": the account LOGIN may also send as ADDRESS (shared mailboxes)" },
	{ "policy.external_allow", CONF_STRLIST, "", 0, 0, OFF(policy_external_allow),
	  conf_check_domains, "if not empty, the only outside domains mail may go to" },
	{ "policy.external_deny", CONF_STRLIST, "", 0, 0, OFF(policy_external_deny),
	  conf_check_domains, "outside domains mail may not go to" },
	{ "policy.cache_ttl", CONF_INT, "60", 0, 3600, OFF(policy_cache_ttl), NULL,
	  "seconds a directory answer is reused (0 = ask every time)" },
	{ "policy.cache_entries", CONF_INT, "20000", 16, 1000000, OFF(policy_cache_entries),
	  NULL, "directory answers kept at most" },
	{ "policy.trusted_networks", CONF_STRLIST, "127.0.0.0/8, ::1/128", 0, 0,
	  OFF(policy_trusted_networks), conf_check_networks,
	  "client networks that may relay to any domain" },
	{ "policy.max_mime_depth", CONF_INT, "20", 1, 100, OFF(policy_max_mime_depth), NULL,
	  "nested multiparts and attached messages allowed at most" },
	{ "policy.max_mime_parts", CONF_INT, "500", 1, 10000, OFF(policy_max_mime_parts), NULL,
	  "MIME parts in one message at most" },
	{ "policy.blocked_extensions", CONF_STRLIST, "exe, com, scr, bat, cmd, pif, js, jse, "
	  "vbs, vbe, wsf, wsh, hta, msi, msp, cpl, jar, ps1, lnk, iso, img, vhd, reg", 0, 0,
	  OFF(policy_blocked_extensions), NULL,
	  "attachment file name extensions refused (without dot, any case)" },
	{ "policy.blocked_types", CONF_STRLIST, "application/x-msdownload, "
	  "application/x-msdos-program, application/x-dosexec, application/x-ms-installer, "
	  "application/x-iso9660-image, application/hta, application/javascript, "
	  "application/x-javascript, text/javascript, application/x-sh", 0, 0,
	  OFF(policy_blocked_types), NULL, "declared MIME types of parts refused" },
	{ "policy.reply_relay", CONF_STR, "Relay access denied", 0, 0, OFF(policy_reply_relay),
	  conf_check_ascii_reply, "reply text (ASCII) for 550 5.7.1, no open relay; after \"<rcpt>: \"" },
	{ "policy.reply_sender_unknown", CONF_STR,
	  "Sender address rejected: no such account in a governed domain (khong co tai khoan nay)",
	  0, 0, OFF(policy_reply_sender_unknown), conf_check_ascii_reply,
	  "reply text (ASCII) for 550 5.7.1, unknown sender in a governed domain; after \"<sender>: \"" },
	{ "policy.reply_recipient_unknown", CONF_STR,
	  "Recipient address rejected: User unknown (khong co hop thu nay)", 0, 0,
	  OFF(policy_reply_recipient_unknown), conf_check_ascii_reply,
	  "reply text (ASCII) for 550 5.1.1, unknown recipient; after \"<rcpt>: \"" },
	{ "policy.reply_internal_only", CONF_STR,
	  "this account may send only within the governed domains (chi duoc gui thu trong noi bo)",
	  0, 0, OFF(policy_reply_internal_only), conf_check_ascii_reply,
	  "reply text (ASCII) for 550 5.7.1, internal-only sender to outside; after \"<sender>: \"" },
	{ "policy.reply_mime_malformed", CONF_STR,
	  "Message refused: malformed MIME structure (cau truc thu khong hop le)", 0, 0,
	  OFF(policy_reply_mime_malformed), conf_check_ascii_reply,
	  "reply text (ASCII) for 550 5.6.0, a message whose MIME structure is refused" },
	{ "policy.reply_attachment_blocked", CONF_STR,
	  "Message refused: attachment type not allowed (tep dinh kem bi cam)", 0, 0,
	  OFF(policy_reply_attachment_blocked), conf_check_ascii_reply,
	  "reply text (ASCII) for 550 5.7.1, a blocked attachment; the file name follows" },
	{ "policy.reply_sender_inactive", CONF_STR, "Sender address rejected: %s", 0, 0,
	  OFF(policy_reply_sender_inactive), conf_check_reply_template,
	  "reply (ASCII) for 550 5.7.1, suspended or disabled sender, after \"<sender>: \"; %s = why" },
	{ "policy.reply_recipient_inactive", CONF_STR, "Recipient address rejected: %s", 0, 0,
	  OFF(policy_reply_recipient_inactive), conf_check_reply_template,
	  "reply (ASCII) for 550 5.1.1, suspended or disabled recipient, after \"<rcpt>: \"; %s = why" },
	{ "policy.reply_sender_owner", CONF_STR,
	  "Sender address rejected: not owned by user %s (khong duoc dung dia chi nguoi khac)",
	  0, 0, OFF(policy_reply_sender_owner), conf_check_reply_template,
	  "reply (ASCII) for 553 5.7.1, sender not the user's, after \"<sender>: \"; %s = login" },
	{ "policy.reply_header_from", CONF_STR,
	  "Message refused: header From: is not an address of user %s (khong duoc mao danh nguoi gui)",
	  0, 0, OFF(policy_reply_header_from), conf_check_reply_template,
	  "reply (ASCII) for 550 5.7.1, From: not the user's, after \"<from>: \"; %s = login" },
	{ "policy.reply_message_too_large", CONF_STR,
	  "Message size exceeds fixed limit of %s bytes", 0, 0,
	  OFF(policy_reply_message_too_large), conf_check_reply_template,
	  "reply (ASCII) for 552 5.3.4, message too large; %s = the limit in bytes" },
	{ "policy.reply_too_many_recipients", CONF_STR,
	  "Too many recipients (at most %s per message), send the rest later", 0, 0,
	  OFF(policy_reply_too_many_recipients), conf_check_reply_template,
	  "reply (ASCII) for 452 4.5.3, too many recipients; %s = the limit" },
	{ "policy.reply_bare_newline", CONF_STR,
	  "Message refused: bare <%s> in message text; lines must end with <CR><LF>", 0, 0,
	  OFF(policy_reply_bare_newline), conf_check_reply_template,
	  "reply (ASCII) for 550 5.5.2, bare CR or LF in DATA; %s = \"LF\" or \"CR\"" },
	{ "policy.reply_pipelining", CONF_STR,
	  "Error: SMTP protocol synchronization (%s)", 0, 0,
	  OFF(policy_reply_pipelining), conf_check_reply_template,
	  "reply (ASCII) for 554 5.5.0, input sent before our reply to DATA or STARTTLS; "
	  "%s = what" },
	{ "policy.outbound_max_size", CONF_SIZE, "0", 0, 4294967296LL,
	  OFF(policy_outbound_max_size), NULL,
	  "largest message with a recipient outside the governed domains (0 = smtpd's)" },
	{ "policy.outbound_max_recipients", CONF_INT, "0", 0, 10000,
	  OFF(policy_outbound_max_recipients), NULL,
	  "recipients of a message with one outside the governed domains (0 = smtpd's)" },
	{ "policy.internal_max_size", CONF_SIZE, "0", 0, 4294967296LL,
	  OFF(policy_internal_max_size), NULL,
	  "largest message to governed domains only (0 = smtpd's)" },
	{ "policy.internal_max_recipients", CONF_INT, "0", 0, 10000,
	  OFF(policy_internal_max_recipients), NULL,
	  "recipients of a message to governed domains only (0 = smtpd's)" },
	{ "policy.agency_limits", CONF_STRLIST, "", 0, 0, OFF(policy_agency_limits),
	  conf_check_agency_limits,
	  "\"AGENCY SIZE RECIPIENTS\": limits for senders of that agency instead of the above" },
	{ "signature.internal", CONF_STR, "off", 0, 0, OFF(signature_internal),
	  conf_check_requirement, "signed documents, governed sender to governed recipients: "
	  "off, verify, require-signed or require-person-and-org" },
	{ "signature.outbound", CONF_STR, "off", 0, 0, OFF(signature_outbound),
	  conf_check_requirement, "the same, governed sender, a recipient outside" },
	{ "signature.inbound", CONF_STR, "off", 0, 0, OFF(signature_inbound),
	  conf_check_requirement, "the same, sender outside the governed domains" },
	{ "signature.agency_requirements", CONF_STRLIST, "", 0, 0,
	  OFF(signature_agency_requirements), conf_check_agency_requirements,
	  "\"AGENCYCODE=REQUIREMENT\": overrides for senders of that agency (all directions)" },
	{ "signature.agency_org_names", CONF_STRLIST, "", 0, 0,
	  OFF(signature_agency_org_names), conf_check_agency_names,
	  "\"AGENCYCODE=NAME\": a certificate without e-mail whose O or CN is NAME signs "
	  "for that agency" },
	{ "signature.documents", CONF_STRLIST, "pdf, doc, docx, xls, xlsx, odt", 0, 0,
	  OFF(signature_documents), NULL,
	  "extensions of official documents (PDFs are also found by content)" },
	{ "signature.on_failure", CONF_STR, "reject", 0, 0, OFF(signature_on_failure),
	  conf_check_on_failure, "a document failing its requirement: reject (550 5.7.x) or tag" },
	{ "signature.trust_anchors", CONF_STR, "", 0, 0, OFF(signature_trust_anchors), NULL,
	  "PEM file of the trusted root CAs (needed unless every requirement is off)" },
	{ "signature.intermediates", CONF_STR, "", 0, 0, OFF(signature_intermediates), NULL,
	  "PEM file of intermediate CAs (signers often embed only their own certificate)" },
	{ "signature.tsa_anchors", CONF_STR, "", 0, 0, OFF(signature_tsa_anchors), NULL,
	  "PEM file of the root CAs of trusted time-stamp authorities (RFC 3161); empty: "
	  "timestamps are not trusted and certificates are checked at the present time" },
	{ "signature.crl_files", CONF_STRLIST, "", 0, 0, OFF(signature_crl_files), NULL,
	  "CRL files (PEM or DER); empty: revocation is not checked" },
	{ "signature.crl_check_interval", CONF_INT, "30", 1, 86400,
	  OFF(signature_crl_check_interval), NULL,
	  "seconds between checks whether a CRL file changed (re-read then)" },
	{ "signature.crl_stale", CONF_STR, "fail", 0, 0, OFF(signature_crl_stale),
	  conf_check_crl_stale, "a CRL past its nextUpdate (or not yet valid): fail, "
	  "or warn (accept, noted in the header)" },
	{ "signature.crl_missing", CONF_STR, "fail", 0, 0, OFF(signature_crl_missing),
	  conf_check_crl_missing, "no CRL among crl_files for the issuer of a certificate "
	  "of the chain (signer or intermediate CA): fail, warn (accept, noted in the "
	  "header), or leaf-only (only the signer's issuer needs one)" },
	{ "signature.crl_unreadable", CONF_STR, "tempfail", 0, 0,
	  OFF(signature_crl_unreadable), conf_check_crl_unreadable,
	  "a CRL file cannot be read: tempfail (451), fail, or warn (check without it)" },
	{ "signature.ocsp", CONF_STR, "fallback", 0, 0, OFF(signature_ocsp), conf_check_ocsp,
	  "OCSP for each certificate of the chain whose issuer has no CRL (embedded or "
	  "in crl_files): fallback, or off" },
	{ "signature.ocsp_responder", CONF_STR, "", 0, 0, OFF(signature_ocsp_responder),
	  conf_check_ocsp_url, "http:// URL of the OCSP responder asked for every "
	  "certificate; empty: the one named in the certificate (AIA)" },
	{ "signature.ocsp_timeout", CONF_INT, "5", 1, 120, OFF(signature_ocsp_timeout), NULL,
	  "seconds one OCSP query (connect, send, answer) may take" },
	{ "signature.ocsp_nonce", CONF_BOOL, "false", 0, 1, OFF(signature_ocsp_nonce), NULL,
	  "send a nonce with each OCSP query and require the answer to echo it" },
	{ "signature.ocsp_max_age", CONF_INT, "3600", 0, 604800, OFF(signature_ocsp_max_age),
	  NULL, "seconds an OCSP answer without nextUpdate is reused (others: until "
	  "nextUpdate)" },
	{ "signature.ocsp_cache_size", CONF_INT, "4096", 0, 1048576,
	  OFF(signature_ocsp_cache_size), NULL, "OCSP answers (verified verdicts) kept" },
	{ "signature.revocation_unavailable", CONF_STR, "tempfail", 0, 0,
	  OFF(signature_revocation_unavailable), conf_check_crl_unreadable,
	  "an OCSP responder gives no usable answer (down, timeout, bad answer): "
	  "tempfail (451), fail, or warn (accept, noted in the header)" },
	{ "signature.max_document_size", CONF_SIZE, "64M", 1024, 4294967296LL,
	  OFF(signature_max_document_size), NULL,
	  "larger documents are not checked and count as failing" },
	{ "signature.max_signature_size", CONF_SIZE, "1M", 1024, 67108864,
	  OFF(signature_max_signature_size), NULL, "bytes of one signature (CMS) at most" },
	{ "signature.extended_key_usage", CONF_STR, "signing", 0, 0,
	  OFF(signature_extended_key_usage), conf_check_eku,
	  "a signer certificate with an extended key usage: signing (it must allow e-mail "
	  "protection, document signing or any usage) or any (not checked)" },
	{ "signature.max_cpu_time", CONF_INT, "5000", 1, 600000,
	  OFF(signature_max_cpu_time), NULL,
	  "milliseconds of CPU the signature checks of one message may take" },
	{ "signature.on_error", CONF_STR, "reject", 0, 0, OFF(signature_on_error),
	  conf_check_on_error, "signatures that could not be checked within max_cpu_time: "
	  "reject (550 5.7.1) or tempfail (451 4.7.5)" },
	{ "signature.cert_cache_size", CONF_INT, "1024", 0, 65536,
	  OFF(signature_cert_cache_size), NULL,
	  "signers' certificates kept parsed, reused for the same bytes (0 = none)" },
	{ "signature.header", CONF_STR, "X-Govmail-Signature", 0, 0, OFF(signature_header),
	  conf_check_header_name, "header added with the result for each document" },
	{ "signature.allow_sha1", CONF_BOOL, "false", 0, 1, OFF(signature_allow_sha1), NULL,
	  "accept SHA-1 in signatures and certificates (Circular 15/2025 refuses it)" },
	{ "signature.min_rsa_bits", CONF_INT, "2048", 1024, 16384,
	  OFF(signature_min_rsa_bits), NULL,
	  "smallest RSA key of a signer or of a CA of its chain, in bits" },
	{ "signature.min_ec_bits", CONF_INT, "256", 160, 571, OFF(signature_min_ec_bits), NULL,
	  "smallest ECDSA key of a signer or of a CA of its chain, in bits (256: P-256)" },
	{ "signature.language", CONF_STR, "vi", 0, 0, OFF(signature_language),
	  conf_check_sign_language, "language of the reasons in replies and in the header: "
	  "vi (Vietnamese) or en (English); the log keeps English" },
	{ "signature.ascii_fallback", CONF_BOOL, "false", 0, 1, OFF(signature_ascii_fallback),
	  NULL, "true: names and reasons in the header without diacritics, quoted, instead "
	  "of RFC 2231-encoded UTF-8 (replies are ASCII always)" },

	/* govmail-apid: apid { } */
	{ "apid.listen", CONF_STR, "", 0, 0, OFF(apid_listen), conf_check_apid_listen,
	  "\"host:port\" where govmail-apid answers HTTPS (\"\" = no TLS listener)" },
	{ "apid.plain_listen", CONF_STR, "", 0, 0, OFF(apid_plain_listen),
	  conf_check_apid_plain_listen, "loopback \"host:port\" answering plain HTTP, "
	  "e.g. behind a local TLS proxy (\"\" = none; other addresses are refused)" },
	{ "apid.tls_cert_file", CONF_STR, "", 0, 0, OFF(apid_tls_cert_file), NULL,
	  "PEM certificate chain of apid.listen (\"\" = tls.cert_file)" },
	{ "apid.tls_key_file", CONF_STR, "", 0, 0, OFF(apid_tls_key_file), NULL,
	  "PEM private key of apid.tls_cert_file (read as root at start; \"\" = tls.key_file)" },
	{ "apid.user", CONF_STR, "govmail", 0, 0, OFF(apid_user), NULL,
	  "user govmail-apid runs as once its keys are read (\"\" = unchanged)" },
	{ "apid.pid_file", CONF_STR, "/run/govmail/govmail-apid.pid", 0, 0,
	  OFF(apid_pid_file), NULL, "pid file of govmail-apid (\"\" = none)" },
	{ "apid.ldap_bind_dn", CONF_STR, "", 0, 0, OFF(apid_ldap_bind_dn), NULL,
	  "identity govmail-apid binds as (\"\" = ldap.bind_dn)" },
	{ "apid.ldap_bind_password_file", CONF_STR, "", 0, 0,
	  OFF(apid_ldap_bind_password_file), NULL,
	  "password file of apid.ldap_bind_dn (\"\" = ldap.bind_password_file)" },
	{ "apid.ldap_connections", CONF_INT, "8", 1, 256, OFF(apid_ldap_connections), NULL,
	  "directory connections kept open and shared by requests" },
	{ "apid.max_connections", CONF_INT, "256", 1, 10000, OFF(apid_max_connections),
	  NULL, "client connections at once (more wait in the listen queue)" },
	{ "apid.max_requests", CONF_INT, "64", 1, 10000, OFF(apid_max_requests), NULL,
	  "requests worked on at once; more are answered 503 with Retry-After" },
	{ "apid.max_body_size", CONF_SIZE, "1M", 1024, 67108864, OFF(apid_max_body_size),
	  NULL, "bytes of a request body (413 beyond)" },
	{ "apid.max_header_size", CONF_SIZE, "16K", 4096, 1048576,
	  OFF(apid_max_header_size), NULL,
	  "bytes of the request line and headers together (431 beyond)" },
	{ "apid.max_json_depth", CONF_INT, "8", 2, 64, OFF(apid_max_json_depth), NULL,
	  "nesting of objects and arrays in a JSON body (400 beyond)" },
	{ "apid.max_string_length", CONF_INT, "1024", 64, 65536,
	  OFF(apid_max_string_length), NULL, "bytes of one JSON string (400 beyond)" },
	{ "apid.page_size", CONF_INT, "100", 1, 10000, OFF(apid_page_size), NULL,
	  "entries of a list page when the caller asks for no limit" },
	{ "apid.max_page_size", CONF_INT, "1000", 1, 10000, OFF(apid_max_page_size), NULL,
	  "largest limit a caller may ask for (400 beyond)" },
	{ "apid.connection_timeout", CONF_INT, "30", 1, 3600,
	  OFF(apid_connection_timeout), NULL,
	  "seconds a client connection may stay silent (closed then)" },
	{ "apid.rate_per_address", CONF_INT, "600", 0, 1000000,
	  OFF(apid_rate_per_address), NULL,
	  "requests per minute from one client address (429 beyond; 0 = no limit)" },
	{ "apid.rate_per_token", CONF_INT, "600", 0, 1000000, OFF(apid_rate_per_token),
	  NULL, "requests per minute of one token or person (429 beyond; 0 = no limit)" },
	{ "apid.retry_after", CONF_INT, "5", 1, 3600, OFF(apid_retry_after), NULL,
	  "seconds of Retry-After when the directory is unavailable or all busy" },
	{ "apid.idempotency_ttl", CONF_INT, "86400", 1, 604800,
	  OFF(apid_idempotency_ttl), NULL,
	  "seconds the answer to a creation is kept for a retry with its Idempotency-Key "
	  "(in memory, and its claim in the directory for every gateway)" },
	{ "apid.idempotency_sweep_interval", CONF_INT, "300", 0, 86400,
	  OFF(apid_idempotency_sweep), NULL,
	  "seconds between deletions of expired Idempotency-Key claims from the "
	  "directory, at most 500 a time (0 = only when met)" },
	{ "apid.token_cache_ttl", CONF_INT, "30", 0, 3600, OFF(apid_token_cache_ttl), NULL,
	  "seconds a verified API token is used without reading it again: a revoked "
	  "token is refused at the latest this long after (0 = read every time)" },
	{ "apid.auth_cache_ttl", CONF_INT, "60", 0, 3600, OFF(apid_auth_cache_ttl), NULL,
	  "seconds a person's verified address and password (HTTP Basic) are accepted "
	  "without binding again: another password, a lock or a role revoked elsewhere "
	  "takes effect at the latest this long after (0 = bind every time)" },
	{ "apid.account_cache_ttl", CONF_INT, "5", 0, 3600, OFF(apid_account_cache_ttl),
	  NULL, "seconds GET /v1/accounts/{key} may answer from an earlier read; changes "
	  "through this govmail-apid show at once, others' within this (0 = no cache)" },
	{ "apid.cache_entries", CONF_INT, "10000", 16, 1000000, OFF(apid_cache_entries),
	  NULL, "entries of each of the token, credential and account caches" },
	/* govmail-apid HR sync jobs (apid_hrjobs.c) */
	{ "apid.hr_max_upload_size", CONF_SIZE, "16M", 1024, 268435456,
	  OFF(apid_hr_max_upload_size), NULL,
	  "bytes of an HR export uploaded to /v1/hr/sync/jobs (413 beyond)" },
	{ "apid.hr_max_jobs", CONF_INT, "16", 1, 1000, OFF(apid_hr_max_jobs), NULL,
	  "HR sync jobs kept at once, finished ones included (503 beyond)" },
	{ "apid.hr_job_ttl", CONF_INT, "86400", 60, 2592000, OFF(apid_hr_job_ttl), NULL,
	  "seconds an HR sync job is kept after its last change (then forgotten, "
	  "its files removed)" },
	{ "apid.hr_job_dir", CONF_STR, "/var/spool/govmail/hr-jobs", 0, 0,
	  OFF(apid_hr_job_dir), conf_check_nonempty,
	  "directory (mode 0700, of apid.user) of the HR jobs' uploads and initial "
	  "passwords, each file 0600 and removed with its job" },
	/* govmail-apid web console: sessions, static files (apid_session.h,
	 * apid_web.h) */
	{ "apid.session_idle_timeout", CONF_INT, "900", 1, 86400,
	  OFF(apid_session_idle_timeout), NULL,
	  "seconds a console session lives without a request (then 401 session-expired)" },
	{ "apid.session_lifetime", CONF_INT, "43200", 60, 604800,
	  OFF(apid_session_lifetime), NULL,
	  "seconds a console session lives at most, however busy" },
	{ "apid.session_max", CONF_INT, "10000", 16, 1000000, OFF(apid_session_max), NULL,
	  "console sessions open at once (503 to a new sign-in beyond)" },
	{ "apid.console_dir", CONF_STR, "/usr/share/govmail/console", 0, 0,
	  OFF(apid_console_dir), NULL,
	  "directory of the web console's files, read at start and served under / "
	  "(\"\" = no console)" },

	/* dkim { }: DKIM signing keys, govmailctl dkim (dkim_keys.h) */
	{ "dkim.key_dir", CONF_STR, "/etc/govmail/dkim", 0, 0, OFF(dkim_key_dir),
	  conf_check_nonempty, "directory of the DKIM keys (DOMAIN.SELECTOR.key, mode 0600) "
	  "and rotation states (DOMAIN.state)" },
	{ "dkim.sign", CONF_BOOL, "false", 0, 1, OFF(dkim_sign), NULL,
	  "govmaild DKIM-signs mail from authenticated or trusted clients whose From: "
	  "domain is governed and has a key in key_dir" },
	{ "dkim.selector_prefix", CONF_STR, "gm", 0, 0, OFF(dkim_selector_prefix),
	  conf_check_selector_prefix, "new selectors are PREFIX YEAR LETTER, e.g. gm2026a" },
	{ "dkim.rotate_delay_hours", CONF_INT, "72", 0, 8760, OFF(dkim_rotate_delay_hours),
	  NULL, "hours after dkim rotate before the new key signs (its DNS record propagates)" },
	{ "dkim.retire_after_hours", CONF_INT, "168", 0, 8760, OFF(dkim_retire_after_hours),
	  NULL, "hours the old key's DNS record stays published once the new key signs" },
	/* dns { }: govmaild's resolver (libunbound, dns_resolve.h) */
	{ "dns.server", CONF_STR, "", 0, 0, OFF(dns_server), conf_check_dns_server,
	  "DNS server to forward to, ADDRESS or ADDRESS@PORT (\"\" = those of /etc/resolv.conf)" },
	{ "dns.timeout", CONF_INT, "5", 1, 120, OFF(dns_timeout), NULL,
	  "seconds one DNS lookup may take (then a temporary failure)" },
	{ "dns.cache_entries", CONF_INT, "10000", 0, 1000000, OFF(dns_cache_entries), NULL,
	  "DNS answers kept, each for its TTL (0 = none)" },
	/* inbound { }: SPF, DKIM, DMARC of mail from outside (smtp_inbound_auth.c) */
	{ "inbound.verify", CONF_BOOL, "true", 0, 1, OFF(inbound_verify), NULL,
	  "check SPF, DKIM and DMARC of relay mail from outside the trusted networks "
	  "and add Authentication-Results" },
	{ "inbound.authserv_id", CONF_STR, "", 0, 0, OFF(inbound_authserv_id),
	  conf_check_authserv_id, "authserv-id of Authentication-Results (\"\" = the host "
	  "name, smtpd.hostname)" },
	{ "inbound.protect_governed", CONF_BOOL, "true", 0, 1, OFF(inbound_protect_governed),
	  NULL, "refuse mail from outside whose From: domain is governed unless an "
	  "aligned DKIM signature verifies or the sender is allowed" },
	{ "inbound.allowed_networks", CONF_STRLIST, "", 0, 0, OFF(inbound_allowed_networks),
	  conf_check_networks, "client networks (bulk-mail vendors) allowed to send with a "
	  "governed From: without a DKIM signature of it" },
	{ "inbound.allowed_dkim_domains", CONF_STRLIST, "", 0, 0,
	  OFF(inbound_allowed_dkim_domains), conf_check_domains,
	  "a verified DKIM signature of these domains (or subdomains) allows a governed From:" },
	{ "inbound.dmarc_reject_action", CONF_STR, "reject", 0, 0,
	  OFF(inbound_dmarc_reject_action), conf_check_dmarc_action,
	  "DMARC failure of another domain with p=reject: reject, tag or header" },
	{ "inbound.dmarc_quarantine_action", CONF_STR, "tag", 0, 0,
	  OFF(inbound_dmarc_quarantine_action), conf_check_dmarc_action,
	  "DMARC failure of another domain with p=quarantine: reject, tag or header" },
	{ "inbound.dmarc_tag_only", CONF_BOOL, "true", 0, 1, OFF(inbound_dmarc_tag_only), NULL,
	  "never refuse for another domain's DMARC: a reject action tags instead" },
	{ "inbound.agency_dmarc", CONF_STRLIST, "", 0, 0, OFF(inbound_agency_dmarc),
	  conf_check_agency_dmarc, "per recipient agency, \"CODE=enforce\" or "
	  "\"CODE=tag-only\" instead of dmarc_tag_only" },
	{ "inbound.dmarc_header", CONF_STR, "X-Govmail-DMARC", 0, 0, OFF(inbound_dmarc_header),
	  conf_check_header_name, "header field added to a message tagged for DMARC" },
	{ "inbound.subject_tag", CONF_STR, "[DMARC FAIL]", 0, 0, OFF(inbound_subject_tag),
	  conf_check_subject_tag,
	  "put in front of the Subject: of a tagged message (\"\" = leave it)" },
	{ "inbound.public_suffix_list", CONF_STR, "", 0, 0, OFF(inbound_public_suffix_list),
	  NULL, "Public Suffix List for organisational domains (\"\" = Debian's "
	  "publicsuffix file); read at start" },
	/* dmarc { }: the per-message history govmailctl dmarc report reads */
	{ "dmarc.history_file", CONF_STR, "", 0, 0, OFF(dmarc_history_file), NULL,
	  "append one JSON line per inbound message with a DMARC record (\"\" = off); "
	  "opened at start, before privileges drop" },
};

const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);
