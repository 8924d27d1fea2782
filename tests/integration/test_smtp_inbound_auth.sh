#!/usr/bin/env bash
# test_smtp_inbound_auth.sh — govmaild checks SPF, DKIM and DMARC of relay
# mail from outside (inbound { }), against a real nsd on loopback serving
# the test zones (SPF records with include/redirect/11 lookups/a broken
# one, DKIM keys, DMARC records p=reject/quarantine/none/broken, strict
# alignment). Messages are signed by python3-dkim (the oracle signer);
# the client address and HELO come from XFORWARD (the front MTA). Two
# govmaild run side by side: one enforcing other domains' DMARC, one with
# the defaults (tag only). Cases: pass, fail, none, permerror; SPF
# include/redirect and the 10-lookup limit; a forged governed From:
# (domain and subdomain; relay_domains, then the directory of a sandbox
# slapd, also nine labels below it) refused 550 5.7.22, a signed one and
# allowed vendors (network, DKIM domain) accepted; a governed address in
# the display name or before stray words refused 550 5.7.22; no From:, an
# unreadable one, one naming 17 domains refused 550 5.7.1, a folded one
# with an 8-bit Vietnamese display name accepted; DMARC reject (550), quarantine
# (tag: header field and Subject), none; relaxed vs strict alignment; a
# forged Authentication-Results with our authserv-id (other case, folded)
# removed at the sink while another authserv-id's is kept; a trusted
# client gets no field; the DMARC history lines; inbound.agency_dmarc by
# the recipients' agencies in the directory; the DNS server stopped:
# 451 where the answer could refuse, temperror and accept where it could not.
. "$(dirname "$0")/../lib.sh"

python3 -c 'import dkim' 2>/dev/null ||
	{ echo "Bail out! python3-dkim missing (scripts/install-deps)"; exit 1; }
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	{ echo "Bail out! publicsuffix missing (scripts/install-deps)"; exit 1; }

# --- keys and zones ---------------------------------------------------------------
(umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/k.pem" 2>/dev/null
 openssl rsa -in "$T/k.pem" -traditional -out "$T/rsa.pem" 2>/dev/null)
p=$(openssl pkey -in "$T/k.pem" -pubout -outform DER | base64 -w0)
KEYTXT=$(printf 'v=DKIM1; k=rsa; p=%s' "$p" | fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' ')
lookups=""
for i in 1 2 3 4 5 6 7 8 9 10 11; do lookups="$lookups a:h$i.example.org"; done
zone() {  # zone NAME: SOA, NS, then the records on stdin
	printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n@ IN NS ns\nns IN A 127.0.0.1\n' "$1"
	cat
}
zone example.org >"$T/example.org.zone" <<ZONE
@ IN TXT "v=spf1 ip4:192.0.2.1 include:_spf.example.net -all"
redir IN TXT "v=spf1 redirect=example.net"
many IN TXT "v=spf1$lookups -all"
broken IN TXT "v=spf1 ip4:192.0.2.300 -all"
strict IN TXT "v=spf1 ip4:192.0.2.1 -all"
mon IN TXT "v=spf1 -all"
$(for i in 1 2 3 4 5 6 7 8 9 10 11; do echo "h$i IN A 10.0.0.$i"; done)
_dmarc IN TXT "v=DMARC1; p=reject; adkim=r; aspf=r"
_dmarc.strict IN TXT "v=DMARC1; p=quarantine; adkim=s; aspf=s"
_dmarc.mon IN TXT "v=DMARC1; p=none"
_dmarc.badrec IN TXT "v=DMARC1; p=never"
sel1._domainkey IN TXT $KEYTXT
ZONE
zone example.net >"$T/example.net.zone" <<ZONE
@ IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
_spf IN TXT "v=spf1 ip4:203.0.113.5 -all"
ZONE
zone haugiang.gov.vn >"$T/gov.zone" <<ZONE
@ IN TXT "v=spf1 ip4:192.0.2.50 -all"
_dmarc IN TXT "v=DMARC1; p=none"
sel1._domainkey IN TXT $KEYTXT
ZONE
zone vendor.example >"$T/vendor.zone" <<ZONE
sel1._domainkey IN TXT $KEYTXT
ZONE
ZONES=("$T/example.org.zone" "$T/example.net.zone" "$T/gov.zone" "$T/vendor.zone")
t_dns_start "${ZONES[@]}"
ok "nsd serves the test zones on 127.0.0.1:$DNS_PORT"

