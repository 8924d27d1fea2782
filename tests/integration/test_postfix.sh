#!/usr/bin/env bash
# test_postfix.sh — the Postfix wiring of etc/postfix/main.cf.govmail and
# master.cf.govmail, run for real: a Postfix instance of the test's own
# (config, queue and data directories in a temporary folder, loopback
# ports; started and stopped here, never the system's) with govmaild as
# the before-queue proxy of its MX service and its 10026 service as
# govmaild's next hop, delivering to sink.py. swaks sends into Postfix:
# an allowed message arrives at the sink intact, through Postfix, govmaild
# and Postfix again, with the client's identity passed along by XFORWARD
# and logged by govmaild; govmaild's refusals (sender at RCPT, relay, an
# attachment at the end of DATA) reach the client in the same session and
# nothing of them is queued; govmaild down is a 4xx from Postfix.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || { echo "Bail out! Postfix's master runs as root: run as root"; exit 1; }
for p in postfix postconf swaks; do
	command -v "$p" >/dev/null || { echo "Bail out! $p missing (scripts/install-deps)"; exit 1; }
done

# --- the directory ------------------------------------------------------------
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
check "domain" $G domain add haugiang.gov.vn
check "agencies" $G agency load "$DATA/agencies.csv"
check "annv and binhtt" sh -c "$G account add --name 'Nguyễn Văn An' --agency snv && $G account add --name 'Trần Thị Bình' --agency snv"

# --- the ports ------------------------------------------------------------------
MXP=$(t_free_port)      # Postfix's MX service (25 in production)
GDP=$(t_free_port)      # govmaild's relay listener (10025)
BKP=$(t_free_port)      # Postfix's service for govmaild's mail (10026)
SINKP=$(t_free_port)    # where Postfix delivers (Dovecot, the Internet)
while [ "$GDP" = "$MXP" ] || [ "$BKP" = "$MXP" ] || [ "$BKP" = "$GDP" ] ||
	[ "$SINKP" = "$MXP" ] || [ "$SINKP" = "$GDP" ] || [ "$SINKP" = "$BKP" ]; do
	GDP=$(t_free_port); BKP=$(t_free_port); SINKP=$(t_free_port)
done
start_sink "$T/sink" "$SINKP"

# --- Postfix: an instance of its own ------------------------------------------
# Not under $T: that is 0700 root, and Postfix's daemons (user postfix)
# must reach their queue. The data directory is left for Postfix to make
# (postfix-script's create-missing gives it to the postfix user).
PF=$(mktemp -d "${TMPDIR:-/tmp}/govmail-postfix.XXXXXX")
chmod 755 "$PF"
mkdir "$PF/etc" "$PF/queue"
PFC="$PF/etc"

# Stop it however far the test got: "postfix stop", then the master's
# process group by its pid if it is still there.
pf_stop() {
	local pid
	pid=$(awk '{ print $1; exit }' "$PF/queue/pid/master.pid" 2>/dev/null)
	postfix -c "$PFC" status >/dev/null 2>&1 && postfix -c "$PFC" stop
	if [ -n "$pid" ] && [ -d "/proc/$pid" ] &&
		! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null &&
		grep -q master "/proc/$pid/comm" 2>/dev/null; then
		kill -9 -- "-$pid" 2>/dev/null
	fi
	return 0
}
if [ "${GOVMAIL_KEEP_TMP:-0}" = 1 ]; then
	echo "# Postfix state kept in $PF" >&2
	t_on_exit pf_stop
else
	t_on_exit "pf_stop; rm -rf '$PF'"
fi

# main.cf: the fragment as it is, then what differs for a test instance
# (mynetworks: every test client is on loopback, so only 127.0.0.1 is this
# host and 127.0.0.2 plays a client of the Internet).
cp "$TOP/etc/postfix/main.cf.govmail" "$PFC/main.cf"
postconf -c "$PFC" -e \
	"compatibility_level = 3.6" \
	"queue_directory = $PF/queue" \
	"data_directory = $PF/data" \
	"inet_interfaces = 127.0.0.1" \
	"inet_protocols = ipv4" \
	"myhostname = mx.test.invalid" \
	"mydomain = test.invalid" \
	"mydestination =" \
	"alias_maps =" \
	"alias_database =" \
	"relay_domains = haugiang.gov.vn" \
	"mynetworks = 127.0.0.1/32" \
	"transport_maps = static:smtp:[127.0.0.1]:$SINKP" \
	"maillog_file = $PF/postfix.log" \
	"maillog_file_prefixes = $PF" \
	"queue_run_delay = 1s" \
	"minimal_backoff_time = 1s" \
	"maximal_backoff_time = 2s"
