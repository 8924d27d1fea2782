#!/usr/bin/env bash
# govmailctl dmarc report: a DMARC history file written here (several
# policy domains, subdomains, IPv4 and IPv6 clients, every kind of result,
# malformed and over-long lines, messages on both edges of the range), the
# aggregate report validated by xmllint against RFC 7489's Appendix C
# schema (tests/data/rfc7489-feedback.xsd), and its rows and counts checked
# by a Python reading of the XML against the counts Python computed from
# the history. Also: -o writes the same report gzip'd, the exit codes of
# an empty range, a missing file and a missing history_file.
. "$(dirname "$0")/../lib.sh"

XSD=$TOP/tests/data/rfc7489-feedback.xsd
command -v xmllint >/dev/null || { echo "Bail out! xmllint missing (scripts/install-deps: libxml2-utils)"; exit 1; }
G=$GOVMAILCTL
HIST=$T/dmarc-history.jsonl
cat >"$T/govmail.conf" <<CONF
dmarc = { history_file = "$HIST"; };
CONF
export GOVMAIL_CONF=$T/govmail.conf
SINCE=1765065600    # 2025-12-07T00:00:00Z
UNTIL=1765152000    # 2025-12-08T00:00:00Z

# --- the history, and what the report must say -------------------------------
python3 - "$HIST" "$T/expect.json" "$SINCE" "$UNTIL" <<'PY'
import json, random, sys
hist, expect_path, since, until = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(16)
ips = ["192.0.2.10", "192.0.2.11", "198.51.100.7", "2001:db8::25", "::ffff:203.0.113.9"]
shown = {"2001:db8::25": "2001:db8:0:0:0:0:0:25", "::ffff:203.0.113.9": "203.0.113.9"}
domains = {"haugiang.gov.vn": ["haugiang.gov.vn", "snv.haugiang.gov.vn"],
           "example.com": ["example.com"]}
lines, expect = [], {}

def rec(t, pd, hf, ip, p, dkim, spf, disp):
    da = "pass" if any(d["result"] == "pass" and (d["domain"] == hf or hf.endswith("." + d["domain"])) for d in dkim) else "fail"
    sa = "pass" if spf["result"] == "pass" and spf["domain"] == hf else "fail"
    return {"time": t, "ip": ip, "header_from": hf, "envelope_from": spf["domain"] if spf["scope"] == "mfrom" else "",
            "policy_domain": pd, "p": p, "sp": "quarantine", "pct": 100, "adkim": "r", "aspf": "r",
            "disposition": disp, "dkim": dkim, "spf": spf, "dkim_aligned": da, "spf_aligned": sa}

def key(r):
    return (shown.get(r["ip"], r["ip"]), r["disposition"], r["dkim_aligned"], r["spf_aligned"],
            r["header_from"], r["envelope_from"],
            tuple((d["domain"], d.get("selector", ""), d["result"]) for d in r["dkim"]),
            (r["spf"]["domain"], r["spf"]["scope"], r["spf"]["result"]))

for i in range(400):
    pd = rnd.choice(list(domains))
    hf = rnd.choice(domains[pd])
    t = rnd.randrange(since - 3600, until + 3600)
    dk = [{"domain": rnd.choice([pd, "mailer.example"]), "selector": rnd.choice(["gm2026a", "s1"]),
           "result": rnd.choice(["pass", "fail", "neutral", "temperror", "permerror", "none"])}
          for _ in range(rnd.randrange(0, 3))]
    spf = {"domain": rnd.choice([hf, "bounce.example"]), "scope": rnd.choice(["mfrom", "helo"]),
           "result": rnd.choice(["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"])}
    r = rec(t, pd, hf, rnd.choice(ips), rnd.choice(["none", "quarantine", "reject"]), dk, spf,
            rnd.choice(["none", "quarantine", "reject"]))
    lines.append(json.dumps(r))
# The edges: since is in, since-1 and until are out (until-1 below).
edge = dict(ip="192.0.2.99", hf="haugiang.gov.vn", pd="haugiang.gov.vn")
for t in (since - 1, since, until):
    lines.append(json.dumps(rec(t, edge["pd"], edge["hf"], edge["ip"], "none", [],
        {"domain": "haugiang.gov.vn", "scope": "mfrom", "result": "pass"}, "none")))
# The most recent message of haugiang.gov.vn in the range (until-1, the
# last second in it) sets the policy published: written before older
# lines, with p=reject, aspf=s and pct=50.
latest = rec(until - 1, "haugiang.gov.vn", "haugiang.gov.vn", "192.0.2.98", "reject",
             [{"domain": "haugiang.gov.vn", "selector": "gm2026a", "result": "pass"}],
             {"domain": "haugiang.gov.vn", "scope": "mfrom", "result": "pass"}, "none")
