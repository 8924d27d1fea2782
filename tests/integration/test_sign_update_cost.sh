#!/usr/bin/env bash
# test_sign_update_cost.sh — updates after a signature that would cost a
# PDF reader too much to parse are refused before qpdf reads them
# (sign_pdfcost.c, SIGN_PDFREV_MAX_UPDATE_TOKENS = 131,072 tokens), however
# they are hidden; updates that cost less are judged as before. What is
# counted is what a reader reads: the objects at the offsets the later
# cross-reference sections give and the object streams they take objects
# from, not the bytes in between. Samples made now from scripts/test-pki's
# person-signed document: an update adding validation data (/DSS, which PDF
# allows after a signature) holding an array of N small numbers, written
#   plain    as a plain object (N = 1,000: credited; N = 200,000: refused);
#   paren    after an unclosed "(", which a reader never looks at;
#   comment  on the line of a "%";
#   instream inside the data of another stream object, where the
#            cross-reference table points;
#   zip      deflated in an object stream (a few kB) named by a
#            cross-reference stream;
#   notype   the same with no /Type in the object stream (a reader takes it
#            as one because the cross-reference stream says so, reads it,
#            and only then warns);
#   indflt   deflated twice, the second filter named indirectly
#            (/Filter [/FlateDecode 97 0 R]);
#   endstm   "endstream" inside the deflated data (/Length says where it
#            ends; the count must not stop there);
#   free     as plain, with a free entry in the update's table (govmaild's
#            strict table reader, sign_pdfxref_open, does not read such a
#            table; the count reads it leniently);
#   trailer  in the update's trailer dictionary, which a reader parses;
#   samehdr  an object stream whose offset table leads 200 objects (each
#            named by the cross-reference stream) to one array of 1,000
#            numbers: a reader parses it 200 times, its text is small;
#   hybrid   deflated in an object stream named by the /XRefStm of a
#            classic table (a hybrid-reference file);
#   manyidx  as samehdr with 600 objects, each its own /Index pair of the
#            cross-reference stream: more than govmaild's reader takes (512),
#            so every byte of the update is counted, and the object stream
#            after its "obj" keyword with its offset table.
# For each the organisation then signs (pdfsig). Oracles: `qpdf
# --suppress-recovery --check` finds each file well formed (notype: read,
# with a warning), as govmaild's strict reading needs (the refusal is the
# cost, not damage), and pdfsig
# finds both signatures valid (it judges no change between them).
# tests/unit/test_sign_pdfcost.c and test_sign_pdfrev.c check the counting
# and the limit exactly.
. "$(dirname "$0")/../lib.sh"

P=$T/pki
check "test PKI and signed samples (scripts/test-pki)" t_test_pki "$P"
X=$T/uc
mkdir -p "$X"
t_sign_conf "$T/s.conf" "$P"

