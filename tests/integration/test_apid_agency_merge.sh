#!/usr/bin/env bash
# test_apid_agency_merge.sh — POST /v1/agencies/{code}/merge through
# govmail-apid against a sandbox slapd over HTTPS (curl): a preview
# ("dry_run": true) lists the accounts, sub-agencies and the retirement and
# changes nothing (ldapsearch before and after identical, no audit record);
# the real run needs If-Match with the preview's ETag (428 without, 412
# stale); it makes what govmailctl agency merge makes (the same directory
# state and the same audit records as a CLI merge of a twin subtree, and the
# CLI then finds nothing to do); hr, an agency-admin merging the agency of
# its own grant away, and a caller who cannot see the agency are refused
# (403 / 404); unknown agencies 404; merging into itself or into one of its
# own sub-agencies 409; bad input 400 naming the field.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)
AGENCIES="ou=agencies,$LDAP_BASE"

check "domain add" $G domain add haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh" --level province
for a in sgd syt; do
	check "agency add $a" $G agency add $a --name "Sở $a" --level department --parent ubnd
	check "agency add $a-a" $G agency add $a-a --name "Phòng A ($a)" --level unit --parent $a
	check "agency add $a-b" $G agency add $a-b --name "Phòng B ($a)" --level unit --parent $a
	check "agency add $a-a1" $G agency add $a-a1 --name "Tổ A1 ($a)" --level unit --parent $a-a
done
# the same people in the twin subtrees sgd-* (merged through the API) and
# syt-* (merged with govmailctl)
for a in sgd syt; do
	check "account add An ($a-a)" $G account add --name "Nguyễn Văn An" --agency $a-a --address an.$a@haugiang.gov.vn
	check "account add Bình ($a-a)" $G account add --name "Trần Thị Bình" --agency $a-a --address binh.$a@haugiang.gov.vn
	check "account add Cường ($a-a)" $G account add --name "Lê Văn Cường" --agency $a-a --address cuong.$a@haugiang.gov.vn
	check "account add Dũng ($a-a1)" $G account add --name "Phạm Văn Dũng" --agency $a-a1 --address dung.$a@haugiang.gov.vn
	check "account add Giang ($a-b)" $G account add --name "Hồ Thị Giang" --agency $a-b --address giang.$a@haugiang.gov.vn
done
check "account add Hà (ubnd)" $G account add --name "Vũ Thị Hà" --agency ubnd --generate-password
HA_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant havt province-admin" $G role grant havt@haugiang.gov.vn --role province-admin
PROV="havt@haugiang.gov.vn:$HA_PW"

ADM=$(apid_token --agency sgd --role agency-admin --allow-from 127.0.0.1)
ADM_ID=$(printf '%s' "$ADM" | cut -d_ -f2)
HR=$(apid_token --agency sgd --role hr --allow-from 127.0.0.1)
OTHER=$(apid_token --agency syt --role agency-admin --allow-from 127.0.0.1)
expect_match "tokens were made" "$ADM $HR $OTHER" '^gmt_[^ ]+ gmt_[^ ]+ gmt_[^ ]+$'

apid_tls
apid_conf "$T/govmail.conf"
apid_start

# The directory state a merge may change: accounts (t_dump_accounts) and
# agencies (code, parent, status, description).
dump() {
	t_dump_accounts
	t_ldapsearch -b "$AGENCIES" '(objectClass=govmailAgency)' govmailAgencyCode \
		govmailParentAgency govmailAgencyStatus description | grep -v '^$' | sort
}
M=/v1/agencies/sgd-a/merge

# --- preview ---------------------------------------------------------------------------
dump >"$T/before.dump"
AUDIT0=$(wc -l <"$T/audit.log")
expect_eq "preview sgd-a into sgd-b: 200" "$(r "$ADM" POST $M '{"into": "sgd-b", "dry_run": true}')" 200
TAG=$(etag)
expect_match "... with an ETag" "$TAG" '^"[0-9a-f]{32}"$'
cp "$T/b" "$T/preview.json"
expect_eq "... the accounts to move, by uid, with where they are" \
	"$(jget '[(a["address"], a["from"]) for a in d["accounts"]]')" \
	"[('an.sgd@haugiang.gov.vn', 'sgd-a'), ('binh.sgd@haugiang.gov.vn', 'sgd-a'), ('cuong.sgd@haugiang.gov.vn', 'sgd-a')]"
expect_eq "... counts, the sub-agency, the retirement, no address changes" \
	"$(jget 'd["src"], d["dst"], d["dry_run"], d["accounts_moved"], d["sub_agencies_reparented"], d["sub_agencies"], d["src_retire"], d["addresses_changed"], d["nothing_to_do"]')" \
	"('sgd-a', 'sgd-b', True, 3, 1, ['sgd-a1'], True, 0, False)"
