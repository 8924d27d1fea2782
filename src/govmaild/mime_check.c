/*
 * mime_check.c — the attachment rule's view of a message (see
 * mime_check.h). libetpan parses the structure; what it would silently
 * guess at is checked here first or beside it: a boundary parameter given
 * twice, a multipart without boundary or whose closing delimiter never
 * comes, too many parts (mime_tree.c counts them on the raw text before
 * parsing) and too deep a nesting.
 */
#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime_check.h"
#include "mime_tree.h"
#include "xmalloc.h"

/* RFC 2231 sections of one parameter kept at most. */
#define MIME_CHECK_SECTIONS 64

static int mime_check_base(unsigned long cp);

static void
mime_check_set(struct mime_check_result *res, enum mime_check_status st,
    const char *why, const char *filename, const char *type)
{
	res->status = st;
	snprintf(res->why, sizeof(res->why), "%s", why);
	snprintf(res->filename, sizeof(res->filename), "%s", filename ? filename : "");
	snprintf(res->type, sizeof(res->type), "%s", type ? type : "");
	mime_check_ascii(res->filename, res->ascii, sizeof(res->ascii));
}

char *
mime_check_decode_2047(const char *s)
{
	size_t idx = 0;
	char *out = NULL;

	if (strstr(s, "=?") == NULL)
		return xstrdup(s);
	if (mailmime_encoded_phrase_parse("utf-8", s, strlen(s), &idx, "utf-8",
	    &out) != MAILIMF_NO_ERROR || out == NULL)
		return NULL;
	/* libetpan's allocation: copy into ours. */
	{
		char *r = xstrdup(out);

		free(out);
		return r;
	}
}

static int
mime_check_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append the percent-decoded v (extended) or v as is to buf. */
static void
mime_check_append(char **buf, size_t *len, const char *v, int extended)
{
	size_t n = strlen(v), i;

	*buf = xreallocarray(*buf, *len + n + 1, 1);
	for (i = 0; i < n; i++) {
		int h, l;

		if (extended && v[i] == '%' && i + 2 < n &&
		    (h = mime_check_hex((unsigned char)v[i + 1])) >= 0 &&
		    (l = mime_check_hex((unsigned char)v[i + 2])) >= 0) {
			(*buf)[(*len)++] = (char)(h * 16 + l);
			i += 2;
		} else
			(*buf)[(*len)++] = v[i];
	}
	(*buf)[*len] = '\0';
}

/* The RFC 2231 value of base, decoded to UTF-8, or NULL. */
static char *
mime_check_param_2231(const char *base, const char *const *names,
    const char *const *values, size_t n)
{
	const char *sect[MIME_CHECK_SECTIONS] = { 0 };
	int ext[MIME_CHECK_SECTIONS] = { 0 };
	size_t bl = strlen(base), i, len = 0;
	char charset[64] = "", *raw = NULL, *out = NULL;
	const char *v0;
	int any = 0;

	for (i = 0; i < n; i++) {
		const char *p = names[i];
		char *end;
		long k = 0;
		int e = 0;

		if (strncasecmp(p, base, bl) != 0 || p[bl] != '*')
			continue;
		p += bl + 1;
		if (*p == '\0')
			e = 1;                       /* base*= : one extended value */
		else {
			if (*p < '0' || *p > '9')
				continue;
			k = strtol(p, &end, 10);
			if (k < 0 || k >= MIME_CHECK_SECTIONS || (*end != '\0' && strcmp(end, "*") != 0))
				continue;
			e = *end == '*';
		}
		if (sect[k] != NULL)
			return NULL;                 /* a section twice: ambiguous */
		sect[k] = values[i];
		ext[k] = e;
		any = 1;
	}
	if (!any || sect[0] == NULL)
		return NULL;
	v0 = sect[0];
	if (ext[0]) {
		/* charset'language'value */
		const char *q1 = strchr(v0, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;

		if (q1 == NULL || q2 == NULL || (size_t)(q1 - v0) >= sizeof(charset))
			return NULL;
		memcpy(charset, v0, (size_t)(q1 - v0));
		charset[q1 - v0] = '\0';
		v0 = q2 + 1;
	}
	raw = xstrdup("");
	mime_check_append(&raw, &len, v0, ext[0]);
	for (i = 1; i < MIME_CHECK_SECTIONS && sect[i] != NULL; i++)
		mime_check_append(&raw, &len, sect[i], ext[i]);
	if (charset[0] == '\0' || strcasecmp(charset, "utf-8") == 0 ||
	    strcasecmp(charset, "us-ascii") == 0)
		return raw;
	if (charconv("utf-8", charset, raw, len, &out) != MAIL_CHARCONV_NO_ERROR ||
	    out == NULL) {
		free(raw);
		return NULL;
	}
	free(raw);
	raw = xstrdup(out);
	free(out);
	return raw;
}

char *
mime_check_param(const char *base, const char *const *names,
    const char *const *values, size_t n)
{
	char *r;
	size_t i;

	if ((r = mime_check_param_2231(base, names, values, n)) != NULL)
		return r;
	for (i = 0; i < n; i++)
		if (strcasecmp(names[i], base) == 0)
			return mime_check_decode_2047(values[i]);
	return NULL;
}

const char *
mime_check_ext_blocked(const char *filename, char *const *list, size_t n)
{
	size_t len = strlen(filename), i;
	const char *dot;
	char ext[64];

	/* Windows ignores trailing dots and spaces: "x.exe. " runs as x.exe. */
	while (len > 0 && (filename[len - 1] == '.' || filename[len - 1] == ' ' ||
	    filename[len - 1] == '\t'))
		len--;
	for (dot = NULL, i = 0; i < len; i++)
		if (filename[i] == '.')
			dot = filename + i;
	if (dot == NULL || (size_t)(filename + len - dot - 1) >= sizeof(ext))
		return NULL;
	memcpy(ext, dot + 1, (size_t)(filename + len - dot - 1));
	ext[filename + len - dot - 1] = '\0';
	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], ext) == 0)
			return list[i];
	return NULL;
}

