/*
 * fuzz_hr_import.c — libFuzzer target: arbitrary bytes as an HR export
 * (CSV or JSON lines) through hr_read, the reader of untrusted HR files.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hr_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_agency(const char *code, void *arg, char *why, size_t whylen)
{
	(void)arg;
	if (strcmp(code, "snv-old") == 0) {
		snprintf(why, whylen, "agency snv-old was merged into snv");
		return 0;
	}
	why[0] = '\0';
	return strcmp(code, "snv") == 0 || strcmp(code, "stp") == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64], err[256];
	struct hr_file *hr;

	if (fd < 0 && (fd = memfd_create("hr", 0)) < 0)
		return 0;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	hr = hr_read(path, 128, fuzz_agency, NULL, err, sizeof(err));
	hr_free(hr);
	return 0;
}
