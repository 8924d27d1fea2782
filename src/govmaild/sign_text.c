/*
 * sign_text.c — the catalog of signature reasons in English and
 * Vietnamese, and their forms for replies and headers (see sign_text.h).
 *
 * Why the English text is the key rather than an id passed along: the
 * reasons are made in many places (OpenSSL's verdicts, the PDF locator,
 * the revision analysis in a child process whose answer crosses a pipe as
 * text), nested in one another ("modified after signing: page 1 content
 * replaced after the signature of ..."), and kept in fixed-size result
 * structures; carrying an id and its arguments through all of that would
 * change every one of them, while the text is already there. A reason
 * added without an entry still works: it is shown in English.
 * The catalog is checked mechanically by test_sign_text (ids unique, the
 * same conversions in the same order in both languages, every Vietnamese
 * text valid UTF-8).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sign_text.h"
#include "utf8.h"

/* More specific patterns first: the first entry that matches is taken;
 * the generic suffixes ("%r (issuing CA: %s)") come last.
 * A new reason: its English exactly as the code writes it, each printf
 * conversion written %s (a name, a file, any text copied as it is: %s,
 * %.80s), %d (%d, %zu, %lld) or %r (a text that is a reason of the
 * catalog itself), and the Vietnamese with the same conversions in the
 * same order; test_sign_text checks both and that no earlier entry
 * takes its place. */
