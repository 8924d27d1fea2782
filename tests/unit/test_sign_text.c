/*
 * test_sign_text.c — the catalog of signature reasons (sign_text.c):
 * checked mechanically (ids and patterns unique, the same conversions in
 * the same order in English and Vietnamese, valid UTF-8, every pattern
 * found again by its own sample, not shadowed by an earlier one), the
 * translation of nested reasons, the fallback to English, the ASCII fold
 * for replies, and the header parameters: quoted and folded, or RFC 2231
 * sections within 78 characters that decode back to the exact text.
 * sign_text.c is part of govmaild, so its source is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/govmaild/sign_text.c"

/* The conversions of a pattern, e.g. "rs" for "%r ... %s"; -1 for an
 * unknown one. */
static int
conversions(const char *p, char *out, size_t len)
{
	size_t o = 0;

	for (; *p != '\0'; p++) {
		if (p[0] != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if (p[1] != 's' && p[1] != 'd' && p[1] != 'r')
			return -1;
		if (o + 1 >= len)
			return -1;
		out[o++] = p[1];
		p++;
	}
	out[o] = '\0';
	return 0;
}

static void
test_catalog_consistent(void **state)
{
	size_t i, k;

	(void)state;
	assert_true(sign_text_ncatalog > 50);
	for (i = 0; i < sign_text_ncatalog; i++) {
		const struct sign_text_entry *e = &sign_text_catalog[i];
		char ce[16], cv[16];

		assert_non_null(e->id);
		assert_true(e->en[0] != '\0' && e->vi[0] != '\0');
		if (conversions(e->en, ce, sizeof(ce)) != 0 || conversions(e->vi, cv, sizeof(cv)) != 0)
			fail_msg("%s: a conversion other than %%s %%d %%r %%%%", e->id);
		if (strcmp(ce, cv) != 0)
			fail_msg("%s: English has \"%s\", Vietnamese \"%s\"", e->id, ce, cv);
		if (utf8_validate(e->vi, strlen(e->vi), NULL) != 0)
			fail_msg("%s: Vietnamese text is not UTF-8", e->id);
		if (strcmp(e->en, e->vi) == 0)
			fail_msg("%s: not translated", e->id);
		for (k = 0; k < i; k++) {
			if (strcmp(e->id, sign_text_catalog[k].id) == 0)
				fail_msg("id %s twice", e->id);
			if (strcmp(e->en, sign_text_catalog[k].en) == 0)
				fail_msg("pattern of %s twice", e->id);
		}
	}
}

/* A sample of each pattern finds its own entry: no earlier, more general
 * entry takes it. */
static void
test_catalog_not_shadowed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sign_text_ncatalog; i++) {
		const struct sign_text_entry *e = &sign_text_catalog[i], *got;
		char sample[600];
		size_t o = 0;
		const char *p;

		for (p = e->en; *p != '\0' && o + 40 < sizeof(sample); p++) {
			const char *arg = NULL;

			if (p[0] == '%' && p[1] == '%')
				arg = "%";
			else if (p[0] == '%')
				arg = p[1] == 'd' ? "12" : p[1] == 'r' ? "certificate revoked" : "Trần Thị Bình";
			if (arg != NULL) {
				o += (size_t)snprintf(sample + o, sizeof(sample) - o, "%s", arg);
				p++;
			} else
				sample[o++] = *p;
		}
		sample[o] = '\0';
		got = sign_text_lookup(sample);
		if (got != e)
			fail_msg("\"%s\" (%s) is found as %s", sample, e->id, got ? got->id : "nothing");
	}
}

