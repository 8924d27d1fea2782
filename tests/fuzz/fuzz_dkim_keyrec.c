/*
 * fuzz_dkim_keyrec.c — libFuzzer target for DKIM key records (the TXT
 * records of SELECTOR._domainkey.DOMAIN, from anyone's DNS): parsing never
 * reads out of bounds, and a record that parses has a key unless revoked.
 *   make fuzz && build/fuzz/fuzz_dkim_keyrec -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../src/govmaild/dkim_keyrec.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_keyrec k;
	char err[256];

	if (dkim_keyrec_parse((const char *)data, size, &k, err, sizeof(err)) == 0) {
		if ((k.key == NULL) != (k.revoked != 0))
			abort();
		dkim_keyrec_clear(&k);
	}
	return 0;
}
