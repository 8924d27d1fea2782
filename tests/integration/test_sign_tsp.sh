#!/usr/bin/env bash
# test_sign_tsp.sh — RFC 3161 timestamps in signed documents (sign_tsp.c),
# with the samples of scripts/test-pki (tsp/: its own TSA made with
# openssl ts, signatures made at 2024-05-01 under faketime) and `openssl
# ts -verify`, `openssl cms -verify [-attime]` as oracles:
#   - a signature timestamped in 2024 by a certificate expired since passes
#     with signature.tsa_anchors (time=timestamp:2024-05-01T10:00:..Z), fails
#     without it, without its token, with a token of an untrusted TSA or
#     one over other bytes (ignored, checked now: expired); the same for
#     S/MIME (multipart/signed);
#   - a certificate revoked after the timestamp passes, one revoked before
#     it fails, and the same revoked certificate without token fails;
#   - a PDF document timestamp (ETSI.RFC3161) is verified as a token
#     (valid, not "broken"), never counts as a signer, does not fail the
#     document; one over other bytes fails it; an untrusted one is reported;
#   - the result header through the running govmaild says which time was
#     used; an unreadable tsa_anchors file is a configuration error.
. "$(dirname "$0")/../lib.sh"

command -v faketime >/dev/null || { echo "Bail out! faketime missing (scripts/install-deps)"; exit 1; }
P=$T/pki
S=$P/tsp
export PKI_PERSON_EMAIL=annv@haugiang.gov.vn PKI_OTHER_EMAIL=binhtt@haugiang.gov.vn
check "test PKI and timestamped samples (scripts/test-pki)" t_test_pki "$P"

# sconf FILE [KEYS]: govmail -s configuration with every CA's CRL (the
# timestamp CA's too) and more signature keys.
sconf() {
	cat >"$1" <<CONF
signature = {
  trust_anchors = "$P/ca/root.pem";
  intermediates = "$P/ca/intermediates.pem";
  crl_files = ["$P/ca/crl.pem", "$P/ca/crl-root.pem", "$P/ca/crl-int2.pem", "$S/crl.pem"];
  ${2:-}
};
CONF
}
sconf "$T/tsa.conf" "tsa_anchors = \"$S/tsa-anchors.pem\";"
sconf "$T/notsa.conf"
# sline CONF FILE [ARGS]: govmaild -s's line for the file's first document
sline() { "$GOVMAILD" -c "$1" -s "$2" "${@:3}" | head -1; }
oracle() { awk -F'\t' -v s="$1" -v t="$2" '$1 == s && $2 == t { print $3 "\t" $4 }' "$P/oracle.tsv"; }
PAST='timestamp:2024-05-01T10:00:[0-5][0-9]Z'

# --- the samples are what they claim (oracles) --------------------------------------
expect_match "tsa.pem: extended key usage timeStamping, critical" \
	"$(openssl x509 -in "$S/tsa.pem" -noout -ext extendedKeyUsage)" 'critical\n *Time Stamping$'
expect_match "ts-expired.pdf: the token's time is 2024-05-01 10:00 UTC" \
	"$(openssl ts -reply -in "$S/ts-expired.token.der" -token_in -token_out -text 2>&1)" \
	'Time stamp: May  1 10:00:[0-5][0-9] 2024 GMT'
check_rc "tsexpired: not valid now" 1 openssl x509 -in "$S/tsexpired.pem" -noout -checkend 0
for f in ts-expired.pdf ts-revoked-later.pdf ts-revoked-before.pdf ts-person.pdf doc-timestamp.pdf \
	doc-timestamp-only.pdf smime-ts-expired.eml; do
	expect_match "$f: openssl ts -verify says OK" "$(oracle "tsp/$f" openssl-ts)" '^valid\trc=0$'
done
for f in ts-expired-untrusted ts-expired-mismatch doc-timestamp-broken; do
	expect_match "$f.pdf: openssl ts -verify refuses the token" "$(oracle "tsp/$f.pdf" openssl-ts)" '^invalid\t'
done
expect_match "ts-expired.pdf: openssl cms refuses the signature now (expired)" \
	"$(oracle tsp/ts-expired.pdf openssl-cms)" '^invalid\tsig1=rc=4,err=certificate has expired$'
expect_match "ts-expired.pdf: openssl cms -attime (the token's time) accepts it" \
	"$(oracle tsp/ts-expired.pdf openssl-cms-attime)" '^valid\tsig1=rc=0$'
expect_match "ts-revoked-later.pdf: tsrevlater is in the CRL, revoked after the token" \
	"$(openssl crl -in "$S/crl.pem" -noout -text)" 'Revocation Date: (?!May  1 .* 2024)'

