/*
 * publish.c - crossing between a private library and the public gallery:
 * publishing a template (a copy goes to template-svc) and saving a gallery
 * item into the caller's library (a copy comes back).
 *
 * Publishing is idempotent on template-svc's side, keyed by "<uid>:<tid>",
 * so a retried or repeated publish never makes a second gallery item, and
 * template-svc says which call created it (racing publishes: exactly one
 * 201). The template remembers its newest gallery id for its owner.
 *
 * That id is cleared when the item is removed (unpublished.c: every removal
 * passes through user-svc and names the items it took). A clear that was
 * lost is repaired here when the owner publishes again: the new id replaces
 * it, or a refused publish (no live item under this source) clears it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "idem.h"
#include "keys.h"
#include "log.h"
#include "library.h"
#include "publish_numbers.h"
#include "support.h"
#include "svc.h"
#include "template.pb-c.h"
#include "unpublished.h"

#define PUB_PUBLISH "inkwell.template.v1.Templates/Publish"
#define PUB_ITEM    "inkwell.template.v1.Templates/GetGalleryItem"
#define PUB_IMAGE   "inkwell.template.v1.Templates/GetGalleryImage"
#define PUB_SVG     "inkwell.template.v1.Templates/GetGallerySvg"

/* pub_call calls template-svc with the caller and the time left; the reply
 * body is the caller's to free. Fails the call with template-svc's code. */
static ink_err pub_call(ink_rpc_ctx *ctx, const char *method, const ProtobufCMessage *body,
                        ProtobufCBinaryData *reply)
{
	usvc_app *app = ctx->app;
	char why[512];
	ink_err err = ink_rpc_call(app->templates, method, ctx->caller,
	                           ink_rpc_remaining_ms(ctx, app->cfg.rpc_timeout_ms), body, reply,
	                           why, sizeof(why));

	return err == INK_OK ? INK_OK : ink_rpc_fail(ctx, err, "%s", why);
}

static ink_err pub_load_png(ink_rpc_ctx *ctx, const char *tid, redisReply **png)
{
	usvc_worker *w = ctx->worker;
	char why[256];
	ink_err err = ink_redis_cmd(w->redis, png, why, sizeof(why), "GET " USVC_KEY_TEMPLATE_PNG,
	                            ctx->caller->user_id, tid);

	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	if ((*png)->type != REDIS_REPLY_STRING) {
		freeReplyObject(*png);
		*png = NULL;
		return ink_rpc_fail(ctx, INK_NOT_FOUND, "no template %s", tid);
	}
	return INK_OK;
}

/* pub_load_svg reads template tid's SVG into *svg: a string, or nil for a
 * template converted before SVGs were kept (it is published without). */
static ink_err pub_load_svg(ink_rpc_ctx *ctx, const char *tid, redisReply **svg)
{
	usvc_worker *w = ctx->worker;
	char why[256];
	ink_err err = ink_redis_cmd(w->redis, svg, why, sizeof(why), "GET " USVC_KEY_TEMPLATE_SVG,
	                            ctx->caller->user_id, tid);

	return err == INK_OK ? INK_OK : usvc_db_fail(ctx, err, why);
}

ink_err usvc_lib_set_gallery(ink_rpc_ctx *ctx, const char *id, const char *gid)
{
	usvc_worker *w = ctx->worker;
	char why[256];
	ink_err err = usvc_lib_set_field(w->redis, ctx->caller->user_id, id, "gallery_id", gid,
	                                 NULL, why, sizeof(why));

	if (err != INK_OK)
		return usvc_db_fail(ctx, err, why);
	return usvc_replicated(ctx);
}

static ink_err pub_send(ink_rpc_ctx *ctx, const Inkwell__User__V1__Template *t,
                        const redisReply *png, const redisReply *svg,
                        Inkwell__User__V1__PublishTemplateResponse *out)
{
	Inkwell__Template__V1__PublishRequest rq = INKWELL__TEMPLATE__V1__PUBLISH_REQUEST__INIT;
	usvc_pub_numbers nums;
	char source[80];

	snprintf(source, sizeof(source), "%s:%s", ctx->caller->user_id, t->id);
	rq.source_key = source;
	rq.title = t->title;
	rq.width = t->width;
	rq.height = t->height;
	rq.png.data = (uint8_t *)png->str;
	rq.png.len = png->len;
	if (svg->type == REDIS_REPLY_STRING) {
		rq.svg.data = (uint8_t *)svg->str;
		rq.svg.len = svg->len;
	}
	ink_err err = usvc_pub_numbers_load(ctx, t, &nums, &rq);
	if (err != INK_OK)
		return err;
	err = pub_call(ctx, PUB_PUBLISH, &rq.base, &out->item);
	usvc_pub_numbers_fini(&nums);
	/* Refused: this source has no live item, so a recorded id is stale. */
	if (err == INK_PERMISSION_DENIED && t->gallery_id[0] != '\0')
		usvc_lib_forget_gallery(ctx, ctx->caller->user_id, t->id, t->gallery_id);
	if (err != INK_OK)
		return err;
	Inkwell__Template__V1__GalleryItem *item =
	    inkwell__template__v1__gallery_item__unpack(NULL, out->item.len, out->item.data);
	if (item == NULL)
		return ink_rpc_fail(ctx, INK_INTERNAL,
		                    "template-svc sent an item that does not parse");
	out->already_published = !item->created;
	if (strcmp(item->gallery_id, t->gallery_id) != 0)
		err = usvc_lib_set_gallery(ctx, t->id, item->gallery_id);
	inkwell__template__v1__gallery_item__free_unpacked(item, NULL);
	return err;
}

