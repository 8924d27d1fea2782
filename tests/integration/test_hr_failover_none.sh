#!/usr/bin/env bash
# test_hr_failover_none.sh — govmailctl hr sync against the replicated
# directory (ldap.uri = both providers) when every provider dies mid-run:
# the run tries each server once more, then stops with exit 69 (what it
# wrote stays written) and, not knowing which of its writes in flight took
# effect, leaves its run open in the audit log like a killed run. Once the
# providers are back, the next run completes the audit log of the dead one
# (checking each announced change) and finishes the sync: every
# account once, one hr.create record (ok or recovered as applied) per
# account, one initial-passwords line per account, each binds.
. "$(dirname "$0")/../lib.sh"
G=$GOVMAILCTL

t_sandbox_start_replicated
P1=${LDAP_PROVIDER_URIS%% *}
P2=${LDAP_PROVIDER_URIS#* }
t_govmail_conf 'hr = { passwords_file = "'"$T"'/pw.csv"; };'
sed -i "s|uri = \"$LDAP_URI\";|uri = \"$LDAP_PROVIDER_URIS\";|" "$GOVMAIL_CONF"
check "domain add" "$G" domain add haugiang.gov.vn
check "agency load" "$G" agency load "$DATA/agencies.csv"
head -n 3001 "$DATA/hr-export.csv" >"$T/hr.csv"
"$G" hr sync --dry-run "$T/hr.csv" >"$T/dry.out" 2>&1
want=$(tail -1 "$T/dry.out" | sed -n 's/.*; \([0-9]*\) create,.*/\1/p')
expect_match "the export creates over 2,000 accounts" "$want" '^[0-9]{4}$'

count_on() {
	ldapsearch -LLL -o ldif-wrap=no -o nettimeout=5 -x -H "$1" -D "$LDAP_ADMIN_DN" \
		-y "$LDAP_ADMIN_PWFILE" -E pr=1000/noprompt -b "ou=accounts,$LDAP_BASE" \
		'(objectClass=govmailAccount)' 1.1 2>/dev/null | grep -c '^dn:'
}
at_least_on() { [ "$(count_on "$1")" -ge "$2" ]; }

# Provider 2 first, so that when provider 1 (written to) dies no server is left.
"$G" hr sync "$T/hr.csv" >"$T/run1.out" 2>"$T/run1.err" &
SYNC=$!
T_PIDS+=("$SYNC")
if wait_for at_least_on "$P1" 1000; then ok "1,000 accounts written"
else not_ok "1,000 accounts written"; fi
check "provider 2 killed (SIGKILL)" "$TOP/scripts/ldap-sandbox" kill "$REPL_P2"
check "provider 1 killed (SIGKILL)" "$TOP/scripts/ldap-sandbox" kill "$REPL_P1"
wait "$SYNC"
rc1=$?
if [ "$rc1" = 69 ]; then ok "no server left: the run stops with exit 69"
else not_ok "no server left: the run stops with exit 69 (exit $rc1)"; tail -5 "$T/run1.err" | sed 's/^/#   /' >&2; fi
expect_match "... naming the failed server" "$(cat "$T/run1.err")" "LDAP server ${P1%/}/? failed"
expect_match "... saying the outcome of its writes in flight is unknown" "$(cat "$T/run1.err")" \
	"the next hr sync completes their audit records"
expect_eq "... and leaves its run open (no summary line) for the next run" \
	"$(grep '"op":"run.summary"' "$T/audit.log" | grep -c '"target":"hr sync"')" 0

check "provider 1 restarted" "$TOP/scripts/ldap-sandbox" start "$REPL_P1"
check "provider 2 restarted" "$TOP/scripts/ldap-sandbox" start "$REPL_P2"
if wait_for t_csn_equal "$P1" "$P2"; then ok "contextCSN equal on both providers"
else not_ok "contextCSN equal on both providers"; fi
check "hr sync again: completes" "$G" hr sync "$T/hr.csv"
expect_match "... completing the audit log of the dead run" "$(cat "$T/last.err")" \
	"held 1 interrupted hr sync run"
if wait_for t_csn_equal "$P1" "$P2" "$LDAP_CONSUMER_URI"; then
	ok "contextCSN equal on both providers and the consumer"
else not_ok "contextCSN equal on both providers and the consumer"; fi

python3 - "$T/audit.log" >"$T/audit-creates" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if r["op"] == "hr.create" and r["result"] in ("ok", "applied"):
        print(r["dn"].lower())
PY
export LDAP_URI=$P2
expect_eq "every account once ($want)" "$(count_on "$P2")" "$want"
expect_eq "one hr.create record per account" "$(sort "$T/audit-creates")" \
	"$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(employeeNumber=*)' 1.1 |
		sed -n 's/^dn: //p' | tr 'A-Z' 'a-z' | sort)"
t_dump_accounts >"$T/accounts"
expect_eq "no address is used twice" "$(grep -o 'mail=[^|]*' "$T/accounts" | sort | uniq -d | wc -l)" 0
expect_eq "one initial-passwords line per account" "$(wc -l <"$T/pw.csv")" "$want"
expect_eq "every initial password on file binds (provider 2)" "$(t_bind_passwords "$T/pw.csv")" 0
