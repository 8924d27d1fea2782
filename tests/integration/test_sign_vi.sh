#!/usr/bin/env bash
# test_sign_vi.sh — the results of the signature rule in Vietnamese (issue
# 12), through the running govmaild to the capturing sink, with a test PKI
# whose person and organisation have Vietnamese names ("Nguyễn Văn An",
# "Sở Nội vụ tỉnh Hậu Giang"; scripts/test-pki):
#   - signature.language = vi (the default): refusals carry the reason in
#     Vietnamese without diacritics (replies are ASCII: no SMTPUTF8); the
#     relayed X-Govmail-Signature carries reason, signer and organisation
#     with their diacritics, RFC 2231-encoded, lines within 78 characters,
#     and Python's email package (an oracle we did not write) decodes them
#     back to the exact text; a reason within a reason (the change after a
#     signature, the signer's name) is translated as a whole;
#   - the log and govmaild -s keep the English reason;
#   - signature.ascii_fallback = true: the header without diacritics, quoted;
#   - signature.language = en: English reasons, names still with diacritics.
. "$(dirname "$0")/../lib.sh"

P=$T/pki
export PKI_PERSON_EMAIL=annv@haugiang.gov.vn PKI_OTHER_EMAIL=binhtt@haugiang.gov.vn
export PKI_PERSON_NAME="Nguyễn Văn An" PKI_ORG_NAME="Sở Nội vụ tỉnh Hậu Giang"
check "test PKI with Vietnamese names (scripts/test-pki)" "$TOP/scripts/test-pki" "$P"
AN="Nguyễn Văn An <annv@haugiang.gov.vn>"

# hdr EML [N]: the parameters of the message's N-th (default first)
# X-Govmail-Signature as Python's email package reads them, one
# "name=value" a line (RFC 2231 values decoded), after "lines-ok" when
# every line of the header is ASCII and within 78 characters.
hdr() {
	python3 - "$1" "${2:-0}" <<'PY'
import email, email.policy, email.utils, sys
raw = open(sys.argv[1], "rb").read()
head = raw.split(b"\r\n\r\n", 1)[0]
lines, grab = [], False
for l in head.split(b"\r\n"):
    if l[:1] in (b" ", b"\t"):
        if grab: lines.append(l)
        continue
    grab = l.lower().startswith(b"x-govmail-signature:")
    if grab: lines.append(l)
if lines and all(len(l) <= 78 and max(l) < 0x80 for l in lines):
    print("lines-ok")
msg = email.message_from_bytes(raw, policy=email.policy.default)
vals = msg.get_all("X-Govmail-Signature") or []
n = int(sys.argv[2])
if n < len(vals):
    # the header's parameters, as for Content-Type (get_params decodes
    # RFC 2231, sections joined); a new message carries just that header
    m = email.message.Message()
    m["X"] = str(vals[n])
    for k, v in m.get_params(header="X")[1:]:
        print("%s=%s" % (k, email.utils.collapse_rfc2231_value(v)))
PY
}
# param NAME: a parameter of the last hdr output
param() { printf '%s\n' "$H" | sed -n "s/^$1=//p"; }