ink_err usvc_lib_publish(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__User__V1__PublishTemplateResponse out =
	    INKWELL__USER__V1__PUBLISH_TEMPLATE_RESPONSE__INIT;
	Inkwell__User__V1__Template t;
	redisReply *png = NULL, *svg = NULL;
	usvc_idem idem = {0};
	int replayed = 0;
	Inkwell__User__V1__TemplateRef *ref = NULL;
	ink_err err = usvc_template_ref(ctx, body, len, &ref);

	if (err != INK_OK)
		return err;
	err = usvc_idem_begin(ctx, ctx->caller->user_id, ref->idempotency_key, body, len, &idem,
	                      &replayed);
	if (err != INK_OK || replayed) {
		inkwell__user__v1__template_ref__free_unpacked(ref, NULL);
		return err;
	}
	err = usvc_lib_load(ctx, ref->id, &t);
	if (err == INK_OK) {
		err = pub_load_png(ctx, ref->id, &png);
		if (err == INK_OK)
			err = pub_load_svg(ctx, ref->id, &svg);
		if (err == INK_OK)
			err = pub_send(ctx, &t, png, svg, &out);
		if (err == INK_OK)
			err = ink_rpc_reply(ctx, &out.base);
		if (png != NULL)
			freeReplyObject(png);
		if (svg != NULL)
			freeReplyObject(svg);
		free(out.item.data);
		usvc_lib_template_free(&t);
	}
	err = usvc_idem_end(ctx, &idem, err);
	inkwell__user__v1__template_ref__free_unpacked(ref, NULL);
	return err;
}

/* pub_fetch_svg gets a gallery item's SVG from template-svc into *svg, or
 * leaves it NULL when the item has none (published before SVGs were kept:
 * the copy has no vector form either). A failure other than NOT_FOUND
 * fails the call. */
static ink_err pub_fetch_svg(ink_rpc_ctx *ctx, const Inkwell__Template__V1__GalleryRef *ref,
                             Inkwell__Template__V1__GalleryImage **svg)
{
	ink_err err = usvc_call_template(
	    ctx, PUB_SVG, &ref->base, &inkwell__template__v1__gallery_image__descriptor, "an SVG",
	    USVC_CALL_NOT_FOUND_OK, (ProtobufCMessage **)svg);

	return err == INK_NOT_FOUND ? INK_OK : err;
}

/* pub_fetch_item gets a gallery item and its image from template-svc into
 * *item and *image, both set on INK_OK only (the caller frees them). */
static ink_err pub_fetch_item(ink_rpc_ctx *ctx, const char *gid,
                              Inkwell__Template__V1__GalleryItem **item,
                              Inkwell__Template__V1__GalleryImage **image)
{
	Inkwell__Template__V1__GalleryRef ref = INKWELL__TEMPLATE__V1__GALLERY_REF__INIT;
	ProtobufCMessage *it = NULL, *im = NULL;

	ref.gallery_id = (char *)gid;
	ink_err err =
	    usvc_call_template(ctx, PUB_ITEM, &ref.base,
	                       &inkwell__template__v1__gallery_item__descriptor, "an item", 0, &it);
	if (err != INK_OK)
		return err;
	err = usvc_call_template(ctx, PUB_IMAGE, &ref.base,
	                         &inkwell__template__v1__gallery_image__descriptor, "an image", 0,
	                         &im);
	if (err != INK_OK) {
		protobuf_c_message_free_unpacked(it, NULL);
		return err;
	}
	*item = (Inkwell__Template__V1__GalleryItem *)it;
	*image = (Inkwell__Template__V1__GalleryImage *)im;
	return INK_OK;
}

ink_err usvc_lib_save(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__Template__V1__GalleryItem *item = NULL;
	Inkwell__Template__V1__GalleryImage *image = NULL, *svg = NULL;
	Inkwell__Template__V1__GalleryRef ref = INKWELL__TEMPLATE__V1__GALLERY_REF__INIT;
	Inkwell__User__V1__Template t;
	usvc_save_numbers nums = {0};
	usvc_numbers nb;
	usvc_idem idem = {0};
	int replayed = 0;
	ink_err err = usvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__User__V1__SaveGalleryItemRequest *rq =
	    inkwell__user__v1__save_gallery_item_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse");
	err = usvc_idem_begin(ctx, ctx->caller->user_id, rq->idempotency_key, body, len, &idem,
	                      &replayed);
	if (err != INK_OK || replayed) {
		inkwell__user__v1__save_gallery_item_request__free_unpacked(rq, NULL);
		return err;
	}
	err = pub_fetch_item(ctx, rq->gallery_id, &item, &image);
	ref.gallery_id = rq->gallery_id;
	if (err == INK_OK)
		err = pub_fetch_svg(ctx, &ref, &svg);
	if (err == INK_OK)
		err = usvc_save_numbers_fetch(ctx, item, &nums, &nb);
	if (err == INK_OK) {
		err = usvc_lib_store_numbers(
		    ctx, item->title, item->width, item->height, 0, 0, image->png.data,
		    image->png.len, svg ? svg->svg.data : NULL, svg ? svg->svg.len : 0, &nb, &t);
		usvc_save_numbers_fini(&nums);
	}
	if (err == INK_OK) {
		err = ink_rpc_reply(ctx, &t.base);
		usvc_lib_template_free(&t);
	}
	err = usvc_idem_end(ctx, &idem, err);
	if (item != NULL)
		inkwell__template__v1__gallery_item__free_unpacked(item, NULL);
	if (image != NULL)
		inkwell__template__v1__gallery_image__free_unpacked(image, NULL);
	if (svg != NULL)
		inkwell__template__v1__gallery_image__free_unpacked(svg, NULL);
	inkwell__user__v1__save_gallery_item_request__free_unpacked(rq, NULL);
	return err;
}
