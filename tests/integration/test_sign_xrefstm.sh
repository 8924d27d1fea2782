#!/usr/bin/env bash
# test_sign_xrefstm.sh — signed PDFs whose revisions are written with
# cross-reference streams and object streams (PDF 1.5), checked with
# govmaild -s. Samples made now: scripts/test-pki's unsigned document
# rewritten by `qpdf --object-streams=generate`, then signed by pdfsig
# (which appends its updates as cross-reference streams), pdfsig and
# govmaild as in test_smtp_sign.sh:
#   - person, then organisation: both valid and credited (pdfsig: both valid);
#   - the page's content stream replaced between them by an update with a
#     cross-reference stream: the person's signature is "modified" and
#     names the page (pdfsig: both valid, which is issue 12's hole);
#   - the page's font changed inside the object stream that holds it (the
#     update names the object stream, not the font): modified too.
# The revision analysis reads these tables itself (sign_pdfxref.c);
# tests/unit/test_sign_pdfrev.c asserts the same verdicts as qpdf reading
# everything on hand-made files.
. "$(dirname "$0")/../lib.sh"

P=$T/pki
check "test PKI and signed samples (scripts/test-pki)" t_test_pki "$P"
X=$T/xs
mkdir -p "$X"
t_sign_conf "$T/s.conf" "$P"
sign() {
	pdfsig -nssdir "$P/nss" -nick "$1" -add-signature -new-signature-field-name "sig-$1" \
		-reason "govmail test signature ($1)" "$2" "$3" >"$T/sign.out" 2>&1
}
check "qpdf writes the unsigned document with object streams" \
	qpdf --object-streams=generate "$P/pdf/unsigned.pdf" "$X/unsigned.pdf"
expect_re "... its cross-reference is a stream" "$(tail -c 2048 "$X/unsigned.pdf" | tr -c '[:print:]\n' '.')" '/Type */XRef'
check "person signs (pdfsig)" sign person "$X/unsigned.pdf" "$X/person.pdf"
check "organisation signs (pdfsig)" sign org "$X/person.pdf" "$X/person-org.pdf"

# forge IN OUT MODE: an incremental update of IN with a cross-reference
# stream: MODE direct, page 1's content replaced ("FORGED: So 999"); or
# objstm, the page's font made Courier inside the object stream that holds
# it, the object stream named in the update and the font not.
forge() {
	python3 - "$1" "$2" "$3" "$(qpdf --show-pages "$1")" "$(qpdf --show-xref "$1")" <<'PY'
import re, sys
src, out, mode, pages, xref = open(sys.argv[1], "rb").read(), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
page = int(re.search(r"page 1: (\d+) 0 R", pages).group(1))
content = int(re.search(r"content:\s+(\d+) 0 R", pages).group(1))
prev = int(re.findall(rb"startxref\s+(\d+)", src)[-1])
trailer = src[prev:prev + 4096]
size = int(re.search(rb"/Size (\d+)", trailer).group(1))
root = re.search(rb"/Root (\d+ \d+ R)", trailer).group(1)
out_b = bytearray(src if src.endswith(b"\n") else src + b"\n")
ents = {}
text = b"BT /F1 14 Tf 72 770 Td (FORGED: So 999) Tj ET"
if mode == "direct":
    ents[content] = len(out_b)
    out_b += b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (content, len(text), text)
else:
    members = re.findall(r"^(\d+)/0: compressed; stream = (\d+), index = \d+", xref, re.M)
    import subprocess
    qpdf = lambda *a: subprocess.run(["qpdf"] + list(a) + [sys.argv[1]], capture_output=True).stdout
    font = [int(n) for n, st in members if b"/Type /Font" in qpdf("--show-object=" + n)][0]
    stm = [int(st) for n, st in members if int(n) == font][0]
    # the object stream as it is, the font made Courier in place (same
    # length: the offsets in its header still hold)
    d = qpdf("--show-object=%d" % stm)
    n_, first = re.search(rb"/N (\d+)", d).group(1), re.search(rb"/First (\d+)", d).group(1)
    data = qpdf("--show-object=%d" % stm, "--filtered-stream-data")
    assert b"/BaseFont /Helvetica" in data
    data = data.replace(b"/BaseFont /Helvetica", b"/BaseFont /Courier  ")
    ents[stm] = len(out_b)
    out_b += (b"%d 0 obj\n<< /Type /ObjStm /N %s /First %s /Length %d >>\nstream\n" %
              (stm, n_, first, len(data)) + data + b"\nendstream\nendobj\n")
x = len(out_b)
ents[size] = x
rows = b"".join(bytes([1]) + ents[n].to_bytes(4, "big") + bytes(2) for n in sorted(ents))
index = b" ".join(b"%d 1" % n for n in sorted(ents))
out_b += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] /Root %s /Prev %d /Length %d >>\n"
          b"stream\n" % (size, size + 1, index, root, prev, len(rows)) + rows +
          b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % x)
open(out, "wb").write(out_b)
PY
}
check "the page's content replaced after the person's signature (an xref-stream update)" \
	forge "$X/person.pdf" "$X/forged.pdf" direct
check "... then the organisation signs" sign org "$X/forged.pdf" "$X/person-forged-org.pdf"
check "the page's font changed inside its object stream after the person's signature" \
	forge "$X/person.pdf" "$X/forged-stm.pdf" objstm
check "... then the organisation signs" sign org "$X/forged-stm.pdf" "$X/person-forgedstm-org.pdf"

valid_count() { pdfsig -nssdir "$P/nss" "$1" 2>/dev/null | grep -c 'Signature is Valid'; }
expect_eq "pdfsig: person-org, both signatures valid" "$(valid_count "$X/person-org.pdf")" 2
expect_eq "pdfsig: person-forged-org, both signatures valid all the same" \
	"$(valid_count "$X/person-forged-org.pdf")" 2
expect_re "govmaild: person-org passes, both signatures credited" \
	"$("$GOVMAILD" -c "$T/s.conf" -s "$X/person-org.pdf")" ' result=pass .*sigs=valid,valid '
expect_re "govmaild: person-forged-org, the person's signature modified after signing" \
	"$("$GOVMAILD" -c "$T/s.conf" -s "$X/person-forged-org.pdf")" ' sigs=modified,valid .*page 1 content replaced'
expect_re "govmaild: person-forgedstm-org, the same through the object stream" \
	"$("$GOVMAILD" -c "$T/s.conf" -s "$X/person-forgedstm-org.pdf")" ' sigs=modified,valid '