# --- the next hop and two govmaild --------------------------------------------------
NH=$(t_free_port)
P1=$(t_free_port)
P2=$(t_free_port)
mkdir -p "$T/sink" "$T/spool1" "$T/spool2"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
# dns.timeout is generous: a loaded machine must never turn a slow answer
# into a temperror; only the stopped server below times out.
dconf() {  # dconf FILE PORT SPOOL INBOUND-EXTRA
	cat >"$1" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$2"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$3";
  xclient_hosts = ["127.0.0.1"];
};
next_hop = { port = $NH; starttls = false; };
policy = { use_directory = false; relay_domains = ["haugiang.gov.vn"]; trusted_networks = ["10.0.0.0/8"]; };
dns = { server = "127.0.0.1@$DNS_PORT"; timeout = 20; };
inbound = {
  verify = true;
  authserv_id = "mx.haugiang.gov.vn";
  allowed_networks = ["198.18.0.0/24"];
  allowed_dkim_domains = ["vendor.example"];
  $4
};
dmarc = { history_file = "$T/history$2.jsonl"; };
CONF
}
dconf "$T/enforce.conf" "$P1" "$T/spool1" 'dmarc_tag_only = false;'
dconf "$T/tag.conf" "$P2" "$T/spool2" ''
check "-t accepts the configuration" "$GOVMAILD" -t -c "$T/enforce.conf"
"$GOVMAILD" -f -c "$T/enforce.conf" 2>"$T/d1.log" &
D1=$!
T_PIDS+=("$D1")
"$GOVMAILD" -f -c "$T/tag.conf" 2>"$T/d2.log" &
D2=$!
T_PIDS+=("$D2")
wait_port "$P1" || { cat "$T/d1.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
wait_port "$P2" || { cat "$T/d2.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# send PORT ADDR MAILFROM FILE [RCPT,...]: XFORWARD ADDR= and HELO= (or
# XCLIENT when ADDR is xclient:IP), the
# recipients (annv@haugiang.gov.vn by default);
# prints the reply to the message ("250 ..." or "550 ...").
cat >"$T/send.py" <<'PY'
import smtplib, sys
port, addr, mailfrom, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = smtplib.SMTP("127.0.0.1", port, timeout=300)
s.ehlo("front.gw.test")
if addr.startswith("xclient:"):
    # XCLIENT: the session starts over as the original client
    code, msg = s.docmd("XCLIENT", "ADDR=%s HELO=xclient.sender.test" % addr[8:])
    if code != 220:
        print(code, msg.decode()); sys.exit(0)
    s.ehlo("front.gw.test")
else:
    code, msg = s.docmd("XFORWARD", "ADDR=%s HELO=mail.sender.test" % addr)
    if code != 250:
        print(code, msg.decode()); sys.exit(0)
s.mail(mailfrom)
for r in (sys.argv[5] if len(sys.argv) > 5 else "annv@haugiang.gov.vn").split(","):
    s.rcpt(r)
try:
    code, msg = s.data(open(path, "rb").read())
except smtplib.SMTPDataError as e:
    code, msg = e.smtp_code, e.smtp_error
print(code, msg.decode())
s.quit()
PY
send() { python3 "$T/send.py" "$@" 2>>"$T/send.err"; }
msg() {  # msg FILE FROM [EXTRA-FIELDS, CRLF between]: a small message, CRLF line ends
	{
		printf 'From: Sender <%s>\r\nTo: annv@haugiang.gov.vn\r\n' "$2"
		[ -n "${3:-}" ] && printf '%s\r\n' "$3"
		printf 'Subject: test\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <%s@x>\r\n\r\nHello.\r\nSecond line.  \r\n' "$RANDOM"
	} >"$1"
}
pysign() {  # pysign FILE DOMAIN: FILE.signed, signed by python3-dkim, s=sel1
	python3 - "$1" "$2" "$T/rsa.pem" <<'PY'
import sys, dkim
src, dom, key = sys.argv[1:4]
m = open(src, 'rb').read()
sig = dkim.sign(m, b'sel1', dom.encode(), open(key, 'rb').read(),
                canonicalize=(b'relaxed', b'relaxed'),
                include_headers=[b'from', b'to', b'subject', b'date'])
open(src + '.signed', 'wb').write(sig + m)
PY
}
last() { echo "$T/sink/$(cat "$T/sink/last").eml"; }
# got PORT ADDR MAILFROM FILE: send, and the sink's copy unfolded in $T/got
# (the reply in $REPLY_LINE)
got() {
	local n0
	n0=$(count "$T/sink")
	REPLY_LINE=$(send "$@")
	case $REPLY_LINE in
	250*) wait_for test "$(count "$T/sink")" -gt "$n0"
	      tr -d '\r' <"$(last)" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[\t ]/ /g' >"$T/got";;
	*) : >"$T/got";;
	esac
}
AR='^Authentication-Results: mx\.haugiang\.gov\.vn;'

