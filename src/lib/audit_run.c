/*
 * audit_run.c — run-level audit records and the completion of an
 * interrupted run's records (see audit_run.h).
 *
 * Recovery reads the log back, which needs a JSON reader: a small one is
 * here, enough for the records this program writes (objects, arrays,
 * strings, numbers, literals; nesting bounded). Only lines that are run
 * records are parsed in the first pass, so a run with nothing to recover
 * costs one strstr per line. A run still going (its process alive, with the
 * same start time, so a recycled pid is not taken for it) is left alone.
 */
#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit_log.h"
#include "audit_run.h"
#include "json_writer.h"
#include "strmap.h"
#include "xmalloc.h"

#define AUDIT_RUN_DEPTH 8       /* deepest nesting the reader accepts */

/* Runs this process has started (the last part of a run id). */
static atomic_ulong audit_run_seq;

struct audit_count {
	char *name;
	size_t n;
};

struct audit_run {
	struct audit_log *a;
	char *command;
	char *source;
	char id[64];
	unsigned long long start;      /* process start time (clock ticks) */
	struct timespec t0;
	struct audit_count *counts;
	size_t ncounts;
};

/* Start time of process pid in clock ticks since boot (/proc/PID/stat
 * field 22), or 0 if it cannot be read (no such process). */
static unsigned long long
audit_proc_start(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	size_t n;
	FILE *fp;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields follow the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; *p != '\0' && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field == 22)
		v = strtoull(p, NULL, 10);
	return v;
}

struct audit_run *
audit_run_new(struct audit_log *a, const char *command, const char *source)
{
	struct audit_run *r = xcalloc(1, sizeof(*r));
	struct tm tm;
	time_t now = time(NULL);

	r->a = a;
	r->command = xstrdup(command);
	r->source = source ? xstrdup(source) : NULL;
	gmtime_r(&now, &tm);
	strftime(r->id, sizeof(r->id), "%Y%m%dT%H%M%SZ", &tm);
	/* the process's own count too: govmail-apid starts several runs (hr
	 * jobs, merges), two of them possibly in the same second */
	snprintf(r->id + strlen(r->id), sizeof(r->id) - strlen(r->id), ".%ld.%lu",
	    (long)getpid(), atomic_fetch_add(&audit_run_seq, 1) + 1);
	r->start = audit_proc_start((long)getpid());
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	return r;
}

const char *
audit_run_id(const struct audit_run *r)
{
	return r->id;
}

/* "run", "source" keys common to run records. */
static void
audit_run_head(struct json_writer *w, const struct audit_run *r)
{
	json_key(w, "run");
	json_string(w, r->id);
	if (r->source != NULL) {
		json_key(w, "source");
		json_string(w, r->source);
	}
}

struct audit_refused_body {
	const struct audit_run *r;
	const char *reason;
};

static void
audit_refused_body(struct json_writer *w, void *arg)
{
	struct audit_refused_body *b = arg;

	audit_run_head(w, b->r);
	json_key(w, "reason");
	json_string(w, b->reason);
}

int
audit_run_refused(struct audit_run *r, const char *reason)
{
	struct audit_refused_body b = { r, reason };

	return audit_record_with(r->a, "run.refused", r->command, audit_refused_body,
	    &b, "refused");
}

static void
audit_item_json(struct json_writer *w, const struct audit_intent *it)
{
	size_t i;

	json_begin_object(w);
	json_key(w, "op");
	json_string(w, it->op);
	json_key(w, "target");
	json_string(w, it->target);
	if (it->dn != NULL) {
		json_key(w, "dn");
		json_string(w, it->dn);
	}
	if (it->source != NULL) {
		json_key(w, "source");
		json_string(w, it->source);
	}
	if (it->key != NULL) {
		json_key(w, "key");
		json_string(w, it->key);
	}
	if (it->check != NULL) {
		json_key(w, "check");
		json_string(w, it->check);
	}
	json_key(w, "attrs");
	json_begin_array(w);
	for (i = 0; i < it->nattrs; i++)
		json_string(w, it->attrs[i]);
	json_end_array(w);
	json_end_object(w);
}

struct audit_intent_body {
	const struct audit_run *r;
	const struct audit_intent *items;
	size_t n;
};

