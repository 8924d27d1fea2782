#!/usr/bin/env bash
# test_docs.sh — the documentation follows the programs: man pages lint
# clean; govmailctl(8) has every command with each of its options;
# govmail.conf(5) every configuration key with its type, bounds and
# default; govmaild(8) every option of govmaild; every command's --help
# describes each option it accepts (and accepts each it describes);
# --version prints VERSION; the bash completion completes nouns, verbs and
# options.
#
# Needs no slapd: nothing here talks to a directory.

# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

for p in mandoc python3; do
	command -v "$p" >/dev/null || { echo "Bail out! $p missing (scripts/install-deps)"; exit 1; }
done
BASHCOMP=/usr/share/bash-completion/bash_completion
[ -r "$BASHCOMP" ] || { echo "Bail out! bash-completion missing (scripts/install-deps)"; exit 1; }

G=$GOVMAILCTL
MAN=$TOP/man
VERSION=$(cat "$TOP/VERSION")

# --- man pages lint clean -------------------------------------------------
# "referenced manual not found" and "outdated mandoc.db" depend on which
# manuals the machine has installed; every other message is a fault. Our
# own cross-references are checked against man/ below instead.
pages=("$MAN"/*.[0-9])
expect_match "man/ has the pages" "${pages[*]}" 'govmail\.conf\.5.*govmailctl\.8.*govmaild\.8'
for f in "${pages[@]}"; do
	out=$(mandoc -Tlint "$f" 2>&1 | grep -v -e 'STYLE: referenced manual not found' \
		-e 'outdated mandoc.db lacks')
	expect_eq "mandoc -Tlint $(basename "$f") is clean" "$out" ""
	for ref in $(sed -n 's/^\.Xr \(govmail[a-z.-]*\) \([0-9]\).*/\1.\2/p' "$f" | sort -u); do
		if [ -f "$MAN/$ref" ]; then ok "$(basename "$f"): $ref is in man/"
		else not_ok "$(basename "$f") refers to $ref, which is not in man/"; fi
	done
done

# --- --version --------------------------------------------------------------
check_rc "govmailctl --version" 0 "$G" --version
expect_eq "govmailctl --version prints VERSION" "$(cat "$T/last.out")" "govmailctl $VERSION"
check_rc "govmailctl -V" 0 "$G" -V
expect_eq "govmailctl -V prints VERSION" "$(cat "$T/last.out")" "govmailctl $VERSION"
check_rc "govmaild --version" 0 "$GOVMAILD" --version
expect_eq "govmaild --version prints VERSION" "$(cat "$T/last.out")" "govmaild $VERSION"
check_rc "govmaild -V" 0 "$GOVMAILD" -V
expect_eq "govmaild -V prints VERSION" "$(cat "$T/last.out")" "govmaild $VERSION"
check_rc "govmail-ldap-setup --version" 0 "$TOP/src/govmail-ldap-setup/govmail-ldap-setup" --version
expect_eq "govmail-ldap-setup --version prints VERSION" "$(cat "$T/last.out")" "govmail-ldap-setup $VERSION"

# --- govmailctl: the commands ----------------------------------------------
check_rc "govmailctl --help" 0 "$G" --help
mainhelp=$(cat "$T/last.out")
for o in "-c FILE" "--json" "-v" "-V, --version"; do
	expect_match "govmailctl --help describes the global option $o" "$mainhelp" \
		"^  $(printf '%s' "$o" | sed 's/[.[*^$]/\\&/g')[ ,]"
done
nouns=$(printf '%s\n' "$mainhelp" | awk '/^Commands/ { f = 1; next } f && /^$/ { exit }
	f { print $1 }' | sort -u)
ncmds=$(printf '%s\n' "$mainhelp" | awk '/^Commands/ { f = 1; next } f && /^$/ { exit }
	f { n++ } END { print n + 0 }')
expect_match "govmailctl --help lists the nouns" "$(echo $nouns)" \
	'^account address agency alias config dkim dmarc domain forward hr quota role token$'

# Every NOUN --help: exit 0 on stdout; its lines give the verbs.
: >"$T/commands"
for n in $nouns; do
	check_rc "govmailctl $n --help lists the verbs (exit 0)" 0 "$G" "$n" --help
	awk -v noun="$n" '$1 == "govmailctl" && $2 == noun {
		v = ""; for (i = 3; i <= NF && $i ~ /^[a-z]+$/; i++) v = v (v == "" ? "" : " ") $i
		print noun " " v }' "$T/last.out" >>"$T/commands"
done
expect_eq "the nouns' verbs are the commands of govmailctl --help" \
	"$(wc -l <"$T/commands")" "$ncmds"
check_rc "govmailctl account cert --help (exit 0)" 0 "$G" account cert --help
expect_eq "account cert --help lists the three cert verbs" \
	"$(grep -c '^  govmailctl account cert \(add\|list\|remove\) ' "$T/last.out")/$(grep -c '^  govmailctl ' "$T/last.out")" "3/3"
check_rc "govmailctl account (no verb) is a usage error" 64 "$G" account
expect_eq "... with nothing on stdout" "$(cat "$T/last.out")" ""

# Each command's --help: exit 0, then the options it names are accepted and
# an unknown one is not. The program itself refuses (exit 70) a --help whose
# option lines differ from the getopt table; this probes it from outside.
probe_value() {
	case $1 in
	SIZE) echo 1G ;;
	CODE | DST) echo snv ;;
	LEVEL) echo unit ;;
	STATUS) echo active ;;
	DOMAIN) echo haugiang.gov.vn ;;
	ADDRESS) echo an@haugiang.gov.vn ;;
	NAME) echo "Nguyễn Văn An" ;;
	FILE) echo "$T/probe-file" ;;
	N) echo 10 ;;
	*) echo x ;;
	esac
}
: >"$T/options"
while read -r noun verb; do
	cmd="$noun $verb"
	# shellcheck disable=SC2086
	"$G" -c /dev/null $cmd --help >"$T/help.out" 2>"$T/help.err"
	rc=$?
	if [ "$rc" != 0 ] || [ -s "$T/help.err" ]; then
		not_ok "$cmd --help exits 0 quietly (exit $rc)"; sed 's/^/#   /' "$T/help.err" >&2
		continue
	fi
	# The option lines: after the first blank line, "  TERM  description".
	awk 'NF == 0 { b++; next } b == 1' "$T/help.out" >"$T/lines"
	bad=$(awk '!/^  [^ ].*[^ ]  +[^ ]/' "$T/lines")
	expect_eq "$cmd --help: one line with a description per argument and option" "$bad" ""
	fails=""
	nopt=0
	while IFS= read -r line; do
		term=$(printf '%s\n' "$line" | sed 's/^  //; s/  .*//')
		case $term in -h,*) continue ;; -*) ;; *) continue ;; esac
		for o in $(printf '%s\n' "$term" | grep -oE -- '(^|[ ,])-{1,2}[a-z0-9][a-z0-9-]*' | tr -d ' ,'); do
			nopt=$((nopt + 1))
			echo "$cmd|$o" >>"$T/options"
			metavar=$(printf '%s\n' "$term" | awk -v o="$o" '{ for (i = 1; i < NF; i++)
				if ($i == o) { print $(i + 1); exit } }')
			case $metavar in
			"" | -*) arg=("$o") ;;
			*) arg=("$o=$(probe_value "$metavar")") ;;
			esac
			[ "$o" = -d ] && arg=(-d)
			# shellcheck disable=SC2086
			"$G" -c /dev/null $cmd "${arg[@]}" --help >/dev/null 2>"$T/probe.err" ||
				fails="$fails $o($?: $(head -c 200 "$T/probe.err"))"
		done
	done <"$T/lines"
	expect_eq "$cmd: each of its $nopt options in --help is accepted" "$fails" ""
	# shellcheck disable=SC2086
	"$G" -c /dev/null $cmd --no-such-option >"$T/probe.out" 2>"$T/probe.err"
	rc=$?
	if [ "$rc" = 64 ] && grep -q 'unknown option' "$T/probe.err" && [ ! -s "$T/probe.out" ] &&
		grep -q "^usage: govmailctl $cmd" "$T/probe.err"; then
		ok "$cmd: an unknown option is exit 64 with the usage on stderr"
	else
		not_ok "$cmd: an unknown option (exit $rc)"; sed 's/^/#   /' "$T/probe.err" >&2
	fi
