/*
 * test_name_fold.c — name_check, name_display, name_fold_ascii, name_split
 * and, end to end, the default-template local part, over a hand-written
 * table of real Vietnamese names (from examples/data/hr-export.csv plus
 * well-known people). Every name is run as NFC, as canonical NFD and as
 * NFD in "typed" mark order (vowel mark, then tone), in its own case and
 * upper-cased, and all spellings must give the same results.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "address_template.h"
#include "name_fold.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* name (NFC), folded form, local part with the default template */
static const struct {
	const char *name, *folded, *local;
} names[] = {
	/* From the HR export. */
	{ "Phan Thanh Vinh", "phan thanh vinh", "vinhpt" },
	{ "Nguyễn Thị Ngọc", "nguyen thi ngoc", "ngocnt" },
	{ "Huỳnh Tài", "huynh tai", "taih" },
	{ "Nguyễn Xuân Thiện", "nguyen xuan thien", "thiennx" },
	{ "Nguyễn Văn An", "nguyen van an", "annv" },
	{ "Trần Thị Ngọc Hân", "tran thi ngoc han", "hanttn" },
	{ "Lê Na", "le na", "nal" },
	{ "Nguyễn Thị Thủy", "nguyen thi thuy", "thuynt" },
	{ "Lê Hòa", "le hoa", "hoal" },
	{ "Phan Thanh Yến", "phan thanh yen", "yenpt" },
	{ "Đinh Diễm", "dinh diem", "diemd" },
	{ "Trần Đức Cường", "tran duc cuong", "cuongtd" },
	{ "Huỳnh Phước Cường", "huynh phuoc cuong", "cuonghp" },
	{ "Dương Thị Hạnh", "duong thi hanh", "hanhdt" },
	{ "Trần Văn Lộc", "tran van loc", "loctv" },
	{ "Tô Hồng Ngân", "to hong ngan", "nganth" },
	{ "Phan Thu Phượng", "phan thu phuong", "phuongpt" },
	{ "Hoàng Phước Nghĩa", "hoang phuoc nghia", "nghiahp" },
	{ "Lê Bích Tuyết", "le bich tuyet", "tuyetlb" },
	{ "Đỗ Hoàng Toàn", "do hoang toan", "toandh" },
	{ "Trần Thị Kim Ánh", "tran thi kim anh", "anhttk" },
	{ "Trương Thanh Hạnh", "truong thanh hanh", "hanhtt" },
	{ "Nguyễn Hữu Bình", "nguyen huu binh", "binhnh" },
	{ "Huỳnh Ngọc Sơn", "huynh ngoc son", "sonhn" },
	{ "Trần Tấn Thắng", "tran tan thang", "thangtt" },
	{ "Nguyễn Xuân Thịnh", "nguyen xuan thinh", "thinhnx" },
	{ "Phạm Phước Tuấn", "pham phuoc tuan", "tuanpp" },
	{ "Bùi Ước", "bui uoc", "uocb" },
	{ "Dương Minh Ước", "duong minh uoc", "uocdm" },
	{ "Phan Văn Ẩn", "phan van an", "anpv" },
	{ "Nguyễn Trọng Ẩn", "nguyen trong an", "annt" },
	{ "Bùi Thị Kim Phượng", "bui thi kim phuong", "phuongbtk" },
	{ "Lâm Kim Diễm", "lam kim diem", "diemlk" },
	{ "Vũ Ngọc Vũ", "vu ngoc vu", "vuvn" },
	{ "Hoàng Mỹ Thủy", "hoang my thuy", "thuyhm" },
	{ "Âu Trọng Đạt", "au trong dat", "datat" },
	{ "Thạch Công Hùng", "thach cong hung", "hungtc" },
	{ "Quách Bích Hằng", "quach bich hang", "hangqb" },
	/* The export spells some Đ as Ð (U+00D0, eth). */
	{ "Nguyễn Kim Ðào", "nguyen kim dao", "daonk" },
	{ "Huỳnh Thị Ngọc Ðào", "huynh thi ngoc dao", "daohtn" },
	/* Well-known people. */
	{ "Hồ Chí Minh", "ho chi minh", "minhhc" },
	{ "Võ Nguyên Giáp", "vo nguyen giap", "giapvn" },
	{ "Nguyễn Du", "nguyen du", "dun" },
	{ "Trần Hưng Đạo", "tran hung dao", "daoth" },
	{ "Nguyễn Thị Minh Khai", "nguyen thi minh khai", "khaintm" },
	{ "Phạm Văn Đồng", "pham van dong", "dongpv" },
	{ "Lê Lợi", "le loi", "loil" },
	{ "Nguyễn Trãi", "nguyen trai", "train" },
	{ "Hồ Xuân Hương", "ho xuan huong", "huonghx" },
	{ "Trịnh Công Sơn", "trinh cong son", "sontc" },
	{ "Tôn Đức Thắng", "ton duc thang", "thangtd" },
	{ "Lý Thường Kiệt", "ly thuong kiet", "kietlt" },
	{ "Ngô Bảo Châu", "ngo bao chau", "chaunb" },
	{ "Đặng Thái Sơn", "dang thai son", "sondt" },
	{ "Võ Thị Sáu", "vo thi sau", "sauvt" },
	{ "Nguyễn Đình Chiểu", "nguyen dinh chieu", "chieund" },
	{ "Phan Bội Châu", "phan boi chau", "chaupb" },
	{ "Lê Quý Đôn", "le quy don", "donlq" },
	{ "Chu Văn An", "chu van an", "ancv" },
	{ "Trần Quốc Toản", "tran quoc toan", "toantq" },
	{ "Nguyễn Khuyến", "nguyen khuyen", "khuyenn" },
	{ "Tố Hữu", "to huu", "huut" },
	{ "Hàn Mặc Tử", "han mac tu", "tuhm" },
	{ "Bà Huyện Thanh Quan", "ba huyen thanh quan", "quanbht" },
	{ "Đoàn Thị Điểm", "doan thi diem", "diemdt" },
	{ "Ngô Quyền", "ngo quyen", "quyenn" },
	{ "Lý Tự Trọng", "ly tu trong", "tronglt" },
	{ "Nguyễn Ái Quốc", "nguyen ai quoc", "quocna" },
	{ "Trưng Trắc", "trung trac", "tract" },
	{ "Triệu Thị Trinh", "trieu thi trinh", "trinhtt" },
	{ "Lê Thánh Tông", "le thanh tong", "tonglt" },
	{ "Nguyễn Thị Ánh Viên", "nguyen thi anh vien", "viennta" },
	{ "Đặng Lê Nguyên Vũ", "dang le nguyen vu", "vudln" },
	{ "Ưng Hoàng Phúc", "ung hoang phuc", "phucuh" },
	{ "Y Moan Ênuôl", "y moan enuol", "enuolym" },
	{ "H'Hen Niê", "h hen nie", "niehh" },
	/* Typed in capitals or lower case: upper-case tones and letters. */
	{ "NGUYỄN VĂN AN", "nguyen van an", "annv" },
	{ "nguyễn văn an", "nguyen van an", "annv" },
	{ "NGUYỄN văn AN", "nguyen van an", "annv" },
	{ "TRẦN THỊ NGỌC HÂN", "tran thi ngoc han", "hanttn" },
	{ "ĐẶNG THÁI SƠN", "dang thai son", "sondt" },
	{ "VÕ NGUYÊN GIÁP", "vo nguyen giap", "giapvn" },
	{ "HỒ XUÂN HƯƠNG", "ho xuan huong", "huonghx" },
	{ "NGUYỄN ĐÌNH CHIỂU", "nguyen dinh chieu", "chieund" },
	{ "NGUYỄN TRỌNG ẨN", "nguyen trong an", "annt" },
	{ "LÝ THƯỜNG KIỆT", "ly thuong kiet", "kietlt" },
	{ "TÔN ĐỨC THẮNG", "ton duc thang", "thangtd" },
	{ "BÙI THỊ KIM PHƯỢNG", "bui thi kim phuong", "phuongbtk" },
	{ "HOÀNG MỸ THỦY", "hoang my thuy", "thuyhm" },
	{ "VŨ NGỌC VŨ", "vu ngoc vu", "vuvn" },
	{ "PHẠM VĂN ỔN", "pham van on", "onpv" },
	{ "LÊ THỊ ỶN", "le thi yn", "ynlt" },
};

