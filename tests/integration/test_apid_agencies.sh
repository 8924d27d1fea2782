#!/usr/bin/env bash
# test_apid_agencies.sh — agency creation and change, and account purge,
# through govmail-apid against a sandbox slapd over HTTPS (curl): an
# agency-admin token creates sub-agencies within its subtree (also below
# one it just made) but no top-level agency, nothing under a sibling (404,
# as an unknown parent) and not its own agency; changes need If-Match (428,
# 412 when stale); a move is checked on the old and the new parent; hr and
# auditor may not (403 naming the rule); a province-admin person may do all
# of it. Bad input is 400 naming the field (govmailctl's checks), a taken
# code 409, and nothing changes. Purge: hr may not; an active account is
# refused (disable first), a recently disabled one too unless forced, and
# only a province-wide grant may force; a purged account is gone. Every
# change writes govmailctl's record with the caller and the client address.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "domain add sgd.haugiang.gov.vn" $G domain add sgd.haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh" --level province
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department --parent ubnd
check "agency add syt" $G agency add syt --name "Sở Y tế" --level department --parent ubnd
check "account add An (sgd)" $G account add --name "Nguyễn Văn An" --agency sgd
check "account add Cường (sgd)" $G account add --name "Lê Văn Cường" --agency sgd
check "account add Bình (syt)" $G account add --name "Trần Thị Bình" --agency syt
check "account add Hà (ubnd)" $G account add --name "Vũ Thị Hà" --agency ubnd --generate-password
HA_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant havt province-admin" $G role grant havt@haugiang.gov.vn --role province-admin

ADM=$(apid_token --agency sgd --role agency-admin --allow-from 127.0.0.1)
ADM_ID=$(printf '%s' "$ADM" | cut -d_ -f2)
HR=$(apid_token --agency sgd --role hr --allow-from 127.0.0.1)
AUD=$(apid_token --agency sgd --role auditor --allow-from 127.0.0.1)
expect_match "tokens were made" "$ADM $HR $AUD" '^gmt_[^ ]+ gmt_[^ ]+ gmt_[^ ]+$'

apid_tls
apid_conf "$T/govmail.conf"
apid_start

agencies() { t_count '(objectClass=govmailAgency)'; }
PROV="havt@haugiang.gov.vn:$HA_PW"
N0=$(agencies)

# --- create ----------------------------------------------------------------------
expect_eq "agency-admin of sgd: a sub-agency of sgd: 201" \
	"$(r "$ADM" POST /v1/agencies '{"code": "SGD-TV", "name": "Thư viện", "level": "unit", "parent": "sgd"}')" 201
expect_eq "... the code lowered, the agency as stored" \
	"$(jget 'd["agency"]["code"], d["agency"]["name"], d["agency"]["parent"], d["agency"]["status"]')" \
	"('sgd-tv', 'Thư viện', 'sgd', 'active')"
expect_match "... with its Location" "$(cat "$T/h")" '(?i)^location: /v1/agencies/sgd-tv'
check "govmailctl agency show sees it" $G agency show sgd-tv
expect_eq "below the agency it just made: 201" \
	"$(r "$ADM" POST /v1/agencies '{"code": "sgd-tv-a", "name": "Kho sách", "level": "unit", "parent": "sgd-tv", "domain": "sgd.haugiang.gov.vn"}')" 201
expect_eq "... with the domain" "$(jget 'd["agency"]["domain"]')" sgd.haugiang.gov.vn
N1=$(agencies)
expect_eq "two agencies more" "$N1" "$((N0 + 2))"
expect_eq "agency-admin of sgd: under syt: 404" \
	"$(r "$ADM" POST /v1/agencies '{"code": "syt-x", "name": "X", "level": "unit", "parent": "syt"}')" 404
expect_eq "... naming the field" "$(jget 'd["field"]')" parent
cp "$T/b" "$T/b.hidden"
expect_eq "agency-admin of sgd: under an unknown agency: 404" \
	"$(r "$ADM" POST /v1/agencies '{"code": "syt-x", "name": "X", "level": "unit", "parent": "nope"}')" 404
