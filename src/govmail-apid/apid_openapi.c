/*
 * apid_openapi.c — GET /openapi.json: the OpenAPI 3.1 description of the
 * API, src/govmail-apid/openapi.json built into the program (so the
 * document served is the one of this build, and the test that compares
 * it with the route table compares the same file).
 */
#include <string.h>

#include <microhttpd.h>

#include "apid.h"
#include "apid_dispatch.h"
#include "apid_web.h"

/* The file's bytes, NUL-terminated, placed by the assembler. */
extern const char apid_openapi_text[];
__asm__(".section .rodata\n"
	".global apid_openapi_text\n"
	".type apid_openapi_text, @object\n"
	"apid_openapi_text:\n"
	".incbin \"src/govmail-apid/openapi.json\"\n"
	".byte 0\n"
	".previous\n");

int
apid_openapi_get(struct apid_req *r)
{
	struct MHD_Response *resp;
	int ret;

	resp = MHD_create_response_from_buffer(strlen(apid_openapi_text),
	    (void *)apid_openapi_text, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	apid_web_headers(r, resp);
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
	return ret;
}