/* The Vietnamese vowels: base, vowel mark, and each tone. */
#include "viet_vowels.h"

enum spelling { NFC, NFD_CANONICAL, NFD_TYPED };

/*
 * Re-spell an NFC name: decomposed in canonical order (horn, dot below,
 * then breve/circumflex and the other tones) or in typed order (vowel
 * mark, then tone); upper-cased if upper. Returns a malloc'd string.
 */
static char *
respell(const char *s, enum spelling how, int upper)
{
	static const char *const lower_dd = "đ", *const upper_dd = "Đ";
	char *out = malloc(strlen(s) * 4 + 1);
	const char *cell, *m1, *m2;
	size_t r, t, n = 0, len;
	int up, found;

	assert_non_null(out);
	while (*s != '\0') {
		found = 0;
		for (r = 0; r < NELEM(vowels) && !found; r++) {
			for (t = 0; t < 6 && !found; t++) {
				for (up = 0; up < 2 && !found; up++) {
					cell = up ? vowels[r].upper[t] :
					    vowels[r].lower[t];
					len = strlen(cell);
					if (strncmp(s, cell, len) != 0)
						continue;
					found = 1;
					s += len;
					if (upper)
						up = 1;
					if (how == NFC) {
						cell = up ? vowels[r].upper[t] :
						    vowels[r].lower[t];
						memcpy(out + n, cell,
						    strlen(cell));
						n += strlen(cell);
						break;
					}
					out[n++] = up ?
					    (char)(vowels[r].base - 32) :
					    vowels[r].base;
					m1 = vowels[r].vowel_mark;
					m2 = tones[t];
					if (how == NFD_CANONICAL && t == 5 &&
					    strcmp(m1, "\u031b") != 0) {
						m1 = tones[t];
						m2 = vowels[r].vowel_mark;
					}
					memcpy(out + n, m1, strlen(m1));
					n += strlen(m1);
					memcpy(out + n, m2, strlen(m2));
					n += strlen(m2);
				}
			}
		}
		if (found)
			continue;
		if (upper && strncmp(s, lower_dd, strlen(lower_dd)) == 0) {
			memcpy(out + n, upper_dd, strlen(upper_dd));
			n += strlen(upper_dd);
			s += strlen(lower_dd);
		} else if (upper && *s >= 'a' && *s <= 'z') {
			out[n++] = (char)(*s++ - 32);
		} else
			out[n++] = *s++;
	}
	out[n] = '\0';
	return out;
}

