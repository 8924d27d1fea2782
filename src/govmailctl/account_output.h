/*
 * account_output.h — how govmailctl prints an account, as text or JSON.
 */
#ifndef GOVMAILCTL_ACCOUNT_OUTPUT_H
#define GOVMAILCTL_ACCOUNT_OUTPUT_H

#include <stdio.h>

struct dir_entry;
struct json_writer;

/* Several "key: value" lines (account show). */
void account_print_text(const struct dir_entry *e, FILE *fp);
/* One tab-separated line: address, status, agency, name (account list). */
void account_print_line(const struct dir_entry *e, FILE *fp);
/* One JSON object. */
void account_print_json(const struct dir_entry *e, struct json_writer *w);

#endif
