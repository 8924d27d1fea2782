#!/usr/bin/env bash
# test_smtp_sign.sh — signed official documents through the running govmaild
# to the capturing sink, with a test PKI and samples made now by
# scripts/test-pki (openssl, and pdfsig as the PDF signer). Policy: internal
# require-person-and-org, outbound require-signed, inbound verify.
#   - govmaild -s agrees with the oracles (pdfsig, openssl cms -verify) on
#     every sample, except where it judges what changed after a signature
#     (stricter: content, page or annotation added, certification broken;
#     more lenient: validation data after the last signature), which is
#     stated sample by sample;
#   - person+org PDF passes with the result header; the page content
#     replaced between them, or a certification allowing no change: refused
#     naming the person; a form field filled between them: passes; person-only refused
#     internally and passed outbound; tampered, appended, expired, revoked,
#     untrusted, wrong key usage, signer not the sender: refused with the
#     reason; unsigned: refused outbound, tagged "none" inbound;
#   - organisation by a certificate registered with govmailctl, then by
#     signature.agency_org_names after a SIGHUP;
#   - S/MIME detached and opaque, valid and tampered; .p7s pairs;
#   - a forged result header is removed;
#   - the CRL file replaced while running (unreadable: 451; stale: refused;
#     good again: passes), picked up on SIGHUP;
#   - every certificate of the chain checked against its issuer's CRL (a
#     revoked intermediate CA), crl_missing, the extended key usage;
#   - govmaild -s exit codes and a lone .p7s; checks beyond max_cpu_time
#     stopped with on_error (550 or 451), logged.
. "$(dirname "$0")/../lib.sh"

P=$T/pki
export PKI_PERSON_EMAIL=annv@haugiang.gov.vn PKI_OTHER_EMAIL=binhtt@haugiang.gov.vn
check "test PKI and signed samples (scripts/test-pki)" t_test_pki "$P"

