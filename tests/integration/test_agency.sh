#!/usr/bin/env bash
# Domains and agencies through govmailctl against a real sandbox slapd:
# domain add/list/remove and what blocks a removal, agency validation (exit
# codes, nothing created), the CSV load of the sample tree (idempotent,
# updates, bad rows, any row order, dry run), the tree view, JSON output,
# UTF-8 round trips, removal rules, cycle and depth protection, the audit
# trail, and configuration/LDAP failures.
. "$(dirname "$0")/../lib.sh"

t_sandbox_start
# The configuration the task describes (t_govmail_conf writes the same keys).
cat >"$T/govmail.conf" <<CONF
ldap = { uri = "$LDAP_URI"; bind_dn = "$LDAP_CTL_DN"; bind_password_file = "$LDAP_CTL_PWFILE"; base_dn = "o=govmail"; };
audit = { log_file = "$T/audit.log"; };
addresses = { default_domain = "haugiang.gov.vn"; };
CONF
export GOVMAIL_CONF="$T/govmail.conf"
G=$GOVMAILCTL
CSV=$DATA/agencies.csv
AGENCIES="ou=agencies,$LDAP_BASE"

# Successful changes made so far; the audit log must have one line each.
AUDITS=0
changed() { AUDITS=$((AUDITS + ${1:-1})); }

n_agencies() { t_count "(objectClass=govmailAgency)"; }
# attr_of DN ATTR: the value of a single-valued attribute (base64 decoded).
attr_of() {
	t_ldapsearch -b "$1" -s base "$2" | awk -v a="$2" '
		tolower($1) == tolower(a) ":"  { sub(/^[^:]*: /, ""); print; exit }
		tolower($1) == tolower(a) "::" { sub(/^[^:]*:: /, ""); print | "base64 -d"; exit }'
}
json_ok() { python3 -m json.tool >/dev/null 2>&1; }

# ---- domains ------------------------------------------------------------
check "domain add haugiang.gov.vn" $G domain add haugiang.gov.vn --description "Tỉnh Hậu Giang"
changed
check "domain add is case-insensitive (Cantho.GOV.vn)" $G domain add Cantho.GOV.vn
changed
expect_eq "domain stored in lower case" \
	"$(attr_of "govmailDomainName=cantho.gov.vn,ou=domains,$LDAP_BASE" govmailDomainStatus)" "active"
check_rc "adding a domain twice is refused (65)" 65 $G domain add haugiang.gov.vn
expect_match "duplicate domain message" "$(cat "$T/last.err")" "already exists"
check_rc "an invalid domain is refused (65)" 65 $G domain add 'bad domain.vn'
check_rc "domain add without DOMAIN is a usage error (64)" 64 $G domain add
out=$($G domain list)
expect_match "domain list shows haugiang.gov.vn" "$out" "^haugiang\.gov\.vn +active +Tỉnh Hậu Giang"
expect_match "domain list shows cantho.gov.vn" "$out" "cantho\.gov\.vn +active"
check "domain list --json parses" bash -c "$G --json domain list | python3 -m json.tool"
expect_eq "domain list --json has both domains" \
	"$($G --json domain list | python3 -c 'import json,sys; print(" ".join(d["domain"] for d in json.load(sys.stdin)))')" \
	"cantho.gov.vn haugiang.gov.vn"
check "domain remove of an unused domain" $G domain remove cantho.gov.vn
changed
expect_eq "removed domain is gone" "$(t_count "(govmailDomainName=cantho.gov.vn)")" "0"
check_rc "removing an unknown domain is refused (65)" 65 $G domain remove cantho.gov.vn

