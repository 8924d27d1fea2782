#!/usr/bin/env bash
# test_apid_certs.sh — signing certificates through govmail-apid, against
# a sandbox slapd over HTTPS (curl and the Python standard-library client):
# an agency-admin token lists, previews (nothing saved, nothing audited),
# adds (PEM, DER, JSON with base64; a repeat is "already registered") and
# removes (by fingerprint prefix) the certificates of an account and of an
# agency in its subtree; an auditor reads but may not change; hr may do
# neither; an account or agency outside the caller's subtree is 404 like a
# missing one; bad input — garbage, a private key, bad base64, an unknown
# field, a wrong media type, a body over apid.max_body_size, a bad
# fingerprint — is 400/413/415 naming the field, and nothing changes. What
# the API stored is what govmailctl lists, and each change writes the
# record govmailctl writes, with the caller as actor and the client address.
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
check "account add Bình (syt)" $G account add --name "Trần Thị Bình" --agency syt

ADM=$(apid_token --agency sgd --role agency-admin --allow-from 127.0.0.1)
ADM_ID=$(printf '%s' "$ADM" | cut -d_ -f2)
HR=$(apid_token --agency sgd --role hr --allow-from 127.0.0.1)
AUD=$(apid_token --agency sgd --role auditor --allow-from 127.0.0.1)
expect_match "tokens were made" "$ADM $HR $AUD" '^gmt_[^ ]+ gmt_[^ ]+ gmt_[^ ]+$'

# Certificates: a person's (with an e-mail), a second one, an agency's.
mkcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "$2" ${3:+-addext "subjectAltName=email:$3"} \
		-keyout "$T/$1.key" -out "$T/$1.pem" 2>/dev/null || { echo "Bail out! openssl req"; exit 1; }
	openssl x509 -in "$T/$1.pem" -outform DER -out "$T/$1.der"
}
fp() { openssl x509 -in "$T/$1.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
mkcert an1 "/CN=Nguyen Van An/O=So Giao duc" annv@haugiang.gov.vn
mkcert an2 "/CN=Nguyen Van An 2"
mkcert org "/CN=So Giao duc/O=UBND tinh Hau Giang"
FP1=$(fp an1) FP2=$(fp an2) FPO=$(fp org)

apid_tls
apid_conf "$T/govmail.conf" 'max_body_size = "16K";'
apid_start

# rf TOKEN PATH FILE MEDIA-TYPE: POST the file as the body.
rf() { r "$1" POST "$2" -H "Content-Type: $4" --data-binary @"$3"; }
# rj TOKEN METHOD PATH JSON
rj() { printf '%s' "$4" >"$T/body"; r "$1" "$2" "$3" -H 'Content-Type: application/json' --data-binary @"$T/body"; }
certs_in_dir() { t_ldapsearch -b "$LDAP_BASE" "$1" 'userCertificate;binary' | grep -c '^userCertificate'; }
ncerts_api() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["certificates"]))' "$T/b"; }

AC=/v1/accounts/annv@haugiang.gov.vn/certificates

# --- list, preview, add ---------------------------------------------------------
expect_eq "agency-admin: list an account's certificates: 200" "$(r "$ADM" GET "$AC")" 200
expect_eq "... none yet" "$(jget 'd["address"], d["certificates"]')" "('annv@haugiang.gov.vn', [])"
expect_eq "preview of a PEM: 200" "$(rf "$ADM" "$AC?preview=true" "$T/an1.pem" application/x-pem-file)" 200
expect_eq "... says what would be registered" \
	"$(jget 'd["preview"], d["certificates"][0]["status"], d["certificates"][0]["fingerprint"]')" \
	"(True, 'would be added', '$FP1')"
expect_match "... subject, issuer, validity" \
	"$(jget 'd["certificates"][0]["subject"], d["certificates"][0]["issuer"], d["certificates"][0]["not_after"], d["certificates"][0]["emails"]')" \
	"^\('O=So Giao duc,CN=Nguyen Van An', 'O=So Giao duc,CN=Nguyen Van An', '20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z', \['annv@haugiang.gov.vn'\]\)$"
