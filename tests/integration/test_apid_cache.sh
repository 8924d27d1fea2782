#!/usr/bin/env bash
# test_apid_cache.sh — what govmail-apid's short-lived caches promise
# (apid_authcache.h, apid_account_cache.h), against a sandbox slapd over
# HTTPS, with two instances side by side: one whose caches keep answers an
# hour (so that what they keep is seen to be kept) and one whose caches
# keep them 1 s (so that what they forget is seen to be forgotten).
#   tokens:   a revoked token is refused once its entry is older than the
#             ttl (waited for by polling, not by a timing verdict), and is
#             still served within it; a wrong secret for a cached token id
#             is refused at once.
#   people:   a wrong password is never accepted from the cache; a
#             password changed elsewhere is honoured (the new one at once,
#             the old one refused after the ttl); a password reset or a
#             lock through this apid refuses the old password at once; a
#             lock made elsewhere is honoured after the ttl.
#   accounts: a GET may answer from before a change made elsewhere, but a
#             PATCH checks If-Match against the directory (412), after
#             which the next GET reads the directory; apid's own changes
#             show at once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
D=haugiang.gov.vn

check "domain add" $G domain add $D
check "agency add syt" $G agency add syt --name "Sở Y tế" --level department
check "account add Bình" $G account add --name "Trần Thị Bình" --agency syt --generate-password
P1=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "account add Hà" $G account add --name "Vũ Thị Hà" --agency syt
check "role grant binhtt agency-admin of syt" $G role grant binhtt@$D --role agency-admin --agency syt
check "account add Cường" $G account add --name "Lê Văn Cường" --agency syt --generate-password
PC=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant cuonglv agency-admin of syt" $G role grant cuonglv@$D --role agency-admin --agency syt
tok() {
	$G token add --agency syt --role hr --allow-from 127.0.0.1 2>/dev/null | sed -n 's/^token: //p'
}
T1=$(tok); T2=$(tok)
expect_match "two hr tokens" "$T1 $T2" '^gmt_\S+ gmt_\S+$'

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>"$T/openssl.err" ||
	{ cat "$T/openssl.err"; echo "Bail out! openssl req"; exit 1; }
# start_apid NAME TTL: an instance with all three caches at TTL seconds;
# sets PORT_<NAME> and PID_<NAME>.
start_apid() {
	local port
	port=$(t_free_port)
	cp "$T/govmail.conf" "$T/$1.conf"
	cat >>"$T/$1.conf" <<CONF
apid = {
  listen = "127.0.0.1:$port";
  tls_cert_file = "$T/cert.pem";
  tls_key_file = "$T/key.pem";
  user = "";
  pid_file = "";
  ldap_bind_dn = "$LDAP_APID_DN";
  ldap_bind_password_file = "$LDAP_APID_PWFILE";
  token_cache_ttl = $2;
  auth_cache_ttl = $2;
  account_cache_ttl = $2;
};
CONF
	"$APID" -f -c "$T/$1.conf" >"$T/$1.log" 2>&1 &
	T_PIDS+=("$!")
	printf -v "PID_$1" '%s' "$!"
	printf -v "PORT_$1" '%s' "$port"
	check "govmail-apid ($1, caches $2 s) listens" wait_port "$port"
}
PORT_long="" PORT_short=""
start_apid long 3600
start_apid short 1

CURL=(curl -sS --cacert "$T/cert.pem" --max-time 300)
# r PORT AUTH METHOD PATH [BODY] [curl args]: the status; body in $T/b,
# headers in $T/h. AUTH is a token, or USER:PASSWORD.
r() {
	local port=$1 auth=$2 m=$3 p=$4; shift 4
	local a=(-H "Authorization: Bearer $auth")
	case $auth in gmt_*) ;; *) a=(-u "$auth") ;; esac
	if [ $# -gt 0 ] && [ "${1:0:1}" != - ]; then
		printf '%s' "$1" >"$T/body"; shift
		set -- -H 'Content-Type: application/json' --data-binary @"$T/body" "$@"
	fi
	"${CURL[@]}" -X "$m" "${a[@]}" -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" \
		"https://127.0.0.1:$port$p"
}
hdr() { sed -n "s/^$1: *\\([^\\r]*\\).*/\\1/Ip" "$T/h"; }
# until_status WANT PORT AUTH METHOD PATH: repeat the request until it
# answers WANT; the deadline is only a hang guard. Prints the last status.
until_status() {
	local want=$1 st="" i; shift
	for ((i = 0; i < 600; i++)); do
		st=$(r "$@") || true
		[ "$st" = "$want" ] && break
		sleep 0.2
	done
	echo "$st"
}
# until_refused PORT AUTH METHOD PATH: the same until it is neither 200 nor
# a failure to connect; prints the last status.
until_refused() {
	local st="" i
	for ((i = 0; i < 600; i++)); do
		st=$(r "$@") || true
		case $st in 200|000|"") sleep 0.2 ;; *) break ;; esac
	done
	echo "$st"
}
L=$PORT_long S=$PORT_short
HA=/v1/accounts/havt@$D
BINH=/v1/accounts/binhtt@$D

# --- tokens, kept an hour ---------------------------------------------------------
expect_eq "long: token GET: 200" "$(r $L "$T1" GET $HA)" 200
check "token revoke (govmailctl)" $G token revoke "$(printf '%s' "$T1" | cut -d_ -f2)"
expect_eq "long: the revoked token is still served within the ttl (as documented)" \
	"$(r $L "$T1" GET $HA)" 200