expect_eq "the same preview again: the same ETag" \
	"$(r "$ADM" POST $M '{"into": "SGD-B", "dry_run": true}'; echo " $(etag)")" "200 $TAG"
dump >"$T/after-preview.dump"
if cmp -s "$T/before.dump" "$T/after-preview.dump"; then ok "the preview changed nothing (ldapsearch)"; else
	not_ok "the preview changed nothing (ldapsearch)"; diff "$T/before.dump" "$T/after-preview.dump" | head >&2; fi
expect_eq "... and wrote no audit record" "$(wc -l <"$T/audit.log")" "$AUDIT0"

# --- refused: nothing changes ------------------------------------------------------------
expect_eq "a real run without If-Match: 428" "$(r "$ADM" POST $M '{"into": "sgd-b"}')" 428
expect_eq "... naming the header" "$(jget 'd["field"]')" If-Match
expect_eq "a real run with a stale ETag: 412" \
	"$(r "$ADM" POST $M '{"into": "sgd-b", "dry_run": false}' -H 'If-Match: "00000000000000000000000000000000"')" 412
expect_eq "the preview's ETag does not fit another destination: 412" \
	"$(r "$ADM" POST $M '{"into": "sgd"}' -H "If-Match: $TAG")" 412
expect_eq "hr of sgd: 403" "$(r "$HR" POST $M '{"into": "sgd-b", "dry_run": true}')" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "role hr may not agency.write"
expect_eq "agency-admin of sgd: merge sgd itself away: 403" \
	"$(r "$ADM" POST /v1/agencies/sgd/merge '{"into": "sgd-b", "dry_run": true}')" 403
expect_match "... naming the rule" "$(jget 'd["rule"]')" 'outside the caller.s scope'
expect_eq "agency-admin of syt: sgd-a is not seen: 404" \
	"$(r "$OTHER" POST $M '{"into": "syt-b", "dry_run": true}')" 404
cp "$T/b" "$T/b.hidden"
expect_eq "... as an unknown agency" "$(r "$OTHER" POST /v1/agencies/nope/merge '{"into": "syt-b", "dry_run": true}')" 404
expect_eq "... the same answer" "$(cat "$T/b")" "$(cat "$T/b.hidden")"
expect_eq "agency-admin of sgd: into syt-b (not seen): 404" \
	"$(r "$ADM" POST $M '{"into": "syt-b", "dry_run": true}')" 404
expect_eq "... naming the field" "$(jget 'd["field"]')" into
expect_eq "into an unknown agency: 404" "$(r "$ADM" POST $M '{"into": "nope", "dry_run": true}')" 404
expect_eq "into itself: 409" "$(r "$ADM" POST $M '{"into": "sgd-a", "dry_run": true}')" 409
expect_match "... saying so" "$(jget 'd["detail"]')" "into itself"
expect_eq "into its own sub-agency: 409" "$(r "$ADM" POST $M '{"into": "sgd-a1"}' -H 'If-Match: *')" 409
expect_match "... saying it would make a cycle" "$(jget 'd["detail"]')" "cycle"
expect_eq "a bad code in into: 400" "$(r "$ADM" POST $M '{"into": "a b", "dry_run": true}')" 400
expect_eq "... naming it" "$(jget 'd["field"]')" into
expect_eq "into missing: 400" "$(r "$ADM" POST $M '{"dry_run": true}')" 400
expect_eq "... naming it" "$(jget 'd["field"]')" into
expect_eq "an unknown field: 400" "$(r "$ADM" POST $M '{"into": "sgd-b", "now": true}')" 400
expect_eq "dry_run not a boolean: 400" "$(r "$ADM" POST $M '{"into": "sgd-b", "dry_run": "yes"}')" 400
dump >"$T/after-refused.dump"
if cmp -s "$T/before.dump" "$T/after-refused.dump"; then ok "nothing changed by any of them"; else
	not_ok "nothing changed by any of them"; diff "$T/before.dump" "$T/after-refused.dump" | head >&2; fi

# --- the real run -------------------------------------------------------------------------
AUDIT1=$(wc -l <"$T/audit.log")
expect_eq "the real run with the preview's ETag: 200" \
	"$(r "$ADM" POST $M '{"into": "sgd-b", "dry_run": false}' -H "If-Match: $TAG")" 200
cp "$T/b" "$T/api.json"
expect_eq "... what was done" \
	"$(jget 'd["dry_run"], d["accounts_moved"], d["sub_agencies_reparented"], d["src_retired"], len(d["accounts"]), d["sub_agencies"]')" \
	"(False, 3, 1, True, 3, ['sgd-a1'])"
