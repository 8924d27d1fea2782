/*
 * dir_schema.h — names of the govmail LDAP schema and DIT, in one place.
 * The schema itself is ldap-schema/govmail.schema (and govmail.ldif); the DIT
 * is documented in ldap-schema/README.md. C code uses only these macros.
 *
 * DIT below the configured base (default "o=govmail"):
 *   ou=domains   govmailDomainName=<domain>   one entry per mail domain
 *   ou=agencies  govmailAgencyCode=<code>     flat: the parent is an attribute
 *   ou=accounts  uid=<mailbox id>             flat: agency/domain are attributes
 *   ou=system    cn=<service>                 service identities (govmaild ...)
 *   ou=tokens    govmailTokenId=<id>          API tokens (hash only)
 *   ou=idempotency govmailIdemId=<sha256 hex> Idempotency-Key claims of
 *                                             govmail-apid (dir_idem.h)
 * Flat containers keep DNs stable when an account moves between agencies or
 * domains, or an agency changes parent: only attributes change.
 */
#ifndef GOVMAIL_DIR_SCHEMA_H
#define GOVMAIL_DIR_SCHEMA_H

/* Containers (RDNs below the base DN). */
#define DIR_OU_DOMAINS   "ou=domains"
#define DIR_OU_AGENCIES  "ou=agencies"
#define DIR_OU_ACCOUNTS  "ou=accounts"
#define DIR_OU_SYSTEM    "ou=system"
#define DIR_OU_TOKENS    "ou=tokens"
#define DIR_OU_IDEM      "ou=idempotency"

/* Object classes. */
#define DIR_OC_ACCOUNT   "govmailAccount"   /* auxiliary, on inetOrgPerson */
#define DIR_OC_AGENCY    "govmailAgency"    /* structural */
#define DIR_OC_DOMAIN    "govmailDomain"    /* structural */
#define DIR_OC_PERSON_SEARCH "govmailPersonSearch" /* auxiliary: govmailFoldedName */

/* Standard attributes reused. */
#define DIR_AT_UID       "uid"              /* immutable mailbox id, RDN */
#define DIR_AT_MAIL      "mail"             /* primary address, single */
#define DIR_AT_CN        "cn"
#define DIR_AT_SN        "sn"
#define DIR_AT_GIVENNAME "givenName"
#define DIR_AT_DISPLAYNAME "displayName"
#define DIR_AT_EMPLOYEENUMBER "employeeNumber"
#define DIR_AT_TITLE     "title"
#define DIR_AT_PHONE     "telephoneNumber"
#define DIR_AT_MOBILE    "mobile"
#define DIR_AT_PASSWORD  "userPassword"
#define DIR_AT_SMIMECERT "userSMIMECertificate"
/* X.509 signing certificates (DER) of a person or an agency; certificate
 * syntax requires the ;binary transfer option on the wire (RFC 4523). */
#define DIR_AT_CERT      "userCertificate"
#define DIR_AT_CERT_BINARY "userCertificate;binary"
#define DIR_AT_LANG      "preferredLanguage"
#define DIR_AT_DESCRIPTION "description"

/* Account attributes (govmailAccount). */
#define DIR_AT_ACCOUNT_STATUS   "govmailAccountStatus"  /* active|suspended|disabled */
#define DIR_AT_STATUS_REASON    "govmailStatusReason"
#define DIR_AT_STATUS_CHANGED   "govmailStatusChanged"  /* GeneralizedTime */
#define DIR_AT_ALIAS            "govmailAlias"          /* extra addresses */
#define DIR_AT_FORWARD          "govmailForward"        /* forwarding addresses */
#define DIR_AT_QUOTA            "govmailQuota"          /* bytes */
#define DIR_AT_AGENCY           "govmailAgency"         /* agency code */
#define DIR_AT_MAY_SEND_EXTERNAL "govmailMaySendExternal" /* TRUE/FALSE */
#define DIR_AT_MUST_CHANGE_PW   "govmailMustChangePassword" /* TRUE/FALSE */
#define DIR_AT_FOLDED_NAME      "govmailFoldedName"     /* cn folded to ASCII, for search */
#define DIR_AT_ENTRY_CSN        "entryCSN"              /* the entry's version (operational) */

/* Agency attributes (govmailAgency). */
#define DIR_AT_AGENCY_CODE   "govmailAgencyCode"
#define DIR_AT_AGENCY_NAME   "govmailAgencyName"    /* UTF-8 Vietnamese name */
#define DIR_AT_AGENCY_LEVEL  "govmailAgencyLevel"   /* province|department|district|commune|unit */
#define DIR_AT_PARENT_AGENCY "govmailParentAgency"  /* parent's code */
#define DIR_AT_MAIL_DOMAIN   "govmailMailDomain"    /* agency's own domain */
#define DIR_AT_AGENCY_STATUS "govmailAgencyStatus"  /* active|retired */

