#!/usr/bin/env bash
# test_apid_ifmatch.sh — If-Match is atomic: a PATCH of an account whose
# ETag matched when govmail-apid read it, but which someone else changes
# before apid's write reaches slapd, is 412 and leaves the other change in
# place (the write carries an RFC 4528 assertion on the entry's version,
# which slapd checks with the write). The window is made on purpose: a
# proxy between apid and slapd holds apid's modify ("delay") until the test
# has changed the entry directly in slapd. Without the assertion the PATCH
# would answer 200 and overwrite that change. Also: an uncontended PATCH
# still succeeds, and "If-Match: *" asks for no such check.
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
check "account add An (sgd)" $G account add --name "Nguyễn Văn An" --agency sgd
ADM=$(apid_token --agency sgd --role agency-admin --allow-from 127.0.0.1)
expect_match "an agency-admin token" "$ADM" '^gmt_'

python3 "$TOP/tests/integration/ldap_hold_proxy.py" "$PX" "$LPORT" "$T/hold" "$T/proxy.log" \
	>"$T/proxy.out" 2>&1 &
T_PIDS+=("$!")
check "the proxy listens" wait_port "$PX"
# apid reaches slapd through the proxy; its directory timeout is the hang
# guard, so a delayed write is waited for, never given up
sed -e "s#uri = \"$LDAP_URI\"#uri = \"ldap://127.0.0.1:$PX\"#" -e "s/timeout = 30;/timeout = $T_HANG;/" \
	"$T/govmail.conf" >"$T/apid.conf"
apid_tls
apid_conf "$T/apid.conf" 'account_cache_ttl = 0;'
apid_start "$T/apid.conf"

AN=/v1/accounts/annv@haugiang.gov.vn
# title: annv's title as slapd holds it (LDIF gives non-ASCII in base64)
title() {
	t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(uid=annv)' title | python3 -c '
import base64, sys
for l in sys.stdin:
    if l.startswith("title:: "): print(base64.b64decode(l[8:]).decode())
    elif l.startswith("title: "): print(l[7:].rstrip("\n"))'
}

expect_eq "GET: 200" "$(r "$ADM" GET "$AN")" 200
E1=$(etag)
expect_eq "an uncontended PATCH with its ETag: 200" \
	"$(r "$ADM" PATCH "$AN" '{"title": "Chuyên viên"}' -H "If-Match: $E1")" 200
expect_eq "... written" "$(title)" "Chuyên viên"

expect_eq "GET again: 200" "$(r "$ADM" GET "$AN")" 200
E2=$(etag)
echo delay >"$T/hold"
r "$ADM" PATCH "$AN" '{"title": "Chuyên viên chính"}' -H "If-Match: $E2" >"$T/patch.code" &
PATCH_PID=$!
if wait_for grep -q '^delayed modify' "$T/proxy.log"; then ok "apid's modify reached the proxy and waits"
else not_ok "apid's modify reached the proxy and waits"; fi
printf 'dn: uid=annv,ou=accounts,%s\nchangetype: modify\nreplace: title\ntitle: Trưởng phòng\n' "$LDAP_BASE" |
	ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >"$T/mod.out" 2>&1
expect_eq "meanwhile someone else changes the title in slapd" "$?" 0
rm -f "$T/hold"
wait "$PATCH_PID"
expect_eq "the PATCH whose ETag matched at its read: 412" "$(cat "$T/patch.code")" 412
expect_match "... saying the account changed meanwhile" "$(jget 'd["detail"]')" 'changed while it was being modified'
expect_eq "... and the other change stays" "$(title)" "Trưởng phòng"

expect_eq "If-Match: * asks for no check: 200" \
	"$(r "$ADM" PATCH "$AN" '{"title": "Chuyên viên"}' -H 'If-Match: *')" 200
expect_eq "... written" "$(title)" "Chuyên viên"

t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0
echo "1..$T_N"
