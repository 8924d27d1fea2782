#!/usr/bin/env bash
# Account lifecycle through govmailctl against a real sandbox slapd:
# creation with generated addresses, bad input, move, rename, aliases,
# passwords with real binds, suspend/resume/disable/purge, concurrency,
# audit, and LDAP failures.
. "$(dirname "$0")/../lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL

check "domain add haugiang.gov.vn" $G domain add haugiang.gov.vn
check "domain add cantho.gov.vn" $G domain add cantho.gov.vn
check "agency load of the sample tree" $G agency load "$DATA/agencies.csv"

out=$($G account add --name "Nguyễn Văn An" --agency snv --employee-id HG900001 2>&1)
expect_match "first Nguyễn Văn An gets annv" "$out" "created annv@haugiang.gov.vn"
out=$($G account add --name "Nguyễn Văn An" --agency stp 2>&1)
expect_match "second Nguyễn Văn An gets annv2" "$out" "created annv2@haugiang.gov.vn"
# The same name typed in NFD (decomposed) and in capitals folds alike.
nfd=$(printf 'Nguye\xcc\x82\xcc\x83n Va\xcc\x86n An')
out=$($G account add --name "$nfd" --agency stp 2>&1)
expect_match "NFD name folds to the same address (annv3)" "$out" "created annv3@haugiang.gov.vn"
out=$($G account add --name "NGUYỄN VĂN AN" --agency stp 2>&1)
expect_match "capitalised name folds alike (annv4)" "$out" "created annv4@haugiang.gov.vn"
name=$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" "(uid=annv3)" cn | sed -n 's/^cn:: //p' | base64 -d)
expect_eq "NFD name is stored in NFC" "$name" "Nguyễn Văn An"
out=$($G account add --name "Đặng Thị Ánh Tuyết" --agency snv --domain cantho.gov.vn 2>&1)
expect_match "đ folds to d, --domain is used" "$out" "created tuyetdta@cantho.gov.vn"

n_before=$(t_count "(objectClass=govmailAccount)")
check_rc "unknown agency is refused (67)" 67 $G account add --name "Lê Văn Tám" --agency nope
check_rc "duplicate employee id is refused (65)" 65 $G account add --name "Lê Văn Tám" --agency snv --employee-id HG900001
expect_match "duplicate employee id names the owner" "$(cat "$T/last.err")" "annv@haugiang.gov.vn"
check_rc "empty name is refused (65)" 65 $G account add --name "" --agency snv
check_rc "300-character name is refused (65)" 65 $G account add --name "$(printf 'a%.0s' $(seq 300))" --agency snv
check_rc "name with a control character is refused (65)" 65 $G account add --name "$(printf 'Lê\tVăn')" --agency snv
check_rc "non-UTF-8 name is refused (65)" 65 $G account add --name "$(printf 'L\xea V\xe3n')" --agency snv
expect_match "non-UTF-8 error says so" "$(cat "$T/last.err")" "UTF-8"
check_rc "filter injection in --address is refused (65)" 65 $G account add --name "Lê Văn Tám" --agency snv --address 'x*)(uid=*'
check_rc "address in an ungoverned domain is refused (65)" 65 $G account add --name "Lê Văn Tám" --agency snv --address tam@example.com
expect_eq "bad input created nothing" "$(t_count "(objectClass=govmailAccount)")" "$n_before"

# Aliases are unique across every address in the directory.
check "alias add" $G alias add annv@haugiang.gov.vn an.nguyen@haugiang.gov.vn
check_rc "an address already used as an alias cannot be a new account's address" 65 \
	$G account add --name "Nguyễn An" --agency snv --address an.nguyen@haugiang.gov.vn
check_rc "another account's primary address cannot become an alias" 65 \
	$G alias add annv2@haugiang.gov.vn annv@haugiang.gov.vn
out=$($G account show an.nguyen@haugiang.gov.vn 2>&1)
expect_match "account is found by its alias" "$out" "address: +annv@haugiang.gov.vn"
check "alias remove" $G alias remove annv@haugiang.gov.vn an.nguyen@haugiang.gov.vn
check_rc "removed alias no longer finds the account" 67 $G account show an.nguyen@haugiang.gov.vn

# Move keeps the address; rename keeps the old address as an alias.
check "account move" $G account move annv2@haugiang.gov.vn --agency sgddt
expect_eq "moved account keeps address and changes agency" \
	"$($G --json account show annv2@haugiang.gov.vn | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["address"], a["agency"])')" \
	"annv2@haugiang.gov.vn sgddt"
check_rc "move to an unknown agency is refused (67)" 67 $G account move annv2@haugiang.gov.vn --agency nope
check "account rename" $G account rename annv2@haugiang.gov.vn an.nguyen2@haugiang.gov.vn
out=$($G --json account show annv2@haugiang.gov.vn)
expect_eq "old address finds the renamed account, kept as alias" \
	"$(printf '%s' "$out" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["address"], a["aliases"], a["uid"])')" \
	"an.nguyen2@haugiang.gov.vn ['annv2@haugiang.gov.vn'] annv2"
