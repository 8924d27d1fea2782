/*
 * fuzz_dir_cert.c — libFuzzer target: arbitrary bytes through the
 * certificate parser (files given to `cert add`, and values read back from
 * the directory by govmaild). `make fuzz` builds it.
 */
#include <stddef.h>
#include <stdint.h>

#include "dir_cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dir_cert_list l = { NULL, 0 };
	struct dir_cert c;
	char err[256];

	if (dir_cert_parse(data, size, &l, err, sizeof(err)) == 0)
		dir_cert_list_clear(&l);
	if (dir_cert_from_der(data, size, &c, err, sizeof(err)) == 0)
		dir_cert_clear(&c);
	return 0;
}