/* Domain attributes (govmailDomain). */
#define DIR_AT_DOMAIN_NAME   "govmailDomainName"
#define DIR_AT_DOMAIN_STATUS "govmailDomainStatus"  /* active|alias|disabled */
#define DIR_AT_ALIAS_TARGET  "govmailAliasTarget"   /* for alias domains */

/* Administrative lock (govmailLock, auxiliary; see dir_account_lock.h). */
#define DIR_OC_LOCK          "govmailLock"
#define DIR_AT_LOCK_REASON   "govmailLockReason"
#define DIR_AT_LOCK_TIME     "govmailLockedTime"    /* GeneralizedTime */

/* API access (api_authz.h): tokens of agency systems (govmailApiToken,
 * structural, below ou=tokens) and roles granted to people
 * (govmailRoleHolder, auxiliary on the account). */
#define DIR_OC_API_TOKEN     "govmailApiToken"
#define DIR_OC_ROLE_HOLDER   "govmailRoleHolder"
#define DIR_AT_ROLE_GRANT    "govmailRoleGrant"     /* "ROLE" or "ROLE CODE" */
#define DIR_AT_TOKEN_ID      "govmailTokenId"       /* RDN, public */
#define DIR_AT_TOKEN_HASH    "govmailTokenHash"     /* "sha256:<hex>" of the secret */
#define DIR_AT_API_ROLE      "govmailApiRole"       /* hr|auditor|agency-admin */
#define DIR_AT_ALLOW_FROM    "govmailAllowFrom"     /* CIDR, multi-valued */
#define DIR_AT_TOKEN_CREATED "govmailTokenCreated"  /* GeneralizedTime */
#define DIR_AT_TOKEN_EXPIRES "govmailTokenExpires"  /* GeneralizedTime */
#define DIR_AT_CREATED_BY    "govmailCreatedBy"     /* audit actor */

/* Idempotency-Key claims of govmail-apid's creations (govmailIdemClaim,
 * structural, below ou=idempotency; dir_idem.h): hashes, a state, the
 * first answer's status and the account made, never the key or a password. */
#define DIR_OC_IDEM_CLAIM    "govmailIdemClaim"
#define DIR_AT_IDEM_ID       "govmailIdemId"        /* RDN: SHA-256 hex of caller, key */
#define DIR_AT_IDEM_BODY     "govmailIdemBodyHash"  /* "sha256:<hex>" of the body */
#define DIR_AT_IDEM_STATE    "govmailIdemState"     /* pending|done */
#define DIR_AT_IDEM_STATUS   "govmailIdemStatus"    /* HTTP status of the first answer */
#define DIR_AT_IDEM_ACCOUNT  "govmailIdemAccount"   /* DN of the account made */
#define DIR_AT_IDEM_CLAIMED  "govmailIdemClaimed"   /* GeneralizedTime */

/* Password policy (slapo-ppolicy, draft-behera-ldap-password-policy):
 * operational attributes slapd keeps on an account, and the policy entry. */
#define DIR_AT_PW_LOCKED_TIME  "pwdAccountLockedTime"
#define DIR_AT_PW_FAILURE_TIME "pwdFailureTime"
#define DIR_AT_PW_POLICY_ENTRY "pwdPolicySubentry"
#define DIR_AT_PW_LOCKOUT      "pwdLockout"
#define DIR_AT_PW_MAX_FAILURE  "pwdMaxFailure"
#define DIR_AT_PW_LOCKOUT_DURATION "pwdLockoutDuration"
#define DIR_AT_PW_FAILURE_INTERVAL "pwdFailureCountInterval"
#define DIR_AT_PW_CHANGED_TIME "pwdChangedTime"  /* GeneralizedTime of the last change */
/* pwdAccountLockedTime of a lock only an administrator lifts. */
#define DIR_PW_LOCKED_FOREVER  "000001010000Z"
/* The default policy (olcPPolicyDefault), below the base. */
#define DIR_PPOLICY_DEFAULT    "cn=password-policy," DIR_OU_SYSTEM

/* Account status values. */
#define DIR_STATUS_ACTIVE    "active"
#define DIR_STATUS_SUSPENDED "suspended"
#define DIR_STATUS_DISABLED  "disabled"

#endif
