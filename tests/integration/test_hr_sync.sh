#!/usr/bin/env bash
# govmailctl hr sync against a real slapd: messy exports, rejected rows
# with line numbers, idempotence, status transitions, the mass lock-out
# guard, JSON lines, initial passwords, audit. kill -9 convergence with the
# whole sample: test_hr_sync_kill.sh.
. "$(dirname "$0")/../lib.sh"

t_sandbox_start
# A small directory: one retirement is more than 5 %, so allow a few.
t_govmail_conf 'hr = { passwords_file = "'"$T"'/passwords.csv"; max_suspend_floor = 3; };'
G=$GOVMAILCTL
check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"


# --- a messy export ---------------------------------------------------------
nfd_name=$(printf 'Nguye\xcc\x82\xcc\x83n Va\xcc\x86n An')
{
	printf '\xef\xbb\xbfemployee_id,full_name,gender,birth_date,agency_code,position,phone,status\r\n'
	printf 'E001,Nguyễn Văn An,Nam,1980-01-01,snv,Chuyên viên,0901000001,working\r\n'
	printf 'E002,"  TRẦN   thị   ngọc hân ",Nữ,1985-02-02,stp,"Trưởng phòng, Phòng Tổ chức",0901000002,working\r\n'
	printf '\r\n'
	printf 'E003,%s,Nam,1970-03-03,snv,"Chuyên viên ""chính""",0901000003,on_leave\r\n' "$nfd_name"
	printf 'E004,"Lê Thị\nHoa",Nữ,1990-04-04,snv,Cán sự,0901000004,working\r\n'
	printf ',Thiếu Mã,Nam,1990-01-01,snv,Cán sự,0,working\r\n'
	printf 'E005,Phạm Văn Bình,Nam,1990-01-01,khong-co,Cán sự,0,working\r\n'
	printf 'E006,Võ Thị Mai,Nữ,1990-01-01,snv,Cán sự,0,working\r\n'
	printf 'E006,Võ Thị Mai Hai,Nữ,1990-01-01,snv,Cán sự,0,working\r\n'
	printf 'E007,L\xea V\xe3n T\xe1m,Nam,1990-01-01,snv,Cán sự,0,working\r\n'
	printf 'E008,Đỗ Văn Hùng,Nam,1990-01-01,snv\r\n'
	printf 'E009,Đặng Văn Hải,Nam,1960-01-01,snv,Chuyên viên,0901000009,retired\r\n'
} >"$T/hr1.csv"

check_rc "messy export: good rows applied, bad rows reported (exit 65)" 65 $G hr sync "$T/hr1.csv"
out=$(cat "$T/last.out"); err=$(cat "$T/last.err")
expect_match "E001 gets annv" "$out" "create +E001 +annv@haugiang.gov.vn"
expect_match "capitals and extra spaces: E002 gets hanttn, name normalised" "$out" "create +E002 +hanttn@haugiang.gov.vn +Trần Thị Ngọc Hân"
expect_match "NFD name E003 folds like the clean form (annv2), on_leave gets an account" "$out" "create +E003 +annv2@haugiang.gov.vn"
expect_match "missing employee id rejected with its line" "$err" "hr1.csv:8: missing employee_id"
expect_match "unknown agency rejected with its line" "$err" "hr1.csv:9: E005: unknown agency 'khong-co'"
expect_match "duplicate employee id rejected (first row)" "$err" "hr1.csv:10: E006: duplicate employee_id"
expect_match "duplicate employee id rejected (second row)" "$err" "hr1.csv:11: E006: duplicate employee_id"
expect_match "invalid UTF-8 rejected, legacy encodings named" "$err" "hr1.csv:12: .*not valid UTF-8.*TCVN3/VNI"
expect_match "wrong number of fields rejected" "$err" "hr1.csv:13: 5 fields, the header has 8"
expect_match "a newline inside a quoted name is a control character" "$err" "hr1.csv:6: E004: name contains a control character"
expect_match "retired with no account: nothing created" "$out" "1 no-account"
expect_eq "3 accounts exist" "$(t_count '(objectClass=govmailAccount)')" "3"
title=$($G --json account show hanttn@haugiang.gov.vn | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])')
expect_eq "quoted field with a comma kept whole" "$title" "Trưởng phòng, Phòng Tổ chức"
expect_eq "initial passwords file is mode 600" "$(stat -c %a "$T/passwords.csv")" "600"
pw=$(grep '^E001,' "$T/passwords.csv" | cut -d, -f3)
DN=$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" "(employeeNumber=E001)" dn | sed -n 's/^dn: //p')
check "the initial password from the file binds" ldapwhoami -x -H "$LDAP_URI" -D "$DN" -w "$pw"
expect_match "must change password at first login" "$($G --json account show annv@haugiang.gov.vn)" '"must_change_password": true'
expect_match "audit names the HR file and row" "$(cat "$T/audit.log")" '"op":"hr.create".*"source":"[^"]*hr1.csv:2"'
if grep -qF -- "$pw" "$T/audit.log"; then not_ok "no password in the audit log"; else ok "no password in the audit log"; fi