# --- the directory and the daemon ------------------------------------------------
t_sign_directory
G=$GOVMAILCTL
PORT=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
# write_conf INBOUND [KEYS]: mail from outside to annv, the requirement
# INBOUND, more signature keys
write_conf() {
	t_relay_conf "$T/d.conf" "$PORT" "$NH" "max_errors = 100;"
	cat >>"$T/d.conf" <<CONF
signature = {
  inbound = "$1";
  trust_anchors = "$P/ca/root.pem";
  intermediates = "$P/ca/intermediates.pem";
  crl_files = ["$P/ca/crl.pem", "$P/ca/crl-root.pem", "$P/ca/crl-int2.pem"];
  crl_check_interval = 3600;
  ${2:-}
};
CONF
}
write_conf require-signed
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PORT" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# mkmsg OUT FILE: a message from outside with the file attached (base64)
mkmsg() {
	python3 - "$@" <<'PY'
import base64, os, sys
out, f = sys.argv[1], sys.argv[2]
name = os.path.basename(f).encode()
data = base64.encodebytes(open(f, "rb").read()).replace(b"\n", b"\r\n")
m = (b"From: <someone@example.org>\r\nTo: <annv@haugiang.gov.vn>\r\n"
     b"Subject: Cong van\r\nMIME-Version: 1.0\r\n"
     b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
     b"--b1\r\nContent-Type: text/plain\r\n\r\nKinh gui.\r\n"
     b"--b1\r\nContent-Type: application/pdf; name=\"" + name + b"\"\r\n"
     b"Content-Disposition: attachment; filename=\"" + name + b"\"\r\n"
     b"Content-Transfer-Encoding: base64\r\n\r\n" + data + b"--b1--\r\n")
open(out, "wb").write(m)
PY
}
# send NAME: the reply to the end of data for a message with pdf/NAME
send() {
	mkmsg "$T/m.eml" "$P/pdf/$1"
	smtp_lines "$PORT" --data "$T/m.eml" "EHLO client.test" "MAIL FROM:<someone@example.org>" \
		"RCPT TO:<annv@haugiang.gov.vn>" DATA | tail -n 1
}
last() { printf '%s.eml\n' "$(last_msg "$T/sink")"; }

# --- language = vi (the default), require-signed: refusals ------------------------
n0=$(count "$T/sink")
r=$(send revoked.pdf)
expect_eq "revoked: 550 5.7.1, the reason in Vietnamese without diacritics" "$r" \
	"550 5.7.1 revoked.pdf: chung thu so da bi thu hoi"
expect_re "... the reply is ASCII" "$r" '\A[\x20-\x7e]*\z'
expect_eq "tampered: 550 5.7.7" "$(send tampered.pdf)" \
	"550 5.7.7 tampered.pdf: chu ky khong hop le (tai lieu da bi sua doi sau khi ky)"
expect_eq "unsigned: 550 5.7.1" "$(send unsigned.pdf)" \
	"550 5.7.1 unsigned.pdf: tai lieu khong co chu ky so"
expect_eq "a page added after the signature: the change and the signer's name folded too" \
	"$(send person-page-org.pdf)" \
	"550 5.7.7 person-page-org.pdf: tai lieu da bi sua doi sau khi ky: them trang sau chu ky cua Nguyen Van An <annv@haugiang.gov.vn>"
expect_eq "... nothing refused was relayed" "$(count "$T/sink")" "$n0"
expect_re "the log keeps the English reason and the signer's diacritics" "$(cat "$T/d.log")" \
	'file="revoked\.pdf" result=fail .*signer="Nguyễn Văn An <annv@haugiang\.gov\.vn>" .*reason="certificate revoked"$'
t_sign_conf "$T/s.conf" "$P"
expect_re "govmaild -s keeps English" "$("$GOVMAILD" -c "$T/s.conf" -s "$P/pdf/revoked.pdf")" \
	' result=fail .*reason="certificate revoked"$'

# --- the header of what passes -------------------------------------------------------
expect_re "person-org: 250" "$(send person-org.pdf)" '^250 '
H=$(hdr "$(last)")
expect_eq "... X-Govmail-Signature lines ASCII, within 78 characters" "$(printf '%s\n' "$H" | head -1)" lines-ok
expect_eq "... result=pass" "$(param result)" pass
expect_eq "... the signer with diacritics (Python's email decodes RFC 2231)" "$(param signer)" "$AN"
expect_eq "... the organisation with diacritics" "$(param org)" "Sở Nội vụ tỉnh Hậu Giang"
expect_re "... encoded as RFC 2231 parameters" "$(cat "$(last)")" \
	"^\\tsigner\\*=utf-8''Nguy%E1%BB%85n%20V%C4%83n%20An%20%3Cannv%40haugiang\\.gov\\.vn%3E;\\r\$"

