/*
 * sign_check.c — the signature rule (see sign_check.h).
 *
 * One walk of the libetpan tree (the attachment rule's parse, mime_tree.c)
 * collects the leaves that matter: the documents and the .p7s files, each
 * with the S/MIME envelopes around it. A document is decoded (one copy,
 * bounded by max_document_size) only when its bytes are needed: it is a
 * PDF by content, or a .p7s may sign it. Signatures are then verified per
 * document and the requirement applied. Opaque S/MIME content is parsed
 * in turn (its copy and its parse kept until the end, since the leaves
 * point into them); nesting is bounded by max_depth.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "base64.h"
#include "mime_check.h"
#include "mime_tree.h"
#include "sign_check.h"
#include "sign_dss.h"
#include "sign_revinfo.h"
#include "sign_pdf.h"
#include "sign_pdfrev.h"
#include "sign_pdfrev_child.h"
#include "sign_subfilter.h"
#include "sign_text.h"
#include "sign_tsp.h"
#include "sign_verify.h"
#include "xmalloc.h"

#define SIGN_MAX_LEAVES (2 * SIGN_CHECK_MAX_DOCS)
#define SIGN_MAX_ENVELOPES 16
#define SIGN_MAX_OPAQUE 8
#define SIGN_ENV_SIGNERS 4
#define SIGN_DOC_SIGNERS 40

static const char *const sign_req_names[] = {
	"off", "verify", "require-signed", "require-person-and-org"
};

int
sign_requirement_parse(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, sign_req_names[i]) == 0)
			return i;
	return -1;
}

const char *
sign_requirement_name(enum sign_requirement r)
{
	return (unsigned)r < 4 ? sign_req_names[r] : "?";
}

/* An S/MIME signature around some leaves. */
struct sign_envelope {
	struct sign_signer signers[SIGN_ENV_SIGNERS];
	size_t n;
	int parent;                 /* the envelope around this one, or -1 */
};

struct sign_leaf {
	char *name;                 /* UTF-8, or NULL */
	const unsigned char *data;  /* decoded content */
	size_t len;
	char *decoded;              /* a decoded copy to release, or NULL */
	int decoded_how;            /* as sign_decode's *copied */
	struct mailmime *part;      /* where data comes from */
	int loaded;                 /* data decoded (documents: when needed) */
	int pdf;                    /* a PDF by content */
	int envelope;               /* innermost S/MIME envelope, or -1 */
	int is_doc, is_p7s;
	int too_big;
	int doc;                    /* is_doc: its index in the result */
};

/* The counters first: the arrays after them (100 KiB) are not cleared,
 * each entry is set when it is taken. */
struct sign_walk {
	struct sign_trust *trust;
	const struct sign_check_limits *lim;
	struct sign_check_result *res;
	size_t nleaves, nenv, nopaque;
	int parts;
	struct sign_leaf leaves[SIGN_MAX_LEAVES];
	struct sign_envelope env[SIGN_MAX_ENVELOPES];
	unsigned char *opaque[SIGN_MAX_OPAQUE];   /* S/MIME contents, kept */
	struct mime_tree inner[SIGN_MAX_OPAQUE];  /* and their parse, kept */
	struct timespec cpu0;       /* this thread's CPU time at the start */
	int over;                   /* the CPU budget is used up */
};

/* CPU the checks of this message took so far, in microseconds. */
static long long
sign_cpu_used_us(const struct sign_walk *w)
{
	struct timespec now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	return (long long)(now.tv_sec - w->cpu0.tv_sec) * 1000000 +
	    (now.tv_nsec - w->cpu0.tv_nsec) / 1000 + w->res->thread_cpu_us;
}

/* Has the check used up the CPU time its limits allow (this thread's,
 * and what parsing threads reported)? Then the result says so, once, and
 * the caller skips what is left: every loop over parts, documents and
 * signatures asks, so no input holds a thread longer than that. */
static int
sign_over_budget(struct sign_walk *w)
{
	long long us;

	if (w->over)
		return 1;
	if (w->lim->max_cpu_us <= 0)
		return 0;
	us = sign_cpu_used_us(w);
	if (us <= w->lim->max_cpu_us)
		return 0;
	w->over = 1;
	w->res->over_cpu = 1;
	snprintf(w->res->problem, sizeof(w->res->problem),
	    "the signature checks took more than %lld ms of CPU", w->lim->max_cpu_us / 1000);
	return 1;
}

/* ---- names and types ------------------------------------------------------- */

static const char *
sign_ext(const char *name)
{
	const char *dot = name != NULL ? strrchr(name, '.') : NULL;

	return dot != NULL ? dot + 1 : NULL;
}

static int
sign_is_doc_name(const struct sign_check_limits *lim, const char *name)
{
	const char *ext = sign_ext(name);
	size_t i;

	for (i = 0; ext != NULL && i < lim->ndocuments; i++)
		if (strcasecmp(ext, lim->documents[i]) == 0)
			return 1;
	return 0;
}

/* The value of parameter pname of m's Content-Type, or NULL. */
static const char *
sign_ct_param(const struct mailmime *m, const char *pname)
{
	clistiter *it;

	if (m->mm_content_type == NULL || m->mm_content_type->ct_parameters == NULL)
		return NULL;
	for (it = clist_begin(m->mm_content_type->ct_parameters); it != NULL;
	    it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);

		if (p->pa_name != NULL && strcasecmp(p->pa_name, pname) == 0)
			return p->pa_value;
	}
	return NULL;
}

/* The transfer encoding of m (MAILMIME_MECHANISM_*). */
static int
sign_encoding(const struct mailmime *m)
{
	return m->mm_mime_fields != NULL ?
	    mailmime_transfer_encoding_get(m->mm_mime_fields) : MAILMIME_MECHANISM_8BIT;
}