# ---- agency add: bad input creates nothing -------------------------------
check_rc "bad agency code is refused (65)" 65 $G agency add 'Sở*' --name "Sở" --level department
expect_match "bad code message" "$(cat "$T/last.err")" "a-z, 0-9"
check_rc "over-long agency code is refused (65)" 65 $G agency add "$(printf 'a%.0s' $(seq 65))" --name X --level unit
check_rc "bad level is refused (65)" 65 $G agency add snv --name "Sở Nội vụ" --level ministry
expect_match "bad level message lists the levels" "$(cat "$T/last.err")" "province, department"
check_rc "unknown parent is refused (67)" 67 $G agency add snv --name "Sở Nội vụ" --level department --parent nope
expect_match "unknown parent message" "$(cat "$T/last.err")" "unknown parent agency 'nope'"
check_rc "control character in the name is refused (65)" 65 $G agency add snv --name "$(printf 'Sở\tNội vụ')" --level department
expect_match "control character message" "$(cat "$T/last.err")" "control character"
check_rc "non-UTF-8 name is refused (65)" 65 $G agency add snv --name "$(printf 'S\xf6 N\xe9i')" --level department
expect_match "non-UTF-8 message" "$(cat "$T/last.err")" "UTF-8"
check_rc "257-character name is refused (65)" 65 $G agency add snv --name "$(printf 'ệ%.0s' $(seq 257))" --level department
check_rc "empty name is refused (65)" 65 $G agency add snv --name "" --level department
check_rc "ungoverned domain is refused (65)" 65 $G agency add snv --name "Sở Nội vụ" --level department --domain example.com
check_rc "missing --level is a usage error (64)" 64 $G agency add snv --name "Sở Nội vụ"
check_rc "unknown option is a usage error (64)" 64 $G agency add snv --name X --level unit --colour red
check "agency add --help exits 0" $G agency add --help
expect_eq "bad input created no agency" "$(n_agencies)" "0"

# ---- agency load of the sample tree --------------------------------------
out=$($G agency load "$CSV" 2>"$T/load.err"); rc=$?
expect_eq "first load exits 0" "$rc" "0"
expect_match "first load summary" "$out" "^agencies: 707 created, 0 updated, 0 unchanged, 0 rejected$"
expect_eq "707 agencies in the directory" "$(n_agencies)" "707"
changed 707
out=$($G agency load "$CSV" 2>&1); rc=$?
expect_eq "second load exits 0" "$rc" "0"
expect_match "second load changes nothing" "$out" "agencies: 0 created, 0 updated, 707 unchanged, 0 rejected"
expect_eq "still 707 agencies" "$(n_agencies)" "707"
expect_eq "loaded parent is stored" "$(attr_of "govmailAgencyCode=snv-u1,$AGENCIES" govmailParentAgency)" "snv"
expect_eq "loaded status is active" "$(attr_of "govmailAgencyCode=snv-u1,$AGENCIES" govmailAgencyStatus)" "active"

# A changed name is an update, and only that.
sed 's/^snv,Sở Nội vụ,/snv,Sở Nội vụ tỉnh Hậu Giang,/' "$CSV" >"$T/renamed.csv"
out=$($G agency load "$T/renamed.csv" 2>&1); rc=$?
expect_eq "load with a changed name exits 0" "$rc" "0"
expect_match "changed name is one update" "$out" "agencies: 0 created, 1 updated, 706 unchanged, 0 rejected"
expect_match "the update names the attribute" "$out" "updated snv: govmailAgencyName"
changed
expect_eq "new name stored" "$(attr_of "govmailAgencyCode=snv,$AGENCIES" govmailAgencyName)" "Sở Nội vụ tỉnh Hậu Giang"

# Dry run: says what it would do, changes nothing.
{ cat "$CSV"; echo "dry-one,Phòng thử nghiệm,unit,snv"; } >"$T/dry.csv"
out=$($G agency load --dry-run "$T/dry.csv" 2>&1); rc=$?
expect_eq "dry run exits 0" "$rc" "0"
expect_match "dry run names the creation" "$out" "would create dry-one"
expect_match "dry run names the update back to the old name" "$out" "would update snv: govmailAgencyName"
expect_match "dry run summary" "$out" "agencies: 1 created, 1 updated, 706 unchanged, 0 rejected \(dry run"
expect_eq "dry run created nothing" "$(t_count "(govmailAgencyCode=dry-one)")" "0"
expect_eq "dry run changed nothing" "$(attr_of "govmailAgencyCode=snv,$AGENCIES" govmailAgencyName)" "Sở Nội vụ tỉnh Hậu Giang"

