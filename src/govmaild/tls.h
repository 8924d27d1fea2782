/*
 * tls.h — OpenSSL contexts for govmaild: the server side of STARTTLS
 * (certificate and key from tls { }) and the client side towards the next
 * hop (opportunistic). Sessions use them through smtp_io_starttls().
 * Not for: when STARTTLS is offered or required (smtp_session.c).
 */
#ifndef GOVMAIL_TLS_H
#define GOVMAIL_TLS_H

#include <stddef.h>

struct ssl_ctx_st;

/* A server context from a PEM chain and key (TLS 1.2 or later). NULL with
 * a message in err when the files cannot be used. */
struct ssl_ctx_st *tls_server_ctx(const char *cert_file, const char *key_file,
    char *err, size_t errlen);

/* A client context for STARTTLS to the next hop. verify = 0: opportunistic,
 * the peer is not checked (our own MTA on a trusted link). verify = 1: its
 * chain must lead to a CA of ca_file ("" = the system's) and its
 * certificate must name name (a host name, or an IP address). NULL with a
 * message in err when the CA file cannot be used. */
struct ssl_ctx_st *tls_client_ctx(int verify, const char *ca_file, const char *name,
    char *err, size_t errlen);

/* Take one more reference / drop one (NULL is fine). */
void tls_ctx_ref(struct ssl_ctx_st *ctx);
void tls_ctx_free(struct ssl_ctx_st *ctx);

/* The last OpenSSL error as text (for logs), into buf. */
const char *tls_error(char *buf, size_t len);

#endif