/*
 * A decoded document of a megabyte or more goes into a mapping of its own
 * marked for transparent huge pages: a 10 MB PDF written into fresh 4 kB
 * pages took some 2,800 page faults, three times the decoding itself
 * (measured: 20 ms against 5.5 ms), and a mapping in 2 MB pages also
 * makes the revision analysis's fork copy fewer page-table entries. A
 * huge page needs an aligned 2 MB of the mapping: the mapping is whole
 * huge pages at a 2 MB boundary (a larger one is mapped, its ends cut
 * off), or a 2 MB document would get none (measured: decoding 2 MB into a
 * mapping of its own size took 6.2 ms, into an aligned one 0.8 ms). The
 * mapping's size is kept in its first bytes. Without THP it is an
 * ordinary mapping, released with munmap like any.
 */
#define SIGN_BIG_MIN ((size_t)1 << 20)
#define SIGN_BIG_HEAD 64
#define SIGN_BIG_PAGE ((size_t)2 << 20)

static unsigned char *
sign_big_alloc(size_t n)
{
	size_t total, lead;
	unsigned char *p;

	if (n > SIZE_MAX - SIGN_BIG_HEAD - 2 * SIGN_BIG_PAGE)
		return NULL;
	total = (n + SIGN_BIG_HEAD + SIGN_BIG_PAGE - 1) & ~(SIGN_BIG_PAGE - 1);
	p = mmap(NULL, total + SIGN_BIG_PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	lead = (SIGN_BIG_PAGE - ((uintptr_t)p & (SIGN_BIG_PAGE - 1))) & (SIGN_BIG_PAGE - 1);
	if (lead > 0)
		(void)munmap(p, lead);
	if (SIGN_BIG_PAGE - lead > 0)
		(void)munmap(p + lead + total, SIGN_BIG_PAGE - lead);
	p += lead;
	(void)madvise(p, total, MADV_HUGEPAGE);
	memcpy(p, &total, sizeof(total));
	return p + SIGN_BIG_HEAD;
}

static void
sign_big_free(char *data)
{
	size_t total;
	unsigned char *p = (unsigned char *)data - SIGN_BIG_HEAD;

	memcpy(&total, p, sizeof(total));
	(void)munmap(p, total);
}

/* Base64 into a new buffer of *outlen bytes (base64.c: one pass, where
 * libetpan's decoder grows its output a piece at a time); *how: 2 (free)
 * or 3 (sign_big_free). */
static char *
sign_base64(const char *in, size_t len, size_t *outlen, int *how)
{
	size_t max = BASE64_DECODED_MAX(len);
	unsigned char *out = max >= SIGN_BIG_MIN ? sign_big_alloc(max) : NULL;

	*how = out != NULL ? 3 : 2;
	if (out == NULL)
		out = xmalloc(max);
	*outlen = base64_decode_mime(in, len, out);
	return (char *)out;
}

/* Decode up to enc_len encoded bytes of m's body. 0, or -1. *copied says
 * how to release *out: 0 (points into the message), 1 (libetpan), 2 (free),
 * 3 (sign_big_free). */
static int
sign_decode(const struct mailmime *m, size_t enc_len, char **out, size_t *outlen,
    int *copied)
{
	const struct mailmime_data *b = m->mm_body;
	int enc = sign_encoding(m);
	size_t idx = 0;

	*copied = 0;
	if (b == NULL || b->dt_type != MAILMIME_DATA_TEXT)
		return -1;
	if (enc_len > b->dt_data.dt_text.dt_length)
		enc_len = b->dt_data.dt_text.dt_length;
	if (enc == MAILMIME_MECHANISM_BASE64) {
		*out = sign_base64(b->dt_data.dt_text.dt_data, enc_len, outlen, copied);
		return 0;
	}
	if (enc != MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
		*out = (char *)b->dt_data.dt_text.dt_data;
		*outlen = enc_len;
		return 0;
	}
	if (mailmime_part_parse(b->dt_data.dt_text.dt_data, enc_len, &idx, enc, out,
	    outlen) != MAILIMF_NO_ERROR)
		return -1;
	*copied = 1;
	return 0;
}

static void
sign_release(char *p, int copied)
{
	if (copied == 1)
		mmap_string_unref(p);
	else if (copied == 2)
		free(p);
	else if (copied == 3)
		sign_big_free(p);
}

/* ---- the walk ---------------------------------------------------------------- */

static void sign_walk_part(struct sign_walk *w, struct mailmime *m, int depth, int env);

static int
sign_new_envelope(struct sign_walk *w, int parent)
{
	if (w->nenv == SIGN_MAX_ENVELOPES)
		return -1;
	memset(&w->env[w->nenv], 0, sizeof(w->env[0]));
	w->env[w->nenv].parent = parent;
	return (int)w->nenv++;
}

/* A record for the signature we could not read or nest. */
static void
sign_envelope_fail(struct sign_envelope *e, enum sign_status st, const char *why)
{
	memset(&e->signers[0], 0, sizeof(e->signers[0]));
	e->signers[0].status = st;
	snprintf(e->signers[0].reason, sizeof(e->signers[0].reason), "%s", why);
	e->n = 1;
}

/* multipart/signed: verify over the first part's exact bytes, then walk it. */
static void
sign_walk_signed(struct sign_walk *w, struct mailmime *m, int depth, int env)
{
	clist *l = m->mm_data.mm_multipart.mm_mp_list;
	struct mailmime *content, *sig;
	struct sign_segment seg;
	const char *proto = sign_ct_param(m, "protocol");
	char *der = NULL;
	size_t derlen = 0;
	int copied = 0, e;

	if (clist_count(l) != 2 || proto == NULL || (strcasecmp(proto,
	    "application/pkcs7-signature") != 0 && strcasecmp(proto,
	    "application/x-pkcs7-signature") != 0)) {
		/* not S/MIME (OpenPGP ...): its parts are only walked */
		for (clistiter *it = clist_begin(l); it != NULL; it = clist_next(it))
			sign_walk_part(w, clist_content(it), depth + 1, env);
		return;
	}
	content = clist_content(clist_begin(l));
	sig = clist_content(clist_next(clist_begin(l)));
	if ((e = sign_new_envelope(w, env)) < 0) {
		snprintf(w->res->problem, sizeof(w->res->problem), "too many S/MIME signatures");
		return;
	}
	if (sig->mm_body == NULL || sig->mm_body->dt_data.dt_text.dt_length >
	    w->lim->max_signature_size * 2 + 1024 ||
	    sign_decode(sig, (size_t)-1, &der, &derlen, &copied) != 0)
		sign_envelope_fail(&w->env[e], SIGN_MALFORMED, "S/MIME signature not readable");
	else {
		/* the digest over the part in place, in one pass (sign_verify.h) */
		struct sign_detached job = { (unsigned char *)der, derlen, &seg, 1,
		    w->env[e].signers, SIGN_ENV_SIGNERS, 0, 0 };

		seg.p = (const unsigned char *)content->mm_mime_start;
		seg.len = content->mm_length;
		sign_verify_detached(w->trust, &job, 1);
		w->env[e].n = job.n;
	}
	if (der != NULL)
		sign_release(der, copied);
	sign_walk_part(w, content, depth + 1, e);
}

/* application/pkcs7-mime signed-data: verify, then walk what it holds. */
static void
sign_walk_opaque(struct sign_walk *w, struct mailmime *m, int depth, int env)
{
	struct mime_tree *inner;
	unsigned char *content = NULL;
	size_t clen = 0, derlen = 0;
	char *der = NULL;
	int copied = 0, e;

	if ((e = sign_new_envelope(w, env)) < 0 || w->nopaque == SIGN_MAX_OPAQUE) {
		snprintf(w->res->problem, sizeof(w->res->problem), "too many S/MIME signatures");
		return;
	}
	if (m->mm_body == NULL || m->mm_body->dt_data.dt_text.dt_length >
	    w->lim->max_document_size * 2 + 1024 ||
	    sign_decode(m, (size_t)-1, &der, &derlen, &copied) != 0) {
		sign_envelope_fail(&w->env[e], SIGN_MALFORMED, "S/MIME message not readable");
		return;
	}
	w->env[e].n = sign_verify_cms(w->trust, (unsigned char *)der, derlen, NULL, 0,
	    w->env[e].signers, SIGN_ENV_SIGNERS, &content, &clen);
	sign_release(der, copied);
	if (content == NULL)
		return;
	w->opaque[w->nopaque] = content;
	inner = &w->inner[w->nopaque++];
	mime_tree_parse(inner, (const char *)content, clen, w->lim->max_parts);
	w->res->thread_cpu_us += inner->thread_cpu_us;
	if (inner->status != MIME_TREE_OK) {
		snprintf(w->res->problem, sizeof(w->res->problem), "S/MIME content: %s",
		    mime_tree_problem(inner->status));
		return;
	}
	sign_walk_part(w, inner->root, depth + 1, e);
}

/* Decode a leaf's content (once); 0, or -1 if it is too large or
 * unreadable (then too_big is set and the document judged so). */
static int
sign_leaf_load(struct sign_walk *w, struct sign_leaf *lf)
{
	char *data;
	size_t dlen;

	if (lf->loaded || lf->too_big)
		return lf->too_big ? -1 : 0;
	lf->loaded = 1;
	if (sign_decode(lf->part, (size_t)-1, &data, &dlen, &lf->decoded_how) != 0) {
		lf->too_big = 1;     /* unreadable: judged like an oversized one */
		return -1;
	}
	lf->data = (const unsigned char *)data;
	lf->len = dlen;
	lf->decoded = lf->decoded_how ? data : NULL;
	if (dlen > w->lim->max_document_size)
		lf->too_big = 1;
	return lf->too_big ? -1 : 0;
}

/* Is the part a PDF by content? Its first bytes are decoded for that
 * (more than 1024 of them, what sign_pdf_is_pdf looks at). */
static int
sign_part_is_pdf(struct mailmime *m)
{
	char *head = NULL;
	size_t hlen = 0;
	int copied = 0, pdf;

	if (m->mm_body == NULL || sign_decode(m, 8192, &head, &hlen, &copied) != 0)
		return 0;
	pdf = sign_pdf_is_pdf((const unsigned char *)head, hlen);
	sign_release(head, copied);
	return pdf;
}

/* A leaf: remember it if it is a document or a .p7s. A document is
 * decoded only when its bytes are needed: it is a PDF (by content), or a
 * .p7s may sign it. */
static void
sign_walk_leaf(struct sign_walk *w, struct mailmime *m, const char *type, int env)
{
	const struct sign_check_limits *lim = w->lim;
	struct sign_leaf *lf;
	char *name = mime_check_part_filename(m);
	size_t enc_len;
	int is_doc, is_p7s, pdf = 0;

	enc_len = m->mm_body != NULL ? m->mm_body->dt_data.dt_text.dt_length : 0;
	is_p7s = strcmp(type, "application/pkcs7-signature") == 0 ||
	    strcmp(type, "application/x-pkcs7-signature") == 0 ||
	    (name != NULL && sign_ext(name) != NULL && strcasecmp(sign_ext(name), "p7s") == 0);
	is_doc = !is_p7s && sign_is_doc_name(lim, name);
	/* PDFs by content, whatever they are called (text parts aside). */
	if (!is_p7s && (is_doc || strncmp(type, "text/", 5) != 0))
		pdf = sign_part_is_pdf(m);
	is_doc = is_doc || pdf;
	if ((!is_doc && !is_p7s) || m->mm_body == NULL) {
		free(name);
		return;
	}
	if (w->nleaves == SIGN_MAX_LEAVES) {
		w->res->more = 1;
		free(name);
		return;
	}
	lf = &w->leaves[w->nleaves++];
	memset(lf, 0, sizeof(*lf));
	lf->name = name;
	lf->envelope = env;
	lf->is_doc = is_doc;
	lf->is_p7s = is_p7s;
	lf->part = m;
	lf->pdf = pdf;
	if (enc_len > lim->max_document_size * 4 / 3 + 4096 ||
	    (is_p7s && enc_len > lim->max_signature_size * 2 + 1024)) {
		lf->too_big = 1;
		return;
	}
	/* what is not base64 costs nothing to read, and may be unreadable */
	if (is_p7s || sign_encoding(m) != MAILMIME_MECHANISM_BASE64)
		(void)sign_leaf_load(w, lf);
}

static void
sign_walk_part(struct sign_walk *w, struct mailmime *m, int depth, int env)
{
	char type[128];
	const char *st;
	clistiter *it;

	if (sign_over_budget(w))
		return;
	if (++w->parts > w->lim->max_parts || depth > w->lim->max_depth) {
		snprintf(w->res->problem, sizeof(w->res->problem),
		    "MIME structure too large or too deep to check");
		return;
	}
	mime_check_part_type(m, type, sizeof(type));
	switch (m->mm_type) {
	case MAILMIME_MULTIPLE:
		if (strcmp(type, "multipart/signed") == 0) {
			sign_walk_signed(w, m, depth, env);
			return;
		}
		for (it = clist_begin(m->mm_data.mm_multipart.mm_mp_list); it != NULL;
		    it = clist_next(it))
			sign_walk_part(w, clist_content(it), depth + 1, env);
		return;
	case MAILMIME_MESSAGE:
		if (m->mm_data.mm_message.mm_msg_mime != NULL)
			sign_walk_part(w, m->mm_data.mm_message.mm_msg_mime,
			    m->mm_parent == NULL ? depth : depth + 1, env);
		return;
	default:
		break;
	}
	if ((strcmp(type, "application/pkcs7-mime") == 0 ||
	    strcmp(type, "application/x-pkcs7-mime") == 0) &&
	    ((st = sign_ct_param(m, "smime-type")) == NULL ||
	    strcasecmp(st, "signed-data") == 0)) {
		sign_walk_opaque(w, m, depth, env);
		return;
	}
	sign_walk_leaf(w, m, type, env);
}

/* ---- judging one document --------------------------------------------------- */

/* The signers of a document; a PDF signer whose revision was changed
 * afterwards (sign_pdfrev.h) has rev[i].verdict set and is not credited. */
struct sign_doc_sigs {
	struct sign_signer s[SIGN_DOC_SIGNERS];
	struct {
		enum sign_pdfrev_verdict verdict;
		char change[120];
	} rev[SIGN_DOC_SIGNERS];
	size_t n;
};

static void
sign_add(struct sign_doc_sigs *ds, const struct sign_signer *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && ds->n < SIGN_DOC_SIGNERS; i++) {
		ds->rev[ds->n].verdict = SIGN_PDFREV_CREDITED;
		ds->rev[ds->n].change[0] = '\0';
		ds->s[ds->n++] = s[i];
	}
}

