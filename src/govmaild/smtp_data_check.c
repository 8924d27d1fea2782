/*
 * smtp_data_check.c — NUL bytes and 8-bit text at the end of DATA (see
 * smtp_data_check.h).
 *
 * NUL: with "reject" the reader produced nothing and the message is
 * refused whole (550 5.6.0, RFC 3463 "other or undefined media error");
 * with "strip" the reader already left the NULs out.
 *
 * 8-bit text: Postfix accepts 8-bit text a client did not declare
 * (strict_8bitmime = no) and tells its next hop BODY=8BITMIME; so does
 * "declare" here. MAIL went to the next hop before the text was seen, so
 * the transaction there is begun again with BODY=8BITMIME. A next hop
 * that does not offer 8BITMIME gets no 8-bit text at all, declared or
 * not: govmaild does not convert to 7 bit (550 5.6.3, "conversion
 * required but not supported").
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "policy.h"
#include "smtp_data.h"
#include "smtp_data_check.h"

int
smtp_data_check_strip_nul(const struct govmail_conf *c)
{
	return strcmp(c->smtpd_nul_in_data, "strip") == 0;
}

static int
smtp_data_check_refuse(struct smtp_data_refusal *why, int code, const char *enh,
    const char *text)
{
	why->code = code;
	snprintf(why->enh, sizeof(why->enh), "%s", enh);
	snprintf(why->text, sizeof(why->text), "%s", text);
	return 1;
}

int
smtp_data_check(const struct govmail_conf *c, unsigned int flags, int body_8bit,
    int nh_8bitmime, int *redeclare, struct smtp_data_refusal *why)
{
	*redeclare = 0;
	if ((flags & SMTP_DATA_NUL) && !smtp_data_check_strip_nul(c)) {
		why->code = 550;
		snprintf(why->enh, sizeof(why->enh), "5.6.0");
		policy_reply_text(why->text, sizeof(why->text), c->policy_reply_nul_in_data, "");
		return 1;
	}
	if (!(flags & SMTP_DATA_8BIT))
		return 0;
	if (!body_8bit && strcmp(c->smtpd_undeclared_8bit, "reject") == 0)
		return smtp_data_check_refuse(why, 550, "5.6.0", "Message refused: 8-bit "
		    "text without BODY=8BITMIME in MAIL FROM");
	if (nh_8bitmime == 0)
		return smtp_data_check_refuse(why, 550, "5.6.3", "Message refused: 8-bit "
		    "text, and the next hop does not accept 8BITMIME");
	*redeclare = !body_8bit;
	return 0;
}
