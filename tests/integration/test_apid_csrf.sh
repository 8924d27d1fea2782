#!/usr/bin/env bash
# test_apid_csrf.sh — govmail-apid refuses what a page of another site
# makes a browser send (curl plays the browser, with the headers a browser
# sets itself): a change marked Sec-Fetch-Site cross-site or same-site, or
# with a foreign or "null" Origin, is a 403 cross-site whatever the
# credentials (Basic a browser stored, a Bearer token, the session cookie)
# and for the public POST /v1/session too, and changes nothing; the same
# server's own Origin and a tool sending neither header pass. A browser is
# never offered HTTP Basic (navigations included); tools still are. A
# certificate cannot come as text/plain (what a form can POST). A stale
# page's change after a restart is told its session ended (401), not
# that its token is wrong; a 401 for a dead session clears the cookie.
# The console's files do not count against apid.rate_per_address. HSTS on
# the HTTPS listener only. A password reset, suspend, disable, rename or
# purge through this govmail-apid ends the person's sessions at once; a
# password set elsewhere (govmailctl) ends them at the next check.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)
PP=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department
check "account add An (province admin)" $G account add --name "Nguyễn Văn An" --agency sgd --generate-password
AN_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "account add Hà" $G account add --name "Vũ Thị Hà" --agency sgd --generate-password
HA_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant annv province-admin" $G role grant annv@haugiang.gov.vn --role province-admin
check "role grant havt hr of sgd" $G role grant havt@haugiang.gov.vn --role hr --agency sgd
ADM=$(apid_token --agency sgd --role agency-admin --allow-from 127.0.0.1)

C=$T/console
mkdir -p "$C/js"
printf '<!doctype html><title>t</title>\n' >"$C/index.html"
printf 'var x = 1;\n' >"$C/js/core.js"
apid_tls
apid_conf "$T/govmail.conf" "console_dir = \"$C\";" "plain_listen = \"127.0.0.1:$PP\";" \
	'rate_per_address = 0;' 'rate_per_token = 0;' 'auth_cache_ttl = 0;'
apid_start
check "the plain listener listens" wait_port "$PP"

hdr() { python3 - "$T/h" "$1" <<'PY'
import sys
name = sys.argv[2].lower()
vals = [l.split(":", 1)[1].strip() for l in open(sys.argv[1], encoding="latin-1").read().splitlines()
        if ":" in l and l.split(":", 1)[0].lower() == name]
print("\n".join(vals))
PY
}
HV=/v1/accounts/havt@haugiang.gov.vn
AN=/v1/accounts/annv@haugiang.gov.vn
ANB="annv@haugiang.gov.vn:$AN_PW"
status() { r "$ADM" GET "$HV" >/dev/null; jget 'd["status"], d.get("locked")'; }
BEFORE=$(status)
# A hidden form of a hostile page: text/plain, the credentials the browser
# stored for this server, the headers the browser adds itself.
FORM=(-H 'Content-Type: text/plain' -H 'Sec-Fetch-Mode: navigate' -H 'Sec-Fetch-Dest: document')

# --- cross-site changes refused ---------------------------------------------
for op in lock suspend disable; do
	expect_eq "a forged form POST $op with stored Basic (Sec-Fetch-Site: cross-site): 403" \
		"$(r "$ANB" POST "$HV/$op" '{"reason": "x"}' "${FORM[@]}" -H 'Sec-Fetch-Site: cross-site' \
			-H 'Origin: https://evil.example')" 403
	expect_match "... type .../cross-site" "$(jget 'd["type"]')" '/cross-site$'
done
expect_eq "... a password reset so forged: 403" \
	"$(r "$ANB" POST "$HV/password" '{}' "${FORM[@]}" -H 'Sec-Fetch-Site: same-site')" 403
expect_eq "... a purge so forged: 403" \
	"$(r "$ANB" POST "$HV/purge" '{}' "${FORM[@]}" -H 'Sec-Fetch-Site: cross-site')" 403
expect_eq "... a certificate so forged: 403" \
	"$(r "$ANB" POST "$HV/certificates" 'x' -H 'Sec-Fetch-Site: cross-site')" 403
expect_eq "an older browser (Origin only, foreign): 403" \
	"$(r "$ANB" POST "$HV/lock" '{"reason": "x"}' -H 'Origin: https://evil.example')" 403
