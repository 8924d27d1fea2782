/*
 * test_mime_check.c — the attachment rule's MIME walk: file names from
 * RFC 2231 parameters (continuations, percent-encoding, charset) and RFC
 * 2047 encoded-words (B and Q), the extension logic (case, double and
 * trailing-dot extensions), the ASCII form for replies, and whole
 * messages: blocked names and types, nested parts, malformed structure.
 * mime_check.c is part of govmaild, so its source is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/mime_check.c"
#include "../../src/govmaild/mime_tree.c"

static char *const exts[] = { "exe", "js", "scr", "iso" };
static char *const types[] = { "application/x-msdownload" };

static void
limits(struct mime_check_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_depth = 20;
	lim->max_parts = 500;
	lim->max_size = 1 << 20;
	lim->blocked_ext = exts;
	lim->nblocked_ext = 4;
	lim->blocked_types = types;
	lim->nblocked_types = 1;
}

static void
test_2231(void **state)
{
	const char *n1[] = { "filename*" };
	const char *v1[] = { "UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.exe" };
	const char *n2[] = { "filename*1", "filename*0*", "filename*2*" };
	const char *v2[] = { "t ", "utf-8'vi'Quy%E1%BA%BF", "%C4%91%E1%BB%8Bnh.pdf" };
	const char *n3[] = { "name*" };
	const char *v3[] = { "iso-8859-1'en'caf%E9.js" };
	const char *n4[] = { "filename*0", "filename*0" };
	const char *v4[] = { "a", "b" };
	char *r;

	(void)state;
	r = mime_check_param("filename", n1, v1, 1);
	assert_string_equal(r, "Quyết định.exe");
	free(r);
	r = mime_check_param("filename", n2, v2, 3);
	assert_string_equal(r, "Quyết định.pdf");
	free(r);
	r = mime_check_param("name", n3, v3, 1);
	assert_string_equal(r, "café.js");
	free(r);
	/* A section given twice is ambiguous: the plain value is not there. */
	assert_null(mime_check_param("filename", n4, v4, 2));
}

static void
test_2047(void **state)
{
	char *r;

	(void)state;
	/* "Tờ trình.js" */
	r = mime_check_decode_2047("=?UTF-8?B?VOG7nSB0csOsbmguanM=?=");
	assert_string_equal(r, "Tờ trình.js");
	free(r);
	r = mime_check_decode_2047("=?utf-8?Q?B=C3=A1o_c=C3=A1o?= =?utf-8?Q?.exe?=");
	assert_string_equal(r, "Báo cáo.exe");
	free(r);
	r = mime_check_decode_2047("plain.pdf");
	assert_string_equal(r, "plain.pdf");
	free(r);
}

static void
test_extension(void **state)
{
	(void)state;
	assert_string_equal(mime_check_ext_blocked("a.exe", exts, 4), "exe");
	assert_string_equal(mime_check_ext_blocked("A.EXE", exts, 4), "exe");
	assert_string_equal(mime_check_ext_blocked("bao-cao.pdf.exe", exts, 4), "exe");
	assert_string_equal(mime_check_ext_blocked("x.exe. . ", exts, 4), "exe");
	assert_string_equal(mime_check_ext_blocked("Quyết định.js", exts, 4), "js");
	assert_null(mime_check_ext_blocked("bao-cao.exe.pdf", exts, 4));
	assert_null(mime_check_ext_blocked("exe", exts, 4));
	assert_null(mime_check_ext_blocked("", exts, 4));
	assert_null(mime_check_ext_blocked("a.exex", exts, 4));
}

static void
test_ascii(void **state)
{
	char out[80];

	(void)state;
	mime_check_ascii("Quyết định số 12.exe", out, sizeof(out));
	assert_string_equal(out, "Quyet dinh so 12.exe");
	mime_check_ascii("ĐƯỜNG Ơ Ă", out, sizeof(out));
	assert_string_equal(out, "DUONG O A");
	mime_check_ascii("a\x01\xff\xe6\x97\xa5.js", out, sizeof(out));
	assert_string_equal(out, "a???.js");
	mime_check_ascii("abcdef", out, 4);
	assert_string_equal(out, "abc");
}

static enum mime_check_status
check(const char *msg, struct mime_check_result *res)
{
	struct mime_check_limits lim;

	limits(&lim);
	mime_check_buffer(msg, strlen(msg), &lim, res);
	return res->status;
}