expect_eq "... nothing saved" "$(certs_in_dir '(uid=annv)')" 0
expect_eq "... nothing audited" "$(grep -c '"op":"account.cert' "$T/audit.log")" 0

expect_eq "add a PEM: 201" "$(rf "$ADM" "$AC" "$T/an1.pem" application/x-pem-file)" 201
expect_eq "... added" "$(jget 'd["preview"], d["certificates"][0]["status"]')" "(False, 'added')"
expect_eq "... in the directory" "$(certs_in_dir '(uid=annv)')" 1
expect_eq "the same as DER: 200, already registered" \
	"$(rf "$ADM" "$AC" "$T/an1.der" application/pkix-cert)" 200
expect_eq "... already registered" "$(jget 'd["certificates"][0]["status"]')" "already registered"
printf '{"certificate": "%s"}' "$(base64 -w0 "$T/an2.der")" >"$T/an2.json"
expect_eq "a second one as JSON with base64: 201" \
	"$(rf "$ADM" "$AC" "$T/an2.json" application/json)" 201
expect_eq "... its fingerprint" "$(jget 'd["certificates"][0]["fingerprint"]')" "$FP2"
expect_eq "list: 200" "$(r "$ADM" GET "$AC")" 200
expect_eq "... both, with their fingerprints" \
	"$(jget 'sorted(c["fingerprint"] for c in d["certificates"])')" \
	"$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$FP1" "$FP2")"
check "govmailctl lists what the API registered" $G account cert list annv@haugiang.gov.vn
expect_eq "... the same two" "$(cut -d' ' -f1 "$T/last.out" | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "$FP1" "$FP2" | sort | tr '\n' ' ')"
out=$(python3 "$PYC" "$U" "$T/cert.pem" GET "$AC" "Authorization: Bearer $ADM")
expect_match "list (Python client): 200 with the certificates" "$out" "(?s)^200.*$FP1"
expect_eq "a sub-agency's account: 201" \
	"$(rf "$ADM" /v1/accounts/cuonglv@haugiang.gov.vn/certificates "$T/an2.pem" application/x-pem-file)" 201

# --- roles ----------------------------------------------------------------------------
expect_eq "auditor: list: 200" "$(r "$AUD" GET "$AC")" 200
expect_eq "... two" "$(ncerts_api)" 2
expect_eq "auditor: add: 403" "$(rf "$AUD" "$AC" "$T/org.pem" application/x-pem-file)" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "role auditor may not account.cert"
expect_eq "auditor: remove: 403" "$(r "$AUD" DELETE "$AC/$FP1")" 403
expect_eq "hr: list: 403" "$(r "$HR" GET "$AC")" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "role hr may not account.cert"
expect_eq "hr: add: 403" "$(rf "$HR" "$AC" "$T/org.pem" application/x-pem-file)" 403
expect_eq "hr: preview: 403" "$(rf "$HR" "$AC?preview=true" "$T/org.pem" application/x-pem-file)" 403
BC=/v1/accounts/binhtt@haugiang.gov.vn/certificates
expect_eq "agency-admin of sgd: an account of syt: 404" "$(r "$ADM" GET "$BC")" 404
cp "$T/b" "$T/b.hidden"
expect_eq "agency-admin: a missing account: 404" "$(r "$ADM" GET /v1/accounts/nobody@haugiang.gov.vn/certificates)" 404
expect_eq "... the two answers are the same" "$(cat "$T/b")" "$(cat "$T/b.hidden")"
expect_eq "agency-admin of sgd: add to an account of syt: 404" \
	"$(rf "$ADM" "$BC" "$T/org.pem" application/x-pem-file)" 404
expect_eq "agency-admin of sgd: remove from an account of syt: 404" \
	"$(r "$ADM" DELETE "$BC/$FP1")" 404
