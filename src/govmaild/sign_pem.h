/*
 * sign_pem.h — certificates of a PEM file, for the trust settings of the
 * signature checks (trust anchors, intermediates, TSA anchors).
 * Not for: CRLs (sign_verify.c reads them, PEM or DER).
 */
#ifndef GOVMAIL_SIGN_PEM_H
#define GOVMAIL_SIGN_PEM_H

#include <stddef.h>

#include <openssl/x509.h>

/* Every certificate of the PEM file path into a new stack; NULL with err
 * (the file unreadable, or no certificate in it). */
STACK_OF(X509) *sign_pem_read_certs(const char *path, char *err, size_t errlen);

#endif