# --- pass, fail, none, permerror ---------------------------------------------------
msg "$T/m1" someone@example.org
pysign "$T/m1" example.org
got "$P1" 192.0.2.1 someone@example.org "$T/m1.signed"
expect_match "SPF, DKIM and DMARC pass: accepted" "$REPLY_LINE" '^250 '
expect_match "... Authentication-Results with our authserv-id" "$(cat "$T/got")" \
	"$AR spf=pass smtp.mailfrom=someone@example.org; dkim=pass header.d=example.org header.s=sel1 header.a=rsa-sha256 header.b=\"?[A-Za-z0-9+/]{8}\"?; dmarc=pass \(p=reject pct=100 adkim=r aspf=r\) header.from=example.org$"
expect_eq "... one field" "$(grep -c "$AR" "$T/got")" 1
expect_match "... logged" "$(cat "$T/d1.log")" 'inbound-auth session=[^ ]+ client=\[192\.0\.2\.1\] helo=mail\.sender\.test spf=pass dkim=example\.org:pass dmarc=pass from_domain=example\.org governed=0 allowed=0 action=accept'

msg "$T/m2" someone@example.org
got "$P1" 192.0.2.99 someone@example.org "$T/m2"
expect_match "p=reject, SPF fail, no signature: 550 5.7.1 (enforcing)" "$REPLY_LINE" \
	'^550 5\.7\.1 Message refused: it fails the DMARC policy \(reject\) of example\.org'
got "$P2" 192.0.2.99 someone@example.org "$T/m2"
expect_match "... tag only (the default): accepted" "$REPLY_LINE" '^250 '
expect_match "... dmarc=fail, spf=fail, dkim=none" "$(grep "$AR" "$T/got")" \
	'spf=fail smtp.mailfrom=someone@example.org; dkim=none; dmarc=fail \(p=reject'
expect_eq "... tagged: the DMARC field" "$(grep '^X-Govmail-DMARC:' "$T/got")" \
	'X-Govmail-DMARC: fail; policy=reject; domain=example.org'
expect_eq "... and the Subject:, once" "$(grep '^Subject:' "$T/got")" 'Subject: [DMARC FAIL] test'

sed 's/Second line/Second lime/' "$T/m1.signed" >"$T/m1.bad"
got "$P2" 192.0.2.99 bounce@other.invalid "$T/m1.bad"
expect_match "a body changed after signing: dkim=fail (body hash)" "$(grep "$AR" "$T/got")" \
	'dkim=fail \(body hash did not verify\) header.d=example.org'

msg "$T/m3" a@example.net
got "$P1" 198.51.100.7 a@example.net "$T/m3"
expect_match "no DMARC record: dmarc=none, accepted" "$REPLY_LINE" '^250 '
expect_match "... spf=pass, dmarc=none" "$(grep "$AR" "$T/got")" 'spf=pass .*dkim=none; dmarc=none header.from=example.net$'

msg "$T/m4" x@badrec.example.org
got "$P1" 192.0.2.99 x@badrec.example.org "$T/m4"
expect_match "a broken DMARC record: permerror, no policy applied, accepted" "$REPLY_LINE" '^250 '
expect_match "... dmarc=permerror" "$(grep "$AR" "$T/got")" 'dmarc=permerror'

