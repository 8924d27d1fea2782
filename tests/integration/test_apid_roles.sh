#!/usr/bin/env bash
# test_apid_roles.sh — govmail-apid with its callers, against a sandbox
# slapd over HTTPS (curl and the Python standard-library client): an hr
# token of one agency reads and changes accounts of its subtree (GET with
# ETag, PATCH with If-Match: 428 without, 412 when stale and nothing
# changed, suspend/resume/disable, password reset returned once and usable
# for a bind), sees nothing of a sibling agency (404, as a missing
# account), lists only its subtree with an opaque cursor; an auditor token
# reads but may not change (403 naming the rule); tokens refused after
# revocation, expiry and from outside their networks (401); people by
# address and password with their roles (agency-admin of another subtree,
# no role: 403, wrong password: 401); each change audited with the token
# id or the person as actor and the client address as source.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"
PYC="$TOP/tests/integration/apid_client.py"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh" --level province
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department --parent ubnd
check "agency add sgd-th" $G agency add sgd-th --name "Trường THPT" --level unit --parent sgd
check "agency add syt" $G agency add syt --name "Sở Y tế" --level department --parent ubnd
check "account add An (sgd)" $G account add --name "Nguyễn Văn An" --agency sgd
check "account add Cường (sgd-th)" $G account add --name "Lê Văn Cường" --agency sgd-th
check "account add Dũng (sgd-th)" $G account add --name "Phạm Văn Dũng" --agency sgd-th
check "account add Bình (syt)" $G account add --name "Trần Thị Bình" --agency syt --generate-password
BINH_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "account add Hà (syt), no role" $G account add --name "Vũ Thị Hà" --agency syt --generate-password
HA_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant binhtt agency-admin of syt" $G role grant binhtt@haugiang.gov.vn --role agency-admin --agency syt

HR=$(apid_token --agency sgd --role hr --allow-from 127.0.0.0/8)
HR_ID=$(printf '%s' "$HR" | cut -d_ -f2)
AUD=$(apid_token --agency sgd --role auditor --allow-from 127.0.0.1)
FAR=$(apid_token --agency sgd --role hr --allow-from 10.9.0.0/16)
OLD=$(apid_token --agency sgd --role hr --allow-from 127.0.0.1 --expires 30d)
GONE=$(apid_token --agency sgd --role hr --allow-from 127.0.0.1)
expect_match "tokens were made" "$HR $AUD $FAR $OLD $GONE" '^gmt_[^ ]+ gmt_[^ ]+ gmt_[^ ]+ gmt_[^ ]+ gmt_[^ ]+$'
check "token revoke" $G token revoke "$(printf '%s' "$GONE" | cut -d_ -f2)"
# Expiry: the directory says it has passed (as an administrator could set it).
OLD_DN=$(t_ldapsearch -b "ou=tokens,$LDAP_BASE" "(govmailTokenId=$(printf '%s' "$OLD" | cut -d_ -f2))" dn | sed -n 's/^dn: //p')
printf 'dn: %s\nchangetype: modify\nreplace: govmailTokenExpires\ngovmailTokenExpires: 20010101000000Z\n' "$OLD_DN" |
	ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >"$T/mod.out" 2>&1
expect_eq "an expiry in the past is set on one token" "$?" 0

apid_tls
apid_conf "$T/govmail.conf"
apid_start


AN=/v1/accounts/annv@haugiang.gov.vn
expect_eq "hr token: GET an account of its agency: 200" "$(r "$HR" GET "$AN")" 200
expect_eq "... its fields" "$(jget 'd["address"], d["agency"], d["status"]')" \
	"('annv@haugiang.gov.vn', 'sgd', 'active')"
ETAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\([^\r]*\).*/\1/p' "$T/h")
expect_match "... with an ETag" "$ETAG" '^"[0-9a-f]{32}"$'
expect_eq "hr token: GET an account of a sub-agency: 200" \
	"$(r "$HR" GET /v1/accounts/cuonglv@haugiang.gov.vn)" 200
expect_eq "hr token: an account of a sibling agency: 404" \
	"$(r "$HR" GET /v1/accounts/binhtt@haugiang.gov.vn)" 404
cp "$T/b" "$T/b.hidden"
expect_eq "hr token: a missing account: 404" "$(r "$HR" GET /v1/accounts/nobody@haugiang.gov.vn)" 404
expect_eq "... the two answers are the same" "$(cat "$T/b")" "$(cat "$T/b.hidden")"
expect_eq "hr token: GET its agency: 200" "$(r "$HR" GET /v1/agencies/sgd)" 200
expect_eq "hr token: GET a sibling agency: 404" "$(r "$HR" GET /v1/agencies/syt)" 404