# master.cf: Debian's, its "smtp inet" replaced by the fragment's entries
# on the test's ports; nothing chrooted (the queue is not set up as a
# chroot the way Debian's init script does it for /var/spool/postfix).
if [ -f /usr/share/postfix/master.cf.dist ]; then
	grep -v '^smtp[[:space:]]\+inet' /usr/share/postfix/master.cf.dist >"$PFC/master.cf"
else
	cat >"$PFC/master.cf" <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
fi
sed -e "s/127\.0\.0\.1:10025/127.0.0.1:$GDP/g" \
	-e "s/127\.0\.0\.1:10026/127.0.0.1:$BKP/g" \
	-e "s/^smtp\([[:space:]]\+inet\)/127.0.0.1:$MXP\1/" \
	"$TOP/etc/postfix/master.cf.govmail" >>"$PFC/master.cf"
postconf -c "$PFC" -F '*/*/chroot = n'

expect_eq "master.cf.govmail: the MX service proxies to govmaild" \
	"$(postconf -c "$PFC" -Ph "127.0.0.1:$MXP/inet/smtpd_proxy_filter")" "127.0.0.1:$GDP"
expect_eq "master.cf.govmail: the 10026 service takes XFORWARD from loopback" \
	"$(postconf -c "$PFC" -Ph "127.0.0.1:$BKP/inet/smtpd_authorized_xforward_hosts")" "127.0.0.0/8"
expect_eq "main.cf.govmail: the proxy waits as long as govmaild waits for its next hop" \
	"$(postconf -c "$PFC" -h smtpd_proxy_timeout)" "600s"
check "postfix check" postfix -c "$PFC" check
check "Postfix starts (its own config_directory and queue_directory)" postfix -c "$PFC" start
wait_port "$MXP" && wait_port "$BKP" ||
	{ cat "$PF/postfix.log" >&2; echo "Bail out! Postfix did not listen"; exit 1; }
expect_eq "... its master runs (pid file in the test's queue directory)" \
	"$(readlink "/proc/$(awk '{ print $1; exit }' "$PF/queue/pid/master.pid")/exe")" \
	"$(postconf -c "$PFC" -h daemon_directory)/master"

