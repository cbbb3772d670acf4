/*
 * replica_wait.c - WAIT for replicas after an acknowledged write (see
 * replica_wait.h). One copy, so both services word the failure alike and map
 * it to the same "outcome unknown" answer.
 */
#include "replica_wait.h"

#include "config.h"

ink_err ink_replica_wait_config(ink_replica_cfg *out)
{
	ink_replica_cfg rw = {0, 500};
	ink_err err = ink_cfg_int("REDIS_WAIT_REPLICAS", 0, 0, 16, &rw.replicas);

	if (err == INK_OK)
		err = ink_cfg_int("REDIS_WAIT_TIMEOUT_MS", 500, 1, 60000, &rw.timeout_ms);
	if (err == INK_OK)
		*out = rw;
	return err;
}

ink_err ink_replica_wait(ink_redis *r, const ink_replica_cfg *rw, char *why, size_t why_len)
{
	redisReply *rep = NULL;

	if (rw == NULL || rw->replicas <= 0)
		return INK_OK;
	ink_err err = ink_redis_cmd(r, &rep, why, why_len, "WAIT %lld %lld",
	                            (long long)rw->replicas, (long long)rw->timeout_ms);
	if (err != INK_OK)
		return err == INK_UNAVAILABLE ? INK_DEADLINE_EXCEEDED : err;
	long long got = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
	freeReplyObject(rep);
	if (got >= rw->replicas)
		return INK_OK;
	ink_why(why, why_len,
	        "the write reached %lld of %lld replicas within %lld ms (REDIS_WAIT_REPLICAS): "
	        "it could be lost if the primary fails",
	        got < 0 ? 0 : got, (long long)rw->replicas, (long long)rw->timeout_ms);
	return INK_DEADLINE_EXCEEDED;
}
