/* unpublished.h - library records forget a gallery item that is gone (see unpublished.c). */
#ifndef INKWELL_USER_SVC_UNPUBLISHED_H
#define INKWELL_USER_SVC_UNPUBLISHED_H

#include "err.h"
#include "rpc_server.h"

/* usvc_forward_removal forwards DeleteGalleryItem or ResolveReport like
 * usvc_forward (same reply, same errors), then clears the gallery id of
 * every library record whose item the call removed (template-svc's reply
 * names them, takedown copies of other users too). A record that cannot be
 * cleared is logged, not failed: the removal happened. An owner's
 * DeleteGalleryItem answered NOT_FOUND first clears that id from every
 * template of the caller that still names it (the repair of a clear that
 * was lost), then fails NOT_FOUND as before. */
INK_WUR ink_err usvc_forward_removal(ink_rpc_ctx *ctx, const uint8_t *body, size_t len);

/* usvc_lib_forget_gallery clears template tid of user uid's gallery id when
 * it is still gid (a concurrent publish may have set a new one). Best
 * effort: a failure is logged. */
void usvc_lib_forget_gallery(ink_rpc_ctx *ctx, const char *uid, const char *tid, const char *gid);

#endif /* INKWELL_USER_SVC_UNPUBLISHED_H */