# --- signature timestamps --------------------------------------------------------------
expect_match "expired since, timestamped while valid: pass, checked at the timestamp" \
	"$(sline "$T/tsa.conf" "$S/ts-expired.pdf")" " result=pass .* sigs=valid .* time=$PAST doc-timestamp=- reason=\"\"\$"
expect_match "... without tsa_anchors: expired (checked now), the timestamp ignored" \
	"$(sline "$T/notsa.conf" "$S/ts-expired.pdf")" \
	' result=fail .* sigs=expired .* time=now .*reason="certificate expired \(timestamp ignored: no timestamp authority trusted \(signature\.tsa_anchors\)\)"$'
expect_match "... the same signature without its token: expired" \
	"$(sline "$T/tsa.conf" "$S/ts-expired-none.pdf")" ' result=fail .* time=now .*reason="certificate expired"$'
expect_match "... a token of a TSA not trusted: ignored, expired" \
	"$(sline "$T/tsa.conf" "$S/ts-expired-untrusted.pdf")" \
	' result=fail .* time=now .*reason="certificate expired \(timestamp ignored: timestamp authority not trusted \([^"]*\)\)"$'
expect_match "... a token over other bytes than the signature value: ignored, expired" \
	"$(sline "$T/tsa.conf" "$S/ts-expired-mismatch.pdf")" \
	' result=fail .* time=now .*reason="certificate expired \(timestamp ignored: timestamp is not over this signature \(message imprint differs\)\)"$'
expect_match "revoked after the timestamp: pass, saying so" \
	"$(sline "$T/tsa.conf" "$S/ts-revoked-later.pdf")" \
	" result=pass .* time=$PAST .*reason=\"certificate revoked after the timestamp\"\$"
expect_match "... the same certificate without token: revoked" \
	"$(sline "$T/tsa.conf" "$S/ts-revoked-later-none.pdf")" ' result=fail .* sigs=revoked .*reason="certificate revoked"$'
expect_match "revoked before the timestamp: revoked" \
	"$(sline "$T/tsa.conf" "$S/ts-revoked-before.pdf")" \
	' result=fail .* sigs=revoked .*reason="certificate revoked before the timestamp"$'
today=$(date -u +%Y-%m-%d)
expect_match "a valid certificate timestamped now: pass at the timestamp" \
	"$(sline "$T/tsa.conf" "$S/ts-person.pdf")" " result=pass .* time=timestamp:${today}T"
expect_match "... without tsa_anchors: pass, checked now, the ignored token noted" \
	"$(sline "$T/notsa.conf" "$S/ts-person.pdf")" \
	' result=pass .* time=now .*reason="timestamp ignored: no timestamp authority trusted \(signature\.tsa_anchors\)"$'
expect_match "a signature without timestamp: time=now, as before" \
	"$(sline "$T/tsa.conf" "$P/pdf/person-org.pdf")" ' result=pass .* sigs=valid,valid .* time=now,now doc-timestamp=- '

expect_match "S/MIME signed in 2024 by a certificate expired since, timestamped: pass at the timestamp" \
	"$("$GOVMAILD" -c "$T/tsa.conf" -s "$S/smime-ts-expired.eml" | grep 'file="S/MIME signature"')" \
	" result=pass .* sigs=valid .* time=$PAST "
expect_match "... without tsa_anchors: expired" \
	"$("$GOVMAILD" -c "$T/notsa.conf" -s "$S/smime-ts-expired.eml" | grep 'file="S/MIME signature"')" \
	' result=fail .* sigs=expired .*reason="certificate expired \(timestamp ignored: no timestamp authority trusted'

# --- document timestamps ---------------------------------------------------------------
expect_match "person.pdf + a document timestamp: pass, the timestamp valid (not broken)" \
	"$(sline "$T/tsa.conf" "$S/doc-timestamp.pdf")" \
	" result=pass .* sigs=valid signer=\"Nguyen Van An <annv@haugiang\\.gov\\.vn>\" org=\"\" time=now doc-timestamp=valid reason=\"\"\$"
check_rc "... govmaild -s exits 0" 0 "$GOVMAILD" -c "$T/tsa.conf" -s "$S/doc-timestamp.pdf"
expect_match "... the document timestamp is never the organisation (require-person-and-org)" \
	"$(sline "$T/tsa.conf" "$S/doc-timestamp.pdf" -r require-person-and-org -S annv@haugiang.gov.vn)" \
	' result=fail .*reason="no signature of the organisation"$'
