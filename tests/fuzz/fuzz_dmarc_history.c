/*
 * fuzz_dmarc_history.c — libFuzzer target for the DMARC history reader
 * (src/lib/dmarc_report.c): the file govmaild writes from what senders
 * claim. Any bytes, read as a file of lines, never read out of bounds or
 * leak, every counted message is in the report, and the report's XML is
 * made of characters XML allows.
 *   make fuzz && build/fuzz/fuzz_dmarc_history -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_report.h"
#include "strbuf.h"
#include "xml_escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_report_meta m = { "org", "dmarc@example", NULL, "id" };
	struct dmarc_report *r;
	struct strbuf x = { NULL, 0, 0 };
	struct dmarc_hist h;
	size_t skipped;
	char err[256];
	FILE *fp;

	/* One line alone, as the parser sees it. */
	if (dmarc_hist_parse((const char *)data, size, &h, err, sizeof(err)) == 0 &&
	    (h.p == NULL || h.spf_result == NULL || h.ndkim > DMARC_HIST_DKIM_MAX))
		abort();
	/* The whole input as a history file. */
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		return 0;
	r = dmarc_report_new("example.gov.vn", 0, 1LL << 40);
	if (dmarc_report_read(r, fp, "fuzz", &skipped, NULL, NULL) == 0 &&
	    dmarc_report_messages(r) > 0) {
		if (dmarc_report_xml(r, &m, &x) != 0 || !xml_text_ok(x.p, x.n, 1))
			abort();
	}
	fclose(fp);
	free(x.p);
	dmarc_report_free(r);
	return 0;
}