static void
audit_intent_body(struct json_writer *w, void *arg)
{
	struct audit_intent_body *b = arg;
	size_t i;

	audit_run_head(w, b->r);
	json_key(w, "pid");
	json_int(w, (long long)getpid());
	json_key(w, "start");
	json_int(w, (long long)b->r->start);
	json_key(w, "items");
	json_begin_array(w);
	for (i = 0; i < b->n; i++)
		audit_item_json(w, &b->items[i]);
	json_end_array(w);
}

int
audit_run_intent(struct audit_run *r, const struct audit_intent *items, size_t n)
{
	struct audit_intent_body b;
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < AUDIT_RUN_ITEMS_PER_LINE ? n - i : AUDIT_RUN_ITEMS_PER_LINE;
		b.r = r;
		b.items = items + i;
		b.n = k;
		if (audit_record_with(r->a, "run.intent", r->command, audit_intent_body, &b,
		    "pending") != 0)
			return -1;
	}
	return n > 0 ? audit_sync(r->a) : 0;
}

void
audit_run_count(struct audit_run *r, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < r->ncounts; i++)
		if (strcmp(r->counts[i].name, name) == 0) {
			r->counts[i].n += n;
			return;
		}
	r->counts = xgrowarray(r->counts, r->ncounts, sizeof(*r->counts));
	r->counts[r->ncounts].name = xstrdup(name);
	r->counts[r->ncounts++].n = n;
}

static void
audit_summary_body(struct json_writer *w, void *arg)
{
	const struct audit_run *r = arg;
	struct timespec t1;
	long long ms;
	char secs[32];
	size_t i;

	audit_run_head(w, r);
	json_key(w, "counts");
	json_begin_object(w);
	for (i = 0; i < r->ncounts; i++) {
		json_key(w, r->counts[i].name);
		json_int(w, (long long)r->counts[i].n);
	}
	json_end_object(w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (long long)(t1.tv_sec - r->t0.tv_sec) * 1000 +
	    (t1.tv_nsec - r->t0.tv_nsec) / 1000000;
	snprintf(secs, sizeof(secs), "%lld.%03lld", ms / 1000, ms % 1000);
	json_key(w, "seconds");
	json_string(w, secs);
}

int
audit_run_end(struct audit_run *r, const char *outcome)
{
	return audit_record_with(r->a, "run.summary", r->command, audit_summary_body, r,
	    outcome);
}

void
audit_run_free(struct audit_run *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncounts; i++)
		free(r->counts[i].name);
	free(r->counts);
	free(r->command);
	free(r->source);
	free(r);
}

/* ---- reading the log back ---- */

enum jv_type { JV_NULL, JV_STR, JV_NUM, JV_LIT, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	char *s;                /* string (unescaped), number or literal text */
	char **keys;            /* object */
	struct jv *v;           /* object values or array elements */
	size_t n;
};

static void
jv_free(struct jv *j)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		if (j->keys != NULL)
			free(j->keys[i]);
		jv_free(&j->v[i]);
	}
	free(j->keys);
	free(j->v);
	free(j->s);
	memset(j, 0, sizeof(*j));
}

static void
jp_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
		(*p)++;
}

static void
jp_utf8(char **o, unsigned long cp)
{
	unsigned char *u = (unsigned char *)*o;

	if (cp < 0x80)
		*u++ = (unsigned char)cp;
	else if (cp < 0x800) {
		*u++ = (unsigned char)(0xC0 | (cp >> 6));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*u++ = (unsigned char)(0xE0 | (cp >> 12));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else {
		*u++ = (unsigned char)(0xF0 | (cp >> 18));
		*u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	}
	*o = (char *)u;
}

/* A JSON string at *p (at its '"'); xmalloc'd, or NULL if malformed. */
static char *
jp_string(const char **p)
{
	const char *s = *p + 1;
	char *out, *o;
	unsigned long cp;
	int i;

	/* Every escape is at least as long as what it stands for. */
	out = o = xmalloc(strlen(s) + 4);
	while (*s != '"') {
		if (*s == '\0' || (unsigned char)*s < 0x20)
			goto bad;
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"': case '\\': case '/': *o++ = *s; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			for (cp = 0, i = 1; i <= 4; i++) {
				if (!isxdigit((unsigned char)s[i]))
					goto bad;
				cp = cp * 16 + (unsigned long)(isdigit((unsigned char)s[i]) ?
				    s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
			}
			s += 4;
			/* This writer emits \u only for controls; a lone
			 * surrogate becomes U+FFFD rather than bad UTF-8. */
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			jp_utf8(&o, cp);
			break;
		default:
			goto bad;
		}
		s++;
	}
	*o = '\0';
	*p = s + 1;
	return out;
bad:
	free(out);
	return NULL;
}