done <"$T/commands"
check_rc "account cert add no longer takes --all" 64 "$G" -c /dev/null account cert add x y --all
check_rc "-h is --help too" 0 "$G" account add -h
expect_match "... and prints the options" "$(cat "$T/last.out")" '^  --generate-password  '

# --- govmailctl(8): each command with each of its options ------------------
python3 - "$MAN/govmailctl.8" "$T/commands" "$T/options" >"$T/man8.out" <<'PY'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read().split("\n")
cmds = [l.strip() for l in open(sys.argv[2]) if l.strip()]
opts = {}
for l in open(sys.argv[3]):
    c, o = l.rstrip("\n").split("|")
    opts.setdefault(c, []).append(o)
# A command is an item ".It Xo" / ".Cm NOUN VERB" / ... up to the next
# ".It Xo" or section.
blocks = {}
for i, l in enumerate(src):
    m = re.match(r"^\.Cm (.+)$", l)
    if m and i > 0 and src[i - 1] == ".It Xo":
        j = i + 1
        while j < len(src) and src[j] != ".It Xo" and not re.match(r"^\.S[hs] ", src[j]):
            j += 1
        blocks[m.group(1)] = "\n".join(src[i:j])
for c in cmds:
    if c not in blocks:
        print(f"FAIL {c}: not in govmailctl.8")
        continue
    missing = []
    for o in opts.get(c, []):
        fl = "Fl " + o[1:]
        if not re.search(r"(^|\s)" + re.escape(fl) + r"(\s|$)", blocks[c], re.M):
            missing.append(o)
        elif not re.search(r"^\.It Fl " + re.escape(o[1:]) + r"(\s|$)", blocks[c], re.M) and \
                not re.search(r"^\.It .*" + re.escape(fl) + r"(\s|$)", blocks[c], re.M):
            missing.append(o + " (no .It Fl item)")
    if missing:
        print(f"FAIL {c}: options not described: {' '.join(missing)}")
    else:
        print(f"OK {c}: in govmailctl.8 with its {len(opts.get(c, []))} options")
