/*
 * conf.h — govmail configuration (libconfig syntax), loaded once per run.
 * Every key is declared once, with its default and bounds, in conf_keys.c;
 * etc/govmail.conf shows each of them with its default. Errors are reported
 * as "file:line: what is wrong" and programs exit with EX_CONFIG (78).
 * Not for: the directory's contents (domains, agencies and accounts live in
 * LDAP, the one source of truth).
 */
#ifndef GOVMAIL_CONF_H
#define GOVMAIL_CONF_H

#include <stddef.h>
#include <stdio.h>

#define CONF_DEFAULT_PATH "/etc/govmail/govmail.conf"
#define CONF_ENV "GOVMAIL_CONF"

struct conf_strlist {
	char **v;
	size_t n;
};

struct govmail_conf {
	char *path;                    /* file it came from, or NULL (defaults) */

	/* ldap { } — how programs reach the directory. */
	char *ldap_uri;
	char *ldap_bind_dn;
	char *ldap_bind_password_file;
	int ldap_sasl_external;
	char *ldap_base_dn;
	int ldap_network_timeout;      /* seconds to connect */
	int ldap_timeout;              /* seconds per operation */
	int ldap_page_size;            /* entries per paged-results page */
	int ldap_starttls;
	char *ldap_tls_ca_file;        /* "" = libldap's default (ldap.conf) */
	char *ldap_tls_require_cert;   /* never, allow, try, demand, hard */
	char *ldap_read_uri;           /* servers for reads first ("" = none) */
	int ldap_retry_after;          /* seconds a failed server is skipped */

	/* addresses { } — how new addresses are made. */
	char *addr_default_domain;
	char *addr_template;
	int addr_max_name_length;

	/* accounts { } */
	long long acct_default_quota;  /* bytes; 0 = unlimited */
	int acct_retention_days;       /* disabled accounts kept before purge */
	int acct_default_may_send_external;

	/* passwords { } */
	int pw_min_length;
	int pw_generated_length;
	int pw_must_change_initial;

	/* audit { } */
	char *audit_log_file;

	/* hr { } — HR synchronisation */
	int hr_max_suspend_percent;    /* mass-suspend guard */
	int hr_max_suspend_floor;      /* ... ignored up to this many */
	char *hr_passwords_file;       /* where initial passwords go (0600) */
	int hr_pipeline_window;        /* LDAP writes outstanding at once */
	int hr_transaction_size;       /* writes per RFC 5805 transaction */

	/* smtpd { } — govmaild's SMTP service (listeners, limits, process) */
	struct conf_strlist smtpd_relay_listen;  /* "host:port" of the relay role */
	struct conf_strlist smtpd_submission_listen; /* STARTTLS + AUTH role */
	char *smtpd_hostname;          /* "" = gethostname() */
	int smtpd_max_sessions;        /* concurrent sessions; also listen backlog */
	int smtpd_max_command_line;    /* bytes, without CRLF */
	int smtpd_max_line_length;     /* DATA text line, bytes without CRLF */
	long long smtpd_max_message_size;
	int smtpd_max_recipients;      /* per message */
	int smtpd_max_errors;          /* per session, then 421 */
	int smtpd_command_timeout;     /* seconds to receive one command line */
	int smtpd_transaction_deadline;/* seconds from MAIL to the end of DATA */
	int smtpd_min_data_rate;       /* bytes/s during DATA; 0 = off */
	int smtpd_min_data_rate_grace; /* seconds before the rate applies */
	char *smtpd_bare_newline;      /* "reject" or "normalize" */
	long long smtpd_memory_spool;  /* bytes of a message kept in memory */
	char *smtpd_spool_dir;         /* larger messages: unlinked temp files */
	char *smtpd_user;              /* run as; "" = do not change user */
	char *smtpd_pid_file;          /* "" = none */
	int smtpd_drain_timeout;       /* seconds SIGTERM waits for sessions */
	int smtpd_add_received;        /* prepend a Received: header */
	struct conf_strlist smtpd_xclient_hosts;  /* may send XCLIENT/XFORWARD */
	/* issue #17 defects: NUL and 8-bit data, per-address limits (anvil.c,
	 * client_limits.c), junk commands and session lifetime (smtp_guard.c) */
	char *smtpd_nul_in_data;       /* "reject" or "strip" */
	char *smtpd_undeclared_8bit;   /* "declare" or "reject" */
	int smtpd_client_connection_count_limit;  /* sessions per address; 0 = off */
	int smtpd_client_connection_rate_limit;   /* per address per unit; 0 = off */
	int smtpd_client_auth_failure_limit;      /* per address per unit; 0 = off */
	int smtpd_client_rate_time_unit;          /* seconds */
	int smtpd_client_table_size;              /* addresses tracked at most */
	int smtpd_junk_command_limit;  /* NOOP, RSET, VRFY ... between messages */
	int smtpd_max_session_time;    /* seconds; checked between transactions */
	char *policy_reply_nul_in_data;           /* 550 5.6.0 text */

