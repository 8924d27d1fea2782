#!/usr/bin/env bash
# test_smtp_dkim.sh — govmaild DKIM-signs what the province sends
# (dkim.sign): keys made by govmailctl dkim keygen (RSA + Ed25519) for a
# governed domain of a sandbox slapd, their records from dkim dns served
# by nsd on loopback; a message submitted after AUTH (8-bit Vietnamese
# body, BODY=8BITMIME, long folded Subject) reaches the sink signed, and
# python3-dkim and libopendkim verify both signatures over exactly what
# the sink got, Received: field included; the signature rule's result
# field is in place when the message is signed (a forged copy removed)
# and the signatures cover it (h=); a trusted client's message is signed
# too; mail from outside, and a From: in a domain that is not governed,
# are not. A key others may read stops the start.
. "$(dirname "$0")/../lib.sh"

OPENDKIM=$TOP/build/asan/tests/opendkim_verify
[ -x "$OPENDKIM" ] || { echo "Bail out! $OPENDKIM missing (make asan)"; exit 1; }
python3 -c 'import dkim, dns.resolver, nacl' 2>/dev/null ||
	{ echo "Bail out! python3-dkim, python3-dnspython or python3-nacl missing (scripts/install-deps)"; exit 1; }

# --- directory, account, keys, DNS -------------------------------------------------
t_sandbox_start
KEYS=$T/dkim
t_govmail_conf "dkim = { key_dir = \"$KEYS\"; };"
G=$GOVMAILCTL
PW='correct horse battery 9'
check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"
check "account annv" $G account add --name "Nguyễn Văn An" --agency snv
check "annv's password" sh -c "printf '%s\n' '$PW' | $G account passwd annv@haugiang.gov.vn"
check "dkim keygen --ed25519" $G dkim keygen haugiang.gov.vn --ed25519
check "dkim dns" $G dkim dns haugiang.gov.vn
{
	printf '$ORIGIN haugiang.gov.vn.\n$TTL 300\n'
	printf '@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n'
	cat "$T/last.out"
} >"$T/zone"
t_dns_start "$T/zone"
ok "nsd serves the DKIM records on 127.0.0.1:$DNS_PORT"
verify() { python3 "$TOP/tests/integration/dkim_verify.py" "$DNS_PORT" "$1"; }
verify2() { "$OPENDKIM" "$DNS_PORT" <"$1"; }