const struct sign_text_entry sign_text_catalog[] = {
	/* the document as a whole (sign_check.c) */
	{ "doc.unsigned", "not signed", "tài liệu không có chữ ký số" },
	{ "doc.modified_after", "modified after signing: %r after the signature of %s",
	  "tài liệu đã bị sửa đổi sau khi ký: %r sau chữ ký của %s" },
	{ "doc.changes_unchecked", "changes after the signature of %s cannot be checked (%r)",
	  "không kiểm tra được các thay đổi sau chữ ký của %s (%r)" },
	{ "doc.bytes_appended", "modified after signing (bytes added after the last signature)",
	  "tài liệu đã bị sửa đổi sau khi ký (có dữ liệu được thêm vào sau chữ ký cuối cùng)" },
	{ "doc.signed_by_other", "signed by %s, not by the sender",
	  "tài liệu do %s ký, không phải người gửi" },
	{ "doc.no_sender", "no signature of the sender", "không có chữ ký của người gửi" },
	{ "doc.no_org_agency", "no signature of the organisation (%s)",
	  "không có chữ ký của cơ quan (%s)" },
	{ "doc.no_org", "no signature of the organisation", "không có chữ ký của cơ quan" },
	{ "doc.warn_crl_stale", "revocation list out of date",
	  "danh sách chứng thư số bị thu hồi đã quá hạn" },
	{ "doc.warn_crl_missing", "no revocation list for an issuer",
	  "thiếu danh sách chứng thư số bị thu hồi của một tổ chức cấp chứng thư" },
	{ "doc.too_large", "document too large or unreadable to check",
	  "tài liệu quá lớn hoặc không đọc được để kiểm tra" },
	{ "p7s.too_large", "detached signature too large or unreadable to check",
	  "chữ ký rời quá lớn hoặc không đọc được để kiểm tra" },
	{ "p7s.orphan", "detached signature without the document it signs",
	  "chữ ký rời không kèm tài liệu được ký" },
	{ "label.smime", "S/MIME signature", "chữ ký S/MIME" },
	{ "label.unnamed", "(unnamed)", "(không tên)" },
	/* the message (sign_check.c, mime_tree.c) */
	{ "msg.too_many_docs", "too many documents to check", "quá nhiều tài liệu cần kiểm tra" },
	{ "msg.cpu", "the signature checks took more than %d ms of CPU",
	  "việc kiểm tra chữ ký đã dùng quá %d ms thời gian CPU" },
	{ "msg.too_many_smime", "too many S/MIME signatures", "quá nhiều chữ ký S/MIME" },
	{ "msg.smime_content", "S/MIME content: %r", "nội dung S/MIME: %r" },
	{ "msg.mime_too_deep", "MIME structure too large or too deep to check",
	  "cấu trúc MIME quá lớn hoặc lồng quá sâu để kiểm tra" },
	{ "mime.too_many_parts", "too many MIME parts", "thư có quá nhiều phần MIME" },
	{ "mime.unparsable", "MIME structure cannot be parsed", "không phân tích được cấu trúc MIME" },
	{ "mime.cannot_start", "cannot start the check", "không bắt đầu được việc kiểm tra" },
	{ "smime.sig_unreadable", "S/MIME signature not readable", "không đọc được chữ ký S/MIME" },
	{ "smime.msg_unreadable", "S/MIME message not readable", "không đọc được thư S/MIME" },
	/* the replies around a reason (policy.c) */
	{ "reply.tempfail_doc", "%s: cannot check the signature now (%r), try again later",
	  "%s: hiện chưa kiểm tra được chữ ký (%r), đề nghị gửi lại sau" },
	{ "reply.tempfail", "signatures cannot be checked now (%r), try again later",
	  "hiện chưa kiểm tra được chữ ký (%r), đề nghị gửi lại sau" },
	{ "reply.unchecked", "Message refused: signatures cannot be checked (%r)",
	  "Thư bị từ chối: không kiểm tra được chữ ký (%r)" },
	/* one signature (sign_verify.c) */
	{ "sig.broken", "signature does not verify (modified after signing)",
	  "chữ ký không hợp lệ (tài liệu đã bị sửa đổi sau khi ký)" },
	{ "sig.unreadable", "signature is not readable", "không đọc được chữ ký" },
	{ "sig.value_unreadable", "signature value is not readable", "không đọc được giá trị chữ ký" },
	{ "sig.too_many", "too many signatures", "quá nhiều chữ ký" },
	{ "sig.no_content", "detached signature without its content",
	  "chữ ký rời không kèm nội dung được ký" },
	{ "sig.cert_missing",
	  "signer certificate not included and not among the configured intermediates",
	  "chữ ký không kèm chứng thư số của người ký và chứng thư này không có trong "
	  "danh sách CA trung gian được cấu hình" },
	{ "sig.empty", "signature has no content", "chữ ký không có nội dung" },
	{ "sig.no_signer", "signature has no signer", "chữ ký không có người ký" },
	{ "sig.not_cms", "signature is not a readable CMS SignedData",
	  "chữ ký không phải là dữ liệu CMS SignedData đọc được" },
	{ "sig.digest", "cannot compute a digest", "không tính được giá trị băm" },
	/* the signer's certificate (sign_verify.c) */
	{ "cert.expired", "certificate expired", "chứng thư số đã hết hạn" },
	{ "cert.not_yet_valid", "certificate not yet valid", "chứng thư số chưa có hiệu lực" },
	{ "cert.revoked", "certificate revoked", "chứng thư số đã bị thu hồi" },
	{ "cert.untrusted", "certificate not issued by a trusted CA",
	  "chứng thư số không do tổ chức cung cấp dịch vụ chứng thực tin cậy cấp" },
	{ "cert.invalid", "certificate not valid (%s)", "chứng thư số không hợp lệ (%s)" },
	{ "cert.key_usage", "certificate key usage does not allow signing",
	  "mục đích sử dụng khóa của chứng thư số không cho phép ký" },
	{ "cert.ext_key_usage", "certificate extended key usage does not allow signing",
	  "mục đích sử dụng khóa mở rộng của chứng thư số không cho phép ký" },
	{ "cert.uncheckable", "cannot check the certificate", "không kiểm tra được chứng thư số" },
	{ "crl.missing", "no revocation list for the issuer",
	  "không có danh sách chứng thư số bị thu hồi của tổ chức cấp chứng thư" },
	{ "crl.stale", "revocation list is out of date",
	  "danh sách chứng thư số bị thu hồi đã quá hạn" },
	{ "crl.unreadable", "revocation list unreadable",
	  "không đọc được danh sách chứng thư số bị thu hồi" },
	{ "crl.uncheckable", "revocation cannot be checked",
	  "không kiểm tra được tình trạng thu hồi của chứng thư số" },
	/* where a PDF's signature is (sign_pdf.c) */
	{ "pdf.range_start", "ByteRange does not start at the beginning of the file",
	  "ByteRange không bắt đầu từ đầu tệp" },
	{ "pdf.range_end", "ByteRange goes beyond the end of the file",
	  "ByteRange vượt quá cuối tệp" },
	{ "pdf.range_order", "ByteRange ranges overlap or are out of order",
	  "các đoạn của ByteRange chồng lên nhau hoặc sai thứ tự" },
	{ "pdf.gap_other", "ByteRange gap is another signature's value",
	  "khoảng trống của ByteRange là giá trị của một chữ ký khác" },
	{ "pdf.gap", "ByteRange gap is not exactly the signature value",
	  "khoảng trống của ByteRange không đúng bằng giá trị chữ ký" },
	{ "pdf.range_overlap", "ByteRange overlaps what another signature covers",
	  "ByteRange chồng lên phần do một chữ ký khác bao phủ" },
	{ "pdf.range_malformed", "ByteRange is malformed", "ByteRange sai định dạng" },
	/* what changed after a signature (sign_pdfrev.c, sign_pdfrev_child.c) */
	{ "rev.annots_changed", "annotations changed on page %d",
	  "các chú thích trên trang %d bị thay đổi" },
	{ "rev.annots_reordered", "annotations reordered on page %d",
	  "thứ tự các chú thích trên trang %d bị thay đổi" },
	{ "rev.annot_added", "annotation added on page %d", "thêm chú thích vào trang %d" },
	{ "rev.field_added_page", "form field added on page %d", "thêm trường biểu mẫu vào trang %d" },
	{ "rev.annot_removed", "annotation removed from page %d", "xóa chú thích khỏi trang %d" },
	{ "rev.annot_changed", "annotation changed on page %d", "chú thích trên trang %d bị thay đổi" },
	{ "rev.page_added", "page added", "thêm trang" },
	{ "rev.pages_added", "%d pages added", "thêm %d trang" },
	{ "rev.page_removed", "page removed", "xóa trang" },
	{ "rev.pages_removed", "%d pages removed", "xóa %d trang" },
	{ "rev.page_replaced", "page %d replaced", "trang %d bị thay thế" },
	{ "rev.content_replaced", "page %d content replaced", "nội dung trang %d bị thay thế" },
	{ "rev.page_changed_keys", "page %d changed (%s)", "trang %d bị thay đổi (%s)" },
	{ "rev.page_changed", "page %d changed", "trang %d bị thay đổi" },
	{ "rev.form_removed", "form removed", "biểu mẫu bị xóa" },
	{ "rev.form_changed_keys", "form changed (%s)", "biểu mẫu bị thay đổi (%s)" },
	{ "rev.form_changed", "form changed", "biểu mẫu bị thay đổi" },
	{ "rev.field_removed", "form field '%s' removed", "xóa trường biểu mẫu '%s'" },
	{ "rev.field_added", "form field '%s' added", "thêm trường biểu mẫu '%s'" },
	{ "rev.field_changed", "form field '%s' changed", "trường biểu mẫu '%s' bị thay đổi" },
	{ "rev.sigfield_changed", "signature field '%s' changed", "trường chữ ký '%s' bị thay đổi" },
	{ "rev.sig_added", "signature added", "thêm chữ ký" },
	{ "rev.sigdict_replaced", "signature dictionary replaced", "từ điển chữ ký bị thay thế" },
	{ "rev.encryption", "encryption changed", "cơ chế mã hóa bị thay đổi" },
	{ "rev.info", "document information changed", "thông tin tài liệu bị thay đổi" },
	{ "rev.metadata", "document metadata changed", "siêu dữ liệu của tài liệu bị thay đổi" },
	{ "rev.page_tree", "page tree changed", "cây trang bị thay đổi" },
	{ "rev.certification", "certification changed", "chứng nhận tài liệu bị thay đổi" },
	{ "rev.catalog", "document catalog changed (%s)",
	  "danh mục gốc của tài liệu bị thay đổi (%s)" },
	{ "rev.object_deleted", "object %d deleted", "đối tượng %d bị xóa" },
	{ "rev.object_added", "object %d added", "thêm đối tượng %d" },
	{ "rev.object_changed", "object %d changed", "đối tượng %d bị thay đổi" },
	{ "rev.unreadable_why", "not readable (%s)", "không đọc được (%s)" },
	{ "rev.unreadable", "not readable", "không đọc được" },
	{ "rev.damaged_why", "damaged (%s)", "tệp bị hỏng (%s)" },
	{ "rev.damaged", "damaged", "tệp bị hỏng" },
	{ "rev.no_catalog", "no document catalog", "không có danh mục gốc của tài liệu" },
	{ "rev.too_complex", "too complex to check", "quá phức tạp để kiểm tra" },
	{ "rev.too_costly", "too costly to check", "quá tốn tài nguyên để kiểm tra" },
	{ "rev.too_large", "too large to check", "quá lớn để kiểm tra" },
	{ "rev.too_many_sigs", "too many signatures to check", "quá nhiều chữ ký cần kiểm tra" },
	{ "rev.field_locks", "too many field locks to check",
	  "quá nhiều khóa trường biểu mẫu để kiểm tra" },
	{ "rev.fields_deep", "form fields nested too deeply to check",
	  "các trường biểu mẫu lồng quá sâu để kiểm tra" },
	{ "rev.tree_not_tree", "page tree is not a tree", "cây trang không phải là một cây" },
	{ "rev.tree_deep", "page tree too deep to check", "cây trang quá sâu để kiểm tra" },
	{ "rev.nested_deep", "nested too deeply to check", "lồng quá sâu để kiểm tra" },
	{ "rev.no_pipe", "not checked (no pipe)", "chưa được kiểm tra (không tạo được đường ống)" },
	{ "rev.no_fork", "not checked (cannot fork)",
	  "chưa được kiểm tra (không tạo được tiến trình)" },
	{ "rev.died", "not checked (the analysis died: signal %d)",
	  "chưa được kiểm tra (tiến trình phân tích bị dừng: tín hiệu %d)" },
	/* algorithms and keys (sign_algo.c) */
	{ "algo.sha1_digest", "SHA-1 digest not accepted (signature.allow_sha1 = false)",
	  "thuật toán băm SHA-1 không được chấp nhận (signature.allow_sha1 = false)" },
	{ "algo.sha1_sigdigest", "SHA-1 signature digest not accepted (signature.allow_sha1 = false)",
	  "thuật toán băm SHA-1 trong thuật toán chữ ký không được chấp nhận "
	  "(signature.allow_sha1 = false)" },
	{ "algo.sha1_signer_cert",
	  "SHA-1 digest in the signer certificate not accepted (signature.allow_sha1 = false)",
	  "thuật toán băm SHA-1 trong chứng thư số của người ký không được chấp nhận "
	  "(signature.allow_sha1 = false)" },
	{ "algo.sha1_ca_cert",
	  "SHA-1 digest in the CA \"%s\" certificate not accepted (signature.allow_sha1 = false)",
	  "thuật toán băm SHA-1 trong chứng thư số của CA \"%s\" không được chấp nhận "
	  "(signature.allow_sha1 = false)" },
	{ "algo.signer_cert_digest", "digest in the signer certificate %s not accepted",
	  "thuật toán băm %s trong chứng thư số của người ký không được chấp nhận" },
	{ "algo.ca_cert_digest", "digest in the CA \"%s\" certificate %s not accepted",
	  "chứng thư số của CA \"%s\" dùng thuật toán băm %s, không được chấp nhận" },
	{ "algo.sigdigest", "signature digest %s not accepted",
	  "thuật toán băm %s trong thuật toán chữ ký không được chấp nhận" },
	{ "algo.digest", "digest %s not accepted", "thuật toán băm %s không được chấp nhận" },
	{ "algo.signer_key_unreadable", "signer key not readable",
	  "không đọc được khóa của người ký" },
	{ "algo.ca_key_unreadable", "CA \"%s\" key not readable", "không đọc được khóa của CA \"%s\"" },
	{ "algo.signer_rsa", "signer RSA key of %d bits (at least %d required)",
	  "khóa RSA của người ký dài %d bit (yêu cầu tối thiểu %d bit)" },
	{ "algo.ca_rsa", "CA \"%s\" RSA key of %d bits (at least %d required)",
	  "khóa RSA của CA \"%s\" dài %d bit (yêu cầu tối thiểu %d bit)" },
	{ "algo.signer_ec", "signer EC key of %d bits (at least %d, P-256, required)",
	  "khóa EC của người ký dài %d bit (yêu cầu tối thiểu %d bit, P-256)" },
	{ "algo.ca_ec", "CA \"%s\" EC key of %d bits (at least %d, P-256, required)",
	  "khóa EC của CA \"%s\" dài %d bit (yêu cầu tối thiểu %d bit, P-256)" },
	{ "algo.signer_key_type", "signer key type %s not accepted (RSA or ECDSA required)",
	  "loại khóa %s của người ký không được chấp nhận (yêu cầu RSA hoặc ECDSA)" },
	{ "algo.ca_key_type", "CA \"%s\" key type %s not accepted (RSA or ECDSA required)",
	  "khóa của CA \"%s\" thuộc loại %s, không được chấp nhận (yêu cầu RSA hoặc ECDSA)" },
	{ "algo.unreadable", "signature algorithms not readable",
	  "không đọc được thuật toán chữ ký" },
	{ "algo.pss_unreadable", "RSA-PSS parameters not readable",
	  "không đọc được tham số RSA-PSS" },
	/* signing-certificate attributes (sign_ess.c) */
	{ "ess.pades_without_v2",
	  "PAdES signature (ETSI.CAdES.detached) without the signing-certificate-v2 attribute",
	  "chữ ký PAdES (ETSI.CAdES.detached) thiếu thuộc tính signing-certificate-v2" },
	{ "ess.unknown_hash", "%s attribute: unknown hash algorithm",
	  "thuộc tính %s: thuật toán băm không xác định" },
	{ "ess.cannot_hash", "%s attribute: cannot hash the certificate",
	  "thuộc tính %s: không tính được giá trị băm của chứng thư số" },
	{ "ess.other_cert", "%s attribute names another certificate than the signer's",
	  "thuộc tính %s chỉ tới một chứng thư số khác với chứng thư số của người ký" },
	{ "ess.other_issuer",
	  "%s attribute names another issuer or serial number than the signer's certificate",
	  "thuộc tính %s chỉ tới tổ chức cấp hoặc số hiệu khác với chứng thư số của người ký" },
	{ "ess.malformed", "%s attribute is malformed", "thuộc tính %s sai định dạng" },
	/* the PDF signature's format (sign_subfilter.c) */
	{ "subfilter.obsolete", "obsolete signature format %s (SHA-1)",
	  "định dạng chữ ký %s (SHA-1) đã lỗi thời, không được chấp nhận" },
	{ "subfilter.unreadable", "signature dictionary with an unreadable or repeated SubFilter",
	  "từ điển chữ ký có SubFilter không đọc được hoặc bị lặp" },
	{ "subfilter.unsupported", "unsupported signature format %s",
	  "định dạng chữ ký %s không được hỗ trợ" },
	/* RFC 3161 timestamps (sign_tsp.c, sign_verify.c) */
	{ "ts.expired_at", "certificate expired at the timestamp",
	  "chứng thư số đã hết hạn tại thời điểm của dấu thời gian" },
	{ "ts.not_yet_valid_at", "certificate not yet valid at the timestamp",
	  "chứng thư số chưa có hiệu lực tại thời điểm của dấu thời gian" },
	{ "ts.revoked_before", "certificate revoked before the timestamp",
	  "chứng thư số đã bị thu hồi trước thời điểm của dấu thời gian" },
	{ "ts.revoked_after", "certificate revoked after the timestamp",
	  "chứng thư số bị thu hồi sau thời điểm của dấu thời gian" },
	{ "ts.ignored", "timestamp ignored: %r", "bỏ qua dấu thời gian: %r" },
	{ "ts.no_imprint", "timestamp has no message imprint",
	  "dấu thời gian không có giá trị băm của dữ liệu được gắn dấu" },
	{ "ts.digest_unknown", "timestamp digest algorithm unknown",
	  "thuật toán băm của dấu thời gian không xác định" },
	{ "ts.cannot_digest", "cannot compute the timestamp's digest",
	  "không tính được giá trị băm cho dấu thời gian" },
	{ "ts.other_imprint", "timestamp is not over this signature (message imprint differs)",
	  "dấu thời gian không được cấp cho chữ ký này (giá trị băm khác)" },
	{ "ts.untrusted", "timestamp authority not trusted (%s)",
	  "tổ chức cung cấp dịch vụ cấp dấu thời gian không được tin cậy (%s)" },
	{ "ts.sig_broken", "timestamp signature does not verify",
	  "chữ ký của dấu thời gian không hợp lệ" },
	{ "ts.unreadable_why", "timestamp not readable (%s)", "không đọc được dấu thời gian (%s)" },
	{ "ts.not_token", "timestamp is not a readable RFC 3161 token",
	  "dấu thời gian không phải là dữ liệu RFC 3161 đọc được" },
	{ "ts.version", "timestamp version is not 1", "phiên bản dấu thời gian không phải là 1" },
	{ "ts.time_unreadable", "timestamp time not readable",
	  "không đọc được thời điểm của dấu thời gian" },
	{ "ts.no_anchors", "no timestamp authority trusted (signature.tsa_anchors)",
	  "chưa cấu hình tổ chức cấp dấu thời gian tin cậy (signature.tsa_anchors)" },
	{ "ts.future", "timestamp is in the future", "dấu thời gian có thời điểm trong tương lai" },
	{ "ts.attr_not_token", "timestamp attribute is not a token",
	  "thuộc tính dấu thời gian không chứa dữ liệu dấu thời gian" },
	{ "ts.warn_stale", "revocation list out of date; %r",
	  "danh sách chứng thư số bị thu hồi đã quá hạn; %r" },
	{ "ts.warn_missing", "no revocation list for an issuer; %r",
	  "thiếu danh sách chứng thư số bị thu hồi của một tổ chức cấp chứng thư; %r" },
	/* revocation by OCSP (sign_ocsp.c, sign_verify.c) */
	{ "ocsp.unknown", "certificate unknown to its OCSP responder",
	  "chứng thư số không được máy chủ OCSP của tổ chức cấp chứng thư nhận biết" },
	{ "ocsp.unavailable_ca", "revocation status unavailable (issuing CA: %s): %s",
	  "không xác định được tình trạng thu hồi (chứng thư số của CA: %s): %s" },
	{ "ocsp.unavailable_why", "revocation status unavailable: %s",
	  "không xác định được tình trạng thu hồi của chứng thư số: %s" },
	{ "ocsp.unavailable", "revocation status unavailable",
	  "không xác định được tình trạng thu hồi của chứng thư số" },
	{ "ocsp.warn_ts", "revocation status unavailable; %r",
	  "không xác định được tình trạng thu hồi của chứng thư số; %r" },
	/* suffixes that qualify another reason */
	{ "ocsp.suffix", "%r (OCSP)", "%r (theo OCSP)" },
	{ "ts.ignored_suffix", "%r (timestamp ignored: %r)", "%r (bỏ qua dấu thời gian: %r)" },
	{ "cert.issuing_ca", "%r (issuing CA: %s)", "%r (chứng thư số của CA: %s)" },
	{ "rev.locked", "%r (locked by a signature)", "%r (đã bị một chữ ký khóa)" },
	{ "rev.certified_p1", "%r (the certification allows no changes)",
	  "%r (chứng nhận tài liệu không cho phép thay đổi)" },
};

