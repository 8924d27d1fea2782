/*
 * tls.c — OpenSSL contexts (see tls.h). Defaults follow current practice:
 * TLS 1.2 minimum, no renegotiation, no compression, the library's cipher
 * defaults; partial writes so smtp_io can retry non-blocking writes.
 */
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "tls.h"

const char *
tls_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, len, "unknown TLS error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static void
tls_ctx_common(SSL_CTX *ctx)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
}

struct ssl_ctx_st *
tls_server_ctx(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char why[256];

	if (ctx == NULL) {
		snprintf(err, errlen, "cannot create a TLS context: %s", tls_error(why, sizeof(why)));
		return NULL;
	}
	tls_ctx_common(ctx);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		snprintf(err, errlen, "tls.cert_file: cannot use \"%s\": %s", cert_file,
		    tls_error(why, sizeof(why)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "tls.key_file: cannot use \"%s\" with the certificate: %s",
		    key_file, tls_error(why, sizeof(why)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct ssl_ctx_st *
tls_client_ctx(int verify, const char *ca_file, const char *name, char *err,
    size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	X509_VERIFY_PARAM *vp;
	unsigned char bin[16];
	char why[256];
	int ok;

	if (ctx == NULL) {
		snprintf(err, errlen, "cannot create a TLS context: %s", tls_error(why, sizeof(why)));
		return NULL;
	}
	tls_ctx_common(ctx);
	if (!verify) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return ctx;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (*ca_file != '\0')
		ok = SSL_CTX_load_verify_locations(ctx, ca_file, NULL) == 1;
	else
		ok = SSL_CTX_set_default_verify_paths(ctx) == 1;
	if (!ok) {
		snprintf(err, errlen, "next_hop.tls_ca_file: cannot use \"%s\": %s", ca_file,
		    tls_error(why, sizeof(why)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Inherited by every session made from this context. */
	vp = SSL_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1)
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, name) == 1;
	else
		ok = X509_VERIFY_PARAM_set1_host(vp, name, strlen(name)) == 1;
	if (!ok) {
		snprintf(err, errlen, "next_hop.tls_verify_name: cannot use \"%s\"", name);
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

void
tls_ctx_ref(struct ssl_ctx_st *ctx)
{
	if (ctx != NULL)
		SSL_CTX_up_ref(ctx);
}

void
tls_ctx_free(struct ssl_ctx_st *ctx)
{
	SSL_CTX_free(ctx);
}
