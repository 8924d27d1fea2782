#!/usr/bin/env bash
# test_ldap_failover_gw.sh — two govmaild instances on the replicated
# directory (reads from the consumer first: ldap.read_uri; ldap.uri = both
# providers), one next hop. A client that retries on 4xx or a connection
# failure on the other gateway, as an MTA with two MX hosts does, sends
# 2,000 messages; gateway 1 is killed with SIGKILL under load. Every
# message reaches the next hop; one that arrives twice is one whose reply
# was lost after its final dot (the window every SMTP relay has), never
# another; no message is refused with 5xx.
. "$(dirname "$0")/../lib.sh"
# glibc's dlerror buffer only (see the file)
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP/tests/integration/lsan-dlerror.supp
G=$GOVMAILCTL
N=2000

t_sandbox_start_replicated
t_govmail_conf
sed -i "s|uri = \"$LDAP_URI\";|uri = \"$LDAP_PROVIDER_URIS\";|" "$GOVMAIL_CONF"
check "domain add" "$G" domain add haugiang.gov.vn
check "agency load" "$G" agency load "$DATA/agencies.csv"
check "sender" "$G" account add --name "Nguyễn Văn An" --agency snv --address annv@haugiang.gov.vn
check "recipient" "$G" account add --name "Trần Thị Bình" --agency snv --address binhtt@haugiang.gov.vn
if wait_for t_csn_equal $LDAP_PROVIDER_URIS "$LDAP_CONSUMER_URI"; then ok "directory replicated to all members"
else not_ok "directory replicated to all members"; fi

NH=$(t_free_port)
start_sink "$T/sink" "$NH"
GW1=$(t_free_port)
GW2=$(t_free_port)
# gateway K: its own spool, the consumer first for reads, no policy cache
start_gw() {
	local k=$1 port=$2
	LDAPI_URI=replaced-below t_relay_conf "$T/gw$k.conf" "$port" "$NH" 'max_errors = 1000;'
	sed -i -e "s|^  uri = .*|  uri = \"$LDAP_PROVIDER_URIS\";\n  read_uri = \"$LDAP_CONSUMER_URI\";\n  timeout = 120;|" \
		-e "s|spool_dir = \"$T/spool\"|spool_dir = \"$T/spool$k\"|" "$T/gw$k.conf"
	mkdir -p "$T/spool$k"
	"$GOVMAILD" -f -c "$T/gw$k.conf" 2>"$T/gw$k.log" &
	GW_PID=$!
	T_PIDS+=("$GW_PID")
	wait_started "$T/gw$k.log" "$GW_PID" || {
		cat "$T/gw$k.log" >&2; echo "Bail out! gateway $k did not start"; exit 1; }
}
start_gw 1 "$GW1"; D1=$GW_PID
start_gw 2 "$GW2"; D2=$GW_PID

sink_count() { find "$T/sink" -maxdepth 1 -name '*.env' | wc -l; }
sink_at_least() { [ "$(sink_count)" -ge "$1" ]; }

python3 "$TOP/tests/integration/load_client.py" "$T/results" --ports "$GW1,$GW2" --count "$N" \
	--sessions 10 --sender annv@haugiang.gov.vn --rcpt binhtt@haugiang.gov.vn --retry \
	2>"$T/client.err" &
CL=$!
T_PIDS+=("$CL")

if wait_for sink_at_least 500; then ok "500 messages relayed"; else not_ok "500 messages relayed"; fi
t_kill -KILL "$D1"
wait "$D1" 2>/dev/null
ok "gateway 1 killed (SIGKILL) at $(sink_count) messages"

end=$((SECONDS + T_HANG))
while t_kill -0 "$CL" && [ "$SECONDS" -lt "$end" ]; do sleep 0.2; done
wait "$CL"
expect_eq "the client finished (exit 0)" "$?" 0

python3 - "$T/results" "$T/sink" "$N" >"$T/verdict" 2>&1 <<'PY'
import glob, re, sys
res, sink, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
final, lostdot, attempts = {}, set(), 0
for line in open(res):
    i, sender, code = line.split()
    attempts += 1
    final[int(i)] = code
    if code == "lostdot":
        lostdot.add(int(i))
seen = {}
for f in glob.glob(sink + "/*.eml"):
    m = re.search(rb"^Message-ID: <load-(\d+)@test>", open(f, "rb").read(), re.M)
    if m:
        seen[int(m.group(1))] = seen.get(int(m.group(1)), 0) + 1
print("outcomes", len(final))
print("attempts", attempts)
print("final_250", sum(1 for c in final.values() if c == "250"))
print("final_5xx", sum(1 for c in final.values() if c[0] == "5"))
print("missing", sum(1 for i in range(1, n + 1) if seen.get(i, 0) == 0))
print("dup", sum(1 for i in seen if seen[i] > 1))
print("dup_outside_window", sum(1 for i in seen if seen[i] > 1 and i not in lostdot))
print("lostdot", len(lostdot))
PY
v() { sed -n "s/^$1 //p" "$T/verdict"; }
sed 's/^/# /' "$T/verdict" >&2
expect_eq "every message has a final outcome" "$(v outcomes)" "$N"
expect_eq "every one of them 250" "$(v final_250)" "$N"
expect_eq "none refused with 5xx" "$(v final_5xx)" 0
expect_eq "every message reached the next hop" "$(v missing)" 0
expect_eq "a message twice at the next hop only after a reply lost past its dot" \
	"$(v dup_outside_window)" 0
if [ "$(v attempts)" -gt "$N" ]; then ok "the client did retry ($(v attempts) attempts, $(v lostdot) replies lost after the dot, $(v dup) duplicates)"
else not_ok "the client did retry: TEST SETUP: the kill hit no message ($(v attempts) attempts)"; fi

# Reads went to the consumer (ldap.read_uri), not to a provider.
expect_match "gateway 2 bound on the consumer" "$(cat "$T/repl/consumer/slapd.log")" \
	'BIND dn="cn=govmaild,ou=system,'
expect_eq "gateway 2 logged no change of server" \
	"$(grep -c 'LDAP: now using\|LDAP server .* failed' "$T/gw2.log")" 0

t_kill "$D2" && wait "$D2"
expect_eq "gateway 2 exits cleanly (no sanitizer report)" "$?" 0
