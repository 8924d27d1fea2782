#!/usr/bin/env bash
# test_ldap_replication.sh — the replicated directory of ldap-sandbox
# --replicated: two providers in multi-provider replication and a read-only
# consumer. A write on either provider reaches the other and the consumer
# (waited for by polling the entry and contextCSN: the event, with T_HANG
# as the hang guard only); the consumer refuses writes with a referral to
# a provider; the govmail ACLs and the password policy hold on every member
# (a replicated password hash binds on each, the daemon identity cannot
# read it); a provider killed with SIGKILL and restarted catches up, and
# a write it acknowledged just before reaches its peer.
. "$(dirname "$0")/../lib.sh"
G=$GOVMAILCTL

t_sandbox_start_replicated
P1=${LDAP_PROVIDER_URIS%% *}
P2=${LDAP_PROVIDER_URIS#* }
C=$LDAP_CONSUMER_URI
ALL="$P1 $P2 $C"
ok "replicated set started (providers $P1 $P2, consumer $C)"

# srch URI ARGS...: ldapsearch as the admin on one member.
srch() {
	local u=$1; shift
	ldapsearch -LLL -o ldif-wrap=no -o nettimeout=5 -x -H "$u" -D "$LDAP_ADMIN_DN" \
		-y "$LDAP_ADMIN_PWFILE" "$@" 2>/dev/null
}
# has_entry URI FILTER: an entry matches FILTER there.
has_entry() { srch "$1" -b "$LDAP_BASE" "$2" dn | grep -q '^dn:'; }
# on_all FILTER: the entry is on all three members.
on_all() { local u; for u in $ALL; do has_entry "$u" "$1" || return 1; done; }

# The members all carry the govmail configuration.
for u in $ALL; do
	expect_eq "replicator, service identities and policy on $u" \
		"$(srch "$u" -b "ou=system,$LDAP_BASE" '(|(cn=replicator)(cn=govmailctl)(cn=govmaild)(cn=password-policy))' dn | grep -c '^dn:')" 4
done

# A write through provider 1 (govmailctl with the list of providers).
t_govmail_conf
sed -i "s|uri = \"$LDAP_URI\";|uri = \"$LDAP_PROVIDER_URIS\";|" "$GOVMAIL_CONF"
check "domain add (provider 1)" "$G" domain add haugiang.gov.vn
check "agency load (provider 1)" "$G" agency load "$DATA/agencies.csv"
add_with_password() {
	printf 'Mật-khẩu-dài-đủ-12\n' | "$G" account add --name "Nguyễn Văn An" --agency snv \
		--employee-id HG900001 --password-stdin
}
check "account add (provider 1)" add_with_password
if wait_for on_all '(employeeNumber=HG900001)'; then ok "account written on provider 1 is on provider 2 and the consumer"
else not_ok "account written on provider 1 is on provider 2 and the consumer"; fi
if wait_for t_csn_equal $ALL; then ok "contextCSN equal on all three after writes on provider 1"
else not_ok "contextCSN equal on all three after writes on provider 1"; fi

# A write on provider 2 only reaches provider 1 and the consumer.
sed -i "s|uri = \"$LDAP_PROVIDER_URIS\";|uri = \"$P2\";|" "$GOVMAIL_CONF"
check "account add (provider 2)" "$G" account add --name "Trần Thị Bình" --agency snv --employee-id HG900002
if wait_for on_all '(employeeNumber=HG900002)'; then ok "account written on provider 2 is on provider 1 and the consumer"
else not_ok "account written on provider 2 is on provider 1 and the consumer"; fi
if wait_for t_csn_equal $ALL; then ok "contextCSN equal on all three after writes on both providers"
else not_ok "contextCSN equal on all three after writes on both providers"; fi
expect_eq "contextCSN has a value of each provider (serverID 1 and 2)" \
	"$(t_context_csn "$C" | sed 's/.*#\([0-9a-f]*\)#[0-9a-f]*$/\1/' | tr '\n' ' ')" "001 002 "

# The consumer is read-only: a write gets a referral to provider 1.
printf 'dn: ou=x,ou=system,%s\nobjectClass: organizationalUnit\nou: x\n' "$LDAP_BASE" |
	ldapadd -x -H "$C" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >"$T/ref.out" 2>&1
expect_eq "write on the consumer: referral (10)" "$?" 10
expect_match "the referral names provider 1" "$(cat "$T/ref.out")" "${P1%/}/"

# ACLs and ppolicy on every member: the account binds with its password
# (the hash was replicated), govmaild reads the entry but not the hash.
ANNV=$(srch "$P1" -b "$LDAP_BASE" '(employeeNumber=HG900001)' dn | sed -n 's/^dn: //p')
for u in $ALL; do
	check "annv binds on $u" ldapwhoami -x -H "$u" -D "$ANNV" \
		-y <(printf 'Mật-khẩu-dài-đủ-12')
	expect_eq "govmaild reads mail but no userPassword on $u" \
		"$(ldapsearch -LLL -x -H "$u" -D "$LDAP_DAEMON_DN" -y "$LDAP_DAEMON_PWFILE" \
			-b "$ANNV" mail userPassword | grep -cE '^(mail|userPassword):')" 1
done

# A provider killed with SIGKILL misses writes; restarted, it catches up.
check "provider 1 killed (SIGKILL)" "$TOP/scripts/ldap-sandbox" kill "$REPL_P1"
check "account add while provider 1 is down (provider 2)" "$G" account add \
	--name "Lê Văn Cường" --agency snv --employee-id HG900003
if wait_for has_entry "$C" '(employeeNumber=HG900003)'; then ok "the consumer has it from provider 2"
else not_ok "the consumer has it from provider 2"; fi
# govmailctl with both providers listed: provider 1 refuses connections,
# the write goes to provider 2, and stderr says so.
sed -i "s|uri = \"$P2\";|uri = \"$LDAP_PROVIDER_URIS\";|" "$GOVMAIL_CONF"
check "govmailctl with provider 1 down: account add goes to provider 2" "$G" account add \
	--name "Phạm Thị Dung" --agency snv --employee-id HG900004
expect_match "govmailctl notes the switch" "$(cat "$T/last.err")" \
	"note: LDAP: using ${P2%/}/? \\(${P1%/}/? is the first choice\\)"
if wait_for has_entry "$P2" '(employeeNumber=HG900004)'; then ok "written on provider 2"
else not_ok "written on provider 2"; fi
# Writes never go to the consumer: it answers with a referral, which
# govmailctl does not follow, and says why.
sed -i "s|uri = \"$LDAP_PROVIDER_URIS\";|uri = \"$C\";|" "$GOVMAIL_CONF"
check_rc "govmailctl write on the consumer is refused (EX_NOPERM)" 77 "$G" domain add other.gov.vn
expect_match "... naming the read-only replica" "$(cat "$T/last.err")" \
	"read-only replica; ldap.uri must list the providers"
sed -i "s|uri = \"$C\";|uri = \"$LDAP_PROVIDER_URIS\";|" "$GOVMAIL_CONF"
check "provider 1 restarted" "$TOP/scripts/ldap-sandbox" start "$REPL_P1"
if wait_for has_entry "$P1" '(employeeNumber=HG900003)'; then ok "restarted provider 1 caught up"
else not_ok "restarted provider 1 caught up"; fi
if wait_for t_csn_equal $ALL; then ok "contextCSN equal on all three after the restart"
else not_ok "contextCSN equal on all three after the restart"; fi
if wait_for has_entry "$P1" '(employeeNumber=HG900004)'; then ok "provider 1 has what govmailctl wrote on provider 2 meanwhile"
else not_ok "provider 1 has what govmailctl wrote on provider 2 meanwhile"; fi

# A write that provider 1 acknowledged is never left on provider 1 alone:
# provider 2 stopped (it cannot take the change), an account added on
# provider 1, provider 1 killed with SIGKILL, provider 2 started, then
# provider 1: provider 2 gets the account. syncprov keeps
# contextCSN in memory and stores it at a checkpoint, and it never rescans
# a back-mdb database at start (mdb counts as always shut down cleanly):
# with a checkpoint every 100 writes the restarted provider believed an
# older contextCSN and never offered the account to its peer
# (olcSpCheckpoint 1 1 stores it before each write is answered). Two
# writes first: with 100 1 syncprov also checkpoints at the second write
# after a start, so the account below comes after the last checkpoint.
check "account add on provider 1 (first after its restart)" "$G" account add \
	--name "Hoàng Văn Em" --agency snv --employee-id HG900005
check "account add on provider 1 (second)" "$G" account add \
	--name "Võ Thị Giang" --agency snv --employee-id HG900006
if wait_for on_all '(employeeNumber=HG900006)'; then ok "both on all three"
else not_ok "both on all three"; fi
check "provider 2 stopped" "$TOP/scripts/ldap-sandbox" stop "$REPL_P2"
check "account add on provider 1 while provider 2 cannot take it" "$G" account add \
	--name "Đặng Văn Hải" --agency snv --employee-id HG900007
check "provider 1 killed (SIGKILL) right after answering" "$TOP/scripts/ldap-sandbox" kill "$REPL_P1"
check "provider 2 started" "$TOP/scripts/ldap-sandbox" start "$REPL_P2"
expect_eq "provider 2 did not have it before provider 1 died" \
	"$(has_entry "$P2" '(employeeNumber=HG900007)' && echo yes || echo no)" no
check "provider 1 restarted again" "$TOP/scripts/ldap-sandbox" start "$REPL_P1"
if wait_for has_entry "$P2" '(employeeNumber=HG900007)'; then ok "the acknowledged write reaches provider 2 after the restart"
else not_ok "the acknowledged write reaches provider 2 after the restart"; fi
if wait_for t_csn_equal $ALL; then ok "contextCSN equal on all three after that"
else not_ok "contextCSN equal on all three after that"; fi

# A server that accepts connections but never answers (listening, never
# reading): after ldap.timeout the next server of the list is used.
python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(3600)' "$T/blackhole" </dev/null >/dev/null 2>&1 &
T_PIDS+=("$!")
wait_for test -s "$T/blackhole" || { echo "Bail out! no silent server"; exit 1; }
BH="ldap://127.0.0.1:$(cat "$T/blackhole")"
sed -i -e "s|uri = \"$LDAP_PROVIDER_URIS\";|uri = \"$BH $P2\";|" -e "s|timeout = 30;|timeout = 3;|" "$GOVMAIL_CONF"
check "govmailctl with a silent first server: domain list answers" "$G" domain list
expect_match "... from provider 2, after the first timed out" "$(cat "$T/last.err")" \
	"LDAP server $BH failed \\(Timed out\\)(.|\\n)*note: LDAP: using ${P2%/}/?"
expect_match "... the domain is listed" "$(cat "$T/last.out")" "haugiang\\.gov\\.vn"