expect_eq "... the same answer" "$(sed 's/nope/syt/' "$T/b")" "$(cat "$T/b.hidden")"
expect_eq "agency-admin of sgd: a top-level agency: 403" \
	"$(r "$ADM" POST /v1/agencies '{"code": "top", "name": "X", "level": "province"}')" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "a top-level agency needs a province-wide grant"
expect_eq "hr: create: 403" \
	"$(r "$HR" POST /v1/agencies '{"code": "sgd-y", "name": "Y", "level": "unit", "parent": "sgd"}')" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "role hr may not agency.write"
expect_eq "auditor: create: 403" \
	"$(r "$AUD" POST /v1/agencies '{"code": "sgd-y", "name": "Y", "level": "unit", "parent": "sgd"}')" 403
expect_eq "a taken code: 409" \
	"$(r "$ADM" POST /v1/agencies '{"code": "sgd-tv", "name": "Y", "level": "unit", "parent": "sgd"}')" 409

# --- bad input: 400 naming the field, nothing made ---------------------------------
bad() {   # bad DESCRIPTION FIELD JSON
	expect_eq "$1: 400" "$(r "$ADM" POST /v1/agencies "$3")" 400
	expect_eq "... naming $2" "$(jget 'd.get("field")')" "$2"
}
bad "a code with blanks" code '{"code": "sgd x", "name": "Y", "level": "unit", "parent": "sgd"}'
bad "an unknown level" level '{"code": "sgd-y", "name": "Y", "level": "galaxy", "parent": "sgd"}'
bad "an empty name" name '{"code": "sgd-y", "name": "", "level": "unit", "parent": "sgd"}'
bad "a control character in the name" name '{"code": "sgd-y", "name": "Y\u0007", "level": "unit", "parent": "sgd"}'
bad "a bad parent code" parent '{"code": "sgd-y", "name": "Y", "level": "unit", "parent": "a b"}'
bad "a bad domain" domain '{"code": "sgd-y", "name": "Y", "level": "unit", "parent": "sgd", "domain": "not a domain"}'
bad "an unknown field" status '{"code": "sgd-y", "name": "Y", "level": "unit", "parent": "sgd", "status": "x"}'
bad "no name" name '{"code": "sgd-y", "level": "unit", "parent": "sgd"}'
bad "a number for a name" name '{"code": "sgd-y", "name": 5, "level": "unit", "parent": "sgd"}'
expect_eq "an ungoverned domain: 409" \
	"$(r "$ADM" POST /v1/agencies '{"code": "sgd-y", "name": "Y", "level": "unit", "parent": "sgd", "domain": "example.org"}')" 409
expect_eq "nothing was made by any of them" "$(agencies)" "$N1"

# --- modify -----------------------------------------------------------------------------
expect_eq "GET sgd-tv: 200" "$(r "$ADM" GET /v1/agencies/sgd-tv)" 200
TAG=$(etag)
expect_match "... with an ETag" "$TAG" '^"[0-9a-f]{32}"$'
expect_eq "PATCH without If-Match: 428" "$(r "$ADM" PATCH /v1/agencies/sgd-tv '{"name": "Thư viện tỉnh"}')" 428
expect_eq "PATCH with a stale ETag: 412" \
	"$(r "$ADM" PATCH /v1/agencies/sgd-tv '{"name": "Thư viện tỉnh"}' -H 'If-Match: "00000000000000000000000000000000"')" 412
expect_eq "PATCH with nothing to change: 400" "$(r "$ADM" PATCH /v1/agencies/sgd-tv '{}' -H "If-Match: $TAG")" 400
expect_eq "PATCH with the ETag: 200" \
	"$(r "$ADM" PATCH /v1/agencies/sgd-tv '{"name": "Thư viện tỉnh"}' -H "If-Match: $TAG")" 200
expect_eq "... what changed, the agency now" \
	"$(jget '[(c["field"], c["old"], c["new"]) for c in d["changes"]], d["agency"]["name"]')" \
	"([('name', 'Thư viện', 'Thư viện tỉnh')], 'Thư viện tỉnh')"