# update IN OUT COUNT MODE: IN with an update whose catalog names a /DSS
# (object S, past the file's objects) holding COUNT numbers, as MODE says.
update() {
	python3 - "$@" <<'PY'
import re, struct, sys, zlib
src, out, n, mode = open(sys.argv[1], "rb").read(), sys.argv[2], int(sys.argv[3]), sys.argv[4]
prev = int(re.findall(rb"startxref\s+(\d+)", src)[-1])
root = int(re.findall(rb"/Root\s+(\d+)\s+0\s+R", src)[-1])
size = int(re.findall(rb"/Size\s+(\d+)", src)[-1])
cat = re.findall(rb"(?s)\n%d 0 obj\s*(<<.*?>>)\s*endobj" % root, src)[-1]
assert b"/DSS" not in cat
b = bytearray(src if src.endswith(b"\n") else src + b"\n")
S, STM, AUX, XR = size, size + 1, size + 2, size + 3
body = b"<< /Certs [" + b"1 " * n + b"] >>"
junk = b""
if mode == "trailer":
    body, junk = b"<< /Certs [1] >>", b" /Junk [" + b"1 " * n + b"]"
off, type2 = {}, {}
hdr = []
if mode in ("samehdr", "manyidx"):
    k = 200 if mode == "samehdr" else 600
    body = b"[" + b"1 " * (n // k) + b"]"
    hdr = [XR + 1 + j for j in range(k)]
def obj(num, text):
    off[num] = len(b)
    b.extend(b"%d 0 obj\n" % num + text + b"\nendobj\n")
obj(root, cat[:-2] + b" /DSS %d 0 R >>" % S)
if mode in ("plain", "paren", "comment", "free", "trailer"):
    if mode == "paren":
        b.extend(b"(\n")
    if mode == "comment":
        b.extend(b"% ")
        off[S] = len(b)
        b.extend(b"%d 0 obj " % S + body + b" endobj\n")
    else:
        obj(S, body)
elif mode == "instream":
    inner = b"%d 0 obj " % S + body + b" endobj\n"
    head = b"%d 0 obj\n<< /Length %d >>\nstream\n" % (STM, len(inner))
    off[STM], off[S] = len(b), len(b) + len(head)
    b.extend(head + inner + b"\nendstream\nendobj\n")
else:
    pre = b"%d 0 " % S + b"".join(b"%d 0 " % q for q in hdr)
    if mode == "endstm":
        # the offset table, then "endstream", which a reader skips (it
        # seeks to /First), in a stored deflate block
        pre = b"%d 0 endstream " % S
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        rest = c.compress(body) + c.flush()
        z = (b"\x78\xda\x00" + struct.pack("<HH", len(pre), 0xffff ^ len(pre)) + pre + rest +
             struct.pack(">I", zlib.adler32(pre + body)))
        assert zlib.decompress(z) == pre + body
    else:
        z = zlib.compress(pre + body, 9)
    d = b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (1 + len(hdr), len(pre))
    if mode == "notype":
        d = b"/N 1 /First %d /Filter /FlateDecode" % len(pre)
    if mode == "indflt":
        obj(AUX, b"/FlateDecode")
        d = b"/Type /ObjStm /N 1 /First %d /Filter [/FlateDecode %d 0 R]" % (len(pre), AUX)
        z = zlib.compress(z, 9)
    off[STM] = len(b)
    b.extend(b"%d 0 obj\n<< " % STM + d + b" /Length %d >>\nstream\n" % len(z) + z +
             b"\nendstream\nendobj\n")
    type2[S] = STM
    for j, q in enumerate(hdr):
        type2[q] = (STM, j + 1)
if mode == "hybrid":
    # the object stream's entry in a cross-reference stream that only the
    # classic trailer's /XRefStm names
    xs = len(b)
    data = zlib.compress(struct.pack(">BIH", 2, STM, 0))
    b.extend(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%d 1] /Filter /FlateDecode"
             b" /Length %d >>\nstream\n" % (XR, XR + 1, S, len(data)) + data +
             b"\nendstream\nendobj\n")
    off[XR] = xs
if mode in ("plain", "paren", "comment", "instream", "free", "trailer", "hybrid"):
    x = len(b)
    b.extend(b"xref\n0 1\n0000000000 65535 f \n")
    for k in sorted(off):
        b.extend(b"%d 1\n%010d 00000 n \n" % (k, off[k]))
    if mode == "free":
        b.extend(b"%d 1\n0000000000 00001 f \n" % AUX)
    if mode == "hybrid":
        junk = b" /XRefStm %d" % xs
    b.extend(b"trailer\n<< /Size %d /Root %d 0 R /Prev %d%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        XR + 1 + len(hdr), root, prev, junk, x))
else:
    x = len(b)
    rows = {k: (1, v, 0) for k, v in off.items()}
    rows.update({k: (2,) + (v if isinstance(v, tuple) else (v, 0)) for k, v in type2.items()})
    rows[XR] = (1, x, 0)
    data = zlib.compress(b"".join(struct.pack(">BIH", *rows[k]) for k in sorted(rows)))
    index = b" ".join(b"%d 1" % k for k in sorted(rows))
    b.extend(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] /Root %d 0 R /Prev %d"
             b" /Filter /FlateDecode /Length %d >>\nstream\n" % (XR, max(rows) + 1, index, root, prev,
             len(data)))
    b.extend(data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % x)
open(out, "wb").write(b)
PY
}
sign() {
	pdfsig -nssdir "$P/nss" -nick org -add-signature -new-signature-field-name sig-org \
		-reason "govmail test signature (org)" "$1" "$2" >"$T/sign.out" 2>&1
}
valid_count() { pdfsig -nssdir "$P/nss" "$1" 2>/dev/null | grep -c 'Signature is Valid'; }

cases="small:1000:plain big:200000:plain paren:200000:paren comment:200000:comment"
cases="$cases instream:200000:instream zip:200000:zip notype:200000:notype"
cases="$cases indflt:200000:indflt endstm:200000:endstm free:200000:free"
cases="$cases trailer:200000:trailer samehdr:200000:samehdr hybrid:200000:hybrid"
cases="$cases manyidx:200000:manyidx"
for c in $cases; do
	IFS=: read -r name n mode <<<"$c"
	check "$name: an update adding /DSS with $n numbers ($mode) after the person's signature" \
		update "$P/pdf/person.pdf" "$X/$name-upd.pdf" "$n" "$mode"
	check "$name: ... then the organisation signs (pdfsig)" sign "$X/$name-upd.pdf" "$X/$name.pdf"
	if [ "$mode" = notype ]; then
		# qpdf reads the object stream's objects, then warns of its type
		check_rc "$name: qpdf, not recovering, reads the file (a warning: the stream's type)" 3 \
			qpdf --suppress-recovery --check "$X/$name.pdf"
	else
		check "$name: qpdf, not recovering, finds the file well formed" \
			qpdf --suppress-recovery --check "$X/$name.pdf"
	fi
	expect_eq "$name: pdfsig finds both signatures valid" "$(valid_count "$X/$name.pdf")" 2
done
zsize=$(stat -c %s "$X/zip-upd.pdf")
psize=$(stat -c %s "$P/pdf/person.pdf")
expect_eq "zip: the deflated update is smaller than 64 kB" "$(( zsize - psize < 65536 ))" 1

out=$("$GOVMAILD" -c "$T/s.conf" -s "$X/small.pdf")
expect_re "govmaild: 1,000 numbers of validation data: both credited, pass" "$out" \
	' result=pass .*sigs=valid,valid '
for c in $cases; do
	IFS=: read -r name n mode <<<"$c"
	[ "$name" = small ] && continue
	rc=0
	out=$("$GOVMAILD" -c "$T/s.conf" -s "$X/$name.pdf") || rc=$?
	expect_re "govmaild: $name: the person's signature unchecked, updates too large to check" \
		"$out" ' result=fail .*sigs=unchecked,valid .*cannot be checked \(updates too large to check\)'
	expect_eq "govmaild -s: $name fails (exit 1)" "$rc" 1
done