# --- govmaild: relay listener for Postfix, next hop Postfix's 10026 service -------
mkdir -p "$T/spool"
cat >"$T/d.conf" <<CONF
ldap = {
  uri = "$LDAPI_URI";
  bind_dn = "$LDAP_DAEMON_DN";
  bind_password_file = "$LDAP_DAEMON_PWFILE";
  base_dn = "$LDAP_BASE";
  timeout = 30;
};
smtpd = {
  relay_listen = ["127.0.0.1:$GDP"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  xclient_hosts = ["127.0.0.1"];
};
next_hop = { host = "127.0.0.1"; port = $BKP; };
policy = { trusted_networks = ["10.0.0.0/8"]; };
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
CONF
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$GDP" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# swaks as an outside client: from 127.0.0.2, so that its address is not
# the one Postfix and govmaild talk to each other from.
send() { swaks --server 127.0.0.1 --port "$MXP" --local-interface 127.0.0.2 \
	--helo test.client.example --timeout 300 "$@" 2>&1; }
queue_empty() { [ -z "$(find "$PF/queue/incoming" "$PF/queue/active" "$PF/queue/deferred" \
	"$PF/queue/hold" "$PF/queue/maildrop" -type f 2>/dev/null)" ]; }
sink_has() { [ "$(count "$T/sink")" -ge "$1" ]; }
# The sink's message(s) whose Subject: matches.
sink_subject() { grep -l "^Subject: $1" "$T"/sink/*.eml 2>/dev/null; }
# Log lines are written by other processes (Postfix's through postlogd),
# possibly after the client had its reply: wait for the line (a hang
# guard), then check. expect_log "description" FILE REGEX
log_matches() { python3 -c 'import re, sys; sys.exit(0 if re.search(sys.argv[2], open(sys.argv[1], errors="replace").read(), re.M) else 1)' "$1" "$2"; }
expect_log() { wait_for log_matches "$2" "$3"; expect_re "$1" "$(cat "$2")" "$3"; }

# --- an allowed message: Postfix -> govmaild -> Postfix -> the sink ---------------
TOKEN="pf-$RANDOM$RANDOM"
out=$(send --from annv@haugiang.gov.vn --to binhtt@haugiang.gov.vn \
	--header "Subject: qua Postfix $TOKEN" --body "Kinh gui chi Binh, $TOKEN")
expect_re "the MX does not offer what govmaild would refuse (DSN, SMTPUTF8)" \
	"$(printf '%s\n' "$out" | grep -E '^<-  250[ -](DSN|SMTPUTF8)' || echo none)" '^none$'
expect_re "the MX announces the size govmaild takes" "$out" '^<-  250-SIZE 26214400$'
expect_re "the client is told 250 for its message (after govmaild and Postfix took it)" \
	"$out" '^ -> \.
<-  250 2\.0\.0 Ok: queued as '
if wait_for sink_has 1; then ok "the message arrives at the sink"; else not_ok "the message arrives at the sink"; fi
eml=$(ls "$T"/sink/*.eml 2>/dev/null | head -1)
env=${eml%.eml}.env
expect_re "envelope at the sink: sender and recipient as sent" "$(cat "$env" 2>/dev/null)" \
	'"mail": "<annv@haugiang\.gov\.vn>.*"rcpts": \["binhtt@haugiang\.gov\.vn"\]'
expect_re "subject and body intact" "$(cat "$eml" 2>/dev/null)" \
	"^Subject: qua Postfix $TOKEN\r?\$(.|\n)*^Kinh gui chi Binh, $TOKEN\r?\$"
# The Received: chain, newest first, each header unfolded onto one line.
received=$(python3 - "$eml" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
for r in m.get_all("Received") or []:
    print(" ".join(r.split()))
PY
)
expect_re "Received: Postfix's 10026 service (from govmaild), govmaild (from the MX), the MX (from the client)" \
	"$received" '\Afrom gw\.test \([^ ]* \[127\.0\.0\.1\]\) by mx\.test\.invalid \(Postfix\) with ESMTP id [0-9A-Za-z]+ for <binhtt@haugiang\.gov\.vn>; .*
from mx\.test\.invalid \(unknown \[127\.0\.0\.1\]\) by gw\.test \(govmaild\) with ESMTP id [0-9A-F]{12} for <binhtt@haugiang\.gov\.vn>; .*
from test\.client\.example \([^ ]* \[127\.0\.0\.2\]\) by mx\.test\.invalid \(Postfix\) with ESMTP for <binhtt@haugiang\.gov\.vn>; .*\Z'

expect_log "govmaild logs the client Postfix forwarded (XFORWARD), not just 127.0.0.1" "$T/d.log" \
	'^govmaild: [0-9A-F]{12}: xforward name=[^ ]* addr=127\.0\.0\.2 port=[0-9]+ proto=ESMTP helo=test\.client\.example ident= source=REMOTE$'
sid=$(sed -n 's/^.* \([0-9A-F]\{12\}\): xforward .*addr=127\.0\.0\.2 .*$/\1/p' "$T/d.log" | head -1)
expect_log "... in the session whose message it accepted" "$T/d.log" \
	": message session=$sid client=\\[127\\.0\\.0\\.1\\] helo=mx\\.test\\.invalid from=<annv@haugiang\\.gov\\.vn> nrcpt=1 to=<binhtt@haugiang\\.gov\\.vn> .*verdict=accept"
expect_log "Postfix's 10026 service took govmaild's XFORWARD (logs the original client)" "$PF/postfix.log" \
	'postfix/from-govmaild/smtpd\[[0-9]+\]: [0-9A-Za-z]+: client=[^ ]*\[127\.0\.0\.1\], orig_client=[^ ]*\[127\.0\.0\.2\]$'
expect_log "... and delivered the message to the sink" "$PF/postfix.log" \
	'postfix/smtp\[[0-9]+\]: [0-9A-Za-z]+: to=<binhtt@haugiang\.gov\.vn>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:[0-9]+,.* status=sent'

# --- govmaild's refusals reach the client, in the same session -------------------
out=$(send --from ghost@haugiang.gov.vn --to binhtt@haugiang.gov.vn --header "Subject: ghost")
expect_re "an unknown sender: Postfix says 250 to MAIL (it opens govmaild at the first RCPT) ..." \
	"$out" '^ -> MAIL FROM:<ghost@haugiang\.gov\.vn>
<-  250 2\.1\.0 Ok'
expect_re "... and govmaild's refusal is the reply to RCPT, its text intact" "$out" \
	'^ -> RCPT TO:<binhtt@haugiang\.gov\.vn>
<\*\* 550 5\.7\.1 <ghost@haugiang\.gov\.vn>: Sender address rejected: no such account in a governed domain \(khong co tai khoan nay\)$'
expect_log "... which govmaild logged with its rule" "$T/d.log" \
	'reject cmd=MAIL client=\[127\.0\.0\.1\] rule=sender-unknown reply="550 5\.7\.1 <ghost@haugiang\.gov\.vn>: '

out=$(send --from annv@haugiang.gov.vn --to friend@gmail.com --header "Subject: relay")
expect_re "a relay attempt from outside: Postfix refuses it itself (reject_unauth_destination)" \
	"$out" '^ -> RCPT TO:<friend@gmail\.com>
<\*\* 554 5\.7\.1 <friend@gmail\.com>: Relay access denied$'
out=$(swaks --server 127.0.0.1 --port "$MXP" --local-interface 127.0.0.1 --helo localhost \
	--timeout 300 --from annv@haugiang.gov.vn --to friend2@gmail.com --header "Subject: relay" 2>&1)
expect_re "a relay attempt Postfix lets through (from its own mynetworks): govmaild refuses it" \
	"$out" '^ -> RCPT TO:<friend2@gmail\.com>
<\*\* 550 5\.7\.1 <friend2@gmail\.com>: Relay access denied$'
expect_log "... by its relay rule (govmaild sees 127.0.0.1, not a trusted network)" "$T/d.log" \
	'reject cmd=RCPT .*to=<friend2@gmail\.com> rule=relay'
expect_eq "... and the outside attempt never reached govmaild" \
	"$(grep -c 'to=<friend@gmail\.com>' "$T/d.log")" 0

cat >"$T/exe.eml" <<'EOF'
From: annv@haugiang.gov.vn
To: binhtt@haugiang.gov.vn
Subject: an executable
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain

see the attachment
--b1
Content-Type: application/octet-stream; name="setup.exe"
Content-Disposition: attachment; filename="setup.exe"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=
--b1--
EOF
out=$(send --from annv@haugiang.gov.vn --to binhtt@haugiang.gov.vn --data "@$T/exe.eml")
expect_re "a blocked attachment: govmaild's refusal is the reply to the final dot" "$out" \
	'^ -> \.
<\*\* 550 5\.7\.1 Message refused: attachment type not allowed \(tep dinh kem bi cam\): "setup\.exe"$'

# CHUNKING: the MX offers it, govmaild does not (BDAT there closes the
# session); Postfix turns the client's BDAT into DATA towards govmaild.
body=$'Subject: bdat '"$TOKEN"$'\r\n\r\nchunked\r\n'
out=$(chat "$MXP" <<EOF
R
S EHLO bdat.client.example\r\n
R
S MAIL FROM:<annv@haugiang.gov.vn>\r\n
R
S RCPT TO:<binhtt@haugiang.gov.vn>\r\n
R
S BDAT ${#body} LAST\r\n${body//$'\r\n'/\\r\\n}
R
S QUIT\r\n
R
EOF
)
expect_re "BDAT to the MX: the message goes through govmaild (as DATA) and is accepted" "$out" \
	'^250 2\.0\.0 Ok: queued as [0-9A-F]{12}$'

# Nothing of the refused ones was queued: once the allowed ones are at the
# sink and Postfix's queue is empty, the sink holds exactly those.
# The last one without Message-ID and Date: Postfix adds those only to
# mail of its own clients (local_header_rewrite_clients), and the 10026
# service knows this one is not from XFORWARD SOURCE=REMOTE passed on by
# govmaild, though govmaild itself connects from 127.0.0.1.
printf 'From: annv@haugiang.gov.vn\r\nTo: binhtt@haugiang.gov.vn\r\nSubject: last %s\r\n\r\nno Message-ID\r\n' \
	"$TOKEN" >"$T/last.eml"
out=$(send --from annv@haugiang.gov.vn --to binhtt@haugiang.gov.vn --data "@$T/last.eml")
expect_re "a last allowed message is accepted" "$out" '^<-  250 2\.0\.0 Ok: queued as '
if wait_for sink_has 3 && wait_for queue_empty; then ok "... and delivered, the queue empty"
else not_ok "... and delivered, the queue empty"; fi
expect_eq "the sink holds only the three allowed messages" \
	"$(sink_subject ".*$TOKEN" | wc -l) of $(count "$T/sink")" "3 of 3"
last=$(sink_subject "last $TOKEN") bdat=$(sink_subject "bdat $TOKEN")
expect_eq "a remote client's message gets no Message-ID from Postfix (SOURCE=REMOTE went through)" \
	"$([ -n "$last" ] && grep -ci '^Message-Id:' $last)" 0
expect_eq "... a local client's does (BDAT from 127.0.0.1, SOURCE=LOCAL)" \
	"$([ -n "$bdat" ] && grep -ci '^Message-Id:' $bdat)" 1
qmgr_re='postfix/qmgr\[[0-9]*\]: [0-9A-Za-z]*: from=<annv@haugiang\.gov\.vn>, size=[0-9]*, nrcpt=1 (queue active)'
wait_for sh -c "[ \$(grep -c '$qmgr_re' '$PF/postfix.log') -ge 3 ]"
expect_eq "Postfix queued only those (qmgr saw three messages)" "$(grep -c "$qmgr_re" "$PF/postfix.log")" 3
expect_log "Postfix logs govmaild's refusals as the proxy's" "$PF/postfix.log" \
	'warning: proxy 127\.0\.0\.1:[0-9]+ rejected "MAIL FROM:<ghost@haugiang\.gov\.vn>": "550 5\.7\.1 (.|\n)*proxy-reject: END-OF-MESSAGE: 550 5\.7\.1 Message refused: attachment type not allowed'

# --- govmaild down: the client keeps its message (4xx), nothing is queued --------
t_kill "$D"
wait "$D"
expect_eq "govmaild stopped cleanly (no sanitizer report)" "$?" 0
out=$(send --from annv@haugiang.gov.vn --to binhtt@haugiang.gov.vn --header "Subject: down $TOKEN")
expect_re "govmaild down: Postfix answers the RCPT with 451" "$out" \
	'^ -> RCPT TO:<binhtt@haugiang\.gov\.vn>
<\*\* 451 4\.3\.0 Error: queue file write error$'
expect_log "... and logs why" "$PF/postfix.log" \
	"warning: connect to proxy filter 127\\.0\\.0\\.1:$GDP: Connection refused"
# notify_classes (resource, software by default): the postmaster gets the
# transcript; that is the one message this makes.
if wait_for sink_has 4 && wait_for queue_empty; then
	ok "... and tells the postmaster"
else
	not_ok "... and tells the postmaster"
fi
expect_re "... a transcript of the session, to the postmaster" \
	"$(cat $(sink_subject 'Postfix SMTP server: errors from') /dev/null)" \
	'^To: Postmaster <postmaster@mx\.test\.invalid>(.|\n)*^ Out: 451 4\.3\.0 Error: queue file write error'
expect_eq "... and the message itself is nowhere" \
	"$(sink_subject "down $TOKEN" | wc -l)" 0

check "postfix stop" postfix -c "$PFC" stop
if ! postfix -c "$PFC" status >/dev/null 2>&1; then ok "... it is stopped"; else not_ok "... it is stopped"; fi