const size_t sign_text_ncatalog = sizeof(sign_text_catalog) / sizeof(sign_text_catalog[0]);

#define ST_MAX_ARGS 4
#define ST_MAX_DEPTH 4      /* %r within %r ... */
#define ST_MAX_TEXT 512     /* longer reasons are not looked up */

struct st_arg {
	const char *p;
	size_t n;
	char conv;               /* 's', 'd' or 'r' */
};

int
sign_lang_parse(const char *s)
{
	if (strcmp(s, "en") == 0)
		return SIGN_LANG_EN;
	if (strcmp(s, "vi") == 0)
		return SIGN_LANG_VI;
	return -1;
}

/* Does pattern pat match all of s? The number of arguments (in a), or
 * -1. An argument is at least one character; %d, all the digits there
 * are. The shortest argument that lets the rest match is taken. */
static int
st_match(const char *pat, const char *s, struct st_arg *a, int na)
{
	size_t k, max;
	int r;

	while (*pat != '\0') {
		if (pat[0] == '%' && pat[1] == '%') {
			if (*s != '%')
				return -1;
			pat += 2;
			s++;
			continue;
		}
		if (pat[0] != '%') {
			if (*pat != *s)
				return -1;
			pat++;
			s++;
			continue;
		}
		if (na == ST_MAX_ARGS)
			return -1;
		a[na].p = s;
		a[na].conv = pat[1];
		if (pat[1] == 'd') {
			for (k = 0; isdigit((unsigned char)s[k]); k++)
				;
			if (k == 0)
				return -1;
			a[na].n = k;
			return st_match(pat + 2, s + k, a, na + 1);
		}
		max = strlen(s);
		for (k = 1; k <= max; k++) {
			a[na].n = k;
			if ((r = st_match(pat + 2, s + k, a, na + 1)) >= 0)
				return r;
		}
		return -1;
	}
	return *s == '\0' ? na : -1;
}

