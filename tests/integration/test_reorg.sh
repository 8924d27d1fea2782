#!/usr/bin/env bash
# Reorganisation against a real sandbox slapd: agency merge (accounts and
# sub-agencies move, SRC retired, audit, dry run, refusals, re-run, an
# interrupted merge finished by a re-run) and domain migration (the 2025
# merger of haugiang.gov.vn into cantho.gov.vn: old addresses kept as
# aliases and still found, --agency, conflicts, dry run, re-run, and a run
# killed with SIGKILL half-way then finished, compared with a clean run).
. "$(dirname "$0")/../lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
ACCOUNTS="ou=accounts,$LDAP_BASE"
AGENCIES="ou=agencies,$LDAP_BASE"

# gen_accounts PREFIX COUNT DOMAIN AGENCY[,AGENCY...] [ALIAS_EVERY] [BASE]:
# LDIF of COUNT accounts uid=PREFIX0001.. with mail uid@DOMAIN, spread over
# the agencies; every ALIAS_EVERY-th also has the alias vt.uid@DOMAIN.
gen_accounts() {
	python3 - "$@" <<'PY'
import sys
prefix, count, domain, agencies = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].split(",")
every = int(sys.argv[5]) if len(sys.argv) > 5 else 0
base = sys.argv[6] if len(sys.argv) > 6 else None
for i in range(1, count + 1):
    uid = f"{prefix}{i:04d}"
    print(f"dn: uid={uid},ou=accounts,{base}")
    print("objectClass: inetOrgPerson\nobjectClass: govmailAccount")
    print(f"uid: {uid}\nmail: {uid}@{domain}\ncn: Nhân viên {uid}\nsn: {uid}")
    print(f"govmailAgency: {agencies[i % len(agencies)]}\ngovmailAccountStatus: active")
    if every and i % every == 0:
        print(f"govmailAlias: vt.{uid}@{domain}")
    print()
PY
}
admin_add() { ldapadd -x -H "$1" -D "$LDAP_ADMIN_DN" -y "$2" -f "$3" >/dev/null; }
admin_modify() { ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >/dev/null; }
attr_of() { t_ldapsearch -b "$1" -s base "(objectClass=*)" "$2" | sed -n "s/^$2: //p" | sort | paste -sd' ' -; }
# Whole directory below the base, as LDIF with sorted lines per entry.
dump() {
	t_ldapsearch -b "$LDAP_BASE" "(objectClass=*)" | python3 -c '
import sys
entries = sys.stdin.read().strip().split("\n\n")
print("\n\n".join(sorted("\n".join(sorted(e.splitlines())) for e in entries)))'
}
# "uid mail alias,alias" per account matching a filter, sorted (given the
# ldapsearch flags as arguments).
addr_table() {
	ldapsearch -LLL -o ldif-wrap=no -x -E pr=1000/noprompt "$@" uid mail govmailAlias | python3 -c '
import sys
rows, cur = [], {}
def flush():
    if cur.get("uid"):
        rows.append("%s %s %s" % (cur["uid"][0], ",".join(cur.get("mail", [])), ",".join(sorted(cur.get("govmailAlias", [])))))
for line in sys.stdin.read().splitlines() + [""]:
    if not line:
        flush(); cur.clear(); continue
    if ": " in line and not line.startswith("dn:"):
        k, v = line.split(": ", 1)
        cur.setdefault(k, []).append(v.lower())
print("\n".join(sorted(rows)))'
}
audit_count() { grep -c "\"op\":\"$1\"" "$T/audit.log" || true; }
json_get() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

check "domain add haugiang.gov.vn" $G domain add haugiang.gov.vn
check "agency load of the sample tree" $G agency load "$DATA/agencies.csv"
check "account add annv (snv)" $G account add --name "Nguyễn Văn An" --agency snv
check "account add hanttn (snv)" $G account add --name "Trần Thị Ngọc Hân" --agency snv
check "account add tamlv (snv-u1)" $G account add --name "Lê Văn Tám" --agency snv-u1
check "account add chaupm (stp)" $G account add --name "Phạm Minh Châu" --agency stp
check "account add hoa (sgddt)" $G account add --name "Võ Thị Hoa" --agency sgddt --address hoa@haugiang.gov.vn
check "alias add vanthu.snv for annv" $G alias add annv@haugiang.gov.vn vanthu.snv@haugiang.gov.vn
gen_accounts snv 20 haugiang.gov.vn snv 0 "$LDAP_BASE" >"$T/snv.ldif"
check "ldapadd of 20 more snv accounts" admin_add "$LDAP_URI" "$LDAP_ADMIN_PWFILE" "$T/snv.ldif"
N_SNV=$(t_count "(&(objectClass=govmailAccount)(govmailAgency=snv))")
expect_eq "snv holds 22 accounts" "$N_SNV" "22"

