#!/usr/bin/env bash
# test_smtp_mime.sh — govmaild's attachment rule, through the running
# daemon to the capturing sink: a clean message with a PDF passes byte for
# byte; blocked extensions (plain, RFC 2231 Vietnamese name, RFC 2047
# name, double extension, nested inside message/rfc822 > alternative >
# mixed) and a blocked declared type get 550 5.7.1 naming the file;
# a duplicate boundary, a multipart without boundary or never closed and
# nesting over policy.max_mime_depth get 550 5.6.0; nothing of a refused
# message reaches the sink; the log names the file in full. No directory.
. "$(dirname "$0")/../lib.sh"

# send FILE: one transaction with FILE as the message (dot-stuffed);
# prints the reply to the end of data.
send() {
	smtp_lines "$PORT" --data "$1" 'EHLO client.example' 'MAIL FROM:<a@example.org>' \
		'RCPT TO:<b@haugiang.gov.vn>' DATA | tail -n 1
}

# --- the messages -----------------------------------------------------------------
mkdir -p "$T/m"
python3 - "$T/m" <<'PY'
import sys
d = sys.argv[1]
H = (b"From: An <annv@haugiang.gov.vn>\r\nTo: <b@haugiang.gov.vn>\r\n"
     b"Subject: test\r\nMIME-Version: 1.0\r\n")
def mixed(parts, b=b"b1"):
    out = b"Content-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n\r\nPreamble\r\n"
    for p in parts:
        out += b"--" + b + b"\r\n" + p
    return out + b"--" + b + b"--\r\n"
TEXT = b"Content-Type: text/plain; charset=UTF-8\r\n\r\nK\xc3\xadnh g\xe1\xbb\xadi anh.\r\n"
def att(ctype, disp):
    return (b"Content-Type: " + ctype + b"\r\nContent-Transfer-Encoding: base64\r\n" +
            (b"Content-Disposition: " + disp + b"\r\n" if disp else b"") +
            b"\r\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n")
msgs = {
 "clean": H + mixed([TEXT, att(b"application/pdf; name=\"bao-cao.pdf\"",
                               b"attachment; filename=\"bao-cao.pdf\"")]),
 "exe": H + mixed([TEXT, att(b"application/octet-stream", b"attachment; filename=\"setup.exe\"")]),
 "vn2231": H + mixed([TEXT, att(b"application/octet-stream",
     b"attachment;\r\n filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.exe")]),
 "js2047": H + mixed([TEXT, att(b"application/octet-stream;\r\n name=\"=?UTF-8?B?VOG7nSB0csOsbmguanM=?=\"",
     None)]),
 "double": H + mixed([TEXT, att(b"application/pdf", b"attachment; filename=\"bao-cao.pdf.exe\"")]),
 "type": H + mixed([TEXT, att(b"application/x-msdownload", b"attachment; filename=\"readme.txt\"")]),
 "nested": H + mixed([TEXT, b"Content-Type: message/rfc822\r\n\r\n"
     b"From: x@example.org\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
     b"Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
     b"--alt\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
     b"--alt\r\n" + mixed([TEXT, att(b"application/octet-stream",
         b"attachment; filename=\"hinh-anh.SCR\"")], b"mix") +
     b"--alt--\r\n"], b"outer"),
 "dupboundary": H + b"Content-Type: multipart/mixed; boundary=\"b1\"; boundary=\"b2\"\r\n\r\n"
     b"--b1\r\n" + TEXT + b"--b2\r\n" + att(b"application/octet-stream",
         b"attachment; filename=\"x.exe\"") + b"--b1--\r\n--b2--\r\n",
 "noboundary": H + b"Content-Type: multipart/mixed\r\n\r\n--b1\r\n" + TEXT + b"--b1--\r\n",
 "unclosed": H + b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n" + TEXT,
}
deep = TEXT
for i in range(25):
    deep = mixed([deep], b"d%d" % i)
msgs["deep"] = H + deep
# 450 levels: under max_mime_parts, so libetpan parses it all (on its
# own stack, not the session thread's 128 KiB), then refused for depth.
deep = TEXT
for i in range(450):
    deep = mixed([deep], b"e%d" % i)
msgs["deep450"] = H + deep
# Large ones, spooled to a file (mapped, not read into memory): a clean
# PDF padded to exactly 100 pages of 4 KiB, and an .exe after 400 KB.
b64 = b"".join(b"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0KeJzL" + b"\r\n"
               for _ in range(5500))
big = H + mixed([TEXT, att(b"application/pdf; name=\"phu-luc.pdf\"",
                           b"attachment; filename=\"phu-luc.pdf\"") + b64])