expect_eq "... syt's account still has none" "$(certs_in_dir '(uid=binhtt)')" 0

# --- bad input: 400/413/415 naming the field, nothing changed ---------------------------
printf 'this is not a certificate\n' >"$T/garbage"
expect_eq "garbage as PEM: 400" "$(rf "$ADM" "$AC" "$T/garbage" application/x-pem-file)" 400
expect_eq "... naming the field" "$(jget 'd["field"]')" certificate
expect_eq "a private key: 400" "$(rf "$ADM" "$AC" "$T/an1.key" application/x-pem-file)" 400
expect_match "... saying why" "$(jget 'd["detail"]')" '(?i)private key|not a certificate|CERTIFICATE'
head -c 300 "$T/an1.der" >"$T/cut.der"
expect_eq "a truncated DER: 400" "$(rf "$ADM" "$AC" "$T/cut.der" application/pkix-cert)" 400
expect_eq "JSON: not base64: 400" "$(rj "$ADM" POST "$AC" '{"certificate": "@@@not base64@@@"}')" 400
expect_eq "... naming the field" "$(jget 'd["field"]')" certificate
expect_eq "JSON: base64 with a line break: 400" \
	"$(rj "$ADM" POST "$AC" "{\"certificate\": \"$(base64 -w 64 "$T/org.der" | head -2 | tr '\n' '|' | sed 's/|/\\n/')\"}")" 400
expect_eq "JSON: an unknown field: 400" \
	"$(rj "$ADM" POST "$AC" "{\"certificate\": \"$(base64 -w0 "$T/org.der")\", \"owner\": \"x\"}")" 400
expect_eq "... naming it" "$(jget 'd["field"]')" owner
expect_eq "JSON: no certificate: 400" "$(rj "$ADM" POST "$AC" '{}')" 400
expect_eq "... naming the field" "$(jget 'd["field"]')" certificate
expect_eq "JSON: malformed: 400" "$(rj "$ADM" POST "$AC" '{"certificate": ')" 400
expect_eq "an empty PEM body: 400" "$(r "$ADM" POST "$AC" -H 'Content-Type: application/x-pem-file')" 400
expect_eq "a form (curl's default type): 415" "$(r "$ADM" POST "$AC" --data-binary @"$T/org.pem")" 415
expect_eq "... naming the header" "$(jget 'd["field"]')" Content-Type
head -c 20000 /dev/urandom >"$T/big"
expect_eq "a body over apid.max_body_size: 413" "$(rf "$ADM" "$AC" "$T/big" application/pkix-cert)" 413
expect_eq "... naming the rule" "$(jget 'd["rule"]')" apid.max_body_size
expect_eq "preview=maybe: 400" "$(rf "$ADM" "$AC?preview=maybe" "$T/org.pem" application/x-pem-file)" 400
expect_eq "... naming the parameter" "$(jget 'd["field"]')" preview
expect_eq "an unknown parameter: 400" "$(rf "$ADM" "$AC?owner=x" "$T/org.pem" application/x-pem-file)" 400
expect_eq "... naming it" "$(jget 'd["field"]')" owner
expect_eq "remove: not a fingerprint: 400" "$(r "$ADM" DELETE "$AC/xyz")" 400
expect_eq "... naming the field" "$(jget 'd["field"]')" fingerprint
expect_eq "remove: an unknown fingerprint: 404" "$(r "$ADM" DELETE "$AC/$(printf '0%.0s' $(seq 64))")" 404
expect_eq "... naming the field" "$(jget 'd["field"]')" fingerprint
expect_eq "after all of them, the account still has its two" "$(certs_in_dir '(uid=annv)')" 2

# --- remove -------------------------------------------------------------------------
expect_eq "remove by a 12-digit prefix: 200" "$(r "$ADM" DELETE "$AC/${FP1:0:12}")" 200
expect_eq "... that one removed" "$(jget 'd["certificates"][0]["status"], d["certificates"][0]["fingerprint"]')" \
	"('removed', '$FP1')"