static const struct sign_text_entry *
st_lookup(const char *en, struct st_arg *a, int *na)
{
	size_t i;

	if (strlen(en) > ST_MAX_TEXT)
		return NULL;
	for (i = 0; i < sign_text_ncatalog; i++)
		if ((*na = st_match(sign_text_catalog[i].en, en, a, 0)) >= 0)
			return &sign_text_catalog[i];
	return NULL;
}

const struct sign_text_entry *
sign_text_lookup(const char *en)
{
	struct st_arg a[ST_MAX_ARGS];
	int na;

	return st_lookup(en, a, &na);
}

/* Output into a fixed buffer; what does not fit is dropped, then the
 * text is cut back to a whole UTF-8 character. */
struct st_out {
	char *buf;
	size_t len, o;
	int full;
};

static void
st_put(struct st_out *w, const char *s, size_t n)
{
	if (w->full || w->len == 0)
		return;
	if (w->o + n + 1 > w->len) {
		n = w->len - 1 - w->o;
		w->full = 1;
	}
	memcpy(w->buf + w->o, s, n);
	w->o += n;
	w->buf[w->o] = '\0';
}

static void
st_finish(struct st_out *w)
{
	size_t start = w->o;

	if (w->len == 0)
		return;
	w->buf[w->o] = '\0';
	if (!w->full)
		return;
	/* back to the start of the last character, and drop it if cut */
	while (start > 0 && ((unsigned char)w->buf[start - 1] & 0xC0) == 0x80)
		start--;
	if (start > 0 && (unsigned char)w->buf[start - 1] >= 0x80) {
		uint32_t cp;

		if (utf8_seq((const unsigned char *)w->buf + start - 1, w->o - (start - 1), &cp) == 0)
			w->o = start - 1;
	}
	w->buf[w->o] = '\0';
}