/* The base letter of a Vietnamese (or Latin-1) letter, 0 if none, -1 for
 * a combining mark (dropped). */
static int
mime_check_base(unsigned long cp)
{
	static const char l1[] = "AAAAAAACEEEEIIIIDNOOOOO?OUUUUYTs";
	static const struct { unsigned long lo, hi; char c; } vn[] = {
		{ 0x1EA0, 0x1EB7, 'a' }, { 0x1EB8, 0x1EC7, 'e' }, { 0x1EC8, 0x1ECB, 'i' },
		{ 0x1ECC, 0x1EE3, 'o' }, { 0x1EE4, 0x1EF1, 'u' }, { 0x1EF2, 0x1EF9, 'y' },
	};
	size_t i;

	if (cp >= 0x300 && cp <= 0x36F)
		return -1;
	if (cp >= 0xC0 && cp <= 0xDF)
		return l1[cp - 0xC0];
	if (cp >= 0xE0 && cp <= 0xFF)
		return cp == 0xF7 ? '?' : (l1[cp - 0xE0] >= 'A' && l1[cp - 0xE0] <= 'Z' ?
		    l1[cp - 0xE0] + 32 : l1[cp - 0xE0]);
	switch (cp) {
	case 0x102: return 'A';
	case 0x103: return 'a';
	case 0x110: return 'D';
	case 0x111: return 'd';
	case 0x128: return 'I';
	case 0x129: return 'i';
	case 0x168: return 'U';
	case 0x169: return 'u';
	case 0x1A0: return 'O';
	case 0x1A1: return 'o';
	case 0x1AF: return 'U';
	case 0x1B0: return 'u';
	}
	for (i = 0; i < sizeof(vn) / sizeof(vn[0]); i++)
		if (cp >= vn[i].lo && cp <= vn[i].hi)
			return (cp - vn[i].lo) % 2 == 0 ? vn[i].c - 32 : vn[i].c;
	return 0;
}

void
mime_check_ascii(const char *utf8, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t o = 0;

	if (outlen == 0)
		return;
	while (*p != '\0' && o + 1 < outlen) {
		unsigned long cp;
		int n, b, i;

		if (*p < 0x80) {
			out[o++] = (*p >= 0x20 && *p < 0x7f) ? (char)*p : '?';
			p++;
			continue;
		}
		n = (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0) {
			out[o++] = '?';
			p++;
			continue;
		}
		cp = *p & (0x3Fu >> n);
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				break;
			cp = (cp << 6) | (p[i] & 0x3Fu);
		}
		if (i <= n) {
			out[o++] = '?';
			p++;
			continue;
		}
		p += n + 1;
		if ((b = mime_check_base(cp)) < 0)
			continue;
		out[o++] = b ? (char)b : '?';
	}
	out[o] = '\0';
}

