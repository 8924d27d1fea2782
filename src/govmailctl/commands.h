/*
 * commands.h — govmailctl's subcommand handlers, one group per cmd_*.c.
 */
#ifndef GOVMAILCTL_COMMANDS_H
#define GOVMAILCTL_COMMANDS_H

struct cli;

/* cmd_agency.c */
int cmd_agency_add(struct cli *, int, char **);
int cmd_agency_show(struct cli *, int, char **);
int cmd_agency_list(struct cli *, int, char **);
int cmd_agency_modify(struct cli *, int, char **);
int cmd_agency_remove(struct cli *, int, char **);
int cmd_agency_load(struct cli *, int, char **);

/* cmd_domain.c */
int cmd_domain_add(struct cli *, int, char **);
int cmd_domain_list(struct cli *, int, char **);
int cmd_domain_remove(struct cli *, int, char **);

/* cmd_account.c */
int cmd_account_add(struct cli *, int, char **);
int cmd_account_show(struct cli *, int, char **);
int cmd_account_list(struct cli *, int, char **);
int cmd_account_modify(struct cli *, int, char **);
int cmd_account_move(struct cli *, int, char **);
int cmd_account_rename(struct cli *, int, char **);
int cmd_account_suspend(struct cli *, int, char **);
int cmd_account_resume(struct cli *, int, char **);
int cmd_account_disable(struct cli *, int, char **);
int cmd_account_purge(struct cli *, int, char **);
int cmd_account_passwd(struct cli *, int, char **);
int cmd_account_reindex(struct cli *, int, char **);
/* cmd_lock.c */
int cmd_account_lock(struct cli *, int, char **);
int cmd_account_unlock(struct cli *, int, char **);
/* slapd lifts a lock when the password changes: account passwd notes an
 * administrative lock before (1 if e has one) and sets it again after. */
struct account;
struct dir;
int account_lock_held(const struct account *a);
void account_lock_keep(struct cli *cli, struct dir *d, const struct account *a);

/* cmd_mailbox.c: aliases, forwarding, quota */
int cmd_alias_add(struct cli *, int, char **);
int cmd_alias_remove(struct cli *, int, char **);
int cmd_forward_set(struct cli *, int, char **);
int cmd_forward_clear(struct cli *, int, char **);
int cmd_quota_set(struct cli *, int, char **);

/* cmd_address.c */
int cmd_address_suggest(struct cli *, int, char **);

/* cmd_hr.c */
int cmd_hr_sync(struct cli *, int, char **);

/* cmd_reorg.c: administrative reorganisation */
int cmd_agency_merge(struct cli *, int, char **);
int cmd_domain_migrate(struct cli *, int, char **);

/* cmd_cert.c: signing certificates of accounts and agencies */
int cmd_account_cert_add(struct cli *, int, char **);
int cmd_account_cert_list(struct cli *, int, char **);
int cmd_account_cert_remove(struct cli *, int, char **);
int cmd_agency_cert_add(struct cli *, int, char **);
int cmd_agency_cert_list(struct cli *, int, char **);
int cmd_agency_cert_remove(struct cli *, int, char **);

/* cmd_token.c: API tokens of agency HR systems */
int cmd_token_add(struct cli *, int, char **);
int cmd_token_list(struct cli *, int, char **);
int cmd_token_revoke(struct cli *, int, char **);

/* cmd_role.c: API roles of people */
int cmd_role_grant(struct cli *, int, char **);
int cmd_role_revoke(struct cli *, int, char **);
int cmd_role_list(struct cli *, int, char **);
/* cmd_dkim.c: DKIM signing keys and their DNS records */
int cmd_dkim_keygen(struct cli *, int, char **);
int cmd_dkim_list(struct cli *, int, char **);
int cmd_dkim_rotate(struct cli *, int, char **);
int cmd_dkim_dns(struct cli *, int, char **);

/* cmd_dmarc.c: DMARC aggregate reports */
int cmd_dmarc_report(struct cli *, int, char **);

/* cmd_config.c */
int cmd_config_show(struct cli *, int, char **);

#endif