# Rows in any order and any column order, extra columns ignored; bad rows
# are reported as FILE:LINE and the good ones applied.
cat >"$T/mixed.csv" <<'CSV'
parent_code,level,code,note,name
new-dept,unit,new-unit,x,Đơn vị mới - Phòng mới
ubndt,department,new-dept,y,Phòng mới
ubndt,ministry,bad-level,z,Sai cấp
nope,unit,orphan,,Không có cha
ubndt,unit,Bad Code!,,Mã sai
new-dept,unit,new-unit,,Trùng mã
new-unit,unit,new-dept,,Vòng lặp
ubndt,unit,ok-too,,Đơn vị hợp lệ
CSV
out=$($G agency load "$T/mixed.csv" 2>"$T/mixed.err"); rc=$?
err=$(cat "$T/mixed.err")
expect_eq "load with bad rows exits 65" "$rc" "65"
expect_match "bad level reported with file and line" "$err" "mixed\.csv:4: .*level"
expect_match "unknown parent reported with file and line" "$err" "mixed\.csv:5: orphan: unknown parent agency 'nope'"
expect_match "bad code reported with file and line" "$err" "mixed\.csv:6: .*a-z"
expect_match "duplicate code reported with file and line" "$err" "mixed\.csv:7: new-unit: duplicate code \(first on line 2\)"
expect_match "second row for a code reported as duplicate" "$err" "mixed\.csv:8: new-dept: duplicate code"
expect_match "mixed load summary" "$out" "agencies: 3 created, 0 updated, 0 unchanged, 5 rejected"
changed 3
expect_eq "child listed before its parent was created under it" \
	"$(attr_of "govmailAgencyCode=new-unit,$AGENCIES" govmailParentAgency)" "new-dept"
expect_eq "good row after bad ones applied" "$(t_count "(govmailAgencyCode=ok-too)")" "1"
expect_eq "rejected rows created nothing" "$(t_count "(|(govmailAgencyCode=orphan)(govmailAgencyCode=bad-level))")" "0"

# A change of parent that would make a cycle is rejected.
printf 'code,name,level,parent_code\nnew-dept,Phòng mới,department,new-unit\n' >"$T/cycle.csv"
check_rc "load making a cycle exits 65" 65 $G agency load "$T/cycle.csv"
expect_match "cycle reported with file and line" "$(cat "$T/last.err")" "cycle\.csv:2: new-dept: .*cycle"
expect_eq "cycle row left the parent alone" "$(attr_of "govmailAgencyCode=new-dept,$AGENCIES" govmailParentAgency)" "ubndt"
printf 'name,level\nX,unit\n' >"$T/nohdr.csv"
check_rc "a file without the required columns exits 65" 65 $G agency load "$T/nohdr.csv"
expect_match "missing column is named" "$(cat "$T/last.err")" "nohdr\.csv:1: header has no 'code' column"
expect_match "... and the refused load is in the audit log" "$(grep '"op":"run.refused"' "$T/audit.log" | tail -1)" \
	'"target":"agency load",.*"source":"[^"]*nohdr.csv","reason":"[^"]*nohdr.csv:1: header has no .code. column[^"]*","result":"refused"'
check_rc "a missing file exits 66" 66 $G agency load "$T/does-not-exist.csv"
out=$($G --json agency load --dry-run "$T/mixed.csv" 2>/dev/null)
check "load --json parses" json_ok <<<"$out"

# ---- list, tree, show, JSON ----------------------------------------------
out=$($G agency list --tree)
expect_match "tree starts with the province" "$out" "^ubndt  UBND tỉnh Hậu Giang \[province\]"
expect_eq "snv's first child is indented under it" \
	"$(printf '%s\n' "$out" | grep -A1 '^  snv  ')" \
	"$(printf '  snv  Sở Nội vụ tỉnh Hậu Giang [department]\n    snv-u1  Đơn vị trực thuộc 1 - Sở Nội vụ [unit]')"
expect_eq "tree shows every agency once" "$(printf '%s\n' "$out" | wc -l)" "$(n_agencies)"
check "list --tree --json parses" bash -c "$G --json agency list --tree | python3 -m json.tool"
expect_eq "JSON tree nests snv-u1 under snv under ubndt" \
	"$($G --json agency list --tree | python3 -c '