# --- SPF: include, redirect, the 10-lookup limit, the null sender ---------------------
msg "$T/s1" someone@example.org
got "$P2" 203.0.113.5 someone@example.org "$T/s1"
expect_match "SPF pass through include:" "$(grep "$AR" "$T/got")" 'spf=pass smtp.mailfrom=someone@example.org'
got "$P2" 198.51.100.7 x@redir.example.org "$T/s1"
expect_match "SPF pass through redirect=" "$(grep "$AR" "$T/got")" 'spf=pass smtp.mailfrom=x@redir.example.org'
got "$P2" 192.0.2.99 x@redir.example.org "$T/s1"
expect_match "SPF fail through redirect=" "$(grep "$AR" "$T/got")" 'spf=fail smtp.mailfrom=x@redir.example.org'
got "$P2" 192.0.2.99 x@many.example.org "$T/s1"
expect_match "SPF: 11 DNS mechanisms exceed the limit of 10: permerror" "$(grep "$AR" "$T/got")" \
	'spf=permerror \([^)]*\) smtp.mailfrom=x@many.example.org'
got "$P2" 192.0.2.99 x@broken.example.org "$T/s1"
expect_match "SPF: a broken record: permerror" "$(grep "$AR" "$T/got")" 'spf=permerror '
got "$P2" 192.0.2.99 "" "$T/s1"
expect_match "SPF: the null sender checks HELO (from XFORWARD)" "$(grep "$AR" "$T/got")" \
	'spf=none smtp.helo=mail.sender.test'
got "$P2" xclient:192.0.2.1 "" "$T/s1"
expect_match "XCLIENT's address and HELO count too" "$(cat "$T/d2.log")" \
	'inbound-auth session=[^ ]+ client=\[192\.0\.2\.1\] helo=xclient\.sender\.test spf='
got "$P2" xclient:192.0.2.1 someone@example.org "$T/s1"
expect_match "... SPF pass for the XCLIENT address" "$(grep "$AR" "$T/got")" 'spf=pass smtp.mailfrom=someone@example.org'

# --- alignment: relaxed and strict ------------------------------------------------------
msg "$T/a1" someone@sub.example.org
pysign "$T/a1" example.org
got "$P1" 192.0.2.99 bounce@other.invalid "$T/a1.signed"
expect_match "relaxed: From sub.example.org, d=example.org: dmarc=pass" "$REPLY_LINE" '^250 '
expect_match "... in the field" "$(grep "$AR" "$T/got")" 'dmarc=pass \(p=reject pct=100 adkim=r aspf=r\) header.from=sub.example.org'
msg "$T/a2" x@strict.example.org
pysign "$T/a2" example.org
got "$P1" 192.0.2.99 bounce@other.invalid "$T/a2.signed"
expect_match "strict (adkim=s): d=example.org for strict.example.org fails, p=quarantine: tagged" \
	"$(grep "$AR" "$T/got")" 'dkim=pass header.d=example.org .*dmarc=fail \(p=quarantine pct=100 adkim=s aspf=s\) header.from=strict.example.org'
expect_eq "... the DMARC field" "$(grep '^X-Govmail-DMARC:' "$T/got")" \
	'X-Govmail-DMARC: fail; policy=quarantine; domain=strict.example.org'
got "$P1" 192.0.2.1 x@strict.example.org "$T/a2.signed"
expect_match "strict SPF: MAIL FROM strict.example.org from its address: dmarc=pass" "$(grep "$AR" "$T/got")" \
	'spf=pass .*dmarc=pass'
expect_eq "... not tagged" "$(grep -c '^X-Govmail-DMARC:' "$T/got")" 0

msg "$T/q1" x@mon.example.org
got "$P1" 192.0.2.99 x@mon.example.org "$T/q1"
expect_match "p=none: dmarc=fail, accepted, not tagged" "$REPLY_LINE" '^250 '
expect_match "... dmarc=fail (p=none)" "$(grep "$AR" "$T/got")" 'dmarc=fail \(p=none'
expect_eq "... no DMARC field" "$(grep -c '^X-Govmail-DMARC:' "$T/got")" 0

# --- governed-domain protection ----------------------------------------------------------
msg "$T/g1" annv@haugiang.gov.vn
got "$P2" 192.0.2.99 annv@haugiang.gov.vn "$T/g1"
expect_match "a forged governed From: from outside: 550 5.7.22 (even with p=none)" "$REPLY_LINE" \
	'^550 5\.7\.22 Message refused: From: haugiang\.gov\.vn is a government domain'
