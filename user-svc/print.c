/*
 * print.c - a private template's vector and print forms: its SVG, kept
 * beside the PNG at conversion time (keys.h), and a one-page PDF that
 * template-svc prints from that SVG on request (PrintPage), with the
 * template's current title. Nothing here converts again.
 *
 * A template converted before SVGs were kept has none: NOT_FOUND with a
 * message that says to convert it again (docs/API.md).
 */
#include <sodium.h>
#include <stdlib.h>

#include "keys.h"
#include "library.h"
#include "support.h"
#include "svc.h"
#include "template.pb-c.h"

#define PRINT_PAGE      "inkwell.template.v1.Templates/PrintPage"
#define PRINT_NO_VECTOR "this page has no vector form; convert it again"

/* print_load reads the caller's template `id` into *t and its SVG into
 * *svg (a string reply). NOT_FOUND for another user's or a missing
 * template, and for one without an SVG. On INK_OK the caller frees both
 * (usvc_lib_template_free, freeReplyObject). */
static ink_err print_load(ink_rpc_ctx *ctx, const char *id, Inkwell__User__V1__Template *t,
                          redisReply **svg)
{
	usvc_worker *w = ctx->worker;
	redisReply *rep = NULL;
	char why[256];
	ink_err err = usvc_lib_load(ctx, id, t);

	if (err != INK_OK)
		return err;
	err = ink_redis_cmd(w->redis, &rep, why, sizeof(why), "GET " USVC_KEY_TEMPLATE_SVG,
	                    ctx->caller->user_id, id);
	if (err != INK_OK) {
		usvc_lib_template_free(t);
		return usvc_db_fail(ctx, err, why);
	}
	if (rep->type != REDIS_REPLY_STRING) {
		freeReplyObject(rep);
		usvc_lib_template_free(t);
		return ink_rpc_fail(ctx, INK_NOT_FOUND, PRINT_NO_VECTOR);
	}
	*svg = rep;
	return INK_OK;
}

ink_err usvc_lib_svg(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__User__V1__TemplateImage img = INKWELL__USER__V1__TEMPLATE_IMAGE__INIT;
	Inkwell__User__V1__Template t;
	redisReply *svg = NULL;
	uint8_t digest[16];
	char etag[33];
	Inkwell__User__V1__TemplateRef *ref = NULL;
	ink_err err = usvc_template_ref(ctx, body, len, &ref);

	if (err != INK_OK)
		return err;
	err = print_load(ctx, ref->id, &t, &svg);
	if (err == INK_OK) {
		/* The SVG's own tag, as the PNG's is the hash of the PNG. */
		crypto_generichash(digest, sizeof(digest), (const uint8_t *)svg->str, svg->len,
		                   NULL, 0);
		sodium_bin2hex(etag, sizeof(etag), digest, sizeof(digest));
		img.svg.data = (uint8_t *)svg->str;
		img.svg.len = svg->len;
		img.etag = etag;
		err = ink_rpc_reply(ctx, &img.base);
		freeReplyObject(svg);
		usvc_lib_template_free(&t);
	}
	inkwell__user__v1__template_ref__free_unpacked(ref, NULL);
	return err;
}

/* print_call has template-svc print svg with title on paper; its
 * PrintedPage becomes this call's reply as it came. */
static ink_err print_call(ink_rpc_ctx *ctx, const redisReply *svg,
                          const Inkwell__User__V1__Template *t, const char *paper)
{
	usvc_app *app = ctx->app;
	Inkwell__Template__V1__PrintPageRequest rq =
	    INKWELL__TEMPLATE__V1__PRINT_PAGE_REQUEST__INIT;
	ProtobufCBinaryData reply;
	char why[512];
	Inkwell__Template__V1__Swatch sw[32], *swp[32];

	/* A numbered page (issue 19) prints with its legend. */
	for (size_t i = 0; i < t->n_palette && i < 32; i++) {
		inkwell__template__v1__swatch__init(&sw[i]);
		sw[i].number = t->palette[i]->number;
		sw[i].rgb = t->palette[i]->rgb;
		sw[i].name = t->palette[i]->name;
		swp[i] = &sw[i];
	}
	rq.n_palette = t->n_palette < 32 ? t->n_palette : 32;
	rq.palette = swp;
	rq.svg.data = (uint8_t *)svg->str;
	rq.svg.len = svg->len;
	rq.title = t->title;
	rq.paper = (char *)paper;
	ink_err err = ink_rpc_call(app->templates, PRINT_PAGE, ctx->caller,
	                           ink_rpc_remaining_ms(ctx, app->cfg.rpc_timeout_ms), &rq.base,
	                           &reply, why, sizeof(why));
	if (err != INK_OK)
		return ink_rpc_fail(ctx, err, "%s", why);
	ink_rpc_reply_raw(ctx, reply);
	return INK_OK;
}

ink_err usvc_lib_print(ink_rpc_ctx *ctx, const uint8_t *body, size_t len)
{
	Inkwell__User__V1__Template t;
	redisReply *svg = NULL;
	ink_err err = usvc_require_user(ctx);

	if (err != INK_OK)
		return err;
	Inkwell__User__V1__PrintTemplateRequest *rq =
	    inkwell__user__v1__print_template_request__unpack(NULL, len, body);
	if (rq == NULL)
		return ink_rpc_fail(ctx, INK_INVALID_ARGUMENT, "request does not parse");
	err = print_load(ctx, rq->id, &t, &svg);
	if (err == INK_OK) {
		err = print_call(ctx, svg, &t, rq->paper);
		freeReplyObject(svg);
		usvc_lib_template_free(&t);
	}
	inkwell__user__v1__print_template_request__free_unpacked(rq, NULL);
	return err;
}
