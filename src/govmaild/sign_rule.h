/*
 * sign_rule.h — applying the signature rule to one message in a session:
 * which requirement applies (direction internal/outbound/inbound from the
 * governed domains, overridden per agency of the sender), who the sender
 * is (addresses and certificates of the account and its agency, asked
 * through the policy's directory interface, so a fake can answer), the
 * check of the parsed message (sign_check.c), and the result header
 * fields to add. Not for: the verdict (policy.c) or the
 * SMTP replies and log lines (smtp_eod_checks.c).
 */
#ifndef GOVMAIL_SIGN_RULE_H
#define GOVMAIL_SIGN_RULE_H

#include <stddef.h>

struct daemon_conf;
struct policy_directory;
struct mime_tree;
struct sign_check_result;

enum sign_rule_status {
	SIGN_RULE_OFF = 0,        /* no requirement for this message */
	SIGN_RULE_CHECKED,        /* res filled */
	SIGN_RULE_DIR_TEMPFAIL    /* the directory could not answer */
};

/* Run the rule for a message from sender to rcpts, parsed in tree;
 * *direction is "internal", "outbound" or "inbound" for the log. */
enum sign_rule_status sign_rule_run(const struct daemon_conf *dc, const char *sender,
    char *const *rcpts, size_t nrcpts, const struct policy_directory *pdir,
    const struct mime_tree *tree, struct sign_check_result *res, const char **direction);

/* The header fields "NAME: value\r\n" (NAME: signature.header) for every
 * checked document, in signature.language (ASCII, folded; RFC 2231 for
 * names and reasons with diacritics unless signature.ascii_fallback), as
 * one new string of *len bytes. */
struct govmail_conf;
char *sign_rule_headers(const struct govmail_conf *c, const struct sign_check_result *res,
    size_t *len);

#endif