pad = 409600 - len(big)
assert pad > 0
k = -(-pad // 80)
lines = b"".join(b"X-Pad: " + b"x" * (pad // k + (1 if i < pad % k else 0) - 9) + b"\r\n"
                 for i in range(k))
msgs["bigclean"] = big.replace(b"Subject: test\r\n", b"Subject: test\r\n" + lines, 1)
assert len(msgs["bigclean"]) == 409600
msgs["bigexe"] = H + mixed([TEXT, att(b"application/pdf", None) + b64,
                            att(b"application/octet-stream", b"attachment; filename=\"cuoi.exe\"")])
for k, v in msgs.items():
    open(d + "/" + k + ".eml", "wb").write(v)
PY

# --- govmaild: relay listener, configuration rules only -------------------------------
PORT=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/sink" "$T/spool"
python3 "$SINK" "$NH" "$T/sink" 2>"$T/sink.err" &
T_PIDS+=("$!")
wait_port "$NH" || { echo "Bail out! sink did not start"; exit 1; }
cat >"$T/d.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$PORT"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  add_received = false;
};
next_hop = { port = $NH; };
policy = {
  relay_domains = ["haugiang.gov.vn"];
  use_directory = false;
  trusted_networks = [];
  max_mime_depth = 20;
};
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
CONF
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$PORT" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# --- a clean message passes byte for byte ------------------------------------------
out=$(send "$T/m/clean.eml")
expect_re "a message with a PDF attachment is accepted" "$out" '^250 2\.0\.0 Ok: queued as'
m=$(last_msg "$T/sink").eml
check "... and the sink has exactly the bytes sent" cmp "$T/m/clean.eml" "$m"

out=$(send "$T/m/bigclean.eml")
expect_re "a 400 KB message with a PDF (on disk, a page multiple) is accepted" "$out" '^250 2\.0\.0 Ok: queued as'
m=$(last_msg "$T/sink").eml
check "... byte for byte" cmp "$T/m/bigclean.eml" "$m"

# refused NAME REGEX DESCRIPTION: the reply matches and the sink got nothing.
refused() {
	local n0 out
	n0=$(count "$T/sink")
	out=$(send "$T/m/$1.eml")
	expect_re "$3" "$out" "$2"
	expect_eq "... and nothing of it reaches the sink" "$n0" "$(count "$T/sink")"
}
refused exe '^550 5\.7\.1 Message refused: attachment type not allowed \(tep dinh kem bi cam\): "setup\.exe"$' \
	"an .exe attachment: 550 5.7.1 naming the file"
refused vn2231 '^550 5\.7\.1 .*: "Quyet dinh\.exe"$' \
	"an RFC 2231 Vietnamese name (Quyết định.exe): 550 5.7.1, named without diacritics"
refused js2047 '^550 5\.7\.1 .*: "To trinh\.js"$' \
	"an RFC 2047 name ending in .js: 550 5.7.1"
refused double '^550 5\.7\.1 .*: "bao-cao\.pdf\.exe"$' "a double extension bao-cao.pdf.exe: 550 5.7.1"
refused type '^550 5\.7\.1 .*: "readme\.txt"$' \
	"declared type application/x-msdownload with an innocent name: 550 5.7.1"
refused nested '^550 5\.7\.1 .*: "hinh-anh\.SCR"$' \
	"a blocked file in mixed inside alternative inside message/rfc822: 550 5.7.1"
refused dupboundary '^550 5\.6\.0 Message refused: malformed MIME structure' \
	"a duplicate boundary parameter: 550 5.6.0"
refused noboundary '^550 5\.6\.0 ' "a multipart without boundary: 550 5.6.0"
refused unclosed '^550 5\.6\.0 ' "a boundary that never closes: 550 5.6.0"
refused bigexe '^550 5\.7\.1 .*: "cuoi\.exe"$' "an .exe after 400 KB (on disk): 550 5.7.1"
refused deep '^550 5\.6\.0 ' "nesting over policy.max_mime_depth: 550 5.6.0"
refused deep450 '^550 5\.6\.0 ' "450 nested multiparts: 550 5.6.0, the daemon still up"

expect_re "the log names the blocked file in full (escaped UTF-8)" "$(cat "$T/d.log")" \
	'attachment session=.* blocked="extension \.exe" type="application/octet-stream" file="Quy.*nh\.exe"'
expect_re "the refusal is logged with its verdict" "$(cat "$T/d.log")" \
	'message session=.* verdict=reject reply="550 5\.6\.0'

# --- different reply texts from the configuration -------------------------------------
sed -i 's/^  max_mime_depth = 20;/  max_mime_depth = 20;\n  reply_attachment_blocked = "Thu bi tu choi: tep dinh kem nguy hiem";\n  reply_relay = "Khong cho phep chuyen tiep thu (relay denied)";/' "$T/d.conf"
check "SIGHUP: the reply texts" hup_reload "$D" "$T/d.log"
refused exe '^550 5\.7\.1 Thu bi tu choi: tep dinh kem nguy hiem: "setup\.exe"$' \
	"the reply text is configurable (policy.reply_attachment_blocked, after SIGHUP)"
out=$(python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=120)
f = s.makefile("rb")
for cmd in (None, b"EHLO client.example", b"MAIL FROM:<a@example.org>", b"RCPT TO:<x@gmail.com>"):
    if cmd:
        s.sendall(cmd + b"\r\n")
    while True:
        line = f.readline().decode("latin-1").rstrip("\r\n")
        if len(line) < 4 or line[3] != "-":
            break
print(line)
PY
)
expect_re "policy.reply_relay replaces the open-relay text" "$out" \
	'^550 5\.7\.1 <x@gmail\.com>: Khong cho phep chuyen tiep thu \(relay denied\)$'

check "the daemon's log has no sanitizer report" sh -c "! grep -E 'AddressSanitizer|runtime error' '$T/d.log'"
