/*
 * fuzz_name.c — libFuzzer target for the name and address parsers: feeds
 * arbitrary bytes to name_check, name_display, name_fold_ascii/name_split,
 * utf8_nfc_vietnamese and address_local_from_name (with the default
 * template and with a template taken from the input), and checks the
 * promises the headers make: NFC and display output are valid UTF-8 and
 * stable when applied twice, folded output is [a-z0-9 ], and a generated
 * local part passes address_check.
 *
 *   clang -fsanitize=fuzzer,address -Iinclude tests/fuzz/fuzz_name.c \
 *       src/lib/utf8.c src/lib/name_fold.c src/lib/address_template.c \
 *       src/lib/xmalloc.c -o /tmp/fuzz_name
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address_template.h"
#include "name_fold.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_utf8(const char *s)
{
	if (utf8_validate(s, strlen(s), NULL) != 0)
		abort();
}

static void
fuzz_name(const char *s, const char *tmpl)
{
	char err[256], folded[1024], local[ADDRESS_LOCAL_MAX + 1];
	char addr[ADDRESS_LOCAL_MAX + 16];
	struct name_parts np;
	char *nfc, *nfc2, *disp, *disp2;
	size_t i;
	int ok;

	ok = name_check(s, ADDRESS_NAME_MAX, err, sizeof(err)) == 0;
	if (!ok && err[0] == '\0')
		abort();

	nfc = utf8_nfc_vietnamese(s);
	fuzz_check_utf8(nfc);
	nfc2 = utf8_nfc_vietnamese(nfc);
	if (strcmp(nfc, nfc2) != 0)
		abort();
	free(nfc2);

	disp = name_display(s);
	fuzz_check_utf8(disp);
	disp2 = name_display(disp);
	if (strcmp(disp, disp2) != 0)
		abort();
	free(disp2);
	free(disp);

	if (name_fold_ascii(s, folded, sizeof(folded)) == 0) {
		for (i = 0; folded[i] != '\0'; i++)
			if (!((folded[i] >= 'a' && folded[i] <= 'z') ||
			    (folded[i] >= '0' && folded[i] <= '9') ||
			    (folded[i] == ' ' && i > 0 && folded[i + 1] != '\0' &&
			    folded[i + 1] != ' ')))
				abort();
		/* Folding the NFC form gives the same result. */
		{
			char f2[1024];

			if (name_fold_ascii(nfc, f2, sizeof(f2)) != 0 ||
			    strcmp(folded, f2) != 0)
				abort();
		}
		(void)name_split(folded, &np);
	}
	free(nfc);

	if (address_local_from_name(tmpl, s, local, sizeof(local), err,
	    sizeof(err)) == 0) {
		if (!ok || strlen(local) == 0 ||
		    strlen(local) > ADDRESS_GENERATED_MAX)
			abort();
		snprintf(addr, sizeof(addr), "%s@gov.vn", local);
		if (address_check(addr, err, sizeof(err)) != 0)
			abort();
		if (address_candidate(local, 9999, addr, sizeof(addr)) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *nl, err[256];

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';		/* stops at the first NUL, like a C string */

	fuzz_name(s, NULL);
	/* "template\nname": a template from the input as well. */
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		fuzz_name(nl + 1, s);
		(void)address_template_check(s, err, sizeof(err));
	}
	(void)address_check(s, err, sizeof(err));
	(void)address_domain_check(s, err, sizeof(err));
	free(s);
	return 0;
}
