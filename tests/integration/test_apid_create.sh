#!/usr/bin/env bash
# test_apid_create.sh — govmail-apid's creations and the other account
# operations against a sandbox slapd over HTTPS: create with an address
# from the template, Location and a password returned once; a retry with
# the same Idempotency-Key gets the first answer and never a second
# account, the same key with another body is refused (422); creation
# outside the caller's scope is a 404 on the agency; move within the
# subtree and not out of it; rename, aliases, forwarding, quota, lock and
# unlock by an agency-admin, refused to an hr token where its role does not
# allow them (403 naming the rule); each audited as govmailctl does.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh" --level province
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department --parent ubnd
check "agency add sgd-th" $G agency add sgd-th --name "Trường THPT" --level unit --parent sgd
check "agency add syt" $G agency add syt --name "Sở Y tế" --level department --parent ubnd
check "account add Bình (syt)" $G account add --name "Trần Thị Bình" --agency syt --generate-password
BINH_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "account add Hà (syt)" $G account add --name "Vũ Thị Hà" --agency syt
check "role grant binhtt agency-admin of syt" $G role grant binhtt@haugiang.gov.vn --role agency-admin --agency syt
check "token add hr sgd" $G token add --agency sgd --role hr --allow-from 127.0.0.1
HR=$(sed -n 's/^token: //p' "$T/last.out")
HR_ID=$(printf '%s' "$HR" | cut -d_ -f2)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/openssl.err" ||
	{ cat "$T/openssl.err"; echo "Bail out! openssl req"; exit 1; }
cat >>"$T/govmail.conf" <<CONF
apid = {
  listen = "127.0.0.1:$P";
  tls_cert_file = "$T/cert.pem";
  tls_key_file = "$T/key.pem";
  user = "";
  pid_file = "";
  ldap_bind_dn = "$LDAP_APID_DN";
  ldap_bind_password_file = "$LDAP_APID_PWFILE";
};
CONF
"$APID" -f >"$T/apid.log" 2>&1 &
APID_PID=$!
T_PIDS+=("$APID_PID")
check "govmail-apid listens" wait_port "$P"
U=https://127.0.0.1:$P
CURL=(curl -sS --cacert "$T/cert.pem" --max-time 300)
hdr() { sed -n "s/^$1: *\\([^\\r]*\\).*/\\1/Ip" "$T/h"; }
naccounts() { t_count "(&(objectClass=govmailAccount)(cn=$1))"; }

# --- create and Idempotency-Key ---------------------------------------------
NEW='{"name": "Nguyễn Văn An", "agency": "sgd", "employee_id": "HG1"}'
expect_eq "create: 201" "$(r "$HR" POST /v1/accounts "$NEW" -H 'Idempotency-Key: hr-42')" 201
expect_eq "... the address from the template" "$(jget 'd["account"]["address"]')" annv@haugiang.gov.vn
expect_eq "... Location" "$(hdr Location)" /v1/accounts/annv@haugiang.gov.vn
PW=$(jget 'd["password"]')
expect_match "... the initial password, once" "$PW" '^.{20,}$'
check "... which binds" ldapwhoami -x -H "$LDAP_URI" -D "uid=annv,ou=accounts,$LDAP_BASE" -w "$PW"
cp "$T/b" "$T/first"
expect_eq "retry with the same key: the first answer (201)" \
	"$(r "$HR" POST /v1/accounts "$NEW" -H 'Idempotency-Key: hr-42')" 201
expect_eq "... the same body" "$(cat "$T/b")" "$(cat "$T/first")"
expect_eq "... marked as replayed" "$(hdr Idempotency-Replayed)" true
expect_eq "... and one account only" "$(naccounts 'Nguyễn Văn An')" 1
expect_eq "the same key with another body: 422" \
	"$(r "$HR" POST /v1/accounts '{"name": "Lê Văn Tám", "agency": "sgd"}' -H 'Idempotency-Key: hr-42')" 422
expect_eq "... nothing made" "$(naccounts 'Lê Văn Tám')" 0
expect_eq "a retry on another gateway (no key) with the employee id: 409" \
	"$(r "$HR" POST /v1/accounts "$NEW")" 409
