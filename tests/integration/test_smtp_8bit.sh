#!/usr/bin/env bash
# test_smtp_8bit.sh — 8-bit text toward the next hop (issue #17): 8-bit
# header bytes a client sends without BODY=8BITMIME reach the next hop
# declared (MAIL FROM ... BODY=8BITMIME, the transaction there begun
# again), bytes unchanged; declared and 7-bit messages as before; with
# smtpd.undeclared_8bit = reject such a message gets 550 5.6.0; a next hop
# without 8BITMIME gets no 8-bit message at all (550 5.6.3), 7-bit ones
# still. The next hop is tests/integration/sink.py.
. "$(dirname "$0")/../lib.sh"

P=$(t_free_port)
NH=$(t_free_port)
NH7=$(t_free_port)
mkdir -p "$T/spool"
write_conf() { # NEXT-HOP-PORT UNDECLARED-8BIT
	cat >"$T/d.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  undeclared_8bit = "$2";
};
next_hop = { port = $1; };
policy = { use_directory = false; relay_domains = ["haugiang.gov.vn"]; trusted_networks = []; };
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
CONF
}
write_conf "$NH" maybe
check_rc "-t: undeclared_8bit = maybe exits 78" 78 "$GOVMAILD" -t -c "$T/d.conf"
expect_re "... with file:line" "$(cat "$T/last.err")" 'd\.conf:7: smtpd\.undeclared_8bit: must be declare or reject'
write_conf "$NH" declare
start_sink "$T/sink" "$NH"
start_sink "$T/sink7" "$NH7" --no-8bitmime
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$P" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# an 8-bit Subject: (raw UTF-8, no RFC 2047), 7-bit body
printf 'From: annv@haugiang.gov.vn\r\nSubject: B\xc3\xa1o c\xc3\xa1o th\xc3\xa1ng\r\n\r\nplain body\r\n' >"$T/h8.eml"
printf 'From: annv@haugiang.gov.vn\r\nSubject: plain\r\n\r\nplain body\r\n' >"$T/ascii.eml"
send() { # FILE [MAIL-PARAMS]
	smtp_lines "$P" --data "$1" "EHLO client.test" \
		"MAIL FROM:<annv@haugiang.gov.vn>${2:+ $2}" "RCPT TO:<binh@haugiang.gov.vn>" "DATA"
}
mail_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mail"])' "$(last_msg "$1").env"; }

out=$(send "$T/h8.eml")
expect_re "8-bit header, no BODY=: accepted" "$out" '250 2\.0\.0 Ok: queued as'
expect_eq "... the next hop got BODY=8BITMIME" "$(mail_of "$T/sink")" "<annv@haugiang.gov.vn> BODY=8BITMIME"
check "... and the bytes unchanged" python3 -c 'import sys
got = open(sys.argv[1], "rb").read()
sys.exit(0 if got.endswith(open(sys.argv[2], "rb").read()) else 1)' "$(last_msg "$T/sink").eml" "$T/h8.eml"
expect_eq "... once: one message at the next hop" "$(count "$T/sink")" 1
out=$(send "$T/h8.eml" BODY=8BITMIME)
expect_re "8-bit header with BODY=8BITMIME: accepted" "$out" '250 2\.0\.0 Ok: queued as'
expect_eq "... BODY=8BITMIME at the next hop" "$(mail_of "$T/sink")" "<annv@haugiang.gov.vn> BODY=8BITMIME"
out=$(send "$T/ascii.eml")
expect_re "7-bit message: accepted" "$out" '250 2\.0\.0 Ok: queued as'
expect_eq "... nothing declared at the next hop" "$(mail_of "$T/sink")" "<annv@haugiang.gov.vn>"
expect_eq "three messages in all" "$(count "$T/sink")" 3

write_conf "$NH" reject
check "SIGHUP: undeclared_8bit = reject" hup_reload "$D" "$T/d.log"
out=$(send "$T/h8.eml")
expect_re "reject: 8-bit header without BODY=: 550 5.6.0" "$out" \
	'550 5\.6\.0 Message refused: 8-bit text without BODY=8BITMIME in MAIL FROM'
out=$(send "$T/h8.eml" BODY=8BITMIME)
expect_re "reject: declared: accepted" "$out" '250 2\.0\.0 Ok: queued as'
expect_eq "reject: nothing more at the next hop than the declared one" "$(count "$T/sink")" 4

write_conf "$NH7" declare
check "SIGHUP: a next hop without 8BITMIME" hup_reload "$D" "$T/d.log"
out=$(send "$T/h8.eml")
expect_re "no 8BITMIME at the next hop, undeclared 8-bit: 550 5.6.3" "$out" \
	'550 5\.6\.3 Message refused: 8-bit text, and the next hop does not accept 8BITMIME'
out=$(send "$T/h8.eml" BODY=8BITMIME)
expect_re "... declared 8-bit: 550 5.6.3 too" "$out" '550 5\.6\.3 '
out=$(send "$T/ascii.eml")
expect_re "... 7-bit: relayed" "$out" '250 2\.0\.0 Ok: queued as'
expect_eq "... only the 7-bit one reached it" "$(count "$T/sink7")" 1
expect_eq "... and no DATA for the others" "$(grep -c '^DATA' "$T/sink7/commands.log")" 1
t_kill "$D"
wait "$D" 2>/dev/null
expect_eq "govmaild exits 0 on SIGTERM (no leak report)" "$?" 0
