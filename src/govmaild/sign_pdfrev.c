/*
 * sign_pdfrev.c — what changed in a PDF after each of its signatures
 * (see sign_pdfrev.h), read with qpdf's C API.
 *
 * The final file is read once; each signed revision (a prefix of the
 * file) by its own qpdf reader over the same bytes, recovery off: what is
 * judged is what a strict reader sees, and any qpdf warning or error makes
 * the document unreadable. Nothing is allowed unless a rule allows it, in
 * the spirit of pyHanko's difference analysis:
 *
 *   1. the skeleton is compared first: the trailer (/Root, /Encrypt,
 *      /Info), the catalog's keys (only /AcroForm, /DSS, /Extensions may
 *      differ), the page list (no page added, removed or replaced), each
 *      page's keys (only /Annots may differ) and /Annots entries (kept in
 *      order; new ones only new signature widgets, any annotation with
 *      DocMDP P=3), /AcroForm's keys (/Fields gaining new signature
 *      fields, /SigFlags, /DR, /DA, /NeedAppearances) and every form
 *      field (new: signature fields only; changed: /V, /AP, /AS of a
 *      field that is not a signature and not locked by FieldMDP, or the
 *      value and appearance of a signature field that was empty);
 *   2. then every object the final trailer reaches is visited with the
 *      role it has there — the page's content, its resources, an
 *      annotation's appearance, a field's value, a new signature, /DSS,
 *      the document information, anything else — and compared with the
 *      object of the same number in the signed revision (its unparsed
 *      text; a stream's dictionary and raw bytes). An object reached in
 *      two roles is judged in both, so a font shared by a page and the
 *      form's /DR cannot be changed through the form. A new or changed
 *      object is allowed only where its role allows it: a new object the
 *      page's content reaches (a reference the signed revision left
 *      dangling, filled later) is a changed page.
 * The first refused change is reported, e.g. "page 1 content replaced".
 * With plain cross-reference tables or streams (sign_pdfxref.c), an object no section
 * after the revision names is the same bytes in both readers: it is taken
 * as unchanged without comparing, and a large one that is no part of the
 * structure (a font, an image) is stood in for by an empty value so that
 * qpdf never parses it (pdfrev_standins); the verdicts are the same as
 * when every object is read and compared (tests/unit/test_sign_pdfrev.c
 * checks both ways).
 *
 * Bounds: what the updates make qpdf parse is counted before it reads
 * them (pdfrev_update_cost, sign_pdfcost.h: a first filter; the child's
 * limits are the bound, sign_pdfrev_child.h); each (object, role) is
 * visited once, each object compared once per revision, direct nesting is
 * walked to 64 levels, and every step (an object, a dictionary entry, an
 * array item) counts toward SIGN_PDFREV_MAX_STEPS and asks the caller's
 * budget every 256 steps. The first refused change ends the analysis.
 * Not for: finding the signatures or verifying them (sign_pdf.c,
 * sign_verify.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qpdf/qpdf-c.h>
#include <qpdf/qpdflogger-c.h>

#include "sign_pdfcost.h"
#include "sign_pdfrev.h"
#include "sign_pdfxref.h"
#include "xmalloc.h"

#define PDFREV_MAX_DEPTH 64         /* nesting of direct arrays and dictionaries */
#define PDFREV_MAX_TREE 64          /* levels of the page tree and the form's fields */
#define PDFREV_MAX_LOCKS 64         /* FieldMDP locks read */
#define PDFREV_NAME 128             /* a field's qualified name, kept for messages */

/* The role of an object, which says what may change in it and beneath. */
enum pdfrev_ctx {
	C_SKIP = 0,
	C_CATALOG, C_PAGETREE, C_KIDS, C_PAGE, C_CONTENT, C_PAGERES,
	C_ANNOTS, C_ANNOT, C_NEWANNOT, C_ANNOTSUB,
	C_ACROFORM, C_ACROSUB, C_FIELDS, C_FIELD, C_FKIDS, C_FVALUE, C_FSUB,
	C_SIGV, C_SIGAP, C_NEWSIG, C_DR, C_DSS, C_EXT, C_INFO, C_META, C_PERMS, C_OTHER
};

#define F_LOCKED 1      /* the field is locked by a FieldMDP lock */
#define F_UNSIGNED 2    /* the signature field had no value in the signed revision */
#define F_SIG 4         /* a new annotation is a signature widget */

/* An object compared with the signed revision. */
enum { S_SAME = 1, S_NEW, S_CHANGED, S_DELETED };

/* A hash table of (object, generation, tag): visited roles, comparison
 * results, roles in the final file. Object number 0 marks a free slot. */
struct pdfrev_ent {
	int id, gen;
	unsigned tag;
	unsigned val;
	int aux;
};

struct pdfrev_map {
	struct pdfrev_ent *e;
	size_t cap, n;
};

struct pdfrev_item {
	int id, gen;
	unsigned char ctx, flags;
	int aux;                    /* page number, or field index */
};

struct pdfrev_field {
	char name[PDFREV_NAME];
	int sig, e_signed, is_new, locked;
};

struct pdfrev_lock {
	int action;                 /* 0 all, 1 include, 2 exclude */
	char **names;
	size_t n;
};

/* One revision's analysis against the final file. */
struct pdfrev_work {
	qpdf_data e, l;             /* the signed revision, the final file */
	struct sign_pdfxref *x;     /* what later updates redefined; NULL: read all */
	int fastfail;               /* a stood-in object met where its content counts */
	int (*over_budget)(void *);
	void *arg;
	size_t steps;
	int mode;                   /* DocMDP P in force (2 when not certified) */
	int certified;
	int differs;
	int stop;                   /* the analysis ended: verdict, why */
	int final_bad;              /* ... because of the final file */
	enum sign_pdfrev_verdict verdict;
	char why[120];
	char change[120];           /* the first refused change */
	struct pdfrev_map seen, state, role, efield;
	struct pdfrev_item *stack;
	size_t nstack;
	struct pdfrev_field *fields;
	size_t nfields;
	struct pdfrev_lock locks[PDFREV_MAX_LOCKS];
	size_t nlocks;
};

/* ---- small helpers ----------------------------------------------------------- */

static void
pdfrev_ascii(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; s != NULL && *s && o + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80) {
			while ((((unsigned char)s[1]) & 0xC0) == 0x80)
				s++;
			c = '?';
		} else if (c < 0x20 || c == 0x7f)
			c = '?';
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

static void
pdfrev_stop(struct pdfrev_work *w, enum sign_pdfrev_verdict v, const char *why, const char *detail)
{
	char d[64];

	if (w->stop)
		return;
	w->stop = 1;
	w->verdict = v;
	if (detail != NULL) {
		pdfrev_ascii(d, sizeof(d), detail);
		snprintf(w->why, sizeof(w->why), "%s (%s)", why, d);
	} else
		snprintf(w->why, sizeof(w->why), "%s", why);
}

/* A refused change; the first one is kept. */
static void
pdfrev_bad(struct pdfrev_work *w, const char *what)
{
	w->differs = 1;
	if (w->change[0] == '\0')
		pdfrev_ascii(w->change, sizeof(w->change), what);
}

/* The same, with "(the certification allows no changes)" under P=1. */
static void
pdfrev_badp(struct pdfrev_work *w, const char *what)
{
	char b[160];

	snprintf(b, sizeof(b), "%s%s", what, w->mode == 1 ? " (the certification allows no changes)" : "");
	pdfrev_bad(w, b);
}

/* Did qpdf fail or warn on either reader? Then the analysis stops. */
static int
pdfrev_qpdf_ok(struct pdfrev_work *w)
{
	qpdf_data qs[2] = { w->l, w->e };
	int i;

	for (i = 0; i < 2 && !w->stop; i++) {
		if (qs[i] == NULL)
			continue;
		if (qpdf_has_error(qs[i]) || qpdf_more_warnings(qs[i]))
			w->final_bad = qs[i] == w->l;
		if (qpdf_has_error(qs[i])) {
			qpdf_error err = qpdf_get_error(qs[i]);

			pdfrev_stop(w, SIGN_PDFREV_UNREADABLE, "not readable",
			    err ? qpdf_get_error_message_detail(qs[i], err) : NULL);
		} else if (qpdf_more_warnings(qs[i])) {
			qpdf_error err = qpdf_next_warning(qs[i]);

			pdfrev_stop(w, SIGN_PDFREV_UNREADABLE, "damaged",
			    err ? qpdf_get_error_message_detail(qs[i], err) : NULL);
		}
	}
	return !w->stop;
}

/* One step of work: counted, the caller's budget asked every 256. */
static int
pdfrev_tick(struct pdfrev_work *w)
{
	if (w->stop)
		return 0;
	if (++w->steps > SIGN_PDFREV_MAX_STEPS) {
		pdfrev_stop(w, SIGN_PDFREV_UNCHECKED, "too complex to check", NULL);
		return 0;
	}
	if ((w->steps & 255) == 0) {
		if (w->over_budget != NULL && w->over_budget(w->arg)) {
			pdfrev_stop(w, SIGN_PDFREV_UNCHECKED, "too costly to check", NULL);
			return 0;
		}
		return pdfrev_qpdf_ok(w);
	}
	return 1;
}

static size_t
pdfrev_hash(int id, int gen, unsigned tag)
{
	uint64_t x = (uint64_t)(uint32_t)id * 0x9E3779B97F4A7C15ull;

	x ^= ((uint64_t)(uint32_t)gen << 32 | tag) * 0xC2B2AE3D27D4EB4Full;
	x ^= x >> 29;
	return (size_t)x;
}

static struct pdfrev_ent *
pdfrev_find(struct pdfrev_map *m, int id, int gen, unsigned tag)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = pdfrev_hash(id, gen, tag) & (m->cap - 1); m->e[i].id != 0; i = (i + 1) & (m->cap - 1))
		if (m->e[i].id == id && m->e[i].gen == gen && m->e[i].tag == tag)
			return &m->e[i];
	return NULL;
}