msg "$T/g2" a@sub.haugiang.gov.vn
got "$P2" 192.0.2.99 bounce@other.invalid "$T/g2"
expect_match "... a subdomain of it too" "$REPLY_LINE" '^550 5\.7\.22 .*sub\.haugiang\.gov\.vn'
pysign "$T/g1" example.org
got "$P2" 192.0.2.99 annv@haugiang.gov.vn "$T/g1.signed"
expect_match "... signed by another domain (not aligned): 550" "$REPLY_LINE" '^550 5\.7\.22 '
pysign "$T/g1" haugiang.gov.vn
got "$P2" 192.0.2.99 bounce@other.invalid "$T/g1.signed"
expect_match "a governed From: with a valid aligned signature: accepted" "$REPLY_LINE" '^250 '
expect_match "... dkim=pass header.d=haugiang.gov.vn" "$(grep "$AR" "$T/got")" 'dkim=pass header.d=haugiang.gov.vn'
got "$P2" 198.18.0.5 annv@haugiang.gov.vn "$T/g1"
expect_match "an allowed vendor by network (inbound.allowed_networks): accepted" "$REPLY_LINE" '^250 '
pysign "$T/g1" vendor.example
got "$P2" 192.0.2.99 bounce@vendor.example "$T/g1.signed"
expect_match "an allowed vendor by DKIM domain (inbound.allowed_dkim_domains): accepted" "$REPLY_LINE" '^250 '
expect_match "... logged as allowed" "$(cat "$T/d2.log")" 'from_domain=haugiang\.gov\.vn governed=1 allowed=1 action=accept'
msg "$T/g3" someone@example.org 'From: annv@haugiang.gov.vn'
got "$P2" 192.0.2.1 someone@example.org "$T/g3"
expect_match "two From: fields (one governed): 550 5.7.1" "$REPLY_LINE" \
	'^550 5\.7\.1 Message refused: it has more than one From: header field'
sed 's/Second line/Second lime/' "$T/g1.signed" >"$T/g1.bad"
got "$P2" 198.51.100.1 bounce@vendor.example "$T/g1.bad"
expect_match "... a vendor signature that fails does not count: 550" "$REPLY_LINE" '^550 5\.7\.22 '

# A From: field that cannot all be checked is refused; a governed address
# anywhere in it (display name, comment, encoded word, libetpan's obsolete
# syntax) is protected as the address is.
rawmsg() {  # rawmsg FILE [FROM-FIELD]: like msg, with this From: field as written (or none)
	{
		[ -n "${2:-}" ] && printf '%s\r\n' "$2"
		printf 'To: annv@haugiang.gov.vn\r\nSubject: test\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <%s@x>\r\n\r\nHello.\r\n' "$RANDOM"
	} >"$1"
}
rawmsg "$T/n1"
got "$P2" 192.0.2.1 someone@example.org "$T/n1"
expect_match "no From: field: 550 5.7.1" "$REPLY_LINE" \
	'^550 5\.7\.1 Message refused: it has no From: header field'
rawmsg "$T/n2" 'From: annv@haugiang.gov.vn (unterminated comment'
got "$P2" 192.0.2.1 someone@example.org "$T/n2"
expect_match "a From: that is no list of addresses (governed text in it): 550 5.7.1" "$REPLY_LINE" \
	'^550 5\.7\.1 Message refused: its From: header field is not a list of addresses'
expect_match "... logged" "$(cat "$T/d2.log")" 'from_field=malformed action=reject rule=from-field'
rawmsg "$T/n3" 'From: "annv@haugiang.gov.vn" <someone@example.org>'
pysign "$T/n3" example.org
got "$P2" 192.0.2.1 someone@example.org "$T/n3.signed"
expect_match "a governed address in the display name (the address's own DMARC passes): 550 5.7.22" \
	"$REPLY_LINE" '^550 5\.7\.22 .*haugiang\.gov\.vn'
rawmsg "$T/n4" 'From: annv@haugiang.gov.vn garbage'
got "$P2" 192.0.2.1 someone@example.org "$T/n4"
expect_match "a governed address followed by words (libetpan reads another domain): 550 5.7.22" \
	"$REPLY_LINE" '^550 5\.7\.22 '