# --- govmaild -s against the oracles --------------------------------------------
# sconf FILE [KEYS]: a configuration for govmaild -s with the test PKI's
# trust store (every CA's CRL), and more signature keys.
sconf() { t_sign_conf "$1" "$P" "${2:-}"; }
sconf "$T/s.conf"
# result of govmaild -s for a file's first document: pass, fail or none
verdict() { "$GOVMAILD" -c "$T/s.conf" -s "$1" | head -1 | sed -n 's/.* result=\([a-z]*\) .*/\1/p'; }
oracle() { awk -F'\t' -v s="$1" -v t="$2" '$1 == s && $2 == t { print $3 }' "$P/oracle.tsv"; }
# Where govmaild and pdfsig differ, by design. pdfsig checks each signature
# over its byte range and calls the file whole when the last one reaches its
# end; govmaild also judges what the updates after each signature changed
# (sign_pdfrev.c): a signature counts only for the revision it signs.
# Stricter than pdfsig where an update changed the page, added a page or an
# annotation, filled a reference the signed revision left dangling, or added a
# signature a certification (DocMDP P=1) forbids; more lenient where the bytes
# after the last signature are an update PDF allows (here /DSS validation
# data), which pdfsig only calls "not total document signed".
AN="Nguyen Van An <annv@haugiang\.gov\.vn>"
declare -A differ=(
	[pdf/person-forged-org.pdf]="fail:modified after signing: page 1 content replaced after the signature of $AN"
	[pdf/os-person-forged-org.pdf]="fail:modified after signing: page 1 content replaced after the signature of $AN"
	[pdf/person-page-org.pdf]="fail:modified after signing: page added after the signature of $AN"
	[pdf/person-annot-org.pdf]="fail:modified after signing: annotation added on page 1 after the signature of $AN"
	[pdf/person-dangling-org.pdf]="fail:modified after signing: page 1 content replaced after the signature of $AN"
	[pdf/certified-p1-org.pdf]="fail:modified after signing: signature added \(the certification allows no changes\) after the signature of $AN"
	[pdf/person-org-dss.pdf]="pass:"
)
for f in "$P"/pdf/*.pdf; do
	s=pdf/$(basename "$f")
	o=$(oracle "$s" pdfsig)
	[ -n "$o" ] || continue     # the benchmark's inputs have no oracle line
	case "$(awk -F'\t' -v s="$s" '$1 == s && $2 == "pdfsig" { print $4 }' "$P/oracle.tsv")" in
	nsigs=0*) want=none ;;
	*) [ "$o" = valid ] && want=pass || want=fail ;;
	esac
	line=$("$GOVMAILD" -c "$T/s.conf" -s "$f" | head -1)
	if [ -n "${differ[$s]:-}" ]; then
		d=${differ[$s]}
		expect_re "$s: govmaild says ${d%%:*} where pdfsig says $o (what changed after a signature)" \
			"$line" " result=${d%%:*} .* reason=\"${d#*:}\"\$"
	else
		expect_eq "$s: govmaild agrees with pdfsig ($o)" "$want" \
			"$(printf '%s\n' "$line" | sed -n 's/.* result=\([a-z]*\) .*/\1/p')"
	fi
	# and signature by signature on integrity: pdfsig's digest-mismatch is
	# govmaild's broken (the signatures of a file share one digest pass)
	want=$(awk -F'\t' -v s="$s" '$1 == s && $2 == "pdfsig" {
		n = split($4, f, ";"); out = ""
		for (i = 1; i <= n; i++) if (f[i] ~ /^sig[0-9]+=/) {
			split(f[i], v, "[=,]"); out = out (out == "" ? "" : ",") (v[2] == "digest-mismatch" ? "B" : "ok")
		}
		print out }' "$P/oracle.tsv")
	got=$(printf '%s\n' "$line" | awk '{
		if (!match($0, / sigs=[a-z,-]+ /)) exit
		n = split(substr($0, RSTART + 6, RLENGTH - 7), v, ","); out = ""
		for (i = 1; i <= n; i++) if (v[i] != "-") out = out (out == "" ? "" : ",") (v[i] == "broken" ? "B" : "ok")
		print out }')
	expect_eq "$s: each signature's integrity as pdfsig says" "$want" "$got"
done
expect_re "update-tampered.pdf: the person's signature verifies, the organisation's does not" \
	"$("$GOVMAILD" -c "$T/s.conf" -s "$P/pdf/update-tampered.pdf")" ' sigs=valid,broken '
expect_re "person-forged-org.pdf: the person's signature is the one modified after" \
	"$("$GOVMAILD" -c "$T/s.conf" -s "$P/pdf/person-forged-org.pdf")" " sigs=modified,valid signer=\"$AN\" "
expect_re "person-fill-org.pdf: a form field filled between the signatures is allowed" \
	"$("$GOVMAILD" -c "$T/s.conf" -s "$P/pdf/person-fill-org.pdf")" ' result=pass meets=yes sigs=valid,valid '
expect_re "certified-p2-org.pdf: a certification allowing signatures, then one" \
	"$("$GOVMAILD" -c "$T/s.conf" -s "$P/pdf/certified-p2-org.pdf")" ' result=pass meets=yes sigs=valid,valid '
# An update of 5 million numbers appended to a genuinely signed PDF (in the
# document information, so the analysis reads it): qpdf would take about
# 1.3 GB for it. Its tokens are counted before qpdf reads anything
# (sign_pdfcost.c), so the signature is not credited, "updates too large
# to check", and govmaild's peak memory stays bounded (the analysis's
# child also has an address-space limit, sign_pdfrev_child.c, for what
# the count lets through; test_sign_update_cost.sh has more).
python3 - "$P/pdf/person.pdf" "$T/bomb.pdf" <<'PY'
import re, sys
src = open(sys.argv[1], "rb").read()
root = re.findall(rb"/Root\s+(\d+\s+\d+)\s+R", src)[-1]
size = int(re.findall(rb"/Size\s+(\d+)", src)[-1])
prev = int(re.findall(rb"startxref\s+(\d+)", src)[-1])
out = bytearray(src if src.endswith(b"\n") else src + b"\n")
off = len(out)
out += b"%d 0 obj\n<< /Producer (x) /X [" % size + b"0 " * 5000000 + b"] >>\nendobj\n"
x = len(out)
out += (b"xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %s R /Info %d 0 R /Prev %d >>\n"
        b"startxref\n%d\n%%%%EOF\n") % (size, off, size + 1, root, size, prev, x)
