#!/usr/bin/env bash
# test_sign_update_cost.sh — an incremental update after a signature that
# would cost a PDF reader too much to parse is refused before qpdf reads
# it (sign_pdfcost.c, SIGN_PDFREV_MAX_UPDATE_TOKENS = 131,072 tokens),
# whatever its size on disk; one that costs less is judged as before.
# Samples made now from scripts/test-pki's person-signed document: an
# update adding validation data (/DSS, which PDF allows after a
# signature) holding an array of small numbers, then the organisation's
# signature (pdfsig):
#   - 1,000 numbers: both signatures credited (pass);
#   - 200,000 numbers (400 kB): the person's signature "unchecked",
#     "updates too large to check";
#   - 200,000 numbers deflated into an object stream (a few kB, named by a
#     cross-reference stream): the same.
# Oracles: `qpdf --check` finds each file well formed (the refusal is the
# cost, not damage) and pdfsig finds both signatures valid (it judges no
# changes between them). tests/unit/test_sign_pdfrev.c and
# test_sign_pdfcost.c check the limit and the counting exactly.
. "$(dirname "$0")/../lib.sh"

P=$T/pki
check "test PKI and signed samples (scripts/test-pki)" t_test_pki "$P"
X=$T/uc
mkdir -p "$X"
cat >"$T/s.conf" <<CONF
signature = {
  trust_anchors = "$P/ca/root.pem";
  intermediates = "$P/ca/intermediates.pem";
  crl_files = ["$P/ca/crl.pem", "$P/ca/crl-root.pem", "$P/ca/crl-int2.pem"];
};
CONF

# dss IN OUT COUNT MODE: IN with an update whose catalog names a /DSS
# holding COUNT numbers; MODE plain (a cross-reference table) or zip (the
# /DSS dictionary deflated in an object stream, a cross-reference stream).
dss() {
	python3 - "$@" <<'PY'
import re, struct, sys, zlib
src, out, n, mode = open(sys.argv[1], "rb").read(), sys.argv[2], int(sys.argv[3]), sys.argv[4]
prev = int(re.findall(rb"startxref\s+(\d+)", src)[-1])
root = int(re.findall(rb"/Root\s+(\d+)\s+0\s+R", src)[-1])
size = int(re.findall(rb"/Size\s+(\d+)", src)[-1])
cat = re.findall(rb"(?s)\n%d 0 obj\s*(<<.*?>>)\s*endobj" % root, src)[-1]
assert b"/DSS" not in cat
b = bytearray(src if src.endswith(b"\n") else src + b"\n")
dss_obj, stm, xr = size, size + 1, size + 2
body = b"<< /Certs [" + b"1 " * n + b"] >>"
off = {root: len(b)}
b += b"%d 0 obj\n" % root + cat[:-2] + b" /DSS %d 0 R >>\nendobj\n" % dss_obj
if mode == "plain":
    off[dss_obj] = len(b)
    b += b"%d 0 obj\n" % dss_obj + body + b"\nendobj\n"
    x = len(b)
    b += b"xref\n0 1\n0000000000 65535 f \n"
    for k in sorted(off):
        b += b"%d 1\n%010d 00000 n \n" % (k, off[k])
    b += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        dss_obj + 1, root, prev, x)
else:
    z = zlib.compress(b"%d 0 " % dss_obj + body, 9)
    hdr = b"%d 0 " % dss_obj
    off[stm] = len(b)
    b += (b"%d 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\n"
          b"stream\n" % (stm, len(hdr), len(z))) + z + b"\nendstream\nendobj\n"
    x = len(b)
    rows = [(root, (1, off[root], 0)), (dss_obj, (2, stm, 0)), (stm, (1, off[stm], 0)),
            (xr, (1, x, 0))]
    data = zlib.compress(b"".join(struct.pack(">BIH", *r) for _, r in rows))
    index = b" ".join(b"%d 1" % k for k, _ in rows)
    b += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] /Root %d 0 R /Prev %d"
          b" /Filter /FlateDecode /Length %d >>\nstream\n" % (xr, xr + 1, index, root, prev, len(data)))
    b += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % x
open(out, "wb").write(b)
PY
}
sign() {
	pdfsig -nssdir "$P/nss" -nick org -add-signature -new-signature-field-name sig-org \
		-reason "govmail test signature (org)" "$1" "$2" >"$T/sign.out" 2>&1
}
valid_count() { pdfsig -nssdir "$P/nss" "$1" 2>/dev/null | grep -c 'Signature is Valid'; }

for c in small:1000:plain big:200000:plain zip:200000:zip; do
	IFS=: read -r name n mode <<<"$c"
	check "$name: an update adding /DSS with $n numbers ($mode) after the person's signature" \
		dss "$P/pdf/person.pdf" "$X/$name-upd.pdf" "$n" "$mode"
	check "$name: ... then the organisation signs (pdfsig)" sign "$X/$name-upd.pdf" "$X/$name.pdf"
	check "$name: qpdf finds the file well formed" qpdf --check "$X/$name.pdf"
	expect_eq "$name: pdfsig finds both signatures valid" "$(valid_count "$X/$name.pdf")" 2
done
zsize=$(stat -c %s "$X/zip-upd.pdf")
psize=$(stat -c %s "$P/pdf/person.pdf")
expect_eq "zip: the deflated update is smaller than 64 kB" "$(( zsize - psize < 65536 ))" 1

out=$("$GOVMAILD" -c "$T/s.conf" -s "$X/small.pdf")
expect_re "govmaild: 1,000 numbers of validation data: both credited, pass" "$out" \
	' result=pass .*sigs=valid,valid '
for name in big zip; do
	rc=0
	out=$("$GOVMAILD" -c "$T/s.conf" -s "$X/$name.pdf") || rc=$?
	expect_re "govmaild: $name: the person's signature unchecked, updates too large to check" \
		"$out" ' result=fail .*sigs=unchecked,valid .*cannot be checked \(updates too large to check\)'
	expect_eq "govmaild -s: $name fails (exit 1)" "$rc" 1
done