/* The entry for a key, added (val 0) if it was not there; *added says. */
static struct pdfrev_ent *
pdfrev_put(struct pdfrev_map *m, int id, int gen, unsigned tag, int *added)
{
	struct pdfrev_ent *e;
	size_t i;

	if ((e = pdfrev_find(m, id, gen, tag)) != NULL) {
		*added = 0;
		return e;
	}
	if (2 * (m->n + 1) > m->cap) {
		struct pdfrev_map g;

		g.cap = m->cap ? 2 * m->cap : 64;
		g.n = 0;
		g.e = xcalloc(g.cap, sizeof(*g.e));
		for (i = 0; i < m->cap; i++) {
			if (m->e[i].id != 0) {
				size_t k = pdfrev_hash(m->e[i].id, m->e[i].gen, m->e[i].tag) & (g.cap - 1);

				while (g.e[k].id != 0)
					k = (k + 1) & (g.cap - 1);
				g.e[k] = m->e[i];
				g.n++;
			}
		}
		free(m->e);
		*m = g;
	}
	for (i = pdfrev_hash(id, gen, tag) & (m->cap - 1); m->e[i].id != 0; i = (i + 1) & (m->cap - 1))
		;
	e = &m->e[i];
	e->id = id;
	e->gen = gen;
	e->tag = tag;
	e->val = 0;
	e->aux = 0;
	m->n++;
	*added = 1;
	return e;
}

