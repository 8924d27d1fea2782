#!/usr/bin/env bash
# test_console_import.sh — the web console's HR import in a real browser
# (headless chromium, tests/browser/test_import.py on harness.py) against
# govmail-apid serving the repository's console/ on the sandbox slapd: an
# HR officer of snv uploads a small export (three new people, a row of
# another department, a retired person without an account); the dry-run
# plan shows the counts, the rejected row with its line number and reason
# and the guard's verdict; applying it (after the confirmation) is
# followed to the end by the progress bar; the initial-passwords file is
# downloaded by the browser once (a second download is refused with 410
# and the page says so). Then, outside the browser: the directory has the
# three accounts (ldapsearch) and not the rejected one, every password of
# the downloaded file binds, and the audit log has the creations with the
# officer as actor. A second export retiring one of them is refused by the
# mass lock-out guard until the officer overrides it (the account is then
# suspended), and no second job may start on the subtree meanwhile; a
# change of the directory between its plan and its apply (a title) makes
# the apply refused as stale, and the plan made again is applied.
# Last, a province-admin's dry run of the whole sample export (10,300
# rows, and 60 rejected ones) is shown a page of 100 actions (50 rejected
# rows) at a time, and discarded.
# Screenshots: console-import-plan, -done, -guard, -large.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

browser_require
t_sandbox_start
# the guard (hr.max_suspend_percent = 5) with no floor: suspending 1 of 3 is refused
t_govmail_conf 'hr = { max_suspend_floor = 0; };'
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh" --level province
check "agency add snv" $G agency add snv --name "Sở Nội vụ" --level department --parent ubnd
check "agency add snv-tccb" $G agency add snv-tccb --name "Phòng Tổ chức cán bộ" --level unit --parent snv
check "agency add stp" $G agency add stp --name "Sở Tư pháp" --level department --parent ubnd
check "account add Quân (hr of snv)" $G account add --name "Đỗ Minh Quân" --agency snv --generate-password
QUAN_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant quandm hr of snv" $G role grant quandm@haugiang.gov.vn --role hr --agency snv

# The export of snv's personnel software: line 5 is a person of stp (outside
# the subtree: rejected), line 6 a retired person who has no account.
cat >"$T/export.csv" <<'CSV'
employee_id,full_name,gender,birth_date,agency_code,position,phone,status
HG300001,Nguyễn Thị Hoa,Nữ,1985-02-03,snv,Chuyên viên,0901000001,working
HG300002,Trần Văn Bảo,Nam,1979-07-21,snv-tccb,Trưởng phòng,0901000002,working
HG300003,Lê Thị Cúc,Nữ,1990-11-30,snv,Cán sự,0901000003,working
HG300004,Phạm Văn Dũng,Nam,1988-01-01,stp,Chuyên viên,0901000004,working
HG300005,Võ Thị Én,Nữ,1992-05-05,snv,Chuyên viên,0901000005,retired
CSV
# ... and later: Hoa retired (a suspension: 1 of 3 active accounts)
sed 's/^\(HG300001,.*\),working$/\1,retired/' "$T/export.csv" >"$T/export2.csv"
check "the second export retires Hoa" grep -q '^HG300001,.*,retired$' "$T/export2.csv"

apid_tls
browser_apid_conf "$T/govmail.conf" "hr_job_dir = \"$T/hrjobs\";"
apid_start

mkdir -p "$T/downloads"
GOVMAIL_USER=quandm@haugiang.gov.vn GOVMAIL_PASSWORD=$QUAN_PW \
	GOVMAIL_EXPORT=$T/export.csv GOVMAIL_DOWNLOADS=$T/downloads \
	GOVMAIL_REJECTED="5 HG300004" GOVMAIL_CREATES="HG300001 HG300002 HG300003" \
	browser_run test_import.py

# --- the directory and the audit log, seen without the browser ---------------
for id in HG300001 HG300002 HG300003; do
	expect_eq "$id: an active account in the directory" \
		"$(t_count "(&(employeeNumber=$id)(govmailAccountStatus=active))")" 1
done
expect_eq "HG300004 (the rejected row): no account" "$(t_count '(employeeNumber=HG300004)')" 0
expect_eq "HG300005 (retired, no account): none made" "$(t_count '(employeeNumber=HG300005)')" 0
expect_eq "Bảo is in snv-tccb" \
	"$(t_ldapsearch -b "$LDAP_BASE" '(employeeNumber=HG300002)' govmailAgency | sed -n 's/^govmailAgency: //p')" \
	snv-tccb
PWF=$(ls "$T/downloads"/*.csv 2>/dev/null | head -n 1)
check "the browser saved the initial-passwords file" test -s "$PWF"
expect_eq "... one line per account made" "$(cut -d, -f1 "$PWF" | sort | tr '\n' ' ')" \
	"HG300001 HG300002 HG300003 "
expect_eq "... every password in it binds as its account" "$(t_bind_passwords "$PWF")" 0
check "the job's files were kept in apid.hr_job_dir" test -d "$T/hrjobs"
expect_eq "... and the passwords file is gone from there (downloaded once)" \
	"$(find "$T/hrjobs" -name '*.passwords' | wc -l)" 0
expect_eq "the audit log: three hr.create by the officer, from the console's job" \
	"$(grep -c '"actor":"quandm@haugiang.gov.vn","op":"hr.create".*"source":"api 127.0.0.1 job [0-9a-f]*:[234]"' "$T/audit.log")" 3

# --- the second export: the guard, overridden -----------------------------------
GOVMAIL_USER=quandm@haugiang.gov.vn GOVMAIL_PASSWORD=$QUAN_PW \
	GOVMAIL_EXPORT2=$T/export2.csv GOVMAILCTL=$G browser_run test_import.py guard
expect_eq "HG300001 (retired in the second export, guard overridden): suspended" \
	"$(t_count '(&(employeeNumber=HG300001)(govmailAccountStatus=suspended))')" 1
expect_eq "HG300002: the title changed meanwhile is the export's again (the plan made anew)" \
	"$(t_ldapsearch -b "$LDAP_BASE" '(employeeNumber=HG300002)' title | sed -n 's/^title:: //p' | base64 -d)" \
	"Trưởng phòng"
expect_eq "... audited as hr.suspend by the officer" \
	"$(grep -c '"actor":"quandm@haugiang.gov.vn","op":"hr.suspend","target":"hoant@haugiang.gov.vn"' "$T/audit.log")" 1

# --- the whole province's export, planned by a province-admin -------------------
check "agency load (the sample's 707 agencies)" $G agency load "$DATA/agencies.csv"
check "account add Tỉnh (province-admin)" $G account add --name "Phan Văn Tỉnh" --agency ubnd --generate-password
TINH_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant tinhpv province-admin" $G role grant tinhpv@haugiang.gov.vn --role province-admin
# the sample plus 60 rows of an agency that does not exist (lines 10302-10361)
{ cat "$DATA/hr-export.csv"
  for i in $(seq 10 69); do echo "HG9990$i,Người Thử $i,Nam,1990-01-01,khong-co,Cán sự,0,working"; done
} >"$T/large.csv"
GOVMAIL_USER=tinhpv@haugiang.gov.vn GOVMAIL_PASSWORD=$TINH_PW \
	GOVMAIL_EXPORT=$T/large.csv GOVMAIL_REJECTED="60 10302" browser_run test_import.py large
expect_eq "the dry run changed nothing: the 3 accounts with an employee id of before" \
	"$(t_count '(employeeNumber=*)')" 3

t_kill -TERM "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly" "$?" 0
echo "1..$T_N"
