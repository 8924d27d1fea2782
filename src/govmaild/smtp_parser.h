/*
 * smtp_parser.h — tokenizer and validator for one SMTP command line
 * (RFC 5321 section 4.1, RFC 1869 parameters, XCLIENT/XFORWARD attributes).
 * Pure: no I/O, no allocation, no policy. Every field has a named maximum;
 * input longer than that is a syntax error, never truncated silently.
 * Not for: reading lines off the socket (smtp_io.c) or deciding what a
 * command means in the session (smtp_session.c).
 */
#ifndef GOVMAIL_SMTP_PARSER_H
#define GOVMAIL_SMTP_PARSER_H

#include <stddef.h>

/* RFC 5321 4.5.3.1: limits on the parts of a path. */
#define SMTP_LOCAL_PART_MAX 64
#define SMTP_DOMAIN_MAX 255
/* The whole address between < and > (RFC 5321 allows 256 with brackets). */
#define SMTP_ADDR_MAX 254
/* HELO/EHLO argument, VRFY/HELP text. */
#define SMTP_ARG_MAX 255
/* XCLIENT/XFORWARD: attributes per command, length of a decoded value. */
#define SMTP_XATTR_MAX 10
#define SMTP_XATTR_NAME_MAX 15
#define SMTP_XATTR_VALUE_MAX 255
/* ESMTP parameters per MAIL/RCPT command. */
#define SMTP_PARAMS_MAX 10

enum smtp_verb {
	SMTP_VERB_UNKNOWN = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_BDAT,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
	SMTP_VERB_XCLIENT,
	SMTP_VERB_XFORWARD
};

enum smtp_body { SMTP_BODY_NONE = 0, SMTP_BODY_7BIT, SMTP_BODY_8BITMIME };

struct smtp_xattr {
	char name[SMTP_XATTR_NAME_MAX + 1];   /* upper-cased */
	char value[SMTP_XATTR_VALUE_MAX + 1]; /* xtext-decoded, printable ASCII */
};

struct smtp_command {
	enum smtp_verb verb;
	/* HELO/EHLO domain, VRFY/EXPN/HELP/AUTH text (printable ASCII). */
	char arg[SMTP_ARG_MAX + 1];
	/* MAIL/RCPT: the mailbox without <> and source route; "" = <>. */
	char addr[SMTP_ADDR_MAX + 1];
	long long size;                /* MAIL SIZE=, or -1 when absent */
	enum smtp_body body;           /* MAIL BODY= */
	struct smtp_xattr xattr[SMTP_XATTR_MAX];
	size_t nxattr;
};

enum smtp_parse_status {
	SMTP_PARSE_OK = 0,
	SMTP_PARSE_UNKNOWN,        /* verb not recognised: 500 5.5.1 */
	SMTP_PARSE_SYNTAX,         /* bad arguments: 501 5.5.2 */
	SMTP_PARSE_BAD_SENDER,     /* bad reverse-path: 501 5.1.7 */
	SMTP_PARSE_BAD_RECIPIENT,  /* bad forward-path: 501 5.1.3 */
	SMTP_PARSE_PARAM,          /* unsupported ESMTP parameter: 555 5.5.4 */
	SMTP_PARSE_NEED_SMTPUTF8   /* non-ASCII address: 553 5.6.7 */
};

/*
 * Parse one command line (without its CRLF; may contain any byte, NUL
 * included). Fills cmd (verb is set even on argument errors, so the
 * caller can count and sequence them). On error *why points to a static
 * English explanation for the reply. Returns the status.
 */
enum smtp_parse_status smtp_parse_command(const char *line, size_t len,
    struct smtp_command *cmd, const char **why);

/* Name of a verb for logs ("MAIL"), "unknown" for SMTP_VERB_UNKNOWN. */
const char *smtp_verb_name(enum smtp_verb v);

/* Is s a syntactically valid domain (dot-separated LDH labels)? */
int smtp_parse_is_domain(const char *s, size_t len);

/* Encode value as xtext (RFC 3461) into dst; returns 0, or -1 if too long. */
int smtp_xtext_encode(const char *value, char *dst, size_t dstlen);

#endif