static int
st_translate(const char *en, enum sign_lang lang, int depth, struct st_out *w)
{
	const struct sign_text_entry *e;
	struct st_arg a[ST_MAX_ARGS];
	const char *p;
	char sub[ST_MAX_TEXT + 1];
	int na = 0, i = 0;

	if (lang == SIGN_LANG_EN || depth > ST_MAX_DEPTH || (e = st_lookup(en, a, &na)) == NULL) {
		st_put(w, en, strlen(en));
		return 0;
	}
	for (p = e->vi; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == '%') {
			st_put(w, "%", 1);
			p++;
		} else if (p[0] == '%' && p[1] != '\0') {
			if (i < na && a[i].conv == 'r') {
				snprintf(sub, sizeof(sub), "%.*s", (int)a[i].n, a[i].p);
				(void)st_translate(sub, lang, depth + 1, w);
			} else if (i < na)
				st_put(w, a[i].p, a[i].n);
			i++;
			p++;
		} else
			st_put(w, p, 1);
	}
	return 1;
}

int
sign_text_translate(const char *en, enum sign_lang lang, char *out, size_t len)
{
	struct st_out w = { out, len, 0, 0 };
	int r;

	if (len > 0)
		out[0] = '\0';
	r = st_translate(en, lang, 0, &w);
	st_finish(&w);
	return r;
}

