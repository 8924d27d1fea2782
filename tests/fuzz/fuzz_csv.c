/*
 * fuzz_csv.c — libFuzzer target: arbitrary bytes through the CSV reader
 * (HR and agency exports are untrusted input). `make fuzz` builds it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader *r;
	struct csv_row row;
	char err[256];
	FILE *fp;
	int rc, guard = 0;

	if (size == 0)
		return 0;
	if ((fp = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	r = csv_open(fp);
	while ((rc = csv_next(r, &row, err, sizeof(err))) != 0 && guard++ < 100000)
		;
	csv_close(r);
	fclose(fp);
	return 0;
}
