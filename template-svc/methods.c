/*
 * methods.c - what template-svc serves: its method table and the state each
 * RPC worker owns. Kept apart from main.c so the tests serve exactly the
 * table the binary serves.
 */
#include <stdlib.h>

#include "convert.h"
#include "forget.h"
#include "gallery.h"
#include "health.h"
#include "log.h"
#include "print.h"
#include "reports.h"
#include "svc.h"

#define TSVC_METHOD(name) "inkwell.template.v1.Templates/" name

const ink_rpc_method tsvc_methods[] = {
    {INK_HEALTH_METHOD, tsvc_health},
    {TSVC_METHOD("Convert"), tsvc_convert},
    {TSVC_METHOD("Publish"), gallery_publish},
    {TSVC_METHOD("ListGallery"), gallery_list},
    {TSVC_METHOD("GetGalleryItem"), gallery_get},
    {TSVC_METHOD("GetGalleryImage"), gallery_image},
    {TSVC_METHOD("DeleteGalleryItem"), gallery_delete},
    {TSVC_METHOD("ReportGalleryItem"), reports_create},
    {TSVC_METHOD("ListReports"), reports_list},
    {TSVC_METHOD("ResolveReport"), reports_resolve},
    /* Vector and print outputs (issue 11 part 5). */
    {TSVC_METHOD("PrintPage"), print_page},
    {TSVC_METHOD("GetGallerySvg"), print_gallery_svg},
    {TSVC_METHOD("PrintGalleryPage"), print_gallery_page},
    /* Account erasure (issue 18). */
    {TSVC_METHOD("ForgetUser"), forget_user},
    {NULL, NULL},
};

ink_err tsvc_worker_init(void *app, void **state)
{
	const tsvc_config *cfg = app;
	tsvc_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return INK_RESOURCE_EXHAUSTED;
	ink_err err = ink_redis_open(cfg->redis_addr, (int)cfg->redis_timeout_ms, &w->redis);
	if (err != INK_OK) {
		ink_log_error("PUBLIC_REDIS_ADDR \"%s\" is not host:port", cfg->redis_addr);
		free(w);
		return err;
	}
	*state = w;
	return INK_OK;
}

void tsvc_worker_fini(void *app, void *state)
{
	tsvc_worker *w = state;

	(void)app;
	ink_redis_close(w->redis);
	free(w);
}