import json, sys
t = json.load(sys.stdin)
snv = [c for c in t[0]["children"] if c["code"] == "snv"][0]
print(t[0]["code"], snv["parent"], [c["code"] for c in snv["children"]])')" \
	"ubndt ubndt ['snv-u1', 'snv-u2', 'snv-u3']"
check "list --json parses" bash -c "$G --json agency list | python3 -m json.tool"
expect_eq "list --json has every agency with the documented keys" \
	"$($G --json agency list | python3 -c '
import json, sys
a = json.load(sys.stdin)
print(len(a), sorted(a[0].keys()))')" \
	"$(n_agencies) ['code', 'domain', 'level', 'name', 'parent', 'status']"
expect_eq "list --parent snv" "$($G --json agency list --parent snv | python3 -c '
import json, sys; print(" ".join(x["code"] for x in json.load(sys.stdin)))')" "snv-u1 snv-u2 snv-u3"
expect_eq "list --level province" "$($G agency list --level province | awk 'NR>1 {print $1}')" "ubndt"
check_rc "list --parent of an unknown agency (67)" 67 $G agency list --parent nope
check_rc "list --level with a bad level (65)" 65 $G agency list --level ministry

name='Phòng Văn hóa - Thông tin huyện Châu Thành A (Ủy ban nhân dân) «thử»'
check "agency add with a Vietnamese name and a domain" $G agency add vhtt-cta --name "$name" --level unit --parent ubndt --domain HAUGIANG.gov.vn
changed
expect_eq "stored name is byte-identical" "$(attr_of "govmailAgencyCode=vhtt-cta,$AGENCIES" govmailAgencyName)" "$name"
expect_eq "agency show (text) round-trips the name" \
	"$($G agency show vhtt-cta | sed -n 's/^name: *//p')" "$name"
expect_eq "agency show --json round-trips the name" \
	"$($G --json agency show vhtt-cta | python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["name"])')" "$name"
check "agency show --json parses" bash -c "$G --json agency show snv | python3 -m json.tool"
out=$($G agency show snv)
expect_match "show counts sub-agencies" "$out" "sub-agencies: 3"
expect_match "show names the parent" "$out" "parent: +ubndt \(UBND tỉnh Hậu Giang\)"
expect_eq "domain lowercased on the agency" "$(attr_of "govmailAgencyCode=vhtt-cta,$AGENCIES" govmailMailDomain)" "haugiang.gov.vn"
check_rc "show of an unknown agency (67)" 67 $G agency show nope
check_rc "adding an existing agency (65)" 65 $G agency add snv --name "Sở Nội vụ" --level department --parent ubndt
expect_match "existing agency message" "$(cat "$T/last.err")" "agency 'snv' already exists"

# ---- modify ---------------------------------------------------------------
check "modify name and drop the domain" $G agency modify vhtt-cta --name "Phòng VH-TT Châu Thành A" --no-domain
changed
expect_eq "domain removed" "$(t_count "(&(govmailAgencyCode=vhtt-cta)(govmailMailDomain=*))")" "0"
out=$($G agency modify vhtt-cta --name "Phòng VH-TT Châu Thành A")
expect_match "modify with nothing different says unchanged" "$out" "unchanged"
check "modify parent" $G agency modify vhtt-cta --parent snv
changed
check_rc "modify making a cycle is refused (65)" 65 $G agency modify snv --parent snv-u1
expect_match "cycle message" "$(cat "$T/last.err")" "cycle"
check_rc "modify to be its own parent is refused (65)" 65 $G agency modify snv --parent snv
check_rc "modify with an unknown parent (67)" 67 $G agency modify snv --parent nope
check_rc "modify of an unknown agency (67)" 67 $G agency modify nope --name X
check_rc "modify with nothing to change (64)" 64 $G agency modify snv
check_rc "modify with an ungoverned domain (65)" 65 $G agency modify snv --domain example.com