expect_eq "Origin: null (a sandboxed frame, a data: page): 403" \
	"$(r "$ANB" POST "$HV/lock" '{"reason": "x"}' -H 'Origin: null')" 403
expect_eq "Origin of this host in plain HTTP, on the HTTPS listener: 403" \
	"$(r "$ANB" POST "$HV/lock" '{"reason": "x"}' -H "Origin: http://127.0.0.1:$P")" 403
expect_eq "Origin of this host on another port: 403" \
	"$(r "$ANB" POST "$HV/lock" '{"reason": "x"}' -H "Origin: https://127.0.0.1:$PP")" 403
expect_eq "a Bearer token, cross-site: 403" \
	"$(r "$ADM" POST "$HV/lock" '{"reason": "x"}' -H 'Sec-Fetch-Site: cross-site')" 403
expect_eq "a forged sign-in (POST /v1/session, cross-site): 403" \
	"$(r - POST /v1/session "{\"user\": \"annv\", \"password\": \"$AN_PW\"}" -H 'Sec-Fetch-Site: cross-site')" 403
expect_eq "... no cookie" "$(hdr Set-Cookie)" ""
expect_eq "nothing changed" "$(status)" "$BEFORE"
expect_match "the log says why" "$(cat "$T/apid.log")" 'cross-site request refused \(Sec-Fetch-Site: cross-site\)'
expect_eq "a cross-site GET is no change: 200" "$(r "$ANB" GET "$HV" -H 'Sec-Fetch-Site: cross-site')" 200

# --- what passes ------------------------------------------------------------
expect_eq "sign in from the console's own page (same-origin, its Origin): 200" \
	"$(r - POST /v1/session "{\"user\": \"annv\", \"password\": \"$AN_PW\"}" \
		-H 'Sec-Fetch-Site: same-origin' -H "Origin: https://127.0.0.1:$P")" 200
SID=$(hdr Set-Cookie | sed 's/^[^=]*=\([^;]*\);.*/\1/')
CN=$(hdr Set-Cookie | sed 's/=.*//')
XT=$(jget 'd["csrf_token"]')
expect_eq "the session cookie and token, cross-site: 403" \
	"$(r - POST "$HV/lock" '{"reason": "x"}' -H "Cookie: $CN=$SID" -H "X-CSRF-Token: $XT" \
		-H 'Sec-Fetch-Site: cross-site')" 403
expect_eq "... same-origin: 200" \
	"$(r - POST "$HV/lock" '{"reason": "csrf test"}' -H "Cookie: $CN=$SID" -H "X-CSRF-Token: $XT" \
		-H 'Sec-Fetch-Site: same-origin' -H "Origin: https://127.0.0.1:$P")" 200
expect_eq "Sec-Fetch-Site: none (typed by the user) and Basic: 200" \
	"$(r "$ANB" POST "$HV/unlock" -H 'Sec-Fetch-Site: none')" 200
expect_eq "a tool sending neither header (Bearer): 200" \
	"$(r "$ADM" POST "$HV/lock" '{"reason": "tool"}')" 200
expect_eq "... (Basic): 200" "$(r "$ANB" POST "$HV/unlock")" 200
expect_eq "the plain listener behind a TLS proxy: an https Origin of its Host passes" \
	"$(curl -sS --max-time 300 -o "$T/b" -w '%{http_code}' -X POST -u "$ANB" \
		-H "Origin: https://127.0.0.1:$PP" -H 'Content-Type: application/json' -d '{"reason": "p"}' \
		"http://127.0.0.1:$PP$HV/lock")" 200
expect_eq "... a foreign one does not" \
	"$(curl -sS --max-time 300 -o "$T/b" -w '%{http_code}' -X POST -u "$ANB" \
		-H "Origin: http://evil.example:$PP" "http://127.0.0.1:$PP$HV/unlock")" 403
check "account unlock havt" $G account unlock havt@haugiang.gov.vn

# --- no Basic challenge to a browser ----------------------------------------
expect_eq "a browser opening an API URL (navigation): 401" \
	"$(r - GET "$HV" -H 'Sec-Fetch-Mode: navigate' -H 'Sec-Fetch-Site: none' -H 'Sec-Fetch-Dest: document')" 401
