#!/usr/bin/env bash
# test_apid_agency_ifmatch.sh — If-Match on PATCH /v1/agencies/{code} is
# atomic, as it is for accounts (test_apid_ifmatch.sh): a PATCH whose ETag
# matched when govmail-apid read the agency, but whose agency someone else
# changes before apid's write reaches slapd, is 412 and leaves the other
# change in place (the write carries an RFC 4528 assertion on the entry's
# entryCSN read with it). The window is made on purpose: a proxy between
# apid and slapd holds apid's modify ("delay") until the test has changed
# the entry directly in slapd. Without the assertion the PATCH would answer
# 200 and overwrite that change. Also: an uncontended PATCH still
# succeeds, and "If-Match: *" asks for no such check.
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
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department
check "agency add sgd-tv (under sgd)" $G agency add sgd-tv --name "Thư viện" --level unit --parent sgd
ADM=$(apid_token --agency sgd --role agency-admin --allow-from 127.0.0.1)
expect_match "an agency-admin token of sgd" "$ADM" '^gmt_'

python3 "$TOP/tests/integration/ldap_hold_proxy.py" "$PX" "$LPORT" "$T/hold" "$T/proxy.log" \
	>"$T/proxy.out" 2>&1 &
T_PIDS+=("$!")
check "the proxy listens" wait_port "$PX"
# apid reaches slapd through the proxy; its directory timeout is the hang
# guard, so a delayed write is waited for, never given up
sed -e "s#uri = \"$LDAP_URI\"#uri = \"ldap://127.0.0.1:$PX\"#" -e "s/timeout = 30;/timeout = $T_HANG;/" \
	"$T/govmail.conf" >"$T/apid.conf"
apid_tls
apid_conf "$T/apid.conf"
apid_start "$T/apid.conf"

TV=/v1/agencies/sgd-tv
# aname: sgd-tv's name as slapd holds it (LDIF gives non-ASCII in base64)
aname() {
	t_ldapsearch -b "ou=agencies,$LDAP_BASE" '(govmailAgencyCode=sgd-tv)' govmailAgencyName |
		python3 -c '
import base64, sys
for l in sys.stdin:
    if l.startswith("govmailAgencyName:: "): print(base64.b64decode(l[20:]).decode())
    elif l.startswith("govmailAgencyName: "): print(l[19:].rstrip("\n"))'
}
TVDN=$(t_ldapsearch -b "ou=agencies,$LDAP_BASE" '(govmailAgencyCode=sgd-tv)' dn |
	sed -n 's/^dn: //p')
expect_match "sgd-tv's DN" "$TVDN" '^[^,]+=sgd-tv,ou=agencies,'

expect_eq "GET: 200" "$(r "$ADM" GET "$TV")" 200
E1=$(etag)
expect_eq "an uncontended PATCH with its ETag: 200" \
	"$(r "$ADM" PATCH "$TV" '{"name": "Thư viện tỉnh"}' -H "If-Match: $E1")" 200
expect_eq "... written" "$(aname)" "Thư viện tỉnh"

expect_eq "GET again: 200" "$(r "$ADM" GET "$TV")" 200
E2=$(etag)
echo delay >"$T/hold"
r "$ADM" PATCH "$TV" '{"name": "Thư viện tỉnh Hậu Giang"}' -H "If-Match: $E2" >"$T/patch.code" &
PATCH_PID=$!
if wait_for grep -q '^delayed modify' "$T/proxy.log"; then ok "apid's modify reached the proxy and waits"
else not_ok "apid's modify reached the proxy and waits"; fi
printf 'dn: %s\nchangetype: modify\nreplace: govmailAgencyName\ngovmailAgencyName: Thư viện Khoa học Tổng hợp\n' "$TVDN" |
	ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >"$T/mod.out" 2>&1
expect_eq "meanwhile someone else changes the name in slapd" "$?" 0
rm -f "$T/hold"
wait "$PATCH_PID"
expect_eq "the PATCH whose ETag matched at its read: 412" "$(cat "$T/patch.code")" 412
expect_match "... saying the agency changed meanwhile" "$(jget 'd["detail"]')" 'changed while it was being modified'
expect_eq "... and the other change stays" "$(aname)" "Thư viện Khoa học Tổng hợp"

expect_eq "If-Match: * asks for no check: 200" \
	"$(r "$ADM" PATCH "$TV" '{"name": "Thư viện tỉnh"}' -H 'If-Match: *')" 200
expect_eq "... written" "$(aname)" "Thư viện tỉnh"

t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0
echo "1..$T_N"