/* "type/subtype" of ct, lower-cased, into buf. */
static void
mime_check_type_name(const struct mailmime_content *ct, char *buf, size_t len)
{
	const char *t = "application";
	size_t i;

	if (ct == NULL) {
		snprintf(buf, len, "text/plain");
		return;
	}
	if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		const struct mailmime_discrete_type *d = ct->ct_type->tp_data.tp_discrete_type;

		switch (d->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT: t = "text"; break;
		case MAILMIME_DISCRETE_TYPE_IMAGE: t = "image"; break;
		case MAILMIME_DISCRETE_TYPE_AUDIO: t = "audio"; break;
		case MAILMIME_DISCRETE_TYPE_VIDEO: t = "video"; break;
		case MAILMIME_DISCRETE_TYPE_APPLICATION: t = "application"; break;
		case MAILMIME_DISCRETE_TYPE_EXTENSION: t = d->dt_extension; break;
		}
	} else {
		const struct mailmime_composite_type *c = ct->ct_type->tp_data.tp_composite_type;

		t = c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE ? "message" :
		    c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart" :
		    c->ct_token;
	}
	snprintf(buf, len, "%s/%s", t ? t : "", ct->ct_subtype ? ct->ct_subtype : "");
	for (i = 0; buf[i]; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] + 32);
}

/* Check one decoded name; 1 if blocked (res set). */
static int
mime_check_name(const char *name, const char *type, const struct mime_check_limits *lim,
    struct mime_check_result *res)
{
	const char *ext;
	char why[100];

	if (name == NULL || (ext = mime_check_ext_blocked(name, lim->blocked_ext,
	    lim->nblocked_ext)) == NULL)
		return 0;
	snprintf(why, sizeof(why), "extension .%s", ext);
	mime_check_set(res, MIME_CHECK_BLOCKED, why, name, type);
	return 1;
}

/* Collect a parameter list's names and values (lists of mailmime_parameter). */
static size_t
mime_check_params(clist *l, const char ***names, const char ***values)
{
	size_t n = 0, cap = l ? (size_t)clist_count(l) : 0;
	clistiter *it;

	*names = xcalloc(cap + 1, sizeof(char *));
	*values = xcalloc(cap + 1, sizeof(char *));
	for (it = l ? clist_begin(l) : NULL; it != NULL; it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);

		if (p->pa_name == NULL || p->pa_value == NULL)
			continue;
		(*names)[n] = p->pa_name;
		(*values)[n++] = p->pa_value;
	}
	return n;
}

struct mime_check_walk {
	const char *buf;
	size_t len;
	const struct mime_check_limits *lim;
	struct mime_check_result *res;
	int parts;
};

/* Does a line "--boundary--" occur in the text? */
static int
mime_check_closed(const struct mime_check_walk *w, const char *boundary)
{
	size_t bl = strlen(boundary), i = 0;
	const char *p;

	/* memmem for the boundary itself, then what must surround it */
	while (i + bl + 4 <= w->len &&
	    (p = memmem(w->buf + i + 2, w->len - i - 2, boundary, bl)) != NULL) {
		i = (size_t)(p - w->buf) - 2;
		if (i + bl + 4 > w->len)
			break;
		if ((i == 0 || w->buf[i - 1] == '\n') && w->buf[i] == '-' && w->buf[i + 1] == '-' &&
		    w->buf[i + 2 + bl] == '-' && w->buf[i + 3 + bl] == '-')
			return 1;
		i++;
	}
	return 0;
}

/* The decoded filename of the part's Content-Disposition fields (the
 * first that has one), or NULL; *nct counts its Content-Type fields. */
