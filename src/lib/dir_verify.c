/*
 * dir_verify.c — checking an interrupted run's intended changes against
 * the directory (see dir_verify.h). The fingerprint is a SHA-256 over the
 * attribute names (lower case, sorted) and each one's values (sorted, with
 * their lengths), computed the same way from a modification list and from
 * an entry read back, so a replace that reached slapd matches and one that
 * did not (or was overwritten since) does not.
 */
#include <ctype.h>
#include <ldap.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_run.h"
#include "dir_escape.h"
#include "dir_schema.h"
#include "dir_verify.h"
#include "xmalloc.h"

struct fp_val {
	char *attr;             /* lower case */
	const char *v;          /* NULL: the attribute is named, with no value */
	size_t len;
};

struct fp_set {
	struct fp_val *v;
	size_t n;
};

static void
fp_push(struct fp_set *s, const char *attr, const char *v, size_t len)
{
	size_t i;

	s->v = xgrowarray(s->v, s->n, sizeof(*s->v));
	s->v[s->n].attr = xstrdup(attr);
	for (i = 0; s->v[s->n].attr[i]; i++)
		s->v[s->n].attr[i] = (char)tolower((unsigned char)s->v[s->n].attr[i]);
	s->v[s->n].v = v;
	s->v[s->n++].len = len;
}

static int
fp_cmp(const void *a, const void *b)
{
	const struct fp_val *x = a, *y = b;
	int c = strcmp(x->attr, y->attr);
	size_t n;

	if (c != 0)
		return c;
	if (x->v == NULL || y->v == NULL)
		return (x->v != NULL) - (y->v != NULL);
	n = x->len < y->len ? x->len : y->len;
	if ((c = memcmp(x->v, y->v, n)) != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* Hash the set (sorted here) into hex; frees it. */
static int
fp_finish(struct fp_set *s, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char hdr[64];
	const char *last = NULL;
	size_t j;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	qsort(s->v, s->n, sizeof(*s->v), fp_cmp);
	for (j = 0; ok && j < s->n; j++) {
		if (last == NULL || strcmp(last, s->v[j].attr) != 0) {
			ok = EVP_DigestUpdate(ctx, "a:", 2) == 1 &&
			    EVP_DigestUpdate(ctx, s->v[j].attr, strlen(s->v[j].attr) + 1) == 1;
			last = s->v[j].attr;
		}
		if (ok && s->v[j].v != NULL) {
			snprintf(hdr, sizeof(hdr), "v:%zu:", s->v[j].len);
			ok = EVP_DigestUpdate(ctx, hdr, strlen(hdr)) == 1 &&
			    EVP_DigestUpdate(ctx, s->v[j].v, s->v[j].len) == 1;
		}
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	for (j = 0; j < s->n; j++)
		free(s->v[j].attr);
	free(s->v);
	if (!ok || mdlen * 2 > DIR_FINGERPRINT_LEN)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
dir_mods_fingerprint(const struct dir_mods *m, char *out)
{
	struct fp_set s = { NULL, 0 };
	size_t i, j, n = dir_mods_count(m), nvals;
	enum dir_mod_op op;
	const char *attr;
	char *const *vals;
	const size_t *lens;

	for (i = 0; i < n; i++) {
		dir_mods_at(m, i, &op, &attr, &vals, &lens, &nvals);
		if (op != DIR_MOD_REPLACE) {
			for (j = 0; j < s.n; j++)
				free(s.v[j].attr);
			free(s.v);
			return -1;
		}
		fp_push(&s, attr, NULL, 0);
		for (j = 0; j < nvals; j++)
			fp_push(&s, attr, vals[j], lens[j]);
	}
	return fp_finish(&s, out);
}

/* The fingerprint of the entry's values of attrs. */
static int
fp_entry(const struct dir_entry *e, const char *const *attrs, size_t nattrs, char *out)
{
	struct fp_set s = { NULL, 0 };
	size_t i, j;

	for (i = 0; i < nattrs; i++) {
		const struct dir_attr *a = dir_entry_attr(e, attrs[i]);

		fp_push(&s, attrs[i], NULL, 0);
		for (j = 0; a != NULL && j < a->nvals; j++)
			fp_push(&s, attrs[i], a->vals[j], a->lens[j]);
	}
	return fp_finish(&s, out);
}

int
dir_verify_intent(const struct audit_intent *it, void *arg, char *dn, size_t dnlen)
{
	struct dir *d = arg;
	struct dir_entry *e = NULL;
	enum dir_status st;
	char fp[DIR_FINGERPRINT_LEN + 1];
	const char **attrs;
	size_t i;
	int v;

	if (it->key != NULL) {
		static const char *const none[] = { DIR_AT_EMPLOYEENUMBER, NULL };
		char *filter = dir_filter_fmt("(&(objectClass=" DIR_OC_ACCOUNT ")("
		    DIR_AT_EMPLOYEENUMBER "=%s))", it->key);

		st = dir_search_one(d, dir_base(d), LDAP_SCOPE_SUBTREE, filter, none, &e);
		free(filter);
	} else if (it->dn != NULL) {
		attrs = xcalloc(it->nattrs + 2, sizeof(*attrs));
		for (i = 0; i < it->nattrs; i++)
			attrs[i] = it->attrs[i];
		attrs[i] = it->nattrs == 0 ? "1.1" : NULL;
		st = dir_search_one(d, it->dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &e);
		free(attrs);
	} else
		return 0;
	if (st == DIR_NOT_FOUND)
		return 0;
	if (st != DIR_OK)
		return -1;
	v = 1;
	if (it->key == NULL && it->check != NULL &&
	    (fp_entry(e, it->attrs, it->nattrs, fp) != 0 || strcmp(fp, it->check) != 0))
		v = 0;
	if (v == 1)
		snprintf(dn, dnlen, "%s", e->dn);
	dir_entry_free(e);
	return v;
}
