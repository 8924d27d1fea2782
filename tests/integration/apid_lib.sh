# tests/integration/apid_lib.sh — what the govmail-apid tests share, sourced
# after ../lib.sh: the binary under test, tokens, a throw-away TLS
# certificate, the apid { } block, the start, and the HTTPS client.

# The sanitizer build when present (make asan), as for the other programs.
if [ -x "$TOP/build/asan/bin/govmail-apid" ] && [ "${GOVMAIL_NO_ASAN:-0}" != 1 ]; then
	APID="$TOP/build/asan/bin/govmail-apid"
else
	APID="$TOP/bin/govmail-apid"
fi

# apid_token ARGS...: `govmailctl token add ARGS`; prints the token (its
# output is in $T/tok.out).
apid_token() {
	"$GOVMAILCTL" token add "$@" >"$T/tok.out" 2>&1 || { cat "$T/tok.out" >&2; return 1; }
	sed -n 's/^token: //p' "$T/tok.out"
}

# apid_tls: a self-signed certificate for 127.0.0.1, $T/cert.pem and
# $T/key.pem (curl trusts it with --cacert).
apid_tls() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/openssl.err" ||
		{ cat "$T/openssl.err"; echo "Bail out! openssl req"; exit 1; }
}

# apid_conf FILE [SETTING...]: append to FILE an apid { } block listening on
# 127.0.0.1:$P with that certificate, no change of user, no pid file,
# govmail-apid's own directory identity and 2 LDAP connections, then each
# SETTING (e.g. 'rate_per_token = 0;').
apid_conf() {
	local f=$1 s; shift
	{
		echo "apid = {"
		echo "  listen = \"127.0.0.1:$P\";"
		echo "  tls_cert_file = \"$T/cert.pem\";"
		echo "  tls_key_file = \"$T/key.pem\";"
		echo '  user = "";'
		echo '  pid_file = "";'
		echo "  ldap_bind_dn = \"$LDAP_APID_DN\";"
		echo "  ldap_bind_password_file = \"$LDAP_APID_PWFILE\";"
		echo "  ldap_connections = 2;"
		for s; do echo "  $s"; done
		echo "};"
	} >>"$f"
}

# apid_start [CONF]: check the configuration (-t), start govmail-apid in the
# foreground of a background job (log $T/apid.log; CONF, else
# $GOVMAIL_CONF) and wait until it listens on $P. Sets APID_PID (stopped
# at exit), U (the base URL) and CURL (APID_CURL_MAX_TIME: the hang guard
# of one request, 300 s).
apid_start() {
	local c=()
	[ -z "${1:-}" ] || c=(-c "$1")
	check "-t" "$APID" "${c[@]}" -t
	"$APID" "${c[@]}" -f >"$T/apid.log" 2>&1 &
	APID_PID=$!
	T_PIDS+=("$APID_PID")
	check "govmail-apid listens" wait_port "$P"
	U=https://127.0.0.1:$P
	CURL=(curl -sS --cacert "$T/cert.pem" --max-time "${APID_CURL_MAX_TIME:-300}")
}

# r WHO METHOD PATH [JSON] [curl args...]: one request; headers in $T/h,
# body in $T/b; prints the status. WHO: a token, ADDRESS:PASSWORD (HTTP
# Basic), or - (no credentials). A JSON argument (one that does not start
# with -) is sent as the body.
r() {
	local who=$1 m=$2 p=$3 auth=(); shift 3
	case $who in
	-) ;;
	*@*) auth=(-u "$who") ;;
	*) auth=(-H "Authorization: Bearer $who") ;;
	esac
	if [ $# -gt 0 ] && [ "${1:0:1}" != - ]; then
		printf '%s' "$1" >"$T/body"; shift
		set -- -H 'Content-Type: application/json' --data-binary @"$T/body" "$@"
	fi
	"${CURL[@]}" -X "$m" "${auth[@]}" -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" "$U$p"
}

# jget EXPR: EXPR (Python, the response's JSON as d) of the last body.
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/b" "$1"; }
# etag: the ETag of the last response.
etag() { sed -n 's/^[Ee][Tt][Aa][Gg]: *\([^\r]*\).*/\1/p' "$T/h"; }
