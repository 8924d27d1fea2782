#!/usr/bin/env bash
# test_apid_input.sh — govmail-apid before any caller is known: its
# configuration check (errors name FILE:LINE; plain HTTP only on loopback),
# HTTPS with the TLS policy (no TLS 1.1), the route table against
# openapi.json (both ways, and the served document is the repository's),
# and every bad input answered before anything is done: malformed JSON,
# too deep, unknown field, wrong type, invalid UTF-8, control characters
# (400 naming the field), a huge body (413) or header (431), unknown path
# (404) or method (405), no credentials (401), too many requests (429 with
# Retry-After), the directory stopped (503 with Retry-After). Nothing is
# written to the audit log. Clients: curl and a Python standard-library
# client (apid_client.py).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

PYC="$TOP/tests/integration/apid_client.py"

t_sandbox_start
P=$(t_free_port)
Q=$(t_free_port)
R=$(t_free_port)

# A throw-away server certificate for 127.0.0.1 (its own CA: itself).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/openssl.err" ||
	{ cat "$T/openssl.err"; echo "Bail out! openssl req"; exit 1; }
chmod 600 "$T/key.pem"

apid_conf() {
	t_govmail_conf "apid = {
  listen = \"127.0.0.1:$P\";
  plain_listen = \"127.0.0.1:$Q\";
  tls_cert_file = \"$T/cert.pem\";
  tls_key_file = \"$T/key.pem\";
  user = \"\";
  pid_file = \"\";
  max_body_size = \"4K\";
  max_header_size = \"8K\";
  max_json_depth = 4;
  max_string_length = 100;
  $1
};"
}

# --- configuration check ------------------------------------------------
apid_conf ""
check "-t: a good configuration is valid" "$APID" -t
cat >"$T/bad.conf" <<CONF
ldap = { base_dn = "o=govmail"; };
apid = {
  listen = "127.0.0.1:$P";
  plain_listen = "0.0.0.0:$Q";
};
CONF
check_rc "-t: plain HTTP on 0.0.0.0 is refused (78)" 78 "$APID" -c "$T/bad.conf" -t
expect_match "... naming FILE:LINE and the key" "$(cat "$T/last.err")" \
	"bad\.conf:4: .*apid\.plain_listen.*loopback"
cat >"$T/bad.conf" <<CONF
apid = {
  plain_listen = "10.1.2.3:8080";
};
CONF
check_rc "-t: plain HTTP on another address is refused too" 78 "$APID" -c "$T/bad.conf" -t
expect_match "... FILE:LINE" "$(cat "$T/last.err")" "bad\.conf:2: "
cat >"$T/bad.conf" <<CONF
apid = {
  max_json_depth = 1000;
};
CONF
check_rc "-t: a bound out of range is refused" 78 "$APID" -c "$T/bad.conf" -t
expect_match "... FILE:LINE" "$(cat "$T/last.err")" "bad\.conf:2: .*max_json_depth"
cat >"$T/bad.conf" <<CONF
apid = { user = ""; };
CONF
check_rc "-t: no listener at all is refused" 78 "$APID" -c "$T/bad.conf" -t
expect_match "... saying what to set" "$(cat "$T/last.err")" "apid\.listen.*apid\.plain_listen"

# --- routes and the OpenAPI document ------------------------------------
check "--routes prints the route table" "$APID" --routes
cp "$T/last.out" "$T/routes"
python3 - "$TOP/src/govmail-apid/openapi.json" "$T/routes" >"$T/cmp.out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["openapi"].startswith("3.1"), doc["openapi"]
inspec = set()
for path, item in doc["paths"].items():
    for m in item:
        if m in ("get", "put", "post", "patch", "delete"):
            inspec.add("%s %s" % (m.upper(), path))
routes = set(l.strip() for l in open(sys.argv[2]) if l.strip())
for r in sorted(routes - inspec):
    print("route not in openapi.json: " + r)
for r in sorted(inspec - routes):
    print("openapi.json has no such route: " + r)
PY
expect_eq "every route is in openapi.json and every operation of it is a route" \
	"$(cat "$T/cmp.out")" ""

# --- no audit log, no start ------------------------------------------------
apid_conf ""
sed -i "s|log_file = \"$T/audit.log\"|log_file = \"$T/no-such-dir/audit.log\"|" "$T/govmail.conf"
check_rc "an audit log that cannot be opened: no start (73)" 73 "$APID" -f
expect_match "... saying why" "$(cat "$T/last.err")" 'audit\.log_file: .*no-such-dir/audit\.log'

# --- start ---------------------------------------------------------------
apid_conf "rate_per_address = 1000;"
"$APID" -f >"$T/apid.log" 2>&1 &
APID_PID=$!
T_PIDS+=("$APID_PID")
check "HTTPS port opens" wait_port "$P"
check "plain port opens" wait_port "$Q"
U=https://127.0.0.1:$P
CURL=(curl -sS --cacert "$T/cert.pem" --max-time 300)

