/*
 * content_rules.h - what a valid id, title, report reason and paging cursor
 * are: the content rules, next to account_rules.h's.
 *
 * One copy, used by the edge (to answer 400 before any RPC) and by the
 * services (which never trust their caller), so the two cannot disagree.
 * A reason may hold line breaks and tabs (the web app's reason box has
 * three rows, and a user presses Enter in it); a title is one line.
 */
#ifndef INKWELL_COMMON_CONTENT_RULES_H
#define INKWELL_COMMON_CONTENT_RULES_H

#include <stddef.h>

#include "err.h"

/* Our ids: 128 bits as 32 lowercase hex characters (INK_ID_LEN with NUL). */
#define INK_ID_HEX 32
#define INK_ID_LEN 33

#define INK_TITLE_MAX  100 /* characters */
#define INK_REASON_MAX 500 /* characters */

/* A cursor names (score, id): "<ms>:<id>" (at most 19 + 1 + 32 bytes) in
 * unpadded base64url, so it needs no escaping in a query string. */
#define INK_CURSOR_RAW_MAX 52
#define INK_CURSOR_MAX     72 /* base64url of INK_CURSOR_RAW_MAX bytes, NUL included */

/* ink_text_chars returns how many UTF-8 characters s[0..len) holds, or -1
 * when it contains a control character (U+0000-U+001F, U+007F), except
 * '\n', '\r' and '\t' when line_breaks is non-zero. The encoding itself is
 * not checked here (jansson refuses invalid UTF-8 at the edge). */
long ink_text_chars(const char *s, size_t len, int line_breaks);

/* ink_id_ok returns 1 when s is one of our ids (INK_ID_HEX lowercase hex
 * characters), else 0 (also for NULL). Check before putting an id into a
 * Redis key. */
int ink_id_ok(const char *s);

/* Each rule returns NULL when the NUL-terminated s is acceptable (NULL is
 * not), else a static message for a user ("must be 1-100 characters ..."). */
const char *ink_rule_title(const char *s);
const char *ink_rule_reason(const char *s);

/* ink_cursor_encode writes the cursor naming (score, id) into out.
 * INK_INVALID_ARGUMENT for a negative score or an id that is not ours (a
 * caller bug); out is set on INK_OK only. */
ink_err ink_cursor_encode(long long score, const char *id, char out[INK_CURSOR_MAX]);

/* ink_cursor_decode parses a cursor made by ink_cursor_encode into *score
 * and id. INK_INVALID_ARGUMENT for anything else (a client's bytes); the
 * outputs are set on INK_OK only. */
ink_err ink_cursor_decode(const char *cursor, long long *score, char id[INK_ID_LEN]);

#endif /* INKWELL_COMMON_CONTENT_RULES_H */