rawmsg "$T/n7" 'From: =?utf-8?q?annv=40haugiang.gov.vn?= <someone@example.org>'
pysign "$T/n7" example.org
got "$P2" 192.0.2.1 someone@example.org "$T/n7.signed"
expect_match "a governed address in an RFC 2047 encoded display name: 550 5.7.22" \
	"$REPLY_LINE" '^550 5\.7\.22 .*haugiang\.gov\.vn'
rawmsg "$T/n5" "From: Someone <someone@example.org> ($(for i in $(seq 1 16); do printf 'x@d%s.example ' "$i"; done))"
got "$P2" 192.0.2.1 someone@example.org "$T/n5"
expect_match "a From: naming more than 16 domains: 550 5.7.1" "$REPLY_LINE" \
	'^550 5\.7\.1 Message refused: its From: header field names too many domains'
rawmsg "$T/n8" "From: Someone <someone@example.org> ($(for i in 1 2 3 4 5; do printf 'x@a.b.c.d.e.f.g.d%s.example ' "$i"; done))"
got "$P2" 192.0.2.1 someone@example.org "$T/n8"
expect_match "a From: whose 6 domains cost more than 32 directory lookups: 550 5.7.1" "$REPLY_LINE" \
	'^550 5\.7\.1 Message refused: its From: header field names too many domains'
rawmsg "$T/n6" "$(printf 'From: Nguyễn Văn An\r\n (Sở Nội vụ) <someone@example.org>')"
pysign "$T/n6" example.org
got "$P2" 192.0.2.1 someone@example.org "$T/n6.signed"
expect_match "a folded From: with an 8-bit Vietnamese display name: accepted" "$REPLY_LINE" '^250 '
expect_match "... dmarc=pass header.from=example.org" "$(grep "$AR" "$T/got")" \
	'dmarc=pass .*header\.from=example\.org$'

# --- Authentication-Results: forged ones removed, the trusted left alone ----------------
msg "$T/f1" someone@example.org "$(printf 'Authentication-Results: MX.Haugiang.GOV.vn;\r\n\tdkim=pass header.d=forged.example\r\nAuthentication-Results: other.example; spf=pass smtp.mailfrom=kept@example.org\r\nAuthentication-Results: mx.haugiang.gov.vn (comment); dmarc=pass header.from=forged2.example')"
pysign "$T/f1" example.org
got "$P2" 192.0.2.1 someone@example.org "$T/f1.signed"
expect_match "a message with forged Authentication-Results: accepted" "$REPLY_LINE" '^250 '
expect_eq "... the forged fields with our authserv-id are gone (folded, other case, comment)" \
	"$(grep -c 'forged' "$(last)")" 0
expect_eq "... another authserv-id's field is kept, byte for byte" \
	"$(grep -c $'^Authentication-Results: other.example; spf=pass smtp.mailfrom=kept@example.org\r$' "$(last)")" 1
expect_eq "... ours is there once" "$(grep -ci '^Authentication-Results: mx.haugiang.gov.vn' "$(last)")" 1
expect_match "... and the signature still verifies (the removed fields were not signed)" \
	"$(grep "$AR" "$T/got")" 'dkim=pass header.d=example.org'
got "$P2" 10.1.2.3 someone@example.org "$T/f1.signed"
expect_match "a trusted client (XFORWARD ADDR in trusted_networks): accepted" "$REPLY_LINE" '^250 '
expect_eq "... no field of ours, the forged ones removed all the same" \
	"$(grep -ci -e '^Authentication-Results: mx.haugiang.gov.vn' -e forged "$(last)")" 0

# --- a reload (SIGHUP): a new snapshot with its own resolver ------------------------------
dconf "$T/tag.conf" "$P2" "$T/spool2" 'dmarc_tag_only = false;'
t_kill -HUP "$D2"
wait_for log_has "$T/d2.log" 'configuration reloaded'
got "$P2" 192.0.2.99 someone@example.org "$T/m2"
expect_match "after SIGHUP with dmarc_tag_only = false: p=reject enforced (550 5.7.1)" "$REPLY_LINE" \
	'^550 5\.7\.1 '