# ---------------------------------------------------------------- merge
check_rc "merge without --into is a usage error (64)" 64 $G agency merge snv
check_rc "merge into itself is refused (65)" 65 $G agency merge snv --into snv
check_rc "merge of an unknown agency is refused (67)" 67 $G agency merge nope --into stp
check_rc "merge into an unknown agency is refused (67)" 67 $G agency merge snv --into nope
check_rc "merge into its own sub-agency is refused (65)" 65 $G agency merge snv --into snv-u1
expect_match "... and says it would create a cycle" "$(cat "$T/last.err")" "cycle"
check_rc "merge with a bad code is refused (65)" 65 $G agency merge 'snv)(x=*' --into stp
printf 'dn: govmailAgencyCode=skhdt-u5,%s\nchangetype: modify\nreplace: govmailAgencyStatus\ngovmailAgencyStatus: retired\n' "$AGENCIES" | admin_modify
check_rc "merge into a retired agency is refused (65)" 65 $G agency merge snv --into skhdt-u5
expect_match "... and says it is retired" "$(cat "$T/last.err")" "retired"

audit_before=$(wc -l <"$T/audit.log")
dump >"$T/before.dump"
out=$($G agency merge snv --into stp --dry-run 2>&1); rc=$?
expect_eq "merge --dry-run exits 0" "$rc" "0"
expect_match "dry run lists each account" "$out" "would move annv@haugiang.gov.vn \(uid annv\): snv -> stp"
expect_match "dry run lists each sub-agency" "$out" "would re-parent agency snv-u2: parent snv -> stp"
expect_match "dry run prints the counts" "$out" "merge snv -> stp \(dry run\): 22 accounts to move, 3 sub-agencies to re-parent, snv to be retired; nothing was changed"
dump >"$T/after-dry.dump"
if cmp -s "$T/before.dump" "$T/after-dry.dump"; then ok "dry run changed nothing in the directory"; else
	not_ok "dry run changed nothing in the directory"; diff "$T/before.dump" "$T/after-dry.dump" | head >&2; fi
expect_eq "dry run wrote no audit record" "$(wc -l <"$T/audit.log")" "$audit_before"

out=$($G agency merge snv --into stp 2>&1); rc=$?
expect_eq "merge snv --into stp exits 0" "$rc" "0"
expect_match "merge prints the summary" "$out" "^merge snv -> stp: 22 accounts moved, 3 sub-agencies re-parented, snv retired$"
expect_eq "no account is left in snv" "$(t_count "(&(objectClass=govmailAccount)(govmailAgency=snv))")" "0"
expect_eq "the 22 accounts are in stp" "$(t_count "(&(objectClass=govmailAccount)(govmailAgency=stp))")" "23"
expect_eq "a moved account keeps its address and aliases" \
	"$($G --json account show annv | json_get 'd["address"], d["agency"], d["aliases"]')" \
	"('annv@haugiang.gov.vn', 'stp', ['vanthu.snv@haugiang.gov.vn'])"
expect_eq "an account of a sub-agency stays there" "$($G --json account show tamlv | json_get 'd["agency"]')" "snv-u1"
expect_eq "sub-agencies now have stp as parent" \
	"$(for c in snv-u1 snv-u2 snv-u3; do attr_of "govmailAgencyCode=$c,$AGENCIES" govmailParentAgency; done | paste -sd' ' -)" "stp stp stp"
