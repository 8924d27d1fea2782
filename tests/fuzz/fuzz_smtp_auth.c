/*
 * fuzz_smtp_auth.c — libFuzzer target for AUTH input: arbitrary bytes as
 * a base64 response, decoded and read as PLAIN and LOGIN; a decoded value
 * must re-encode to the same text. `make fuzz` builds it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/smtp_auth.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char buf[1024];
	char user[SMTP_AUTH_USER_MAX + 1], pass[SMTP_AUTH_PASS_MAX + 1], text[1400];
	const char *why;
	long n;

	if (size > 1300)
		return 0;
	n = smtp_auth_b64decode((const char *)data, size, buf, sizeof(buf));
	if (n < 0)
		return 0;
	(void)smtp_auth_plain(buf, (size_t)n, user, sizeof(user), pass, sizeof(pass), &why);
	if (smtp_auth_login_field(buf, (size_t)n, user, sizeof(user), 1, &why) == 0) {
		/* a valid user name is printable: it must round-trip exactly */
		if (smtp_auth_b64encode(user, text, sizeof(text)) != 0 ||
		    strlen(text) != size || memcmp(text, data, size) != 0)
			abort();
	}
	return 0;
}