latest["aspf"] = "s"
latest["pct"] = 50
lines.insert(5, json.dumps(latest))
# Malformed lines, each to be skipped and named.
bad_lines = [
    "this is not json",
    json.dumps(dict(json.loads(lines[0]), p="block")),
    json.dumps(dict(json.loads(lines[0]), ip="999.1.1.1")),
    json.dumps(dict(json.loads(lines[0]), header_from="a<b>\u0007")),
    json.dumps(dict(json.loads(lines[0]), pct=250)),
    '{"time":' + "1" * 20000 + "}",            # longer than the line limit
    lines[0][:-10],                            # cut short
]
out = []
for i, l in enumerate(lines):
    out.append(l)
    if i % 50 == 7 and bad_lines:
        out.append(bad_lines.pop(0))
out.extend(bad_lines)
with open(hist, "w") as f:
    f.write("\n".join(out) + "\n")

# Expected rows per domain.
for pd in domains:
    rows = {}
    pol = None
    for l in lines:
        r = json.loads(l)
        if r["policy_domain"] != pd or not (since <= r["time"] < until):
            continue
        rows[key(r)] = rows.get(key(r), 0) + 1
        if pol is None or r["time"] >= pol["time"]:
            pol = r
    expect[pd] = {"rows": [[list(k[:6]), [list(x) for x in k[6]], list(k[7]), n] for k, n in rows.items()],
                  "messages": sum(rows.values()),
                  "policy": {k: str(pol[k]) for k in ("p", "sp", "adkim", "aspf", "pct")}}
nbad = sum(1 for l in out if l not in lines)
expect["_skipped"] = nbad
expect["_badlines"] = [i + 1 for i, l in enumerate(out) if l not in lines]
json.dump(expect, open(expect_path, "w"))
PY
[ -s "$HIST" ] || { echo "Bail out! the history was not written"; exit 1; }
NBAD=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["_skipped"])' "$T/expect.json")

# --- the report --------------------------------------------------------------
check "dmarc report for haugiang.gov.vn" sh -c "'$G' dmarc report --since @$SINCE --until @$UNTIL \
	--domain HauGiang.gov.vn --org-name 'Sở TT&TT Hậu Giang <gov>' --email dmarc@haugiang.gov.vn \
	--extra-contact 'https://haugiang.gov.vn/dmarc' --report-id hg-1 >'$T/hg.xml' 2>'$T/hg.err'"
check "the report validates against RFC 7489's schema (xmllint --schema)" \
	xmllint --noout --schema "$XSD" "$T/hg.xml"
expect_match "the skipped lines are counted" "$(cat "$T/hg.err")" \
	"dmarc-history.jsonl: $NBAD malformed lines skipped"
missing=$(python3 - "$T/expect.json" "$T/hg.err" "$HIST" <<'PY'
import json, sys
e = json.load(open(sys.argv[1])); err = open(sys.argv[2]).read()
print(" ".join(str(n) for n in e["_badlines"] if f"{sys.argv[3]}:{n}: line skipped" not in err))
PY
)
expect_eq "each skipped line is named FILE:LINE" "$missing" ""
expect_match "... with the reason" "$(cat "$T/hg.err")" \
	'jsonl:[0-9]+: line skipped: "p" is missing or not one of none\|quarantine\|reject'
expect_match "... an over-long line too" "$(cat "$T/hg.err")" "line skipped: longer than 16384 bytes"

# compare DOMAIN XML: rows, counts, policy and metadata against expect.json
compare() {
	python3 - "$T/expect.json" "$1" "$2" "$SINCE" "$UNTIL" <<'PY'
import json, sys, xml.etree.ElementTree as ET
e = json.load(open(sys.argv[1]))[sys.argv[2]]
root = ET.parse(sys.argv[3]).getroot()
since, until = int(sys.argv[4]), int(sys.argv[5])
errs = []
def t(el, path):
    x = el.find(path)
    return None if x is None else (x.text or "")
if t(root, "version") != "1.0": errs.append("version")
md = root.find("report_metadata")
if (t(md, "date_range/begin"), t(md, "date_range/end")) != (str(since), str(until - 1)):
    errs.append("date_range")
pp = root.find("policy_published")
if t(pp, "domain") != sys.argv[2]: errs.append("policy domain")
for k, v in e["policy"].items():
    if t(pp, k) != v: errs.append(f"policy_published {k}={t(pp, k)} want {v}")
got = {}
for r in root.findall("record"):
    k = json.dumps([[t(r, "row/source_ip"), t(r, "row/policy_evaluated/disposition"),
                     t(r, "row/policy_evaluated/dkim"), t(r, "row/policy_evaluated/spf"),
                     t(r, "identifiers/header_from"), t(r, "identifiers/envelope_from")],
                    [[t(d, "domain"), t(d, "selector") or "", t(d, "result")] for d in r.findall("auth_results/dkim")],
                    [t(r, "auth_results/spf/domain"), t(r, "auth_results/spf/scope"), t(r, "auth_results/spf/result")]])
    if k in got: errs.append("row twice: " + k)
    got[k] = int(t(r, "row/count"))
want = {json.dumps(r[:3]): r[3] for r in e["rows"]}
for k in set(want) | set(got):
    if want.get(k) != got.get(k):
        errs.append(f"row {k}: got {got.get(k)} want {want.get(k)}")
print(f"{len(got)} rows, {sum(got.values())} messages (want {e['messages']})")
for x in errs[:10]: print("ERR", x)
sys.exit(1 if errs else 0)
PY
}
check "every row and count is what the history holds (Python reading the XML)" \
	compare haugiang.gov.vn "$T/hg.xml"
