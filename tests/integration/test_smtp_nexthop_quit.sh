#!/usr/bin/env bash
# test_smtp_nexthop_quit.sh — a pooled next-hop connection ends in order
# (issue #17): QUIT, the next hop's 221 read, then the close, so the next
# hop sees no reset; when the pool lets it go idle and when govmaild
# stops (SIGTERM). The sink (sink.py) writes how each client left after
# its 221 to quit.log: "clean", "early" (closed before the 221) or "reset".
. "$(dirname "$0")/../lib.sh"

P=$(t_free_port)
NH=$(t_free_port)
mkdir -p "$T/spool"
cat >"$T/d.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
};
next_hop = { port = $NH; pool_size = 8; pool_idle_timeout = 1; };
policy = { use_directory = false; relay_domains = ["haugiang.gov.vn"]; trusted_networks = []; };
inbound = { verify = false; };  # outside mail authentication: test_smtp_inbound_auth.sh
CONF
start_sink "$T/sink" "$NH"
"$GOVMAILD" -f -c "$T/d.conf" 2>"$T/d.log" &
D=$!
T_PIDS+=("$D")
wait_port "$P" || { cat "$T/d.log" >&2; echo "Bail out! govmaild did not start"; exit 1; }
printf 'Subject: pooled\r\n\r\nhello\r\n' >"$T/msg.eml"
send() {
	smtp_lines "$P" --data "$T/msg.eml" "EHLO client.test" \
		"MAIL FROM:<annv@haugiang.gov.vn>" "RCPT TO:<binh@haugiang.gov.vn>" "DATA"
}

# --- idle in the pool (pool_idle_timeout = 1): QUIT, 221, close ------------------
out=$(send)
expect_re "a message relayed" "$out" '250 2\.0\.0 Ok: queued as'
wait_log "$T/sink/quit.log" '.'
ok "the idle pooled connection was ended (QUIT seen by the next hop)"
expect_eq "... cleanly: closed after the 221" "$(cat "$T/sink/quit.log")" "clean"

# --- at SIGTERM: the pooled connection too -----------------------------------------
sed -i 's/pool_idle_timeout = 1;/pool_idle_timeout = 300;/' "$T/d.conf"
check "SIGHUP: pool_idle_timeout = 300" hup_reload "$D" "$T/d.log"
out=$(send)
expect_re "a second message relayed" "$out" '250 2\.0\.0 Ok: queued as'
t_kill "$D"
wait "$D" 2>/dev/null
expect_eq "govmaild exits 0 on SIGTERM (no leak report)" "$?" 0
wait_log "$T/sink/quit.log" '.' 2
expect_eq "the connection pooled at SIGTERM ended cleanly too" "$(cat "$T/sink/quit.log")" "clean
clean"