expect_eq "... offered no Basic (no password box to store credentials)" \
	"$(hdr WWW-Authenticate)" 'Bearer realm="govmail"'
expect_eq "a request with some cookie: 401" "$(r - GET "$HV" -H 'Cookie: other=1')" 401
expect_eq "... no Basic either" "$(hdr WWW-Authenticate)" 'Bearer realm="govmail"'
expect_eq "a tool without credentials: 401" "$(r - GET "$HV")" 401
expect_match "... is offered Basic (it may wait for the challenge)" "$(hdr WWW-Authenticate)" \
	'^Bearer realm="govmail", Basic realm="govmail"'

# --- certificates: no text/plain ------------------------------------------------
printf 'not a certificate' >"$T/nc"
expect_eq "a certificate as text/plain: 415" \
	"$(r "$ADM" POST "$HV/certificates" -H 'Content-Type: text/plain' --data-binary @"$T/nc")" 415

# --- JSON only as application/json ------------------------------------------------
for ct in text/plain application/x-www-form-urlencoded multipart/form-data application/jsonx; do
	expect_eq "a JSON body as $ct: 415" \
		"$(r "$ADM" POST "$HV/lock" -H "Content-Type: $ct" --data-binary '{"reason": "x"}')" 415
done
expect_eq "... without Content-Type: 415" \
	"$(r "$ADM" POST "$HV/lock" -H 'Content-Type:' --data-binary '{"reason": "x"}')" 415
expect_match "... naming the field" "$(jget 'd["field"]')" '^Content-Type$'
expect_eq "nothing changed" "$(status)" "$BEFORE"
expect_eq "application/json; charset=utf-8: 200" \
	"$(r "$ADM" POST "$HV/lock" -H 'Content-Type: application/json; charset=utf-8' --data-binary '{"reason": "y"}')" 200
expect_eq "an empty body without Content-Type: 200" "$(r "$ANB" POST "$HV/unlock")" 200

# --- a stale page after a restart; the cookie cleared --------------------------
STALE=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
expect_eq "a change with a session unknown here (a restart) and its old token: 401" \
	"$(r - POST "$HV/lock" '{"reason": "x"}' -H "Cookie: $CN=$STALE" -H "X-CSRF-Token: $STALE")" 401
expect_match "... session-expired, not csrf" "$(jget 'd["type"]')" '/session-expired$'
expect_match "... and the cookie is cleared" "$(hdr Set-Cookie)" "^$CN=; .*Max-Age=0"
expect_eq "GET /v1/session with it: 401" "$(r - GET /v1/session -H "Cookie: $CN=$STALE")" 401
expect_match "... the cookie is cleared" "$(hdr Set-Cookie)" "^$CN=; .*Max-Age=0"
expect_eq "a live session without its token: still 403 csrf" \
	"$(r - POST "$HV/lock" '{"reason": "x"}' -H "Cookie: $CN=$SID")" 403
expect_match "... csrf" "$(jget 'd["type"]')" '/csrf$'
expect_eq "... its cookie is not cleared" "$(hdr Set-Cookie)" ""

# --- HSTS on HTTPS only -------------------------------------------------------
r - GET /openapi.json >/dev/null
expect_eq "HTTPS API answer: Strict-Transport-Security" "$(hdr Strict-Transport-Security)" "max-age=31536000"
r - GET / >/dev/null
expect_eq "HTTPS page: Strict-Transport-Security" "$(hdr Strict-Transport-Security)" "max-age=31536000"
curl -sS --max-time 300 -D "$T/h" -o /dev/null "http://127.0.0.1:$PP/openapi.json"
expect_eq "plain listener: none" "$(hdr Strict-Transport-Security)" ""

# --- a change of credentials ends the person's sessions --------------------------
# signin LOGIN PASSWORD: a new session of that person, its id in SID.
signin() {
	r - POST /v1/session "{\"user\": \"$1\", \"password\": \"$2\"}" >/dev/null
	SID=$(hdr Set-Cookie | sed 's/^[^=]*=\([^;]*\);.*/\1/')
}
sget() { r - GET /v1/session -H "Cookie: $CN=${1:-$SID}"; }
signin havt "$HA_PW"
S1=$SID
signin havt@haugiang.gov.vn "$HA_PW"
S2=$SID
expect_eq "Hà has two sessions" "$(sget "$S1") $(sget "$S2")" "200 200"
expect_eq "an administrator resets her password through the API: 200" \
	"$(r "$ANB" POST "$HV/password" '{}')" 200
