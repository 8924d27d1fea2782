/*
 * auth_results.c — writing the Authentication-Results field (RFC 8601)
 * with govmaild's authserv-id, and recognising incoming ones that claim
 * that id so they can be removed. See auth_results.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "xmalloc.h"

#include "auth_results.h"

struct auth_results {
	char *id;
	struct strbuf res[AR_MAX_RESULTS];
	size_t nres;
};

int
auth_results_valid_id(const char *s)
{
	size_t i, n = strlen(s), label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

struct auth_results *
auth_results_new(const char *authserv_id)
{
	struct auth_results *a;

	if (authserv_id == NULL || !auth_results_valid_id(authserv_id))
		return NULL;
	a = xcalloc(1, sizeof(*a));
	a->id = xstrdup(authserv_id);
	return a;
}

void
auth_results_free(struct auth_results *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nres; i++)
		free(a->res[i].p);
	free(a->id);
	free(a);
}

/* RFC 2045 token characters (the method, result and property names are
 * ours, but checked all the same so a caller's mistake cannot break the
 * field). */
static int
is_token_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static void
ab_token(struct strbuf *b, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n < 64; s++, n++)
		strbuf_add(b, is_token_char((unsigned char)*s) ? s : "_", 1);
}

/* A value: as is when it is a token, or local-part@domain made of token
 * characters (RFC 8601 §2.2 pvalue); else a quoted string. */
static void
ab_value(struct strbuf *b, const char *v)
{
	size_t n = strnlen(v, AR_VALUE_MAX), i, at = 0;
	int plain = n > 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '@' && at++ == 0 && i > 0 && i + 1 < n)
			continue;
		if (!is_token_char(c))
			plain = 0;
	}
	if (plain && at <= 1) {
		strbuf_add(b, v, n);
		return;
	}
	strbuf_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '"' || c == '\\')
			strbuf_add(b, "\\", 1);
		if (c < ' ' || c == 0x7f)
			strbuf_add(b, "?", 1);
		else
			strbuf_add(b, v + i, 1);
	}
	strbuf_add(b, "\"", 1);
}

void
auth_results_add(struct auth_results *a, const char *method,
    const char *result, const char *comment, const struct ar_prop *props, size_t n)
{
	struct strbuf *b;
	size_t i;

	if (a->nres == AR_MAX_RESULTS)
		return;
	b = &a->res[a->nres++];
	ab_token(b, method);
	strbuf_str(b, "=");
	ab_token(b, result);
	if (comment != NULL && *comment != '\0') {
		size_t k;

		strbuf_str(b, " (");
		for (k = 0; comment[k] != '\0' && k < AR_VALUE_MAX; k++) {
			unsigned char c = (unsigned char)comment[k];

			if (c == '(' || c == ')' || c == '\\' || c < ' ' || c == 0x7f)
				continue;
			strbuf_add(b, comment + k, 1);
		}
		strbuf_str(b, ")");
	}
	for (i = 0; i < n; i++) {
		if (props[i].value == NULL || props[i].value[0] == '\0')
			continue;
		strbuf_str(b, " ");
		ab_token(b, props[i].ptype);
		strbuf_str(b, ".");
		ab_token(b, props[i].name);
		strbuf_str(b, "=");
		ab_value(b, props[i].value);
	}
}

char *
auth_results_field(const struct auth_results *a)
{
	struct strbuf b = { NULL, 0, 0 };
	size_t i;

	strbuf_str(&b, "Authentication-Results: ");
	strbuf_str(&b, a->id);
	strbuf_str(&b, ";");
	if (a->nres == 0)
		strbuf_str(&b, " none");
	for (i = 0; i < a->nres; i++) {
		strbuf_str(&b, "\r\n\t");
		strbuf_add(&b, a->res[i].p, a->res[i].n);
		if (i + 1 < a->nres)
			strbuf_str(&b, ";");
	}
	strbuf_str(&b, "\r\n");
	return b.p;
}

/* Skip folding whitespace and comments (nested, depth bounded). */
static size_t
skip_cfws(const char *p, size_t i, size_t len)
{
	int depth = 0;

	while (i < len) {
		char c = p[i];

		if (depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(' && depth < 32)
				depth++;
			else if (c == ')')
				depth--;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			i++;
		else if (c == '(') {
			depth = 1;
			i++;
		} else
			break;
	}
	return i;
}

int
auth_results_is_ours(const char *field, size_t len, const char *authserv_id)
{
	static const char name[] = "authentication-results";
	size_t nl = sizeof(name) - 1, i, start, idlen = strlen(authserv_id);

	if (len < nl || strncasecmp(field, name, nl) != 0)
		return 0;
	i = nl;
	while (i < len && (field[i] == ' ' || field[i] == '\t'))
		i++;
	if (i == len || field[i] != ':')
		return 0;
	i = skip_cfws(field, i + 1, len);
	start = i;
	while (i < len && field[i] != ';' && field[i] != '(' && field[i] != ' ' &&
	    field[i] != '\t' && field[i] != '\r' && field[i] != '\n')
		i++;
	return i - start == idlen && idlen > 0 &&
	    strncasecmp(field + start, authserv_id, idlen) == 0;
}