"${CURL[@]}" -o "$T/openapi.json" -w '%{http_code} %{content_type}' "$U/openapi.json" >"$T/out" 2>&1
expect_eq "GET /openapi.json over HTTPS (curl)" "$(cat "$T/out")" "200 application/json"
check "... is the repository's document" cmp "$T/openapi.json" "$TOP/src/govmail-apid/openapi.json"
python3 "$PYC" "$U" "$T/cert.pem" GET /openapi.json >"$T/py.out"
out=$(head -1 "$T/py.out")
expect_eq "... also with Python's ssl (certificate verified)" "$out" "200"
out=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 300 "http://127.0.0.1:$Q/openapi.json")
expect_eq "plain HTTP answers on loopback" "$out" "200"
if "${CURL[@]}" --tls-max 1.1 -o /dev/null "$U/openapi.json" 2>/dev/null; then
	not_ok "TLS 1.1 is refused"
else
	ok "TLS 1.1 is refused"
fi
out=$("${CURL[@]}" --tlsv1.3 -o /dev/null -w '%{http_code}' "$U/openapi.json")
expect_eq "TLS 1.3 works" "$out" "200"

# req METHOD PATH [BODY] [curl args...]: "STATUS" line then the body.
req() {
	local m=$1 p=$2; shift 2
	if [ $# -gt 0 ] && [ "${1:0:1}" != - ]; then
		printf '%s' "$1" >"$T/body"; shift
		"${CURL[@]}" -X "$m" -H 'Content-Type: application/json' --data-binary @"$T/body" \
			-w '\n%{http_code}' "$@" "$U$p"
	else
		"${CURL[@]}" -X "$m" -w '\n%{http_code}' "$@" "$U$p"
	fi
}
# field FILE-TEXT: the problem's field (or "-").
pfield() { python3 -c 'import json,sys; t=sys.stdin.read().rsplit("\n",1)[0]; print(json.loads(t).get("field","-"))'; }
pstatus() { printf '%s' "$1" | tail -1; }

A=/v1/accounts/annv@haugiang.gov.vn
out=$(req PATCH "$A" '{"name": "x",')
expect_eq "malformed JSON: 400" "$(pstatus "$out")" 400
expect_match "... says where" "$out" '"detail":"malformed JSON at line 1'
out=$(req PATCH "$A" '{"name": [[[[["x"]]]]]}')
expect_eq "JSON nested deeper than max_json_depth: 400" "$(pstatus "$out")" 400
expect_match "... says so" "$out" 'nested 6 deep; at most 4'
out=$(req PATCH "$A" '{"name": "Lê Văn Tám", "bogus": 1}')
expect_eq "unknown field: 400" "$(pstatus "$out")" 400
expect_eq "... naming it" "$(printf '%s' "$out" | pfield)" bogus
out=$(req PATCH "$A" '{"name": 12}')
expect_eq "wrong type: 400" "$(pstatus "$out")" 400
expect_eq "... naming the field" "$(printf '%s' "$out" | pfield)" name
out=$(req PATCH "$A" '{"may_send_external": "yes"}')
expect_eq "a string for a boolean: 400 naming the field" \
	"$(pstatus "$out") $(printf '%s' "$out" | pfield)" "400 may_send_external"
out=$(req PATCH "$A" "$(printf '{"name": "L\xea V\xe3n"}')")
expect_eq "invalid UTF-8: 400" "$(pstatus "$out")" 400
expect_match "... says so" "$out" 'UTF-8|unable to decode'
out=$(req PATCH "$A" '{"name": "Lê\u0001Văn"}')
expect_eq "control character (escaped) in a name: 400 naming the field" \
	"$(pstatus "$out") $(printf '%s' "$out" | pfield)" "400 name"
out=$(req PATCH "$A" '{"title": "a\u0085b"}')
expect_eq "C1 control character: 400 naming the field" \
	"$(pstatus "$out") $(printf '%s' "$out" | pfield)" "400 title"
out=$(req PATCH "$A" "$(printf '{"name": "Lê\tVăn"}')")
expect_eq "raw control character: 400" "$(pstatus "$out")" 400
out=$(req PATCH "$A" "{\"title\": \"$(printf 'a%.0s' $(seq 101))\"}")
expect_eq "string longer than max_string_length: 400 naming the field" \
	"$(pstatus "$out") $(printf '%s' "$out" | pfield)" "400 title"
out=$(req PATCH "$A" '{"name": "a", "name": "b"}')
expect_eq "duplicate key: 400" "$(pstatus "$out")" 400
out=$(req PATCH "$A" '["name"]')
expect_eq "a body that is not an object: 400" "$(pstatus "$out")" 400
head -c 5000 /dev/zero | tr '\0' ' ' >"$T/big"
out=$("${CURL[@]}" -X PATCH -H 'Content-Type: application/json' --data-binary @"$T/big" \
	-w '\n%{http_code}' "$U$A")
expect_eq "body over max_body_size (Content-Length): 413" "$(pstatus "$out")" 413
expect_match "... naming the limit" "$out" '"rule":"apid.max_body_size"'
out=$(head -c 5000 /dev/zero | tr '\0' ' ' | "${CURL[@]}" -X PATCH -H 'Transfer-Encoding: chunked' \
	-H 'Content-Type: application/json' --data-binary @- -w '\n%{http_code}' "$U$A")
expect_eq "chunked body over max_body_size: 413" "$(pstatus "$out")" 413
out=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H "X-Big: $(printf 'x%.0s' $(seq 9000))" "$U/openapi.json")
expect_eq "headers over max_header_size: 431" "$out" 431
out=$(req GET /v1/nothing)
expect_eq "unknown path: 404" "$(pstatus "$out")" 404
expect_match "... as a problem" "$out" '"type":"https://govmail.invalid/problems/not-found"'
out=$("${CURL[@]}" -X DELETE -D - -o /dev/null "$U$A")
expect_match "unknown method: 405" "$out" '^HTTP/[0-9.]+ 405'
expect_match "... with Allow" "$out" '(?i)^allow: GET, PATCH'
out=$(req GET /openapi.json '{"a":1}')
expect_eq "a body where none is taken: 400" "$(pstatus "$out")" 400

