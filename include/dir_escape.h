/*
 * dir_escape.h — escaping of values placed into LDAP search filters
 * (RFC 4515) and DNs (RFC 4514), done by libldap's own encoders. Every value
 * from a user, a CSV file or a mail message that ends up in a filter or a DN
 * goes through here; this module does not talk to a server.
 *
 * All returned strings are malloc'd (xmalloc) and freed with free().
 */
#ifndef GOVMAIL_DIR_ESCAPE_H
#define GOVMAIL_DIR_ESCAPE_H

/*
 * value with '*', '(', ')', '\' and every byte >= 0x80 written as \XX
 * (libldap uses upper-case hex; RFC 4515 allows either case), so it matches
 * itself literally inside a filter. NULL if value is NULL.
 */
char *dir_escape_filter(const char *value);

/*
 * value escaped for use as one attribute value in an RDN (RFC 4514):
 * leading '#' or space, trailing space and , + " \ < > ; = are escaped;
 * well-formed UTF-8 is kept as UTF-8. Returns NULL if value is NULL, is not
 * well-formed UTF-8, or contains a control character (U+0000..U+001F,
 * U+007F..U+009F): libldap would pass those through raw, and they have no
 * business in a DN. "" gives "".
 */
char *dir_escape_dn_value(const char *value);

/*
 * "attr=<escaped value>,parent" (no ",parent" if parent is NULL or "").
 * NULL if attr is not an attribute name or numeric OID, value is empty or
 * refused by dir_escape_dn_value, or parent is not a valid LDAPv3 DN.
 */
char *dir_make_rdn_dn(const char *attr, const char *value, const char *parent);

/*
 * Filter from a template where every %s argument is filter-escaped and %%
 * is a literal '%'; e.g. dir_filter_fmt("(|(mail=%s)(govmailAlias=%s))",
 * addr, addr). The template itself is trusted and not parsed: the result is
 * a valid filter if the template is one. Returns NULL on any other
 * directive (including a lone trailing '%') or a NULL %s argument.
 *
 * The printf format attribute is kept: it makes the compiler check that each
 * %s gets a char * and that the argument count matches. It does not know
 * that only %s and %% are allowed (a %d compiles and then yields NULL).
 */
char *dir_filter_fmt(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
