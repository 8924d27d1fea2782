#!/usr/bin/env bash
# test_apid_idem_gateways.sh — Idempotency-Key across several govmail-apid
# gateways sharing one directory (how the province scales): the key is
# claimed in the directory (ou=idempotency) before the create runs, so
#  - a retry that reaches another gateway gets the first result (the same
#    account, Idempotency-Replayed, "password": null with a note), never a
#    second account — for a create with neither employee_id nor address;
#  - the same key with another body is refused there too (422);
#  - the same create sent to two gateways at once makes one account; the
#    other answer is the replay or 409 in-progress;
#  - a claim older than apid.idempotency_ttl is not honoured (a new create
#    is allowed) and the periodic sweep deletes expired claims;
#  - a claim holds neither the key nor the password, and only
#    govmail-apid's identity sees the container;
#  - with the directory stopped: 503 with Retry-After, no claim, no account.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL

check "domain add" $G domain add haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh" --level province
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department --parent ubnd
check "token add hr sgd" $G token add --agency sgd --role hr --allow-from 127.0.0.1
HR=$(sed -n 's/^token: //p' "$T/last.out")
apid_tls

# gw N [SETTING...]: start gateway N (own port GWP[N], own log
# $T/apidN.log) on the shared directory, configuration $T/gwN.conf.
declare -A GWP GWPID
gw() {
	local n=$1 p; shift
	p=$(t_free_port)
	GWP[$n]=$p
	cp "$T/govmail.conf" "$T/gw$n.conf"
	P=$p apid_conf "$T/gw$n.conf" "$@"
	check "gateway $n: -t" "$APID" -c "$T/gw$n.conf" -t
	"$APID" -c "$T/gw$n.conf" -f >"$T/apid$n.log" 2>&1 &
	GWPID[$n]=$!
	T_PIDS+=("${GWPID[$n]}")
	check "gateway $n listens" wait_port "$p"
}
CURL=(curl -sS --cacert "$T/cert.pem" --max-time 300)
# on N ARGS...: r (apid_lib.sh) against gateway N.
on() { local n=$1; shift; U=https://127.0.0.1:${GWP[$n]} r "$@"; }
hdr() { sed -n "s/^$1: *\\([^\\r]*\\).*/\\1/Ip" "$T/h"; }
naccounts() { t_count "(&(objectClass=govmailAccount)(cn=$1))"; }
IDEM="ou=idempotency,$LDAP_BASE"
nclaims() { t_ldapsearch -b "$IDEM" -s one '(objectClass=govmailIdemClaim)' dn | grep -c '^dn:'; }
claims_are() { [ "$(nclaims)" = "$1" ]; }

gw 1
gw 2

# --- a retry on another gateway ---------------------------------------------
# Neither employee_id nor address: nothing but the key keeps a retry from
# making annv2.
NEW='{"name": "Đỗ Văn Khoa", "agency": "sgd"}'
K=hr-idem-gw-7f3a91
expect_eq "create on gateway 1: 201" "$(on 1 "$HR" POST /v1/accounts "$NEW" -H "Idempotency-Key: $K")" 201
ADDR=$(jget 'd["account"]["address"]')
PW=$(jget 'd["password"]')
expect_eq "... the address from the template" "$ADDR" khoadv@haugiang.gov.vn
expect_match "... the initial password" "$PW" '^.{20,}$'
expect_eq "... one claim in the directory" "$(nclaims)" 1
t_ldapsearch -b "$IDEM" -s one '(objectClass=*)' '*' '+' >"$T/claim.ldif"
expect_match "... done, with the first status and the account's DN" "$(cat "$T/claim.ldif")" \
	"govmailIdemState: done(.|\\n)*govmailIdemStatus: 201(.|\\n)*govmailIdemAccount: uid=khoadv,ou=accounts,$LDAP_BASE"
expect_match "... named by a SHA-256 in hex" "$(cat "$T/claim.ldif")" \
	"^dn: govmailIdemId=[0-9a-f]{64},$IDEM"
expect_eq "... holding neither the key" "$(grep -c -- "$K" "$T/claim.ldif")" 0
expect_eq "... nor the password" "$(grep -cF -- "$PW" "$T/claim.ldif")" 0
expect_eq "... nor any password attribute" "$(grep -ci 'password' "$T/claim.ldif")" 0

expect_eq "the same retry on gateway 2: the first status (201)" \
	"$(on 2 "$HR" POST /v1/accounts "$NEW" -H "Idempotency-Key: $K")" 201
expect_eq "... marked as replayed" "$(hdr Idempotency-Replayed)" true
expect_eq "... the same account" "$(jget 'd["account"]["address"]')" "$ADDR"
expect_eq "... Location" "$(hdr Location)" "/v1/accounts/$ADDR"
expect_eq "... the password cannot be given again: null" "$(jget 'd["password"]')" None
expect_match "... and the note says so and how to set one" "$(jget 'd["password_note"]')" \
	'only in the first answer.*/password'
expect_eq "... the password appears nowhere in it" "$(grep -cF -- "$PW" "$T/b")" 0
expect_eq "... one account only (ldapsearch)" "$(naccounts 'Đỗ Văn Khoa')" 1
expect_eq "... still one claim" "$(nclaims)" 1
expect_eq "the retry on gateway 1: its own first answer, with the password (in memory)" \
	"$(on 1 "$HR" POST /v1/accounts "$NEW" -H "Idempotency-Key: $K")/$(jget 'd["password"]')" "201/$PW"

expect_eq "the same key with another body on gateway 2: 422" \
	"$(on 2 "$HR" POST /v1/accounts '{"name": "Lê Thị Mai", "agency": "sgd"}' -H "Idempotency-Key: $K")" 422
expect_eq "... key-reused" "$(jget 'd["type"]')" https://govmail.invalid/problems/key-reused
expect_eq "... nothing made" "$(naccounts 'Lê Thị Mai')" 0
expect_eq "... the claim unchanged" "$(nclaims)" 1

# A refused create (unknown agency) leaves no claim: the key may be used
# again once the body is right... with that body.
expect_eq "a refused create with a key (no such agency): 404" \
	"$(on 2 "$HR" POST /v1/accounts '{"name": "Hồ Văn Tư", "agency": "nope"}' -H 'Idempotency-Key: hr-refused-1')" 404
expect_eq "... its claim removed" "$(nclaims)" 1

# --- at the same time on both gateways ------------------------------------------
SAME='{"name": "Trịnh Văn Song", "agency": "sgd"}'
K2=hr-idem-gw-both-5c21
(on 1 "$HR" POST /v1/accounts "$SAME" -H "Idempotency-Key: $K2" >"$T/s1" 2>&1; cp "$T/b" "$T/b1") &
A1=$!
(U=https://127.0.0.1:${GWP[2]}; printf '%s' "$SAME" >"$T/body2"
 "${CURL[@]}" -X POST -H "Authorization: Bearer $HR" -H 'Content-Type: application/json' \
	--data-binary @"$T/body2" -H "Idempotency-Key: $K2" -D "$T/h2" -o "$T/b2" \
	-w '%{http_code}' "$U/v1/accounts" >"$T/s2" 2>&1) &
A2=$!
wait "$A1"
wait "$A2"
S="$(cat "$T/s1") $(cat "$T/s2")"
expect_eq "two creates with one key at once: exactly one account" "$(naccounts 'Trịnh Văn Song')" 1
expect_match "... one 201 with the password, the other a replay (201) or in progress (409)" "$S" \
	'^(201 (201|409)|409 201)$'
fresh=0
for b in "$T/b1" "$T/b2"; do
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if isinstance(d.get("password"), str) else 1)' "$b" &&
		fresh=$((fresh + 1))