expect_eq "snv remains, retired" "$(attr_of "govmailAgencyCode=snv,$AGENCIES" govmailAgencyStatus)" "retired"
expect_match "snv's description says where it went" "$(attr_of "govmailAgencyCode=snv,$AGENCIES" description)" "^merged into stp on [0-9]{4}-[0-9]{2}-[0-9]{2}$"
expect_eq "one account.move audit record per account" "$(grep '"op":"account.move"' "$T/audit.log" | grep -c '"source":"merge snv->stp"')" "22"
expect_eq "one agency.modify record per sub-agency" "$(grep '"op":"agency.modify"' "$T/audit.log" | grep -c '"source":"merge snv->stp"')" "3"
expect_eq "one agency.merge record for snv" "$(grep '"op":"agency.merge"' "$T/audit.log" | grep -c '"target":"snv"')" "1"
check_rc "no new account in the retired agency (65)" 65 $G account add --name "Lê Văn Tám" --agency snv

audit_before=$(wc -l <"$T/audit.log")
dump >"$T/before.dump"
out=$($G agency merge snv --into stp 2>&1); rc=$?
expect_eq "second merge exits 0" "$rc" "0"
expect_match "second merge says there is nothing to do" "$out" "^merge snv -> stp: nothing to do"
dump >"$T/after.dump"
if cmp -s "$T/before.dump" "$T/after.dump"; then ok "second merge changed nothing"; else
	not_ok "second merge changed nothing"; diff "$T/before.dump" "$T/after.dump" | head >&2; fi
expect_eq "second merge wrote no audit record" "$(wc -l <"$T/audit.log")" "$audit_before"

# An interrupted merge (some accounts and a sub-agency moved, SRC not yet
# retired) is finished by running it again.
gen_accounts sct 10 haugiang.gov.vn sct 0 "$LDAP_BASE" >"$T/sct.ldif"
check "ldapadd of 10 sct accounts" admin_add "$LDAP_URI" "$LDAP_ADMIN_PWFILE" "$T/sct.ldif"
for u in sct0001 sct0002 sct0003 sct0004; do $G account move $u --agency stc >/dev/null; done
check "sct-u1 moved by hand before the merge" $G agency modify sct-u1 --parent stc
out=$($G --json agency merge sct --into stc); rc=$?
expect_eq "resumed merge exits 0" "$rc" "0"
expect_eq "resumed merge moves only what is left (JSON)" \
	"$(printf '%s' "$out" | json_get 'd["accounts_moved"], d["sub_agencies_reparented"], d["src_retired"], d["nothing_to_do"], len(d["accounts"]), d["sub_agencies"]')" \
	"(6, 3, True, False, 6, ['sct-u2', 'sct-u3', 'sct-u4'])"
expect_eq "after it nothing refers to sct" "$(t_count "(|(govmailAgency=sct)(govmailParentAgency=sct))")" "0"
expect_eq "... and sct is retired" "$(attr_of "govmailAgencyCode=sct,$AGENCIES" govmailAgencyStatus)" "retired"
expect_eq "merge --json nothing_to_do on a re-run" "$($G --json agency merge sct --into stc | json_get 'd["nothing_to_do"]')" "True"

# ---------------------------------------------------------------- migrate
check_rc "migrating to a domain that is not governed is refused (65)" 65 $G domain migrate haugiang.gov.vn cantho.gov.vn
expect_match "... with a hint to add it" "$(cat "$T/last.err")" "domain add cantho.gov.vn"
check "domain add cantho.gov.vn" $G domain add cantho.gov.vn
check_rc "migrating a domain onto itself is refused (65)" 65 $G domain migrate cantho.gov.vn cantho.gov.vn
check_rc "migrating from an ungoverned domain is refused (65)" 65 $G domain migrate nowhere.gov.vn cantho.gov.vn
check_rc "--agency with an unknown agency is refused (67)" 67 $G domain migrate haugiang.gov.vn cantho.gov.vn --agency nope
check_rc "a bad domain name is refused (65)" 65 $G domain migrate 'haugiang.gov.vn)(x' cantho.gov.vn
check "agency stp gets haugiang.gov.vn as its mail domain" $G agency modify stp --domain haugiang.gov.vn
check "agency sgddt gets haugiang.gov.vn as its mail domain" $G agency modify sgddt --domain haugiang.gov.vn
N_HG=$(t_count "(&(objectClass=govmailAccount)(mail=*@haugiang.gov.vn))")