expect_eq "... still one account" "$(naccounts 'Nguyễn Văn An')" 1
expect_eq "... the problem names the field it concerns (the console shows it there)" \
	"$(jget 'd["field"]')" employee_id
# An employee id held by someone the caller may not see (syt is outside
# the hr token's sgd): refused, without naming that account.
check "account add Sáu (syt) with employee id SYT7" \
	$G account add --name "Phạm Văn Sáu" --agency syt --employee-id SYT7
expect_eq "create with the employee id of someone in syt: 409" \
	"$(r "$HR" POST /v1/accounts '{"name": "Đỗ Văn Bảy", "agency": "sgd", "employee_id": "SYT7"}')" 409
expect_eq "... field employee_id" "$(jget 'd["field"]')" employee_id
expect_match "... says it is used by another account" "$(cat "$T/b")" \
	"employee id 'SYT7' is already used by another account"
check "... without that account's address or uid" \
	bash -c '! grep -qi "saupv" "$1"' - "$T/b"
expect_eq "PATCH to that employee id: 409" \
	"$(r "$HR" PATCH /v1/accounts/annv@haugiang.gov.vn '{"employee_id": "SYT7"}' -H 'If-Match: *')" 409
check "... without that account's address or uid" \
	bash -c '! grep -qi "saupv" "$1"' - "$T/b"
check_rc "govmailctl (the directory's administrator) names the holder" 65 \
	$G account add --name "Đỗ Văn Bảy" --agency sgd --employee-id SYT7
expect_match "... in its message" "$(cat "$T/last.err" 2>/dev/null; cat "$T/last.out")" \
	"employee id 'SYT7' is already used by another account \(saupv@haugiang.gov.vn\)"
check_rc "govmailctl account modify names the holder too" 65 \
	$G account modify annv@haugiang.gov.vn --employee-id SYT7
expect_match "... in its message" "$(cat "$T/last.err" 2>/dev/null; cat "$T/last.out")" \
	"already used by another account \(saupv@haugiang.gov.vn\)"
expect_eq "create with an address taken: 409" \
	"$(r "$HR" POST /v1/accounts '{"name": "Lê Văn Tám", "agency": "sgd", "address": "annv@haugiang.gov.vn"}')" 409
expect_eq "... naming the field address" "$(jget 'd["field"]')" address
expect_eq "create with a name the template cannot use: 400 naming the field name" \
	"$(r "$HR" POST /v1/accounts '{"name": "!!!", "agency": "sgd"}') $(jget 'd["field"]')" "400 name"
expect_eq "create in a domain not governed: 400 naming the field domain" \
	"$(r "$HR" POST /v1/accounts '{"name": "Lê Văn Tám", "agency": "sgd", "domain": "example.org"}') $(jget 'd["field"]')" "400 domain"
expect_eq "create in a sub-agency, explicit address: 201" \
	"$(r "$HR" POST /v1/accounts '{"name": "Lê Văn Cường", "agency": "sgd-th", "address": "cuong.le@haugiang.gov.vn", "generate_password": false}')" 201
expect_eq "... that address, no password" "$(jget 'd["account"]["address"], "password" in d')" \
	"('cuong.le@haugiang.gov.vn', False)"
expect_eq "create in a sibling agency: 404" \
	"$(r "$HR" POST /v1/accounts '{"name": "Lê Văn Tám", "agency": "syt"}')" 404
expect_eq "... naming the field" "$(jget 'd["field"]')" agency
expect_eq "create without a name: 400" "$(r "$HR" POST /v1/accounts '{"agency": "sgd"}')" 400
expect_eq "... naming it" "$(jget 'd["field"]')" name
expect_eq "a bad Idempotency-Key: 400" \
	"$(r "$HR" POST /v1/accounts "$NEW" -H 'Idempotency-Key: a b')" 400
expect_eq "nothing made by the refusals" "$(naccounts 'Lê Văn Tám')" 0

# --- move ------------------------------------------------------------------------
A=/v1/accounts/annv@haugiang.gov.vn
expect_eq "hr: move within its subtree: 200" "$(r "$HR" POST "$A/move" '{"agency": "sgd-th"}')" 200
expect_eq "... moved" "$(jget 'd["account"]["agency"]')" sgd-th
expect_eq "hr: move out of its subtree: 404 on the agency" "$(r "$HR" POST "$A/move" '{"agency": "syt"}')" 404
expect_eq "... still in sgd-th" "$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(uid=annv)' govmailAgency | sed -n 's/^govmailAgency: //p')" sgd-th