void
sign_text_ascii(const char *utf8, char *out, size_t len)
{
	const char *p = utf8, *end = utf8 + strlen(utf8);
	size_t o = 0;

	if (len == 0)
		return;
	while (p < end && o + 1 < len) {
		uint32_t cp;
		const char *a;

		if (utf8_decode(&p, end, &cp) != 0) {
			out[o++] = '?';
			continue;
		}
		if (cp >= 0x20 && cp < 0x7F) {
			out[o++] = (char)cp;
			continue;
		}
		if (cp < 0x80 || utf8_combining_class(cp) != 0 || (cp >= 0x300 && cp <= 0x36F))
			continue;            /* controls; marks of a decomposed letter */
		if ((a = utf8_latin_ascii(cp)) == NULL || a[0] == '\0') {
			out[o++] = '?';
			continue;
		}
		/* utf8_latin_ascii is lower case: "Đ" gives "D" */
		out[o++] = utf8_latin_lower(cp) != cp ? (char)toupper((unsigned char)*a) : *a;
		for (a++; *a != '\0' && o + 1 < len; a++)
			out[o++] = *a;
	}
	out[o] = '\0';
}

void
sign_text_clean(const char *in, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, k;
	uint32_t cp;

	if (len == 0)
		return;
	while (*p != '\0') {
		if ((k = utf8_seq(p, strlen((const char *)p), &cp)) == 0 || cp < 0x20 ||
		    (cp >= 0x7F && cp < 0xA0)) {
			p += k ? k : 1;
			continue;
		}
		if (o + k >= len)
			break;
		memcpy(out + o, p, k);
		o += k;
		p += k;
	}
	out[o] = '\0';
}

