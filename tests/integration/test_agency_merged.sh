#!/usr/bin/env bash
# An agency merged away (agency merge SRC --into DST: SRC retired) against a
# real slapd: re-loading the unchanged agency CSV does not undo the merge
# (SRC's former sub-agencies stay under DST, the rows naming SRC are
# reported with their line and "agency SRC was merged into DST"), and SRC
# is never again a parent (agency add, agency modify, a new row of a load)
# or an account's agency (account add, account move).
. "$(dirname "$0")/../lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
CSV=$DATA/agencies.csv
parent_of() { $G --json agency show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["parent"])'; }

check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$CSV"
check "an account in snv-u1" $G account add --name "Nguyễn Văn An" --agency snv-u1
check "agency merge snv --into stp" $G agency merge snv --into stp
expect_eq "snv-u1 is now under stp" "$(parent_of snv-u1)" "stp"
audits=$(wc -l <"$T/audit.log")
before=$(t_ldapsearch -b "ou=agencies,$LDAP_BASE" '(objectClass=govmailAgency)' \
	govmailAgencyCode govmailParentAgency govmailAgencyStatus | sort)

# --- agency load of the unchanged file -----------------------------------
check_rc "agency load --dry-run of the unchanged CSV: rows naming snv reported (65)" 65 \
	$G agency load --dry-run "$CSV"
check_rc "agency load of the unchanged CSV: rows naming snv reported (65)" 65 $G agency load "$CSV"
out=$(cat "$T/last.out"); err=$(cat "$T/last.err")
expect_match "snv's own row: merged, with its line" "$err" \
	"agencies.csv:3: snv: agency snv was merged into stp"
expect_match "a former sub-agency's row: its parent was merged, with its line" "$err" \
	"agencies.csv:4: snv-u1: parent agency snv: agency snv was merged into stp"
expect_match "... every one of them" "$err" "agencies.csv:6: snv-u3: parent agency snv"
expect_eq "snv-u1 is still under stp" "$(parent_of snv-u1)" "stp"
expect_eq "snv-u2, snv-u3 too" "$(parent_of snv-u2) $(parent_of snv-u3)" "stp stp"
expect_eq "the agency tree is unchanged" "$(t_ldapsearch -b "ou=agencies,$LDAP_BASE" \
	'(objectClass=govmailAgency)' govmailAgencyCode govmailParentAgency govmailAgencyStatus | sort)" "$before"
expect_match "the summary counts the 4 rows as rejected" "$out" "0 created, 0 updated, [0-9]+ unchanged, 4 rejected"
if tail -n +$((audits + 1)) "$T/audit.log" | grep -q '"op":"agency.modify"'; then
	not_ok "nothing re-parented in the audit log"
else ok "nothing re-parented in the audit log"; fi

# A new agency under snv in a load is refused the same way.
printf 'code,name,level,parent_code\nsnv-u9,Đơn vị 9,unit,snv\nstp-u9,Đơn vị 9 - Sở Tư pháp,unit,stp\n' >"$T/new.csv"
check_rc "a new row under snv: rejected, the other row created (65)" 65 $G agency load "$T/new.csv"
expect_match "... with its line" "$(cat "$T/last.err")" "new.csv:2: snv-u9: parent agency snv: agency snv was merged into stp"
check_rc "... snv-u9 does not exist" 67 $G agency show snv-u9
check "... stp-u9 does" $G agency show stp-u9

# --- single commands ------------------------------------------------------------
check_rc "agency add --parent snv is refused (65)" 65 \
	$G agency add snv-u8 --name "Đơn vị 8" --level unit --parent snv
expect_match "... saying snv was merged into stp" "$(cat "$T/last.err")" "agency snv was merged into stp"
check_rc "... snv-u8 does not exist" 67 $G agency show snv-u8
check_rc "agency modify --parent snv is refused (65)" 65 $G agency modify snv-u2 --parent snv
expect_match "... saying snv was merged into stp" "$(cat "$T/last.err")" "agency snv was merged into stp"
expect_eq "... snv-u2 stays under stp" "$(parent_of snv-u2)" "stp"
check_rc "account add --agency snv is refused (65)" 65 $G account add --name "Lê Thị Hồng" --agency snv
expect_match "... saying snv was merged into stp" "$(cat "$T/last.err")" "agency snv was merged into stp"
check_rc "account move --agency snv is refused (65)" 65 $G account move annv@haugiang.gov.vn --agency snv
expect_match "... saying snv was merged into stp" "$(cat "$T/last.err")" "agency snv was merged into stp"