got "$P2" 192.0.2.1 someone@example.org "$T/m1.signed"
expect_match "... and a pass still accepted" "$REPLY_LINE" '^250 '
dconf "$T/tag.conf" "$P2" "$T/spool2" ''
t_kill -HUP "$D2"
wait_for sh -c "[ \$(grep -c 'configuration reloaded' '$T/d2.log') -ge 2 ]"
got "$P2" 192.0.2.99 someone@example.org "$T/m2"
expect_match "... reloaded back to tag only: accepted" "$REPLY_LINE" '^250 '

# --- the DMARC history ---------------------------------------------------------------------
check "the history lines are JSON with exactly the agreed keys" python3 - "$T/history$P1.jsonl" "$T/history$P2.jsonl" <<'PY'
import json, sys
keys = {"time", "ip", "header_from", "envelope_from", "policy_domain", "p", "sp", "pct",
        "adkim", "aspf", "disposition", "dkim", "spf", "dkim_aligned", "spf_aligned"}
n = 0
for path in sys.argv[1:]:
    for line in open(path, "rb"):
        o = json.loads(line)
        assert set(o) == keys, sorted(o)
        assert isinstance(o["time"], int) and isinstance(o["pct"], int)
        assert o["p"] in ("none", "quarantine", "reject") and o["sp"] in ("none", "quarantine", "reject")
        assert o["disposition"] in ("none", "quarantine", "reject")
        assert set(o["spf"]) == {"domain", "scope", "result"}
        assert all(set(d) == {"domain", "selector", "result"} for d in o["dkim"])
        assert o["dkim_aligned"] in ("pass", "fail") and o["spf_aligned"] in ("pass", "fail")
        n += 1
assert n > 0
PY
h1=$(head -n 1 "$T/history$P1.jsonl")
expect_match "the first message's line: pass, disposition none" "$h1" \
	'^\{"time":[0-9]+,"ip":"192\.0\.2\.1","header_from":"example\.org","envelope_from":"example\.org","policy_domain":"example\.org","p":"reject","sp":"reject","pct":100,"adkim":"r","aspf":"r","disposition":"none","dkim":\[\{"domain":"example\.org","selector":"sel1","result":"pass"\}\],"spf":\{"domain":"example\.org","scope":"mfrom","result":"pass"\},"dkim_aligned":"pass","spf_aligned":"pass"\}$'
expect_match "the refused message's line: disposition reject" "$(sed -n 2p "$T/history$P1.jsonl")" \
	'"ip":"192\.0\.2\.99","header_from":"example\.org".*"disposition":"reject","dkim":\[\],"spf":\{"domain":"example\.org","scope":"mfrom","result":"fail"\},"dkim_aligned":"fail","spf_aligned":"fail"'
expect_match "the tagged one's: disposition quarantine" "$(head -n 1 "$T/history$P2.jsonl")" \
	'"disposition":"quarantine"'
expect_eq "no line for a domain without a record or with a broken one" \
	"$(grep -c -e '"header_from":"example\.net"' -e '"header_from":"badrec' "$T/history$P1.jsonl")" 0
# What govmaild wrote is what govmailctl dmarc report reads: the aggregate
# report of example.org made from this history is valid by RFC 7489's
# schema and counts every one of its messages.
: >"$T/report.conf"
check "dmarc report from govmaild's own history" sh -c "GOVMAIL_CONF='$T/report.conf' \
	'$GOVMAILCTL' dmarc report --history '$T/history$P1.jsonl' --domain example.org \
	--since @0 --until @$(($(date +%s) + 86400)) --org-name 'Tỉnh Hậu Giang' \
	--email dmarc@haugiang.gov.vn >'$T/own.xml'"
check "... valid by RFC 7489's schema (xmllint)" \
	xmllint --noout --schema "$TOP/tests/data/rfc7489-feedback.xsd" "$T/own.xml"
expect_eq "... counting every example.org message of the history" \
	"$(python3 -c 'import sys, xml.etree.ElementTree as E; print(sum(int(c.text) for c in E.parse(sys.argv[1]).iter("count")))' "$T/own.xml")" \
	"$(grep -c '"policy_domain":"example\.org"' "$T/history$P1.jsonl")"

