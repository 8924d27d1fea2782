/*
 * dir_cert.h — X.509 signing certificates registered on directory entries
 * (userCertificate;binary on an account or an agency): parsing what an
 * administrator gives (PEM, possibly several, or DER), the SHA-256
 * fingerprint that names a certificate, and reading/writing the values of
 * one entry by DN. govmailctl writes them; govmaild reads them to know who
 * (person) and which agency (organisation) signed an attachment.
 * Not for: verifying signatures or chains, revocation, output formatting.
 */
#ifndef GOVMAIL_DIR_CERT_H
#define GOVMAIL_DIR_CERT_H

#include <stddef.h>

#include "dir.h"

#define DIR_CERT_MAX_INPUT  (1024 * 1024) /* bytes of one file given to add */
#define DIR_CERT_MAX_DER    65536         /* bytes of one certificate */
#define DIR_CERT_MAX_COUNT  100           /* certificates in one file/entry */
#define DIR_CERT_FP_HEX     64            /* SHA-256 as lowercase hex */
#define DIR_CERT_PREFIX_MIN 8             /* shortest fingerprint prefix */

/* One certificate. Text fields are UTF-8, NULL when error is set. */
struct dir_cert {
	unsigned char *der;
	size_t der_len;
	char fingerprint[DIR_CERT_FP_HEX + 1]; /* SHA-256 of der, lowercase hex */
	char *subject;          /* RFC 2253 (XN_FLAG_RFC2253, UTF-8 kept); no
	                         * control characters: printable as is */
	char *issuer;
	char *serial;           /* hex, upper case, as `openssl x509 -serial` */
	char not_before[21];    /* YYYY-MM-DDTHH:MM:SSZ */
	char not_after[21];
	char **emails;          /* rfc822Name values of subjectAltName */
	size_t nemails;
	char *error;            /* set when a stored value does not parse */
};

struct dir_cert_list {
	struct dir_cert *v;
	size_t n;
};

/*
 * Parse len bytes of DER as exactly one certificate (no trailing bytes).
 * 0 with *out filled (free with dir_cert_clear), or -1 with a message in err.
 */
int dir_cert_from_der(const unsigned char *der, size_t len, struct dir_cert *out,
    char *err, size_t errlen);

/*
 * Parse an input file's contents: one DER certificate, or text with one or
 * more PEM "CERTIFICATE" blocks (text around the blocks is ignored). Any
 * other PEM block (a private key, a CSR), a damaged block, more than
 * DIR_CERT_MAX_COUNT certificates or more than DIR_CERT_MAX_INPUT bytes is
 * refused as a whole. 0 with out appended to, or -1 with a message in err
 * (out unchanged). Pure: no directory, no files.
 */
int dir_cert_parse(const unsigned char *buf, size_t len,
    struct dir_cert_list *out, char *err, size_t errlen);

/*
 * A fingerprint or prefix as a user types it (any case, with or without
 * colons, e.g. from `openssl x509 -fingerprint -sha256`) written to out as
 * lowercase hex. 0, or -1 if it is not DIR_CERT_PREFIX_MIN..DIR_CERT_FP_HEX
 * hex digits.
 */
int dir_cert_fp_normalize(const char *in, char *out, size_t outlen);

/* Outcome of looking a fingerprint prefix up in a list. */
enum dir_cert_match { DIR_CERT_FOUND, DIR_CERT_NONE, DIR_CERT_AMBIGUOUS };
/* The certificate whose fingerprint starts with prefix (normalized). */
enum dir_cert_match dir_cert_lookup(const struct dir_cert_list *l,
    const char *prefix, size_t *index);

/*
 * Which certificates of in are new to an entry that has have: add (in->n
 * slots) gets them, each once, and status[i] (in->n bytes) says 'a' (to
 * add) or 'r' (already registered) for in->v[i]. -1 with err when the entry
 * would hold more than DIR_CERT_MAX_COUNT (then nothing is to be added).
 * govmailctl and govmail-apid decide alike with it.
 */
int dir_cert_select_new(const struct dir_cert_list *have,
    const struct dir_cert_list *in, const struct dir_cert **add, size_t *nadd,
    char *status, char *err, size_t errlen);

/* The certificates of an entry already read (values of userCertificate,
 * with or without ;binary). A value that does not parse is kept with
 * error set, so it can still be listed and removed. */
void dir_cert_from_entry(const struct dir_entry *e, struct dir_cert_list *out);

/* Read the certificates of the entry dn. DIR_NOT_FOUND if there is no
 * such entry; an entry without certificates gives an empty list. */
enum dir_status dir_cert_read(struct dir *d, const char *dn,
    struct dir_cert_list *out);

/*
 * Add the n certificates to dn in one modify (all or nothing). The caller
 * leaves out those already there (dir_cert_read + fingerprints); slapd
 * refuses a duplicate (DIR_CONSTRAINT). *mods_out (if not NULL) gets the
 * modification for the audit log; free with dir_mods_free.
 */
enum dir_status dir_cert_add(struct dir *d, const char *dn,
    const struct dir_cert *const *certs, size_t n, struct dir_mods **mods_out);

/* Remove these n values from dn in one modify; n == 0 removes them all. */
enum dir_status dir_cert_remove(struct dir *d, const char *dn,
    const struct dir_cert *const *certs, size_t n, struct dir_mods **mods_out);

void dir_cert_clear(struct dir_cert *c);
void dir_cert_list_clear(struct dir_cert_list *l);

#endif