static void
sign_add_fail(struct sign_doc_sigs *ds, enum sign_status st, const char *why)
{
	struct sign_signer s;

	memset(&s, 0, sizeof(s));
	s.status = st;
	snprintf(s.reason, sizeof(s.reason), "%s", why);
	sign_add(ds, &s, 1);
}

/* What changed after the PDF signatures that verified: revs[k] is the
 * revision signed by found->sig[idx[k]], in increasing order. */
static size_t
sign_pdf_revisions(const struct sign_pdf_found *found, const struct sign_detached *jobs,
    const size_t *job_of, struct sign_pdfrev_rev *revs, size_t *idx)
{
	size_t i, k, n = 0;

	for (i = 0; i < found->nsig; i++) {
		const struct sign_detached *j = job_of[i] == (size_t)-1 ? NULL : &jobs[job_of[i]];
		size_t end = found->sig[i].range[2] + found->sig[i].range[3];

		if (j == NULL || j->n == 0 || j->out[0].status != SIGN_VALID)
			continue;
		/* insertion by the end of the revision (at most 32) */
		for (k = n; k > 0 && revs[k - 1].end > end; k--) {
			revs[k] = revs[k - 1];
			idx[k] = idx[k - 1];
		}
		revs[k].end = end;
		idx[k] = i;
		n++;
	}
	return n;
}