# --- the directory: governed domains, the recipients' agencies (inbound.agency_dmarc) ----
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"
check "account annv (snv)" $G account add --name "Nguyễn Văn An" --agency snv
check "account binhtt (ubndt)" $G account add --name "Trần Thị Bình" --agency ubndt
P3=$(t_free_port)
mkdir -p "$T/spool3"
cat >"$T/dir.conf" <<CONF
ldap = {
  uri = "$LDAP_URI";
  bind_dn = "$LDAP_DAEMON_DN";
  bind_password_file = "$LDAP_DAEMON_PWFILE";
  base_dn = "$LDAP_BASE";
  network_timeout = 3;
  timeout = 60;
};
smtpd = {
  relay_listen = ["127.0.0.1:$P3"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool3";
  xclient_hosts = ["127.0.0.1"];
};
next_hop = { port = $NH; starttls = false; };
policy = { trusted_networks = ["10.0.0.0/8"]; };
dns = { server = "127.0.0.1@$DNS_PORT"; timeout = 20; };
inbound = { verify = true; authserv_id = "mx.haugiang.gov.vn"; agency_dmarc = ["snv=enforce"]; };
CONF
"$GOVMAILD" -f -c "$T/dir.conf" 2>"$T/d3.log" &
D3=$!
T_PIDS+=("$D3")
wait_port "$P3" || { cat "$T/d3.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
got "$P3" 192.0.2.99 annv@haugiang.gov.vn "$T/g1"
expect_match "governed in the directory (no relay_domains): a forged From: is refused 550 5.7.22" \
	"$REPLY_LINE" '^550 5\.7\.22 '
msg "$T/deep" a@x1.x2.x3.x4.x5.x6.x7.x8.x9.haugiang.gov.vn
got "$P3" 192.0.2.99 bounce@other.invalid "$T/deep"
expect_match "... and one nine labels below it: 550 5.7.22" \
	"$REPLY_LINE" '^550 5\.7\.22 .*x9\.haugiang\.gov\.vn'
msg "$T/ag" someone@example.org
got "$P3" 192.0.2.99 someone@example.org "$T/ag" annv@haugiang.gov.vn
expect_match "p=reject failure to an agency that enforces (snv=enforce): 550 5.7.1" "$REPLY_LINE" \
	'^550 5\.7\.1 '
got "$P3" 192.0.2.99 someone@example.org "$T/ag" binhtt@haugiang.gov.vn
expect_match "... to an agency on the global tag-only: accepted, tagged" "$REPLY_LINE" '^250 '
expect_eq "... the DMARC field" "$(grep -c '^X-Govmail-DMARC: fail; policy=reject' "$T/got")" 1
got "$P3" 192.0.2.99 someone@example.org "$T/ag" annv@haugiang.gov.vn,binhtt@haugiang.gov.vn
expect_match "... to both: not refused (one refusal would hit both), tagged" "$REPLY_LINE" '^250 '
t_kill -TERM "$D3"
wait "$D3"
expect_eq "govmaild (directory) exits cleanly" "$?" 0

# --- DNS down: 451 where the answer could refuse ----------------------------------------
t_dns_stop
msg "$T/t1" someone@fresh.example.org
got "$P1" 192.0.2.99 someone@fresh.example.org "$T/t1"
expect_match "DNS server stopped, enforcing: 451 4.7.1 (never an accept of what would be refused)" \
	"$REPLY_LINE" '^451 4\.7\.1 '
got "$P2" 192.0.2.99 someone@fresh.example.org "$T/t1"
expect_match "... tag only: accepted" "$REPLY_LINE" '^250 '
expect_match "... with spf=temperror and dmarc=temperror" "$(grep "$AR" "$T/got")" \
	'spf=temperror .*dmarc=temperror'
msg "$T/t2" annv@haugiang.gov.vn
pysign "$T/t2" haugiang.gov.vn
sed -i 's/s=sel1;/s=sel9;/' "$T/t2.signed"
got "$P2" 192.0.2.99 bounce@other.invalid "$T/t2.signed"
expect_match "a governed From: whose signing key cannot be fetched now: 451" "$REPLY_LINE" '^451 4\.7\.1 '
expect_eq "no history line for a 451" "$(grep -c 'fresh' "$T/history$P1.jsonl" "$T/history$P2.jsonl" | awk -F: '{s+=$2} END {print s}')" 0

for d in "$D1" "$D2"; do
	t_kill -TERM "$d"
	wait "$d"
	expect_eq "govmaild exits cleanly (no leaks under ASan)" "$?" 0
done
