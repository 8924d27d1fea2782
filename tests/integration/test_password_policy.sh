#!/usr/bin/env bash
# Passwords people set themselves, against a real slapd: every path by
# which a password reaches the directory — ldapmodify as the account
# itself, the password modify extended operation (ldappasswd; what webmail
# and Dovecot's password plugins use), govmailctl — ends hashed (yescrypt
# for chosen passwords), never in the clear, and a chosen password passes
# the quality check (length, history). Proved with real binds and by
# reading the stored value as the directory's admin.
# Run twice: against the sandbox (ldap-sandbox) and against a slapd as
# Debian leaves it, prepared by govmail-ldap-setup (GOVMAIL_TEST_LDAP).
. "$(dirname "$0")/../lib.sh"

if [ "${1:-}" != --inner ]; then
	# The same checks on the production setup path, in a child run alongside.
	GOVMAIL_TEST_LDAP=bare-setup bash "$0" --inner >"$T/setup.out" &
	setup_pid=$!
	T_PIDS+=("$setup_pid")
fi

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
check "domain add" $G domain add haugiang.gov.vn
check "agency add" $G agency add snv --name "Sở Nội vụ" --level department
check "account add with a generated password" $G account add --name "Nguyễn Văn An" --agency snv --generate-password
P0=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
U=uid=annv,ou=accounts,$LDAP_BASE

# The stored userPassword, as the admin reads it (decoded).
stored() {
	t_ldapsearch -b "$U" -s base userPassword | python3 -c '
import base64, sys
for l in sys.stdin:
    l = l.rstrip("\n")
    if l.startswith("userPassword:: "):
        print(base64.b64decode(l[15:]).decode("ascii", "replace"))
    elif l.startswith("userPassword: "):
        print(l[14:])'
}
binds() { ldapwhoami -x -H "$LDAP_URI" -D "$U" -w "$1" >/dev/null 2>&1; }
# self_modify PASSWORD LDIF-LINES: an ldapmodify of its own entry, bound as itself.
self_modify() {
	printf 'dn: %s\nchangetype: modify\n%s\n' "$U" "$2" |
		ldapmodify -x -H "$LDAP_URI" -D "$U" -w "$1"
}
YESCRYPT='^\{CRYPT\}\$y\$j9T\$[./0-9A-Za-z]{16,24}\$[./0-9A-Za-z]{43}$'

expect_match "a generated initial password is stored hashed" "$(stored)" '^\{SSHA512\}'
check "... and binds" binds "$P0"

# --- ldapmodify by the account itself ---------------------------------------
check_rc "self, in the clear, too short: refused (constraint violation)" 19 \
	self_modify "$P0" "replace: userPassword
userPassword: ngan-qua"
expect_match "... saying why" "$(cat "$T/last.err")" "Password fails quality checking policy"
check "... and the old password still binds" binds "$P0"
check "self, in the clear, long enough: accepted" self_modify "$P0" "replace: userPassword
userPassword: Mat-khau-Hau-Giang-1"
expect_match "... stored as a yescrypt hash, never in the clear" "$(stored)" "$YESCRYPT"
check "... the new password binds" binds "Mat-khau-Hau-Giang-1"
check_rc "... the old one no longer does (invalid credentials)" 49 \
	ldapwhoami -x -H "$LDAP_URI" -D "$U" -w "$P0"
check_rc "self, already hashed with a fast scheme ({SSHA}): refused" 50 \
	self_modify "Mat-khau-Hau-Giang-1" "replace: userPassword
userPassword: $(slappasswd -h '{SSHA}' -s abc)"
check_rc "self, {CLEARTEXT}: refused" 50 self_modify "Mat-khau-Hau-Giang-1" "replace: userPassword
userPassword: {CLEARTEXT}abc"
check_rc "self, a yescrypt hash of cheaper cost: refused" 50 self_modify "Mat-khau-Hau-Giang-1" "replace: userPassword
userPassword: $(slappasswd -h '{CRYPT}' -c '$y$j75$%.24s' -s abc)"
expect_match "... the stored value is still the yescrypt hash" "$(stored)" "$YESCRYPT"
check "... and the password binds" binds "Mat-khau-Hau-Giang-1"