check_rc "rename onto another account's address is refused" 65 $G account rename annv3@haugiang.gov.vn annv@haugiang.gov.vn
expect_eq "refused rename left the address working" \
	"$($G --json account show annv3@haugiang.gov.vn | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')" \
	"annv3@haugiang.gov.vn"

# Forwarding and quota.
check "forward set" $G forward set annv3@haugiang.gov.vn an@example.org an2@example.org
expect_match "forwards stored" "$($G --json account show annv3@haugiang.gov.vn)" '"an@example.org"'
check_rc "forward to itself is refused" 65 $G forward set annv3@haugiang.gov.vn annv3@haugiang.gov.vn
check "forward clear" $G forward clear annv3@haugiang.gov.vn
check "quota set 5G" $G quota set annv3@haugiang.gov.vn 5G
expect_match "quota stored in bytes" "$($G --json account show annv3@haugiang.gov.vn)" '"quota": 5368709120'
check_rc "bad quota refused" 65 $G quota set annv3@haugiang.gov.vn lots

# Passwords: stored hashed, checked by slapd itself with real binds.
DN=$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" "(uid=annv)" dn | sed -n 's/^dn: //p')
pw=$($G --json account passwd annv@haugiang.gov.vn --generate | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
expect_match "generated password is long" "$pw" '^.{20,}$'
stored=$(t_ldapsearch -b "$DN" -s base userPassword | sed -n 's/^userPassword:: //p' | base64 -d)
expect_match "generated password stored as {SSHA512}" "$stored" '^\{SSHA512\}'
check "bind with the generated password works" ldapwhoami -x -H "$LDAP_URI" -D "$DN" -w "$pw"
check_rc "bind with a wrong password fails (49)" 49 ldapwhoami -x -H "$LDAP_URI" -D "$DN" -w "wrong$pw"
check_rc "a weak chosen password is refused" 65 sh -c "echo short | $G account passwd annv@haugiang.gov.vn"
chosen='Hoa-sen-nở-2026!'
check "a chosen password is read from stdin" sh -c "printf '%s\n' '$chosen' | $G account passwd annv@haugiang.gov.vn"
stored=$(t_ldapsearch -b "$DN" -s base userPassword | sed -n 's/^userPassword:: //p' | base64 -d)
expect_match "chosen password stored as {CRYPT} yescrypt" "$stored" '^\{CRYPT\}\$y\$'
check "bind with the chosen password works" ldapwhoami -x -H "$LDAP_URI" -D "$DN" -w "$chosen"
check_rc "suspend needs a reason" 64 $G account suspend annv@haugiang.gov.vn
check "account suspend" $G account suspend annv@haugiang.gov.vn --reason "nghỉ việc"
check_rc "suspended account cannot bind (49)" 49 ldapwhoami -x -H "$LDAP_URI" -D "$DN" -w "$chosen"
check "account resume" $G account resume annv@haugiang.gov.vn
check "resumed account can bind again" ldapwhoami -x -H "$LDAP_URI" -D "$DN" -w "$chosen"
check "account disable" $G account disable annv@haugiang.gov.vn --reason "chuyển công tác"
check_rc "disabled account cannot bind (49)" 49 ldapwhoami -x -H "$LDAP_URI" -D "$DN" -w "$chosen"
check_rc "purge within the retention period is refused" 65 $G account purge annv@haugiang.gov.vn
check_rc "purge of an active account is refused" 65 $G account purge annv3@haugiang.gov.vn --force
check "purge --force of a disabled account" $G account purge annv@haugiang.gov.vn --force
expect_eq "purged account is gone" "$(t_count '(uid=annv)')" "0"

# Concurrent creation of the same name never yields a duplicate address.
for i in 1 2 3 4 5 6; do
	$G account add --name "Trần Thị Hoa" --agency snv >"$T/conc.$i" 2>&1 &
done
wait
addrs=$(cat "$T"/conc.* | sed -n 's/^created \([^ ]*\).*/\1/p' | sort)
expect_eq "6 concurrent adds of one name give 6 accounts" "$(printf '%s\n' "$addrs" | grep -c @)" "6"
expect_eq "... with 6 distinct addresses" "$(printf '%s\n' "$addrs" | sort -u | grep -c @)" "6"

# Listing: filters, recursion into sub-agencies, JSON.
check "account in a sub-agency" $G account add --name "Võ Minh Đức" --agency snv-u1
out=$($G account list --agency snv)
expect_match "list --agency shows the agency's accounts" "$out" "tuyetdta@cantho.gov.vn"
if printf '%s' "$out" | grep -q ducvm; then not_ok "list --agency without --recursive excludes sub-agencies"; else ok "list --agency without --recursive excludes sub-agencies"; fi
expect_match "list --agency --recursive includes sub-agencies" "$($G account list --agency snv --recursive)" "ducvm@haugiang.gov.vn"
expect_match "list --status disabled/suspended filter" "$($G account suspend annv3@haugiang.gov.vn --reason test >/dev/null; $G account list --status suspended)" "^annv3@haugiang.gov.vn"
expect_match "list --domain" "$($G account list --domain cantho.gov.vn)" "^tuyetdta@cantho.gov.vn"
n=$($G --json account list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_eq "list --json returns every account" "$n" "$(t_count '(objectClass=govmailAccount)')"

# Audit: one line per change, never a password.
expect_match "audit log has account.add" "$(cat "$T/audit.log")" '"op":"account.add"'
expect_match "audit log has account.passwd" "$(cat "$T/audit.log")" '"op":"account.passwd".*"userPassword"'
if grep -qF -- "$pw" "$T/audit.log" || grep -qF -- "$chosen" "$T/audit.log"; then
	not_ok "no password in the audit log"; else ok "no password in the audit log"; fi
if python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/audit.log"; then
	ok "every audit line is JSON"; else not_ok "every audit line is JSON"; fi

# Refusals that must change nothing.
mkdir -p "$T/audit-dir"
t_govmail_conf 'audit = { log_file = "'"$T"'/audit-dir"; };' 2>/dev/null
sed -i '/^audit = { log_file = ".*audit.log"; };$/d' "$T/govmail.conf"
n_before=$(t_count "(objectClass=govmailAccount)")
check_rc "unwritable audit log: change refused (73)" 73 $G account add --name "Lê Văn Tám" --agency snv
expect_eq "... and nothing was created" "$(t_count "(objectClass=govmailAccount)")" "$n_before"
t_govmail_conf
echo "not-the-password" >"$T/wrong.pw"
sed "s|$LDAP_CTL_PWFILE|$T/wrong.pw|" "$T/govmail.conf" >"$T/wrongpw.conf"
check_rc "wrong bind password: exit 77" 77 $G -c "$T/wrongpw.conf" account list
closed_port
sed "s|$LDAP_URI|ldap://127.0.0.1:$CLOSED_PORT|" "$T/govmail.conf" >"$T/down.conf"
check_rc "LDAP server down: exit 69" 69 $G -c "$T/down.conf" account add --name "Lê Văn Tám" --agency snv
check_rc "unreadable config: exit 78" 78 $G -c "$T/nonexistent.conf" account list
printf 'ldap = {\n  uri = "ldap://x";\n  timeout = "ten";\n};\n' >"$T/bad.conf"
check_rc "config with a wrong type: exit 78" 78 $G -c "$T/bad.conf" account list
expect_match "config error names file and line" "$(cat "$T/last.err")" "bad.conf:3: ldap.timeout must be an integer"

# SASL EXTERNAL over ldapi: root on the server administers without a password.
cat >"$T/external.conf" <<CONF
ldap = { uri = "$LDAPI_URI"; sasl_external = true; base_dn = "$LDAP_BASE"; };
audit = { log_file = "$T/audit.log"; };
CONF
check "SASL EXTERNAL over ldapi: domain add" $G -c "$T/external.conf" domain add external.gov.vn
expect_match "SASL EXTERNAL: the domain is there" "$($G -c "$T/external.conf" domain list)" "external.gov.vn"

# Status changes only between states that make sense.
check "disable an account" $G account disable annv3@haugiang.gov.vn --reason "nghỉ hưu"
t1=$($G --json account show annv3@haugiang.gov.vn | python3 -c 'import json,sys; print(json.load(sys.stdin)["status_changed"])')
sleep 1
expect_match "disabling again is a no-op" "$($G account disable annv3@haugiang.gov.vn)" "already disabled"
t2=$($G --json account show annv3@haugiang.gov.vn | python3 -c 'import json,sys; print(json.load(sys.stdin)["status_changed"])')
expect_eq "... that keeps the retention clock" "$t2" "$t1"
check_rc "a disabled account cannot be suspended (65)" 65 $G account suspend annv3@haugiang.gov.vn --reason x
check_rc "list of an unknown agency: 67" 67 $G account list --agency khong-co
check_rc "recursive list of an unknown agency: 67" 67 $G account list --agency khong-co --recursive
# Filter metacharacters in lookups are values, never filter syntax.
check_rc "account show '*' matches nothing (67)" 67 $G account show '*'
check_rc "account show 'annv)(uid=*' matches nothing (67)" 67 $G account show 'annv)(uid=*'
check_rc "agency show 'snv)(x=*' is refused as a bad code (65)" 65 $G agency show 'snv)(x=*'
printf '\n' >"$T/empty.pw"
sed "s|$LDAP_CTL_PWFILE|$T/empty.pw|" "$T/govmail.conf" >"$T/emptypw.conf"
check_rc "an empty bind password file is a config error (78)" 78 $G -c "$T/emptypw.conf" account list
