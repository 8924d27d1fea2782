/*
 * conf.c — load and check govmail.conf against the key table (conf_keys.c).
 * Unknown keys, wrong types and out-of-range values are errors with the
 * file and line, like syntax errors: a typo must not silently fall back to
 * a default.
 */
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "xmalloc.h"

const char *
conf_choose_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path != NULL && *explicit_path != '\0')
		return explicit_path;
	env = getenv(CONF_ENV);
	if (env != NULL && *env != '\0')
		return env;
	return CONF_DEFAULT_PATH;
}

static const struct conf_key *
conf_find_key(const char *path)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].path, path) == 0)
			return &conf_keys[i];
	return NULL;
}

/* Is prefix "a.b" the start of some declared key "a.b.c"? */
static int
conf_is_section(const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < conf_nkeys; i++)
		if (strncmp(conf_keys[i].path, prefix, n) == 0 &&
		    conf_keys[i].path[n] == '.')
			return 1;
	return 0;
}

static void *
conf_slot(struct govmail_conf *c, const struct conf_key *k)
{
	return (char *)c + k->offset;
}

static void
conf_strlist_free(struct conf_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Store the default value of k (a string from the table) into c. */
static void
conf_set_default(struct govmail_conf *c, const struct conf_key *k)
{
	void *slot = conf_slot(c, k);

	switch (k->type) {
	case CONF_STR:
		free(*(char **)slot);
		*(char **)slot = xstrdup(k->def);
		break;
	case CONF_INT:
		*(int *)slot = (int)strtol(k->def, NULL, 10);
		break;
	case CONF_INT64:
		*(long long *)slot = strtoll(k->def, NULL, 10);
		break;
	case CONF_SIZE:
		*(long long *)slot = conf_parse_size(k->def);
		break;
	case CONF_BOOL:
		*(int *)slot = strcmp(k->def, "true") == 0;
		break;
	case CONF_STRLIST: {
		struct conf_strlist *l = slot;
		char *copy = xstrdup(k->def), *tok, *save = NULL;

		conf_strlist_free(l);
		for (tok = strtok_r(copy, ", ", &save); tok != NULL;
		    tok = strtok_r(NULL, ", ", &save)) {
			l->v = xreallocarray(l->v, l->n + 1, sizeof(char *));
			l->v[l->n++] = xstrdup(tok);
		}
		free(copy);
		break;
	}
	}
}

struct govmail_conf *
conf_defaults(void)
{
	struct govmail_conf *c = xcalloc(1, sizeof(*c));
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		conf_set_default(c, &conf_keys[i]);
	return c;
}

void
conf_free(struct govmail_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < conf_nkeys; i++) {
		void *slot = conf_slot(c, &conf_keys[i]);

		if (conf_keys[i].type == CONF_STR)
			free(*(char **)slot);
		else if (conf_keys[i].type == CONF_STRLIST)
			conf_strlist_free(slot);
	}
	free(c->path);
	free(c);
}

static const char *
conf_type_name(enum conf_type t)
{
	switch (t) {
	case CONF_STR: return "a string in double quotes";
	case CONF_INT: return "an integer";
	case CONF_INT64: return "an integer";
	case CONF_BOOL: return "true or false";
	case CONF_STRLIST: return "a list of strings [\"a\", \"b\"]";
	case CONF_SIZE: return "a size in double quotes, like \"2G\" or \"500M\"";
	}
	return "?";
}