# --- idempotence ------------------------------------------------------------
before=$(t_dump_accounts)
out=$($G hr sync "$T/hr1.csv" 2>/dev/null)
expect_match "re-running the same file writes nothing" "$out" "writes: 0, failed: 0"
expect_eq "... and the directory is unchanged" "$(t_dump_accounts)" "$before"

# --- changes, transitions, dry run -------------------------------------------
{
	echo 'employee_id,full_name,gender,birth_date,agency_code,position,phone,status'
	echo 'E001,Nguyễn Văn An,Nam,1980-01-01,stp,Phó Trưởng phòng,0901000001,working'
	echo 'E002,Trần Thị Ngọc Hân,Nữ,1985-02-02,stp,"Trưởng phòng, Phòng Tổ chức",0909999999,retired'
	echo 'E003,Nguyễn Văn An,Nam,1970-03-03,snv,"Chuyên viên ""chính""",0901000003,working'
} >"$T/hr2.csv"
before=$(t_dump_accounts)
out=$($G hr sync --dry-run "$T/hr2.csv")
expect_match "dry run shows the update" "$out" "update +E001 +annv@haugiang.gov.vn.*title.*agency"
expect_match "dry run shows the suspension" "$out" "suspend +E002"
expect_match "dry run says nothing was changed" "$out" "dry run: nothing was changed"
expect_eq "dry run changed nothing" "$(t_dump_accounts)" "$before"
check "sync of the changes" $G hr sync "$T/hr2.csv"
a=$($G --json account show E001 2>/dev/null || $G --json account show annv@haugiang.gov.vn)
expect_eq "agency move keeps the address, title updated" \
	"$(printf '%s' "$a" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["address"], a["agency"], a["title"])')" \
	"annv@haugiang.gov.vn stp Phó Trưởng phòng"
expect_match "retired employee is suspended" "$($G account show hanttn@haugiang.gov.vn)" "status: +suspended"
DN2=$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" "(employeeNumber=E002)" dn | sed -n 's/^dn: //p')
printf '%s\n' 'Một-mật-khẩu-dài-2026' | $G account passwd hanttn@haugiang.gov.vn >/dev/null
check_rc "suspended by HR: cannot bind" 49 ldapwhoami -x -H "$LDAP_URI" -D "$DN2" -w 'Một-mật-khẩu-dài-2026'
sed -i 's/0909999999,retired/0909999999,working/' "$T/hr2.csv"
out=$($G hr sync "$T/hr2.csv")
expect_match "employee back at work is resumed, not re-created" "$out" "resume +E002 +hanttn@haugiang.gov.vn"
check "resumed account binds" ldapwhoami -x -H "$LDAP_URI" -D "$DN2" -w 'Một-mật-khẩu-dài-2026'
check "an administrator suspends E003" $G account suspend annv2@haugiang.gov.vn --reason "kỷ luật"
out=$($G hr sync "$T/hr2.csv")
expect_match "an administrator's suspension is not undone by the export" "$($G account show annv2@haugiang.gov.vn)" "status: +suspended"

# --- JSON lines ---------------------------------------------------------------
cat >"$T/hr3.jsonl" <<'JL'
{"employee_id": "J001", "full_name": "Huỳnh Thị \u0110ào", "agency_code": "snv", "position": "Văn thư", "phone": "0900", "status": "working"}

