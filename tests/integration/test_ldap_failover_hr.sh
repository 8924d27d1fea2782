#!/usr/bin/env bash
# test_ldap_failover_hr.sh — govmailctl hr sync of the whole sample export
# (10,300 rows, 10,051 accounts) against the replicated directory (ldap.uri
# = both providers) while provider 1, the one it writes to, is killed with
# SIGKILL half-way (when provider 2 holds 3,000 accounts). The one run
# completes: it reconnects to provider 2 (and says so), checks there which
# of its writes in flight took effect, sends the others again, and ends
# with exit 0 and its run.summary. Once provider 1 is restarted, both
# providers hold identical entries: equal contextCSN and a full dump of
# every entry with all user and operational attributes (entryCSN,
# entryUUID, timestamps, password hashes included) identical. The result
# is what one run leaves: 10,051 accounts, no address twice, each initial
# password on file once, and each binds; the audit log has one record per
# account made. A second run then has nothing left to do.
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
if [ "$rc1" = 0 ]; then ok "the one run completes (exit 0)"
else not_ok "the one run completes (exit $rc1)"; tail -5 "$T/run1.err" | sed 's/^/#   /' >&2; fi
expect_match "... naming the failed server" "$(cat "$T/run1.err")" \
	"LDAP server ${P1%/}/? failed"
expect_match "... and the switch to provider 2" "$(cat "$T/run1.err")" \
	"note: hr sync: ${P1%/}/? failed after [0-9]+ of 10051 writes; going on with ${P2%/}/? "
grep 'note: hr sync:' "$T/run1.err" | sed 's/^/# /'
expect_match "... and its summary line says all was written" "$(tail -1 "$T/run1.out")" \
	"10051 create,.* writes: [0-9]+, failed: 0$"
expect_match "the run's summary in the audit log: ok" \
	"$(grep '"op":"run.summary"' "$T/audit.log" | grep '"target":"hr sync"')" '"result":"ok"'
# One hr.create record per account, each DN once, none recovered.
python3 - "$T/audit.log" >"$T/audit-creates" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["op"] == "hr.create":
        print(r["dn"].lower(), r["result"], "recovered" if r.get("recovered") else "")
PY
expect_eq "the audit log: one hr.create record per account (10051)" \
	"$(wc -l <"$T/audit-creates")" 10051
expect_eq "... each DN once" "$(cut -d' ' -f1 "$T/audit-creates" | sort | uniq -d | wc -l)" 0
expect_eq "... each ok, none recovered" "$(grep -vc ' ok $' "$T/audit-creates")" 0
check "provider 1 restarted" "$TOP/scripts/ldap-sandbox" start "$REPL_P1"
# The consumer may end up ahead of the providers for server ID 1: a change
# provider 1 passed to the consumer just before it died, but not to
# provider 2 (where the run then made it again, under server ID 2), leaves
# the consumer's CSN for server ID 1 later than any CSN the providers still
# hold; a contextCSN never moves back. It is the same after provider 1's
# next write (last step below).
csn_show() { for u in "$@"; do echo "#   $u: $(t_context_csn "$u" | tr '\n' ' ')" >&2; done; }
if wait_for t_csn_equal "$P1" "$P2"; then ok "contextCSN equal on both providers"
else not_ok "contextCSN equal on both providers"; csn_show "$P1" "$P2"; fi
if wait_for t_csn_not_behind "$LDAP_CONSUMER_URI" "$P1" "$P2"; then
	ok "... the consumer's is not behind theirs for any server ID"
else
	not_ok "... the consumer's is not behind theirs for any server ID"
	csn_show "$P1" "$P2" "$LDAP_CONSUMER_URI"
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
# (the consumer's entries compared without the base entry's contextCSN)
for f in dump1 dumpc; do sed 's/ | contextCSN: [^|]*//g' "$T/$f" >"$T/$f.nocsn"; done
expect_eq "full dump of provider 1: every entry (10,051 accounts and more)" \
	"$([ "$(grep -c 'ou=accounts' "$T/dump1")" -gt 10051 ] && echo yes)" yes
if cmp -s "$T/dump1" "$T/dump2"; then ok "providers 1 and 2 hold identical entries (full dump)"
else not_ok "providers 1 and 2 hold identical entries (full dump)"; diff "$T/dump1" "$T/dump2" | cut -c1-300 | head -6 >&2; fi
if cmp -s "$T/dump1.nocsn" "$T/dumpc.nocsn"; then ok "the consumer holds the same entries"
else not_ok "the consumer holds the same entries"; diff "$T/dump1.nocsn" "$T/dumpc.nocsn" | cut -c1-300 | head -6 >&2; fi

# What one run leaves.
export LDAP_URI=$P1
t_dump_accounts >"$T/accounts"
expect_eq "10,051 accounts on provider 1" "$(wc -l <"$T/accounts")" 10051
expect_eq "10,051 accounts on provider 2" "$(count_on "$P2")" 10051
# (writes provider 1 took but had not passed on when it died reach
# provider 2 only now: compare the audit log with the final directory)
expect_eq "the audit log's hr.create records name the very accounts" \
	"$(cut -d' ' -f1 "$T/audit-creates" | sort)" \
	"$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(employeeNumber=*)' 1.1 |
		sed -n 's/^dn: //p' | tr 'A-Z' 'a-z' | sort)"
expect_eq "no address is used twice" "$(grep -o 'mail=[^|]*' "$T/accounts" | sort | uniq -d | wc -l)" 0
expect_eq "one initial-passwords line per account (10051)" "$(wc -l <"$T/pw.csv")" 10051
expect_eq "every initial password on file binds (provider 1)" "$(t_bind_passwords "$T/pw.csv")" 0

check "hr sync again (provider 1 back): completes" "$G" hr sync "$DATA/hr-export.csv"
expect_match "... with nothing left to do" "$(tail -1 "$T/last.out")" "writes: 0, failed: 0$"

# Provider 1's next write (under server ID 1, later than anything before)
# reaches the other two: then all three have the same contextCSN.
ldapmodify -o nettimeout=5 -x -H "$P1" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" \
	>"$T/mod.out" 2>&1 <<LDIF
dn: $LDAP_BASE
changetype: modify
replace: description
description: written on provider 1 after its restart
LDIF
expect_eq "a write on provider 1 after its restart" "$?" 0
if wait_for t_csn_equal "$P1" "$P2" "$LDAP_CONSUMER_URI"; then
	ok "... then contextCSN equal on both providers and the consumer"
else
	not_ok "... then contextCSN equal on both providers and the consumer"
	csn_show "$P1" "$P2" "$LDAP_CONSUMER_URI"
fi