# --- govmaild: relay (nobody trusted) + submission, signing on ---------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj "/CN=gw.test" -addext "subjectAltName=DNS:gw.test" >/dev/null 2>&1
chmod 600 "$T/key.pem"
PR=$(t_free_port)
PS=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
# dconf FILE TRUSTED: govmaild's configuration, trusted_networks TRUSTED
dconf() {
	cat >"$1" <<CONF
ldap = {
  uri = "$LDAP_URI";
  bind_dn = "$LDAP_DAEMON_DN";
  bind_password_file = "$LDAP_DAEMON_PWFILE";
  base_dn = "$LDAP_BASE";
  network_timeout = 3;
  timeout = 60;
};
smtpd = {
  relay_listen = ["127.0.0.1:$PR"];
  submission_listen = ["127.0.0.1:$PS"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
};
tls = { cert_file = "$T/cert.pem"; key_file = "$T/key.pem"; };
next_hop = { port = $NH; starttls = false; };
policy = { trusted_networks = [$2]; };
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
dkim = { key_dir = "$KEYS"; sign = true; };
signature = { trust_anchors = "$T/cert.pem"; outbound = "verify"; };
CONF
}
dconf "$T/d.conf" ""

chmod 644 "$KEYS/haugiang.gov.vn.gm"*"-ed.key"
check_rc "-t: a key others may read exits 78" 78 "$GOVMAILD" -t -c "$T/d.conf"
expect_re "... naming the key file" "$(cat "$T/last.err")" "haugiang\.gov\.vn\.gm[0-9]+[a-z]-ed\.key"
chmod 600 "$KEYS/haugiang.gov.vn.gm"*"-ed.key"
check "-t accepts the configuration" "$GOVMAILD" -t -c "$T/d.conf"

"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PS" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# --- the messages ----------------------------------------------------------------------
python3 - "$T" <<'PY'
import sys, base64
t = sys.argv[1]
def w(name, headers, body):
    open(f"{t}/{name}.eml", "wb").write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
vi = ("Kính gửi các đồng chí,\r\n\r\nSở Nội vụ tỉnh Hậu Giang thông báo lịch họp "
      "giao ban quý I năm 2026.   Đề nghị các cơ quan, đơn vị cử đại diện tham dự \t \r\n"
      "đúng giờ.\r\n\r\nTrân trọng.\r\nNguyễn Văn An\r\n\r\n").encode("utf-8")
subj = "=?UTF-8?B?" + base64.b64encode("Thông báo lịch họp giao ban quý I năm 2026 của Sở Nội vụ tỉnh Hậu Giang".encode()).decode() + "?="
w("vi", ["From: =?UTF-8?B?" + base64.b64encode("Nguyễn Văn An".encode()).decode() + "?= <annv@haugiang.gov.vn>",
         "To: b@example.com", "Subject: " + subj[:40] + "\r\n " + subj[40:80] + "\r\n\t" + subj[80:],
         "Date: Mon, 12 Jan 2026 10:00:00 +0700", "Message-ID: <vi@haugiang.gov.vn>",
         "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
         "Content-Transfer-Encoding: 8bit"], vi)
w("inbound", ["From: annv@haugiang.gov.vn", "To: annv@haugiang.gov.vn",
              "Subject: forged", "Date: Mon, 12 Jan 2026 10:00:00 +0700"], b"from outside\r\n")
w("other", ["From: someone@example.com", "To: b@example.com",
            "Subject: not ours", "Date: Mon, 12 Jan 2026 10:00:00 +0700"], b"x\r\n")
# An unsigned PDF, so the signature rule (outbound = verify) adds its
# result field, and a forged copy of that field, which govmaild removes.
pdf = base64.encodebytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n").decode().replace("\n", "\r\n")
w("doc", ["From: annv@haugiang.gov.vn", "To: b@example.com", "Subject: document",
          "X-Govmail-Signature: \"forged.pdf\"; result=pass",
          "Date: Mon, 12 Jan 2026 10:00:00 +0700", "MIME-Version: 1.0",
          "Content-Type: multipart/mixed; boundary=\"b1\""],
  ("--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCông văn đính kèm.\r\n"
   "--b1\r\nContent-Type: application/pdf; name=\"cv.pdf\"\r\n"
   "Content-Disposition: attachment; filename=\"cv.pdf\"\r\n"
   "Content-Transfer-Encoding: base64\r\n\r\n" + pdf + "--b1--\r\n").encode())
w("trusted", ["From: annv@haugiang.gov.vn", "To: b@example.com",
              "Subject: from a trusted host", "Date: Mon, 12 Jan 2026 10:00:00 +0700"], b"y\r\n")
PY

# submit FILE: STARTTLS, AUTH PLAIN as annv, MAIL with BODY=8BITMIME, to b@example.com
cat >"$T/submit.py" <<'PY'
import smtplib, ssl, sys
port, pw, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=sys.argv[0].rsplit("/", 1)[0] + "/cert.pem")
ctx.check_hostname = False
s = smtplib.SMTP("127.0.0.1", port, timeout=120)
s.ehlo("client.test")
s.starttls(context=ctx)
s.ehlo("client.test")
s.login("annv@haugiang.gov.vn", pw)
s.sendmail("annv@haugiang.gov.vn", ["b@example.com"], open(path, "rb").read(),
           mail_options=["BODY=8BITMIME"])
s.quit()
print("sent")
PY
# relay PORT FROM TO FILE: plain SMTP, no AUTH
cat >"$T/relay.py" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=120)
s.sendmail(sys.argv[2], [sys.argv[3]], open(sys.argv[4], "rb").read())
s.quit()
print("sent")
PY
last() { echo "$T/sink/$(cat "$T/sink/last").eml"; }

n0=$(count "$T/sink")
check "submission after AUTH (8-bit Vietnamese body)" python3 "$T/submit.py" "$PS" "$PW" "$T/vi.eml"
wait_for test "$(count "$T/sink")" -gt "$n0"
cp "$(last)" "$T/vi.got"
expect_re "the sink got DKIM-Signature fields first" "$(head -n 1 "$T/vi.got")" '^DKIM-Signature: v=1; a=(rsa|ed25519)-sha256;'
expect_re "... then govmaild's Received: field" "$(grep -v '^[[:space:]]' "$T/vi.got" | grep -v '^DKIM-Signature:' | head -n 1)" '^Received: from client\.test'
check_rc "python3-dkim verifies both signatures over what the sink got" 0 verify "$T/vi.got"
expect_re "... rsa-sha256 and ed25519-sha256 pass" "$(cat "$T/last.out")" \
	"^0 a=(rsa|ed25519)-sha256 s=gm[0-9]+[a-z](-ed)? pass