done
expect_eq "... the password in exactly one answer" "$fresh" 1

# --- the claims are govmail-apid's alone ------------------------------------------
expect_eq "govmaild's identity does not see the claims" \
	"$(ldapsearch -LLL -x -H "$LDAP_URI" -D "$LDAP_DAEMON_DN" -y "$LDAP_DAEMON_PWFILE" \
		-b "$IDEM" -s one '(objectClass=*)' dn 2>/dev/null | grep -c '^dn:')" 0
expect_eq "nor govmailctl's" \
	"$(ldapsearch -LLL -x -H "$LDAP_URI" -D "$LDAP_CTL_DN" -y "$LDAP_CTL_PWFILE" \
		-b "$IDEM" -s one '(objectClass=*)' dn 2>/dev/null | grep -c '^dn:')" 0
expect_eq "govmail-apid's does" \
	"$(ldapsearch -LLL -x -H "$LDAP_URI" -D "$LDAP_APID_DN" -y "$LDAP_APID_PWFILE" \
		-b "$IDEM" -s one '(objectClass=*)' dn 2>/dev/null | grep -c '^dn:')" "$(nclaims)"

# --- a claim its gateway never finished ---------------------------------------------
# K2's claim made pending again and an hour old, as a gateway that died
# during the create leaves it: a gateway that never saw the key answers
# that the outcome is unknown (look the person up), not "in progress".
SONG=$(t_ldapsearch -b "$LDAP_BASE" '(cn=Trịnh Văn Song)' dn | sed -n 's/^dn: //p')
K2DN=$(t_ldapsearch -b "$IDEM" -s one "(govmailIdemAccount=$SONG)" dn | sed -n 's/^dn: //p')
expect_match "K2's claim" "$K2DN" '^govmailIdemId='
HOUR_AGO=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)
printf 'dn: %s\nchangetype: modify\nreplace: govmailIdemState\ngovmailIdemState: pending\n-\nreplace: govmailIdemClaimed\ngovmailIdemClaimed: %s\n' \
	"$K2DN" "$HOUR_AGO" | ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >/dev/null
