/*
 * fuzz_smtp_parser.c — libFuzzer target: arbitrary bytes as SMTP command
 * lines (the first thing an attacker controls). Checks that parsed
 * fields stay within their named limits. `make fuzz` builds it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/smtp_parser.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_command cmd;
	const char *why;
	char enc[3 * SMTP_XATTR_VALUE_MAX + 1];
	size_t i;

	if (size > 4096)
		return 0;
	if (smtp_parse_command((const char *)data, size, &cmd, &why) != SMTP_PARSE_OK)
		return 0;
	if (strlen(cmd.arg) > SMTP_ARG_MAX || strlen(cmd.addr) > SMTP_ADDR_MAX ||
	    cmd.nxattr > SMTP_XATTR_MAX)
		abort();
	for (i = 0; i < cmd.nxattr; i++)
		if (smtp_xtext_encode(cmd.xattr[i].value, enc, sizeof(enc)) != 0)
			abort();
	return 0;
}