expect_eq "... the old ETag is stale now: 412" \
	"$(r "$ADM" PATCH /v1/agencies/sgd-tv '{"name": "Z"}' -H "If-Match: $TAG")" 412
expect_eq "... the name stayed" "$(r "$ADM" GET /v1/agencies/sgd-tv >/dev/null; jget 'd["name"]')" "Thư viện tỉnh"
expect_eq "move sgd-tv-a up to sgd: 200" \
	"$(r "$ADM" PATCH /v1/agencies/sgd-tv-a '{"parent": "sgd", "domain": ""}' -H 'If-Match: *')" 200
expect_eq "... moved, the domain removed" "$(jget 'd["agency"]["parent"], d["agency"]["domain"]')" "('sgd', None)"
expect_eq "move it under syt: 404" \
	"$(r "$ADM" PATCH /v1/agencies/sgd-tv-a '{"parent": "syt"}' -H 'If-Match: *')" 404
expect_eq "... naming the field" "$(jget 'd["field"]')" parent
expect_eq "make it top-level: 403" \
	"$(r "$ADM" PATCH /v1/agencies/sgd-tv-a '{"parent": ""}' -H 'If-Match: *')" 403
expect_eq "agency-admin of sgd: change sgd itself: 403" \
	"$(r "$ADM" PATCH /v1/agencies/sgd '{"name": "X"}' -H 'If-Match: *')" 403
expect_match "... naming the rule" "$(jget 'd["rule"]')" 'outside the caller.s scope'
expect_eq "agency-admin of sgd: change syt: 404" \
	"$(r "$ADM" PATCH /v1/agencies/syt '{"name": "X"}' -H 'If-Match: *')" 404
expect_eq "hr: change sgd-tv: 403" "$(r "$HR" PATCH /v1/agencies/sgd-tv '{"name": "X"}' -H 'If-Match: *')" 403
expect_eq "a bad level: 400" "$(r "$ADM" PATCH /v1/agencies/sgd-tv '{"level": "x"}' -H 'If-Match: *')" 400
expect_eq "... naming it" "$(jget 'd["field"]')" level
expect_eq "a cycle (sgd-tv under itself): 409" \
	"$(r "$ADM" PATCH /v1/agencies/sgd-tv '{"parent": "sgd-tv"}' -H 'If-Match: *')" 409
check "govmailctl agency show: the changes are there" $G --json agency show sgd-tv-a
expect_eq "... parent sgd, no domain" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["parent"], d["domain"])' "$T/last.out")" "sgd None"

# --- a province-admin person --------------------------------------------------------
expect_eq "province-admin: a top-level agency: 201" \
	"$(r "$PROV" POST /v1/agencies '{"code": "hdnd", "name": "HĐND tỉnh", "level": "province"}')" 201
expect_eq "province-admin: change syt: 200" \
	"$(r "$PROV" PATCH /v1/agencies/syt '{"name": "Sở Y tế tỉnh"}' -H 'If-Match: *')" 200
expect_eq "province-admin: move sgd-tv under syt: 200" \
	"$(r "$PROV" PATCH /v1/agencies/sgd-tv '{"parent": "syt"}' -H 'If-Match: *')" 200
expect_eq "agency-admin of sgd no longer sees sgd-tv: 404" "$(r "$ADM" GET /v1/agencies/sgd-tv)" 404

