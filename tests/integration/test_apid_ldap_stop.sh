#!/usr/bin/env bash
# test_apid_ldap_stop.sh — govmail-apid when the directory stops answering
# in the middle of a request: 503 with Retry-After, nothing half-written,
# and the request succeeds once the directory is back. Deterministic (the
# API's wait is bounded by ldap.timeout, a hang guard here, not a measured
# time):
#  - slapd paused (ldap-sandbox pause: SIGSTOP, connections stay open)
#    while requests arrive, then resumed: 503 "nothing was changed",
#    nothing written or audited;
#  - a proxy in front of slapd (ldap_hold_proxy.py) that lets the reads of
#    a request through and holds back its write, so the directory falls
#    silent exactly between the checks and the change (account create,
#    certificate add, agency create and change, suspend, purge): 503
#    "outcome-unknown" (the API cannot know whether the write arrived),
#    nothing written, the attempt audited with result "unknown";
#  - the proxy passing the write and holding back its answer: the change is
#    made, the API says the outcome is unknown and audits it so, and a
#    retried create with the same Idempotency-Key is answered 409 instead
#    of making a second account.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)
PX=$(t_free_port)
LPORT=${LDAP_URI##*:}
LPORT=${LPORT%%/*}
expect_match "the sandbox listens on a TCP port" "$LPORT" '^[0-9]+$'

check "domain add" $G domain add haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh" --level province
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department --parent ubnd
check "agency add sgd-th" $G agency add sgd-th --name "Trường THPT" --level unit --parent sgd
check "account add An (sgd)" $G account add --name "Nguyễn Văn An" --agency sgd
check "account add Cường (sgd)" $G account add --name "Lê Văn Cường" --agency sgd
check "account add Hà (ubnd)" $G account add --name "Vũ Thị Hà" --agency ubnd --generate-password
HA_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant havt province-admin" $G role grant havt@haugiang.gov.vn --role province-admin
check "disable Cường (to purge)" $G account disable cuonglv@haugiang.gov.vn
$G token add --agency sgd --role agency-admin --allow-from 127.0.0.1 >"$T/tok.out" 2>&1
ADM=$(sed -n 's/^token: //p' "$T/tok.out")
expect_match "an agency-admin token" "$ADM" '^gmt_'
PROV="havt@haugiang.gov.vn:$HA_PW"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/CN=Nguyen Van An" -keyout "$T/an.key" -out "$T/an.pem" 2>/dev/null &&
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/openssl.err" ||
	{ cat "$T/openssl.err"; echo "Bail out! openssl req"; exit 1; }

# The proxy between govmail-apid and slapd; checks below read slapd directly.
python3 "$TOP/tests/integration/ldap_hold_proxy.py" "$PX" "$LPORT" "$T/hold" "$T/proxy.log" \
	>"$T/proxy.out" 2>&1 &
T_PIDS+=("$!")
check "the proxy listens" wait_port "$PX"
# ldap.timeout bounds each directory operation of the API: how long a
# request waits for a silent directory before its 503.
sed -e "s#uri = \"$LDAP_URI\"#uri = \"ldap://127.0.0.1:$PX\"#" -e 's/timeout = 30;/timeout = 5;/' \
	"$T/govmail.conf" >"$T/apid.conf"
cat >>"$T/apid.conf" <<CONF
apid = {
  listen = "127.0.0.1:$P";
  tls_cert_file = "$T/cert.pem";
  tls_key_file = "$T/key.pem";
  user = "";
  pid_file = "";
  ldap_bind_dn = "$LDAP_APID_DN";
  ldap_bind_password_file = "$LDAP_APID_PWFILE";
  ldap_connections = 2;
  # every request asks the directory: no answer from a cache
  token_cache_ttl = 0;
  auth_cache_ttl = 0;
  account_cache_ttl = 0;
};
CONF
check "-t" "$APID" -c "$T/apid.conf" -t
"$APID" -c "$T/apid.conf" -f >"$T/apid.log" 2>&1 &
APID_PID=$!
T_PIDS+=("$APID_PID")
check "govmail-apid listens" wait_port "$P"
U=https://127.0.0.1:$P
CURL=(curl -sS --cacert "$T/cert.pem" --max-time 300)

# The state that matters, read from slapd itself (not through the proxy).
state() {
	t_ldapsearch -b "$LDAP_BASE" '(|(objectClass=govmailAccount)(objectClass=govmailAgency))' \
		uid cn govmailAgencyCode govmailParentAgency govmailAccountStatus 'userCertificate;binary' |
		grep -v '^$' | sort
}
api_records() { grep -c '"source":"api ' "$T/audit.log"; }
# held DESC LDAP-OP AUDIT-OP AUTH METHOD PATH [JSON] [curl args]: with the
# proxy holding writes, the request is 503 with Retry-After saying the
# outcome is unknown, its write was held (it got that far), nothing
# changed, and the attempt is audited with result "unknown".
held() {
	local desc=$1 op=$2 aop=$3 before audited n; shift 3
	before=$(state)
	audited=$(api_records)
	n=$(grep -c "^held" "$T/proxy.log")
	printf '%s\n' "${HOLD_MODE:-}" >"$T/hold"
	expect_eq "$desc, the directory silent at the write: 503" "$(r "$@")" 503
	rm -f "$T/hold"
	expect_match "... with Retry-After" "$(cat "$T/h")" '(?i)^retry-after: [0-9]+'
	expect_eq "... the outcome unknown" "$(jget 'd["type"].rsplit("/", 1)[1]')" outcome-unknown
	expect_match "... saying so" "$(jget 'd["detail"]')" 'may or may not have been made'
	expect_eq "... its $op was held back (the reads before it went through)" \
		"$(grep "^held" "$T/proxy.log" | tail -n +$((n + 1)) | tr '\n' ' ')" "held $op "
	expect_eq "... nothing written" "$(state)" "$before"
	expect_eq "... the attempt audited, result unknown" \
		"$(api_records) $(tail -1 "$T/audit.log" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["op"], r["result"])')" \
		"$((audited + 1)) $aop unknown"
}

expect_eq "a request through the proxy: 200" "$(r "$ADM" GET /v1/accounts/annv@haugiang.gov.vn)" 200

# --- slapd paused ------------------------------------------------------------------
before=$(state)
check "slapd paused" "$TOP/scripts/ldap-sandbox" pause "$T/ldap"
t_on_exit "'$TOP/scripts/ldap-sandbox' resume '$T/ldap' >/dev/null 2>&1"
expect_eq "slapd paused: a read is 503" "$(r "$ADM" GET /v1/accounts/annv@haugiang.gov.vn)" 503
expect_match "... with Retry-After" "$(cat "$T/h")" '(?i)^retry-after: [0-9]+'
expect_eq "slapd paused: an account create is 503" \
	"$(r "$ADM" POST /v1/accounts '{"name": "Đỗ Thị Mai", "agency": "sgd"}')" 503
expect_eq "slapd paused: a certificate add is 503" \
	"$(r "$ADM" POST /v1/accounts/annv@haugiang.gov.vn/certificates -H 'Content-Type: application/x-pem-file' --data-binary @"$T/an.pem")" 503
check "slapd resumed" "$TOP/scripts/ldap-sandbox" resume "$T/ldap"
expect_eq "... nothing was written meanwhile or since" "$(state)" "$before"
expect_eq "... nothing audited" "$(api_records)" 0
expect_eq "resumed: the read is 200 again" "$(r "$ADM" GET /v1/accounts/annv@haugiang.gov.vn)" 200

# --- the directory silent at the write --------------------------------------------------
# The key's claim (ou=idempotency, for the other gateways) is written
# first and let through: the account's add is the write held.
HOLD_MODE="pass:ou=idempotency" held "account create (Idempotency-Key)" add account.add \
	"$ADM" POST /v1/accounts '{"name": "Đỗ Thị Mai", "agency": "sgd"}' -H 'Idempotency-Key: mai-1'
expect_eq "the same create, retried with its key: 409, not a second try" \
	"$(r "$ADM" POST /v1/accounts '{"name": "Đỗ Thị Mai", "agency": "sgd"}' -H 'Idempotency-Key: mai-1')" 409
expect_match "... the outcome unknown, look it up" "$(jget 'd["detail"]')" 'may have created the account'
expect_eq "... no account made" "$(t_count '(cn=Đỗ Thị Mai)')" 0
expect_eq "after looking, a new key: 201" \
	"$(r "$ADM" POST /v1/accounts '{"name": "Đỗ Thị Mai", "agency": "sgd"}' -H 'Idempotency-Key: mai-2')" 201
expect_eq "... one account" "$(t_count '(cn=Đỗ Thị Mai)')" 1
held "certificate add" modify account.cert.add "$ADM" POST /v1/accounts/annv@haugiang.gov.vn/certificates \
	-H 'Content-Type: application/x-pem-file' --data-binary @"$T/an.pem"
held "agency create" add agency.add "$ADM" POST /v1/agencies '{"code": "sgd-tv", "name": "Thư viện", "level": "unit", "parent": "sgd"}'
held "agency change" modify agency.modify "$ADM" PATCH /v1/agencies/sgd-th '{"name": "Trường THPT chuyên"}' -H 'If-Match: *'
held "suspend" modify account.suspend "$ADM" POST /v1/accounts/annv@haugiang.gov.vn/suspend '{"reason": "x"}'
held "purge" delete account.purge "$PROV" POST /v1/accounts/cuonglv@haugiang.gov.vn/purge '{"force": true}'

# --- the write made, its answer lost ---------------------------------------------
printf 'answer\npass:ou=idempotency\n' >"$T/hold"
expect_eq "create, its answer lost: 503" \
	"$(r "$ADM" POST /v1/accounts '{"name": "Trần Văn Nam", "agency": "sgd"}' -H 'Idempotency-Key: nam-1')" 503
rm -f "$T/hold"
expect_eq "... the outcome unknown" "$(jget 'd["type"].rsplit("/", 1)[1]')" outcome-unknown
expect_eq "... the add reached slapd" "$(tail -1 "$T/proxy.log")" "held the answer to add"
expect_eq "... and was made" "$(t_count '(cn=Trần Văn Nam)')" 1
expect_eq "... audited as unknown" \
	"$(tail -1 "$T/audit.log" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["op"], r["target"], r["result"])')" \
	"account.add Trần Văn Nam unknown"
expect_eq "the same create, retried with its key: 409" \
	"$(r "$ADM" POST /v1/accounts '{"name": "Trần Văn Nam", "agency": "sgd"}' -H 'Idempotency-Key: nam-1')" 409
expect_match "... replayed" "$(cat "$T/h")" '(?i)^idempotency-replayed: true'
expect_eq "... still one account, not two" "$(t_count '(cn=Trần Văn Nam)')" 1

# --- back: each goes through -----------------------------------------------------------
expect_eq "certificate add: 201" \
	"$(r "$ADM" POST /v1/accounts/annv@haugiang.gov.vn/certificates -H 'Content-Type: application/x-pem-file' --data-binary @"$T/an.pem")" 201
expect_eq "agency create: 201" \
	"$(r "$ADM" POST /v1/agencies '{"code": "sgd-tv", "name": "Thư viện", "level": "unit", "parent": "sgd"}')" 201
expect_eq "agency change: 200" \
	"$(r "$ADM" PATCH /v1/agencies/sgd-th '{"name": "Trường THPT chuyên"}' -H 'If-Match: *')" 200
expect_eq "suspend: 200" "$(r "$ADM" POST /v1/accounts/annv@haugiang.gov.vn/suspend '{"reason": "x"}')" 200
expect_eq "purge: 200" "$(r "$PROV" POST /v1/accounts/cuonglv@haugiang.gov.vn/purge '{"force": true}')" 200
expect_eq "each audited once more, result ok" \
	"$(tail -5 "$T/audit.log" | python3 -c 'import json,sys; print(" ".join(json.loads(l)["op"] + ":" + json.loads(l)["result"] for l in sys.stdin))')" \
	"account.cert.add:ok agency.add:ok agency.modify:ok account.suspend:ok account.purge:ok"
expect_match "the log says the directory was unavailable" "$(cat "$T/apid.log")" 'directory unavailable'

t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0
