#!/usr/bin/env bash
# Finding accounts (issue 13): account show and account list by employee
# id, by name without accents or case, and by any address or alias; paging;
# the structured result of operations (--json changes, old -> new); the
# audit log carrying alias and forward targets; account reindex for
# accounts made before the folded name existed.
. "$(dirname "$0")/../lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
J() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

check "domain add haugiang.gov.vn" $G domain add haugiang.gov.vn
check "agency load of the sample tree" $G agency load "$DATA/agencies.csv"
check "add Nguyễn Văn An" $G account add --name "Nguyễn Văn An" --agency snv --employee-id E123
check "add a second Nguyễn Văn An" $G account add --name "Nguyễn Văn An" --agency stp --employee-id E124
check "add Nguyễn Văn Anh" $G account add --name "Nguyễn Văn Anh" --agency snv --employee-id E125
check "add Đặng Thị Ánh Tuyết" $G account add --name "Đặng Thị Ánh Tuyết" --agency snv --employee-id E200

# The folded name is stored with the account.
folded=$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" "(uid=tuyetdta)" govmailFoldedName | sed -n 's/^govmailFoldedName: //p')
expect_eq "the folded name is stored at creation" "$folded" "dang thi anh tuyet"

# By name, accents and case ignored, whole words in order.
out=$($G account list --name "nguyen van an")
expect_eq "list --name 'nguyen van an' finds both An, not Anh" \
	"$(printf '%s\n' "$out" | cut -f1 | sort | paste -sd ' ')" "annv2@haugiang.gov.vn annv@haugiang.gov.vn"
out=$($G account list --name "NGUYỄN anh")
expect_eq "list --name with accents and capitals: words in order" "$(printf '%s\n' "$out" | cut -f1)" "anhnv@haugiang.gov.vn"
out=$($G account list --name "dang tuyet")
expect_match "đ is searched as d, middle words may be left out" "$out" "^tuyetdta@haugiang.gov.vn"
expect_eq "a name nobody has lists nothing" "$($G account list --name "tran van b")" ""
check_rc "a name without letters is refused (65)" 65 $G account list --name "***"
# Filter syntax in a name is a value.
expect_eq "filter syntax in --name matches nothing" "$($G account list --name 'an)(uid=*')" ""

# By employee id and by address or alias.
expect_eq "list --employee-id E124" "$($G account list --employee-id E124 | cut -f1)" "annv2@haugiang.gov.vn"
expect_eq "show by employee id" "$($G --json account show E123 | J 'd["address"]')" "annv@haugiang.gov.vn"
expect_eq "show by a unique name without accents" "$($G --json account show "dang thi anh tuyet" | J 'd["address"]')" "tuyetdta@haugiang.gov.vn"
check_rc "show by a name two accounts share is refused (65)" 65 $G account show "nguyen van an"
expect_match "... and says how to list them" "$(cat "$T/last.err")" "2 accounts are named"
check "alias add" $G alias add annv@haugiang.gov.vn an.nv@haugiang.gov.vn
expect_eq "show by alias" "$($G --json account show an.nv@haugiang.gov.vn | J 'd["uid"]')" "annv"
expect_eq "list --address by alias" "$($G account list --address AN.NV@haugiang.gov.vn | cut -f1)" "annv@haugiang.gov.vn"
check_rc "show of an unknown employee id: 67" 67 $G account show E999

# Paging in directory order.
all=$($G account list | cut -f1)
expect_eq "--limit 2 gives the first two" "$($G account list --limit 2 | cut -f1)" "$(printf '%s\n' "$all" | head -2)"
expect_eq "--offset 2 --limit 1 gives the third" "$($G account list --offset 2 --limit 1 | cut -f1)" "$(printf '%s\n' "$all" | sed -n 3p)"
expect_eq "--json with --limit is an array of that many" "$($G --json account list --limit 3 | J 'len(d)')" "3"
check_rc "a bad --limit is a usage error (64)" 64 $G account list --limit x

