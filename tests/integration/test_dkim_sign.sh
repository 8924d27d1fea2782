#!/usr/bin/env bash
# DKIM signing end to end, short of govmaild's SMTP session: keys made by
# govmailctl dkim keygen for a governed domain (refused for others), their
# records from dkim dns served by a real nsd on loopback, messages signed
# by govmaild's signer (dkim_sign.c, through tests/tools/dkim_sign_tool,
# which holds the message in a spool as govmaild does) and verified by
# python3-dkim and by libopendkim (tests/tools/opendkim_verify), both
# fetching the keys from that nsd: rsa-sha256 and ed25519-sha256, an 8-bit
# Vietnamese body, long folded headers, a 20 MB message, 40 To: fields;
# tampered messages fail; and the key rotation flow (keygen, rotate, old
# selector still verifying, new one signing after the delay), with times
# given by --now / -t rather than waited for.
. "$(dirname "$0")/../lib.sh"

TOOL=$TOP/build/asan/tests/dkim_sign_tool
OPENDKIM=$TOP/build/asan/tests/opendkim_verify
for f in "$TOOL" "$OPENDKIM"; do
	[ -x "$f" ] || { echo "Bail out! $f missing (make asan)"; exit 1; }
done
python3 -c 'import dkim, dns.resolver, nacl' 2>/dev/null ||
	{ echo "Bail out! python3-dkim, python3-dnspython or python3-nacl missing (scripts/install-deps)"; exit 1; }

t_sandbox_start
KEYS=$T/dkim
t_govmail_conf "dkim = { key_dir = \"$KEYS\"; };"
G=$GOVMAILCTL
verify() { python3 "$TOP/tests/integration/dkim_verify.py" "$DNS_PORT" "$1"; }
verify2() { "$OPENDKIM" "$DNS_PORT" <"$1"; }
# epoch of an ISO time
at() { date -u -d "$1" +%s; }

check "domain add haugiang.gov.vn" "$G" domain add haugiang.gov.vn

# --- keygen ------------------------------------------------------------------
check_rc "keygen for a domain that is not governed is refused (65)" 65 \
	"$G" dkim keygen example.com
expect_match "... saying why" "$(cat "$T/last.err")" "not a governed active domain"
check_rc "keygen haugiang.gov.vn --ed25519" 0 "$G" dkim keygen HaUGiang.gov.vn --ed25519 \
	--now 2026-01-10T00:00:00Z
expect_match "the selector is PREFIX YEAR LETTER" "$(cat "$T/last.out")" \
	"selector gm2026a \(RSA 2048\), selector gm2026a-ed \(Ed25519\)"
for s in gm2026a gm2026a-ed; do
	f=$KEYS/haugiang.gov.vn.$s.key
	expect_eq "$s: key file mode 0600" "$(stat -c %a "$f" 2>&1)" 600
done
expect_eq "the key directory is mode 0700" "$(stat -c %a "$KEYS")" 700
expect_eq "the RSA key has 2048 bits" \
	"$(openssl pkey -in "$KEYS/haugiang.gov.vn.gm2026a.key" -noout -text | head -n 1)" \
	"Private-Key: (2048 bit, 2 primes)"
expect_match "the Ed25519 key is one" \
	"$(openssl pkey -in "$KEYS/haugiang.gov.vn.gm2026a-ed.key" -noout -text | head -n 1)" "ED25519"
expect_eq "no temporary file is left" "$(ls "$KEYS" | grep -c tmp)" 0
check_rc "keygen again is refused: rotate makes new keys (65)" 65 \
	"$G" dkim keygen haugiang.gov.vn
expect_match "... naming rotate" "$(cat "$T/last.err")" "dkim rotate"
expect_match "keygen is audited" "$(grep '"op":"dkim.keygen"' "$T/audit.log")" \
	'"target":"haugiang.gov.vn".*"field":"selector","old":null,"new":"gm2026a"'

