#!/usr/bin/env bash
# test_slow_clients.sh — clients trickling a byte at a time do not stop
# normal clients (issue 17): with smtpd.max_sessions = 40, 35 slow clients
# hold their sessions (one byte a second: EHLO, then NOOPs) while 5 normal
# clients each send 10 messages, twice (without and with the slow ones,
# tests/bench/slow_clients.py); every normal message gets its 250, no slow
# client loses its session, and 10 connections beyond the limit each get
# 421 rather than waiting. Timings are printed, never judged
# (make bench-slow gives the figures at 200 + 20).
. "$(dirname "$0")/../lib.sh"

P=$(t_free_port)
NH=$(t_free_port)
SINK="$TOP/tests/integration/sink.py"
mkdir -p "$T/spool"
cat >"$T/d.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  max_sessions = 40;
};
next_hop = { port = $NH; };
policy = { use_directory = false; relay_domains = ["haugiang.gov.vn"]; trusted_networks = []; };
CONF
start_sink "$T/sink" "$NH"
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_started "$T/d.log" "$D" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }

out=$(python3 "$TOP/tests/bench/slow_clients.py" --port "$P" --from a@example.org \
	--to b@haugiang.gov.vn --slow 35 --normal 5 --messages 10 --excess 10 --interval 1 \
	--pid "$D" --hang "$T_HANG")
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
kv() { printf '%s\n' "$out" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
expect_eq "slow_clients.py: all conditions met" "$rc" 0
expect_eq "every normal message accepted, without and with the slow clients" \
	"$(kv slow_normal_ok)" 100/100
expect_eq "every slow client kept its session" "$(kv slow_held)" 35/35
expect_eq "every connection beyond max_sessions answered 421" "$(kv slow_excess_421)" 10/10
expect_eq "the sink has the 100 messages" "$(count "$T/sink")" 100
check "govmaild logged the refusals" log_has "$T/d.log" 'refusing connection: 40 sessions' 10
t_kill "$D"
wait "$D"
expect_eq "govmaild stops cleanly" "$?" 0
