/*
 * client_limits.c — per-client-address limits across sessions (see
 * client_limits.h).
 *
 * The table is made once at start with smtpd.client_table_size entries
 * (a reload does not resize it: it is logged). Limits and exemptions are
 * read from the snapshot of the connection or session asking, so a reload
 * changes them for what starts after it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "anvil.h"
#include "client_limits.h"
#include "conf.h"
#include "daemon_conf.h"
#include "log.h"
#include "policy.h"
#include "smtp_io.h"

static pthread_mutex_t client_limits_lock = PTHREAD_MUTEX_INITIALIZER;
static struct anvil *client_limits_table;
static size_t client_limits_cap;

static void
client_limits_of(const struct govmail_conf *c, struct anvil_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->conn_count = (unsigned int)c->smtpd_client_connection_count_limit;
	lim->conn_rate = (unsigned int)c->smtpd_client_connection_rate_limit;
	lim->auth_failures = (unsigned int)c->smtpd_client_auth_failure_limit;
	lim->unit_ms = 1000u * (uint64_t)c->smtpd_client_rate_time_unit;
}

/* Trusted networks and the front MTAs are not limited. */
static int
client_limits_exempt(const struct daemon_conf *dc, const char *addr)
{
	return policy_client_trusted(dc->policy, addr) ||
	    policy_xclient_allowed(dc->policy, addr);
}

void
client_limits_init(const struct daemon_conf *dc)
{
	uint64_t seed = 0;

	if (RAND_bytes((unsigned char *)&seed, sizeof(seed)) != 1)
		seed = smtp_io_now_ms() ^ (uint64_t)(uintptr_t)&seed;
	pthread_mutex_lock(&client_limits_lock);
	if (client_limits_table == NULL) {
		client_limits_cap = (size_t)dc->conf->smtpd_client_table_size;
		client_limits_table = anvil_new(client_limits_cap, seed);
	}
	pthread_mutex_unlock(&client_limits_lock);
}

void
client_limits_shutdown(void)
{
	pthread_mutex_lock(&client_limits_lock);
	anvil_free(client_limits_table);
	client_limits_table = NULL;
	pthread_mutex_unlock(&client_limits_lock);
}

static void
client_limits_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = NULL;

	if (ss->ss_family == AF_INET)
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (a == NULL || inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "unknown");
	/* ::ffff:a.b.c.d as a.b.c.d, as sessions log and policy match it */
	if (strncmp(buf, "::ffff:", 7) == 0 && strchr(buf + 7, ':') == NULL)
		memmove(buf, buf + 7, strlen(buf + 7) + 1);
}

int
client_limits_begin(const struct daemon_conf *dc, const struct sockaddr_storage *peer,
    int *counted, char enh[8], char *text, size_t tlen)
{
	const struct govmail_conf *c = dc->conf;
	struct anvil_limits lim;
	struct anvil_key k;
	enum anvil_verdict v;
	char addr[INET6_ADDRSTRLEN];

	*counted = 0;
	client_limits_addr(peer, addr, sizeof(addr));
	if (anvil_key_from_sockaddr(peer, &k) != 0 || client_limits_exempt(dc, addr))
		return 0;
	client_limits_of(c, &lim);
	pthread_mutex_lock(&client_limits_lock);
	v = client_limits_table == NULL ? ANVIL_OK :
	    anvil_connect(client_limits_table, &k, &lim, smtp_io_now_ms());
	*counted = client_limits_table != NULL && v == ANVIL_OK;
	pthread_mutex_unlock(&client_limits_lock);
	switch (v) {
	case ANVIL_OK:
		return 0;
	case ANVIL_CONN_COUNT:
		log_warnx("refusing connection from [%s]: %d sessions from this address "
		    "(smtpd.client_connection_count_limit)", addr,
		    c->smtpd_client_connection_count_limit);
		snprintf(enh, 8, "4.7.0");
		snprintf(text, tlen, "Error: too many connections from %s", addr);
		break;
	case ANVIL_CONN_RATE:
		log_warnx("refusing connection from [%s]: more than %d in %d s "
		    "(smtpd.client_connection_rate_limit)", addr,
		    c->smtpd_client_connection_rate_limit, c->smtpd_client_rate_time_unit);
		snprintf(enh, 8, "4.7.0");
		snprintf(text, tlen, "Error: too many connections from %s", addr);
		break;
	case ANVIL_FULL:
		log_warnx("refusing connection from [%s]: %zu client addresses have "
		    "sessions (smtpd.client_table_size)", addr, client_limits_cap);
		snprintf(enh, 8, "4.3.2");
		snprintf(text, tlen, "Error: too many clients, try again later");
		break;
	}
	return -1;
}

void
client_limits_end(const struct sockaddr_storage *peer)
{
	struct anvil_key k;

	if (anvil_key_from_sockaddr(peer, &k) != 0)
		return;
	pthread_mutex_lock(&client_limits_lock);
	if (client_limits_table != NULL)
		anvil_disconnect(client_limits_table, &k, smtp_io_now_ms());
	pthread_mutex_unlock(&client_limits_lock);
}

void
client_limits_expire(const struct daemon_conf *dc)
{
	pthread_mutex_lock(&client_limits_lock);
	if (client_limits_table != NULL) {
		if ((size_t)dc->conf->smtpd_client_table_size != client_limits_cap) {
			static int told;

			if (!told++)
				log_warnx("smtpd.client_table_size takes effect at restart "
				    "(%zu now)", client_limits_cap);
		}
		(void)anvil_expire(client_limits_table,
		    1000u * (uint64_t)dc->conf->smtpd_client_rate_time_unit, smtp_io_now_ms());
	}
	pthread_mutex_unlock(&client_limits_lock);
}

/* The locked part of both AUTH questions. */
static int
client_limits_auth(const struct daemon_conf *dc, const char *addr, int failed)
{
	struct anvil_limits lim;
	struct anvil_key k;
	int r = 0;

	if (dc->conf->smtpd_client_auth_failure_limit == 0 ||
	    anvil_key_from_string(addr, &k) != 0 || client_limits_exempt(dc, addr))
		return 0;
	client_limits_of(dc->conf, &lim);
	pthread_mutex_lock(&client_limits_lock);
	if (client_limits_table != NULL)
		r = failed ? anvil_auth_failed(client_limits_table, &k, &lim, smtp_io_now_ms()) :
		    anvil_auth_blocked(client_limits_table, &k, &lim, smtp_io_now_ms());
	pthread_mutex_unlock(&client_limits_lock);
	return r;
}

int
client_limits_auth_blocked(const struct daemon_conf *dc, const char *addr)
{
	return client_limits_auth(dc, addr, 0);
}

int
client_limits_auth_failed(const struct daemon_conf *dc, const char *addr)
{
	int r = client_limits_auth(dc, addr, 1);

	if (r)
		log_warnx("client [%s]: %d failed AUTH in %d s "
		    "(smtpd.client_auth_failure_limit); AUTH refused until the unit is over",
		    addr, dc->conf->smtpd_client_auth_failure_limit,
		    dc->conf->smtpd_client_rate_time_unit);
	return r;
}