void
sign_text_reply(const char *en, enum sign_lang lang, char *out, size_t len)
{
	char t[ST_MAX_TEXT * 2];

	(void)sign_text_translate(en, lang, t, sizeof(t));
	sign_text_ascii(t, out, len);
}

/* ---- header parameters ------------------------------------------------------ */

#define ST_LINE 78

/* Bytes since the last CRLF of buf[0..n). */
static size_t
st_col(const char *buf, size_t n)
{
	size_t i = n;

	while (i > 0 && buf[i - 1] != '\n')
		i--;
	return n - i;
}

static int
st_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* RFC 2231 attribute-char: kept as it is in an extended value. */
static int
st_attr_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL);
}

/* "name=" and the quoted value, folded at spaces. */
static size_t
st_param_quoted(char *buf, size_t len, size_t n, const char *name, const char *v)
{
	const char *p = v;
	int r;

	r = snprintf(buf + n, len - n, "%s=\"", name);
	if (r < 0 || (size_t)r >= len - n)
		return len;
	n += (size_t)r;
	while (*p != '\0') {
		size_t wl = 0, esc = 0, i;
		const char *word = p;

		if (*p == ' ')
			word = ++p;
		while (p[wl] != '\0' && p[wl] != ' ') {
			esc += p[wl] == '"' || p[wl] == '\\';
			wl++;
		}
		/* +2: the closing quote and the ';' that may follow */
		if (word != v) {
			if (st_col(buf, n) + 1 + wl + esc + 2 > ST_LINE && st_col(buf, n) > 1) {
				if (n + 3 >= len)
					return len;
				memcpy(buf + n, "\r\n ", 3);
				n += 3;
			} else {
				if (n + 1 >= len)
					return len;
				buf[n++] = ' ';
			}
		}
		for (i = 0; i < wl; i++) {
			unsigned char c = (unsigned char)word[i];

			if (c < 0x20 || c == 0x7F)
				continue;
			if (n + 3 >= len)
				return len;
			if (c == '"' || c == '\\')
				buf[n++] = '\\';
			buf[n++] = (char)c;
		}
		p = word + wl;
	}
	if (n + 2 >= len)
		return len;
	buf[n++] = '"';
	buf[n] = '\0';
	return n;
}

