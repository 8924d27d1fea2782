#!/usr/bin/env bash
# test_smtp_nexthop_tls.sh — next_hop.tls_verify: with it, govmaild relays
# only over STARTTLS to a next hop whose certificate chains to
# next_hop.tls_ca_file and names next_hop.tls_verify_name; a wrong name, an
# unknown CA or a next hop without STARTTLS is "451 4.7.5" at MAIL (the
# client keeps the message, nothing is relayed). Without it (the default),
# STARTTLS stays opportunistic. No directory needed.
. "$(dirname "$0")/../lib.sh"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	-days 2 -subj "/CN=nh.test" -addext "subjectAltName=DNS:nh.test" >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other-key.pem" -out "$T/other.pem" \
	-days 2 -subj "/CN=nh.test" -addext "subjectAltName=DNS:nh.test" >/dev/null 2>&1
NH=$(t_free_port)
NP=$(t_free_port)
mkdir -p "$T/sink" "$T/plain" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" --tls "$T/cert.pem" "$T/key.pem" 2>"$T/sink.err" &
T_PIDS+=("$!")
python3 "$SINK" "$NP" "$T/plain" 2>"$T/plain.err" &
T_PIDS+=("$!")
wait_port "$NH" && wait_port "$NP" || { echo "Bail out! sinks did not start"; exit 1; }
printf 'Subject: tls\r\n\r\nhello\r\n' >"$T/msg.eml"

conf() { # PORT NEXT-HOP-PORT EXTRA-NEXT-HOP-LINES
	cat <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$1"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
};
next_hop = {
  port = $2;
$3
};
policy = { use_directory = false; };
CONF
}
# send NAME NEXT-HOP-PORT EXTRA: start govmaild with that next hop,
# send one message, stop it; prints the dialogue.
send() {
	local name=$1 port d
	port=$(t_free_port)
	conf "$port" "$2" "$3" >"$T/$name.conf"
	"$GOVMAILD" -f -c "$T/$name.conf" 2>"$T/$name.log" &
	d=$!
	T_PIDS+=("$d")
	wait_port "$port" || { cat "$T/$name.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
	smtp_lines "$port" --data "$T/msg.eml" "EHLO client.test" "MAIL FROM:<a@example.org>" \
		"RCPT TO:<b@haugiang.gov.vn>" "DATA"
	t_kill -TERM "$d"
	wait "$d" || echo "govmaild exit $?"
}

n0=$(count "$T/sink")
out=$(send good "$NH" '  tls_verify = true;
  tls_ca_file = "cert.pem";
  tls_verify_name = "nh.test";')
expect_re "verified next hop (CA file relative to the config, name matches): relayed" "$out" \
	'^250 2\.0\.0 Ok: queued as'
expect_eq "... one message at the next hop" "$(count "$T/sink")" "$((n0 + 1))"
expect_re "... over TLS" "$(cat "$(last_msg "$T/sink").env")" '"tls": true'
expect_eq "... govmaild exited cleanly (no leaks under ASan)" "$(printf '%s\n' "$out" | grep -c 'govmaild exit')" 0

n0=$(count "$T/sink")
out=$(send wrongname "$NH" '  tls_verify = true;
  tls_ca_file = "cert.pem";
  tls_verify_name = "mx.other.test";')
expect_re "a certificate for another name: 451 4.7.5 at MAIL" "$out" \
	'^451 4\.7\.5 Error: next hop TLS could not be verified, try again later$'
expect_re "... logged with the reason" "$(cat "$T/wrongname.log")" 'next hop 127\.0\.0\.1:[0-9]+: no reply \(TLS required: TLS handshake: .*certificate verify failed'
out=$(send wrongca "$NH" '  tls_verify = true;
  tls_ca_file = "other.pem";
  tls_verify_name = "nh.test";')
expect_re "a certificate from an unknown CA: 451 4.7.5" "$out" '^451 4\.7\.5 '
out=$(send noname "$NH" '  tls_verify = true;
  tls_ca_file = "cert.pem";')
expect_re "tls_verify_name empty: next_hop.host (127.0.0.1) must be in the certificate: 451 4.7.5" \
	"$out" '^451 4\.7\.5 '
expect_eq "... nothing relayed" "$(count "$T/sink")" "$n0"

n0=$(count "$T/plain")
out=$(send plain "$NP" '  tls_verify = true;
  tls_ca_file = "cert.pem";
  tls_verify_name = "nh.test";')
expect_re "a next hop without STARTTLS: 451 4.7.5, no plaintext fallback" "$out" '^451 4\.7\.5 '
expect_eq "... nothing relayed" "$(count "$T/plain")" "$n0"
expect_re "... logged" "$(cat "$T/plain.log")" 'STARTTLS not offered, TLS is required'

out=$(send opportunistic "$NH" '  tls_verify_name = "mx.other.test";')
expect_re "tls_verify off (default): the certificate is not checked, relayed" "$out" \
	'^250 2\.0\.0 Ok: queued as'
out=$(send plainok "$NP" '')
expect_re "... and a next hop without STARTTLS is used in plaintext" "$out" '^250 2\.0\.0 Ok: queued as'
expect_eq "no govmaild run ended badly" "$(cat "$T"/*.log | grep -c 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error')" 0

conf 2525 "$NH" '  tls_verify = true;
  tls_ca_file = "missing.pem";' >"$T/bad.conf"
check_rc "an unreadable tls_ca_file: govmaild refuses to start (78)" 78 "$GOVMAILD" -t -c "$T/bad.conf"
expect_re "... saying which key" "$(cat "$T/last.err")" 'next_hop\.tls_ca_file: cannot use'
