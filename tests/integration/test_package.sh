#!/usr/bin/env bash
# test_package.sh — the Debian packages of `make deb` and the layout of
# `make install`, without installing anything on this machine: lintian;
# contents, modes, conffiles, dependencies and maintainer scripts
# (dpkg-deb -c/-I); then the packages unpacked into $T/root (dpkg-deb -x),
# the user and directories made there by systemd-sysusers/systemd-tmpfiles
# --root from the shipped files, the unpacked programs run against that
# root (nss_wrapper gives them its user database: govmaild -t, and
# govmaild started as root with the shipped configuration, becoming the
# packaged user), the log rotation run there, and the unit checked with
# systemd-analyze verify and security --offline. No service of this
# machine is started, stopped or signalled.
. "$(dirname "$0")/../lib.sh"

ROOT=$T/root
DEB=$TOP/build/deb

# --- build -------------------------------------------------------------------
if make -C "$TOP" --no-print-directory deb >"$T/deb.log" 2>&1; then
	ok "make deb builds the packages"
else
	not_ok "make deb builds the packages"
	tail -40 "$T/deb.log" | sed 's/^/#   /' >&2
	echo "Bail out! no packages to check"
	exit 1
fi
VERSION=$(cat "$TOP/VERSION")
DEBVER=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
expect_eq "debian/changelog's version is VERSION plus a Debian revision" "${DEBVER%-*}" "$VERSION"
ARCH=$(dpkg --print-architecture)
COMMON=$DEB/govmail-common_${DEBVER}_all.deb
DAEMON=$DEB/govmaild_${DEBVER}_${ARCH}.deb
CTL=$DEB/govmailctl_${DEBVER}_${ARCH}.deb
CHANGES=$DEB/govmail_${DEBVER}_${ARCH}.changes
for f in "$COMMON" "$DAEMON" "$CTL" "$CHANGES"; do
	[ -s "$f" ] || { not_ok "make deb made $(basename "$f")"; echo "Bail out! missing $f"; exit 1; }
done
ok "make deb made govmail-common, govmaild and govmailctl $DEBVER in build/deb/"

# --- lintian -------------------------------------------------------------------
lintian --pedantic --info "$CHANGES" >"$T/lintian.out" 2>"$T/lintian.err"
lrc=$?
grep -E '^[WIPX]: ' "$T/lintian.out" | sed 's/^/# lintian: /'
if [ "$lrc" = 0 ] && ! grep -q '^E: ' "$T/lintian.out"; then
	ok "lintian reports no errors"
else
	not_ok "lintian reports no errors (exit $lrc)"
	grep -v '^[WIPXN]: ' "$T/lintian.out" "$T/lintian.err" | sed 's/^/#   /' >&2
fi

# --- contents --------------------------------------------------------------------
# listing DEB: "MODE OWNER /path" per entry.
listing() { dpkg-deb -c "$1" | awk '{ p = $6; sub(/^\.\//, "/", p); print $1, $2, p }'; }
listing "$COMMON" >"$T/common.list"
listing "$DAEMON" >"$T/daemon.list"
listing "$CTL" >"$T/ctl.list"

# expect_files DESC LIST "MODE /path"...: each entry is in LIST, owned by root.
expect_files() {
	local desc=$1 list=$2 e missing=""; shift 2
	for e in "$@"; do
		grep -qxF -e "${e%% *} root/root ${e#* }" "$list" || missing="$missing ${e#* }(${e%% *})"
	done
	if [ -z "$missing" ]; then ok "$desc"; else
		not_ok "$desc"; echo "#   missing or wrong mode:$missing" >&2; fi
}

want=("-rw-r--r-- /etc/govmail/govmail.conf" "-rw-r--r-- /etc/logrotate.d/govmail"
	"-rw-r--r-- /usr/lib/sysusers.d/govmail.conf" "-rw-r--r-- /usr/lib/tmpfiles.d/govmail.conf"
	"-rw-r--r-- /usr/share/govmail/examples/govmail.conf")
for f in "$TOP"/ldap-schema/*; do
	want+=("-rw-r--r-- /usr/share/govmail/ldap-schema/${f##*/}")