	/* tls { } — STARTTLS (submission requires it) */
	char *tls_cert_file;           /* PEM chain; "" = no STARTTLS */
	char *tls_key_file;

	/* next_hop { } — where accepted mail goes */
	char *nh_host;
	int nh_port;
	char *nh_helo_name;            /* "" = smtpd.hostname */
	int nh_connect_timeout;
	int nh_command_timeout;
	int nh_data_timeout;           /* seconds for the reply after "." */
	int nh_xforward;               /* send XFORWARD when offered */
	int nh_starttls;               /* STARTTLS when offered */
	int nh_tls_verify;             /* require STARTTLS and a verified peer */
	char *nh_tls_ca_file;          /* "" = the system's trusted CAs */
	char *nh_tls_verify_name;      /* "" = next_hop.host */
	int nh_pool_size;              /* idle connections kept across sessions */
	int nh_pool_idle_timeout;      /* seconds idle in the pool */
	int nh_pool_max_age;           /* seconds from connect; then not reused */

	/* policy { } — relay decisions (directory rules come later) */
	struct conf_strlist policy_relay_domains;     /* recipient domains open to all */
	int policy_use_directory;      /* governed domains, senders, recipients */
	struct conf_strlist policy_delegations;       /* "ADDRESS LOGIN" pairs */
	struct conf_strlist policy_external_allow;    /* if set: only these */
	struct conf_strlist policy_external_deny;
	int policy_cache_ttl;          /* seconds a directory answer is reused */
	int policy_cache_entries;      /* bound of that cache */
	struct conf_strlist policy_trusted_networks;  /* may relay anywhere */
	int policy_max_mime_depth;     /* nested multiparts/messages */
	int policy_max_mime_parts;
	struct conf_strlist policy_blocked_extensions;  /* attachment rule */
	struct conf_strlist policy_blocked_types;
	char *policy_reply_relay;                /* reply texts (ASCII) */
	char *policy_reply_sender_unknown;
	char *policy_reply_recipient_unknown;
	char *policy_reply_internal_only;
	char *policy_reply_mime_malformed;       /* 550 5.6.0 text */
	char *policy_reply_attachment_blocked;   /* 550 5.7.1 text */
	/* reply templates: at most one %s, filled in by the rule */
	char *policy_reply_sender_inactive;      /* %s: why (suspended ...) */
	char *policy_reply_recipient_inactive;   /* %s: why */
	char *policy_reply_sender_owner;         /* %s: the login */
	char *policy_reply_header_from;          /* %s: the login */
	char *policy_reply_message_too_large;    /* %s: the limit in bytes */
	char *policy_reply_too_many_recipients;  /* %s: the limit */
	char *policy_reply_bare_newline;         /* %s: "LF" or "CR" */
	char *policy_reply_pipelining;           /* %s: what was sent too early */
	/* per-direction and per-agency limits (0 = only smtpd's) */
	long long policy_outbound_max_size;
	int policy_outbound_max_recipients;
	long long policy_internal_max_size;
	int policy_internal_max_recipients;
	struct conf_strlist policy_agency_limits;     /* "CODE SIZE RECIPIENTS" */

