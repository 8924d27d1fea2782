/*
 * test_sign_pdfrev.c — what changed after a signature (sign_pdfrev.c), on
 * hand-made files: a one-page document with a text field and a signed
 * signature field is the signed revision, then an update is appended and
 * judged. Allowed: a new signature field and widget, an empty signature
 * field signed, a form field's value
 * and appearance, /DSS, /Info, an annotation under DocMDP P=3, nothing at
 * all. Reported: the page's content replaced, a page added, an annotation
 * added, removed or reordered, a dangling reference filled, an object
 * deleted, a catalog key, a signature replaced, a FieldMDP-locked field
 * changed, a signature after a P=1 certification; an object judged in
 * each of its roles (a font of the page and of /DR, a page reached through
 * /OpenAction, an outline). Also: a revision that
 * reaches the end is not read; damaged files are unreadable; the budget
 * callback, the nesting and dictionary-size limits and the number of revisions
 * stop the analysis; analyses run side by side in threads. In a child
 * process (sign_pdfrev_child.c): the same verdicts, and what the parent
 * had buffered on stdout is written once, by the parent.
 * Every test runs three times: sections written as classic tables, as
 * cross-reference streams (compressed, PNG Up predictor), and as streams
 * with the objects in object streams (section_stream); test_xref_streams
 * adds damaged streams and an object stream replaced behind its objects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../../src/govmaild/sign_pdfcost.c"
#include "../../src/govmaild/sign_pdfxref.c"
#include "../../src/govmaild/sign_pdfrev.c"
#include "../../src/govmaild/sign_pdfrev_child.c"

/*
 * Every check without a budget callback is made twice: with the
 * cross-reference reading and stand-ins (sign_pdfxref.c) as in govmaild,
 * and with qpdf reading every object; the verdicts must be the same.
 */
static void
check_both(const unsigned char *b, size_t len, struct sign_pdfrev_rev *r, size_t n,
    int (*over_budget)(void *), void *arg)
{
	struct sign_pdfrev_rev full[SIGN_PDFREV_MAX_REVS + 2];
	size_t i;

	if (over_budget != NULL || n > SIGN_PDFREV_MAX_REVS + 2) {
		sign_pdfrev_check(b, len, r, n, over_budget, arg);
		return;
	}
	memcpy(full, r, n * sizeof(*r));
	pdfrev_fast_off = 1;
	sign_pdfrev_check(b, len, full, n, NULL, NULL);
	pdfrev_fast_off = 0;
	sign_pdfrev_check(b, len, r, n, NULL, NULL);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].verdict, full[i].verdict);
		assert_string_equal(r[i].change, full[i].change);
		assert_int_equal(r[i].differs, full[i].differs);
		assert_int_equal(r[i].certified, full[i].certified);
	}
}
#define sign_pdfrev_check check_both

#define MAXOBJ 64

/* A PDF written section by section (incremental updates). */
struct pdf {
	char *b;
	size_t len, cap;
	size_t off[MAXOBJ];
	int mark[MAXOBJ];       /* in the next section: 1 defined, 2 freed */
	int max;
	size_t prev;            /* the last section's offset, 0 before the first */
};

static void
put(struct pdf *p, const char *s, size_t n)
{
	if (p->len + n + 1 > p->cap) {
		p->cap = (p->len + n + 1) * 2;
		p->b = realloc(p->b, p->cap);
		assert_non_null(p->b);
	}
	memcpy(p->b + p->len, s, n);
	p->len += n;
	p->b[p->len] = '\0';
}

static void
putf(struct pdf *p, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(tmp));
	put(p, tmp, (size_t)n);
}

/*
 * How sections are written: 0 classic tables; 1 cross-reference streams
 * (FlateDecode, PNG Up predictor, as qpdf and pdfsig write them); 2 the
 * same with every object that is no stream stored in an object stream of
 * its section (qpdf --object-streams=generate). main() runs every test in
 * each mode.
 */
static int xmode;

/* Objects of the next section kept for its object stream (mode 2). */
static _Thread_local char *pend[MAXOBJ];

static void
obj(struct pdf *p, int num, const char *body)
{
	assert_true(num > 0 && num < MAXOBJ);
	p->mark[num] = 1;
	if (num > p->max)
		p->max = num;
	if (xmode == 2 && strstr(body, "\nstream\n") == NULL) {
		free(pend[num]);
		pend[num] = strdup(body);
		assert_non_null(pend[num]);
		p->off[num] = 0;
		return;
	}
	free(pend[num]);
	pend[num] = NULL;
	p->off[num] = p->len;
	putf(p, "%d 0 obj\n", num);
	put(p, body, strlen(body));
	put(p, "\nendobj\n", 8);
}

static void
stream(struct pdf *p, int num, const char *dict, const char *data)
{
	char body[2048];

	snprintf(body, sizeof(body), "<< %s /Length %zu >>\nstream\n%s\nendstream", dict,
	    strlen(data), data);
	obj(p, num, body);
}

static void
freed(struct pdf *p, int num)
{
	p->mark[num] = 2;
}

/* The cross-reference section of what was marked, and the trailer; the
 * length of the file (the revision's end). */
static size_t section_stream(struct pdf *p, const char *extra);

static size_t
section(struct pdf *p, const char *extra)
{
	size_t x = p->len;
	int i;

	if (xmode != 0)
		return section_stream(p, extra);
	put(p, "xref\n0 1\n0000000000 65535 f \n", 29);
	for (i = 1; i < MAXOBJ; i++) {
		if (p->mark[i] == 1)
			putf(p, "%d 1\n%010zu 00000 n \n", i, p->off[i]);
		else if (p->mark[i] == 2)
			putf(p, "%d 1\n0000000000 00001 f \n", i);
		p->mark[i] = 0;
	}
	putf(p, "trailer\n<< /Size %d /Root 1 0 R /Info 10 0 R", p->max + 1);
	if (p->prev)
		putf(p, " /Prev %zu", p->prev);
	putf(p, " %s >>\nstartxref\n%zu\n%%%%EOF\n", extra ? extra : "", x);
	p->prev = x;
	return p->len;
}

/* One row of a cross-reference stream: type (1 byte), field 2 (4), field 3 (2). */
static void
xrow(unsigned char *r, int type, unsigned long f2, unsigned f3)
{
	r[0] = (unsigned char)type;
	r[1] = (unsigned char)(f2 >> 24);
	r[2] = (unsigned char)(f2 >> 16);
	r[3] = (unsigned char)(f2 >> 8);
	r[4] = (unsigned char)f2;
	r[5] = (unsigned char)(f3 >> 8);
	r[6] = (unsigned char)f3;
}