done
while read -r f; do
	want+=("-rw-r--r-- /usr/share/govmail/examples/${f#etc/}")
done < <(cd "$TOP" && find etc/postfix etc/dovecot -type f)
for f in "$TOP"/man/*.5; do
	[ -e "$f" ] && want+=("-rw-r--r-- /usr/share/man/man5/${f##*/}.gz")
done
expect_files "govmail-common: configuration, sysusers.d, tmpfiles.d, logrotate, schema, examples" \
	"$T/common.list" "${want[@]}"

want=("-rwxr-xr-x /usr/sbin/govmaild" "-rw-r--r-- /lib/systemd/system/govmaild.service"
	"-rw-r--r-- /etc/rsyslog.d/49-govmaild.conf")
[ -e "$TOP/man/govmaild.8" ] && want+=("-rw-r--r-- /usr/share/man/man8/govmaild.8.gz")
expect_files "govmaild: /usr/sbin/govmaild, the systemd unit, the rsyslog rule" "$T/daemon.list" "${want[@]}"

want=("-rwxr-xr-x /usr/bin/govmailctl")
[ -e "$TOP/src/govmail-ldap-setup/govmail-ldap-setup" ] &&
	want+=("-rwxr-xr-x /usr/sbin/govmail-ldap-setup")
[ -e "$TOP/etc/bash-completion/govmailctl" ] &&
	want+=("-rw-r--r-- /usr/share/bash-completion/completions/govmailctl")