static void
test_respell_sanity(void **state)
{
	char *s;

	(void)state;
	s = respell("Nguyễn Ặ", NFD_CANONICAL, 0);
	assert_string_equal(s, "Nguye\u0302\u0303n A\u0323\u0306");
	free(s);
	s = respell("Nguyễn Ặ", NFD_TYPED, 0);
	assert_string_equal(s, "Nguye\u0302\u0303n A\u0306\u0323");
	free(s);
	s = respell("ợ đ", NFD_CANONICAL, 1);
	assert_string_equal(s, "O\u031b\u0323 Đ");
	free(s);
	s = respell("Hồ Chí Minh", NFC, 1);
	assert_string_equal(s, "HỒ CHÍ MINH");
	free(s);
}

static void
test_name_table(void **state)
{
	static const enum spelling hows[] = { NFC, NFD_CANONICAL, NFD_TYPED };
	char err[256], folded[256], local[ADDRESS_LOCAL_MAX + 1], *sp, *disp;
	char *disp_nfc;
	size_t i, h;
	int upper;

	(void)state;
	assert_true(NELEM(names) >= 60);
	for (i = 0; i < NELEM(names); i++) {
		disp_nfc = name_display(names[i].name);
		for (h = 0; h < NELEM(hows); h++) {
			for (upper = 0; upper < 2; upper++) {
				sp = respell(names[i].name, hows[h], upper);
				if (name_check(sp, 128, err, sizeof(err)) != 0)
					fail_msg("%s: %s", names[i].name, err);
				assert_int_equal(name_fold_ascii(sp, folded,
				    sizeof(folded)), 0);
				if (strcmp(folded, names[i].folded) != 0)
					fail_msg("%s (spelling %zu/%d): folded "
					    "'%s', want '%s'", names[i].name, h,
					    upper, folded, names[i].folded);
				if (address_local_from_name(NULL, sp, local,
				    sizeof(local), err, sizeof(err)) != 0)
					fail_msg("%s: %s", names[i].name, err);
				if (strcmp(local, names[i].local) != 0)
					fail_msg("%s (spelling %zu/%d): local "
					    "'%s', want '%s'", names[i].name, h,
					    upper, local, names[i].local);
				/* Display form does not depend on spelling
				 * or case. */
				disp = name_display(sp);
				assert_string_equal(disp, disp_nfc);
				free(disp);
				free(sp);
			}
		}
		free(disp_nfc);
	}
}

