/*
 * message.c — the From: field of a spooled message (see message.h). Only
 * the header section is read (up to the first empty line, at most
 * MESSAGE_HEADER_MAX bytes); libetpan parses it. A From: that libetpan
 * cannot read as a mailbox list comes back as an "optional" field with
 * that name: such a message has a From: nobody can vouch for.
 */
#include <ctype.h>
#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message.h"
#include "spool.h"
#include "xmalloc.h"

void
message_from_clear(struct message_from *mf)
{
	size_t i;

	for (i = 0; i < mf->naddrs; i++)
		free(mf->addrs[i]);
	free(mf->addrs);
	memset(mf, 0, sizeof(*mf));
}

/* Read the header section into a new buffer; *len its length. */
static char *
message_read_header(struct spool *sp, size_t *len, int *truncated)
{
	char *buf = xmalloc(MESSAGE_HEADER_MAX + 1);
	ssize_t n = spool_read(sp, 0, buf, MESSAGE_HEADER_MAX);
	char *end;

	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*truncated = 0;
	if (n >= 2 && buf[0] == '\r' && buf[1] == '\n')
		end = buf;                      /* no header at all */
	else if ((end = strstr(buf, "\r\n\r\n")) != NULL)
		end += 2;
	else {
		end = buf + n;
		*truncated = (unsigned long long)n < spool_size(sp);
	}
	*len = (size_t)(end - buf);
	return buf;
}

/* The addresses of a parsed From: field into mf. */
static void
message_from_addrs(const struct mailimf_from *from, struct message_from *mf)
{
	clistiter *m;

	for (m = clist_begin(from->frm_mb_list->mb_list); m != NULL; m = clist_next(m)) {
		struct mailimf_mailbox *mb = clist_content(m);

		if (strchr(mb->mb_addr_spec, '@') == NULL)
			mf->problem = "a From: address has no domain";
		mf->addrs = xgrowarray(mf->addrs, mf->naddrs, sizeof(char *));
		mf->addrs[mf->naddrs++] = xstrdup(mb->mb_addr_spec);
	}
}

void
message_from_field(const char *field, size_t len, struct message_from *mf)
{
	struct mailimf_fields *fields = NULL;
	struct mailimf_field *f;
	size_t idx = 0;

	memset(mf, 0, sizeof(*mf));
	mf->nfields = 1;
	/* The whole field or nothing (a reader might show what follows the
	 * part libetpan could read); one it cannot read as a mailbox list
	 * comes back as an optional field. */
	if (mailimf_fields_parse(field, len, &idx, &fields) != MAILIMF_NO_ERROR || idx != len ||
	    clist_count(fields->fld_list) != 1 ||
	    (f = clist_content(clist_begin(fields->fld_list)))->fld_type != MAILIMF_FIELD_FROM)
		mf->problem = "the From: header is malformed";
	else
		message_from_addrs(f->fld_data.fld_from, mf);
	if (fields != NULL)
		mailimf_fields_free(fields);
}

/* Can c continue a host name? */
static int
message_host_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_';
}

int
message_from_domain(const struct message_from *mf, char *out, size_t outlen)
{
	const char *at;
	size_t i, n;

	if (mf->problem != NULL || mf->nfields != 1 || mf->naddrs != 1 ||
	    (at = strrchr(mf->addrs[0], '@')) == NULL)
		return -1;
	n = strlen(++at);
	if (n == 0 || n >= outlen || at[0] == '.' || at[n - 1] == '.')
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)at[i];

		if (!message_host_char(c))
			return -1;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	return 0;
}

/* Add the host name of len bytes at d (trailing dots dropped, lower-cased)
 * to out[*n] unless it is empty, has no dot, or is there already; *n
 * becomes max + 1 when it does not fit. */
static void
message_named_add(const char *d, size_t len, char (*out)[MESSAGE_DOMAIN_MAX], size_t *n,
    size_t max)
{
	char dom[MESSAGE_DOMAIN_MAX];
	size_t i;

	while (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || *n > max)
		return;
	if (len >= sizeof(dom)) {
		*n = max + 1;   /* no domain is that long: refuse rather than cut */
		return;
	}
	for (i = 0; i < len; i++)
		dom[i] = (char)tolower((unsigned char)d[i]);
	dom[len] = '\0';
	if (strchr(dom, '.') == NULL)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(out[i], dom) == 0)
			return;
	if (*n == max) {
		*n = max + 1;
		return;
	}
	memcpy(out[(*n)++], dom, len + 1);
}

/* Add the host name after each '@' of the text from p to e. */
static void
message_named_scan(const char *p, const char *e, char (*out)[MESSAGE_DOMAIN_MAX],
    size_t *n, size_t max)
{
	const char *at, *d;

	while (p < e && (at = memchr(p, '@', (size_t)(e - p))) != NULL) {
		for (d = at + 1; d < e && message_host_char((unsigned char)*d); d++)
			;
		message_named_add(at + 1, (size_t)(d - at - 1), out, n, max);
		p = d > at + 1 ? d : at + 1;
	}
}

/* The charset of an encoded word is looked for this far (RFC 2047 words
 * are at most 75 bytes; a charset name is far shorter). */
