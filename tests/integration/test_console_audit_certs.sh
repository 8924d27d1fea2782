#!/usr/bin/env bash
# test_console_audit_certs.sh — the web console's Signing certificates and
# Audit pages in a real browser (headless chromium,
# tests/browser/test_audit_certs.py on harness.py) against govmail-apid
# serving the repository's console/ on the sandbox slapd, signed in as an
# agency-admin of sgd:
# - certificates (from scripts/test-pki): a PEM for a person and a DER for
#   the agency are previewed before saving, the subject, issuer and
#   SHA-256 fingerprint shown being those `openssl x509` computes here;
#   nothing is stored by the preview; saving registers them (the directory
#   holds the same DER, ldapsearch); the agency's is deleted after a
#   confirmation;
# - audit: filtered by operation, target and actor, records of people
#   outside the admin's subtree not shown, the CSV export of what is
#   shown is the API's records (parsed back with Python's csv), and the
#   exporter neutralises spreadsheet formulas (= + - @); English selectable;
# - an auditor of sgd reads the certificates but gets no upload or delete.
# Screenshots: console-certs-preview, console-audit.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"
. "$(dirname "$0")/browser_lib.sh"

browser_require
t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "test PKI (scripts/test-pki)" t_test_pki "$T/pki"
check "domain add" $G domain add haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh" --level province
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục và Đào tạo" --level department --parent ubnd
check "agency add sgd-th" $G agency add sgd-th --name "Trường THPT Vị Thanh" --level unit --parent sgd
check "agency add syt" $G agency add syt --name "Sở Y tế" --level department --parent ubnd
check "account add An (agency-admin of sgd)" $G account add --name "Nguyễn Văn An" --agency sgd --generate-password
AN_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "account add Cường (sgd-th)" $G account add --name "Lê Văn Cường" --agency sgd-th
check "account add Bình (syt)" $G account add --name "Trần Thị Bình" --agency syt
check "role grant annv agency-admin of sgd" $G role grant annv@haugiang.gov.vn --role agency-admin --agency sgd
check "account add Dung (auditor of sgd)" $G account add --name "Phạm Thị Dung" --agency sgd --generate-password
DUNG_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant dungpt auditor of sgd" $G role grant dungpt@haugiang.gov.vn --role auditor --agency sgd
# outside An's subtree: in the log, never shown to An
check "account suspend Bình (syt)" $G account suspend binhtt@haugiang.gov.vn --reason "nghỉ phép dài hạn"

# What the certificates are, computed here by openssl (the page must show the same)
subj() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }
iss() { openssl x509 -in "$1" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//'; }
fpr() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'; }
PERSON=$T/pki/certs/person.pem
openssl x509 -in "$T/pki/certs/org.pem" -outform DER -out "$T/org.der"
check "the test certificates are there" test -s "$PERSON" -a -s "$T/org.der"

apid_tls
browser_apid_conf "$T/govmail.conf"
apid_start

# An suspends and resumes Cường through the API (a reason a spreadsheet
# would take for a formula)
expect_eq "API: An suspends Cường: 200" "$(r "annv@haugiang.gov.vn:$AN_PW" POST \
	/v1/accounts/cuonglv@haugiang.gov.vn/suspend '{"reason":"=1+2 nghỉ việc"}')" 200
expect_eq "API: An resumes Cường: 200" "$(r "annv@haugiang.gov.vn:$AN_PW" POST \
	/v1/accounts/cuonglv@haugiang.gov.vn/resume '{}')" 200

mkdir -p "$T/downloads"
GOVMAIL_USER=annv@haugiang.gov.vn GOVMAIL_PASSWORD=$AN_PW GOVMAIL_DOWNLOADS=$T/downloads \
	GOVMAIL_AUDITOR=dungpt@haugiang.gov.vn GOVMAIL_AUDITOR_PASSWORD=$DUNG_PW \
	GOVMAIL_PERSON_PEM=$PERSON GOVMAIL_PERSON_SUBJECT="$(subj "$PERSON")" \
	GOVMAIL_PERSON_ISSUER="$(iss "$PERSON")" GOVMAIL_PERSON_FP="$(fpr "$PERSON")" \
	GOVMAIL_ORG_DER=$T/org.der GOVMAIL_ORG_SUBJECT="$(subj "$T/pki/certs/org.pem")" \
	GOVMAIL_ORG_FP="$(fpr "$T/pki/certs/org.pem")" \
	browser_run test_audit_certs.py

# --- the directory and the audit log, seen without the browser ---------------
dir_fps() {
	t_ldapsearch -b "$LDAP_BASE" "$1" 'userCertificate;binary' |
	sed -n 's/^userCertificate;binary:: //p' | while read -r b64; do
		printf '%s' "$b64" | base64 -d | openssl x509 -inform DER -noout -fingerprint -sha256 |
		sed 's/^.*=//'
	done
}
expect_eq "the directory holds the person's certificate (same DER)" "$(dir_fps '(uid=annv)')" \
	"$(fpr "$PERSON")"
expect_eq "sgd's entry is there (the next check reads it)" \
	"$(t_count '(&(objectClass=govmailAgency)(govmailAgencyCode=sgd))')" 1
expect_eq "the agency's certificate was deleted" "$(dir_fps '(&(objectClass=govmailAgency)(govmailAgencyCode=sgd))')" ""
expect_eq "audit: account.cert.add, agency.cert.add, agency.cert.remove by An" \
	"$(grep -o '"actor":"annv@haugiang.gov.vn","op":"[a-z.]*cert[a-z.]*"' "$T/audit.log" | sed 's/.*"op"://' | tr '\n' ' ')" \
	'"account.cert.add" "agency.cert.add" "agency.cert.remove" '

t_kill -TERM "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly" "$?" 0
echo "1..$T_N"