dump >"$T/before.dump"
audit_before=$(wc -l <"$T/audit.log")
out=$($G domain migrate haugiang.gov.vn cantho.gov.vn --dry-run 2>&1); rc=$?
expect_eq "migrate --dry-run exits 0" "$rc" "0"
expect_match "dry run lists each account with its new address and aliases" "$out" \
	"would migrate annv@haugiang.gov.vn -> annv@cantho.gov.vn \(uid annv; aliases added: annv@haugiang.gov.vn, vanthu.snv@cantho.gov.vn\)"
expect_match "dry run lists the agencies" "$out" "would change agency stp: mail domain haugiang.gov.vn -> cantho.gov.vn"
expect_match "dry run says OLD would become an alias" "$out" "would make domain haugiang.gov.vn an alias of cantho.gov.vn"
expect_match "dry run summary" "$out" "migrate haugiang.gov.vn -> cantho.gov.vn \(dry run\): $N_HG accounts to migrate, 2 agencies to change, 0 conflicts; haugiang.gov.vn to become an alias of cantho.gov.vn; nothing was changed"
dump >"$T/after-dry.dump"
if cmp -s "$T/before.dump" "$T/after-dry.dump"; then ok "migrate dry run changed nothing"; else
	not_ok "migrate dry run changed nothing"; diff "$T/before.dump" "$T/after-dry.dump" | head >&2; fi
expect_eq "migrate dry run wrote no audit record" "$(wc -l <"$T/audit.log")" "$audit_before"

# Part of the province first: stp and everything below it.
N_STP=$($G account list --agency stp --recursive | grep -c '^[^[:space:]]*@haugiang.gov.vn')
out=$($G domain migrate haugiang.gov.vn cantho.gov.vn --agency stp 2>&1); rc=$?
expect_eq "migrate --agency stp exits 0" "$rc" "0"
expect_match "--agency summary" "$out" "migrate haugiang.gov.vn -> cantho.gov.vn \(agency stp and below\): $N_STP accounts migrated, [0-9]+ agencies changed, 0 conflicts; haugiang.gov.vn stays active"
# snv-u1 (below stp) had no mail domain of its own: it followed
# addresses.default_domain, haugiang.gov.vn. It gets cantho.gov.vn, so the
# next hr sync or account add makes its new staff there (issue 13, defect 4).
expect_match "snv-u1, below stp and following the default domain, changed too" "$out" \
	"changed agency snv-u1: mail domain haugiang.gov.vn -> cantho.gov.vn"
expect_eq "snv-u1's mail domain is cantho.gov.vn" "$(attr_of "govmailAgencyCode=snv-u1,$AGENCIES" govmailMailDomain)" "cantho.gov.vn"
out=$($G account add --name "Lý Văn Sáu" --agency snv-u1 2>&1)
expect_match "a new account in snv-u1 gets a cantho.gov.vn address" "$out" "created saulv@cantho.gov.vn"
expect_eq "tamlv (snv-u1, now below stp) migrated" "$($G --json account show tamlv | json_get 'd["address"], d["aliases"]')" \
	"('tamlv@cantho.gov.vn', ['tamlv@haugiang.gov.vn'])"
expect_eq "hoa (sgddt, outside stp) did not" "$($G --json account show hoa@haugiang.gov.vn | json_get 'd["address"]')" "hoa@haugiang.gov.vn"
expect_eq "stp's mail domain is cantho.gov.vn" "$(attr_of "govmailAgencyCode=stp,$AGENCIES" govmailMailDomain)" "cantho.gov.vn"
expect_eq "sgddt's mail domain is still haugiang.gov.vn" "$(attr_of "govmailAgencyCode=sgddt,$AGENCIES" govmailMailDomain)" "haugiang.gov.vn"
expect_match "haugiang.gov.vn is still an active domain" "$($G domain list)" "haugiang.gov.vn +active"
expect_eq "one domain.migrate audit record per account" "$(audit_count domain.migrate)" "$N_STP"

