/*
 * account_output.h — how govmailctl prints an account, and what an
 * operation changed, as text or JSON.
 */
#ifndef GOVMAILCTL_ACCOUNT_OUTPUT_H
#define GOVMAILCTL_ACCOUNT_OUTPUT_H

#include <stdio.h>

struct account;
struct account_result;
struct json_writer;

/* Several "key: value" lines (account show). */
void account_print_text(const struct account *a, FILE *fp);
/* One tab-separated line: address, status, agency, name (account list). */
void account_print_line(const struct account *a, FILE *fp);
/* One JSON object. */
void account_print_json(const struct account *a, struct json_writer *w);
/* "  field: old -> new" lines, one per change. */
void account_print_changes(const struct account_result *r, FILE *fp);
/* {"op":..,"address":..,"uid":..,"dn":..,"changed":bool,
 *  "changes":[{"field":..,"old":..,"new":..}]} (null for no value). */
void account_print_result_json(const char *op, const struct account *a,
    const struct account_result *r, struct json_writer *w);

#endif