static int
jp_value(const char **p, struct jv *out, int depth)
{
	const char *s;

	memset(out, 0, sizeof(*out));
	if (depth > AUDIT_RUN_DEPTH)
		return -1;
	jp_ws(p);
	if (**p == '"') {
		out->type = JV_STR;
		return (out->s = jp_string(p)) != NULL ? 0 : -1;
	}
	if (**p == '{' || **p == '[') {
		int obj = **p == '{';
		char close = obj ? '}' : ']';

		out->type = obj ? JV_OBJ : JV_ARR;
		(*p)++;
		jp_ws(p);
		if (**p == close) {
			(*p)++;
			return 0;
		}
		for (;;) {
			char *key = NULL;

			jp_ws(p);
			if (obj) {
				if (**p != '"' || (key = jp_string(p)) == NULL)
					return -1;
				jp_ws(p);
				if (**p != ':') {
					free(key);
					return -1;
				}
				(*p)++;
				out->keys = xgrowarray(out->keys, out->n, sizeof(*out->keys));
				out->keys[out->n] = key;
			}
			out->v = xgrowarray(out->v, out->n, sizeof(*out->v));
			if (jp_value(p, &out->v[out->n], depth + 1) != 0) {
				out->n++;
				return -1;
			}
			out->n++;
			jp_ws(p);
			if (**p == ',') {
				(*p)++;
				continue;
			}
			if (**p != close)
				return -1;
			(*p)++;
			return 0;
		}
	}
	s = *p;
	while (**p != '\0' && strchr(",}] \t\r\n", **p) == NULL)
		(*p)++;
	if (*p == s)
		return -1;
	out->type = (*s == '-' || isdigit((unsigned char)*s)) ? JV_NUM : JV_LIT;
	out->s = xstrndup(s, (size_t)(*p - s));
	return 0;
}

/* One line as an object; -1 if it is not one. */
static int
jv_parse_line(const char *line, struct jv *out)
{
	const char *p = line;

	if (jp_value(&p, out, 0) != 0 || out->type != JV_OBJ) {
		jv_free(out);
		return -1;
	}
	return 0;
}

static const struct jv *
jv_get(const struct jv *o, const char *key)
{
	size_t i;

	if (o->type != JV_OBJ)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return &o->v[i];
	return NULL;
}

static const char *
jv_str(const struct jv *o, const char *key)
{
	const struct jv *v = jv_get(o, key);

	return v != NULL && (v->type == JV_STR || v->type == JV_NUM) ? v->s : NULL;
}

/* An intended change read back, with where it was announced. */
struct rec_item {
	char *op, *target, *dn, *source, *key, *check;
	char **attrs;
	size_t nattrs;
	size_t run;             /* index into the runs */
	unsigned long line;     /* of its intent record */
	int logged;             /* a later record names its op and DN */
};

struct rec_run {
	char *id;
	long pid;
	unsigned long long start;
	int closed;
};

struct rec_state {
	struct rec_run *runs;
	size_t nruns;
	struct rec_item *items;
	size_t nitems;
	struct strmap *by_id;           /* run id -> index + 1 */
};

static char *
rec_dup(const struct jv *o, const char *key)
{
	const char *s = jv_str(o, key);

	return s != NULL ? xstrdup(s) : NULL;
}

static size_t
rec_run_index(struct rec_state *st, const char *id)
{
	uintptr_t i = (uintptr_t)strmap_get(st->by_id, id);

	if (i != 0)
		return i - 1;
	st->runs = xgrowarray(st->runs, st->nruns, sizeof(*st->runs));
	memset(&st->runs[st->nruns], 0, sizeof(*st->runs));
	st->runs[st->nruns].id = xstrdup(id);
	strmap_put(st->by_id, id, (void *)(uintptr_t)(st->nruns + 1));
	return st->nruns++;
}

