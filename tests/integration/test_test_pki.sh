#!/usr/bin/env bash
# test_test_pki.sh — scripts/test-pki makes the PKI and signed samples the
# signature verifier is tested against, and its oracle (oracle.tsv, written by
# running pdfsig and openssl cms) says what each sample must be.
#
# Checks the file set, then that the oracle agrees with what each sample was
# made to be: good signatures valid, tampering and appended bytes detected,
# expired/revoked/untrusted certificates refused. A disagreement means the
# generator (or a tool) changed, not govmaild.
#
# Not for: govmaild's own verifier (its tests use these samples).

# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

for p in openssl certutil pk12util crlutil pdfsig python3; do
	command -v "$p" >/dev/null || { echo "Bail out! $p missing (scripts/install-deps)"; exit 1; }
done

D=$T/pki
# The addresses the signature tests use: under tests/run-tests the PKI is
# then made once for all of them (t_test_pki) and copied here.
export PKI_PERSON_EMAIL=annv@haugiang.gov.vn PKI_OTHER_EMAIL=binhtt@haugiang.gov.vn
check "test-pki runs" t_test_pki "$D"
[ -f "$D/done" ] || { echo "Bail out! test-pki did not finish"; exit 1; }

# A second run on a finished DIR does nothing. (Inode and nanosecond
# mtime: a rewrite within the same second must show too.)
before=$(stat -c '%i %y' "$D/oracle.tsv")
check "test-pki again on a finished DIR" "$TOP/scripts/test-pki" "$D"
expect_eq "second run leaves the samples alone" "$(stat -c '%i %y' "$D/oracle.tsv")" "$before"

missing=""
for f in ca/root.pem ca/root.key ca/intermediate.pem ca/intermediate.key ca/crl.pem \
	ca/crl-stale.pem ca/crl-root.pem untrusted/root.pem p12-password \
	pdf/unsigned.pdf pdf/unsigned-1m.pdf pdf/unsigned-10m.pdf \
	pdf/person.pdf pdf/person-org.pdf pdf/org.pdf pdf/tampered.pdf pdf/appended.pdf \
	pdf/expired.pdf pdf/revoked.pdf pdf/untrusted.pdf pdf/badku.pdf pdf/other.pdf \
	pdf/person-org-1m.pdf pdf/person-org-10m.pdf \
	pdf/person-forged-org.pdf pdf/person-page-org.pdf pdf/person-annot-org.pdf \
	pdf/person-dangling-org.pdf pdf/form-unsigned.pdf pdf/person-fill-org.pdf \
	pdf/certified-p1-org.pdf pdf/certified-p2-org.pdf pdf/os-person-org.pdf \
	pdf/os-person-forged-org.pdf pdf/person-org-dss.pdf \
	smime/detached.eml smime/detached-tampered.eml smime/opaque.eml \
	smime/opaque-tampered.eml smime/smime-1m.eml \
	p7s/doc.pdf p7s/doc.pdf.p7s p7s/doc-tampered.pdf p7s/doc-tampered.pdf.p7s; do
	[ -s "$D/$f" ] || missing="$missing $f"
done
for n in person other org expired revoked badku untrusted; do
	for e in pem key p12; do [ -s "$D/certs/$n.$e" ] || missing="$missing certs/$n.$e"; done
done
expect_eq "every sample is there" "$missing" ""

# --- the PKI itself ---
subj=$(openssl x509 -in "$D/certs/person.pem" -noout -subject -nameopt RFC2253)
expect_match "person: CN and O" "$subj" 'CN=Nguyen Van An,O=So Noi vu tinh Hau Giang'
expect_match "person: e-mail in SAN" "$(openssl x509 -in "$D/certs/person.pem" -noout -ext subjectAltName)" \
	'email:annv@haugiang\.gov\.vn'
expect_match "badku: keyEncipherment only" "$(openssl x509 -in "$D/certs/badku.pem" -noout -ext keyUsage)" \
	'^ *Key Encipherment$'
check_rc "expired: not valid now" 1 openssl x509 -in "$D/certs/expired.pem" -noout -checkend 0
# nextupdate FILE: the CRL's nextUpdate in seconds since the epoch
nextupdate() { date -d "$(openssl crl -in "$1" -noout -nextupdate | cut -d= -f2)" +%s; }
check "crl.pem: nextUpdate in the future" test "$(nextupdate "$D/ca/crl.pem")" -gt "$(date +%s)"
check "crl-stale.pem: nextUpdate in the past" test "$(nextupdate "$D/ca/crl-stale.pem")" -lt "$(date +%s)"
check "crl.pem signed by the intermediate" openssl crl -in "$D/ca/crl.pem" -noout -CAfile "$D/ca/chain.pem"
serial=$(openssl x509 -in "$D/certs/revoked.pem" -noout -serial | cut -d= -f2)
expect_match "crl.pem lists the revoked cert" "$(openssl crl -in "$D/ca/crl.pem" -noout -text)" \
	"Serial Number: $serial"