{"employee_id": "J002", "full_name": "Bùi Quang Dũng", "agency_code": "stp", "position": null, "phone": 901234567, "status": "working"}
{"employee_id": "J003", "full_name": "broken
JL
check_rc "JSON lines: good lines applied, the broken one rejected (65)" 65 $G hr sync "$T/hr3.jsonl"
expect_match "JSON \\u escapes decoded" "$(cat "$T/last.out")" "create +J001 +daoht@haugiang.gov.vn +Huỳnh Thị Đào"
expect_match "JSON line error has its line number" "$(cat "$T/last.err")" "hr3.jsonl:4: malformed JSON string"

# --- employee ids compare case-insensitively, like LDAP ----------------------
printf 'employee_id,full_name,agency_code,position,phone,status\ne001,Nguyễn Văn An,stp,Phó Trưởng phòng,0901000001,working\n' >"$T/hr-case.csv"
out=$($G hr sync "$T/hr-case.csv" 2>&1)
expect_match "a lower-case id is the same employee (no create)" "$out" "0 create.*1 unchanged"

# --- files that cannot be used as a whole ------------------------------------
before=$(t_dump_accounts)
printf 'id,name,agency\nE001,Nguyễn Văn An,stp\n' >"$T/badheader.csv"
check_rc "a file without the required columns is refused (65)" 65 $G hr sync --disable-missing --force "$T/badheader.csv"
expect_match "... naming the missing column" "$(cat "$T/last.err")" "badheader.csv:1: header has no 'employee_id' column"
: >"$T/empty.csv"
check_rc "an empty file is refused (65)" 65 $G hr sync --disable-missing --force "$T/empty.csv"
printf 'employee_id,full_name,agency_code,status\nE001,"Nguyễn Văn An,stp,working\nE002,Trần Thị Ngọc Hân,stp,working\n' >"$T/quote.csv"
check_rc "an unterminated quote is refused (65)" 65 $G hr sync --disable-missing --force "$T/quote.csv"
expect_match "... with the line it starts on" "$(cat "$T/last.err")" "quote.csv:2: unterminated quoted field"
expect_eq "refused files changed nothing" "$(t_dump_accounts)" "$before"

# --- an agency whose own domain is not governed ------------------------------
check "agency with its own, ungoverned, domain" ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" <<LDIF
dn: govmailAgencyCode=sgtvt,ou=agencies,$LDAP_BASE
changetype: modify
replace: govmailMailDomain
govmailMailDomain: gtvt.example.vn
LDIF
printf 'employee_id,full_name,agency_code,status\nD001,Lý Văn Đạt,sgtvt,working\n' >"$T/hr4.csv"
check_rc "a row whose domain is not governed fails (65)" 65 $G hr sync "$T/hr4.csv"
expect_match "... and says why" "$(cat "$T/last.out")" "FAILED: domain gtvt.example.vn is not an active governed domain"
expect_eq "... and creates nothing" "$(t_count '(employeeNumber=D001)')" "0"
ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >/dev/null <<LDIF
dn: govmailAgencyCode=sgtvt,ou=agencies,$LDAP_BASE
changetype: modify
delete: govmailMailDomain
LDIF

# --- the mass lock-out guard --------------------------------------------------
head -1 "$T/hr2.csv" >"$T/truncated.csv"
t_govmail_conf 'hr = { passwords_file = "'"$T"'/passwords.csv"; max_suspend_floor = 0; };'
check_rc "truncated export with --disable-missing is refused (65)" 65 $G hr sync --disable-missing "$T/truncated.csv"
expect_match "refusal explains the guard" "$(cat "$T/last.err")" "max_suspend_percent"
expect_match "nobody was disabled" "$($G account list --status disabled | wc -l)" "^0$"
check "--force overrides the guard" $G hr sync --disable-missing --force "$T/truncated.csv"
expect_eq "every active HR-managed account is now disabled (4)" "$($G account list --status disabled | wc -l)" "4"
out=$($G hr sync "$T/hr2.csv")
expect_match "an employee disabled as absent comes back: resumed" "$out" "resume +E001 +annv@haugiang.gov.vn"

# --- LDAP down ----------------------------------------------------------------
closed_port
sed "s|$LDAP_URI|ldap://127.0.0.1:$CLOSED_PORT|" "$GOVMAIL_CONF" >"$T/down.conf"
check_rc "LDAP down: exit 69" 69 $G -c "$T/down.conf" hr sync "$T/hr2.csv"