out=$(python3 "$PYC" "$U" "$T/cert.pem" GET "$A")
expect_match "no credentials: 401 (Python client)" "$out" '^401'
expect_match "... with WWW-Authenticate" "$out" 'WWW-Authenticate: Bearer realm="govmail", Basic'
expect_match "... as application/problem+json" "$out" 'Content-Type: application/problem\+json'
out=$(printf '{"name": 5}' | python3 "$PYC" "$U" "$T/cert.pem" PATCH "$A" - "If-Match: *")
expect_match "wrong type (Python client): 400 naming the field" "$out" '"field": ?"name"'
out=$(req GET "$A" -H 'Authorization: Bearer gmt_SECRET-TOKEN-never-logged')
expect_eq "an unknown token: 401" "$(pstatus "$out")" 401
out=$(req GET "$A" -u 'nobody@haugiang.gov.vn:SECRET-PASSWORD-never-logged')
expect_eq "an unknown person (the directory asked): 401" "$(pstatus "$out")" 401
expect_eq "neither token nor password is in the log" \
	"$(grep -c 'SECRET-' "$T/apid.log")" 0
check "nothing was audited (the audit log, opened at start, is empty)" test ! -s "$T/audit.log"

# --- the directory stopped ---------------------------------------------
"$TOP/scripts/ldap-sandbox" stop "$T/ldap" >/dev/null 2>&1
out=$("${CURL[@]}" -D - -u 'nobody@haugiang.gov.vn:x' "$U$A")
expect_match "directory stopped under a kept connection: 503" "$out" '^HTTP/[0-9.]+ 503'
expect_match "... with Retry-After" "$out" '(?i)^retry-after: 5'
expect_match "... saying nothing was changed" "$out" 'nothing was changed'
out=$("${CURL[@]}" -D - -u 'nobody@haugiang.gov.vn:x' "$U$A")
expect_match "directory still down (new connection refused): 503" "$out" '^HTTP/[0-9.]+ 503'
check "still nothing audited" test ! -s "$T/audit.log"
t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly on SIGTERM (no leak under ASan)" "$?" 0

# --- rate limit per client address ---------------------------------------
apid_conf "rate_per_address = 3;"
sed -i "s/127.0.0.1:$P/127.0.0.1:$R/" "$T/govmail.conf"
"$APID" -f >"$T/apid2.log" 2>&1 &
APID_PID=$!
T_PIDS+=("$APID_PID")
check "restarted with rate_per_address = 3" wait_port "$R"
got=""
for i in 1 2 3 4 5 6 7 8; do
	"${CURL[@]}" -D "$T/h" -o "$T/b" "https://127.0.0.1:$R/openapi.json" || break
	if grep -q '^HTTP/[0-9.]* 429' "$T/h"; then got=429; break; fi
done
expect_eq "beyond the rate: 429" "$got" 429
expect_match "... with Retry-After" "$(cat "$T/h")" '(?i)^retry-after: [0-9]+'
expect_match "... naming the rule" "$(cat "$T/b")" '"rule":"apid.rate_per_address"'
t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "stops cleanly again" "$?" 0