open(sys.argv[2], "wb").write(out)
PY
/usr/bin/time -f '%M' -o "$T/bomb.kb" "$TOP/bin/govmaild" -c "$T/s.conf" -s "$T/bomb.pdf" >"$T/bomb.out" 2>&1
expect_re "5 million numbers after a signature: the signature is not credited" \
	"$(head -1 "$T/bomb.out")" ' result=fail .*sigs=unchecked .*reason=".*cannot be checked \(updates too large to check\)"'
kb=$(tail -1 "$T/bomb.kb")
if [ "${kb:-999999999}" -lt 600000 ]; then ok "... and govmaild's peak memory stays bounded (${kb} KB < 600 MB)"; else
	not_ok "... and govmaild's peak memory stays bounded (${kb:-?} KB, wanted < 600 MB)"; fi
expect_re "person-org.pdf under require-person-and-org: both cover the same content" \
	"$("$GOVMAILD" -c "$T/s.conf" -s -r require-person-and-org -S annv@haugiang.gov.vn "$P/pdf/person-org.pdf")" \
	' result=pass meets=yes '
expect_re "person-forged-org.pdf under require-person-and-org: the person's signature does not count" \
	"$("$GOVMAILD" -c "$T/s.conf" -s -r require-person-and-org -S annv@haugiang.gov.vn "$P/pdf/person-forged-org.pdf")" \
	' result=fail meets=no sigs=modified,valid '

# S/MIME: openssl cms -verify with the CRL, purpose smimesign (key usage checked)
for f in "$P"/smime/*.eml; do
	if openssl cms -verify -in "$f" -CAfile "$P/ca/store-crl.pem" -crl_check_all \
		-purpose smimesign -out /dev/null >/dev/null 2>&1; then want=pass; else want=fail; fi
	got=$("$GOVMAILD" -c "$T/s.conf" -s "$f" | grep 'file="S/MIME signature"' |
		sed -n 's/.* result=\([a-z]*\) .*/\1/p')
	expect_eq "smime/$(basename "$f"): govmaild agrees with openssl cms -verify" "$want" "$got"
done

# --- revocation of the whole chain, extended key usage, govmaild -s ---------------
# sreason CONF FILE: reason="..." of govmaild -s for the file's first document
sreason() { "$GOVMAILD" -c "$1" -s "$2" | head -1 | sed -n 's/.* reason="\(.*\)"$/\1/p'; }
for f in pdf/subrevoked.pdf smime/subrevoked.eml; do
	expect_eq "$f: signed under a revoked intermediate CA: refused naming it" \
		"$(sreason "$T/s.conf" "$P/$f")" "certificate revoked (issuing CA: Test CA bi thu hoi)"
done
expect_match "... pdfsig and openssl agree (revoked)" "$(grep -P '^pdf/subrevoked.pdf\t(pdfsig|openssl-cms-crl)\t' "$P/oracle.tsv")" \
	'(?s)\tinvalid\t.*revoked.*\n.*\tinvalid\t.*revoked'
# without the root's CRL, under each crl_missing
for m in fail warn leaf-only; do
	sconf "$T/nocrlroot-$m.conf" "crl_missing = \"$m\";"
	sed -i 's|"[^"]*/crl-root.pem", ||' "$T/nocrlroot-$m.conf"
done
expect_eq "no CRL for the root (crl_missing = fail): the intermediate cannot be checked" \
	"$(sreason "$T/nocrlroot-fail.conf" "$P/pdf/person.pdf")" \
	"no revocation list for the issuer (issuing CA: Test CA ky so chuyen dung Chinh phu)"