static char *
mime_check_disp_name(struct mailmime *m, int *nct)
{
	char *name = NULL;
	clistiter *it;

	*nct = 0;
	if (m->mm_mime_fields == NULL)
		return NULL;
	for (it = clist_begin(m->mm_mime_fields->fld_list); it != NULL; it = clist_next(it)) {
		struct mailmime_field *f = clist_content(it);
		struct mailmime_disposition *d;
		const char **dn, **dv;
		clistiter *pi;
		size_t n, k = 0;

		if (f->fld_type == MAILMIME_FIELD_TYPE)
			(*nct)++;
		if (f->fld_type != MAILMIME_FIELD_DISPOSITION || name != NULL)
			continue;
		d = f->fld_data.fld_disposition;
		n = (size_t)clist_count(d->dsp_parms);
		dn = xcalloc(n + 1, sizeof(char *));
		dv = xcalloc(n + 1, sizeof(char *));
		for (pi = clist_begin(d->dsp_parms); pi != NULL; pi = clist_next(pi)) {
			struct mailmime_disposition_parm *dp = clist_content(pi);

			if (dp->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME &&
			    dp->pa_data.pa_filename != NULL) {
				dn[k] = "filename";
				dv[k++] = dp->pa_data.pa_filename;
			} else if (dp->pa_type == MAILMIME_DISPOSITION_PARM_PARAMETER &&
			    dp->pa_data.pa_parameter->pa_name != NULL &&
			    dp->pa_data.pa_parameter->pa_value != NULL) {
				dn[k] = dp->pa_data.pa_parameter->pa_name;
				dv[k++] = dp->pa_data.pa_parameter->pa_value;
			}
		}
		name = mime_check_param("filename", dn, dv, k);
		free(dn);
		free(dv);
	}
	return name;
}

/* Check one part and below; 1 when the result is decided. */
static int
mime_check_part(struct mime_check_walk *w, struct mailmime *m, int depth)
{
	const struct mime_check_limits *lim = w->lim;
	struct mailmime_content *ct = m->mm_content_type;
	const char **names, **values;
	char type[128], *cname = NULL, *dname;
	const char *boundary = NULL;
	size_t n, i;
	int nbound = 0, nct = 0, done = 0;
	clistiter *it;

	if (++w->parts > lim->max_parts) {
		mime_check_set(w->res, MIME_CHECK_MALFORMED, "too many MIME parts", NULL, NULL);
		return 1;
	}
	if (depth > lim->max_depth) {
		mime_check_set(w->res, MIME_CHECK_MALFORMED, "MIME parts nested too deeply",
		    NULL, NULL);
		return 1;
	}
	mime_check_type_name(ct, type, sizeof(type));
	if (ct != NULL) {
		n = mime_check_params(ct->ct_parameters, &names, &values);
		for (i = 0; i < n; i++)
			if (strcasecmp(names[i], "boundary") == 0) {
				nbound++;
				boundary = values[i];
			}
		cname = mime_check_param("name", names, values, n);
		free(names);
		free(values);
	}
	dname = mime_check_disp_name(m, &nct);
	/* Both names are checked: a client may show either. */
	done = mime_check_name(dname, type, lim, w->res) ||
	    mime_check_name(cname, type, lim, w->res);
	for (i = 0; !done && i < lim->nblocked_types; i++)
		if (strcasecmp(lim->blocked_types[i], type) == 0) {
			char why[160];

			snprintf(why, sizeof(why), "type %s", type);
			mime_check_set(w->res, MIME_CHECK_BLOCKED, why,
			    dname != NULL ? dname : cname, type);
			done = 1;
		}
	free(cname);
	free(dname);
	if (done)
		return 1;
	if (nct > 1) {
		mime_check_set(w->res, MIME_CHECK_MALFORMED, "more than one Content-Type",
		    NULL, NULL);
		return 1;
	}
	/* libetpan reads a multipart it cannot split as one opaque part:
	 * judge by the declared type, not by what libetpan made of it. */
	if (strncmp(type, "multipart/", 10) == 0 || m->mm_type == MAILMIME_MULTIPLE) {
		if (nbound > 1) {
			mime_check_set(w->res, MIME_CHECK_MALFORMED, "duplicate boundary parameter",
			    NULL, NULL);
			return 1;
		}
		if (boundary == NULL || *boundary == '\0') {
			mime_check_set(w->res, MIME_CHECK_MALFORMED, "multipart without boundary",
			    NULL, NULL);
			return 1;
		}
		if (!mime_check_closed(w, boundary)) {
			mime_check_set(w->res, MIME_CHECK_MALFORMED, "multipart boundary never closed",
			    NULL, NULL);
			return 1;
		}
	}
	if (strncmp(type, "multipart/", 10) == 0 && m->mm_type != MAILMIME_MULTIPLE) {
		mime_check_set(w->res, MIME_CHECK_MALFORMED, "multipart that cannot be split",
		    NULL, NULL);
		return 1;
	}
	switch (m->mm_type) {
	case MAILMIME_SINGLE:
		break;
	case MAILMIME_MULTIPLE:
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list); it != NULL;
		    it = clist_next(it))
			if (mime_check_part(w, clist_content(it), depth + 1))
				return 1;
		break;
	case MAILMIME_MESSAGE:
		if (m->mm_data.mm_message.mm_msg_mime != NULL &&
		    mime_check_part(w, m->mm_data.mm_message.mm_msg_mime,
		    m->mm_parent == NULL ? depth : depth + 1))
			return 1;
		break;
	}
	return 0;
}

