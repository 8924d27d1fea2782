/*
 * smtp_parser.c — one SMTP command line into a struct smtp_command
 * (see smtp_parser.h). Strict where smuggling or log injection could
 * hide (control bytes, 8-bit bytes, paths, parameters), lenient only where
 * RFC 5321 asks for it (case of verbs, spaces after "FROM:", source routes).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp_parser.h"

static const struct {
	const char *name;
	enum smtp_verb verb;
} smtp_verbs[] = {
	{ "HELO", SMTP_VERB_HELO }, { "EHLO", SMTP_VERB_EHLO },
	{ "MAIL", SMTP_VERB_MAIL }, { "RCPT", SMTP_VERB_RCPT },
	{ "DATA", SMTP_VERB_DATA }, { "RSET", SMTP_VERB_RSET },
	{ "NOOP", SMTP_VERB_NOOP }, { "QUIT", SMTP_VERB_QUIT },
	{ "VRFY", SMTP_VERB_VRFY }, { "EXPN", SMTP_VERB_EXPN },
	{ "HELP", SMTP_VERB_HELP }, { "BDAT", SMTP_VERB_BDAT },
	{ "STARTTLS", SMTP_VERB_STARTTLS }, { "AUTH", SMTP_VERB_AUTH },
	{ "XCLIENT", SMTP_VERB_XCLIENT }, { "XFORWARD", SMTP_VERB_XFORWARD },
};

const char *
smtp_verb_name(enum smtp_verb v)
{
	size_t i;

	for (i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++)
		if (smtp_verbs[i].verb == v)
			return smtp_verbs[i].name;
	return "unknown";
}

static int
smtp_is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
smtp_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 5322 atext. */
static int
smtp_is_atext(int c)
{
	return smtp_is_alpha(c) || smtp_is_digit(c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

int
smtp_parse_is_domain(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!smtp_is_alpha(c) && !smtp_is_digit(c) && c != '-')
			return 0;
		if (label == 0 && c == '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[len - 1] != '-';
}

/* "[1.2.3.4]" or "[IPv6:...]"; len includes the brackets. */
static int
smtp_is_address_literal(const char *s, size_t len)
{
	char buf[64];
	unsigned char bin[16];

	if (len < 3 || s[0] != '[' || s[len - 1] != ']' || len - 2 >= sizeof(buf))
		return 0;
	memcpy(buf, s + 1, len - 2);
	buf[len - 2] = '\0';
	if (strncasecmp(buf, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, buf + 5, bin) == 1;
	return inet_pton(AF_INET, buf, bin) == 1;
}

/* A domain or an address literal, [s, s+len). */
static int
smtp_is_domain_or_literal(const char *s, size_t len)
{
	if (len > 0 && s[0] == '[')
		return smtp_is_address_literal(s, len);
	return smtp_parse_is_domain(s, len);
}

/* Length of the domain/literal starting at p (stops at '>', ',', ':'). */
static size_t
smtp_span_domain(const char *p, const char *end)
{
	const char *q = p;

	if (q < end && *q == '[') {
		while (q < end && *q != ']')
			q++;
		return q < end ? (size_t)(q - p + 1) : (size_t)(end - p);
	}
	while (q < end && *q != '>' && *q != ',' && *q != ':' && *q != ' ')
		q++;
	return (size_t)(q - p);
}

/* Local part at p: dot-string or quoted-string. Returns its length or 0. */
static size_t
smtp_span_local_part(const char *p, const char *end)
{
	const char *q = p;

	if (q < end && *q == '"') {
		q++;
		while (q < end && *q != '"') {
			int c = (unsigned char)*q;

			if (c == '\\') {
				if (q + 1 >= end || (unsigned char)q[1] < 32 ||
				    (unsigned char)q[1] > 126)
					return 0;
				q += 2;
				continue;
			}
			if (c < 32 || c > 126)
				return 0;
			q++;
		}
		if (q >= end)
			return 0;
		return (size_t)(q + 1 - p);
	}
	for (;;) {
		const char *atom = q;

		while (q < end && smtp_is_atext((unsigned char)*q))
			q++;
		if (q == atom)
			return 0;
		if (q < end && *q == '.') {
			q++;
			continue;
		}
		return (size_t)(q - p);
	}
}

/*
 * Path "<...>" at *pp. mail: the null path <> is allowed; rcpt: a bare
 * <postmaster> is allowed. Copies the mailbox into out and advances *pp.
 */
static int
smtp_parse_path(const char **pp, const char *end, int mail, char *out,
    const char **why)
{
	const char *p = *pp, *local;
	size_t n, lp, dl;

	if (p >= end || *p != '<') {
		*why = "address must be enclosed in <>";
		return -1;
	}
	p++;
	if (mail && p < end && *p == '>') {
		out[0] = '\0';
		*pp = p + 1;
		return 0;
	}
	/* Source route "@a,@b:" — accepted and ignored (RFC 5321 C). */
	if (p < end && *p == '@') {
		for (;;) {
			p++;
			n = smtp_span_domain(p, end);
			if (!smtp_is_domain_or_literal(p, n)) {
				*why = "bad source route";
				return -1;
			}
			p += n;
			if (p < end && *p == ',' && p + 1 < end && p[1] == '@') {
				p++;
				continue;
			}
			if (p < end && *p == ':') {
				p++;
				break;
			}
			*why = "bad source route";
			return -1;
		}
	}
	local = p;
	lp = smtp_span_local_part(p, end);
	if (lp == 0) {
		*why = "bad local part";
		return -1;
	}
	p += lp;
	if (!mail && p < end && *p == '>' && lp == 10 &&
	    strncasecmp(local, "postmaster", 10) == 0) {
		memcpy(out, local, lp);
		out[lp] = '\0';
		*pp = p + 1;
		return 0;
	}
	if (lp > SMTP_LOCAL_PART_MAX) {
		*why = "local part longer than 64 characters";
		return -1;
	}
	if (p >= end || *p != '@') {
		*why = "address must have a domain";
		return -1;
	}
	p++;
	dl = smtp_span_domain(p, end);
	if (!smtp_is_domain_or_literal(p, dl)) {
		*why = "bad domain";
		return -1;
	}
	p += dl;
	if (p >= end || *p != '>') {
		*why = "address must be enclosed in <>";
		return -1;
	}
	if (lp + 1 + dl > SMTP_ADDR_MAX) {
		*why = "address too long";
		return -1;
	}
	memcpy(out, local, lp + 1 + dl);
	out[lp + 1 + dl] = '\0';
	*pp = p + 1;
	return 0;
}

/* Value of an upper-case hex digit, or -1. */
static int
smtp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode RFC 3461 xtext [p, p+len) into out; -1 if malformed or unprintable. */
static int
smtp_xtext_decode(const char *p, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)p[i];

		if (c == '+') {
			int hi, lo;

			if (len - i < 3)
				return -1;
			hi = smtp_hexval(p[i + 1]);
			lo = smtp_hexval(p[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return -1;
		}
		if (c < 32 || c > 126 || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int
smtp_xtext_encode(const char *value, char *dst, size_t dstlen)
{
	size_t o = 0;
	const unsigned char *s = (const unsigned char *)value;

	for (; *s != '\0'; s++) {
		if (*s >= 33 && *s <= 126 && *s != '+' && *s != '=') {
			if (o + 1 >= dstlen)
				return -1;
			dst[o++] = (char)*s;
		} else {
			if (o + 3 >= dstlen)
				return -1;
			snprintf(dst + o, 4, "+%02X", *s);
			o += 3;
		}
	}
	if (dstlen == 0)
		return -1;
	dst[o] = '\0';
	return 0;
}

/* XCLIENT/XFORWARD "NAME=value NAME=value ..." */
static enum smtp_parse_status
smtp_parse_xattrs(const char *p, const char *end, struct smtp_command *cmd,
    const char **why)
{
	while (p < end) {
		const char *name = p, *eq, *val;
		size_t nl;
		struct smtp_xattr *x;

		while (p < end && *p != ' ')
			p++;
		eq = memchr(name, '=', (size_t)(p - name));
		if (eq == NULL || eq == name) {
			*why = "attribute must be NAME=value";
			return SMTP_PARSE_SYNTAX;
		}
		nl = (size_t)(eq - name);
		if (nl > SMTP_XATTR_NAME_MAX) {
			*why = "attribute name too long";
			return SMTP_PARSE_SYNTAX;
		}
		if (cmd->nxattr >= SMTP_XATTR_MAX) {
			*why = "too many attributes";
			return SMTP_PARSE_SYNTAX;
		}
		x = &cmd->xattr[cmd->nxattr];
		for (size_t i = 0; i < nl; i++) {
			int c = (unsigned char)name[i];

			if (!smtp_is_alpha(c)) {
				*why = "bad attribute name";
				return SMTP_PARSE_SYNTAX;
			}
			x->name[i] = (char)(c >= 'a' ? c - 32 : c);
		}
		x->name[nl] = '\0';
		val = eq + 1;
		if (smtp_xtext_decode(val, (size_t)(p - val), x->value,
		    sizeof(x->value)) != 0) {
			*why = "bad attribute value";
			return SMTP_PARSE_SYNTAX;
		}
		cmd->nxattr++;
		while (p < end && *p == ' ')
			p++;
	}
	if (cmd->nxattr == 0) {
		*why = "attributes expected";
		return SMTP_PARSE_SYNTAX;
	}
	return SMTP_PARSE_OK;
}

/* ESMTP parameters after a MAIL or RCPT path. */
static enum smtp_parse_status
smtp_parse_params(const char *p, const char *end, struct smtp_command *cmd,
    const char **why)
{
	int nparams = 0, seen_size = 0, seen_body = 0;

	while (p < end) {
		const char *kw, *val = NULL;
		size_t kl, vl = 0;

		if (*p != ' ') {
			*why = "parameters must be separated by spaces";
			return SMTP_PARSE_SYNTAX;
		}
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		if (++nparams > SMTP_PARAMS_MAX) {
			*why = "too many parameters";
			return SMTP_PARSE_SYNTAX;
		}
		kw = p;
		if (!smtp_is_alpha((unsigned char)*p) && !smtp_is_digit((unsigned char)*p)) {
			*why = "bad parameter keyword";
			return SMTP_PARSE_SYNTAX;
		}
		while (p < end && (smtp_is_alpha((unsigned char)*p) ||
		    smtp_is_digit((unsigned char)*p) || *p == '-'))
			p++;
		kl = (size_t)(p - kw);
		if (p < end && *p == '=') {
			val = ++p;
			while (p < end && *p != ' ' && *p != '=')
				p++;
			vl = (size_t)(p - val);
			if (vl == 0 || (p < end && *p == '=')) {
				*why = "bad parameter value";
				return SMTP_PARSE_SYNTAX;
			}
		} else if (p < end && *p != ' ') {
			*why = "bad parameter keyword";
			return SMTP_PARSE_SYNTAX;
		}
		if (cmd->verb == SMTP_VERB_RCPT) {
			*why = "RCPT parameters are not supported";
			return SMTP_PARSE_PARAM;
		}
		if (kl == 4 && strncasecmp(kw, "SIZE", 4) == 0) {
			long long v = 0;
			size_t i;

			if (seen_size++ || val == NULL || vl > 19) {
				*why = "bad SIZE parameter";
				return SMTP_PARSE_SYNTAX;
			}
			for (i = 0; i < vl; i++) {
				if (!smtp_is_digit((unsigned char)val[i])) {
					*why = "bad SIZE parameter";
					return SMTP_PARSE_SYNTAX;
				}
				v = v * 10 + (val[i] - '0');
			}
			cmd->size = v;
		} else if (kl == 4 && strncasecmp(kw, "BODY", 4) == 0) {
			if (seen_body++ || val == NULL) {
				*why = "bad BODY parameter";
				return SMTP_PARSE_SYNTAX;
			}
			if (vl == 4 && strncasecmp(val, "7BIT", 4) == 0)
				cmd->body = SMTP_BODY_7BIT;
			else if (vl == 8 && strncasecmp(val, "8BITMIME", 8) == 0)
				cmd->body = SMTP_BODY_8BITMIME;
			else {
				*why = "unsupported BODY type";
				return SMTP_PARSE_PARAM;
			}
		} else if (kl == 8 && strncasecmp(kw, "SMTPUTF8", 8) == 0) {
			*why = "SMTPUTF8 is not supported";
			return SMTP_PARSE_PARAM;
		} else {
			*why = "unsupported parameter";
			return SMTP_PARSE_PARAM;
		}
	}
	return SMTP_PARSE_OK;
}

/* The argument must be empty (trailing spaces tolerated). */
static enum smtp_parse_status
smtp_parse_noarg(const char *p, const char *end, const char **why)
{
	while (p < end && *p == ' ')
		p++;
	if (p != end) {
		*why = "this command takes no arguments";
		return SMTP_PARSE_SYNTAX;
	}
	return SMTP_PARSE_OK;
}

/* Copy a free-text argument (printable ASCII, bounded). */
static enum smtp_parse_status
smtp_parse_text(const char *p, const char *end, struct smtp_command *cmd,
    int required, const char **why)
{
	size_t n;

	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	n = (size_t)(end - p);
	if (n == 0 && required) {
		*why = "argument required";
		return SMTP_PARSE_SYNTAX;
	}
	if (n > SMTP_ARG_MAX) {
		*why = "argument too long";
		return SMTP_PARSE_SYNTAX;
	}
	memcpy(cmd->arg, p, n);
	cmd->arg[n] = '\0';
	return SMTP_PARSE_OK;
}

static enum smtp_parse_status
smtp_parse_helo(const char *p, const char *end, struct smtp_command *cmd,
    const char **why)
{
	const char *q;

	if (smtp_parse_text(p, end, cmd, 1, why) != SMTP_PARSE_OK) {
		if (cmd->arg[0] == '\0')
			*why = "HELO/EHLO requires a domain name";
		return SMTP_PARSE_SYNTAX;
	}
	/* Domain, address literal, or a legacy host name; nothing that could
	 * break out of the Received header comment. */
	for (q = cmd->arg; *q != '\0'; q++) {
		if (!smtp_is_alpha((unsigned char)*q) && !smtp_is_digit((unsigned char)*q) &&
		    strchr(".-_:[]", *q) == NULL) {
			*why = "bad HELO/EHLO domain name";
			return SMTP_PARSE_SYNTAX;
		}
	}
	return SMTP_PARSE_OK;
}

/* "FROM:" / "TO:" then the path, then parameters. */
static enum smtp_parse_status
smtp_parse_mail_rcpt(const char *p, const char *end, struct smtp_command *cmd,
    const char **why)
{
	int mail = cmd->verb == SMTP_VERB_MAIL;
	const char *kw = mail ? "FROM:" : "TO:";
	size_t kl = strlen(kw);
	enum smtp_parse_status bad = mail ? SMTP_PARSE_BAD_SENDER : SMTP_PARSE_BAD_RECIPIENT;

	while (p < end && *p == ' ')
		p++;
	if ((size_t)(end - p) < kl || strncasecmp(p, kw, kl) != 0) {
		*why = mail ? "expected MAIL FROM:<address>" : "expected RCPT TO:<address>";
		return SMTP_PARSE_SYNTAX;
	}
	p += kl;
	while (p < end && *p == ' ')
		p++;
	if (smtp_parse_path(&p, end, mail, cmd->addr, why) != 0)
		return bad;
	return smtp_parse_params(p, end, cmd, why);
}

enum smtp_parse_status
smtp_parse_command(const char *line, size_t len, struct smtp_command *cmd,
    const char **why)
{
	const char *p = line, *end = line + len, *v;
	size_t i, vl;
	int eightbit = 0;

	memset(cmd, 0, sizeof(*cmd));
	cmd->size = -1;
	*why = "";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7F) {
			*why = "control character in command";
			return SMTP_PARSE_SYNTAX;
		}
		if (c >= 0x80)
			eightbit = 1;
	}
	v = p;
	while (p < end && *p != ' ')
		p++;
	vl = (size_t)(p - v);
	cmd->verb = SMTP_VERB_UNKNOWN;
	for (i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++)
		if (strlen(smtp_verbs[i].name) == vl &&
		    strncasecmp(smtp_verbs[i].name, v, vl) == 0)
			cmd->verb = smtp_verbs[i].verb;
	if (cmd->verb == SMTP_VERB_UNKNOWN) {
		*why = "command not recognized";
		return SMTP_PARSE_UNKNOWN;
	}
	if (eightbit) {
		if (cmd->verb == SMTP_VERB_MAIL || cmd->verb == SMTP_VERB_RCPT) {
			*why = "non-ASCII address requires SMTPUTF8, which is not offered";
			return SMTP_PARSE_NEED_SMTPUTF8;
		}
		*why = "8-bit characters in command";
		return SMTP_PARSE_SYNTAX;
	}
	switch (cmd->verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
		return smtp_parse_helo(p, end, cmd, why);
	case SMTP_VERB_MAIL:
	case SMTP_VERB_RCPT:
		return smtp_parse_mail_rcpt(p, end, cmd, why);
	case SMTP_VERB_DATA:
	case SMTP_VERB_RSET:
	case SMTP_VERB_QUIT:
	case SMTP_VERB_STARTTLS:
		return smtp_parse_noarg(p, end, why);
	case SMTP_VERB_VRFY:
	case SMTP_VERB_EXPN:
	case SMTP_VERB_AUTH:
		return smtp_parse_text(p, end, cmd, 1, why);
	case SMTP_VERB_NOOP:
	case SMTP_VERB_HELP:
		return smtp_parse_text(p, end, cmd, 0, why);
	case SMTP_VERB_BDAT:
		return SMTP_PARSE_OK;
	case SMTP_VERB_XCLIENT:
	case SMTP_VERB_XFORWARD:
		while (p < end && *p == ' ')
			p++;
		return smtp_parse_xattrs(p, end, cmd, why);
	case SMTP_VERB_UNKNOWN:
		break;
	}
	*why = "command not recognized";
	return SMTP_PARSE_UNKNOWN;
}