/* First pass: a run record of command. */
static void
rec_run_line(struct rec_state *st, const struct jv *o, unsigned long lineno)
{
	const char *op = jv_str(o, "op"), *id = jv_str(o, "run"), *s;
	const struct jv *items;
	size_t r, i, j;

	if (op == NULL || id == NULL)
		return;
	r = rec_run_index(st, id);
	if (strcmp(op, "run.intent") != 0) {
		st->runs[r].closed = 1;          /* summary, interrupted, refused */
		return;
	}
	if ((s = jv_str(o, "pid")) != NULL)
		st->runs[r].pid = strtol(s, NULL, 10);
	if ((s = jv_str(o, "start")) != NULL)
		st->runs[r].start = strtoull(s, NULL, 10);
	if ((items = jv_get(o, "items")) == NULL || items->type != JV_ARR)
		return;
	for (i = 0; i < items->n; i++) {
		const struct jv *it = &items->v[i], *attrs = jv_get(it, "attrs");
		struct rec_item *ri;

		if (jv_str(it, "op") == NULL || jv_str(it, "target") == NULL)
			continue;
		st->items = xgrowarray(st->items, st->nitems, sizeof(*st->items));
		ri = &st->items[st->nitems++];
		memset(ri, 0, sizeof(*ri));
		ri->op = rec_dup(it, "op");
		ri->target = rec_dup(it, "target");
		ri->dn = rec_dup(it, "dn");
		ri->source = rec_dup(it, "source");
		ri->key = rec_dup(it, "key");
		ri->check = rec_dup(it, "check");
		ri->run = r;
		ri->line = lineno;
		for (j = 0; attrs != NULL && attrs->type == JV_ARR && j < attrs->n; j++)
			if (attrs->v[j].type == JV_STR) {
				ri->attrs = xgrowarray(ri->attrs, ri->nattrs, sizeof(*ri->attrs));
				ri->attrs[ri->nattrs++] = xstrdup(attrs->v[j].s);
			}
	}
}

static void
rec_free(struct rec_state *st)
{
	size_t i, j;

	for (i = 0; i < st->nitems; i++) {
		struct rec_item *ri = &st->items[i];

		free(ri->op); free(ri->target); free(ri->dn); free(ri->source);
		free(ri->key); free(ri->check);
		for (j = 0; j < ri->nattrs; j++)
			free(ri->attrs[j]);
		free(ri->attrs);
	}
	free(st->items);
	for (i = 0; i < st->nruns; i++)
		free(st->runs[i].id);
	free(st->runs);
	strmap_free(st->by_id);
}

/* "op\ndn": the key a per-change record and an item share. */
static char *
rec_key(const char *op, const char *dn)
{
	return xasprintf("%s\n%s", op, dn);
}

struct rec_body {
	const struct rec_item *it;
	const char *run;
	const char *dn;
};

static void
rec_item_body(struct json_writer *w, void *arg)
{
	const struct rec_body *b = arg;
	size_t i;

	if (b->dn != NULL) {
		json_key(w, "dn");
		json_string(w, b->dn);
	}
	json_key(w, "attrs");
	json_begin_array(w);
	for (i = 0; i < b->it->nattrs; i++)
		json_string(w, b->it->attrs[i]);
	json_end_array(w);
	if (b->it->source != NULL) {
		json_key(w, "source");
		json_string(w, b->it->source);
	}
	json_key(w, "run");
	json_string(w, b->run);
	json_key(w, "recovered");
	json_bool(w, 1);
}

struct rec_close_body {
	const char *run;
	size_t counts[4];
};

static void
rec_close_body(struct json_writer *w, void *arg)
{
	const struct rec_close_body *b = arg;
	static const char *const names[] = { "intended", "logged", "applied",
	    "not-applied" };
	size_t i;

	json_key(w, "run");
	json_string(w, b->run);
	json_key(w, "counts");
	json_begin_object(w);
	for (i = 0; i < 4; i++) {
		json_key(w, names[i]);
		json_int(w, (long long)b->counts[i]);
	}
	json_end_object(w);
}

/* A run that may still be going: its process is alive and is the same. */
static int
rec_run_alive(const struct rec_run *r)
{
	if (r->pid <= 0)
		return 0;
	if (r->pid == (long)getpid())
		return 1;
	return r->start != 0 && audit_proc_start(r->pid) == r->start;
}

