/*
 * migrate.c - renaming the public database's keys to their `{gallery}`
 * names (see migrate.h). SCAN per old prefix, then RENAMENX each key whose
 * name has the old shape; the PNG and SVG keys keep their names.
 */
#include "migrate.h"

#include <stdio.h>
#include <string.h>

#include "keys.h"

/* One old shape: `<prefix>{<tag>}<suffix>` becomes `<prefix>{gallery}:<tag><suffix>`. */
typedef struct migrate_shape {
	const char *prefix;
	const char *suffix;
} migrate_shape;

static const migrate_shape migrate_shapes[] = {
    {"public:", ""}, {"public:", ":reports"}, {"published:", ""}, {"report:", ""},
    {"copies:", ""}, {"takedown:", ""},       {NULL, NULL},
};

/* migrate_new_name writes the new name of `key` into out when it has an old
 * shape; 0 when it has none (a new name, a PNG, another key). */
static int migrate_new_name(const char *key, char *out, size_t out_len)
{
	for (const migrate_shape *s = migrate_shapes; s->prefix != NULL; s++) {
		size_t p = strlen(s->prefix);
		if (strncmp(key, s->prefix, p) != 0 || key[p] != '{')
			continue;
		const char *tag = key + p + 1;
		const char *close = strchr(tag, '}');
		if (close == NULL || close == tag || strcmp(close + 1, s->suffix) != 0)
			continue;
		size_t tlen = (size_t)(close - tag);
		if (tlen == strlen("gallery") && strncmp(tag, "gallery", tlen) == 0)
			return 0;
		int n = snprintf(out, out_len, "%s{gallery}:%.*s%s", s->prefix, (int)tlen, tag,
		                 s->suffix);
		return n > 0 && (size_t)n < out_len;
	}
	return 0;
}

/* migrate_rename renames one key to `to` unless that exists. */
static ink_err migrate_rename(ink_redis *r, const char *from, const char *to, long *moved,
                              long *kept, char *why, size_t why_len)
{
	redisReply *rep = NULL;
	ink_err err = ink_redis_cmd(r, &rep, why, why_len, "RENAMENX %s %s", from, to);

	if (err != INK_OK)
		return err;
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1)
		(*moved)++;
	else
		(*kept)++;
	freeReplyObject(rep);
	return INK_OK;
}

/* migrate_batch renames the old-shaped keys of one SCAN reply's batch. */
static ink_err migrate_batch(ink_redis *r, const redisReply *keys, long *moved, long *kept,
                             char *why, size_t why_len)
{
	char to[GALLERY_KEY_MAX + 16];

	for (size_t i = 0; i < keys->elements; i++) {
		const redisReply *k = keys->element[i];
		if (k->type != REDIS_REPLY_STRING || !migrate_new_name(k->str, to, sizeof(to)))
			continue;
		ink_err err = migrate_rename(r, k->str, to, moved, kept, why, why_len);
		if (err != INK_OK)
			return err;
	}
	return INK_OK;
}

/* migrate_prefix walks every key matching `<prefix>{*` once. */
static ink_err migrate_prefix(ink_redis *r, const char *prefix, long *moved, long *kept, char *why,
                              size_t why_len)
{
	char cursor[32] = "0", match[32];

	snprintf(match, sizeof(match), "%s{*", prefix);
	do {
		redisReply *rep = NULL;
		ink_err err = ink_redis_cmd(r, &rep, why, why_len, "SCAN %s MATCH %s COUNT 1000",
		                            cursor, match);
		if (err != INK_OK)
			return err;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
		    rep->element[0]->type != REDIS_REPLY_STRING ||
		    rep->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(rep);
			snprintf(why, why_len, "SCAN: unexpected reply");
			return INK_INTERNAL;
		}
		snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
		err = migrate_batch(r, rep->element[1], moved, kept, why, why_len);
		freeReplyObject(rep);
		if (err != INK_OK)
			return err;
	} while (strcmp(cursor, "0") != 0);
	return INK_OK;
}

ink_err tsvc_migrate_keys(ink_redis *r, long *moved, long *kept, char *why, size_t why_len)
{
	static const char *const prefixes[] = {
	    "public:", "published:", "report:", "copies:", "takedown:"};
	long m = 0, k = 0;
	ink_err err = INK_OK;

	for (size_t i = 0; err == INK_OK && i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		err = migrate_prefix(r, prefixes[i], &m, &k, why, why_len);
	if (err == INK_OK) {
		redisReply *rep = NULL;
		err = ink_redis_cmd(r, &rep, why, why_len, "EXISTS reports:open");
		long long old =
		    err == INK_OK && rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
		if (err == INK_OK)
			freeReplyObject(rep);
		if (err == INK_OK && old == 1)
			err = migrate_rename(r, "reports:open", GALLERY_KEY_REPORTS_OPEN, &m, &k,
			                     why, why_len);
	}
	*moved = m;
	*kept = k;
	return err;
}