expect_match "crl_missing = warn: accepted with the warning" \
	"$("$GOVMAILD" -c "$T/nocrlroot-warn.conf" -s "$P/pdf/person.pdf")" \
	'result=pass .*reason="no revocation list for an issuer"'
expect_match "crl_missing = leaf-only: intermediates are not checked for revocation" \
	"$("$GOVMAILD" -c "$T/nocrlroot-leaf-only.conf" -s "$P/pdf/subrevoked.pdf")" 'result=pass '
for f in pdf/ekuclient.pdf smime/ekuclient.eml; do
	expect_eq "$f: extended key usage clientAuth only: refused" "$(sreason "$T/s.conf" "$P/$f")" \
		"certificate extended key usage does not allow signing"
done
expect_match "... openssl (purpose smimesign) and pdfsig refuse it too" \
	"$(grep -P '^pdf/ekuclient.pdf\t(pdfsig|openssl-cms-crl-smimesign)\t' "$P/oracle.tsv" | cut -f3 | sort -u)" '^invalid$'
sconf "$T/anyeku.conf" 'extended_key_usage = "any";'
expect_match "extended_key_usage = any: accepted" \
	"$("$GOVMAILD" -c "$T/anyeku.conf" -s "$P/pdf/ekuclient.pdf")" 'result=pass '
check_rc "govmaild -s: exit 0 when every document passes" 0 "$GOVMAILD" -c "$T/s.conf" -s "$P/pdf/person-org.pdf"
check_rc "govmaild -s: exit 1 when a document fails" 1 "$GOVMAILD" -c "$T/s.conf" -s "$P/pdf/tampered.pdf"
check_rc "govmaild -s: a lone .p7s: exit 1" 1 "$GOVMAILD" -c "$T/s.conf" -s "$P/p7s/doc.pdf.p7s"
expect_match "... and a line saying its document is missing" "$(cat "$T/last.out")" \
	'file="doc\.pdf\.p7s" result=fail .*reason="detached signature without the document it signs"'
sconf "$T/cpu.conf" 'max_cpu_time = 1;'
check_rc "max_cpu_time = 1 ms, a 10 MB signed PDF: exit 1" 1 \
	"$GOVMAILD" -c "$T/cpu.conf" -s "$P/pdf/person-org-10m.pdf"
expect_match "... the checks stopped, saying why" "$(cat "$T/last.out")" \
	'problem="the signature checks took more than 1 ms of CPU"'