/* name*=utf-8''... or, when longer than a line, name*0*=utf-8''...;
 * name*1*=... (RFC 2231 sections 3 and 4), cut between characters. */
static size_t
st_param_2231(char *buf, size_t len, size_t n, const char *name, const char *v)
{
	char enc[ST_MAX_TEXT * 3 + 1];
	size_t cut[ST_MAX_TEXT + 1];     /* where each character starts in enc */
	size_t e = 0, nc = 0, i, start, sect, room;
	const unsigned char *p = (const unsigned char *)v;
	int r;

	while (*p != '\0' && e + 13 < sizeof(enc) && nc < ST_MAX_TEXT) {
		uint32_t cp;
		size_t k = utf8_seq(p, strlen((const char *)p), &cp);

		if (k == 0 || (k == 1 && (*p < 0x20 || *p == 0x7F))) {
			p++;                 /* not UTF-8, or a control: dropped */
			continue;
		}
		cut[nc++] = e;
		for (i = 0; i < k; i++)
			if (st_attr_char(p[i]))
				enc[e++] = (char)p[i];
			else
				e += (size_t)snprintf(enc + e, 4, "%%%02X", p[i]);
		p += k;
	}
	enc[e] = '\0';
	cut[nc] = e;
	/* one line: "\tname*=utf-8''" + enc + ";" */
	if (1 + strlen(name) + 9 + e + 1 <= ST_LINE) {
		r = snprintf(buf + n, len - n, "%s*=utf-8''%s", name, enc);
		return r < 0 || (size_t)r >= len - n ? len : n + (size_t)r;
	}
	for (sect = 0, start = 0, i = 0; start < e; sect++) {
		size_t end;

		if (sect > 0) {
			r = snprintf(buf + n, len - n, ";\r\n\t");
			if (r < 0 || (size_t)r >= len - n)
				return len;
			n += (size_t)r;
		}
		r = snprintf(buf + n, len - n, "%s*%zu*=%s", name, sect, sect == 0 ? "utf-8''" : "");
		if (r < 0 || (size_t)r >= len - n)
			return len;
		n += (size_t)r;
		room = ST_LINE - 2 - (size_t)r;     /* the tab before, the ';' after */
		/* whole characters while they fit (at least one) */
		while (i < nc && cut[i + 1] - start <= room)
			i++;
		if (cut[i] == start && i < nc)
			i++;
		end = cut[i];
		if (end - start >= len - n)
			return len;
		memcpy(buf + n, enc + start, end - start);
		n += end - start;
		buf[n] = '\0';
		start = end;
	}
	return n;
}

size_t
sign_text_param(char *buf, size_t len, size_t n, const char *name, const char *value,
    int ascii)
{
	char folded[ST_MAX_TEXT + 1];
	int r;

	if (n >= len)
		return len;
	r = snprintf(buf + n, len - n, ";\r\n\t");
	if (r < 0 || (size_t)r >= len - n)
		return len;
	n += (size_t)r;
	if (ascii) {
		sign_text_ascii(value, folded, sizeof(folded));
		value = folded;
	}
	if (st_ascii(value))
		return st_param_quoted(buf, len, n, name, value);
	return st_param_2231(buf, len, n, name, value);
}