HA_PW=$(jget 'd["password"]')
expect_eq "... both her sessions have ended at once: 401" "$(sget "$S1") $(sget "$S2")" "401 401"
expect_match "... the log says why" "$(cat "$T/apid.log")" \
	'2 sessions of uid=havt,[^ ]* ended: /v1/accounts/\{address\}/password'
signin havt "$HA_PW"
expect_eq "she signs in with the new password" "$(sget)" 200
expect_eq "... and goes on (her session is newer than the change)" "$(sget)" 200
expect_eq "an administrator renames her: 200" \
	"$(r "$ANB" POST "$HV/rename" '{"address": "ha.vt@haugiang.gov.vn"}')" 200
expect_eq "... her session has ended: 401" "$(sget)" 401
expect_match "... the log says why" "$(cat "$T/apid.log")" \
	'1 session of uid=havt,[^ ]* ended: /v1/accounts/\{address\}/rename'
HV=/v1/accounts/ha.vt@haugiang.gov.vn
signin havt "$HA_PW"
expect_eq "she signs in again" "$(sget)" 200
expect_eq "she is suspended through the API: 200" "$(r "$ANB" POST "$HV/suspend" '{"reason": "x"}')" 200
expect_eq "... her session has ended: 401" "$(sget)" 401
expect_match "... the log says why" "$(cat "$T/apid.log")" \
	'1 session of uid=havt,[^ ]* ended: /v1/accounts/\{address\}/suspend'
expect_eq "resumed: 200" "$(r "$ANB" POST "$HV/resume" '{}')" 200
signin havt "$HA_PW"
S1=$SID
signin annv "$AN_PW"
SA=$SID
expect_eq "Hà and An signed in" "$(sget "$S1") $(sget "$SA")" "200 200"
printf '%s\n' 'Mat-khau-moi-2026!xyz' >"$T/newpw"
# pwdChangedTime has whole seconds: a change within the second of the one
# before cannot be told from it (README). The earlier reset may be less
# than a second ago on a fast machine: wait until the clock is past it.
pwc=$(t_ldapsearch -b "$LDAP_BASE" '(uid=havt)' pwdChangedTime | sed -n 's/^pwdChangedTime: //p')
past() { [ -n "$1" ] && [[ "$(date -u +%Y%m%d%H%M%SZ)" > "$1" ]]; }
check "the clock is past her last password change ($pwc)" wait_for past "$pwc"
check "govmailctl account passwd ha.vt (outside govmail-apid)" sh -c \
	"$G account passwd ha.vt@haugiang.gov.vn <'$T/newpw'"
expect_eq "... her session ends at its next check (auth_cache_ttl 0 here): 401" "$(sget "$S1")" 401
expect_match "... the log says why" "$(cat "$T/apid.log")" \
	'session [0-9a-f]{8} of uid=havt,[^ ]* ended: its password was changed'
expect_eq "... An's session goes on" "$(sget "$SA")" 200
signin havt 'Mat-khau-moi-2026!xyz'
expect_eq "she signs in with it and goes on" "$(sget) $(sget)" "200 200"

t_kill -TERM "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0

# --- static files and the rate limit (5 a minute per address here) -------------
P=$(t_free_port)
cp "$T/govmail.conf" "$T/rate.conf"
sed -i '/^apid = {/,$d' "$T/rate.conf"
apid_conf "$T/rate.conf" "console_dir = \"$C\";" 'rate_per_address = 5;'
apid_start "$T/rate.conf"
n=0
for i in $(seq 12); do [ "$(r - GET /js/core.js)" = 200 ] && n=$((n + 1)); done
expect_eq "12 console files from one address: 200 each" "$n" 12
n=0
for i in $(seq 20); do [ "$(r - GET /openapi.json)" = 429 ] && n=$((n + 1)); done
case $n in 0) not_ok "API requests beyond apid.rate_per_address are still limited (none was)" ;;
*) ok "API requests beyond apid.rate_per_address are still limited ($n of 20 got 429)" ;; esac
t_kill -TERM "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly" "$?" 0
echo "1..$T_N"