#define MESSAGE_CHARSET_MAX 64

/*
 * Scan the text of every RFC 2047 encoded word (=?charset?B|Q?text?=)
 * from p to e, decoded by libetpan, as message_named_scan does the field:
 * a reader shows "=?utf-8?q?annv=40haugiang.gov.vn?=" as the address. The
 * charset is not looked at (an '@' is the same byte in every charset a
 * reader would show it in). Linear: each step moves past a word's end or
 * looks at most MESSAGE_CHARSET_MAX bytes ahead.
 */
static void
message_named_encoded(const char *p, const char *e, char (*out)[MESSAGE_DOMAIN_MAX],
    size_t *n, size_t max)
{
	const char *w, *q, *text, *end;
	size_t idx, dlen;
	char *dec;
	int mech;

	while (p < e && (w = memmem(p, (size_t)(e - p), "=?", 2)) != NULL) {
		p = w + 2;
		q = memchr(p, '?', (size_t)(e - p) < MESSAGE_CHARSET_MAX ?
		    (size_t)(e - p) : MESSAGE_CHARSET_MAX);
		if (q == NULL || e - q < 3 || q[2] != '?')
			continue;
		if (q[1] == 'B' || q[1] == 'b')
			mech = MAILMIME_MECHANISM_BASE64;
		else if (q[1] == 'Q' || q[1] == 'q')
			mech = MAILMIME_MECHANISM_QUOTED_PRINTABLE;
		else
			continue;
		text = q + 3;
		if ((end = memmem(text, (size_t)(e - text), "?=", 2)) == NULL)
			return;
		idx = 0;
		if (mailmime_part_parse(text, (size_t)(end - text), &idx, mech, &dec,
		    &dlen) == MAILIMF_NO_ERROR) {
			message_named_scan(dec, dec + dlen, out, n, max);
			mailmime_decoded_part_free(dec);
		}
		p = end + 2;
	}
}

size_t
message_from_named(const char *field, size_t len, const struct message_from *mf,
    char (*out)[MESSAGE_DOMAIN_MAX], size_t max)
{
	const char *d;
	size_t n = 0, i;

	message_named_scan(field, field + len, out, &n, max);
	message_named_encoded(field, field + len, out, &n, max);
	for (i = 0; i < mf->naddrs; i++)
		if ((d = strrchr(mf->addrs[i], '@')) != NULL)
			message_named_add(d + 1, strlen(d + 1), out, &n, max);
	return n;
}

int
message_header_from(struct spool *sp, struct message_from *mf)
{
	struct mailimf_fields *fields = NULL;
	size_t len, idx = 0;
	clistiter *it;
	int truncated;
	char *hdr;

	memset(mf, 0, sizeof(*mf));
	if ((hdr = message_read_header(sp, &len, &truncated)) == NULL)
		return -1;
	if (truncated) {
		mf->problem = "the header section is too large";
		free(hdr);
		return 0;
	}
	/* The parser stops quietly at a line it cannot read; whatever follows
	 * (a second From:, say) would go unseen, so that is a problem too. */
	if (len > 0 && (mailimf_fields_parse(hdr, len, &idx, &fields) != MAILIMF_NO_ERROR ||
	    idx != len)) {
		if (fields != NULL)
			mailimf_fields_free(fields);
		mf->problem = "the header section cannot be parsed";
		free(hdr);
		return 0;
	}
	for (it = fields ? clist_begin(fields->fld_list) : NULL; it != NULL;
	    it = clist_next(it)) {
		struct mailimf_field *f = clist_content(it);

		if (f->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD &&
		    strcasecmp(f->fld_data.fld_optional_field->fld_name, "From") == 0) {
			mf->nfields++;
			mf->problem = "the From: header is malformed";
			continue;
		}
		if (f->fld_type != MAILIMF_FIELD_FROM)
			continue;
		if (++mf->nfields > 1)
			continue;
		message_from_addrs(f->fld_data.fld_from, mf);
	}
	if (mf->nfields > 1)
		mf->problem = "the message has more than one From: header";
	if (fields != NULL)
		mailimf_fields_free(fields);
	free(hdr);
	return 0;
}

int
message_header_ranges(struct spool *sp, const char *name, struct message_range *out,
    size_t max)
{
	size_t len, nl = strlen(name), i = 0, start;
	int truncated, n = 0, hit;
	char *hdr;

	if ((hdr = message_read_header(sp, &len, &truncated)) == NULL)
		return -1;
	while (i < len) {
		start = i;
		hit = len - i > nl && strncasecmp(hdr + i, name, nl) == 0 &&
		    (hdr[i + nl] == ':' || hdr[i + nl] == ' ' || hdr[i + nl] == '\t');
		/* the field: its line and the lines that start with a blank */
		do {
			while (i < len && hdr[i] != '\n')
				i++;
			if (i < len)
				i++;
		} while (i < len && (hdr[i] == ' ' || hdr[i] == '\t'));
		if (hit && (size_t)n < max) {
			out[n].off = start;
			out[n].len = i - start;
		}
		n += hit;
	}
	free(hdr);
	return n;
}
