/*
 * publish_numbers.h - a numbered page crossing to and from the gallery (issue 19): what
 * Publish sends beside the page (style, palette, plain outline, regions PNG) and what Save
 * fetches back, so a gallery item and a saved copy stay numbered.
 */
#ifndef INKWELL_USVC_PUBLISH_NUMBERS_H
#define INKWELL_USVC_PUBLISH_NUMBERS_H

#include <hiredis/hiredis.h>

#include "err.h"
#include "numbers.h"
#include "rpc_server.h"
#include "template.pb-c.h"
#include "user.pb-c.h"

#define USVC_PUB_PAL_MAX 32

/* usvc_pub_numbers: what a PublishRequest borrows while it is sent. */
typedef struct usvc_pub_numbers {
	Inkwell__Template__V1__Swatch sw[USVC_PUB_PAL_MAX], *ptr[USVC_PUB_PAL_MAX];
	redisReply *plain, *regions; /* NULL until read; nil replies for a lines page */
} usvc_pub_numbers;

/* usvc_pub_numbers_load points rq's style, palette, plain_png and regions_png at the caller's
 * template t and its stored images (read into keep; a lines page sends none). Returns the
 * code after usvc_db_fail on a database error; keep is then freed already. On INK_OK free
 * keep with usvc_pub_numbers_fini after sending rq. */
INK_WUR ink_err usvc_pub_numbers_load(ink_rpc_ctx *ctx, const Inkwell__User__V1__Template *t,
                                      usvc_pub_numbers *keep,
                                      Inkwell__Template__V1__PublishRequest *rq);
void usvc_pub_numbers_fini(usvc_pub_numbers *keep);

/* usvc_save_numbers: a gallery item's numbered images, fetched for Save. */
typedef struct usvc_save_numbers {
	Inkwell__Template__V1__GalleryImage *plain, *regions; /* NULL: none */
} usvc_save_numbers;

/* usvc_save_numbers_fetch fills *nb from gallery item `item` (style, palette) and, for a
 * numbered one, its plain and regions images fetched from template-svc into keep (nb borrows
 * both). Fails the call with template-svc's code (NOT_FOUND: the item has gone); keep is then
 * freed already. On INK_OK free keep with usvc_save_numbers_fini after storing. */
INK_WUR ink_err usvc_save_numbers_fetch(ink_rpc_ctx *ctx,
                                        const Inkwell__Template__V1__GalleryItem *item,
                                        usvc_save_numbers *keep, usvc_numbers *nb);
void usvc_save_numbers_fini(usvc_save_numbers *keep);

#endif /* INKWELL_USVC_PUBLISH_NUMBERS_H */
