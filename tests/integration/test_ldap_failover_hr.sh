#!/usr/bin/env bash
# test_ldap_failover_hr.sh — govmailctl hr sync of the whole sample export
# (10,300 rows, 10,051 accounts) against the replicated directory (ldap.uri
# = both providers) while provider 1, the one it writes to, is killed with
# SIGKILL half-way. The run stops there (exit 69, like any directory
# outage: what it wrote stays written) or completes; the next run goes to
# provider 2 at once (and says so) and completes. Once provider 1 is
# restarted, both providers hold identical entries: equal contextCSN and a
# full dump of every entry with all user and operational attributes
# (entryCSN, entryUUID, timestamps, password hashes included) identical.
# The result is what one run leaves: 10,051 accounts, no address twice,
# each initial password on file once, and each binds.
. "$(dirname "$0")/../lib.sh"
G=$GOVMAILCTL

t_sandbox_start_replicated
P1=${LDAP_PROVIDER_URIS%% *}
P2=${LDAP_PROVIDER_URIS#* }
t_govmail_conf 'hr = { passwords_file = "'"$T"'/pw.csv"; };'
sed -i "s|uri = \"$LDAP_URI\";|uri = \"$LDAP_PROVIDER_URIS\";|" "$GOVMAIL_CONF"
check "domain add" "$G" domain add haugiang.gov.vn
check "agency load" "$G" agency load "$DATA/agencies.csv"

# count_on URI: accounts there.
count_on() {
	ldapsearch -LLL -o ldif-wrap=no -o nettimeout=5 -x -H "$1" -D "$LDAP_ADMIN_DN" \
		-y "$LDAP_ADMIN_PWFILE" -E pr=1000/noprompt -b "ou=accounts,$LDAP_BASE" \
		'(objectClass=govmailAccount)' 1.1 2>/dev/null | grep -c '^dn:'
}
at_least_on() { [ "$(count_on "$1")" -ge "$2" ]; }

# Half-way: provider 2 has received 3,000 of the 10,051 accounts
# (replicated from provider 1, which the sync writes to).
"$G" hr sync "$DATA/hr-export.csv" >"$T/run1.out" 2>"$T/run1.err" &
SYNC=$!
T_PIDS+=("$SYNC")
if wait_for at_least_on "$P2" 3000; then ok "3,000 accounts written (seen on provider 2)"
else not_ok "3,000 accounts written (seen on provider 2)"; fi
check "provider 1 killed (SIGKILL) half-way" "$TOP/scripts/ldap-sandbox" kill "$REPL_P1"
wait "$SYNC"
rc1=$?
n2=$(count_on "$P2")
if [ "$n2" -ge 10051 ]; then
	not_ok "TEST SETUP: all accounts were written before the kill"
else
	ok "killed half-way ($n2 of 10051 accounts on provider 2)"
fi
case $rc1 in
0|69) ok "the run that lost its server ended (exit $rc1)" ;;
*) not_ok "the run that lost its server ended with exit $rc1"; tail -5 "$T/run1.err" | sed 's/^/#   /' >&2 ;;
esac
[ "$rc1" = 0 ] || expect_match "... naming the failed server" "$(cat "$T/run1.err")" \
	"LDAP server ${P1%/}/? failed"

check "hr sync again: completes against provider 2" "$G" hr sync "$DATA/hr-export.csv"
expect_match "... and notes that it uses provider 2" "$(cat "$T/last.err")" \
	"note: LDAP: using ${P2%/}/? \\(${P1%/}/? is the first choice\\)"
expect_eq "10,051 accounts on provider 2" "$(count_on "$P2")" 10051

check "provider 1 restarted" "$TOP/scripts/ldap-sandbox" start "$REPL_P1"
if wait_for t_csn_equal "$P1" "$P2" "$LDAP_CONSUMER_URI"; then
	ok "contextCSN equal on both providers and the consumer"
else
	not_ok "contextCSN equal on both providers and the consumer"
	for u in "$P1" "$P2" "$LDAP_CONSUMER_URI"; do echo "#   $u: $(t_context_csn "$u" | tr '\n' ' ')" >&2; done
fi

# full_dump URI: every entry, every attribute (user and operational), one
# entry per line, attributes and values sorted, entries sorted by DN.
full_dump() {
	ldapsearch -LLL -o ldif-wrap=no -x -H "$1" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" \
		-E pr=1000/noprompt -b "$LDAP_BASE" '(objectClass=*)' '*' '+' |
	python3 -c '
import sys
ents, cur = [], []
for line in sys.stdin.read().split("\n"):
    if not line:
        if cur: ents.append(cur); cur = []
        continue
    if line.startswith("pagedresults") or line.startswith("#"):
        continue
    cur.append(line)
if cur: ents.append(cur)
for e in sorted(ents, key=lambda e: e[0]):
    print(e[0] + " | " + " | ".join(sorted(e[1:])))'
}
full_dump "$P1" >"$T/dump1"
full_dump "$P2" >"$T/dump2"
full_dump "$LDAP_CONSUMER_URI" >"$T/dumpc"
expect_eq "full dump of provider 1: every entry (10,051 accounts and more)" \
	"$([ "$(grep -c 'ou=accounts' "$T/dump1")" -gt 10051 ] && echo yes)" yes
if cmp -s "$T/dump1" "$T/dump2"; then ok "providers 1 and 2 hold identical entries (full dump)"
else not_ok "providers 1 and 2 hold identical entries (full dump)"; diff "$T/dump1" "$T/dump2" | cut -c1-300 | head -6 >&2; fi
if cmp -s "$T/dump1" "$T/dumpc"; then ok "the consumer holds the same entries"
else not_ok "the consumer holds the same entries"; diff "$T/dump1" "$T/dumpc" | cut -c1-300 | head -6 >&2; fi

# What one run leaves.
export LDAP_URI=$P1
t_dump_accounts >"$T/accounts"
expect_eq "10,051 accounts on provider 1" "$(wc -l <"$T/accounts")" 10051
expect_eq "no address is used twice" "$(grep -o 'mail=[^|]*' "$T/accounts" | sort | uniq -d | wc -l)" 0
expect_eq "one initial-passwords line per account (10051)" "$(wc -l <"$T/pw.csv")" 10051
expect_eq "every initial password on file binds (provider 1)" "$(t_bind_passwords "$T/pw.csv")" 0
