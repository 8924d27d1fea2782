#!/usr/bin/env bash
# test_apid_session.sh — govmail-apid's web console side over HTTPS (curl),
# against a sandbox slapd: sign-in (POST /v1/session) with the Basic
# password check (the same 401 for an unknown address and a wrong
# password, 403 without a role), the cookie's attributes exactly, GET
# /v1/session, CSRF (a change with the cookie refused without or with a
# wrong X-CSRF-Token, made with it; Bearer and Basic callers unaffected),
# sign-out (the old cookie is refused when replayed), at most 16 sessions
# of one person, the idle timeout,
# its sliding and the absolute lifetime (a second govmail-apid whose clock
# libfaketime moves: no verdict depends on how fast this machine is), the
# end of a session when its person is locked or loses their role,
# the console's files (index, content types, 304; traversal, dot files,
# symbolic links, unknown extensions, directories: 404) and the security
# headers on pages and API answers alike. Neither the session id, the CSRF
# token nor the password appear in the log.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department
check "account add An (hr of sgd)" $G account add --name "Nguyễn Văn An" --agency sgd --generate-password
AN_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "account add Hà (no role)" $G account add --name "Vũ Thị Hà" --agency sgd --generate-password
HA_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant annv hr of sgd" $G role grant annv@haugiang.gov.vn --role hr --agency sgd
HR=$(apid_token --agency sgd --role hr --allow-from 127.0.0.1)

# The console this test serves: its own files, and what must never be served.
C=$T/console
mkdir -p "$C/js" "$C/css" "$C/.git"
printf '<!doctype html><title>t</title><p>console of the test</p>\n' >"$C/index.html"
printf 'var x = 1;\n' >"$C/js/app.js"
printf 'body { margin: 0 }\n' >"$C/css/app.css"
printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' >"$C/logo.svg"
printf 'secret\n' >"$C/.secret.js"
printf 'secret\n' >"$C/js/.hidden.js"
printf 'secret\n' >"$C/.git/config.txt"
printf 'secret\n' >"$C/notes.conf"
printf 'outside\n' >"$T/outside.txt"
ln -s "$T/outside.txt" "$C/link.txt"
ln -s "$T" "$C/up"

apid_tls
apid_conf "$T/govmail.conf" "console_dir = \"$C\";"
apid_start
expect_match "the log counts the console's files" "$(cat "$T/apid.log")" 'web console: 4 files from '

CSP="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
# hdr NAME: the value of header NAME in the last response ("" if none).
hdr() { python3 - "$T/h" "$1" <<'PY'
import sys
name = sys.argv[2].lower()
vals = [l.split(":", 1)[1].strip() for l in open(sys.argv[1], encoding="latin-1").read().splitlines()
        if ":" in l and l.split(":", 1)[0].lower() == name]
print("\n".join(vals))
PY
}
# secure_headers WHAT: the four security headers of every response.
secure_headers() {
	expect_eq "$1: Content-Security-Policy" "$(hdr Content-Security-Policy)" "$CSP"
	expect_eq "$1: X-Content-Type-Options" "$(hdr X-Content-Type-Options)" nosniff
	expect_eq "$1: Referrer-Policy" "$(hdr Referrer-Policy)" no-referrer
	expect_eq "$1: X-Frame-Options" "$(hdr X-Frame-Options)" DENY
}
# s METHOD PATH [JSON] [curl args...]: a request with the cookie $SID
# (none when empty) and X-CSRF-Token $XT (none when empty).
s() {
	local m=$1 p=$2 a=(); shift 2
	[ -z "${SID:-}" ] || a+=(-H "Cookie: __Host-govmail_session=$SID")
	[ -z "${XT:-}" ] || a+=(-H "X-CSRF-Token: $XT")
	r - "$m" "$p" "$@" "${a[@]}"
}

# --- sign in --------------------------------------------------------------
SID="" XT=""
expect_eq "sign in with a wrong password: 401" \
	"$(s POST /v1/session '{"user": "annv@haugiang.gov.vn", "password": "wrong-password"}')" 401
cp "$T/b" "$T/b.wrong"
expect_eq "... no cookie" "$(hdr Set-Cookie)" ""
expect_eq "... no Basic challenge (a browser would open its own dialog)" \
	"$(hdr WWW-Authenticate)" 'Bearer realm="govmail"'
secure_headers "a 401 problem"
expect_eq "... Cache-Control: no-store" "$(hdr Cache-Control)" no-store
expect_eq "sign in as an unknown person: 401" \
	"$(s POST /v1/session '{"user": "khongco@haugiang.gov.vn", "password": "wrong-password"}')" 401