# --- dns ------------------------------------------------------------------------
check "dkim dns" "$G" dkim dns haugiang.gov.vn --now 2026-01-11T00:00:00Z
cp "$T/last.out" "$T/dns1.out"
expect_eq "two records (RSA and Ed25519)" "$(grep -c '^gm2026a.*IN TXT' "$T/dns1.out")" 2
expect_match "the RSA record" "$(cat "$T/dns1.out")" \
	'^gm2026a\._domainkey\.haugiang\.gov\.vn\. IN TXT "v=DKIM1; k=rsa; p=MIIB'
expect_match "the Ed25519 record" "$(cat "$T/dns1.out")" \
	'^gm2026a-ed\._domainkey\.haugiang\.gov\.vn\. IN TXT "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="$'
longest=$(grep -o '"[^"]*"' "$T/dns1.out" | awk '{ if (length($0) - 2 > m) m = length($0) - 2 } END { print m }')
expect_eq "character-strings of at most 255 bytes (the RSA one is split)" \
	"$([ "$longest" -le 255 ] && [ "$(grep '^gm2026a\.' "$T/dns1.out" | grep -o '"' | wc -l)" -ge 4 ] && echo yes)" yes
# The public key in the record is the one openssl derives from the key file.
want=$(openssl pkey -in "$KEYS/haugiang.gov.vn.gm2026a.key" -pubout -outform DER | base64 -w0)
got=$(grep '^gm2026a\.' "$T/dns1.out" | grep -o '"[^"]*"' | tr -d '"\n' | sed 's/.*p=//')
expect_eq "the RSA record holds the key's public half" "$got" "$want"

zone() {  # zone FILE DNS-OUTPUT...: the test zone with these records
	{
		printf '$ORIGIN haugiang.gov.vn.\n$TTL 300\n'
		printf '@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n'
		printf '@ IN TXT "v=spf1 -all"\n_dmarc IN TXT "v=DMARC1; p=reject"\n'
		shift; cat "$@"
	} >"$1"
}
zone "$T/zone" "$T/dns1.out"
t_dns_start "$T/zone"
ok "nsd serves the test zone on 127.0.0.1:$DNS_PORT"

# --- sample messages -------------------------------------------------------------
python3 - "$T" <<'PY'
import sys, base64
t = sys.argv[1]
def w(name, headers, body):
    open(f"{t}/{name}.eml", "wb").write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
w("plain", ["From: Nguyen Van An <annv@haugiang.gov.vn>", "To: b@example.com",
            "Subject: plain test", "Date: Mon, 12 Jan 2026 10:00:00 +0700",
            "Message-ID: <plain@haugiang.gov.vn>"], b"Hello,\r\n\r\nthe report is attached.\r\n")
vi = ("Kính gửi các đồng chí,\r\n\r\nSở Nội vụ tỉnh Hậu Giang thông báo lịch họp "
      "giao ban quý I năm 2026.   Đề nghị các cơ quan, đơn vị cử đại diện tham dự \t \r\n"
      "đúng giờ.\r\n\r\nTrân trọng.\r\nNguyễn Văn An\r\n\r\n\r\n").encode("utf-8")
to = ",\r\n\t".join("nguoi.nhan.so.%02d@so-%02d.haugiang.gov.vn" % (i, i) for i in range(40))
subj = "=?UTF-8?B?" + base64.b64encode("Thông báo lịch họp giao ban quý I năm 2026 của Sở Nội vụ tỉnh Hậu Giang".encode()).decode() + "?="
w("vi", ["From: =?UTF-8?B?" + base64.b64encode("Nguyễn Văn An".encode()).decode() + "?= <annv@haugiang.gov.vn>",
         "To: " + to, "Cc: \"Phong   Hanh chinh\"   <hc@haugiang.gov.vn>  ",
         "Subject: " + subj[:40] + "\r\n " + subj[40:80] + "\r\n\t" + subj[80:],
         "Date: Mon, 12 Jan 2026 10:00:00 +0700", "MIME-Version: 1.0",
         "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
         "X-Long: " + "\r\n ".join(["x" * 70] * 14)], vi)
