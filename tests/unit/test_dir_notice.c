/*
 * test_dir_notice.c — an LDAP server that answers a search with an RFC 4511
 * Notice of Disconnection (a thread of this test, on 127.0.0.1) makes
 * dir_search fail as "unavailable" with the notice's result code, and
 * nothing leaks (issue 17: libldap 2.5 drops the notice's BerElement, 117
 * bytes, when it arrives while libldap waits for one message id; dir.c
 * waits for any message). The verdict on the leak is LeakSanitizer's at
 * the exit of this (sanitizer-built) test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <ldap.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf.h"
#include "dir.h"
#include "xmalloc.h"

static int
read_full(int fd, unsigned char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if ((r = read(fd, p, n)) <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One LDAPMessage (short definite lengths only, as libldap sends these):
 * its message id (one byte) and protocolOp tag. */
static int
read_message(int fd, int *msgid, int *op)
{
	unsigned char h[2], body[512];
	size_t n;

	if (read_full(fd, h, 2) != 0 || h[0] != 0x30)
		return -1;
	n = h[1];
	if (n & 0x80) {
		unsigned char l[4];
		size_t k = n & 0x7f, i;

		if (k > sizeof(l) || read_full(fd, l, k) != 0)
			return -1;
		for (n = 0, i = 0; i < k; i++)
			n = n << 8 | l[i];
	}
	if (n < 5 || n > sizeof(body) || read_full(fd, body, n) != 0)
		return -1;
	*msgid = body[2];
	*op = body[2 + body[1]];
	return 0;
}

/* Accept one connection: a bind answered with success, then the notice. */
static void *
notice_server(void *arg)
{
	static const unsigned char nod[] = {
		0x30, 0x24, 0x02, 0x01, 0x00, 0x78, 0x1f,
		0x0a, 0x01, 0x34, 0x04, 0x00, 0x04, 0x00,
		0x8a, 0x16, '1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.',
		'1', '4', '6', '6', '.', '2', '0', '0', '3', '6',
	};
	int ls = *(int *)arg, c, msgid, op;
	unsigned char ok[] = { 0x30, 0x0c, 0x02, 0x01, 0x00, 0x61, 0x07,
		0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00 };

	if ((c = accept(ls, NULL, NULL)) < 0)
		return NULL;
	while (read_message(c, &msgid, &op) == 0) {
		if (op == 0x60) {
			ok[4] = (unsigned char)msgid;
			if (write(c, ok, sizeof(ok)) != (ssize_t)sizeof(ok))
				break;
			continue;
		}
		if (op != 0x42 && write(c, nod, sizeof(nod)) != (ssize_t)sizeof(nod))
			break;
		break;
	}
	close(c);
	return NULL;
}

static int
count_cb(const struct dir_entry *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
	return 0;
}

static void
test_notice_of_disconnection(void **state)
{
	char dir[] = "/tmp/govmail-dir-notice-XXXXXX", pw[600], err[512];
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct govmail_conf *c;
	struct dir *d;
	pthread_t th;
	FILE *fp;
	int ls, code, n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(pw, sizeof(pw), "%s/pw", dir);
	assert_non_null(fp = fopen(pw, "w"));
	fputs("not-a-secret\n", fp);
	fclose(fp);

	ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &salen), 0);
	assert_int_equal(pthread_create(&th, NULL, notice_server, &ls), 0);

	c = conf_defaults();
	free(c->ldap_uri);
	c->ldap_uri = xasprintf("ldap://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
	free(c->ldap_bind_password_file);
	c->ldap_bind_password_file = xstrdup(pw);
	d = dir_open(c, err, sizeof(err), &code);
	if (d == NULL)
		fail_msg("dir_open: %s", err);
	assert_int_equal(dir_search(d, "o=govmail", LDAP_SCOPE_SUBTREE, "(objectClass=*)",
	    NULL, count_cb, &n), DIR_UNAVAILABLE);
	assert_int_equal(n, 0);
	if (strstr(dir_error(d), "unavailable") == NULL)
		fail_msg("error '%s' does not name the notice's result", dir_error(d));
	dir_close(d);
	conf_free(c);
	pthread_join(th, NULL);
	close(ls);
	unlink(pw);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notice_of_disconnection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