/* An object numbered past MAXOBJ written by hand, named (type 1) by the
 * next cross-reference stream. */
static _Thread_local int xextra_id;
static _Thread_local size_t xextra_off;

/* section() in modes 1 and 2: the objects kept for an object stream
 * first (mode 2), then the cross-reference stream (object 100 + the
 * number of sections so far) naming what was marked, and itself. */
static size_t
section_stream(struct pdf *p, const char *extra)
{
	static _Thread_local int nsec, size;
	unsigned char rows[2 * MAXOBJ + 4][8], *data, *z;
	unsigned char prev[7] = { 0 };
	char index[1024] = "", hdr[1024] = "", *bodies;
	int ids[2 * MAXOBJ + 4], nrows = 0, i, k, self, stm = 0, nin = 0;
	size_t x, blen = 0, hl = 0, o;
	uLongf zlen;

	if (p->prev == 0)
		nsec = size = 0;
	self = 100 + nsec;
	/* the object stream of this section: "num offset" pairs, then the objects */
	bodies = calloc(1, 65536);
	assert_non_null(bodies);
	for (i = 1; i < MAXOBJ; i++) {
		if (p->mark[i] != 1 || pend[i] == NULL)
			continue;
		hl += (size_t)snprintf(hdr + hl, sizeof(hdr) - hl, "%d %zu ", i, blen);
		blen += (size_t)snprintf(bodies + blen, 65536 - blen, "%s\n", pend[i]);
		assert_true(hl < sizeof(hdr) && blen < 65536);
		p->mark[i] = 3 + nin++;     /* index in the object stream + 3 */
		free(pend[i]);
		pend[i] = NULL;
	}
	if (nin > 0) {
		stm = 120 + nsec;
		o = p->len;
		putf(p, "%d 0 obj\n<< /Type /ObjStm /N %d /First %zu /Length %zu >>\nstream\n", stm, nin,
		    hl, hl + blen);
		put(p, hdr, hl);
		put(p, bodies, blen);
		put(p, "\nendstream\nendobj\n", 18);
		p->off[0] = o;      /* kept here for the entry below */
	}
	free(bodies);
	x = p->len;
	/* the rows, by object number: 0, the marked ones, the object stream, itself */
	ids[nrows] = 0;
	xrow(rows[nrows++], 0, 0, 65535);
	for (i = 1; i < MAXOBJ; i++) {
		if (p->mark[i] == 0)
			continue;
		ids[nrows] = i;
		if (p->mark[i] == 1)
			xrow(rows[nrows++], 1, (unsigned long)p->off[i], 0);
		else if (p->mark[i] == 2)
			xrow(rows[nrows++], 0, 0, 1);
		else
			xrow(rows[nrows++], 2, (unsigned long)stm, (unsigned)(p->mark[i] - 3));
		p->mark[i] = 0;
	}
	if (stm != 0) {
		ids[nrows] = stm;
		xrow(rows[nrows++], 1, (unsigned long)p->off[0], 0);
	}
	if (xextra_id != 0) {
		ids[nrows] = xextra_id;
		xrow(rows[nrows++], 1, (unsigned long)xextra_off, 0);
		xextra_id = 0;
	}
	ids[nrows] = self;
	xrow(rows[nrows++], 1, (unsigned long)x, 0);
	/* /Size: past every object number of this and earlier sections */
	for (i = 0; i < nrows; i++)
		if (ids[i] + 1 > size)
			size = ids[i] + 1;
	/* /Index: one subsection per row; PNG Up rows (tag 2) */
	data = malloc((size_t)nrows * 8);
	assert_non_null(data);
	for (i = 0; i < nrows; i++) {
		size_t il = strlen(index);

		snprintf(index + il, sizeof(index) - il, "%s%d 1", i ? " " : "", ids[i]);
		data[i * 8] = 2;
		for (k = 0; k < 7; k++) {
			data[i * 8 + 1 + k] = (unsigned char)(rows[i][k] - prev[k]);
			prev[k] = rows[i][k];
		}
	}
	zlen = compressBound((uLong)nrows * 8);
	z = malloc(zlen);
	assert_non_null(z);
	assert_int_equal(compress2(z, &zlen, data, (uLong)nrows * 8, 9), Z_OK);
	putf(p, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] /Root 1 0 R /Info 10 0 R",
	    self, size, index);
	if (p->prev)
		putf(p, " /Prev %zu", p->prev);
	putf(p, " %s /Filter /FlateDecode /DecodeParms << /Columns 7 /Predictor 12 >> /Length %lu >>\n"
	    "stream\n", extra ? extra : "", (unsigned long)zlen);
	put(p, (const char *)z, zlen);
	putf(p, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", x);
	free(z);
	free(data);
	p->prev = x;
	nsec++;
	return p->len;
}

/* The signed revision. docmdp: 0 none, else the certification's P;
 * lock: a FieldMDP lock of the field "so" by the signature. */