expect_match "the metadata is escaped and kept" "$(cat "$T/hg.xml")" \
	"<org_name>Sở TT&amp;TT Hậu Giang &lt;gov&gt;</org_name>"
expect_match "... IPv6 written in full (the schema's pattern)" "$(cat "$T/hg.xml")" \
	"<source_ip>2001:db8:0:0:0:0:0:25</source_ip>"
expect_match "... the edges of the range: since in, since-1 and until out" \
	"$(tr -d '\n' <"$T/hg.xml" | grep -o '<source_ip>192.0.2.99</source_ip><count>[0-9]*</count>')" \
	"^<source_ip>192.0.2.99</source_ip><count>1</count>$"
expect_match "... until-1 in, its policy published (the most recent, not the last line)" \
	"$(tr -d '\n ' <"$T/hg.xml")" \
	"<policy_published><domain>haugiang.gov.vn</domain><adkim>r</adkim><aspf>s</aspf><p>reject</p><sp>quarantine</sp><pct>50</pct><fo>0</fo></policy_published>.*<source_ip>192.0.2.98</source_ip><count>1</count>"

check "dmarc report for example.com (a domain not ours: its record applied)" sh -c \
	"'$G' dmarc report --since @$SINCE --until @$UNTIL --domain example.com \
	--org-name govmail --email dmarc@haugiang.gov.vn >'$T/ex.xml' 2>/dev/null"
check "... validates" xmllint --noout --schema "$XSD" "$T/ex.xml"
check "... its rows and counts" compare example.com "$T/ex.xml"

# --- -o FILE, dates, exits ---------------------------------------------------
check "-o writes it gzip'd" "$G" dmarc report --since @$SINCE --until @$UNTIL \
	--domain haugiang.gov.vn --org-name 'Sở TT&TT Hậu Giang <gov>' \
	--email dmarc@haugiang.gov.vn --extra-contact https://haugiang.gov.vn/dmarc \
	--report-id hg-1 -o "$T/hg.xml.gz"
expect_eq "... the same report" "$(gzip -dc "$T/hg.xml.gz" | cmp - "$T/hg.xml" && echo same)" same
expect_eq "... no temporary file left" "$(ls "$T" | grep -c 'hg.xml.gz.tmp')" 0
check "\"-o\" as the value of an option is that value" sh -c "'$G' dmarc report --since @$SINCE \
	--until @$UNTIL --domain haugiang.gov.vn --report-id -o | grep -q '<report_id>-o</report_id>'"
check "dates as YYYY-MM-DD" sh -c "'$G' dmarc report --since 2025-12-07 --until 2025-12-08 \
	--domain haugiang.gov.vn --org-name 'Sở TT&TT Hậu Giang <gov>' --email dmarc@haugiang.gov.vn \
	--extra-contact https://haugiang.gov.vn/dmarc --report-id hg-1 2>/dev/null | cmp - '$T/hg.xml'"
check_rc "a range with no message of the domain: no report (1)" 1 \
	"$G" dmarc report --since @1000 --until @2000 --domain haugiang.gov.vn
expect_match "... saying so" "$(cat "$T/last.err")" "no message of haugiang.gov.vn in the range"
expect_eq "... and printing nothing" "$(wc -c <"$T/last.out")" 0
check_rc "--since is required (64)" 64 "$G" dmarc report --domain haugiang.gov.vn
check_rc "--until before --since (64)" 64 "$G" dmarc report --since @200 --until @100 \
	--domain haugiang.gov.vn
check_rc "a missing history file (66)" 66 "$G" dmarc report --since @1 \
	--domain haugiang.gov.vn --history "$T/none.jsonl"
printf 'dmarc = { history_file = ""; };\n' >"$T/empty.conf"
check_rc "no dmarc.history_file configured (78)" 78 env GOVMAIL_CONF="$T/empty.conf" \
	"$G" dmarc report --since @1 --domain haugiang.gov.vn
expect_match "... naming the key" "$(cat "$T/last.err")" "dmarc.history_file is not set"