for f in "$TOP"/man/*.8; do
	[ -e "$f" ] && [ "${f##*/}" != govmaild.8 ] && [ "${f##*/}" != govmail-apid.8 ] && want+=("-rw-r--r-- /usr/share/man/man8/${f##*/}.gz")
done
expect_files "govmailctl: /usr/bin/govmailctl (and set-up script, completion, man pages present in the tree)" \
	"$T/ctl.list" "${want[@]}"
APIDDEB=$DEB/govmail-apid_${DEBVER}_${ARCH}.deb
listing "$APIDDEB" >"$T/apid.list"
expect_files "govmail-apid: /usr/sbin/govmail-apid, its unit, its man page" "$T/apid.list" \
	"-rwxr-xr-x /usr/sbin/govmail-apid" "-rw-r--r-- /lib/systemd/system/govmail-apid.service" \
	"-rw-r--r-- /usr/share/man/man8/govmail-apid.8.gz"

cat "$T/common.list" "$T/daemon.list" "$T/ctl.list" >"$T/all.list"
expect_eq "every packaged file is owned by root" "$(awk '$2 != "root/root"' "$T/all.list")" ""
expect_eq "no setuid, setgid or sticky bits" "$(awk '$1 ~ /[sStT]/' "$T/all.list")" ""
expect_eq "nothing under /usr/local, no unit in /usr/lib/systemd (bookworm: /lib)" \
	"$(awk '$3 ~ /^\/usr\/local|^\/usr\/lib\/systemd/' "$T/all.list")" ""

# Every file under /etc is a conffile, and nothing else is.
for p in COMMON DAEMON CTL; do
	deb=${!p}
	etcfiles=$(listing "$deb" | awk '$1 !~ /^d/ && $3 ~ /^\/etc\// { print $3 }' | sort)
	got=$(dpkg-deb -I "$deb" conffiles 2>/dev/null | sort)
	expect_eq "$(basename "$deb"): conffiles are its /etc files" "$got" "$etcfiles"
done
expect_match "govmail-common's conffiles include /etc/govmail/govmail.conf" \
	"$(dpkg-deb -I "$COMMON" conffiles)" '^/etc/govmail/govmail\.conf$'
expect_match "govmaild depends on govmail-common of the same version" \
	"$(dpkg-deb -f "$DAEMON" Depends)" "(^|, )govmail-common \(= ${DEBVER//./\\.}\)"
expect_match "govmailctl depends on govmail-common of the same version" \
	"$(dpkg-deb -f "$CTL" Depends)" "(^|, )govmail-common \(= ${DEBVER//./\\.}\)"
expect_match "govmail-common depends on a sysusers and a tmpfiles implementation" \
	"$(dpkg-deb -f "$COMMON" Depends)" '^(?=.*systemd-sysusers)(?=.*systemd-standalone-tmpfiles)'

# Maintainer scripts: the user before the directories; the unit is not
# enabled (nor started) by installing, only kept enabled over upgrades.
expect_match "govmail-common's postinst creates the user, then the directories" \
	"$(dpkg-deb -I "$COMMON" postinst)" \
	'systemd-sysusers [^\n]*govmail\.conf(.|\n)*systemd-tmpfiles [^\n]*--create govmail\.conf'
expect_match "govmail-common's postrm removes the spool on purge" \
	"$(dpkg-deb -I "$COMMON" postrm)" '^\s*rm -rf /var/spool/govmail$'
expect_match "govmaild's postinst enables the unit only if it was enabled before" \
	"$(dpkg-deb -I "$DAEMON" postinst)" "^\s*if deb-systemd-helper debian-installed 'govmaild\.service'; then"

# --- unpacked into a throwaway root ------------------------------------------------
# The root starts with a fresh Debian's users and groups (base-passwd).
mkdir -p "$ROOT/etc"
cp /usr/share/base-passwd/passwd.master "$ROOT/etc/passwd"
cp /usr/share/base-passwd/group.master "$ROOT/etc/group"
check "dpkg-deb -x of the three packages into \$T/root" \
	sh -c "dpkg-deb -x '$COMMON' '$ROOT' && dpkg-deb -x '$DAEMON' '$ROOT' && dpkg-deb -x '$CTL' '$ROOT'"

expect_eq "the unpacked govmailctl --version is VERSION" \
	"$("$ROOT/usr/bin/govmailctl" --version 2>&1)" "govmailctl $VERSION"
expect_eq "the unpacked govmaild --version is VERSION" \
	"$("$ROOT/usr/sbin/govmaild" --version 2>&1)" "govmaild $VERSION"
expect_eq "the unpacked govmail-ldap-setup --version is VERSION (written by make install)" \
	"$("$ROOT/usr/sbin/govmail-ldap-setup" --version 2>&1)" "govmail-ldap-setup $VERSION"

# What postinst does, in the root: sysusers, then tmpfiles.
check "systemd-sysusers --root creates the user from usr/lib/sysusers.d/govmail.conf" \
	systemd-sysusers --root="$ROOT" govmail.conf
pw=$(grep '^govmail:' "$ROOT/etc/passwd")
GUID=$(echo "$pw" | cut -d: -f3)
GGID=$(awk -F: '$1 == "govmail" { print $3 }' "$ROOT/etc/group")
ADM=$(awk -F: '$1 == "adm" { print $3 }' "$ROOT/etc/group")
expect_match "govmail is a system user without a shell, in its own group" "$pw" \
	"^govmail:x:[1-9][0-9]{0,2}:$GGID:[^:]*:/var/spool/govmail:/usr/sbin/nologin$"
check "systemd-tmpfiles --root --create usr/lib/tmpfiles.d/govmail.conf" \
	systemd-tmpfiles --root="$ROOT" --create govmail.conf
modes() { stat -c '%a %u %g' "$ROOT/var/spool/govmail" "$ROOT/var/lib/govmail" "$ROOT/var/log/govmail" 2>&1 | tr '\n' ' '; }
WANT_MODES="750 $GUID $GGID 700 0 0 750 0 $ADM "
expect_eq "spool govmail:govmail 0750, state root 0700, logs root:adm 0750" "$(modes)" "$WANT_MODES"
# A directory made by hand beforehand (e.g. a `make install`) is corrected.
chmod 777 "$ROOT/var/spool/govmail" "$ROOT/var/lib/govmail"
chown 0:0 "$ROOT/var/spool/govmail"
systemd-tmpfiles --root="$ROOT" --create govmail.conf >/dev/null 2>&1
expect_eq "systemd-tmpfiles corrects owners and modes of existing directories" "$(modes)" "$WANT_MODES"

# --- the shipped configuration agrees with the user, directories and unit ---------
SHIPPED=$ROOT/etc/govmail/govmail.conf
UNIT=$ROOT/lib/systemd/system/govmaild.service
"$ROOT/usr/bin/govmailctl" -c "$SHIPPED" config show >"$T/show" 2>"$T/show.err"
expect_eq "the unpacked govmailctl reads the shipped configuration" "$(cat "$T/show.err")" ""
cval() { sed -n "s/^$1 = \"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" "$T/show"; }
uval() { sed -n "s/^$1=//p" "$UNIT" | head -1; }
tmpf() { grep -E "^d\s+$1\s" "$ROOT/usr/lib/tmpfiles.d/govmail.conf" | awk '{ print $3, $4, $5 }'; }
expect_eq "smtpd.user is the sysusers.d user" "$(cval smtpd.user)" \
	"$(awk '$1 == "u" { print $2 }' "$ROOT/usr/lib/sysusers.d/govmail.conf")"
expect_eq "smtpd.spool_dir is made by tmpfiles.d for that user, 0750" "$(tmpf "$(cval smtpd.spool_dir)")" \
	"0750 govmail govmail"
expect_eq "hr.passwords_file is in a root-only directory of tmpfiles.d" \
	"$(tmpf "$(dirname "$(cval hr.passwords_file)")")" "0700 root root"
expect_eq "audit.log_file is in the log directory of tmpfiles.d" \
	"$(tmpf "$(dirname "$(cval audit.log_file)")")" "0750 root adm"
expect_eq "the unit's PIDFile is smtpd.pid_file" "$(uval PIDFile)" "$(cval smtpd.pid_file)"
expect_eq "smtpd.pid_file is in the unit's RuntimeDirectory" \
	"$(dirname "$(cval smtpd.pid_file)")" "/run/$(uval RuntimeDirectory)"
expect_eq "the unit may write smtpd.spool_dir (ReadWritePaths)" "$(uval ReadWritePaths)" "$(cval smtpd.spool_dir)"
stop=$(uval TimeoutStopSec)
if [ "${stop:-0}" -gt "$(cval smtpd.drain_timeout)" ]; then ok "TimeoutStopSec ($stop) is above smtpd.drain_timeout"
else not_ok "TimeoutStopSec ($stop) is above smtpd.drain_timeout ($(cval smtpd.drain_timeout))"; fi
exe=$(uval ExecStart); exe=${exe%% *}
check "the unit's ExecStart ($exe) is the packaged program" test -x "$ROOT$exe"

# On this machine (no package installed) the shipped file fails only for
# what installing creates: the user and the spool.
"$ROOT/usr/sbin/govmaild" -t -c "$SHIPPED" >/dev/null 2>"$T/t.err"
expect_eq "govmaild -t on the shipped file: no error but the missing user and spool" \
	"$(grep -v -e 'smtpd\.user: no such user "govmail"' \
		-e 'smtpd\.spool_dir: "/var/spool/govmail" is not a directory' "$T/t.err")" ""

# In the root: the shipped file with its paths moved under $T/root and the
# root's user database (nss_wrapper) passes as it is.
NSSW=$(ls /usr/lib/*/libnss_wrapper.so 2>/dev/null | head -1)
in_root() {
	NSS_WRAPPER_PASSWD=$ROOT/etc/passwd NSS_WRAPPER_GROUP=$ROOT/etc/group LD_PRELOAD=$NSSW "$@"
}
sed -e "s|\"/etc/govmail/|\"$ROOT/etc/govmail/|g" -e "s|\"/var/|\"$ROOT/var/|g" \
	-e "s|\"/run/|\"$ROOT/run/|g" "$SHIPPED" >"$T/root.conf"
expect_eq "only paths differ between the shipped file and the root's copy" \
	"$(diff "$SHIPPED" "$T/root.conf" | grep '^>' | grep -vc "$ROOT")" "0"
if [ -z "$NSSW" ]; then
	not_ok "libnss_wrapper.so is installed (scripts/install-deps)"
else
	check "govmaild -t with the shipped settings in the root passes (user govmail, spool)" \
		in_root "$ROOT/usr/sbin/govmaild" -t -c "$T/root.conf"
fi

# Started as root the way the unit does (in the foreground here, to keep its
# log): binds, writes the pid file into the RuntimeDirectory, becomes the
# packaged user, which must be able to read the password file set up as
# README says and write the spool; reloads on SIGHUP; drains on SIGTERM.
if [ "$(id -u)" = 0 ] && [ -n "$NSSW" ]; then
	chmod 711 "$T"   # the packaged user must reach its spool inside $T
	install -d -m 0755 "$ROOT/run/govmail"
	install -m 0640 -o root -g "$GGID" /dev/null "$ROOT/etc/govmail/ldap.pw"
	echo "not-a-real-password" >"$ROOT/etc/govmail/ldap.pw"
	PORT=$(t_free_port)
	sed -i "s|\"127.0.0.1:10025\"|\"127.0.0.1:$PORT\"|" "$T/root.conf"
	NSS_WRAPPER_PASSWD=$ROOT/etc/passwd NSS_WRAPPER_GROUP=$ROOT/etc/group LD_PRELOAD=$NSSW \
		"$ROOT/usr/sbin/govmaild" -f -c "$T/root.conf" 2>"$T/daemon.log" &
	DPID=$!
	T_PIDS+=("$DPID")
	# daemon_logs PATTERN: until the daemon logs it or exits (T_HANG guard).
	daemon_logs() {
		local end=$((SECONDS + T_HANG))
		until grep -q "$1" "$T/daemon.log"; do
			t_kill -0 "$DPID" || { grep -q "$1" "$T/daemon.log"; return; }
			[ "$SECONDS" -lt "$end" ] || return 1
			sleep 0.1
		done
	}
	if daemon_logs 'started pid='; then ok "the unpacked govmaild starts with the shipped settings"
	else not_ok "the unpacked govmaild starts with the shipped settings"; sed 's/^/#   /' "$T/daemon.log" >&2; fi
	expect_match "... and says it runs as govmail" "$(cat "$T/daemon.log")" "started pid=$DPID .* user=govmail "
	expect_match "... as the packaged user's uid" "$(grep '^Uid:' "/proc/$DPID/status" 2>&1)" \
		"^Uid:\s+$GUID\s+$GUID\s+$GUID\s+$GUID$"
	expect_eq "... with its pid in /run/govmail/govmaild.pid" "$(cat "$ROOT/run/govmail/govmaild.pid" 2>&1)" "$DPID"
	out=$(chat "$PORT" <<'EOF'
R
S EHLO client.test\r\n
R
S QUIT\r\n
R
EOF
)
	expect_match "... and answers SMTP" "$out" '^220 .*\n250-.*\n221 '
	t_kill -HUP "$DPID"
	if daemon_logs 'configuration reloaded from'; then ok "SIGHUP: the user re-reads the shipped configuration"
	else not_ok "SIGHUP: the user re-reads the shipped configuration"; sed 's/^/#   /' "$T/daemon.log" >&2; fi
	t_kill -TERM "$DPID"
	wait "$DPID"
	expect_eq "SIGTERM: govmaild drains and exits 0" "$?" "0"
else
	echo "# not root: the unpacked govmaild is not started"
fi

# --- log rotation ----------------------------------------------------------------
# The shipped rules, with the paths in the root and rsyslog's reopen
# replaced by a stub, so this machine's rsyslog is never signalled.
printf '#!/bin/sh\necho ran >>"%s"\n' "$T/reopened" >"$T/rsyslog-rotate"
chmod 755 "$T/rsyslog-rotate"
sed -e "s|/var/log/govmail/|$ROOT/var/log/govmail/|g" \
	-e "s|/usr/lib/rsyslog/rsyslog-rotate|$T/rsyslog-rotate|g" \
	"$ROOT/etc/logrotate.d/govmail" >"$T/logrotate.conf"
chmod 644 "$T/logrotate.conf"
echo '{"op":"account.create"}' >"$ROOT/var/log/govmail/audit.log"
echo 'govmaild: started' >"$ROOT/var/log/govmail/govmaild.log"
check "logrotate runs the shipped rules" logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf"
expect_eq "audit.log rotated, a new one made root:adm 0640" \
	"$(cat "$ROOT/var/log/govmail/audit.log.1" 2>&1); $(stat -c '%a %U %G %s' "$ROOT/var/log/govmail/audit.log" 2>&1)" \
	'{"op":"account.create"}; 640 root adm 0'
expect_eq "govmaild.log rotated, rsyslog told once to reopen it" \
	"$(cat "$ROOT/var/log/govmail/govmaild.log.1" 2>&1); $(cat "$T/reopened" 2>&1)" "govmaild: started; ran"
if command -v rsyslogd >/dev/null; then
	check "rsyslogd -N1 accepts 49-govmaild.conf" rsyslogd -N1 -f "$ROOT/etc/rsyslog.d/49-govmaild.conf"
else
	echo "# rsyslogd is not installed: 49-govmaild.conf not checked"
fi

# --- the systemd unit --------------------------------------------------------------
# systemd-analyze resolves ExecStart= on this machine: check a copy whose
# programs are the unpacked ones. Man pages are checked in the packages.
mkdir -p "$T/units"
sed "s|=\([-@:+!]*\)/usr/sbin/|=\1$ROOT/usr/sbin/|g" "$UNIT" >"$T/units/govmaild.service"
check "systemd-analyze verify govmaild.service" systemd-analyze verify --man=no "$T/units/govmaild.service"
[ -s "$T/last.err" ] && sed 's/^/# verify: /' "$T/last.err"
for m in $(uval Documentation); do
	page=${m#man:}; sec=${page##*(}; sec=${sec%)}; page=${page%(*}
	if [ -e "$TOP/man/$page.$sec" ]; then
		check "Documentation=$m is packaged" grep -q "/usr/share/man/man$sec/$page.$sec.gz$" "$T/all.list"
	else
		echo "# Documentation=$m: man/$page.$sec not in this tree yet"
	fi
done
for d in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' SystemCallFilter=@system-service; do
	check "the unit sets $d" grep -qxF "$d" "$UNIT"
done
caps=$(uval CapabilityBoundingSet)
expect_eq "CapabilityBoundingSet is within CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID" \
	"$(echo "$caps" | tr ' ' '\n' | grep -vxE 'CAP_NET_BIND_SERVICE|CAP_SETUID|CAP_SETGID')" ""
systemd-analyze security --offline=true --no-pager "$T/units/govmaild.service" >"$T/security.out" 2>&1
echo "# systemd-analyze security: $(grep -o 'Overall exposure level.*' "$T/security.out")"

# --- make install ---------------------------------------------------------------------
INST=$T/inst
check "make install DESTDIR=... PREFIX=/usr/local" make -C "$TOP" --no-print-directory install DESTDIR="$INST"
for f in /usr/local/bin/govmailctl /usr/local/sbin/govmaild; do
	check "make install: $f" test -x "$INST$f"
done
for f in /etc/govmail/govmail.conf /etc/logrotate.d/govmail /etc/rsyslog.d/49-govmaild.conf \
	/usr/local/lib/sysusers.d/govmail.conf /usr/local/lib/tmpfiles.d/govmail.conf \
	/usr/local/share/govmail/ldap-schema/govmail.ldif /usr/local/share/govmail/examples/govmail.conf; do
	check "make install: $f" test -f "$INST$f"
done
expect_match "make install: the unit runs /usr/local/sbin/govmaild" \
	"$(cat "$INST/usr/local/lib/systemd/system/govmaild.service" 2>&1)" '^ExecStart=/usr/local/sbin/govmaild$'
echo '# edited' >>"$INST/etc/govmail/govmail.conf"
make -C "$TOP" --no-print-directory install DESTDIR="$INST" >/dev/null 2>&1
expect_match "make install again keeps an edited /etc/govmail/govmail.conf" \
	"$(tail -1 "$INST/etc/govmail/govmail.conf")" '^# edited$'
