#!/usr/bin/env bash
# test_sign_algo.sh — the algorithms, key sizes and PDF signature formats
# govmaild accepts (issue 12: Decree 23/2025, Circular 15/2025), with the
# samples scripts/test-pki makes in algo/ and its oracles (pdfsig; openssl
# cms -verify plain, with -auth_level 2, with -cades), through govmaild -s:
#   - SHA-1 (PDF and S/MIME) refused, and accepted with allow_sha1 = true;
#   - an RSA-1024 and a P-192 signer refused naming the size, accepted
#     when min_rsa_bits / min_ec_bits allow them; a P-256 and an RSA-PSS
#     signer pass; a CA of the chain under min_rsa_bits refused naming it;
#   - PAdES B-B (ETSI.CAdES.detached with signing-certificate-v2) passes;
#     without the attribute, or with one naming another certificate (same
#     key), refused; the same attribute checked in S/MIME;
#   - SubFilter adbe.pkcs7.sha1 and adbe.x509.rsa_sha1 refused as obsolete (also
#     in a dictionary written by pdfsig),
#     an unknown SubFilter as unsupported;
#   - through the running govmaild (outbound require-signed): PAdES passes,
#     SHA-1 and RSA-1024 get 550 5.7.1 with the reason, a signing-certificate
#     for another certificate 550 5.7.7.
# govmaild agrees with the oracles on every sample, or the line says why it
# is stricter.
. "$(dirname "$0")/../lib.sh"

P=$T/pki
export PKI_PERSON_EMAIL=annv@haugiang.gov.vn PKI_OTHER_EMAIL=binhtt@haugiang.gov.vn
check "test PKI and signed samples (scripts/test-pki)" t_test_pki "$P"
[ -f "$P/done" ] || { echo "Bail out! test-pki did not finish"; exit 1; }

# sconf FILE [KEYS]: govmaild -s configuration with the test PKI's trust store
sconf() { t_sign_conf "$1" "$P" "${2:-}"; }
sconf "$T/s.conf"
# first result line of govmaild -s for FILE under CONF (PDF: the document;
# S/MIME: the signature)
sline() { "$GOVMAILD" -c "$1" -s "$2" | grep -v 'file="S/MIME text' | head -1; }
# oracle SAMPLE TOOL: the oracle's verdict (valid, invalid)
oracle() { awk -F'\t' -v s="$1" -v t="$2" '$1 == s && $2 == t { print $3 }' "$P/oracle.tsv"; }