# A conflict: hoa@cantho.gov.vn belongs to somebody else already.
check "account add with hoa@cantho.gov.vn" $G account add --name "Võ Thị Hoa" --agency stc --address hoa@cantho.gov.vn
N_LEFT=$(t_count "(&(objectClass=govmailAccount)(mail=*@haugiang.gov.vn))")
out=$($G domain migrate haugiang.gov.vn cantho.gov.vn 2>"$T/err"); rc=$?
expect_eq "migration with a conflict exits 65" "$rc" "65"
expect_match "the conflict is reported" "$out" "conflict: hoa@haugiang.gov.vn \(uid hoa\) left unchanged: hoa@cantho.gov.vn is already used by account hoa2 \(hoa@cantho.gov.vn\)"
expect_match "... and on stderr" "$(cat "$T/err")" "1 account left unchanged"
expect_match "the others migrate" "$out" "$((N_LEFT - 1)) accounts migrated, 1 agency changed, 1 conflict; haugiang.gov.vn stays active: 1 account could not be migrated"
expect_eq "hoa is unchanged" "$($G --json account show hoa | json_get 'd["address"], d["aliases"]')" "('hoa@haugiang.gov.vn', [])"
expect_eq "only hoa is left in haugiang.gov.vn" "$(t_count "(&(objectClass=govmailAccount)(mail=*@haugiang.gov.vn))")" "1"
expect_match "haugiang.gov.vn is not an alias domain yet" "$($G domain list)" "haugiang.gov.vn +active"
out=$($G --json domain migrate haugiang.gov.vn cantho.gov.vn); rc=$?
expect_eq "a re-run with the conflict still exits 65" "$rc" "65"
expect_eq "... and reports it in JSON" "$(printf '%s' "$out" | json_get 'd["accounts_migrated"], d["conflicts"], d["conflict_accounts"][0]["used_by_uid"], d["old_domain_status"]')" \
	"(0, 1, 'hoa2', 'active')"
check "the colliding account is disabled" $G account disable hoa@cantho.gov.vn
check "... and purged" $G account purge hoa@cantho.gov.vn --force
out=$($G domain migrate haugiang.gov.vn cantho.gov.vn 2>&1); rc=$?
expect_eq "the migration then completes (exit 0)" "$rc" "0"
expect_match "... migrating hoa" "$out" "migrated hoa@haugiang.gov.vn -> hoa@cantho.gov.vn"
expect_match "... and making haugiang.gov.vn an alias domain" "$out" "1 account migrated, 0 agencies changed, 0 conflicts; haugiang.gov.vn now an alias of cantho.gov.vn"

# The state the issue asks for.
expect_eq "no primary address is left in haugiang.gov.vn" "$(t_count "(&(objectClass=govmailAccount)(mail=*@haugiang.gov.vn))")" "0"
expect_eq "every account's primary address is in cantho.gov.vn" \
	"$(t_count "(&(objectClass=govmailAccount)(mail=*@cantho.gov.vn))")" "$(t_count "(objectClass=govmailAccount)")"
expect_eq "every account kept its old address as an alias (saulv was made in cantho.gov.vn)" \
	"$(t_count "(&(objectClass=govmailAccount)(!(uid=saulv))(!(govmailAlias=*@haugiang.gov.vn)))")" "0"
out=$($G account show annv@haugiang.gov.vn 2>&1)
expect_match "account show by the old address finds the account" "$out" "address: +annv@cantho.gov.vn"
expect_match "... with the old addresses as aliases" "$out" "aliases: +.*annv@haugiang.gov.vn"
expect_match "... and the alias's counterpart in cantho.gov.vn" "$out" "vanthu.snv@cantho.gov.vn"
expect_eq "the new address finds the same account" "$($G --json account show annv@cantho.gov.vn | json_get 'd["uid"]')" "annv"
expect_eq "the old alias finds it" "$($G --json account show vanthu.snv@haugiang.gov.vn | json_get 'd["uid"]')" "annv"
expect_eq "the new alias finds it" "$($G --json account show vanthu.snv@cantho.gov.vn | json_get 'd["uid"]')" "annv"
expect_match "domain list shows haugiang.gov.vn as an alias of cantho.gov.vn" "$($G domain list)" "haugiang.gov.vn +alias +-> cantho.gov.vn"
expect_eq "domain list --json too" "$($G --json domain list | json_get '[(x["status"], x["alias_target"]) for x in d if x["domain"] == "haugiang.gov.vn"]')" "[('alias', 'cantho.gov.vn')]"
expect_eq "sgddt's mail domain is cantho.gov.vn" "$(attr_of "govmailAgencyCode=sgddt,$AGENCIES" govmailMailDomain)" "cantho.gov.vn"
expect_eq "domain.migrate audit records: one per migrated account" "$(audit_count domain.migrate)" "$N_HG"
expect_eq "one domain.alias audit record" "$(audit_count domain.alias)" "1"
out=$($G account add --name "Đặng Văn Mới" --agency sgddt 2>&1)
expect_match "a new account in sgddt gets a cantho.gov.vn address" "$out" "created moidv@cantho.gov.vn"
# An agency that follows addresses.default_domain (still haugiang.gov.vn in
# this configuration, now an alias): refused, saying what to change.
check "a new agency without a mail domain of its own" $G agency add xa-moi --name "Xã Mới" --level commune
check_rc "an account of an agency following the migrated default domain: refused (65)" 65 \
	$G account add --name "Tô Văn Bảy" --agency xa-moi
