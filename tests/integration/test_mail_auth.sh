#!/usr/bin/env bash
# Inbound verification modules (issue #16; not yet wired into govmaild's
# session): SPF (spf_check.c, libspf2 over dns_resolve.c), DKIM
# verification (dkim_verify.c) and DMARC (dmarc_check.c, libopendmarc)
# through tests/tools/mail_auth_tool, which runs them as govmaild will and
# prints the Authentication-Results field, against a real nsd on loopback
# serving the test zones. Messages are signed by govmaild's own signer
# (dkim_sign_tool) with keys made here by openssl, rsa-sha256 and
# ed25519-sha256.
. "$(dirname "$0")/../lib.sh"

TOOL=$TOP/build/asan/tests/mail_auth_tool
SIGN=$TOP/build/asan/tests/dkim_sign_tool
for f in "$TOOL" "$SIGN"; do
	[ -x "$f" ] || { echo "Bail out! $f missing (make asan)"; exit 1; }
done
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	{ echo "Bail out! publicsuffix missing (scripts/install-deps)"; exit 1; }

# --- keys: a keyring as govmailctl dkim keygen leaves it ----------------------
KEYS=$T/dkim
mkdir -m 700 "$KEYS"
(umask 077
 openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEYS/example.org.sel1.key" 2>/dev/null
 openssl genpkey -algorithm ED25519 -out "$KEYS/example.org.sel1-ed.key" 2>/dev/null)
printf 'active sel1\ned25519 yes\n' >"$KEYS/example.org.state"
rsa_p=$(openssl pkey -in "$KEYS/example.org.sel1.key" -pubout -outform DER | base64 -w0)
ed_p=$(openssl pkey -in "$KEYS/example.org.sel1-ed.key" -pubout -outform DER | tail -c 32 | base64 -w0)
# TXT character-strings of at most 255 bytes.
rsa_txt=$(printf 'v=DKIM1; k=rsa; p=%s' "$rsa_p" | fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' ')

lookups=""
for i in 1 2 3 4 5 6 7 8 9 10 11; do lookups="$lookups a:h$i.example.org"; done

cat >"$T/example.org.zone" <<ZONE
\$ORIGIN example.org.
\$TTL 300
@ IN SOA ns hostmaster 1 3600 600 86400 60
@ IN NS ns
ns IN A 127.0.0.1
@ IN TXT "v=spf1 ip4:192.0.2.1 include:_spf.example.net -all"
soft IN TXT "v=spf1 ~all"
redir IN TXT "v=spf1 redirect=example.net"
many IN TXT "v=spf1$lookups -all"
broken IN TXT "v=spf1 ip4:192.0.2.300 -all"
voids IN TXT "v=spf1 a:v1.example.org a:v2.example.org a:v3.example.org -all"
$(for i in 1 2 3 4 5 6 7 8 9 10 11; do echo "h$i IN A 10.0.0.$i"; done)
nospf IN A 10.0.0.99
_dmarc IN TXT "v=DMARC1; p=reject; adkim=r; aspf=r"
_dmarc.strict IN TXT "v=DMARC1; p=quarantine; adkim=s; aspf=s"
_dmarc.mon IN TXT "v=DMARC1; p=none"
_dmarc.badrec IN TXT "v=DMARC1; p=never"
sel1._domainkey IN TXT $rsa_txt
sel1-ed._domainkey IN TXT "v=DKIM1; k=ed25519; p=$ed_p"
ZONE
cat >"$T/example.net.zone" <<ZONE
\$ORIGIN example.net.
\$TTL 300
@ IN SOA ns hostmaster 1 3600 600 86400 60
@ IN NS ns
ns IN A 127.0.0.1
@ IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
_spf IN TXT "v=spf1 ip4:203.0.113.5 -all"
ZONE
t_dns_start "$T/example.org.zone" "$T/example.net.zone"

ID=mx.test.gov.vn
# auth IP MAILFROM MESSAGE: the tool's output (the field unfolded to one line)
auth() {
	"$TOOL" -S "127.0.0.1@$DNS_PORT" -T 3 -i "$1" -H mail.sender.test -f "$2" -a "$ID" \
		<"$3" 2>>"$T/tool.err" | tr -d '\r' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n\t/ /g'
}
msg() {  # msg FILE FROM: a small message, CRLF line ends
	printf 'From: Sender <%s>\r\nTo: a@haugiang.gov.vn\r\nSubject: test\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@x>\r\n\r\nHello.\r\nSecond line.  \r\n\r\n' "$2" >"$1"
}
sign() { "$SIGN" -k "$KEYS" -d "$2" -s "$T" <"$1" >"$1.signed"; }

msg "$T/plain" someone@example.org

# --- SPF --------------------------------------------------------------------
expect_match "SPF pass (ip4)" "$(auth 192.0.2.1 someone@example.org "$T/plain")" \
	'spf=pass smtp.mailfrom=someone@example.org;'
