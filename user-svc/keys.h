/*
 * keys.h - every Redis key user-svc writes in the users database. Key names
 * are a contract (DESIGN.md): change them only with a migration.
 *
 * `{...}` is a Redis Cluster hash tag: keys that must change together in one
 * script share the tag (a user's keys all share `{uid}`). The name, session
 * and `erasing` keys are on other slots; changes that reach them are ordered
 * steps (accounts.c, sessions.c, erase.c; DESIGN-NOTES "Data that fits a
 * Redis Cluster").
 */
#ifndef INKWELL_USER_SVC_KEYS_H
#define INKWELL_USER_SVC_KEYS_H

/* hash: id, username, role, email, pwhash, created_at (unix ms) */
#define USVC_KEY_USER "user:{%s}"
/* string: folded username -> user id (SET NX makes names unique) */
#define USVC_KEY_USERNAME "username:{%s}"
/* string: user id, with a TTL; named by the SHA-256 (hex) of the token */
#define USVC_KEY_SESSION "session:{%s}"

/* zset: template ids of a user, scored by creation time (unix ms) */
#define USVC_KEY_LIBRARY "user:{%s}:templates"
/* string: the library's version, a random id replaced by every write to the
 * index or to a template hash of the user (issue 16): a copy of a page kept
 * at a version is still right while the version is unchanged. Absent until
 * the first such write: pages are then not kept. */
#define USVC_KEY_LIBRARY_VERSION "user:{%s}:library_version"
/* hash: id, title, width, height, detail, line_width, created_at, etag,
 * gallery_id - named by owner and template id, so a template of another
 * user is simply not found */
#define USVC_KEY_TEMPLATE "template:{%s}:%s"
/* string: the template's PNG; immutable */
#define USVC_KEY_TEMPLATE_PNG "template:{%s}:%s:png"
/* string: the template's SVG (the same curves as the PNG, printed to PDF on
 * request); immutable; absent for templates converted before SVGs were kept */
#define USVC_KEY_TEMPLATE_SVG "template:{%s}:%s:svg"

/* hash: state (pending|done), fp (hex SHA-256 of the request), owner (the
 * call holding it), reply (the packed RPC reply, once done) - one
 * Idempotency-Key of one scope (a user id, or "client:<address>" for a
 * registration); pending: a lease of the call's deadline, done: 24 h */
/* A numbered page's outline without numbers and its 16-bit regions PNG (issue 19): written
 * with the template, deleted with it. */
#define USVC_KEY_TEMPLATE_PLAIN   "template:{%s}:%s:plain"
#define USVC_KEY_TEMPLATE_REGIONS "template:{%s}:%s:regions"

#define USVC_KEY_IDEM "idem:{%s}:%s"

/* Account management (issue 18). */
/* zset: session ids of a user, scored by expiry (unix ms) */
#define USVC_KEY_SESSIONS "user:{%s}:sessions"
/* hash: hash (the token's SHA-256, hex: names its session key), created_at,
 * last_used_at, expires_at (unix ms), user_agent - one session of a user,
 * named by its opaque id; expires with the session */
#define USVC_KEY_SESSION_META "user:{%s}:session:%s"
/* zset: ids of users being erased, scored by when erasure began (unix ms);
 * the user hash then also has `erasing` (see erase.c) */
#define USVC_KEY_ERASING "erasing"
/* The username key of an erased user holds this prefix + its id, with a TTL
 * (USERNAME_HOLD_SECONDS), so the name is not free until the hold ends. */
#define USVC_NAME_HELD "held:"

/* The formats above as Lua functions, for scripts reaching keys named by ids
 * they read from Redis (prepend to the script). */
#define USVC_LUA_KEYS                                                                              \
	"local function k_user(u) return 'user:{' .. u .. '}' end "                                \
	"local function k_session(h) return 'session:{' .. h .. '}' end "                          \
	"local function k_sessions(u) return 'user:{' .. u .. '}:sessions' end "                   \
	"local function k_meta(u, s) return 'user:{' .. u .. '}:session:' .. s end "

/* Every script starts with this shebang: Redis 7 then holds the script to
 * Redis Cluster's rule even for keys it builds itself (not in KEYS) - all in
 * the slot of its KEYS, or the script fails ("do not hash to the same
 * slot"), on a one-node cluster too. Without it Redis allows any key. */
#define USVC_LUA "#!lua\n"

#define USVC_KEY_MAX 160

#endif /* INKWELL_USER_SVC_KEYS_H */
