/*
 * fuzz_dkim_verify.c — libFuzzer target for inbound DKIM-Signature fields
 * (anyone's) and header sections: the tag-list parser never reads out of
 * bounds, a parsed signature has its required parts, and a whole message
 * (header section and body, no DNS: the resolver is never reached when
 * the body hash fails, and a NULL resolver is refused below) is handled.
 *   make fuzz && build/fuzz/fuzz_dkim_verify -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/dkim_verify.c"
#include "../../src/govmaild/dkim_sign.c"
#include "../../src/govmaild/dkim_keyrec.c"
#include "../../src/govmaild/spool.c"

/* No DNS in the fuzzer: every key lookup is a temporary failure. */
enum dns_status
dns_lookup_txt(struct dns_resolver *r, const char *name, struct dns_txt *out)
{
	(void)r;
	(void)name;
	memset(out, 0, sizeof(*out));
	return DNS_TEMPFAIL;
}

void
dns_txt_clear(struct dns_txt *t)
{
	(void)t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_sig sig;
	struct dkim_verify *v;
	const struct dkim_vresult *r;
	char err[128];
	long long body;
	size_t n;

	if (dkim_sig_parse((const char *)data, size, &sig, err, sizeof(err)) == 0) {
		if (sig.bhlen != 32 || sig.nh == 0 || sig.d[0] == '\0' ||
		    sig.s[0] == '\0' || sig.b == NULL || sig.bend > size ||
		    sig.boff > sig.bend)
			abort();
	}
	dkim_sig_clear(&sig);

	v = dkim_verify_begin(NULL, 0);
	body = dkim_verify_headers(v, (const char *)data, size);
	if (body < 0 || (size_t)body > size)
		abort();
	dkim_verify_body(v, data + body, size - (size_t)body);
	r = dkim_verify_end(v, &n);
	if (n > DKIM_VERIFY_MAX_SIGS)
		abort();
	while (n-- > 0)
		if (r[n].res == DKIM_V_PASS || r[n].res == DKIM_V_NEUTRAL)
			abort();    /* no key, so nothing can verify */
	dkim_verify_free(v);
	return 0;
}
