/*
 * address_template.c — local parts from names via templates, collision
 * numbering, and validation of admin-typed addresses and domains (see
 * address_template.h). Everything here is ASCII; Unicode is handled
 * before, by name_fold.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "address_template.h"
#include "name_fold.h"

/* Expansion buffer: far above any acceptable local part, see below. */
#define ADDRESS_EXPAND_MAX 512
/* Folded name: ADDRESS_NAME_MAX characters, each at most "ss" + space. */
#define ADDRESS_FOLD_MAX (ADDRESS_NAME_MAX * 3 + 1)

enum address_token {
	ADDR_TOK_GIVEN,
	ADDR_TOK_SURNAME,
	ADDR_TOK_MIDDLE,
	ADDR_TOK_INITIALS,
	ADDR_TOK_S,
	ADDR_TOK_M,
	ADDR_TOK_G,
};

static const struct {
	const char *name;
	enum address_token tok;
} address_tokens[] = {
	{ "given", ADDR_TOK_GIVEN },
	{ "surname", ADDR_TOK_SURNAME },
	{ "middle", ADDR_TOK_MIDDLE },
	{ "initials", ADDR_TOK_INITIALS },
	{ "s", ADDR_TOK_S },
	{ "m", ADDR_TOK_M },
	{ "g", ADDR_TOK_G },
};

struct address_buf {
	char s[ADDRESS_EXPAND_MAX];
	size_t len;
	int overflow;
};

static int address_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Format an error message into err (if there is room) and return -1. */
static int
address_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Describe byte c for a message: "'*'", "a space" or "byte 0x1B". */
static const char *
address_show_byte(unsigned char c, char *buf, size_t buflen)
{
	if (c == ' ')
		snprintf(buf, buflen, "a space");
	else if (c > 0x20 && c < 0x7F)
		snprintf(buf, buflen, "'%c'", c);
	else
		snprintf(buf, buflen, "byte 0x%02X", c);
	return buf;
}