int
audit_run_recover(struct audit_log *a, const char *path, const char *command,
    audit_verify_cb verify, void *arg, struct audit_recovery *out, char *err,
    size_t errlen)
{
	struct rec_state st;
	struct strmap *pending = NULL;
	char *line = NULL, dn[1024];
	size_t cap = 0, i, r, open = 0;
	unsigned long lineno = 0;
	ssize_t len;
	FILE *fp;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	st.by_id = strmap_new(64);
	/* Pass 1: the runs of command, and what their intents announced. */
	while ((len = getline(&line, &cap, fp)) != -1) {
		struct jv o;
		const char *target;

		lineno++;
		if (len > AUDIT_LINE_MAX || strstr(line, "\"op\":\"run.") == NULL)
			continue;
		if (jv_parse_line(line, &o) != 0)
			continue;
		target = jv_str(&o, "target");
		if (target != NULL && strcmp(target, command) == 0)
			rec_run_line(&st, &o, lineno);
		jv_free(&o);
	}
	for (r = 0; r < st.nruns; r++)
		if (!st.runs[r].closed && !rec_run_alive(&st.runs[r]))
			open++;
	if (open == 0)
		goto done;
	/* Pass 2: which of the open runs' changes have their own record. */
	pending = strmap_new(st.nitems + 16);
	for (i = 0; i < st.nitems; i++) {
		struct rec_item *ri = &st.items[i];
		char *k;

		if (st.runs[ri->run].closed || ri->dn == NULL)
			continue;
		k = rec_key(ri->op, ri->dn);
		strmap_put(pending, k, (void *)(uintptr_t)(i + 1));
		free(k);
	}
	rewind(fp);
	lineno = 0;
	while ((len = getline(&line, &cap, fp)) != -1) {
		struct jv o;
		const char *op, *ldn;
		uintptr_t idx;
		char *k;

		lineno++;
		if (len > AUDIT_LINE_MAX || strstr(line, "\"op\":\"run.") != NULL ||
		    strstr(line, "\"dn\":") == NULL || jv_parse_line(line, &o) != 0)
			continue;
		op = jv_str(&o, "op");
		ldn = jv_str(&o, "dn");
		if (op != NULL && ldn != NULL) {
			k = rec_key(op, ldn);
			idx = (uintptr_t)strmap_get(pending, k);
			free(k);
			if (idx != 0 && st.items[idx - 1].line < lineno)
				st.items[idx - 1].logged = 1;
		}
		jv_free(&o);
	}
	/* Each open run: the missing records, then the line that closes it. */
	for (r = 0; r < st.nruns && rc == 0; r++) {
		struct rec_close_body cb;

		if (st.runs[r].closed || rec_run_alive(&st.runs[r]))
			continue;
		memset(&cb, 0, sizeof(cb));
		cb.run = st.runs[r].id;
		for (i = 0; i < st.nitems; i++) {
			struct rec_item *ri = &st.items[i];
			struct audit_intent it;
			struct rec_body b;
			int v;

			if (ri->run != r)
				continue;
			cb.counts[0]++;
			if (ri->logged) {
				cb.counts[1]++;
				continue;
			}
			memset(&it, 0, sizeof(it));
			it.op = ri->op;
			it.target = ri->target;
			it.dn = ri->dn;
			it.source = ri->source;
			it.key = ri->key;
			it.check = ri->check;
			it.attrs = (const char *const *)ri->attrs;
			it.nattrs = ri->nattrs;
			dn[0] = '\0';
			if ((v = verify(&it, arg, dn, sizeof(dn))) < 0) {
				snprintf(err, errlen, "checking %s %s of the interrupted run %s "
				    "against the directory failed", ri->op, ri->target,
				    st.runs[r].id);
				rc = -1;
				break;
			}
			b.it = ri;
			b.run = st.runs[r].id;
			b.dn = v == 1 && dn[0] != '\0' ? dn : ri->dn;
			if (audit_record_with(a, ri->op, ri->target, rec_item_body, &b,
			    v == 1 ? "applied" : "not-applied") != 0) {
				snprintf(err, errlen, "writing the audit log: %s", strerror(errno));
				rc = -1;
				break;
			}
			cb.counts[v == 1 ? 2 : 3]++;
		}
		if (rc != 0)
			break;
		if (audit_record_with(a, "run.interrupted", command, rec_close_body, &cb,
		    "recovered") != 0) {
			snprintf(err, errlen, "writing the audit log: %s", strerror(errno));
			rc = -1;
			break;
		}
		out->runs++;
		out->items += cb.counts[0];
		out->logged += cb.counts[1];
		out->applied += cb.counts[2];
		out->not_applied += cb.counts[3];
	}
	if (rc == 0 && audit_sync(a) != 0) {
		snprintf(err, errlen, "writing the audit log: %s", strerror(errno));
		rc = -1;
	}
done:
	free(line);
	fclose(fp);
	strmap_free(pending);
	rec_free(&st);
	return rc;
}