/* The signatures embedded in a PDF; *altered when bytes follow the last
 * that are no update PDF allows. */
static void
sign_pdf_signatures(struct sign_walk *w, const struct sign_leaf *lf,
    struct sign_doc_sigs *ds, int *altered)
{
	struct sign_pdf_found *found = xmalloc(sizeof(*found));
	struct sign_pdf_verify {
		struct sign_segment seg[2];
		struct sign_signer out[SIGN_ENV_SIGNERS];
		unsigned char *der;
		const char *problem;
		enum sign_status pst;       /* the status problem fails with */
		char why[120];              /* a SubFilter refused */
	} *v;
	struct sign_detached jobs[SIGN_PDF_MAX_SIGS];
	struct sign_revinfo *dss;
	struct sign_pdfrev_rev *revs;
	size_t job_of[SIGN_PDF_MAX_SIGS], idx[SIGN_PDF_MAX_SIGS], rev_of[SIGN_PDF_MAX_SIGS];
	size_t i, k, n = 0, nrev, first;

	*altered = 0;
	if (!lf->pdf || lf->data == NULL) {
		free(found);
		return;
	}
	sign_pdf_find(lf->data, lf->len, found);
	if (sign_over_budget(w)) {
		free(found);
		return;
	}
	v = xcalloc(found->nsig + 1, sizeof(*v));
	/* all the signatures of the file verified together (the bytes they
	 * share hashed once), then reported in the file's order */
	for (i = 0; i < found->nsig; i++) {
		const struct sign_pdf_sig *sig = &found->sig[i];
		enum sign_subfilter sf;
		char sfname[64];
		size_t derlen;

		job_of[i] = (size_t)-1;
		v[i].pst = SIGN_MALFORMED;
		if ((v[i].problem = sig->problem) != NULL)
			continue;
		/* the format named by /SubFilter (sign_subfilter.h) */
		sf = sign_subfilter_find(lf->data, lf->len, sig->gap_off, sig->gap_len, sfname,
		    sizeof(sfname));
		if ((v[i].pst = sign_subfilter_judge(sf, sfname, v[i].why, sizeof(v[i].why))) !=
		    SIGN_VALID) {
			v[i].problem = v[i].why;
			continue;
		}
		v[i].pst = SIGN_MALFORMED;
		if ((v[i].der = sign_pdf_value(lf->data, sig, w->lim->max_signature_size,
		    &derlen)) == NULL) {
			v[i].problem = "signature value is not readable";
			continue;
		}
		v[i].seg[0].p = lf->data + sig->range[0];
		v[i].seg[0].len = sig->range[1];
		v[i].seg[1].p = lf->data + sig->range[2];
		v[i].seg[1].len = sig->range[3];
		jobs[n].der = v[i].der;
		jobs[n].derlen = derlen;
		jobs[n].segs = v[i].seg;
		jobs[n].nsegs = 2;
		jobs[n].out = v[i].out;
		jobs[n].max = SIGN_ENV_SIGNERS;
		jobs[n].ess_v2 = sf == SIGN_SF_CADES_DETACHED;
		job_of[i] = n;
		n++;
	}
	/* revocation data the document carries (/DSS) is used like what each
	 * signature carries: first, and verified */
	dss = n > 0 ? sign_dss_read(lf->data, lf->len) : NULL;
	sign_verify_detached_rev(w->trust, jobs, n, dss);
	sign_revinfo_free(dss);
	/* a signature counts only for its revision: what changed after it */
	revs = xcalloc(found->nsig + 1, sizeof(*revs));
	nrev = sign_pdf_revisions(found, jobs, job_of, revs, idx);
	/* Bytes after the last signature with no "startxref": a PDF reader
	 * reads the file as that signature's revision or not at all, and the
	 * document fails below as altered, whatever the revisions hold; qpdf
	 * is not run for it (sign_pdf.h). */
	if (found->nsig > 0 && !found->whole && !found->tail_xref)
		nrev = 0;
	if (nrev > 0) {
		long long left = 0;

		if (w->lim->max_cpu_us > 0 && (left = w->lim->max_cpu_us - sign_cpu_used_us(w)) <= 0)
			left = 1;
		/* qpdf in a child process of its own, with memory and CPU limits */
		w->res->thread_cpu_us += sign_pdfrev_child_check(lf->data, lf->len, revs, nrev, left);
		(void)sign_over_budget(w);
	}
	for (i = 0; i < found->nsig; i++)
		rev_of[i] = (size_t)-1;
	for (k = 0; k < nrev; k++)
		rev_of[idx[k]] = k;
	for (i = 0; i < found->nsig; i++) {
		if (v[i].problem != NULL) {
			sign_add_fail(ds, v[i].pst, v[i].problem);
			free(v[i].der);
			continue;
		}
		first = ds->n;
		sign_add(ds, v[i].out, jobs[job_of[i]].n);
		for (k = first; rev_of[i] != (size_t)-1 && k < ds->n; k++) {
			ds->rev[k].verdict = revs[rev_of[i]].verdict;
			memcpy(ds->rev[k].change, revs[rev_of[i]].change, sizeof(ds->rev[k].change));
		}
		free(v[i].der);
	}
	if (found->more)
		sign_add_fail(ds, SIGN_MALFORMED, "too many signatures");
	/* Bytes after the last signature: an update judged like the others,
	 * unless it changes nothing qpdf reads or cannot be read at all (then
	 * they are bytes added after the last signature, as before). */
	if (found->nsig > 0 && !found->whole) {
		const struct sign_pdfrev_rev *r = rev_of[found->last] != (size_t)-1 ?
		    &revs[rev_of[found->last]] : NULL;

		*altered = 1;
		if (r != NULL && r->verdict == SIGN_PDFREV_UNREADABLE) {
			for (k = 0; k < ds->n; k++)
				if (ds->rev[k].verdict == SIGN_PDFREV_UNREADABLE)
					ds->rev[k].verdict = SIGN_PDFREV_CREDITED;
		} else if (r != NULL && (r->verdict != SIGN_PDFREV_CREDITED || r->differs))
			*altered = 0;
	}
	free(revs);
	free(v);
	free(found);
}

