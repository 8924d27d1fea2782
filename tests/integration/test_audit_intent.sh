#!/usr/bin/env bash
# test_audit_intent.sh — the audit log of hr sync stays complete whatever
# kills it: a sync of the 10,300-row sample killed with SIGKILL part-way
# leaves an audit line (its own record, or the intent record written before
# its batch) for every account in the directory; the re-run completes the
# log (one creation record per account, the dead run closed by a
# run.interrupted line). The directory and the log are compared
# mechanically. Then, deterministically: intent records of a dead run for
# one change that reached the directory and one that did not are completed
# as "applied" and "not-applied"; those of a run still going are left alone.
# Also: a run refused by the guard, and the summary line.
. "$(dirname "$0")/../lib.sh"
G=$GOVMAILCTL

t_sandbox_start
t_govmail_conf 'hr = { passwords_file = "'"$T"'/pw.csv"; };'
check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"

# Every account DN with an employee id, sorted.
account_dns() {
	t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(employeeNumber=*)' 1.1 |
	sed -n 's/^dn: //p' | tr 'A-Z' 'a-z' | sort
}
# audit_dns MODE: DNs named in the audit log as created by hr sync, sorted,
# one line per record: MODE "records" (hr.create records that say it was
# done: ok or applied), "intents" (items of run.intent records).
audit_dns() {
	python3 - "$T/audit.log" "$1" <<'PY'
import json, sys
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if sys.argv[2] == "records" and r["op"] == "hr.create" and r["result"] in ("ok", "applied"):
        out.append(r["dn"].lower())
    elif sys.argv[2] == "intents" and r["op"] == "run.intent":
        out += [i["dn"].lower() for i in r["items"] if i["op"] == "hr.create"]
print("\n".join(sorted(out)))
PY
}

# ---- killed part-way, then re-run ------------------------------------------
$G hr sync "$DATA/hr-export.csv" >/dev/null 2>"$T/killed.err" &
kill_when_count $! '(objectClass=govmailAccount)' 200
if [ "$KILLED_RC" != 137 ]; then
	not_ok "sync killed half-way: TEST SETUP: the sync ended by itself (exit $KILLED_RC)"
elif [ "$KILLED_N" -lt 200 ] || [ "$KILLED_N" -ge 10051 ]; then
	not_ok "sync killed half-way: TEST SETUP: $KILLED_N accounts at the kill"
else
	ok "sync killed half-way ($KILLED_N of 10051 accounts)"
fi
account_dns >"$T/dir-killed"
audit_dns records >"$T/rec-killed"
audit_dns intents | sort -u >"$T/int-killed"
unlogged=$(comm -23 "$T/dir-killed" <(sort -u "$T/rec-killed") | wc -l)
echo "# after the kill: $(wc -l <"$T/dir-killed") accounts, $unlogged without their own record yet"
expect_eq "after the kill, every account in the directory has its record or an intent line" \
	"$(comm -23 "$T/dir-killed" <(sort -u "$T/rec-killed" "$T/int-killed") | wc -l)" "0"
hr_summaries() { grep '"op":"run.summary"' "$T/audit.log" | grep -c '"target":"hr sync"'; }
expect_eq "the killed run left no summary line" "$(hr_summaries)" "0"
killed_run=$(grep -m1 '"op":"run.intent"' "$T/audit.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"])')

check "re-run after the kill" $G hr sync "$DATA/hr-export.csv"
expect_match "the re-run says it completed the log of the interrupted run" "$(cat "$T/last.err")" \
	"held 1 interrupted hr sync run: of [0-9]+ announced changes"
account_dns >"$T/dir-after"
expect_eq "10,051 accounts after the re-run" "$(wc -l <"$T/dir-after")" "10051"
audit_dns records >"$T/rec-after"
expect_eq "after the re-run, every account has exactly one creation record" \
	"$(diff "$T/dir-after" "$T/rec-after" | wc -l)" "0"
expect_eq "the killed run is closed by one run.interrupted line" \
	"$(grep '"op":"run.interrupted"' "$T/audit.log" | grep -c "\"run\":\"$killed_run\"")" "1"