expect_match "SPF pass through include:" "$(auth 203.0.113.5 someone@example.org "$T/plain")" 'spf=pass '
expect_match "SPF fail (-all)" "$(auth 192.0.2.99 someone@example.org "$T/plain")" 'spf=fail '
expect_match "SPF softfail (~all)" "$(auth 192.0.2.99 x@soft.example.org "$T/plain")" 'spf=softfail '
expect_match "SPF none (no record)" "$(auth 192.0.2.99 x@nospf.example.org "$T/plain")" 'spf=none '
expect_match "SPF redirect= pass" "$(auth 198.51.100.7 x@redir.example.org "$T/plain")" 'spf=pass '
expect_match "SPF redirect= fail" "$(auth 192.0.2.99 x@redir.example.org "$T/plain")" 'spf=fail '
expect_match "SPF: 11 lookups exceed the limit of 10: permerror" \
	"$(auth 192.0.2.99 x@many.example.org "$T/plain")" 'spf=permerror '
expect_match "SPF: a broken record is permerror" "$(auth 192.0.2.99 x@broken.example.org "$T/plain")" \
	'spf=permerror '
expect_match "SPF: 3 void lookups exceed the limit of 2: permerror" \
	"$(auth 192.0.2.99 x@voids.example.org "$T/plain")" 'spf=permerror \(more than 2 void lookups\)'
expect_match "SPF: the null sender checks the HELO name" "$(auth 192.0.2.99 "" "$T/plain")" \
	'spf=none smtp.helo=mail.sender.test'

# --- DKIM -------------------------------------------------------------------
out=$(auth 192.0.2.99 someone@example.org "$T/plain")
expect_match "an unsigned message: dkim=none" "$out" 'dkim=none;'
check "the message is signed by dkim_sign_tool" sign "$T/plain" example.org
out=$(auth 192.0.2.99 someone@example.org "$T/plain.signed")
expect_match "DKIM rsa-sha256 pass" "$out" \
	'dkim=pass header.d=example.org header.s=sel1 header.a=rsa-sha256 header.b="?[A-Za-z0-9+/]{8}"?;'
expect_match "DKIM ed25519-sha256 pass" "$out" \
	'dkim=pass header.d=example.org header.s=sel1-ed header.a=ed25519-sha256 '
sed 's/Second line/Second lime/' "$T/plain.signed" >"$T/tampered"
out=$(auth 192.0.2.99 someone@example.org "$T/tampered")
expect_match "a changed body: dkim=fail (body hash)" "$out" 'dkim=fail \(body hash did not verify\) header.d=example.org header.s=sel1 '
sed 's/^Subject: test/Subject: tesT/' "$T/plain.signed" >"$T/tampered2"
expect_match "a changed signed field: dkim=fail (signature)" \
	"$(auth 192.0.2.99 someone@example.org "$T/tampered2")" 'dkim=fail \(signature did not verify\)'
sed 's/s=sel1;/s=nokey;/' "$T/plain.signed" >"$T/nokey"
expect_match "a selector without a record: dkim=permerror" \
	"$(auth 192.0.2.99 someone@example.org "$T/nokey")" 'dkim=permerror \(no key record\) header.d=example.org header.s=nokey'

# Signed by a signer nobody here wrote (python3-dkim): simple/simple, and
# l= (a body length), which covers only what it counts.
openssl rsa -in "$KEYS/example.org.sel1.key" -traditional -out "$T/rsa1.pem" 2>/dev/null
pysign() {  # pysign IN OUT CANON LENGTH
	python3 - "$@" "$T/rsa1.pem" <<'PY'
import sys, dkim
src, dst, canon, length, key = sys.argv[1:6]
m = open(src, 'rb').read()
c = canon.encode()
sig = dkim.sign(m, b'sel1', b'example.org', open(key, 'rb').read(), canonicalize=(c, c),
                include_headers=[b'from', b'to', b'subject', b'date'], length=(length == 'yes'))
open(dst, 'wb').write(sig + m)
PY
}
if python3 -c 'import dkim' 2>/dev/null; then
	pysign "$T/plain" "$T/py-simple" simple no
	expect_match "python3-dkim simple/simple: pass" "$(auth 192.0.2.99 someone@example.org "$T/py-simple")" \
		'dkim=pass header.d=example.org header.s=sel1 '
	printf '\r\n\r\n' >>"$T/py-simple"
	expect_match "... empty lines added at the end: still pass (simple body)" \
		"$(auth 192.0.2.99 someone@example.org "$T/py-simple")" 'dkim=pass header.d=example.org '
	sed 's/^Subject: test/Subject:  test/' "$T/py-simple" >"$T/py-simple2"
	expect_match "... a space added in a signed field: fail (simple header)" \
		"$(auth 192.0.2.99 someone@example.org "$T/py-simple2")" 'dkim=fail \(signature did not verify\)'
	pysign "$T/plain" "$T/py-l" relaxed yes
	expect_match "python3-dkim relaxed with l= over the whole body: pass" \
		"$(auth 192.0.2.99 someone@example.org "$T/py-l")" 'dkim=pass header.d=example.org '
	printf 'Appended by someone else.\r\n' >>"$T/py-l"
	expect_match "... text appended after l=: neutral, not pass" \
		"$(auth 192.0.2.99 someone@example.org "$T/py-l")" 'dkim=neutral \(l= covers part of the body only\)'
	# A colon inside a value keeps the space after it (relaxed, RFC 6376
	# §3.4.2): python3-dkim verifies govmaild's signature of "Re: ...".
	sed 's/^Subject: test/Subject: Re: test:  again/' "$T/plain" >"$T/re"
	sign "$T/re" example.org
	check "govmaild's signature of \"Subject: Re: test:  again\" verifies in python3-dkim" \
		python3 "$TOP/tests/integration/dkim_verify.py" "$DNS_PORT" "$T/re.signed"
	pysign "$T/re" "$T/py-re" relaxed no
	expect_match "... and python3-dkim's relaxed signature of it verifies here" \
		"$(auth 192.0.2.99 someone@example.org "$T/py-re")" 'dkim=pass header.d=example.org '
