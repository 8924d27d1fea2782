/*
 * fuzz_sign_check.c — libFuzzer target for the signature rule's walk of a
 * message (sign_check.c): any bytes as a message, parsed once
 * (mime_tree.c), its documents found, decoded when needed (base64.c),
 * PDF signatures located, S/MIME and .p7s paired and verified against a
 * throw-away trust store (fuzz_trust.h), under each requirement. The
 * result must be consistent: counts in range, strings terminated.
 * `make fuzz` builds it; the .eml files of scripts/test-pki are good
 * seeds for the corpus.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../src/govmaild/sign_pem.c"
#include "../../src/govmaild/sign_algo.c"
#include "../../src/govmaild/sign_certcache.c"
#include "../../src/govmaild/sign_ess.c"
#include "../../src/govmaild/sign_tsp.c"
#include "../../src/govmaild/sign_ocsp.c"
#include "../../src/govmaild/sign_revinfo.c"
#include "../../src/govmaild/sign_verify.c"
#include "../../src/govmaild/sign_pdf.c"
#include "../../src/govmaild/sign_dss.c"
#include "../../src/govmaild/mime_tree.c"
#include "../../src/govmaild/mime_check.c"
#include "../../src/govmaild/sign_pdfcost.c"
#include "../../src/govmaild/sign_pdfxref.c"
#include "../../src/govmaild/sign_pdfrev.c"
#include "../../src/govmaild/sign_pdfrev_child.c"
#include "../../src/govmaild/sign_subfilter.c"
#include "../../src/govmaild/sign_text.c"
#include "../../src/govmaild/sign_check.c"
#include "fuzz_trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const docs[] = { "pdf", "docx" };
	static const char *const addrs[] = { "annv@haugiang.gov.vn" };
	struct sign_check_limits lim = { docs, 2, 1 << 20, 64 * 1024, 8, 64 };
	struct sign_identity id;
	struct sign_check_result *res = malloc(sizeof(*res));
	int req;
	size_t i;

	if (size > 2 * 1024 * 1024 || res == NULL) {
		free(res);
		return 0;
	}
	memset(&id, 0, sizeof(id));
	id.addresses = addrs;
	id.naddresses = 1;
	for (req = SIGN_REQ_VERIFY; req <= SIGN_REQ_PERSON_ORG; req++) {
		sign_check_buffer(fz_trust, (const char *)data, size, &lim,
		    (enum sign_requirement)req, &id, res);
		assert(res->ndocs <= SIGN_CHECK_MAX_DOCS);
		assert(res->failed < (int)res->ndocs);
		assert(memchr(res->problem, '\0', sizeof(res->problem)) != NULL);
		for (i = 0; i < res->ndocs; i++) {
			assert(res->docs[i].result <= SIGN_DOC_FAIL);
			assert(memchr(res->docs[i].reason, '\0', sizeof(res->docs[i].reason)) != NULL);
			assert(memchr(res->docs[i].ascii, '\0', sizeof(res->docs[i].ascii)) != NULL);
		}
	}
	free(res);
	return 0;
}