1 a=(rsa|ed25519)-sha256 s=gm[0-9]+[a-z](-ed)? pass$"
expect_eq "... one of each" "$(grep -c 'a=rsa-sha256' "$T/last.out") $(grep -c 'a=ed25519-sha256' "$T/last.out")" "1 1"
check_rc "libopendkim verifies both signatures" 0 verify2 "$T/vi.got"
expect_re "h= signs From, Subject, Date (oversigned)" "$(tr -d '\r\n\t ' <"$T/vi.got" | grep -o 'h=[^;]*' | head -n 1)" \
	'from.*from'
expect_re "the signing is logged" "$(cat "$T/d.log")" 'dkim signed d=haugiang\.gov\.vn s=gm[0-9]+[a-z] s_ed25519=gm[0-9]+[a-z]-ed'
# The body was relayed unchanged: tampering with it breaks the signature.
sed 's/Trân trọng/Tran trong/' "$T/vi.got" >"$T/vi.bad"
check_rc "a changed body fails verification" 1 verify "$T/vi.bad"

n0=$(count "$T/sink")
check "submission of a document with a forged result field" python3 "$T/submit.py" "$PS" "$PW" "$T/doc.eml"
wait_for test "$(count "$T/sink")" -gt "$n0"
cp "$(last)" "$T/doc.got"
expect_eq "the forged X-Govmail-Signature is gone, govmaild's is there" \
	"$(grep '^X-Govmail-Signature:' "$T/doc.got" | tr -d '\r')" 'X-Govmail-Signature: "cv.pdf"; result=none;'
check_rc "both signatures verify over govmaild's result field" 0 verify "$T/doc.got"
check_rc "... for libopendkim too" 0 verify2 "$T/doc.got"
# The result field is signed (h= names it, once: it is added before
# signing), so changing it after govmaild breaks the signature.
expect_eq "h= of both signatures covers X-Govmail-Signature" \
	"$(tr -d '\r\n\t ' <"$T/doc.got" | grep -o 'h=[^;]*' | grep -ic 'X-Govmail-Signature')" 2
expect_eq "... the vi message (no such field) does not name it" \
	"$(tr -d '\r\n\t ' <"$T/vi.got" | grep -o 'h=[^;]*' | grep -ic 'X-Govmail-Signature')" 0
sed 's/result=none;/result=pass;/' "$T/doc.got" >"$T/doc.bad"
check_rc "a result field changed after signing fails verification" 1 verify "$T/doc.bad"

n0=$(count "$T/sink")
check "mail from outside to a governed recipient" python3 "$T/relay.py" "$PR" x@example.org annv@haugiang.gov.vn "$T/inbound.eml"
wait_for test "$(count "$T/sink")" -gt "$n0"
expect_eq "... is relayed unsigned" "$(grep -c '^DKIM-Signature:' "$(last)")" 0
t_kill -TERM "$D"
wait "$D"
expect_eq "clean exit (no leaks under ASan)" "$?" 0

# --- a trusted client (policy.trusted_networks) ---------------------------------------
dconf "$T/t.conf" '"127.0.0.0/8"'
"$GOVMAILD" -f -c "$T/t.conf" 2>"$T/t.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PR" || { cat "$T/t.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
n0=$(count "$T/sink")
check "a trusted client relays a governed From:" python3 "$T/relay.py" "$PR" annv@haugiang.gov.vn b@example.com "$T/trusted.eml"
wait_for test "$(count "$T/sink")" -gt "$n0"
cp "$(last)" "$T/trusted.got"
expect_eq "... signed (two signatures)" "$(grep -c '^DKIM-Signature:' "$T/trusted.got")" 2
check_rc "... that verify" 0 verify "$T/trusted.got"
n0=$(count "$T/sink")
check "a trusted client relays a From: in a domain not governed" python3 "$T/relay.py" "$PR" someone@example.com b@example.com "$T/other.eml"
wait_for test "$(count "$T/sink")" -gt "$n0"
expect_eq "... unsigned" "$(grep -c '^DKIM-Signature:' "$(last)")" 0
# A reload runs unprivileged: it keeps the keys read at start.
t_kill -HUP "$D"
wait_for log_has "$T/t.log" 'configuration reloaded'
n0=$(count "$T/sink")
check "after SIGHUP, a trusted client relays a governed From:" python3 "$T/relay.py" "$PR" annv@haugiang.gov.vn b@example.com "$T/trusted.eml"
wait_for test "$(count "$T/sink")" -gt "$n0"
cp "$(last)" "$T/hup.got"
expect_eq "... still signed (two signatures)" "$(grep -c '^DKIM-Signature:' "$T/hup.got")" 2
check_rc "... that verify" 0 verify "$T/hup.got"
t_kill -TERM "$D"
wait "$D"
expect_eq "clean exit (no leaks under ASan)" "$?" 0
t_dns_stop