expect_eq "the re-run wrote one summary line" "$(hr_summaries)" "1"
expect_match "the summary counts the actions and the outcome" \
	"$(grep '"op":"run.summary"' "$T/audit.log" | grep '"target":"hr sync"')" \
	'"target":"hr sync".*"counts":\{"create":[0-9]+,.*"rejected":0,.*"seconds":"[0-9]+\.[0-9]{3}","result":"ok"'
expect_eq "every recovered record names the killed run" \
	"$(grep '"recovered":true' "$T/audit.log" | grep -vc "\"run\":\"$killed_run\"")" "0"
if python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/audit.log"; then
	ok "every audit line is JSON"; else not_ok "every audit line is JSON"; fi
if cut -d, -f3 "$T/pw.csv" | grep -qFf - "$T/audit.log"; then not_ok "no initial password in the audit log"
else ok "no initial password in the audit log"; fi

check "a third run (nothing to do)" $G hr sync "$DATA/hr-export.csv"
if grep -q "interrupted" "$T/last.err"; then not_ok "nothing left to recover"; else ok "nothing left to recover"; fi

# ---- recovery, deterministically -------------------------------------------
# A dead run (its pid is a finished child's, with another start time) that
# announced two creates: HG-A made (as if its batch was committed just before
# the kill), HG-B not; and a run still going (this shell's pid and start
# time) whose intent must be left alone.
dead_pid=$(sh -c 'echo $$')
self_start=$(python3 -c 'import sys; s=open("/proc/%s/stat" % sys.argv[1]).read(); print(s[s.rindex(")")+2:].split()[19])' $$)
cat >"$T/ldif" <<EOF
dn: uid=hga,ou=accounts,$LDAP_BASE
objectClass: inetOrgPerson
objectClass: govmailAccount
uid: hga
mail: hga@haugiang.gov.vn
cn: Nhân viên A
sn: A
employeeNumber: HG-A
govmailAgency: snv
govmailAccountStatus: active
EOF
check "HG-A made behind the sync's back" ldapadd -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -f "$T/ldif"
item() { printf '{"op":"hr.create","target":"%s@haugiang.gov.vn","dn":"uid=%s,ou=accounts,%s","source":"x.csv:%s","key":"%s","attrs":["objectClass","uid","mail"]}' "$1" "$1" "$LDAP_BASE" "$2" "$3"; }
printf '{"time":"2026-12-01T00:00:00.000Z","actor":"test","op":"run.intent","target":"hr sync","run":"dead.1","source":"x.csv","pid":%s,"start":1,"items":[%s,%s],"result":"pending"}\n' \
	"$dead_pid" "$(item hga 2 HG-A)" "$(item hgb 3 HG-B)" >>"$T/audit.log"
printf '{"time":"2026-12-01T00:00:00.000Z","actor":"test","op":"run.intent","target":"hr sync","run":"live.1","source":"y.csv","pid":%s,"start":%s,"items":[%s],"result":"pending"}\n' \
	"$$" "$self_start" "$(item hgc 2 HG-C)" >>"$T/audit.log"
check "hr sync after a dead run's intents" $G hr sync "$DATA/hr-export.csv"
expect_match "... reports the recovery" "$(cat "$T/last.err")" \
	"of 2 announced changes, 0 had their record, 1 were found made and 1 not made"
expect_match "the change that reached the directory is recorded as applied" \
	"$(grep '"recovered":true' "$T/audit.log" | grep '"run":"dead.1"' | grep '"target":"hga@')" \
	"\"op\":\"hr.create\".*\"dn\":\"uid=hga,ou=accounts,[^\"]*\".*\"source\":\"x.csv:2\".*\"result\":\"applied\""
expect_match "the one that did not is recorded as not applied" \
	"$(grep '"recovered":true' "$T/audit.log" | grep '"run":"dead.1"' | grep '"target":"hgb@')" \
	"\"result\":\"not-applied\""
