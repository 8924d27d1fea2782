#!/usr/bin/env bash
# test_sign_ocsp.sh — certificate status by OCSP (issue 12), with the test
# PKI of scripts/test-pki (its OCSP samples: leaves whose AIA names a
# responder on a port chosen here, and a delegated responder certificate)
# and `openssl ocsp` run here as the responder on 127.0.0.1:
#   - govmaild -s agrees with `openssl ocsp` (the oracle) on good, revoked
#     and unknown, for S/MIME and PDF (pdfsig, asking the same responder,
#     for the PDFs);
#   - unknown follows revocation_unavailable (fail, or warn: accepted);
#   - signature.ocsp = off: the leaf's issuer has no CRL, crl_missing says;
#   - ocsp_responder overrides the AIA; ocsp_nonce asks for an echoed nonce;
#   - answers embedded in the signature (CMS revocationInfoChoices) and in
#     the PDF's /DSS are used with the responder stopped; an embedded answer
#     signed by a certificate without OCSPSigning is not believed;
#   - through the daemon: good relayed, revoked 550, an answer reused from
#     the cache (the responder's request count does not move, and the
#     responder stopped), a status that cannot be obtained 451 (retried,
#     not lost and not passed unchecked).
. "$(dirname "$0")/../lib.sh"

P=$T/pki
OPORT=$(t_free_port)        # reserved for this test until it ends
URL=http://127.0.0.1:$OPORT/
export PKI_PERSON_EMAIL=annv@haugiang.gov.vn PKI_OTHER_EMAIL=binhtt@haugiang.gov.vn
export PKI_OCSP_URL=$URL
check "test PKI and OCSP samples (scripts/test-pki)" "$TOP/scripts/test-pki" "$P"
O=$P/ocsp
C=$P/certs

# The responder: openssl ocsp, one request at a time, each logged (-text;
# stdbuf: a line as soon as it is written, to count requests). openssl ocsp
# takes a port number only and listens on every address; the port is this
# test's (t_free_port) and only 127.0.0.1 is asked.
# It is ready when it says it waits for connections (it says so again after
# each request): a probing connection that sends nothing makes openssl 3.0's
# responder spin, so wait_port is not used.
RESP_PID=
start_responder() {
	local n
	n=$(log_count "$T/ocsp.err" 'waiting for OCSP client connections')
	stdbuf -oL openssl ocsp -index "$O/index.txt" -port "$OPORT" \
		-CA "$P/ca/intermediate.pem" -rsigner "$O/responder.pem" -rkey "$O/responder.key" \
		-nmin 60 -text -ignore_err >>"$T/ocsp.log" 2>>"$T/ocsp.err" &
	RESP_PID=$!
	T_PIDS+=("$RESP_PID")
	wait_log "$T/ocsp.err" 'waiting for OCSP client connections' $((n + 1)) ||
		{ cat "$T/ocsp.err" >&2; echo "Bail out! the OCSP responder did not start"; exit 1; }
}
stop_responder() { t_kill "$RESP_PID" || true; wait "$RESP_PID" 2>/dev/null; RESP_PID=; }
requests() { log_count "$T/ocsp.log" 'OCSP Request Data:'; }
start_responder

# oracle NAME: the status openssl ocsp gets for certs/ocsp-NAME (good, revoked, unknown)
oracle() {
	openssl ocsp -issuer "$P/ca/intermediate.pem" -cert "$C/ocsp-$1.pem" -url "$URL" \
		-CAfile "$P/ca/chain.pem" -no_nonce -timeout "$T_HANG" 2>/dev/null | sed -n "s|^$C/ocsp-$1.pem: ||p" | head -1
}
for n in good revoked unknown; do
	expect_eq "oracle: openssl ocsp says $n for ocsp-$n" "$n" "$(oracle "$n")"
done

