/*
 * auth_ldap.h — checking SMTP AUTH credentials against the directory:
 * find the account by address, alias or uid (as govmaild's own LDAP
 * identity), then bind as it with the password. slapd refuses the bind of
 * a suspended or disabled account, and the account's status is checked
 * here as well. Not for: the SASL dialogue (smtp_auth_proto.c, smtp_auth.c).
 */
#ifndef GOVMAIL_AUTH_LDAP_H
#define GOVMAIL_AUTH_LDAP_H

#include <stddef.h>

struct govmail_conf;

enum auth_result {
	AUTH_OK,          /* 235 */
	AUTH_DENIED,      /* 535 5.7.8: unknown user, wrong password, not active */
	AUTH_TEMPFAIL     /* 454 4.7.0: directory unavailable */
};

/*
 * Check login/password with the directory configured in c (ldap { }).
 * On AUTH_OK, account gets the account's primary address. why always gets
 * a reason for the log (never the password).
 */
enum auth_result auth_ldap_check(const struct govmail_conf *c, const char *login,
    const char *password, char *account, size_t alen, char *why, size_t whylen);

#endif