# --- hr may not: aliases, forwards, rename ---------------------------------------
expect_eq "hr: add an alias: 403" "$(r "$HR" POST "$A/aliases" '{"alias": "an.nguyen@haugiang.gov.vn"}')" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "role hr may not account.alias"
expect_eq "hr: rename: 403" "$(r "$HR" POST "$A/rename" '{"address": "an.nguyen@haugiang.gov.vn"}')" 403
expect_eq "hr: forwards: 403" "$(r "$HR" PUT "$A/forwards" '{"forwards": ["binhtt@haugiang.gov.vn"]}')" 403

# --- agency-admin of syt ----------------------------------------------------------
B=(-u "binhtt@haugiang.gov.vn:$BINH_PW")
H=/v1/accounts/havt@haugiang.gov.vn
expect_eq "agency-admin: add an alias: 200" "$(r - POST "$H/aliases" '{"alias": "ha.vu@haugiang.gov.vn"}' "${B[@]}")" 200
expect_eq "... it is there" "$(jget 'd["account"]["aliases"]')" "['ha.vu@haugiang.gov.vn']"
expect_eq "agency-admin: remove it: 200" "$(r - DELETE "$H/aliases/ha.vu@haugiang.gov.vn" "${B[@]}")" 200
expect_eq "... gone" "$(jget 'd["account"]["aliases"]')" "[]"
expect_eq "agency-admin: forward outside the governed domains: 200" \
	"$(r - PUT "$H/forwards" '{"forwards": ["ha@example.org"]}' "${B[@]}")" 200
expect_eq "... set" "$(jget 'd["account"]["forwards"]')" "['ha@example.org']"
expect_eq "agency-admin: quota 1G: 200" "$(r - PUT "$H/quota" '{"quota": 1073741824}' "${B[@]}")" 200
expect_eq "... set" "$(jget 'd["account"]["quota"]')" 1073741824
expect_eq "agency-admin: lock: 200" "$(r - POST "$H/lock" '{"reason": "bị lộ mật khẩu"}' "${B[@]}")" 200
expect_eq "GET: login_lock admin, with the reason and since when" "$(r - GET "$H" "${B[@]}") $(jget \
	'd["login_lock"]["kind"], d["login_lock"]["reason"], len(d["login_lock"]["since"])')" \
	"200 ('admin', 'bị lộ mật khẩu', 15)"
expect_eq "agency-admin: unlock: 200" "$(r - POST "$H/unlock" "${B[@]}")" 200
expect_eq "GET: login_lock null" "$(r - GET "$H" "${B[@]}") $(jget 'd["login_lock"]')" "200 None"
expect_eq "agency-admin: rename: 200" "$(r - POST "$H/rename" '{"address": "ha.vu@haugiang.gov.vn"}' "${B[@]}")" 200
expect_eq "... the new address, the old one an alias" "$(jget 'd["account"]["address"], d["account"]["aliases"]')" \
	"('ha.vu@haugiang.gov.vn', ['havt@haugiang.gov.vn'])"
expect_eq "agency-admin of syt: move An (sgd-th): 404" \
	"$(r - POST "$A/move" '{"agency": "syt"}' "${B[@]}")" 404

python3 - "$T/audit.log" >"$T/audit.out" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("source", "").startswith("api "):
        print(r["op"], r["target"], r["actor"].split(":")[0], r["source"])
PY
expect_eq "audit: every change, as govmailctl records it, with the caller and the address" \
	"$(cat "$T/audit.out")" \
