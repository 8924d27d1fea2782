/*
 * account_output.c — text and JSON renderings of an account entry.
 */
#include <stdlib.h>
#include <string.h>

#include "account_lock_output.h"
#include "account_output.h"
#include "dir.h"
#include "dir_schema.h"
#include "json_writer.h"

static const char *
val(const struct dir_entry *e, const char *attr)
{
	const char *v = dir_entry_get(e, attr);

	return v ? v : "";
}

static void
print_list(FILE *fp, const char *label, const struct dir_attr *a)
{
	size_t i;

	fprintf(fp, "%-22s", label);
	for (i = 0; a != NULL && i < a->nvals; i++)
		fprintf(fp, "%s%s", i ? ", " : "", a->vals[i]);
	fputc('\n', fp);
}

void
account_print_text(const struct dir_entry *e, FILE *fp)
{
	fprintf(fp, "%-22s%s\n", "address:", val(e, DIR_AT_MAIL));
	fprintf(fp, "%-22s%s\n", "uid:", val(e, DIR_AT_UID));
	fprintf(fp, "%-22s%s\n", "name:", val(e, DIR_AT_CN));
	fprintf(fp, "%-22s%s\n", "agency:", val(e, DIR_AT_AGENCY));
	fprintf(fp, "%-22s%s\n", "status:", val(e, DIR_AT_ACCOUNT_STATUS));
	if (dir_entry_get(e, DIR_AT_STATUS_REASON))
		fprintf(fp, "%-22s%s\n", "status reason:", val(e, DIR_AT_STATUS_REASON));
	if (dir_entry_get(e, DIR_AT_STATUS_CHANGED))
		fprintf(fp, "%-22s%s\n", "status changed:", val(e, DIR_AT_STATUS_CHANGED));
	print_list(fp, "aliases:", dir_entry_attr(e, DIR_AT_ALIAS));
	print_list(fp, "forwards:", dir_entry_attr(e, DIR_AT_FORWARD));
	fprintf(fp, "%-22s%s\n", "quota:", val(e, DIR_AT_QUOTA));
	fprintf(fp, "%-22s%s\n", "employee id:", val(e, DIR_AT_EMPLOYEENUMBER));
	fprintf(fp, "%-22s%s\n", "title:", val(e, DIR_AT_TITLE));
	fprintf(fp, "%-22s%s\n", "phone:", val(e, DIR_AT_PHONE));
	fprintf(fp, "%-22s%s\n", "mobile:", val(e, DIR_AT_MOBILE));
	fprintf(fp, "%-22s%s\n", "may send external:",
	    strcmp(val(e, DIR_AT_MAY_SEND_EXTERNAL), "FALSE") == 0 ? "no" : "yes");
	fprintf(fp, "%-22s%s\n", "must change password:",
	    strcmp(val(e, DIR_AT_MUST_CHANGE_PW), "TRUE") == 0 ? "yes" : "no");
	account_lock_print_text(e, fp);
	fprintf(fp, "%-22s%s\n", "dn:", e->dn);
}

void
account_print_line(const struct dir_entry *e, FILE *fp)
{
	fprintf(fp, "%s\t%s%s\t%s\t%s\n", val(e, DIR_AT_MAIL),
	    val(e, DIR_AT_ACCOUNT_STATUS), account_lock_suffix(e), val(e, DIR_AT_AGENCY),
	    val(e, DIR_AT_CN));
}

static void
json_opt(struct json_writer *w, const char *key, const struct dir_entry *e,
    const char *attr)
{
	json_key(w, key);
	json_string(w, dir_entry_get(e, attr));
}

static void
json_list(struct json_writer *w, const char *key, const struct dir_attr *a)
{
	size_t i;

	json_key(w, key);
	json_begin_array(w);
	for (i = 0; a != NULL && i < a->nvals; i++)
		json_string(w, a->vals[i]);
	json_end_array(w);
}

void
account_print_json(const struct dir_entry *e, struct json_writer *w)
{
	const char *q = dir_entry_get(e, DIR_AT_QUOTA);

	json_begin_object(w);
	json_opt(w, "address", e, DIR_AT_MAIL);
	json_opt(w, "uid", e, DIR_AT_UID);
	json_opt(w, "name", e, DIR_AT_CN);
	json_opt(w, "agency", e, DIR_AT_AGENCY);
	json_opt(w, "status", e, DIR_AT_ACCOUNT_STATUS);
	json_opt(w, "status_reason", e, DIR_AT_STATUS_REASON);
	json_opt(w, "status_changed", e, DIR_AT_STATUS_CHANGED);
	json_list(w, "aliases", dir_entry_attr(e, DIR_AT_ALIAS));
	json_list(w, "forwards", dir_entry_attr(e, DIR_AT_FORWARD));
	json_key(w, "quota");
	if (q)
		json_int(w, strtoll(q, NULL, 10));
	else
		json_null(w);
	json_opt(w, "employee_id", e, DIR_AT_EMPLOYEENUMBER);
	json_opt(w, "title", e, DIR_AT_TITLE);
	json_opt(w, "phone", e, DIR_AT_PHONE);
	json_opt(w, "mobile", e, DIR_AT_MOBILE);
	json_key(w, "may_send_external");
	json_bool(w, strcmp(val(e, DIR_AT_MAY_SEND_EXTERNAL), "FALSE") != 0);
	json_key(w, "must_change_password");
	json_bool(w, strcmp(val(e, DIR_AT_MUST_CHANGE_PW), "TRUE") == 0);
	account_lock_print_json(e, w);
	json_key(w, "dn");
	json_string(w, e->dn);
	json_end_object(w);
}