for c in blocks:
    if c not in cmds:
        print(f"FAIL govmailctl.8 describes '{c}', which is no command")
PY
while read -r verdict rest; do
	if [ "$verdict" = OK ]; then ok "$rest"; else not_ok "$rest"; fi
done <"$T/man8.out"
expect_eq "govmailctl.8 was checked for every command" "$(grep -c '^OK ' "$T/man8.out")" "$ncmds"

# --- govmail.conf(5): every key with type, bounds and default --------------
check_rc "config show -d (no file needed)" 0 "$G" -c /nonexistent config show -d
cp "$T/last.out" "$T/defaults"
python3 - "$MAN/govmail.conf.5" "$T/defaults" "$TOP/src/lib/conf_keys.c" >"$T/man5.out" <<'PY'
import re, sys
man = open(sys.argv[1], encoding="utf-8").read().split("\n")
defaults = {}
for l in open(sys.argv[2], encoding="utf-8"):
    k, v = l.rstrip("\n").split(" = ", 1)
    defaults[k] = v
# Types and bounds from the one declaration of the keys.
src = open(sys.argv[3], encoding="utf-8").read()
src = src[src.index("const struct conf_key conf_keys[]"):]
strs = r'((?:"(?:[^"\\]|\\.)*"\s*)+)'
decl = {}
for m in re.finditer(r'\{\s*"([a-z0-9_.]+)",\s*CONF_(\w+),\s*' + strs +
                     r',\s*(-?\d+)(?:LL)?,\s*(-?\d+)(?:LL)?,', src):
    decl[m.group(1)] = (m.group(2), int(m.group(4)), int(m.group(5)))