static void
expect_display(const char *in, const char *want)
{
	char *got = name_display(in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_display(void **state)
{
	(void)state;
	expect_display("NGUYỄN văn AN", "Nguyễn Văn An");
	expect_display("nguyễn văn an", "Nguyễn Văn An");
	expect_display("NGUYE\u0302\u0303N VA\u0306N AN", "Nguyễn Văn An");
	expect_display("Tra\u0302\u0300n Thi\u0323 Ngo\u0323c Ha\u0302n",
	    "Trần Thị Ngọc Hân");
	expect_display("  trần   thị \t ngọc  hân  ", "Trần Thị Ngọc Hân");
	expect_display("\u00a0Lê\u00a0\u00a0Na\u00a0", "Lê Na");
	/* Vietnamese upper/lower pairs, toned and not. */
	expect_display("ĐẶNG THÁI SƠN", "Đặng Thái Sơn");
	expect_display("đặng thái sơn", "Đặng Thái Sơn");
	expect_display("HỒ XUÂN HƯƠNG", "Hồ Xuân Hương");
	expect_display("ưng ăn ân ên ôn ơn", "Ưng Ăn Ân Ên Ôn Ơn");
	expect_display("ỨNG ẰN ẬN ỂN ỖN ỢN ỬU", "Ứng Ằn Ận Ển Ỗn Ợn Ửu");
	expect_display("ỄN", "Ễn");
	expect_display("lÝ tHƯỜNG kIỆT", "Lý Thường Kiệt");
	/* Eth typed for Đ in HR data. */
	expect_display("NGUYỄN KIM ÐÀO", "Nguyễn Kim Đào");
	expect_display("nguyễn kim ðào", "Nguyễn Kim Đào");
	/* Hyphen, apostrophe and period start a new word. */
	expect_display("nguyễn-trần an", "Nguyễn-Trần An");
	expect_display("h'hen niê", "H'Hen Niê");
	expect_display("KSOR H\u2019LUÂN", "Ksor H\u2019Luân");
	expect_display("nguyễn v. an", "Nguyễn V. An");
	/* Already fine: unchanged. */
	expect_display("Nguyễn Văn An", "Nguyễn Văn An");
	expect_display("", "");
	expect_display("   ", "");
	/* Garbage in, harmless out. */
	expect_display("a\x01" "b", "A B");
	expect_display("nguy\xd7n", "Nguy\ufffdN");
}

static void
expect_fold(const char *in, const char *want)
{
	char out[256];

	assert_int_equal(name_fold_ascii(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void
test_fold(void **state)
{
	char out[8];

	(void)state;
	expect_fold("  Nguyễn   Văn  An  ", "nguyen van an");
	expect_fold("Nguyễn-Trần Thị An", "nguyen tran thi an");
	expect_fold("O'Brien", "o brien");
	expect_fold("H\u2019Hen Niê", "h hen nie");
	expect_fold("Nguyễn V. An", "nguyen v an");
	expect_fold("Nguyễn - An", "nguyen an");
	expect_fold("\u00a0Lê\u00a0Na", "le na");
	expect_fold("ĐĐđđÐð", "dddddd");
	/* Latin-1 / Extended-A letters to their base letters. */
	expect_fold("Ærøskøbing", "aeroskobing");
	expect_fold("Straße", "strasse");
	expect_fold("Łódź", "lodz");
	expect_fold("Çelik Şahin Dvořák Þór", "celik sahin dvorak thor");
	expect_fold("Œuvre", "oeuvre");
	/* Other characters vanish; digits stay. */
	expect_fold("An (2)", "an 2");
	expect_fold("Ω An", "an");
	expect_fold("\u0301\u0301", "");
	expect_fold("", "");

	/* Output too small. */
	assert_int_equal(name_fold_ascii("Nguyễn Văn An", out, sizeof(out)),
	    -1);
	assert_string_equal(out, "");
	assert_int_equal(name_fold_ascii("Nguyễn", out, 7), 0);
	assert_string_equal(out, "nguyen");
	assert_int_equal(name_fold_ascii("Nguyễn", out, 6), -1);
	assert_int_equal(name_fold_ascii("An", out, 0), -1);
}

static void
test_split(void **state)
{
	struct name_parts np;

	(void)state;
	assert_int_equal(name_split("tran thi ngoc han", &np), 0);
	assert_string_equal(np.surname, "tran");
	assert_int_equal(np.nmiddle, 2);
	assert_string_equal(np.middle[0], "thi");
	assert_string_equal(np.middle[1], "ngoc");
	assert_string_equal(np.given, "han");

	assert_int_equal(name_split("le na", &np), 0);
	assert_string_equal(np.surname, "le");
	assert_int_equal(np.nmiddle, 0);
	assert_string_equal(np.given, "na");

	assert_int_equal(name_split("an", &np), 0);
	assert_string_equal(np.surname, "");
	assert_int_equal(np.nmiddle, 0);
	assert_string_equal(np.given, "an");

	assert_int_equal(name_split("  le   na ", &np), 0);
	assert_string_equal(np.surname, "le");
	assert_string_equal(np.given, "na");

	/* Ten words fit (surname + 8 middle + given); eleven do not. */
	assert_int_equal(name_split("a b c d e f g h i j", &np), 0);
	assert_string_equal(np.surname, "a");
	assert_int_equal(np.nmiddle, 8);
	assert_string_equal(np.middle[7], "i");
	assert_string_equal(np.given, "j");
	assert_int_equal(name_split("a b c d e f g h i j k", &np), -1);

	assert_int_equal(name_split("", &np), -1);
	assert_int_equal(name_split("   ", &np), -1);
	assert_int_equal(name_split("Le Na", &np), -1);		/* not folded */
	assert_int_equal(name_split("le-na", &np), -1);
	/* 63 letters fit a word, 64 do not. */
	assert_int_equal(name_split("le "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    &np), 0);
	assert_int_equal(strlen(np.given), 63);
	assert_int_equal(name_split("le "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    &np), -1);
}

static void
expect_check_ok(const char *name)
{
	char err[256] = "";

	if (name_check(name, 128, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", name, err);
}

static void
expect_check_err(const char *name, size_t max, const char *want)
{
	char err[256] = "";

	assert_int_equal(name_check(name, max, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void
test_check(void **state)
{
	char big[301 * 2 + 1], err[8];
	size_t i;

	(void)state;
	expect_check_ok("Nguyễn Văn An");
	expect_check_ok("Nguye\u0302\u0303n Va\u0306n An");
	expect_check_ok("  Lê   Na ");
	expect_check_ok("Nguyễn-Trần Thị An");
	expect_check_ok("H'Hen Niê");
	expect_check_ok("H\u2019Hen Niê");
	expect_check_ok("Nguyễn V. An");
	expect_check_ok("An");
	expect_check_ok("Nguyễn Kim Ðào");
	expect_check_ok("Dvořák Ærøskøbing");

	expect_check_err("", 128, "name is empty");
	expect_check_err(NULL, 128, "name is empty");
	expect_check_err("   ", 128, "name is empty");
	expect_check_err("Nguyễn\tVăn An", 128,
	    "name contains a control character at position 7");
	expect_check_err("Nguyễn Văn An\n", 128,
	    "name contains a control character at position 14");
	expect_check_err("\x1b[31mAn", 128,
	    "name contains a control character at position 1");
	expect_check_err("An\u200b", 128,
	    "name contains a control character at position 3");
	expect_check_err("An\u202eAn", 128,
	    "name contains a control character at position 3");
	/* Positions count characters: NFD gives the same position. */
	expect_check_err("Nguye\u0302\u0303n\x7fVa\u0306n", 128,
	    "name contains a control character at position 7");
	/* Legacy encodings: TCVN3 "Nguyễn", VNI-Windows bytes. */
	expect_check_err("Nguy\xd7n V\xb8n An", 128,
	    "name is not valid UTF-8 at byte 4 (legacy TCVN3/VNI encoding?)");
	expect_check_err("Le\xe2 Na", 128,
	    "name is not valid UTF-8 at byte 2 (legacy TCVN3/VNI encoding?)");
	expect_check_err("\xc0\xae", 128,
	    "name is not valid UTF-8 at byte 0 (legacy TCVN3/VNI encoding?)");
	expect_check_err("- . '", 128, "name contains no letters");
	expect_check_err("Nguyễn 2", 128,
	    "name contains a character that is not allowed at position 8 "
	    "(U+0032)");
	expect_check_err("An@gov", 128,
	    "name contains a character that is not allowed at position 3 "
	    "(U+0040)");
	expect_check_err("x*)(uid=*", 128,
	    "name contains a character that is not allowed at position 2 "
	    "(U+002A)");
	expect_check_err("Ωmega", 128,
	    "name contains a character that is not allowed at position 1 "
	    "(U+03A9)");
	expect_check_err("\u0301An", 128,
	    "name contains an accent mark without a letter at position 1");
	expect_check_err("An \u0301", 128,
	    "name contains an accent mark without a letter at position 4");
	expect_check_err("Za\u0301\u0302\u0303\u0309", 128,
	    "name has too many accent marks on one letter at position 2");

	/* Length counts characters, not bytes. */
	memset(big, 'a', 300);
	big[300] = '\0';
	expect_check_err(big, 128, "name is longer than 128 characters");
	for (i = 0; i < 128; i++)
		memcpy(big + 3 * i, "ễ", 3);
	big[3 * 128] = '\0';
	expect_check_ok(big);				/* 384 bytes */
	expect_check_err(big, 127, "name is longer than 127 characters");

	/* A short buffer truncates the message; NULL err is allowed. */
	assert_int_equal(name_check("", 128, err, sizeof(err)), -1);
	assert_string_equal(err, "name is");
	assert_int_equal(name_check("", 128, NULL, 0), -1);
}

static void
expect_local(const char *name, const char *want)
{
	char err[256] = "", out[ADDRESS_LOCAL_MAX + 1];

	if (address_local_from_name(NULL, name, out, sizeof(out), err,
	    sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", name, err);
	assert_string_equal(out, want);
}

static void
expect_local_err(const char *name, const char *want)
{
	char err[256] = "", out[ADDRESS_LOCAL_MAX + 1];

	assert_int_equal(address_local_from_name(NULL, name, out, sizeof(out),
	    err, sizeof(err)), -1);
	assert_string_equal(out, "");
	assert_string_equal(err, want);
}

static void
test_local_edge_cases(void **state)
{
	char big[301];

	(void)state;
	expect_local("   Nguyễn    Văn   An   ", "annv");
	expect_local("NGUYỄN VĂN AN", "annv");
	expect_local("Nguyễn-Trần Thị An", "anntt");
	expect_local("An", "an");
	expect_local("Nguyễn", "nguyen");
	expect_local("Nguyễn V. An", "annv");
	/* Ten words are fine, eleven are not. */
	expect_local("Nguyễn Thị Lan Anh Mai Hoa Thu Hà Ngọc Bích",
	    "bichntlamhthn");
	expect_local_err("Nguyễn Thị Lan Anh Mai Hoa Thu Hà Ngọc Bích Vân",
	    "name has more than 10 words");
	expect_local_err("", "name is empty");
	expect_local_err("Nguyễn\x01 An",
	    "name contains a control character at position 7");
	expect_local_err("Nguy\xd7n",
	    "name is not valid UTF-8 at byte 4 (legacy TCVN3/VNI encoding?)");
	memset(big, 'a', 300);
	big[300] = '\0';
	expect_local_err(big, "name is longer than 128 characters");
	/* 128 characters pass name_check but make a 64-letter word. */
	memset(big, 'a', 64);
	memcpy(big + 64, " b", 3);
	expect_local_err(big, "name has a word longer than 63 letters");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_respell_sanity),
		cmocka_unit_test(test_name_table),
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_local_edge_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