# 20 MB: a base64 attachment, 76-character lines.
line = (b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3" [:76]) + b"\r\n"
n = 20 * 1024 * 1024 // len(line) + 1
w("big", ["From: annv@haugiang.gov.vn", "To: b@example.com", "Subject: 20 MB",
          "Date: Mon, 12 Jan 2026 10:00:00 +0700", "MIME-Version: 1.0",
          "Content-Type: application/pdf; name=\"big.pdf\"",
          "Content-Transfer-Encoding: base64"], line * n)
w("snv", ["From: snv@snv.haugiang.gov.vn", "To: b@example.com", "Subject: agency",
          "Date: Mon, 12 Jan 2026 10:00:00 +0700"], b"from an agency subdomain\r\n")
w("nofrom", ["To: b@example.com", "Subject: no from"], b"x\r\n")
# 40 To: fields: every instance signed, bottom-up as verifiers take them.
w("manyto", ["From: annv@haugiang.gov.vn"] + ["To: r%d@example.com" % i for i in range(40)] +
    ["Subject: many", "Date: Mon, 12 Jan 2026 10:00:00 +0700"], b"x\r\n")
PY
expect_eq "the big message is over 20 MB" "$([ "$(stat -c %s "$T/big.eml")" -gt 20971520 ] && echo yes)" yes

T_JAN=$(at 2026-01-12T03:00:00Z)
for m in plain vi big manyto; do
	check "sign $m" sh -c "'$TOOL' -k '$KEYS' -d haugiang.gov.vn -t $T_JAN -s '$T' <'$T/$m.eml' >'$T/$m.signed'"
	check_rc "$m: python3-dkim verifies both signatures" 0 verify "$T/$m.signed"
	expect_eq "$m: rsa-sha256 and ed25519-sha256 pass" "$(cat "$T/last.out")" \
		"0 a=rsa-sha256 s=gm2026a pass
1 a=ed25519-sha256 s=gm2026a-ed pass"
	check_rc "$m: libopendkim verifies both signatures" 0 verify2 "$T/$m.signed"
	expect_eq "$m: ... rsa-sha256 and ed25519-sha256" "$(cat "$T/last.out")" \
		"0 a=rsa-sha256 s=gm2026a pass
1 a=ed25519-sha256 s=gm2026a-ed pass"
done
expect_eq "the message follows the signatures unchanged" \
	"$(tail -c +"$(($(grep -b -m1 '^From:' "$T/vi.signed" | cut -d: -f1) + 1))" "$T/vi.signed" | cmp - "$T/vi.eml" && echo same)" same
expect_eq "signature lines are at most 78 characters" \
	"$(sed -n '1,/^From:/p' "$T/vi.signed" | tr -d '\r' | awk 'length($0) > 78' | wc -l)" 0
sig=$(sed -n '1,/^From:/p' "$T/vi.signed" | tr -d '\r\n\t ')
expect_match "relaxed/relaxed, From To Subject Date oversigned, Cc and MIME fields signed" "$sig" \
	'c=relaxed/relaxed;.*h=from:from:to:to:subject:subject:date:date:cc:mime-version:content-type:content-transfer-encoding;'
expect_eq "X-Long (not a recommended field) is not signed" "$(printf '%s' "$sig" | grep -c 'x-long')" 0

# Relaxed canonicalisation: whitespace changes in transit still verify.
python3 - "$T/vi.signed" "$T/vi.ws" <<'PY'
import sys
m = open(sys.argv[1], "rb").read()
h, b = m.split(b"\r\n\r\n", 1)
h = h.replace(b"Date: Mon,", b"Date:    Mon,\t")
b = b.replace(b"\r\n", b"  \r\n") + b"\r\n\r\n"
open(sys.argv[2], "wb").write(h + b"\r\n\r\n" + b)
PY
check_rc "whitespace added at line ends, in Date: and blank lines at the end still verify" \
	0 verify "$T/vi.ws"
check_rc "... for libopendkim too" 0 verify2 "$T/vi.ws"

# --- tampering fails -----------------------------------------------------------
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
m = open(f"{t}/vi.signed", "rb").read()
open(f"{t}/t-body.eml", "wb").write(m.replace("quý I".encode(), "quý II".encode()))
h, b = m.split(b"\r\n\r\n", 1)
open(f"{t}/t-subj.eml", "wb").write(m.replace(b"Subject: =?UTF-8?B?", b"Subject: =?UTF-8?b?"))
# A second From: (oversigning: the signature says there was exactly one).
i = h.index(b"\r\nFrom:") + 2
open(f"{t}/t-from.eml", "wb").write(h[:i] + b"From: ceo@haugiang.gov.vn\r\n" + h[i:] + b"\r\n\r\n" + b)
# A To: added after the last one.
open(f"{t}/t-to.eml", "wb").write(h + b"\r\nTo: other@example.com\r\n\r\n" + b)
big = open(f"{t}/big.signed", "rb").read()
j = len(big) - 1000
open(f"{t}/t-big.eml", "wb").write(big[:j] + (b"B" if big[j:j+1] != b"B" else b"C") + big[j+1:])
PY
for m in body subj from to big; do
	check_rc "tampered ($m): verification fails" 1 verify "$T/t-$m.eml"
	expect_eq "tampered ($m): both signatures fail" "$(grep -c ' fail$' "$T/last.out")" 2
	check_rc "tampered ($m): libopendkim fails it too" 1 verify2 "$T/t-$m.eml"
	expect_eq "tampered ($m): ... both signatures" "$(grep -c ' fail ' "$T/last.out")" 2
done

# --- which key signs ---------------------------------------------------------------
check "an agency subdomain without keys of its own is signed as the province" \
	sh -c "'$TOOL' -k '$KEYS' -d snv.haugiang.gov.vn -t $T_JAN <'$T/snv.eml' >'$T/snv.signed'"
expect_match "... d=haugiang.gov.vn" "$(tr -d '\r\n\t ' <"$T/snv.signed")" 'd=haugiang.gov.vn;s=gm2026a;'
check_rc "... and verifies" 0 verify "$T/snv.signed"
check_rc "a domain without keys is not signed" 1 \
	sh -c "'$TOOL' -k '$KEYS' -d example.com <'$T/plain.eml' >/dev/null"
check_rc "a message without From: is not signed" 1 \
	sh -c "'$TOOL' -k '$KEYS' -d haugiang.gov.vn <'$T/nofrom.eml' >/dev/null"
expect_match "... saying so" "$(cat "$T/last.err")" "no From: field"

# --- rotation ------------------------------------------------------------------------
check_rc "rotate" 0 "$G" dkim rotate haugiang.gov.vn --now 2026-03-01T00:00:00Z
expect_match "rotate names the new selector" "$(cat "$T/last.out")" "new DKIM key, selector gm2026b"
expect_match "... when it signs" "$(cat "$T/last.out")" "gm2026b signs from 2026-03-04T00:00:00Z"
expect_match "... and when the old record may go" "$(cat "$T/last.out")" \
	"gm2026a's record may be removed after 2026-03-11T00:00:00Z"
expect_match "rotate is audited" "$(grep '"op":"dkim.rotate"' "$T/audit.log")" \
	'"old":"gm2026a","new":"gm2026b".*"signs_from".*"2026-03-04T00:00:00Z"'
check_rc "a second rotate during the delay is refused (75)" 75 \
	"$G" dkim rotate haugiang.gov.vn --now 2026-03-02T00:00:00Z
check "dkim dns during the rotation" "$G" dkim dns haugiang.gov.vn --now 2026-03-02T00:00:00Z
cp "$T/last.out" "$T/dns2.out"
expect_eq "... prints the four records (old and new, RSA and Ed25519)" \
	"$(grep -c 'IN TXT' "$T/dns2.out")" 4
t_dns_stop
zone "$T/zone" "$T/dns2.out"
t_dns_start "$T/zone"

check "sign before the delay" sh -c "'$TOOL' -k '$KEYS' -d haugiang.gov.vn -t $(at 2026-03-03T23:59:59Z) <'$T/plain.eml' >'$T/r1.signed'"
check "sign after the delay" sh -c "'$TOOL' -k '$KEYS' -d haugiang.gov.vn -t $(at 2026-03-04T00:00:00Z) <'$T/plain.eml' >'$T/r2.signed'"
check_rc "before the delay the old selector signs, and verifies" 0 verify "$T/r1.signed"
expect_match "... gm2026a" "$(cat "$T/last.out")" "s=gm2026a pass"
check_rc "after it the new selector signs, and verifies" 0 verify "$T/r2.signed"
expect_eq "... gm2026b and gm2026b-ed" "$(cat "$T/last.out")" \
	"0 a=rsa-sha256 s=gm2026b pass
1 a=ed25519-sha256 s=gm2026b-ed pass"
check_rc "... for libopendkim too" 0 verify2 "$T/r2.signed"
check_rc "mail signed before the rotation still verifies" 0 verify "$T/plain.signed"
check_rc "... for libopendkim too" 0 verify2 "$T/plain.signed"

check "dkim list after the delay" "$G" dkim list --now 2026-03-05T00:00:00Z
expect_match "list: gm2026a is retiring" "$(cat "$T/last.out")" \
	"haugiang.gov.vn +gm2026a +rsa-sha256 +retiring, keep the record until 2026-03-11T00:00:00Z"
expect_match "list: gm2026b-ed signs" "$(cat "$T/last.out")" \
	"haugiang.gov.vn +gm2026b-ed +ed25519-sha256 +signing \(since 2026-03-04T00:00:00Z\)"
check "dkim list --json" "$G" --json dkim list --now 2026-03-05T00:00:00Z
expect_eq "list --json: four keys" "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$T/last.out")" 4
check "dkim dns after the old record's time" "$G" dkim dns haugiang.gov.vn --now 2026-03-12T00:00:00Z
expect_eq "... prints only the new selector's records" \
	"$(grep 'IN TXT' "$T/last.out" | cut -d. -f1 | tr '\n' ' ')" "gm2026b gm2026b-ed "
