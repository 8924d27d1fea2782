#!/usr/bin/env bash
# govmaild's resolver (dns_resolve.c, libunbound) against a real nsd on
# loopback, through tests/tools/dns_lookup_tool: TXT records joined from
# several strings, several records, 8-bit bytes, NXDOMAIN and NODATA with
# the zone's negative TTL; answers kept for their TTL (served while the
# server is stopped, a changed record seen once its TTL has run out and
# not before); a stopped server is a temporary failure.
. "$(dirname "$0")/../lib.sh"

TOOL=$TOP/build/asan/tests/dns_lookup_tool
[ -x "$TOOL" ] || { echo "Bail out! $TOOL missing (make asan)"; exit 1; }

zone() {  # zone SPF DMARC: the test zone
	cat >"$T/zone" <<ZONE
\$ORIGIN haugiang.gov.vn.
\$TTL 300
@ IN SOA ns hostmaster 1 3600 600 86400 60
@ IN NS ns
ns IN A 127.0.0.1
@ IN TXT "$1"
_dmarc 1 IN TXT "$2"
gm2026a._domainkey IN TXT "v=DKIM1; k=rsa; " "p=MIIBIjAN" "BgkqhkiG9w0BAQEFAAOCAQ8A"
multi IN TXT "one"
multi IN TXT "two"
vi IN TXT "H\195\173u Giang"
ZONE
}
zone "v=spf1 -all" "v=DMARC1; p=reject"
t_dns_start "$T/zone"

coproc RES { exec "$TOOL" -s "127.0.0.1@$DNS_PORT" -t "$T_HANG" 2>"$T/tool.err"; }
T_PIDS+=("$RES_PID")
ask() {  # ask NAME: the tool's line for NAME (hang guard T_HANG)
	local line
	echo "$1" >&"${RES[1]}"
	IFS= read -r -t "$T_HANG" line <&"${RES[0]}" || line="(no answer)"
	printf '%s\n' "$line"
}

expect_eq "TXT record" "$(ask haugiang.gov.vn)" 'haugiang.gov.vn ok ttl=300 "v=spf1 -all"'
expect_eq "a record of several strings is joined" "$(ask gm2026a._domainkey.haugiang.gov.vn)" \
	'gm2026a._domainkey.haugiang.gov.vn ok ttl=300 "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"'
expect_match "several records are each returned" "$(ask multi.haugiang.gov.vn)" \
	'^multi.haugiang.gov.vn ok ttl=300 ("one" "two"|"two" "one")$'
expect_eq "8-bit bytes are kept" "$(ask vi.haugiang.gov.vn)" 'vi.haugiang.gov.vn ok ttl=300 "H\xc3\xadu Giang"'
# The zone's negative TTL is 60; the resolver may build the answer from the
# zone's SOA it cached a moment ago, whose TTL has been counting down since:
# any TTL from 1 to 60, never a default of its own (0, or longer).
expect_match "NXDOMAIN, with the zone's negative TTL" "$(ask nope.haugiang.gov.vn)" \
	'^nope\.haugiang\.gov\.vn nxdomain ttl=([1-9]|[1-5][0-9]|60)$'
expect_match "NODATA (the name exists, no TXT)" "$(ask ns.haugiang.gov.vn)" \
	'^ns\.haugiang\.gov\.vn nodata ttl=([1-9]|[1-5][0-9]|60)$'
expect_eq "the DMARC record has TTL 1" "$(ask _dmarc.haugiang.gov.vn)" \
	'_dmarc.haugiang.gov.vn ok ttl=1 "v=DMARC1; p=reject"'
expect_eq "seven lookups, seven queries" "$(ask stats)" "hits=0 queries=7"
expect_match "asked again: from the cache" "$(ask haugiang.gov.vn)" '^haugiang.gov.vn ok ttl=[0-9]+ "v=spf1 -all"$'
expect_eq "... no query sent" "$(ask stats)" "hits=1 queries=7"

t_dns_stop
expect_match "with the server stopped, a cached answer is still given" "$(ask haugiang.gov.vn)" \
	'^haugiang.gov.vn ok ttl=[0-9]+ "v=spf1 -all"$'
expect_match "... and a cached NXDOMAIN" "$(ask nope.haugiang.gov.vn)" '^nope.haugiang.gov.vn nxdomain'
# A resolver with nothing cached, the server stopped: a temporary failure
# (after the 2-second timeout, or sooner if the port is refused).
expect_eq "a stopped server is a temporary failure" \
	"$(echo haugiang.gov.vn | "$TOOL" -s "127.0.0.1@$DNS_PORT" -t 2)" "haugiang.gov.vn tempfail ttl=0"

# Both records change; the one with TTL 1 is seen anew once a second has
# passed, the one with TTL 300 still comes from the cache.
zone "v=spf1 a -all" "v=DMARC1; p=none"
t_dns_start -p "$DNS_PORT" "$T/zone"
sleep 2
expect_eq "after its TTL, the changed DMARC record is asked again" "$(ask _dmarc.haugiang.gov.vn)" \
	'_dmarc.haugiang.gov.vn ok ttl=1 "v=DMARC1; p=none"'
expect_match "within its TTL, the SPF record is the cached one" "$(ask haugiang.gov.vn)" \
	'"v=spf1 -all"$'
expect_eq "one more query in all" "$(ask stats)" "hits=4 queries=8"

exec {RES[1]}>&-
wait "$RES_PID"
expect_eq "the tool ends cleanly (no leak under ASan)" "$?" 0
[ -s "$T/tool.err" ] && sed 's/^/#   /' "$T/tool.err" | head -20 >&2
t_dns_stop
