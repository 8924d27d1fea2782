# tests/integration/console_people_lib.sh — the directory the console's
# people tests share (test_console_people.sh in chromium,
# test_console_firefox.sh in firefox), sourced after ../lib.sh: agencies
# ubnd > sgd > sgd-th and syt; an hr officer of sgd (hoadt, $HR_PW) and an
# agency administrator of sgd (tamvm, $ADM_PW); people in sgd, sgd-th and
# syt; and a person whose name is an HTML tag ($XSS).

console_people_setup() {
	check "domain add" $G domain add haugiang.gov.vn
	check "agency add ubnd" $G agency add ubnd --name "UBND tỉnh Hậu Giang" --level province
	check "agency add sgd" $G agency add sgd --name "Sở Giáo dục và Đào tạo" --level department --parent ubnd
	check "agency add sgd-th" $G agency add sgd-th --name "Trường THPT Vị Thanh" --level unit --parent sgd
	check "agency add syt" $G agency add syt --name "Sở Y tế" --level department --parent ubnd
	check "account add the hr officer (sgd)" $G account add --name "Đỗ Thị Hoa" --agency sgd --generate-password
	HR_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
	check "role grant hoadt hr of sgd" $G role grant hoadt@haugiang.gov.vn --role hr --agency sgd
	check "account add the agency administrator (sgd)" $G account add --name "Võ Minh Tâm" \
		--agency sgd --generate-password
	ADM_PW=$(sed -n 's/^initial password (shown once): //p' "$T/last.out")
	check "role grant tamvm agency-admin of sgd" $G role grant tamvm@haugiang.gov.vn --role agency-admin --agency sgd
	check "account add An (sgd)" $G account add --name "Nguyễn Văn An" --agency sgd --employee-id 100234
	check "account add Cường (sgd-th)" $G account add --name "Lê Văn Cường" --agency sgd-th
	check "account add Bình (syt: another agency)" $G account add --name "Trần Thị Bình" --agency syt
	# A name that is an HTML tag. govmailctl refuses '<' in names, but the
	# directory is written by others too (an HR system's own LDAP writes, an
	# import): what it holds is shown as text whatever it is.
	XSS='<img src=x onerror=alert(1)>'
	check "account add Xuân (sgd)" $G account add --name "Phan Văn Xuân" --agency sgd \
		--address xss@haugiang.gov.vn
	XSS_DN=$(t_ldapsearch -b "$LDAP_BASE" '(mail=xss@haugiang.gov.vn)' dn | sed -n 's/^dn: //p')
	printf 'dn: %s\nchangetype: modify\nreplace: cn\ncn: %s\n' "$XSS_DN" "$XSS" |
		ldapmodify -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PWFILE" >"$T/mod.out" 2>&1
	expect_eq "the directory renames Xuân to $XSS (ldapmodify)" "$?" 0
	expect_eq "... stored as given (LDIF shows it in base64: it starts with '<')" \
		"$(t_ldapsearch -b "$LDAP_BASE" '(mail=xss@haugiang.gov.vn)' cn | sed -n 's/^cn:: //p')" \
		"$(printf '%s' "$XSS" | base64 -w0)"
}