static int
sign_fp_in(const unsigned char fp[32], const unsigned char (*list)[32], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(fp, list[i], 32) == 0)
			return 1;
	return 0;
}

/* Is the signer the sender as a person? */
static int
sign_is_sender(const struct sign_signer *s, const struct sign_identity *id)
{
	size_t i, k;

	if (sign_fp_in(s->fingerprint, id->account_certs, id->naccount_certs))
		return 1;
	for (i = 0; i < s->nemail; i++)
		for (k = 0; k < id->naddresses; k++)
			if (strcasecmp(s->email[i], id->addresses[k]) == 0)
				return 1;
	return 0;
}

/* Does the signer sign for the sender's agency (or, for a sender that
 * is not ours, for an organisation at all)? */
static int
sign_is_org(const struct sign_signer *s, const struct sign_identity *id)
{
	size_t i;

	if (sign_fp_in(s->fingerprint, id->agency_certs, id->nagency_certs))
		return 1;
	if (s->nemail > 0)
		return 0;
	if (id->agency == NULL)
		return 1;
	for (i = 0; i < id->norg_names; i++)
		if ((s->org[0] && strcasecmp(s->org, id->org_names[i]) == 0) ||
		    (s->cn[0] && strcasecmp(s->cn, id->org_names[i]) == 0))
			return 1;
	return 0;
}