static size_t
base(struct pdf *p, int docmdp, int lock)
{
	char sig[512];

	memset(p, 0, sizeof(*p));
	put(p, "%PDF-1.7\n", 9);
	obj(p, 1, docmdp ? "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /Perms << /DocMDP 9 0 R >> >>" :
	    "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>");
	obj(p, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	obj(p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
	    "/Contents 5 0 R /Annots [7 0 R 8 0 R] >>");
	obj(p, 4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
	stream(p, 5, "", "BT /F1 12 Tf 72 770 Td (Quyet dinh so 123/QD-SNV) Tj ET");
	obj(p, 6, "<< /Fields [7 0 R 8 0 R] /SigFlags 3 /DR << /Font << /F1 4 0 R >> >> >>");
	obj(p, 7, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (so) /Rect [72 700 300 720] /P 3 0 R >>");
	obj(p, 8, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig1) /Rect [0 0 0 0] /P 3 0 R /V 9 0 R >>");
	snprintf(sig, sizeof(sig), "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
	    "/ByteRange [0 0 0 0] /Contents <00> /Reference [%s%s] >>",
	    docmdp == 0 ? "" : docmdp == 1 ? "<< /TransformMethod /DocMDP /TransformParams << /P 1 >> >>" :
	    docmdp == 2 ? "<< /TransformMethod /DocMDP /TransformParams << /P 2 >> >>" :
	    "<< /TransformMethod /DocMDP /TransformParams << /P 3 >> >>",
	    lock ? "<< /TransformMethod /FieldMDP /TransformParams << /Action /Include /Fields [(so)] >> >>" : "");
	obj(p, 9, sig);
	obj(p, 10, "<< /Producer (govmail test) >>");
	return section(p, NULL);
}

/* A new signature field and widget on page 1 (what a second signer adds). */
static void
add_signature(struct pdf *p, int field, const char *type)
{
	char b[512];

	snprintf(b, sizeof(b), "<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig%d) /Rect [0 0 0 0] "
	    "/P 3 0 R /V %d 0 R /AP << /N %d 0 R >> >>", field, field + 1, field + 2);
	obj(p, field, b);
	snprintf(b, sizeof(b), "<< /Type /%s /ByteRange [0 0 0 0] /Contents <00> >>", type);
	obj(p, field + 1, b);
	stream(p, field + 2, "/Type /XObject /Subtype /Form /BBox [0 0 0 0]", "");
	snprintf(b, sizeof(b), "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font "
	    "<< /F1 4 0 R >> >> /Contents 5 0 R /Annots [7 0 R 8 0 R %d 0 R] >>", field);
	obj(p, 3, b);
	snprintf(b, sizeof(b), "<< /Fields [7 0 R 8 0 R %d 0 R] /SigFlags 3 /DR << /Font << /F1 4 0 R >> >> >>",
	    field);
	obj(p, 6, b);
}

/* Judge the revision ending at end in p; the verdict's text in *change. */
static enum sign_pdfrev_verdict
judge(struct pdf *p, size_t end, const char **change)
{
	static struct sign_pdfrev_rev r;

	r.end = end;
	sign_pdfrev_check((const unsigned char *)p->b, p->len, &r, 1, NULL, NULL);
	*change = r.change;
	return r.verdict;
}

#define EXPECT(p, end, verdict, text) do { \
	const char *c_; \
	assert_int_equal(judge((p), (end), &c_), (verdict)); \
	assert_string_equal(c_, (text)); \
} while (0)

static void
test_nothing_after(void **state)
{
	struct pdf p;
	struct sign_pdfrev_rev r;
	size_t end = base(&p, 0, 0);

	(void)state;
	r.end = end;
	sign_pdfrev_check((const unsigned char *)p.b, p.len, &r, 1, NULL, NULL);
	assert_int_equal(r.verdict, SIGN_PDFREV_CREDITED);
	assert_int_equal(r.differs, 0);
	/* a revision reaching the end is not even read */
	r.end = 5;
	sign_pdfrev_check((const unsigned char *)"%PDF-", 5, &r, 1, NULL, NULL);
	assert_int_equal(r.verdict, SIGN_PDFREV_CREDITED);
	/* an update that redefines nothing: credited, no difference */
	section(&p, NULL);
	sign_pdfrev_check((const unsigned char *)p.b, p.len, (r.end = end, &r), 1, NULL, NULL);
	assert_int_equal(r.verdict, SIGN_PDFREV_CREDITED);
	assert_int_equal(r.differs, 0);
	free(p.b);
}

static void
test_second_signature(void **state)
{
	struct pdf p;
	struct sign_pdfrev_rev r;
	size_t end = base(&p, 0, 0);

	(void)state;
	add_signature(&p, 20, "Sig");
	section(&p, NULL);
	r.end = end;
	sign_pdfrev_check((const unsigned char *)p.b, p.len, &r, 1, NULL, NULL);
	assert_int_equal(r.verdict, SIGN_PDFREV_CREDITED);
	assert_int_equal(r.differs, 1);
	assert_int_equal(r.certified, 0);
	free(p.b);
}

static void
test_content_replaced(void **state)
{
	struct pdf p;
	size_t end = base(&p, 0, 0);

	(void)state;
	stream(&p, 5, "", "BT /F1 12 Tf 72 770 Td (FORGED: So 999) Tj ET");
	add_signature(&p, 20, "Sig");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "page 1 content replaced");
	free(p.b);

	/* or the page made to point to new content */
	end = base(&p, 0, 0);
	stream(&p, 20, "", "BT (FORGED) Tj ET");
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
	    "/Contents 20 0 R /Annots [7 0 R 8 0 R] >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "page 1 content replaced");
	free(p.b);

	/* a resource of the page (its font) changed */
	end = base(&p, 0, 0);
	obj(&p, 4, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "page 1 changed");
	free(p.b);
}

static void
test_page_added(void **state)
{
	struct pdf p;
	size_t end = base(&p, 0, 0);

	(void)state;
	obj(&p, 20, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 21 0 R >>");
	stream(&p, 21, "", "BT (FORGED) Tj ET");
	obj(&p, 2, "<< /Type /Pages /Kids [3 0 R 20 0 R] /Count 2 >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "page added");
	free(p.b);
}

static void
test_annotations(void **state)
{
	struct pdf p;
	size_t end = base(&p, 0, 0);

	(void)state;
	obj(&p, 20, "<< /Type /Annot /Subtype /FreeText /Rect [72 600 400 640] /Contents (FORGED) >>");
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
	    "/Contents 5 0 R /Annots [7 0 R 8 0 R 20 0 R] >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "annotation added on page 1");
	free(p.b);

	/* allowed by a certification with P=3 */
	end = base(&p, 3, 0);
	obj(&p, 20, "<< /Type /Annot /Subtype /Text /Rect [72 600 90 620] /Contents (ok) >>");
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
	    "/Contents 5 0 R /Annots [7 0 R 8 0 R 20 0 R] >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
	free(p.b);

	/* removed (the text field's widget) */
	end = base(&p, 0, 0);
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
	    "/Contents 5 0 R /Annots [8 0 R] >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "annotation removed from page 1");
	free(p.b);

	/* reordered (drawn in another order) */
	end = base(&p, 0, 0);
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
	    "/Contents 5 0 R /Annots [8 0 R 7 0 R] >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "annotations reordered on page 1");
	free(p.b);

	/* an existing object made an annotation */
	end = base(&p, 0, 0);
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
	    "/Contents 5 0 R /Annots [7 0 R 8 0 R 10 0 R] >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "annotation added on page 1");
	free(p.b);
}

static void
test_form_fields(void **state)
{
	struct pdf p;
	size_t end = base(&p, 0, 0);

	(void)state;
	/* the value and appearance of a text field: allowed */
	obj(&p, 7, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (so) /Rect [72 700 300 720] /P 3 0 R "
	    "/V (123/QD-SNV) /AP << /N 20 0 R >> >>");
	stream(&p, 20, "/Type /XObject /Subtype /Form /BBox [0 0 228 20]", "BT (123/QD-SNV) Tj ET");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
	free(p.b);

	/* its position: not a value */
	end = base(&p, 0, 0);
	obj(&p, 7, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (so) /Rect [72 100 300 120] /P 3 0 R >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "form field 'so' changed");
	free(p.b);

	/* locked by the signature (FieldMDP) */
	end = base(&p, 0, 1);
	obj(&p, 7, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (so) /Rect [72 700 300 720] /P 3 0 R "
	    "/V (999) >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "form field 'so' changed (locked by a signature)");
	free(p.b);

	/* a new text field */
	end = base(&p, 0, 0);
	obj(&p, 20, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (moi) /Rect [72 600 300 620] /P 3 0 R >>");
	obj(&p, 6, "<< /Fields [7 0 R 8 0 R 20 0 R] /SigFlags 3 /DR << /Font << /F1 4 0 R >> >> >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "form field 'moi' added");
	free(p.b);

	/* the signed signature field given another value */
	end = base(&p, 0, 0);
	obj(&p, 20, "<< /Type /Sig /ByteRange [0 0 0 0] /Contents <01> >>");
	obj(&p, 8, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig1) /Rect [0 0 0 0] /P 3 0 R /V 20 0 R >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "signature field 'sig1' changed");
	free(p.b);

	/* its signature dictionary redefined */
	end = base(&p, 0, 0);
	obj(&p, 9, "<< /Type /Sig /ByteRange [0 0 0 0] /Contents <01> >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "signature dictionary replaced");
	free(p.b);
}

static void
test_certification(void **state)
{
	struct pdf p;
	struct sign_pdfrev_rev r;
	size_t end = base(&p, 1, 0);

	(void)state;
	add_signature(&p, 20, "Sig");
	section(&p, NULL);
	r.end = end;
	sign_pdfrev_check((const unsigned char *)p.b, p.len, &r, 1, NULL, NULL);
	assert_int_equal(r.verdict, SIGN_PDFREV_MODIFIED);
	assert_string_equal(r.change, "signature added (the certification allows no changes)");
	assert_int_equal(r.certified, 1);
	free(p.b);

	/* a document timestamp and /DSS are allowed even so */
	end = base(&p, 1, 0);
	add_signature(&p, 20, "DocTimeStamp");
	obj(&p, 1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /Perms << /DocMDP 9 0 R >> /DSS 30 0 R >>");
	obj(&p, 30, "<< /Certs [31 0 R] >>");
	stream(&p, 31, "", "certificate");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
	free(p.b);

	/* P=2: a signature is allowed, a form value too */
	end = base(&p, 2, 0);
	add_signature(&p, 20, "Sig");
	obj(&p, 7, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (so) /Rect [72 700 300 720] /P 3 0 R /V (1) >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
	free(p.b);

	/* P=1: the document information is a change too */
	end = base(&p, 1, 0);
	obj(&p, 10, "<< /Producer (someone else) >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "document information changed (the certification allows no changes)");
	free(p.b);
}

static void
test_catalog_info_dss(void **state)
{
	struct pdf p;
	size_t end = base(&p, 0, 0);

	(void)state;
	obj(&p, 1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /OpenAction 20 0 R >>");
	obj(&p, 20, "<< /S /JavaScript /JS (app.alert(1)) >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "document catalog changed (/OpenAction)");
	free(p.b);

	/* /Info and /DSS: allowed without a certification */
	end = base(&p, 0, 0);
	obj(&p, 10, "<< /Producer (govmail test) /ModDate (D:20261124) >>");
	obj(&p, 1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /DSS << /CRLs [20 0 R] >> >>");
	stream(&p, 20, "", "crl");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
	free(p.b);
}

static void
test_dangling_and_deleted(void **state)
{
	struct pdf p;
	size_t end;

	(void)state;
	/* the signed page refers to object 40, which the revision lacks */
	memset(&p, 0, sizeof(p));
	base(&p, 0, 0);
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
	    "/Contents [5 0 R 40 0 R] /Annots [7 0 R 8 0 R] >>");
	end = section(&p, NULL);
	stream(&p, 40, "", "BT (FORGED) Tj ET");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "page 1 content replaced");
	free(p.b);

	/* an object deleted (freed). With object streams qpdf does not read a
	 * free entry for an object it read from one (the revision is
	 * "malformed"); check_both still asserts both readings agree. */
	end = base(&p, 0, 0);
	freed(&p, 4);
	section(&p, NULL);
	if (xmode == 2)
		(void)judge(&p, end, &(const char *){ NULL });
	else
		EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "page 1 changed (/Resources)");
	free(p.b);
	end = base(&p, 0, 0);
	freed(&p, 10);
	section(&p, NULL);
	if (xmode == 2)
		(void)judge(&p, end, &(const char *){ NULL });
	else
		EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "object 10 deleted");
	free(p.b);
}

static void
test_unreadable(void **state)
{
	struct pdf p;
	size_t end = base(&p, 0, 0);

	(void)state;
	/* an update whose cross-reference section is damaged */
	put(&p, "1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n0 1\ngarbage\ntrailer\n<< >>\nstartxref\n",
	    strlen("1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n0 1\ngarbage\ntrailer\n<< >>\nstartxref\n"));
	putf(&p, "%zu\n%%%%EOF\n", end);
	{
		const char *c;

		assert_int_equal(judge(&p, end, &c), SIGN_PDFREV_UNREADABLE);
		assert_true(strncmp(c, "not readable", 12) == 0 || strncmp(c, "damaged", 7) == 0);
	}
	free(p.b);

	/* a signed revision that is not a PDF */
	memset(&p, 0, sizeof(p));
	put(&p, "%PDF-1.7\nnothing here\n", 22);
	putf(&p, "more bytes\n");
	{
		const char *c;

		assert_int_equal(judge(&p, 22, &c), SIGN_PDFREV_UNREADABLE);
	}
	free(p.b);
}

static int
budget_gone(void *arg)
{
	(*(int *)arg)++;
	return 1;
}

/* The document information with a reference 100 arrays deep (deeper
 * than the walk goes; something beneath, so it is walked). */
static void
info_nested(struct pdf *p)
{
	char big[400];
	int i;

	strcpy(big, "<< /Producer (x) /X ");
	for (i = 0; i < 100; i++)
		strcat(big, "[");
	strcat(big, "4 0 R");
	for (i = 0; i < 100; i++)
		strcat(big, "]");
	strcat(big, " >>");
	obj(p, 10, big);
}

static void
test_limits(void **state)
{
	struct pdf p;
	struct sign_pdfrev_rev r[SIGN_PDFREV_MAX_REVS + 2];
	size_t end = base(&p, 0, 0), i, n;
	char *big;
	int calls = 0, k;

	(void)state;
	/* the caller's budget: asked, and obeyed for every revision left */
	add_signature(&p, 20, "Sig");
	r[1].end = section(&p, NULL);
	add_signature(&p, 23, "Sig");
	section(&p, NULL);
	r[0].end = end;
	sign_pdfrev_check((const unsigned char *)p.b, p.len, r, 2, budget_gone, &calls);
	assert_true(calls >= 1);
	assert_int_equal(r[0].verdict, SIGN_PDFREV_UNCHECKED);
	assert_string_equal(r[0].change, "too costly to check");
	assert_int_equal(r[1].verdict, SIGN_PDFREV_UNCHECKED);
	free(p.b);

	/* nesting deeper than we walk (in the document information, which
	 * may change) */
	end = base(&p, 0, 0);
	info_nested(&p);
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_UNCHECKED, "nested too deeply to check");
	free(p.b);

	/* the same nesting after a refused change: the first refused change
	 * is the verdict, and nothing after it is read */
	end = base(&p, 0, 0);
	obj(&p, 1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /OpenAction 3 0 R >>");
	info_nested(&p);
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "document catalog changed (/OpenAction)");
	free(p.b);

	/* a dictionary with more keys than signing tools write */
	end = base(&p, 0, 0);
	n = 5000;
	big = malloc(16 * n + 64);
	strcpy(big, "<< /Producer (x) /Font 4 0 R");
	for (i = 0; i < n; i++)
		sprintf(big + strlen(big), " /K%zu 1", i);
	strcat(big, " >>");
	obj(&p, 10, big);
	free(big);
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_UNCHECKED, "too complex to check");
	free(p.b);

	/* an update that would cost a reader more than the limit to parse
	 * (in the document information, which may change): refused as
	 * unchecked before qpdf reads it; a little less, read */
	for (k = 0; k < 2; k++) {
		/* a sixteenth less leaves room for one token per 64 bytes */
		size_t ntok = SIGN_PDFREV_MAX_UPDATE_TOKENS -
		    (k == 0 ? SIGN_PDFREV_MAX_UPDATE_TOKENS / 16 : 0), o = 0;

		end = base(&p, 0, 0);
		big = malloc(2 * ntok + 64);
		o += (size_t)sprintf(big, "10 0 obj\n<< /Producer (x) /X [");
		for (i = 0; i < ntok; i++)
			o += (size_t)sprintf(big + o, "1 ");
		o += (size_t)sprintf(big + o, "] >>\nendobj\n");
		p.off[10] = p.len;      /* written by hand: never in an object stream */
		p.mark[10] = 1;
		put(&p, big, o);
		free(big);
		section(&p, NULL);
		if (k == 0)
			EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
		else
			EXPECT(&p, end, SIGN_PDFREV_UNCHECKED, "updates too large to check");
		free(p.b);
	}

	/* at most SIGN_PDFREV_MAX_REVS revisions are analysed */
	base(&p, 0, 0);
	for (i = 0; i < SIGN_PDFREV_MAX_REVS + 1; i++) {
		char info[64];

		snprintf(info, sizeof(info), "<< /Producer (revision %zu) >>", i);
		obj(&p, 10, info);
		r[i].end = section(&p, NULL);
	}
	obj(&p, 10, "<< /Producer (last) >>");
	section(&p, NULL);
	sign_pdfrev_check((const unsigned char *)p.b, p.len, r, SIGN_PDFREV_MAX_REVS + 1, NULL, NULL);
	for (i = 0; i < SIGN_PDFREV_MAX_REVS; i++)
		assert_int_equal(r[i].verdict, SIGN_PDFREV_CREDITED);
	assert_int_equal(r[SIGN_PDFREV_MAX_REVS].verdict, SIGN_PDFREV_UNCHECKED);
	assert_string_equal(r[SIGN_PDFREV_MAX_REVS].change, "too many signatures to check");
	free(p.b);
}

/* The budget running out at the n-th time it is asked. */
struct budget_at {
	int asked, at;
};

static int
budget_at(void *arg)
{
	struct budget_at *b = arg;

	return ++b->asked >= b->at;
}

/*
 * Wherever the caller's budget stops the analysis, it ends with the full
 * run's verdict or "too costly to check" and releases everything it took
 * (ASan's leak check at exit): a document with a form value, a new
 * signature, and a replaced page as later revisions, stopped at each point
 * the analysis asks, in turn.
 */
static void
test_budget_every_point(void **state)
{
	struct pdf p;
	struct sign_pdfrev_rev full[2], r[2];
	struct budget_at b = { 0, 1 << 30 };
	int at;

	(void)state;
	full[0].end = base(&p, 0, 0);
	obj(&p, 7, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (so) /Rect [72 700 300 720] /P 3 0 R "
	    "/V (123/QD-SNV) /AP << /N 30 0 R >> >>");
	stream(&p, 30, "/Type /XObject /Subtype /Form /BBox [0 0 228 20]", "BT (123/QD-SNV) Tj ET");
	add_signature(&p, 20, "Sig");
	full[1].end = section(&p, NULL);
	stream(&p, 5, "", "BT /F1 12 Tf 72 770 Td (FORGED: So 999) Tj ET");
	section(&p, NULL);
	sign_pdfrev_check((const unsigned char *)p.b, p.len, full, 2, budget_at, &b);
	assert_int_equal(full[0].verdict, SIGN_PDFREV_MODIFIED);
	assert_int_equal(full[1].verdict, SIGN_PDFREV_MODIFIED);
	assert_true(b.asked >= 2);
	for (at = 1; at <= b.asked; at++) {
		struct budget_at stop = { 0, at };
		int i;

		r[0].end = full[0].end;
		r[1].end = full[1].end;
		sign_pdfrev_check((const unsigned char *)p.b, p.len, r, 2, budget_at, &stop);
		for (i = 0; i < 2; i++) {
			if (r[i].verdict == SIGN_PDFREV_UNCHECKED)
				assert_string_equal(r[i].change, "too costly to check");
			else
				assert_int_equal(r[i].verdict, full[i].verdict);
		}
	}
	free(p.b);
}

/* Roles: an object is judged by every role it has in the final file. */
static void
test_roles(void **state)
{
	struct pdf p;
	size_t end;

	(void)state;
	/* a signed revision without a form (the first signature creates
	 * it): a key asked of a missing /AcroForm is no damage */
	memset(&p, 0, sizeof(p));
	put(&p, "%PDF-1.7\n", 9);
	obj(&p, 1, "<< /Type /Catalog /Pages 2 0 R >>");
	obj(&p, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R >>");
	stream(&p, 5, "", "BT (Quyet dinh) Tj ET");
	obj(&p, 10, "<< /Producer (govmail test) >>");
	end = section(&p, NULL);
	obj(&p, 1, "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [20 0 R] /SigFlags 3 >> >>");
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R /Annots [20 0 R] >>");
	obj(&p, 20, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig1) /Rect [0 0 0 0] /P 3 0 R /V 21 0 R >>");
	obj(&p, 21, "<< /Type /Sig /ByteRange [0 0 0 0] /Contents <00> >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
	free(p.b);

	/* a font the page and the form's /DR share: changed, it changes the page */
	end = base(&p, 0, 0);
	obj(&p, 4, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>");
	obj(&p, 6, "<< /Fields [7 0 R 8 0 R] /SigFlags 3 /DR << /Font << /F1 4 0 R /F2 20 0 R >> >> >>");
	obj(&p, 20, "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "page 1 changed");
	free(p.b);

	/* a new font in /DR alone: allowed */
	end = base(&p, 0, 0);
	obj(&p, 6, "<< /Fields [7 0 R 8 0 R] /SigFlags 3 /DR << /Font << /F1 4 0 R /F2 20 0 R >> >> >>");
	obj(&p, 20, "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
	free(p.b);

	/* the page reached through /OpenAction as well: still a page, whose
	 * /Annots may grow by a signature */
	memset(&p, 0, sizeof(p));
	base(&p, 0, 0);
	obj(&p, 1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /OpenAction [3 0 R /Fit] >>");
	end = section(&p, NULL);
	add_signature(&p, 20, "Sig");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
	free(p.b);

	/* a new signature's appearance reaching the page's content stream,
	 * which changed: the page's change is what is reported */
	end = base(&p, 0, 0);
	add_signature(&p, 20, "Sig");
	stream(&p, 22, "/Type /XObject /Subtype /Form /BBox [0 0 0 0] /Resources << /XObject << /X 5 0 R >> >>", "");
	stream(&p, 5, "", "BT (FORGED) Tj ET");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "page 1 content replaced");
	free(p.b);

	/* an empty signature field placed earlier, signed later: allowed;
	 * signed again: refused */
	memset(&p, 0, sizeof(p));
	base(&p, 0, 0);
	obj(&p, 20, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig2) /Rect [0 0 10 10] /P 3 0 R >>");
	obj(&p, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
	    "/Contents 5 0 R /Annots [7 0 R 8 0 R 20 0 R] >>");
	obj(&p, 6, "<< /Fields [7 0 R 8 0 R 20 0 R] /SigFlags 3 /DR << /Font << /F1 4 0 R >> >> >>");
	end = section(&p, NULL);
	obj(&p, 21, "<< /Type /Sig /ByteRange [0 0 0 0] /Contents <00> >>");
	stream(&p, 22, "/Type /XObject /Subtype /Form /BBox [0 0 10 10]", "");
	obj(&p, 20, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig2) /Rect [0 0 10 10] /P 3 0 R "
	    "/V 21 0 R /AP << /N 22 0 R >> >>");
	{
		size_t signed_end = section(&p, NULL);

		EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
		obj(&p, 23, "<< /Type /Sig /ByteRange [0 0 0 0] /Contents <01> >>");
		obj(&p, 20, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (sig2) /Rect [0 0 10 10] /P 3 0 R "
		    "/V 23 0 R /AP << /N 22 0 R >> >>");
		section(&p, NULL);
		EXPECT(&p, signed_end, SIGN_PDFREV_MODIFIED, "signature field 'sig2' changed");
	}
	free(p.b);

	/* an outline (a catalog key) whose existing object changed */
	memset(&p, 0, sizeof(p));
	base(&p, 0, 0);
	obj(&p, 1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /Outlines 30 0 R >>");
	obj(&p, 30, "<< /Type /Outlines /Count 0 >>");
	end = section(&p, NULL);
	obj(&p, 30, "<< /Type /Outlines /Count 1 /First 31 0 R >>");
	obj(&p, 31, "<< /Title (FORGED) /Parent 30 0 R >>");
	section(&p, NULL);
	EXPECT(&p, end, SIGN_PDFREV_MODIFIED, "object 30 changed");
	free(p.b);
}

/* Analyses side by side: each thread its own documents, the same verdicts. */
static void *
worker(void *arg)
{
	struct pdf p;
	struct sign_pdfrev_rev r;
	int i, *bad = arg;

	for (i = 0; i < 20; i++) {
		r.end = base(&p, 0, 0);
		if (i % 2)
			stream(&p, 5, "", "BT (FORGED) Tj ET");
		add_signature(&p, 20, "Sig");
		section(&p, NULL);
		sign_pdfrev_check((const unsigned char *)p.b, p.len, &r, 1, NULL, NULL);
		if (r.verdict != (i % 2 ? SIGN_PDFREV_MODIFIED : SIGN_PDFREV_CREDITED))
			(*bad)++;
		free(p.b);
	}
	return NULL;
}

/* The signed revision of base() with a large font F1 (1000 widths) and
 * a large embedded font file: both stood in for when unchanged. */
static size_t
big_base(struct pdf *p)
{
	char *b = malloc(8192), *o;
	int i;

	assert_non_null(b);
	base(p, 0, 0);
	o = b + sprintf(b, "<< /Type /Font /Subtype /TrueType /BaseFont /Big /FirstChar 0 /LastChar 999 "
	    "/FontDescriptor 12 0 R /Widths [");
	for (i = 0; i < 1000; i++)
		o += sprintf(o, " %d", 500 + i % 7);
	sprintf(o, " ] >>");
	obj(p, 4, b);
	obj(p, 12, "<< /Type /FontDescriptor /FontName /Big /Flags 32 /FontFile2 13 0 R >>");
	o = b + sprintf(b, "<< /Length1 3000 /Length 3000 >>\nstream\n");
	memset(o, 'A', 3000);
	sprintf(o + 3000, "\nendstream");
	obj(p, 13, b);
	free(b);
	return section(p, NULL);
}

/* Large unchanged objects are stood in for and their references read
 * from their bytes: a change beneath them is still judged in their roles
 * (the page's font file), one met where the structure is read (a font as
 * a page) makes the revision judged again with qpdf reading everything.
 * check_both compares every verdict with the full reading. */
static void
test_standins(void **state)
{
	struct pdf p;
	struct sign_pdfxref *x;
	const struct sign_pdfxref_obj *o;
	size_t end;

	(void)state;
	end = big_base(&p);
	add_signature(&p, 20, "Sig");
	section(&p, NULL);
	x = sign_pdfxref_open((const unsigned char *)p.b, p.len, end);
	assert_non_null(x);
	assert_false(sign_pdfxref_redefined(x, 4));
	assert_true(sign_pdfxref_redefined(x, 3));
	if (xmode == 2) {
		/* dictionaries in an object stream: read by qpdf, never stood in */
		assert_null(sign_pdfxref_scan(x, 4, 0));
		assert_null(sign_pdfxref_scan(x, 12, 0));
		assert_null(sign_pdfxref_scan(x, 9, 0));
	} else {
		assert_non_null(o = sign_pdfxref_scan(x, 4, 0));
		assert_true(o->standin);
		assert_int_equal(o->nrefs, 1);
		assert_non_null(o = sign_pdfxref_scan(x, 12, 0));
		assert_false(o->standin);
		assert_non_null(o = sign_pdfxref_scan(x, 9, 0));      /* a signature: never */
		assert_false(o->standin);
	}
	assert_non_null(o = sign_pdfxref_scan(x, 13, 0));
	assert_true(o->standin);
	assert_int_equal(o->kind, SIGN_PDFXREF_STREAM);
	assert_null(sign_pdfxref_scan(x, 3, 0));               /* redefined */
	sign_pdfxref_free(x);
	EXPECT(&p, end, SIGN_PDFREV_CREDITED, "");
	free(p.b);

	/* the font file beneath the stood-in font, replaced */
	end = big_base(&p);
	stream(&p, 13, "/Length1 3", "BBB");
	add_signature(&p, 20, "Sig");
	section(&p, NULL);
	assert_int_equal(judge(&p, end, &(const char *){ NULL }), SIGN_PDFREV_MODIFIED);
	free(p.b);

	/* its descriptor, not stood in (small), replaced */
	end = big_base(&p);
	obj(&p, 12, "<< /Type /FontDescriptor /FontName /Forged /Flags 32 /FontFile2 13 0 R >>");
	section(&p, NULL);
	assert_int_equal(judge(&p, end, &(const char *){ NULL }), SIGN_PDFREV_MODIFIED);
	free(p.b);

	/* the stood-in font made a page, and a field */
	end = big_base(&p);
	obj(&p, 2, "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>");
	section(&p, NULL);
	assert_int_equal(judge(&p, end, &(const char *){ NULL }), SIGN_PDFREV_MODIFIED);
	free(p.b);
	end = big_base(&p);
	obj(&p, 6, "<< /Fields [7 0 R 8 0 R 4 0 R] /SigFlags 3 /DR << /Font << /F1 4 0 R >> >> >>");
	section(&p, NULL);
	assert_int_equal(judge(&p, end, &(const char *){ NULL }), SIGN_PDFREV_MODIFIED);
	free(p.b);

	/* an update whose /Prev leads into the signed bytes elsewhere than the
	 * revision's own table: not relied on */
	end = big_base(&p);
	add_signature(&p, 20, "Sig");
	p.prev = 9;
	section(&p, NULL);
	assert_null(sign_pdfxref_open((const unsigned char *)p.b, p.len, end));
	free(p.b);
}

/* What the cross-reference reading does not rely on: an object whose
 * bytes are not exactly well formed is left to qpdf (not scanned), and
 * so is a whole file with a deleted object. */
static void
test_xref_strict(void **state)
{
	static const char *const bad[] = {
		"<< /A 1 % a comment\n>>",                 /* a comment */
		"<< /A 1 /A 2 >>",                          /* a key twice */
		"<< /A /x#00y >>",                          /* #00 in a name */
		"<< /A (unbalanced >>",                     /* a string never closed */
		"<< /A 1 /B >>",                            /* a key without value */
		"<< /A { } >>",                             /* a brace */
		"<< /Length 99 >>\nstream\nshort\nendstream",     /* /Length past endstream */
		"<< /Length 5 0 R >>\nstream\nshort\nendstream",  /* /Length a reference */
		"<< /A 0 0 R >>",                           /* object 0 */
	};
	struct pdf p;
	struct sign_pdfxref *x;
	const struct sign_pdfxref_obj *o;
	size_t end, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		end = base(&p, 0, 0);
		obj(&p, 11, bad[i]);
		obj(&p, 12, "<< /Ok [1 2.5 -3 (a\\)b) <0aF> /N#41me true null 4 0 R] >>");
		section(&p, NULL);
		add_signature(&p, 20, "Sig");
		section(&p, NULL);
		/* revision: base plus 11 and 12; the signature after it */
		x = sign_pdfxref_open((const unsigned char *)p.b, p.len, (size_t)((char *)memmem(p.b + end,
		    p.len - end, "%%EOF\n", 6) - p.b) + 6);
		assert_non_null(x);
		assert_null(sign_pdfxref_scan(x, 11, 0));
		if (xmode == 2) {
			/* in an object stream: never scanned, qpdf reads it */
			assert_null(sign_pdfxref_scan(x, 12, 0));
			sign_pdfxref_free(x);
			free(p.b);
			continue;
		}
		assert_non_null(o = sign_pdfxref_scan(x, 12, 0));
		assert_int_equal(o->nrefs, 1);
		assert_int_equal(o->refs[0], 4);
		sign_pdfxref_free(x);
		free(p.b);
	}
	end = base(&p, 0, 0);
	freed(&p, 10);
	section(&p, NULL);
	assert_null(sign_pdfxref_open((const unsigned char *)p.b, p.len, end));
	free(p.b);
	/* an update whose trailer's /Size leaves out objects of the revision */
	if (xmode == 0) {
		end = base(&p, 0, 0);
		add_signature(&p, 20, "Sig");
		p.max = 5;
		section(&p, NULL);
		assert_null(sign_pdfxref_open((const unsigned char *)p.b, p.len, end));
		free(p.b);
	}
}

/* Cross-reference streams (modes 1 and 2 only): damaged or unusual
 * streams are not relied on (qpdf reads everything), and an object in an
 * object stream that a later update replaces without naming the object
 * counts as redefined and is judged. */
static void
test_xref_streams(void **state)
{
	static const char *const bad[] = {
		"/Length 3 >>\nstream\nabc\nendstream",                       /* not zlib */
		"/Length 99 >>\nstream\nabc\nendstream",                      /* /Length past it */
		"/Length 0 /Filter /LZWDecode >>\nstream\n\nendstream",        /* another filter */
		"/Length 0 /DecodeParms << /Predictor 2 >> >>\nstream\n\nendstream",
	};
	struct pdf p;
	struct sign_pdfxref *x;
	size_t end, i, o;
	char page[512];

	(void)state;
	if (xmode == 0)
		return;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		end = base(&p, 0, 0);
		o = p.len;
		putf(&p, "90 0 obj\n<< /Type /XRef /Size 91 /W [1 4 2] /Root 1 0 R /Prev %zu %s\n"
		    "endobj\nstartxref\n%zu\n%%%%EOF\n", p.prev, bad[i], o);
		assert_null(sign_pdfxref_open((const unsigned char *)p.b, p.len, end));
		free(p.b);
	}
	if (xmode != 2)
		return;
	/* object stream 120 (objects 1-4, 6-10 of the signed revision) replaced
	 * by one holding a forged page 3; the update names 120, not 3 */
	end = base(&p, 0, 0);
	snprintf(page, sizeof(page), "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
	    "<< /Font << /F1 4 0 R >> >> /Contents 40 0 R /Annots [7 0 R 8 0 R] >>");
	stream(&p, 40, "", "BT (FORGED) Tj ET");
	xextra_id = 120;
	xextra_off = p.len;
	putf(&p, "120 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length %zu >>\nstream\n3 0 %s\nendstream\n"
	    "endobj\n", 4 + strlen(page), page);
	section(&p, NULL);
	x = sign_pdfxref_open((const unsigned char *)p.b, p.len, end);
	assert_non_null(x);
	assert_true(sign_pdfxref_redefined(x, 3));
	assert_null(sign_pdfxref_scan(x, 3, 0));
	sign_pdfxref_free(x);
	/* the other objects of 120 are gone with it: qpdf cannot read the
	 * final file ("malformed"); never credited, the same both ways */
	assert_int_not_equal(judge(&p, end, &(const char *){ NULL }), SIGN_PDFREV_CREDITED);
	free(p.b);
}

static void
test_threads(void **state)
{
	pthread_t t[4];
	int bad[4] = { 0, 0, 0, 0 }, i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, &bad[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(bad[i], 0);
	}
}

/* The analysis in a child: the verdicts of sign_pdfrev_check, and the
 * parent's buffered output not written twice (qpdf flushes stdout as the
 * child ends). */
static void
test_child(void **state)
{
	struct pdf p;
	struct sign_pdfrev_rev r[2];
	char tmpl[] = "/tmp/test_sign_pdfrev.XXXXXX", got[64];
	int fd, saved;
	ssize_t n;

	(void)state;
	r[0].end = base(&p, 0, 0);
	stream(&p, 5, "", "BT (FORGED) Tj ET");
	add_signature(&p, 20, "Sig");
	r[1].end = section(&p, NULL);
	putf(&p, "%s", "\n% bytes after the last signature\n");
	fflush(stdout);
	assert_true((fd = mkstemp(tmpl)) >= 0);
	unlink(tmpl);
	assert_true((saved = dup(1)) >= 0);
	assert_int_equal(dup2(fd, 1), 1);
	printf("parent");           /* no newline: buffered in any mode */
	assert_true(sign_pdfrev_child_check((const unsigned char *)p.b, p.len, r, 2, 0) >= 0);
	fflush(stdout);
	assert_int_equal(dup2(saved, 1), 1);
	close(saved);
	n = pread(fd, got, sizeof(got) - 1, 0);
	close(fd);
	assert_true(n >= 0);
	got[n] = '\0';
	assert_string_equal(got, "parent");
	assert_int_equal(r[0].verdict, SIGN_PDFREV_MODIFIED);
	assert_string_equal(r[0].change, "page 1 content replaced");
	assert_int_equal(r[1].verdict, SIGN_PDFREV_CREDITED);
	assert_int_equal(r[1].differs, 0);
	free(p.b);
}

static void
test_words(void **state)
{
	(void)state;
	assert_string_equal(sign_pdfrev_word(SIGN_PDFREV_CREDITED), "credited");
	assert_string_equal(sign_pdfrev_word(SIGN_PDFREV_MODIFIED), "modified");
	assert_string_equal(sign_pdfrev_word(SIGN_PDFREV_UNREADABLE), "malformed");
	assert_string_equal(sign_pdfrev_word(SIGN_PDFREV_UNCHECKED), "unchecked");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_after),
		cmocka_unit_test(test_second_signature),
		cmocka_unit_test(test_content_replaced),
		cmocka_unit_test(test_page_added),
		cmocka_unit_test(test_annotations),
		cmocka_unit_test(test_form_fields),
		cmocka_unit_test(test_certification),
		cmocka_unit_test(test_catalog_info_dss),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_standins),
		cmocka_unit_test(test_xref_strict),
		cmocka_unit_test(test_xref_streams),
		cmocka_unit_test(test_dangling_and_deleted),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_budget_every_point),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_child),
		cmocka_unit_test(test_words),
	};

	int failed;

	failed = cmocka_run_group_tests_name("classic cross-reference tables", tests, NULL, NULL);
	xmode = 1;
	failed += cmocka_run_group_tests_name("cross-reference streams", tests, NULL, NULL);
	xmode = 2;
	failed += cmocka_run_group_tests_name("cross-reference and object streams", tests, NULL, NULL);
	return failed;
}
