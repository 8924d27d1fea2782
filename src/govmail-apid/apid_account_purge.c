/*
 * apid_account_purge.c — POST /v1/accounts/{address}/purge: removing a
 * disabled account for good, by govmailctl's rule and operation
 * (account_purge: disabled first, and accounts.retention_days after that
 * unless forced) and with its audit record (account.purge).
 * Who: account.purge on the account's agency (agency-admin,
 * province-admin; never hr or auditor). "force" (before the retention
 * period is over) needs a province-wide grant: a purge cannot be undone,
 * and the retention period is the province's safeguard against a wrong
 * departure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_authz.h"
#include "apid.h"
#include "apid_accounts.h"
#include "apid_dispatch.h"
#include "apid_resources.h"
#include "audit_log.h"
#include "dir.h"
#include "dir_account.h"
#include "log.h"

int
apid_account_purge(struct apid_req *r)
{
	int force = json_is_true(json_object_get(r->json, "force"));
	struct audit_log *al;
	struct account *a;
	char err[1024];
	json_t *o;
	int ret, st;

	if (apid_target(r, API_OP_ACCOUNT_PURGE, &a, &ret) != 0)
		return ret;
	if (force && !apid_province_wide(r, API_OP_ACCOUNT_PURGE)) {
		account_free(a);
		return apid_problem(r, 403, "forbidden", "Forbidden", "force",
		    "force needs a province-wide grant", 0, "%s may not purge before "
		    "accounts.retention_days have passed", r->caller->actor);
	}
	if ((al = apid_audit_open(r, &ret)) == NULL) {
		account_free(a);
		return ret;
	}
	st = account_purge(r->dir, a, r->srv->conf->acct_retention_days, force, err,
	    sizeof(err));
	if (st != DIR_OK) {
		if (apid_write_unknown(r, al, "account.purge", a->address, a->dn, st, &ret)) {
			account_free(a);
			return ret;
		}
		audit_close(al);
		account_free(a);
		if (st == DIR_CONSTRAINT)
			return apid_problem(r, 409, "refused", "Refused", NULL, NULL, 0, "%s",
			    err);
		return apid_dir_problem(r, st, "account purge");
	}
	apid_audit_mods(r, al, "account.purge", a->address, a->dn, NULL, NULL);
	if (audit_close(al) != 0)
		log_warnx("audit log close failed");
	log_info("account.purge %s by %s from %s", a->address, r->caller->actor, r->client);
	o = json_object();
	json_object_set_new(o, "address", apid_jstr(a->address));
	json_object_set_new(o, "purged", json_true());
	ret = apid_reply(r, 200, o, NULL, NULL);
	json_decref(o);
	account_free(a);
	return ret;
}