# ---- domain removal blocked by users of the domain ------------------------
check "domain add dongthap.gov.vn" $G domain add dongthap.gov.vn
changed
check "agency uses dongthap.gov.vn" $G agency modify ok-too --domain dongthap.gov.vn
changed
check_rc "domain used by an agency cannot be removed (65)" 65 $G domain remove dongthap.gov.vn
expect_match "domain removal names the agency count" "$(cat "$T/last.err")" "1 agency"
check "agency stops using it" $G agency modify ok-too --no-domain
changed
# An account (written directly, as the admin) with an alias in the domain.
ldapadd -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >/dev/null <<LDIF
dn: uid=testacct,ou=accounts,$LDAP_BASE
objectClass: inetOrgPerson
objectClass: govmailAccount
uid: testacct
cn: Test Account
sn: Account
mail: testacct@haugiang.gov.vn
govmailAlias: testacct@dongthap.gov.vn
govmailAccountStatus: active
govmailAgency: snv-u2
LDIF
check_rc "domain with an alias in it cannot be removed (65)" 65 $G domain remove dongthap.gov.vn
expect_match "domain removal names the address count" "$(cat "$T/last.err")" "1 entry with an address"
check_rc "domain with a primary address in it cannot be removed (65)" 65 $G domain remove haugiang.gov.vn
ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >/dev/null <<LDIF
dn: uid=testacct,ou=accounts,$LDAP_BASE
changetype: modify
delete: govmailAlias
LDIF
check "domain remove once nothing uses it" $G domain remove dongthap.gov.vn
changed

# ---- remove ----------------------------------------------------------------
check_rc "agency with sub-agencies cannot be removed (65)" 65 $G agency remove snv
expect_match "refusal says how many sub-agencies" "$(cat "$T/last.err")" "0 accounts and 4 sub-agencies"
check_rc "agency with an account cannot be removed (65)" 65 $G agency remove snv-u2
expect_match "refusal says how many accounts" "$(cat "$T/last.err")" "1 account and 0 sub-agencies"
expect_eq "refused removals removed nothing" "$(t_count "(|(govmailAgencyCode=snv)(govmailAgencyCode=snv-u2))")" "2"
check "leaf agency removed" $G agency remove vhtt-cta
changed
expect_eq "removed agency is gone" "$(t_count "(govmailAgencyCode=vhtt-cta)")" "0"
check_rc "removing an unknown agency (67)" 67 $G agency remove vhtt-cta

# ---- depth bound and a cycle written behind govmailctl's back -------------
prev=ubndt
for i in $(seq 1 15); do
	$G agency add "deep$i" --name "Sâu $i" --level unit --parent "$prev" >/dev/null 2>&1 || break
	prev="deep$i"
done
changed 15
expect_eq "a chain 16 levels deep can be built" "$prev" "deep15"
check_rc "a 17th level is refused (65)" 65 $G agency add deep16 --name "Sâu 16" --level unit --parent deep15
expect_match "depth message" "$(cat "$T/last.err")" "deeper than 16"

check "cycle agency a" $G agency add cyc-a --name "Vòng A" --level unit --parent ubndt
check "cycle agency b" $G agency add cyc-b --name "Vòng B" --level unit --parent cyc-a
changed 2
ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >/dev/null <<LDIF
dn: govmailAgencyCode=cyc-a,$AGENCIES
changetype: modify
replace: govmailParentAgency
govmailParentAgency: cyc-b
LDIF
check "tree with a stored cycle still finishes" timeout "$T_HANG" $G agency list --tree
expect_match "cycle members are shown" "$(cat "$T/last.out")" "cyc-a  Vòng A"
expect_match "stored cycle is warned about" "$(cat "$T/last.err")" "cycle"
check_rc "adding below a stored cycle is refused (65)" 65 timeout "$T_HANG" $G agency add cyc-c --name "Vòng C" --level unit --parent cyc-b
check "account list --recursive over a stored cycle finishes" timeout "$T_HANG" $G account list --agency cyc-a --recursive
printf 'code,name,level,parent_code\ncyc-c,Vòng C,unit,cyc-b\n' >"$T/cyc.csv"
check_rc "load of a row below a stored cycle finishes and rejects it (65)" 65 timeout "$T_HANG" $G agency load "$T/cyc.csv"
expect_match "stored cycle reported for the row" "$(cat "$T/last.err")" "cyc\.csv:2: cyc-c: .*cycle"