expect_match "the dead run is closed with its counts" \
	"$(grep '"op":"run.interrupted"' "$T/audit.log" | grep '"run":"dead.1"')" \
	'"counts":\{"intended":2,"logged":0,"applied":1,"not-applied":1\},"result":"recovered"'
expect_eq "the intent of a run still going is left alone" \
	"$(grep -c '"run":"live.1"' "$T/audit.log")" "1"

# A modify is checked by the fingerprint of the values it writes: a real
# intent line of an update, replayed as a dead run's, is found applied
# while the entry still has those values, and not applied once it has not.
printf '%s\n%s\n' "$(head -1 "$DATA/hr-export.csv")" \
	"$(grep -m1 '^HG100000,' "$DATA/hr-export.csv" | sed 's/Chuyên viên chính/Chuyên viên kiểm thử/')" >"$T/upd.csv"
check "an update of HG100000's title" $G hr sync "$T/upd.csv"
upd_intent=$(grep '"op":"run.intent"' "$T/audit.log" | tail -1)
expect_match "its intent names the change by a fingerprint, not the value" "$upd_intent" \
	'"op":"hr.update",.*"check":"[0-9a-f]{64}","attrs":\["title"\]'
if printf '%s' "$upd_intent" | grep -q "kiểm thử"; then not_ok "no value in the intent line"; else ok "no value in the intent line"; fi
replay() { # replay RUNID: the update's intent line as a dead run's
	printf '%s\n' "$upd_intent" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read()); r["run"] = sys.argv[1]; r["pid"] = int(sys.argv[2]); r["start"] = 1
print(json.dumps(r, ensure_ascii=False, separators=(",", ":")))' "$1" "$dead_pid" >>"$T/audit.log"
}
replay dead.2
check "hr sync after the replayed update" $G hr sync "$T/upd.csv"
expect_match "the update whose values are in the entry is recorded as applied" \
	"$(grep '"run":"dead.2"' "$T/audit.log" | grep '"recovered":true')" '"op":"hr.update".*"result":"applied"'
upd_dn=$(printf '%s' "$upd_intent" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["dn"])')
printf 'dn: %s\nchangetype: modify\nreplace: title\ntitle: Khác\n' "$upd_dn" >"$T/mod.ldif"
check "the title changed behind the sync's back" ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -f "$T/mod.ldif"
replay dead.3
check "hr sync after the second replay" $G hr sync "$T/upd.csv"
expect_match "an update whose values are not in the entry is recorded as not applied" \
	"$(grep '"run":"dead.3"' "$T/audit.log" | grep '"recovered":true')" '"op":"hr.update".*"result":"not-applied"'

# ---- refusals --------------------------------------------------------------
head -101 "$DATA/hr-export.csv" >"$T/short.csv"
check_rc "a sync that would disable most accounts is refused (65)" 65 \
	$G hr sync --disable-missing "$T/short.csv"
expect_match "... and the refusal is in the audit log" "$(grep '"op":"run.refused"' "$T/audit.log" | tail -1)" \
	"\"target\":\"hr sync\".*\"source\":\"[^\"]*short.csv\",\"reason\":\"refusing to suspend or disable [0-9]+ of [0-9]+ active accounts.*\"result\":\"refused\""
printf 'HG999999,Cut Short,Nam,1980-01-01,snv,Chuyên viên,0900000000,wor' >>"$T/short.csv"
check_rc "a torn file is refused with --disable-missing (65)" 65 \
	$G hr sync --disable-missing "$T/short.csv"
expect_match "... and that refusal too" "$(grep '"op":"run.refused"' "$T/audit.log" | tail -1)" \
	"\"reason\":\"[^\"]*short.csv:102: the file ends in the middle of a row"
n=$(grep -c '"op":"run.refused"' "$T/audit.log")
check_rc "a dry run refused by the guard" 65 $G hr sync --dry-run --disable-missing "$T/short.csv"
expect_eq "... leaves no record (a dry run changes nothing)" "$(grep -c '"op":"run.refused"' "$T/audit.log")" "$n"
