#!/usr/bin/env bash
# test_apid_hrjobs_list.sh — GET /v1/hr/sync/jobs: each caller sees the HR
# sync jobs it could read one by one and no other. Two hr tokens of
# different departments each upload a two-row export: each lists only its
# own job (with its state, creation time and counts, without the rejected
# rows); a province-admin sees both, newest first; an auditor (no hr.sync)
# is refused; an unknown parameter is a 400.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/apid_lib.sh"

t_sandbox_start
t_govmail_conf
G=$GOVMAILCTL
P=$(t_free_port)

check "domain add" $G domain add haugiang.gov.vn
check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh" --level province
check "agency add sgd" $G agency add sgd --name "Sở Giáo dục" --level department --parent ubnd
check "agency add syt" $G agency add syt --name "Sở Y tế" --level department --parent ubnd
check "account add Quân (ubnd)" $G account add --name "Đỗ Minh Quân" --agency ubnd --generate-password
QUAN_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
check "role grant quandm province-admin" $G role grant quandm@haugiang.gov.vn --role province-admin
PROV=quandm@haugiang.gov.vn:$QUAN_PW
SGD=$(apid_token --agency sgd --role hr --allow-from 127.0.0.1)
SYT=$(apid_token --agency syt --role hr --allow-from 127.0.0.1)
AUD=$(apid_token --agency sgd --role auditor --allow-from 127.0.0.1)
expect_match "tokens were made" "$SGD $SYT $AUD" '^gmt_[^ ]+ gmt_[^ ]+ gmt_[^ ]+$'

apid_tls
apid_conf "$T/govmail.conf" 'rate_per_address = 0;' 'rate_per_token = 0;' "hr_job_dir = \"$T/hrjobs\";"
apid_start

HEAD='employee_id,full_name,gender,birth_date,agency_code,position,phone,status'
printf '%s\n%s\n%s\n' "$HEAD" \
	'HG900001,Nguyễn Văn Một,Nam,1980-01-01,sgd,Chuyên viên,0900000001,working' \
	'HG900002,Trần Thị Hai,Nữ,1981-02-02,syt,Chuyên viên,0900000002,working' >"$T/sgd.csv"
printf '%s\n%s\n' "$HEAD" \
	'HG900003,Lê Văn Ba,Nam,1982-03-03,syt,Chuyên viên,0900000003,working' >"$T/syt.csv"

up() { r "$1" POST "/v1/hr/sync/jobs$2" -H 'Content-Type: text/csv' --data-binary @"$3"; }
state_is() {
	[ "$(r "$1" GET "/v1/hr/sync/jobs/$2")" = 200 ] || return 1
	case $(jget 'd["state"]') in planned|done|failed) return 0 ;; esac
	return 1
}

expect_eq "no job yet: an empty list" "$(r "$SGD" GET /v1/hr/sync/jobs)" 200
expect_eq "... empty" "$(jget 'd["items"], d["total"]')" "([], 0)"

expect_eq "sgd's token uploads: 202" "$(up "$SGD" '?agency=sgd' "$T/sgd.csv")" 202
JSGD=$(jget 'd["id"]')
check "... planned (polled)" wait_for state_is "$SGD" "$JSGD"
# created times are in seconds: once the clock has passed the second sgd's
# job was made in, syt's job is the newer one (waited for, not guessed)
t0=$(date -u +%s)
while [ "$(date -u +%s)" -le "$t0" ]; do sleep 0.1; done
expect_eq "syt's token uploads: 202" "$(up "$SYT" '?agency=syt' "$T/syt.csv")" 202
JSYT=$(jget 'd["id"]')
check "... planned (polled)" wait_for state_is "$SYT" "$JSYT"

expect_eq "sgd's token lists: 200" "$(r "$SGD" GET /v1/hr/sync/jobs)" 200
expect_eq "... its own job only" "$(jget '[x["id"] for x in d["items"]], d["total"]')" "(['$JSGD'], 1)"
expect_eq "... with agency, state and counts (one create; the syt row rejected)" \
	"$(jget '[(x["agency"], x["state"], x["counts"]["create"], x["rejected_total"]) for x in d["items"]]')" \
	"[('sgd', 'planned', 1, 1)]"
expect_match "... its creation time (RFC 3339, UTC)" "$(jget 'd["items"][0]["created"]')" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
expect_eq "... without the rejected rows (the job's own GET has them)" \
	"$(jget '"rejected" in d["items"][0]')" False
expect_eq "syt's token lists: its own job only" \
	"$(r "$SYT" GET /v1/hr/sync/jobs; echo " $(jget '[x["id"] for x in d["items"]]')")" "200 ['$JSYT']"
expect_eq "the province-admin lists: both, newest first" \
	"$(r "$PROV" GET /v1/hr/sync/jobs; echo " $(jget '[x["id"] for x in d["items"]]')")" "200 ['$JSYT', '$JSGD']"
expect_eq "an auditor of sgd (no hr.sync): 403" "$(r "$AUD" GET /v1/hr/sync/jobs)" 403
expect_eq "... naming the rule" "$(jget 'd["rule"]')" "role auditor may not hr.sync"
expect_eq "an unknown parameter: 400" "$(r "$SGD" GET '/v1/hr/sync/jobs?state=planned')" 400
expect_eq "the job's own GET has its creation time too" \
	"$(r "$SGD" GET "/v1/hr/sync/jobs/$JSGD"; echo " $(jget 'd["created"] is not None')")" "200 True"