else
	echo "Bail out! python3-dkim missing (scripts/install-deps)"; exit 1
fi

# --- DMARC ------------------------------------------------------------------
out=$(auth 192.0.2.99 bounce@other.test "$T/plain.signed")
expect_match "DMARC pass by the aligned DKIM signature (SPF not aligned)" "$out" \
	'dmarc=pass \(p=reject dis=none\) header.from=example.org'
out=$(auth 192.0.2.1 someone@example.org "$T/plain")
expect_match "DMARC pass by aligned SPF (unsigned)" "$out" 'dmarc=pass \(p=reject dis=none\)'
out=$(auth 192.0.2.99 bounce@other.test "$T/plain")
expect_match "DMARC fail, p=reject read" "$out" 'dmarc=fail \(p=reject dis=reject\) header.from=example.org'
msg "$T/sub" someone@sub.example.org
sign "$T/sub" sub.example.org
expect_match "relaxed alignment: From sub.example.org, d=example.org, org-domain record: pass" \
	"$(auth 192.0.2.99 bounce@other.test "$T/sub.signed")" 'dmarc=pass \(p=reject dis=none\) header.from=sub.example.org'
msg "$T/strict" someone@strict.example.org
sign "$T/strict" strict.example.org
out=$(auth 192.0.2.1 someone@example.org "$T/strict.signed")
expect_match "strict alignment: d=example.org for strict.example.org: DKIM passes ..." "$out" 'dkim=pass header.d=example.org'
expect_match "... but DMARC fails, p=quarantine read" "$out" \
	'dmarc=fail \(p=quarantine dis=quarantine\) header.from=strict.example.org'
msg "$T/mon" someone@mon.example.org
expect_match "p=none read: fail, nothing to enforce" "$(auth 192.0.2.99 bounce@other.test "$T/mon")" \
	'dmarc=fail \(p=none dis=none\) header.from=mon.example.org'
msg "$T/nodmarc" someone@example.net
expect_match "no DMARC record: dmarc=none" "$(auth 192.0.2.99 bounce@other.test "$T/nodmarc")" \
	'dmarc=none header.from=example.net'
msg "$T/badrec" someone@badrec.example.org
expect_match "a broken DMARC record: dmarc=permerror" "$(auth 192.0.2.99 bounce@other.test "$T/badrec")" \
	'dmarc=permerror'

# --- Authentication-Results -------------------------------------------------
{ printf 'Authentication-Results: mx.test.gov.vn; dkim=pass header.d=haugiang.gov.vn\r\n'
  printf 'Authentication-Results: mx.google.com; spf=pass\r\n'
  cat "$T/plain.signed"; } >"$T/forged"
out=$(auth 192.0.2.99 someone@example.org "$T/forged")
expect_match "the field starts with our authserv-id" "$out" '^Authentication-Results: mx.test.gov.vn; spf='
expect_match "an incoming field with our authserv-id is found for removal, another's is not" "$out" 'removed: 1$'
expect_match "... and the signature still verifies (A-R is not signed)" "$out" 'dkim=pass header.d=example.org header.s=sel1 '

# --- DNS server stopped: temporary errors -----------------------------------
t_dns_stop
out=$(auth 192.0.2.99 someone@example.org "$T/plain.signed")
expect_match "server stopped: spf=temperror" "$out" 'spf=temperror'
expect_match "... dkim=temperror" "$out" 'dkim=temperror \(key record lookup failed\)'
expect_match "... dmarc=temperror" "$out" 'dmarc=temperror'
expect_eq "no error output from the tool (ASan clean)" "$(cat "$T/tool.err")" ""