	/* signature { } — signed official documents (sign_check.c) */
	char *signature_internal;      /* requirement: off, verify, require-signed, */
	char *signature_outbound;      /*   require-person-and-org */
	char *signature_inbound;
	struct conf_strlist signature_agency_requirements;  /* "CODE=REQUIREMENT" */
	struct conf_strlist signature_agency_org_names;     /* "CODE=O or CN" */
	struct conf_strlist signature_documents;  /* extensions of official documents */
	char *signature_on_failure;    /* reject or tag */
	char *signature_trust_anchors; /* PEM file of root CAs */
	char *signature_intermediates; /* PEM file of intermediate CAs */
	char *signature_tsa_anchors;   /* PEM file of trusted RFC 3161 TSA roots */
	struct conf_strlist signature_crl_files;
	int signature_crl_check_interval;  /* seconds between looks at the CRL files */
	char *signature_crl_stale;     /* fail or warn */
	char *signature_crl_missing;   /* fail, warn or leaf-only */
	char *signature_crl_unreadable;  /* tempfail, fail or warn */
	char *signature_ocsp;          /* off or fallback (OCSP where no CRL) */
	char *signature_ocsp_responder;  /* URL overriding the certificates' AIA */
	int signature_ocsp_timeout;    /* seconds for one OCSP exchange */
	int signature_ocsp_nonce;      /* send a nonce, require it echoed */
	int signature_ocsp_max_age;    /* seconds an answer without nextUpdate is reused */
	int signature_ocsp_cache_size; /* OCSP verdicts kept */
	char *signature_revocation_unavailable;  /* tempfail, fail or warn */
	char *signature_extended_key_usage;  /* signing or any */
	int signature_max_cpu_time;    /* ms of CPU for one message's checks */
	char *signature_on_error;      /* reject or tempfail */
	long long signature_max_document_size;  /* larger documents: not checked, failed */
	long long signature_max_signature_size; /* bytes of one CMS */
	int signature_cert_cache_size; /* parsed signer certificates kept */
	char *signature_header;        /* result header name */
	int signature_allow_sha1;      /* accept SHA-1 (sign_algo.c) */
	int signature_min_rsa_bits;    /* smallest RSA key of a signer or CA */
	int signature_min_ec_bits;     /* smallest EC key (256: P-256) */
	char *signature_language;      /* reasons in replies and the header: vi or en */
	int signature_ascii_fallback;  /* the header without diacritics, no RFC 2231 */

	/* apid { } — govmail-apid, the provisioning API (HTTPS + JSON) */
	char *apid_listen;             /* "host:port" served with TLS; "" = none */
	char *apid_plain_listen;       /* loopback "host:port", plain HTTP; "" = none */
	char *apid_tls_cert_file;      /* "" = tls.cert_file */
	char *apid_tls_key_file;       /* "" = tls.key_file */
	char *apid_user;               /* run as; "" = do not change user */
	char *apid_pid_file;           /* "" = none */
	char *apid_ldap_bind_dn;       /* "" = ldap.bind_dn */
	char *apid_ldap_bind_password_file; /* "" = ldap.bind_password_file */
	int apid_ldap_connections;     /* directory connections kept open */
	int apid_max_connections;      /* client connections at once */
	int apid_max_requests;         /* requests being worked on at once */
	long long apid_max_body_size;  /* bytes of a request body */
	long long apid_max_header_size;/* bytes of request line and headers */
	int apid_max_json_depth;       /* nesting of a JSON body */
	int apid_max_string_length;    /* bytes of one JSON string */
	int apid_page_size;            /* list entries per page by default */
	int apid_max_page_size;        /* ... at most */
	int apid_connection_timeout;   /* seconds a connection may stay idle */
	int apid_rate_per_address;     /* requests per minute per client address */
	int apid_rate_per_token;       /* requests per minute per caller */
	int apid_retry_after;          /* seconds suggested with 503 */
	int apid_idempotency_ttl;      /* seconds an Idempotency-Key answer is kept */
	int apid_idempotency_sweep;    /* seconds between sweeps of expired claims */
	int apid_token_cache_ttl;      /* seconds a verified token is kept */
	int apid_auth_cache_ttl;       /* seconds verified Basic credentials are kept */
	int apid_account_cache_ttl;    /* seconds an account read is kept */
	int apid_cache_entries;        /* slots of each of those caches */
	long long apid_hr_max_upload_size; /* bytes of an uploaded HR export */
	int apid_hr_max_jobs;          /* HR sync jobs kept at once */
	int apid_hr_job_ttl;           /* seconds a job is kept after its last change */
	char *apid_hr_job_dir;         /* uploads and passwords of HR jobs */
	/* web console (apid_session.h, apid_web.h) */
	int apid_session_idle_timeout; /* seconds a session lives without a request */
	int apid_session_lifetime;     /* seconds a session lives at most */
	int apid_session_max;          /* sessions open at once */
	char *apid_console_dir;        /* the console's files; "" = none */

