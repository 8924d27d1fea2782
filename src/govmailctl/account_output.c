/*
 * account_output.c — text and JSON renderings of an account (struct
 * account from the model) and of what an operation changed.
 */
#include <stdlib.h>
#include <string.h>

#include "account_lock_output.h"
#include "account_output.h"
#include "dir_account.h"
#include "json_writer.h"

static const char *
val(const char *v)
{
	return v ? v : "";
}

static void
print_list(FILE *fp, const char *label, char *const *v, size_t n)
{
	size_t i;

	fprintf(fp, "%-22s", label);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s%s", i ? ", " : "", v[i]);
	fputc('\n', fp);
}

void
account_print_text(const struct account *a, FILE *fp)
{
	fprintf(fp, "%-22s%s\n", "address:", val(a->address));
	fprintf(fp, "%-22s%s\n", "uid:", val(a->uid));
	fprintf(fp, "%-22s%s\n", "name:", val(a->cn));
	fprintf(fp, "%-22s%s\n", "agency:", val(a->agency));
	fprintf(fp, "%-22s%s\n", "status:", val(a->status));
	if (a->status_reason)
		fprintf(fp, "%-22s%s\n", "status reason:", a->status_reason);
	if (a->status_changed)
		fprintf(fp, "%-22s%s\n", "status changed:", a->status_changed);
	print_list(fp, "aliases:", a->aliases, a->naliases);
	print_list(fp, "forwards:", a->forwards, a->nforwards);
	if (a->quota >= 0)
		fprintf(fp, "%-22s%lld\n", "quota:", a->quota);
	else
		fprintf(fp, "%-22s\n", "quota:");
	fprintf(fp, "%-22s%s\n", "employee id:", val(a->employee_id));
	fprintf(fp, "%-22s%s\n", "title:", val(a->title));
	fprintf(fp, "%-22s%s\n", "phone:", val(a->phone));
	fprintf(fp, "%-22s%s\n", "mobile:", val(a->mobile));
	fprintf(fp, "%-22s%s\n", "may send external:", a->may_send_external == 0 ? "no" : "yes");
	fprintf(fp, "%-22s%s\n", "must change password:",
	    a->must_change_password ? "yes" : "no");
	if (a->language)
		fprintf(fp, "%-22s%s\n", "language:", a->language);
	if (a->ncerts != ACCOUNT_NCERTS_UNKNOWN)
		fprintf(fp, "%-22s%zu\n", "certificates:", a->ncerts);
	account_lock_print_text(a, fp);
	fprintf(fp, "%-22s%s\n", "dn:", val(a->dn));
}

void
account_print_line(const struct account *a, FILE *fp)
{
	fprintf(fp, "%s\t%s%s\t%s\t%s\n", val(a->address), val(a->status),
	    account_lock_suffix(a), val(a->agency), val(a->cn));
}

static void
json_opt(struct json_writer *w, const char *key, const char *v)
{
	json_key(w, key);
	json_string(w, v);
}

static void
json_list(struct json_writer *w, const char *key, char *const *v, size_t n)
{
	size_t i;

	json_key(w, key);
	json_begin_array(w);
	for (i = 0; i < n; i++)
		json_string(w, v[i]);
	json_end_array(w);
}

void
account_print_json(const struct account *a, struct json_writer *w)
{
	json_begin_object(w);
	json_opt(w, "address", a->address);
	json_opt(w, "uid", a->uid);
	json_opt(w, "name", a->cn);
	json_opt(w, "agency", a->agency);
	json_opt(w, "status", a->status);
	json_opt(w, "status_reason", a->status_reason);
	json_opt(w, "status_changed", a->status_changed);
	json_list(w, "aliases", a->aliases, a->naliases);
	json_list(w, "forwards", a->forwards, a->nforwards);
	json_key(w, "quota");
	if (a->quota >= 0)
		json_int(w, a->quota);
	else
		json_null(w);
	json_opt(w, "employee_id", a->employee_id);
	json_opt(w, "title", a->title);
	json_opt(w, "phone", a->phone);
	json_opt(w, "mobile", a->mobile);
	json_key(w, "may_send_external");
	json_bool(w, a->may_send_external != 0);
	json_key(w, "must_change_password");
	json_bool(w, a->must_change_password);
	json_opt(w, "language", a->language);
	if (a->ncerts != ACCOUNT_NCERTS_UNKNOWN) {
		json_key(w, "certificates");
		json_int(w, (long long)a->ncerts);
	}
	account_lock_print_json(a, w);
	json_key(w, "dn");
	json_string(w, a->dn);
	json_end_object(w);
}

void
account_print_changes(const struct account_result *r, FILE *fp)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		fprintf(fp, "  %s: %s -> %s\n", r->changes[i].field,
		    r->changes[i].old ? r->changes[i].old : "(none)",
		    r->changes[i].new ? r->changes[i].new : "(none)");
}

void
account_print_result_json(const char *op, const struct account *a,
    const struct account_result *r, struct json_writer *w)
{
	size_t i;

	json_begin_object(w);
	json_opt(w, "op", op);
	json_opt(w, "address", a->address);
	json_opt(w, "uid", a->uid);
	json_opt(w, "dn", a->dn);
	json_key(w, "changed");
	json_bool(w, r->n > 0);
	json_key(w, "changes");
	json_begin_array(w);
	for (i = 0; i < r->n; i++) {
		json_begin_object(w);
		json_opt(w, "field", r->changes[i].field);
		json_opt(w, "old", r->changes[i].old);
		json_opt(w, "new", r->changes[i].new);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}
