#!/usr/bin/env bash
# govmailctl hr sync and rows it rejects, against a real slapd: a rejected
# row keeps its employee's account from any absence action (an agency code
# renamed in the export, an agency merged away), rows naming a merged agency
# say so, a duplicate employee id skips every row with it even when one of
# them was rejected, a file whose last row is torn (cut short, no final
# newline) or whose rejected rows name no employee id is refused for
# --disable-missing, and the lock-out guard's floor defaults to 10.
. "$(dirname "$0")/../lib.sh"

t_sandbox_start
# No hr.max_suspend_floor here: its default is under test at the end.
t_govmail_conf 'hr = { passwords_file = "'"$T"'/passwords.csv"; };'
G=$GOVMAILCTL
check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"

H='employee_id,full_name,gender,birth_date,agency_code,position,phone,status'
status_of() { t_ldapsearch -b "ou=accounts,$LDAP_BASE" "(employeeNumber=$1)" govmailAccountStatus |
	sed -n 's/^govmailAccountStatus: //p'; }
title_of() { t_ldapsearch -b "ou=accounts,$LDAP_BASE" "(employeeNumber=$1)" title | awk '
	$1 == "title:"  { sub(/^[^:]*: /, ""); print; exit }
	$1 == "title::" { sub(/^[^:]*:: /, ""); print | "base64 -d"; exit }'; }

{
	echo "$H"
	echo 'R001,Nguyễn Văn Một,Nam,1980-01-01,snv,Chuyên viên,0901000001,working'
	echo 'R002,Trần Thị Hai,Nữ,1981-01-01,snv,Chuyên viên,0901000002,working'
	echo 'R003,Lê Văn Ba,Nam,1982-01-01,snv,Chuyên viên,0901000003,working'
	echo 'R004,Phạm Thị Bốn,Nữ,1983-01-01,stp,Chuyên viên,0901000004,working'
	echo 'R005,Hoàng Văn Năm,Nam,1984-01-01,stp,Chuyên viên,0901000005,working'
	echo 'R006,Võ Thị Sáu,Nữ,1985-01-01,stp,Chuyên viên,0901000006,working'
	echo 'R007,Đỗ Văn Bảy,Nam,1986-01-01,snv-u1,Chuyên viên,0901000007,working'
} >"$T/hr-a.csv"
check "seven employees get accounts" $G hr sync "$T/hr-a.csv"
expect_eq "... 7 accounts" "$(t_count '(objectClass=govmailAccount)')" "7"

# --- an agency code renamed in the export: its rows are rejected ------------
# R003 really left (not in the file); stp became "stp2" in HR's software, so
# the rows of R004-R006 are rejected: they are in the file, and must not be
# taken for absent.
sed -e '/^R003,/d' -e 's/,stp,/,stp2,/' "$T/hr-a.csv" >"$T/hr-b.csv"
check_rc "renamed agency code with --disable-missing: rows rejected (65)" 65 \
	$G hr sync --disable-missing --force "$T/hr-b.csv"
out=$(cat "$T/last.out"); err=$(cat "$T/last.err")
expect_match "the rejected rows are reported" "$err" "hr-b.csv:4: R004: unknown agency 'stp2'"
expect_match "R004 is kept, with its row's line and reason" "$out" \
	"^kept +R004 +\S+@haugiang.gov.vn .*\[not disabled: its row was rejected: unknown agency 'stp2'\] +\(\S*hr-b.csv:4\)"
expect_match "R006 is kept too" "$out" "^kept +R006 .*\(\S*hr-b.csv:6\)"
expect_match "the employee really absent is disabled" "$out" "^disable +R003 "
expect_match "the summary counts them: 1 disable, 3 kept" "$out" "1 disable, 0 missing, 3 kept,"
expect_eq "R004, R005, R006 are still active" "$(status_of R004) $(status_of R005) $(status_of R006)" \
	"active active active"
expect_eq "R003 is disabled" "$(status_of R003)" "disabled"
json=$($G --json hr sync --dry-run --disable-missing "$T/hr-b.csv" 2>/dev/null)
expect_eq "--json: kept in the counts and the actions" "$(printf '%s' "$json" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["counts"]["kept"], sorted(a["employee_id"] for a in j["actions"] if a["action"] == "kept"))')" \
	"3 ['R004', 'R005', 'R006']"
# Without --disable-missing they are not reported as missing either.
out=$($G hr sync --dry-run "$T/hr-b.csv" 2>/dev/null)
if printf '%s' "$out" | grep -qE '^missing +R00[456] '; then
	not_ok "without --disable-missing: rejected rows are kept, not 'missing'"
else ok "without --disable-missing: rejected rows are kept, not 'missing'"; fi
check "the corrected export brings R003 back" $G hr sync "$T/hr-a.csv"

# --- a duplicate employee id where one of the rows was rejected -------------
{
	echo "$H"
	echo 'R001,Nguyễn Văn Một,Nam,1980-01-01,snv,Phó Giám đốc,0901000001,working'
	echo 'R002,Trần Thị Hai,Nữ,1981-01-01,snv,Chuyên viên,0901000002,working'
	echo 'R001,Nguyễn Văn Một,Nam,1980-01-01,snv,Chuyên viên,0901000001,wrking'
	echo 'R003,Lê Văn Ba,Nam,1982-01-01,snv,Chuyên viên,0901000003,working'
	echo 'R004,Phạm Thị Bốn,Nữ,1983-01-01,stp,Chuyên viên,0901000004,working'
	echo 'R005,Hoàng Văn Năm,Nam,1984-01-01,stp,Chuyên viên,0901000005,working'
	echo 'R006,Võ Thị Sáu,Nữ,1985-01-01,stp,Chuyên viên,0901000006,working'
	echo 'R007,Đỗ Văn Bảy,Nam,1986-01-01,snv-u1,Chuyên viên,0901000007,working'
} >"$T/hr-c.csv"
check_rc "duplicate id, one row rejected: exit 65" 65 $G hr sync --disable-missing "$T/hr-c.csv"
out=$(cat "$T/last.out"); err=$(cat "$T/last.err")
expect_match "the bad row is rejected" "$err" "hr-c.csv:4: R001: status 'wrking'"
expect_match "the good row with the same id is skipped too" "$err" \
	"hr-c.csv:2: R001: duplicate employee_id \(also on line 4, rejected\); every row with it is skipped"
expect_eq "... so R001's title is not changed" "$(title_of R001)" "Chuyên viên"
expect_match "... and R001 is kept, not disabled" "$out" "^kept +R001 .*\(\S*hr-c.csv:2\)"
expect_eq "R001 is still active" "$(status_of R001)" "active"

# --- rows naming an agency merged away ----------------------------------------
check "agency merge snv-u1 --into snv" $G agency merge snv-u1 --into snv
check_rc "an export still naming snv-u1: its row is rejected (65)" 65 \
	$G hr sync --disable-missing "$T/hr-a.csv"
out=$(cat "$T/last.out"); err=$(cat "$T/last.err")
expect_match "... saying the agency was merged, and into which" "$err" \
	"hr-a.csv:8: R007: agency snv-u1 was merged into snv"
expect_match "... and R007 is kept, not disabled" "$out" "^kept +R007 .*agency snv-u1 was merged into snv"
expect_eq "R007 is still active" "$(status_of R007)" "active"
sed -i 's/,snv-u1,/,snv,/' "$T/hr-a.csv"
check "the export with the new code is accepted" $G hr sync --disable-missing "$T/hr-a.csv"

# --- absence actions need every row to be attributable -----------------------
before=$(t_dump_accounts)
{
	head -n 7 "$T/hr-a.csv"
	printf 'R007,Đỗ Văn Bảy,Nam,1986-01-01,snv,Chuyên'
} >"$T/torn.csv"
check_rc "a file whose last row is torn: --disable-missing refused (65)" 65 \
	$G hr sync --disable-missing --force "$T/torn.csv"
expect_match "... saying the file looks cut short" "$(cat "$T/last.err")" \
	"torn.csv:8: the file ends in the middle of a row .*cut short.*nothing was changed"
expect_eq "... and nothing was changed" "$(t_dump_accounts)" "$before"
check_rc "the same file without --disable-missing: the rest is applied (65 for the torn row)" 65 \
	$G hr sync "$T/torn.csv"
expect_match "... R007 (its id is whole) kept, not reported missing" "$(cat "$T/last.out")" \
	"^kept +R007 .*its row was rejected: 6 fields, the header has 8"
expect_eq "R007 is still active" "$(status_of R007)" "active"
head -c -1 "$T/hr-a.csv" >"$T/nonl.csv"
check "a complete file without a final newline is fine for --disable-missing" \
	$G hr sync --disable-missing "$T/nonl.csv"
{
	head -n 7 "$T/hr-a.csv"
	echo ',Đỗ Văn Bảy,Nam,1986-01-01,snv,Chuyên viên,0901000007,working'
} >"$T/noid.csv"
check_rc "a rejected row without an employee id: --disable-missing refused (65)" 65 \
	$G hr sync --disable-missing --force "$T/noid.csv"
expect_match "... naming the row" "$(cat "$T/last.err")" \
	"noid.csv: refusing --disable-missing: line 8 was rejected and names no usable employee_id"
expect_eq "... and nothing was changed" "$(t_dump_accounts)" "$before"

# --- the guard's floor: 10 by default ------------------------------------------
# Two retirements out of seven active accounts (29 %, more than 5 %) are
# below the default floor of 10 lock-outs: no --force needed.
sed -e 's/,0901000001,working/,0901000001,retired/' -e 's/,0901000002,working/,0901000002,retired/' \
	"$T/hr-a.csv" >"$T/retire2.csv"
check "two retirements in a small directory pass the default floor (10)" $G hr sync "$T/retire2.csv"
expect_eq "... both suspended" "$(status_of R001) $(status_of R002)" "suspended suspended"
expect_eq "govmailctl config: hr.max_suspend_floor defaults to 10" \
	"$($G config show 2>/dev/null | sed -n 's/^hr.max_suspend_floor *= *\([0-9]*\).*/\1/p')" "10"
