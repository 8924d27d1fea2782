#!/usr/bin/env bash
# test_apid_agency_counts.sh — GET /v1/agencies?counts=true over a directory
# of province size (707 agencies, the 10,300 accounts of the HR sample
# loaded with ldapadd): each agency's "accounts" and "accounts_total" (with
# its subtree) equal what ldapsearch counts, for a province-admin (every
# agency) and an agency-admin of a district (its subtree only, the same
# numbers); the counts are read in one paged search, not one per agency (the
# slapd access log); they are cached (a second tree reads no account, an
# account made with govmailctl does not show yet) until a change through
# the API makes govmail-apid forget them (then both show); without counts
# the answer is as before; counts=maybe is 400.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency load" $G agency load "$DATA/agencies.csv"
t_accounts_ldif "$DATA/hr-export.csv" "$LDAP_BASE" >"$T/accounts.ldif"
check "ldapadd of 10,300 accounts" ldapadd -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" \
	-y "$LDAP_ADMIN_PWFILE" -f "$T/accounts.ldif"
check "account add the administrator (snv)" $G account add --name "Quản Trị Viên" --agency snv \
	--generate-password
ADM_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
ADM=$(sed -n 's/.*created \([^ ]*@haugiang\.gov\.vn\).*/\1/p' "$T/last.out")
check "role grant province-admin" $G role grant "$ADM" --role province-admin
DIST=$(apid_token --agency ubnd-vithanh --role agency-admin --allow-from 127.0.0.1)
expect_match "a district's agency-admin token" "$DIST" '^gmt_'

apid_tls
# a cache of 300 s: nothing in this test waits for it to expire, and two
# requests a moment apart are always within it
apid_conf "$T/govmail.conf" 'account_cache_ttl = 300;'
apid_start
PROV="$ADM:$ADM_PW"

# What ldapsearch says: every account's agency, and every agency's parent.
t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(objectClass=govmailAccount)' govmailAgency \
	>"$T/acc.ldif"
t_ldapsearch -b "ou=agencies,$LDAP_BASE" '(objectClass=govmailAgency)' govmailAgencyCode \
	govmailParentAgency >"$T/ag.ldif"
# expected ROOT: "code own total" per agency at or below ROOT (all: ""), sorted
expected() {
	python3 - "$T/acc.ldif" "$T/ag.ldif" "$1" <<'PY'
import collections, sys
own = collections.Counter(l.split(": ", 1)[1].strip().lower()
                          for l in open(sys.argv[1]) if l.startswith("govmailAgency: "))
parent, code = {}, None
for l in open(sys.argv[2]):
    if l.startswith("govmailAgencyCode: "):
        code = l.split(": ", 1)[1].strip()
        parent.setdefault(code, None)
    elif l.startswith("govmailParentAgency: "):
        parent[code] = l.split(": ", 1)[1].strip()
total = collections.Counter()
def up(c):
    seen = 0
    while c and seen < 40:
        yield c
        c, seen = parent.get(c), seen + 1
for c, n in own.items():
    for a in up(c):
        total[a] += n
root = sys.argv[3]
for c in sorted(parent):
    if root == "" or root in up(c):
        print(c, own[c], total[c])
PY
}
got() { jget '"\n".join("%s %d %d" % (a["code"], a["accounts"], a["accounts_total"]) for a in sorted(d["items"], key=lambda a: a["code"]))'; }

expected "" >"$T/exp.all"
expect_eq "ldapsearch: 707 agencies" "$(wc -l <"$T/exp.all")" 707
expect_eq "ldapsearch: the root holds all 10,301 accounts" "$(grep '^ubndt ' "$T/exp.all")" "ubndt 69 10301"

SLOG=$T/ldap/slapd.log
LOG0=$(wc -l <"$SLOG")
expect_eq "province-admin: GET /v1/agencies?counts=true: 200" "$(r "$PROV" GET '/v1/agencies?counts=true')" 200
got >"$T/got.all"
if cmp -s "$T/exp.all" "$T/got.all"; then ok "every agency's own and subtree counts are ldapsearch's"; else
	not_ok "every agency's own and subtree counts are ldapsearch's"; diff "$T/exp.all" "$T/got.all" | head >&2; fi