# --- the password modify extended operation ---------------------------------
check_rc "ldappasswd, too short: refused" 1 \
	ldappasswd -x -H "$LDAP_URI" -D "$U" -w "Mat-khau-Hau-Giang-1" -s abc
expect_match "... saying why" "$(cat "$T/last.out" "$T/last.err")" "Password fails quality checking policy"
check "ldappasswd, long enough: accepted" \
	ldappasswd -x -H "$LDAP_URI" -D "$U" -w "Mat-khau-Hau-Giang-1" -s "Doi-mat-khau-lan-2"
expect_match "... stored as a yescrypt hash" "$(stored)" "$YESCRYPT"
check "... and binds" binds "Doi-mat-khau-lan-2"
check_rc "ldappasswd, a password used before: refused (history)" 1 \
	ldappasswd -x -H "$LDAP_URI" -D "$U" -w "Doi-mat-khau-lan-2" -s "Mat-khau-Hau-Giang-1"
expect_match "... saying why" "$(cat "$T/last.out" "$T/last.err")" "in history"
check_rc "self ldapmodify, a password used before: refused too" 19 \
	self_modify "Doi-mat-khau-lan-2" "replace: userPassword
userPassword: Mat-khau-Hau-Giang-1"

# --- govmailctl -----------------------------------------------------------------
check "govmailctl account passwd from stdin" \
	sh -c "printf 'Quan-tri-dat-lai-3\n' | $G account passwd annv@haugiang.gov.vn"
expect_match "... stored as a yescrypt hash" "$(stored)" "$YESCRYPT"
check "... and binds" binds "Quan-tri-dat-lai-3"
check "govmailctl account passwd --generate" $G account passwd annv@haugiang.gov.vn --generate
P1=$(grep -oE '[A-Za-z0-9]{16,}$' "$T/last.out" | tail -1)
expect_match "... stored hashed" "$(stored)" '^\{SSHA512\}'
check "... and binds" binds "$P1"

# --- nowhere in the clear -------------------------------------------------------
t_ldapsearch -b "ou=accounts,$LDAP_BASE" '(userPassword=*)' userPassword >"$T/all.ldif"
python3 - "$T/all.ldif" >"$T/schemes" <<'PY'
import base64, re, sys
for l in open(sys.argv[1]):
    l = l.rstrip("\n")
    if l.startswith("userPassword:: "):
        v = base64.b64decode(l[15:]).decode("ascii", "replace")
    elif l.startswith("userPassword: "):
        v = l[14:]
    else:
        continue
    m = re.match(r"\{([A-Z0-9-]+)\}", v)
    print(m.group(1) if m else "CLEAR")
PY
expect_eq "every stored password is hashed ({CRYPT} or {SSHA512})" \
	"$(sort -u "$T/schemes" | grep -vxE 'CRYPT|SSHA512' | tr '\n' ' ')" ""

if [ "${1:-}" != --inner ]; then
	wait "$setup_pid"
	setup_rc=$?
	awk -v n="$T_N" '/^(not )?ok [0-9]+ - / { n++; sub(/ok [0-9]+ - /, "ok " n " - setup: ") }
		!/^1\.\./ { print }' "$T/setup.out"
	T_N=$((T_N + $(grep -cE '^(not )?ok ' "$T/setup.out")))
	T_FAILED=$((T_FAILED + $(grep -c '^not ok ' "$T/setup.out")))
	[ "$setup_rc" = 0 ] || [ "$(grep -c '^not ok ' "$T/setup.out")" != 0 ] ||
		not_ok "setup: the run against a slapd prepared by govmail-ldap-setup ended with exit $setup_rc"
fi
echo "1..$T_N"