# --- the directory and the daemon ------------------------------------------------
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
check "domain" $G domain add haugiang.gov.vn
check "agencies" $G agency load "$DATA/agencies.csv"
check "annv (snv)" $G account add --name "Nguyễn Văn An" --agency snv
check "binhtt (snv)" $G account add --name "Trần Thị Bình" --agency snv
PORT=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
cp "$P/ca/crl.pem" "$T/crl.pem"
write_conf() {
	cat >"$T/d.conf" <<CONF
ldap = {
  uri = "$LDAPI_URI";
  bind_dn = "$LDAP_DAEMON_DN";
  bind_password_file = "$LDAP_DAEMON_PWFILE";
  base_dn = "$LDAP_BASE";
};
smtpd = {
  relay_listen = ["127.0.0.1:$PORT"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  max_errors = 100;
};
next_hop = { port = $NH; };
policy = { relay_domains = []; cache_ttl = ${2:-0}; };
signature = {
  internal = "${3:-require-person-and-org}";
  outbound = "require-signed";
  inbound = "verify";
  agency_org_names = [$1];
  trust_anchors = "$P/ca/root.pem";
  intermediates = "$P/ca/intermediates.pem";
  crl_files = ["$T/crl.pem", "$P/ca/crl-root.pem", "$P/ca/crl-int2.pem"];
  crl_check_interval = 3600;
  language = "en";   # the English reasons; in Vietnamese: test_sign_vi.sh
  ${4:-}
};
CONF
}
write_conf ""
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PORT" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# mkmsg OUT FROM FILE... : a message with the files attached (base64)
mkmsg() {
	python3 - "$@" <<'PY'
import base64, os, sys
out, frm, files = sys.argv[1], sys.argv[2], sys.argv[3:]
m = (b"From: <" + frm.encode() + b">\r\nTo: <binhtt@haugiang.gov.vn>\r\n"
     b"X-Govmail-Signature: \"forged.pdf\"; result=pass\r\n"
     b"Subject: Quyet dinh\r\nMIME-Version: 1.0\r\n"
     b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
     b"--b1\r\nContent-Type: text/plain\r\n\r\nKinh gui.\r\n")
for f in files:
    name = os.path.basename(f).encode()
    ct = b"application/pkcs7-signature" if name.endswith(b".p7s") else b"application/pdf"
    data = base64.encodebytes(open(f, "rb").read()).replace(b"\n", b"\r\n")
    m += (b"--b1\r\nContent-Type: " + ct + b"; name=\"" + name + b"\"\r\n"
          b"Content-Disposition: attachment; filename=\"" + name + b"\"\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\n" + data)
m += b"--b1--\r\n"
open(out, "wb").write(m)
PY
}
# send FILE FROM RCPT: the reply to the end of data
send() {
	smtp_lines "$PORT" --data "$1" "EHLO client.test" "MAIL FROM:<$2>" "RCPT TO:<$3>" DATA |
		tail -n 1
}
A=annv@haugiang.gov.vn
IN=binhtt@haugiang.gov.vn
OUT=friend@example.org
last() { cat "$(last_msg "$T/sink").eml"; }

mkmsg "$T/po.eml" "$A" "$P/pdf/person-org.pdf"
n0=$(count "$T/sink")
expect_re "person+org, organisation not registered yet: 550 5.7.1" "$(send "$T/po.eml" "$A" "$IN")" \
	'^550 5\.7\.1 person-org\.pdf: no signature of the organisation \(snv\)$'
check "the organisation certificate registered on agency snv" \
	$G agency cert add snv "$P/certs/org.pem"
expect_re "person+org, internal, require-person-and-org: 250" "$(send "$T/po.eml" "$A" "$IN")" \
	'^250 2\.0\.0 Ok: queued as'
expect_eq "... one message reached the sink" $((n0 + 1)) "$(count "$T/sink")"
expect_re "... with the result header: signer and organisation" "$(last)" \
	'^X-Govmail-Signature: "person-org\.pdf"; result=pass;\r
	signer="Nguyen Van An <annv@haugiang\.gov\.vn>";\r
	org="So Noi vu tinh Hau Giang"\r$'
expect_re "... and the forged header is gone" "$(last)" '\A(?![\s\S]*forged)'
expect_re "one log line per checked document" "$(cat "$T/d.log")" \
	'signature session=\S+ direction=internal requirement=require-person-and-org file="person-org\.pdf" result=pass'

# What changed between the person's and the organisation's signature.
n0=$(count "$T/sink")
mkmsg "$T/m.eml" "$A" "$P/pdf/person-forged-org.pdf"
expect_re "page content replaced between person and organisation: 550 5.7.7 naming the file and the person" \
	"$(send "$T/m.eml" "$A" "$IN")" \
	"^550 5\\.7\\.7 person-forged-org\\.pdf: modified after signing: page 1 content replaced after the signature of $AN\$"
mkmsg "$T/m.eml" "$A" "$P/pdf/certified-p1-org.pdf"
expect_re "a signature after a certification allowing no change: 550 5.7.7" "$(send "$T/m.eml" "$A" "$IN")" \
	"^550 5\\.7\\.7 certified-p1-org\\.pdf: modified after signing: signature added \\(the certification allows no changes\\) after the signature of $AN\$"
expect_eq "... nothing relayed" "$(count "$T/sink")" "$n0"
mkmsg "$T/m.eml" "$A" "$P/pdf/person-fill-org.pdf"
expect_re "a form field filled between person and organisation: 250" "$(send "$T/m.eml" "$A" "$IN")" '^250 '
expect_re "... with the result header: signer and organisation" "$(last)" \
	'^X-Govmail-Signature: "person-fill-org\.pdf"; result=pass;\r
	signer="Nguyen Van An <annv@haugiang\.gov\.vn>";\r
	org="So Noi vu tinh Hau Giang"\r$'
mkmsg "$T/m.eml" "$A" "$P/pdf/person-org-dss.pdf"
expect_re "validation data (/DSS) added after the last signature: 250" "$(send "$T/m.eml" "$A" "$IN")" '^250 '
mkmsg "$T/m.eml" someone@example.org "$P/pdf/person-page-org.pdf"
expect_re "page added after the person's signature, inbound, verify: relayed" \
	"$(send "$T/m.eml" someone@example.org "$A")" '^250 '
expect_re "... tagged fail, naming the person" "$(last)" \
	"^X-Govmail-Signature: \"person-page-org\\.pdf\"; result=fail;\\r
	signer=\"$AN\";\\r
	org=\"So Noi vu tinh Hau Giang\";\\r
	reason=\"modified after signing: page added after the signature of Nguyen\\r
 Van An <annv@haugiang\\.gov\\.vn>\"\\r\$"   # folded within 78 characters

n0=$(count "$T/sink")
refused() {   # refused NAME PATTERN [FROM RCPT]
	mkmsg "$T/m.eml" "${3:-$A}" "$P/pdf/$1"
	expect_re "$1: $2" "$(send "$T/m.eml" "${3:-$A}" "${4:-$IN}")" "^$2\$"
}
refused person.pdf '550 5\.7\.1 person\.pdf: no signature of the organisation \(snv\)'
refused tampered.pdf '550 5\.7\.7 tampered\.pdf: signature does not verify \(modified after signing\)'
refused appended.pdf '550 5\.7\.7 appended\.pdf: modified after signing \(bytes added after the last signature\)'
refused expired.pdf '550 5\.7\.1 expired\.pdf: certificate expired'
refused revoked.pdf '550 5\.7\.1 revoked\.pdf: certificate revoked'
refused untrusted.pdf '550 5\.7\.1 untrusted\.pdf: certificate not issued by a trusted CA'
refused badku.pdf '550 5\.7\.1 badku\.pdf: certificate key usage does not allow signing'
refused other.pdf '550 5\.7\.1 other\.pdf: signed by binhtt@haugiang\.gov\.vn, not by the sender'
refused unsigned.pdf '550 5\.7\.1 unsigned\.pdf: not signed' "$A" "$OUT"
refused tampered.pdf '550 5\.7\.7 tampered\.pdf: signature does not verify \(modified after signing\)' "$A" "$OUT"
expect_eq "nothing refused reached the sink" "$n0" "$(count "$T/sink")"

mkmsg "$T/m.eml" "$A" "$P/pdf/person.pdf"
expect_re "person only, outbound, require-signed: 250" "$(send "$T/m.eml" "$A" "$OUT")" '^250 '
expect_re "... tagged pass with the signer" "$(last)" \
	'^X-Govmail-Signature: "person\.pdf"; result=pass;\r
	signer="Nguyen Van An <annv@haugiang\.gov\.vn>"\r$'
mkmsg "$T/m.eml" someone@example.org "$P/pdf/unsigned.pdf"
expect_re "unsigned, inbound, verify: 250" "$(send "$T/m.eml" someone@example.org "$A")" '^250 '
expect_re "... tagged none" "$(last)" '^X-Govmail-Signature: "unsigned\.pdf"; result=none;\r
	reason="not signed"\r$'
mkmsg "$T/m.eml" someone@example.org "$P/pdf/tampered.pdf"
expect_re "tampered, inbound, verify: relayed" "$(send "$T/m.eml" someone@example.org "$A")" '^250 '
expect_re "... tagged fail with the reason" "$(last)" \
	'^X-Govmail-Signature: "tampered\.pdf"; result=fail;(.|\r\n\t)*reason="signature does not verify \(modified after signing\)"'

# --- S/MIME and .p7s (outbound: require-signed) ------------------------------------
for c in detached:250 opaque:250 detached-tampered:'550 5\.7\.7 S/MIME signature: signature does not verify' \
	opaque-tampered:'550 5\.7\.7 S/MIME signature: signature does not verify'; do
	f=${c%%:*}
	expect_re "S/MIME $f" "$(send "$P/smime/$f.eml" "$A" "$OUT")" "^${c#*:}"
done
expect_re "... the valid one is tagged" "$(cat "$(grep -l 'opaque' "$T"/sink/*.eml | tail -1)")" \
	'^X-Govmail-Signature: "S/MIME signature"; result=pass'
mkmsg "$T/m.eml" "$A" "$P/p7s/doc.pdf" "$P/p7s/doc.pdf.p7s"
expect_re ".p7s pair (X.pdf + X.pdf.p7s): 250" "$(send "$T/m.eml" "$A" "$OUT")" '^250 '
expect_re "... the organisation is named" "$(last)" \
	'^X-Govmail-Signature: "doc\.pdf"; result=pass;\r\n\torg="So Noi vu tinh Hau Giang"'
mkmsg "$T/m.eml" "$A" "$P/p7s/doc-tampered.pdf" "$P/p7s/doc-tampered.pdf.p7s"
expect_re ".p7s pair, document changed: 550 5.7.7" "$(send "$T/m.eml" "$A" "$OUT")" \
	'^550 5\.7\.7 doc-tampered\.pdf: signature does not verify'
cp "$P/p7s/doc.pdf.p7s" "$T/sig.p7s"
mkmsg "$T/m.eml" "$A" "$P/p7s/doc.pdf" "$T/sig.p7s"
expect_re ".p7s paired by content (another name): 250" "$(send "$T/m.eml" "$A" "$OUT")" '^250 '

# --- the organisation by name (SIGHUP), then CRLs replaced while running -----------------
check "registration removed" $G agency cert remove snv --all
write_conf '"snv=So Noi vu tinh Hau Giang"'
check "SIGHUP: signature.agency_org_names" hup_reload "$D" "$T/d.log"
expect_re "organisation by signature.agency_org_names after SIGHUP: 250" \
	"$(send "$T/po.eml" "$A" "$IN")" '^250 '
echo garbage >"$T/crl.pem"
check "SIGHUP: an unreadable CRL file" hup_reload "$D" "$T/d.log"
expect_re "CRL file unreadable: 451 4.7.5, the sender retries" "$(send "$T/po.eml" "$A" "$IN")" \
	'^451 4\.7\.5 person-org\.pdf: cannot check the signature now \(revocation list unreadable\)'
cp "$P/ca/crl-stale.pem" "$T/crl.pem"
check "SIGHUP: a CRL out of date" hup_reload "$D" "$T/d.log"
expect_re "CRL out of date (crl_stale = fail): 550" "$(send "$T/po.eml" "$A" "$IN")" \
	'^550 5\.7\.1 person-org\.pdf: revocation list is out of date'
cp "$P/ca/crl.pem" "$T/crl.pem"
check "SIGHUP: a good CRL again" hup_reload "$D" "$T/d.log"
expect_re "a good CRL again: 250" "$(send "$T/po.eml" "$A" "$IN")" '^250 '

# --- a message whose checks take more CPU than allowed ---------------------------------
mkmsg "$T/big.eml" "$A" "$P/pdf/person-org-10m.pdf"
write_conf '"snv=So Noi vu tinh Hau Giang"' 0 require-person-and-org 'max_cpu_time = 1;'
check "SIGHUP: max_cpu_time = 1 ms" hup_reload "$D" "$T/d.log"
n0=$(count "$T/sink")
expect_re "checks beyond max_cpu_time (on_error = reject): 550 5.7.1" "$(send "$T/big.eml" "$A" "$IN")" \
	'^550 5\.7\.1 Message refused: signatures cannot be checked \(the signature checks took more than 1 ms of CPU\)'
expect_re "... logged" "$(cat "$T/d.log")" \
	'signature session=\S+ direction=internal requirement=require-person-and-org problem="the signature checks took more than 1 ms of CPU"'
write_conf '"snv=So Noi vu tinh Hau Giang"' 0 require-person-and-org 'max_cpu_time = 1; on_error = "tempfail";'
check "SIGHUP: on_error = tempfail" hup_reload "$D" "$T/d.log"
expect_re "... on_error = tempfail: 451 4.7.5" "$(send "$T/big.eml" "$A" "$IN")" \
	'^451 4\.7\.5 signatures cannot be checked now \(the signature checks took more than 1 ms of CPU\), try again later'
expect_eq "... nothing relayed" "$(count "$T/sink")" "$n0"
write_conf '"snv=So Noi vu tinh Hau Giang"'
check "SIGHUP: max_cpu_time back to its default" hup_reload "$D" "$T/d.log"
expect_re "the same message within the default max_cpu_time: 250" "$(send "$T/big.eml" "$A" "$IN")" '^250 '

# --- the directory gone while the policy's answers are cached ------------------------
# The sender and recipient checks answer from the cache (policy.cache_ttl),
# and so does who may sign as the sender once asked. With no requirement
# for internal mail it is not asked at all.
write_conf '"snv=So Noi vu tinh Hau Giang"' 3600 off
check "SIGHUP: cache_ttl = 3600, internal requirement off" hup_reload "$D" "$T/d.log"
expect_re "policy cache warmed (cache_ttl = 3600), internal requirement off: 250" \
	"$(send "$T/po.eml" "$A" "$IN")" '^250 '
"$TOP/scripts/ldap-sandbox" stop "$T/ldap" >/dev/null 2>&1
n0=$(count "$T/sink")
expect_re "LDAP down, internal requirement off: 250 (the directory not asked)" \
	"$(send "$T/po.eml" "$A" "$IN")" '^250 '
expect_eq "... relayed" "$(count "$T/sink")" "$((n0 + 1))"
write_conf '"snv=So Noi vu tinh Hau Giang"' 3600
check "SIGHUP: internal requirement back on" hup_reload "$D" "$T/d.log"
expect_re "LDAP down, who signed not cached: 451 4.4.3, the sender retries" \
	"$(send "$T/po.eml" "$A" "$IN")" '^451 4\.4\.3 Directory temporarily unavailable'
expect_eq "... nothing relayed" "$(count "$T/sink")" "$((n0 + 1))"
"$TOP/scripts/ldap-sandbox" start "$T/ldap" >/dev/null 2>&1
# govmaild waits ldap.network_timeout after a failed connect: ask until the
# answer comes (T_HANG is a hang guard)
end=$((SECONDS + T_HANG))
while :; do
	out=$(send "$T/po.eml" "$A" "$IN")
	case "$out" in 250*) break ;; esac
	[ "$SECONDS" -lt "$end" ] || break
	sleep 0.5
done
expect_re "LDAP back: 250" "$out" '^250 '
"$TOP/scripts/ldap-sandbox" stop "$T/ldap" >/dev/null 2>&1
expect_re "LDAP down again, who signed cached: 250" "$(send "$T/po.eml" "$A" "$IN")" '^250 '
mkmsg "$T/p.eml" "$A" "$P/pdf/person.pdf"
expect_re "... the cached identity has the sender's agency (snv named in the refusal)" \
	"$(send "$T/p.eml" "$A" "$IN")" \
	'^550 5\.7\.1 person\.pdf: no signature of the organisation \(snv\)'
t_kill -TERM "$D"
wait "$D"
rc=$?
expect_eq "clean exit (no leaks under ASan)" "$rc" 0
[ "$rc" = 0 ] || grep -A40 -m1 'ERROR: \(Leak\|Address\)Sanitizer' "$T/d.log" | sed 's/^/#   /' >&2
