#!/usr/bin/env bash
# test_daemon_start.sh — govmaild started as a daemon (without -f), the way
# systemd's Type=forking and init scripts start it: the command returns only
# once the daemon is ready (listening, privileges dropped, spool checked)
# and exits 0 then; a start-up failure after the fork is not hidden — the
# command exits with the daemon's code and prints the reason on stderr.
. "$(dirname "$0")/../lib.sh"

P=$(t_free_port)
mkdir -p "$T/spool"
conf() {
	cat >"$T/d.conf" <<CONF
smtpd = {
  relay_listen = ["127.0.0.1:$P"];
  hostname = "gw.test";
  user = "$1";
  pid_file = "$T/d.pid";
  spool_dir = "$2";
};
policy = { use_directory = false; relay_domains = ["haugiang.gov.vn"]; };
CONF
}
# The daemon's pid, if it wrote one and it is still that govmaild; it is
# stopped at exit. A failed start leaves its pid file behind: removed after
# each, so that no recycled pid is ever signalled.
t_on_exit 'p=$(cat "$T/d.pid" 2>/dev/null) && [ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$GOVMAILD")" ] && kill "$p"'

# A spool the daemon cannot use is found after the fork (after the listener
# is bound and privileges are dropped): the starting command must fail.
conf "" "$T/no-such-spool"
check_rc "spool missing: the starting command exits 73 (EX_CANTCREAT)" 73 \
	"$GOVMAILD" -c "$T/d.conf"
expect_re "... and says why on stderr" "$(cat "$T/last.err")" \
	'govmaild: smtpd\.spool_dir .*/no-such-spool is not writable'
rm -f "$T/d.pid"
if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)' "$P" 2>/dev/null; then
	not_ok "... and nothing listens on its port"
else
	ok "... and nothing listens on its port"
fi

# Run as an unprivileged user that cannot write the spool (root-owned 0700).
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$T/rootspool"; chmod 700 "$T/rootspool"
	chmod 755 "$T"
	conf nobody "$T/rootspool"
	check_rc "spool not writable by smtpd.user: exits 73 after dropping root" 73 \
		"$GOVMAILD" -c "$T/d.conf"
	expect_re "... and says so" "$(cat "$T/last.err")" 'rootspool is not writable'
	rm -f "$T/d.pid"
	chmod 700 "$T"
fi

# A good start: when the command returns 0 the daemon already accepts SMTP
# (no waiting, no retry: readiness is part of the contract).
conf "" "$T/spool"
check "good configuration: the starting command exits 0" "$GOVMAILD" -c "$T/d.conf"
expect_eq "... with nothing on stderr" "$(cat "$T/last.err")" ""
out=$(python3 - "$P" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
print(s.recv(512).decode().strip())
s.sendall(b"QUIT\r\n")
PY
)
expect_re "... and the daemon answers at once" "$out" '^220 gw\.test ESMTP govmaild'
pid=$(cat "$T/d.pid" 2>/dev/null)
expect_re "... it wrote its pid file" "$pid" '^[0-9]+$'
check "... the pid is the running daemon, detached from the caller" \
	test "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid"
kill -TERM "$pid"
# It drains and exits; wait for the process itself (hang guard T_HANG).
if wait_for eval '[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != "$(readlink -f "$GOVMAILD")" ]'; then ok "SIGTERM: the daemon exits"; else not_ok "SIGTERM: the daemon exits"; fi
rm -f "$T/d.pid"
echo "1..$T_N"
