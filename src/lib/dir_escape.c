/*
 * dir_escape.c — LDAP filter and DN escaping (see dir_escape.h). The actual
 * encoding is libldap's (ldap_bv2escaped_filter_value, ldap_rdn2str), so
 * govmail escapes exactly as the library that parses the result expects;
 * this file adds input checks and copies results into malloc'd strings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "dir_escape.h"
#include "utf8.h"
#include "xmalloc.h"

#define DIR_ATTR_MAX 128	/* longest attribute name / OID accepted */

char *
dir_escape_filter(const char *value)
{
	struct berval in, out = { 0, NULL };
	char *res;

	if (value == NULL)
		return NULL;
	if (*value == '\0')
		return xstrdup("");	/* libldap returns no buffer for "" */
	in.bv_val = (char *)value;
	in.bv_len = strlen(value);
	if (ldap_bv2escaped_filter_value(&in, &out) != 0 || out.bv_val == NULL)
		return NULL;
	res = xstrdup(out.bv_val);
	ber_memfree(out.bv_val);
	return res;
}

/*
 * 1 if s is well-formed UTF-8 without control characters (C0, DEL, C1),
 * else 0. Overlongs, surrogates and code points above U+10FFFF are refused.
 */
static int
dir_escape_text_ok(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len;
	uint32_t c;

	while (n > 0) {
		if ((len = utf8_seq(s, n, &c)) == 0 || c < 0x20 || c == 0x7F ||
		    (c >= 0x80 && c <= 0x9F))
			return 0;
		s += len;
		n -= len;
	}
	return 1;
}

char *
dir_escape_dn_value(const char *value)
{
	LDAPAVA ava;
	LDAPAVA *rdn[2] = { &ava, NULL };
	char *str = NULL, *res;

	if (value == NULL || !dir_escape_text_ok(value))
		return NULL;
	/* Let libldap write "x=<value>" and keep what follows "x=". */
	memset(&ava, 0, sizeof(ava));
	ava.la_attr.bv_val = (char *)"x";
	ava.la_attr.bv_len = 1;
	ava.la_value.bv_val = (char *)value;
	ava.la_value.bv_len = strlen(value);
	ava.la_flags = LDAP_AVA_STRING;
	if (ldap_rdn2str(rdn, &str, LDAP_DN_FORMAT_LDAPV3 | LDAP_DN_PRETTY) !=
	    LDAP_SUCCESS || str == NULL)
		return NULL;
	if (strncmp(str, "x=", 2) != 0) {
		ldap_memfree(str);
		return NULL;
	}
	res = xstrdup(str + 2);
	ldap_memfree(str);
	return res;
}

/* 1 if a is a descriptor (ALPHA *(ALPHA / DIGIT / '-')) or numeric OID. */
static int
dir_attr_ok(const char *a)
{
	size_t i, n = strlen(a);
	int lead = 1;

	if (n == 0 || n > DIR_ATTR_MAX)
		return 0;
	if ((a[0] >= 'A' && a[0] <= 'Z') || (a[0] >= 'a' && a[0] <= 'z')) {
		for (i = 1; i < n; i++)
			if (!((a[i] >= 'A' && a[i] <= 'Z') ||
			    (a[i] >= 'a' && a[i] <= 'z') ||
			    (a[i] >= '0' && a[i] <= '9') || a[i] == '-'))
				return 0;
		return 1;
	}
	/* numericoid: number 1*("." number), no leading zeros. */
	for (i = 0; i < n; i++) {
		if (a[i] == '.') {
			if (lead || i + 1 == n)
				return 0;
			lead = 1;
		} else if (a[i] >= '0' && a[i] <= '9') {
			if (!lead && a[i - 1] == '0' &&
			    (i < 2 || a[i - 2] == '.'))
				return 0;
			lead = 0;
		} else
			return 0;
	}
	return strchr(a, '.') != NULL;
}

char *
dir_make_rdn_dn(const char *attr, const char *value, const char *parent)
{
	LDAPDN dn = NULL;
	char *ev, *res;

	if (attr == NULL || !dir_attr_ok(attr) || value == NULL ||
	    *value == '\0')
		return NULL;
	if (parent != NULL && *parent != '\0') {
		if (ldap_str2dn(parent, &dn, LDAP_DN_FORMAT_LDAPV3) !=
		    LDAP_SUCCESS)
			return NULL;
		ldap_dnfree(dn);
	}
	if ((ev = dir_escape_dn_value(value)) == NULL)
		return NULL;
	if (parent != NULL && *parent != '\0')
		res = xasprintf("%s=%s,%s", attr, ev, parent);
	else
		res = xasprintf("%s=%s", attr, ev);
	free(ev);
	return res;
}

/* Append n bytes of s to the growing buffer *buf (length *len, size *cap). */
static void
dir_buf_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap *= 2;
		*buf = xreallocarray(*buf, *cap, 1);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

char *
dir_filter_fmt(const char *fmt, ...)
{
	va_list ap;
	const char *p, *arg;
	char *buf, *esc;
	size_t len = 0, cap = 64;

	if (fmt == NULL)
		return NULL;
	buf = xmalloc(cap);
	buf[0] = '\0';
	va_start(ap, fmt);
	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			dir_buf_add(&buf, &len, &cap, p, 1);
			continue;
		}
		p++;
		if (*p == '%') {
			dir_buf_add(&buf, &len, &cap, "%", 1);
		} else if (*p == 's') {
			arg = va_arg(ap, const char *);
			if ((esc = dir_escape_filter(arg)) == NULL)
				goto fail;
			dir_buf_add(&buf, &len, &cap, esc, strlen(esc));
			free(esc);
		} else
			goto fail;	/* also a lone '%' at the end */
	}
	va_end(ap);
	return buf;
fail:
	va_end(ap);
	free(buf);
	return NULL;
}
