#!/usr/bin/env bash
# test_smtp_relay.sh — govmaild stage 1, the relay core, spoken to over
# real sockets: exact bytes relayed (Received: header added), dot-stuffing
# round trip, limits (size, recipients, command line, errors), no open
# relay, every smuggling variant, data before 354, pipelined QUIT, BDAT,
# XCLIENT/XFORWARD, next hop down/up, 4xx/5xx and partial acceptance from
# the next hop, config errors (exit 78 with file:line) and SIGHUP reload.
# The next hop is tests/integration/sink.py, which keeps the exact bytes.
# Timeouts, concurrency, SIGTERM and privileges: test_smtp_ops.sh.
. "$(dirname "$0")/../lib.sh"

# newest DIR: path (without extension) of the newest message.
newest() { last_msg "$1"; }

# The usual opening of a transaction: greeting, EHLO, MAIL, RCPT(s).
open_txn() {
	local r
	printf 'R\nS EHLO client.test\\r\\n\nR\nS MAIL FROM:<%s>\\r\\n\nR\n' "$1"
	shift
	for r in "$@"; do printf 'S RCPT TO:<%s>\\r\\n\nR\n' "$r"; done
}

P1=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/spool"
write_conf() { # XCLIENT-HOSTS BARE-NEWLINE [NEXT-HOP-DATA-TIMEOUT]
	cat >"$T/d1.conf" <<CONF
# govmaild under test (relay role)
smtpd = {
  relay_listen = ["127.0.0.1:$P1"];
  hostname = "gw.test";
  user = "";
  pid_file = "$T/d1.pid";
  spool_dir = "spool";
  memory_spool = "16K";
  max_recipients = 3;
  max_message_size = "512K";
  max_errors = 5;
  xclient_hosts = [$1];
  bare_newline = "$2";
};
next_hop = { port = $NH; connect_timeout = 60; command_timeout = 120; data_timeout = ${3:-120}; };
policy = { use_directory = false; relay_domains = ["haugiang.gov.vn"]; trusted_networks = ["10.0.0.0/8"]; };
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
CONF
}
write_conf "" reject

# --- configuration check --------------------------------------------------
check "-t accepts the test configuration" "$GOVMAILD" -t -c "$T/d1.conf"
expect_re "-t says so" "$(cat "$T/last.out")" "configuration file .*d1.conf is valid"
printf 'smtpd = {\n  hostname = "x";\n  max_recipients = "many";\n};\n' >"$T/bad1.conf"
check_rc "-t: wrong type exits 78" 78 "$GOVMAILD" -t -c "$T/bad1.conf"
expect_re "... with file:line" "$(cat "$T/last.err")" \
	'bad1\.conf:3: smtpd\.max_recipients must be an integer'
printf 'smtpd = {\n\n  max_recipient = 5;\n};\n' >"$T/bad2.conf"
check_rc "-t: unknown key exits 78" 78 "$GOVMAILD" -t -c "$T/bad2.conf"
expect_re "... with file:line" "$(cat "$T/last.err")" "bad2\.conf:3: unknown setting 'smtpd\.max_recipient'"
printf 'policy = {\n  trusted_networks = ["10.0.0.0/33"];\n};\n' >"$T/bad3.conf"
check_rc "-t: bad network exits 78" 78 "$GOVMAILD" -t -c "$T/bad3.conf"
expect_re "... with file:line" "$(cat "$T/last.err")" 'bad3\.conf:2: policy\.trusted_networks: "10\.0\.0\.0/33"'
printf 'smtpd = { bare_newline = "ignore"; };\n' >"$T/bad4.conf"
check_rc "starting with a bad file exits 78 too" 78 "$GOVMAILD" -f -c "$T/bad4.conf"
expect_re "... with file:line" "$(cat "$T/last.err")" 'bad4\.conf:1: smtpd\.bare_newline: must be "reject" or "normalize"'
check_rc "-t with the shipped example (spool dir absent here) exits 78" 78 \
	"$GOVMAILD" -t -c "$TOP/etc/govmail.conf"

