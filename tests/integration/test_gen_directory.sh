#!/usr/bin/env bash
# scripts/gen-directory and ldap-sandbox --ldif, the directory make
# bench-scale measures: the generator is deterministic, slapadd loads its
# LDIF, and the entries are the ones govmailctl would have made — hr sync
# of the generated export finds nothing to change but the rows meant to
# change, creates the new staff next to them, and agency merge moves the
# merge agency's accounts.
. "$(dirname "$0")/../lib.sh"

GEN=$TOP/scripts/gen-directory
N=400; MERGE=50; ROWS=450
check "gen-directory writes the LDIF, the export and the addresses" \
	"$GEN" --accounts $N --domains 2 --seed 7 --merge-accounts $MERGE --hr-rows $ROWS \
	--ldif "$T/dir.ldif" --hr-export "$T/hr.csv" --addresses "$T/addr.txt"
"$GEN" --accounts $N --domains 2 --seed 7 --merge-accounts $MERGE >"$T/again.ldif"
check "the same seed gives the same LDIF" cmp "$T/dir.ldif" "$T/again.ldif"
expect_eq "one address per account" "$(wc -l <"$T/addr.txt")" "$N"
expect_eq "addresses are unique" "$(sort -u "$T/addr.txt" | wc -l)" "$N"
expect_eq "employee ids are unique" "$(cut -d, -f1 "$T/hr.csv" | sort -u | wc -l)" "$((ROWS + 1))"

check "ldap-sandbox --ldif loads it with slapadd" \
	"$TOP/scripts/ldap-sandbox" start "$T/ldap" --ldif "$T/dir.ldif"
t_on_exit "'$TOP/scripts/ldap-sandbox' stop '$T/ldap'"
# shellcheck disable=SC1091
set -a; . "$T/ldap/env"; set +a
t_govmail_conf 'hr = { passwords_file = "'"$T"'/passwords.csv"; };'
G=$GOVMAILCTL
check_rc "--ldif only when the sandbox is created" 1 \
	"$TOP/scripts/ldap-sandbox" start "$T/ldap" --ldif "$T/dir.ldif"

check "domain list" $G domain list
expect_eq "two domains" "$(grep -c 'gov.vn' "$T/last.out")" 2
check "agency list" $G agency list
expect_eq "the sample tree per domain, and the merge agency" \
	"$(grep -cE '^(ct|hn)-' "$T/last.out")" "$((2 * 707 + 1))"
first=$(head -1 "$T/addr.txt")
check "account show of a generated account" $G account show "$first"
expect_match "it is active, in the merge agency" "$(cat "$T/last.out")" "ct-bench-merge"
check "account list" $G account list --limit 100000
expect_eq "every account is listed" "$(grep -c '@' "$T/last.out")" "$N"

# Every 33rd row has a new phone; the rest must be what hr sync would
# have written (any other difference would be planned as an update).
changed=$(( (N + 32) / 33 ))
check "hr sync --dry-run of the generated export" $G hr sync --dry-run "$T/hr.csv"
expect_match "only the changed rows differ; the rest are new staff" "$(cat "$T/last.out")" \
	"$ROWS rows, 0 rejected; $((ROWS - N)) create, $changed update, 0 suspend, 0 resume, 0 disable, 0 missing, 0 kept, 0 no-account, $((N - changed)) unchanged"
check "hr sync of it" $G hr sync "$T/hr.csv"
expect_match "all written" "$(cat "$T/last.out")" "failed: 0"
check "a second hr sync" $G hr sync "$T/hr.csv"
expect_match "finds nothing left to do" "$(cat "$T/last.out")" \
	"0 create, 0 update, .* $ROWS unchanged"
check "agency merge of the merge agency" $G agency merge ct-bench-merge --into ct-snv
expect_match "moves its accounts" "$(cat "$T/last.out")" "$MERGE accounts moved"

echo "1..$T_N"
