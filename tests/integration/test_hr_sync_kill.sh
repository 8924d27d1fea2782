#!/usr/bin/env bash
# test_hr_sync_kill.sh — govmailctl hr sync of the whole sample export
# (10,300 rows, 10,051 accounts) killed with SIGKILL part-way, then run
# again, must leave exactly what one uninterrupted run leaves (compared with
# a reference run into a second directory, made at the same time), no
# address twice, and the initial password of every account on file exactly
# once, each one binding (a real LDAP bind per line).
. "$(dirname "$0")/../lib.sh"
G=$GOVMAILCTL


# prepare RUN: a directory with the domain and the agency tree, and
# $T/RUN.conf (initial passwords to $T/pw-RUN.csv); the LDAP_* variables
# and GOVMAIL_CONF then name it.
prepare() {
	t_govmail_conf 'hr = { passwords_file = "'"$T"'/pw-'"$1"'.csv"; };'
	mv "$T/govmail.conf" "$T/$1.conf"
	export GOVMAIL_CONF=$T/$1.conf
	check "$1: domain add" $G domain add haugiang.gov.vn
	check "$1: agency load" $G agency load "$DATA/agencies.csv"
}

# The reference: one uninterrupted run into a second directory, in the
# background while the killed run and its re-run go on in the first.
"$TOP/scripts/ldap-sandbox" start "$T/ldap2" >/dev/null ||
	{ echo "Bail out! second sandbox slapd did not start"; exit 1; }
t_on_exit "'$TOP/scripts/ldap-sandbox' stop '$T/ldap2'"
set -a; . "$T/ldap2/env"; set +a
prepare clean
# The reference needs no sanitizer: the optimised build of the same source
# (the run under test, killed and re-run, is the sanitizer build).
"$TOP/bin/govmailctl" hr sync "$DATA/hr-export.csv" >"$T/clean.out" 2>"$T/clean.err" &
clean_pid=$!
T_PIDS+=("$clean_pid")
clean_env=$T/ldap2/env

t_sandbox_start
prepare killed
# Killed part-way, decided by events: once the directory holds 200 of the
# 10,051 accounts (the sync has written, and has far more to write),
# however long that takes to come.
$G hr sync "$DATA/hr-export.csv" >/dev/null 2>"$T/killed.err" &
kill_when_count $! '(objectClass=govmailAccount)' 200
if [ "$KILLED_RC" != 137 ]; then
	not_ok "sync killed half-way: TEST SETUP: the sync ended by itself (exit $KILLED_RC, $KILLED_N accounts) before it could be killed"
	sed 's/^/#   /' "$T/killed.err" | tail -5 >&2
elif [ "$KILLED_N" -lt 200 ]; then
	not_ok "sync killed half-way: TEST SETUP: 200 accounts did not appear within $T_HANG s ($KILLED_N)"
elif [ "$KILLED_N" -ge 10051 ]; then
	not_ok "sync killed half-way: TEST SETUP: all 10051 accounts were written before the kill"
else
	ok "sync killed half-way ($KILLED_N of 10051 accounts)"
fi
check "hr sync of the 10,300-row sample, re-run after the kill" $G hr sync "$DATA/hr-export.csv"
tail -3 "$T/last.err" | sed "s/^/# killed stderr: /" >&2
t_dump_accounts >"$T/dump-killed"

wait "$clean_pid"
expect_eq "hr sync of the 10,300-row sample, uninterrupted (exit code)" "$?" 0
tail -3 "$T/clean.err" | sed "s/^/# clean stderr: /" >&2
set -a; . "$clean_env"; set +a
t_dump_accounts >"$T/dump-clean"

expect_eq "10,051 accounts after the re-run" "$(wc -l <"$T/dump-killed")" "10051"
if diff -q "$T/dump-killed" "$T/dump-clean" >/dev/null; then ok "killed + re-run == one clean run"; else
	not_ok "killed + re-run == one clean run"; diff "$T/dump-killed" "$T/dump-clean" | head -5 >&2; fi
dups=$(grep -o 'mail=[^|]*' "$T/dump-killed" | sort | uniq -d | wc -l)
expect_eq "no address is used twice" "$dups" "0"
# Every account made by the killed run and its re-run has its password on file.
missing=$(comm -23 <(grep -o 'employeeNumber=[^|]*' "$T/dump-killed" | cut -d= -f2 | sort -u) \
	<(cut -d, -f1 "$T/pw-killed.csv" | sort -u) | wc -l)
expect_eq "no account without its initial password on file" "$missing" "0"
# ... and exactly once, with the password the account really has: the file
# ends with one line per account, each of which binds.
twice=$(cut -d, -f1 "$T/pw-killed.csv" | tr a-z A-Z | sort | uniq -d | wc -l)
expect_eq "no employee twice in the initial-passwords file" "$twice" "0"
expect_eq "one initial-passwords line per account (10051)" "$(wc -l <"$T/pw-killed.csv")" "10051"
set -a; . "$T/ldap/env"; set +a
expect_eq "every initial password on file binds" "$(t_bind_passwords "$T/pw-killed.csv")" "0"