# --- start -------------------------------------------------------------------
start_sink "$T/sink" "$NH" --xforward
"$GOVMAILD" -f -c "$T/d1.conf" 2>"$T/d1.log" &
D1=$!
T_PIDS+=("$D1")
wait_port "$P1" || { cat "$T/d1.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
expect_eq "pid file written" "$(cat "$T/d1.pid" 2>/dev/null)" "$D1"

# --- protocol basics -------------------------------------------------------------
out=$(chat "$P1" <<'EOF'
R
S EHLO client.test\r\n
R
S VRFY annv\r\n
R
S HELP\r\n
R
S NOOP\r\n
R
S RCPT TO:<a@haugiang.gov.vn>\r\n
R
S DATA\r\n
R
S MAIL FROM:<a@haugiang.gov.vn> SMTPUTF8\r\n
R
S MAIL FROM:<a@haugiang.gov.vn> SIZE=600000\r\n
R
S QUIT\r\n
R
E
EOF
)
expect_re "greeting" "$out" '^220 gw\.test ESMTP govmaild'
expect_re "EHLO advertises PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES" "$out" \
	'250-gw\.test \| 250-PIPELINING \| 250-SIZE 524288 \| 250-8BITMIME \| 250 ENHANCEDSTATUSCODES'
if printf '%s' "$out" | grep '^250-gw' | grep -Eq 'CHUNKING|STARTTLS|AUTH|SMTPUTF8|XCLIENT'; then
	not_ok "EHLO offers nothing unimplemented"; else ok "EHLO offers nothing unimplemented"; fi
expect_re "VRFY 252" "$out" '252 2\.0\.0 '
expect_re "HELP 214" "$out" '214 2\.0\.0 Commands'
expect_re "NOOP 250" "$out" '250 2\.0\.0 Ok'
expect_re "RCPT before MAIL: 503 5.5.1" "$out" '503 5\.5\.1 Error: need MAIL command'
expect_re "DATA before MAIL: 503 5.5.1" "$out" '503 5\.5\.1 Error: need MAIL command'
expect_re "SMTPUTF8: 555 5.5.4" "$out" '555 5\.5\.4 Unsupported option: SMTPUTF8'
expect_re "MAIL SIZE= above the limit: 552 5.3.4" "$out" '552 5\.3\.4 Message size exceeds fixed limit'
expect_re "QUIT 221 and close" "$out" '221 2\.0\.0 Bye
EOF$'

long=$(printf 'x%.0s' $(seq 1 600))
out=$(chat "$P1" <<EOF
R
S MAIL FROM:<a@haugiang.gov.vn>\r\n
R
S NOOP $long\r\n
R
S NOOP\r\n
R
S NOOP\n
R
S FOO bar\r\n
R
S EHLO bad(name)\r\n
R
E
EOF
)
expect_re "MAIL before EHLO: 503 5.5.1" "$out" '503 5\.5\.1 Error: send HELO/EHLO first'
expect_re "over-long command line: 500 5.5.2, session stays in sync" "$out" \
	'500 5\.5\.2 Error: command line too long \(at most 512 bytes\)
250 2\.0\.0 Ok'
expect_re "bare LF ending a command: 500 5.5.2" "$out" '500 5\.5\.2 Syntax error: command lines must end with <CR><LF>'
expect_re "unknown command: 500 5.5.1" "$out" '500 5\.5\.1 Error: command not recognized'
expect_re "5th error: 421 4.7.0 and close" "$out" '501 5\.5\.2 Syntax error: bad HELO/EHLO domain name
421 4\.7\.0 gw\.test Error: too many errors, closing
EOF'

# --- a normal relay: exact bytes, plus our Received: header ----------------------
printf 'From: An <annv@haugiang.gov.vn>\r\nTo: Binh <binh@haugiang.gov.vn>\r\nSubject: =?UTF-8?B?VGjGsCBt4budaQ==?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nK\xc3\xadnh g\xe1\xbb\xadi anh B\xc3\xacnh,\r\n\r\n  indented line\t with tab\r\n\r\n' >"$T/msg1.eml"
n0=$(count "$T/sink")
out=$( { open_txn annv@haugiang.gov.vn binh@haugiang.gov.vn chi@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nF %s\nS .\\r\\n\nR\nS QUIT\\r\\n\nR\n' "$T/msg1.eml"; } | chat "$P1")
expect_re "relay: 250 2.0.0 queued as a queue id" "$out" '250 2\.0\.0 Ok: queued as [0-9A-F]{12}'
expect_eq "relay: one message at the next hop" "$(count "$T/sink")" "$((n0 + 1))"
qid=$(printf '%s' "$out" | sed -n 's/.*queued as \([0-9A-F]\{12\}\).*/\1/p')
# compare: the sink's bytes = Received: header + exactly what was sent
verify_bytes() { # SINKFILE ORIGINAL QID RCPTLINE
	python3 - "$@" <<'PY'
import re, sys
got = open(sys.argv[1], "rb").read()
orig = open(sys.argv[2], "rb").read()
qid, rcpt = sys.argv[3], sys.argv[4]
hdr = (rb"Received: from client\.test \(unknown \[127\.0\.0\.1\]\)\r\n"
       rb"\tby gw\.test \(govmaild\) with ESMTP id " + qid.encode() +
       (rb"\r\n\tfor <" + re.escape(rcpt.encode()) + rb">;\r\n" if rcpt else b";\r\n") +
       rb"\t[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n")
m = re.match(hdr, got)
if not m:
    sys.exit("header does not match: %r" % got[:300])
if got[m.end():] != orig:
    sys.exit("body differs")
PY
}
if [ -n "$qid" ]; then m=$(newest "$T/sink"); fi
check "relay: bytes at the sink = Received: header + bytes sent" verify_bytes "$m.eml" "$T/msg1.eml" "$qid" ""
# (msg1 has 8-bit text MAIL did not declare: the next hop is told, issue #17)
expect_re "relay: envelope (BODY=8BITMIME) and XFORWARD at the next hop" "$(cat "$m.env")" \
	'"mail": "<annv@haugiang.gov.vn> BODY=8BITMIME", "rcpts": \["binh@haugiang.gov.vn", "chi@haugiang.gov.vn"\], "xforward": \{"NAME": "\[UNAVAILABLE\]", "ADDR": "127.0.0.1", "PROTO": "ESMTP", "HELO": "client.test"\}'
expect_re "relay: one log line for the message, with its queue id" "$(grep " $qid: message" "$T/d1.log")" \
	"^govmaild: $qid: message session=[0-9A-F]{12} client=\[127\.0\.0\.1\] helo=client\.test from=<annv@haugiang\.gov\.vn> nrcpt=2 to=<binh@haugiang\.gov\.vn>,<chi@haugiang\.gov\.vn> size=[0-9]+ verdict=accept reply=\"250 2\.0\.0 Ok: queued as $qid\" nexthop=\"250 2\.0\.0 Ok: queued as [0-9]+-[0-9]+\" delay="

# --- dot-stuffing: removed on input, restored on output ----------------------------
# sent: stuffed lines, and ". " (a dot the client need not have stuffed)
printf '..\r\n...\r\n..hidden line\r\na.b\r\n. \r\n' >"$T/dots.wire"
printf '.\r\n..\r\n.hidden line\r\na.b\r\n \r\n' >"$T/dots.eml"
printf '..\r\n...\r\n..hidden line\r\na.b\r\n \r\n' >"$T/dots.restuffed"
out=$( { open_txn a@example.org dots@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nF %s\nS .\\r\\n\nR\n' "$T/dots.wire"; } | chat "$P1")
qid=$(printf '%s' "$out" | sed -n 's/.*queued as \([0-9A-F]\{12\}\).*/\1/p')
m=$(newest "$T/sink")
check "dots: content at the sink is the unstuffed original" verify_bytes "$m.eml" "$T/dots.eml" "$qid" dots@haugiang.gov.vn
check "dots: on the wire to the next hop the stuffing is back" verify_bytes "$m.raw" "$T/dots.restuffed" "$qid" dots@haugiang.gov.vn

# --- a message larger than memory_spool goes through a temporary file -----------------
python3 -c 'import sys; sys.stdout.buffer.write(b"Subject: big\r\n\r\n" + b"".join(b"%06d " % i + b"0123456789" * 9 + b"\r\n" for i in range(4000)))' >"$T/big.eml"
out=$( { open_txn a@example.org big@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nF %s\nS .\\r\\n\nR\n' "$T/big.eml"; } | chat "$P1")
qid=$(printf '%s' "$out" | sed -n 's/.*queued as \([0-9A-F]\{12\}\).*/\1/p')
m=$(newest "$T/sink")
check "400 KB message (spooled to disk) relayed byte for byte" verify_bytes "$m.eml" "$T/big.eml" "$qid" big@haugiang.gov.vn
expect_eq "no file left in the spool directory" "$(ls -A "$T/spool" | wc -l)" 0

# --- size limit on DATA --------------------------------------------------------
python3 -c 'import sys; sys.stdout.buffer.write(b"Subject: huge\r\n\r\n" + b"y" * 900 + b"\r\n" + (b"z" * 98 + b"\r\n") * 6000)' >"$T/huge.eml"
n0=$(count "$T/sink")
out=$( { open_txn a@example.org huge@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nF %s\nS .\\r\\n\nR\nS NOOP\\r\\n\nR\n' "$T/huge.eml"; } | chat "$P1")
expect_re "oversize DATA: 552 5.3.4 after reading to the end" "$out" '552 5\.3\.4 Message size exceeds fixed limit of 524288 bytes
250 2\.0\.0 Ok$'
expect_eq "oversize: nothing at the next hop" "$(count "$T/sink")" "$n0"

# --- recipients limit ---------------------------------------------------------------
out=$( { open_txn a@example.org r1@haugiang.gov.vn r2@haugiang.gov.vn r3@haugiang.gov.vn r4@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nS Subject: four\\r\\n\\r\\nx\\r\\n.\\r\\n\nR\n'; } | chat "$P1")
expect_re "4th recipient: 452 4.5.3" "$out" '452 4\.5\.3 Too many recipients'
expect_re "the first three are delivered" "$out" '250 2\.0\.0 Ok: queued'
expect_re "... and only those" "$(cat "$(newest "$T/sink").env")" '"rcpts": \["r1@haugiang.gov.vn", "r2@haugiang.gov.vn", "r3@haugiang.gov.vn"\]'

# --- no open relay -------------------------------------------------------------------
n0=$(count "$T/sink")
out=$( { open_txn spammer@example.org victim@gmail.com; printf 'S DATA\\r\\n\nR\nS QUIT\\r\\n\nR\n'; } | chat "$P1")
expect_re "untrusted client to an outside domain: 550 5.7.1" "$out" '550 5\.7\.1 <victim@gmail\.com>: Relay access denied'
expect_re "... so DATA has no valid recipients" "$out" '554 5\.5\.1 Error: no valid recipients'
expect_eq "open relay attempt: nothing at the next hop" "$(count "$T/sink")" "$n0"
expect_re "the refusal is logged with its rule" "$(cat "$T/d1.log")" 'reject cmd=RCPT .* to=<victim@gmail\.com> rule=relay reply="550 5\.7\.1'

# --- smuggling: only CRLF.CRLF ends DATA; bare CR/LF rejects the message -------------
smuggle() { # FAKE-END (escaped)
	printf '%s\n' 'R' 'S EHLO client.test\r\n' R 'S MAIL FROM:<alice@example.org>\r\n' R \
		'S RCPT TO:<bob@haugiang.gov.vn>\r\n' R 'S DATA\r\n' R
	printf 'S Subject: hello\\r\\n\\r\\nbody%sMAIL FROM:<ceo@haugiang.gov.vn>\\r\\nRCPT TO:<victim@haugiang.gov.vn>\\r\\nDATA\\r\\nFrom: ceo@haugiang.gov.vn\\r\\nSubject: smuggled\\r\\n\\r\\nsmuggled\\r\\n.\\r\\n\nR\nS QUIT\\r\\n\nR\n' "$1"
}
for fake in '\n.\n' '\n.\r\n' '\r\n.\r' '\r.\r'; do
	n0=$(count "$T/sink")
	out=$(smuggle "$fake" | chat "$P1")
	expect_re "smuggling $fake: message refused with 550 5.5.2" "$out" \
		'354 End data.*
550 5\.5\.2 Message refused: bare <(LF|CR)> in message text; lines must end with <CR><LF>
221 2\.0\.0 Bye'
	expect_eq "smuggling $fake: nothing reaches the next hop" "$(count "$T/sink")" "$n0"
done
if grep -rqs smuggled "$T/sink"; then not_ok "no smuggled text anywhere at the next hop"
else ok "no smuggled text anywhere at the next hop"; fi

n0=$(count "$T/sink")
out=$(chat "$P1" <<'EOF'
R
S EHLO client.test\r\n
R
S MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@haugiang.gov.vn>\r\nDATA\r\nSubject: early\r\n\r\nsent before 354\r\n.\r\nQUIT\r\n
R
R
R
E
EOF
)
expect_re "data before 354: 554 5.5.0 and disconnect" "$out" '250 2\.1\.0 Ok
250 2\.1\.5 Ok
554 5\.5\.0 Error: SMTP protocol synchronization \(data sent before 354 reply\)
EOF'
expect_eq "data before 354: nothing at the next hop" "$(count "$T/sink")" "$n0"

out=$(chat "$P1" <<'EOF'
R
S EHLO client.test\r\n
R
S MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@haugiang.gov.vn>\r\nDATA\r\n
R
R
R
S Subject: pipelined\r\n\r\nquit follows in the same packet\r\n.\r\nQUIT\r\n
R
R
E
EOF
)
expect_re "PIPELINING: MAIL/RCPT/DATA in one packet, then the dot and QUIT in one packet" "$out" '250 2\.1\.0 Ok
250 2\.1\.5 Ok
354 End data with <CR><LF>\.<CR><LF>
250 2\.0\.0 Ok: queued as [0-9A-F]{12}
221 2\.0\.0 Bye
EOF'
expect_eq "... the message is relayed" "$(count "$T/sink")" "$((n0 + 1))"

n0=$(count "$T/sink")
out=$(chat "$P1" <<'EOF'
R
S EHLO client.test\r\n
R
S MAIL FROM:<alice@example.org>\r\n
R
S RCPT TO:<bob@haugiang.gov.vn>\r\n
R
S BDAT 86 LAST\r\nMAIL FROM:<ceo@haugiang.gov.vn>\r\nRCPT TO:<victim@haugiang.gov.vn>\r\nDATA\r\n
R
E
EOF
)
expect_re "BDAT (CHUNKING not offered): 502 5.5.1 and disconnect" "$out" '502 5\.5\.1 Error: BDAT not supported \(CHUNKING is not offered\); closing
EOF'
expect_eq "BDAT: nothing at the next hop" "$(count "$T/sink")" "$n0"

out=$(chat "$P1" <<'EOF'
R
S EHLO client.test\r\n
R
S XCLIENT NAME=mx.example.org ADDR=10.1.2.3\r\n
R
S XFORWARD ADDR=10.1.2.3\r\n
R
S MAIL FROM:<a@example.org>\r\n
R
S RCPT TO:<someone@gmail.com>\r\n
R
EOF
)
expect_re "XCLIENT from an untrusted host: 550 5.7.0" "$out" '250 ENHANCEDSTATUSCODES
550 5\.7\.0 Error: insufficient authorization
550 5\.7\.0 Error: insufficient authorization'
expect_re "... and it changes nothing (still no relay)" "$out" '550 5\.7\.1 <someone@gmail\.com>: Relay access denied'

# --- the next hop: down, 4xx, 5xx, partial acceptance, slow -----------------------------
stop_sink
n0=$(count "$T/sink")
out=$( { open_txn a@example.org down@haugiang.gov.vn; } | chat "$P1")
expect_re "next hop down: 451 4.4.1 at MAIL" "$out" '451 4\.4\.1 Error: next hop unavailable, try again later'
start_sink "$T/sink" "$NH" --xforward
out=$( { open_txn a@example.org down@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nS Subject: retry\\r\\n\\r\\nretried\\r\\n.\\r\\n\nR\n'; } | chat "$P1")
expect_re "next hop back: the retry is accepted" "$out" '250 2\.0\.0 Ok: queued'
expect_eq "... and delivered once" "$(count "$T/sink")" "$((n0 + 1))"

echo "554 5.3.2 No SMTP service here" >"$T/sink/reply.greeting"
# a new connection is needed: restarting the sink closes the pooled one
stop_sink
start_sink "$T/sink" "$NH" --xforward
out=$( { open_txn a@example.org x@haugiang.gov.vn; } | chat "$P1")
expect_re "next hop refuses the connection (554 greeting): 451 4.4.1, never a 5xx" "$out" \
	'451 4\.4\.1 Error: next hop unavailable, try again later'
expect_re "... with the reason in the log" "$(cat "$T/d1.log")" \
	'next hop 127\.0\.0\.1:[0-9]+: no reply \(cannot connect: greeting refused: 554 No SMTP service here\)'
rm -f "$T/sink/reply.greeting"

out=$( { open_txn a@example.org tempfail1@haugiang.gov.vn reject1@haugiang.gov.vn ok1@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nS Subject: partial\\r\\n\\r\\npartial\\r\\n.\\r\\n\nR\n'; } | chat "$P1")
expect_re "next hop 4xx for a recipient: passed back" "$out" '451 4\.2\.0 <tempfail1@haugiang\.gov\.vn>: mailbox busy, try later'
expect_re "next hop 5xx for a recipient: passed back" "$out" '550 5\.1\.1 <reject1@haugiang\.gov\.vn>: Recipient address rejected: User unknown'
expect_re "partial acceptance: DATA accepted for the accepted recipient" "$out" '250 2\.1\.5 Ok
354 .*
250 2\.0\.0 Ok: queued'
expect_re "... who alone gets it" "$(cat "$(newest "$T/sink").env")" '"rcpts": \["ok1@haugiang.gov.vn"\]'

n0=$(count "$T/sink")
echo "554 5.6.0 Content refused by the next hop" >"$T/sink/reply.data"
out=$( { open_txn a@example.org x@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nS Subject: x\\r\\n\\r\\nx\\r\\n.\\r\\n\nR\n'; } | chat "$P1")
expect_re "next hop 5xx after DATA: passed back" "$out" '554 5\.6\.0 Content refused by the next hop'
echo "452 4.3.1 Insufficient system storage" >"$T/sink/reply.data"
out=$( { open_txn a@example.org x@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nS Subject: x\\r\\n\\r\\nx\\r\\n.\\r\\n\nR\n'; } | chat "$P1")
expect_re "next hop 4xx after DATA: passed back (client keeps the message)" "$out" '452 4\.3\.1 Insufficient system storage'
rm -f "$T/sink/reply.data"
# The next hop does not answer the end of data until govmaild gives up
# (hangs up) or 120 s pass: only next_hop.data_timeout (3 s, for this one
# check; 120 s elsewhere, a hang guard) can end the wait.
write_conf "" reject 3
check "SIGHUP: next_hop.data_timeout = 3" hup_reload "$D1" "$T/d1.log"
echo 120 >"$T/sink/delay.data"
out=$( { open_txn a@example.org x@haugiang.gov.vn; printf 'S DATA\\r\\n\nR\nS Subject: x\\r\\n\\r\\nslow\\r\\n.\\r\\n\nR\n'; } | chat "$P1")
expect_re "next hop slower than next_hop.data_timeout: 451 4.4.2" "$out" '451 4\.4\.2 Error: next hop did not answer, try again later'
check "... and govmaild hung up on the next hop (it saves nothing then)" wait_log "$T/sink/abandoned.log" '^<a@example\.org>.* x@haugiang\.gov\.vn$'
rm -f "$T/sink/delay.data"
expect_eq "refused by or lost at the next hop: nothing delivered" "$(count "$T/sink")" "$n0"

# --- SIGHUP: reload (XCLIENT host, normalising bare newlines) -----------------------
write_conf '"127.0.0.1"' normalize
check "SIGHUP: xclient_hosts, bare_newline = normalize" hup_reload "$D1" "$T/d1.log"
expect_re "SIGHUP reloads the configuration" "$(cat "$T/d1.log")" "configuration reloaded from $T/d1.conf"

n0=$(count "$T/sink")
out=$(chat "$P1" <<'EOF'
R
S EHLO front.test\r\n
R
S XCLIENT NAME=mx.example.org ADDR=10.1.2.3 HELO=outside.example\r\n
R
S EHLO front.test\r\n
R
S MAIL FROM:<someone@example.org>\r\n
R
S RCPT TO:<friend@gmail.com>\r\n
R
S DATA\r\n
R
S Subject: via front MTA\r\n\r\nhello\r\n.\r\n
R
EOF
)
expect_re "XCLIENT from xclient_hosts: advertised, then 220 again" "$out" '250-XCLIENT NAME ADDR PORT PROTO HELO LOGIN.*
220 gw\.test ESMTP govmaild'
expect_re "... the given address counts for policy (10.1.2.3 is trusted)" "$out" '250 2\.1\.5 Ok'
expect_re "... and is passed on with XFORWARD" "$(cat "$(newest "$T/sink").env")" '"xforward": \{"NAME": "mx.example.org", "ADDR": "10.1.2.3", "PROTO": "ESMTP", "HELO": "outside.example"\}'
expect_re "... and in the Received: header" "$(head -1 "$(newest "$T/sink").eml")" '^Received: from outside\.example \(mx\.example\.org \[10\.1\.2\.3\]\)'
expect_re "... and logged" "$(cat "$T/d1.log")" 'xclient name=mx\.example\.org addr=10\.1\.2\.3 port=[0-9]* helo=outside\.example'

n0=$(count "$T/sink")
out=$(smuggle '\n.\n' | chat "$P1")
expect_re "bare_newline = normalize: the message is accepted" "$out" '250 2\.0\.0 Ok: queued'
expect_eq "... as one message, not two" "$(count "$T/sink")" "$((n0 + 1))"
m=$(newest "$T/sink")
expect_re "... for the one real recipient" "$(cat "$m.env")" '"rcpts": \["bob@haugiang.gov.vn"\], .*"flags": \[\]'
check "... with CRLF line ends and the lone dot kept as content (stuffed on the wire)" \
	python3 -c 'import sys; raw=open(sys.argv[1],"rb").read(); assert b"body\r\n..\r\nMAIL FROM:<ceo@" in raw, raw[-200:]' "$m.raw"

# --- shutdown -------------------------------------------------------------------------
t_kill -TERM "$D1"
wait "$D1"
expect_eq "SIGTERM: clean exit (and no leaks under ASan)" "$?" 0