static void
address_buf_add(struct address_buf *b, const char *s, size_t n)
{
	if (b->overflow || n >= sizeof(b->s) - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

static void
address_buf_initial(struct address_buf *b, const char *word)
{
	if (word[0] != '\0')
		address_buf_add(b, word, 1);
}

static void
address_expand(struct address_buf *b, enum address_token tok,
    const struct name_parts *np)
{
	size_t i;

	switch (tok) {
	case ADDR_TOK_GIVEN:
		address_buf_add(b, np->given, strlen(np->given));
		break;
	case ADDR_TOK_SURNAME:
		address_buf_add(b, np->surname, strlen(np->surname));
		break;
	case ADDR_TOK_MIDDLE:
		for (i = 0; i < np->nmiddle; i++)
			address_buf_add(b, np->middle[i], strlen(np->middle[i]));
		break;
	case ADDR_TOK_INITIALS:
		address_buf_initial(b, np->surname);
		for (i = 0; i < np->nmiddle; i++)
			address_buf_initial(b, np->middle[i]);
		break;
	case ADDR_TOK_S:
		address_buf_initial(b, np->surname);
		break;
	case ADDR_TOK_M:
		for (i = 0; i < np->nmiddle; i++)
			address_buf_initial(b, np->middle[i]);
		break;
	case ADDR_TOK_G:
		address_buf_initial(b, np->given);
		break;
	}
}

static int
address_is_literal(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	    c == '-' || c == '_';
}

/*
 * Parse tmpl; with np set, also expand it into b. Positions in messages
 * are 1-based bytes. Returns 0, or -1 with a message in err.
 */
static int
address_template_walk(const char *tmpl, const struct name_parts *np,
    struct address_buf *b, char *err, size_t errlen)
{
	char shown[ADDRESS_TEMPLATE_MAX + 3], cbuf[16];
	size_t i, j, k, tlen, ntok = 0, nlen;
	int found;

	if (tmpl == NULL || *tmpl == '\0')
		return address_err(err, errlen, "template is empty");
	if ((tlen = strlen(tmpl)) > ADDRESS_TEMPLATE_MAX)
		return address_err(err, errlen, "template is longer than %d "
		    "characters", ADDRESS_TEMPLATE_MAX);
	for (i = 0; i < tlen; i++) {
		if (tmpl[i] == '}')
			return address_err(err, errlen, "template has '}' "
			    "without '{' at position %zu", i + 1);
		if (tmpl[i] != '{') {
			if (!address_is_literal(tmpl[i]))
				return address_err(err, errlen, "template "
				    "contains %s at position %zu; only a-z 0-9 "
				    ". - _ and tokens are allowed",
				    address_show_byte((unsigned char)tmpl[i],
				    cbuf, sizeof(cbuf)), i + 1);
			if (np != NULL)
				address_buf_add(b, tmpl + i, 1);
			continue;
		}
		for (j = i + 1; j < tlen && tmpl[j] != '}' && tmpl[j] != '{'; j++)
			;
		if (j == tlen || tmpl[j] == '{')
			return address_err(err, errlen, "template has an "
			    "unclosed '{' at position %zu", i + 1);
		nlen = j - i - 1;
		found = 0;
		for (k = 0; k < sizeof(address_tokens) /
		    sizeof(address_tokens[0]); k++) {
			if (strlen(address_tokens[k].name) == nlen &&
			    memcmp(address_tokens[k].name, tmpl + i + 1,
			    nlen) == 0) {
				found = 1;
				break;
			}
		}
		if (!found) {
			/* Echo the token with anything unprintable masked. */
			for (k = 0; k <= nlen + 1; k++)
				shown[k] = (tmpl[i + k] > 0x20 &&
				    tmpl[i + k] < 0x7F) ? tmpl[i + k] : '?';
			shown[k] = '\0';
			return address_err(err, errlen, "template has an unknown "
			    "token %s at position %zu; known tokens: {given} "
			    "{surname} {middle} {initials} {s} {m} {g}", shown,
			    i + 1);
		}
		ntok++;
		if (np != NULL)
			address_expand(b, address_tokens[k].tok, np);
		i = j;
	}
	if (ntok == 0)
		return address_err(err, errlen, "template has no name token "
		    "such as {given}");
	return 0;
}

int
address_template_check(const char *tmpl, char *err, size_t errlen)
{
	return address_template_walk(tmpl, NULL, NULL, err, errlen);
}

static int
address_is_separator(char c)
{
	return c == '.' || c == '-' || c == '_';
}

int
address_local_from_name(const char *tmpl, const char *fullname,
    char *out, size_t outlen, char *err, size_t errlen)
{
	char folded[ADDRESS_FOLD_MAX];
	struct name_parts np;
	struct address_buf b;
	size_t i, n = 0, nwords = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (tmpl == NULL)
		tmpl = ADDRESS_DEFAULT_TEMPLATE;
	if (address_template_check(tmpl, err, errlen) != 0 ||
	    name_check(fullname, ADDRESS_NAME_MAX, err, errlen) != 0)
		return -1;
	if (name_fold_ascii(fullname, folded, sizeof(folded)) != 0)
		return address_err(err, errlen, "name is too long");
	for (i = 0; folded[i] != '\0'; i++)
		if (i == 0 || folded[i - 1] == ' ')
			nwords++;
	if (nwords == 0)
		return address_err(err, errlen, "name has no letters that can "
		    "be written in ASCII");
	if (nwords > NAME_WORDS_MAX)
		return address_err(err, errlen, "name has more than %d words",
		    NAME_WORDS_MAX);
	if (name_split(folded, &np) != 0)
		return address_err(err, errlen, "name has a word longer than %d "
		    "letters", NAME_PART_MAX - 1);

	memset(&b, 0, sizeof(b));
	if (address_template_walk(tmpl, &np, &b, err, errlen) != 0)
		return -1;
	/* Collapse runs of one separator, drop separators at both ends. */
	for (i = 0; i < b.len && !b.overflow; i++) {
		if (address_is_separator(b.s[i]) &&
		    (n == 0 || b.s[n - 1] == b.s[i]))
			continue;
		b.s[n++] = b.s[i];
	}
	while (n > 0 && address_is_separator(b.s[n - 1]))
		n--;
	if (b.overflow || n > ADDRESS_GENERATED_MAX)
		return address_err(err, errlen, "the address for this name "
		    "would be longer than %d characters; give one explicitly",
		    ADDRESS_GENERATED_MAX);
	if (n == 0)
		return address_err(err, errlen, "the template gives an empty "
		    "address for this name");
	if (n >= outlen)
		return address_err(err, errlen, "output buffer too small");
	memcpy(out, b.s, n);
	out[n] = '\0';
	return 0;
}

int
address_candidate(const char *local, unsigned n, char *out, size_t outlen)
{
	int len;

	if (outlen > 0)
		out[0] = '\0';
	if (n == 0 || local == NULL || *local == '\0' || outlen == 0)
		return -1;
	if (n == 1)
		len = snprintf(out, outlen, "%s", local);
	else
		len = snprintf(out, outlen, "%s%u", local, n);
	if (len < 0 || (size_t)len >= outlen || len > ADDRESS_LOCAL_MAX) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
address_domain_check(const char *domain, char *err, size_t errlen)
{
	char cbuf[16];
	size_t i, len, label = 0, start = 0;
	int digits_only = 1;

	if (domain == NULL || *domain == '\0')
		return address_err(err, errlen, "domain is empty");
	len = strlen(domain);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)domain[i];

		if (c >= 'A' && c <= 'Z')
			return address_err(err, errlen, "domain contains an "
			    "uppercase letter at position %zu; use lowercase",
			    i + 1);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.'))
			return address_err(err, errlen, "domain contains %s at "
			    "position %zu; only a-z 0-9 - and . are allowed",
			    address_show_byte(c, cbuf, sizeof(cbuf)), i + 1);
	}
	if (len > ADDRESS_DOMAIN_MAX)
		return address_err(err, errlen, "domain is longer than %d "
		    "characters", ADDRESS_DOMAIN_MAX);
	for (i = 0; i <= len; i++) {
		if (i < len && domain[i] != '.') {
			if (domain[i] < '0' || domain[i] > '9')
				digits_only = 0;
			label++;
			continue;
		}
		if (label == 0)
			return address_err(err, errlen, "domain has an empty "
			    "label at position %zu (leading, trailing or "
			    "double '.')", i + 1);
		if (label > 63)
			return address_err(err, errlen, "domain label at "
			    "position %zu is longer than 63 characters",
			    start + 1);
		if (domain[start] == '-' || domain[i - 1] == '-')
			return address_err(err, errlen, "domain label at "
			    "position %zu starts or ends with '-'", start + 1);
		if (i == len && digits_only)
			return address_err(err, errlen, "domain must not end "
			    "with an all-numeric label");
		label = 0;
		start = i + 1;
		digits_only = 1;
	}
	return 0;
}

int
address_check(const char *addr, char *err, size_t errlen)
{
	char cbuf[16];
	const char *at = NULL;
	size_t i, len, llen;

	if (addr == NULL || *addr == '\0')
		return address_err(err, errlen, "address is empty");
	len = strlen(addr);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];

		if (c >= 'A' && c <= 'Z')
			return address_err(err, errlen, "address contains an "
			    "uppercase letter at position %zu; use lowercase",
			    i + 1);
		if (c == '@') {
			if (at != NULL)
				return address_err(err, errlen, "address "
				    "contains more than one '@'");
			at = addr + i;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_' || c == '+'))
			return address_err(err, errlen, "address contains %s at "
			    "position %zu; only a-z 0-9 . _ - + and one '@' are "
			    "allowed", address_show_byte(c, cbuf, sizeof(cbuf)),
			    i + 1);
	}
	if (at == NULL)
		return address_err(err, errlen, "address has no '@'");
	if (len > ADDRESS_MAX)
		return address_err(err, errlen, "address is longer than %d "
		    "characters", ADDRESS_MAX);
	if ((llen = (size_t)(at - addr)) == 0)
		return address_err(err, errlen, "address has an empty local "
		    "part (nothing before '@')");
	if (llen > ADDRESS_LOCAL_MAX)
		return address_err(err, errlen, "local part is longer than %d "
		    "characters", ADDRESS_LOCAL_MAX);
	if (addr[0] == '.' || at[-1] == '.')
		return address_err(err, errlen, "local part must not start or "
		    "end with '.'");
	for (i = 1; i < llen; i++)
		if (addr[i] == '.' && addr[i - 1] == '.')
			return address_err(err, errlen, "local part must not "
			    "contain '..'");
	if (at[1] == '\0')
		return address_err(err, errlen, "address has an empty domain "
		    "(nothing after '@')");
	return address_domain_check(at + 1, err, errlen);
}
