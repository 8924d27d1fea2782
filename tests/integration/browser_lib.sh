# tests/integration/browser_lib.sh — what the web console's browser tests
# share, sourced after ../lib.sh and apid_lib.sh: the apid { } block that
# serves the repository's console, and browser_run, which runs one Python
# browser test (tests/browser/test_*.py, on tests/browser/harness.py) and
# turns its TAP lines into this shell test's checks. The harness's top
# comment says how a Python test is written.

# Screenshots go to $BROWSER_OUT/screenshots/<name>.png (kept after the
# test: README shows two of them).
BROWSER_OUT=${GOVMAIL_TEST_OUTPUT:-$TOP/build/test-output}

# browser_require: chromium, chromedriver and python3-selenium are there
# (scripts/install-deps), else the test cannot run at all.
browser_require() {
	[ -x /usr/bin/chromium ] || { echo "Bail out! /usr/bin/chromium missing (scripts/install-deps)"; exit 1; }
	[ -x /usr/bin/chromedriver ] || { echo "Bail out! /usr/bin/chromedriver missing (scripts/install-deps: chromium-driver)"; exit 1; }
	python3 -c 'import selenium' 2>/dev/null || { echo "Bail out! python3-selenium missing (scripts/install-deps)"; exit 1; }
}

# browser_require_firefox: firefox-esr (scripts/install-deps) for the
# tests run with GOVMAIL_BROWSER=firefox (harness.py drives it through
# tests/browser/marionette.py; python3-selenium is still imported).
browser_require_firefox() {
	[ -x /usr/bin/firefox-esr ] || { echo "Bail out! /usr/bin/firefox-esr missing (scripts/install-deps)"; exit 1; }
	python3 -c 'import selenium' 2>/dev/null || { echo "Bail out! python3-selenium missing (scripts/install-deps)"; exit 1; }
}

# browser_apid_conf FILE [SETTING...]: apid_conf with the repository's
# console as apid.console_dir and no request rate limits (a page view is
# a dozen files and API calls from 127.0.0.1: a long browser test must not
# meet a 429), then each SETTING (not those three again: libconfig
# refuses a key set twice).
browser_apid_conf() {
	local f=$1; shift
	apid_conf "$f" "console_dir = \"$TOP/console\";" 'rate_per_address = 0;' \
		'rate_per_token = 0;' "$@"
}

# browser_run SCRIPT [ARGS...]: python3 tests/browser/SCRIPT ARGS with
# GOVMAIL_URL ($U), GOVMAIL_CA ($T/cert.pem), GOVMAIL_OUT ($BROWSER_OUT)
# and GOVMAIL_TMP (a directory of this run under $T) in its environment,
# besides whatever the caller exported or put before the call
# (GOVMAIL_USER=... GOVMAIL_PASSWORD=... browser_run test_x.py). Its
# "ok - X" / "not ok - X" lines become checks here, its "#" lines are
# passed on. One more failed check when the script did not reach its
# end ("# harness: done") or exited non-zero without a failed check, and
# one check that no process of that browser is left. Returns 0 when all
# passed.
browser_run() {
	local script=$1 dir pid rc line fails=0 left
	shift
	BROWSER_N=$((${BROWSER_N:-0} + 1))
	dir=$T/browser-$BROWSER_N
	mkdir -p "$dir" "$BROWSER_OUT/screenshots"
	GOVMAIL_URL=$U GOVMAIL_CA=$T/cert.pem GOVMAIL_OUT=$BROWSER_OUT GOVMAIL_TMP=$dir \
		python3 "$TOP/tests/browser/$script" "$@" >"$dir/tap" 2>"$dir/stderr" &
	pid=$!
	T_PIDS+=("$pid")
	wait "$pid"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }"; fails=$((fails + 1)) ;;
		"#"*) printf '%s\n' "$line" ;;
		esac
	done <"$dir/tap"
	if ! grep -qx '# harness: done' "$dir/tap" || { [ "$rc" != 0 ] && [ "$fails" = 0 ]; }; then
		not_ok "$script ran to its end (exit $rc)"
		tail -n 20 "$dir/stderr" | sed 's/^/#   /' >&2
		fails=$((fails + 1))
	fi
	# a process whose command line names this run's directory (the
	# browser's profile), or whose environment has this run's
	# GOVMAIL_TMP (Firefox's content processes and crash helper name no
	# profile), would be one the harness failed to end
	left=$(D="$dir/" python3 -c '
import os
me, d = str(os.getpid()), os.environ["D"].encode()
e = b"GOVMAIL_TMP=" + d.rstrip(b"/") + b"\0"
for p in os.listdir("/proc"):
    if p.isdigit() and p != me:
        try:
            c = open("/proc/%s/cmdline" % p, "rb").read()
        except OSError:
            continue
        try:
            v = b"\0" + open("/proc/%s/environ" % p, "rb").read()
        except OSError:
            v = b""
        if d in c or b"\0" + e in v:
            print(p)')
	if [ -z "$left" ]; then
		ok "$script left no browser process"
	else
		not_ok "$script left no browser process"
		echo "#   still running: $(echo $left)" >&2
		fails=$((fails + 1))
	fi
	[ "$fails" = 0 ]
}

# browser_apid_start_faketime [CONF]: as apid_start, but the optimised
# govmail-apid (bin/, ASan wants to be first in a process) under
# libfaketime, its clock offset read from $T/faketime on every call
# (CLOCK_MONOTONIC included): a test moves the server's clock with
# harness's b.server_clock(SECONDS) (GOVMAIL_FAKETIME names the file)
# instead of waiting, so an idle timeout is passed exactly when the test
# says, however slow the machine. Sets APID_PID, U and CURL as apid_start.
browser_apid_start_faketime() {
	local c=() lib
	[ -z "${1:-}" ] || c=(-c "$1")
	lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
	[ -n "$lib" ] || { echo "Bail out! libfaketimeMT.so.1 missing (scripts/install-deps: faketime)"; exit 1; }
	[ -x "$TOP/bin/govmail-apid" ] || { echo "Bail out! bin/govmail-apid missing (make)"; exit 1; }
	echo "+0" >"$T/faketime"
	export GOVMAIL_FAKETIME=$T/faketime
	env LD_PRELOAD="$lib" FAKETIME_TIMESTAMP_FILE="$T/faketime" FAKETIME_NO_CACHE=1 \
		"$TOP/bin/govmail-apid" "${c[@]}" -f >"$T/apid.log" 2>&1 &
	APID_PID=$!
	T_PIDS+=("$APID_PID")
	check "govmail-apid (clock under libfaketime) listens" wait_port "$P"
	U=https://127.0.0.1:$P
	CURL=(curl -sS --cacert "$T/cert.pem" --max-time "${APID_CURL_MAX_TIME:-300}")
}