# sconf FILE [KEYS]: govmaild -s configuration: the root's CRL only (the
# leaves' issuer has none: their status comes by OCSP). ocsp_timeout is
# $OCSP_TIMEOUT: 120 s (a hang guard) while the responder runs, so a slow
# machine cannot turn its answer into "unavailable"; 2 s where nothing
# answers (a refused connection is retried by OpenSSL until the timeout,
# and "unavailable" is the verdict however long that takes).
OCSP_TIMEOUT=120
sconf() {
	cat >"$1" <<CONF
signature = {
  trust_anchors = "$P/ca/root.pem";
  intermediates = "$P/ca/intermediates.pem";
  crl_files = ["$P/ca/crl-root.pem"];
  ocsp_timeout = $OCSP_TIMEOUT;
  ${2:-}
};
CONF
}
sconf "$T/s.conf"
# sline CONF FILE: govmaild -s's line (require-signed) for the file's first
# document or signature
sline() { "$GOVMAILD" -c "$1" -s -r require-signed "$2" | head -1; }

n0=$(requests)
expect_re "good (S/MIME): pass, as openssl ocsp says" "$(sline "$T/s.conf" "$O/good.eml")" ' result=pass meets=yes '
expect_re "revoked (S/MIME): refused as revoked, as openssl ocsp says" "$(sline "$T/s.conf" "$O/revoked.eml")" \
	' result=fail .*reason="certificate revoked \(OCSP\)"$'
expect_re "unknown (S/MIME): refused (revocation_unavailable = tempfail: an answer, not an outage)" \
	"$(sline "$T/s.conf" "$O/unknown.eml")" ' result=fail meets=no .*reason="certificate unknown to its OCSP responder"$'
expect_eq "... three queries reached the responder (govmaild -s: a new cache each run)" \
	$((n0 + 3)) "$(requests)"
sconf "$T/warn.conf" 'revocation_unavailable = "warn";'
expect_re "unknown, revocation_unavailable = warn: accepted with the warning" \
	"$(sline "$T/warn.conf" "$O/unknown.eml")" ' result=pass .*reason="revocation status unavailable"$'
sconf "$T/fail.conf" 'revocation_unavailable = "fail";'
expect_re "unknown, revocation_unavailable = fail: refused" \
	"$(sline "$T/fail.conf" "$O/unknown.eml")" ' result=fail meets=no '

# PDFs: pdfsig (NSS) asks the responder named in the AIA too
for n in good revoked unknown; do
	pdfsig -nssdir "$P/nss" "$O/$n.pdf" >"$T/pdfsig.$n" 2>&1 || true
done
expect_re "pdfsig: good.pdf trusted" "$(cat "$T/pdfsig.good")" 'Certificate Validation: Certificate is Trusted'
expect_re "pdfsig: revoked.pdf revoked" "$(cat "$T/pdfsig.revoked")" 'Certificate Validation: Certificate has been Revoked'
expect_re "pdfsig: unknown.pdf not trusted" "$(cat "$T/pdfsig.unknown")" 'Certificate Validation: (?!Certificate is Trusted)'
expect_re "good.pdf: pass, as pdfsig and openssl ocsp" "$(sline "$T/s.conf" "$O/good.pdf")" ' result=pass '
expect_re "revoked.pdf: refused as revoked, as pdfsig" "$(sline "$T/s.conf" "$O/revoked.pdf")" \
	' result=fail .*reason="certificate revoked \(OCSP\)"$'
expect_re "unknown.pdf: refused, as pdfsig" "$(sline "$T/s.conf" "$O/unknown.pdf")" \
	' result=fail .*reason="certificate unknown to its OCSP responder"$'

# settings
sconf "$T/off.conf" 'ocsp = "off";'
expect_re "ocsp = off: the issuer has no CRL, crl_missing = fail refuses" \
	"$(sline "$T/off.conf" "$O/good.eml")" ' result=fail .*reason="no revocation list for the issuer"$'
