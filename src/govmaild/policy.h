/*
 * policy.h — the one place where govmaild decides about a session, a
 * sender, a recipient or a message. Every check returns a named verdict:
 * accept, reject (code, enhanced code, text) or tempfail, plus the name of
 * the rule that decided, for the log. Rules: size, recipient count (global,
 * per direction, per agency), no open relay, and with the directory:
 * governed domains, senders that are active accounts, authenticated
 * senders using only their own addresses (or delegations) in the envelope
 * and in the header From:, recipients that exist and are active,
 * internal-only accounts, outside allow/deny lists, attachments (blocked types and
 * malformed MIME, as found by mime_check.c). Later content rules
 * (signatures) plug in here through the same request/verdict pair; the
 * requests are filled in by smtp_policy_req.c, the DATA and SIGNATURE
 * stages asked by the end-of-data checks (smtp_eod_checks.c).
 * Not for: protocol syntax or sequencing (smtp_session.c).
 */
#ifndef GOVMAIL_POLICY_H
#define GOVMAIL_POLICY_H

#include <stddef.h>

struct govmail_conf;
struct mime_check_result;
struct sign_check_result;

/* Answers from the directory, through struct policy_directory. */
enum policy_lookup { POLICY_LOOKUP_NO = 0, POLICY_LOOKUP_YES, POLICY_LOOKUP_TEMPFAIL };

/* What the policy needs to know about an account. */
struct policy_account {
	char uid[96];
	char mail[256];            /* primary address */
	char status[16];           /* active, suspended, disabled */
	int may_send_external;     /* account, else agencies up the tree, else default */
	char agency[72];           /* agency code, "" if none */
};

/* Who a sender is, for the signature rule (sign_rule.c). Fingerprints:
 * SHA-256 of DER. Release with policy_signer_clear. */
struct policy_signer {
	char **addresses;            /* primary address and aliases */
	size_t naddresses;
	unsigned char (*account_certs)[32];
	size_t naccount_certs;
	char agency[96];             /* agency code, or "" */
	unsigned char (*agency_certs)[32];
	size_t nagency_certs;
};

/* How the policy and the signature rule ask the directory (lookup.c; a
 * fake in unit tests). */
struct policy_directory {
	/* Is the domain governed (active or alias domain)? */
	enum policy_lookup (*domain)(void *arg, const char *domain);
	/* The account an address (primary or alias) or uid belongs to. */
	enum policy_lookup (*account)(void *arg, const char *key,
	    struct policy_account *out);
	void *arg;
	/* Who a sender is (out is set, possibly empty, unless TEMPFAIL);
	 * NULL: nobody is known (the sender's address alone is used). */
	enum policy_lookup (*signer)(void *arg, const char *sender,
	    struct policy_signer *out);
};

void policy_signer_clear(struct policy_signer *s);

enum policy_stage {
	POLICY_CONNECT,   /* client address known */
	POLICY_MAIL,      /* + sender, declared size */
	POLICY_RCPT,      /* + one recipient, count so far */
	POLICY_DATA,      /* + message size, header From:, MIME (and rq.sign, if set) */
	POLICY_SIGNATURE  /* the signature rule alone (rq.sign), once POLICY_DATA
	                     has accepted the message: the costly rule runs last */
};

enum policy_action { POLICY_ACCEPT, POLICY_REJECT, POLICY_TEMPFAIL };

struct policy_request {
	enum policy_stage stage;
	const char *client_addr;   /* effective (XCLIENT-given) address */
	const char *helo;
	const char *sender;        /* "" = null sender */
	const char *recipient;     /* POLICY_RCPT */
	size_t nrcpt;              /* recipients accepted so far */
	int outbound;              /* RCPT, DATA: one of them is outside the governed domains */
	long long size;            /* declared (MAIL) or actual (DATA); -1 unknown */
	const char *login;         /* authenticated user (AUTH or XCLIENT), or NULL */
	const struct policy_directory *dir;   /* NULL: configuration rules only */
	/* POLICY_DATA, authenticated senders: the header From: addresses, or
	 * why that header cannot be trusted (malformed, repeated ...). */
	const char *const *header_from;
	size_t nheader_from;
	const char *header_problem;
	/* POLICY_DATA: the attachment rule's findings (mime_check.c), or NULL. */
	const struct mime_check_result *mime;
	/* POLICY_DATA: the signature rule's findings (sign_check.c), or NULL
	 * when no requirement applies (or before they are known). */
	const struct sign_check_result *sign;
};

struct policy_verdict {
	enum policy_action action;
	int code;                  /* 250, 550, 451 ... */
	char enh[12];              /* "5.7.1" */
	char text[200];            /* reply text (ASCII) */
	const char *rule;          /* name for the log: "relay", "size", ... */
	int outside;               /* RCPT: this recipient is outside the governed
	                              domains (the session keeps rq.outbound) */
};

struct policy;

/* Build from configuration; NULL with a message in err if invalid. */
struct policy *policy_new(const struct govmail_conf *c, char *err, size_t errlen);
void policy_free(struct policy *p);

/* The decision for one request. Never fails: trouble is a tempfail. */
void policy_check(const struct policy *p, const struct policy_request *rq,
    struct policy_verdict *v);

/* Network lists, for the session's use of XCLIENT and logging. */
int policy_client_trusted(const struct policy *p, const char *addr);
int policy_xclient_allowed(const struct policy *p, const char *addr);

/* Is the address's domain governed (relay_domains or the directory)?
 * 1, 0, or -1 when the directory cannot answer now. */
int policy_address_governed(const struct policy *p, const struct policy_directory *dir,
    const char *addr);
/* A configured reply template (conf_keys.c checked it: at most one %s)
 * with arg in place of %s, into buf. */
void policy_reply_text(char *buf, size_t len, const char *tmpl, const char *arg);

/* "accept", "reject", "tempfail". */
const char *policy_action_name(enum policy_action a);

#endif