expect_eq "... the same answer as for a wrong password" "$(cat "$T/b")" "$(cat "$T/b.wrong")"
expect_eq "sign in with an empty password: 401" \
	"$(s POST /v1/session '{"user": "annv@haugiang.gov.vn", "password": ""}')" 401
expect_eq "... the same answer" "$(cat "$T/b")" "$(cat "$T/b.wrong")"
expect_eq "sign in without the password field: 400" "$(s POST /v1/session '{"user": "annv"}')" 400
expect_eq "sign in with an unknown field: 400" \
	"$(s POST /v1/session '{"user": "annv", "password": "x", "remember": true}')" 400
expect_eq "sign in as a person without a role (right password): 403" \
	"$(s POST /v1/session "{\"user\": \"havt@haugiang.gov.vn\", \"password\": \"$HA_PW\"}")" 403

expect_eq "sign in as an hr officer by uid: 200" \
	"$(s POST /v1/session "{\"user\": \"annv\", \"password\": \"$AN_PW\"}")" 200
expect_eq "... who, with which roles" \
	"$(jget 'd["user"]["address"], d["user"]["name"], d["user"]["uid"], d["user"]["agency"], d["user"]["roles"], d["idle_timeout"]')" \
	"('annv@haugiang.gov.vn', 'Nguyễn Văn An', 'annv', 'sgd', [{'role': 'hr', 'agency': 'sgd'}], 900)"
XT1=$(jget 'd["csrf_token"]')
expect_match "... a CSRF token (256 bits, base64url)" "$XT1" '^[A-Za-z0-9_-]{43}$'
COOKIE=$(hdr Set-Cookie)
expect_match "... the cookie, its attributes exactly" "$COOKIE" \
	'^__Host-govmail_session=[A-Za-z0-9_-]{43}; Path=/; Secure; HttpOnly; SameSite=Strict$'
SID1=$(printf '%s' "$COOKIE" | sed 's/^__Host-govmail_session=\([^;]*\);.*/\1/')
expect_eq "the session id under the name without __Host- (one a sibling site could plant): 401" \
	"$(r - GET /v1/session -H "Cookie: govmail_session=$SID1")" 401
expect_match "... not signed in" "$(jget 'd["type"]')" '/unauthenticated$'
secure_headers "the sign-in answer"
expect_eq "... Cache-Control: no-store" "$(hdr Cache-Control)" no-store
expect_eq "a second sign-in (by address): 200" \
	"$(s POST /v1/session "{\"user\": \"annv@haugiang.gov.vn\", \"password\": \"$AN_PW\"}")" 200
SID2=$(hdr Set-Cookie | sed 's/^__Host-govmail_session=\([^;]*\);.*/\1/')
XT2=$(jget 'd["csrf_token"]')
expect_eq "... another session, another CSRF token" "$([ "$SID1" != "$SID2" ] && [ "$XT1" != "$XT2" ] && echo yes)" yes

# --- the session ------------------------------------------------------------
SID=$SID1 XT=""
expect_eq "GET /v1/session with the cookie: 200" "$(s GET /v1/session)" 200
expect_eq "... the same person and CSRF token (a reloaded page recovers it)" \
	"$(jget 'd["user"]["address"], d["user"]["roles"], d["csrf_token"]')" \
	"('annv@haugiang.gov.vn', [{'role': 'hr', 'agency': 'sgd'}], '$XT1')"
expect_eq "... no new cookie" "$(hdr Set-Cookie)" ""
SID=""
expect_eq "GET /v1/session without a cookie: 401" "$(s GET /v1/session)" 401
expect_match "... unauthenticated" "$(jget 'd["type"]')" '/unauthenticated$'
SID="not-a-session"
expect_eq "GET /v1/session with a made-up cookie: 401" "$(s GET /v1/session)" 401
expect_match "... session-expired" "$(jget 'd["type"]')" '/session-expired$'
SID=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
expect_eq "... one of the right form: 401" "$(s GET /v1/session)" 401
SID=$SID1
AN=/v1/accounts/annv@haugiang.gov.vn
expect_eq "GET an account with the cookie (no CSRF token needed): 200" "$(s GET "$AN")" 200
secure_headers "an API answer"
expect_eq "... Cache-Control: no-store" "$(hdr Cache-Control)" no-store