	/* dkim { } — DKIM signing keys (dkim_keys.h) */
	char *dkim_key_dir;            /* DOMAIN.SELECTOR.key, DOMAIN.state */
	int dkim_sign;                 /* govmaild signs what the province sends */
	char *dkim_selector_prefix;    /* selectors are PREFIX YEAR LETTER */
	int dkim_rotate_delay_hours;   /* a rotated key signs this long after */
	int dkim_retire_after_hours;   /* ... the old record stays this long */

	/* dns { } — govmaild's resolver for mail authentication (dns_resolve.h) */
	char *dns_server;              /* "" = resolv.conf; ADDRESS[@PORT] */
	int dns_timeout;               /* seconds per lookup */
	int dns_cache_entries;         /* answers kept for their TTL */

	/* inbound { } — SPF, DKIM, DMARC of mail from outside (smtp_inbound_auth.c) */
	int inbound_verify;            /* verify and add Authentication-Results */
	char *inbound_authserv_id;     /* "" = the host name */
	int inbound_protect_governed;  /* governed From: needs an aligned DKIM pass */
	struct conf_strlist inbound_allowed_networks;      /* vendors' client networks */
	struct conf_strlist inbound_allowed_dkim_domains;  /* vendors' DKIM d= */
	char *inbound_dmarc_reject_action;      /* reject, tag or header */
	char *inbound_dmarc_quarantine_action;  /* reject, tag or header */
	int inbound_dmarc_tag_only;    /* never refuse for other domains' DMARC */
	struct conf_strlist inbound_agency_dmarc;  /* "CODE=enforce|tag-only" */
	char *inbound_dmarc_header;    /* header field of a tagged message */
	char *inbound_subject_tag;     /* "" = Subject: left alone */
	char *inbound_public_suffix_list;  /* "" = Debian's publicsuffix file */
	/* dmarc { } */
	char *dmarc_history_file;      /* "" = no history; JSON lines */
};

/*
 * CONF_SIZE is a string like "2G" or "500M" (binary units) or "0": libconfig
 * 1.5 silently truncates integers beyond 32 bits unless written with an L
 * suffix, so byte counts are written as strings.
 */
enum conf_type { CONF_STR, CONF_INT, CONF_INT64, CONF_BOOL, CONF_STRLIST, CONF_SIZE };

/* One declared key: its dotted path, type, default, bounds and storage. */
struct conf_key {
	const char *path;
	enum conf_type type;
	const char *def;               /* default, as written in govmail.conf */
	long long min, max;            /* bounds for integers */
	size_t offset;                 /* into struct govmail_conf */
	/* Optional extra check; returns 0 or -1 with a message in err. */
	int (*validate)(const void *value, char *err, size_t errlen);
	const char *help;              /* one line for `govmailctl config` */
};

extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

/*
 * Which file to read: explicit path (-c), else $GOVMAIL_CONF, else the
 * default path. Returns a pointer that stays valid while argv/env do.
 */
const char *conf_choose_path(const char *explicit_path);

/*
 * Load path into a new conf. On error returns NULL and writes
 * "file:line: message" (or "file: message") into err.
 */
struct govmail_conf *conf_load(const char *path, char *err, size_t errlen);

/* A conf holding only the defaults (for tests and `config -d`). */
struct govmail_conf *conf_defaults(void);

void conf_free(struct govmail_conf *c);

/* Print every key with its effective value (or default), postconf-style. */
void conf_print(const struct govmail_conf *c, FILE *fp, int defaults_only);

/* Parse a size: digits with an optional K, M, G or T (x1024) suffix and an
 * optional B. Returns the byte count, or -1 if malformed or too large. */
long long conf_parse_size(const char *s);

/* Resolve a path from the config relative to the config file's directory. */
char *conf_resolve_path(const struct govmail_conf *c, const char *p);

#endif