expect_eq "... made pending, an hour old" "$?" 0
gw 6
expect_eq "the key on a gateway that never saw it: 409" \
	"$(on 6 "$HR" POST /v1/accounts "$SAME" -H "Idempotency-Key: $K2")" 409
expect_match "... outcome unknown, not in progress" "$(jget 'd["type"]')" '/outcome-unknown$'
expect_eq "... still one account of that name" "$(naccounts 'Trịnh Văn Song')" 1

# --- expiry -------------------------------------------------------------------------
# Two gateways with a 2 s TTL and no sweep: a claim found expired is
# deleted and the key claimed anew.
gw 3 'idempotency_ttl = 2;' 'idempotency_sweep_interval = 0;'
gw 4 'idempotency_ttl = 2;' 'idempotency_sweep_interval = 0;'
OLD='{"name": "Phạm Văn Ba", "agency": "sgd"}'
K3=hr-idem-gw-old-9d
expect_eq "create on gateway 3 (ttl 2 s): 201" \
	"$(on 3 "$HR" POST /v1/accounts "$OLD" -H "Idempotency-Key: $K3")" 201
FIRST=$(jget 'd["account"]["address"]')
CLAIMED=$(t_ldapsearch -b "$IDEM" -s one '(govmailIdemAccount=uid=bapv,ou=accounts,'"$LDAP_BASE"')' \
	govmailIdemClaimed | sed -n 's/^govmailIdemClaimed: //p')
expect_match "... its claim's time" "$CLAIMED" '^[0-9]{14}Z$'
# until the clock is 2 s past the claim (the clock, not a guessed sleep)
past_ttl() {
	python3 -c 'import calendar,sys,time
t = calendar.timegm(time.strptime(sys.argv[1], "%Y%m%d%H%M%SZ"))
sys.exit(0 if time.time() >= t + 2 else 1)' "$CLAIMED"
}
check "the clock passes the claim's time + ttl" wait_for past_ttl
expect_eq "the key again on gateway 4 once expired: a new create (201)" \
	"$(on 4 "$HR" POST /v1/accounts "$OLD" -H "Idempotency-Key: $K3")" 201
expect_eq "... not a replay" "$(hdr Idempotency-Replayed)" ""
expect_match "... with a password" "$(jget 'd["password"]')" '^.{20,}$'
expect_eq "... another account" "$(jget 'd["account"]["address"] != "'"$FIRST"'"')" True
expect_eq "... two of that name now" "$(naccounts 'Phạm Văn Ba')" 2
expect_eq "... the key claimed anew (one claim for it, done)" \
	"$(t_ldapsearch -b "$IDEM" -s one '(govmailIdemAccount=uid=bapv2,ou=accounts,'"$LDAP_BASE"')' dn | grep -c '^dn:')" 1
# The sweep: a gateway with ttl 2 s sweeping every second deletes every
# claim older than that (all of them, in time).
gw 5 'idempotency_ttl = 2;' 'idempotency_sweep_interval = 1;'
check "the sweep of gateway 5 deletes the expired claims" wait_for claims_are 0
check "... and says so in its log" wait_log "$T/apid5.log" 'Idempotency-Key claims: [0-9]+ expired deleted'

# --- the directory stopped ------------------------------------------------------------
"$TOP/scripts/ldap-sandbox" stop "$T/ldap" >/dev/null 2>&1
DOWN='{"name": "Cao Văn Ngừng", "agency": "sgd"}'
expect_eq "a create with a key while the directory is stopped: 503" \
	"$(on 1 "$HR" POST /v1/accounts "$DOWN" -H 'Idempotency-Key: hr-idem-down-1')" 503
expect_match "... with Retry-After" "$(cat "$T/h")" '(?i)^retry-after: [0-9]+'
# The sandbox comes back on another port: its settings read again, and a
# gateway that knows it asks the same.
check "directory started again" "$TOP/scripts/ldap-sandbox" start "$T/ldap"
set -a; . "$T/ldap/env"; set +a
t_govmail_conf
expect_eq "... no claim was made" "$(nclaims)" 0
expect_eq "... no account" "$(naccounts 'Cao Văn Ngừng')" 0
gw 6
expect_eq "the same request once it is back: 201 (the key was never taken)" \
	"$(on 6 "$HR" POST /v1/accounts "$DOWN" -H 'Idempotency-Key: hr-idem-down-1')" 201
expect_eq "... not a replay" "$(hdr Idempotency-Replayed)" ""
expect_eq "... one account" "$(naccounts 'Cao Văn Ngừng')" 1

for n in 1 2 3 4 5 6; do
	t_kill "${GWPID[$n]}"
	wait "${GWPID[$n]}"
	expect_eq "gateway $n stops cleanly (no leak under ASan)" "$?" 0
done