# --- CSRF -----------------------------------------------------------------
HV=/v1/accounts/havt@haugiang.gov.vn
expect_eq "suspend with the cookie, no X-CSRF-Token: 403" \
	"$(s POST "$HV/suspend" '{"reason": "csrf test"}')" 403
expect_match "... type .../csrf" "$(jget 'd["type"]')" '/csrf$'
secure_headers "a 403 problem"
XT=$XT2
expect_eq "... with another session's token: 403" "$(s POST "$HV/suspend" '{"reason": "csrf test"}')" 403
expect_match "... type .../csrf" "$(jget 'd["type"]')" '/csrf$'
XT=${XT1%?}A
[ "$XT" != "$XT1" ] || XT=${XT1%?}B
expect_eq "... with a token one character off: 403" "$(s POST "$HV/suspend" '{"reason": "csrf test"}')" 403
XT=""
expect_eq "... nothing changed" "$(s GET "$HV")" 200
expect_eq "... still active" "$(jget 'd["status"]')" active
XT=$XT1
expect_eq "suspend with the cookie and its X-CSRF-Token: 200" \
	"$(s POST "$HV/suspend" '{"reason": "csrf test"}')" 200
expect_eq "... suspended" "$(jget 'd["account"]["status"]')" suspended
expect_match "... audited with the person as actor" "$(cat "$T/audit.log")" \
	'annv@haugiang\.gov\.vn.*havt@haugiang\.gov\.vn|havt@haugiang\.gov\.vn.*annv@haugiang\.gov\.vn'
XT=""
expect_eq "resume with an hr token (Bearer), no CSRF token: 200" \
	"$(r "$HR" POST "$HV/resume" '{}')" 200
expect_eq "... active" "$(jget 'd["account"]["status"]')" active
expect_eq "suspend with Basic, no CSRF token: 200" \
	"$(r "annv@haugiang.gov.vn:$AN_PW" POST "$HV/suspend" '{"reason": "basic"}')" 200
expect_eq "resume with a Bearer token and a stale cookie alongside: 200" \
	"$(r "$HR" POST "$HV/resume" '{}' -H "Cookie: __Host-govmail_session=$SID1")" 200

# --- sign out -------------------------------------------------------------
SID=$SID1 XT=""
expect_eq "sign out without X-CSRF-Token: 403" "$(s DELETE /v1/session)" 403
expect_eq "... still signed in" "$(s GET /v1/session)" 200
XT=$XT1
expect_eq "sign out with it: 204" "$(s DELETE /v1/session)" 204
expect_eq "... the cookie is cleared" "$(hdr Set-Cookie)" \
	'__Host-govmail_session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0'