expect_eq "no account is left in sgd-a (ldapsearch)" "$(t_count '(&(objectClass=govmailAccount)(govmailAgency=sgd-a))')" 0
expect_eq "sgd-b has its own and the three" "$(t_count '(&(objectClass=govmailAccount)(govmailAgency=sgd-b))')" 4
check "govmailctl agency merge sgd-a --into sgd-b --json" $G --json agency merge sgd-a --into sgd-b
expect_eq "... the CLI finds nothing left to do" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["nothing_to_do"], d["src_retired"])' "$T/last.out")" "True True"
expect_eq "the same merge again through the API: nothing to do" \
	"$(r "$ADM" POST $M '{"into": "sgd-b"}' -H 'If-Match: *'; echo " $(jget 'd["nothing_to_do"]')")" "200 True"

# The twin subtree merged with govmailctl: the same result.
check "govmailctl agency merge syt-a --into syt-b --json" $G --json agency merge syt-a --into syt-b
cp "$T/last.out" "$T/cli.json"
norm() {   # the result with the subtree's name taken out
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d, sort_keys=True).replace("sgd", "X").replace("syt", "X"))' "$1"
}
expect_eq "the API's answer is govmailctl's --json" "$(norm "$T/api.json")" "$(norm "$T/cli.json")"
state() {   # the directory state of subtree $1, its name taken out
	{
		t_ldapsearch -b "ou=accounts,$LDAP_BASE" "(govmailAgency=$1-*)" uid govmailAgency mail
		t_ldapsearch -b "$AGENCIES" "(govmailAgencyCode=$1-*)" govmailAgencyCode \
			govmailParentAgency govmailAgencyStatus description
	} | grep -v '^$' | sed "s/$1/X/g" | sort
}
expect_eq "the directory after the API's merge is as after the CLI's" "$(state sgd)" "$(state syt)"
records() {   # op target-shape attrs source of the merge's records
	python3 - "$T/audit.log" "$1" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    src = r.get("source") or ""
    if sys.argv[2] not in src and sys.argv[2] not in (r.get("target") or ""):
        continue
    if r["op"] == "run.summary":
        print(r["op"], r["target"], json.dumps(r.get("counts"), sort_keys=True), r["result"])
        continue
    if r["op"] not in ("account.move", "agency.modify", "agency.merge"):
        continue
    ch = [(c["field"], c["old"], c["new"]) for c in r.get("changes", [])]
    print(r["op"], r["target"], r.get("attrs"), ch, src.split(" ")[-1])
PY
}
records sgd-a | sed 's/sgd/X/g' >"$T/rec.api"
records syt-a | sed 's/syt/X/g' >"$T/rec.cli"
expect_eq "the audit records are govmailctl's" "$(cat "$T/rec.api")" "$(cat "$T/rec.cli")"
expect_eq "... one per account, the sub-agency, the retirement, and the summary" "$(wc -l <"$T/rec.api")" 6
python3 - "$T/audit.log" "$AUDIT1" "token:$ADM_ID" >"$T/who.out" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]
for l in lines:
    r = json.loads(l)
    if r["op"] in ("account.move", "agency.modify", "agency.merge"):
        if "sgd" in (r.get("source") or ""):
            print(r["actor"] == sys.argv[3], r["source"])
PY
expect_eq "... with the caller as actor and the client address in the source" \
	"$(sort -u "$T/who.out")" "True api 127.0.0.1 merge sgd-a->sgd-b"

# --- a province-admin person; the tree after it ------------------------------------------------
expect_eq "province-admin: preview sgd-b into syt: 200" \
	"$(r "$PROV" POST /v1/agencies/sgd-b/merge '{"into": "syt", "dry_run": true}')" 200
expect_eq "... four accounts (its own and sgd-a's), the sub-agency it received" \
	"$(jget 'd["accounts_moved"], d["sub_agencies"]')" "(4, ['sgd-a1'])"
expect_eq "the agency-admin of sgd sees sgd-a retired, merged into sgd-b" \
	"$(r "$ADM" GET /v1/agencies/sgd-a; echo " $(jget 'd["status"], d["merged_into"]')")" "200 ('retired', 'sgd-b')"
expect_eq "a retired agency cannot receive a merge: 409" \
	"$(r "$PROV" POST /v1/agencies/sgd-b/merge '{"into": "sgd-a", "dry_run": true}')" 409
expect_eq "no token is in the log" "$(grep -c 'gmt_' "$T/apid.log")" 0
t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly on SIGTERM (no leak under ASan)" "$?" 0