# --- verify: failures relayed, tagged with the Vietnamese reason ------------------------
write_conf verify
check "SIGHUP: inbound = verify" hup_reload "$D" "$T/d.log"
expect_re "revoked, verify: 250" "$(send revoked.pdf)" '^250 '
H=$(hdr "$(last)")
expect_eq "... header lines ASCII, within 78 characters" "$(printf '%s\n' "$H" | head -1)" lines-ok
expect_eq "... result=fail" "$(param result)" fail
expect_eq "... reason decodes to the Vietnamese with diacritics" "$(param reason)" \
	"chứng thư số đã bị thu hồi"
expect_eq "... signer with diacritics" "$(param signer)" "$AN"
expect_re "person-page-org, verify: 250" "$(send person-page-org.pdf)" '^250 '
H=$(hdr "$(last)")
expect_eq "... header lines ASCII, within 78 characters (RFC 2231 sections)" \
	"$(printf '%s\n' "$H" | head -1)" lines-ok
expect_eq "... a reason within a reason, decoded" "$(param reason)" \
	"tài liệu đã bị sửa đổi sau khi ký: thêm trang sau chữ ký của $AN"
expect_re "... in numbered sections" "$(cat "$(last)")" "^\\treason\\*0\\*=utf-8''t%C3%A0i%20li%E1%BB%87u"
expect_re "unsigned, verify: 250" "$(send unsigned.pdf)" '^250 '
H=$(hdr "$(last)")
expect_eq "... result=none" "$(param result)" none
expect_eq "... reason" "$(param reason)" "tài liệu không có chữ ký số"

# --- ascii_fallback ---------------------------------------------------------------------
write_conf verify 'ascii_fallback = true;'
check "SIGHUP: ascii_fallback = true" hup_reload "$D" "$T/d.log"
expect_re "revoked, ascii_fallback: 250" "$(send revoked.pdf)" '^250 '
expect_re "... the header without diacritics, quoted" "$(cat "$(last)")" \
	'^X-Govmail-Signature: "revoked\.pdf"; result=fail;\r
	signer="Nguyen Van An <annv@haugiang\.gov\.vn>";\r
	reason="chung thu so da bi thu hoi"\r$'
H=$(hdr "$(last)")
expect_eq "... Python reads the same" "$(param reason)" "chung thu so da bi thu hoi"
expect_re "person-org, ascii_fallback: 250" "$(send person-org.pdf)" '^250 '
expect_re "... signer and organisation without diacritics" "$(cat "$(last)")" \
	'^X-Govmail-Signature: "person-org\.pdf"; result=pass;\r
	signer="Nguyen Van An <annv@haugiang\.gov\.vn>";\r
	org="So Noi vu tinh Hau Giang"\r$'

# --- language = en ------------------------------------------------------------------------
write_conf require-signed 'language = "en";'
check "SIGHUP: language = en" hup_reload "$D" "$T/d.log"
expect_eq "revoked, en: the English reason" "$(send revoked.pdf)" \
	"550 5.7.1 revoked.pdf: certificate revoked"
write_conf verify 'language = "en";'
check "SIGHUP: language = en, verify" hup_reload "$D" "$T/d.log"
expect_re "revoked, en, verify: 250" "$(send revoked.pdf)" '^250 '
expect_re "... reason in English, quoted" "$(cat "$(last)")" '^\treason="certificate revoked"\r$'
H=$(hdr "$(last)")
expect_eq "... the signer keeps its diacritics" "$(param signer)" "$AN"

# --- a wrong setting ----------------------------------------------------------------------
write_conf verify 'language = "fr";'
check_rc "language = fr: refused by govmaild -t" 78 "$GOVMAILD" -t -c "$T/d.conf"
expect_re "... naming the file, line and key" "$(cat "$T/last.err" "$T/last.out")" \
	'd\.conf:[0-9]+: .*language.*must be vi or en'

t_kill -TERM "$D"
wait "$D"
rc=$?
expect_eq "clean exit (no leaks under ASan)" "$rc" 0
[ "$rc" = 0 ] || grep -A40 -m1 'ERROR: \(Leak\|Address\)Sanitizer' "$T/d.log" | sed 's/^/#   /' >&2