/* Longest unfolded field and most parameters the raw scan looks at. */
#define MIME_CHECK_FIELD_MAX 8192
#define MIME_CHECK_PARAMS 64

/* Split the parameters of an unfolded field value (after the colon) into
 * keys and values, in place; quotes removed, an unterminated quote runs
 * to the end. Returns the count. */
static size_t
mime_check_split(char *f, char **keys, char **vals)
{
	size_t n = 0;
	char *p = strchr(f, ';');

	while (p != NULL && n < MIME_CHECK_PARAMS) {
		char *k = p + 1, *eq, *v, *o, *e;

		while (*k == ' ' || *k == '\t')
			k++;
		/* find the end of this parameter: the next ';' outside quotes */
		for (e = k; *e != '\0' && *e != ';' && *e != '"'; e++)
			;
		eq = memchr(k, '=', (size_t)(e - k));
		if (*e == '"') {
			for (e++; *e != '\0' && *e != '"'; e++)
				if (*e == '\\' && e[1] != '\0')
					e++;
			if (*e == '"')
				e++;
			while (*e != '\0' && *e != ';')
				e++;
		}
		p = *e == ';' ? e : NULL;
		*e = '\0';
		if (eq == NULL)
			continue;
		*eq = '\0';
		for (o = eq; o > k && (o[-1] == ' ' || o[-1] == '\t'); o--)
			o[-1] = '\0';
		v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '"') {
			char *w = ++v;

			for (o = v; *w != '\0' && *w != '"'; w++) {
				if (*w == '\\' && w[1] != '\0')
					w++;
				*o++ = *w;
			}
			*o = '\0';
		} else {
			for (o = v + strlen(v); o > v && (o[-1] == ' ' || o[-1] == '\t'); o--)
				o[-1] = '\0';
		}
		keys[n] = k;
		vals[n++] = v;
	}
	return n;
}

/* One Content-Type or Content-Disposition field, unfolded: its names
 * against the blocked extensions, its boundary parameters counted.
 * 1 when the result is decided. */
static int
mime_check_raw_field(char *f, int is_type, const struct mime_check_limits *lim,
    struct mime_check_result *res)
{
	char *keys[MIME_CHECK_PARAMS], *vals[MIME_CHECK_PARAMS], *name;
	const char *base = is_type ? "name" : "filename";
	size_t n = mime_check_split(f, keys, vals), i;
	int nbound = 0, done = 0;

	for (i = 0; i < n; i++)
		if (strcasecmp(keys[i], "boundary") == 0)
			nbound++;
	if (is_type && nbound > 1) {
		mime_check_set(res, MIME_CHECK_MALFORMED, "duplicate boundary parameter", NULL, NULL);
		return 1;
	}
	name = mime_check_param(base, (const char *const *)keys, (const char *const *)vals, n);
	done = mime_check_name(name, "", lim, res);
	free(name);
	for (i = 0; !done && i < n; i++) {
		if (strcasecmp(keys[i], base) != 0)
			continue;
		/* Every plain value, raw and decoded: a client may show either. */
		done = mime_check_name(vals[i], "", lim, res);
		if (!done && (name = mime_check_decode_2047(vals[i])) != NULL) {
			done = mime_check_name(name, "", lim, res);
			free(name);
		}
	}
	return done;
}

/* A second look at the raw text, for what libetpan's strict parser drops
 * but a mail client may still read: every Content-Type and
 * Content-Disposition field (with its folded continuation) of a header
 * block, parsed leniently — unquoted 8-bit names, unterminated quotes,
 * stray tokens. Header blocks are where a client looks for them: the
 * message's own, one after every line starting with "--" (each boundary
 * delimiter, and more), and the body of a part declared message/...; a
 * block ends at its empty line. Text in bodies is not read (a message
 * that quotes a header is not refused). 1 when the result is decided. */