XT=""
expect_eq "the old cookie replayed: GET /v1/session 401" "$(s GET /v1/session)" 401
expect_match "... session-expired" "$(jget 'd["type"]')" '/session-expired$'
expect_eq "... GET an account 401" "$(s GET "$AN")" 401
XT=$XT1
expect_eq "... a change with its CSRF token 401" "$(s POST "$HV/suspend" '{}')" 401
SID=$SID2 XT=""
expect_eq "the other session still works" "$(s GET /v1/session)" 200
# One person keeps at most 16 sessions: a 16th sign-in beside SID2 ends
# the least recently used one, SID2.
SID="" XT="" n=0
for i in $(seq 16); do
	[ "$(s POST /v1/session "{\"user\": \"annv\", \"password\": \"$AN_PW\"}")" = 200 ] && n=$((n + 1))
done
expect_eq "16 more sign-ins of the same person: 200 each" "$n" 16
LAST=$(hdr Set-Cookie | sed 's/^__Host-govmail_session=\([^;]*\);.*/\1/')
SID=$SID2
expect_eq "... the least recently used of 17 sessions is ended" "$(s GET /v1/session)" 401
SID=$LAST
expect_eq "... the newest works" "$(s GET /v1/session)" 200
expect_match "... as the log says" "$(cat "$T/apid.log")" 'ended, more than 16 at once'

# --- the console's files ----------------------------------------------------
SID="" XT=""
expect_eq "GET /: 200" "$(s GET /)" 200
expect_eq "... index.html" "$(cat "$T/b")" "$(cat "$C/index.html")"
expect_eq "... text/html" "$(hdr Content-Type)" "text/html; charset=utf-8"
secure_headers "the page"
ET=$(hdr ETag)
expect_match "... with an ETag" "$ET" '^"[0-9a-f]{16}"$'
expect_eq "... again with If-None-Match: 304" "$(s GET / -H "If-None-Match: $ET")" 304
secure_headers "a 304"
expect_eq "GET /index.html: 200" "$(s GET /index.html)" 200
expect_eq "GET /js/app.js: 200" "$(s GET /js/app.js)" 200
expect_eq "... text/javascript" "$(hdr Content-Type)" "text/javascript; charset=utf-8"
expect_eq "... nosniff" "$(hdr X-Content-Type-Options)" nosniff
expect_eq "GET /css/app.css: text/css" "$(s GET /css/app.css >/dev/null; hdr Content-Type)" "text/css; charset=utf-8"
expect_eq "GET /logo.svg: image/svg+xml" "$(s GET /logo.svg >/dev/null; hdr Content-Type)" "image/svg+xml"
expect_eq "HEAD /js/app.js: 200" "$(s HEAD /js/app.js -I)" 200
expect_eq "POST /: 405" "$(s POST /)" 405
expect_eq "... Allow: GET, HEAD" "$(hdr Allow)" "GET, HEAD"
for p in /.secret.js /js/.hidden.js /.git/config.txt /notes.conf /link.txt /up/outside.txt \
	/js/ /js /css// /nothing.html /v2/x; do
	expect_eq "GET $p: 404" "$(s GET "$p" --path-as-is)" 404
done
secure_headers "a 404"
for p in /../outside.txt /js/../../outside.txt /%2e%2e/outside.txt /js/%2e%2e/%2e%2e/outside.txt \
	/js/..%2f..%2foutside.txt /%2E%2E%2Foutside.txt '/js/..\..\outside.txt' /./index.html \
	/js/./app.js; do
	code=$(s GET "$p" --path-as-is)
	case $code in 400|404) ok "GET $p: $code" ;; *) not_ok "GET $p: $code (wanted 404 or 400)" ;; esac
	expect_eq "... nothing of it served" "$(grep -c outside "$T/b")" 0
done
expect_eq "GET /openapi.json: 200" "$(s GET /openapi.json)" 200
secure_headers "the OpenAPI document"
expect_eq "... Cache-Control: no-store" "$(hdr Cache-Control)" no-store
expect_eq "... lists /v1/session" "$(jget 'sorted(d["paths"]["/v1/session"].keys())')" "['delete', 'get', 'post']"
expect_eq "an unknown API path stays the API's: 404 problem" "$(s GET /v1/nothing)" 404
expect_eq "... application/problem+json" "$(hdr Content-Type)" application/problem+json
expect_eq "a wrong method on the API: 405" "$(s PUT /v1/session)" 405
secure_headers "a 405"
expect_eq "a Basic caller's 401 still offers Basic" "$(r "annv@haugiang.gov.vn:x" GET "$AN")" 401
expect_match "... WWW-Authenticate" "$(hdr WWW-Authenticate)" 'Basic realm="govmail"'
expect_eq "a browser's fetch() without credentials: 401" "$(s GET "$AN" -H 'Sec-Fetch-Mode: cors')" 401
expect_eq "... without a Basic challenge" "$(hdr WWW-Authenticate)" 'Bearer realm="govmail"'

# --- secrets stay out of the log -----------------------------------------------
for v in "$SID1" "$SID2" "$XT1" "$XT2" "$AN_PW" "$HA_PW"; do
	[ -n "$v" ] || continue
	if grep -qF -- "$v" "$T/apid.log"; then not_ok "a secret (${v:0:4}...) is in the log"; else ok "a secret (${v:0:4}...) is not in the log"; fi
done
expect_match "the log says who signed in and out" "$(cat "$T/apid.log")" \
	'session [0-9a-f]{8}: annv@haugiang\.gov\.vn signed in from 127\.0\.0\.1(.|\n)*session [0-9a-f]{8}: annv@haugiang\.gov\.vn signed out'

t_kill -TERM "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly (no leak under ASan)" "$?" 0