/* "CN <email>" or what is known of the signer: UTF-8 with its
 * diacritics (the header encodes it, replies fold it to ASCII). */
static void
sign_signer_name(const struct sign_signer *s, char *buf, size_t len)
{
	char cn[64], mail[124];

	sign_text_clean(s->cn, cn, sizeof(cn));
	if (s->nemail > 0) {
		sign_text_clean(s->email[0], mail, sizeof(mail));
		snprintf(buf, len, "%s <%s>", cn, mail);
	} else
		snprintf(buf, len, "%s", cn[0] ? cn : "unknown signer");
}

static void
sign_judge(const struct sign_doc_sigs *ds, int altered, enum sign_requirement req,
    const struct sign_identity *id, struct sign_doc *d)
{
	const struct sign_signer *bad = NULL, *tmp = NULL, *person = NULL, *other = NULL;
	const struct sign_signer *org = NULL, *otherorg = NULL, *note = NULL;
	int warn = 0;
	size_t i, mod = SIZE_MAX, nsigners = 0;

	d->nsig = ds->n;
	for (i = 0; i < ds->n; i++) {
		const struct sign_signer *s = &ds->s[i];
		size_t sl = strlen(d->statuses), tl = strlen(d->times);
		int changed = s->status == SIGN_VALID && ds->rev[i].verdict != SIGN_PDFREV_CREDITED;
		char when[32];

		/* A document timestamp vouches for the bytes at a time, not for
		 * who wrote them: reported, never the person or the org. One
		 * that does not verify over its range fails like a broken
		 * signature; one not trusted is only reported. */
		if (s->doc_timestamp) {
			size_t dl = strlen(d->doc_timestamps);

			snprintf(d->doc_timestamps + dl, sizeof(d->doc_timestamps) - dl, "%s%s",
			    dl ? "," : "", changed ? sign_pdfrev_word(ds->rev[i].verdict) :
			    sign_status_word(s->status));
			if ((s->status == SIGN_BROKEN || s->status == SIGN_MALFORMED) && bad == NULL)
				bad = s;
			continue;
		}
		nsigners++;
		if (s->at != 0)
			sign_tsp_time((time_t)s->at, when, sizeof(when));
		snprintf(d->times + tl, sizeof(d->times) - tl, "%s%s%s", tl ? "," : "",
		    s->at != 0 ? "timestamp:" : "now", s->at != 0 ? when : "");

		snprintf(d->statuses + sl, sizeof(d->statuses) - sl, "%s%s", sl ? "," : "",
		    changed ? sign_pdfrev_word(ds->rev[i].verdict) : sign_status_word(s->status));

		/* valid for its revision, but not for what the document became */
		if (changed) {
			if (mod == SIZE_MAX)
				mod = i;
			continue;
		}

		if (s->status != SIGN_VALID) {
			if (s->tempfail && tmp == NULL)
				tmp = s;
			else if (!s->tempfail && bad == NULL)
				bad = s;
			continue;
		}
		warn |= s->crl_warning;
		if (s->ts_note[0] != '\0' && note == NULL)
			note = s;
		if (sign_is_sender(s, id)) {
			if (person == NULL)
				person = s;
		} else if (s->nemail > 0 && other == NULL)
			other = s;
		if (sign_is_org(s, id)) {
			if (org == NULL)
				org = s;
		} else if (s->nemail == 0 && otherorg == NULL)
			otherorg = s;
	}
	if (person != NULL || other != NULL)
		sign_signer_name(person != NULL ? person : other, d->signer, sizeof(d->signer));
	if (org != NULL || otherorg != NULL) {
		const struct sign_signer *o = org != NULL ? org : otherorg;

		sign_text_clean(o->org[0] ? o->org : o->cn, d->org, sizeof(d->org));
	}
	d->meets = 1;
	if (nsigners == 0 && !altered && bad == NULL) {
		d->result = SIGN_DOC_NONE;
		snprintf(d->reason, sizeof(d->reason), "not signed");
		d->meets = req < SIGN_REQ_SIGNED;
		return;
	}
	d->result = SIGN_DOC_FAIL;
	if (bad != NULL) {
		/* a timestamp that could have saved it says why it did not */
		snprintf(d->reason, sizeof(d->reason), "%.95s%s%.95s%s", bad->reason,
		    bad->ts_note[0] ? " (" : "", bad->ts_note, bad->ts_note[0] ? ")" : "");
		d->integrity = bad->status == SIGN_BROKEN || bad->status == SIGN_MALFORMED;
		if (d->signer[0] == '\0' && bad->have_cert)
			sign_signer_name(bad, d->signer, sizeof(d->signer));
	} else if (mod != SIZE_MAX) {
		char name[200];

		sign_signer_name(&ds->s[mod], name, sizeof(name));
		if (ds->rev[mod].verdict == SIGN_PDFREV_MODIFIED)
			snprintf(d->reason, sizeof(d->reason),
			    "modified after signing: %.70s after the signature of %.80s",
			    ds->rev[mod].change, name);
		else
			snprintf(d->reason, sizeof(d->reason),
			    "changes after the signature of %.80s cannot be checked (%.60s)",
			    name, ds->rev[mod].change);
		d->integrity = ds->rev[mod].verdict != SIGN_PDFREV_UNCHECKED;
		if (d->signer[0] == '\0')
			snprintf(d->signer, sizeof(d->signer), "%s", name);
	} else if (altered) {
		snprintf(d->reason, sizeof(d->reason),
		    "modified after signing (bytes added after the last signature)");
		d->integrity = 1;
	} else if (tmp != NULL) {
		snprintf(d->reason, sizeof(d->reason), "%s", tmp->reason);
		d->tempfail = req >= SIGN_REQ_SIGNED;
	} else if (req == SIGN_REQ_PERSON_ORG && person == NULL) {
		if (other != NULL)
			snprintf(d->reason, sizeof(d->reason), "signed by %.150s, not by the sender",
			    other->email[0]);
		else
			snprintf(d->reason, sizeof(d->reason), "no signature of the sender");
	} else if (req == SIGN_REQ_PERSON_ORG && org == NULL) {
		snprintf(d->reason, sizeof(d->reason), "no signature of the organisation%s%s%s",
		    id->agency ? " (" : "", id->agency ? id->agency : "", id->agency ? ")" : "");
	} else {
		d->result = SIGN_DOC_PASS;
		snprintf(d->reason, sizeof(d->reason), "%s%s%.120s",
		    (warn & SIGN_CRL_WARN_STALE) ? "revocation list out of date" :
		    (warn & SIGN_CRL_WARN_UNAVAILABLE) ? "revocation status unavailable" :
		    warn ? "no revocation list for an issuer" : "",
		    warn && note != NULL ? "; " : "", note != NULL ? note->ts_note : "");
		return;
	}
	d->meets = req == SIGN_REQ_VERIFY || req == SIGN_REQ_OFF;
}

