/*
 * unpublished.c - a library record forgets its gallery item when the item
 * goes (issue 16). A template remembers the gallery id it was published as;
 * every removal passes through user-svc (the owner's DeleteGalleryItem, an
 * admin's DeleteGalleryItem or ResolveReport "remove"; ForgetUser removes
 * only items of an account whose library is erased with it), and
 * template-svc's reply names every item removed with its publisher and
 * source key "<uid>:<tid>". So the ids are cleared here, once, and library
 * reads never ask template-svc whether an item still exists (that was one
 * RPC per published template per read).
 *
 * A clear can be lost (Redis down, user-svc killed between the two, a
 * failover before the replica had it): the record then names a removed item
 * until its owner publishes it again (usvc_lib_publish records the new id,
 * or clears the old one when the publish is refused) or unpublishes that id
 * (the NOT_FOUND repair below). Both cost nothing on the read path.
 */
#include "unpublished.h"

#include <stdio.h>
#include <string.h>

#include "content_rules.h"
#include "forward.h"
#include "keys.h"
#include "library.h"
#include "log.h"
#include "svc.h"
#include "template.pb-c.h"

#define UNPUB_DELETE "inkwell.template.v1.Templates/DeleteGalleryItem"

void usvc_lib_forget_gallery(ink_rpc_ctx *ctx, const char *uid, const char *tid, const char *gid)
{
	usvc_worker *w = ctx->worker;
	char why[256];

	if (usvc_lib_set_field(w->redis, uid, tid, "gallery_id", "", gid, why, sizeof(why)) !=
	    INK_OK)
		ink_log_warn("template %s of %s: stale gallery id %s not cleared: %s", tid, uid,
		             gid, why);
}

/* unpub_forget_removed clears the record of one removed item, when its
 * source key is user-svc's "<publisher id>:<template id>" (anything else was
 * not published from a library). */
static void unpub_forget_removed(ink_rpc_ctx *ctx, const Inkwell__Template__V1__RemovedItem *r)
{
	char uid[64];
	const char *colon = strchr(r->source_key, ':');
	size_t n = colon != NULL ? (size_t)(colon - r->source_key) : 0;

	if (n == 0 || n >= sizeof(uid))
		return;
	memcpy(uid, r->source_key, n);
	uid[n] = '\0';
	if (strcmp(uid, r->publisher_id) != 0 || !ink_id_ok(uid) || !ink_id_ok(colon + 1))
		return;
	usvc_lib_forget_gallery(ctx, uid, colon + 1, r->gallery_id);
}

/* unpub_forget_reply clears the records of the items a removal's reply
 * (packed, from template-svc) names. A reply that does not parse clears
 * nothing: it is forwarded as it is. */
static void unpub_forget_reply(ink_rpc_ctx *ctx, ProtobufCBinaryData reply)
{
	if (strcmp(ctx->method, UNPUB_DELETE) == 0) {
		Inkwell__Template__V1__Removal *m =
		    inkwell__template__v1__removal__unpack(NULL, reply.len, reply.data);
		for (size_t i = 0; m != NULL && i < m->n_removed; i++)
			unpub_forget_removed(ctx, m->removed[i]);
		if (m != NULL)
			inkwell__template__v1__removal__free_unpacked(m, NULL);
		return;
	}
	Inkwell__Template__V1__Report *m =
	    inkwell__template__v1__report__unpack(NULL, reply.len, reply.data);
	for (size_t i = 0; m != NULL && i < m->n_removed; i++)
		unpub_forget_removed(ctx, m->removed[i]);
	if (m != NULL)
		inkwell__template__v1__report__free_unpacked(m, NULL);
}

/* unpub_repair clears gallery id gid from every template of the caller
 * that still names it: run when the caller removes an item that is already
 * gone, the one place a lost clear shows. One script on the caller's slot;
 * costs a library scan, on that rare path only. */
static void unpub_repair(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	usvc_worker *w = ctx->worker;
	const char *uid = ctx->caller->user_id;
	redisReply *rep = NULL;
	char why[256], version[USVC_LIB_VERSION_LEN];
	Inkwell__Template__V1__GalleryRef *ref =
	    inkwell__template__v1__gallery_ref__unpack(NULL, len, body);

	if (ref == NULL || uid[0] == '\0' || !ink_id_ok(ref->gallery_id))
		goto out;
	usvc_lib_version_new(version);
	ink_err err =
	    ink_redis_cmd(w->redis, &rep, why, sizeof(why),
	                  "EVAL %s 2 " USVC_KEY_LIBRARY " " USVC_KEY_LIBRARY_VERSION " %s %s %s",
	                  USVC_LUA "local n = 0 "
	                           "for _, tid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do "
	                           "  local k = 'template:{' .. ARGV[1] .. '}:' .. tid "
	                           "  if redis.call('HGET', k, 'gallery_id') == ARGV[2] then "
	                           "    redis.call('HSET', k, 'gallery_id', '') n = n + 1 "
	                           "  end "
	                           "end "
	                           "if n > 0 then redis.call('SET', KEYS[2], ARGV[3]) end return n",
	                  uid, uid, uid, ref->gallery_id, version);
	if (err != INK_OK) {
		ink_log_warn("gallery id %s not cleared from %s's library: %s", ref->gallery_id,
		             uid, why);
		goto out;
	}
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
		ink_log_info("stale gallery id %s cleared from %lld templates of %s",
		             ref->gallery_id, rep->integer, uid);
	freeReplyObject(rep);
out:
	if (ref != NULL)
		inkwell__template__v1__gallery_ref__free_unpacked(ref, NULL);
}

ink_err usvc_forward_removal(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	ProtobufCBinaryData reply;
	ink_err err = usvc_forward_call(ctx, body, len, &reply);

	if (err == INK_NOT_FOUND && strcmp(ctx->method, UNPUB_DELETE) == 0)
		unpub_repair(ctx, body, len);
	if (err != INK_OK)
		return err;
	unpub_forget_reply(ctx, reply);
	ink_rpc_reply_raw(ctx, reply);
	return INK_OK;
}
