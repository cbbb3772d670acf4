/*
 * publish_numbers.c - a numbered page crossing to and from the gallery (issue 19, see
 * publish_numbers.h). Apart from publish.c so its lines-page flow stays as it was.
 */
#include "publish_numbers.h"

#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "support.h"
#include "svc.h"

#define PUBN_IMAGE "inkwell.template.v1.Templates/GetGalleryImage"

void usvc_pub_numbers_fini(usvc_pub_numbers *keep)
{
	if (keep->plain != NULL)
		freeReplyObject(keep->plain);
	if (keep->regions != NULL)
		freeReplyObject(keep->regions);
	keep->plain = keep->regions = NULL;
}

/* pubn_get reads key fmt(uid, tid) into *out (a string or nil). */
static ink_err pubn_get(ink_rpc_ctx *ctx, const char *fmt, const char *tid, redisReply **out)
{
	usvc_worker *w = ctx->worker;
	char why[256], key[USVC_KEY_MAX];

	snprintf(key, sizeof(key), fmt, ctx->caller->user_id, tid);
	ink_err err = ink_redis_cmd(w->redis, out, why, sizeof(why), "GET %s", key);
	return err == INK_OK ? INK_OK : usvc_db_fail(ctx, err, why);
}

static void pubn_blob(const redisReply *r, ProtobufCBinaryData *out)
{
	if (r->type != REDIS_REPLY_STRING)
		return;
	out->data = (uint8_t *)r->str;
	out->len = r->len;
}

ink_err usvc_pub_numbers_load(ink_rpc_ctx *ctx, const Inkwell__User__V1__Template *t,
                              usvc_pub_numbers *keep, Inkwell__Template__V1__PublishRequest *rq)
{
	size_t n = t->n_palette < USVC_PUB_PAL_MAX ? t->n_palette : USVC_PUB_PAL_MAX;

	keep->plain = keep->regions = NULL;
	if (strcmp(t->style, "numbers") != 0)
		return INK_OK;
	ink_err err = pubn_get(ctx, USVC_KEY_TEMPLATE_PLAIN, t->id, &keep->plain);
	if (err == INK_OK)
		err = pubn_get(ctx, USVC_KEY_TEMPLATE_REGIONS, t->id, &keep->regions);
	if (err != INK_OK) {
		usvc_pub_numbers_fini(keep);
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		inkwell__template__v1__swatch__init(&keep->sw[i]);
		keep->sw[i].number = t->palette[i]->number;
		keep->sw[i].rgb = t->palette[i]->rgb;
		keep->sw[i].name = t->palette[i]->name;
		keep->ptr[i] = &keep->sw[i];
	}
	rq->style = t->style;
	rq->palette = keep->ptr;
	rq->n_palette = n;
	pubn_blob(keep->plain, &rq->plain_png);
	pubn_blob(keep->regions, &rq->regions_png);
	return INK_OK;
}

void usvc_save_numbers_fini(usvc_save_numbers *keep)
{
	if (keep->plain != NULL)
		inkwell__template__v1__gallery_image__free_unpacked(keep->plain, NULL);
	if (keep->regions != NULL)
		inkwell__template__v1__gallery_image__free_unpacked(keep->regions, NULL);
	keep->plain = keep->regions = NULL;
}

/* savn_fetch gets gallery item gid's `variant` image into *out. */
static ink_err savn_fetch(ink_rpc_ctx *ctx, const char *gid, const char *variant,
                          Inkwell__Template__V1__GalleryImage **out)
{
	Inkwell__Template__V1__GalleryRef ref = INKWELL__TEMPLATE__V1__GALLERY_REF__INIT;

	ref.gallery_id = (char *)gid;
	ref.variant = (char *)variant;
	return usvc_call_template(ctx, PUBN_IMAGE, &ref.base,
	                          &inkwell__template__v1__gallery_image__descriptor, "an image", 0,
	                          (ProtobufCMessage **)out);
}

ink_err usvc_save_numbers_fetch(ink_rpc_ctx *ctx, const Inkwell__Template__V1__GalleryItem *item,
                                usvc_save_numbers *keep, usvc_numbers *nb)
{
	memset(nb, 0, sizeof(*nb));
	nb->style = "";
	keep->plain = keep->regions = NULL;
	if (strcmp(item->style, "numbers") != 0)
		return INK_OK;
	ink_err err = savn_fetch(ctx, item->gallery_id, "plain", &keep->plain);
	if (err == INK_OK)
		err = savn_fetch(ctx, item->gallery_id, "regions", &keep->regions);
	if (err != INK_OK) {
		usvc_save_numbers_fini(keep);
		return err;
	}
	nb->style = item->style;
	nb->palette = item->palette;
	nb->n_palette = item->n_palette;
	nb->plain_png = keep->plain->png.data;
	nb->plain_png_len = keep->plain->png.len;
	nb->regions_png = keep->regions->png.data;
	nb->regions_png_len = keep->regions->png.len;
	return INK_OK;
}
