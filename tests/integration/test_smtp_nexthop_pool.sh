#!/usr/bin/env bash
# test_smtp_nexthop_pool.sh — idle next-hop connections reused across client
# sessions (next_hop.pool_size): sessions in sequence share one connection
# to the next hop, with XFORWARD sent for each transaction; a transaction
# left open is reset before the connection is kept; a pooled connection
# the next hop closed is replaced (at once, or after the next hop drops it
# at MAIL: the message goes once, on a new connection); after SIGHUP only
# connections made under the new configuration are used; pool_size = 0
# turns it off. Connections are counted by the EHLOs the sink saw.
. "$(dirname "$0")/../lib.sh"

newest() { echo "$(last_msg "$1").env"; }
# Connections the sink has had (one EHLO each, no STARTTLS here).
ehlos() { grep -c '^EHLO ' "$1/commands.log" 2>/dev/null || echo 0; }
# One session, one message: send RCPT [XCLIENT-ADDR]; prints the dialogue.
# smtp_lines ends its session with QUIT and returns once govmaild closed the
# connection, which it does after the next-hop connection is back in the
# pool: the next session finds it there.
send() {
	local xclient=()
	if [ -n "${2:-}" ]; then xclient=("XCLIENT ADDR=$2" "EHLO front.test"); fi
	smtp_lines "$P" --data "$T/msg.eml" "EHLO client.test" "${xclient[@]}" \
		"MAIL FROM:<a@example.org>" "RCPT TO:<$1>" "DATA"
}

P=$(t_free_port)
NH=$(t_free_port)
NH2=$(t_free_port)
mkdir -p "$T/spool"
printf 'Subject: pooled\r\n\r\nhello\r\n' >"$T/msg.eml"
write_conf() { # NEXT-HOP-PORT POOL-SIZE
	cat >"$T/d.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  xclient_hosts = ["127.0.0.1"];
};
next_hop = { port = $1; pool_size = $2; pool_idle_timeout = 300; pool_max_age = 3600; };
policy = { use_directory = false; relay_domains = ["haugiang.gov.vn"];
           trusted_networks = ["10.0.0.0/8"]; };
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
CONF
}
write_conf "$NH" 8
start_sink "$T/sink" "$NH" --xforward
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$P" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

# --- two sessions in sequence: one next-hop connection -------------------------
out1=$(send one@haugiang.gov.vn 10.1.2.3)
out2=$(send two@haugiang.gov.vn)
expect_re "first session: 250 for DATA" "$out1" '250 2\.0\.0 Ok: queued as [0-9A-F]{12}'
expect_re "second session: 250 for DATA" "$out2" '250 2\.0\.0 Ok: queued as [0-9A-F]{12}'
expect_eq "two messages at the next hop" "$(count "$T/sink")" 2
expect_eq "... over one connection" "$(ehlos "$T/sink")" 1
qid2=$(printf '%s' "$out2" | sed -n 's/.*queued as \([0-9A-F]\{12\}\).*/\1/p')
expect_re "the reuse is logged with the queue id" "$(cat "$T/d.log")" \
	"^govmaild: $qid2: next hop 127\.0\.0\.1:$NH connection=reused conn_use=2$"
expect_eq "... and the first use as new" "$(grep -c 'connection=new' "$T/d.log")" 1
m=$(newest "$T/sink")
expect_re "XFORWARD again for the second session's transaction (its own address)" \
	"$(cat "$m")" '"rcpts": \["two@haugiang.gov.vn"\], "xforward": \{"NAME": "\[UNAVAILABLE\]", "ADDR": "127.0.0.1", "PROTO": "ESMTP", "HELO": "client.test"\}'

# --- a transaction left open is reset before the connection is kept ------------
out=$(smtp_lines "$P" "EHLO client.test" "MAIL FROM:<a@example.org>" \
	"RCPT TO:<left@haugiang.gov.vn>" "QUIT")
expect_re "a session quitting after RCPT" "$out" '250 2\.1\.5 Ok'
out=$(send three@haugiang.gov.vn)
expect_re "the next session on the same connection: 250" "$out" '250 2\.0\.0 Ok: queued'
expect_eq "... still one connection" "$(ehlos "$T/sink")" 1
expect_re "... which was reset (RSET) in between" "$(cat "$T/sink/commands.log")" \
	'RCPT TO:<left@haugiang\.gov\.vn>
RSET
XFORWARD'
expect_re "... and the message has only its own recipient" "$(cat "$(newest "$T/sink")")" \
	'"rcpts": \["three@haugiang.gov.vn"\]'

# --- the next hop closed the idle connection: a new one --------------------------
stop_sink
start_sink "$T/sink" "$NH" --xforward
n0=$(count "$T/sink")
e0=$(ehlos "$T/sink")
out=$(send four@haugiang.gov.vn)
expect_re "pooled connection closed by the next hop: the message still gets 250" "$out" \
	'250 2\.0\.0 Ok: queued'
expect_eq "... delivered once" "$(count "$T/sink")" "$((n0 + 1))"
expect_eq "... over a new connection" "$(ehlos "$T/sink")" "$((e0 + 1))"

# --- the next hop drops a reused connection at MAIL: retried once, on a new one --
for how in "" "421 4.4.2 sink.test Error: timeout exceeded"; do
	printf '%s' "$how" >"$T/sink/drop.reused"
	n0=$(count "$T/sink")
	e0=$(ehlos "$T/sink")
	out=$(send five@haugiang.gov.vn)
	rm -f "$T/sink/drop.reused"
	expect_re "reused connection dropped at MAIL (${how:-closed}): 250 all the same" "$out" \
		'250 2\.1\.0 Ok
250 2\.1\.5 Ok
354 .*
250 2\.0\.0 Ok: queued'
	expect_eq "... delivered once" "$(count "$T/sink")" "$((n0 + 1))"
	expect_eq "... over a new connection" "$(ehlos "$T/sink")" "$((e0 + 1))"
done

# --- SIGHUP with another next hop: its connections only ----------------------------
start_sink "$T/sink2" "$NH2" --xforward
SINK2_PID=$SINK_PID
n1=$(count "$T/sink")
write_conf "$NH2" 8
check "SIGHUP reloads" hup_reload "$D" "$T/d.log"
out=$(send six@haugiang.gov.vn)
expect_re "after the reload: 250" "$out" '250 2\.0\.0 Ok: queued'
expect_eq "... the message went to the new next_hop.port" "$(count "$T/sink2")" 1
expect_eq "... not over the pooled connection to the old one" "$(count "$T/sink")" "$n1"
out=$(send seven@haugiang.gov.vn)
expect_eq "the next session reuses the connection to the new next hop" "$(ehlos "$T/sink2")" 1
expect_eq "... which got both messages" "$(count "$T/sink2")" 2

# --- pool_size = 0: a new connection for every session ---------------------------
write_conf "$NH2" 0
check "SIGHUP: pool_size = 0" hup_reload "$D" "$T/d.log"
e0=$(ehlos "$T/sink2")
send eight@haugiang.gov.vn >/dev/null
send nine@haugiang.gov.vn >/dev/null
expect_eq "pool_size = 0: two sessions, two new connections" "$(ehlos "$T/sink2")" "$((e0 + 2))"
expect_eq "... both messages delivered" "$(count "$T/sink2")" 4

t_kill -TERM "$D"
wait "$D"
expect_eq "SIGTERM: clean exit (pooled connections closed, no leaks under ASan)" "$?" 0
t_kill "$SINK2_PID"