#define HDR "From: a@b.vn\r\nTo: c@d.vn\r\nSubject: x\r\nMIME-Version: 1.0\r\n"

static void
test_messages(void **state)
{
	struct mime_check_result res;

	(void)state;
	assert_int_equal(check(HDR "Content-Type: text/plain\r\n\r\nhello\r\n", &res),
	    MIME_CHECK_OK);
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
	    "--b1\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n"
	    "Content-Disposition: attachment; filename=\"a.pdf\"\r\n\r\nJVBERi0=\r\n"
	    "--b1--\r\n", &res), MIME_CHECK_OK);
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
	    "--b1\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment;\r\n filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.exe\r\n"
	    "\r\nTVo=\r\n--b1--\r\n", &res), MIME_CHECK_BLOCKED);
	assert_string_equal(res.filename, "Quyết định.exe");
	assert_string_equal(res.ascii, "Quyet dinh.exe");
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Type: application/x-msdownload; name=\"readme.txt\"\r\n\r\nTVo=\r\n"
	    "--b1--\r\n", &res), MIME_CHECK_BLOCKED);
	assert_string_equal(res.type, "application/x-msdownload");
	/* Nested: message/rfc822 > multipart/alternative > multipart/mixed. */
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n"
	    "--o\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: inner\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n"
	    "--a\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
	    "--m\r\nContent-Type: application/octet-stream; name=\"x.scr\"\r\n\r\nTVo=\r\n"
	    "--m--\r\n--a--\r\n--o--\r\n", &res), MIME_CHECK_BLOCKED);
	assert_string_equal(res.filename, "x.scr");
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"; "
	    "boundary=\"b2\"\r\n\r\n--b1\r\n\r\nx\r\n--b1--\r\n--b2--\r\n", &res),
	    MIME_CHECK_MALFORMED);
	/* What libetpan drops but a client may read: an unterminated quote,
	 * an unquoted 8-bit name, RFC 2231 pieces across folded lines. */
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Type: application/octet-stream; name=\"x.exe\r\n\r\nTVo=\r\n"
	    "--b1--\r\n", &res), MIME_CHECK_BLOCKED);
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Disposition: attachment; filename=Quyết định.exe\r\n\r\nTVo=\r\n"
	    "--b1--\r\n", &res), MIME_CHECK_BLOCKED);
	assert_string_equal(res.filename, "Quyết định.exe");
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Disposition: attachment;\r\n filename*0=\"Quy\"; filename*1=\"et.ex\";"
	    "\r\n\tfilename*2=\"e\"\r\n\r\nTVo=\r\n--b1--\r\n", &res), MIME_CHECK_BLOCKED);
	assert_string_equal(res.filename, "Quyet.exe");
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=b1\r\n\r\n"
	    "--b1\r\nContent-Type: application/pdf; name=\"a;b.pdf\"; x=\"q\\\"\"\r\n\r\n"
	    "TVo=\r\n--b1--\r\n", &res), MIME_CHECK_OK);
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=b1\r\n"
	    "Content-Type: text/plain\r\n\r\n--b1\r\n\r\nx\r\n--b1--\r\n", &res),
	    MIME_CHECK_MALFORMED);
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=b1\r\n\r\n"
	    "--b1\r\nContent-Type: application/pdf\r\nContent-Type: text/plain\r\n\r\nx\r\n"
	    "--b1--\r\n", &res), MIME_CHECK_MALFORMED);
	assert_int_equal(check(HDR "Content-Type: multipart/mixed\r\n\r\nx\r\n", &res),
	    MIME_CHECK_MALFORMED);
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n", &res), MIME_CHECK_MALFORMED);
}

/* The lenient second reading looks at header blocks only: text that
 * quotes a header field in a body is not a reason to refuse, while the
 * header of an attached message is read like any other. */