expect_eq "... one left" "$(certs_in_dir '(uid=annv)')" 1
expect_eq "remove it again: 404" "$(r "$ADM" DELETE "$AC/$FP1")" 404

# --- an agency's certificates ------------------------------------------------------
GC=/v1/agencies/sgd/certificates
expect_eq "agency-admin of sgd: its agency's certificate (DER): 201" \
	"$(rf "$ADM" "$GC" "$T/org.der" application/pkix-cert)" 201
expect_eq "... for agency sgd" "$(jget 'd["agency"], d["certificates"][0]["fingerprint"]')" "('sgd', '$FPO')"
check "govmailctl agency cert list shows it" $G agency cert list sgd
expect_eq "... the same fingerprint" "$(cut -d' ' -f1 "$T/last.out")" "$FPO"
expect_eq "agency-admin of sgd: a sub-agency: 201" \
	"$(rf "$ADM" /v1/agencies/sgd-th/certificates "$T/org.pem" application/x-pem-file)" 201
expect_eq "agency-admin of sgd: syt: 404" "$(rf "$ADM" /v1/agencies/syt/certificates "$T/org.pem" application/x-pem-file)" 404
expect_eq "agency-admin of sgd: list syt's: 404" "$(r "$ADM" GET /v1/agencies/syt/certificates)" 404
expect_eq "agency-admin of sgd: an unknown agency: 404" "$(r "$ADM" GET /v1/agencies/nope/certificates)" 404
expect_eq "auditor: list sgd's: 200" "$(r "$AUD" GET "$GC")" 200
expect_eq "... one" "$(ncerts_api)" 1
expect_eq "hr: list sgd's: 403" "$(r "$HR" GET "$GC")" 403
expect_eq "auditor: remove sgd's: 403" "$(r "$AUD" DELETE "$GC/$FPO")" 403
expect_eq "agency-admin: remove sgd-th's: 200" "$(r "$ADM" DELETE "/v1/agencies/sgd-th/certificates/$FPO")" 200

# --- the audit log: govmailctl's records, with the caller and the client address ----
check "govmailctl registers one on Bình (for comparison)" $G account cert add binhtt@haugiang.gov.vn "$T/an1.pem"
python3 - "$T/audit.log" "token:$ADM_ID" >"$T/audit.out" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for r in recs:
    if r["op"].endswith(".cert.add") or r["op"].endswith(".cert.remove"):
        who = "token" if r["actor"] == sys.argv[2] else "cli"
        print(r["op"], r["target"], who, r["source"].split(" sha256:")[0] if who == "token" else "-",
              r["source"].split("sha256:")[1][:8], ",".join(r.get("attrs", [])), r["result"],
              "dn" if r.get("dn") else "no-dn")
PY
expect_eq "audit: one record per certificate changed, as govmailctl's" "$(cat "$T/audit.out")" \
"account.cert.add annv@haugiang.gov.vn token api 127.0.0.1 ${FP1:0:8} userCertificate;binary ok dn
account.cert.add annv@haugiang.gov.vn token api 127.0.0.1 ${FP2:0:8} userCertificate;binary ok dn
account.cert.add cuonglv@haugiang.gov.vn token api 127.0.0.1 ${FP2:0:8} userCertificate;binary ok dn
account.cert.remove annv@haugiang.gov.vn token api 127.0.0.1 ${FP1:0:8} userCertificate;binary ok dn
agency.cert.add sgd token api 127.0.0.1 ${FPO:0:8} userCertificate;binary ok dn
agency.cert.add sgd-th token api 127.0.0.1 ${FPO:0:8} userCertificate;binary ok dn
agency.cert.remove sgd-th token api 127.0.0.1 ${FPO:0:8} userCertificate;binary ok dn
account.cert.add binhtt@haugiang.gov.vn cli - ${FP1:0:8} userCertificate;binary ok dn"
expect_eq "no token is in the log" "$(grep -c 'gmt_' "$T/apid.log")" 0

t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0