static void
test_translate(void **state)
{
	char out[400];

	(void)state;
	assert_int_equal(sign_text_translate("certificate revoked", SIGN_LANG_VI, out, sizeof(out)), 1);
	assert_string_equal(out, "chứng thư số đã bị thu hồi");
	assert_int_equal(sign_text_translate("signature does not verify (modified after signing)",
	    SIGN_LANG_VI, out, sizeof(out)), 1);
	assert_string_equal(out, "chữ ký không hợp lệ (tài liệu đã bị sửa đổi sau khi ký)");
	/* nested: the CA's name is copied */
	sign_text_translate("certificate revoked (issuing CA: Test CA bi thu hoi)", SIGN_LANG_VI,
	    out, sizeof(out));
	assert_string_equal(out, "chứng thư số đã bị thu hồi (chứng thư số của CA: Test CA bi thu hoi)");
	/* the change is a reason of its own, the signer a name with diacritics */
	sign_text_translate("modified after signing: page 1 content replaced after the signature "
	    "of Nguyễn Văn An <annv@haugiang.gov.vn>", SIGN_LANG_VI, out, sizeof(out));
	assert_string_equal(out, "tài liệu đã bị sửa đổi sau khi ký: nội dung trang 1 bị thay thế "
	    "sau chữ ký của Nguyễn Văn An <annv@haugiang.gov.vn>");
	sign_text_translate("modified after signing: signature added (the certification allows no "
	    "changes) after the signature of X", SIGN_LANG_VI, out, sizeof(out));
	assert_string_equal(out, "tài liệu đã bị sửa đổi sau khi ký: thêm chữ ký (chứng nhận tài liệu "
	    "không cho phép thay đổi) sau chữ ký của X");
	sign_text_translate("no signature of the organisation (snv)", SIGN_LANG_VI, out, sizeof(out));
	assert_string_equal(out, "không có chữ ký của cơ quan (snv)");
	sign_text_translate("the signature checks took more than 1 ms of CPU", SIGN_LANG_VI, out,
	    sizeof(out));
	assert_string_equal(out, "việc kiểm tra chữ ký đã dùng quá 1 ms thời gian CPU");
	/* a nested part the catalog does not have stays English in its place */
	sign_text_translate("modified after signing: something new after the signature of X",
	    SIGN_LANG_VI, out, sizeof(out));
	assert_string_equal(out, "tài liệu đã bị sửa đổi sau khi ký: something new sau chữ ký của X");
	/* a reason without an entry (another module's, not yet in the catalog) */
	assert_int_equal(sign_text_translate("OCSP responder unreachable", SIGN_LANG_VI, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "OCSP responder unreachable");
	/* English is English */
	assert_int_equal(sign_text_translate("certificate revoked", SIGN_LANG_EN, out, sizeof(out)), 0);
	assert_string_equal(out, "certificate revoked");
	/* "page 1 changed (/Contents)": the argument is not translated */
	sign_text_translate("page 3 changed (/Rotate)", SIGN_LANG_VI, out, sizeof(out));
	assert_string_equal(out, "trang 3 bị thay đổi (/Rotate)");
}

static void
test_translate_cut(void **state)
{
	char out[12];

	(void)state;
	/* "chứng thư số": 'ứ' is 3 bytes; cut between characters, never in one */
	sign_text_translate("certificate revoked", SIGN_LANG_VI, out, sizeof(out));
	assert_int_equal(utf8_validate(out, strlen(out), NULL), 0);
	assert_true(strncmp("chứng thư số", out, strlen(out)) == 0);
	assert_true(strlen(out) <= 11);
}

static void
test_ascii(void **state)
{
	char out[200];

	(void)state;
	sign_text_ascii("chữ ký không hợp lệ", out, sizeof(out));
	assert_string_equal(out, "chu ky khong hop le");
	sign_text_ascii("ĐỖ Đức Ánh, Sở Nội vụ tỉnh Hậu Giang", out, sizeof(out));
	assert_string_equal(out, "DO Duc Anh, So Noi vu tinh Hau Giang");
	/* decomposed: the marks go */
	sign_text_ascii("Vie\xcc\xa3\xcc\x82t", out, sizeof(out));
	assert_string_equal(out, "Viet");
	/* not Latin, not UTF-8, controls */
	sign_text_ascii("\xe4\xb8\xad-\xff-\x01-\x7f-ok", out, sizeof(out));
	assert_string_equal(out, "?-?---ok");
	sign_text_reply("no signature of the sender", SIGN_LANG_VI, out, sizeof(out));
	assert_string_equal(out, "khong co chu ky cua nguoi gui");
	sign_text_reply("no signature of the sender", SIGN_LANG_EN, out, sizeof(out));
	assert_string_equal(out, "no signature of the sender");
}

/* Every line of a header value within 78 characters (the name's line
 * given first bytes of it already). */
static void
assert_lines(const char *v, size_t first)
{
	size_t col = first;

	for (; *v != '\0'; v++) {
		if (*v == '\r') {
			assert_true(v[1] == '\n' && (v[2] == ' ' || v[2] == '\t'));
			col = 0;
			v++;
			continue;
		}
		col++;
		assert_true(col <= 78);
	}
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The value of parameter name in v, decoded: RFC 2231 sections joined
 * and percent-decoded, or the quoted string unfolded. */
static void
decode_param(const char *v, const char *name, char *out, size_t len)
{
	char key[64];
	const char *p;
	size_t o = 0, sect;
	int single = 0;

	out[0] = '\0';
	snprintf(key, sizeof(key), "\t%s=\"", name);
	if ((p = strstr(v, key)) != NULL) {
		for (p += strlen(key); *p != '"' && o + 1 < len; p++) {
			if (*p == '\r' && p[1] == '\n') {
				p++;
				continue;
			}
			if (*p == '\\')
				p++;
			out[o++] = *p;
		}
		out[o] = '\0';
		return;
	}
	for (sect = 0; !single; sect++) {
		snprintf(key, sizeof(key), "\t%s*%zu*=", name, sect);
		if ((p = strstr(v, key)) == NULL) {
			snprintf(key, sizeof(key), "\t%s*=", name);
			if (sect > 0 || (p = strstr(v, key)) == NULL)
				break;
			single = 1;
		}
		p += strlen(key);
		if (sect == 0) {
			assert_true(strncmp(p, "utf-8''", 7) == 0);
			p += 7;
		}
		for (; *p != '\0' && *p != ';' && *p != '\r' && o + 1 < len; p++) {
			if (*p == '%') {
				out[o++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
				p += 2;
			} else
				out[o++] = *p;
		}
	}
	out[o] = '\0';
}

static void
test_param(void **state)
{
	char buf[2000], got[600];
	const char *vi = "tài liệu đã bị sửa đổi sau khi ký: nội dung trang 1 bị thay thế sau "
	    "chữ ký của Nguyễn Văn An <annv@haugiang.gov.vn>";
	const char *en = "modified after signing: page added after the signature of Nguyen Van An "
	    "<annv@haugiang.gov.vn>";
	size_t n;

	(void)state;
	n = (size_t)snprintf(buf, sizeof(buf), "\"a.pdf\"; result=fail");
	n = sign_text_param(buf, sizeof(buf), n, "signer", "Nguyen \"Van\" An", 0);
	assert_string_equal(buf, "\"a.pdf\"; result=fail;\r\n\tsigner=\"Nguyen \\\"Van\\\" An\"");
	n = sign_text_param(buf, sizeof(buf), n, "org", "Sở Nội vụ", 0);
	assert_string_equal(strstr(buf, "\torg"), "\torg*=utf-8''S%E1%BB%9F%20N%E1%BB%99i%20v%E1%BB%A5");
	/* long ASCII: folded at a space, unfolds to the same text */
	n = sign_text_param(buf, sizeof(buf), n, "reason", en, 0);
	assert_lines(buf, 21);
	decode_param(buf, "reason", got, sizeof(got));
	assert_string_equal(got, en);
	assert_non_null(strstr(buf, "Nguyen\r\n Van An <annv"));
	/* long Vietnamese: sections, each within a line, decoding back */
	n = (size_t)snprintf(buf, sizeof(buf), "\"a.pdf\"; result=fail");
	n = sign_text_param(buf, sizeof(buf), n, "reason", vi, 0);
	assert_true(n < sizeof(buf));
	assert_lines(buf, 21);
	assert_non_null(strstr(buf, "\treason*0*=utf-8''t%C3%A0i"));
	assert_non_null(strstr(buf, ";\r\n\treason*1*="));
	decode_param(buf, "reason", got, sizeof(got));
	assert_string_equal(got, vi);
	/* the ASCII fallback: no diacritics, quoted */
	n = (size_t)snprintf(buf, sizeof(buf), "x");
	(void)sign_text_param(buf, sizeof(buf), n, "reason", "chữ ký không hợp lệ", 1);
	assert_string_equal(buf, "x;\r\n\treason=\"chu ky khong hop le\"");
	/* too small: says so */
	n = (size_t)snprintf(buf, 40, "x");
	assert_int_equal(sign_text_param(buf, 40, n, "reason", vi, 0), 40);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_consistent),
		cmocka_unit_test(test_catalog_not_shadowed),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_translate_cut),
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_param),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