"account.add annv@haugiang.gov.vn token api 127.0.0.1
account.add cuong.le@haugiang.gov.vn token api 127.0.0.1
account.move annv@haugiang.gov.vn token api 127.0.0.1
alias.add havt@haugiang.gov.vn binhtt@haugiang.gov.vn api 127.0.0.1
alias.remove havt@haugiang.gov.vn binhtt@haugiang.gov.vn api 127.0.0.1
forward.set havt@haugiang.gov.vn binhtt@haugiang.gov.vn api 127.0.0.1
quota.set havt@haugiang.gov.vn binhtt@haugiang.gov.vn api 127.0.0.1
account.lock havt@haugiang.gov.vn binhtt@haugiang.gov.vn api 127.0.0.1
account.unlock havt@haugiang.gov.vn binhtt@haugiang.gov.vn api 127.0.0.1
account.rename havt@haugiang.gov.vn binhtt@haugiang.gov.vn api 127.0.0.1"
expect_eq "the initial password is in no log" "$(grep -cF -- "$PW" "$T/apid.log" "$T/audit.log" | grep -vc ':0$')" 0

# --- agencies, address suggestions, audit query ---------------------------------
expect_eq "hr: the agencies it sees: 200" "$(r "$HR" GET /v1/agencies)" 200
expect_eq "... its agency and sub-agency, with parents" \
	"$(jget 'sorted((a["code"], a["parent"]) for a in d["items"])')" "[('sgd', 'ubnd'), ('sgd-th', 'sgd')]"
expect_eq "agency-admin of syt: the agencies: 200" "$(r - GET /v1/agencies "${B[@]}")" 200
expect_eq "... syt only" "$(jget '[a["code"] for a in d["items"]]')" "['syt']"
expect_eq "hr: address suggestion: 200" \
	"$(r "$HR" GET '/v1/address-suggestions?name=Nguy%E1%BB%85n%20V%C4%83n%20An')" 200
expect_eq "... from the template" "$(jget 'd["address"], d["checked"]')" "('annv@haugiang.gov.vn', False)"
expect_eq "... with check=1: the next free one" \
	"$(r "$HR" GET '/v1/address-suggestions?name=Nguy%E1%BB%85n%20V%C4%83n%20An&check=1'; jget 'd["address"]')" \
	"200annv2@haugiang.gov.vn"
expect_eq "... without a name: 400" "$(r "$HR" GET /v1/address-suggestions)" 400
check "token add auditor sgd" $G token add --agency sgd --role auditor --allow-from 127.0.0.1
AUD=$(sed -n 's/^token: //p' "$T/last.out")
expect_eq "auditor of sgd: the audit log: 200" "$(r "$AUD" GET /v1/audit)" 200
expect_eq "... the records of its accounts only, newest first" \
	"$(jget '[(x["op"], x["target"]) for x in d["items"]]')" \
	"[('account.move', 'annv@haugiang.gov.vn'), ('account.add', 'cuong.le@haugiang.gov.vn'), ('account.add', 'annv@haugiang.gov.vn')]"
expect_eq "auditor: by operation and limit" "$(r "$AUD" GET '/v1/audit?op=account.add&limit=1'; jget '[x["target"] for x in d["items"]]')" \
	"200['cuong.le@haugiang.gov.vn']"
expect_eq "auditor: by actor" "$(r "$AUD" GET "/v1/audit?actor=token:$HR_ID"; jget 'len(d["items"])')" "2003"
expect_eq "auditor: since a time after everything: none" \
	"$(r "$AUD" GET '/v1/audit?since=2999-01-01T00:00:00Z'; jget 'len(d["items"])')" "2000"
expect_eq "hr: the audit log: 403" "$(r "$HR" GET /v1/audit)" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "role hr may not audit.read"

t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0

# --- rate per caller ------------------------------------------------------------
sed -i 's/^  ldap_bind_dn = /  rate_per_token = 2;\n  ldap_bind_dn = /' "$T/govmail.conf"
"$APID" -f >"$T/apid2.log" 2>&1 &
APID_PID=$!
T_PIDS+=("$APID_PID")
check "restarted with rate_per_token = 2" wait_port "$P"
got=""
for i in 1 2 3 4 5 6; do
	st=$(r "$HR" GET /v1/agencies/sgd) || break
	if [ "$st" = 429 ]; then got=429; break; fi
done
expect_eq "one token beyond its rate: 429" "$got" 429
expect_match "... with Retry-After" "$(cat "$T/h")" '(?i)^retry-after: [0-9]+'
expect_eq "... naming the rule" "$(jget 'd["rule"]')" apid.rate_per_token
expect_eq "another caller is not held back" "$(r "$AUD" GET /v1/agencies/sgd)" 200
t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "stops cleanly again" "$?" 0

