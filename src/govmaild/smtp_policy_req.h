/*
 * smtp_policy_req.h — the one place where a session's policy request is
 * filled in (MAIL, RCPT and end of data alike), so every stage asks the
 * policy about the same client, HELO, login and directory.
 * Not for: the decision (policy.c) or what the client is told.
 */
#ifndef GOVMAIL_SMTP_POLICY_REQ_H
#define GOVMAIL_SMTP_POLICY_REQ_H

#include "policy.h"

struct smtp_session;

/*
 * The request for stage from the session s: client address, effective
 * HELO, sender, login and directory always; the command's recipient at
 * POLICY_RCPT; recipients so far and direction at RCPT and later; size is
 * the declared one at MAIL and RCPT, else the message's actual size.
 * Content findings (header From:, MIME, signature) are the caller's.
 */
void smtp_policy_request(struct policy_request *rq, const struct smtp_session *s,
    enum policy_stage stage, long long size);

#endif