check "p12 opens with p12-password" openssl pkcs12 -in "$D/certs/person.p12" -noout \
	-passin "file:$D/p12-password"
check "pdfsig made signatures: nicknames in NSS" pdfsig -nssdir "$D/nss" -list-nicks

# --- the oracle ---
# row SAMPLE TOOL: "VERDICT<TAB>DETAIL" of that oracle line
row() { awk -F'\t' -v s="$1" -v t="$2" '$1 == s && $2 == t { print $3 "\t" $4 }' "$D/oracle.tsv"; }
expect_eq "oracle: 4 fields on every line" "$(awk -F'\t' 'NF != 4' "$D/oracle.tsv")" ""
expect_match "oracle: every verdict is valid or invalid" "$(cut -f3 "$D/oracle.tsv" | sort -u | tr '\n' ' ')" \
	'^(invalid )?(valid )?$'

expect_match "person.pdf: one valid trusted signature over the whole file" "$(row pdf/person.pdf pdfsig)" \
	'^valid\tsig1=valid,cert=trusted,range=total,cn=Nguyen Van An;whole=yes$'
expect_match "person-org.pdf: 2 valid signatures, whole=yes" "$(row pdf/person-org.pdf pdfsig)" \
	'^valid\tsig1=valid,cert=trusted,range=partial,[^;]*;sig2=valid,cert=trusted,range=total,cn=So Noi vu tinh Hau Giang;whole=yes$'
expect_match "person-org-10m.pdf: 2 valid signatures" "$(row pdf/person-org-10m.pdf pdfsig)" \
	'^valid\tsig1=valid,cert=trusted,[^;]*;sig2=valid,cert=trusted,[^;]*;whole=yes$'
expect_match "person-org.pdf: openssl agrees (with CRLs)" "$(row pdf/person-org.pdf openssl-cms-crl)" \
	'^valid\tsig1=rc=0;sig2=rc=0$'
expect_match "tampered.pdf: both signatures invalid" "$(row pdf/tampered.pdf pdfsig)" \
	'^invalid\tsig1=digest-mismatch,[^;]*;sig2=digest-mismatch,'
expect_match "tampered.pdf: openssl finds the content changed" "$(row pdf/tampered.pdf openssl-cms)" \
	'^invalid\tsig1=rc=4,err=content verify error;'
expect_match "appended.pdf: signature valid but not whole" "$(row pdf/appended.pdf pdfsig)" \
	'^invalid\tsig1=valid,cert=trusted,range=partial,[^;]*;whole=no$'
expect_match "untrusted.pdf: issuer not trusted" "$(row pdf/untrusted.pdf pdfsig)" \
	'^invalid\tsig1=valid,cert=untrusted-issuer,'
expect_match "untrusted.pdf: openssl finds no chain" "$(row pdf/untrusted.pdf openssl-cms)" \
	'^invalid\tsig1=rc=4,err=unable to get local issuer certificate$'
expect_match "revoked.pdf: pdfsig (NSS with crl.pem) says revoked" "$(row pdf/revoked.pdf pdfsig)" \
	'^invalid\tsig1=valid,cert=revoked,'
expect_match "revoked.pdf: openssl without CRL accepts" "$(row pdf/revoked.pdf openssl-cms)" '^valid\t'
expect_match "revoked.pdf: openssl with CRL says revoked" "$(row pdf/revoked.pdf openssl-cms-crl)" \
	'^invalid\tsig1=rc=4,err=certificate revoked$'
expect_match "expired.pdf: pdfsig says expired" "$(row pdf/expired.pdf pdfsig)" '^invalid\tsig1=valid,cert=expired,'
expect_match "expired.pdf: openssl says expired" "$(row pdf/expired.pdf openssl-cms)" \
	'^invalid\tsig1=rc=4,err=certificate has expired$'
expect_match "badku.pdf: pdfsig refuses the certificate" "$(row pdf/badku.pdf pdfsig)" \
	'^invalid\tsig1=valid,cert=(?!trusted)'
expect_match "other.pdf: valid, signed by the other person" "$(row pdf/other.pdf pdfsig)" \
	'^valid\tsig1=valid,cert=trusted,range=total,cn=Tran Thi Binh;whole=yes$'
expect_match "stale CRL: openssl refuses" "$(row pdf/person.pdf openssl-cms-stale-crl)" \
	'^invalid\tsig1=rc=4,err=CRL has expired$'