if set(decl) != set(defaults):
    print("FAIL conf_keys.c parsed into %d keys, config show -d has %d" %
          (len(decl), len(defaults)))
units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
def size(s):
    m = re.fullmatch(r"(\d+)([KMGT]?)", s)
    return int(m.group(1)) * units[m.group(2)] if m else None
def unroff(s):
    return s.replace("\\(dq", '"').replace("\\&", "").replace("\\e", "\\")
# Items: ".It Ic KEY Pq TYPE[, LO to HI]" under ".Ss GROUP", then the default
# in the literal block that follows: "KEY = VALUE;" (a list may go on over
# several lines).
doc = {}
group = None
i = 0
while i < len(man):
    l = man[i]
    m = re.match(r"^\.Ss (\S+)$", l)
    if m:
        group = m.group(1)
    elif re.match(r"^\.S[hs] ", l):
        group = None
    m = re.match(r"^\.It Ic ([a-z0-9_]+) Pq (.+)$", l)
    if m and group is not None:
        key = group + "." + m.group(1)
        typ = unroff(m.group(2))
        j = i + 1
        while j < len(man) and not man[j].startswith(".It ") and man[j] != ".Bd -literal -offset indent -compact":
            j += 1
        value = None
        if j < len(man) and man[j].startswith(".Bd"):
            k = j + 1
            lit = []
            while k < len(man) and man[k] != ".Ed":
                lit.append(unroff(man[k]).strip())
                k += 1
            text = " ".join(lit)
            mm = re.fullmatch(re.escape(m.group(1)) + r" = (.*);", text)
            value = mm.group(1) if mm else "(not 'KEY = VALUE;': %s)" % text
        doc[key] = (typ, value)
    i += 1
names = {"STR": "string", "INT": "integer", "BOOL": "boolean", "SIZE": "size",
         "STRLIST": "list of strings"}
for key, want in defaults.items():
    if key not in doc:
        print(f"FAIL {key}: not in govmail.conf.5")
        continue
    typ, value = doc[key]
    problems = []
    if value != want:
        problems.append(f"default {value!r}, config show -d says {want!r}")
    if key in decl:
        t, lo, hi = decl[key]
        if t in ("INT", "SIZE"):
            m = re.fullmatch(names[t] + r", (\w+) to (\w+)", typ)
            got = (size(m.group(1)), size(m.group(2))) if m else None
            if got != (lo, hi):
                problems.append(f"'{typ}', but conf_keys.c says {names[t]} {lo}..{hi}")
        elif typ != names[t]:
            problems.append(f"type '{typ}', but conf_keys.c says {names[t]}")
    if problems:
        print(f"FAIL {key}: " + "; ".join(problems))
    else:
        print(f"OK {key}: documented with its type and default {want}")
for key in doc:
    if key not in defaults:
        print(f"FAIL govmail.conf.5 documents {key}, which is no key")
PY
while read -r verdict rest; do
	if [ "$verdict" = OK ]; then ok "$rest"; else not_ok "$rest"; fi
done <"$T/man5.out"
expect_eq "govmail.conf.5 was checked for every key" "$(grep -c '^OK ' "$T/man5.out")" \
	"$(wc -l <"$T/defaults")"
# etc/govmail.conf and the man page name the same groups.
expect_eq "govmail.conf.5 has a subsection per group of config show -d" \
	"$(sed -n 's/^\.Ss \([a-z_]*\)$/\1/p' "$MAN/govmail.conf.5" | sort | tr '\n' ' ')" \
	"$(cut -d. -f1 "$T/defaults" | sort -u | tr '\n' ' ')"

# --- govmaild(8): every option of its --help --------------------------------
check_rc "govmaild --help exits 0" 0 "$GOVMAILD" --help
dopts=$(grep -oE '^  -{1,2}[a-zA-Z][a-z-]*(, --[a-z-]+)?' "$T/last.out" | tr -d ' ' | tr ',' '\n' | sort -u)
expect_match "govmaild --help lists its options" "$(echo $dopts)" '--help --version -S -V -c -f -h -r -s -t -v'
for o in $dopts; do
	if grep -qE "^\.It (.* )?Fl ${o#-}( |$)" "$MAN/govmaild.8"; then
		ok "govmaild.8 describes $o"
	else
		not_ok "govmaild.8 does not describe $o"
	fi
