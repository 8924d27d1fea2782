/*
 * sign_check.h — the signature rule for official documents in a message:
 * walks the MIME structure (libetpan), finds the documents (attachments
 * whose extension is in signature.documents, and every PDF by content),
 * collects the signatures that cover each — embedded in the PDF, a
 * multipart/signed or application/pkcs7-mime (S/MIME) around it, a
 * detached ".p7s" attachment paired by name or by content — verifies
 * them (sign_verify.c), decides who signed (the sender as a person, the
 * sender's agency as an organisation) and applies the requirement:
 * off, verify, require-signed or require-person-and-org.
 * Not for: the reply or the decision to relay (policy.c) or logging
 * (smtp_eod_checks.c).
 */
#ifndef GOVMAIL_SIGN_CHECK_H
#define GOVMAIL_SIGN_CHECK_H

#include <stddef.h>

#include "sign_text.h"

struct sign_trust;

enum sign_requirement {
	SIGN_REQ_OFF = 0,
	SIGN_REQ_VERIFY,         /* check and tag, never refuse */
	SIGN_REQ_SIGNED,         /* each document: at least one valid signature */
	SIGN_REQ_PERSON_ORG      /* Decree 30: the sender and the sender's agency */
};

/* "off" ... into a requirement; -1 if not one. */
int sign_requirement_parse(const char *s);
const char *sign_requirement_name(enum sign_requirement r);

/* Who the sender is, for "who signed". Fingerprints are SHA-256 of DER. */
struct sign_identity {
	const char *const *addresses;       /* the sender's addresses (any case) */
	size_t naddresses;
	const unsigned char (*account_certs)[32];   /* registered on the account */
	size_t naccount_certs;
	const char *agency;                 /* agency code, or NULL */
	const unsigned char (*agency_certs)[32];    /* registered on the agency */
	size_t nagency_certs;
	const char *const *org_names;       /* O/CN that sign for the agency */
	size_t norg_names;
};

struct sign_check_limits {
	char *const *documents;             /* extensions, without dot */
	size_t ndocuments;
	size_t max_document_size;
	size_t max_signature_size;
	int max_depth;                      /* MIME nesting */
	int max_parts;
	long long max_cpu_us;               /* CPU for the whole check; 0: no limit */
};

enum sign_doc_result { SIGN_DOC_NONE, SIGN_DOC_PASS, SIGN_DOC_FAIL };

#define SIGN_CHECK_MAX_DOCS 64

struct sign_doc {
	char filename[256];        /* UTF-8, as declared ("" if none) */
	char ascii[80];            /* for replies and headers */
	enum sign_doc_result result;
	int meets;                 /* the requirement is met */
	int tempfail;              /* cannot tell, our side (CRL unreadable) */
	int integrity;             /* failure is a broken or altered signature */
	char reason[200];          /* why it fails, or notes ("revocation list out of date"),
	                            * in English (the log); sign_text.h translates it */
	char signer[200];          /* person: "CN <email>", UTF-8 */
	char org[160];             /* organisation: O or CN, UTF-8 */
	size_t nsig;               /* signatures seen */
	char statuses[160];        /* each signature's status word, comma separated */
	/* RFC 3161: for each signature, in the order of statuses, the time its
	 * certificate was checked at ("now" or "timestamp:2024-05-01T10:00:00Z");
	 * and the words of the PDF's document timestamps ("valid", ...), which
	 * are not signatures (not in statuses, never the person or org). */
	char times[256];
	char doc_timestamps[64];
};

/* Only docs[0 .. ndocs - 1] are set (a check does not clear the others:
 * 70 KiB per message); docs must stay first and ndocs next. */
struct sign_check_result {
	struct sign_doc docs[SIGN_CHECK_MAX_DOCS];
	size_t ndocs;
	int more;                  /* more documents than SIGN_CHECK_MAX_DOCS */
	int failed;                /* index of the first document not meeting it, or -1 */
	int tempfail;              /* some document could not be checked (our side) */
	char problem[160];         /* the message itself cannot be checked */
	int over_cpu;              /* stopped at max_cpu_us (problem says so) */
	enum sign_requirement req; /* what was applied */
	long long thread_cpu_us;   /* CPU used on other threads (parsing S/MIME content) */
};

/* Check a parsed message (mime_tree.h, the parse the attachment rule
 * made) against req for the sender id. The result is always filled;
 * problem is set when the structure could not be walked (then failed is
 * 0 for a requirement other than verify). The walk is bounded by
 * lim->max_depth and runs on the caller's stack. */
struct mime_tree;
void sign_check_tree(struct sign_trust *t, const struct mime_tree *tree,
    const struct sign_check_limits *lim, enum sign_requirement req,
    const struct sign_identity *id, struct sign_check_result *res);

/* The same on the message buf (len bytes), parsed here (govmaild -s). */
void sign_check_buffer(struct sign_trust *t, const char *buf, size_t len,
    const struct sign_check_limits *lim, enum sign_requirement req,
    const struct sign_identity *id, struct sign_check_result *res);

/* The header field value for one document (without the name), ASCII,
 * folded, e.g. "QD-123.pdf; result=pass; signer=...; org=...": the
 * reason in lang, names and reason RFC 2231-encoded when not ASCII, or
 * folded to ASCII when ascii (sign_text.h). */
void sign_check_header_value(const struct sign_doc *d, enum sign_lang lang, int ascii,
    char *buf, size_t len);

#endif