# Structured results: what changed, old -> new.
out=$($G --json account modify annv@haugiang.gov.vn --title "Chuyên viên" --name "Nguyễn Văn Ân")
expect_eq "modify --json lists the changed fields" "$(printf '%s' "$out" | J '",".join(c["field"] for c in d["changes"])')" "name,title"
expect_eq "... with old and new values" "$(printf '%s' "$out" | J '[c for c in d["changes"] if c["field"]=="name"][0]["old"] + " -> " + [c for c in d["changes"] if c["field"]=="name"][0]["new"]')" "Nguyễn Văn An -> Nguyễn Văn Ân"
expect_eq "the new name is found folded" "$($G account list --name "nguyen van an" | cut -f1 | sort | paste -sd ' ')" "annv2@haugiang.gov.vn annv@haugiang.gov.vn"
out=$($G account suspend annv2@haugiang.gov.vn --reason "nghỉ phép")
expect_match "text output shows status old -> new" "$out" "status: active -> suspended"
out=$($G --json account modify annv2@haugiang.gov.vn --title "Chuyên viên" ; $G --json account modify annv2@haugiang.gov.vn --title "Chuyên viên")
expect_match "a modify that changes nothing says changed: false" "$out" '"changed": false'

# Audit values: alias and forward targets are traceable.
check "forward set to an external mailbox" $G forward set annv@haugiang.gov.vn an.personal@gmail.com
check "alias remove" $G alias remove annv@haugiang.gov.vn an.nv@haugiang.gov.vn
check "forward clear" $G forward clear annv@haugiang.gov.vn
A="$T/audit.log"
audit_has() {
	python3 - "$A" "$@" <<'PY'
import json, sys
path, op, field, old, new = sys.argv[1:6]
norm = lambda v: None if v == "-" else v
for line in open(path):
    r = json.loads(line)
    if r["op"] != op:
        continue
    for c in r.get("changes", []):
        if c["field"] == field and c["old"] == norm(old) and c["new"] == norm(new):
            sys.exit(0)
sys.exit(1)
PY
}
check "audit: account.add records the new account's values" audit_has account.add employee_id - E200
check "audit: alias.add records the alias" audit_has alias.add alias - an.nv@haugiang.gov.vn
check "audit: forward.set records the external target" audit_has forward.set forwards - an.personal@gmail.com
check "audit: forward.clear records what was forwarded" audit_has forward.clear forwards an.personal@gmail.com -
check "audit: alias.remove records the alias" audit_has alias.remove alias an.nv@haugiang.gov.vn -
check "audit: account.suspend records status old and new" audit_has account.suspend status active suspended
check "audit: account.modify records the old title" audit_has account.modify title - "Chuyên viên"
# A domain migration's account changes carry values too: the old address
# it keeps as an alias is traceable.
check "domain add cantho.gov.vn" $G domain add cantho.gov.vn
check "domain migrate of agency stp" $G domain migrate haugiang.gov.vn cantho.gov.vn --agency stp
check "audit: domain.migrate records the new address" audit_has domain.migrate address annv2@haugiang.gov.vn annv2@cantho.gov.vn
check "audit: domain.migrate records the old address kept as an alias" audit_has domain.migrate alias - annv2@haugiang.gov.vn
if python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$A"; then
	ok "every audit line is JSON"; else not_ok "every audit line is JSON"; fi

# Accounts made before the folded name existed: reindex fills it in.
ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >/dev/null <<LDIF
dn: uid=anhnv,ou=accounts,$LDAP_BASE
changetype: modify
delete: govmailFoldedName
-
delete: objectClass
objectClass: govmailPersonSearch
LDIF
expect_eq "an account without the folded name is not found by name" "$($G account list --name "nguyen van anh")" ""
out=$($G account reindex)
expect_match "reindex updates that one account" "$out" "^4 accounts, 1 updated, 0 failed"
expect_eq "... which is found by name again" "$($G account list --name "nguyen van anh" | cut -f1)" "anhnv@haugiang.gov.vn"
expect_match "a second reindex has nothing to do" "$($G account reindex)" "0 updated"
check "audit: reindex records the folded name" audit_has account.reindex folded_name - "nguyen van anh"


# HR sync goes through the same model: its updates and status changes are
# audited with their values too.
{
	printf 'employee_id,full_name,gender,birth_date,agency_code,position,phone,status\n'
	printf 'E200,Đặng Thị Ánh Tuyết,Nữ,1980-01-01,snv,Trưởng phòng,0901000200,working\n'
	printf 'E125,Nguyễn Văn Anh,Nam,1980-01-01,snv,,,retired\n'
} >"$T/hr.csv"
check "hr sync of two rows" $G hr sync "$T/hr.csv" --passwords-out "$T/passwords.csv"
check "audit: hr.update records the new title" audit_has hr.update title - "Trưởng phòng"
check "audit: hr.suspend records the status change" audit_has hr.suspend status active suspended