expect_match "... naming the setting and the new domain" "$(cat "$T/last.err")" \
	"domain 'haugiang.gov.vn' was migrated to cantho.gov.vn .*set addresses.default_domain = \"cantho.gov.vn\""
printf 'employee_id,full_name,agency_code,position,phone,status\nM001,Tô Văn Tám,xa-moi,Cán sự,0,working\n' >"$T/hr-moi.csv"
$G hr sync "$T/hr-moi.csv" --passwords-out "$T/pw-moi.csv" >"$T/hr-moi.out" 2>&1
expect_match "hr sync says the same for its new staff" "$(cat "$T/hr-moi.out")" \
	"create +M001 .*FAILED: domain 'haugiang.gov.vn' was migrated to cantho.gov.vn .*addresses.default_domain"
if python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/audit.log"; then
	ok "every audit line is JSON"; else not_ok "every audit line is JSON"; fi

dump >"$T/before.dump"
audit_before=$(wc -l <"$T/audit.log")
out=$($G domain migrate haugiang.gov.vn cantho.gov.vn 2>&1); rc=$?
expect_eq "a second migration exits 0" "$rc" "0"
expect_match "... says there is nothing to do" "$out" "^migrate haugiang.gov.vn -> cantho.gov.vn: nothing to do \(already migrated; haugiang.gov.vn already an alias of cantho.gov.vn\)$"
dump >"$T/after.dump"
if cmp -s "$T/before.dump" "$T/after.dump"; then ok "... and changes nothing"; else
	not_ok "... and changes nothing"; diff "$T/before.dump" "$T/after.dump" | head >&2; fi
expect_eq "... nor writes to the audit log" "$(wc -l <"$T/audit.log")" "$audit_before"
check "domain add other.gov.vn" $G domain add other.gov.vn
check_rc "migrating an alias domain to a third domain is refused (65)" 65 $G domain migrate haugiang.gov.vn other.gov.vn
expect_match "... because it is an alias already" "$(cat "$T/last.err")" "already an alias of 'cantho.gov.vn'"

# ------------------------------------------- interrupted migration (kill -9)
# soctrang.gov.vn joins cantho.gov.vn as well. The run is killed half-way,
# then run again; the result must equal one clean run on a second server.
N_BULK=3000
gen_accounts st $N_BULK soctrang.gov.vn stc,sct,sgddt,stp 7 "$LDAP_BASE" >"$T/st.ldif"
check "domain add soctrang.gov.vn" $G domain add soctrang.gov.vn
check "ldapadd of $N_BULK soctrang.gov.vn accounts" admin_add "$LDAP_URI" "$LDAP_ADMIN_PWFILE" "$T/st.ldif"

