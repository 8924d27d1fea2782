#!/usr/bin/env bash
# test_apid_scale.sh — govmail-apid over a directory of province size:
# 10,300 accounts (the HR sample, loaded with ldapadd); a province-admin
# pages through all of them with the opaque cursor (Python standard-library
# client over HTTPS, Basic authentication), every account exactly once,
# and an agency's list (with its sub-agencies) matches govmailctl's.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"
t_accounts_ldif "$DATA/hr-export.csv" "$LDAP_BASE" >"$T/accounts.ldif"
check "ldapadd of 10,300 accounts" ldapadd -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" -f "$T/accounts.ldif"
check "account add the administrator" $G account add --name "Quản Trị Viên" --agency snv --generate-password
ADM_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
ADM=$(sed -n 's/.*created \([^ ]*@haugiang\.gov\.vn\).*/\1/p' "$T/last.out")
check "role grant province-admin" $G role grant "$ADM" --role province-admin

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

# page PATH-QUERY: every page by next_cursor; prints "pages total distinct count".
page() {
	python3 - "$P" "$T/cert.pem" "$ADM:$ADM_PW" "$1" <<'PY'
import base64, http.client, json, ssl, sys, urllib.parse
port, ca, cred, query = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=ca)
conn = http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx, timeout=600)
auth = "Basic " + base64.b64encode(cred.encode()).decode()
seen, pages, cursor, total = [], 0, None, None
while True:
    q = query + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
    conn.request("GET", q, headers={"Authorization": auth})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("status %d: %s" % (r.status, body[:300]))
    d = json.loads(body)
    pages += 1
    total = d["total"]
    seen += [a["address"] for a in d["items"]]
    cursor = d["next_cursor"]
    if cursor is None or pages > 1000:
        break
print(pages, total, len(set(seen)), len(seen))
PY
}
out=$(page '/v1/accounts?limit=1000')
expect_eq "province-admin pages through all 10,301 accounts, each once (11 pages of 1000)" "$out" "11 10301 10301 10301"
want=$($G account list --agency snv --recursive | wc -l)
out=$(page '/v1/accounts?agency=snv&limit=7')
expect_match "an agency's list (snv and its sub-agencies) matches govmailctl's" "$out" "^[0-9]+ $want $want $want\$"

t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0