# ---- audit ------------------------------------------------------------------
# (run.* lines are about whole runs: a load's summary, not a change)
expect_eq "one audit record per change" "$(grep -vc '"op":"run\.' "$T/audit.log")" "$AUDITS"
expect_eq "audit ops are the documented ones" \
	"$(python3 -c '
import json, sys
print(" ".join(sorted({json.loads(l)["op"] for l in open(sys.argv[1])})))' "$T/audit.log")" \
	"agency.add agency.modify agency.remove domain.add domain.remove run.refused run.summary"
expect_match "a load that changed something leaves its summary line" \
	"$(grep '"op":"run.summary"' "$T/audit.log" | grep -m1 '"target":"agency load"')" \
	'"counts":\{"rows":[0-9]+,"created":[0-9]+,"updated":[0-9]+,"unchanged":[0-9]+,"rejected":[0-9]+\},"seconds":"[0-9.]+","result":"(ok|partial)"'
expect_match "load records name file and line" "$(grep -m1 '"target":"snv-u1"' "$T/audit.log")" \
	"\"op\":\"agency.add\".*\"source\":\"[^\"]*agencies\.csv:4\""
expect_match "update record from a load" "$(grep '"op":"agency.modify"' "$T/audit.log" | head -1)" \
	"\"target\":\"snv\".*govmailAgencyName.*\"source\":\"[^\"]*renamed\.csv:3\""
expect_match "remove record" "$(grep '"op":"agency.remove"' "$T/audit.log")" "\"target\":\"vhtt-cta\""

# ---- failures: audit log, credentials, server, configuration ---------------
sed "s|log_file = \"$T/audit.log\"|log_file = \"$T\"|" "$T/govmail.conf" >"$T/noaudit.conf"
check_rc "unwritable audit log: agency add exits 73" 73 env GOVMAIL_CONF="$T/noaudit.conf" $G agency add noaudit --name X --level unit
expect_eq "nothing created without an audit log" "$(t_count "(govmailAgencyCode=noaudit)")" "0"
check_rc "unwritable audit log: agency load exits 73" 73 env GOVMAIL_CONF="$T/noaudit.conf" $G agency load "$T/dry.csv"
expect_eq "load created nothing without an audit log" "$(t_count "(govmailAgencyCode=dry-one)")" "0"

echo "not-the-password" >"$T/wrong.pw"
sed "s|$LDAP_CTL_PWFILE|$T/wrong.pw|" "$T/govmail.conf" >"$T/wrongpw.conf"
check_rc "wrong bind password exits 77" 77 env GOVMAIL_CONF="$T/wrongpw.conf" $G agency list
check_rc "wrong bind password: agency add exits 77" 77 env GOVMAIL_CONF="$T/wrongpw.conf" $G agency add x1 --name X --level unit

closed_port
sed "s|$LDAP_URI|ldap://127.0.0.1:$CLOSED_PORT|" "$T/govmail.conf" >"$T/down.conf"
check_rc "LDAP down: agency list exits 69" 69 env GOVMAIL_CONF="$T/down.conf" $G agency list
check_rc "LDAP down: agency load exits 69" 69 env GOVMAIL_CONF="$T/down.conf" $G agency load "$CSV"
check_rc "LDAP down: domain add exits 69" 69 env GOVMAIL_CONF="$T/down.conf" $G domain add x.gov.vn

mkdir -p "$T/broken"
printf 'ldap = { uri = "%s"; };\naddresses = { default_domain = "haugiang.gov.vn"; };\naudit = { log_file = ; };\n' \
	"$LDAP_URI" >"$T/broken/govmail.conf"
check_rc "configuration syntax error exits 78" 78 env GOVMAIL_CONF="$T/broken/govmail.conf" $G agency list
expect_match "configuration error names file and line" "$(cat "$T/last.err")" "govmail\.conf:3:"
check_rc "configuration syntax error: agency load exits 78" 78 env GOVMAIL_CONF="$T/broken/govmail.conf" $G agency load "$CSV"

echo "1..$T_N"