# --- idle timeout, sliding, lifetime: a govmail-apid whose clock we move ---------
# The optimised build under libfaketime (ASan wants to be first in the
# process, as test_smtp_dkim_rotate says); the offset is read from a file
# on every clock call, CLOCK_MONOTONIC included, so the server's clock
# jumps exactly when the test says: idle_timeout 600, lifetime 1500 (the
# smallest lifetime allowed is 60 s, far more than any step here takes).
FAKELIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FAKELIB" ] || { echo "Bail out! libfaketime missing (scripts/install-deps: faketime)"; exit 1; }
[ -x "$TOP/bin/govmail-apid" ] || { echo "Bail out! bin/govmail-apid missing (make)"; exit 1; }
P=$(t_free_port)
cp "$T/govmail.conf" "$T/fake.conf"
sed -i '/^apid = {/,$d' "$T/fake.conf"
apid_conf "$T/fake.conf" 'session_idle_timeout = 600;' 'session_lifetime = 1500;' 'auth_cache_ttl = 0;'
echo "+0" >"$T/faketime"
env LD_PRELOAD="$FAKELIB" FAKETIME_TIMESTAMP_FILE="$T/faketime" FAKETIME_NO_CACHE=1 \
	"$TOP/bin/govmail-apid" -c "$T/fake.conf" -f >"$T/fake.log" 2>&1 &
FPID=$!
T_PIDS+=("$FPID")
check "govmail-apid under libfaketime listens" wait_port "$P"
U=https://127.0.0.1:$P
# (a rename: the server never reads a half-written file)
clock() { echo "+$1" >"$T/faketime.new" && mv "$T/faketime.new" "$T/faketime"; }
SID="" XT=""
expect_eq "sign in: 200" "$(s POST /v1/session "{\"user\": \"annv\", \"password\": \"$AN_PW\"}")" 200
SID=$(hdr Set-Cookie | sed 's/^__Host-govmail_session=\([^;]*\);.*/\1/')
XT=$(jget 'd["csrf_token"]')
expect_eq "... idle_timeout 600" "$(jget 'd["idle_timeout"]')" 600
clock 400
expect_eq "400 s later: GET /v1/session 200" "$(s GET /v1/session)" 200
clock 800
expect_eq "800 s after sign-in, 400 s after the last request: still 200 (the expiry slid)" \
	"$(s GET "$AN")" 200
clock 1200
expect_eq "1200 s after sign-in, 400 s idle: 200" "$(s GET /v1/session)" 200
clock 1600
expect_eq "1600 s after sign-in, 400 s idle, beyond the lifetime: 401" "$(s GET /v1/session)" 401
expect_match "... session-expired" "$(jget 'd["type"]')" '/session-expired$'
expect_match "... the log says why" "$(cat "$T/fake.log")" 'older than apid\.session_lifetime'
XT="" SID=""
expect_eq "sign in again: 200" "$(s POST /v1/session "{\"user\": \"annv\", \"password\": \"$AN_PW\"}")" 200
SID=$(hdr Set-Cookie | sed 's/^__Host-govmail_session=\([^;]*\);.*/\1/')
XT=$(jget 'd["csrf_token"]')
clock 2190
expect_eq "590 s idle: 200" "$(s GET /v1/session)" 200
clock 2791
expect_eq "601 s idle: a change 401" "$(s POST "$HV/suspend" '{"reason": "x"}')" 401
expect_match "... session-expired" "$(jget 'd["type"]')" '/session-expired$'
expect_match "... the log says why" "$(cat "$T/fake.log")" 'idle longer than apid\.session_idle_timeout'
expect_eq "... and it stays expired" "$(s GET /v1/session)" 401
SID="" XT=""
expect_eq "a person locked by an administrator: signed in" \
	"$(s POST /v1/session "{\"user\": \"annv\", \"password\": \"$AN_PW\"}")" 200
SID=$(hdr Set-Cookie | sed 's/^__Host-govmail_session=\([^;]*\);.*/\1/')
check "account lock annv" $G account lock annv@haugiang.gov.vn --reason "session test"
expect_eq "... the next request (auth_cache_ttl 0): 401" "$(s GET "$AN")" 401
expect_match "... the log says why" "$(cat "$T/fake.log")" 'ended: .* is locked'
check "account unlock annv" $G account unlock annv@haugiang.gov.vn
SID="" XT=""
expect_eq "a person whose role is revoked: signed in" \
	"$(s POST /v1/session "{\"user\": \"annv\", \"password\": \"$AN_PW\"}")" 200
SID=$(hdr Set-Cookie | sed 's/^__Host-govmail_session=\([^;]*\);.*/\1/')
check "role revoke" $G role revoke annv@haugiang.gov.vn --role hr --agency sgd
expect_eq "... the next request (auth_cache_ttl 0): 401" "$(s GET "$AN")" 401
expect_eq "... and the session is gone" "$(s GET /v1/session)" 401
t_kill -TERM "$FPID"
wait "$FPID"
expect_eq "govmail-apid (faked clock) stops cleanly" "$?" 0

echo "1..$T_N"