done
for o in $(sed -n 's/^\.It Fl \([a-zA-Z-][a-z-]*\).*/-\1/p' "$MAN/govmaild.8" | sort -u); do
	if printf '%s\n' "$dopts" | grep -qx -- "$o"; then ok "govmaild takes $o (govmaild.8)"
	else not_ok "govmaild.8 describes $o, which govmaild --help does not list"; fi
done
check_rc "govmaild with an unknown option is exit 64" 64 "$GOVMAILD" --no-such-option

# --- bash completion ---------------------------------------------------------
COMPFILE=$TOP/etc/bash-completion/govmailctl
check "bash -n etc/bash-completion/govmailctl" bash -n "$COMPFILE"
mkdir -p "$T/cwd/sub"
: >"$T/cwd/agencies.csv"
# complete WORD... : COMPREPLY, sorted, one line, for the line "WORD..." with
# the cursor at the end of the last word (in a plain bash with
# bash-completion loaded, as an interactive shell would have it).
complete_line() {
	(cd "$T/cwd" && bash --norc --noprofile -c '
		. "$1"; . "$2"; shift 2
		declare -F _init_completion >/dev/null || { echo "no _init_completion"; exit 1; }
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
		_govmailctl
		printf "%s\n" "${COMPREPLY[@]}" | sed "/^\$/d" | sort | tr "\n" " "' \
		complete "$BASHCOMP" "$COMPFILE" "$@")
}
expect_eq "completion: nouns after 'govmailctl '" "$(complete_line "$G" "")" \
	"$(echo $nouns) "
expect_eq "completion: nouns after a global option" "$(complete_line "$G" -c /dev/null --json a)" \
	"account address agency alias "
expect_eq "completion: global options" "$(complete_line "$G" --)" \
	"--config= --help --json --version "
want=$(awk '$1 == "account" { print $2 }' "$T/commands" | sort -u | tr '\n' ' ')
expect_eq "completion: verbs after 'govmailctl account '" "$(complete_line "$G" account "")" "$want"
expect_match "... which include move, passwd and cert" "$want" '\bcert\b.*\bmove\b.*\bpasswd\b'
expect_eq "completion: cert sub-verbs after 'govmailctl account cert '" \
	"$(complete_line "$G" account cert "")" "add list remove "
expect_eq "completion: 'agency cert r'" "$(complete_line "$G" agency cert r)" "remove "
want=$(grep '^account add|' "$T/options" | cut -d'|' -f2 | sort | tr '\n' ' ')
expect_eq "completion: options after 'govmailctl account add --'" \
	"$(complete_line "$G" account add --)" "$(printf '%s\n' $want --help | sort | tr '\n' ' ')"
expect_match "... which include --name, --agency and --generate-password" "$want" \
	'--agency .*--generate-password .*--name '
expect_eq "completion: 'account cert remove x --'" "$(complete_line "$G" account cert remove x --)" \
	"--all --help --json "
expect_eq "completion: 'config show -'" "$(complete_line "$G" config show -)" \
	"--defaults --help -d -h "
expect_eq "completion: file names for agency load" "$(complete_line "$G" agency load ag)" \
	"agencies.csv "
expect_eq "completion: file names for hr sync --passwords-out" \
	"$(complete_line "$G" hr sync x.csv --passwords-out s)" "sub "
expect_eq "completion: levels for agency add --level" "$(complete_line "$G" agency add snv --level d)" \
	"department district "
expect_eq "completion: nothing for an unknown noun" "$(complete_line "$G" bogus "")" ""
expect_eq "completion without bash-completion (plain bash)" \
	"$(bash --norc --noprofile -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=3; _govmailctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' x "$COMPFILE" "$G" account cert "")" \
	"add list remove "