# What later revisions change: pdfsig checks each signature over its byte
# range only, so it finds every one of these valid (govmaild's tests say
# where govmaild differs); the updates are what they claim to be.
for f in person-forged-org person-page-org person-annot-org person-dangling-org person-fill-org \
	certified-p1-org certified-p2-org os-person-org os-person-forged-org; do
	expect_match "$f.pdf: pdfsig finds both signatures valid, the last whole" "$(row "pdf/$f.pdf" pdfsig)" \
		'^valid\tsig1=valid,cert=trusted,range=partial,cn=Nguyen Van An;sig2=valid,cert=trusted,range=total,cn=So Noi vu tinh Hau Giang;whole=yes$'
done
expect_match "person-org-dss.pdf: valid signatures, the last one not whole (a DSS update after it)" \
	"$(row pdf/person-org-dss.pdf pdfsig)" \
	'^invalid\tsig1=valid,cert=trusted,range=partial,[^;]*;sig2=valid,cert=trusted,range=partial,[^;]*;whole=no$'
for f in person-forged-org os-person-forged-org person-dangling-org person-annot-org; do
	expect_match "$f.pdf: what a reader sees says FORGED" "$(pdftotext "$D/pdf/$f.pdf" - 2>&1)" 'FORGED: So 999'
done
expect_match "person-forged-org.pdf: the signed text is gone" \
	"$(pdftotext "$D/pdf/person-forged-org.pdf" - 2>&1)" '\A(?![\s\S]*Quyet dinh so 123)'
expect_match "person-page-org.pdf: two pages" "$(pdfinfo "$D/pdf/person-page-org.pdf" 2>&1)" '(?m)^Pages: +2$'
expect_match "person-org.pdf: one page" "$(pdfinfo "$D/pdf/person-org.pdf" 2>&1)" '(?m)^Pages: +1$'
count_rev() { grep -ac '%%EOF' "$1"; }
expect_eq "person-fill-org.pdf: four revisions (form, person, filled, org)" "$(count_rev "$D/pdf/person-fill-org.pdf")" 4
expect_match "person-fill-org.pdf: the field's value" "$(grep -a '/T (so_van_ban)' "$D/pdf/person-fill-org.pdf")" \
	'/V \(123/QD-SNV\)'
expect_match "certified-p1-org.pdf: a DocMDP certification with P 1" \
	"$(grep -a '/TransformMethod /DocMDP' "$D/pdf/certified-p1-org.pdf")" '/P 1 '
expect_match "os-person-org.pdf: an object stream and cross-reference streams" \
	"$(grep -ac '/Type /ObjStm\|/Type /XRef' "$D/pdf/os-person-org.pdf")" '^[3-9]$'

expect_match "smime detached: valid" "$(row smime/detached.eml openssl-cms-crl)" '^valid\trc=0$'
expect_match "smime detached-tampered: invalid" "$(row smime/detached-tampered.eml openssl-cms)" \
	'^invalid\trc=4,err=content verify error$'
expect_match "smime opaque: valid" "$(row smime/opaque.eml openssl-cms-crl)" '^valid\trc=0$'
expect_match "smime opaque-tampered: invalid" "$(row smime/opaque-tampered.eml openssl-cms)" \
	'^invalid\trc=4,err=content verify error$'
expect_match "smime 1 MB: valid" "$(row smime/smime-1m.eml openssl-cms)" '^valid\trc=0$'
expect_match "smime revoked: invalid with CRL" "$(row smime/revoked.eml openssl-cms-crl)" \
	'^invalid\trc=4,err=certificate revoked$'
expect_match "smime expired: invalid" "$(row smime/expired.eml openssl-cms)" '^invalid\trc=4,err=certificate has expired$'
expect_match "p7s over doc.pdf: valid" "$(row p7s/doc.pdf.p7s openssl-cms-crl)" '^valid\trc=0$'
expect_match "p7s over doc-tampered.pdf: invalid" "$(row p7s/doc-tampered.pdf.p7s openssl-cms)" \
	'^invalid\trc=4,err=content verify error$'

# --- the samples are what they claim ---
expect_match "detached.eml: From header" "$(grep -a '^From:' "$D/smime/detached.eml")" '<annv@haugiang\.gov\.vn>'
expect_eq "detached.eml: CRLF only, no bare LF" "$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.count(b"\n") - d.count(b"\r\n"))' "$D/smime/detached.eml")" 0
expect_eq "tampered.pdf differs from person-org.pdf by one byte" \
	"$(cmp -l "$D/pdf/person-org.pdf" "$D/pdf/tampered.pdf" | wc -l)" 1
size=$(stat -c %s "$D/pdf/unsigned-10m.pdf")
check "unsigned-10m.pdf is about 10 MB" test "$size" -gt 10000000 -a "$size" -lt 12000000
expect_match "unsigned.pdf has text" "$(pdftotext "$D/pdf/unsigned.pdf" - 2>&1)" 'Quyet dinh so 123'

echo "1..$T_N"