/* Take one setting's value into c; returns 0 or -1 with err. */
static int
conf_take(struct govmail_conf *c, const struct conf_key *k,
    const config_setting_t *s, char *err, size_t errlen)
{
	void *slot = conf_slot(c, k);
	int type = config_setting_type(s);
	long long v;
	char why[256];

	switch (k->type) {
	case CONF_STR:
		if (type != CONFIG_TYPE_STRING)
			goto badtype;
		free(*(char **)slot);
		*(char **)slot = xstrdup(config_setting_get_string(s));
		break;
	case CONF_INT:
	case CONF_INT64:
		if (type == CONFIG_TYPE_INT)
			v = config_setting_get_int(s);
		else if (type == CONFIG_TYPE_INT64)
			v = config_setting_get_int64(s);
		else
			goto badtype;
		if (v < k->min || v > k->max) {
			snprintf(err, errlen, "%s = %lld is out of range (%lld..%lld)",
			    k->path, v, k->min, k->max);
			return -1;
		}
		if (k->type == CONF_INT)
			*(int *)slot = (int)v;
		else
			*(long long *)slot = v;
		break;
	case CONF_BOOL:
		if (type != CONFIG_TYPE_BOOL)
			goto badtype;
		*(int *)slot = config_setting_get_bool(s);
		break;
	case CONF_SIZE:
		if (type != CONFIG_TYPE_STRING)
			goto badtype;
		v = conf_parse_size(config_setting_get_string(s));
		if (v < 0)
			goto badtype;
		if (v < k->min || v > k->max) {
			snprintf(err, errlen, "%s = \"%s\" is out of range", k->path,
			    config_setting_get_string(s));
			return -1;
		}
		*(long long *)slot = v;
		break;
	case CONF_STRLIST: {
		struct conf_strlist *l = slot;
		int i, n;

		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
			goto badtype;
		conf_strlist_free(l);
		n = config_setting_length(s);
		for (i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				goto badtype;
			l->v = xreallocarray(l->v, l->n + 1, sizeof(char *));
			l->v[l->n++] = xstrdup(config_setting_get_string(e));
		}
		break;
	}
	}
	if (k->validate != NULL && k->validate(slot, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", k->path, why);
		return -1;
	}
	return 0;
badtype:
	snprintf(err, errlen, "%s must be %s", k->path, conf_type_name(k->type));
	return -1;
}

/* Walk group g (whose path is prefix), taking known keys, refusing others. */
static int
conf_walk(struct govmail_conf *c, const config_setting_t *g, const char *prefix,
    const char *file, char *err, size_t errlen)
{
	int i, n = config_setting_length(g);
	char path[256], msg[512];

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct conf_key *k;
		unsigned line = config_setting_source_line(s);

		if (name == NULL)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", name);
		if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
			if (!conf_is_section(path)) {
				snprintf(err, errlen, "%s:%u: unknown section '%s'", file, line, path);
				return -1;
			}
			if (conf_walk(c, s, path, file, err, errlen) != 0)
				return -1;
			continue;
		}
		if ((k = conf_find_key(path)) == NULL) {
			snprintf(err, errlen, "%s:%u: unknown setting '%s'", file, line, path);
			return -1;
		}
		if (conf_take(c, k, s, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%u: %s", file, line, msg);
			return -1;
		}
	}
	return 0;
}

struct govmail_conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct govmail_conf *c;
	config_t cfg;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	config_init(&cfg);
	if (config_read(&cfg, fp) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
		    config_error_text(&cfg));
		config_destroy(&cfg);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	c = conf_defaults();
	c->path = xstrdup(path);
	if (conf_walk(c, config_root_setting(&cfg), "", path, err, errlen) != 0) {
		config_destroy(&cfg);
		conf_free(c);
		return NULL;
	}
	config_destroy(&cfg);
	return c;
}

static void
conf_print_value(const struct govmail_conf *c, const struct conf_key *k, FILE *fp)
{
	const void *slot = (const char *)c + k->offset;

	switch (k->type) {
	case CONF_STR:
		fprintf(fp, "\"%s\"", *(char *const *)slot);
		break;
	case CONF_INT:
		fprintf(fp, "%d", *(const int *)slot);
		break;
	case CONF_INT64:
		fprintf(fp, "%lld", *(const long long *)slot);
		break;
	case CONF_SIZE: {
		long long v = *(const long long *)slot;
		const char *unit = "";

		if (v != 0) {
			static const char *const units[] = { "K", "M", "G", "T" };
			int i;

			for (i = 0; i < 4 && v % 1024 == 0; i++) {
				v /= 1024;
				unit = units[i];
			}
		}
		fprintf(fp, "\"%lld%s\"", v, unit);
		break;
	}
	case CONF_BOOL:
		fprintf(fp, "%s", *(const int *)slot ? "true" : "false");
		break;
	case CONF_STRLIST: {
		const struct conf_strlist *l = slot;
		size_t i;

		fputc('[', fp);
		for (i = 0; i < l->n; i++)
			fprintf(fp, "%s\"%s\"", i ? ", " : "", l->v[i]);
		fputc(']', fp);
		break;
	}
	}
}

void
conf_print(const struct govmail_conf *c, FILE *fp, int defaults_only)
{
	struct govmail_conf *d = NULL;
	size_t i;

	if (defaults_only || c == NULL)
		c = d = conf_defaults();
	for (i = 0; i < conf_nkeys; i++) {
		fprintf(fp, "%s = ", conf_keys[i].path);
		conf_print_value(c, &conf_keys[i], fp);
		fputc('\n', fp);
	}
	conf_free(d);
}

long long
conf_parse_size(const char *s)
{
	char *end;
	long long v;
	int shift = 0;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -1;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || v > (1LL << (62 - shift)))
		return -1;
	return v << shift;
}

char *
conf_resolve_path(const struct govmail_conf *c, const char *p)
{
	const char *slash;

	if (p[0] == '/' || c->path == NULL || (slash = strrchr(c->path, '/')) == NULL)
		return xstrdup(p);
	return xasprintf("%.*s/%s", (int)(slash - c->path), c->path, p);
}