WRONG=${T1%?}$( [ "${T1: -1}" = A ] && echo B || echo A )
expect_eq "long: a wrong secret for the cached token id: 401" "$(r $L "$WRONG" GET $HA)" 401
expect_match "... logged as a wrong secret" "$(cat "$T/long.log")" 'token \S+: wrong secret'

# --- tokens, kept 1 s -------------------------------------------------------------
expect_eq "short: token GET: 200" "$(r $S "$T2" GET $HA)" 200
check "token revoke (govmailctl)" $G token revoke "$(printf '%s' "$T2" | cut -d_ -f2)"
expect_eq "short: the revoked token is refused once the ttl has passed" \
	"$(until_status 401 $S "$T2" GET $HA)" 401

# --- accounts, kept an hour: If-Match checks the directory ---------------------------
B1="binhtt@$D:$P1"
expect_eq "long: GET Hà: 200" "$(r $L "$B1" GET $HA)" 200
E1=$(hdr ETag)
check "account modify elsewhere (govmailctl)" $G account modify havt@$D --title "Phó Giám đốc"
expect_eq "long: GET may answer from before that change (within the ttl)" \
	"$(r $L "$B1" GET $HA; hdr ETag)" "200$E1"
expect_eq "long: PATCH with that ETag: 412 (checked against the directory)" \
	"$(r $L "$B1" PATCH $HA '{"phone": "0912345678"}' -H "If-Match: $E1")" 412
expect_eq "... nothing changed" "$(t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(uid=havt)' telephoneNumber | grep -c '^telephoneNumber:')" 0
expect_eq "long: the next GET reads the directory: the new title" \
	"$(r $L "$B1" GET $HA; jget 'd["title"]')" "200Phó Giám đốc"
E2=$(hdr ETag)
expect_eq "... and another ETag" "$([ "$E2" != "$E1" ] && [ -n "$E2" ] && echo differs)" differs
expect_eq "long: PATCH with it: 200" \
	"$(r $L "$B1" PATCH $HA '{"phone": "0912345678"}' -H "If-Match: $E2")" 200
expect_eq "long: apid's own change shows at once" "$(r $L "$B1" GET $HA; jget 'd["phone"]')" \
	"2000912345678"

# --- people, kept an hour ---------------------------------------------------------------
expect_eq "long: Basic GET: 200" "$(r $L "$B1" GET $HA)" 200
expect_eq "long: a wrong password after a right one: 401" \
	"$(r $L "binhtt@$D:${P1}x" GET $HA)" 401
expect_eq "... decided by a bind, not by the cache" \
	"$(grep -c "binhtt@$D: wrong password" "$T/long.log")" 1
expect_eq "long: the right one again: 200" "$(r $L "$B1" GET $HA)" 200
check "account passwd elsewhere (govmailctl)" $G account passwd binhtt@$D --generate --no-must-change
P2=$(sed -n 's/^new password for .* (shown once): //p' "$T/last.out")
expect_eq "long: the new password at once: 200" "$(r $L "binhtt@$D:$P2" GET $HA)" 200
expect_eq "long: the old one within the ttl: still 200 (as documented)" "$(r $L "$B1" GET $HA)" 200
expect_eq "long: a password reset through apid: 200" \
	"$(r $L "binhtt@$D:$P2" POST $BINH/password '{"must_change": false}')" 200
P3=$(jget 'd["password"]')
expect_eq "long: after it, the previous password at once: 401" \
	"$(r $L "binhtt@$D:$P2" GET $HA)" 401
expect_eq "long: and the one before: 401" "$(r $L "$B1" GET $HA)" 401
expect_eq "long: the reset one: 200" "$(r $L "binhtt@$D:$P3" GET $HA)" 200

# --- people, kept 1 s -------------------------------------------------------------------
B3="binhtt@$D:$P3"
expect_eq "short: Basic GET: 200" "$(r $S "$B3" GET $HA)" 200
check "account passwd elsewhere (govmailctl)" $G account passwd binhtt@$D --generate --no-must-change
P4=$(sed -n 's/^new password for .* (shown once): //p' "$T/last.out")
expect_eq "short: the new password at once: 200" "$(r $S "binhtt@$D:$P4" GET $HA)" 200
expect_eq "short: the old one is refused once the ttl has passed" \
	"$(until_status 401 $S "$B3" GET $HA)" 401
check "account lock elsewhere (govmailctl)" $G account lock binhtt@$D --reason "thử khóa"
expect_match "short: the locked person is refused once the ttl has passed" \
	"$(until_refused $S "binhtt@$D:$P4" GET $HA)" '^40[13]$'
check "account unlock" $G account unlock binhtt@$D
expect_eq "short: unlocked: 200" "$(until_status 200 $S "binhtt@$D:$P4" GET $HA)" 200
expect_eq "long: Bình (P4) GET: 200" "$(r $L "binhtt@$D:$P4" GET $HA)" 200
expect_eq "long: Cường locks Bình through apid: 200" \
	"$(r $L "cuonglv@$D:$PC" POST $BINH/lock '{"reason": "lộ mật khẩu"}')" 200
expect_match "long: Bình is refused at once" "$(r $L "binhtt@$D:$P4" GET $HA)" '^40[13]$'
expect_eq "no password or token in the logs" \
	"$(cat "$T/long.log" "$T/short.log" | grep -cF -e "$P1" -e "$P2" -e "$P3" -e "$P4" -e "$PC" -e "${T1#gmt_*_}" -e "${T2#gmt_*_}")" 0

for n in long short; do
	pid_var=PID_$n
	t_kill "${!pid_var}"
	wait "${!pid_var}"
	expect_eq "govmail-apid ($n) stops cleanly (no leak under ASan)" "$?" 0
done
