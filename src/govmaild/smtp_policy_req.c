/*
 * smtp_policy_req.c — filling in a session's policy request (see
 * smtp_policy_req.h).
 */
#include <string.h>

#include "smtp_policy_req.h"
#include "smtp_state.h"

void
smtp_policy_request(struct policy_request *rq, const struct smtp_session *s,
    enum policy_stage stage, long long size)
{
	memset(rq, 0, sizeof(*rq));
	rq->stage = stage;
	rq->client_addr = s->client_addr;
	rq->helo = session_effective_helo(s);
	rq->sender = s->sender;
	rq->login = session_login(s);
	rq->dir = s->pdir;
	rq->size = size;
	switch (stage) {
	case POLICY_CONNECT:
	case POLICY_MAIL:
		break;
	case POLICY_RCPT:
		rq->recipient = s->cmd.addr;
		/* FALLTHROUGH */
	case POLICY_DATA:
	case POLICY_SIGNATURE:
		rq->nrcpt = s->nrcpts;
		rq->outbound = s->outbound;
		break;
	}
}