expect_eq "... one of them, counted by ldapsearch on its own" \
	"$(grep '^snv-u1 ' "$T/got.all" | cut -d' ' -f2)" \
	"$(t_count '(&(objectClass=govmailAccount)(govmailAgency=snv-u1))')"
# slapd's stats log: a paged search is one SRCH line per page (10,300
# accounts: a handful), where one search per agency would be 707
tail -n +$((LOG0 + 1)) "$SLOG" | grep 'SRCH base="ou=accounts' >"$T/srch.log"
expect_eq "... no search of one agency's accounts (slapd's log)" \
	"$(grep -c 'filter="(&(objectClass=govmailAccount)(govmailAgency=' "$T/srch.log")" 0
expect_match "... the accounts read in a few pages, not 707 searches" "$(wc -l <"$T/srch.log")" '^[1-9][0-9]?$'

expect_eq "agency-admin of ubnd-vithanh: 200" "$(r "$DIST" GET '/v1/agencies?counts=true')" 200
expected ubnd-vithanh >"$T/exp.dist"
got >"$T/got.dist"
expect_match "... a subtree of several agencies" "$(wc -l <"$T/exp.dist")" '^([2-9]|[1-9][0-9]+)$'
if cmp -s "$T/exp.dist" "$T/got.dist"; then ok "... only its subtree, with the same counts"; else
	not_ok "... only its subtree, with the same counts"; diff "$T/exp.dist" "$T/got.dist" | head >&2; fi

expect_eq "without counts: 200" "$(r "$DIST" GET /v1/agencies)" 200
expect_eq "... the same agencies, without the counts" \
	"$(jget 'sorted(a["code"] for a in d["items"]) == [l.split()[0] for l in open("'"$T/exp.dist"'")], any("accounts" in a for a in d["items"])')" \
	"(True, False)"
expect_eq "counts=false: no counts" "$(r "$DIST" GET '/v1/agencies?counts=false'; echo " $(jget 'any("accounts" in a for a in d["items"])')")" "200 False"
expect_eq "counts=maybe: 400" "$(r "$DIST" GET '/v1/agencies?counts=maybe')" 400
expect_eq "... naming it" "$(jget 'd["field"]')" counts

# The counts are kept: a second tree reads no account (slapd's log), and a
# change made elsewhere does not show yet; a change through the API makes
# govmail-apid forget them, and the next tree shows both.
own_of() { r "$PROV" GET '/v1/agencies?counts=true' >/dev/null; jget '[(a["accounts"], a["accounts_total"]) for a in d["items"] if a["code"] == "'"$1"'"][0]'; }
plus1() { python3 -c 'import sys; a, b = eval(sys.argv[1]); print((a + 1, b + 1))' "$1"; }
B1=$(own_of snv-u1)
B2=$(own_of snv-u2)
LOG1=$(wc -l <"$SLOG")
check "govmailctl account add in snv-u2" $G account add --name "Đỗ Văn Nam" --agency snv-u2
expect_eq "... not counted yet: the counts come from the cache" "$(own_of snv-u2)" "$B2"
expect_eq "... which read no account from the directory" \
	"$(tail -n +$((LOG1 + 1)) "$SLOG" | grep -c 'SRCH base="ou=accounts.*filter="(objectClass=govmailAccount)"')" 0
expect_eq "create an account in snv-u1 through the API: 201" \
	"$(r "$PROV" POST /v1/accounts '{"name": "Đặng Thị Mai", "agency": "snv-u1"}')" 201
expect_eq "... snv-u1 counts one more at once" "$(own_of snv-u1)" "$(plus1 "$B1")"
expect_eq "... and snv-u2 the one govmailctl made" "$(own_of snv-u2)" "$(plus1 "$B2")"
t_kill "$APID_PID"
wait "$APID_PID"
expect_eq "govmail-apid stops cleanly on SIGTERM (no leak under ASan)" "$?" 0