/* ---- the message ----------------------------------------------------------------- */

/* The next document slot of the result, named after the leaf; NULL (and
 * res->more set) when the result holds SIGN_CHECK_MAX_DOCS already. */
static struct sign_doc *
sign_doc_new(struct sign_check_result *res, const struct sign_leaf *lf)
{
	struct sign_doc *d;

	if (res->ndocs == SIGN_CHECK_MAX_DOCS) {
		res->more = 1;
		return NULL;
	}
	d = &res->docs[res->ndocs++];
	memset(d, 0, sizeof(*d));
	snprintf(d->filename, sizeof(d->filename), "%s", lf->name ? lf->name : "");
	mime_check_ascii(lf->name ? lf->name : "(unnamed)", d->ascii, sizeof(d->ascii));
	return d;
}

/* The document a .p7s signs: by name (X.pdf.p7s signs X.pdf), else the
 * first document its signature verifies over. -1 if none. */
static int
sign_pair(struct sign_walk *w, size_t p7s, struct sign_signer *out, size_t *nout)
{
	const struct sign_leaf *sl = &w->leaves[p7s];
	const char *name = sl->name;
	struct sign_segment seg;
	size_t i, nl = name != NULL ? strlen(name) : 0;

	for (i = 0; nl > 4 && i < w->nleaves; i++) {
		struct sign_leaf *d = &w->leaves[i];

		if (i == p7s || d->is_p7s || d->name == NULL || strlen(d->name) != nl - 4 ||
		    strncasecmp(d->name, name, nl - 4) != 0 || sign_over_budget(w) ||
		    sign_leaf_load(w, d) != 0)
			continue;
		seg.p = d->data;
		seg.len = d->len;
		*nout = sign_verify_cms(w->trust, sl->data, sl->len, &seg, 1, out,
		    SIGN_ENV_SIGNERS, NULL, NULL);
		return (int)i;
	}
	for (i = 0; i < w->nleaves; i++) {
		struct sign_leaf *d = &w->leaves[i];

		if (d->is_p7s || sign_over_budget(w) || sign_leaf_load(w, d) != 0)
			continue;
		seg.p = d->data;
		seg.len = d->len;
		*nout = sign_verify_cms(w->trust, sl->data, sl->len, &seg, 1, out,
		    SIGN_ENV_SIGNERS, NULL, NULL);
		if (*nout > 0 && out[0].status != SIGN_BROKEN && out[0].status != SIGN_MALFORMED)
			return (int)i;
	}
	return -1;
}