static int
mime_check_raw(const char *buf, size_t len, const struct mime_check_limits *lim,
    struct mime_check_result *res)
{
	char *f = xmalloc(MIME_CHECK_FIELD_MAX + 1);
	size_t i = 0;
	int done = 0, nct = 0, in_header = 1, embedded = 0;

	while (!done && i < len) {
		size_t eol, fl = 0, skip = 0;
		const char *nl, *v;
		int is_type = -1;

		if (buf[i] == '\n' || (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')) {
			/* the end of a header block; a message/... body is one */
			if (in_header) {
				in_header = embedded;
				embedded = 0;
				nct = 0;
			}
		} else if (buf[i] == '-' && i + 1 < len && buf[i + 1] == '-') {
			in_header = 1;
			embedded = 0;
			nct = 0;
		} else if (in_header && i + 13 <= len && strncasecmp(buf + i, "content-type:", 13) == 0) {
			is_type = 1;
			skip = 13;
		} else if (in_header && i + 20 <= len &&
		    strncasecmp(buf + i, "content-disposition:", 20) == 0) {
			is_type = 0;
			skip = 20;
		}
		if (is_type < 0) {
			nl = memchr(buf + i, '\n', len - i);
			i = nl ? (size_t)(nl - buf) + 1 : len;
			continue;
		}
		if (is_type && ++nct > 1) {
			mime_check_set(res, MIME_CHECK_MALFORMED, "more than one Content-Type",
			    NULL, NULL);
			done = 1;
			break;
		}
		i += skip;
		/* the field and its continuation lines, CRLF dropped */
		for (;;) {
			nl = memchr(buf + i, '\n', len - i);
			eol = nl ? (size_t)(nl - buf) : len;
			while (i < eol && fl < MIME_CHECK_FIELD_MAX) {
				if (buf[i] != '\r' && buf[i] != '\0')
					f[fl++] = buf[i];
				i++;
			}
			i = eol < len ? eol + 1 : len;
			if (i >= len || (buf[i] != ' ' && buf[i] != '\t'))
				break;
		}
		f[fl] = '\0';
		for (v = f; *v == ' ' || *v == '\t'; v++)
			;
		if (is_type && strncasecmp(v, "message/", 8) == 0)
			embedded = 1;
		done = mime_check_raw_field(f, is_type, lim, res);
	}
	free(f);
	return done;
}

void
mime_check_tree(const struct mime_tree *t, const struct mime_check_limits *lim,
    struct mime_check_result *res)
{
	struct mime_check_walk w;

	memset(res, 0, sizeof(*res));
	if (t->len > lim->max_size) {
		mime_check_set(res, MIME_CHECK_MALFORMED, "message too large to check", NULL, NULL);
		return;
	}
	if (t->status != MIME_TREE_OK) {
		mime_check_set(res, MIME_CHECK_MALFORMED, mime_tree_problem(t->status), NULL, NULL);
		return;
	}
	memset(&w, 0, sizeof(w));
	w.buf = t->buf;
	w.len = t->len;
	w.lim = lim;
	w.res = res;
	if (!mime_check_part(&w, t->root, 0))
		(void)mime_check_raw(t->buf, t->len, lim, res);
}

void
mime_check_buffer(const char *buf, size_t len, const struct mime_check_limits *lim,
    struct mime_check_result *res)
{
	struct mime_tree t;

	mime_tree_parse(&t, buf, len, lim->max_parts);
	mime_check_tree(&t, lim, res);
	mime_tree_free(&t);
}

void
mime_check_part_type(const struct mailmime *m, char *buf, size_t len)
{
	mime_check_type_name(m->mm_content_type, buf, len);
}

char *
mime_check_part_filename(struct mailmime *m)
{
	struct mailmime_content *ct = m->mm_content_type;
	const char **names, **values;
	char *name;
	size_t n;
	int nct;

	if ((name = mime_check_disp_name(m, &nct)) != NULL || ct == NULL)
		return name;
	n = mime_check_params(ct->ct_parameters, &names, &values);
	name = mime_check_param("name", names, values, n);
	free(names);
	free(values);
	return name;
}
