#!/usr/bin/env bash
# test_smtp_dkim_rotate.sh — outbound DKIM through govmaild itself (the
# signer alone is test_dkim_sign.sh): a 20 MB message relayed for a
# trusted client reaches the sink signed (RSA and Ed25519), and
# python3-dkim and libopendkim verify it; the key rotation flow end to
# end: keygen, dkim rotate with dkim.rotate_delay_hours = 72, both keys'
# records served by nsd, govmaild signing with the old selector before the
# delay and the new one after it, and dkim list / dkim dns saying until
# when the old record must stay and that it may go after.
#
# Time without waiting: the rotation is dated 73 hours back (rotate
# --now), so its delay ended an hour ago; "before the delay" is govmaild
# run under faketime 24 hours back (a fixed offset, no clock race), "after"
# is govmaild on the real clock. dkim list / dns are asked with --now.
. "$(dirname "$0")/../lib.sh"

OPENDKIM=$TOP/build/asan/tests/opendkim_verify
[ -x "$OPENDKIM" ] || { echo "Bail out! $OPENDKIM missing (make asan)"; exit 1; }
python3 -c 'import dkim, dns.resolver, nacl' 2>/dev/null ||
	{ echo "Bail out! python3-dkim, python3-dnspython or python3-nacl missing (scripts/install-deps)"; exit 1; }

t_sandbox_start
KEYS=$T/dkim
t_govmail_conf "dkim = { key_dir = \"$KEYS\"; rotate_delay_hours = 72; retire_after_hours = 168; };"
G=$GOVMAILCTL
NOW=$(date +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
R=$((NOW - 73 * 3600))                 # the rotation
FROM=$((R + 72 * 3600))                # the new key signs from (an hour ago)
UNTIL=$((FROM + 168 * 3600))           # the old record stays until
check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"
check "account annv" $G account add --name "Nguyễn Văn An" --agency snv
check "dkim keygen --ed25519 (30 days ago)" $G dkim keygen haugiang.gov.vn --ed25519 \
	--now "@$((NOW - 30 * 86400))"
OLD=$(grep -o 'selector gm[0-9]*[a-z] ' "$T/last.out" | head -n 1 | cut -d' ' -f2)
check_rc "dkim rotate (73 hours ago)" 0 $G dkim rotate haugiang.gov.vn --now "@$R"
NEW=$(grep -o 'selector gm[0-9]*[a-z]' "$T/last.out" | head -n 1 | cut -d' ' -f2)
expect_match "rotate: the new selector signs after the delay" "$(cat "$T/last.out")" \
	"$NEW signs from $(iso "$FROM") \(dkim.rotate_delay_hours = 72\)"
expect_match "... and the old record may be removed a week after that" "$(cat "$T/last.out")" \
	"$OLD's record may be removed after $(iso "$UNTIL")"
[ -n "$OLD" ] && [ -n "$NEW" ] && [ "$OLD" != "$NEW" ] ||
	{ echo "Bail out! selectors not found ($OLD, $NEW)"; exit 1; }

check "dkim list now" $G dkim list
expect_match "list: $OLD is retiring until its time" "$(cat "$T/last.out")" \
	"haugiang.gov.vn +$OLD +rsa-sha256 +retiring, keep the record until $(iso "$UNTIL")"
expect_match "list: $NEW signs" "$(cat "$T/last.out")" \
	"haugiang.gov.vn +$NEW +rsa-sha256 +signing \(since $(iso "$FROM")\)"
check "dkim list after the old record's time" $G dkim list --now "@$((UNTIL + 1))"
expect_match "list: $OLD is retired, its record may go" "$(cat "$T/last.out")" \
	"$OLD +rsa-sha256 +retired, the record may be removed"
check "dkim dns now" $G dkim dns haugiang.gov.vn
cp "$T/last.out" "$T/records"
expect_eq "dns: the four records (old and new, RSA and Ed25519)" \
	"$(grep 'IN TXT' "$T/records" | cut -d. -f1 | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "$OLD" "$OLD-ed" "$NEW" "$NEW-ed" | sort | tr '\n' ' ')"
check "dkim dns after the old record's time" $G dkim dns haugiang.gov.vn --now "@$((UNTIL + 1))"
expect_eq "dns: only the new selector's records" \
	"$(grep 'IN TXT' "$T/last.out" | cut -d. -f1 | tr '\n' ' ')" "$NEW $NEW-ed "
{
	printf '$ORIGIN haugiang.gov.vn.\n$TTL 300\n'
	printf '@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.1\n'
	cat "$T/records"
} >"$T/zone"
t_dns_start "$T/zone"
ok "nsd serves the DKIM records on 127.0.0.1:$DNS_PORT"
verify() { python3 "$TOP/tests/integration/dkim_verify.py" "$DNS_PORT" "$1"; }
verify2() { "$OPENDKIM" "$DNS_PORT" <"$1"; }

# --- govmaild: relay, 127.0.0.0/8 trusted, signing on ---------------------------------
PR=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
cat >"$T/d.conf" <<CONF
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
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
};
next_hop = { port = $NH; starttls = false; };
policy = { trusted_networks = ["127.0.0.0/8"]; };
dkim = { key_dir = "$KEYS"; sign = true; };
CONF
check "-t accepts the configuration" "$GOVMAILD" -t -c "$T/d.conf"

python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
def w(name, headers, body):
    open(f"{t}/{name}.eml", "wb").write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