closed_port
OCSP_TIMEOUT=2 sconf "$T/override.conf" "ocsp_responder = \"http://127.0.0.1:$CLOSED_PORT/\";"
expect_re "ocsp_responder overrides the AIA (a port that refuses): 'try again later'" \
	"$(sline "$T/override.conf" "$O/good.eml")" " result=fail meets=tempfail .*reason=\"revocation status unavailable: http://127\\.0\\.0\\.1:$CLOSED_PORT/: "
check_rc "... govmaild -s exits 75 (EX_TEMPFAIL)" 75 "$GOVMAILD" -c "$T/override.conf" -s -r require-signed "$O/good.eml"
sconf "$T/nonce.conf" 'ocsp_nonce = true;'
expect_re "ocsp_nonce = true: openssl ocsp echoes the nonce, pass" \
	"$(sline "$T/nonce.conf" "$O/good.eml")" ' result=pass '
sconf "$T/bad.conf" 'ocsp_responder = "https://ocsp.example/";'
expect_re "ocsp_responder must be http:// (error names FILE:LINE)" \
	"$("$GOVMAILD" -c "$T/bad.conf" -s "$O/good.eml" 2>&1)" 'bad\.conf:[0-9]+.*http://'

# --- embedded answers, the responder stopped ------------------------------------
stop_responder
OCSP_TIMEOUT=2
sconf "$T/s.conf"
expect_re "responder stopped: good.eml cannot be checked now (tempfail)" \
	"$(sline "$T/s.conf" "$O/good.eml")" ' result=fail meets=tempfail .*reason="revocation status unavailable: '
expect_re "answer embedded in the CMS (revocationInfoChoices): pass without the network" \
	"$(sline "$T/s.conf" "$O/good-embedded.eml")" ' result=pass meets=yes '
expect_re "revoked answer embedded: refused as revoked" \
	"$(sline "$T/s.conf" "$O/revoked-embedded.eml")" ' result=fail .*reason="certificate revoked \(OCSP\)"$'
expect_re "embedded answer signed by a certificate without OCSPSigning: not believed (then: responder down)" \
	"$(sline "$T/s.conf" "$O/good-badsigner.eml")" ' result=fail meets=tempfail '
expect_re "PDF with the answer in its /DSS: pass without the network" \
	"$(sline "$T/s.conf" "$O/good-dss.pdf")" ' result=pass meets=yes '
expect_re "... and with the /DSS streams compressed (/FlateDecode)" \
	"$(sline "$T/s.conf" "$O/good-dss-flate.pdf")" ' result=pass meets=yes '
expect_re "... the same PDF without its /DSS: tempfail" \
	"$(sline "$T/s.conf" "$O/good.pdf")" ' result=fail meets=tempfail '