void
sign_check_tree(struct sign_trust *t, const struct mime_tree *tree,
    const struct sign_check_limits *lim, enum sign_requirement req,
    const struct sign_identity *id, struct sign_check_result *res)
{
	struct sign_walk *w = xmalloc(sizeof(*w));
	struct sign_doc_sigs *ds = xmalloc(sizeof(*ds));
	struct sign_p7s {
		int doc;
		struct sign_signer s[SIGN_ENV_SIGNERS];
		size_t n;
	} *pairs;
	size_t i, k;
	int e, altered;

	memset(w, 0, offsetof(struct sign_walk, leaves));
	/* the documents are cleared as they are added (sign_check.h) */
	memset(&res->ndocs, 0, sizeof(*res) - offsetof(struct sign_check_result, ndocs));
	res->failed = -1;
	res->req = req;
	w->trust = t;
	w->lim = lim;
	w->res = res;
	w->over = 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &w->cpu0);
	if (tree->status != MIME_TREE_OK)
		snprintf(res->problem, sizeof(res->problem), "%s", mime_tree_problem(tree->status));
	else
		sign_walk_part(w, tree->root, 0, -1);
	/* Each .p7s to the document it signs, with its verdict over it. */
	pairs = xcalloc(w->nleaves + 1, sizeof(*pairs));
	for (i = 0; i < w->nleaves; i++)
		pairs[i].doc = -1;
	for (i = 0; i < w->nleaves && res->problem[0] == '\0'; i++) {
		if (w->leaves[i].is_p7s && !w->leaves[i].too_big && w->leaves[i].data != NULL &&
		    !sign_over_budget(w))
			pairs[i].doc = sign_pair(w, i, pairs[i].s, &pairs[i].n);
	}
	for (i = 0; i < w->nleaves; i++) {
		struct sign_leaf *lf = &w->leaves[i];
		struct sign_doc *d;

		if (!lf->is_doc)
			continue;
		if (sign_over_budget(w))
			break;
		if ((d = sign_doc_new(res, lf)) == NULL)
			break;
		ds->n = 0;
		altered = 0;
		if (lf->pdf)
			(void)sign_leaf_load(w, lf);
		if (lf->too_big)
			sign_add_fail(ds, SIGN_MALFORMED, "document too large or unreadable to check");
		else
			sign_pdf_signatures(w, lf, ds, &altered);
		for (e = lf->envelope; e >= 0; e = w->env[e].parent)
			sign_add(ds, w->env[e].signers, w->env[e].n);
		for (k = 0; k < w->nleaves; k++)
			if (pairs[k].doc == (int)i)
				sign_add(ds, pairs[k].s, pairs[k].n);
		sign_judge(ds, altered, req, id, d);
		if (d->tempfail)
			res->tempfail = 1;
		if (!d->meets && res->failed < 0)
			res->failed = (int)(res->ndocs - 1);
	}
	/* A detached signature whose document is not in the message signs
	 * nothing here: reported, and failing a requirement of signatures
	 * (what it signs cannot be what was sent). */
	for (i = 0; i < w->nleaves && !sign_over_budget(w); i++) {
		struct sign_leaf *lf = &w->leaves[i];
		struct sign_doc *d;

		if (!lf->is_p7s || pairs[i].doc >= 0)
			continue;
		if ((d = sign_doc_new(res, lf)) == NULL)
			break;
		d->result = SIGN_DOC_FAIL;
		snprintf(d->reason, sizeof(d->reason), "%s", lf->too_big || lf->data == NULL ?
		    "detached signature too large or unreadable to check" :
		    "detached signature without the document it signs");
		d->meets = req < SIGN_REQ_SIGNED;
		if (!d->meets && res->failed < 0)
			res->failed = (int)(res->ndocs - 1);
	}
	/* Each S/MIME signature is judged too, documents inside or not: one
	 * that does not verify fails the message; who signed is not asked. */
	for (k = 0; k < w->nenv && !sign_over_budget(w); k++) {
		struct sign_doc *d;

		if (res->ndocs == SIGN_CHECK_MAX_DOCS) {
			res->more = 1;
			break;
		}
		d = &res->docs[res->ndocs++];
		memset(d, 0, sizeof(*d));
		snprintf(d->ascii, sizeof(d->ascii), "S/MIME signature");
		ds->n = 0;
		sign_add(ds, w->env[k].signers, w->env[k].n);
		sign_judge(ds, 0, req > SIGN_REQ_SIGNED ? SIGN_REQ_SIGNED : req, id, d);
		if (d->tempfail)
			res->tempfail = 1;
		if (!d->meets && res->failed < 0)
			res->failed = (int)(res->ndocs - 1);
	}
	if (res->more && req >= SIGN_REQ_SIGNED && res->problem[0] == '\0')
		snprintf(res->problem, sizeof(res->problem), "too many documents to check");
	for (i = 0; i < w->nleaves; i++) {
		free(w->leaves[i].name);
		if (w->leaves[i].decoded != NULL)
			sign_release(w->leaves[i].decoded, w->leaves[i].decoded_how);
	}
	for (i = 0; i < w->nopaque; i++) {
		mime_tree_free(&w->inner[i]);
		free(w->opaque[i]);
	}
	free(pairs);
	free(ds);
	free(w);
}

void
sign_check_buffer(struct sign_trust *t, const char *buf, size_t len,
    const struct sign_check_limits *lim, enum sign_requirement req,
    const struct sign_identity *id, struct sign_check_result *res)
{
	struct mime_tree tree;

	mime_tree_parse(&tree, buf, len, lim->max_parts);
	sign_check_tree(t, &tree, lim, req, id, res);
	mime_tree_free(&tree);
}

void
sign_check_header_value(const struct sign_doc *d, enum sign_lang lang, int ascii, char *buf,
    size_t len)
{
	static const char *const results[] = { "none", "pass", "fail" };
	char name[96], reason[400];
	size_t i, o = 0, n, m;

	/* the file's ASCII name (sign_doc.ascii) as a quoted string */
	for (i = 0; d->ascii[i] != '\0' && o + 1 < sizeof(name); i++)
		if (d->ascii[i] != '"' && d->ascii[i] != '\\')
			name[o++] = d->ascii[i];
	name[o] = '\0';
	n = (size_t)snprintf(buf, len, "\"%s\"; result=%s", name, results[d->result]);
	if (n >= len)
		return;
	(void)sign_text_translate(d->reason, lang, reason, sizeof(reason));
	/* the time each signer's certificate was checked at (sign_tsp.h),
	 * when a timestamp was used for one (else it is now for all, as the
	 * header always meant), and the document timestamps' words */
	if (strstr(d->times, "timestamp:") != NULL &&
	    (m = sign_text_param(buf, len, n, "time", d->times, 1)) < len)
		n = m;
	buf[n] = '\0';
	if (d->doc_timestamps[0] &&
	    (m = sign_text_param(buf, len, n, "doc-timestamp", d->doc_timestamps, 1)) < len)
		n = m;
	buf[n] = '\0';
	/* a parameter that does not fit is left out whole */
	if (d->signer[0] && (m = sign_text_param(buf, len, n, "signer", d->signer, ascii)) < len)
		n = m;
	buf[n] = '\0';
	if (d->org[0] && (m = sign_text_param(buf, len, n, "org", d->org, ascii)) < len)
		n = m;
	buf[n] = '\0';
	if (reason[0] && (m = sign_text_param(buf, len, n, "reason", reason, ascii)) < len)
		n = m;
	buf[n] = '\0';
}
