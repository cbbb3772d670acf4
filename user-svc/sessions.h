/*
 * sessions.h - a user's sessions (issue 18): each one keyed by its token's
 * SHA-256 as before, plus a per-user index of opaque session ids, so a user
 * can list them and revoke one or all but the current one.
 */
#ifndef INKWELL_USER_SVC_SESSIONS_H
#define INKWELL_USER_SVC_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "redis.h"
#include "replica_wait.h"
#include "rpc_server.h"

#define USVC_HASH_HEX 65  /* SHA-256 as hex, plus the NUL */
#define USVC_SID_LEN  33  /* a session id: 32 hex characters, plus the NUL */
#define USVC_UA_MAX   200 /* longest user agent kept (bytes; longer is cut) */
/* Field `v` of the metadata of a session whose token names its user (no
 * `session:{hash}` key; session_gate.h): older sessions have none. */
#define USVC_SESSION_V2 "2"
/* A session's last_used_at is kept to this precision (ms, as Lua source):
 * recording every use made each signed-in read a write (an AOF append, a
 * replica's traffic) for a figure the sessions list shows to the minute. */
#define USVC_SESSION_USE_MS "60000"
/* USVC_LUA_TOUCH defines touch(meta key, its last_used_at, now) for a
 * script (after USVC_LUA): records the use when the recorded one is
 * USVC_SESSION_USE_MS old. */
#define USVC_LUA_TOUCH                                                                             \
	"local function touch(km, used, now) "                                                     \
	"  if tonumber(now) - (tonumber(used) or 0) >= " USVC_SESSION_USE_MS " then "              \
	"    redis.call('HSET', km, 'last_used_at', now) end "                                     \
	"end "

/* What a caller is told of a token that names no live session. */
#define USVC_BAD_TOKEN "invalid or expired token"

/* usvc_session_hash writes the hex SHA-256 of token into hex. Pure. */
void usvc_session_hash(const char *token, char hex[USVC_HASH_HEX]);

/* usvc_session_id writes the opaque id of the session whose token hash is
 * `hash`: BLAKE2b-128 of it, so the id names the session without being the
 * key of its token. Pure. */
void usvc_session_id(const char *hash, char sid[USVC_SID_LEN]);

/* usvc_session_create stores a session of user uid for token hash `hash`
 * (a token naming uid: common/session_token.h), its metadata and index
 * entry in one script, expiring after ttl_s, WAITed for rw's replicas (rw
 * NULL: none; too few is INK_DEADLINE_EXCEEDED). pwhash is the stored
 * password hash the sign-in verified. *stored is 1, or 0 when the user is
 * gone or being erased, or its password is no longer pwhash (changed while
 * the sign-in checked it: no session made). Errors: the Redis error of
 * ink_redis_cmd (message in why). */
INK_WUR ink_err usvc_session_create(ink_redis *r, const ink_replica_cfg *rw, const char *uid,
                                    const char *pwhash, const char *hash, const char *ua,
                                    int64_t ttl_s, int *stored, char *why, size_t why_len);

/* usvc_session_resolve finds the user of the session with token hash
 * `hash` and records its use: token_user is the user the token names (one
 * user-slot script, session_gate.h), or "" for an older token (two steps,
 * the session's slot then one user-slot script; see sessions.c): *who (ink_rpc_identity, its
 * caller pointing into it) gets the user's id, name and role. who->user_id
 * is "" when there is no such session, or its user is gone or being
 * erased, or it predates the index and the user has since changed password
 * (such a session is deleted). A live session from before the index is
 * adopted into it. Errors as usvc_session_create. */
INK_WUR ink_err usvc_session_resolve(ink_redis *r, const char *hash, const char *token_user,
                                     ink_rpc_identity *who, char *why, size_t why_len);

/* usvc_session_end deletes the session of token hash `hash` (logout):
 * token_user as for usvc_session_resolve; for an older token the key
 * first, then its metadata; each step WAITed for rw's replicas.
 * *ended is 1, or 0 when there was none. Errors as usvc_session_create. */
INK_WUR ink_err usvc_session_end(ink_redis *r, const ink_replica_cfg *rw, const char *hash,
                                 const char *token_user, int *ended, char *why, size_t why_len);

/* usvc_sessions_revoke_others deletes every session of uid but `keep` (an
 * id; "" keeps none) and marks the user's sessions reset, so one from
 * before the index dies too. When pwhash is non-NULL the password hash is
 * replaced in the same script (WAITed for rw's replicas). *done is 1, or 0 when the user is gone or
 * being erased while pwhash is set (nothing changed). Errors as
 * usvc_session_create. */
INK_WUR ink_err usvc_sessions_revoke_others(ink_redis *r, const ink_replica_cfg *rw,
                                            const char *uid, const char *keep, const char *pwhash,
                                            int *done, char *why, size_t why_len);

/* Handlers (see proto/user.proto): ListSessions (SessionsRequest ->
 * SessionList, newest first) and RevokeSession (NOT_FOUND for an id that is
 * not a live session of the caller). UNAUTHENTICATED when anonymous;
 * INVALID_ARGUMENT for a request that does not parse; UNAVAILABLE when the
 * users Redis is down. */
INK_WUR ink_err usvc_list_sessions(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);
INK_WUR ink_err usvc_revoke_session(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

#endif /* INKWELL_USER_SVC_SESSIONS_H */