# Two documents whose status no one can give: the responder is asked for the
# first (no answer) and not again for the second (30 s, far above the time
# between two checks of one message), so a message waits ocsp_timeout once.
python3 - "$T/two.eml" "$O/good.pdf" "$O/revoked.pdf" <<'PY'
import base64, os, sys
m = (b"From: <annv@haugiang.gov.vn>\r\nSubject: two\r\nMIME-Version: 1.0\r\n"
     b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
for f in sys.argv[2:]:
    name = os.path.basename(f).encode()
    m += (b"--b1\r\nContent-Type: application/pdf; name=\"" + name + b"\"\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\n" +
          base64.encodebytes(open(f, "rb").read()).replace(b"\n", b"\r\n"))
open(sys.argv[1], "wb").write(m + b"--b1--\r\n")
PY
"$GOVMAILD" -c "$T/s.conf" -s -r require-signed "$T/two.eml" >"$T/two.out"
expect_re "two documents, responder down: the first asked, both tempfail, the second not asked again" \
	"$(cat "$T/two.out")" '(?s)file="good\.pdf" result=fail meets=tempfail .*file="revoked\.pdf" result=fail meets=tempfail .*reason="revocation status unavailable: http://127\.0\.0\.1:[0-9]+/: did not answer \(asked again after 30 s\)"'

# --- through the daemon -------------------------------------------------------------
start_responder
t_sign_directory
G=$GOVMAILCTL
PORT=$(t_free_port)
NH=$(t_free_port)
start_sink "$T/sink" "$NH"
# dconf TIMEOUT: the daemon's configuration, ocsp_timeout TIMEOUT (as sconf)
dconf() {
	t_relay_conf "$T/d.conf" "$PORT" "$NH" "max_errors = 100;"
	cat >>"$T/d.conf" <<CONF
signature = {
  internal = "require-signed";
  outbound = "require-signed";
  inbound = "verify";
  trust_anchors = "$P/ca/root.pem";
  intermediates = "$P/ca/intermediates.pem";
  crl_files = ["$P/ca/crl-root.pem"];
  ocsp_timeout = $1;
  # language "vi" (the default): replies in Vietnamese without diacritics
};
CONF
}
dconf 120
mkdir -p "$T/spool"
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PORT" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# mkmsg OUT FILE: a message from annv with the PDF attached
mkmsg() {
	python3 - "$@" <<'PY'
import base64, os, sys
out, f = sys.argv[1], sys.argv[2]
name = os.path.basename(f).encode()
data = base64.encodebytes(open(f, "rb").read()).replace(b"\n", b"\r\n")
m = (b"From: <annv@haugiang.gov.vn>\r\nTo: <friend@example.org>\r\nSubject: Quyet dinh\r\n"
     b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
     b"--b1\r\nContent-Type: text/plain\r\n\r\nKinh gui.\r\n"
     b"--b1\r\nContent-Type: application/pdf; name=\"" + name + b"\"\r\n"
     b"Content-Disposition: attachment; filename=\"" + name + b"\"\r\n"
     b"Content-Transfer-Encoding: base64\r\n\r\n" + data + b"--b1--\r\n")
open(out, "wb").write(m)
PY
}
send() {
	smtp_lines "$PORT" --data "$1" "EHLO client.test" "MAIL FROM:<annv@haugiang.gov.vn>" \
		"RCPT TO:<friend@example.org>" DATA | tail -n 1
}
for n in good revoked unknown; do mkmsg "$T/$n.eml" "$O/$n.pdf"; done
n0=$(requests)
s0=$(count "$T/sink")
expect_re "good.pdf over SMTP: 250" "$(send "$T/good.eml")" '^250 '
expect_eq "... one query to the responder" $((n0 + 1)) "$(requests)"
expect_re "good.pdf again: 250" "$(send "$T/good.eml")" '^250 '
expect_eq "... answered from the cache: no new query" $((n0 + 1)) "$(requests)"
expect_eq "... both relayed" $((s0 + 2)) "$(count "$T/sink")"
expect_re "revoked.pdf over SMTP: 550 naming the reason" "$(send "$T/revoked.eml")" \
	'^550 5\.7\.1 revoked\.pdf: chung thu so da bi thu hoi \(theo OCSP\)$'
stop_responder
expect_re "responder down, good.pdf still answered from the cache: 250" "$(send "$T/good.eml")" '^250 '
# nothing answers now: a short timeout (a reload empties the cache, used above)
dconf 2
check "govmaild reloads with ocsp_timeout = 2" hup_reload "$D" "$T/d.log"
expect_re "responder down, unknown.pdf (never asked): 451, the sender retries" \
	"$(send "$T/unknown.eml")" \
	'^451 4\.7\.5 unknown\.pdf: hien chua kiem tra duoc chu ky \(khong xac dinh duoc tinh trang thu hoi'

expect_eq "... nothing more relayed than the three good ones" $((s0 + 3)) "$(count "$T/sink")"
t_kill -TERM "$D"
wait "$D"
rc=$?
expect_eq "clean exit (no leaks under ASan)" "$rc" 0
[ "$rc" = 0 ] || grep -A40 -m1 'ERROR: \(Leak\|Address\)Sanitizer' "$T/d.log" | sed 's/^/#   /' >&2