"$TOP/scripts/ldap-sandbox" start "$T/ldap2" >"$T/sandbox2.out" 2>&1 || { cat "$T/sandbox2.out" >&2; echo "Bail out! second sandbox did not start"; exit 1; }
t_on_exit "'$TOP/scripts/ldap-sandbox' stop '$T/ldap2'"
URI2=$(sed -n 's/^LDAP_URI=//p' "$T/ldap2/env" | tr -d "'\"")
sed -e "s|$LDAP_URI|$URI2|" -e "s|$T/ldap/|$T/ldap2/|g" -e "s|$T/audit.log|$T/audit2.log|" "$T/govmail.conf" >"$T/clean.conf"
BASE2=$(sed -n 's/^LDAP_BASE=//p' "$T/ldap2/env" | tr -d "'\"")
gen_accounts st $N_BULK soctrang.gov.vn stc,sct,sgddt,stp 7 "$BASE2" >"$T/st2.ldif"
check "clean server: domains" sh -c "$G -c '$T/clean.conf' domain add soctrang.gov.vn && $G -c '$T/clean.conf' domain add cantho.gov.vn"
check "clean server: the same accounts" admin_add "$URI2" "$T/ldap2/admin.pw" "$T/st2.ldif"
check "clean server: one uninterrupted migration" $G -c "$T/clean.conf" domain migrate soctrang.gov.vn cantho.gov.vn

# Killed part-way, decided by events: once 200 of the accounts are
# migrated (it has written, and has far more to write), however long that
# takes to come.
$G domain migrate soctrang.gov.vn cantho.gov.vn >"$T/killed.out" 2>&1 &
kill_when_count $! "(&(uid=st*)(mail=*@cantho.gov.vn))" 200
if [ "$KILLED_RC" != 137 ]; then
	not_ok "the run was killed half-way: TEST SETUP: it ended by itself (exit $KILLED_RC, $KILLED_N of $N_BULK migrated) before it could be killed"
	sed 's/^/#   /' "$T/killed.out" | tail -5 >&2
elif [ "$KILLED_N" -lt 200 ]; then
	not_ok "the run was killed half-way: TEST SETUP: 200 accounts were not migrated within $T_HANG s ($KILLED_N)"
elif [ "$KILLED_N" -ge "$N_BULK" ]; then
	not_ok "the run was killed half-way: TEST SETUP: all $N_BULK accounts were migrated before the kill"
else
	ok "the run was killed half-way ($KILLED_N of $N_BULK migrated)"
fi
expect_eq "no account is half migrated (new primary without the old alias)" \
	"$(t_count "(&(uid=st*)(mail=*@cantho.gov.vn)(!(govmailAlias=*@soctrang.gov.vn)))")" "0"
expect_match "soctrang.gov.vn is still active after the kill" "$($G domain list)" "soctrang.gov.vn +active"
out=$($G domain migrate soctrang.gov.vn cantho.gov.vn 2>&1); rc=$?
expect_eq "the re-run exits 0" "$rc" "0"
expect_match "the re-run migrates only the rest" "$out" "$((N_BULK - KILLED_N)) accounts migrated, 0 agencies changed, 0 conflicts; soctrang.gov.vn now an alias of cantho.gov.vn"
addr_table -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -b "$ACCOUNTS" "(uid=st*)" >"$T/resumed.tab"
addr_table -H "$URI2" -D "$(sed -n 's/^LDAP_ADMIN_DN=//p' "$T/ldap2/env" | tr -d "'\"")" -y "$T/ldap2/admin.pw" -b "ou=accounts,$BASE2" "(uid=st*)" >"$T/clean.tab"
expect_eq "the directory holds $N_BULK migrated accounts" "$(grep -c '@cantho.gov.vn ' "$T/resumed.tab")" "$N_BULK"
if [ -s "$T/clean.tab" ] && cmp -s "$T/resumed.tab" "$T/clean.tab"; then ok "killed + re-run equals one clean run (mail and aliases of every account)"; else
	not_ok "killed + re-run equals one clean run (mail and aliases of every account)"; diff "$T/resumed.tab" "$T/clean.tab" | head >&2; fi
expect_match "an alias counterpart was added" "$(grep '^st0007 ' "$T/resumed.tab")" "^st0007 st0007@cantho.gov.vn st0007@soctrang.gov.vn,vt.st0007@cantho.gov.vn,vt.st0007@soctrang.gov.vn$"
expect_match "the clean server's domain list agrees" "$($G -c "$T/clean.conf" domain list)" "soctrang.gov.vn +alias +-> cantho.gov.vn"
out=$($G domain migrate soctrang.gov.vn cantho.gov.vn 2>&1)
expect_match "a third run has nothing to do" "$out" "nothing to do"