# --- purge ---------------------------------------------------------------------------------
CU=/v1/accounts/cuonglv@haugiang.gov.vn
expect_eq "hr: purge: 403" "$(r "$HR" POST "$CU/purge")" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "role hr may not account.purge"
expect_eq "agency-admin: purge an active account: 409" "$(r "$ADM" POST "$CU/purge")" 409
expect_match "... disable first" "$(jget 'd["detail"]')" 'only disabled accounts can be purged'
expect_eq "disable it: 200" "$(r "$ADM" POST "$CU/disable" '{"reason": "nghỉ hưu"}')" 200
expect_eq "purge within the retention period: 409" "$(r "$ADM" POST "$CU/purge")" 409
expect_match "... saying so" "$(jget 'd["detail"]')" 'retention period is 365 days'
expect_eq "agency-admin: purge with force: 403" "$(r "$ADM" POST "$CU/purge" '{"force": true}')" 403
expect_eq "... naming the field" "$(jget 'd["field"]')" force
expect_eq "purge with an unknown field: 400" "$(r "$ADM" POST "$CU/purge" '{"now": true}')" 400
expect_eq "... naming it" "$(jget 'd["field"]')" now
expect_eq "agency-admin of sgd: purge Bình of syt: 404" "$(r "$ADM" POST /v1/accounts/binhtt@haugiang.gov.vn/purge)" 404
expect_eq "still there after all that" "$(t_count '(uid=cuonglv)')" 1
expect_eq "province-admin: purge with force: 200" "$(r "$PROV" POST "$CU/purge" '{"force": true}')" 200
expect_eq "... purged" "$(jget 'd["address"], d["purged"]')" "('cuonglv@haugiang.gov.vn', True)"
expect_eq "... gone from the directory" "$(t_count '(uid=cuonglv)')" 0
expect_eq "... and from the API: 404" "$(r "$ADM" GET "$CU")" 404
# An account disabled long ago (as the directory would say a year on).
AN=/v1/accounts/annv@haugiang.gov.vn
expect_eq "disable An: 200" "$(r "$ADM" POST "$AN/disable" '{"reason": "nghỉ việc"}')" 200
printf 'dn: uid=annv,ou=accounts,%s\nchangetype: modify\nreplace: govmailStatusChanged\ngovmailStatusChanged: 20200101000000Z\n' "$LDAP_BASE" |
	ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >"$T/mod.out" 2>&1
expect_eq "An was disabled in 2020" "$?" 0
expect_eq "agency-admin: purge after the retention period: 200" "$(r "$ADM" POST "$AN/purge")" 200
expect_eq "... gone" "$(t_count '(uid=annv)')" 0

# --- the audit log ------------------------------------------------------------------------
python3 - "$T/audit.log" "token:$ADM_ID" >"$T/audit.out" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if not r.get("source", "").startswith("api "):
        continue
    if r["op"].startswith("agency.") or r["op"] == "account.purge":
        who = "adm" if r["actor"] == sys.argv[2] else r["actor"]
        print(r["op"], r["target"], who, r["source"], "dn" if r.get("dn") else "-",
              "attrs" if r.get("attrs") else "-")
PY
expect_eq "audit: govmailctl's records, with the caller and the client address" "$(cat "$T/audit.out")" \
"agency.add sgd-tv adm api 127.0.0.1 dn attrs
agency.add sgd-tv-a adm api 127.0.0.1 dn attrs
agency.modify sgd-tv adm api 127.0.0.1 dn attrs
agency.modify sgd-tv-a adm api 127.0.0.1 dn attrs
agency.add hdnd havt@haugiang.gov.vn api 127.0.0.1 dn attrs
agency.modify syt havt@haugiang.gov.vn api 127.0.0.1 dn attrs
agency.modify sgd-tv havt@haugiang.gov.vn api 127.0.0.1 dn attrs
account.purge cuonglv@haugiang.gov.vn havt@haugiang.gov.vn api 127.0.0.1 dn -
account.purge annv@haugiang.gov.vn adm api 127.0.0.1 dn -"
check "govmailctl's record of a purge has the same fields" $G account disable binhtt@haugiang.gov.vn
check "... purge --force" $G account purge binhtt@haugiang.gov.vn --force
expect_eq "... op, target, dn and no attributes" \
	"$(tail -1 "$T/audit.log" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["op"], r["target"], bool(r.get("dn")), r.get("attrs", []))')" \
	"account.purge binhtt@haugiang.gov.vn True []"
expect_eq "no token is in the log" "$(grep -c 'gmt_' "$T/apid.log")" 0

t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0