# --- list and paging --------------------------------------------------------
expect_eq "hr token: list: 200" "$(r "$HR" GET '/v1/accounts?limit=2')" 200
expect_eq "... its subtree only (3 accounts), 2 on the page" "$(jget 'd["total"], len(d["items"])')" "(3, 2)"
seen=$(jget '" ".join(a["address"] for a in d["items"])')
CUR=$(jget 'd["next_cursor"]')
expect_eq "... next page by the cursor: 200" "$(r "$HR" GET "/v1/accounts?limit=2&cursor=$CUR")" 200
seen="$seen $(jget '" ".join(a["address"] for a in d["items"])')"
expect_eq "... the last page has no cursor" "$(jget 'd["next_cursor"]')" None
expect_eq "... every account of the subtree once" "$(echo $seen | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"annv@haugiang.gov.vn cuonglv@haugiang.gov.vn dungpv@haugiang.gov.vn "
expect_eq "list by name, accent-insensitive" "$(r "$HR" GET '/v1/accounts?name=nguyen%20an')" 200
expect_eq "... finds An" "$(jget '[a["address"] for a in d["items"]]')" "['annv@haugiang.gov.vn']"
expect_eq "list of a sibling agency: 404" "$(r "$HR" GET '/v1/accounts?agency=syt')" 404
expect_eq "list with an unknown parameter: 400" "$(r "$HR" GET '/v1/accounts?bogus=1')" 400
expect_eq "... naming it" "$(jget 'd["field"]')" bogus
expect_eq "list with a limit over max_page_size: 400" "$(r "$HR" GET '/v1/accounts?limit=100000')" 400
expect_eq "list with a forged cursor: 400" "$(r "$HR" GET '/v1/accounts?cursor=zz')" 400

# --- PATCH with If-Match ----------------------------------------------------
expect_eq "PATCH without If-Match: 428" "$(r "$HR" PATCH "$AN" '{"title": "Chuyên viên"}')" 428
expect_eq "PATCH with a stale ETag: 412" \
	"$(r "$HR" PATCH "$AN" '{"title": "Chuyên viên"}' -H 'If-Match: "00000000000000000000000000000000"')" 412
expect_eq "... nothing changed" "$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(uid=annv)' title | grep -c '^title')" 0
expect_eq "PATCH with the ETag as read: 200" \
	"$(r "$HR" PATCH "$AN" '{"title": "Chuyên viên"}' -H "If-Match: $ETAG")" 200
expect_eq "... says what changed" "$(jget '[(c["field"], c["old"], c["new"]) for c in d["changes"]]')" \
	"[('title', None, 'Chuyên viên')]"
NEWTAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\([^\r]*\).*/\1/p' "$T/h")
expect_eq "the old ETag is now stale: 412" \
	"$(r "$HR" PATCH "$AN" '{"title": "Trưởng phòng"}' -H "If-Match: $ETAG")" 412
expect_eq "the new ETag works" \
	"$(r "$HR" PATCH "$AN" '{"title": "Trưởng phòng"}' -H "If-Match: $NEWTAG")" 200
expect_eq "PATCH of a sibling's account: 404" \
	"$(r "$HR" PATCH /v1/accounts/binhtt@haugiang.gov.vn '{"title": "x"}' -H 'If-Match: *')" 404

# --- status and password -----------------------------------------------------
expect_eq "suspend without a reason: 400" "$(r "$HR" POST "$AN/suspend" '{}')" 400
expect_eq "... naming the field" "$(jget 'd["field"]')" reason
expect_eq "suspend: 200" "$(r "$HR" POST "$AN/suspend" '{"reason": "nghỉ phép"}')" 200
expect_eq "... the account is suspended" "$(jget 'd["account"]["status"]')" suspended
expect_eq "resume: 200" "$(r "$HR" POST "$AN/resume")" 200
expect_eq "... active again" "$(jget 'd["account"]["status"]')" active
expect_eq "password reset: 200" "$(r "$HR" POST /v1/accounts/dungpv@haugiang.gov.vn/password)" 200
PW=$(jget 'd["password"]')
expect_match "... the generated password is returned" "$PW" '^.{20,}$'
check "... and binds" ldapwhoami -x -H "$LDAP_URI" -D "uid=dungpv,ou=accounts,$LDAP_BASE" -w "$PW"
expect_eq "disable: 200" "$(r "$HR" POST /v1/accounts/dungpv@haugiang.gov.vn/disable '{"reason": "nghỉ việc"}')" 200
expect_eq "... disabled" "$(jget 'd["account"]["status"]')" disabled
expect_eq "the password is in no log" "$(grep -cF -- "$PW" "$T/apid.log")" 0
expect_eq "no token is in the log" "$(grep -c 'gmt_' "$T/apid.log")" 0