check_rc "the next rotation" 0 "$G" dkim rotate haugiang.gov.vn --now 2026-03-12T00:00:00Z
expect_match "... makes gm2026c" "$(cat "$T/last.out")" "selector gm2026c"
check "dkim list after it" "$G" dkim list --now 2026-03-12T00:00:00Z
expect_match "gm2026a is retired" "$(cat "$T/last.out")" "gm2026a +rsa-sha256 +retired, the record may be removed"
expect_match "gm2026c is next" "$(cat "$T/last.out")" "gm2026c +rsa-sha256 +next, publish now, signs from 2026-03-15T00:00:00Z"
# gm2026c signs from 03-15, gm2026b's record stays until 03-22: a rotation
# on 03-16 (gm2026d from 03-19) is fine, the next one before 03-22 would
# forget gm2026b's record while it must stay.
check_rc "rotate once the new key signs" 0 "$G" dkim rotate haugiang.gov.vn --now 2026-03-16T00:00:00Z
check_rc "a rotation that would forget a record still needed is refused (75)" 75 \
	"$G" dkim rotate haugiang.gov.vn --now 2026-03-20T00:00:00Z
expect_match "... saying until when" "$(cat "$T/last.err")" \
	"record of gm2026b must stay published until 2026-03-22T00:00:00Z"
check_rc "after that date it is done" 0 "$G" dkim rotate haugiang.gov.vn --now 2026-03-22T00:00:00Z
expect_match "... making gm2026e" "$(cat "$T/last.out")" "selector gm2026e"

# --- keys others may read are refused -------------------------------------------------
chmod 644 "$KEYS/haugiang.gov.vn.gm2026e.key"
check_rc "a key file of mode 0644 is refused when the keys are loaded" 1 \
	sh -c "'$TOOL' -k '$KEYS' -d haugiang.gov.vn <'$T/plain.eml' >/dev/null"
expect_match "... naming the file and the mode" "$(cat "$T/last.err")" "gm2026e.key: mode 0644"
chmod 600 "$KEYS/haugiang.gov.vn.gm2026e.key"

t_dns_stop