# sample -> "verdict|status|reason" of govmaild, and which oracles agree
# (TOOL=verdict ...) or where govmaild is stricter (why).
declare -A want=(
	[algo/sha1.pdf]='fail|weak|SHA-1 digest not accepted (signature.allow_sha1 = false)'
	[algo/sha1.eml]='fail|weak|SHA-1 digest not accepted (signature.allow_sha1 = false)'
	[algo/rsa1024.pdf]='fail|weak|signer RSA key of 1024 bits (at least 2048 required)'
	[algo/rsa1024.eml]='fail|weak|signer RSA key of 1024 bits (at least 2048 required)'
	[algo/ec192.pdf]='fail|weak|signer EC key of 192 bits (at least 256, P-256, required)'
	[algo/ec192.eml]='fail|weak|signer EC key of 192 bits (at least 256, P-256, required)'
	[algo/ec256.pdf]='pass|valid|'
	[algo/ec256.eml]='pass|valid|'
	[algo/rsapss.pdf]='pass|valid|'
	[algo/rsapss.eml]='pass|valid|'
	[algo/pades.pdf]='pass|valid|'
	[algo/cades.eml]='pass|valid|'
	[algo/pades-noess.pdf]='fail|malformed|PAdES signature (ETSI.CAdES.detached) without the signing-certificate-v2 attribute'
	[algo/pades-other.pdf]="fail|broken|signing-certificate-v2 attribute names another certificate than the signer's"
	[algo/cades-other.eml]="fail|broken|signing-certificate-v2 attribute names another certificate than the signer's"
	[algo/pkcs7sha1.pdf]='fail|weak|obsolete signature format adbe.pkcs7.sha1 (SHA-1)'
)
# Oracles that must agree with govmaild on a sample (TOOL...), and those
# govmaild is stricter than, with the reason.
declare -A agree=(
	[algo/sha1.pdf]=''
	[algo/sha1.eml]=''
	[algo/rsa1024.pdf]='openssl-cms-level2'
	[algo/rsa1024.eml]='openssl-cms-level2'
	[algo/ec192.pdf]='pdfsig openssl-cms-level2'
	[algo/ec192.eml]='openssl-cms-level2'
	[algo/ec256.pdf]='pdfsig openssl-cms openssl-cms-level2'
	[algo/ec256.eml]='openssl-cms openssl-cms-level2'
	[algo/rsapss.pdf]='pdfsig openssl-cms openssl-cms-level2'
	[algo/rsapss.eml]='openssl-cms openssl-cms-level2'
	[algo/pades.pdf]='pdfsig openssl-cms openssl-cms-level2 openssl-cms-cades'
	[algo/cades.eml]='openssl-cms openssl-cms-level2 openssl-cms-cades'
	[algo/pades-noess.pdf]='openssl-cms-cades'
	[algo/pades-other.pdf]='pdfsig openssl-cms-cades'
	[algo/cades-other.eml]='openssl-cms-cades'
	[algo/pkcs7sha1.pdf]='pdfsig'
)
declare -A stricter=(
	[algo/sha1.pdf]='pdfsig openssl-cms openssl-cms-level2:Circular 15/2025 refuses SHA-1; poppler 22.12 (NSS) and openssl accept a SHA-1 signature (-auth_level judges certificates only)'
	[algo/sha1.eml]='openssl-cms openssl-cms-level2:the same'
	[algo/rsa1024.pdf]='pdfsig openssl-cms:Circular 15/2025 requires RSA 2048; openssl refuses it only from -auth_level 2, NSS not at all'
	[algo/rsa1024.eml]='openssl-cms:the same'
	[algo/ec192.pdf]='openssl-cms:ECDSA P-256 at least; openssl refuses P-192 only from -auth_level 2'
	[algo/ec192.eml]='openssl-cms:the same'
	[algo/pades-noess.pdf]='pdfsig openssl-cms openssl-cms-level2:PAdES B-B (EN 319 142-1) requires signing-certificate-v2 under ETSI.CAdES.detached; pdfsig does not look, openssl only with -cades'
	[algo/pades-other.pdf]='openssl-cms openssl-cms-level2:the attribute binds the signature to another certificate; openssl checks it only with -cades'
	[algo/cades-other.eml]='openssl-cms openssl-cms-level2:the same'
)
for s in $(printf '%s\n' "${!want[@]}" | sort); do
	line=$(sline "$T/s.conf" "$P/$s")
	w=${want[$s]}
	v=${w%%|*}; r=${w#*|}; st=${r%%|*}; r=${r#*|}
	expect_eq "$s: govmaild says $v ($st)" \
		"$(printf '%s\n' "$line" | sed -n 's/.* result=\([a-z]*\) .* sigs=\([a-z-]*\) .* reason="\(.*\)"$/\1 \2 \3/p')" \
		"$v $st $r"
	o=$([ "$v" = pass ] && echo valid || echo invalid)
	for tool in ${agree[$s]}; do
		expect_eq "$s: $tool agrees ($o)" "$(oracle "$s" "$tool")" "$o"
	done
	if [ -n "${stricter[$s]:-}" ]; then
		for tool in ${stricter[$s]%%:*}; do
			expect_eq "$s: govmaild stricter than $tool (${stricter[$s]#*:})" "$(oracle "$s" "$tool")" valid
		done
	fi
done

# --- settings ----------------------------------------------------------------
sconf "$T/sha1.conf" 'allow_sha1 = true;'
for s in algo/sha1.pdf algo/sha1.eml; do
	expect_match "$s: allow_sha1 = true: accepted" "$(sline "$T/sha1.conf" "$P/$s")" ' result=pass .* sigs=valid '
done
expect_match "adbe.pkcs7.sha1 stays refused with allow_sha1 = true (an obsolete format)" \
	"$(sline "$T/sha1.conf" "$P/algo/pkcs7sha1.pdf")" ' result=fail .*reason="obsolete signature format adbe\.pkcs7\.sha1 \(SHA-1\)"$'
sconf "$T/small.conf" 'min_rsa_bits = 1024; min_ec_bits = 192;'
for s in algo/rsa1024.pdf algo/rsa1024.eml algo/ec192.pdf algo/ec192.eml; do
	expect_match "$s: min_rsa_bits = 1024, min_ec_bits = 192: accepted" "$(sline "$T/small.conf" "$P/$s")" \
		' result=pass .* sigs=valid '
done
# the chain: an EC signer under the RSA-2048 intermediate, with 3072 required
sconf "$T/big.conf" 'min_rsa_bits = 3072;'
expect_match "min_rsa_bits = 3072: a CA of the chain with 2048 bits is refused, named" \
	"$(sline "$T/big.conf" "$P/algo/ec256.pdf")" \
	' result=fail .* sigs=weak .*reason="CA "Test CA ky so chuyen dung Chinh phu" RSA key of 2048 bits \(at least 3072 required\)"$'
expect_match "... and the signer's own key first" "$(sline "$T/big.conf" "$P/pdf/person.pdf")" \
	'reason="signer RSA key of 2048 bits \(at least 3072 required\)"$'
sconf "$T/bad.conf" 'min_rsa_bits = 512;'
check_rc "min_rsa_bits below 1024: a configuration error (exit 78)" 78 "$GOVMAILD" -c "$T/bad.conf" -t
expect_match "... naming the file and line" "$(cat "$T/last.err" "$T/last.out")" "bad\.conf:[0-9]+.*min_rsa_bits"

# --- SubFilters, the same signature under another name ------------------------
# subfilter IN OUT NAME: IN with its /SubFilter renamed (same length: the
# ranges stay; the signature no longer verifies, the name decides first)
subfilter() {
	python3 - "$@" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
old = b"/SubFilter /ETSI.CAdES.detached"
new = (b"/SubFilter /" + sys.argv[3].encode()).ljust(len(old))
assert d.count(old) == 1 and len(new) == len(old)
open(sys.argv[2], "wb").write(d.replace(old, new))
PY
}
subfilter "$P/algo/pades.pdf" "$T/x509.pdf" adbe.x509.rsa_sha1
expect_match "SubFilter adbe.x509.rsa_sha1: refused as obsolete" "$(sline "$T/s.conf" "$T/x509.pdf")" \
	' result=fail .* sigs=weak .*reason="obsolete signature format adbe\.x509\.rsa_sha1 \(SHA-1\)"$'
subfilter "$P/algo/pades.pdf" "$T/s5.pdf" adbe.pkcs7.s5
expect_match "an unknown SubFilter: refused as unsupported" "$(sline "$T/s.conf" "$T/s5.pdf")" \
	' result=fail .* sigs=malformed .*reason="unsupported signature format adbe\.pkcs7\.s5"$'
# pdfsig's own signature dictionaries are read: person-org.pdf with the
# person's SubFilter renamed (the organisation's signature covers the edit)
python3 - "$P/pdf/person-org.pdf" "$T/po-sha1.pdf" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
m = list(re.finditer(rb"/SubFilter\s*/adbe\.pkcs7\.detached", d))[0]
new = m.group(0).replace(b"adbe.pkcs7.detached", b"adbe.pkcs7.sha1").ljust(len(m.group(0)))
open(sys.argv[2], "wb").write(d[:m.start()] + new + d[m.end():])
PY
expect_match "pdfsig's dictionary, SubFilter adbe.pkcs7.sha1: that signature refused, the next broken" \
	"$(sline "$T/s.conf" "$T/po-sha1.pdf")" \
	' result=fail .* sigs=weak,broken .*reason="obsolete signature format adbe\.pkcs7\.sha1 \(SHA-1\)"$'

# --- through the daemon: the replies ------------------------------------------
# outbound require-signed: the sender's PDF, signed by the sender
t_sign_directory
PORT=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
t_relay_conf "$T/d.conf" "$PORT" "$NH"
cat >>"$T/d.conf" <<CONF
signature = {
  outbound = "require-signed";
  trust_anchors = "$P/ca/root.pem";
  intermediates = "$P/ca/intermediates.pem";
  crl_files = ["$P/ca/crl.pem", "$P/ca/crl-root.pem", "$P/ca/crl-int2.pem"];
  language = "en";   # the English reasons; the Vietnamese ones: test_sign_text
};
CONF
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
T_PIDS+=("$!")
wait_port "$PORT" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
A=annv@haugiang.gov.vn
# mkmsg OUT FILE: a message from A with FILE attached (base64)
mkmsg() {
	python3 - "$A" "$@" <<'PY'
import base64, os, sys
frm, out, f = sys.argv[1:4]
name = os.path.basename(f).encode()
data = base64.encodebytes(open(f, "rb").read()).replace(b"\n", b"\r\n")
open(out, "wb").write(
    b"From: <" + frm.encode() + b">\r\nTo: <friend@example.org>\r\nSubject: Quyet dinh\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    b"--b1\r\nContent-Type: text/plain\r\n\r\nKinh gui.\r\n"
    b"--b1\r\nContent-Type: application/pdf; name=\"" + name + b"\"\r\n"
    b"Content-Disposition: attachment; filename=\"" + name + b"\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n" + data + b"--b1--\r\n")
PY
}
# send FILE: the reply to the end of data
send() {
	smtp_lines "$PORT" --data "$1" "EHLO client.test" "MAIL FROM:<$A>" "RCPT TO:<friend@example.org>" DATA |
		tail -n 1
}
mkmsg "$T/m.eml" "$P/algo/pades.pdf"
expect_re "PAdES B-B signed by the sender: 250" "$(send "$T/m.eml")" '^250 2\.0\.0 Ok: queued as'
mkmsg "$T/m.eml" "$P/algo/sha1.pdf"
expect_re "SHA-1: 550 5.7.1 naming the file and the reason" "$(send "$T/m.eml")" \
	'^550 5\.7\.1 sha1\.pdf: SHA-1 digest not accepted \(signature\.allow_sha1 = false\)$'
mkmsg "$T/m.eml" "$P/algo/rsa1024.pdf"
expect_re "RSA-1024: 550 5.7.1 naming the size" "$(send "$T/m.eml")" \
	'^550 5\.7\.1 rsa1024\.pdf: signer RSA key of 1024 bits \(at least 2048 required\)$'
mkmsg "$T/m.eml" "$P/algo/pades-other.pdf"
expect_re "signing-certificate-v2 for another certificate: 550 5.7.7" "$(send "$T/m.eml")" \
	"^550 5\\.7\\.7 pades-other\\.pdf: signing-certificate-v2 attribute names another certificate than the signer's\$"
expect_re "the log says weak for the SHA-1 document" "$(cat "$T/d.log")" \
	'file="sha1\.pdf" result=fail meets=no sigs=weak '