w("plain", ["From: annv@haugiang.gov.vn", "To: b@example.com", "Subject: rotation",
            "Date: Mon, 12 Jan 2026 10:00:00 +0700"], "Kính gửi.\r\n".encode())
# 20 MB: a base64 attachment, 76-character lines.
line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3"[:76] + b"\r\n"
n = 20 * 1024 * 1024 // len(line) + 1
w("big", ["From: annv@haugiang.gov.vn", "To: b@example.com", "Subject: 20 MB",
          "Date: Mon, 12 Jan 2026 10:00:00 +0700", "MIME-Version: 1.0",
          "Content-Type: application/pdf; name=\"big.pdf\"",
          "Content-Transfer-Encoding: base64"], line * n)
PY
expect_eq "the big message is over 20 MB" "$([ "$(stat -c %s "$T/big.eml")" -gt 20971520 ] && echo yes)" yes
cat >"$T/relay.py" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=600)
s.sendmail(sys.argv[2], [sys.argv[3]], open(sys.argv[4], "rb").read())
s.quit()
print("sent")
PY
last() { echo "$T/sink/$(cat "$T/sink/last").eml"; }
# send NAME: relay NAME.eml as annv to b@example.com, the sink's copy in NAME.got
send() {
	local n0
	n0=$(count "$T/sink")
	if ! python3 "$T/relay.py" "$PR" annv@haugiang.gov.vn b@example.com "$T/$1.eml" \
		>"$T/last.out" 2>"$T/last.err"; then
		not_ok "relay $1"; sed 's/^/#   /' "$T/last.err" | tail -n 3 >&2
		: >"$T/$1.got"
		return
	fi
	ok "relay $1"
	wait_for test "$(count "$T/sink")" -gt "$n0" || { not_ok "$1 reached the sink"; return; }
	cp "$(last)" "$T/$1.got"
}
# sigs FILE: "s=SEL" of each signature, in order
sigs() {
	python3 - "$1" <<'PY'
import re, sys
head = re.split(rb"\r?\n\r?\n", open(sys.argv[1], "rb").read(), 1)[0].decode("utf-8", "replace")
fields = re.split(r"\r?\n(?![ \t])", head)
for f in fields:
    if f.lower().startswith("dkim-signature:"):
        tags = re.sub(r"\s+", "", f.split(":", 1)[1])
        print("s=" + re.search(r"(?:^|;)s=([^;]*)", tags).group(1), end=" ")
PY
}

# --- before the delay: govmaild's clock 24 hours back (libfaketime, fixed offset) -------
# libfaketime preloaded by env (which execs: $! is govmaild's pid, so
# t_kill reaches it; faketime(1) would fork). The sanitizer build is not
# started under LD_PRELOAD (ASan wants to be first); the optimised build
# is, as test_api_token runs govmailctl under faketime.
FAKELIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FAKELIB" ] || { echo "Bail out! libfaketime.so.1 missing (scripts/install-deps: faketime)"; exit 1; }
env LD_PRELOAD="$FAKELIB" FAKETIME=-24h FAKETIME_DONT_FAKE_MONOTONIC=1 \
	"$TOP/bin/govmaild" -f -c "$T/d.conf" 2>"$T/before.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PR" || { cat "$T/before.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
send plain
mv "$T/plain.got" "$T/before.got"
expect_eq "before the delay govmaild signs with the old selector ($OLD)" \
	"$(sigs "$T/before.got")" "s=$OLD s=$OLD-ed "
check_rc "... and python3-dkim verifies both signatures" 0 verify "$T/before.got"
check_rc "... and libopendkim" 0 verify2 "$T/before.got"
expect_re "... as its log says" "$(cat "$T/before.log")" \
	"dkim signed d=haugiang\.gov\.vn s=$OLD s_ed25519=$OLD-ed"
t_kill -TERM "$D"
wait "$D"
expect_eq "clean exit" "$?" 0

# --- after the delay: the real clock; the 20 MB message ---------------------------------
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/after.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PR" || { cat "$T/after.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
send plain
mv "$T/plain.got" "$T/after.got"
expect_eq "after the delay govmaild signs with the new selector ($NEW)" \
	"$(sigs "$T/after.got")" "s=$NEW s=$NEW-ed "
check_rc "... and python3-dkim verifies both signatures" 0 verify "$T/after.got"
check_rc "... and libopendkim" 0 verify2 "$T/after.got"
check_rc "mail signed before the delay still verifies (the old record stays)" 0 \
	verify "$T/before.got"
expect_re "the log names the selectors" "$(cat "$T/after.log")" \
	"dkim signed d=haugiang\.gov\.vn s=$NEW s_ed25519=$NEW-ed"

send big
expect_eq "the 20 MB message reaches the sink signed (RSA and Ed25519)" \
	"$(sigs "$T/big.got")" "s=$NEW s=$NEW-ed "
expect_eq "... its body whole" \
	"$([ "$(stat -c %s "$T/big.got")" -gt 20971520 ] && echo yes)" yes
check_rc "... python3-dkim verifies both signatures" 0 verify "$T/big.got"
check_rc "... and libopendkim" 0 verify2 "$T/big.got"
# One byte changed in the middle of the body breaks it.
python3 - "$T/big.got" "$T/big.bad" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = len(b) // 2
b[i] = ord("A") if b[i] != ord("A") else ord("B")
open(sys.argv[2], "wb").write(b)
PY
check_rc "... and refuses it with one body byte changed" 1 verify "$T/big.bad"
t_kill -TERM "$D"
wait "$D"
expect_eq "clean exit (no leaks under ASan)" "$?" 0
t_dns_stop
