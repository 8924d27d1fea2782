# tests/lib.sh — helpers for integration tests (bash). Source it first.
# Each test script prints TAP-style lines ("ok N - what" / "not ok N - what")
# and exits non-zero if any check failed. State lives under $T (a temporary
# directory removed at exit); servers started with t_bg are killed by PID at
# exit, also on failure.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Debian's programs first (see the Makefile): python3 is Debian's.
export PATH="/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
DATA=$TOP/examples/data
T=$(mktemp -d "${TMPDIR:-/tmp}/govmail-test.XXXXXX")
T_N=0
T_FAILED=0
T_PIDS=()
T_CLEANUP=()

# Programs under test: the sanitizer build when present (make asan).
if [ -x "$TOP/build/asan/bin/govmailctl" ] && [ "${GOVMAIL_NO_ASAN:-0}" != 1 ]; then
	GOVMAILCTL="$TOP/build/asan/bin/govmailctl"
else
	GOVMAILCTL="$TOP/bin/govmailctl"
fi
# Hang guard, in seconds, for every wait on an event (a server answering, a
# log line, a file): waits end as soon as the event happens, so a loaded
# machine only makes a test slower, never makes it fail.
T_HANG=${T_HANG:-300}
export LDAP_SANDBOX_TIMEOUT=${LDAP_SANDBOX_TIMEOUT:-$T_HANG}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}

