#!/usr/bin/env bash
# test_reorg_progress.sh — agency merge and domain migrate show their
# progress on a terminal (stderr a pty), as hr sync does, and never when
# stderr is not a terminal; each real run leaves a summary line in the
# audit log, and a refused run its refusal. Checked by content, not timing.
. "$(dirname "$0")/../lib.sh"
G=$GOVMAILCTL

t_sandbox_start
t_govmail_conf
check "domain add haugiang.gov.vn" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"
python3 - "$LDAP_BASE" >"$T/accts.ldif" <<'PY'
import sys
for i in range(1, 301):
    uid = f"pg{i:04d}"
    print(f"dn: uid={uid},ou=accounts,{sys.argv[1]}")
    print("objectClass: inetOrgPerson\nobjectClass: govmailAccount")
    print(f"uid: {uid}\nmail: {uid}@haugiang.gov.vn\ncn: Nhân viên {uid}\nsn: {uid}")
    print("govmailAgency: snv\ngovmailAccountStatus: active\n")
PY
check "300 accounts in snv" ldapadd -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -f "$T/accts.ldif"

# on_pty OUT ERR CMD...: run CMD with stderr on a new pseudo-terminal (its
# output into ERR) and stdout into OUT; exits with CMD's status.
on_pty() {
	python3 - "$@" <<'PY'
import os, pty, subprocess, sys
out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
m, s = pty.openpty()
with open(out, "wb") as fo:
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=fo, stderr=s)
os.close(s)
data = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:             # EIO: the other side is closed
        break
    if not b:
        break
    data += b
open(err, "wb").write(data)
sys.exit(p.wait())
PY
}

# ---- agency merge ----------------------------------------------------------
check "a dry run is not a real run" $G agency merge snv --into stp --dry-run
on_pty "$T/merge.out" "$T/merge.err" $G agency merge snv --into stp
expect_eq "merge on a terminal exits 0" "$?" "0"
expect_match "... prints its summary on stdout" "$(cat "$T/merge.out")" "^merge snv -> stp: 300 accounts moved"
# 300 accounts + 3 sub-agencies + retiring snv = 304 steps
expect_match "progress is shown on the terminal" "$(tr '\r' '\n' <"$T/merge.err")" "^agency merge: 50/304 written"
expect_match "... up to the last step" "$(tr '\r' '\n' <"$T/merge.err")" "^agency merge: 304/304 written"
expect_eq "one summary line for the merge" \
	"$(grep '"op":"run.summary"' "$T/audit.log" | grep -c '"target":"agency merge"')" "1"
expect_match "... with its counts and outcome" "$(grep '"op":"run.summary"' "$T/audit.log" | grep '"target":"agency merge"')" \
	'"source":"snv -> stp","counts":\{"accounts":300,"agencies":3,"conflicts":0,"final":1\},"seconds":"[0-9.]+","result":"ok"'

check_rc "a merge into a retired agency is refused (65)" 65 $G agency merge stp --into snv
expect_match "... and the refusal is in the audit log" "$(grep '"op":"run.refused"' "$T/audit.log")" \
	'"target":"agency merge","run":"[^"]+","source":"stp -> snv","reason":"[^"]*retired[^"]*","result":"refused"'

# Not on a terminal: no progress, the same summary.
$G agency merge stp --into stc >"$T/plain.out" 2>"$T/plain.err" </dev/null
expect_eq "merge without a terminal exits 0" "$?" "0"
if grep -q "written" "$T/plain.err"; then not_ok "no progress when stderr is not a terminal"
else ok "no progress when stderr is not a terminal"; fi
expect_match "... but its summary on stdout" "$(cat "$T/plain.out")" "^merge stp -> stc: 300 accounts moved"

# ---- domain migrate --------------------------------------------------------
check "domain add cantho.gov.vn" $G domain add cantho.gov.vn
n=$(t_count '(mail=*@haugiang.gov.vn)')
on_pty "$T/mig.out" "$T/mig.err" $G domain migrate haugiang.gov.vn cantho.gov.vn
expect_eq "migrate on a terminal exits 0" "$?" "0"
expect_match "... prints its summary on stdout" "$(cat "$T/mig.out")" "^migrate haugiang.gov.vn -> cantho.gov.vn: $n accounts migrated"
total=$((n + 1))   # the accounts, then making haugiang.gov.vn an alias
expect_match "migrate shows its progress on the terminal" "$(tr '\r' '\n' <"$T/mig.err")" "^domain migrate: 50/$total written"
expect_match "... up to the last step" "$(tr '\r' '\n' <"$T/mig.err")" "^domain migrate: $total/$total written"
expect_match "the migration's summary line" "$(grep '"op":"run.summary"' "$T/audit.log" | grep '"target":"domain migrate"')" \
	"\"source\":\"haugiang.gov.vn -> cantho.gov.vn\",\"counts\":\\{\"accounts\":$n,\"agencies\":[0-9]+,\"conflicts\":0,\"final\":1\\}.*\"result\":\"ok\""