static void
pdfrev_map_free(struct pdfrev_map *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

/* ---- reading objects ----------------------------------------------------------- */

static int
pdfrev_absent(qpdf_data q, qpdf_oh h)
{
	enum qpdf_object_type_e t = qpdf_oh_get_type_code(q, h);

	return t == ot_null || t == ot_uninitialized || t == ot_reserved || t == ot_unresolved ||
	    t == ot_destroyed;
}

/* The keys of a dictionary (or a stream's), copied; NULL when none. */
static char **
pdfrev_keys(struct pdfrev_work *w, qpdf_data q, qpdf_oh h, size_t *n)
{
	char **k = NULL;
	qpdf_oh d = qpdf_oh_is_stream(q, h) ? qpdf_oh_get_dict(q, h) : qpdf_oh_new_object(q, h);

	*n = 0;
	if (qpdf_oh_is_dictionary(q, d)) {
		qpdf_oh_begin_dict_key_iter(q, d);
		while (qpdf_oh_dict_more_keys(q) && pdfrev_tick(w)) {
			const char *s = qpdf_oh_dict_next_key(q);

			k = xgrowarray(k, *n, sizeof(*k));
			k[(*n)++] = xstrdup(s != NULL ? s : "");
		}
	}
	qpdf_oh_release(q, d);
	return k;
}

/* The value of key in h (a dictionary or a stream), a new handle; null
 * for anything else (qpdf warns about a key asked of a non-dictionary,
 * and a warning is damage here). */
static qpdf_oh
pdfrev_get(qpdf_data q, qpdf_oh h, const char *key)
{
	qpdf_oh d, v;

	if (qpdf_oh_is_dictionary(q, h))
		return qpdf_oh_get_key(q, h, key);
	if (!qpdf_oh_is_stream(q, h))
		return qpdf_oh_new_null(q);
	d = qpdf_oh_get_dict(q, h);
	v = pdfrev_get(q, d, key);
	qpdf_oh_release(q, d);
	return v;
}

static int
pdfrev_is_name(qpdf_data q, qpdf_oh h, const char *key, const char *name)
{
	qpdf_oh v = pdfrev_get(q, h, key);
	int r = qpdf_oh_is_name_and_equals(q, v, name);

	qpdf_oh_release(q, v);
	return r;
}

/* The text of a value (references as "N G R"; resolved when top is set and
 * h is an indirect object that is not a stream), a new string. */
static char *
pdfrev_text(qpdf_data q, qpdf_oh h, int resolved, size_t *len)
{
	const char *s = resolved ? qpdf_oh_unparse_resolved(q, h) : qpdf_oh_unparse(q, h);
	size_t n = s != NULL ? qpdf_get_last_string_length(q) : 0;
	char *c = xmalloc(n + 1);

	if (n)
		memcpy(c, s, n);
	c[n] = '\0';
	*len = n;
	return c;
}

/* Do the values of key differ between the revision's eh and the final lh
 * (an absent key is null)? */
static int
pdfrev_key_differs(struct pdfrev_work *w, qpdf_oh eh, qpdf_oh lh, const char *key)
{
	qpdf_oh ev = pdfrev_get(w->e, eh, key), lv = pdfrev_get(w->l, lh, key);
	size_t el, ll;
	char *et = pdfrev_text(w->e, ev, 0, &el), *lt = pdfrev_text(w->l, lv, 0, &ll);
	int d = el != ll || memcmp(et, lt, el) != 0;

	free(et);
	free(lt);
	qpdf_oh_release(w->e, ev);
	qpdf_oh_release(w->l, lv);
	return d;
}

static int
pdfrev_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys whose values differ between eh and lh (the union of their
 * keys, sorted and merged). */
static char **
pdfrev_changed_keys(struct pdfrev_work *w, qpdf_oh eh, qpdf_oh lh, size_t *n)
{
	size_t ne, nl, i = 0, k = 0;
	char **ke = pdfrev_keys(w, w->e, eh, &ne), **kl = pdfrev_keys(w, w->l, lh, &nl);
	char **out = NULL;

	*n = 0;
	if (ne > 1)
		qsort(ke, ne, sizeof(*ke), pdfrev_strcmp);
	if (nl > 1)
		qsort(kl, nl, sizeof(*kl), pdfrev_strcmp);
	while ((i < ne || k < nl) && pdfrev_tick(w)) {
		const char *key;
		int c = i == ne ? 1 : k == nl ? -1 : strcmp(ke[i], kl[k]);

		key = c <= 0 ? ke[i] : kl[k];
		if (pdfrev_key_differs(w, eh, lh, key)) {
			out = xgrowarray(out, *n, sizeof(*out));
			out[(*n)++] = xstrdup(key);
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			k++;
	}
	xfreev(ke, ne);
	xfreev(kl, nl);
	return out;
}

/* Dictionaries with more keys than this (outside /DSS, whose /VRI has one
 * per signature) are not what signing tools write. */
#define PDFREV_MAX_KEYS 4096

/* Compare object (id, gen) of the final file with the revision's, once;
 * its entry's aux says whether the final object's text has a reference
 * (" R": maybe one in a string too), i.e. whether it has children. */
static int
pdfrev_state(struct pdfrev_work *w, int id, int gen)
{
	struct pdfrev_ent *ent;
	qpdf_oh eh, lh;
	int added, st = S_SAME, ea, la, refs = 1;

	ent = pdfrev_put(&w->state, id, gen, 0, &added);
	if (!added)
		return (int)ent->val;
	if (w->x != NULL) {
		/* no later section names it: both readers read the same bytes */
		const struct sign_pdfxref_obj *o = sign_pdfxref_scan(w->x, id, gen);

		if (o != NULL) {
			ent->val = S_SAME;
			ent->aux = o->nrefs > 0;
			return S_SAME;
		}
	}
	eh = qpdf_get_object_by_id(w->e, id, gen);
	lh = qpdf_get_object_by_id(w->l, id, gen);
	ea = pdfrev_absent(w->e, eh);
	la = pdfrev_absent(w->l, lh);
	if (ea && la)
		st = S_SAME;
	else if (ea)
		st = S_NEW;
	else if (la)
		st = S_DELETED;
	else if (qpdf_oh_get_type_code(w->e, eh) != qpdf_oh_get_type_code(w->l, lh))
		st = S_CHANGED;
	else if (qpdf_oh_is_stream(w->l, lh)) {
		qpdf_oh ed = qpdf_oh_get_dict(w->e, eh), ld = qpdf_oh_get_dict(w->l, lh);
		size_t el, ll;
		char *et = pdfrev_text(w->e, ed, 0, &el), *lt = pdfrev_text(w->l, ld, 0, &ll);
		unsigned char *eb = NULL, *lb = NULL;
		size_t ebl = 0, lbl = 0;

		refs = memmem(lt, ll, " R", 2) != NULL;
		if (el != ll || memcmp(et, lt, el) != 0)
			st = S_CHANGED;
		else if (qpdf_oh_get_stream_data(w->e, eh, qpdf_dl_none, NULL, &eb, &ebl) != QPDF_SUCCESS ||
		    qpdf_oh_get_stream_data(w->l, lh, qpdf_dl_none, NULL, &lb, &lbl) != QPDF_SUCCESS)
			st = S_CHANGED;     /* and the error stops the analysis */
		else if (ebl != lbl || (ebl > 0 && memcmp(eb, lb, ebl) != 0))
			st = S_CHANGED;
		free(eb);
		free(lb);
		free(et);
		free(lt);
		qpdf_oh_release(w->e, ed);
		qpdf_oh_release(w->l, ld);
	} else {
		size_t el, ll;
		char *et = pdfrev_text(w->e, eh, 1, &el), *lt = pdfrev_text(w->l, lh, 1, &ll);

		refs = memmem(lt, ll, " R", 2) != NULL;
		if (el != ll || memcmp(et, lt, el) != 0)
			st = S_CHANGED;
		free(et);
		free(lt);
	}
	qpdf_oh_release(w->e, eh);
	qpdf_oh_release(w->l, lh);
	/* the table may have grown meanwhile: find the entry again */
	ent = pdfrev_find(&w->state, id, gen, 0);
	ent->val = (unsigned)st;
	ent->aux = refs;
	if (st != S_SAME)
		w->differs = 1;
	return st;
}

/* Was object (id, gen) stood in for (see pdfrev_standins)? Then reading its
 * content here would read the stand-in: the revision is judged again with
 * every object read by qpdf. */
static int
pdfrev_standin_hit(struct pdfrev_work *w, int id, int gen)
{
	const struct sign_pdfxref_obj *o;

	if (w->x == NULL || (o = sign_pdfxref_scan(w->x, id, gen)) == NULL || !o->standin)
		return 0;
	w->fastfail = 1;
	pdfrev_stop(w, SIGN_PDFREV_UNCHECKED, "stand-in read", NULL);
	return 1;
}

/* ---- the signed revision: certification and locks ------------------------------ */

static void
pdfrev_docmdp(struct pdfrev_work *w, qpdf_oh params)
{
	qpdf_oh p = pdfrev_get(w->e, params, "/P");
	int v = 2;                  /* the default of /P */
	long long n;

	if (qpdf_oh_get_value_as_longlong(w->e, p, &n))
		v = n >= 1 && n <= 3 ? (int)n : 1;
	else if (!pdfrev_absent(w->e, p))
		v = 1;                  /* unreadable: the strictest */
	if (w->certified == 0 || v < w->certified)
		w->certified = v;
	qpdf_oh_release(w->e, p);
}

/* A FieldMDP lock: /Action /All, /Include or /Exclude these /Fields. */
static void
pdfrev_lock(struct pdfrev_work *w, qpdf_oh params)
{
	struct pdfrev_lock *l;
	qpdf_oh names;
	int i, n, action;

	if (pdfrev_is_name(w->e, params, "/Action", "/All"))
		action = 0;
	else if (pdfrev_is_name(w->e, params, "/Action", "/Include"))
		action = 1;
	else if (pdfrev_is_name(w->e, params, "/Action", "/Exclude"))
		action = 2;
	else
		return;
	if (w->nlocks == PDFREV_MAX_LOCKS) {
		pdfrev_stop(w, SIGN_PDFREV_UNCHECKED, "too many field locks to check", NULL);
		return;
	}
	l = &w->locks[w->nlocks++];
	l->action = action;
	names = pdfrev_get(w->e, params, "/Fields");
	n = qpdf_oh_is_array(w->e, names) ? qpdf_oh_get_array_n_items(w->e, names) : 0;
	for (i = 0; i < n && pdfrev_tick(w); i++) {
		qpdf_oh it = qpdf_oh_get_array_item(w->e, names, i);
		char name[PDFREV_NAME];

		if (qpdf_oh_is_string(w->e, it)) {
			snprintf(name, sizeof(name), "%s", qpdf_oh_get_utf8_value(w->e, it));
			l->names = xgrowarray(l->names, l->n, sizeof(*l->names));
			l->names[l->n++] = xstrdup(name);
		}
		qpdf_oh_release(w->e, it);
	}
	qpdf_oh_release(w->e, names);
}

/* The /Reference transforms of a signature dictionary; 1 if one was DocMDP. */
static int
pdfrev_references(struct pdfrev_work *w, qpdf_oh sig)
{
	qpdf_oh refs = pdfrev_get(w->e, sig, "/Reference");
	int i, n, found = 0;

	n = qpdf_oh_is_array(w->e, refs) ? qpdf_oh_get_array_n_items(w->e, refs) : 0;
	for (i = 0; i < n && pdfrev_tick(w); i++) {
		qpdf_oh r = qpdf_oh_get_array_item(w->e, refs, i);
		qpdf_oh params = pdfrev_get(w->e, r, "/TransformParams");

		if (pdfrev_is_name(w->e, r, "/TransformMethod", "/DocMDP")) {
			pdfrev_docmdp(w, params);
			found = 1;
		} else if (pdfrev_is_name(w->e, r, "/TransformMethod", "/FieldMDP"))
			pdfrev_lock(w, params);
		qpdf_oh_release(w->e, params);
		qpdf_oh_release(w->e, r);
	}
	qpdf_oh_release(w->e, refs);
	return found;
}

/* Is name (qualified) locked by a lock of the signed revision? */
static int
pdfrev_locked(const struct pdfrev_work *w, const char *name)
{
	size_t i, k, nl;
	int listed;

	for (i = 0; i < w->nlocks; i++) {
		const struct pdfrev_lock *l = &w->locks[i];

		listed = 0;
		for (k = 0; k < l->n && !listed; k++) {
			nl = strlen(l->names[k]);
			listed = strcmp(name, l->names[k]) == 0 ||
			    (strncmp(name, l->names[k], nl) == 0 && name[nl] == '.');
		}
		if (l->action == 0 || (l->action == 1 && listed) || (l->action == 2 && !listed))
			return 1;
	}
	return 0;
}

/* A field tree node in a walk: the node and what it inherits. */
struct pdfrev_fnode {
	int id, gen, depth, sig, signed_;
	char name[PDFREV_NAME];
};

/* Push the entries of array arr (of q) as field nodes under parent p. */
static struct pdfrev_fnode *
pdfrev_push_fields(struct pdfrev_work *w, qpdf_data q, qpdf_oh arr, const struct pdfrev_fnode *p,
    struct pdfrev_fnode *st, size_t *n)
{
	int i, cnt = qpdf_oh_is_array(q, arr) ? qpdf_oh_get_array_n_items(q, arr) : 0;

	for (i = cnt - 1; i >= 0 && pdfrev_tick(w); i--) {
		qpdf_oh it = qpdf_oh_get_array_item(q, arr, i);

		if (qpdf_oh_is_indirect(q, it)) {
			st = xgrowarray(st, *n, sizeof(*st));
			memset(&st[*n], 0, sizeof(st[*n]));
			st[*n].id = qpdf_oh_get_object_id(q, it);
			st[*n].gen = qpdf_oh_get_generation(q, it);
			if (p != NULL) {
				st[*n].depth = p->depth + 1;
				st[*n].sig = p->sig;
				st[*n].signed_ = p->signed_;
				memcpy(st[*n].name, p->name, sizeof(st[*n].name));
			}
			(*n)++;
		}
		qpdf_oh_release(q, it);
	}
	return st;
}

/* A node's own /T appended to its parent's name; /FT and /V inherited. */
static void
pdfrev_fnode_read(qpdf_data q, qpdf_oh h, struct pdfrev_fnode *f)
{
	qpdf_oh t = pdfrev_get(q, h, "/T"), ft = pdfrev_get(q, h, "/FT");
	qpdf_oh v = pdfrev_get(q, h, "/V");

	if (qpdf_oh_is_string(q, t)) {
		char tn[PDFREV_NAME];
		size_t l = strlen(f->name);

		pdfrev_ascii(tn, sizeof(tn), qpdf_oh_get_utf8_value(q, t));
		snprintf(f->name + l, sizeof(f->name) - l, "%s%s", l ? "." : "", tn);
	}
	if (qpdf_oh_is_name(q, ft))
		f->sig = qpdf_oh_is_name_and_equals(q, ft, "/Sig");
	if (!pdfrev_absent(q, v))
		f->signed_ = 1;
	qpdf_oh_release(q, t);
	qpdf_oh_release(q, ft);
	qpdf_oh_release(q, v);
}

/* The signed revision's form: which fields there are and which are signed
 * (efield: 1 there, 2 signed), the certification and the locks. */
static void
pdfrev_read_signed(struct pdfrev_work *w)
{
	qpdf_data q = w->e;
	qpdf_oh root = qpdf_get_root(q), perms = pdfrev_get(q, root, "/Perms");
	qpdf_oh af = pdfrev_get(q, root, "/AcroForm"), fields = pdfrev_get(q, af, "/Fields");
	struct pdfrev_fnode *st = NULL;
	size_t n = 0;

	if (qpdf_oh_is_dictionary(q, perms)) {
		qpdf_oh cert = pdfrev_get(q, perms, "/DocMDP");

		/* certified without a readable transform: P 2, the default */
		if (qpdf_oh_is_dictionary(q, cert) && !pdfrev_references(w, cert)) {
			qpdf_oh none = qpdf_oh_new_null(q);

			pdfrev_docmdp(w, none);
			qpdf_oh_release(q, none);
		}
		qpdf_oh_release(q, cert);
	}
	st = pdfrev_push_fields(w, q, fields, NULL, st, &n);
	while (n > 0 && pdfrev_tick(w)) {
		struct pdfrev_fnode f = st[--n];
		struct pdfrev_ent *ent;
		qpdf_oh h = qpdf_get_object_by_id(q, f.id, f.gen), kids;
		int added;

		ent = pdfrev_put(&w->efield, f.id, f.gen, 0, &added);
		if (!added || !qpdf_oh_is_dictionary(q, h)) {
			qpdf_oh_release(q, h);
			continue;
		}
		pdfrev_fnode_read(q, h, &f);
		ent->val = f.signed_ ? 3 : 1;
		if (f.sig && f.signed_) {
			qpdf_oh v = pdfrev_get(q, h, "/V"), lock = pdfrev_get(q, h, "/Lock");

			if (qpdf_oh_is_dictionary(q, v))
				pdfrev_references(w, v);
			if (qpdf_oh_is_dictionary(q, lock)) {
				pdfrev_lock(w, lock);
				if (qpdf_oh_has_key(q, lock, "/P"))
					pdfrev_docmdp(w, lock);
			}
			qpdf_oh_release(q, v);
			qpdf_oh_release(q, lock);
		}
		kids = pdfrev_get(q, h, "/Kids");
		if (qpdf_oh_is_array(q, kids)) {
			if (f.depth + 1 > PDFREV_MAX_TREE)
				pdfrev_stop(w, SIGN_PDFREV_UNCHECKED, "form fields nested too deeply to check", NULL);
			else
				st = pdfrev_push_fields(w, q, kids, &f, st, &n);
		}
		qpdf_oh_release(q, kids);
		qpdf_oh_release(q, h);
	}
	free(st);
	qpdf_oh_release(q, fields);
	qpdf_oh_release(q, af);
	qpdf_oh_release(q, perms);
	qpdf_oh_release(q, root);
	w->mode = w->certified ? w->certified : 2;
}

/* ---- the skeleton: trailer, catalog, pages, annotations, form --------------------- */

static void
pdfrev_set_role(struct pdfrev_work *w, int id, int gen, int ctx, int flags, int aux)
{
	int added;
	struct pdfrev_ent *e;

	pdfrev_standin_hit(w, id, gen);
	e = pdfrev_put(&w->role, id, gen, 0, &added);
	/* a field's role wins over an annotation's (a widget merged with its field) */
	if (!added && !(ctx == C_FIELD && (e->val & 0xff) != C_FIELD))
		return;
	e->val = (unsigned)ctx | (unsigned)flags << 8;
	e->aux = aux;
}

/* The pages of q in order (object, generation pairs), and with roles
 * the page tree's nodes and pages in the final file. */
static int *
pdfrev_pages(struct pdfrev_work *w, qpdf_data q, int roles, size_t *npages)
{
	struct pdfrev_map seen = { NULL, 0, 0 };
	struct pdfrev_fnode *st = NULL;
	int *pages = NULL;
	size_t n = 0;
	qpdf_oh root = qpdf_get_root(q), top = pdfrev_get(q, root, "/Pages");

	*npages = 0;
	if (qpdf_oh_is_indirect(q, top)) {
		st = xgrowarray(st, 0, sizeof(*st));
		memset(st, 0, sizeof(*st));
		st[0].id = qpdf_oh_get_object_id(q, top);
		st[0].gen = qpdf_oh_get_generation(q, top);
		n = 1;
	}
	while (n > 0 && pdfrev_tick(w)) {
		struct pdfrev_fnode f = st[--n];
		qpdf_oh h = qpdf_get_object_by_id(q, f.id, f.gen), kids;
		int added;

		pdfrev_put(&seen, f.id, f.gen, 0, &added);
		if (pdfrev_standin_hit(w, f.id, f.gen)) {
			/* judged again without stand-ins */
		} else if (!added) {
			pdfrev_stop(w, SIGN_PDFREV_UNREADABLE, "page tree is not a tree", NULL);
		} else if (qpdf_oh_is_dictionary(q, h)) {
			kids = pdfrev_get(q, h, "/Kids");
			if (qpdf_oh_is_array(q, kids)) {
				if (roles)
					pdfrev_set_role(w, f.id, f.gen, C_PAGETREE, 0, 0);
				if (f.depth + 1 > PDFREV_MAX_TREE)
					pdfrev_stop(w, SIGN_PDFREV_UNCHECKED, "page tree too deep to check", NULL);
				else
					st = pdfrev_push_fields(w, q, kids, &f, st, &n);
			} else {
				/* (object, generation) pairs */
				pages = xgrowarray(pages, *npages, 2 * sizeof(*pages));
				pages[2 * *npages] = f.id;
				pages[2 * *npages + 1] = f.gen;
				(*npages)++;
				if (roles)
					pdfrev_set_role(w, f.id, f.gen, C_PAGE, 0, (int)*npages);
			}
			qpdf_oh_release(q, kids);
		}
		qpdf_oh_release(q, h);
	}
	free(st);
	pdfrev_map_free(&seen);
	qpdf_oh_release(q, top);
	qpdf_oh_release(q, root);
	return pages;
}

/*
 * Walk from the field or widget lh of the final file up its /Parent chain
 * (at most max levels) to the first dictionary with a value for key that
 * `has` accepts; the answer of `is` for that value, 0 if there is none.
 */
static int
pdfrev_up(struct pdfrev_work *w, qpdf_oh lh, int max, const char *key,
    int (*has)(qpdf_data, qpdf_oh), int (*is)(qpdf_data, qpdf_oh))
{
	qpdf_oh h = qpdf_oh_new_object(w->l, lh), next;
	int i, found = 0;

	for (i = 0; i < max && qpdf_oh_is_dictionary(w->l, h); i++) {
		qpdf_oh v = pdfrev_get(w->l, h, key);
		int have = has(w->l, v);

		if (have)
			found = is(w->l, v);
		qpdf_oh_release(w->l, v);
		if (have)
			break;
		next = pdfrev_get(w->l, h, "/Parent");
		qpdf_oh_release(w->l, h);
		h = next;
	}
	qpdf_oh_release(w->l, h);
	return found;
}

static int
pdfrev_is_sig_name(qpdf_data q, qpdf_oh v)
{
	return qpdf_oh_is_name_and_equals(q, v, "/Sig");
}

static int
pdfrev_is_timestamp(qpdf_data q, qpdf_oh v)
{
	return pdfrev_is_name(q, v, "/Type", "/DocTimeStamp") ||
	    pdfrev_is_name(q, v, "/SubFilter", "/ETSI.RFC3161");
}

/* Is the annotation lh of the final file a widget of a signature field
 * (its own /FT, or its parents')? */
static int
pdfrev_sig_widget(struct pdfrev_work *w, qpdf_oh lh)
{
	return pdfrev_up(w, lh, PDFREV_MAX_TREE, "/FT", qpdf_oh_is_name, pdfrev_is_sig_name);
}

/* Is the value of the field h of the final file (or of its parent's) a
 * document timestamp? */
static int
pdfrev_timestamp(struct pdfrev_work *w, qpdf_oh lh)
{
	return pdfrev_up(w, lh, 2, "/V", qpdf_oh_is_dictionary, pdfrev_is_timestamp);
}

/* A new signature (field or widget): allowed, but after a certification
 * with P=1 only a document timestamp. */
static int
pdfrev_new_signature(struct pdfrev_work *w, qpdf_oh lh)
{
	if (w->mode == 1 && !pdfrev_timestamp(w, lh)) {
		pdfrev_badp(w, "signature added");
		return 0;
	}
	return 1;
}

/* The entries of an array (a page's /Annots, /AcroForm's /Fields):
 * object numbers (0 for a direct entry); *direct when one was direct. */
static int *
pdfrev_entries(struct pdfrev_work *w, qpdf_data q, qpdf_oh arr, size_t *n, int *direct)
{
	int i, cnt = qpdf_oh_is_array(q, arr) ? qpdf_oh_get_array_n_items(q, arr) : 0;
	int *out = xcalloc((size_t)cnt * 2 + 2, sizeof(*out));

	*n = 0;
	for (i = 0; i < cnt && pdfrev_tick(w); i++) {
		qpdf_oh it = qpdf_oh_get_array_item(q, arr, i);

		if (qpdf_oh_is_indirect(q, it)) {
			out[2 * *n] = qpdf_oh_get_object_id(q, it);
			out[2 * *n + 1] = qpdf_oh_get_generation(q, it);
		} else
			*direct = 1;
		(*n)++;
		qpdf_oh_release(q, it);
	}
	return out;
}

/* A page's /Annots: the revision's annotations kept in their order, the
 * new ones new signature widgets (with P=3 any annotation). */
static void
pdfrev_annots(struct pdfrev_work *w, qpdf_oh ep, qpdf_oh lp, int page)
{
	qpdf_oh ea = pdfrev_get(w->e, ep, "/Annots"), la = pdfrev_get(w->l, lp, "/Annots");
	struct pdfrev_map at = { NULL, 0, 0 }, lat = { NULL, 0, 0 };
	size_t ne, nl, i;
	int direct = 0, *ee, *le, last = -1, added;
	char msg[80];

	if (qpdf_oh_is_indirect(w->l, la))
		pdfrev_set_role(w, qpdf_oh_get_object_id(w->l, la), qpdf_oh_get_generation(w->l, la),
		    C_ANNOTS, 0, page);
	ee = pdfrev_entries(w, w->e, ea, &ne, &direct);
	le = pdfrev_entries(w, w->l, la, &nl, &direct);
	if (direct && pdfrev_key_differs(w, ep, lp, "/Annots")) {
		snprintf(msg, sizeof(msg), "annotations changed on page %d", page);
		pdfrev_bad(w, msg);
	}
	for (i = 0; i < ne; i++)
		if (ee[2 * i] != 0)
			pdfrev_put(&at, ee[2 * i], ee[2 * i + 1], 0, &added)->aux = (int)i;
	for (i = 0; i < nl && pdfrev_tick(w); i++) {
		struct pdfrev_ent *e;
		qpdf_oh lh;

		if (le[2 * i] == 0)
			continue;
		pdfrev_put(&lat, le[2 * i], le[2 * i + 1], 0, &added);
		if ((e = pdfrev_find(&at, le[2 * i], le[2 * i + 1], 0)) != NULL) {
			/* kept: in the revision's order (drawn in that order) */
			if (e->aux < last && w->mode != 3) {
				snprintf(msg, sizeof(msg), "annotations reordered on page %d", page);
				pdfrev_bad(w, msg);
			}
			last = e->aux;
			pdfrev_set_role(w, le[2 * i], le[2 * i + 1], C_ANNOT, 0, page);
			continue;
		}
		/* added: a new object, not one of the revision's */
		lh = qpdf_get_object_by_id(w->l, le[2 * i], le[2 * i + 1]);
		if (pdfrev_state(w, le[2 * i], le[2 * i + 1]) != S_NEW) {
			snprintf(msg, sizeof(msg), "annotation added on page %d", page);
			pdfrev_bad(w, msg);
		} else if (pdfrev_is_name(w->l, lh, "/Subtype", "/Widget")) {
			if (!pdfrev_sig_widget(w, lh)) {
				snprintf(msg, sizeof(msg), "form field added on page %d", page);
				pdfrev_badp(w, msg);
			} else if (pdfrev_new_signature(w, lh))
				pdfrev_set_role(w, le[2 * i], le[2 * i + 1], C_NEWANNOT, F_SIG, page);
		} else if (w->mode == 3)
			pdfrev_set_role(w, le[2 * i], le[2 * i + 1], C_NEWANNOT, 0, page);
		else {
			snprintf(msg, sizeof(msg), "annotation added on page %d", page);
			pdfrev_bad(w, msg);
		}
		qpdf_oh_release(w->l, lh);
	}
	for (i = 0; i < ne && pdfrev_tick(w); i++) {
		qpdf_oh eh;

		if (ee[2 * i] == 0 || pdfrev_find(&lat, ee[2 * i], ee[2 * i + 1], 0) != NULL)
			continue;
		eh = qpdf_get_object_by_id(w->e, ee[2 * i], ee[2 * i + 1]);
		if (w->mode != 3 || pdfrev_is_name(w->e, eh, "/Subtype", "/Widget")) {
			snprintf(msg, sizeof(msg), "annotation removed from page %d", page);
			pdfrev_bad(w, msg);
		}
		qpdf_oh_release(w->e, eh);
	}
	free(ee);
	free(le);
	pdfrev_map_free(&at);
	pdfrev_map_free(&lat);
	qpdf_oh_release(w->e, ea);
	qpdf_oh_release(w->l, la);
}

/* The page list, each page's keys and annotations. */
static void
pdfrev_compare_pages(struct pdfrev_work *w)
{
	size_t ne, nl, i, k, nk;
	int *pe = pdfrev_pages(w, w->e, 0, &ne), *pl = pdfrev_pages(w, w->l, 1, &nl);
	char msg[120];

	if (nl > ne) {
		if (nl - ne == 1)
			snprintf(msg, sizeof(msg), "page added");
		else
			snprintf(msg, sizeof(msg), "%zu pages added", nl - ne);
		pdfrev_bad(w, msg);
	} else if (nl < ne) {
		if (ne - nl == 1)
			snprintf(msg, sizeof(msg), "page removed");
		else
			snprintf(msg, sizeof(msg), "%zu pages removed", ne - nl);
		pdfrev_bad(w, msg);
	}
	for (i = 0; i < ne && i < nl && !w->stop; i++) {
		qpdf_oh ep, lp;
		char **keys;

		if (pe[2 * i] != pl[2 * i] || pe[2 * i + 1] != pl[2 * i + 1]) {
			snprintf(msg, sizeof(msg), "page %zu replaced", i + 1);
			pdfrev_bad(w, msg);
			continue;
		}
		ep = qpdf_get_object_by_id(w->e, pe[2 * i], pe[2 * i + 1]);
		lp = qpdf_get_object_by_id(w->l, pl[2 * i], pl[2 * i + 1]);
		if (pdfrev_state(w, pl[2 * i], pl[2 * i + 1]) != S_SAME) {
			keys = pdfrev_changed_keys(w, ep, lp, &nk);
			for (k = 0; k < nk; k++) {
				char kn[40];

				if (strcmp(keys[k], "/Annots") == 0)
					continue;
				pdfrev_ascii(kn, sizeof(kn), keys[k]);
				if (strcmp(keys[k], "/Contents") == 0)
					snprintf(msg, sizeof(msg), "page %zu content replaced", i + 1);
				else
					snprintf(msg, sizeof(msg), "page %zu changed (%s)", i + 1, kn);
				pdfrev_bad(w, msg);
			}
			xfreev(keys, nk);
		}
		pdfrev_annots(w, ep, lp, (int)i + 1);
		qpdf_oh_release(w->e, ep);
		qpdf_oh_release(w->l, lp);
	}
	free(pe);
	free(pl);
}

/* The final file's form: /AcroForm's keys and /Fields, every field. */
static void
pdfrev_compare_form(struct pdfrev_work *w, qpdf_oh eroot, qpdf_oh lroot)
{
	qpdf_oh eaf = pdfrev_get(w->e, eroot, "/AcroForm"), laf = pdfrev_get(w->l, lroot, "/AcroForm");
	qpdf_oh lfields;
	struct pdfrev_fnode *st = NULL;
	size_t n = 0, k, nk;
	char msg[160];

	if (!qpdf_oh_is_dictionary(w->l, laf)) {
		if (qpdf_oh_is_dictionary(w->e, eaf))
			pdfrev_bad(w, "form removed");
		goto out;
	}
	if (qpdf_oh_is_indirect(w->l, laf))
		pdfrev_set_role(w, qpdf_oh_get_object_id(w->l, laf), qpdf_oh_get_generation(w->l, laf),
		    C_ACROFORM, 0, 0);
	{
		char **keys = pdfrev_changed_keys(w, eaf, laf, &nk);

		for (k = 0; k < nk; k++) {
			char kn[40];

			if (strcmp(keys[k], "/Fields") == 0 || strcmp(keys[k], "/SigFlags") == 0)
				continue;
			if (w->mode >= 2 && (strcmp(keys[k], "/DR") == 0 || strcmp(keys[k], "/DA") == 0 ||
			    strcmp(keys[k], "/NeedAppearances") == 0))
				continue;
			pdfrev_ascii(kn, sizeof(kn), keys[k]);
			snprintf(msg, sizeof(msg), "form changed (%s)", kn);
			pdfrev_badp(w, msg);
		}
		xfreev(keys, nk);
	}
	lfields = pdfrev_get(w->l, laf, "/Fields");
	if (qpdf_oh_is_indirect(w->l, lfields))
		pdfrev_set_role(w, qpdf_oh_get_object_id(w->l, lfields), qpdf_oh_get_generation(w->l, lfields),
		    C_FIELDS, 0, 0);
	/* the revision's top-level fields must all still be there */
	{
		qpdf_oh efields = pdfrev_get(w->e, eaf, "/Fields");
		struct pdfrev_map lset = { NULL, 0, 0 };
		int *ee, *le, direct = 0, added;
		size_t ne, nl, i;

		ee = pdfrev_entries(w, w->e, efields, &ne, &direct);
		le = pdfrev_entries(w, w->l, lfields, &nl, &direct);
		for (i = 0; i < nl; i++)
			if (le[2 * i] != 0)
				pdfrev_put(&lset, le[2 * i], le[2 * i + 1], 0, &added);
		for (i = 0; i < ne && !w->stop; i++) {
			if (ee[2 * i] != 0 && pdfrev_find(&lset, ee[2 * i], ee[2 * i + 1], 0) == NULL) {
				qpdf_oh eh = qpdf_get_object_by_id(w->e, ee[2 * i], ee[2 * i + 1]);
				struct pdfrev_fnode f;

				memset(&f, 0, sizeof(f));
				if (qpdf_oh_is_dictionary(w->e, eh))
					pdfrev_fnode_read(w->e, eh, &f);
				snprintf(msg, sizeof(msg), "form field '%.60s' removed", f.name[0] ? f.name : "(unnamed)");
				pdfrev_bad(w, msg);
				qpdf_oh_release(w->e, eh);
			}
		}
		free(ee);
		free(le);
		pdfrev_map_free(&lset);
		qpdf_oh_release(w->e, efields);
	}
	/* every field of the final file */
	st = pdfrev_push_fields(w, w->l, lfields, NULL, st, &n);
	while (n > 0 && pdfrev_tick(w)) {
		struct pdfrev_fnode f = st[--n];
		struct pdfrev_field *fd;
		struct pdfrev_ent *ee;
		qpdf_oh lh = qpdf_get_object_by_id(w->l, f.id, f.gen), eh, kids;
		int st_, flags = 0;
		const char *what;

		if (pdfrev_find(&w->role, f.id, f.gen, 0) != NULL &&
		    (pdfrev_find(&w->role, f.id, f.gen, 0)->val & 0xff) == C_FIELD) {
			qpdf_oh_release(w->l, lh);
			continue;       /* reached twice: judged once */
		}
		if (!qpdf_oh_is_dictionary(w->l, lh)) {
			qpdf_oh_release(w->l, lh);
			continue;
		}
		pdfrev_fnode_read(w->l, lh, &f);
		w->fields = xgrowarray(w->fields, w->nfields, sizeof(*w->fields));
		fd = &w->fields[w->nfields];
		memset(fd, 0, sizeof(*fd));
		snprintf(fd->name, sizeof(fd->name), "%s", f.name[0] ? f.name : "(unnamed)");
		fd->sig = f.sig;
		ee = pdfrev_find(&w->efield, f.id, f.gen, 0);
		fd->e_signed = ee != NULL && (ee->val & 2);
		fd->locked = w->nlocks > 0 && pdfrev_locked(w, f.name);
		st_ = pdfrev_state(w, f.id, f.gen);
		fd->is_new = st_ == S_NEW;
		what = f.sig ? "signature field" : "form field";
		if (fd->locked)
			flags |= F_LOCKED;
		if (!fd->e_signed)
			flags |= F_UNSIGNED;
		pdfrev_set_role(w, f.id, f.gen, C_FIELD, flags, (int)w->nfields);
		w->nfields++;
		if (st_ == S_NEW || ee == NULL) {
			/* a new field: only a signature */
			if (st_ != S_NEW) {
				snprintf(msg, sizeof(msg), "form field '%.60s' added", fd->name);
				pdfrev_badp(w, msg);
			} else if (f.sig)
				pdfrev_new_signature(w, lh);
			else {
				snprintf(msg, sizeof(msg), "form field '%.60s' added", fd->name);
				pdfrev_badp(w, msg);
			}
		} else if (st_ != S_SAME) {
			char **keys;

			eh = qpdf_get_object_by_id(w->e, f.id, f.gen);
			keys = pdfrev_changed_keys(w, eh, lh, &nk);
			for (k = 0; k < nk; k++) {
				int ok, v = strcmp(keys[k], "/V") == 0;
				int ap = strcmp(keys[k], "/AP") == 0 || strcmp(keys[k], "/AS") == 0;

				if (f.sig)
					ok = (v && !fd->e_signed && (w->mode != 1 || pdfrev_timestamp(w, lh))) ||
					    (ap && !fd->e_signed && w->mode != 1);
				else
					ok = w->mode >= 2 && (v || ap);
				if (ok && !fd->locked)
					continue;
				if (fd->locked)
					snprintf(msg, sizeof(msg), "%s '%.60s' changed (locked by a signature)", what,
					    fd->name);
				else
					snprintf(msg, sizeof(msg), "%s '%.60s' changed", what, fd->name);
				pdfrev_badp(w, msg);
			}
			xfreev(keys, nk);
			qpdf_oh_release(w->e, eh);
		}
		kids = pdfrev_get(w->l, lh, "/Kids");
		if (qpdf_oh_is_array(w->l, kids)) {
			if (f.depth + 1 > PDFREV_MAX_TREE)
				pdfrev_stop(w, SIGN_PDFREV_UNCHECKED, "form fields nested too deeply to check", NULL);
			else
				st = pdfrev_push_fields(w, w->l, kids, &f, st, &n);
		}
		qpdf_oh_release(w->l, kids);
		qpdf_oh_release(w->l, lh);
	}
	free(st);
	qpdf_oh_release(w->l, lfields);
out:
	qpdf_oh_release(w->e, eaf);
	qpdf_oh_release(w->l, laf);
}

/* The trailer and the catalog's keys. */
static void
pdfrev_compare_catalog(struct pdfrev_work *w, qpdf_oh eroot, qpdf_oh lroot)
{
	qpdf_oh et = qpdf_get_trailer(w->e), lt = qpdf_get_trailer(w->l), ev, lv;
	size_t k, nk, el, ll;
	char **keys, *etx, *ltx, msg[80];

	/* encryption: the resolved dictionaries */
	ev = pdfrev_get(w->e, et, "/Encrypt");
	lv = pdfrev_get(w->l, lt, "/Encrypt");
	etx = pdfrev_text(w->e, ev, 1, &el);
	ltx = pdfrev_text(w->l, lv, 1, &ll);
	if (el != ll || memcmp(etx, ltx, el) != 0)
		pdfrev_bad(w, "encryption changed");
	free(etx);
	free(ltx);
	qpdf_oh_release(w->e, ev);
	qpdf_oh_release(w->l, lv);
	if (pdfrev_key_differs(w, et, lt, "/Info")) {
		w->differs = 1;
		if (w->mode == 1)
			pdfrev_badp(w, "document information changed");
	}
	if (qpdf_oh_get_object_id(w->e, eroot) != qpdf_oh_get_object_id(w->l, lroot) ||
	    qpdf_oh_get_generation(w->e, eroot) != qpdf_oh_get_generation(w->l, lroot))
		w->differs = 1;
	pdfrev_set_role(w, qpdf_oh_get_object_id(w->l, lroot), qpdf_oh_get_generation(w->l, lroot),
	    C_CATALOG, 0, 0);
	keys = pdfrev_changed_keys(w, eroot, lroot, &nk);
	for (k = 0; k < nk; k++) {
		char kn[40];

		w->differs = 1;
		if (strcmp(keys[k], "/AcroForm") == 0 || strcmp(keys[k], "/DSS") == 0 ||
		    strcmp(keys[k], "/Extensions") == 0)
			continue;
		pdfrev_ascii(kn, sizeof(kn), keys[k]);
		if (strcmp(keys[k], "/Pages") == 0)
			pdfrev_bad(w, "page tree changed");
		else if (strcmp(keys[k], "/Perms") == 0)
			pdfrev_bad(w, "certification changed");
		else {
			snprintf(msg, sizeof(msg), "document catalog changed (%s)", kn);
			pdfrev_badp(w, msg);
		}
	}
	xfreev(keys, nk);
	qpdf_oh_release(w->e, et);
	qpdf_oh_release(w->l, lt);
}

/* ---- every object the final file reaches, by its role ----------------------------- */

/* The role of what key leads to from an object in role ctx. */
static int
pdfrev_child(int ctx, const char *key, int flags, int *cflags)
{
	*cflags = flags;
	switch (ctx) {
	case C_CATALOG:
		*cflags = 0;
		if (strcmp(key, "/Pages") == 0)
			return C_PAGETREE;
		if (strcmp(key, "/AcroForm") == 0)
			return C_ACROFORM;
		if (strcmp(key, "/DSS") == 0)
			return C_DSS;
		if (strcmp(key, "/Metadata") == 0)
			return C_META;
		if (strcmp(key, "/Extensions") == 0)
			return C_EXT;
		if (strcmp(key, "/Perms") == 0)
			return C_PERMS;
		return C_OTHER;
	case C_PAGETREE:
		if (strcmp(key, "/Kids") == 0)
			return C_KIDS;
		return strcmp(key, "/Parent") == 0 ? C_SKIP : C_PAGERES;
	case C_PAGE:
		if (strcmp(key, "/Contents") == 0)
			return C_CONTENT;
		if (strcmp(key, "/Annots") == 0)
			return C_ANNOTS;
		return strcmp(key, "/Parent") == 0 ? C_SKIP : C_PAGERES;
	case C_ANNOT:
		if (strcmp(key, "/P") == 0 || strcmp(key, "/Parent") == 0 || strcmp(key, "/IRT") == 0)
			return C_SKIP;
		return strcmp(key, "/Popup") == 0 ? C_ANNOT : C_ANNOTSUB;
	case C_NEWANNOT:
		if (strcmp(key, "/P") == 0 || strcmp(key, "/Parent") == 0)
			return C_SKIP;
		return (flags & F_SIG) ? C_NEWSIG : C_ANNOTSUB;
	case C_ACROFORM:
		*cflags = 0;
		if (strcmp(key, "/Fields") == 0)
			return C_FIELDS;
		return strcmp(key, "/DR") == 0 ? C_DR : C_ACROSUB;
	case C_FIELD:
		if (strcmp(key, "/Kids") == 0)
			return C_FKIDS;
		if (strcmp(key, "/Parent") == 0 || strcmp(key, "/P") == 0)
			return C_SKIP;
		return C_FSUB;      /* /V and /AP: pdfrev_walk knows the field */
	default:
		return ctx;
	}
}

/* The role of an array's items in role ctx. */
static int
pdfrev_item_ctx(int ctx)
{
	switch (ctx) {
	case C_ANNOTS:
		return C_ANNOT;
	case C_FIELDS:
	case C_FKIDS:
		return C_FIELD;
	case C_KIDS:
		return C_PAGETREE;
	default:
		return ctx;
	}
}

static void
pdfrev_push(struct pdfrev_work *w, qpdf_oh h, int ctx, int flags, int aux)
{
	struct pdfrev_item *it;

	w->stack = xgrowarray(w->stack, w->nstack, sizeof(*w->stack));
	it = &w->stack[w->nstack++];
	it->id = qpdf_oh_get_object_id(w->l, h);
	it->gen = qpdf_oh_get_generation(w->l, h);
	it->ctx = (unsigned char)ctx;
	it->flags = (unsigned char)flags;
	it->aux = aux;
}

static void pdfrev_walk(struct pdfrev_work *w, qpdf_oh h, int ctx, int flags, int aux, int depth);

/* A value met in role ctx: a reference is pushed, a direct array or
 * dictionary walked. */
static void
pdfrev_value(struct pdfrev_work *w, qpdf_oh v, int ctx, int flags, int aux, int depth)
{
	if (ctx == C_SKIP || !pdfrev_tick(w))
		return;
	if (qpdf_oh_is_indirect(w->l, v))
		pdfrev_push(w, v, ctx, flags, aux);
	else if (qpdf_oh_is_array(w->l, v) || qpdf_oh_is_dictionary(w->l, v)) {
		if (depth + 1 > PDFREV_MAX_DEPTH)
			pdfrev_stop(w, SIGN_PDFREV_UNCHECKED, "nested too deeply to check", NULL);
		else
			pdfrev_walk(w, v, ctx, flags, aux, depth + 1);
	}
}

/* The children of h (an object, or a direct value) in role ctx. */
static void
pdfrev_walk(struct pdfrev_work *w, qpdf_oh h, int ctx, int flags, int aux, int depth)
{
	if (qpdf_oh_is_array(w->l, h)) {
		int i, n = qpdf_oh_get_array_n_items(w->l, h), c = pdfrev_item_ctx(ctx);

		/* a long direct array without a reference (a font's /W, a
		 * /Widths) has nothing beneath: one unparse instead of a C API
		 * call per item; bounded by the nesting, 64 times its size */
		if (n > 16 && !qpdf_oh_is_indirect(w->l, h)) {
			size_t tl;
			char *t = pdfrev_text(w->l, h, 0, &tl);
			int refs = memmem(t, tl, " R", 2) != NULL;

			free(t);
			if (!refs)
				return;
		}
		for (i = 0; i < n && !w->stop; i++) {
			qpdf_oh it = qpdf_oh_get_array_item(w->l, h, i);

			pdfrev_value(w, it, c, flags, aux, depth);
			qpdf_oh_release(w->l, it);
		}
	} else if (qpdf_oh_is_dictionary(w->l, h) || qpdf_oh_is_stream(w->l, h)) {
		size_t nk, i;
		char **keys = pdfrev_keys(w, w->l, h, &nk);

		if (nk > PDFREV_MAX_KEYS && ctx != C_DSS)
			pdfrev_stop(w, SIGN_PDFREV_UNCHECKED, "too complex to check", NULL);
		for (i = 0; i < nk && !w->stop; i++) {
			qpdf_oh v = pdfrev_get(w->l, h, keys[i]);
			int cf, c = pdfrev_child(ctx, keys[i], flags, &cf);

			if (ctx == C_FIELD && c == C_FSUB && (strcmp(keys[i], "/V") == 0 ||
			    strcmp(keys[i], "/AP") == 0)) {
				const struct pdfrev_field *f = (size_t)aux < w->nfields ? &w->fields[aux] : NULL;

				if (f != NULL && f->sig)
					c = strcmp(keys[i], "/V") == 0 ? C_SIGV : C_SIGAP;
				else
					c = C_FVALUE;
			}
			if (ctx == C_FIELD && c != C_FKIDS && c != C_SKIP && (size_t)aux < w->nfields &&
			    w->fields[aux].is_new)
				c = C_NEWSIG;
			pdfrev_value(w, v, c, cf, aux, depth);
			qpdf_oh_release(w->l, v);
		}
		xfreev(keys, nk);
	}
}

/* A refused new or changed object in role ctx (aux: page or field). */
static void
pdfrev_judge(struct pdfrev_work *w, const struct pdfrev_item *it, int st)
{
	const char *field = it->aux >= 0 && (size_t)it->aux < w->nfields ? w->fields[it->aux].name : "(unnamed)";
	char msg[160];
	int ok = 0;

	msg[0] = '\0';
	switch (it->ctx) {
	case C_CATALOG: case C_PAGE: case C_ANNOTS: case C_NEWANNOT: case C_ACROFORM:
	case C_FIELDS: case C_FIELD: case C_NEWSIG: case C_DSS: case C_EXT:
		ok = 1;         /* judged with the skeleton, or allowed */
		break;
	case C_PAGETREE: case C_KIDS:
		snprintf(msg, sizeof(msg), "page tree changed");
		break;
	case C_CONTENT:
		snprintf(msg, sizeof(msg), "page %d content replaced", it->aux);
		break;
	case C_PAGERES:
		if (it->aux == 0)
			snprintf(msg, sizeof(msg), "page tree changed");
		else
			snprintf(msg, sizeof(msg), "page %d changed", it->aux);
		break;
	case C_ANNOT:
	case C_ANNOTSUB:
		ok = w->mode == 3;
		if (ok && it->ctx == C_ANNOT) {
			qpdf_oh eh = qpdf_get_object_by_id(w->e, it->id, it->gen);

			ok = !pdfrev_is_name(w->e, eh, "/Subtype", "/Widget");
			qpdf_oh_release(w->e, eh);
		}
		snprintf(msg, sizeof(msg), "annotation changed on page %d", it->aux);
		break;
	case C_FVALUE:
		ok = w->mode >= 2 && !(it->flags & F_LOCKED) && st != S_DELETED;
		snprintf(msg, sizeof(msg), "form field '%.60s' changed%s", field,
		    (it->flags & F_LOCKED) ? " (locked by a signature)" : "");
		break;
	case C_FSUB:
	case C_FKIDS:
		snprintf(msg, sizeof(msg), "form field '%.60s' changed", field);
		break;
	case C_SIGV:
		ok = st == S_NEW;
		snprintf(msg, sizeof(msg), "signature dictionary replaced");
		break;
	case C_SIGAP:
		ok = st == S_NEW || ((it->flags & F_UNSIGNED) && w->mode != 1 && st != S_DELETED);
		snprintf(msg, sizeof(msg), "signature field '%.60s' changed", field);
		break;
	case C_DR:
		ok = w->mode >= 2 && st != S_DELETED;
		snprintf(msg, sizeof(msg), "form changed (/DR)");
		break;
	case C_ACROSUB:
		snprintf(msg, sizeof(msg), "form changed");
		break;
	case C_INFO:
		ok = w->mode >= 2 && st != S_DELETED;
		snprintf(msg, sizeof(msg), "document information changed");
		break;
	case C_META:
		ok = w->mode >= 2 && st != S_DELETED;
		snprintf(msg, sizeof(msg), "document metadata changed");
		break;
	case C_PERMS:
		snprintf(msg, sizeof(msg), "certification changed");
		break;
	default:
		break;
	}
	if (ok)
		return;
	if (st == S_DELETED && (it->ctx == C_INFO || it->ctx == C_META || it->ctx == C_OTHER ||
	    it->ctx == C_DR || it->ctx == C_FVALUE || it->ctx == C_SIGAP))
		snprintf(msg, sizeof(msg), "object %d deleted", it->id);
	else if (msg[0] == '\0')
		snprintf(msg, sizeof(msg), "object %d %s", it->id, st == S_NEW ? "added" : "changed");
	pdfrev_badp(w, msg);
}

/* Roles whose children's roles depend on the key they are under: an
 * object in one of them is read with qpdf; below the others every
 * reference has the role of its parent (pdfrev_child, pdfrev_item_ctx). */
static int
pdfrev_structural(int ctx)
{
	return ctx == C_CATALOG || ctx == C_PAGETREE || ctx == C_KIDS || ctx == C_PAGE ||
	    ctx == C_ANNOTS || ctx == C_ANNOT || ctx == C_NEWANNOT || ctx == C_ACROFORM ||
	    ctx == C_FIELDS || ctx == C_FIELD || ctx == C_FKIDS;
}

/* A stood-in object (unchanged, large, not structural) reached in role
 * ctx: its references, read from its bytes, in the same role. 0 when it
 * is no stand-in. */
static int
pdfrev_reach_standin(struct pdfrev_work *w, const struct pdfrev_item *it)
{
	const struct sign_pdfxref_obj *o;
	size_t i;

	if (w->x == NULL || (o = sign_pdfxref_scan(w->x, it->id, it->gen)) == NULL || !o->standin)
		return 0;
	if (pdfrev_structural(it->ctx)) {
		pdfrev_standin_hit(w, it->id, it->gen);
		return 1;
	}
	for (i = 0; i < o->nrefs && pdfrev_tick(w); i++) {
		struct pdfrev_item *c;

		w->stack = xgrowarray(w->stack, w->nstack, sizeof(*w->stack));
		c = &w->stack[w->nstack++];
		*c = *it;
		c->id = o->refs[2 * i];
		c->gen = o->refs[2 * i + 1];
	}
	return 1;
}

/* Visit every object the final trailer reaches, each (object, role) once. */
static void
pdfrev_reach(struct pdfrev_work *w)
{
	qpdf_oh t = qpdf_get_trailer(w->l), v;

	v = pdfrev_get(w->l, t, "/Root");
	pdfrev_value(w, v, C_CATALOG, 0, 0, 0);
	qpdf_oh_release(w->l, v);
	v = pdfrev_get(w->l, t, "/Info");
	pdfrev_value(w, v, C_INFO, 0, 0, 0);
	qpdf_oh_release(w->l, v);
	qpdf_oh_release(w->l, t);
	/* the first refused change is the verdict: nothing more is read */
	while (w->nstack > 0 && w->change[0] == '\0' && pdfrev_tick(w)) {
		struct pdfrev_item it = w->stack[--w->nstack];
		struct pdfrev_ent *r = pdfrev_find(&w->role, it.id, it.gen, 0);
		qpdf_oh h;
		int added, st;

		if (r != NULL) {        /* its role in the skeleton wins */
			it.ctx = (unsigned char)(r->val & 0xff);
			it.flags = (unsigned char)(r->val >> 8);
			it.aux = r->aux;
		} else if (it.ctx == C_PAGE || it.ctx == C_FIELD || it.ctx == C_CATALOG ||
		    it.ctx == C_ANNOTS || it.ctx == C_FIELDS || it.ctx == C_ACROFORM) {
			/* reached where the skeleton has no such object: e.g. a
			 * /Kids entry that is no page, a field outside the tree */
			it.ctx = it.ctx == C_PAGE ? C_PAGERES : C_OTHER;
		}
		pdfrev_put(&w->seen, it.id, it.gen, (unsigned)it.ctx | (unsigned)it.flags << 8, &added);
		if (!added)
			continue;
		if (pdfrev_reach_standin(w, &it))
			continue;
		st = pdfrev_state(w, it.id, it.gen);
		if (st != S_SAME)
			pdfrev_judge(w, &it, st);
		/* nothing beneath (no reference in its text): e.g. a font's widths */
		if (st == S_DELETED || !pdfrev_find(&w->state, it.id, it.gen, 0)->aux)
			continue;
		h = qpdf_get_object_by_id(w->l, it.id, it.gen);
		pdfrev_walk(w, h, it.ctx, it.flags, it.aux, 0);
		qpdf_oh_release(w->l, h);
	}
}

/* ---- one revision, the whole document ------------------------------------------- */

static qpdf_data
pdfrev_open(struct pdfrev_work *w, const unsigned char *buf, size_t len)
{
	qpdf_data q = qpdf_init();
	qpdflogger_handle log = qpdflogger_create();

	qpdflogger_set_info(log, qpdf_log_dest_discard, NULL, NULL);
	qpdflogger_set_warn(log, qpdf_log_dest_discard, NULL, NULL);
	qpdflogger_set_error(log, qpdf_log_dest_discard, NULL, NULL);
	qpdf_set_logger(q, log);
	qpdflogger_cleanup(&log);
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	qpdf_set_attempt_recovery(q, QPDF_FALSE);
	if (qpdf_read_memory(q, "document", (const char *)buf, len, NULL) & QPDF_ERRORS) {
		qpdf_error err = qpdf_get_error(q);

		pdfrev_stop(w, SIGN_PDFREV_UNREADABLE, "not readable",
		    err ? qpdf_get_error_message_detail(q, err) : NULL);
	}
	return q;
}

/* Release a reader; an error left pending would make qpdf_cleanup print
 * it on standard error (through the default logger, not ours). */
static void
pdfrev_close(qpdf_data *q)
{
	if (*q == NULL)
		return;
	if (qpdf_has_error(*q))
		(void)qpdf_get_error(*q);
	qpdf_cleanup(q);
}

static void
pdfrev_work_free(struct pdfrev_work *w)
{
	size_t i, k;

	pdfrev_map_free(&w->seen);
	pdfrev_map_free(&w->state);
	pdfrev_map_free(&w->role);
	pdfrev_map_free(&w->efield);
	free(w->stack);
	free(w->fields);
	for (i = 0; i < w->nlocks; i++) {
		for (k = 0; k < w->locks[i].n; k++)
			free(w->locks[i].names[k]);
		free(w->locks[i].names);
	}
}

/* Object (id, gen) of q replaced by an empty value of its kind (an empty
 * dictionary for a stream), which qpdf then never parses. */
static void
pdfrev_standin_put(qpdf_data q, int id, int gen, int kind)
{
	qpdf_oh h = kind == SIGN_PDFXREF_ARRAY ? qpdf_oh_new_array(q) : qpdf_oh_new_dictionary(q);

	qpdf_replace_object(q, id, gen, h);
	qpdf_oh_release(q, h);
}

/*
 * Stand-ins: an unchanged object that is large (a font's widths, an image,
 * an embedded font file) and has none of the keys the structure is read
 * from is replaced by an empty value in both readers before anything is
 * read. qpdf resolves a dictionary's indirect values whenever its keys are
 * listed or it is printed, so without them a form's /DR naming a 250 KB
 * font has the font parsed twice; the stood-in object's references are
 * read from its bytes instead (pdfrev_reach_standin). Met where its
 * content counts (a page, a field: pdfrev_standin_hit), the revision is
 * judged again without them. lstand: those of the final file's reader, which
 * stay valid for later revisions (an object no update after a revision
 * names is named by none after a later one).
 */
static void
pdfrev_standins(struct pdfrev_work *w, struct pdfrev_map *lstand)
{
	int id = 0, gen, added;

	while ((id = sign_pdfxref_next(w->x, id, &gen)) != 0) {
		const struct sign_pdfxref_obj *o = sign_pdfxref_scan(w->x, id, gen);

		if (o == NULL || !o->standin)
			continue;
		pdfrev_standin_put(w->e, id, gen, o->kind);
		pdfrev_put(lstand, id, gen, 0, &added);
		if (added)
			pdfrev_standin_put(w->l, id, gen, o->kind);
	}
}

/* Judge revision r against the final file l (read, with no error); keep:
 * leave the revision's reader allocated (the process is about to exit).
 * x: the cross-reference reading of this revision (NULL: every object read
 * by qpdf), lstand the stand-ins already in l. Returns 1 when the revision
 * must be judged again without x and stand-ins (r is then not set). */
static int
pdfrev_judge_rev(qpdf_data l, const unsigned char *buf, struct sign_pdfrev_rev *r,
    struct sign_pdfxref *x, struct pdfrev_map *lstand,
    int (*over_budget)(void *), void *arg, int *final_failed, int keep)
{
	struct pdfrev_work w;
	qpdf_oh eroot, lroot;

	memset(&w, 0, sizeof(w));
	w.l = l;
	w.x = x;
	w.over_budget = over_budget;
	w.arg = arg;
	w.mode = 2;
	w.e = pdfrev_open(&w, buf, r->end);
	if (!w.stop && w.x != NULL)
		pdfrev_standins(&w, lstand);
	if (!w.stop && pdfrev_qpdf_ok(&w)) {
		eroot = qpdf_get_root(w.e);
		lroot = qpdf_get_root(w.l);
		if (!qpdf_oh_is_dictionary(w.e, eroot) || !qpdf_oh_is_dictionary(w.l, lroot))
			pdfrev_stop(&w, SIGN_PDFREV_UNREADABLE, "no document catalog", NULL);
		if (!w.stop)
			pdfrev_read_signed(&w);
		if (!w.stop)
			pdfrev_compare_catalog(&w, eroot, lroot);
		if (!w.stop && w.change[0] == '\0')
			pdfrev_compare_pages(&w);
		if (!w.stop && w.change[0] == '\0')
			pdfrev_compare_form(&w, eroot, lroot);
		if (!w.stop && w.change[0] == '\0')
			pdfrev_reach(&w);
		pdfrev_qpdf_ok(&w);
		qpdf_oh_release(w.e, eroot);
		qpdf_oh_release(w.l, lroot);
	}
	if (w.fastfail) {
		qpdf_oh_release_all(l);
		if (!keep)
			pdfrev_close(&w.e);
		pdfrev_work_free(&w);
		return 1;
	}
	/* damage found in the final file is damage for every revision */
	if (w.stop && w.verdict == SIGN_PDFREV_UNREADABLE && w.final_bad)
		*final_failed = 1;
	r->certified = w.certified;
	r->differs = w.differs || w.change[0] != '\0';
	if (w.stop) {
		r->verdict = w.verdict;
		snprintf(r->change, sizeof(r->change), "%s", w.why);
	} else if (w.change[0] != '\0') {
		r->verdict = SIGN_PDFREV_MODIFIED;
		snprintf(r->change, sizeof(r->change), "%s", w.change);
	}
	qpdf_oh_release_all(l);
	if (!keep)
		pdfrev_close(&w.e);
	pdfrev_work_free(&w);
	return 0;
}

/* The final file's reader into *l, unless it is there; 0 when it cannot
 * be read (why says why, *failed the verdict). */
static int
pdfrev_open_final(qpdf_data *l, const unsigned char *buf, size_t len,
    enum sign_pdfrev_verdict *failed, char *why, size_t whylen)
{
	struct pdfrev_work fw;

	if (*l != NULL)
		return 1;
	memset(&fw, 0, sizeof(fw));
	*l = pdfrev_open(&fw, buf, len);
	if (!fw.stop) {
		fw.l = *l;
		pdfrev_qpdf_ok(&fw);
	}
	if (fw.stop) {
		*failed = fw.verdict;
		snprintf(why, whylen, "%s", fw.why);
		return 0;
	}
	return 1;
}

/* Set by the unit tests to judge every revision with qpdf reading every
 * object (the verdicts must be the same). */
static _Thread_local int pdfrev_fast_off;

/* A count kept for what is at off (kind 1: the object, 2: the object
 * stream's contents, 3: a section's dictionary, 4: all the bytes from
 * off): computed once per document. */
static size_t
pdfrev_cost_of(const unsigned char *buf, size_t len, size_t off, unsigned kind,
    struct pdfrev_map *cache)
{
	struct pdfrev_ent *e;
	int added;

	e = pdfrev_put(cache, (int)(off % 0x7ffffffe) + 1, (int)(off / 0x7ffffffe), kind, &added);
	if (added) {
		size_t max = SIGN_PDFREV_MAX_UPDATE_TOKENS;

		/* (a section's dictionary: an xref stream object, or after "trailer") */
		if (kind == 3)
			kind = off < len && buf[off] >= '0' && buf[off] <= '9' ? 1 : 5;
		e->val = (unsigned)(kind == 1 ? sign_pdfcost_object(buf, len, off, max) :
		    kind == 2 ? sign_pdfcost_objstm(buf, len, off, max) :
		    kind == 5 ? sign_pdfcost_value(buf, len, off, max) :
		    sign_pdfcost_rest(buf, len, off, max));
	}
	return e->val;
}

/* What the updates after the revision buf[0 .. end) cost a reader to
 * parse (sign_pdfcost.h): their entries and dictionaries, each object a
 * later section places, and the objects of each object stream the final
 * reader decodes for them; all their bytes when their sections cannot be
 * read. Stops at the limit. */
static size_t
pdfrev_update_cost(const unsigned char *buf, size_t len, size_t end, struct pdfrev_map *cache)
{
	struct sign_pdfxref_reach r;
	size_t acc, i, c, n;

	sign_pdfxref_reach(buf, len, end, &r);
	if (r.unread)
		return pdfrev_cost_of(buf, len, end, 4, cache);
	acc = r.entries < SIGN_PDFREV_MAX_UPDATE_TOKENS ? r.entries : SIGN_PDFREV_MAX_UPDATE_TOKENS;
	n = r.nobjs + r.nstms + r.ndicts;
	for (i = 0; i < n && acc < SIGN_PDFREV_MAX_UPDATE_TOKENS; i++) {
		if (i < r.nobjs)
			c = pdfrev_cost_of(buf, len, r.objs[i], 1, cache);
		else if (i < r.nobjs + r.nstms)
			c = pdfrev_cost_of(buf, len, r.stms[i - r.nobjs], 2, cache);
		else
			c = pdfrev_cost_of(buf, len, r.dicts[i - r.nobjs - r.nstms], 3, cache);
		/* acc is below the limit here */
		acc = c >= SIGN_PDFREV_MAX_UPDATE_TOKENS - acc ? SIGN_PDFREV_MAX_UPDATE_TOKENS : acc + c;
	}
	sign_pdfxref_reach_free(&r);
	return acc;
}

/* exiting: the caller's process ends right after (sign_pdfrev_child.c),
 * so the readers still needed at the end are not freed: destroying qpdf's
 * objects one by one costs about as much as reading them. */
static void
pdfrev_check(const unsigned char *buf, size_t len, struct sign_pdfrev_rev *revs,
    size_t nrevs, int (*over_budget)(void *arg), void *arg, int exiting)
{
	qpdf_data l = NULL, lf = NULL;      /* the final file: plain, with stand-ins */
	struct pdfrev_map lstand = { NULL, 0, 0 };
	size_t i, done = 0, last = 0;
	enum sign_pdfrev_verdict failed = SIGN_PDFREV_CREDITED;
	char why[120] = "";
	int final_failed = 0, nofast = pdfrev_fast_off;
	struct pdfrev_map costs = { NULL, 0, 0 };

	for (i = 0; i < nrevs; i++) {
		revs[i].verdict = SIGN_PDFREV_CREDITED;
		revs[i].differs = 0;
		revs[i].certified = 0;
		revs[i].change[0] = '\0';
		if (revs[i].end < len)
			last = i;
	}
	for (i = 0; i < nrevs; i++) {
		struct sign_pdfrev_rev *r = &revs[i];
		struct sign_pdfxref *x;
		int again;

		if (r->end >= len)
			continue;
		if (failed != SIGN_PDFREV_CREDITED) {
			/* the final file, or the budget, failed for all */
			r->verdict = failed;
			snprintf(r->change, sizeof(r->change), "%s", why);
			continue;
		}
		if (done == SIGN_PDFREV_MAX_REVS) {
			r->verdict = SIGN_PDFREV_UNCHECKED;
			snprintf(r->change, sizeof(r->change), "too many signatures to check");
			continue;
		}
		done++;
		if (over_budget != NULL && over_budget(arg)) {
			failed = SIGN_PDFREV_UNCHECKED;
			snprintf(why, sizeof(why), "too costly to check");
			r->verdict = failed;
			snprintf(r->change, sizeof(r->change), "%s", why);
			continue;
		}
		/* what the updates make qpdf parse, counted before it reads them */
		if (pdfrev_update_cost(buf, len, r->end, &costs) >= SIGN_PDFREV_MAX_UPDATE_TOKENS) {
			r->verdict = SIGN_PDFREV_UNCHECKED;
			snprintf(r->change, sizeof(r->change), "updates too large to check");
			continue;
		}
		x = sign_pdfxref_open(buf, len, r->end);
		if (nofast) {
			sign_pdfxref_free(x);
			x = NULL;
		}
		if (!pdfrev_open_final(x != NULL ? &lf : &l, buf, len, &failed, why, sizeof(why))) {
			sign_pdfxref_free(x);
			r->verdict = failed;
			snprintf(r->change, sizeof(r->change), "%s", why);
			continue;
		}
		again = pdfrev_judge_rev(x != NULL ? lf : l, buf, r, x, &lstand, over_budget, arg,
		    &final_failed, exiting && i == last);
		sign_pdfxref_free(x);
		if (again) {
			nofast = 1;
			if (!pdfrev_open_final(&l, buf, len, &failed, why, sizeof(why))) {
				r->verdict = failed;
				snprintf(r->change, sizeof(r->change), "%s", why);
				continue;
			}
			(void)pdfrev_judge_rev(l, buf, r, NULL, &lstand, over_budget, arg, &final_failed,
			    exiting && i == last);
		}
		/* a budget or limit, or damage in the final file, ends it */
		if (r->verdict == SIGN_PDFREV_UNCHECKED || final_failed) {
			failed = r->verdict;
			snprintf(why, sizeof(why), "%s", r->change);
		}
	}
	pdfrev_map_free(&lstand);
	pdfrev_map_free(&costs);
	if (!exiting) {
		pdfrev_close(&l);
		pdfrev_close(&lf);
	}
}

void
sign_pdfrev_check(const unsigned char *buf, size_t len, struct sign_pdfrev_rev *revs,
    size_t nrevs, int (*over_budget)(void *arg), void *arg)
{
	pdfrev_check(buf, len, revs, nrevs, over_budget, arg, 0);
}

void
sign_pdfrev_check_exiting(const unsigned char *buf, size_t len, struct sign_pdfrev_rev *revs,
    size_t nrevs, int (*over_budget)(void *arg), void *arg)
{
	pdfrev_check(buf, len, revs, nrevs, over_budget, arg, 1);
}

const char *
sign_pdfrev_word(enum sign_pdfrev_verdict v)
{
	switch (v) {
	case SIGN_PDFREV_CREDITED:
		return "credited";
	case SIGN_PDFREV_MODIFIED:
		return "modified";
	case SIGN_PDFREV_UNREADABLE:
		return "malformed";
	case SIGN_PDFREV_UNCHECKED:
		return "unchecked";
	}
	return "?";
}