# --- the audit log: the same records as govmailctl's, with the caller ----
python3 - "$T/audit.log" "token:$HR_ID" >"$T/audit.out" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
api = [r for r in recs if r.get("source", "").startswith("api ")]
for r in api:
    print(r["op"], r["target"], r["actor"] == sys.argv[2], r["source"])
PY
expect_eq "audit: each change with the token as actor and the client address" "$(cat "$T/audit.out")" \
"account.modify annv@haugiang.gov.vn True api 127.0.0.1
account.modify annv@haugiang.gov.vn True api 127.0.0.1
account.suspend annv@haugiang.gov.vn True api 127.0.0.1
account.resume annv@haugiang.gov.vn True api 127.0.0.1
account.passwd dungpv@haugiang.gov.vn True api 127.0.0.1
account.disable dungpv@haugiang.gov.vn True api 127.0.0.1"

# --- other tokens ----------------------------------------------------------------
expect_eq "auditor token: GET: 200" "$(r "$AUD" GET "$AN")" 200
expect_eq "auditor token: suspend: 403" "$(r "$AUD" POST "$AN/suspend" '{"reason": "x"}')" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "role auditor may not account.suspend"
expect_eq "auditor token: password reset: 403" "$(r "$AUD" POST "$AN/password")" 403
expect_eq "a token from outside its networks: 401" "$(r "$FAR" GET "$AN")" 401
expect_eq "an expired token: 401" "$(r "$OLD" GET "$AN")" 401
expect_eq "a revoked token: 401" "$(r "$GONE" GET "$AN")" 401
expect_eq "a token with a wrong secret: 401" "$(r "${HR%?}x" GET "$AN")" 401
expect_match "the log says why, without the token" "$(cat "$T/apid.log")" 'not authenticated: .*(expired|network|allow)'

# --- people --------------------------------------------------------------------
out=$(python3 "$PYC" "$U" "$T/cert.pem" GET /v1/accounts/binhtt@haugiang.gov.vn \
	"Authorization: Basic $(printf '%s' "binhtt@haugiang.gov.vn:$BINH_PW" | base64 -w0)")
expect_match "agency-admin of syt (Python client, Basic): reads her agency's account: 200" "$out" '^200'
B=(-u "binhtt@haugiang.gov.vn:$BINH_PW")
expect_eq "agency-admin of syt: an account of sgd: 404" "$(r - GET "$AN" "${B[@]}")" 404
expect_eq "agency-admin of syt: suspends Hà: 200" \
	"$(r - POST /v1/accounts/havt@haugiang.gov.vn/suspend '{"reason": "x"}' "${B[@]}")" 200
expect_eq "... audited with her address as actor" \
	"$(tail -1 "$T/audit.log" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["op"], r["actor"], r["source"])')" \
	"account.suspend binhtt@haugiang.gov.vn api 127.0.0.1"
expect_eq "agency-admin of syt: suspends An of sgd: 404" \
	"$(r - POST "$AN/suspend" '{"reason": "x"}' "${B[@]}")" 404
expect_eq "a wrong password: 401" "$(r - GET "$AN" -u "binhtt@haugiang.gov.vn:wrong")" 401
# Hà is suspended now: resume her first (as Bình) so that only the role decides
r - POST /v1/accounts/havt@haugiang.gov.vn/resume "${B[@]}" >/dev/null
expect_eq "a person without a role: 403" "$(r - GET "$AN" -u "havt@haugiang.gov.vn:$HA_PW")" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" no-role

# --- the directory stopped ------------------------------------------------------
before=$(wc -l <"$T/audit.log")
"$TOP/scripts/ldap-sandbox" stop "$T/ldap" >/dev/null 2>&1
expect_eq "directory stopped: a token's request is 503" "$(r "$HR" GET "$AN")" 503
expect_match "... with Retry-After" "$(cat "$T/h")" '(?i)^retry-after: 5'
expect_eq "... and a change too" "$(r "$HR" POST "$AN/suspend" '{"reason": "x"}')" 503
expect_eq "... nothing audited" "$(wc -l <"$T/audit.log")" "$before"

t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0