# t_diag: after a failure, whether each sandbox slapd of this test still
# runs, and the end of the log of one that does not (a crash shows as a
# log ending in the middle of an operation).
t_diag() {
	local d
	for d in "$T/ldap" "$T"/repl/*; do
		[ -f "$d/slapd.log" ] || continue
		if "$TOP/scripts/ldap-sandbox" status "$d" >/dev/null 2>&1; then
			echo "# slapd ${d#"$T"/}: running"
		elif ! grep -q 'slapd stopped' "$d/slapd.log"; then
			echo "# slapd ${d#"$T"/}: NOT running, and it did not stop cleanly; its log ends:"
			tail -5 "$d/slapd.log" | sed 's/^/#   /'
		fi
	done
}

t_exit() {
	local rc=$? f p
	[ "$T_FAILED" -eq 0 ] || t_diag
	for f in "${T_CLEANUP[@]+"${T_CLEANUP[@]}"}"; do eval "$f" >/dev/null 2>&1 || true; done
	for p in "${T_PIDS[@]+"${T_PIDS[@]}"}"; do t_kill "$p" || true; done
	if [ "${GOVMAIL_KEEP_TMP:-0}" = 1 ]; then
		echo "# state kept in $T" >&2
	else
		rm -rf "$T"
	fi
	if [ "$T_FAILED" -gt 0 ]; then exit 1; fi
	exit "$rc"
}
trap t_exit EXIT
trap 'exit 130' INT TERM

# t_kill [-SIG] PID...: signal (default TERM) each PID only while it is a
# child of this test's shell. bash reaps a background child as soon as it
# ends, and with pid_max at 32768 and tests side by side its number soon
# belongs to another process — another test's slapd, say — that a plain
# "kill $pid" of a server already stopped would take down. 1 if a PID was
# not signalled (gone, or not ours).
t_kill() {
	local sig=-TERM p st ppid rc=0
	case "${1:-}" in -*) sig=$1; shift ;; esac
	for p in "$@"; do
		if { read -r st <"/proc/$p/stat"; } 2>/dev/null; then
			st=${st##*) }           # after "pid (comm) ": "state ppid ..."
			ppid=${st#* }; ppid=${ppid%% *}
			if [ "$ppid" = "$$" ] || [ "$ppid" = "${BASHPID:-$$}" ]; then
				kill "$sig" "$p" 2>/dev/null && continue
			fi
		fi
		rc=1
	done
	return "$rc"
}

# Register a shell command to run at exit (e.g. stopping slapd).
t_on_exit() { T_CLEANUP+=("$1"); }

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"; }

# check "description" command args... : passes when the command exits 0.
check() {
	local desc=$1; shift
	if "$@" >"$T/last.out" 2>"$T/last.err"; then ok "$desc"; else
		not_ok "$desc"; sed 's/^/#   /' "$T/last.err" "$T/last.out" | head -20 >&2; fi
}

# check_rc "description" EXPECTED_RC command args...
check_rc() {
	local desc=$1 want=$2 got; shift 2
	"$@" >"$T/last.out" 2>"$T/last.err"; got=$?
	if [ "$got" = "$want" ]; then ok "$desc"; else
		not_ok "$desc (exit $got, wanted $want)"; sed 's/^/#   /' "$T/last.err" "$T/last.out" | head -20 >&2; fi
}

# expect_eq "description" "got" "want"
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3" >&2; fi
}

# expect_match "description" "text" "regex": the regex (Python syntax, in
# multi-line mode: ^ and $ match at every line) is searched in the text. A
# pattern may span lines (grep -E would take each of its lines as a separate
# alternative and match far too easily).
# grep -P (PCRE, the whole text one record: -z) answers first, 40 times
# cheaper than starting Python; whenever it does not find the pattern (or
# cannot take it), Python's re decides, so a verdict of "no match" is
# always Python's.
expect_match() {
	# the text goes through stdin: it may be larger than one argument can be
	if printf '%s' "$2" | grep -qPz -- "(?m)$3" 2>/dev/null ||
		printf '%s' "$2" | python3 -c 'import re, sys; sys.exit(0 if re.search(sys.argv[1], sys.stdin.read(), re.M) else 1)' "$3"; then
		ok "$1"
	else
		not_ok "$1"; printf '#   text: %s\n#   wanted match: %s\n' "$(printf '%s' "$2" | head -c 600)" "$3" >&2
	fi
}
expect_re() { expect_match "$@"; }

# t_test_pki DIR: the throw-away PKI and signed samples of scripts/test-pki
# in DIR. Under tests/run-tests (GOVMAIL_TEST_SHARED set) they are made once
# per run for all tests that ask with the same PKI_* settings and the same
# script (the first to ask makes them, the others wait on its lock: an
# event, not a time), then copied, so that each test has its own DIR.
t_test_pki() {
	local dir=$1 key cache
	if [ -z "${GOVMAIL_TEST_SHARED:-}" ]; then
		"$TOP/scripts/test-pki" "$dir"
		return
	fi
	key=$({ env | grep '^PKI_' | LC_ALL=C sort; cat "$TOP/scripts/test-pki"; } | sha256sum | cut -c1-16)
	cache=$GOVMAIL_TEST_SHARED/pki-$key
	(
		flock 9
		[ -f "$cache/done" ] || "$TOP/scripts/test-pki" "$cache" >"$cache.log" 2>&1
	) 9>"$cache.lock" || { cat "$cache.log" >&2; return 1; }
	[ -f "$cache/done" ] && cp -a "$cache" "$dir"
}

# t_sign_conf FILE PKI [KEYS]: a configuration for govmaild -s with the
# signature trust store of a scripts/test-pki directory (every CA's CRL),
# and more signature keys.
t_sign_conf() {
	cat >"$1" <<CONF
signature = {
  trust_anchors = "$2/ca/root.pem";
  intermediates = "$2/ca/intermediates.pem";
  crl_files = ["$2/ca/crl.pem", "$2/ca/crl-root.pem", "$2/ca/crl-int2.pem"];
  ${3:-}
};
CONF
}

# A free TCP port on 127.0.0.1 for a server of this test, reserved for it
# until it ends. Tests run side by side (tests/run-tests): a port is taken
# from 20000-32767, below the kernel's range for outgoing connections and
# for slapd's sandboxes (bind to port 0), and only if no other running test
# holds it (a file per port in $T_PORTS_DIR, naming the holder's pid; one
# left by a test that died is taken over), so a port is never handed to two
# tests, nor lost between a sink's stop and its restart.
T_PORTS_DIR=${TMPDIR:-/tmp}/govmail-test-ports
t_free_port() {
	python3 - "$T_PORTS_DIR" "$$" <<'PY'
import errno, os, random, socket, sys
d, me = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
def holder_alive(path):
    try:
        pid = int(open(path).read().strip() or "0")
        os.kill(pid, 0)
        return True
    except (OSError, ValueError):
        return False
for _ in range(10000):
    port = random.randrange(20000, 32768)
    path = os.path.join(d, str(port))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        if holder_alive(path):
            continue
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        continue
    os.write(fd, me.encode())
    os.close(fd)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        os.unlink(path)      # in use by something else: not ours to hold
        continue
    finally:
        s.close()
    print(port)
    sys.exit(0)
sys.exit("no free port")
PY
}
# The ports this test holds are released when it ends.
t_on_exit 'grep -lx "$$" "$T_PORTS_DIR"/* 2>/dev/null | xargs -r rm -f'


# Start a sandbox slapd under $T/ldap and export LDAP_* variables from it.
# GOVMAIL_TEST_LDAP=bare-setup: start instead a slapd as Debian's package
# leaves it (ldap-sandbox --bare) and prepare it with govmail-ldap-setup,
# whose identities (secrets in $T/ldap/secrets) the tests then use.
t_sandbox_start() {
	local bare=""
	[ "${GOVMAIL_TEST_LDAP:-}" != bare-setup ] || bare=--bare
	"$TOP/scripts/ldap-sandbox" start "$T/ldap" $bare >"$T/sandbox.out" 2>&1 || {
		cat "$T/sandbox.out" >&2; echo "Bail out! sandbox slapd did not start"; exit 1; }
	# shellcheck disable=SC1091
	set -a; . "$T/ldap/env"; set +a
	t_on_exit "'$TOP/scripts/ldap-sandbox' stop '$T/ldap'"
	[ -n "$bare" ] || return 0
	"$TOP/src/govmail-ldap-setup/govmail-ldap-setup" -H "$LDAPI_URI" -b "$LDAP_BASE" \
		-S "$T/ldap/secrets" >"$T/ldap-setup.out" 2>&1 || {
		cat "$T/ldap-setup.out" >&2; echo "Bail out! govmail-ldap-setup failed"; exit 1; }
	local n
	for n in CTL:govmailctl DAEMON:govmaild APID:govmail-apid POSTFIX:postfix DOVECOT:dovecot; do
		export "LDAP_${n%%:*}_DN=cn=${n#*:},ou=system,$LDAP_BASE" \
			"LDAP_${n%%:*}_PWFILE=$T/ldap/secrets/${n#*:}.pw"
	done
}

# t_sandbox_start_replicated: the replicated set of ldap-sandbox
# (--replicated: two providers and a consumer) under $T/repl, its LDAP_*
# variables exported (LDAP_URI is provider 1; LDAP_PROVIDER_URIS,
# LDAP_CONSUMER_URI), stopped at exit. REPL_P1, REPL_P2, REPL_C: the
# members' directories (for ldap-sandbox kill/start/stop of one of them).
t_sandbox_start_replicated() {
	# ports this test holds (t_free_port): a member killed and restarted
	# gets its port back, no other test's connection can have taken it
	LDAP_SANDBOX_PORTS="$(t_free_port) $(t_free_port) $(t_free_port)" \
		"$TOP/scripts/ldap-sandbox" start "$T/repl" --replicated >"$T/sandbox.out" 2>&1 || {
		cat "$T/sandbox.out" >&2; echo "Bail out! replicated sandbox did not start"; exit 1; }
	t_on_exit "'$TOP/scripts/ldap-sandbox' stop '$T/repl'"
	# shellcheck disable=SC1091
	set -a; . "$T/repl/env"; set +a
	REPL_P1=$T/repl/provider1 REPL_P2=$T/repl/provider2 REPL_C=$T/repl/consumer
}

# t_context_csn URI: the sorted contextCSN values of the base entry there
# (empty when the server does not answer).
t_context_csn() {
	ldapsearch -LLL -o ldif-wrap=no -o nettimeout=5 -x -H "$1" -D "$LDAP_ADMIN_DN" \
		-y "$LDAP_ADMIN_PWFILE" -b "$LDAP_BASE" -s base contextCSN 2>/dev/null |
		sed -n 's/^contextCSN: //p' | sort
}

# t_csn_equal URI URI...: all have the same, non-empty contextCSN.
t_csn_equal() {
	local want u
	want=$(t_context_csn "$1"); shift
	[ -n "$want" ] || return 1
	for u in "$@"; do [ "$(t_context_csn "$u")" = "$want" ] || return 1; done
}

# t_csn_not_behind URI REF...: for every server ID in each REF's contextCSN,
# URI's contextCSN has that server ID with the same or a later CSN (CSNs of
# one server ID compare as strings: a fixed-width timestamp comes first).
t_csn_not_behind() {
	local have ref csn sid mine
	have=$(t_context_csn "$1"); shift
	[ -n "$have" ] || return 1
	for ref in "$@"; do
		ref=$(t_context_csn "$ref")
		[ -n "$ref" ] || return 1
		for csn in $ref; do
			sid=${csn#*#*#}; sid=${sid%%#*}
			mine=$(printf '%s\n' "$have" | awk -F'#' -v s="$sid" '$3 == s')
			[ -n "$mine" ] && ! [[ "$mine" < "$csn" ]] || return 1
		done
	done
}

# Write $T/govmail.conf for the sandbox (govmailctl identity) and export
# GOVMAIL_CONF. Extra libconfig text may be passed as $1.
t_govmail_conf() {
	cat >"$T/govmail.conf" <<CONF
ldap = {
  uri = "$LDAP_URI";
  bind_dn = "$LDAP_CTL_DN";
  bind_password_file = "$LDAP_CTL_PWFILE";
  base_dn = "$LDAP_BASE";
  timeout = 30;
};
addresses = { default_domain = "haugiang.gov.vn"; };
audit = { log_file = "$T/audit.log"; };
${1:-}
CONF
	export GOVMAIL_CONF="$T/govmail.conf"
}

# ldapsearch as the sandbox's admin (paged, no line wrapping).
t_ldapsearch() {
	ldapsearch -LLL -o ldif-wrap=no -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" \
		-y "$LDAP_ADMIN_PWFILE" -E pr=1000/noprompt "$@"
}

# Number of entries matching a filter under the base.
t_count() {
	t_ldapsearch -b "$LDAP_BASE" "$1" dn | grep -c '^dn:'
}

# t_dump_accounts: the directory state of accounts that matters, one line
# per account, sorted (no passwords, no times), to compare two directories
# or a directory before and after.
t_dump_accounts() {
	t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(objectClass=govmailAccount)' \
		uid mail govmailAlias employeeNumber cn title telephoneNumber govmailAgency \
		govmailAccountStatus govmailStatusReason |
	python3 -c '
import sys, base64
ents, cur = [], {}
for line in sys.stdin.read().split("\n"):
    if not line:
        if cur: ents.append(cur); cur = {}
        continue
    if line.startswith("pagedresults") or line.startswith("#"):
        continue
    k, sep, v = line.partition(": ")
    if k.endswith(":"): k = k[:-1]; v = base64.b64decode(v.lstrip()).decode()
    cur.setdefault(k, []).append(v)
if cur: ents.append(cur)
for e in sorted(ents, key=lambda e: e["dn"][0]):
    print("|".join(k + "=" + ",".join(sorted(v)) for k, v in sorted(e.items())))'
}

# kill_when_count PID FILTER N: SIGKILL process PID (run in the background
# by this shell) once the directory holds at least N entries matching
# FILTER — it has written, and has more to write — or once it ended by
# itself, or after T_HANG. Sets KILLED_RC (137 if it was killed) and
# KILLED_N (the entries then). The caller judges: a run that ended by
# itself, or never got to N, is a test setup failure, never a pass.
kill_when_count() {
	local pid=$1 filter=$2 want=$3 end=$((SECONDS + T_HANG)) n
	while :; do
		n=$(t_count "$filter")
		[ "$n" -ge "$want" ] && break
		t_kill -0 "$pid" || break
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.05
	done
	t_kill -KILL "$pid" || true
	wait "$pid" 2>/dev/null
	KILLED_RC=$?
	KILLED_N=$(t_count "$filter")
}

# t_bind_passwords FILE: bind (LDAP simple bind with python-ldap, over one
# connection to $LDAP_URI) as the account of each line
# "employee_id,address,password" of an initial-passwords file with that
# password; prints the number of lines that did not bind (0 when all did),
# the first failures on stderr.
t_bind_passwords() {
	t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(employeeNumber=*)' employeeNumber dn |
	python3 -c '
import sys, ldap
dns, dn = {}, None
for line in sys.stdin.read().splitlines():
    if line.startswith("dn: "):
        dn = line[4:]
    elif line.lower().startswith("employeenumber: ") and dn:
        dns[line.split(": ", 1)[1].upper()] = dn
conn = ldap.initialize(sys.argv[2])
conn.protocol_version = 3
bad = 0
for line in open(sys.argv[1], encoding="utf-8"):
    emp, addr, pw = line.rstrip("\n").split(",", 2)
    dn = dns.get(emp.upper())
    try:
        if dn is None:
            raise ldap.NO_SUCH_OBJECT()
        conn.simple_bind_s(dn, pw)
    except ldap.LDAPError:
        bad += 1
        if bad <= 5:
            print("# does not bind: %s %s" % (emp, addr), file=sys.stderr)
print(bad)' "$1" "$LDAP_URI"
}

# t_accounts_ldif CSV BASE: LDIF of one active account per row of an HR
# export (uid and address from the employee id), for loading a directory
# of realistic size quickly with ldapadd.
t_accounts_ldif() {
	python3 - "$1" "$2" <<'PY'
import csv, sys
base = sys.argv[2]
with open(sys.argv[1], encoding="utf-8") as f:
    for row in csv.DictReader(f):
        uid = row["employee_id"].lower()
        name = " ".join(row["full_name"].split())
        words = name.split(" ")
        print(f"dn: uid={uid},ou=accounts,{base}")
        print("objectClass: inetOrgPerson\nobjectClass: govmailAccount")
        print(f"uid: {uid}\nmail: {uid}@haugiang.gov.vn")
        print(f"cn: {name}\nsn: {words[0]}\ngivenName: {words[-1]}")
        print(f"employeeNumber: {row['employee_id']}")
        print(f"govmailAgency: {row['agency_code']}")
        print("govmailAccountStatus: active\n")
PY
}

# t_make_ca DIR: a throwaway CA and a certificate for 127.0.0.1 signed by
# it: DIR/ca.crt, DIR/server.crt, DIR/server.key.
t_make_ca() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=govmail test CA $(basename "$d")" -keyout "$d/ca.key" -out "$d/ca.crt" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		>"$d/ext" &&
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null
}

# --- SMTP tests -------------------------------------------------------------
# govmaild under test (the sanitizer build when present), the capturing
# sink (sink.py) and the scripted raw-socket client (chat.py, see its
# docstring): chat PORT <<EOF ... EOF.
if [ -x "$TOP/build/asan/bin/govmaild" ] && [ "${GOVMAIL_NO_ASAN:-0}" != 1 ]; then
	GOVMAILD="$TOP/build/asan/bin/govmaild"
else
	GOVMAILD="$TOP/bin/govmaild"
fi
SINK="$TOP/tests/integration/sink.py"
chat() { python3 "$TOP/tests/integration/chat.py" "$@"; }
# One line-by-line dialogue (see smtp_lines.py): smtp_lines PORT [opts] LINE...
smtp_lines() { python3 "$TOP/tests/integration/smtp_lines.py" "$@"; }

# Wait until 127.0.0.1:PORT accepts connections (1 after T_HANG seconds:
# a hang guard, not an expectation of speed).
wait_port() {
	python3 - "$1" "$T_HANG" <<'PY'
import socket, sys, time
end = time.monotonic() + float(sys.argv[2])
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()
        sys.exit(0)
    except OSError:
        if time.monotonic() > end:
            sys.exit(1)
        time.sleep(0.1)
PY
}

# Messages a sink.py directory holds.
count() { find "$1" -name '*.env' | wc -l; }

# start_sink DIR PORT [--xforward]: sink.py as the next hop; sets SINK_PID.
# stop_sink stops the last one started (closing its connections).
start_sink() {
	mkdir -p "$1"
	rm -f "$1/ready"
	python3 "$SINK" "$2" "$1" ${3:-} 2>>"$1/sink.err" &
	SINK_PID=$!
	T_PIDS+=("$SINK_PID")
	wait_port "$2" || { echo "Bail out! sink did not start"; exit 1; }
}
stop_sink() { t_kill "$SINK_PID" || true; wait "$SINK_PID" 2>/dev/null; }

# t_sign_directory: the sandbox with haugiang.gov.vn, the sample agencies
# and annv (Nguyễn Văn An, snv): the directory of the signature tests.
t_sign_directory() {
	t_sandbox_start
	t_govmail_conf
	check "domain" "$GOVMAILCTL" domain add haugiang.gov.vn
	check "agencies" "$GOVMAILCTL" agency load "$DATA/agencies.csv"
	check "annv (snv)" "$GOVMAILCTL" account add --name "Nguyễn Văn An" --agency snv
}

# t_relay_conf FILE PORT NH [SMTPD-KEYS]: the part of a govmaild
# configuration the relay tests share: the sandbox directory, relaying on
# 127.0.0.1:PORT to the next hop on port NH, the spool in $T/spool, no
# policy cache; the caller appends its own sections (cat >>FILE).
t_relay_conf() {
	mkdir -p "$T/spool"
	cat >"$1" <<CONF
ldap = {
  uri = "$LDAPI_URI";
  bind_dn = "$LDAP_DAEMON_DN";
  bind_password_file = "$LDAP_DAEMON_PWFILE";
  base_dn = "$LDAP_BASE";
};
smtpd = {
  relay_listen = ["127.0.0.1:$2"];
  hostname = "gw.test";
  user = "";
  pid_file = "";
  spool_dir = "$T/spool";
  ${4:-}
};
next_hop = { port = $3; };
policy = { relay_domains = []; cache_ttl = 0; };
CONF
}

# --- waiting for events -------------------------------------------------------
# Tests synchronise on what the programs do (a log line, a file, a count),
# never on sleeping a guessed time. T_HANG bounds every wait.

# wait_for CMD ARGS...: run CMD (output discarded) every 0.1 s until it
# succeeds; 1 if it still fails after T_HANG seconds.
wait_for() {
	local end=$((SECONDS + T_HANG))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# log_count FILE ERE: lines of FILE matching ERE (0 if FILE is missing).
log_count() {
	local n
	n=$(grep -cE -- "$2" "$1" 2>/dev/null)
	echo "${n:-0}"
}
log_has() { [ "$(log_count "$1" "$2")" -ge "${3:-1}" ]; }

# wait_log FILE ERE [N]: until FILE has at least N (default 1) lines
# matching ERE; 1 after T_HANG seconds.
wait_log() { wait_for log_has "$1" "$2" "${3:-1}"; }

# wait_started LOG PID: until govmaild PID logged "started" (it listens then:
# connections wait in the backlog), without a probing connection that would
# count as a session. 1 if it exited or T_HANG passed.
wait_started() {
	local end=$((SECONDS + T_HANG))
	until log_has "$1" "started pid=$2 "; do
		t_kill -0 "$2" || return 1
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# hup_reload PID LOG: SIGHUP to govmaild PID, then wait until LOG says the
# configuration was reloaded (0) or the reload was refused (1).
hup_reload() {
	local re='configuration reloaded|reload failed' n
	n=$(log_count "$2" "$re")
	t_kill -HUP "$1" || return 1
	wait_log "$2" "$re" $((n + 1)) || return 1
	grep -E -- "$re" "$2" | tail -n 1 | grep -q 'configuration reloaded'
}

# last_msg DIR: path (without extension) of the message a sink.py in DIR
# saved last (from its "last" file, not from file times).
last_msg() { printf '%s/%s\n' "$1" "$(cat "$1/last" 2>/dev/null)"; }

# closed_port: sets CLOSED_PORT to a 127.0.0.1 port that refuses
# connections until the test ends: a socket stays bound there without
# listening, so no server of a test running alongside can take it (a port
# that was merely free a moment ago could be).
closed_port() {
	local f="$T/closed-port.$RANDOM"
	python3 -c 'import os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(3600)' "$f" </dev/null >/dev/null 2>&1 &
	T_PIDS+=("$!")
	wait_for test -s "$f" || { echo "Bail out! no closed port"; exit 1; }
	CLOSED_PORT=$(cat "$f")
}

# --- loopback authoritative DNS (nsd) for the mail authentication tests ----
# t_dns_start [-p PORT] ZONEFILE...: start Debian's nsd on
# 127.0.0.1:$DNS_PORT (UDP and TCP; a new free port, or PORT: the one it
# had before, to restart it where a client expects it), authoritative for
# the zones in the files (each file's first "$ORIGIN name." line names its
# zone), its state under $T/dns; DNS_PID is its pid (a child of this
# shell, stopped by t_dns_stop or at exit). Zones are read at start: to
# change one, t_dns_stop, edit, t_dns_start -p "$DNS_PORT" again.
t_dns_start() {
	local d="$T/dns" f z i=0
	command -v nsd >/dev/null || { echo "Bail out! nsd missing (scripts/install-deps)"; exit 1; }
	rm -rf "$d"
	mkdir -p "$d"
	if [ "${1:-}" = -p ]; then DNS_PORT=$2; shift 2; else DNS_PORT=$(t_free_port); fi
	cat >"$d/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1
	port: $DNS_PORT
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$d"
	database: ""
	pidfile: "$d/nsd.pid"
	logfile: "$d/nsd.log"
	xfrdfile: "$d/xfrd.state"
	xfrdir: "$d"
	zonelistfile: "$d/zone.list"
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
CONF
	for f in "$@"; do
		z=$(sed -n 's/^\$ORIGIN[[:space:]]*\([^[:space:]]*\)\.[[:space:]]*$/\1/p' "$f" | head -n 1)
		[ -n "$z" ] || { echo "Bail out! $f: no \$ORIGIN line"; exit 1; }
		cp "$f" "$d/zone$i"
		printf 'zone:\n\tname: %s\n\tzonefile: zone%s\n' "$z" "$i" >>"$d/nsd.conf"
		i=$((i + 1))
	done
	nsd -d -c "$d/nsd.conf" >"$d/nsd.out" 2>&1 &
	DNS_PID=$!
	T_PIDS+=("$DNS_PID")
	local end=$((SECONDS + T_HANG))
	until log_has "$d/nsd.log" 'nsd started'; do
		if ! t_kill -0 "$DNS_PID" || [ "$SECONDS" -ge "$end" ]; then
			cat "$d/nsd.out" "$d/nsd.log" >&2 2>/dev/null
			echo "Bail out! nsd did not start"; exit 1
		fi
		sleep 0.1
	done
}
t_dns_stop() { t_kill "$DNS_PID" || true; wait "$DNS_PID" 2>/dev/null || true; }