expect_match "... a TSA not trusted: the document timestamp reported, the document passes" \
	"$(sline "$T/notsa.conf" "$S/doc-timestamp.pdf")" ' result=pass .* doc-timestamp=untrusted '
expect_match "only a document timestamp: not signed" \
	"$(sline "$T/tsa.conf" "$S/doc-timestamp-only.pdf")" ' result=none .* sigs=- .* doc-timestamp=valid reason="not signed"$'
check_rc "... under require-signed: exit 1" 1 "$GOVMAILD" -c "$T/tsa.conf" -s -r require-signed "$S/doc-timestamp-only.pdf"
expect_match "a document timestamp over other bytes: fails as broken" \
	"$(sline "$T/tsa.conf" "$S/doc-timestamp-broken.pdf")" \
	' result=fail .* doc-timestamp=broken reason="timestamp is not over this signature \(message imprint differs\)"$'

# --- configuration -----------------------------------------------------------------------
sconf "$T/bad.conf" "tsa_anchors = \"$T/missing-tsa.pem\";"
check_rc "an unreadable tsa_anchors: configuration error (78)" 78 "$GOVMAILD" -c "$T/bad.conf" -t
expect_match "... naming the file" "$(cat "$T/last.err" "$T/last.out")" 'missing-tsa\.pem'

# --- through the running govmaild: the result header -----------------------------------
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
  internal = "require-signed";
  outbound = "require-signed";
  inbound = "verify";
  trust_anchors = "$P/ca/root.pem";
  intermediates = "$P/ca/intermediates.pem";
  crl_files = ["$P/ca/crl.pem", "$P/ca/crl-root.pem", "$P/ca/crl-int2.pem", "$S/crl.pem"];
  tsa_anchors = "$S/tsa-anchors.pem";
  language = "en";   # the English reasons; Vietnamese: test_sign_vi.sh, test_sign_text
};
CONF
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
T_PIDS+=("$!")
wait_port "$PORT" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
# mkmsg OUT FILE...: a message from annv with the files attached
mkmsg() {
	python3 - "$@" <<'PY'
import base64, os, sys
out, files = sys.argv[1], sys.argv[2:]
m = (b"From: <annv@haugiang.gov.vn>\r\nTo: <binhtt@haugiang.gov.vn>\r\nSubject: Quyet dinh\r\n"
     b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
     b"--b1\r\nContent-Type: text/plain\r\n\r\nKinh gui.\r\n")
for f in files:
    name = os.path.basename(f).encode()
    data = base64.encodebytes(open(f, "rb").read()).replace(b"\n", b"\r\n")
    m += (b"--b1\r\nContent-Type: application/pdf; name=\"" + name + b"\"\r\n"
          b"Content-Disposition: attachment; filename=\"" + name + b"\"\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\n" + data)
open(out, "wb").write(m + b"--b1--\r\n")
PY
}
send() {
	smtp_lines "$PORT" --data "$1" "EHLO client.test" "MAIL FROM:<annv@haugiang.gov.vn>" \
		"RCPT TO:<$2>" DATA | tail -n 1
}
last() { cat "$(last_msg "$T/sink").eml"; }
mkmsg "$T/m1.eml" "$S/ts-expired.pdf" "$S/doc-timestamp.pdf"
expect_match "expired since, timestamped, and a document timestamp: relayed (require-signed)" \
	"$(send "$T/m1.eml" friend@example.org)" '^250 2\.0\.0 Ok: queued as'
expect_match "... the header says the timestamp's time" "$(last)" \
	"^X-Govmail-Signature: \"ts-expired\\.pdf\"; result=pass;\\r
	time=\"$PAST\";\\r
	signer=\"Nguyen Van An <annv@haugiang\\.gov\\.vn>\"\\r\$"
expect_match "... and the document timestamp" "$(last)" \
	'^X-Govmail-Signature: "doc-timestamp\.pdf"; result=pass;\r
	doc-timestamp="valid";\r
	signer="Nguyen Van An <annv@haugiang\.gov\.vn>"\r$'
expect_match "... the log says which time was used" "$(cat "$T/d.log")" \
	"file=\"ts-expired\\.pdf\" result=pass meets=yes sigs=valid .* time=$PAST doc-timestamp=- "
mkmsg "$T/m2.eml" "$S/ts-expired-untrusted.pdf"
expect_match "a token of a TSA not trusted: refused, certificate expired" \
	"$(send "$T/m2.eml" friend@example.org)" '^550 5\.7\.1 ts-expired-untrusted\.pdf: certificate expired'

echo "1..$T_N"