static void
test_lenient_headers_only(void **state)
{
	struct mime_check_result res;

	(void)state;
	assert_int_equal(check(HDR "Content-Type: text/plain\r\n\r\n"
	    "Do not send files like this:\r\n"
	    "Content-Type: application/octet-stream; name=setup.exe\r\n"
	    "Content-Disposition: attachment; filename=Quy\xe1\xba\xbft.exe\r\n", &res),
	    MIME_CHECK_OK);
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "preamble Content-Type: x\r\n"
	    "--b1\r\nContent-Type: text/plain\r\n\r\nquoted:\r\n"
	    "Content-Type: application/x-msdownload; name=a.exe\r\n"
	    "--b1--\r\n", &res), MIME_CHECK_OK);
	/* an attached message's own header: its unquoted 8-bit name is read */
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: inner\r\nContent-Disposition: attachment; filename=Quy\xe1\xba\xbft.exe\r\n"
	    "\r\nTVo=\r\n--b1--\r\n", &res), MIME_CHECK_BLOCKED);
	assert_string_equal(res.filename, "Quyết.exe");
	/* the same line as the body of a text part is text */
	assert_int_equal(check(HDR "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "--b1\r\nContent-Type: text/plain\r\n\r\n"
	    "Subject: inner\r\nContent-Disposition: attachment; filename=Quy\xe1\xba\xbft.exe\r\n"
	    "\r\nTVo=\r\n--b1--\r\n", &res), MIME_CHECK_OK);
}

static void
test_depth(void **state)
{
	struct mime_check_result res;
	char *msg = malloc(64 * 1024), *p = msg;
	int i;

	(void)state;
	p += sprintf(p, HDR "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
	for (i = 1; i <= 25; i++)
		p += sprintf(p, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n",
		    i - 1, i);
	p += sprintf(p, "--b25\r\nContent-Type: text/plain\r\n\r\nx\r\n");
	for (i = 25; i >= 0; i--)
		p += sprintf(p, "--b%d--\r\n", i);
	assert_int_equal(check(msg, &res), MIME_CHECK_MALFORMED);
	assert_non_null(strstr(res.why, "deep"));
	free(msg);
}

/* mime_tree.c counts "boundary"/"rfc822" in any case, at any offset (the
 * screen looks at 16 positions at a time), before libetpan parses. */
static void
test_part_count(void **state)
{
	static const char *const words[] = { "BoUnDaRy", "boundary", "RFC822", "rFc822" };
	char *text = malloc(20000);
	size_t o, k;
	int pad;

	(void)state;
	assert_non_null(text);
	for (pad = 0; pad < 17; pad++) {
		o = 0;
		memset(text, 'x', (size_t)pad);
		o += (size_t)pad;
		for (k = 0; k < 40; k++)
			o += (size_t)sprintf(text + o, "%s%.*s", words[k % 4], (int)(k % 5), "bobrf");
		o += (size_t)sprintf(text + o, "BOUNDARY");
		assert_int_equal(mime_tree_count_parts(text, o), 41);
		/* a word cut by the end is not counted */
		assert_int_equal(mime_tree_count_parts(text, o - 1), 40);
	}
	memset(text, 'b', 1000);
	assert_int_equal(mime_tree_count_parts(text, 1000), 0);
	free(text);
}

/* More multiparts than MIME_TREE_INLINE_PARTS: parsed on a thread of its
 * own (mime_tree_run), with the same outcome as a small message. */
static void
test_many_parts(void **state)
{
	struct mime_check_result res;
	struct mime_tree t;
	char *msg = malloc(64 * 1024), *p = msg;
	int i;

	(void)state;
	p += sprintf(p, HDR "Content-Type: multipart/mixed; boundary=\"top\"\r\n\r\n");
	for (i = 0; i < MIME_TREE_INLINE_PARTS + 8; i++)
		p += sprintf(p, "--top\r\nContent-Type: multipart/mixed; boundary=\"i%d\"\r\n\r\n"
		    "--i%d\r\nContent-Type: text/plain\r\n\r\nx\r\n--i%d--\r\n", i, i, i);
	sprintf(p, "--top\r\nContent-Type: application/octet-stream; name=\"z.exe\"\r\n\r\n"
	    "TVo=\r\n--top--\r\n");
	assert_int_equal(mime_tree_parse(&t, msg, strlen(msg), 500), MIME_TREE_OK);
	assert_non_null(t.root);
	mime_tree_free(&t);
	assert_int_equal(check(msg, &res), MIME_CHECK_BLOCKED);
	assert_string_equal(res.filename, "z.exe");
	free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_2231),
		cmocka_unit_test(test_2047),
		cmocka_unit_test(test_extension),
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_lenient_headers_only),
		cmocka_unit_test(test_part_count),
		cmocka_unit_test(test_many_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
