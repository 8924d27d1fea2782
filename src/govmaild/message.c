/*
 * message.c — the From: field of a spooled message (see message.h). Only
 * the header section is read (up to the first empty line, at most
 * MESSAGE_HEADER_MAX bytes); libetpan parses it. A From: that libetpan
 * cannot read as a mailbox list comes back as an "optional" field with
 * that name: such a message has a From: nobody can vouch for.
 */
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
		clistiter *m;

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
		for (m = clist_begin(f->fld_data.fld_from->frm_mb_list->mb_list); m != NULL;
		    m = clist_next(m)) {
			struct mailimf_mailbox *mb = clist_content(m);

			if (strchr(mb->mb_addr_spec, '@') == NULL)
				mf->problem = "a From: address has no domain";
			mf->addrs = xgrowarray(mf->addrs, mf->naddrs, sizeof(char *));
			mf->addrs[mf->naddrs++] = xstrdup(mb->mb_addr_spec);
		}
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
